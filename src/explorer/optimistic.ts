/**
 * The explorer's views of the optimistic rollup: its batches (each with its lifecycle state and the end of
 * its challenge window), and its dispute games (the bisection narrowing move by move, each side's clock,
 * the one-step proof's verdict, where the bonds went, what the loss removed). Everything is read at the
 * answer's block from the rollup's getters and events; the history itself is derived by the pure
 * functions of ./optimistic-history.ts.
 */
import type { Log, LogDescription } from "ethers";
import { OptimisticRollup__factory } from "../../typechain-types";
import type { RollupConfig } from "../optimistic/rollup-client";
import { RollupClient } from "../optimistic/rollup-client";
import type { BatchRecord, GameRecord, Party, RollupLog, TxRef } from "./optimistic-history";
import { batchState, gameClocks, RollupHistoryError, rollupHistory } from "./optimistic-history";
import type {
  BatchSummaryView,
  BatchView,
  GameSummaryView,
  GameView,
  OptimisticSummaryView,
} from "./optimistic-views";
import { blockTime, receiptOf } from "./reads";
import type { ExplorerContext, ExplorerRoute } from "./route";
import { deployed, ExplorerNotFoundError, indexParam } from "./route";

export type * from "./optimistic-views";

// -------------------------------------------------------------------------------------------------
// Reading
// -------------------------------------------------------------------------------------------------

const PARTIES: Party[] = ["proposer", "challenger"];
const ROLLUP = "OptimisticRollup";
const iface = OptimisticRollup__factory.createInterface();

/** What every view needs: the rollup, its parameters, its history and the chain's counters at the head. */
interface Read {
  address: string;
  client: RollupClient;
  config: RollupConfig;
  /** Batch 0, the genesis state, as the rollup stores it. */
  genesis: { claim: string; txRoot: string; committedAt: number };
  batches: BatchRecord[];
  games: GameRecord[];
}

async function readRollup(ctx: ExplorerContext): Promise<Read> {
  const address = deployed(ctx, ROLLUP);
  const client = new RollupClient(address, ctx.provider);
  const at = { blockTag: ctx.head.number };
  const [config, genesis, logs] = await Promise.all([
    client.config(),
    client.contract.batch(0, at),
    ctx.provider.getLogs({ address, fromBlock: ctx.deployment.chain?.block ?? 0, toBlock: ctx.head.number }),
  ]);
  const decoded = await decodeLogs(ctx, logs);
  const { batches, games } = rollupHistory(decoded, config.gameClock);
  return {
    address,
    client,
    config,
    genesis: { claim: genesis.claim, txRoot: genesis.txRoot, committedAt: Number(genesis.committedAt) },
    batches,
    games,
  };
}

/** The rollup's logs as `RollupLog`s, each with its transaction's sender, gas and block time. */
async function decodeLogs(ctx: ExplorerContext, logs: readonly Log[]): Promise<RollupLog[]> {
  // Every receipt and block is asked for at once (each once), not one log after the other.
  const read = await Promise.all(
    logs.map(async (log) => {
      const event = iface.parseLog(log);
      if (!event) return null;
      const [{ from, gasUsed }, time] = await Promise.all([
        receiptOf(ctx, log.transactionHash, log.blockHash),
        blockTime(ctx, log.blockHash),
      ]);
      const tx: TxRef = {
        hash: log.transactionHash,
        from,
        gasUsed: gasUsed.toString(),
        blockNumber: log.blockNumber,
        time,
      };
      return toRollupLog(event, tx);
    }),
  );
  return read.filter((log): log is RollupLog => log !== null);
}

/** One parsed rollup event as a `RollupLog`; null for an event the history does not use. */
function toRollupLog(event: LogDescription, tx: TxRef): RollupLog | null {
  const a = event.args;
  switch (event.name) {
    case "BatchCommitted":
      return {
        tx,
        name: event.name,
        batchIndex: Number(a.batchIndex),
        proposer: a.proposer,
        claim: a.claim,
        txRoot: a.txRoot,
        stepCount: Number(a.stepCount),
        stateRoot: a.post.accountsRoot,
      };
    case "BatchBlobs":
      return { tx, name: event.name, batchIndex: Number(a.batchIndex), blobs: a.versionedHashes.length };
    case "BatchFinalized":
      return { tx, name: event.name, batchIndex: Number(a.batchIndex) };
    case "BatchesRemoved":
      return {
        tx,
        name: event.name,
        fromIndex: Number(a.fromIndex),
        count: Number(a.count),
        epoch: Number(a.epoch),
      };
    case "ChallengeOpened":
      return {
        tx,
        name: event.name,
        gameId: Number(a.gameId),
        batchIndex: Number(a.batchIndex),
        challenger: a.challenger,
        midClaim: a.midClaim,
      };
    case "Moved":
      return {
        tx,
        name: event.name,
        gameId: Number(a.gameId),
        mover: PARTIES[Number(a.mover)],
        agree: a.agree,
        lo: Number(a.lo),
        hi: Number(a.hi),
        claim: a.claim,
      };
    case "DefenderJoined":
      return { tx, name: event.name, gameId: Number(a.gameId), defender: a.defender };
    case "DefenderLost":
      return {
        tx,
        name: event.name,
        gameId: Number(a.gameId),
        defender: a.defender,
        lo: Number(a.lo),
        hi: Number(a.hi),
      };
    case "GameResolved":
      return {
        tx,
        name: event.name,
        gameId: Number(a.gameId),
        winner: PARTIES[Number(a.winner)],
        byStep: a.byStep,
      };
    case "GameCancelled":
      return { tx, name: event.name, gameId: Number(a.gameId) };
    case "BondCredited":
      return { tx, name: event.name, account: a.account, amount: a.amount.toString() };
    case "BondBurned":
      return { tx, name: event.name, amount: a.amount.toString() };
    default:
      return null; // CreditWithdrawn, EIP-712's domain change: not part of the history drawn here
  }
}

/** The genesis batch (index 0): final from the rollup's deployment, committed by no one. */
function genesisSummary(r: Read): BatchSummaryView {
  return {
    index: 0,
    epoch: 0,
    state: "final",
    proposer: "0x" + "00".repeat(20),
    claim: r.genesis.claim,
    stateRoot: "",
    steps: 0,
    dataMode: "calldata",
    commit: null,
    committedAt: r.genesis.committedAt,
    challengeWindowEndsAt: r.genesis.committedAt,
    bond: "0",
    openGames: 0,
  };
}

function batchSummary(r: Read, b: BatchRecord, now: number): BatchSummaryView {
  const committedAt = b.commit.time;
  return {
    index: b.index,
    epoch: b.epoch,
    state: batchState({ ...b, committedAt }, now, r.config.challengeWindow),
    proposer: b.proposer,
    claim: b.claim,
    stateRoot: b.stateRoot,
    steps: b.steps,
    dataMode: b.dataMode,
    commit: b.commit,
    committedAt,
    challengeWindowEndsAt: committedAt + r.config.challengeWindow,
    bond: r.config.proposerBond.toString(),
    openGames: b.games.filter((id) => r.games[id]?.status === "open").length,
  };
}

function gameSummary(g: GameRecord): GameSummaryView {
  return {
    id: g.id,
    batchIndex: g.batchIndex,
    batchEpoch: g.batchEpoch,
    challenger: g.challenger,
    status: g.status,
    winner: g.resolved?.winner ?? null,
    lo: g.lo,
    hi: g.hi,
    moves: g.entries.filter((e) => e.kind === "move").length,
  };
}

async function summaryOf(ctx: ExplorerContext): Promise<OptimisticSummaryView> {
  const r = await readRollup(ctx);
  const at = { blockTag: ctx.head.number };
  const c = r.client.contract;
  const [batchCount, lastFinalized, burned, burnPercent] = await Promise.all([
    c.batchCount(at),
    c.lastFinalizedIndex(at),
    c.burned(at),
    c.BURN_PERCENT(),
  ]);
  const now = ctx.head.timestamp;
  return {
    address: r.address,
    now,
    challengeWindow: r.config.challengeWindow,
    inclusionWindow: r.config.inclusionWindow,
    gameClock: r.config.gameClock,
    proposerBond: r.config.proposerBond.toString(),
    challengerBond: r.config.challengerBond.toString(),
    burnPercent: Number(burnPercent),
    batchCount: Number(batchCount),
    lastFinalizedIndex: Number(lastFinalized),
    burned: burned.toString(),
    batches: [genesisSummary(r), ...r.batches.map((b) => batchSummary(r, b, now))],
    games: r.games.map(gameSummary),
  };
}

async function batchOf(
  ctx: ExplorerContext,
  params: Record<string, string>,
  query: URLSearchParams,
): Promise<BatchView> {
  const index = indexParam(params, "index");
  const epochText = query.get("epoch");
  const epoch = epochText === null ? undefined : indexParam({ epoch: epochText }, "epoch");
  const r = await readRollup(ctx);
  const now = ctx.head.timestamp;
  if (index === 0) {
    if (epoch !== undefined && epoch !== 0)
      throw new ExplorerNotFoundError(`batch 0 has no commit of epoch ${epoch}`);
    return {
      ...genesisSummary(r),
      now,
      txRoot: r.genesis.txRoot,
      finalized: null,
      removed: null,
      games: [],
      otherCommits: [],
    };
  }
  // Newest first: the live commit at the index, if any, then the removed ones.
  const commits = r.batches.filter((b) => b.index === index).reverse();
  const chosen = epoch === undefined ? commits[0] : commits.find((b) => b.epoch === epoch);
  if (!chosen) {
    throw new ExplorerNotFoundError(
      epoch === undefined
        ? `no batch ${index} was committed`
        : `batch ${index} has no commit of epoch ${epoch}`,
    );
  }
  return {
    ...batchSummary(r, chosen, now),
    now,
    txRoot: chosen.txRoot,
    finalized: chosen.finalized,
    removed: chosen.removed,
    games: chosen.games.map((id) => gameSummary(r.games[id])),
    otherCommits: commits.filter((b) => b !== chosen).map((b) => batchSummary(r, b, now)),
  };
}

async function gameOf(ctx: ExplorerContext, params: Record<string, string>): Promise<GameView> {
  const id = indexParam(params, "id");
  const r = await readRollup(ctx);
  const g = r.games[id];
  if (!g) throw new ExplorerNotFoundError(`no game ${id}`);
  const onChain = await r.client.game(BigInt(id), ctx.head.number);
  const batch = r.batches.find((b) => b.index === g.batchIndex && b.epoch === g.batchEpoch);
  if (!batch) throw new RollupHistoryError(`game ${id}'s batch ${g.batchIndex} was never committed`);
  const now = ctx.head.timestamp;
  const open = onChain.status === "open";
  const bond = r.config.challengerBond.toString();
  const state = {
    status: onChain.status,
    turn: onChain.turn,
    clocks: onChain.clocks,
    lastMoveAt: onChain.lastMoveAt,
  };
  const winnerAddress = (winner: Party) => {
    if (winner === "challenger") return g.challenger;
    // The proposer's side won: played by the defender who held it then, if any.
    return onChain.defender ?? batch.proposer;
  };
  return {
    id,
    now,
    status: onChain.status,
    batchIndex: g.batchIndex,
    batchEpoch: g.batchEpoch,
    batchState: batchState({ ...batch, committedAt: batch.commit.time }, now, r.config.challengeWindow),
    steps: g.steps,
    proposer: batch.proposer,
    challenger: g.challenger,
    defender: onChain.defender,
    bonds: {
      proposer: r.config.proposerBond.toString(),
      challenger: bond,
      defender: onChain.defender ? bond : null,
    },
    opened: g.opened,
    gameClock: r.config.gameClock,
    start: {
      lo: 0,
      hi: g.steps,
      claim: g.openingClaim,
      claimAt: g.openingClaim === null ? null : Math.floor(g.steps / 2),
    },
    range: { lo: onChain.lo, hi: onChain.hi },
    turn: open ? onChain.turn : null,
    history: g.entries,
    clocks: gameClocks(state, now),
    verdict: g.resolved && {
      byStep: g.resolved.byStep,
      step: g.resolved.byStep ? onChain.lo : null,
      winner: g.resolved.winner,
      winnerAddress: winnerAddress(g.resolved.winner),
      tx: g.resolved.tx,
    },
    payout: g.resolved?.payout ?? g.cancelled?.payout ?? null,
    cancelled: g.cancelled?.tx ?? null,
    removed: r.batches
      .filter((b) => b.removed?.byGame === id)
      .map((b) => ({ index: b.index, epoch: b.epoch })),
    moot: onChain.moot,
  };
}

export const optimisticRoutes: ExplorerRoute[] = [
  { path: "/api/optimistic", read: (ctx) => summaryOf(ctx) },
  { path: "/api/optimistic/batches/:index", read: (ctx, params, query) => batchOf(ctx, params, query) },
  { path: "/api/optimistic/games/:id", read: (ctx, params) => gameOf(ctx, params) },
];
