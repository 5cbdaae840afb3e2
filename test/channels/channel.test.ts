import { expect } from "chai";
import fc from "fast-check";
import { id, keccak256 } from "ethers";
import type { OpenProposal, Proposal, StateSigner } from "../../src/channels/channel";
import { Channel, keySigner } from "../../src/channels/channel";
import { ChannelDomain } from "../../src/channels/eip712";
import type { ChannelParams, ChannelState } from "../../src/channels/types";
import { ETH, totalOf } from "../../src/channels/types";
import type { Update, UpdateContext } from "../../src/channels/updates";
import { applyUpdate, checkTransition } from "../../src/channels/updates";
import { assertProperty } from "../helpers/property";

const domain = new ChannelDomain(31337n, "0x00000000000000000000000000000000000000a1");
const alice = keySigner(domain, id("alice"));
const bob = keySigner(domain, id("bob"));
const mallory = keySigner(domain, id("mallory"));
const TOKEN = "0x00000000000000000000000000000000000000b2";
const NOW = 1_000_000n;
const ctx: UpdateContext = { now: NOW };
const secret = id("the secret");
const hashlock = keccak256(secret);

const params: ChannelParams = {
  participants: [alice.address, bob.address],
  nonce: 1n,
  challengeDuration: 60,
};

/** A channel both sides opened: Alice (#0) funds 100 ETH-wei and 50 token units, Bob 20 ETH-wei. */
function openPair(): { a: Channel; b: Channel } {
  const allocations = [
    { asset: ETH, balances: [100n, 20n] },
    { asset: TOKEN, balances: [50n, 0n] },
  ];
  const { channel: a, proposal } = Channel.initiate(params, 0, allocations, alice);
  const { channel: b, signed } = Channel.accept(proposal, bob);
  a.confirm(proposal, signed.sigs[1]);
  return { a, b };
}

/** `from` proposes, `to` receives and co-signs, `from` confirms. */
function exchange(from: Channel, to: Channel, update: Update, at: UpdateContext = ctx) {
  const proposal = from.propose(update, at);
  const { signed } = to.receive(proposal, at);
  return from.confirm(proposal, signed.sigs[to.me]);
}

/** A proposal as a dishonest Alice would send it: `edit` changes the state, which she then signs. */
function forged(
  a: Channel,
  update: Update,
  edit: (s: ChannelState) => void,
  signer: StateSigner = alice,
): Proposal {
  const state = structuredClone(applyUpdate(a.latest!.state, update, 0, ctx));
  edit(state);
  return { channelId: a.id, from: 0, update, state, sig: signer.sign(state) };
}

function refusal(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a refusal");
}

/** `b` refuses `proposal` with `name`, and nothing about `b` changed. */
function expectRefused(b: Channel, proposal: Proposal, name: string, at: UpdateContext = ctx): void {
  const before = b.latest;
  expect(refusal(() => b.receive(proposal, at)).name).to.equal(name);
  expect(b.latest).to.equal(before);
}

const ethOf = (c: Channel) => c.latest!.state.allocations[0].balances;

describe("Channel", () => {
  describe("initiate / accept", () => {
    it("succeeds: both hold version 0 signed by both", () => {
      const { a, b } = openPair();
      expect(a.latest!.state.version).to.equal(0n);
      expect(b.latest!.sigs).to.deep.equal(a.latest!.sigs);
      expect(domain.recover(a.latest!.state, a.latest!.sigs[1])).to.equal(bob.address);
    });

    it("refuses with BadSignatureError when the offer is not signed by its proposer", () => {
      const { proposal } = Channel.initiate(params, 0, [{ asset: ETH, balances: [1n, 1n] }], alice);
      const bad: OpenProposal = { ...proposal, sig: mallory.sign(proposal.state) };
      expect(refusal(() => Channel.accept(bad, bob)).name).to.equal("BadSignatureError");
    });

    it("refuses with NotAuthorizedError when the offer is not to this participant", () => {
      const { proposal } = Channel.initiate(params, 0, [{ asset: ETH, balances: [1n, 1n] }], alice);
      expect(refusal(() => Channel.accept(proposal, mallory)).name).to.equal("NotAuthorizedError");
    });

    it("refuses with OpenRefusedError when the policy declines", () => {
      const { proposal } = Channel.initiate(params, 0, [{ asset: ETH, balances: [1n, 1n] }], alice);
      expect(refusal(() => Channel.accept(proposal, bob, () => false)).name).to.equal("OpenRefusedError");
    });

    it("refuses with WrongChannelError when the funding state names another channel", () => {
      const { proposal } = Channel.initiate(params, 0, [{ asset: ETH, balances: [1n, 1n] }], alice);
      const state = { ...proposal.state, channelId: id("other") };
      const bad = { ...proposal, state, sig: alice.sign(state) };
      expect(refusal(() => Channel.accept(bad, bob)).name).to.equal("WrongChannelError");
    });

    it("refuses with StateMismatchError when the funding state is not version 0", () => {
      const { proposal } = Channel.initiate(params, 0, [{ asset: ETH, balances: [1n, 1n] }], alice);
      const state = { ...proposal.state, version: 3n };
      expect(
        refusal(() => Channel.accept({ ...proposal, state, sig: alice.sign(state) }, bob)).name,
      ).to.equal("StateMismatchError");
    });
  });

  describe("pay", () => {
    it("succeeds: moves the amount and both hold the same co-signed state", () => {
      const { a, b } = openPair();
      const signed = exchange(a, b, { kind: "pay", asset: 0, to: 1, amount: 30n });
      expect(ethOf(a)).to.deep.equal([70n, 50n]);
      expect(b.latest).to.deep.equal(signed);
      exchange(b, a, { kind: "pay", asset: 0, to: 0, amount: 5n });
      expect(ethOf(b)).to.deep.equal([75n, 45n]);
    });

    it("refuses with InsufficientBalanceError, changing nothing, when the payer lacks the amount", () => {
      const { a } = openPair();
      const before = a.head;
      expect(refusal(() => a.propose({ kind: "pay", asset: 0, to: 1, amount: 101n }, ctx)).name).to.equal(
        "InsufficientBalanceError",
      );
      expect(a.head).to.equal(before);
      expect(a.inFlight).to.equal(0);
    });

    it("refuses with InvalidAmountError for a zero or negative amount", () => {
      const { a } = openPair();
      for (const amount of [0n, -1n]) {
        expect(refusal(() => a.propose({ kind: "pay", asset: 0, to: 1, amount }, ctx)).name).to.equal(
          "InvalidAmountError",
        );
      }
    });

    it("refuses with UnknownAssetError and UnknownParticipantError", () => {
      const { a } = openPair();
      expect(refusal(() => a.propose({ kind: "pay", asset: 2, to: 1, amount: 1n }, ctx)).name).to.equal(
        "UnknownAssetError",
      );
      expect(refusal(() => a.propose({ kind: "pay", asset: 0, to: 5, amount: 1n }, ctx)).name).to.equal(
        "UnknownParticipantError",
      );
      expect(refusal(() => a.propose({ kind: "pay", asset: 0, to: 0, amount: 1n }, ctx)).name).to.equal(
        "UnknownParticipantError",
      );
    });
  });

  describe("receive", () => {
    const pay: Update = { kind: "pay", asset: 0, to: 1, amount: 10n };

    it("refuses with StateMismatchError when the state is not what the update makes", () => {
      const { a, b } = openPair();
      expectRefused(
        b,
        forged(a, pay, (s) => (s.allocations[0].balances[0] += 1n)),
        "StateMismatchError",
      );
    });

    it("refuses with StateMismatchError when the proposer pays itself out of the peer's balance", () => {
      const { a, b } = openPair();
      const steal = forged(a, pay, (s) => (s.allocations[0].balances = [110n, 10n]));
      expectRefused(b, steal, "StateMismatchError");
    });

    it("refuses with VersionMismatchError when the version does not follow the latest", () => {
      const { a, b } = openPair();
      expectRefused(
        b,
        forged(a, pay, (s) => (s.version = 5n)),
        "VersionMismatchError",
      );
    });

    it("refuses with WrongChannelError for another channel's proposal", () => {
      const { a, b } = openPair();
      expectRefused(b, { ...a.propose(pay, ctx), channelId: id("other") }, "WrongChannelError");
    });

    it("refuses with BadSignatureError when someone else signed", () => {
      const { a, b } = openPair();
      expectRefused(
        b,
        forged(a, pay, () => undefined, mallory),
        "BadSignatureError",
      );
    });

    it("refuses with NotAuthorizedError when the proposal claims to come from the receiver itself", () => {
      const { a, b } = openPair();
      expectRefused(b, { ...a.propose(pay, ctx), from: 1 }, "NotAuthorizedError");
    });

    it("refuses with ChannelFinalError after the final state", () => {
      const { a, b } = openPair();
      exchange(a, b, { kind: "finalize" });
      expect(a.latest!.state.isFinal).to.equal(true);
      const state = { ...structuredClone(a.latest!.state), version: 2n, isFinal: false };
      expectRefused(
        b,
        { channelId: a.id, from: 0, update: pay, state, sig: alice.sign(state) },
        "ChannelFinalError",
      );
    });

    it("refuses with UpdateConflictError when the higher index proposes the same version; the lower index wins", () => {
      const { a, b } = openPair();
      const fromA = a.propose(pay, ctx);
      const fromB = b.propose({ kind: "pay", asset: 0, to: 0, amount: 3n }, ctx);
      expectRefused(a, fromB, "UpdateConflictError");
      const { signed, dropped } = b.receive(fromA, ctx);
      expect(dropped).to.deep.equal([fromB]);
      a.confirm(fromA, signed.sigs[1]);
      expect(ethOf(a)).to.deep.equal([90n, 30n]);
      expect(b.inFlight).to.equal(0);
    });
  });

  describe("pipelining", () => {
    it("succeeds: several proposals in flight are co-signed and confirmed in order", () => {
      const { a, b } = openPair();
      const proposals = [1n, 2n, 3n].map((amount) =>
        a.propose({ kind: "pay", asset: 0, to: 1, amount }, ctx),
      );
      expect(a.inFlight).to.equal(3);
      const sigs = proposals.map((p) => b.receive(p, ctx).signed.sigs[1]);
      proposals.forEach((p, i) => a.confirm(p, sigs[i]));
      expect(a.latest).to.deep.equal(b.latest);
      expect(ethOf(a)).to.deep.equal([94n, 26n]);
    });

    it("refused drops the refused proposal and every one built on it", () => {
      const { a } = openPair();
      const [p1, p2, p3] = [1n, 2n, 3n].map((amount) =>
        a.propose({ kind: "pay", asset: 0, to: 1, amount }, ctx),
      );
      expect(a.refused(p2)).to.deep.equal([p2, p3]);
      expect(a.head).to.equal(p1.state);
    });

    it("confirm refuses with BadSignatureError when the peer's signature is not the peer's", () => {
      const { a } = openPair();
      const p = a.propose(pay(1n), ctx);
      expect(refusal(() => a.confirm(p, mallory.sign(p.state))).name).to.equal("BadSignatureError");
      expect(a.inFlight).to.equal(1);
    });
  });

  describe("locks", () => {
    const lock = (over: Partial<{ amount: bigint; deadline: bigint; sender: number }> = {}): Update => ({
      kind: "lock",
      lock: { hashlock, deadline: NOW + 100n, asset: 0, sender: 0, receiver: 1, amount: 40n, ...over },
    });

    it("lock then settle by secret pays the receiver", () => {
      const { a, b } = openPair();
      exchange(a, b, lock());
      expect(ethOf(b)).to.deep.equal([60n, 20n]);
      expect(totalOf(b.latest!.state, 0)).to.equal(120n);
      exchange(b, a, { kind: "settle", hashlock, secret });
      expect(ethOf(a)).to.deep.equal([60n, 60n]);
      expect(a.latest!.state.locks).to.deep.equal([]);
    });

    it("the receiver may cancel at any time, giving the lock back", () => {
      const { a, b } = openPair();
      exchange(a, b, lock());
      exchange(b, a, { kind: "cancel", hashlock });
      expect(ethOf(a)).to.deep.equal([100n, 20n]);
    });

    it("the sender takes the lock back after its deadline", () => {
      const { a, b } = openPair();
      exchange(a, b, lock());
      exchange(a, b, { kind: "cancel", hashlock }, { now: NOW + 101n });
      expect(ethOf(b)).to.deep.equal([100n, 20n]);
    });

    it("refuses with LockNotExpiredError when the sender cancels before the deadline", () => {
      const { a, b } = openPair();
      exchange(a, b, lock());
      expect(refusal(() => a.propose({ kind: "cancel", hashlock }, ctx)).name).to.equal(
        "LockNotExpiredError",
      );
    });

    it("refuses with WrongSecretError, UnknownLockError and DuplicateLockError", () => {
      const { a, b } = openPair();
      exchange(a, b, lock());
      expect(refusal(() => b.propose({ kind: "settle", hashlock, secret: id("wrong") }, ctx)).name).to.equal(
        "WrongSecretError",
      );
      expect(refusal(() => b.propose({ kind: "cancel", hashlock: id("none") }, ctx)).name).to.equal(
        "UnknownLockError",
      );
      expect(refusal(() => a.propose(lock({ amount: 1n }), ctx)).name).to.equal("DuplicateLockError");
    });

    it("refuses with LockExpiredError when the receiver settles after the deadline", () => {
      const { a, b } = openPair();
      exchange(a, b, lock());
      const late = { now: NOW + 101n };
      expect(refusal(() => b.propose({ kind: "settle", hashlock, secret }, late)).name).to.equal(
        "LockExpiredError",
      );
    });

    it("refuses with LockDeadlineError and NotAuthorizedError", () => {
      const { a } = openPair();
      expect(refusal(() => a.propose(lock({ deadline: NOW }), ctx)).name).to.equal("LockDeadlineError");
      expect(refusal(() => a.propose(lock({ sender: 1 }), ctx)).name).to.equal("NotAuthorizedError");
    });

    it("refuses with OpenLocksError to finalize with a lock open", () => {
      const { a, b } = openPair();
      exchange(a, b, lock());
      expect(refusal(() => a.propose({ kind: "finalize" }, ctx)).name).to.equal("OpenLocksError");
    });
  });

  describe("withdrawals and top-ups", () => {
    it("withdraw moves the amount into withdrawals; only clearWithdrawals may follow, once paid on Layer 1", () => {
      const { a, b } = openPair();
      const signed = exchange(a, b, { kind: "withdraw", asset: 0, amount: 30n });
      expect(signed.state.withdrawals).to.deep.equal([{ asset: 0, participant: 0, amount: 30n }]);
      expect(totalOf(signed.state, 0)).to.equal(120n);
      expect(refusal(() => a.propose(pay(1n), ctx)).name).to.equal("PendingWithdrawalsError");
      expect(refusal(() => a.propose({ kind: "clearWithdrawals" }, ctx)).name).to.equal(
        "WithdrawalNotExecutedError",
      );
      const paid = { now: NOW, withdrawnVersion: signed.state.version };
      const cleared = exchange(a, b, { kind: "clearWithdrawals" }, paid);
      expect(totalOf(cleared.state, 0)).to.equal(90n);
      expect(refusal(() => a.propose({ kind: "clearWithdrawals" }, paid)).name).to.equal(
        "NothingToClearError",
      );
    });

    it("topUp credits the proposer: the only update that adds to an asset's total", () => {
      const { a, b } = openPair();
      const signed = exchange(b, a, { kind: "topUp", asset: 1, amount: 7n });
      expect(signed.state.allocations[1].balances).to.deep.equal([50n, 7n]);
      expect(totalOf(signed.state, 1)).to.equal(57n);
    });
  });

  describe("checkTransition (conservation)", () => {
    it("throws ConservationError when an asset's total changes without an agreed change", () => {
      const { a } = openPair();
      const prev = a.latest!.state;
      const update: Update = { kind: "pay", asset: 0, to: 1, amount: 10n };
      const next = structuredClone(applyUpdate(prev, update, 0, ctx));
      next.allocations[0].balances[1] += 1n;
      expect(refusal(() => checkTransition(prev, next, update)).name).to.equal("ConservationError");
      expect(
        refusal(() => checkTransition(prev, next, { kind: "topUp", asset: 1, amount: 1n })).name,
      ).to.equal("ConservationError");
    });

    it("throws ShapeMismatchError when an asset changes", () => {
      const { a } = openPair();
      const prev = a.latest!.state;
      const next = structuredClone(prev);
      next.allocations[1].asset = ETH;
      expect(refusal(() => checkTransition(prev, next, { kind: "finalize" })).name).to.equal(
        "ShapeMismatchError",
      );
    });

    it("keeps every asset's total over a long random run of updates", () => {
      // 300 payments: who pays, in which asset, and a share of the payer's balance (1 to all of it).
      const payments = fc.array(
        fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 1 }), fc.bigInt({ min: 0n, max: 1n << 64n })),
        {
          minLength: 300,
          maxLength: 300,
        },
      );
      assertProperty(
        fc.property(payments, (run) => {
          const { a, b } = openPair();
          const totals = [0, 1].map((i) => totalOf(a.latest!.state, i));
          for (const [byA, asset, share] of run) {
            const [from, to] = byA ? [a, b] : [b, a];
            const balance = from.latest!.state.allocations[asset].balances[from.me];
            if (balance === 0n) continue;
            exchange(from, to, { kind: "pay", asset, to: to.me, amount: 1n + (share % balance) });
            [0, 1].forEach((k) => expect(totalOf(a.latest!.state, k)).to.equal(totals[k]));
          }
          expect(a.latest).to.deep.equal(b.latest);
        }),
        { runs: 1 },
      );
    });
  });

  describe("adopt", () => {
    it("takes a newer fully signed state and refuses one with a bad signature", () => {
      const { a, b } = openPair();
      const stale = openPair().a; // a second copy of Alice's side, left behind at version 0
      const newer = exchange(a, b, pay(5n));
      expect(stale.adopt(newer)).to.equal(true);
      expect(stale.latest!.state.version).to.equal(1n);
      expect(stale.adopt(newer)).to.equal(false);
      const forgedSigs = {
        state: exchange(a, b, pay(1n)).state,
        sigs: [alice.sign(a.head), mallory.sign(a.head)],
      };
      expect(refusal(() => stale.adopt(forgedSigs)).name).to.equal("BadSignatureError");
    });
  });
});

function pay(amount: bigint): Update {
  return { kind: "pay", asset: 0, to: 1, amount };
}
