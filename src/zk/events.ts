/**
 * What the zk rollup's off-chain parties did, as typed events (see src/common/events.ts): the operator
 * publishes them on `ZkOperator.events` and serves them as `strata_events` (its JSON-RPC server); a
 * verifier node (`ZkChainFollower`) publishes what it read from Layer 1 on its own `events`, which the
 * operator republishes on its log, so one stream tells an operator's whole story.
 *
 * A batch the operator makes goes batchProving → batchProved → batchSubmitted (or batchRejected), then
 * batchVerified once its node reads it back from Layer 1; `batchIndex` and `txs` agree along the way.
 * Amounts and gas are decimal strings, hashes and roots 0x hex, indexes and counts numbers.
 */
import type { Layer1Tx } from "../common/events";

/** A spend the operator accepted at its door (journalled: it survives a crash). */
export interface TxAcceptedEvent {
  type: "txAccepted";
  /** The message the spend signs (its receipt's hash). */
  hash: string;
  kind: "transfer" | "withdraw";
  /** The sending account and the nonce the spend is signed at. */
  from: number;
  nonce: number;
}

/** A spend the operator refused at its door, changing nothing. */
export interface TxRefusedEvent {
  type: "txRefused";
  /** Its hash, when the request could be decoded at all. */
  hash: string | null;
  /** The refusal's name, as `TxRejectedError.reason` gives it (`Duplicate`, `InsufficientBalance`, …). */
  reason: string;
}

/** A deposit queued on the bridge that the operator pulled into its pending state. */
export interface DepositPulledEvent {
  type: "depositPulled";
  /** The bridge queue's head after it (a deposit's hash). */
  hash: string;
  /** The account it credits, or null for one the contract refunds (no circuit could carry it, or every
   * account is open). */
  account: number | null;
  tokenId: number;
  amount: string;
}

/** The operator closed a batch and proves it (witness and Groth16 proof). */
export interface BatchProvingEvent {
  type: "batchProving";
  batchIndex: number;
  /** Transactions in the batch (published slots: a refunded deposit takes none). */
  txs: number;
  /** The hash of each, in slot order. */
  hashes: string[];
}

/** The batch is proven. */
export interface BatchProvedEvent {
  type: "batchProved";
  batchIndex: number;
  txs: number;
  /** Witness plus proof on the warm prover, in milliseconds. */
  provingMs: number;
}

/** The operator's `submitBatch` went through: the contract verified the proof. */
export interface BatchSubmittedEvent extends Layer1Tx {
  type: "batchSubmitted";
  batchIndex: number;
  txs: number;
  /** The rollup root after the batch, 0x hex. */
  newRoot: string;
}

/** The batch did not land (a revert, another batch first); the operator rebuilds from Layer 1. */
export interface BatchRejectedEvent {
  type: "batchRejected";
  batchIndex: number;
  txs: number;
  /** The contract's error name, or what else went wrong. */
  reason: string;
}

/** The operator rebuilt its pending state from Layer 1 and its journal (on start, after every batch). */
export interface StateRebuiltEvent {
  type: "stateRebuilt";
  lastBatch: number;
  /** Spends and deposits waiting for a batch afterwards. */
  pending: number;
}

/**
 * The operator compacted its journal: entries a verified batch holds (`onLayer1`: nothing lost), and
 * spends that no longer apply (`dropped`: refused now, e.g. after another operator's batch).
 */
export interface JournalCompactedEvent {
  type: "journalCompacted";
  onLayer1: number;
  dropped: number;
  kept: number;
}

/** A batch the contract verified, as a node read it back from Layer 1 (whoever submitted it). */
export interface BatchVerifiedEvent {
  type: "batchVerified";
  batchIndex: number;
  txs: number;
  /** The rollup root after it, 0x hex. */
  newRoot: string;
  l1TxHash: string;
  blockNumber: number;
}

/** Exodus is on: the root is final, no batch is accepted any more. */
export interface ExodusActivatedEvent {
  type: "exodusActivated";
  /** The final root, 0x hex. */
  root: string;
  /** Who switched it on (anyone may, once a deposit has waited the exodus delay). */
  activatedBy: string;
  l1TxHash: string;
  blockNumber: number;
}

/** An owner exited in exodus. */
export interface AccountExitedEvent {
  type: "accountExited";
  account: number;
  /** The Layer-1 address paid. */
  owner: string;
  tokenId: number;
  amount: string;
  l1TxHash: string;
  blockNumber: number;
}

/** What a verifier node reads from Layer 1. */
export type ZkFollowerEvent = BatchVerifiedEvent | ExodusActivatedEvent | AccountExitedEvent;

/** What the operator does, and what its node read from Layer 1. */
export type ZkOperatorEvent =
  | TxAcceptedEvent
  | TxRefusedEvent
  | DepositPulledEvent
  | BatchProvingEvent
  | BatchProvedEvent
  | BatchSubmittedEvent
  | BatchRejectedEvent
  | StateRebuiltEvent
  | JournalCompactedEvent
  | ZkFollowerEvent;

/** A field element (a root) as bytes32 hex. */
export function rootHex(root: bigint): string {
  return `0x${root.toString(16).padStart(64, "0")}`;
}
