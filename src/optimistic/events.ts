/**
 * The optimistic rollup's service events: what the sequencer, the challenger, their Layer-1 node
 * (`ChainFollower`) and their game player (`GamePlayer`) did, as typed records (see
 * src/common/events.ts for the convention). Each of those objects publishes on an `EventLog` it owns
 * (`readonly events`); the sequencer and the challenger also pass on what their node and their player
 * published, so one service's stream tells everything it did and saw, in order. The services serve
 * their stream as `strata_events` (src/optimistic/stack.ts).
 *
 * Two kinds of event: what the service did (`txAccepted`, `batchCommitted`, `challenged`, …) and what its
 * node read on Layer 1, whoever sent it (`batchRead` with its verdict, and every game transaction). A
 * bisection game can be drawn from any one service's stream alone, whichever side (or no side) the
 * service plays: `gameOpened` opens it on the range (0, steps] with the challenger's claim at step
 * `at` = floor(steps / 2); each `gameMoved` says which side judged the claim at step `at` (agree: the
 * dispute moves right), the range (lo, hi] after the move and the mover's claim at its new midpoint;
 * `gameDefended` that a bonded third party took the proposer's side over (its moves follow as the side's);
 * `defenderLost` that the side lost while that defender held it: the defender's bond went, the batch
 * stays, and the game is back on the range (lo, hi] it had before the takeover, the proposer to move;
 * `stepProved` names the one step re-executed on Layer 1; `gameResolved` the winner; `batchesRemoved`
 * what the loss cost. Every Layer-1 transaction carries `l1TxHash` and `gasUsed` (and `by`, its sender,
 * when the node observed it).
 *
 * Field conventions: game ids, amounts and gas as decimal strings; hashes, claims and addresses as 0x
 * hex; batch indices, steps and counts as numbers.
 */
import type { Layer1Tx } from "../common/events";
import type { Party } from "./solver";

export type { Layer1Tx } from "../common/events";
export { layer1Tx } from "../common/events";

// -------------------------------------------------------------------------------------------------
// What a node reading Layer 1 saw (ChainFollower)
// -------------------------------------------------------------------------------------------------

/** A committed batch read back from its calldata and re-executed: `valid`, `invalid` (a fraud) or `orphaned`. */
export interface BatchReadEvent {
  type: "batchRead";
  batchIndex: number;
  verdict: "valid" | "invalid" | "orphaned";
  proposer: string;
  steps: number;
  /** What the proposer claimed, and what the batch's transactions really lead to (null when orphaned). */
  claim: string;
  honestClaim: string | null;
  /** The commitBatch transaction. */
  l1TxHash: string;
  /** Its block's timestamp (seconds): the challenge window runs from here. */
  committedAt: number;
}

/** A lost game removed batches `fromIndex` … `fromIndex + count - 1`. */
export interface BatchesRemovedEvent {
  type: "batchesRemoved";
  fromIndex: number;
  count: number;
  l1TxHash: string;
}

/** Who sent an observed game transaction, and what it cost. */
interface ObservedGameTx extends Layer1Tx {
  gameId: string;
  batchIndex: number;
  /** The sender's address. */
  by: string;
}

/**
 * A game opened against batch `batchIndex` (by this service or another challenger): the dispute is the
 * range (0, steps], and the challenger claims `midClaim` as the state after step `at` = floor(steps / 2)
 * (zero for a one-step batch).
 */
export interface GameOpenedEvent extends ObservedGameTx {
  type: "gameOpened";
  challenger: string;
  steps: number;
  at: number;
  midClaim: string;
}

/**
 * A move: `as` judged the other side's claim at step `at` (agree: the dispute moves to (at, hi];
 * disagree: to (lo, at]) and claims `claim` as the state after the new range's midpoint (zero once one
 * step is left).
 */
export interface GameMovedEvent extends ObservedGameTx {
  type: "gameMoved";
  as: Party;
  agree: boolean;
  at: number;
  /** The disputed range after the move: both sides agree on the state after step `lo`. */
  lo: number;
  hi: number;
  claim: string;
}

/**
 * `defender` took the proposer's side of the game over from its silent proposer, bonded, with the move
 * (a `gameMoved` by the proposer's side) of the same transaction; from then on it plays that side.
 */
export interface GameDefendedEvent extends ObservedGameTx {
  type: "gameDefended";
  defender: string;
}

/**
 * The proposer's side lost while `defender` held it (by the one-step proof or on time): only the
 * defender's bond is lost. The game goes on as it stood before the takeover: the range is (lo, hi] again,
 * the proposer is to move, and the side is vacant (its proposer or a new defender may play it).
 */
export interface DefenderLostEvent extends ObservedGameTx {
  type: "defenderLost";
  defender: string;
  lo: number;
  hi: number;
}

/** The one-step proof of step `step` (0-based) re-executed on Layer 1 from the agreed state; `gameResolved` follows. */
export interface StepProvedEvent extends ObservedGameTx {
  type: "stepProved";
  step: number;
}

/** A game ended: by the one-step proof (`byStep`), or on time (the sender called the timeout). */
export interface GameResolvedEvent extends ObservedGameTx {
  type: "gameResolved";
  winner: Party;
  byStep: boolean;
}

/** A game whose batch another game removed was cancelled: both bonds went back. */
export interface GameCancelledEvent extends ObservedGameTx {
  type: "gameCancelled";
}

/** Everything a node reading Layer 1 publishes: every batch and every move of every game, whoever sent it. */
export type FollowerEvent =
  | BatchReadEvent
  | BatchesRemovedEvent
  | GameOpenedEvent
  | GameMovedEvent
  | GameDefendedEvent
  | DefenderLostEvent
  | StepProvedEvent
  | GameResolvedEvent
  | GameCancelledEvent;

// -------------------------------------------------------------------------------------------------
// What a game player did (GamePlayer): the actions themselves are read back from Layer 1 by the node
// -------------------------------------------------------------------------------------------------

/** An action (move, step, timeout, cancel) failed: a revert, a lost connection. It is tried again next round. */
export interface ActionFailedEvent {
  type: "actionFailed";
  gameId: string;
  as: Party;
  error: string;
}

export type PlayerEvent = ActionFailedEvent;

// -------------------------------------------------------------------------------------------------
// What both services do
// -------------------------------------------------------------------------------------------------

/** The service withdrew the bonds credited to it. */
export interface CreditWithdrawnEvent extends Layer1Tx {
  type: "creditWithdrawn";
  account: string;
  amount: string;
}

/** A service round failed; the next one tries again in `retryInMs` (backing off while failures go on). */
export interface RoundFailedEvent {
  type: "roundFailed";
  error: string;
  /** Consecutive failed rounds, this one included. */
  failures: number;
  retryInMs: number;
}

// -------------------------------------------------------------------------------------------------
// The sequencer
// -------------------------------------------------------------------------------------------------

/** A signed transaction admitted at the door: soft-confirmed, journalled. */
export interface TxAcceptedEvent {
  type: "txAccepted";
  hash: string;
  kind: "transfer" | "withdraw";
  /** The sender's account index. */
  from: number;
  /** Steps waiting for a batch, this one included. */
  pending: number;
}

/** A transaction refused at the door, by name (`reason`); `hash` is null when it did not even decode. */
export interface TxRefusedEvent {
  type: "txRefused";
  hash: string | null;
  reason: string;
}

/** Bridge deposits taken into the soft state, in queue order, from queue index `first` on. */
export interface DepositsPulledEvent {
  type: "depositsPulled";
  first: number;
  count: number;
  pending: number;
}

/** A batch committed on Layer 1, bonded. */
export interface BatchCommittedEvent extends Layer1Tx {
  type: "batchCommitted";
  batchIndex: number;
  steps: number;
  /** The steps' transaction hashes, in order. */
  txs: string[];
  /** How many of the steps are bridge deposits. */
  deposits: number;
  parentClaim: string;
  claim: string;
  /** Decimal string. */
  bond: string;
  /** Where the batch's transactions are: the commit's calldata, or its blobs. */
  dataMode: "calldata" | "blobs";
  /** Blob gas the commit paid for (blob batches), decimal string. */
  blobGasUsed?: string;
}

/** Batches `fromIndex` … `batchIndex` finalized: their windows passed with no game open. */
export interface BatchFinalizedEvent extends Layer1Tx {
  type: "batchFinalized";
  fromIndex: number;
  batchIndex: number;
}

/** The soft state rebuilt from Layer 1 and the journal (on start, or when the tip moved under it). */
export interface RebuiltEvent {
  type: "rebuilt";
  /** The tip, and the valid batch the soft state builds on (below a false tip). */
  tip: number;
  base: number;
  pending: number;
}

/** Journalled transactions that no longer apply after a rebuild (another proposer took their nonce). */
export interface TxsDroppedEvent {
  type: "txsDropped";
  hashes: string[];
}

/** A blob batch's blobs were taken by the blob archive, so followers can read the batch. */
export interface BlobsPublishedEvent {
  type: "blobsPublished";
  l1TxHash: string;
  blobs: number;
}

export type SequencerEvent =
  | TxAcceptedEvent
  | TxRefusedEvent
  | DepositsPulledEvent
  | BatchCommittedEvent
  | BlobsPublishedEvent
  | BatchFinalizedEvent
  | RebuiltEvent
  | TxsDroppedEvent
  | CreditWithdrawnEvent
  | RoundFailedEvent
  | PlayerEvent
  | FollowerEvent;

// -------------------------------------------------------------------------------------------------
// The challenger
// -------------------------------------------------------------------------------------------------

/**
 * The challenger opened a game against a false batch: the dispute is (0, steps], and it claims
 * `midClaim` at step floor(steps / 2) (zero for a one-step batch).
 */
export interface ChallengedEvent extends Layer1Tx {
  type: "challenged";
  gameId: string;
  batchIndex: number;
  steps: number;
  /** The batch's claim, and the one its transactions really lead to. */
  claimed: string;
  honest: string;
  midClaim: string;
  /** Decimal string. */
  bond: string;
}

/** A false batch this challenger read too late: its window had passed. */
export interface FalseBatchPastWindowEvent {
  type: "falseBatchPastWindow";
  batchIndex: number;
  claim: string;
}

export type ChallengerEvent =
  | ChallengedEvent
  | FalseBatchPastWindowEvent
  | CreditWithdrawnEvent
  | RoundFailedEvent
  | PlayerEvent
  | FollowerEvent;

/** Every event an optimistic-rollup service publishes. */
export type OptimisticEvent = SequencerEvent | ChallengerEvent;

/** An event as another log published it, without its number and time (to publish it again). */
export function unstamped<E extends { type: string }>(event: E & { seq: number; time: number }): E {
  const { seq: _seq, time: _time, ...rest } = event;
  return rest as unknown as E;
}

/** An error's message, for an event. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
