import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, getAddress, hexlify, toBeHex, zeroPadValue } from "ethers";
import { AmountNotRepresentableError, decodeFloat40, encodeFloat40 } from "../../src/shared/float40";
import { L2State } from "../../src/shared/state";
import type { DepositData } from "../../src/shared/types";
import { SNARK_SCALAR_FIELD, genesisRoot, loadPoseidon, rollupRoot, zkDomain } from "../../src/zk/domain";
import {
  ZkBatchTooLargeError,
  ZkDepositMismatchError,
  ZkFeeRecipientError,
  ZkFieldWidthError,
  ZkForcedMismatchError,
  ZkPubdataError,
  decodePubdata,
  encodePubdata,
  isCarriable,
  publicInputs,
  slotElement,
  splitDeposits,
} from "../../src/zk/pubdata";
import type {
  ZkDepositTx,
  ZkForcedRequest,
  ZkForcedTx,
  ZkPublishedTx,
  ZkTransferTx,
  ZkTx,
  ZkWithdrawBody,
} from "../../src/zk/types";
import { PUBDATA_BYTES, SLOT_BITS, SLOT_OFFSET } from "../../src/zk/types";
import type { Draw } from "../helpers/property";
import { forAllDraws, forAllDrawsAsync } from "../helpers/property";
import type { ZkFixture } from "./fixtures";
import {
  BATCH_SIZE,
  deployZkFixture,
  deposit,
  plainDeposit,
  randomProof,
  unconsumedDeposits,
} from "./fixtures";

const ALICE = "0x70997970C51812dc3A010C7d01b50e20d4dc79C8";
const BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

function makeDeposit(overrides: Partial<DepositData> = {}): DepositData {
  return {
    from: ALICE,
    to: zeroPadValue(BOB, 32),
    tokenId: 1,
    amount: 10n ** 18n,
    timestamp: 1_700_000_000n,
    ...overrides,
  };
}

const SIGNATURE = { R8x: 1n, R8y: 2n, S: 3n };

/** Field `name` of a slot element. */
function field(slot: bigint, name: keyof typeof SLOT_BITS): bigint {
  return (slot >> BigInt(SLOT_OFFSET[name])) & ((1n << BigInt(SLOT_BITS[name])) - 1n);
}

/** A random float40 amount: a random mantissa times a random power of ten (at most `maxExponent`). */
function randomFloat40(rng: Draw, maxExponent: number): bigint {
  return decodeFloat40((BigInt(rng.int(maxExponent + 1)) << 35n) | rng.edgy(35));
}

/** A random address. */
function randomAddress(rng: Draw): string {
  return getAddress(rng.hex(20));
}

describe("zk pubdata", function () {
  describe("slotElement", function () {
    it("succeeds with 0 for a noop", function () {
      expect(slotElement(undefined)).to.equal(0n);
    });

    it("succeeds packing a deposit: kind 1, account, owner, token, float40 amount", function () {
      const d = makeDeposit({ amount: 25n * 10n ** 20n });
      const slot = slotElement({ kind: "deposit", account: 7, deposit: d });
      expect(field(slot, "kind")).to.equal(1n);
      expect(field(slot, "a")).to.equal(7n);
      expect(field(slot, "b")).to.equal(BigInt(BOB));
      expect(field(slot, "token")).to.equal(1n);
      expect(field(slot, "amount")).to.equal(encodeFloat40(d.amount));
      expect(slot).to.equal(
        1n + (7n << 2n) + (BigInt(BOB) << 34n) + (1n << 194n) + (encodeFloat40(d.amount) << 210n),
      );
    });

    it("succeeds packing a transfer: kind 2, from, to, token 0, amount; the signature is not in it", function () {
      const tx: ZkTransferTx = {
        kind: "transfer",
        from: 3,
        to: 2 ** 32 - 1,
        amount: 99n,
        signature: SIGNATURE,
      };
      const slot = slotElement(tx);
      expect(slot).to.equal(2n + (3n << 2n) + (BigInt(2 ** 32 - 1) << 34n) + (99n << 210n));
      expect(slotElement({ kind: "transfer", from: 3, to: 2 ** 32 - 1, amount: 99n })).to.equal(slot);
    });

    it("succeeds packing a withdrawal: kind 3, from, recipient, token, amount", function () {
      const slot = slotElement({
        kind: "withdraw",
        from: 1,
        recipient: ALICE,
        tokenId: 65535,
        amount: 10n ** 40n,
      });
      expect(field(slot, "kind")).to.equal(3n);
      expect(field(slot, "a")).to.equal(1n);
      expect(field(slot, "b")).to.equal(BigInt(ALICE));
      expect(field(slot, "token")).to.equal(65535n);
      expect(decodeFloat40(field(slot, "amount"))).to.equal(10n ** 40n);
    });

    it("succeeds below 2^250 (< p) with every field at its maximum", function () {
      const max = (1n << 35n) - 1n + (31n << 35n);
      const slot = slotElement({
        kind: "withdraw",
        from: 2 ** 32 - 1,
        recipient: "0x" + "ff".repeat(20),
        tokenId: 2 ** 16 - 1,
        amount: decodeFloat40(max),
      });
      expect(slot).to.equal((1n << 250n) - 1n);
      expect(slot).to.be.lt(SNARK_SCALAR_FIELD);
    });

    const tooWide: [string, ZkPublishedTx, string][] = [
      ["a deposit's account ≥ 2^32", { kind: "deposit", account: 2 ** 32, deposit: makeDeposit() }, "a"],
      [
        "a deposit's owner ≥ 2^160",
        { kind: "deposit", account: 0, deposit: makeDeposit({ to: "0x01" + "00".repeat(31) }) },
        "b",
      ],
      [
        "a deposit's token ≥ 2^16",
        { kind: "deposit", account: 0, deposit: makeDeposit({ tokenId: 2 ** 16 }) },
        "token",
      ],
      ["a transfer's from < 0", { kind: "transfer", from: -1, to: 0, amount: 1n }, "a"],
      ["a transfer's to ≥ 2^160", { kind: "transfer", from: 0, to: 2 ** 170, amount: 1n }, "b"],
      [
        "a withdrawal's token ≥ 2^16",
        { kind: "withdraw", from: 0, recipient: ALICE, tokenId: 70000, amount: 1n },
        "token",
      ],
    ];
    for (const [what, tx, name] of tooWide) {
      it(`throws ZkFieldWidthError when ${what}`, function () {
        expect(() => slotElement(tx))
          .to.throw(ZkFieldWidthError)
          .with.property("field", name);
      });
    }

    it("throws ZkFieldWidthError (caused by AmountNotRepresentableError) when an amount is no float40", function () {
      for (const amount of [(1n << 35n) + 1n, -1n, (1n << 35n) * 10n ** 32n]) {
        try {
          slotElement({ kind: "transfer", from: 0, to: 1, amount });
          expect.fail("no error");
        } catch (e) {
          expect(e).to.be.instanceOf(ZkFieldWidthError);
          expect((e as ZkFieldWidthError).field).to.equal("amount");
          expect((e as ZkFieldWidthError).cause).to.be.instanceOf(AmountNotRepresentableError);
        }
      }
    });
  });

  describe("isCarriable", function () {
    it("succeeds for an owner below 2^160, a token below 2^16 and a float40 amount", function () {
      expect(isCarriable(makeDeposit())).to.equal(true);
      expect(
        isCarriable(makeDeposit({ to: "0x" + "00".repeat(12) + "ff".repeat(20), tokenId: 65535 })),
      ).to.equal(true);
      expect(isCarriable(makeDeposit({ amount: (1n << 35n) - 1n }))).to.equal(true);
    });

    it("fails for a wide owner, a wide token or an amount that is no float40", function () {
      expect(isCarriable(makeDeposit({ to: "0x" + "00".repeat(11) + "01" + "00".repeat(20) }))).to.equal(
        false,
      );
      expect(isCarriable(makeDeposit({ tokenId: 65536 }))).to.equal(false);
      expect(isCarriable(makeDeposit({ amount: (1n << 35n) + 1n }))).to.equal(false);
    });

    it("splitDeposits keeps queue order within each side", function () {
      const a = makeDeposit({ amount: 1n });
      const b = makeDeposit({ tokenId: 65536 });
      const c = makeDeposit({ amount: 2n });
      expect(splitDeposits([a, b, c])).to.deep.equal({ carried: [a, c], refunded: [b] });
    });
  });

  describe("encodePubdata", function () {
    it("succeeds with 5, 14 and 32 bytes per kind, big-endian", function () {
      const d = makeDeposit();
      const bytes = encodePubdata([
        { kind: "deposit", account: 0x01020304, deposit: d },
        { kind: "transfer", from: 5, to: 6, amount: 7n },
        { kind: "withdraw", from: 8, recipient: ALICE, tokenId: 0x0102, amount: 9n },
      ]);
      expect(bytes.length).to.equal(PUBDATA_BYTES.deposit + PUBDATA_BYTES.transfer + PUBDATA_BYTES.withdraw);
      expect(hexlify(bytes)).to.equal(
        "0x" +
          "0101020304" +
          ("02" + "00000005" + "00000006" + "0000000007") +
          ("03" + "00000008" + ALICE.slice(2).toLowerCase() + "0102" + "0000000009"),
      );
    });

    it("throws ZkFieldWidthError when an index does not fit u32 or a token u16", function () {
      expect(() => encodePubdata([{ kind: "transfer", from: 0, to: 2 ** 32, amount: 1n }]))
        .to.throw(ZkFieldWidthError)
        .with.property("field", "to");
      expect(() =>
        encodePubdata([{ kind: "withdraw", from: 0, recipient: ALICE, tokenId: 2 ** 16, amount: 1n }]),
      )
        .to.throw(ZkFieldWidthError)
        .with.property("field", "tokenId");
      expect(() => encodePubdata([{ kind: "deposit", account: -1, deposit: makeDeposit() }]))
        .to.throw(ZkFieldWidthError)
        .with.property("field", "account");
    });
  });

  describe("decodePubdata", function () {
    it("succeeds rebuilding random batches, skipping the refunded deposits", function () {
      forAllDraws({ runs: 50 }, (rng) => {
        const { txs, consumed } = randomBatch(rng, 1 + rng.int(8));
        const decoded = decodePubdata(encodePubdata(txs), consumed);
        expect(decoded).to.deep.equal(txs.map(unsigned));
      });
    });

    it("throws ZkPubdataError when a transaction is cut short", function () {
      const bytes = encodePubdata([{ kind: "transfer", from: 0, to: 1, amount: 1n }]);
      for (let cut = 1; cut < bytes.length; cut++) {
        expect(() => decodePubdata(bytes.subarray(0, cut), [])).to.throw(ZkPubdataError, /truncated/);
      }
    });

    it("pairs a refund (0x05, one byte) with the next carriable deposit, as the contract does", function () {
      const refunded = makeDeposit({ tokenId: 1 << 16 });
      const noRoom = makeDeposit({ amount: 5n });
      const bytes = encodePubdata([{ kind: "refund", deposit: noRoom }]);
      expect([...bytes]).to.deep.equal([5]);
      expect(decodePubdata(bytes, [refunded, noRoom])).to.deep.equal([{ kind: "refund", deposit: noRoom }]);
      expect(() => decodePubdata(bytes, [refunded])).to.throw(ZkDepositMismatchError);
    });

    it("throws ZkPubdataError when a kind byte is unknown (a noop is never published)", function () {
      for (const kind of [0, 6, 255]) {
        expect(() => decodePubdata(Uint8Array.from([kind, 0, 0, 0, 0]), [])).to.throw(ZkPubdataError, /kind/);
      }
    });

    it("throws ZkDepositMismatchError when deposit slots and carriable deposits do not pair up", function () {
      const carried = makeDeposit();
      const refunded = makeDeposit({ tokenId: 1 << 16 });
      const slot = encodePubdata([{ kind: "deposit", account: 0, deposit: carried }]);
      expect(() => decodePubdata(slot, [])).to.throw(ZkDepositMismatchError);
      expect(() => decodePubdata(slot, [refunded])).to.throw(ZkDepositMismatchError);
      expect(() => decodePubdata(slot, [carried, carried])).to.throw(ZkDepositMismatchError);
      expect(decodePubdata(slot, [refunded, carried, refunded])).to.have.length(1);
    });
  });

  describe("forced withdrawals", function () {
    const request = (index: number): ZkForcedRequest => ({
      index,
      requester: ALICE,
      account: 2 ** 32 - 1,
      owner: (1n << 160n) - 1n,
      tokenId: 2 ** 16 - 1,
      amount: 25n * 10n ** 20n,
      requestedAt: 1000n,
    });
    const forced = (index: number, effective: boolean): ZkForcedTx => ({
      kind: "forced",
      request: request(index),
      effective,
    });

    it("succeeds packing a forced withdrawal: a withdraw slot of the requester's owner, bit 250, bit 251 when effective", function () {
      const r = request(0);
      const base =
        3n +
        (BigInt(r.account) << 2n) +
        (r.owner << 34n) +
        (BigInt(r.tokenId) << 194n) +
        (encodeFloat40(r.amount) << 210n);
      expect(slotElement(forced(0, false))).to.equal(base + (1n << 250n));
      expect(slotElement(forced(0, true))).to.equal(base + (1n << 250n) + (1n << 251n));
      expect(slotElement(forced(0, true))).to.be.lessThan(1n << 252n);
    });

    it("succeeds with 2 bytes: 0x04 and the effective bit", function () {
      expect(hexlify(encodePubdata([forced(0, true), forced(1, false)]))).to.equal("0x04010400");
      expect(PUBDATA_BYTES.forced).to.equal(2);
    });

    it("decodes each forced slot as the next request, in queue order", function () {
      const bytes = encodePubdata([
        forced(3, false),
        { kind: "transfer", from: 0, to: 1, amount: 1n },
        forced(4, true),
      ]);
      const decoded = decodePubdata(bytes, [], [request(3), request(4), request(5)]);
      expect(decoded).to.deep.equal([
        forced(3, false),
        { kind: "transfer", from: 0, to: 1, amount: 1n },
        forced(4, true),
      ]);
    });

    it("throws ZkForcedMismatchError when a forced slot finds no request left", function () {
      const bytes = encodePubdata([forced(0, true), forced(1, true)]);
      expect(() => decodePubdata(bytes, [], [request(0)])).to.throw(ZkForcedMismatchError);
    });

    it("throws ZkPubdataError on an effective byte other than 0 or 1", function () {
      expect(() => decodePubdata(Uint8Array.from([4, 2]), [], [request(0)])).to.throw(
        ZkPubdataError,
        /effective/,
      );
    });
  });

  describe("publicInputs", function () {
    it("succeeds with [oldRoot, newRoot, feeRecipient, slots…, noops up to batchSize]", function () {
      const txs: ZkPublishedTx[] = [{ kind: "transfer", from: 0, to: 1, amount: 5n }];
      expect(publicInputs(11n, 22n, BOB, txs, 3)).to.deep.equal([
        11n,
        22n,
        BigInt(BOB),
        slotElement(txs[0]),
        0n,
        0n,
      ]);
      expect(publicInputs(11n, 22n, BOB.toLowerCase(), [], 2)).to.deep.equal([11n, 22n, BigInt(BOB), 0n, 0n]);
    });

    it("throws ZkBatchTooLargeError when there are more transactions than slots", function () {
      const tx: ZkPublishedTx = { kind: "transfer", from: 0, to: 1, amount: 5n };
      expect(() => publicInputs(0n, 0n, BOB, [tx, tx, tx], 2)).to.throw(ZkBatchTooLargeError);
    });

    it("throws ZkFeeRecipientError for a fee recipient that is not an address, or is the zero address", function () {
      for (const bad of ["0x1234", "bob", ZeroAddress]) {
        expect(() => publicInputs(0n, 0n, bad, [], 1), bad).to.throw(ZkFeeRecipientError);
      }
    });
  });

  describe("domain and roots", function () {
    it("zkDomain is chainId · 2^160 + address", function () {
      expect(zkDomain(31337n, BOB)).to.equal(31337n * 2n ** 160n + BigInt(BOB));
      expect(zkDomain(1n, BOB.toLowerCase())).to.equal(2n ** 160n + BigInt(BOB));
    });

    it("genesisRoot is Poseidon(emptyRoot(depth), 0, domain) and rollupRoot follows the state", async function () {
      const poseidon = await loadPoseidon();
      const domain = zkDomain(31337n, BOB);
      const state = await L2State.poseidon(4);
      expect(await genesisRoot(4, domain)).to.equal(poseidon([state.tree.root, 0n, domain]));
      expect(await genesisRoot(4, domain + 1n)).not.to.equal(await genesisRoot(4, domain));
      state.openAccount({ owner: zeroPadValue(BOB, 32), tokenId: 0, balance: 5n, nonce: 0 });
      expect(rollupRoot(poseidon, state.tree.root, state.nextIndex, domain)).to.equal(
        poseidon([state.tree.root, 1n, domain]),
      );
    });
  });

  describe("parity with ZkRollup", function () {
    it("the contract rebuilds exactly publicInputs(...) for random batches, and its calldata decodes back", async function () {
      // One run: at least twelve batches on one chain, each over the deposits the earlier ones left
      // queued, and more (up to 48) until every kind and a refund has been seen three times.
      await forAllDrawsAsync({ runs: 1, shrink: false }, async (rng) => {
        const f = await loadFixture(deployZkFixture);
        const seen = { deposit: 0, transfer: 0, withdraw: 0, refund: 0 };
        const covered = () => Object.values(seen).every((count) => count >= 3);
        for (let round = 0; round < 12 || (round < 48 && !covered()); round++) {
          const queued = await queueRandomDeposits(f, rng, rng.int(4));
          const { txs, consumed } = batchOver(rng, queued, BATCH_SIZE);
          const oldRoot = await f.rollup.root();
          const newRoot = rng.bigint(256) % SNARK_SCALAR_FIELD;
          const recipient = getAddress(toBeHex(rng.bigint(160) | 1n, 20));
          const inputs = publicInputs(oldRoot, newRoot, recipient, txs, BATCH_SIZE);
          const proof = randomProof(rng);
          await f.verifier.accept(proof, inputs);
          const pending = (await unconsumedDeposits(f)).slice(consumed.length);
          const pubdata = hexlify(encodePubdata(txs));
          // the stand-in accepts only `inputs`: success means the contract rebuilt them exactly
          const tx = await f.rollup
            .connect(f.operator)
            .submitBatch(newRoot, recipient, proof, pubdata, consumed, pending);
          const receipt = (await tx.wait())!;
          expect(await f.rollup.root()).to.equal(newRoot);

          // a verifier node: the batch from Layer-1 calldata alone
          const call = f.rollup.interface.parseTransaction({ data: tx.data })!;
          expect(call.args.feeRecipient).to.equal(recipient);
          const published = (call.args.consumedDeposits as { toObject(): DepositData }[]).map((d) => {
            const o = d.toObject();
            return plainDeposit({ ...o, tokenId: Number(o.tokenId) });
          });
          const rebuilt = decodePubdata(ethers.getBytes(call.args.pubdata as string), published);
          expect(rebuilt).to.deep.equal(txs.map(unsigned));

          // credits and refunds follow the published data
          const logs = receipt.logs.map((l) => f.rollup.interface.parseLog(l)).filter((l) => l !== null);
          const credited = logs
            .filter((l) => l.name === "WithdrawalCredited")
            .map((l) => [l.args[1], Number(l.args[2]), l.args[3]]);
          const withdrawals = txs.filter((t): t is ZkWithdrawBody => t.kind === "withdraw");
          expect(credited).to.deep.equal(withdrawals.map((w) => [w.recipient, w.tokenId, w.amount]));
          const refunds = logs
            .filter((l) => l.name === "DepositRefunded")
            .map((l) => [l.args[0], Number(l.args[1]), l.args[2]]);
          expect(refunds).to.deep.equal(
            splitDeposits(consumed).refunded.map((d) => [d.from, d.tokenId, d.amount]),
          );
          for (const t of txs) if (t.kind !== "forced") seen[t.kind]++;
          seen.refund += refunds.length;
        }
        for (const [what, count] of Object.entries(seen)) expect(count, what).to.be.gte(3);
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Random batches
// ---------------------------------------------------------------------------------------------------------

function unsigned(tx: ZkPublishedTx): ZkPublishedTx {
  if (tx.kind === "transfer") return { kind: "transfer", from: tx.from, to: tx.to, amount: tx.amount };
  if (tx.kind === "withdraw") {
    const { from, recipient, tokenId, amount } = tx;
    return { kind: "withdraw", from, recipient, tokenId, amount };
  }
  return tx;
}

/** A random deposit, carriable three times in four. */
function randomDeposit(rng: Draw): DepositData {
  const kind = rng.int(8);
  return makeDeposit({
    from: randomAddress(rng),
    to: kind === 0 ? rng.hex(32) : zeroPadValue(rng.hex(20), 32),
    tokenId: kind === 1 ? 65536 + rng.int(100) : rng.int(65536),
    amount: kind === 2 ? (1n << 35n) + 1n : randomFloat40(rng, 20),
  });
}

/** A random transfer or withdrawal (signed, to check the signature never reaches the pubdata). */
function randomSignedTx(rng: Draw): ZkTx {
  if (rng.int(2) === 0) {
    return {
      kind: "transfer",
      from: rng.u32(),
      to: rng.u32(),
      amount: randomFloat40(rng, 31),
      signature: SIGNATURE,
    };
  }
  return {
    kind: "withdraw",
    from: rng.u32(),
    recipient: randomAddress(rng),
    tokenId: rng.int(65536),
    amount: randomFloat40(rng, 31),
    signature: SIGNATURE,
  };
}

/** Up to `size` random transactions over `available` queued deposits: the consumed ones are a prefix. */
function batchOver(
  rng: Draw,
  available: DepositData[],
  size: number,
): { txs: ZkPublishedTx[]; consumed: DepositData[] } {
  const txs: ZkPublishedTx[] = [];
  let next = 0;
  const count = rng.int(size + 1);
  for (let i = 0; i < count; i++) {
    while (next < available.length && !isCarriable(available[next]) && rng.int(2) === 0) next++;
    const carriable = available.slice(next).findIndex(isCarriable);
    if (rng.int(2) === 0 && carriable >= 0) {
      const deposit = available[next + carriable];
      next += carriable + 1;
      txs.push({ kind: "deposit", account: rng.u32(), deposit } satisfies ZkDepositTx);
    } else {
      txs.push(randomSignedTx(rng));
    }
  }
  return { txs, consumed: available.slice(0, next) };
}

function randomBatch(rng: Draw, size: number): { txs: ZkPublishedTx[]; consumed: DepositData[] } {
  const deposits = Array.from({ length: rng.int(6) }, () => randomDeposit(rng));
  return batchOver(rng, deposits, size);
}

/** Queues `count` random ETH deposits (some uncarriable) and returns every unconsumed deposit. */
async function queueRandomDeposits(f: ZkFixture, rng: Draw, count: number): Promise<DepositData[]> {
  const users = Object.values(f.users);
  for (let i = 0; i < count; i++) {
    const kind = rng.int(4);
    // every owner fits 160 bits (the bridge refuses a wider one); kinds 0 and 1 are amounts no float40 holds
    const to = zeroPadValue(toBeHex(rng.bigint(160) | 1n), 32);
    const amount =
      kind === 0
        ? (1n << 36n) + BigInt(rng.int(10 ** 6)) * 10n + 1n // no float40 (units digit 1, over 2^35): refunded
        : kind === 1
          ? (1n << 35n) + BigInt(1 + rng.int(9)) // no float40: refunded
          : kind === 2
            ? BigInt(1 + rng.int(999)) * 10n ** BigInt(11 + rng.int(4)) // a float40 with an exponent
            : BigInt(1 + rng.int(10 ** 6));
    await deposit(f, users[rng.int(users.length)], amount, { to });
  }
  return unconsumedDeposits(f);
}
