import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { AbiCoder, Wallet, getAddress, hexlify, keccak256 } from "ethers";
import { ethers } from "hardhat";
import {
  CodecError,
  EMPTY_QUEUE_HEAD,
  Eip712Authorizer,
  L2Domain,
  L2State,
  MAX_U128,
  MAX_U32,
  MerkleIndexError,
  SparseMerkleTree,
  WithdrawalTree,
  chainDeposit,
  computeMerkleRoot,
  createKeccakHasher,
  decodeFloat40,
  decodeTx,
  encodeTx,
  foldDeposits,
  hashWithdrawal,
  ownerOfAddress,
} from "../../src/shared";
import type {
  Account,
  DepositData,
  DepositTx,
  KeccakHasher,
  TransferMessage,
  TransferTx,
  WithdrawMessage,
  WithdrawTx,
  WithdrawalData,
} from "../../src/shared";
import type { SharedHarness } from "../../typechain-types";
import fc from "fast-check";
import { anyDeposit } from "../helpers/arbitraries";
import type { Draw } from "../helpers/property";
import { assertAsyncProperty, exampleOf, forAllDrawsAsync, hexBytes } from "../helpers/property";

/** The order of secp256k1: a private key is in [1, n). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** A random private key. */
const privateKeyOf = (rng: Draw): string =>
  "0x" + (1n + (rng.bigint(256) % (SECP256K1_N - 1n))).toString(16).padStart(64, "0");

const randomAccount = (rng: Draw): Account => ({
  owner: rng.hex(32),
  tokenId: Number(rng.edgy(32)),
  balance: rng.edgy(128),
  nonce: Number(rng.edgy(32)),
});

const randomDeposit = (rng: Draw): DepositData => ({
  from: rng.hex(20),
  to: rng.hex(32),
  tokenId: Number(rng.edgy(32)),
  amount: rng.edgy(128),
  timestamp: rng.edgy(64),
});

const randomWithdrawal = (rng: Draw): WithdrawalData => ({
  recipient: rng.hex(20),
  tokenId: Number(rng.edgy(32)),
  amount: rng.edgy(128),
});

/** A float40 amount; with `maxU128`, one an account can hold (as a signed message needs). */
function randomAmount(rng: Draw, maxU128 = false): bigint {
  for (;;) {
    const amount = rng.bigint(1 + rng.int(35)) * 10n ** BigInt(rng.int(32));
    if (!maxU128 || amount <= MAX_U128) return amount;
  }
}

const bytesOf = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.slice(2), "hex"));

async function deployHarnessFixture() {
  const harness: SharedHarness = await ethers.deployContract("SharedHarness");
  const address = await harness.getAddress();
  const { chainId } = await ethers.provider.getNetwork();
  return { harness, address, chainId, domain: new L2Domain(chainId, address) };
}

/** How each side hashes, signs and recovers one kind of signed transaction. */
interface SignedKind<M extends { nonce: number }, T extends TransferTx | WithdrawTx> {
  kind: T["kind"];
  /** "transfers" or "withdrawals". */
  plural: string;
  /** A random message, with its amount drawn by `amountOf`. */
  messageOf: (rng: Draw, amountOf: (rng: Draw) => bigint) => M;
  digestOnChain: (harness: SharedHarness, m: M) => Promise<string>;
  digest: (domain: L2Domain, m: M) => string;
  signedTx: (domain: L2Domain, wallet: Wallet, m: M) => Promise<T>;
  signerOnChain: (harness: SharedHarness, encoded: Uint8Array, nonce: number) => Promise<string>;
  authorize: (authorizer: Eip712Authorizer, owner: string, tx: T, nonce: number) => boolean;
}

const TRANSFERS: SignedKind<TransferMessage, TransferTx> = {
  kind: "transfer",
  plural: "transfers",
  messageOf: (rng, amountOf) => ({
    from: Number(rng.edgy(32)),
    to: Number(rng.edgy(32)),
    amount: amountOf(rng),
    nonce: Number(rng.edgy(32)),
  }),
  digestOnChain: (harness, m) => harness.transferDigest(m.from, m.to, m.amount, m.nonce),
  digest: (domain, m) => domain.transferDigest(m),
  signedTx: async (domain, wallet, m) => ({
    kind: "transfer",
    ...m,
    signature: await domain.signTransfer(wallet, m),
  }),
  signerOnChain: (harness, encoded, nonce) => harness.transferSigner(encoded, nonce),
  authorize: (authorizer, owner, tx, nonce) => authorizer.authorizeTransfer(owner, tx, nonce),
};

const WITHDRAWALS: SignedKind<WithdrawMessage, WithdrawTx> = {
  kind: "withdraw",
  plural: "withdrawals",
  messageOf: (rng, amountOf) => ({
    from: Number(rng.edgy(32)),
    recipient: getAddress(rng.hex(20)),
    amount: amountOf(rng),
    nonce: Number(rng.edgy(32)),
  }),
  digestOnChain: (harness, m) => harness.withdrawDigest(m.from, m.recipient, m.amount, m.nonce),
  digest: (domain, m) => domain.withdrawDigest(m),
  signedTx: async (domain, wallet, m) => ({
    kind: "withdraw",
    ...m,
    signature: await domain.signWithdraw(wallet, m),
  }),
  signerOnChain: (harness, encoded, nonce) => harness.withdrawSigner(encoded, nonce),
  authorize: (authorizer, owner, tx, nonce) => authorizer.authorizeWithdraw(owner, tx, nonce),
};

/** The harness's EIP-712 digest equals L2Domain's for 60 random messages of the kind. */
function itMatchesDigest<M extends { nonce: number }, T extends TransferTx | WithdrawTx>(
  k: SignedKind<M, T>,
): void {
  it(`equals L2Domain.${k.kind}Digest for 60 random ${k.plural}`, async function () {
    const { harness, domain } = await loadFixture(deployHarnessFixture);
    await forAllDrawsAsync({ runs: 60 }, async (rng) => {
      const m = k.messageOf(rng, (r) => r.edgy(128));
      expect(await k.digestOnChain(harness, m)).to.equal(k.digest(domain, m));
    });
  });
}

/** The harness recovers the signer of 30 messages signed and encoded in TypeScript, as the authorizer does. */
function itRecoversSigner<M extends { nonce: number }, T extends TransferTx | WithdrawTx>(
  k: SignedKind<M, T>,
): void {
  it(`recovers the signer of 30 ${k.plural} signed and encoded in TypeScript`, async function () {
    const { harness, domain } = await loadFixture(deployHarnessFixture);
    const authorizer = new Eip712Authorizer(domain);
    await forAllDrawsAsync({ runs: 30 }, async (rng) => {
      const wallet = new Wallet(privateKeyOf(rng));
      const owner = ownerOfAddress(wallet.address);
      const m = k.messageOf(rng, (r) => randomAmount(r, true));
      const tx = await k.signedTx(domain, wallet, m);
      const encoded = encodeTx(tx);
      expect(await k.signerOnChain(harness, encoded, m.nonce)).to.equal(wallet.address);
      expect(k.authorize(authorizer, owner, tx, m.nonce)).to.equal(true);
      // At any other nonce both sides see someone else.
      const otherNonce = (m.nonce + 1) % (MAX_U32 + 1);
      expect(await k.signerOnChain(harness, encoded, otherNonce)).to.not.equal(wallet.address);
      expect(k.authorize(authorizer, owner, tx, otherNonce)).to.equal(false);
    });
  });
}

describe("SharedHarness (TypeScript ↔ Solidity parity)", function () {
  let keccak: KeccakHasher;

  before(async function () {
    keccak = await createKeccakHasher();
  });

  describe("accountHash", function () {
    it("equals the keccak256 hasher's hashAccount for 100 random accounts", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      await forAllDrawsAsync({ runs: 100 }, async (rng) => {
        const account = randomAccount(rng);
        expect(
          await harness.accountHash(account),
          JSON.stringify(account, (_, v) => String(v)),
        ).to.equal(keccak.toHex(keccak.hashAccount(account)));
      });
    });
  });

  describe("stateRoot", function () {
    it("equals L2State.stateRoot for 50 random depth-32 states built through L2State", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      await forAllDrawsAsync({ runs: 50 }, async (rng) => {
        const state = new L2State(keccak, 32);
        const opened = rng.int(12);
        for (let i = 0; i < opened; i++) state.openAccount(randomAccount(rng));
        for (let i = 0; i < opened; i += 3) state.setAccount(rng.int(opened), randomAccount(rng));
        expect(await harness.stateRoot(state.accountsRoot, state.nextIndex)).to.equal(state.stateRoot);
      });
    });

    it("equals H(accountsRoot, uint256(nextIndex)) for 50 random roots and next indices up to 2^32 - 1", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      await forAllDrawsAsync({ runs: 50 }, async (rng) => {
        const root = rng.hex(32);
        const nextIndex = Number(rng.edgy(32));
        const expected = keccak.toHex(
          keccak.hashPair(keccak.fromHex(root), keccak.fromUint(BigInt(nextIndex))),
        );
        expect(await harness.stateRoot(root, nextIndex)).to.equal(expected);
      });
    });
  });

  describe("merkleRoot", function () {
    it("rebuilds the root of a random depth-32 SparseMerkleTree from 60 proofs", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      // Two trees of 30 proofs each.
      await forAllDrawsAsync({ runs: 2 }, async (rng) => {
        const tree = new SparseMerkleTree(keccak, 32);
        const written: number[] = [];
        for (let k = 0; k < 30; k++) {
          // Grow the tree as we go, and prove written leaves, empty leaves and the two ends.
          const index = Number(rng.edgy(32));
          tree.update(index, keccak.hashAccount(randomAccount(rng)));
          written.push(index);
          const probe = rng.pick([written[rng.int(written.length)], Number(rng.edgy(32)), 0, MAX_U32]);
          const proof = tree.proof(probe);
          expect(await harness.merkleRoot(proof.leaf, proof.index, proof.siblings), `leaf ${probe}`).to.equal(
            tree.rootHex,
          );
        }
      });
    });

    it("equals computeMerkleRoot for 50 random proofs of depth 0 to 48", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      await forAllDrawsAsync({ runs: 50 }, async (rng) => {
        const depth = rng.int(49);
        const siblings = Array.from({ length: depth }, () => rng.hex(32));
        const index = Number(rng.bigint(depth));
        const leaf = rng.hex(32);
        const expected = computeMerkleRoot(
          keccak,
          keccak.fromHex(leaf),
          index,
          siblings.map((s) => keccak.fromHex(s)),
        );
        expect(await harness.merkleRoot(leaf, index, siblings)).to.equal(keccak.toHex(expected));
      });
    });

    it("rebuilds the root of 30 random WithdrawalTrees from a proof of one of their leaves", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      await forAllDrawsAsync({ runs: 30 }, async (rng) => {
        const withdrawals = Array.from({ length: 1 + rng.int(40) }, () => randomWithdrawal(rng));
        const tree = new WithdrawalTree(keccak, withdrawals);
        const index = rng.int(withdrawals.length);
        const proof = tree.proof(index);
        expect(proof.leaf).to.equal(await harness.withdrawalHash(withdrawals[index]));
        expect(await harness.merkleRoot(proof.leaf, proof.index, proof.siblings)).to.equal(tree.root);
      });
    });

    it("reverts with MerkleIndexOutOfRange where computeMerkleRoot throws MerkleIndexError", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      await forAllDrawsAsync({ runs: 2 }, async (rng) => {
        for (const depth of [0, 1, 5, 32]) {
          const siblings = Array.from({ length: depth }, () => rng.hex(32));
          const index = 2 ** depth + rng.int(2 ** depth);
          await expect(harness.merkleRoot(rng.hex(32), index, siblings))
            .to.be.revertedWithCustomError(harness, "MerkleIndexOutOfRange")
            .withArgs(index, depth);
          expect(() =>
            computeMerkleRoot(
              keccak,
              keccak.zero,
              index,
              siblings.map((s) => keccak.fromHex(s)),
            ),
          ).to.throw(MerkleIndexError);
        }
      });
    });
  });

  describe("withdrawalHash", function () {
    it("equals hashWithdrawal for 100 random withdrawals", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      await forAllDrawsAsync({ runs: 100 }, async (rng) => {
        const withdrawal = randomWithdrawal(rng);
        expect(await harness.withdrawalHash(withdrawal)).to.equal(hashWithdrawal(withdrawal));
      });
    });
  });

  describe("depositChain / depositFold", function () {
    it("chains 100 random deposits onto random heads as chainDeposit does", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      await forAllDrawsAsync({ runs: 100 }, async (rng) => {
        const head = rng.int(10) === 0 ? EMPTY_QUEUE_HEAD : rng.hex(32);
        const deposit = randomDeposit(rng);
        expect(await harness.depositChain(head, deposit)).to.equal(chainDeposit(head, deposit));
      });
    });

    it("keeps the high 208 bits of keccak256 and clears the low 48 (where the bridge keeps the timestamp)", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      await forAllDrawsAsync({ runs: 20 }, async (rng) => {
        const head = rng.hex(32);
        const deposit = randomDeposit(rng);
        const hash = keccak256(
          AbiCoder.defaultAbiCoder().encode(
            ["bytes32", "address", "bytes32", "uint32", "uint128", "uint64"],
            [head, deposit.from, deposit.to, deposit.tokenId, deposit.amount, deposit.timestamp],
          ),
        );
        const chained = await harness.depositChain(head, deposit);
        expect(chained.slice(0, 54)).to.equal(hash.slice(0, 54)); // 0x + 52 hex digits = 208 bits
        expect(chained.slice(54)).to.equal("0".repeat(12));
      });
    });

    it("folds 30 random queues of 0 to 12 deposits as foldDeposits does", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      await forAllDrawsAsync({ runs: 30 }, async (rng) => {
        const head = rng.int(5) === 0 ? EMPTY_QUEUE_HEAD : rng.hex(32);
        const deposits = Array.from({ length: rng.int(13) }, () => randomDeposit(rng));
        expect(await harness.depositFold(head, deposits)).to.equal(foldDeposits(head, deposits));
      });
      expect(await harness.depositFold(EMPTY_QUEUE_HEAD, [])).to.equal(EMPTY_QUEUE_HEAD);
      expect(foldDeposits(EMPTY_QUEUE_HEAD, [])).to.equal(EMPTY_QUEUE_HEAD);
    });
  });

  describe("float40", function () {
    it("decodes 100 random 40-bit values, and the edges, as decodeFloat40 does", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      for (const packed of [0n, 1n, (1n << 35n) - 1n, 1n << 35n, (1n << 40n) - 1n]) {
        expect(await harness.float40(packed), `${packed}`).to.equal(decodeFloat40(packed));
      }
      await assertAsyncProperty(
        fc.asyncProperty(fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }), async (packed) => {
          expect(await harness.float40(packed)).to.equal(decodeFloat40(packed));
        }),
        { runs: 100 },
      );
    });
  });

  describe("decodeDeposit / decodeTransfer / decodeWithdraw", function () {
    it("reads every field of 60 TypeScript-encoded deposits", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      await forAllDrawsAsync({ runs: 60 }, async (rng) => {
        const tx: DepositTx = {
          kind: "deposit",
          accountHint: Number(rng.edgy(32)),
          deposit: randomDeposit(rng),
        };
        const encoded = encodeTx(tx);
        expect(await harness.txKind(encoded)).to.equal(1n);
        const d = await harness.decodeDeposit(encoded);
        expect({
          accountHint: Number(d.accountHint),
          deposit: {
            from: d.from.toLowerCase(),
            to: d.to,
            tokenId: Number(d.tokenId),
            amount: d.amount,
            timestamp: d.timestamp,
          },
        }).to.deep.equal({ accountHint: tx.accountHint, deposit: tx.deposit });
      });
    });

    it("reads every field of 60 TypeScript-encoded transfers, amounts above 2^128 included", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      await forAllDrawsAsync({ runs: 60 }, async (rng) => {
        const tx: TransferTx = {
          kind: "transfer",
          from: Number(rng.edgy(32)),
          to: Number(rng.edgy(32)),
          amount: randomAmount(rng),
          signature: rng.hex(64),
        };
        const encoded = encodeTx(tx);
        expect(await harness.txKind(encoded)).to.equal(2n);
        const t = await harness.decodeTransfer(encoded);
        expect({ from: Number(t.from), to: Number(t.to), amount: t.amount, r: t.r, vs: t.vs }).to.deep.equal({
          from: tx.from,
          to: tx.to,
          amount: tx.amount,
          r: tx.signature.slice(0, 66),
          vs: "0x" + tx.signature.slice(66),
        });
      });
    });

    it("reads every field of 60 TypeScript-encoded withdrawals", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      await forAllDrawsAsync({ runs: 60 }, async (rng) => {
        const tx: WithdrawTx = {
          kind: "withdraw",
          from: Number(rng.edgy(32)),
          recipient: rng.hex(20),
          amount: randomAmount(rng),
          signature: rng.hex(64),
        };
        const encoded = encodeTx(tx);
        expect(await harness.txKind(encoded)).to.equal(3n);
        const w = await harness.decodeWithdraw(encoded);
        expect({
          from: Number(w.from),
          recipient: w.recipient.toLowerCase(),
          amount: w.amount,
          r: w.r,
          vs: w.vs,
        }).to.deep.equal({
          from: tx.from,
          recipient: tx.recipient,
          amount: tx.amount,
          r: tx.signature.slice(0, 66),
          vs: "0x" + tx.signature.slice(66),
        });
      });
    });

    it("reports kind 0 for empty input", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      expect(await harness.txKind("0x")).to.equal(0n);
    });

    describe("malformed input", function () {
      const samples = {
        deposit: encodeTx({ kind: "deposit", accountHint: 3, deposit: exampleOf(anyDeposit, 15) }),
        transfer: encodeTx({
          kind: "transfer",
          from: 1,
          to: 2,
          amount: 10n ** 18n,
          signature: exampleOf(hexBytes(64), 16),
        }),
        withdraw: encodeTx({
          kind: "withdraw",
          from: 1,
          recipient: exampleOf(hexBytes(20), 17),
          amount: 5n,
          signature: exampleOf(hexBytes(64), 18),
        }),
      };
      const decoders = [
        {
          fn: "decodeDeposit",
          kind: "deposit",
          id: 1,
          decode: (h: SharedHarness, b: Uint8Array) => h.decodeDeposit(b),
        },
        {
          fn: "decodeTransfer",
          kind: "transfer",
          id: 2,
          decode: (h: SharedHarness, b: Uint8Array) => h.decodeTransfer(b),
        },
        {
          fn: "decodeWithdraw",
          kind: "withdraw",
          id: 3,
          decode: (h: SharedHarness, b: Uint8Array) => h.decodeWithdraw(b),
        },
        {
          fn: "transferSigner",
          kind: "transfer",
          id: 2,
          decode: (h: SharedHarness, b: Uint8Array) => h.transferSigner(b, 0),
        },
        {
          fn: "withdrawSigner",
          kind: "withdraw",
          id: 3,
          decode: (h: SharedHarness, b: Uint8Array) => h.withdrawSigner(b, 0),
        },
      ] as const;

      for (const { fn, kind, id, decode } of decoders) {
        const good = samples[kind];

        it(`${fn} reverts with L2TxMalformed(${id}, length) for a ${kind} of the wrong length; decodeTx throws CodecError`, async function () {
          const { harness } = await loadFixture(deployHarnessFixture);
          const inputs = [
            good.subarray(0, good.length - 1),
            Uint8Array.from([...good, 0]),
            good.subarray(0, 1),
            new Uint8Array(0),
          ];
          for (const input of inputs) {
            await expect(decode(harness, input))
              .to.be.revertedWithCustomError(harness, "L2TxMalformed")
              .withArgs(id, input.length);
            expect(() => decodeTx(input)).to.throw(CodecError);
          }
        });

        it(`${fn} reverts with L2TxMalformed(${id}, length) for a ${kind} with another kind byte; decodeTx throws CodecError`, async function () {
          const { harness } = await loadFixture(deployHarnessFixture);
          for (const other of [0, 1, 2, 3, 4, 0xff].filter((b) => b !== id)) {
            const input = Uint8Array.from(good);
            input[0] = other;
            await expect(decode(harness, input))
              .to.be.revertedWithCustomError(harness, "L2TxMalformed")
              .withArgs(id, good.length);
            expect(() => decodeTx(input)).to.throw(CodecError);
          }
        });
      }
    });
  });

  describe("transferDigest / withdrawDigest", function () {
    it("has the EIP-712 domain L2Domain signs for: Strata, 1, the chain id, the harness", async function () {
      const { harness, address, chainId, domain } = await loadFixture(deployHarnessFixture);
      const d = await harness.eip712Domain();
      expect([d.name, d.version, d.chainId, d.verifyingContract]).to.deep.equal([
        domain.domain.name,
        domain.domain.version,
        chainId,
        address,
      ]);
      expect(chainId).to.equal(31337n);
    });

    itMatchesDigest(TRANSFERS);
    itMatchesDigest(WITHDRAWALS);

    it("differs from the digest of a domain with another chain id or another contract", async function () {
      const { harness, address, chainId } = await loadFixture(deployHarnessFixture);
      const m = { from: 1, to: 2, amount: 3n, nonce: 4 };
      const onChain = await harness.transferDigest(m.from, m.to, m.amount, m.nonce);
      expect(new L2Domain(chainId, address).transferDigest(m)).to.equal(onChain);
      expect(new L2Domain(chainId + 1n, address).transferDigest(m)).to.not.equal(onChain);
      expect(new L2Domain(chainId, getAddress("0x" + "5a".repeat(20))).transferDigest(m)).to.not.equal(
        onChain,
      );
    });
  });

  describe("transferSigner / withdrawSigner", function () {
    itRecoversSigner(TRANSFERS);
    itRecoversSigner(WITHDRAWALS);

    it("recovers a signature decoded from calldata hex the same way as from the bytes", async function () {
      const { harness, domain } = await loadFixture(deployHarnessFixture);
      const wallet = new Wallet("0x" + "a1".repeat(32));
      const m = { from: 7, to: 8, amount: 10n ** 18n, nonce: 0 };
      const encoded = hexlify(
        encodeTx({ kind: "transfer", ...m, signature: await domain.signTransfer(wallet, m) }),
      );
      expect(await harness.transferSigner(encoded, 0)).to.equal(wallet.address);
      expect(await harness.transferSigner(bytesOf(encoded), 0)).to.equal(wallet.address);
      expect(decodeTx(encoded)).to.include({ from: 7, to: 8, amount: 10n ** 18n });
    });
  });
});
