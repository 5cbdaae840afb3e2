/**
 * The JSON views the optimistic rollup's explorer routes answer (src/explorer/optimistic.ts): amounts as
 * decimal strings, hashes and addresses as 0x hex, times as Unix seconds. Types only, importing nothing
 * but types, so the web pages (web/explorer) import them without pulling in the server's readers.
 */
import type {
  BatchState,
  ClockView,
  GameRecord,
  Party,
  Payout,
  RangeEntry,
  TxRef,
} from "./optimistic-history";

export type {
  BatchState,
  ClockView,
  GameStatus,
  Party,
  Payout,
  RangeEntry,
  TxRef,
} from "./optimistic-history";

/** One commit of a batch, as the batches table shows it. */
export interface BatchSummaryView {
  index: number;
  /** Tells this commit from another at its index (a removed one, or the one after it). */
  epoch: number;
  state: BatchState;
  proposer: string;
  /** The claim (hash of the claimed post-state) and the claimed accounts root. */
  claim: string;
  stateRoot: string;
  steps: number;
  dataMode: "calldata" | "blobs";
  /** The commit transaction; null for the genesis batch. */
  commit: TxRef | null;
  committedAt: number;
  /** When the challenge window ends (the page counts down to it). */
  challengeWindowEndsAt: number;
  /** The proposer's bond, wei. */
  bond: string;
  /** Games against this commit still open. */
  openGames: number;
}

export interface GameSummaryView {
  id: number;
  batchIndex: number;
  batchEpoch: number;
  challenger: string;
  status: GameRecord["status"];
  winner: Party | null;
  /** The disputed steps now, [lo, hi). */
  lo: number;
  hi: number;
  moves: number;
}

/** `/api/optimistic` */
export interface OptimisticSummaryView {
  address: string;
  /** The answer's block time: what countdowns count from. */
  now: number;
  challengeWindow: number;
  inclusionWindow: number;
  gameClock: number;
  proposerBond: string;
  challengerBond: string;
  burnPercent: number;
  batchCount: number;
  lastFinalizedIndex: number;
  burned: string;
  /** Every commit, genesis first, in commit order (removed ones too). */
  batches: BatchSummaryView[];
  games: GameSummaryView[];
}

/** `/api/optimistic/batches/:index` (`?epoch=` for an earlier commit at the index). */
export interface BatchView extends BatchSummaryView {
  now: number;
  txRoot: string;
  finalized: TxRef | null;
  /** The removal that took it: `fromIndex` is this batch when it lost a game itself. */
  removed: { tx: TxRef; fromIndex: number; count: number; byGame: number | null } | null;
  games: GameSummaryView[];
  /** The other commits at this index, newest first. */
  otherCommits: BatchSummaryView[];
}

/** `/api/optimistic/games/:id` */
export interface GameView {
  id: number;
  now: number;
  status: GameRecord["status"];
  batchIndex: number;
  batchEpoch: number;
  batchState: BatchState;
  steps: number;
  proposer: string;
  challenger: string;
  /** Who took the proposer's side over, null while the proposer plays it. */
  defender: string | null;
  bonds: { proposer: string; challenger: string; defender: string | null };
  opened: TxRef;
  /** Seconds on each side's clock at the start. */
  gameClock: number;
  /** The range at the start, [0, steps), and the challenger's claim at its midpoint (null for one step). */
  start: { lo: number; hi: number; claim: string | null; claimAt: number | null };
  /** The range now, [lo, hi) (Layer 1's own getter), and the side to move (null once the game is over). */
  range: { lo: number; hi: number };
  turn: Party | null;
  /** The moves, the takeovers and the lost defences, in order. */
  history: RangeEntry[];
  clocks: Record<Party, ClockView>;
  /** The game's end: the step re-executed (by the one-step proof) or a timeout, and who won. */
  verdict: { byStep: boolean; step: number | null; winner: Party; winnerAddress: string; tx: TxRef } | null;
  /** Where the bonds went at the end (resolved or cancelled). */
  payout: Payout | null;
  cancelled: TxRef | null;
  /** The batches the challenger's win removed: the lying batch and every batch built on it. */
  removed: { index: number; epoch: number }[];
  /** The batch was removed by another game: this one can only be cancelled. */
  moot: boolean;
}
