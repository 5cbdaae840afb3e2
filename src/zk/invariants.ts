/**
 * The zk rollup's solvency, checked from Layer 1 alone (a verifier node and the contract's events):
 * for each token, the bridge's escrow for the rollup covers everything the rollup still owes —
 * the Layer-2 balances of accounts that have not exited, the credits not yet claimed (verified
 * withdrawals and refunded deposits), and the deposits queued but not yet consumed or refunded; and
 * the rollup's own ETH is exactly the forced-request fees it owes.
 */
import type { Provider } from "ethers";
import type { BridgeClient } from "../bridge/client";
import { InvariantViolationError, creditsMatchEvents } from "../bridge/invariants";
import { depositsUpTo } from "../shared/deposit";
import type { ZkChainFollower } from "./chain-follower";
import type { ZkRollupClient } from "./rollup-client";

export interface ZkSolvencyReport {
  tokenId: number;
  escrowed: bigint;
  /** Layer-2 balances of accounts still in the rollup. */
  balances: bigint;
  /** Credits not yet claimed. */
  credits: bigint;
  /** Deposits not yet consumed nor refunded. */
  queued: bigint;
}

type Owed = Map<number, { balances: bigint; credits: bigint; queued: bigint }>;

/**
 * assertZkEscrowCovers: escrow ≥ Layer-2 balances + unclaimed credits + unconsumed deposits, per token.
 * Syncs `follower` first. Also checks each account's credit against the sum of its events.
 * @throws InvariantViolationError naming the gap.
 */
export async function assertZkEscrowCovers(
  follower: ZkChainFollower,
  bridge: BridgeClient,
): Promise<ZkSolvencyReport[]> {
  await follower.sync();
  const owed: Owed = new Map([[0, { balances: 0n, credits: 0n, queued: 0n }]]);
  const entry = (tokenId: number) => {
    if (!owed.has(tokenId)) owed.set(tokenId, { balances: 0n, credits: 0n, queued: 0n });
    return owed.get(tokenId)!;
  };
  for (const [index, account] of follower.state.accounts.entries()) {
    if (!follower.exited.has(index)) entry(account.tokenId).balances += account.balance;
  }
  for (const [tokenId, amount] of await unclaimedCredits(follower)) entry(tokenId).credits += amount;
  for (const d of await unconsumedDeposits(follower, bridge)) entry(d.tokenId).queued += d.amount;
  return checkEscrow(follower, bridge, owed);
}

async function checkEscrow(
  follower: ZkChainFollower,
  bridge: BridgeClient,
  owed: Owed,
): Promise<ZkSolvencyReport[]> {
  const rollup = follower.rollup.address;
  const reports: ZkSolvencyReport[] = [];
  for (const [tokenId, o] of owed) {
    const token = await bridge.contract.tokenOf(rollup, tokenId);
    const { escrowed } = await bridge.contract.asset(rollup, token);
    const total = o.balances + o.credits + o.queued;
    if (escrowed < total) {
      throw new InvariantViolationError(
        `the bridge escrows ${escrowed} of token ${tokenId} for the zk rollup, which owes ${total} ` +
          `(balances ${o.balances}, credits ${o.credits}, queued ${o.queued})`,
      );
    }
    reports.push({ tokenId, escrowed, ...o });
  }
  return reports;
}

/** Unclaimed credits per token id, from the events, each account's checked against `creditOf`. */
async function unclaimedCredits(follower: ZkChainFollower): Promise<Map<number, bigint>> {
  const c = follower.rollup.contract;
  const perAccount = new Map<string, { account: string; tokenId: number; amount: bigint }>();
  const add = (account: string, tokenId: bigint | number, amount: bigint) => {
    const key = `${account}:${tokenId}`;
    const prior = perAccount.get(key)?.amount ?? 0n;
    perAccount.set(key, { account, tokenId: Number(tokenId), amount: prior + amount });
  };
  for (const log of await c.queryFilter(c.filters.WithdrawalCredited())) {
    add(log.args.recipient, log.args.tokenId, log.args.amount);
  }
  for (const log of await c.queryFilter(c.filters.DepositRefunded())) {
    add(log.args.depositor, log.args.tokenId, log.args.amount);
  }
  for (const log of await c.queryFilter(c.filters.CreditClaimed())) {
    add(log.args.account, log.args.tokenId, -log.args.amount);
  }
  const perToken = new Map<number, bigint>();
  for (const { account, tokenId, amount } of perAccount.values()) {
    const actual = await c.creditOf(account, tokenId);
    if (actual !== amount) {
      throw new InvariantViolationError(
        `credit of ${account} in token ${tokenId} is ${actual}, its events say ${amount}`,
      );
    }
    perToken.set(tokenId, (perToken.get(tokenId) ?? 0n) + amount);
  }
  return perToken;
}

/** The deposits queued for the rollup that it has neither consumed nor refunded, in queue order. */
export async function unconsumedDeposits(follower: ZkChainFollower, bridge: BridgeClient) {
  const queue = await bridge.verifiedQueue(follower.rollup.address);
  const head = await follower.rollup.depositHead();
  return queue.slice(depositsUpTo(queue, head));
}

export interface ZkFeeReport {
  /** The rollup contract's own ETH: forced-request fees only (Layer-2 money is the bridge's). */
  balance: bigint;
  /** Fee credits not yet claimed. */
  credited: bigint;
  /** Fees of the requests still waiting for a batch (or for their exodus refund). */
  waiting: bigint;
}

/**
 * assertZkFeesCovered: the rollup holds exactly the forced-request fees it owes, its ETH = unclaimed fee
 * credits + the fees of the requests still waiting, and each account's fee credit is the sum of its
 * events (`FeeCredited` − `FeeClaimed`). So every fee ends paid to a fee recipient or refunded, once.
 * @throws InvariantViolationError naming the gap.
 */
export async function assertZkFeesCovered(rollup: ZkRollupClient, provider: Provider): Promise<ZkFeeReport> {
  const c = rollup.contract;
  const [balance, fee, [requested, consumed]] = await Promise.all([
    provider.getBalance(rollup.address),
    c.FORCED_REQUEST_FEE(),
    c.forcedRequests(),
  ]);
  const credited = await creditsMatchEvents(
    await c.queryFilter(c.filters.FeeCredited()),
    await c.queryFilter(c.filters.FeeClaimed()),
    (account) => c.feeCreditOf(account),
    "fee credit",
  );
  const waiting = (requested - consumed) * fee;
  if (balance !== credited + waiting) {
    throw new InvariantViolationError(
      `the zk rollup holds ${balance} wei but owes ${credited} of fee credits + ${waiting} of waiting fees`,
    );
  }
  return { balance, credited, waiting };
}
