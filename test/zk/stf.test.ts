import { expect } from "chai";
import { MAX_U32 } from "../../src/shared/types";
import { slotElement } from "../../src/zk/pubdata";
import { ownerToHex, ZkState } from "../../src/zk/state";
import type { ZkRefusalReason, ZkTxRequest } from "../../src/zk/stf";
import { applyNoop, applyZkTx, ZkTxRefusedError } from "../../src/zk/stf";
import { computeMerkleRoot } from "../../src/shared/merkle-tree";
import type { ZkForcedRequest, ZkTransferBody, ZkWithdrawBody } from "../../src/zk/types";
import { DEPOSITOR, ZkWorld } from "./circuits/zk-world";

const DEPTH = 3;
/** 2^35 + 1: above the mantissa and not a multiple of ten, so no float40 equals it. */
const NOT_FLOAT40 = (1n << 35n) + 1n;

describe("zk STF", function () {
  let world: ZkWorld;
  /** 0: alice (token 0, 1000), 1: bob (token 0, 50), 2: carol (token 1, 7); nextIndex 3. */
  let base: ZkState;

  before(async function () {
    world = await ZkWorld.create();
    base = await world.state(DEPTH, [
      world.deposit("alice", 1000n, 0),
      world.deposit("bob", 50n, 1),
      world.deposit("carol", 7n, 2, 1),
    ]);
  });

  /** A spend by alice that cannot be signed (its slot element does not exist): a zero signature. */
  const unsigned = (body: ZkTransferBody | ZkWithdrawBody): ZkTxRequest => ({
    tx: { ...body, signature: { R8x: 0n, R8y: 0n, S: 0n } },
    signer: world.users.alice.signer,
  });

  /** Asserts `request` is refused for `reason` and leaves the state as it was. */
  function expectRefused(request: ZkTxRequest, reason: ZkRefusalReason, state = base.clone()): void {
    const root = state.root;
    const accounts = [...state.accounts.entries()];
    let refusal: unknown;
    try {
      applyZkTx(state, request, world.crypto);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).to.be.instanceOf(ZkTxRefusedError);
    expect((refusal as ZkTxRefusedError).reason).to.equal(reason);
    expect(state.root).to.equal(root);
    expect([...state.accounts.entries()]).to.deep.equal(accounts);
  }

  describe("applyZkTx: deposit", function () {
    it("opens a new account at nextIndex when named", function () {
      const state = base.clone();
      const step = applyZkTx(state, world.deposit("bob", 9n, 3, 2), world.crypto);
      expect(state.nextIndex).to.equal(4);
      expect(state.account(3)).to.deep.include({ tokenId: 2, balance: 9n, nonce: 0 });
      expect(step.tx).to.deep.include({ kind: "deposit", account: 3 });
      expect(step.b).to.deep.include({ index: 3, oldLeaf: 0n });
      expect(step.b.fields).to.deep.equal({
        owner: world.users.bob.owner,
        tokenId: 2n,
        balance: 0n,
        nonce: 0n,
      });
    });

    it("credits the named account when it has the deposit's owner and token", function () {
      const state = base.clone();
      const step = applyZkTx(state, world.deposit("bob", 9n, 1), world.crypto);
      expect(state.account(1)!.balance).to.equal(59n);
      expect(state.nextIndex).to.equal(3);
      expect(step.b.fields.balance).to.equal(50n);
    });

    it("opens a new account instead when the named one belongs to someone else", function () {
      const state = base.clone();
      const step = applyZkTx(state, world.deposit("bob", 9n, 0), world.crypto);
      expect(step.tx).to.deep.include({ account: 3 });
      expect(state.account(0)!.balance).to.equal(1000n);
    });

    it("opens a new account instead when the named one holds another token", function () {
      const state = base.clone();
      const step = applyZkTx(state, world.deposit("carol", 9n, 2, 0), world.crypto);
      expect(step.tx).to.deep.include({ account: 3 });
    });

    it("records an unchanged leaf A and the paths the circuit needs", function () {
      const state = base.clone();
      const step = applyZkTx(state, world.deposit("bob", 9n, 1), world.crypto);
      expect(step.a.oldLeaf).to.equal(step.a.newLeaf);
      const hasher = state.accounts.hasher;
      expect(computeMerkleRoot(hasher, step.b.newLeaf, step.b.index, step.b.siblings)).to.equal(
        state.accountsRoot,
      );
      expect(step.slot).to.equal(slotElement(step.tx));
    });

    it("refuses with OwnerTooLarge an owner of 2^160 or more", function () {
      const request = world.deposit("bob", 9n, 3);
      const tx = request.tx as Extract<typeof request.tx, { kind: "deposit" }>;
      expectRefused(
        { tx: { ...tx, deposit: { ...tx.deposit, to: ownerToHex(1n << 160n) } } },
        "OwnerTooLarge",
      );
    });

    it("refuses with TokenIdTooLarge a token id of 2^16 or more", function () {
      expectRefused(world.deposit("bob", 9n, 3, 2 ** 16), "TokenIdTooLarge");
    });

    it("refuses with AmountNotRepresentable an amount that is no float40", function () {
      expectRefused(world.deposit("bob", (1n << 35n) + 1n, 3), "AmountNotRepresentable");
    });

    it("refunds a deposit when a new account is needed and none is left: nothing changes", async function () {
      const full = await ZkState.create(1, world.domain);
      applyZkTx(full, world.deposit("alice", 1n, 0), world.crypto);
      applyZkTx(full, world.deposit("bob", 1n, 1), world.crypto);
      const root = full.root;
      const request = world.deposit("carol", 1n, 2);
      const step = applyZkTx(full, request, world.crypto);
      const { deposit } = request.tx as Extract<typeof request.tx, { kind: "deposit" }>;
      expect(step.tx).to.deep.equal({ kind: "refund", deposit });
      expect(full.root).to.equal(root);
      expect(full.nextIndex).to.equal(2);
    });

    it("still tops up an open account of the owner when the state is full", async function () {
      const full = await ZkState.create(1, world.domain);
      applyZkTx(full, world.deposit("alice", 1n, 0), world.crypto);
      applyZkTx(full, world.deposit("bob", 1n, 1), world.crypto);
      const step = applyZkTx(full, world.deposit("alice", 4n, 0), world.crypto);
      expect(step.tx?.kind).to.equal("deposit");
      expect(full.account(0)?.balance).to.equal(5n);
    });

    it("refuses with BalanceOverflow an amount of 2^128 or more (none comes from the bridge, whose amounts are uint128)", function () {
      expectRefused(world.deposit("bob", 10n ** 39n, 3), "BalanceOverflow");
    });

    it("refuses with StateNotFull a refund while an account can still be opened", function () {
      const request = world.deposit("carol", 1n, 2);
      const { deposit } = request.tx as Extract<typeof request.tx, { kind: "deposit" }>;
      expectRefused({ tx: { kind: "refund", deposit } }, "StateNotFull");
    });
  });

  describe("applyZkTx: transfer", function () {
    it("moves the amount, advances the sender's nonce and returns the signed step", function () {
      const state = base.clone();
      const step = applyZkTx(state, world.transfer("alice", 0, 1, 300n, 0), world.crypto);
      expect(state.account(0)).to.deep.include({ balance: 700n, nonce: 1 });
      expect(state.account(1)).to.deep.include({ balance: 350n, nonce: 0 });
      expect(step.authorization?.signer).to.deep.equal(world.users.alice.signer);
      expect(step.a.fields).to.deep.include({ balance: 1000n, nonce: 0n });
      expect(step.b.fields).to.deep.include({ balance: 50n });
    });

    it("needs the next nonce for the next transfer", function () {
      const state = base.clone();
      applyZkTx(state, world.transfer("alice", 0, 1, 1n, 0), world.crypto);
      expectRefused(world.transfer("alice", 0, 1, 1n, 0), "BadSignature", state);
      applyZkTx(state, world.transfer("alice", 0, 1, 1n, 1), world.crypto);
    });

    const refusals: [string, ZkRefusalReason, () => ZkTxRequest][] = [
      ["from an account that is not open", "UnknownAccount", () => world.transfer("alice", 5, 1, 1n, 0)],
      ["to an account that is not open", "UnknownAccount", () => world.transfer("alice", 0, 7, 1n, 0)],
      ["to self", "SelfTransfer", () => world.transfer("alice", 0, 0, 1n, 0)],
      [
        "of an amount that is no float40",
        "AmountNotRepresentable",
        () => unsigned({ kind: "transfer", from: 0, to: 1, amount: NOT_FLOAT40 }),
      ],
      ["between tokens", "TokenMismatch", () => world.transfer("alice", 0, 2, 1n, 0)],
      ["without a signer", "MissingSigner", () => ({ tx: world.transfer("alice", 0, 1, 1n, 0).tx })],
      [
        "with a signer whose owner hash is not the account's",
        "SignerNotOwner",
        () => ({ ...world.transfer("alice", 0, 1, 1n, 0, "mallory"), signer: world.users.mallory.signer }),
      ],
      ["signed by another key", "BadSignature", () => world.transfer("alice", 0, 1, 1n, 0, "mallory")],
      ["signed at a wrong nonce", "BadSignature", () => world.transfer("alice", 0, 1, 1n, 3)],
      ["over the balance", "InsufficientBalance", () => world.transfer("alice", 0, 1, 1001n, 0)],
    ];
    for (const [what, reason, request] of refusals) {
      it(`refuses with ${reason} a transfer ${what}`, function () {
        expectRefused(request(), reason);
      });
    }

    it("refuses with NonceExhausted a sender at nonce 2^32 - 1", function () {
      const state = base.clone();
      state.setAccount(0, { ...state.account(0)!, nonce: MAX_U32 });
      expectRefused(world.transfer("alice", 0, 1, 1n, MAX_U32), "NonceExhausted", state);
    });

    it("refuses with BalanceOverflow a credit past 2^128 - 1", function () {
      const state = base.clone();
      state.setAccount(1, { ...state.account(1)!, balance: (1n << 128n) - 10n });
      expectRefused(world.transfer("alice", 0, 1, 10n, 0), "BalanceOverflow", state);
    });
  });

  describe("applyZkTx: withdraw", function () {
    it("debits the sender and advances its nonce; leaf B is unchanged", function () {
      const state = base.clone();
      const step = applyZkTx(state, world.withdraw("alice", 0, 1000n, 0), world.crypto);
      expect(state.account(0)).to.deep.include({ balance: 0n, nonce: 1 });
      expect(step.b.oldLeaf).to.equal(step.b.newLeaf);
    });

    const refusals: [string, ZkRefusalReason, () => ZkTxRequest][] = [
      ["from an account that is not open", "UnknownAccount", () => world.withdraw("alice", 4, 1n, 0)],
      [
        "to a malformed address",
        "BadRecipient",
        () => world.withdraw("alice", 0, 1n, 0, { recipient: "0x1234" }),
      ],
      [
        "to the zero address",
        "ZeroRecipient",
        () => world.withdraw("alice", 0, 1n, 0, { recipient: "0x" + "00".repeat(20) }),
      ],
      ["of nothing", "ZeroAmount", () => world.withdraw("alice", 0, 0n, 0)],
      [
        "of an amount that is no float40",
        "AmountNotRepresentable",
        () => unsigned({ kind: "withdraw", from: 0, recipient: DEPOSITOR, tokenId: 0, amount: NOT_FLOAT40 }),
      ],
      ["naming another token", "TokenMismatch", () => world.withdraw("alice", 0, 1n, 0, { tokenId: 1 })],
      ["signed by another key", "BadSignature", () => world.withdraw("alice", 0, 1n, 0, { signedBy: "bob" })],
      ["over the balance", "InsufficientBalance", () => world.withdraw("alice", 0, 1001n, 0)],
    ];
    for (const [what, reason, request] of refusals) {
      it(`refuses with ${reason} a withdrawal ${what}`, function () {
        expectRefused(request(), reason);
      });
    }
  });

  describe("applyZkTx: forced withdrawal (a Layer-1 request)", function () {
    const forced = (over: Partial<ZkForcedRequest> = {}, effective = false): ZkTxRequest => ({
      tx: {
        kind: "forced",
        effective,
        request: {
          index: 0,
          requester: world.users.alice.signer.l1Address,
          account: 0,
          owner: world.users.alice.owner,
          tokenId: 0,
          amount: 300n,
          requestedAt: 0n,
          ...over,
        },
      },
    });

    it("debits an effective request without a signature, nonce unchanged; leaf A is read with its true preimage", function () {
      const state = base.clone();
      const step = applyZkTx(state, forced(), world.crypto);
      expect(step.tx).to.deep.include({ kind: "forced", effective: true });
      expect(step.authorization).to.equal(undefined);
      expect(state.account(0)).to.deep.include({ balance: 700n, nonce: 0 });
      expect(step.a.index).to.equal(0);
      expect(step.a.fields.balance).to.equal(1000n);
      expect(step.slot).to.equal(slotElement(step.tx));
      expect(step.slot >> 250n).to.equal(3n);
    });

    it("nullifies, whatever effective the request claims, a request of another owner, token, too much or an empty leaf", function () {
      for (const over of [
        { owner: world.users.bob.owner },
        { tokenId: 1 },
        { amount: 1001n },
        { account: 5 },
      ]) {
        const state = base.clone();
        const step = applyZkTx(state, forced(over, true), world.crypto);
        expect(
          step.tx,
          JSON.stringify(over, (_, v) => (typeof v === "bigint" ? `${v}` : v)),
        ).to.deep.include({
          effective: false,
        });
        expect(state.root).to.equal(base.root);
        expect(step.a.oldLeaf).to.equal(step.a.newLeaf);
        expect(step.slot >> 250n).to.equal(1n);
      }
    });

    for (const [reason, over] of [
      ["AccountOutOfRange", { account: 2 ** DEPTH }],
      ["TokenIdTooLarge", { tokenId: 2 ** 16 }],
      ["ZeroAmount", { amount: 0n }],
      ["AmountNotRepresentable", { amount: NOT_FLOAT40 }],
      ["OwnerTooLarge", { owner: 1n << 160n }],
    ] as const) {
      it(`refuses with ${reason} a request no circuit can carry`, function () {
        expectRefused(forced(over), reason);
      });
    }
  });

  describe("applyNoop", function () {
    it("changes nothing and records identity updates of leaf 0", function () {
      const state = base.clone();
      const root = state.root;
      const step = applyNoop(state);
      expect(state.root).to.equal(root);
      expect(step.slot).to.equal(0n);
      for (const update of [step.a, step.b]) {
        expect(update).to.deep.include({ index: 0, oldLeaf: update.newLeaf });
        const hasher = state.accounts.hasher;
        expect(computeMerkleRoot(hasher, update.oldLeaf, 0, update.siblings)).to.equal(state.accountsRoot);
      }
    });
  });
});
