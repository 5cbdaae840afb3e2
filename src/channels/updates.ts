import { keccak256 } from "ethers";
import {
  ConservationError,
  ChannelFinalError,
  DuplicateLockError,
  InsufficientBalanceError,
  InvalidAmountError,
  LockDeadlineError,
  LockExpiredError,
  LockNotExpiredError,
  NotAuthorizedError,
  NothingToClearError,
  OpenLocksError,
  PendingWithdrawalsError,
  ShapeMismatchError,
  UnknownAssetError,
  UnknownLockError,
  UnknownParticipantError,
  WithdrawalNotExecutedError,
  WrongSecretError,
} from "./errors";
import type { ChannelState, Lock } from "./types";
import { totalOf } from "./types";

/**
 * The updates two parties agree on, as pure functions from the latest state to the next one. Each
 * update is made by one participant, the proposer: `applyUpdate` enforces who may do what, and
 * `checkTransition` re-checks, independently of how the state was built, that no value appeared or
 * vanished. Nothing here does I/O; a rule broken throws its named `ChannelUpdateError`.
 */
export type Update =
  /** The proposer pays `amount` of allocation `asset` to participant `to`. */
  | { kind: "pay"; asset: number; to: number; amount: bigint }
  /** The proposer (`lock.sender`) moves `lock.amount` out of its balance into a hashlocked payment. */
  | { kind: "lock"; lock: Lock }
  /** The lock goes to its receiver: `secret` is its preimage (keccak256(secret) = hashlock). */
  | { kind: "settle"; hashlock: string; secret: string }
  /** The lock goes back to its sender: the receiver gives it up, or the sender takes it after its deadline. */
  | { kind: "cancel"; hashlock: string }
  /** The proposer moves `amount` of its balance into the state's withdrawals (paid by `withdrawPartial`). */
  | { kind: "withdraw"; asset: number; amount: bigint }
  /** Drops withdrawals Layer 1 has paid (a `PartialWithdrawal` at the latest version or later). */
  | { kind: "clearWithdrawals" }
  /** Credits the proposer with `amount` it is about to deposit (the co-signed-first top-up protocol). */
  | { kind: "topUp"; asset: number; amount: bigint }
  /** The final state, for a cooperative close: no locks, nothing pending. */
  | { kind: "finalize" };

export type UpdateKind = Update["kind"];

/** What the rules need from outside: the only inputs that are not in the states themselves. */
export interface UpdateContext {
  /** Layer-1 time now, in seconds (locks' deadlines are Layer-1 timestamps). */
  now: bigint;
  /** The highest version whose withdrawals Layer 1 has paid (its `PartialWithdrawal` events). */
  withdrawnVersion?: bigint;
}

export const MAX_UINT64 = (1n << 64n) - 1n;
export const MAX_UINT256 = (1n << 256n) - 1n;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** The next state: `update` made by participant `proposer` on `prev`. `prev` is never modified. */
export function applyUpdate(
  prev: ChannelState,
  update: Update,
  proposer: number,
  ctx: UpdateContext,
): ChannelState {
  if (prev.isFinal) throw new ChannelFinalError(`channel ${prev.channelId} is final at v${prev.version}`);
  if (prev.withdrawals.length > 0 && update.kind !== "clearWithdrawals") {
    throw new PendingWithdrawalsError(`v${prev.version} carries withdrawals: clear them first`);
  }
  const next = nextVersionOf(prev);
  switch (update.kind) {
    case "pay":
      pay(next, update, proposer);
      break;
    case "lock":
      lock(next, update.lock, proposer, ctx);
      break;
    case "settle":
      settle(next, update, proposer, ctx);
      break;
    case "cancel":
      cancel(next, update.hashlock, proposer, ctx);
      break;
    case "withdraw":
      withdraw(next, update, proposer);
      break;
    case "clearWithdrawals":
      clearWithdrawals(next, prev.version, ctx);
      break;
    case "topUp":
      topUp(next, update, proposer);
      break;
    case "finalize":
      finalize(next);
      break;
    default:
      throw new ShapeMismatchError(`unknown update kind ${(update as { kind: unknown }).kind}`);
  }
  return next;
}

/** A copy of `prev` one version on, every array fresh (so the rules may edit it in place). */
function nextVersionOf(prev: ChannelState): ChannelState {
  return {
    channelId: prev.channelId,
    version: prev.version + 1n,
    isFinal: false,
    allocations: prev.allocations.map((a) => ({ asset: a.asset, balances: [...a.balances] })),
    locks: prev.locks.map((l) => ({ ...l })),
    withdrawals: prev.withdrawals.map((w) => ({ ...w })),
  };
}

function pay(s: ChannelState, u: { asset: number; to: number; amount: bigint }, proposer: number): void {
  const balances = balancesOf(s, u.asset);
  checkParticipant(balances, u.to);
  if (u.to === proposer) throw new UnknownParticipantError("a payment to oneself");
  debit(balances, proposer, checkAmount(u.amount));
  balances[u.to] += u.amount;
}

function lock(s: ChannelState, l: Lock, proposer: number, ctx: UpdateContext): void {
  if (l.sender !== proposer)
    throw new NotAuthorizedError(`only the sender (#${l.sender}) may lock its funds`);
  const balances = balancesOf(s, l.asset);
  checkParticipant(balances, l.receiver);
  if (l.receiver === l.sender) throw new UnknownParticipantError("a lock to oneself");
  if (!BYTES32.test(l.hashlock)) throw new ShapeMismatchError("a hashlock is 32 bytes of hex");
  if (l.deadline <= ctx.now || l.deadline > MAX_UINT64) {
    throw new LockDeadlineError(`deadline ${l.deadline} is not after now (${ctx.now})`);
  }
  if (findLock(s, l.hashlock) !== -1)
    throw new DuplicateLockError(`hashlock ${l.hashlock} is already locked`);
  debit(balances, proposer, checkAmount(l.amount));
  s.locks.push({ ...l, hashlock: l.hashlock.toLowerCase() });
}

function settle(
  s: ChannelState,
  u: { hashlock: string; secret: string },
  proposer: number,
  ctx: UpdateContext,
) {
  const l = takeLock(s, u.hashlock);
  if (!isPreimage(u.secret, l.hashlock)) throw new WrongSecretError(`the secret does not open ${l.hashlock}`);
  if (proposer !== l.sender && proposer !== l.receiver) {
    throw new NotAuthorizedError("only the lock's sender or receiver may settle it");
  }
  if (proposer === l.receiver && ctx.now > l.deadline) {
    throw new LockExpiredError(`lock ${l.hashlock} expired at ${l.deadline} (now ${ctx.now})`);
  }
  balancesOf(s, l.asset)[l.receiver] += l.amount;
}

function cancel(s: ChannelState, hashlock: string, proposer: number, ctx: UpdateContext): void {
  const l = takeLock(s, hashlock);
  if (proposer === l.sender) {
    if (ctx.now <= l.deadline) {
      throw new LockNotExpiredError(`lock ${l.hashlock} runs until ${l.deadline} (now ${ctx.now})`);
    }
  } else if (proposer !== l.receiver) {
    throw new NotAuthorizedError("only the lock's sender or receiver may cancel it");
  }
  balancesOf(s, l.asset)[l.sender] += l.amount;
}

function withdraw(s: ChannelState, u: { asset: number; amount: bigint }, proposer: number): void {
  debit(balancesOf(s, u.asset), proposer, checkAmount(u.amount));
  s.withdrawals.push({ asset: u.asset, participant: proposer, amount: u.amount });
}

function clearWithdrawals(s: ChannelState, prevVersion: bigint, ctx: UpdateContext): void {
  if (s.withdrawals.length === 0) throw new NothingToClearError("the latest state has no withdrawals");
  if (ctx.withdrawnVersion === undefined || ctx.withdrawnVersion < prevVersion) {
    throw new WithdrawalNotExecutedError(
      `v${prevVersion}'s withdrawals are not paid on Layer 1 (paid up to ${ctx.withdrawnVersion ?? "none"})`,
    );
  }
  s.withdrawals = [];
}

function topUp(s: ChannelState, u: { asset: number; amount: bigint }, proposer: number): void {
  const balances = balancesOf(s, u.asset);
  checkParticipant(balances, proposer);
  balances[proposer] += checkAmount(u.amount);
}

function finalize(s: ChannelState): void {
  if (s.locks.length > 0) throw new OpenLocksError(`${s.locks.length} lock(s) still open`);
  s.isFinal = true;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function balancesOf(s: ChannelState, asset: number): bigint[] {
  const allocation = Number.isInteger(asset) ? s.allocations[asset] : undefined;
  if (!allocation)
    throw new UnknownAssetError(`no asset #${asset} (the channel has ${s.allocations.length})`);
  return allocation.balances;
}

function checkParticipant(balances: bigint[], index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= balances.length) {
    throw new UnknownParticipantError(`no participant #${index}`);
  }
}

function checkAmount(amount: bigint): bigint {
  if (typeof amount !== "bigint" || amount <= 0n || amount > MAX_UINT256) {
    throw new InvalidAmountError(`amount ${amount} is not in [1, 2^256)`);
  }
  return amount;
}

function debit(balances: bigint[], who: number, amount: bigint): void {
  checkParticipant(balances, who);
  if (balances[who] < amount) {
    throw new InsufficientBalanceError(`#${who} has ${balances[who]}, needs ${amount}`);
  }
  balances[who] -= amount;
}

function findLock(s: ChannelState, hashlock: string): number {
  const key = hashlock.toLowerCase();
  return s.locks.findIndex((l) => l.hashlock.toLowerCase() === key);
}

/** Removes and returns the open lock `hashlock`. */
function takeLock(s: ChannelState, hashlock: string): Lock {
  const at = findLock(s, hashlock);
  if (at === -1) throw new UnknownLockError(`no open lock ${hashlock}`);
  return s.locks.splice(at, 1)[0];
}

/** True when keccak256(secret) is `hashlock` (the SecretRegistry's rule). */
export function isPreimage(secret: string, hashlock: string): boolean {
  try {
    return keccak256(secret).toLowerCase() === hashlock.toLowerCase();
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------------

/** How much `update` may change the total of `asset` from `prev`: a top-up adds, a clearing removes. */
export function agreedChange(prev: ChannelState, update: Update, asset: number): bigint {
  if (update.kind === "topUp" && update.asset === asset) return update.amount;
  if (update.kind !== "clearWithdrawals") return 0n;
  return -prev.withdrawals.filter((w) => w.asset === asset).reduce((sum, w) => sum + w.amount, 0n);
}

/**
 * The rules every state must keep, whatever built it: the same assets, one balance per participant,
 * no negative amount, and per asset a total that changed only by the change the update agrees to.
 */
export function checkTransition(prev: ChannelState, next: ChannelState, update: Update): void {
  checkShape(
    next,
    prev.allocations.map((a) => a.asset),
    prev.allocations[0]?.balances.length ?? 0,
  );
  for (let asset = 0; asset < prev.allocations.length; asset++) {
    const expected = totalOf(prev, asset) + agreedChange(prev, update, asset);
    const actual = totalOf(next, asset);
    if (actual !== expected) {
      throw new ConservationError(`asset #${asset}: total ${actual}, expected ${expected}`);
    }
  }
}

/** Same assets in the same order, `participants` balances each, every amount non-negative, indices in range. */
export function checkShape(s: ChannelState, assets: readonly string[], participants: number): void {
  if (s.allocations.length !== assets.length) throw new ShapeMismatchError("the allocations changed");
  s.allocations.forEach((a, i) => {
    if (a.asset.toLowerCase() !== assets[i].toLowerCase())
      throw new ShapeMismatchError(`asset #${i} changed`);
    if (a.balances.length !== participants)
      throw new ShapeMismatchError(`asset #${i}: wrong number of balances`);
    for (const b of a.balances) {
      if (b < 0n) throw new InsufficientBalanceError(`asset #${i}: a negative balance`);
    }
  });
  const inRange = (asset: number, who: number) =>
    Number.isInteger(asset) && asset >= 0 && asset < assets.length && who >= 0 && who < participants;
  for (const l of s.locks) {
    if (!inRange(l.asset, l.sender) || !inRange(l.asset, l.receiver) || l.amount <= 0n) {
      throw new ShapeMismatchError(`lock ${l.hashlock} is malformed`);
    }
  }
  for (const w of s.withdrawals) {
    if (!inRange(w.asset, w.participant) || w.amount <= 0n)
      throw new ShapeMismatchError("a malformed withdrawal");
  }
}

/** Field-by-field equality of two states (hex compared without regard to case). */
export function sameState(a: ChannelState, b: ChannelState): boolean {
  const hex = (x: string, y: string) => x.toLowerCase() === y.toLowerCase();
  return (
    hex(a.channelId, b.channelId) &&
    a.version === b.version &&
    a.isFinal === b.isFinal &&
    a.allocations.length === b.allocations.length &&
    a.allocations.every(
      (x, i) =>
        hex(x.asset, b.allocations[i].asset) &&
        x.balances.length === b.allocations[i].balances.length &&
        x.balances.every((v, j) => v === b.allocations[i].balances[j]),
    ) &&
    a.locks.length === b.locks.length &&
    a.locks.every((x, i) => {
      const y = b.locks[i];
      return (
        hex(x.hashlock, y.hashlock) &&
        x.deadline === y.deadline &&
        x.asset === y.asset &&
        x.sender === y.sender &&
        x.receiver === y.receiver &&
        x.amount === y.amount
      );
    }) &&
    a.withdrawals.length === b.withdrawals.length &&
    a.withdrawals.every((x, i) => {
      const y = b.withdrawals[i];
      return x.asset === y.asset && x.participant === y.participant && x.amount === y.amount;
    })
  );
}
