/**
 * The bridge as the explorer shows it: every rollup the bridge registered, its deposit queue, its escrow
 * per token, and its withdrawals (those still owed, as far as the rollup's contract knows them, and those
 * paid). Read from the bridge's getters and events and each rollup's own getters, at `ctx.head`.
 */
import { ZeroAddress, ZeroHash, getAddress } from "ethers";
import type { Bridge } from "../../typechain-types";
import { Bridge__factory, OptimisticRollup__factory, ZkRollup__factory } from "../../typechain-types";
import type { TokenInfo } from "./reads";
import { blockTime, tokenInfosOf } from "./reads";
import type { ExplorerContext, ExplorerRoute } from "./route";
import { deployed } from "./route";

export type { TokenInfo } from "./reads";

/** How many of a rollup's newest deposits the bridge view lists (the whole queue is in `length`). */
export const RECENT_DEPOSITS = 20;

/** One token of one rollup's escrow. */
export interface BridgeEscrowView {
  /** 0x0 for ETH. */
  token: string;
  tokenId: number;
  /** "ETH", the token's `symbol()`, or null when it has none. */
  symbol: string | null;
  /** Whether new deposits of it are accepted (withdrawals are paid either way). */
  allowed: boolean;
  /** Wei (or token units) held for this rollup alone. */
  escrowed: string;
}

/** A deposit as the bridge's `DepositQueued` event reports it. */
export interface BridgeDepositView {
  rollup: string;
  index: number;
  depositor: string;
  /** The Layer-2 owner word (an address left-padded, or a zk owner hash). */
  recipient: string;
  token: string;
  tokenId: number;
  symbol: string | null;
  amount: string;
  /** Block time it was queued. */
  timestamp: number;
  /** Whether the rollup has consumed it (null when the rollup does not say: see `BridgeQueueView.consumed`). */
  consumed: boolean | null;
  tx: string;
  block: number;
}

/** A rollup's deposit queue. */
export interface BridgeQueueView {
  /** Deposits ever queued. */
  length: number;
  /**
   * Deposits the rollup has consumed: zk, those its verified batches consumed (or exodus refunded);
   * optimistic, those its newest committed batch consumed (final or not). Null for a rollup that does not say.
   */
  consumed: number | null;
  /** length − consumed, or null. */
  pending: number | null;
  /** The queue's hash chain over all `length` deposits. */
  head: string;
  /** The newest deposits (at most RECENT_DEPOSITS), newest first. */
  recent: BridgeDepositView[];
}

/** A withdrawal paid (or credited, when its recipient could not receive) out of a rollup's escrow. */
export interface BridgePaidWithdrawalView {
  rollup: string;
  /** `withdrawal`: proven into a final batch (`finalizeWithdrawal`); `release`: paid by the rollup itself (a zk claim or exit). */
  kind: "withdrawal" | "release";
  recipient: string;
  token: string;
  tokenId: number;
  symbol: string | null;
  amount: string;
  /** The batch and leaf of a `withdrawal`; null for a `release`. */
  batchIndex: number | null;
  leafIndex: number | null;
  /** The recipient could not receive: the amount waits as a bridge credit it pulls with `claimCredit`. */
  credited: boolean;
  tx: string;
  block: number;
  timestamp: number;
}

/**
 * What a rollup still owes, as its contract knows it. zk: a credit (a verified withdrawal or a refunded
 * deposit) its owner claims now. Optimistic: a batch with withdrawals not all paid; they can be paid
 * (`finalizable`) once the batch is final, and wait for its challenge window until then.
 */
export type BridgePendingWithdrawalView =
  | {
      kind: "credit";
      status: "claimable";
      recipient: string;
      token: string;
      tokenId: number;
      symbol: string | null;
      amount: string;
    }
  | {
      kind: "batch";
      status: "awaiting-finality" | "finalizable";
      batchIndex: number;
      /** Withdrawals the batch holds, and how many of them the bridge paid. */
      withdrawals: number;
      paid: number;
      withdrawalRoot: string;
    };

export interface BridgeRollupView {
  address: string;
  /** Its name in the deployment record (OptimisticRollup, ZkRollup, Sidechain…), or null. */
  name: string | null;
  queue: BridgeQueueView;
  escrow: BridgeEscrowView[];
  withdrawals: {
    /** How the pending list was read: the zk rollup's credits, the optimistic rollup's batches, or nothing (the rollup does not say). */
    pendingSource: "zk-credits" | "optimistic-batches" | null;
    pending: BridgePendingWithdrawalView[];
    /** Newest first. */
    paid: BridgePaidWithdrawalView[];
  };
}

export interface BridgeView {
  bridge: string;
  rollups: BridgeRollupView[];
  /** Every token the rollups list, by address (0x0 is ETH): its symbol and decimals. */
  tokens: Record<string, TokenInfo>;
}

/** The bridge contract of the deployment, read-only. */
export function bridgeOf(ctx: ExplorerContext): Bridge {
  return Bridge__factory.connect(deployed(ctx, "Bridge"), ctx.provider);
}

/** The deployment's name for `address`, or null. */
export function nameOf(ctx: ExplorerContext, address: string): string | null {
  const wanted = address.toLowerCase();
  for (const [name, a] of Object.entries(ctx.deployment.contracts))
    if (a.toLowerCase() === wanted) return name;
  return null;
}

/** Every rollup the bridge registered, in order of registration. */
export async function registeredRollups(ctx: ExplorerContext, bridge: Bridge): Promise<string[]> {
  const logs = await bridge.queryFilter(bridge.filters.RollupRegistered(), 0, ctx.head.number);
  return logs.map((log) => getAddress(log.args.rollup));
}

/** A rollup's listed tokens: token id → address, from `TokenAllowed` (ids are never reused). */
export async function tokensOf(
  ctx: ExplorerContext,
  bridge: Bridge,
  rollup: string,
): Promise<Map<number, string>> {
  const logs = await bridge.queryFilter(bridge.filters.TokenAllowed(rollup), 0, ctx.head.number);
  const tokens = new Map<number, string>();
  for (const log of logs) tokens.set(Number(log.args.tokenId), getAddress(log.args.token));
  return tokens;
}

/** Deposits of `rollup`'s queue (all, or those from `depositor`), in queue order, with what they are. */
export async function depositsOf(
  ctx: ExplorerContext,
  bridge: Bridge,
  rollup: string | null,
  depositor: string | null,
): Promise<Omit<BridgeDepositView, "token" | "symbol" | "consumed">[]> {
  const filter = bridge.filters.DepositQueued(rollup ?? undefined, depositor ?? undefined);
  const logs = await bridge.queryFilter(filter, 0, ctx.head.number);
  return logs
    .map((log) => ({
      rollup: getAddress(log.args.rollup),
      index: Number(log.args.index),
      depositor: getAddress(log.args.from),
      recipient: log.args.to,
      tokenId: Number(log.args.tokenId),
      amount: log.args.amount.toString(),
      timestamp: Number(log.args.timestamp),
      tx: log.transactionHash,
      block: log.blockNumber,
      head: log.args.head,
    }))
    .sort((a, b) => a.block - b.block || a.index - b.index)
    .map(({ head: _head, ...d }) => d);
}

/** Withdrawals paid out of `rollup`'s escrow (or to `recipient` from any rollup), newest first. */
export async function paidWithdrawals(
  ctx: ExplorerContext,
  bridge: Bridge,
  rollup: string | null,
  recipient: string | null,
): Promise<Omit<BridgePaidWithdrawalView, "token" | "symbol">[]> {
  const r = rollup ?? undefined;
  const to = recipient ?? undefined;
  const [finalized, released, credited] = await Promise.all([
    bridge.queryFilter(bridge.filters.WithdrawalFinalized(r, undefined, undefined, to), 0, ctx.head.number),
    bridge.queryFilter(bridge.filters.Released(r, to), 0, ctx.head.number),
    bridge.queryFilter(bridge.filters.PayoutCredited(r, undefined, to), 0, ctx.head.number),
  ]);
  const creditedKeys = new Set(
    credited.map((c) => `${c.transactionHash}:${getAddress(c.args.to)}:${c.args.amount}`),
  );
  const paid: (Omit<BridgePaidWithdrawalView, "token" | "symbol" | "timestamp"> & {
    logIndex: number;
    blockHash: string;
  })[] = [
    ...finalized.map((log) => ({
      rollup: getAddress(log.args.rollup),
      kind: "withdrawal" as const,
      recipient: getAddress(log.args.recipient),
      tokenId: Number(log.args.tokenId),
      amount: log.args.amount.toString(),
      batchIndex: Number(log.args.batchIndex),
      leafIndex: Number(log.args.leafIndex),
      credited: false,
      tx: log.transactionHash,
      block: log.blockNumber,
      logIndex: log.index,
      blockHash: log.blockHash,
    })),
    ...released.map((log) => ({
      rollup: getAddress(log.args.rollup),
      kind: "release" as const,
      recipient: getAddress(log.args.to),
      tokenId: Number(log.args.tokenId),
      amount: log.args.amount.toString(),
      batchIndex: null,
      leafIndex: null,
      credited: false,
      tx: log.transactionHash,
      block: log.blockNumber,
      logIndex: log.index,
      blockHash: log.blockHash,
    })),
  ];
  for (const p of paid) p.credited = creditedKeys.has(`${p.tx}:${p.recipient}:${p.amount}`);
  paid.sort((a, b) => b.block - a.block || b.logIndex - a.logIndex);
  return Promise.all(
    paid.map(async ({ logIndex: _i, blockHash, ...p }) => ({
      ...p,
      timestamp: await blockTime(ctx, blockHash),
    })),
  );
}

/**
 * How many deposits the rollup has consumed, where its contract says: the zk rollup's `depositCount`; the
 * optimistic rollup's newest committed batch's post-state deposit head, found among the queue's heads.
 */
async function consumedCount(
  ctx: ExplorerContext,
  bridge: Bridge,
  rollup: string,
  name: string | null,
): Promise<number | null> {
  const blockTag = ctx.head.number;
  if (name === "ZkRollup") {
    return Number(await ZkRollup__factory.connect(rollup, ctx.provider).depositCount({ blockTag }));
  }
  if (name === "OptimisticRollup") {
    const optimistic = OptimisticRollup__factory.connect(rollup, ctx.provider);
    const tip = Number(await optimistic.batchCount({ blockTag })) - 1;
    const commits = await optimistic.queryFilter(optimistic.filters.BatchCommitted(tip), 0, blockTag);
    if (commits.length === 0) return 0; // the genesis batch consumed nothing
    const head = commits[commits.length - 1].args.post.depositHead;
    if (head === ZeroHash) return 0;
    const queued = await bridge.queryFilter(bridge.filters.DepositQueued(rollup), 0, blockTag);
    const match = queued.find((log) => log.args.head === head);
    return match ? Number(match.args.index) + 1 : null;
  }
  return null;
}

/** The optimistic rollup's batches holding withdrawals not all paid: waiting for finality, or payable now. */
async function optimisticPending(
  ctx: ExplorerContext,
  rollup: string,
  paid: readonly Omit<BridgePaidWithdrawalView, "token" | "symbol">[],
): Promise<BridgePendingWithdrawalView[]> {
  const blockTag = ctx.head.number;
  const optimistic = OptimisticRollup__factory.connect(rollup, ctx.provider);
  const [count, lastFinal] = await Promise.all([
    optimistic.batchCount({ blockTag }),
    optimistic.lastFinalizedIndex({ blockTag }),
  ]);
  const commits = await optimistic.queryFilter(optimistic.filters.BatchCommitted(), 0, blockTag);
  // The live batch at an index is the one committed last there (a removed one was committed before it):
  // logs come in chain order, so the last set wins.
  const liveCommit = new Map(commits.map((c) => [Number(c.args.batchIndex), c]));
  const paidAt = new Map<number, number>();
  for (const p of paid) {
    if (p.kind === "withdrawal" && p.batchIndex !== null)
      paidAt.set(p.batchIndex, (paidAt.get(p.batchIndex) ?? 0) + 1);
  }
  const pending: BridgePendingWithdrawalView[] = [];
  for (let i = 1; i < Number(count); i++) {
    const commit = liveCommit.get(i);
    if (!commit) continue;
    const withdrawals = Number(commit.args.post.withdrawalCount);
    if (withdrawals === 0) continue;
    const paidHere = paidAt.get(i) ?? 0;
    if (paidHere >= withdrawals) continue;
    pending.push({
      kind: "batch",
      status: BigInt(i) <= lastFinal ? "finalizable" : "awaiting-finality",
      batchIndex: i,
      withdrawals,
      paid: paidHere,
      withdrawalRoot: commit.args.post.withdrawalRoot,
    });
  }
  return pending;
}

/** The zk rollup's credits still unclaimed (verified withdrawals, refunded deposits), per account and token. */
export async function zkCredits(
  ctx: ExplorerContext,
  rollup: string,
  account: string | null,
): Promise<{ recipient: string; tokenId: number; amount: bigint }[]> {
  const blockTag = ctx.head.number;
  const zk = ZkRollup__factory.connect(rollup, ctx.provider);
  const a = account ?? undefined;
  const [credited, refunded] = await Promise.all([
    zk.queryFilter(zk.filters.WithdrawalCredited(undefined, a), 0, blockTag),
    zk.queryFilter(zk.filters.DepositRefunded(a), 0, blockTag),
  ]);
  const keys = new Set<string>();
  for (const log of credited) keys.add(`${getAddress(log.args.recipient)}:${log.args.tokenId}`);
  for (const log of refunded) keys.add(`${getAddress(log.args.depositor)}:${log.args.tokenId}`);
  const credits = await Promise.all(
    [...keys].map(async (key) => {
      const [recipient, tokenId] = key.split(":");
      const amount = await zk.creditOf(recipient, Number(tokenId), { blockTag });
      return { recipient, tokenId: Number(tokenId), amount };
    }),
  );
  return credits.filter((c) => c.amount > 0n);
}

/** One rollup as the bridge and the rollup's own contract see it. */
async function rollupView(
  ctx: ExplorerContext,
  bridge: Bridge,
  rollup: string,
): Promise<{ view: BridgeRollupView; tokens: Record<string, TokenInfo> }> {
  const blockTag = ctx.head.number;
  const name = nameOf(ctx, rollup);
  const [tokens, queue, deposits, paid, consumed] = await Promise.all([
    tokensOf(ctx, bridge, rollup),
    bridge.depositQueue(rollup, { blockTag }),
    depositsOf(ctx, bridge, rollup, null),
    paidWithdrawals(ctx, bridge, rollup, null),
    consumedCount(ctx, bridge, rollup, name),
  ]);
  const tokenOf = (id: number) => tokens.get(id) ?? ZeroAddress;
  const infos = await tokenInfosOf(ctx, tokens.values());
  const symbols = new Map(Object.entries(infos).map(([t, i]) => [t, i.symbol]));
  const escrow = await Promise.all(
    [...tokens.entries()]
      .sort(([a], [b]) => a - b)
      .map(async ([tokenId, token]) => {
        const asset = await bridge.asset(rollup, token, { blockTag });
        return {
          token,
          tokenId,
          symbol: symbols.get(token) ?? null,
          allowed: asset.allowed,
          escrowed: asset.escrowed.toString(),
        };
      }),
  );
  const length = Number(queue.count);
  const recent = deposits
    .slice(-RECENT_DEPOSITS)
    .reverse()
    .map((d) => ({
      ...d,
      token: tokenOf(d.tokenId),
      symbol: symbols.get(tokenOf(d.tokenId)) ?? null,
      consumed: consumed === null ? null : d.index < consumed,
    }));

  let pendingSource: BridgeRollupView["withdrawals"]["pendingSource"] = null;
  let pending: BridgePendingWithdrawalView[] = [];
  if (name === "ZkRollup") {
    pendingSource = "zk-credits";
    pending = (await zkCredits(ctx, rollup, null)).map((c) => ({
      kind: "credit",
      status: "claimable",
      recipient: c.recipient,
      token: tokenOf(c.tokenId),
      tokenId: c.tokenId,
      symbol: symbols.get(tokenOf(c.tokenId)) ?? null,
      amount: c.amount.toString(),
    }));
  } else if (name === "OptimisticRollup") {
    pendingSource = "optimistic-batches";
    pending = await optimisticPending(ctx, rollup, paid);
  }

  const view: BridgeRollupView = {
    address: rollup,
    name,
    queue: {
      length,
      consumed,
      pending: consumed === null ? null : length - consumed,
      head: queue.head,
      recent,
    },
    escrow,
    withdrawals: {
      pendingSource,
      pending,
      paid: paid.map((p) => ({
        ...p,
        token: tokenOf(p.tokenId),
        symbol: symbols.get(tokenOf(p.tokenId)) ?? null,
      })),
    },
  };
  return { view, tokens: infos };
}

/** `/api/bridge`: every registered rollup's queue, escrow and withdrawals. */
export async function readBridge(ctx: ExplorerContext): Promise<BridgeView> {
  const bridge = bridgeOf(ctx);
  const rollups = await registeredRollups(ctx, bridge);
  const views = await Promise.all(rollups.map((r) => rollupView(ctx, bridge, r)));
  return {
    bridge: getAddress(await bridge.getAddress()),
    rollups: views.map((v) => v.view),
    tokens: Object.assign({}, ...views.map((v) => v.tokens)) as Record<string, TokenInfo>,
  };
}

export const bridgeRoutes: ExplorerRoute[] = [{ path: "/api/bridge", read: async (ctx) => readBridge(ctx) }];
