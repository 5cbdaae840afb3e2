/**
 * The optimistic rollup's history, derived from its Layer-1 events alone: pure functions, no chain. The
 * explorer's views (src/explorer/optimistic.ts) read the rollup's logs, decode them into `RollupLog`s and
 * hand them here; the unit tests hand them in by hand.
 *
 * Two facts of the contract shape what is derived here:
 * - A batch index is reused: a lost game removes batches `fromIndex` … tip (`BatchesRemoved`), and the next
 *   commit takes index `fromIndex` again. A commit is named by its index AND its epoch (the rollup's
 *   rollback count when it was committed, as `Batch.epoch` stores it), counted here from the removals.
 * - A game's disputed range is the steps [lo, hi) (0-based: both sides agree on the state after step lo,
 *   i.e. before transaction lo; they disagree about the state after step hi). Each `Moved` halves it;
 *   `DefenderLost` puts it back as it stood before a defender took the proposer's side over.
 */
import { StrataError } from "../common/errors";
import type { GameStatus, Party } from "../optimistic/solver";

export type { GameStatus, Party } from "../optimistic/solver";

/** Where an event happened: its transaction (hash, sender, gas as a decimal string) and block time. */
export interface TxRef {
  hash: string;
  from: string;
  gasUsed: string;
  blockNumber: number;
  /** The block's timestamp, Unix seconds. */
  time: number;
}

/** One rollup event, decoded, with its transaction. Amounts as decimal strings. */
export type RollupLog = { tx: TxRef } & (
  | {
      name: "BatchCommitted";
      batchIndex: number;
      proposer: string;
      claim: string;
      txRoot: string;
      stepCount: number;
      /** The post-state's accounts root. */
      stateRoot: string;
    }
  | { name: "BatchBlobs"; batchIndex: number; blobs: number }
  | { name: "BatchFinalized"; batchIndex: number }
  | { name: "BatchesRemoved"; fromIndex: number; count: number; epoch: number }
  | { name: "ChallengeOpened"; gameId: number; batchIndex: number; challenger: string; midClaim: string }
  | { name: "Moved"; gameId: number; mover: Party; agree: boolean; lo: number; hi: number; claim: string }
  | { name: "DefenderJoined"; gameId: number; defender: string }
  | { name: "DefenderLost"; gameId: number; defender: string; lo: number; hi: number }
  | { name: "GameResolved"; gameId: number; winner: Party; byStep: boolean }
  | { name: "GameCancelled"; gameId: number }
  | { name: "BondCredited"; account: string; amount: string }
  | { name: "BondBurned"; amount: string }
);

type LogOf<N extends RollupLog["name"]> = Extract<RollupLog, { name: N }>;

/** A batch's place in its lifecycle at a given time (see `batchState`). */
export type BatchState = "challengeable" | "committed" | "final" | "removed";

/** One commit of a batch, as its events tell it. */
export interface BatchRecord {
  index: number;
  /** The rollup's rollback count when it was committed: tells it from another commit at its index. */
  epoch: number;
  proposer: string;
  claim: string;
  stateRoot: string;
  txRoot: string;
  steps: number;
  dataMode: "calldata" | "blobs";
  commit: TxRef;
  finalized: TxRef | null;
  /** The removal that took it: by the lost game itself (`fromIndex` is this batch) or as built on it. */
  removed: { tx: TxRef; fromIndex: number; count: number; byGame: number | null } | null;
  /** The games opened against this commit, by id. */
  games: number[];
}

/** Where the bonds of a game's end went: credited to accounts, and burned (decimal strings). */
export interface Payout {
  credits: { account: string; amount: string }[];
  burned: string;
}

/** One entry of a game's range history. `n` numbers the moves (0, 1, …), not the other entries. */
export type RangeEntry =
  | {
      kind: "move";
      n: number;
      mover: Party;
      /** The step whose claimed state the mover judged: the midpoint of the range before the move. */
      judged: number;
      agree: boolean;
      /** The range after the move: steps [lo, hi). */
      lo: number;
      hi: number;
      /** The mover's claim about the state after step `claimAt` (the new midpoint); null once one step is left. */
      claim: string | null;
      claimAt: number | null;
      /** Seconds left on each side's clock after the move. */
      clocks: Record<Party, number>;
      tx: TxRef;
    }
  | { kind: "defenderJoined"; defender: string; tx: TxRef }
  | {
      kind: "defenderLost";
      defender: string;
      lo: number;
      hi: number;
      clocks: Record<Party, number>;
      tx: TxRef;
    };

/** A game as the events tell it, with its range history. */
export interface GameRecord {
  id: number;
  batchIndex: number;
  batchEpoch: number;
  challenger: string;
  steps: number;
  /** The challenger's opening claim about the state after step floor(steps / 2); null for a one-step batch. */
  openingClaim: string | null;
  opened: TxRef;
  entries: RangeEntry[];
  /** The range now, the side to move and the clocks as of `lastMoveAt`, replayed from the events. */
  lo: number;
  hi: number;
  turn: Party;
  clocks: Record<Party, number>;
  lastMoveAt: number;
  /** Who holds the proposer's side now, null while the batch's proposer plays it. */
  defender: string | null;
  status: GameStatus;
  resolved: { winner: Party; byStep: boolean; tx: TxRef; payout: Payout } | null;
  cancelled: { tx: TxRef; payout: Payout } | null;
  /** The removal this game's end caused (when the challenger won). */
  removed: { fromIndex: number; count: number } | null;
}

export interface RollupHistory {
  /** Every commit, in commit order (removed ones too). */
  batches: BatchRecord[];
  /** Every game, by id. */
  games: GameRecord[];
}

/** Thrown when the events contradict each other (a log of another contract, or one missing). */
export class RollupHistoryError extends StrataError {}

const other = (side: Party): Party => (side === "proposer" ? "challenger" : "proposer");
const NO_CLAIM = /^0x0{64}$/;

/**
 * The batches and games of a rollup from its events, in log order. `gameClock` is the rollup's
 * GAME_CLOCK (each side's clock at the start). Pure: the same logs give the same history.
 */
export function rollupHistory(logs: readonly RollupLog[], gameClock: number): RollupHistory {
  const batches: BatchRecord[] = [];
  const games: GameRecord[] = [];
  /** The live commit at each index. */
  const live = new Map<number, BatchRecord>();
  /** Per game: its state before its last move, to snapshot when that move turns out to be a takeover. */
  const beforeLastMove = new Map<number, Snapshot>();
  const snapshots = new Map<number, Snapshot & { elapsed: number }>();
  let epoch = 0;

  const gameOf = (id: number): GameRecord => {
    const g = games[id];
    if (!g) throw new RollupHistoryError(`an event of game ${id} comes before the game was opened`);
    return g;
  };
  /** The logs of each transaction: an event's companions (a resolution's bonds, a commit's blobs). */
  const byTx = new Map<string, RollupLog[]>();
  for (const log of logs) byTx.set(log.tx.hash, [...(byTx.get(log.tx.hash) ?? []), log]);
  const sameTx = (tx: TxRef): RollupLog[] => byTx.get(tx.hash) ?? [];
  const payoutOf = (tx: TxRef): Payout => {
    const inTx = sameTx(tx);
    const credits = inTx.filter((l): l is LogOf<"BondCredited"> => l.name === "BondCredited");
    const burned = inTx
      .filter((l): l is LogOf<"BondBurned"> => l.name === "BondBurned")
      .reduce((sum, l) => sum + BigInt(l.amount), 0n);
    return {
      credits: credits.map((c) => ({ account: c.account, amount: c.amount })),
      burned: burned.toString(),
    };
  };

  for (const log of logs) {
    switch (log.name) {
      case "BatchCommitted": {
        const record: BatchRecord = {
          index: log.batchIndex,
          epoch,
          proposer: log.proposer,
          claim: log.claim,
          stateRoot: log.stateRoot,
          txRoot: log.txRoot,
          steps: log.stepCount,
          dataMode: sameTx(log.tx).some((l) => l.name === "BatchBlobs" && l.batchIndex === log.batchIndex)
            ? "blobs"
            : "calldata",
          commit: log.tx,
          finalized: null,
          removed: null,
          games: [],
        };
        batches.push(record);
        live.set(log.batchIndex, record);
        break;
      }
      case "BatchFinalized": {
        const record = live.get(log.batchIndex);
        if (record) record.finalized = log.tx;
        break;
      }
      case "BatchesRemoved": {
        const resolved = sameTx(log.tx).find((l): l is LogOf<"GameResolved"> => l.name === "GameResolved");
        for (let i = log.fromIndex; i < log.fromIndex + log.count; i++) {
          const record = live.get(i);
          if (!record) throw new RollupHistoryError(`batch ${i} was removed but never committed`);
          record.removed = {
            tx: log.tx,
            fromIndex: log.fromIndex,
            count: log.count,
            byGame: resolved?.gameId ?? null,
          };
          live.delete(i);
        }
        epoch = log.epoch;
        break;
      }
      case "ChallengeOpened": {
        const batch = live.get(log.batchIndex);
        if (!batch)
          throw new RollupHistoryError(
            `game ${log.gameId} opened against batch ${log.batchIndex}, not committed`,
          );
        batch.games.push(log.gameId);
        games[log.gameId] = {
          id: log.gameId,
          batchIndex: log.batchIndex,
          batchEpoch: batch.epoch,
          challenger: log.challenger,
          steps: batch.steps,
          openingClaim: NO_CLAIM.test(log.midClaim) ? null : log.midClaim,
          opened: log.tx,
          entries: [],
          lo: 0,
          hi: batch.steps,
          turn: "proposer",
          clocks: { proposer: gameClock, challenger: gameClock },
          lastMoveAt: log.tx.time,
          defender: null,
          status: "open",
          resolved: null,
          cancelled: null,
          removed: null,
        };
        break;
      }
      case "Moved": {
        const g = gameOf(log.gameId);
        beforeLastMove.set(g.id, snapshotOf(g));
        const judged = Math.floor((g.lo + g.hi) / 2);
        g.clocks = { ...g.clocks, [log.mover]: g.clocks[log.mover] - (log.tx.time - g.lastMoveAt) };
        g.lastMoveAt = log.tx.time;
        g.turn = other(log.mover);
        [g.lo, g.hi] = [log.lo, log.hi];
        const oneStep = log.hi - log.lo === 1;
        g.entries.push({
          kind: "move",
          n: g.entries.filter((e) => e.kind === "move").length,
          mover: log.mover,
          judged,
          agree: log.agree,
          lo: log.lo,
          hi: log.hi,
          claim: oneStep ? null : log.claim,
          claimAt: oneStep ? null : Math.floor((log.lo + log.hi) / 2),
          clocks: { ...g.clocks },
          tx: log.tx,
        });
        break;
      }
      case "DefenderJoined": {
        const g = gameOf(log.gameId);
        // `defend` emits its move first: the game as it stood before that move is what a loss restores.
        const before = beforeLastMove.get(g.id);
        if (!before) throw new RollupHistoryError(`a defender joined game ${g.id} without a move`);
        snapshots.set(g.id, { ...before, elapsed: log.tx.time - before.lastMoveAt });
        g.defender = log.defender;
        g.entries.push({ kind: "defenderJoined", defender: log.defender, tx: log.tx });
        break;
      }
      case "DefenderLost": {
        const g = gameOf(log.gameId);
        const snapshot = snapshots.get(g.id);
        if (!snapshot) throw new RollupHistoryError(`game ${g.id}'s defender lost, but none had joined`);
        snapshots.delete(g.id);
        [g.lo, g.hi, g.turn, g.clocks] = [snapshot.lo, snapshot.hi, snapshot.turn, snapshot.clocks];
        g.lastMoveAt = log.tx.time - snapshot.elapsed;
        g.defender = null;
        g.entries.push({
          kind: "defenderLost",
          defender: log.defender,
          lo: g.lo,
          hi: g.hi,
          clocks: { ...g.clocks },
          tx: log.tx,
        });
        break;
      }
      case "GameResolved": {
        const g = gameOf(log.gameId);
        g.status = log.winner === "challenger" ? "challengerWon" : "proposerWon";
        g.resolved = { winner: log.winner, byStep: log.byStep, tx: log.tx, payout: payoutOf(log.tx) };
        // The removal comes before the resolution in the transaction's logs.
        const removal = sameTx(log.tx).find((l): l is LogOf<"BatchesRemoved"> => l.name === "BatchesRemoved");
        if (removal) g.removed = { fromIndex: removal.fromIndex, count: removal.count };
        break;
      }
      case "GameCancelled": {
        const g = gameOf(log.gameId);
        g.status = "cancelled";
        g.cancelled = { tx: log.tx, payout: payoutOf(log.tx) };
        break;
      }
      case "BatchBlobs":
      case "BondCredited":
      case "BondBurned":
        break; // read with the event they belong to
    }
  }
  return { batches, games };
}

interface Snapshot {
  lo: number;
  hi: number;
  turn: Party;
  clocks: Record<Party, number>;
  lastMoveAt: number;
}

function snapshotOf(g: GameRecord): Snapshot {
  return { lo: g.lo, hi: g.hi, turn: g.turn, clocks: { ...g.clocks }, lastMoveAt: g.lastMoveAt };
}

/**
 * A commit's state at time `now` (Unix seconds): `removed` once a lost game took it (or one it was built
 * on); `final` once `finalize` reached it (its bond returned, the bridge pays its withdrawals);
 * `challengeable` while its challenge window is open (`now < committedAt + challengeWindow`, the
 * contract's own test); `committed` after that until it is finalized (awaiting a `finalize` call, or
 * held by games still open against it).
 */
export function batchState(
  b: Pick<BatchRecord, "finalized" | "removed"> & { committedAt: number },
  now: number,
  challengeWindow: number,
): BatchState {
  if (b.removed) return "removed";
  if (b.finalized) return "final";
  return now < b.committedAt + challengeWindow ? "challengeable" : "committed";
}

/** One side's clock at time `now`: seconds left, whether it is that side's turn, and when it runs out. */
export interface ClockView {
  left: number;
  toMove: boolean;
  /** Unix seconds the side runs out at; null when its clock is not running. */
  deadline: number | null;
}

/**
 * Both sides' clocks at `now`, from the game's stored clocks (seconds left as of `lastMoveAt`) and whose
 * turn it is. Only an open game's side to move has its clock running.
 */
export function gameClocks(
  g: { status: GameStatus; turn: Party; clocks: Record<Party, number>; lastMoveAt: number },
  now: number,
): Record<Party, ClockView> {
  const view = (side: Party): ClockView => {
    const running = g.status === "open" && g.turn === side;
    if (!running) return { left: g.clocks[side], toMove: false, deadline: null };
    return {
      left: Math.max(0, g.clocks[side] - (now - g.lastMoveAt)),
      toMove: true,
      deadline: g.lastMoveAt + g.clocks[side],
    };
  };
  return { proposer: view("proposer"), challenger: view("challenger") };
}
