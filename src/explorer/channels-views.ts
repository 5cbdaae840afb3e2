/**
 * The JSON views of the payment channels' routes (src/explorer/channels.ts), in a file of types alone so
 * that the web pages import them without the server's readers. Amounts and versions are decimal strings,
 * ids, hashes and addresses lower-case 0x hex, times Unix seconds.
 */
import type { TokenInfo } from "./reads";

/**
 * Where a channel stands, in the adjudicator's words: `open` (no challenge; perhaps a version floor after
 * a partial withdrawal), `challenged` (a state registered, refutable until `finalizesAt`, then concludable),
 * `concluded-with-locks` (paid out, its locks waiting for `unlock`), `concluded` (paid out after a dispute,
 * nothing left to unlock), `closed` (paid out at once with a final state).
 */
export type ChannelPhase = "open" | "challenged" | "concluded-with-locks" | "concluded" | "closed";

/** What the channel holds of one asset now (deposits less payouts; what is left after a conclusion is surplus). */
export interface ChannelHoldingView {
  /** address(0) for ETH, else the token. */
  asset: string;
  held: string;
}

/** One row of the channels table. */
export interface ChannelSummaryView {
  id: string;
  /** In participant order; null until a state of the channel reached Layer 1 (deposits do not name them). */
  participants: string[] | null;
  /** Seconds; null while the participants are unknown. */
  challengeDuration: number | null;
  holdings: ChannelHoldingView[];
  phase: ChannelPhase;
  /** The newest version Layer 1 saw (registered, refuted with, concluded, closed or withdrawn at); null: none. */
  version: string | null;
  /** While `challenged`: when the window closes (Unix seconds); else null. */
  finalizesAt: number | null;
  /** While `challenged`: whether a newer state can still refute (head time before `finalizesAt`). */
  windowOpen: boolean;
  /** The last block with an event of this channel. */
  lastBlock: number;
}

/** Who sent a transaction: its address, and its participant index, or null for a third party (a watchtower). */
export interface SenderView {
  from: string;
  participant: number | null;
}

/** A registration or a refutation, for the list of disputes across channels. */
export interface ChannelDisputeView extends SenderView {
  channelId: string;
  kind: "registered" | "refuted";
  version: string;
  /** A refutation: the version it replaced; a registration: null. */
  replacedVersion: string | null;
  /** The window's end (a refutation keeps the registration's). */
  finalizesAt: number;
  block: number;
  time: number;
  txHash: string;
  logIndex: number;
}

/** `/api/channels`. */
export interface ChannelsView {
  adjudicator: string;
  /** The head's time (Unix seconds): Layer 1's "now", from which a page counts down a window. */
  now: number;
  channels: ChannelSummaryView[];
  /** The most recent registrations and refutations across channels, newest first. */
  disputes: ChannelDisputeView[];
  /** The most recent refutations across channels, newest first (the watchtowers' work among them). */
  refutations: ChannelDisputeView[];
  /** Every asset the channels hold, by address as above (0x0 is ETH): its symbol and decimals. */
  tokens: Record<string, TokenInfo>;
}

/** An amount of one asset paid (or credited, for `withdraw`) to one participant. */
export interface PayoutView {
  to: string;
  asset: string;
  amount: string;
}

/** Where a Layer-1 event sits. */
export interface EventPlace extends SenderView {
  block: number;
  time: number;
  txHash: string;
  logIndex: number;
}

/** One on-chain event of a channel, in chain order. */
export type ChannelEventView = EventPlace &
  (
    | {
        kind: "deposited";
        asset: string;
        /** Null when the deposit came through another contract (its amount is not in the calldata read). */
        amount: string | null;
        held: string;
      }
    | { kind: "registered"; version: string; finalizesAt: number }
    | { kind: "refuted"; version: string; replacedVersion: string | null; finalizesAt: number | null }
    | { kind: "concluded" | "closed" | "withdrawn"; version: string; payouts: PayoutView[] | null }
    | { kind: "lockSettled"; hashlock: string; paidTo: string; amount: string | null; asset: string | null }
    | { kind: "secretRevealed"; hashlock: string; secret: string }
  );

/**
 * A hashlocked payment in the newest state Layer 1 saw: `pending` until settled, `claimed` when `unlock`
 * paid its receiver (its secret revealed by the deadline), `refunded` when it paid its sender back.
 */
export interface ChannelLockView {
  hashlock: string;
  deadline: number;
  asset: string;
  sender: string;
  receiver: string;
  amount: string;
  /** When the secret was revealed on the adjudicator's secret registry (Unix seconds), or null. */
  revealedAt: number | null;
  secret: string | null;
  /** Revealed at or before the deadline: the lock pays its receiver. */
  revealedInTime: boolean;
  settlement: "pending" | "claimed" | "refunded";
}

/** `/api/channels/:id`. */
export interface ChannelView extends ChannelSummaryView {
  adjudicator: string;
  /** The head's time (Unix seconds): Layer 1's "now", from which a page counts down a window. */
  now: number;
  /** Every event of the channel on Layer 1, in chain order. */
  events: ChannelEventView[];
  /** The locks of the newest state Layer 1 saw (a registered, refuted-with or concluded state). */
  locks: ChannelLockView[];
  /** What each participant was paid out of the channel in all, per asset (conclusion, close, withdrawals, locks). */
  payouts: PayoutView[];
  /** Every asset above, by address as above (0x0 is ETH): its symbol and decimals. */
  tokens: Record<string, TokenInfo>;
}
