import { expect } from "chai";
import type { ZkCrypto, ZkKeyPair } from "../../../src/zk/keys";
import { ZkCrypto as Crypto, zkPrivateKeyFromSeed } from "../../../src/zk/keys";
import { slotElement } from "../../../src/zk/pubdata";
import { leafFields, ownerToHex, ZkState } from "../../../src/zk/state";
import type { ZkSigner, ZkStep } from "../../../src/zk/stf";
import { applyNoop, applyZkTx } from "../../../src/zk/stf";
import type {
  ZkDepositTx,
  ZkForcedRequest,
  ZkForcedTx,
  ZkRefundTx,
  ZkTransferBody,
  ZkTransferTx,
  ZkWithdrawBody,
  ZkWithdrawTx,
} from "../../../src/zk/types";
import type { CircuitInput, TestCircuit } from "./harness";
import { compileTestCircuit, testMain } from "./harness";
import { SLOT_OFFSET } from "../../../src/zk/types";
import { forgeStep, slotInput, slotStart } from "./slot-inputs";

const DEPTH = 2;
const DOMAIN = (31337n << 160n) + 0x5eedn;

const SCALARS = ["accountsRootIn", "nextIndexIn", "domain", "slot"];
const LEAF = ["Index", "Leaf", "Owner", "Token", "Balance", "Nonce"];
const AUTH = ["signerAx", "signerAy", "signerL1Address", "sigR8x", "sigR8y", "sigS"];
// RollupSlot with both outputs compared to claimed ones.
const SOURCE = testMain(
  ["lib/rollup-slot.circom"],
  `component main = RollupSlotTest(${DEPTH});`,
  `template RollupSlotTest(DEPTH) {
${[...SCALARS, ...["a", "b"].flatMap((p) => LEAF.map((f) => p + f)), ...AUTH]
  .map((s) => `    signal input ${s};`)
  .join("\n")}
    signal input aSiblings[DEPTH];
    signal input bSiblings[DEPTH];
    signal input accountsRootOut;  // the claimed accounts root after the slot
    signal input nextIndexOut;     // the claimed next index after the slot
    component step = RollupSlot(DEPTH);
${[...SCALARS, ...["a", "b"].flatMap((p) => [...LEAF, "Siblings"].map((f) => p + f)), ...AUTH]
  .map((s) => `    step.${s} <== ${s};`)
  .join("\n")}
    step.accountsRootOut === accountsRootOut;
    step.nextIndexOut === nextIndexOut;
}`,
);

const L1 = {
  alice: "0x1000000000000000000000000000000000000001",
  bob: "0x2000000000000000000000000000000000000002",
  carol: "0x3000000000000000000000000000000000000003",
};
const RECIPIENT = "0x9000000000000000000000000000000000000009";
const ALICE_FUNDS = 10n ** 30n;
/** Bob's balance: 2^128 - bob's balance ≈ 9.4·10^26, so 10^27 more overflows it. */
const BOB_FUNDS = 34028236692n * 10n ** 28n;

describe("RollupSlot (circuit)", function () {
  let circuit: TestCircuit;
  let crypto: ZkCrypto;
  let keys: Record<"alice" | "bob" | "carol" | "mallory", ZkKeyPair>;
  let signers: Record<"alice" | "bob" | "carol", ZkSigner>;
  /** 0: alice (token 0, 10^30), 1: bob (token 0, BOB_FUNDS), 2: carol (token 1, 7); nextIndex 3. */
  let base: ZkState;

  before(async function () {
    this.timeout(300_000);
    circuit = await compileTestCircuit("rollup-slot", SOURCE);
    crypto = await Crypto.load();
    const key = (name: string) => crypto.keyPair(zkPrivateKeyFromSeed(name));
    keys = { alice: key("alice"), bob: key("bob"), carol: key("carol"), mallory: key("mallory") };
    const signer = (name: "alice" | "bob" | "carol") => ({
      publicKey: keys[name].publicKey,
      l1Address: L1[name],
    });
    signers = { alice: signer("alice"), bob: signer("bob"), carol: signer("carol") };
    base = await ZkState.create(DEPTH, DOMAIN);
    for (const [name, tokenId, amount] of [
      ["alice", 0, ALICE_FUNDS],
      ["bob", 0, BOB_FUNDS],
      ["carol", 1, 7n],
    ] as const) {
      applyZkTx(base, { tx: depositTx(base.nextIndex, ownerOf(name), tokenId, amount) }, crypto);
    }
  });

  const ownerOf = (name: "alice" | "bob" | "carol") =>
    crypto.ownerOf(signers[name].publicKey, signers[name].l1Address);

  function depositTx(account: number, owner: bigint, tokenId: number, amount: bigint): ZkDepositTx {
    const deposit = { from: RECIPIENT, to: ownerToHex(owner), tokenId, amount, timestamp: 0n };
    return { kind: "deposit", account, deposit };
  }

  function transfer(
    body: Omit<ZkTransferBody, "kind">,
    signer: ZkKeyPair = keys.alice,
    nonce = 0,
  ): ZkTransferTx {
    const full: ZkTransferBody = { kind: "transfer", ...body };
    return { ...full, signature: crypto.signSpend(signer.privateKey, full, nonce, DOMAIN) };
  }

  function withdraw(
    body: Omit<ZkWithdrawBody, "kind">,
    signer: ZkKeyPair = keys.alice,
    nonce = 0,
  ): ZkWithdrawTx {
    const full: ZkWithdrawBody = { kind: "withdraw", ...body };
    return { ...full, signature: crypto.signSpend(signer.privateKey, full, nonce, DOMAIN) };
  }

  /** The input of an honest step made by `make` on a copy of the base state. */
  function honest(make: (state: ZkState) => ZkStep): CircuitInput {
    const state = base.clone();
    const start = slotStart(state);
    const step = make(state);
    return slotInput(start, step, { accountsRoot: state.accountsRoot, nextIndex: state.nextIndex });
  }

  /** The input of a forged step, claiming the tree it wrote and `nextIndex` after it. */
  function forged(make: (state: ZkState) => ZkStep, nextIndex = 3): CircuitInput {
    const state = base.clone();
    const start = slotStart(state);
    const step = make(state);
    return slotInput(start, step, { accountsRoot: state.accountsRoot, nextIndex });
  }

  const aliceTransfer = (amount = 1000n) =>
    honest((s) => applyZkTx(s, { tx: transfer({ from: 0, to: 1, amount }), signer: signers.alice }, crypto));

  describe("must pass", function () {
    it("opens a new account with a deposit at nextIndex", async function () {
      await circuit.expectPass(
        honest((s) => applyZkTx(s, { tx: depositTx(3, ownerOf("bob"), 5, 10n ** 18n) }, crypto)),
      );
    });

    it("tops up an open account of the deposit's owner and token", async function () {
      await circuit.expectPass(
        honest((s) => applyZkTx(s, { tx: depositTx(2, ownerOf("carol"), 1, 3n) }, crypto)),
      );
    });

    it("transfers between two accounts of one token", async function () {
      await circuit.expectPass(aliceTransfer());
    });

    it("withdraws a whole balance (balance = amount)", async function () {
      const tx = withdraw({ from: 0, recipient: RECIPIENT, tokenId: 0, amount: ALICE_FUNDS });
      await circuit.expectPass(honest((s) => applyZkTx(s, { tx, signer: signers.alice }, crypto)));
    });

    it("withdraws to a Layer-1 address", async function () {
      const tx = withdraw({ from: 0, recipient: RECIPIENT, tokenId: 0, amount: 5n });
      await circuit.expectPass(honest((s) => applyZkTx(s, { tx, signer: signers.alice }, crypto)));
    });

    it("passes a noop (identity paths of leaf 0)", async function () {
      await circuit.expectPass(honest((s) => applyNoop(s)));
    });

    it("passes a noop on an empty tree (leaf 0 empty)", async function () {
      const empty = await ZkState.create(DEPTH, DOMAIN);
      const step = applyNoop(empty);
      await circuit.expectPass(
        slotInput(slotStart(empty), step, { accountsRoot: empty.accountsRoot, nextIndex: 0 }),
      );
    });
  });

  describe("must fail", function () {
    it("fails with a bad signature", async function () {
      const input = aliceTransfer();
      await circuit.expectFail({ ...input, sigS: (input.sigS as bigint) + 1n }, /ForceEqualIfEnabled/);
    });

    it("fails with a signature by another key (mallory signs, alice's key given)", async function () {
      const forgedSig = crypto.signSpend(
        keys.mallory.privateKey,
        { kind: "transfer", from: 0, to: 1, amount: 1000n },
        0,
        DOMAIN,
      );
      const input = aliceTransfer();
      await circuit.expectFail(
        { ...input, sigR8x: forgedSig.R8x, sigR8y: forgedSig.R8y, sigS: forgedSig.S },
        /ForceEqualIfEnabled/,
      );
    });

    it("fails when bob signs for alice's account with his own key (owner mismatch)", async function () {
      const tx = transfer({ from: 0, to: 1, amount: 1000n }, keys.bob);
      const input = aliceTransfer();
      const bob = signers.bob.publicKey;
      await circuit.expectFail(
        {
          ...input,
          signerAx: bob.Ax,
          signerAy: bob.Ay,
          signerL1Address: BigInt(L1.bob),
          sigR8x: tx.signature.R8x,
          sigR8y: tx.signature.R8y,
          sigS: tx.signature.S,
        },
        /SpendAuthorization/,
      );
    });

    it("fails on an overdraft (amount > balance, validly signed)", async function () {
      const tx = transfer({ from: 0, to: 1, amount: 2n * ALICE_FUNDS });
      const input = aliceTransfer();
      await circuit.expectFail(
        {
          ...input,
          slot: slotElement(tx),
          sigR8x: tx.signature.R8x,
          sigR8y: tx.signature.R8y,
          sigS: tx.signature.S,
        },
        /RangeCheck/,
      );
    });

    it("fails on a replayed signature (signed at an older nonce)", async function () {
      // alice spends once (nonce 0 -> 1); her nonce-0 signature is then replayed
      const state = base.clone();
      const tx = transfer({ from: 0, to: 1, amount: 1000n });
      applyZkTx(state, { tx, signer: signers.alice }, crypto);
      const start = slotStart(state);
      const alice = state.account(0)!;
      const step = forgeStep(state, {
        slot: slotElement(tx),
        a: { index: 0, write: { ...alice, balance: alice.balance - 1000n, nonce: alice.nonce + 1 } },
        b: { index: 1, write: { ...state.account(1)!, balance: state.account(1)!.balance + 1000n } },
        authorization: { signer: signers.alice, signature: tx.signature },
      });
      await circuit.expectFail(
        slotInput(start, step, { accountsRoot: state.accountsRoot, nextIndex: 3 }),
        /ForceEqualIfEnabled/,
      );
    });

    it("fails when the sender's nonce is misstated in the leaf preimage", async function () {
      const input = aliceTransfer();
      const tx = transfer({ from: 0, to: 1, amount: 1000n }, keys.alice, 7);
      await circuit.expectFail(
        { ...input, aNonce: 7, sigR8x: tx.signature.R8x, sigR8y: tx.signature.R8y, sigS: tx.signature.S },
        /RollupSlot_/,
      );
    });

    it("fails when the sender's nonce is exhausted (nonce + 1 = 2^32)", async function () {
      const state = base.clone();
      state.setAccount(0, { ...state.account(0)!, nonce: 2 ** 32 - 1 });
      const start = slotStart(state);
      const tx = transfer({ from: 0, to: 1, amount: 1000n }, keys.alice, 2 ** 32 - 1);
      const alice = state.account(0)!;
      const step = forgeStep(state, {
        slot: slotElement(tx),
        a: { index: 0, write: { ...alice, balance: alice.balance - 1000n, nonce: 2 ** 32 } },
        b: { index: 1, write: { ...state.account(1)!, balance: state.account(1)!.balance + 1000n } },
        authorization: { signer: signers.alice, signature: tx.signature },
      });
      await circuit.expectFail(
        slotInput(start, step, { accountsRoot: state.accountsRoot, nextIndex: 3 }),
        /RangeCheck/,
      );
    });

    it("fails with a forged Merkle path (a wrong sibling)", async function () {
      const input = aliceTransfer();
      const siblings = [...(input.aSiblings as bigint[])];
      siblings[DEPTH - 1] += 1n;
      await circuit.expectFail({ ...input, aSiblings: siblings }, /RollupSlot_/);
    });

    it("fails from a wrong old root", async function () {
      const input = aliceTransfer();
      await circuit.expectFail(
        { ...input, accountsRootIn: (input.accountsRootIn as bigint) + 1n },
        /RollupSlot_/,
      );
    });

    it("fails when the deposit slot names another amount than the deposit credited", async function () {
      const input = honest((s) => applyZkTx(s, { tx: depositTx(3, ownerOf("bob"), 5, 10n ** 18n) }, crypto));
      const other = slotElement(depositTx(3, ownerOf("bob"), 5, 2n * 10n ** 18n));
      await circuit.expectFail({ ...input, slot: other }, /RollupSlotTest/);
    });

    it("fails when the deposit slot names another owner than the account opened", async function () {
      const input = honest((s) => applyZkTx(s, { tx: depositTx(3, ownerOf("bob"), 5, 10n ** 18n) }, crypto));
      await circuit.expectFail(
        { ...input, slot: slotElement(depositTx(3, ownerOf("carol"), 5, 10n ** 18n)) },
        /RollupSlot_/,
      );
    });

    it("fails on a credit overflowing 2^128 (validly signed)", async function () {
      const tx = transfer({ from: 0, to: 1, amount: 10n ** 27n });
      const input = aliceTransfer();
      await circuit.expectFail(
        {
          ...input,
          slot: slotElement(tx),
          sigR8x: tx.signature.R8x,
          sigR8y: tx.signature.R8y,
          sigS: tx.signature.S,
        },
        /RangeCheck/,
      );
    });

    it("fails on a noop slot whose witness moves funds (a transfer's updates)", async function () {
      await circuit.expectFail({ ...aliceTransfer(), slot: 0n }, /RollupSlot_/);
    });

    it("fails on a padding slot with a non-zero element", async function () {
      await circuit.expectFail({ ...honest((s) => applyNoop(s)), slot: 1n << 10n }, /SlotDecode/);
    });

    it("fails on a transfer to self (a consistent witness: A then B on account 0)", async function () {
      const tx = transfer({ from: 0, to: 0, amount: 1000n });
      const input = forged((state) => {
        const alice = state.account(0)!;
        const debited = { ...alice, balance: alice.balance - 1000n, nonce: 1 };
        return forgeStep(state, {
          slot: slotElement(tx),
          a: { index: 0, write: debited },
          b: { index: 0, fields: leafFields(debited), write: { ...debited, balance: alice.balance } },
          authorization: { signer: signers.alice, signature: tx.signature },
        });
      });
      await circuit.expectFail(input, /RollupSlot_/);
    });

    it("fails on a withdrawal to recipient 0", async function () {
      const tx = withdraw({ from: 0, recipient: "0x" + "00".repeat(20), tokenId: 0, amount: 5n });
      const input = forged((state) => {
        const alice = state.account(0)!;
        return forgeStep(state, {
          slot: slotElement(tx),
          a: { index: 0, write: { ...alice, balance: alice.balance - 5n, nonce: 1 } },
          authorization: { signer: signers.alice, signature: tx.signature },
        });
      });
      await circuit.expectFail(input, /RollupSlot_/);
    });

    it("fails on a zero-amount withdrawal", async function () {
      const tx = withdraw({ from: 0, recipient: RECIPIENT, tokenId: 0, amount: 0n });
      const input = forged((state) =>
        forgeStep(state, {
          slot: slotElement(tx),
          a: { index: 0, write: { ...state.account(0)!, nonce: 1 } },
          authorization: { signer: signers.alice, signature: tx.signature },
        }),
      );
      await circuit.expectFail(input, /RollupSlot_/);
    });

    it("fails on a transfer between tokens (alice's token 0 to carol's token 1)", async function () {
      const tx = transfer({ from: 0, to: 2, amount: 1n });
      const input = forged((state) => {
        const alice = state.account(0)!;
        const carol = state.account(2)!;
        return forgeStep(state, {
          slot: slotElement(tx),
          a: { index: 0, write: { ...alice, balance: alice.balance - 1n, nonce: 1 } },
          b: { index: 2, write: { ...carol, balance: carol.balance + 1n } },
          authorization: { signer: signers.alice, signature: tx.signature },
        });
      });
      await circuit.expectFail(input, /RollupSlot_/);
    });

    it("fails on a withdrawal naming another token than the account's", async function () {
      const tx = withdraw({ from: 0, recipient: RECIPIENT, tokenId: 1, amount: 5n });
      const input = forged((state) => {
        const alice = state.account(0)!;
        return forgeStep(state, {
          slot: slotElement(tx),
          a: { index: 0, write: { ...alice, balance: alice.balance - 5n, nonce: 1 } },
          authorization: { signer: signers.alice, signature: tx.signature },
        });
      });
      await circuit.expectFail(input, /RollupSlot_/);
    });

    it("fails on a deposit onto another owner's account (alice's deposit credited to bob's account)", async function () {
      const tx = depositTx(1, ownerOf("alice"), 0, 100n);
      const input = forged((state) => {
        const bob = state.account(1)!;
        return forgeStep(state, {
          slot: slotElement(tx),
          b: { index: 1, write: { ...bob, balance: bob.balance + 100n } },
        });
      });
      await circuit.expectFail(input, /RollupSlot_/);
    });

    it("fails on a deposit opening a new account at an index other than nextIndex", async function () {
      // on the empty tree (nextIndex 0), a deposit opens an account at the empty leaf 2
      const empty = await ZkState.create(DEPTH, DOMAIN);
      const start = slotStart(empty);
      const tx = depositTx(2, ownerOf("alice"), 0, 100n);
      const write = { owner: ownerToHex(ownerOf("alice")), tokenId: 0, balance: 100n, nonce: 0 };
      const fields = { ...leafFields(write), balance: 0n };
      const step = forgeStep(empty, { slot: slotElement(tx), b: { index: 2, fields, write } });
      const end = { accountsRoot: empty.accountsRoot, nextIndex: 1 };
      await circuit.expectFail(slotInput(start, step, end), /RollupSlot_/);
    });

    it("fails on a new account that starts with a balance", async function () {
      const input = honest((s) => applyZkTx(s, { tx: depositTx(3, ownerOf("bob"), 5, 10n ** 18n) }, crypto));
      await circuit.expectFail({ ...input, bBalance: 1n }, /RollupSlot_/);
    });

    it("fails on spending from an empty leaf (no account at index 3)", async function () {
      const tx = transfer({ from: 3, to: 1, amount: 0n });
      const owner = ownerOf("alice");
      const input = forged((state) =>
        forgeStep(state, {
          slot: slotElement(tx),
          a: {
            index: 3,
            fields: { owner, tokenId: 0n, balance: 0n, nonce: 0n },
            write: { owner: ownerToHex(owner), tokenId: 0, balance: 0n, nonce: 1 },
          },
          b: { index: 1, write: state.account(1)! },
          authorization: { signer: signers.alice, signature: tx.signature },
        }),
      );
      await circuit.expectFail(input, /RollupSlot_/);
    });

    it("detects a tampered witness (a top-up's account claimed to be at nextIndex)", async function () {
      const input = honest((s) => applyZkTx(s, { tx: depositTx(2, ownerOf("carol"), 1, 3n) }, crypto));
      const witness = await circuit.expectPass(input);
      const tampered = [...witness];
      tampered[circuit.wire("main.step.atNextIndex.out")] = 1n;
      expect(circuit.firstViolation(tampered)).to.be.greaterThanOrEqual(0);
    });
  });

  describe("refund (a deposit the state has no room for)", function () {
    /** The base state with its last account opened: every one of the 2^DEPTH accounts is taken. */
    let full: ZkState;
    const refundOf = (tx: ZkDepositTx): ZkRefundTx => ({ kind: "refund", deposit: tx.deposit });

    before(function () {
      full = base.clone();
      applyZkTx(full, { tx: depositTx(3, ownerOf("bob"), 5, 10n ** 18n) }, crypto);
      expect(full.isFull).to.equal(true);
    });

    /** The input of the step `make` takes on a copy of `from`. */
    function stepOn(from: ZkState, make: (state: ZkState) => ZkStep): CircuitInput {
      const state = from.clone();
      const start = slotStart(state);
      const step = make(state);
      return slotInput(start, step, { accountsRoot: state.accountsRoot, nextIndex: state.nextIndex });
    }

    /** A refund step built by hand on any state: both leaves unchanged, the refund's slot. */
    const refundStep = (state: ZkState, tx: ZkRefundTx): ZkStep => ({
      ...applyNoop(state),
      tx,
      slot: slotElement(tx),
    });

    it("refunds a deposit for a new owner when every account is open: nothing changes", async function () {
      const deposit = depositTx(4, ownerOf("carol"), 0, 5n);
      const input = stepOn(full, (s) => applyZkTx(s, { tx: deposit }, crypto));
      expect(input.slot).to.equal(slotElement(refundOf(deposit)));
      await circuit.expectPass(input);
    });

    it("fails on a refund while an account can still be opened (skipping a deposit the state can take)", async function () {
      const deposit = depositTx(3, ownerOf("carol"), 0, 5n);
      await circuit.expectFail(
        stepOn(base, (s) => refundStep(s, refundOf(deposit))),
        /RollupSlot_/,
      );
    });

    it("fails on a refund slot whose witness credits the deposit to an account", async function () {
      const tx = depositTx(0, ownerOf("alice"), 0, 5n);
      const input = stepOn(full, (state) => ({
        ...applyZkTx(state, { tx }, crypto),
        slot: slotElement(refundOf(tx)),
      }));
      await circuit.expectFail(input, /RollupSlot_/);
    });
  });

  describe("forced withdrawal (a Layer-1 request, no signature)", function () {
    const request = (over: Partial<ZkForcedRequest> = {}): ZkForcedRequest => ({
      index: 0,
      requester: L1.alice,
      account: 0,
      owner: ownerOf("alice"),
      tokenId: 0,
      amount: 5n * 10n ** 18n,
      requestedAt: 0n,
      ...over,
    });
    const forcedTx = (r: ZkForcedRequest, effective = false): ZkForcedTx => ({
      kind: "forced",
      request: r,
      effective,
    });

    /** The honest step of `r` on a copy of the base state, and that state after it. */
    function carry(r: ZkForcedRequest): { step: ZkStep; after: ZkState; input: CircuitInput } {
      const after = base.clone();
      const start = slotStart(after);
      const step = applyZkTx(after, { tx: forcedTx(r, true) }, crypto);
      const input = slotInput(start, step, { accountsRoot: after.accountsRoot, nextIndex: after.nextIndex });
      return { step, after, input };
    }

    it("debits an effective request (open account, the requester's owner and token, enough balance); nonce unchanged", async function () {
      const { step, after, input } = carry(request());
      expect(step.tx).to.deep.include({ kind: "forced", effective: true });
      expect(step.slot >> BigInt(SLOT_OFFSET.effective)).to.equal(1n);
      expect(after.account(0)).to.deep.include({ balance: ALICE_FUNDS - 5n * 10n ** 18n, nonce: 0 });
      await circuit.expectPass(input);
    });

    it("takes a whole balance (balance = amount)", async function () {
      const { step, input } = carry(request({ account: 2, owner: ownerOf("carol"), tokenId: 1, amount: 7n }));
      expect(step.tx).to.deep.include({ effective: true });
      await circuit.expectPass(input);
    });

    const nullified: [string, () => Partial<ZkForcedRequest>][] = [
      ["no account at the index (an empty leaf)", () => ({ account: 3 })],
      ["the account is another owner's (bob asks for alice's account)", () => ({ owner: ownerOf("bob") })],
      ["the account holds another token", () => ({ tokenId: 1 })],
      [
        "the balance is short (carol asks for 8 of her 7)",
        () => ({ account: 2, owner: ownerOf("carol"), tokenId: 1, amount: 8n }),
      ],
    ];
    for (const [why, over] of nullified) {
      it(`nullifies a request when ${why}: nothing changes`, async function () {
        const { step, after, input } = carry(request(over()));
        expect(step.tx).to.deep.include({ kind: "forced", effective: false });
        expect(after.accountsRoot).to.equal(base.accountsRoot);
        await circuit.expectPass(input);
      });
    }

    it("fails when the prover nullifies an effective request with a wrong preimage (balance 0)", async function () {
      const r = request();
      const alice = base.account(0)!;
      const input = forged((state) =>
        forgeStep(state, {
          slot: slotElement(forcedTx(r, false)),
          a: { index: 0, fields: { ...leafFields(alice), balance: 0n } },
        }),
      );
      await circuit.expectFail(input, /RollupSlot_/);
    });

    it("fails when the prover nullifies an effective request with the true preimage", async function () {
      const input = forged((state) =>
        forgeStep(state, { slot: slotElement(forcedTx(request(), false)), a: { index: 0 } }),
      );
      await circuit.expectFail(input, /RollupSlot_/);
    });

    it("fails when the prover nullifies an effective request by opening another leaf", async function () {
      const input = forged((state) =>
        forgeStep(state, { slot: slotElement(forcedTx(request(), false)), a: { index: 3 } }),
      );
      await circuit.expectFail(input, /RollupSlot_/);
    });

    it("fails when the prover debits a request of another owner (bob's owner on alice's account)", async function () {
      const r = request({ owner: ownerOf("bob") });
      const alice = base.account(0)!;
      const input = forged((state) =>
        forgeStep(state, {
          slot: slotElement(forcedTx(r, true)),
          a: { index: 0, write: { ...alice, balance: alice.balance - r.amount } },
        }),
      );
      await circuit.expectFail(input, /RollupSlot_/);
    });

    it("fails when an effective request also advances the nonce", async function () {
      const r = request();
      const alice = base.account(0)!;
      const input = forged((state) =>
        forgeStep(state, {
          slot: slotElement(forcedTx(r, true)),
          a: { index: 0, write: { ...alice, balance: alice.balance - r.amount, nonce: 1 } },
        }),
      );
      await circuit.expectFail(input, /RollupSlot_/);
    });
  });
});
