/**
 * The explorer's views of the payment channels: every channel the `Adjudicator` has heard of, read from its
 * event logs and the calldata of the transactions that emitted them (the adjudicator keeps no list of
 * channels, and its events carry versions, not states: a channel's participants, balances and locks are in
 * the `register`, `refute`, `conclude`, `close` and `withdrawPartial` calls, decoded with
 * `stateCallOf` of src/channels/adjudicator-client.ts). Holdings, status and reveals come from its getters.
 *
 * A refutation records who sent it; a sender that is none of the channel's participants is a third party,
 * in practice a watchtower refuting for an offline participant, and the page labels it so.
 */
import type { Log, TransactionResponse } from "ethers";
import type { Adjudicator } from "../../typechain-types";
import { Adjudicator__factory } from "../../typechain-types";
import type { StateCall, StateCallName } from "../channels/adjudicator-client";
import { CONCLUDED, stateCallOf } from "../channels/adjudicator-client";
import type { ChannelParams, ChannelState } from "../channels/types";
import type {
  ChannelDisputeView,
  ChannelEventView,
  ChannelLockView,
  ChannelPhase,
  ChannelSummaryView,
  ChannelView,
  ChannelsView,
  EventPlace,
  PayoutView,
} from "./channels-views";
import { blockTime, tokenInfosOf, transactionOf } from "./reads";
import type { ExplorerContext, ExplorerRoute } from "./route";
import { ExplorerNotFoundError, bytes32Param, deployed } from "./route";

export type {
  ChannelDisputeView,
  ChannelEventView,
  ChannelHoldingView,
  ChannelLockView,
  ChannelPhase,
  ChannelSummaryView,
  ChannelView,
  ChannelsView,
  PayoutView,
  SenderView,
} from "./channels-views";

// -------------------------------------------------------------------------------------------------
// Pure logic
// -------------------------------------------------------------------------------------------------

/** The channel's phase from its status slot (`statusOf`) and the last of its closing events, if any. */
export function channelPhase(
  finalizesAt: bigint,
  lastEnding: "closed" | "concluded" | undefined,
): ChannelPhase {
  if (finalizesAt === CONCLUDED) return "concluded-with-locks";
  if (finalizesAt !== 0n) return "challenged";
  return lastEnding ?? "open";
}

/**
 * What `state` pays each participant when it concludes or closes (`_payOutState`): its balances, plus its
 * withdrawals unless a partial withdrawal already paid them; or, for `withdrawPartial`, its withdrawals
 * alone. Zero amounts are left out; amounts to one participant of one asset are summed.
 */
export function payoutsOf(
  params: ChannelParams,
  state: ChannelState,
  how: "state" | "state-withdrawals-paid" | "withdrawals",
): PayoutView[] {
  const owed = new Map<string, bigint>();
  const add = (to: string, asset: string, amount: bigint) => {
    const key = `${to.toLowerCase()} ${asset.toLowerCase()}`;
    owed.set(key, (owed.get(key) ?? 0n) + amount);
  };
  if (how !== "withdrawals") {
    for (const a of state.allocations) {
      a.balances.forEach((b, i) => add(params.participants[i], a.asset, b));
    }
  }
  if (how !== "state-withdrawals-paid") {
    for (const w of state.withdrawals) {
      add(params.participants[w.participant], state.allocations[w.asset].asset, w.amount);
    }
  }
  return [...owed]
    .filter(([, amount]) => amount !== 0n)
    .map(([key, amount]) => {
      const [to, asset] = key.split(" ");
      return { to, asset, amount: amount.toString() };
    });
}

/** Sums payouts by recipient and asset, in order of first appearance. */
export function sumPayouts(payouts: PayoutView[]): PayoutView[] {
  const sums = new Map<string, PayoutView>();
  for (const p of payouts) {
    const key = `${p.to} ${p.asset}`;
    const seen = sums.get(key);
    sums.set(key, { ...p, amount: (BigInt(seen?.amount ?? "0") + BigInt(p.amount)).toString() });
  }
  return [...sums.values()];
}

/** The sender's participant index among `participants`, or null (a third party: a watchtower, a relayer). */
export function participantIndex(participants: string[] | null, from: string): number | null {
  const at = participants?.findIndex((p) => p.toLowerCase() === from.toLowerCase()) ?? -1;
  return at === -1 ? null : at;
}

/** A lock's settlement from the `LockSettled` that paid it (if any). */
export function lockSettlement(receiver: string, paidTo: string | undefined): ChannelLockView["settlement"] {
  if (paidTo === undefined) return "pending";
  return paidTo.toLowerCase() === receiver.toLowerCase() ? "claimed" : "refunded";
}

// -------------------------------------------------------------------------------------------------
// Reading Layer 1
// -------------------------------------------------------------------------------------------------

/** The events indexed by channel id, in the adjudicator's own words. */
const CHANNEL_EVENTS = [
  "Deposited",
  "ChallengeRegistered",
  "ChallengeRefuted",
  "ChannelConcluded",
  "ChannelClosed",
  "PartialWithdrawal",
  "LockSettled",
] as const;

/** A log of one channel, parsed: its event's name and arguments by name (the channel id lower-cased). */
interface ChannelLog {
  name: (typeof CHANNEL_EVENTS)[number];
  args: Record<string, unknown> & { channelId: string };
  log: Log;
}

/** Everything one answer reads, fetched once: the adjudicator's logs and the transactions behind them. */
class ChannelsReader {
  readonly adjudicator: Adjudicator;

  constructor(
    readonly ctx: ExplorerContext,
    readonly address: string,
  ) {
    this.adjudicator = Adjudicator__factory.connect(address, ctx.provider);
  }

  /** The channel-indexed logs up to the head (of one channel when `channelId` is given), in chain order. */
  async channelLogs(channelId?: string): Promise<ChannelLog[]> {
    const iface = this.adjudicator.interface;
    const topics = CHANNEL_EVENTS.map((name) => iface.getEvent(name).topicHash);
    const logs = await this.ctx.provider.getLogs({
      address: this.address,
      topics: channelId ? [topics, channelId] : [topics],
      fromBlock: 0,
      toBlock: this.ctx.head.number,
    });
    return logs.map((log) => {
      const parsed = iface.parseLog(log)!;
      const args: Record<string, unknown> = {};
      parsed.fragment.inputs.forEach((input, i) => (args[input.name] = parsed.args[i]));
      args.channelId = String(args.channelId).toLowerCase();
      return { name: parsed.name as ChannelLog["name"], args: args as ChannelLog["args"], log };
    });
  }

  /** The `SecretRevealed` logs of `hashlocks` up to the head (the adjudicator is its own secret registry). */
  async reveals(hashlocks: string[]): Promise<{ log: Log; hashlock: string; secret: string }[]> {
    const iface = this.adjudicator.interface;
    const logs = await this.ctx.provider.getLogs({
      address: this.address,
      topics: [iface.getEvent("SecretRevealed").topicHash, hashlocks],
      fromBlock: 0,
      toBlock: this.ctx.head.number,
    });
    return logs.map((log) => {
      const parsed = iface.parseLog(log)!;
      return {
        log,
        hashlock: String(parsed.args.hashlock).toLowerCase(),
        secret: String(parsed.args.secret).toLowerCase(),
      };
    });
  }

  /** The parameters and state the transaction sent, if it was a direct state-carrying call. */
  async stateCall(hash: string): Promise<StateCall | undefined> {
    return stateCallOf(this.address, await transactionOf(this.ctx, hash));
  }

  /** The channel's status slot at the head: the version and the window's end (see `channelPhase`). */
  async status(channelId: string) {
    const [version, finalizesAt] = await this.adjudicator.statusOf(channelId, {
      blockTag: this.ctx.head.number,
    });
    return { version, finalizesAt };
  }

  holdings(channelId: string, asset: string): Promise<bigint> {
    return this.adjudicator.holdings(channelId, asset, { blockTag: this.ctx.head.number });
  }
}

/** The kinds of event that carry a state in their transaction's calldata. */
const STATE_EVENTS: Partial<Record<ChannelLog["name"], StateCallName>> = {
  ChallengeRegistered: "register",
  ChallengeRefuted: "refute",
  ChannelConcluded: "conclude",
  ChannelClosed: "close",
  PartialWithdrawal: "withdrawPartial",
};

/** What the logs of one channel (with the states their transactions sent) say about it. */
interface ChannelHistory {
  id: string;
  logs: ChannelLog[];
  /** The state each state-carrying log's transaction sent (by log), when it was a direct call. */
  calls: Map<ChannelLog, StateCall>;
  params: ChannelParams | null;
}

async function historyOf(reader: ChannelsReader, id: string, logs: ChannelLog[]): Promise<ChannelHistory> {
  const read = await Promise.all(
    logs.map((l) => (STATE_EVENTS[l.name] ? reader.stateCall(l.log.transactionHash) : undefined)),
  );
  // In log order, so that the last entry is the newest state Layer 1 saw.
  const calls = new Map<ChannelLog, StateCall>();
  logs.forEach((l, i) => {
    const call = read[i];
    if (call && call.name === STATE_EVENTS[l.name] && call.state.channelId === id) calls.set(l, call);
  });
  const params = [...calls.values()][0]?.params ?? null;
  return { id, logs, calls, params };
}

async function summaryOf(reader: ChannelsReader, h: ChannelHistory): Promise<ChannelSummaryView> {
  const assets = new Set<string>();
  let lastEnding: "closed" | "concluded" | undefined;
  let version: bigint | undefined;
  for (const { name, args } of h.logs) {
    if (name === "Deposited") {
      assets.add(String(args.asset).toLowerCase());
    }
    if (name === "ChannelClosed") lastEnding = "closed";
    if (name === "ChannelConcluded") lastEnding = "concluded";
    if (typeof args.version === "bigint" && (version === undefined || args.version > version)) {
      version = args.version;
    }
  }
  for (const call of h.calls.values()) {
    for (const a of call.state.allocations) assets.add(a.asset);
  }
  const [status, holdings] = await Promise.all([
    reader.status(h.id),
    Promise.all([...assets].map((asset) => reader.holdings(h.id, asset))),
  ]);
  const phase = channelPhase(status.finalizesAt, lastEnding);
  const challenged = phase === "challenged";
  return {
    id: h.id,
    participants: h.params?.participants ?? null,
    challengeDuration: h.params?.challengeDuration ?? null,
    holdings: [...assets].map((asset, i) => ({ asset, held: holdings[i].toString() })),
    phase,
    version: version?.toString() ?? null,
    finalizesAt: challenged ? Number(status.finalizesAt) : null,
    windowOpen: challenged && reader.ctx.head.timestamp < Number(status.finalizesAt),
    lastBlock: h.logs.at(-1)!.log.blockNumber,
  };
}

/** A channel's event as `challengeSteps` reads it: its name, and the version and window end it carries. */
export interface ChallengeInput {
  name: string;
  version?: bigint;
  /** `ChallengeRegistered`'s window end. */
  finalizesAt?: bigint;
}

/** A registration or refutation placed in its challenge: the version it replaced and the window's end. */
export interface ChallengeStep {
  /** Its index among the inputs. */
  at: number;
  kind: "registered" | "refuted";
  version: bigint;
  /** A refutation: the version registered (or refuted with) just before it; a registration: undefined. */
  replacedVersion?: bigint;
  /** The window's end: a registration's own, kept by every refutation of it (0 if none was seen). */
  finalizesAt: number;
}

/**
 * The registrations and refutations among a channel's events (in chain order), each placed in its
 * challenge: a refutation replaces the version just before it and keeps the registration's window; a
 * conclusion or close ends the challenge.
 */
export function challengeSteps(events: readonly ChallengeInput[]): ChallengeStep[] {
  const steps: ChallengeStep[] = [];
  let current: { version: bigint; finalizesAt: number } | undefined;
  events.forEach((e, at) => {
    if (e.name === "ChannelConcluded" || e.name === "ChannelClosed") current = undefined;
    if (e.name !== "ChallengeRegistered" && e.name !== "ChallengeRefuted") return;
    const version = e.version ?? 0n;
    if (e.name === "ChallengeRegistered") {
      current = { version, finalizesAt: Number(e.finalizesAt ?? 0n) };
      steps.push({ at, kind: "registered", version, finalizesAt: current.finalizesAt });
      return;
    }
    const finalizesAt = current?.finalizesAt ?? 0;
    steps.push({ at, kind: "refuted", version, replacedVersion: current?.version, finalizesAt });
    current = { version, finalizesAt };
  });
  return steps;
}

/** The registrations and refutations of one channel, each refutation with the version it replaced. */
async function disputesOf(reader: ChannelsReader, h: ChannelHistory): Promise<ChannelDisputeView[]> {
  const steps = challengeSteps(
    h.logs.map((l) => ({
      name: l.name,
      version: l.args.version as bigint | undefined,
      finalizesAt: l.args.finalizesAt as bigint | undefined,
    })),
  );
  return Promise.all(
    steps.map(async (step) => {
      const { log } = h.logs[step.at];
      const from = (await transactionOf(reader.ctx, log.transactionHash)).from.toLowerCase();
      return {
        channelId: h.id,
        kind: step.kind,
        version: step.version.toString(),
        replacedVersion: step.replacedVersion?.toString() ?? null,
        finalizesAt: step.finalizesAt,
        from,
        participant: participantIndex(h.params?.participants ?? null, from),
        block: log.blockNumber,
        time: await blockTime(reader.ctx, log.blockHash),
        txHash: log.transactionHash.toLowerCase(),
        logIndex: log.index,
      };
    }),
  );
}

/** How many disputes and refutations `/api/channels` lists. */
export const RECENT_DISPUTES = 20;

async function readChannels(ctx: ExplorerContext): Promise<ChannelsView> {
  const reader = new ChannelsReader(ctx, deployed(ctx, "Adjudicator"));
  const byChannel = new Map<string, ChannelLog[]>();
  for (const l of await reader.channelLogs()) {
    const logs = byChannel.get(l.args.channelId) ?? [];
    logs.push(l);
    byChannel.set(l.args.channelId, logs);
  }
  const histories = await Promise.all([...byChannel].map(([id, logs]) => historyOf(reader, id, logs)));
  const channels = await Promise.all(histories.map((h) => summaryOf(reader, h)));
  channels.sort((a, b) => b.lastBlock - a.lastBlock);
  const disputes = (await Promise.all(histories.map((h) => disputesOf(reader, h))))
    .flat()
    .sort((a, b) => b.block - a.block || b.logIndex - a.logIndex);
  return {
    adjudicator: reader.address.toLowerCase(),
    now: ctx.head.timestamp,
    channels,
    disputes: disputes.slice(0, RECENT_DISPUTES),
    refutations: disputes.filter((d) => d.kind === "refuted").slice(0, RECENT_DISPUTES),
    tokens: await tokenInfosOf(
      ctx,
      channels.flatMap((c) => c.holdings.map((h) => h.asset)),
    ),
  };
}

async function readChannel(ctx: ExplorerContext, id: string): Promise<ChannelView> {
  const reader = new ChannelsReader(ctx, deployed(ctx, "Adjudicator"));
  const logs = await reader.channelLogs(id);
  if (logs.length === 0) throw new ExplorerNotFoundError(`the adjudicator knows no channel ${id}`);
  const h = await historyOf(reader, id, logs);
  // Every event's sender and block time, fetched at once (then read from the shared reads' caches).
  await Promise.all(
    logs.flatMap((l) => [transactionOf(ctx, l.log.transactionHash), blockTime(ctx, l.log.blockHash)]),
  );
  const [summary, disputes] = await Promise.all([summaryOf(reader, h), disputesOf(reader, h)]);
  const disputeOf = new Map(disputes.map((d) => [`${d.txHash} ${d.kind}`, d]));
  const participants = h.params?.participants ?? null;

  // The newest state Layer 1 saw, whose locks the page shows, and what each settled lock paid.
  const newest = [...h.calls.values()].at(-1);
  const locks = newest?.name === "withdrawPartial" ? [] : (newest?.state.locks ?? []);
  const lockByHash = new Map(locks.map((l) => [l.hashlock.toLowerCase(), l]));
  const withdrawnVersions = new Set(
    logs.filter((l) => l.name === "PartialWithdrawal").map((l) => l.args.version as bigint),
  );

  // Secrets of those locks revealed on the adjudicator (its own secret registry), up to the head.
  const reveals = lockByHash.size === 0 ? [] : await reader.reveals([...lockByHash.keys()]);

  const events: ChannelEventView[] = [];
  const payouts: PayoutView[] = [];
  for (const l of logs) {
    const tx = await transactionOf(ctx, l.log.transactionHash);
    const from = tx.from.toLowerCase();
    const place: EventPlace = {
      block: l.log.blockNumber,
      time: await blockTime(ctx, l.log.blockHash),
      txHash: l.log.transactionHash.toLowerCase(),
      logIndex: l.log.index,
      from,
      participant: participantIndex(participants, from),
    };
    const call = h.calls.get(l);
    const version = String(l.args.version);
    switch (l.name) {
      case "Deposited": {
        const asset = String(l.args.asset).toLowerCase();
        const held = l.args.held as bigint;
        events.push({
          ...place,
          kind: "deposited",
          asset,
          amount: depositAmount(reader, tx, held),
          held: held.toString(),
        });
        break;
      }
      case "ChallengeRegistered":
        events.push({
          ...place,
          kind: "registered",
          version,
          finalizesAt: Number(l.args.finalizesAt as bigint),
        });
        break;
      case "ChallengeRefuted": {
        const d = disputeOf.get(`${place.txHash} refuted`);
        events.push({
          ...place,
          kind: "refuted",
          version,
          replacedVersion: d?.replacedVersion ?? null,
          finalizesAt: d && d.finalizesAt !== 0 ? d.finalizesAt : null,
        });
        break;
      }
      case "ChannelConcluded":
      case "ChannelClosed":
      case "PartialWithdrawal": {
        const kind =
          l.name === "ChannelConcluded" ? "concluded" : l.name === "ChannelClosed" ? "closed" : "withdrawn";
        const paid = call
          ? payoutsOf(
              call.params,
              call.state,
              kind === "withdrawn"
                ? "withdrawals"
                : withdrawnVersions.has(call.state.version)
                  ? "state-withdrawals-paid"
                  : "state",
            )
          : null;
        if (paid) payouts.push(...paid);
        events.push({ ...place, kind, version, payouts: paid });
        break;
      }
      case "LockSettled": {
        const hashlock = String(l.args.hashlock).toLowerCase();
        const paidTo = String(l.args.paidTo).toLowerCase();
        const lock = lockByHash.get(hashlock);
        const asset = lock && newest ? newest.state.allocations[lock.asset].asset.toLowerCase() : null;
        if (lock && asset) payouts.push({ to: paidTo, asset, amount: lock.amount.toString() });
        events.push({
          ...place,
          kind: "lockSettled",
          hashlock,
          paidTo,
          amount: lock ? lock.amount.toString() : null,
          asset,
        });
        break;
      }
    }
  }
  for (const { log, hashlock, secret } of reveals) {
    const from = (await transactionOf(ctx, log.transactionHash)).from.toLowerCase();
    events.push({
      block: log.blockNumber,
      time: await blockTime(reader.ctx, log.blockHash),
      txHash: log.transactionHash.toLowerCase(),
      logIndex: log.index,
      from,
      participant: participantIndex(participants, from),
      kind: "secretRevealed",
      hashlock,
      secret,
    });
  }
  events.sort((a, b) => a.block - b.block || a.logIndex - b.logIndex);

  const settledTo = new Map(
    events.flatMap((e) => (e.kind === "lockSettled" ? [[e.hashlock, e.paidTo] as const] : [])),
  );
  const revealOf = new Map(
    events.flatMap((e) => (e.kind === "secretRevealed" ? [[e.hashlock, e] as const] : [])),
  );
  const lockViews: ChannelLockView[] = locks.map((l) => {
    const hashlock = l.hashlock.toLowerCase();
    const receiver = newest!.params.participants[l.receiver];
    const reveal = revealOf.get(hashlock);
    return {
      hashlock,
      deadline: Number(l.deadline),
      asset: newest!.state.allocations[l.asset].asset.toLowerCase(),
      sender: newest!.params.participants[l.sender],
      receiver,
      amount: l.amount.toString(),
      revealedAt: reveal ? reveal.time : null,
      secret: reveal ? reveal.secret : null,
      revealedInTime: reveal !== undefined && BigInt(reveal.time) <= l.deadline,
      settlement: lockSettlement(receiver, settledTo.get(hashlock)),
    };
  });

  return {
    ...summary,
    adjudicator: reader.address.toLowerCase(),
    now: ctx.head.timestamp,
    events,
    locks: lockViews,
    payouts: sumPayouts(payouts),
    tokens: await tokenInfosOf(ctx, [
      ...summary.holdings.map((h) => h.asset),
      ...events.flatMap((e) => assetsOf(e)),
      ...lockViews.map((l) => l.asset),
      ...payouts.map((p) => p.asset),
    ]),
  };
}

/** The assets one event names: a deposit's, a settled lock's, its payouts'. */
function assetsOf(e: ChannelEventView): string[] {
  if (e.kind === "deposited") return [e.asset];
  if (e.kind === "lockSettled") return e.asset === null ? [] : [e.asset];
  if (e.kind === "concluded" || e.kind === "closed" || e.kind === "withdrawn") {
    return (e.payouts ?? []).map((p) => p.asset);
  }
  return [];
}

/** A deposit's amount from its calldata (`held` less the race guard's `expectedHeld`), or null. */
function depositAmount(reader: ChannelsReader, tx: TransactionResponse, held: bigint): string | null {
  if (tx.to?.toLowerCase() !== reader.address.toLowerCase()) return null;
  const call = reader.adjudicator.interface.parseTransaction({ data: tx.data, value: tx.value });
  if (call?.name !== "depositEth" && call?.name !== "deposit") return null;
  return (held - (call.args.expectedHeld as bigint)).toString();
}

// -------------------------------------------------------------------------------------------------
// Routes
// -------------------------------------------------------------------------------------------------

export const channelsRoutes: ExplorerRoute[] = [
  { path: "/api/channels", read: (ctx) => readChannels(ctx) },
  { path: "/api/channels/:id", read: async (ctx, params) => readChannel(ctx, bytes32Param(params, "id")) },
];
