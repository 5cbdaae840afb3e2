// The one workload every design runs (`npm run compare`): N users, T transfers in a fixed round-robin
// pattern (transfer k: user k mod N pays user (k+1) mod N an amount of 1 to 5 units, cycling with k),
// and one withdrawal of W back to Layer 1 by user 0. Entering Layer 2 (deposits, channel funding) is
// its own part, before the transfers. Pure: no chain, so the expected balances it computes are the
// yardstick each design's real run is checked against.
import { parseEther } from "ethers";
import { CompareConfigError } from "./errors";

export const DEFAULT_USERS = 10;
export const DEFAULT_TRANSFERS = 100;
/** The zk rollup's accounts tree has depth 8 (256 leaves); the comparison stays well inside it. */
export const MAX_USERS = 100;

/** One transfer unit; transfer k moves (1 + k mod 5) units. */
export const TRANSFER_UNIT = parseEther("0.001");
/** What each user brings into Layer 2 (raised to whole ETH if a long workload needs more). */
export const DEFAULT_FUNDING = parseEther("1");
export const WITHDRAWAL_AMOUNT = parseEther("0.25");
export const WITHDRAWER = 0;

export interface WorkloadOptions {
  users?: number;
  transfers?: number;
}

export interface Transfer {
  index: number;
  from: number;
  to: number;
  amount: bigint;
}

export interface Workload {
  users: number;
  /** What each user deposits into Layer 2 (or funds its channel with, or holds on Layer 1). */
  funding: bigint;
  transfers: Transfer[];
  /** One user's withdrawal back to its own Layer-1 address. */
  withdrawal: { user: number; amount: bigint };
}

export function buildWorkload(o: WorkloadOptions = {}): Workload {
  const users = o.users ?? DEFAULT_USERS;
  const count = o.transfers ?? DEFAULT_TRANSFERS;
  if (!Number.isInteger(users) || users < 2 || users > MAX_USERS) {
    throw new CompareConfigError(`the workload needs 2 to ${MAX_USERS} users, not ${users}`);
  }
  if (!Number.isInteger(count) || count < 1) {
    throw new CompareConfigError(`the workload needs at least one transfer, not ${count}`);
  }
  const transfers = Array.from({ length: count }, (_, k) => ({
    index: k,
    from: k % users,
    to: (k + 1) % users,
    amount: TRANSFER_UNIT * BigInt(1 + (k % 5)),
  }));
  const withdrawal = { user: WITHDRAWER, amount: WITHDRAWAL_AMOUNT };
  return { users, funding: fundingFor(users, transfers, withdrawal.amount), transfers, withdrawal };
}

/** Whole ETH, at least DEFAULT_FUNDING, enough for the biggest spender to send everything and withdraw. */
function fundingFor(users: number, transfers: Transfer[], withdrawal: bigint): bigint {
  const need = sentBy(users, transfers).reduce((max, s) => (s > max ? s : max), 0n) + withdrawal;
  const whole = parseEther("1");
  const funding = ((need + whole - 1n) / whole) * whole;
  return funding > DEFAULT_FUNDING ? funding : DEFAULT_FUNDING;
}

/** What each user sends over the whole workload. */
export function sentBy(users: number, transfers: readonly Transfer[]): bigint[] {
  const sent = Array.from({ length: users }, () => 0n);
  for (const t of transfers) sent[t.from] += t.amount;
  return sent;
}

/** What each user receives over the whole workload. */
export function receivedBy(users: number, transfers: readonly Transfer[]): bigint[] {
  const received = Array.from({ length: users }, () => 0n);
  for (const t of transfers) received[t.to] += t.amount;
  return received;
}

/** Each user's balance once every transfer is made: funding − sent + received. */
export function balancesAfterTransfers(w: Workload): bigint[] {
  const sent = sentBy(w.users, w.transfers);
  const received = receivedBy(w.users, w.transfers);
  return sent.map((s, u) => w.funding - s + received[u]);
}

/** Each user's Layer-2 balance once the withdrawal has left too. */
export function balancesAfterWithdrawal(w: Workload): bigint[] {
  return balancesAfterTransfers(w).map((b, u) => (u === w.withdrawal.user ? b - w.withdrawal.amount : b));
}

/** The workload in words, for the report. */
export function describeWorkload(w: Workload): string {
  return (
    `${w.users} users, ${w.transfers.length} transfers (user k mod ${w.users} pays user (k+1) mod ` +
    `${w.users}), one withdrawal back to Layer 1`
  );
}
