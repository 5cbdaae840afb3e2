// One answer for one mistake: the same table of bad Layer-2 spends sent to both rollups' operators over
// JSON-RPC, as a client that skips the wallet's own checks would send them, and each answered with the
// same refusal name on both (a wrong nonce is `NonceMismatch` with the account, expected and got on both,
// never `BadSignature`), leaving every account as it was. The two answers that differ on purpose are
// pinned after the table, with why.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import { ZeroAddress, parseEther } from "ethers";
import type { AccountView, TxRejectionDetails } from "../../src/common/json-rpc";
import { TxRejectedError } from "../../src/common/json-rpc";
import { SequencerClient } from "../../src/optimistic/rpc-server";
import { bytesToHex } from "../../src/shared/bytes";
import { encodeTx } from "../../src/shared/codec";
import { L2Domain } from "../../src/shared/eip712";
import type { TransferTx, WithdrawTx } from "../../src/shared/types";
import type { RollupKind } from "../../src/wallet";
import { encodeZkRequest } from "../../src/zk/codec";
import { zkPrivateKeyFromSeed } from "../../src/zk/keys";
import { ZkOperatorClient } from "../../src/zk/rpc-server";
import type { ZkSignedSpend } from "../../src/zk/wallet";
import { ZkWallet } from "../../src/zk/wallet";
import { signedTransfer, signedWithdraw } from "../shared/transactions";
import { closeTestProver } from "../e2e/zk-world";
import type { OptimisticWalletWorld, ZkWalletWorld } from "./worlds";
import { createOptimisticWalletWorld, createZkWalletWorld, waitForBalance } from "./worlds";

/** A spend as a raw client holds it: its wire form, the nonce it is signed at, and a copy with another amount. */
interface RawSpend {
  encoded: string;
  nonce: number;
  /** The same signature on a spend of `amount`: a signature over other fields. */
  withAmount(amount: bigint): RawSpend;
}

interface Order {
  from?: number;
  to?: number;
  amount: bigint;
  nonce: number;
  /** Signed by a stranger's key instead of Alice's. */
  stranger?: boolean;
}

/** One rollup as the table drives it: Alice's and Bob's accounts, how spends are signed and sent. */
interface Side {
  kind: RollupKind;
  alice: number;
  bob: number;
  transfer(o: Order): Promise<RawSpend>;
  withdraw(o: Omit<Order, "to"> & { recipient: string }): Promise<RawSpend>;
  /** Sends as the wallet does (the optimistic rollup with its declared nonce); resolves with the refusal. */
  refusal(spend: RawSpend, declareNonce?: boolean): Promise<TxRejectedError | undefined>;
  accounts(): Promise<(AccountView | undefined)[]>;
}

async function refusalOf(send: Promise<unknown>): Promise<TxRejectedError | undefined> {
  try {
    await send;
    return undefined;
  } catch (error) {
    if (error instanceof TxRejectedError) return error;
    throw error;
  }
}

async function optimisticSide(w: OptimisticWalletWorld): Promise<Side> {
  // Accounts of their own: the zk world's operator and users are accounts 3 to 7.
  const [aliceSigner, bobSigner, strangerSigner] = w.signers.slice(10, 13);
  const [alice, bob] = await Promise.all([w.open(aliceSigner), w.open(bobSigner)]);
  await alice.deposit({ amount: parseEther("5") });
  await bob.deposit({ amount: parseEther("1") });
  await waitForBalance(alice, parseEther("5"));
  await waitForBalance(bob, parseEther("1"));
  const domain = new L2Domain(w.deployment.chainId, w.deployment.contracts.OptimisticRollup);
  const client = new SequencerClient(w.sequencerUrl);
  const indices = { alice: (await alice.account())!.index, bob: (await bob.account())!.index };
  const raw = (tx: TransferTx | WithdrawTx, nonce: number): RawSpend => ({
    encoded: bytesToHex(encodeTx(tx)),
    nonce,
    withAmount: (amount) => raw({ ...tx, amount }, nonce),
  });
  const signer = (o: { stranger?: boolean }): HardhatEthersSigner =>
    o.stranger ? strangerSigner : aliceSigner;
  return {
    kind: "optimistic",
    ...indices,
    async transfer(o) {
      const m = { from: o.from ?? indices.alice, to: o.to ?? indices.bob, amount: o.amount, nonce: o.nonce };
      return raw(await signedTransfer(domain, signer(o), m), o.nonce);
    },
    async withdraw(o) {
      const m = { from: o.from ?? indices.alice, recipient: o.recipient, amount: o.amount, nonce: o.nonce };
      return raw(await signedWithdraw(domain, signer(o), m), o.nonce);
    },
    refusal: (spend, declareNonce = true) =>
      refusalOf(client.sendTransaction(spend.encoded, declareNonce ? spend.nonce : undefined)),
    accounts: () => Promise.all([client.getAccount(indices.alice), client.getAccount(indices.bob)]),
  };
}

async function zkSide(w: ZkWalletWorld): Promise<Side> {
  const [, , , , aliceSigner, bobSigner] = w.world.signers;
  const [alice, bob] = await Promise.all([w.open(aliceSigner, "alice"), w.open(bobSigner, "bob")]);
  await alice.deposit({ amount: parseEther("5") });
  await bob.deposit({ amount: parseEther("1") });
  await w.operator.tick(true);
  const { crypto, domain } = w.world;
  // The stranger signs with a key of their own, naming it (and their address) as the signer.
  const stranger = new ZkWallet(crypto, zkPrivateKeyFromSeed("stranger"), bobSigner.address, domain);
  const client = new ZkOperatorClient(w.url);
  const indices = { alice: (await alice.account())!.index, bob: (await bob.account())!.index };
  const raw = (spend: ZkSignedSpend): RawSpend => ({
    encoded: spend.encoded,
    nonce: spend.request.nonce,
    withAmount(amount) {
      const request = { ...spend.request, tx: { ...spend.request.tx, amount } };
      return raw({ ...spend, request, encoded: encodeZkRequest(request) });
    },
  });
  const keys = (o: { stranger?: boolean }) => (o.stranger ? stranger : alice.keys);
  return {
    kind: "zk",
    ...indices,
    async transfer(o) {
      const order = {
        from: o.from ?? indices.alice,
        to: o.to ?? indices.bob,
        amount: o.amount,
        nonce: o.nonce,
      };
      return raw(keys(o).transfer(order));
    },
    async withdraw(o) {
      const order = {
        from: o.from ?? indices.alice,
        recipient: o.recipient,
        tokenId: 0,
        amount: o.amount,
        nonce: o.nonce,
      };
      return raw(keys(o).withdraw(order));
    },
    refusal: (spend) => refusalOf(client.sendTransaction(spend.encoded)),
    accounts: () => Promise.all([client.getAccount(indices.alice), client.getAccount(indices.bob)]),
  };
}

/** One mistake: the spend it makes on a side, and the answer both rollups give. */
interface Mistake {
  what: string;
  spend(side: Side): Promise<RawSpend>;
  reason: string;
  details?: (side: Side) => TxRejectionDetails;
}

describe("one answer for one mistake, on both rollups", function () {
  this.timeout(600_000);
  let optimistic: OptimisticWalletWorld;
  let zk: ZkWalletWorld;
  let sides: Side[];
  /** The transfer each side accepted from Alice at nonce 0 (replayed below). */
  const accepted = new Map<RollupKind, RawSpend>();

  before(async function () {
    optimistic = await createOptimisticWalletWorld();
    zk = await createZkWalletWorld();
    sides = [await optimisticSide(optimistic), await zkSide(zk)];
    for (const side of sides) {
      const spend = await side.transfer({ amount: parseEther("1"), nonce: 0 });
      expect(await side.refusal(spend), `${side.kind} accepts Alice's first transfer`).to.equal(undefined);
      accepted.set(side.kind, spend);
    }
  });

  after(async function () {
    await optimistic?.stop();
    await zk?.stop();
    await closeTestProver();
  });

  const nonceMismatch = (got: number) => (side: Side) => ({ account: side.alice, expected: 1, got });
  const TABLE: Mistake[] = [
    {
      what: "a new spend signed at a nonce already used",
      spend: (s) => s.transfer({ amount: parseEther("0.1"), nonce: 0 }),
      reason: "NonceMismatch",
      details: nonceMismatch(0),
    },
    {
      what: "a spend signed at a future nonce",
      spend: (s) => s.transfer({ amount: parseEther("0.1"), nonce: 4 }),
      reason: "NonceMismatch",
      details: nonceMismatch(4),
    },
    {
      what: "a wrong nonce and an overdraft at once (the nonce is checked first)",
      spend: (s) => s.transfer({ amount: parseEther("50"), nonce: 2 }),
      reason: "NonceMismatch",
      details: nonceMismatch(2),
    },
    {
      what: "the accepted transfer sent again (a replay)",
      spend: async (s) => accepted.get(s.kind)!,
      reason: "Duplicate",
    },
    {
      what: "a transfer of more than the balance (an overdraft)",
      spend: (s) => s.transfer({ amount: parseEther("50"), nonce: 1 }),
      reason: "InsufficientBalance",
    },
    {
      what: "a withdrawal of more than the balance",
      spend: (s) => s.withdraw({ recipient: "0x" + "42".repeat(20), amount: parseEther("50"), nonce: 1 }),
      reason: "InsufficientBalance",
    },
    {
      what: "a spend from an account that is not open",
      spend: (s) => s.transfer({ from: 99, amount: parseEther("0.1"), nonce: 0 }),
      reason: "UnknownAccount",
    },
    {
      what: "a transfer to an account that is not open",
      spend: (s) => s.transfer({ to: 99, amount: parseEther("0.1"), nonce: 1 }),
      reason: "UnknownAccount",
    },
    {
      what: "a signature over other fields (the amount changed after signing)",
      spend: async (s) =>
        (await s.transfer({ amount: parseEther("0.1"), nonce: 1 })).withAmount(parseEther("0.2")),
      reason: "BadSignature",
    },
    {
      what: "a transfer to the sending account",
      spend: (s) => s.transfer({ to: s.alice, amount: parseEther("0.1"), nonce: 1 }),
      reason: "SelfTransfer",
    },
    {
      what: "a withdrawal of nothing",
      spend: (s) => s.withdraw({ recipient: "0x" + "42".repeat(20), amount: 0n, nonce: 1 }),
      reason: "ZeroAmount",
    },
    {
      what: "a withdrawal to the zero address",
      spend: (s) => s.withdraw({ recipient: ZeroAddress, amount: parseEther("0.1"), nonce: 1 }),
      reason: "ZeroRecipient",
    },
  ];

  for (const mistake of TABLE) {
    it(`refuses ${mistake.what} as ${mistake.reason} on both, changing nothing`, async function () {
      for (const side of sides) {
        const before = await side.accounts();
        const refused = await side.refusal(await mistake.spend(side));
        expect(refused, `${side.kind} accepted it`).to.be.instanceOf(TxRejectedError);
        expect(refused!.reason, side.kind).to.equal(mistake.reason);
        if (mistake.details) expect(refused!.details, side.kind).to.deep.equal(mistake.details(side));
        expect(await side.accounts(), `${side.kind} changed an account`).to.deep.equal(before);
      }
    });
  }

  describe("the answers that differ, and why", function () {
    it("names a stranger's signature by what each rollup can see: BadSignature, SignerNotOwner", async function () {
      // The optimistic rollup recovers the signer from the signature, so a stranger's signature cannot be
      // told from a forged one; a zk request names its key, which the operator sees is not the owner's.
      const answers = [];
      for (const side of sides) {
        answers.push(
          (await side.refusal(await side.transfer({ amount: 1n, nonce: 1, stranger: true })))?.reason,
        );
      }
      expect(answers).to.deep.equal(["BadSignature", "SignerNotOwner"]);
    });

    it("cannot tell a wrong nonce from a forgery on an optimistic spend sent without its nonce", async function () {
      // A batch does not carry the nonce; only a sender that declares it (as the wallet does) gets NonceMismatch.
      const [optimisticSideOnly] = sides;
      const stale = await optimisticSideOnly.transfer({ amount: parseEther("0.1"), nonce: 0 });
      expect((await optimisticSideOnly.refusal(stale, false))?.reason).to.equal("BadSignature");
      expect((await optimisticSideOnly.refusal(stale, true))?.reason).to.equal("NonceMismatch");
    });
  });
});
