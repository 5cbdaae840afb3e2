/**
 * The payment channels' typed events: what a channel party (its `ChannelClient` and the Layer-1 steps of
 * its `ChannelParty`) and a watchtower did, published on their `events` logs and served as
 * `strata_events` by the channel-client and watchtower services (see src/common/events.ts).
 *
 * Every field is a JSON value: versions, amounts and gas as decimal strings, ids, addresses and
 * transaction hashes as lower-case 0x hex, block numbers and participant indices as numbers. A channel
 * id appears on every event, so an explorer can follow one channel across parties and watchtowers; a
 * dispute reads from the watchtower's events alone: `challengeSeen` (who registered what, when the window
 * closes), then `stateRefuted` (with what, in which Layer-1 transaction, for how much gas) or
 * `challengeIgnored` / `refutationTooLate`, then `channelConcluded`.
 */
import type { Layer1Tx } from "../common/events";
import type { Decision } from "./watchtower";
import type { SignedState } from "./channel";
import type { Allocation } from "./types";
import type { UpdateKind } from "./updates";

/** An allocation as events carry it: the asset (address(0) for ETH) and each participant's balance. */
export interface AllocationJson {
  asset: string;
  balances: string[];
}

/** What made a state the latest: an update, the funding state of a new channel, or a peer's newer state adopted on sync. */
export type StateOrigin = UpdateKind | "open" | "sync";

/** A channel as its party joined it (who, in which order, how long its challenge window is, the funding state). */
interface ChannelShape {
  channelId: string;
  participants: string[];
  /** This party's participant index. */
  me: number;
  challengeDuration: number;
  allocations: AllocationJson[];
}

/** A Layer-1 transaction a party sent, and the block it landed in. */
interface Layer1TxInBlock extends Layer1Tx {
  block: number;
}

// -------------------------------------------------------------------------------------------------
// A channel party
// -------------------------------------------------------------------------------------------------

export type ChannelEvent =
  /** This party offered a channel and the peer co-signed its funding state (v0). */
  | ({ type: "channelOpened" } & ChannelShape)
  /** A peer offered a channel and this party co-signed its funding state (v0). */
  | ({ type: "channelJoined" } & ChannelShape)
  /** A state co-signed by both became the channel's latest (stored before this is published). */
  | {
      type: "stateSigned";
      channelId: string;
      version: string;
      update: StateOrigin;
      /** Who proposed it. */
      by: "me" | "peer";
      isFinal: boolean;
      allocations: AllocationJson[];
      /** Open hashlocked payments in it. */
      locks: number;
    }
  /** This party paid the peer (`stateSigned` of the same version precedes it). */
  | { type: "paymentSent"; channelId: string; version: string; asset: string; amount: string; to: string }
  /** The peer paid this party. */
  | {
      type: "paymentReceived";
      channelId: string;
      version: string;
      asset: string;
      amount: string;
      from: string;
    }
  /** This party deposited its share into a channel on Layer 1. */
  | ({
      type: "deposited";
      channelId: string;
      asset: string;
      amount: string;
      /** What the channel held before (the deposit-race guard's `expectedHeld`). */
      expectedHeld: string;
    } & Layer1TxInBlock)
  /** A deposit this party meant to make failed (its error's name: a revert, a timeout…). */
  | { type: "depositFailed"; channelId: string; asset: string; amount: string; error: string }
  /** This party closed the channel on Layer 1 with its final state (one transaction pays everyone). */
  | ({ type: "channelClosed"; channelId: string; version: string } & Layer1TxInBlock)
  /** This party registered its latest state on Layer 1; it can be refuted until `finalizesAt`. */
  | ({
      type: "challengeRegistered";
      channelId: string;
      version: string;
      finalizesAt: string;
    } & Layer1TxInBlock)
  /** This party replaced the registered state `registeredVersion` with its newer latest, `version`. */
  | ({
      type: "challengeRefuted";
      channelId: string;
      registeredVersion: string;
      version: string;
      finalizesAt: string;
    } & Layer1TxInBlock)
  /** This party concluded the channel after the window: the registered `version` was paid out. */
  | ({ type: "channelConcluded"; channelId: string; version: string; pendingLocks: number } & Layer1TxInBlock)
  /** This party settled locks of a concluded channel (`paidTo`: their receiver or their sender). */
  | ({
      type: "locksUnlocked";
      channelId: string;
      settled: { hashlock: string; paidTo: string; asset: string; amount: string }[];
      /** Locks still recorded. */
      pending: number;
    } & Layer1TxInBlock)
  /** This party pulled its credit of `asset` (a payout that could not be pushed) to `to`. */
  | ({
      type: "creditWithdrawn";
      channelId: string;
      asset: string;
      amount: string;
      to: string;
    } & Layer1TxInBlock)
  /** This party reconnected to the channel's peer and exchanged latest states (`version`: its latest after). */
  | { type: "channelResumed"; channelId: string; peerUrl: string; version: string | null };

// -------------------------------------------------------------------------------------------------
// A watchtower
// -------------------------------------------------------------------------------------------------

/** Which Layer-1 event a watchtower read: a registration, or a refutation that replaced the registered state. */
export type ChallengeKind = "registered" | "refuted";

/** The challenge a watchtower's decision is about. */
interface Challenge {
  channelId: string;
  challenge: ChallengeKind;
  /** The version the challenge put on chain. */
  registeredVersion: string;
}

export type WatchtowerEvent =
  /** A party handed it a co-signed state; `stored` when it was newer than the one held. */
  | { type: "statesReceived"; channelId: string; version: string; stored: boolean; heldVersion: string }
  /** It read a challenge on Layer 1; `heldVersion` is the newest state it holds for the channel (null: none). */
  | ({
      type: "challengeSeen";
      finalizesAt: string;
      block: number;
      /** The transaction that registered (or refuted). */
      l1TxHash: string;
      heldVersion: string | null;
    } & Challenge)
  /** It refuted the challenge with the newest co-signed state it held. */
  | ({ type: "stateRefuted"; refutedWith: string; finalizesAt: string } & Challenge & Layer1TxInBlock)
  /** Nothing to refute: it guards no such channel, the registered state is the newest, or a newer one won meanwhile. */
  | ({ type: "challengeIgnored"; heldVersion: string | null; reason: string } & Challenge)
  /** It holds a newer state but the window had closed: the stale state stands. */
  | ({ type: "refutationTooLate"; heldVersion: string; finalizesAt: string } & Challenge)
  /** A channel it guards concluded on Layer 1 (after a challenge's window closed) with `version`. */
  | { type: "channelConcluded"; channelId: string; version: string; l1TxHash: string; block: number };

// -------------------------------------------------------------------------------------------------
// Helpers
// -------------------------------------------------------------------------------------------------

export function allocationsJson(allocations: Allocation[]): AllocationJson[] {
  return allocations.map((a) => ({ asset: a.asset.toLowerCase(), balances: a.balances.map(String) }));
}

/** The fields of `stateSigned` a signed state gives. */
export function stateFields(signed: SignedState) {
  return {
    channelId: signed.state.channelId.toLowerCase(),
    version: signed.state.version.toString(),
    isFinal: signed.state.isFinal,
    allocations: allocationsJson(signed.state.allocations),
    locks: signed.state.locks.length,
  };
}

/**
 * The watchtower's decisions, rebuilt from its events: one per challenge it acted on (`stateRefuted`,
 * `challengeIgnored`, `refutationTooLate`), in order; `of` keeps only those about one kind of challenge.
 */
export function decisionsFrom(events: readonly WatchtowerEvent[], of?: ChallengeKind): Decision[] {
  const decisions: Decision[] = [];
  for (const e of events) {
    if (!("challenge" in e) || (of !== undefined && e.challenge !== of)) continue;
    const base = { channelId: e.channelId, registered: BigInt(e.registeredVersion) };
    if (e.type === "stateRefuted") decisions.push({ kind: "refute", ...base, held: BigInt(e.refutedWith) });
    else if (e.type === "challengeIgnored") {
      decisions.push({
        kind: "nothing-to-do",
        ...base,
        held: e.heldVersion === null ? undefined : BigInt(e.heldVersion),
        reason: e.reason,
      });
    } else if (e.type === "refutationTooLate") {
      decisions.push({
        kind: "too-late",
        ...base,
        held: BigInt(e.heldVersion),
        finalizesAt: BigInt(e.finalizesAt),
      });
    }
  }
  return decisions;
}
