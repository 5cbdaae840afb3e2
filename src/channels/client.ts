import { EventLog } from "../common/events";
import type { Logger } from "../common/logger";
import type { Offer, OpenPolicy, Proposal, SignedState, StateSigner } from "./channel";
import { Channel, sameAddress } from "./channel";
import {
  decodeOpenProposal,
  decodeProposal,
  decodeSig,
  decodeSignedState,
  encodeOpenProposal,
  encodeProposal,
  encodeSignedState,
} from "./codec";
import {
  ChannelExistsError,
  MalformedMessageError,
  PeerRefusedError,
  TransportClosedError,
  TransportTimeoutError,
  UnknownChannelError,
  UnknownParticipantError,
} from "./errors";
import type { ChannelEvent, StateOrigin } from "./events";
import { allocationsJson, stateFields } from "./events";
import type { ChannelStore } from "./store";
import type { Connection, Handler, Listener, ListenOptions } from "./transport";
import { connect, listen } from "./transport";
import type { Allocation, ChannelParams, Lock } from "./types";
import type { Update, UpdateContext } from "./updates";

/**
 * One participant's channel client: the state machines of its channels, their durable store, and
 * WebSocket links to the peers. Every state it co-signs is stored before it answers, and every update
 * it proposes is reported (the returned promise resolves) only once the co-signed state is stored.
 *
 * Wire methods (see transport.ts for the framing):
 *   open     OpenProposal           → { sig }       co-sign a new channel's funding state
 *   propose  Proposal               → { sig }       co-sign the next state
 *   sync     { channelId, latest }  → { latest }    exchange latest states after a reconnect or crash
 *
 * What it does is published on `events` (src/channels/events.ts): `channelOpened` / `channelJoined`, a
 * `stateSigned` for every co-signed state that becomes a channel's latest (once stored), and
 * `paymentSent` / `paymentReceived` for payments.
 */
export interface ChannelClientOptions {
  signer: StateSigner;
  store: ChannelStore;
  logger?: Logger;
  /** Layer-1 time in seconds, for locks' deadlines (default: this machine's clock). */
  now?: () => bigint;
  /** The highest version whose withdrawals Layer 1 has paid (needed only to clear withdrawals). */
  withdrawnVersion?: (channelId: string) => Promise<bigint | undefined>;
  /** Whether to join a channel a peer offers (default: always). */
  openPolicy?: OpenPolicy;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** How often an update that lost a race with the peer's is proposed again (default 5). */
  maxRetries?: number;
  /** Where to publish its events (default: a log of its own); a `ChannelParty` shares its own. */
  events?: EventLog<ChannelEvent>;
}

/** What an update listener is told: a state that became the latest, and who proposed it. */
export interface UpdateEvent {
  channelId: string;
  update: Update | undefined;
  signed: SignedState;
  by: "me" | "peer";
}

const RETRYABLE = new Set(["UpdateConflictError", "VersionMismatchError"]);

export class ChannelClient {
  private readonly channels = new Map<string, Channel>();
  private readonly links = new Map<string, Connection>();
  private readonly inboxes = new Map<string, Promise<unknown>>();
  private readonly listeners: ((event: UpdateEvent) => void)[] = [];
  private readonly connections = new Set<Connection>();
  private readonly servers: Listener[] = [];
  readonly handlers: ReadonlyMap<string, Handler>;
  /** What it did, as typed events (see src/channels/events.ts). */
  readonly events: EventLog<ChannelEvent>;

  private constructor(private readonly o: ChannelClientOptions) {
    this.events = o.events ?? new EventLog<ChannelEvent>();
    this.handlers = new Map<string, Handler>([
      ["open", (params, link) => this.onOpen(params, link)],
      ["propose", (params, link) => this.onPropose(params, link)],
      ["sync", (params, link) => this.onSync(params, link)],
    ]);
  }

  /** A client with the channels its store holds. */
  static create(options: ChannelClientOptions): ChannelClient {
    const client = new ChannelClient(options);
    for (const stored of options.store.all()) {
      const channel = Channel.restore(stored.params, stored.me, stored.latest, options.signer);
      client.channels.set(channel.id, channel);
    }
    return client;
  }

  get address(): string {
    return this.o.signer.address;
  }

  /** Accepts peers' connections. */
  async listen(options: ListenOptions = {}): Promise<Listener> {
    const listener = await listen(this.handlers, {
      timeoutMs: this.o.timeoutMs,
      logger: this.o.logger,
      ...options,
      onConnection: (connection) => this.track(connection),
    });
    this.servers.push(listener);
    this.o.logger?.info("listening for peers", { url: listener.url, address: this.address });
    return listener;
  }

  /** Connects to a peer listening at `url`. */
  async connect(url: string): Promise<Connection> {
    const connection = await connect(url, this.handlers, {
      timeoutMs: this.o.timeoutMs,
      logger: this.o.logger,
    });
    this.track(connection);
    return connection;
  }

  /** Tells `listener` of every state that becomes the latest of a channel. */
  onUpdate(listener: (event: UpdateEvent) => void): void {
    this.listeners.push(listener);
  }

  channel(channelId: string): Channel {
    const channel = this.channels.get(channelId.toLowerCase());
    if (!channel) throw new UnknownChannelError(`no channel ${channelId}`);
    return channel;
  }

  channelIds(): string[] {
    return [...this.channels.keys()];
  }

  latest(channelId: string): SignedState | undefined {
    return this.channel(channelId).latest;
  }

  // ---------------------------------------------------------------------------------------------
  // Opening and updating
  // ---------------------------------------------------------------------------------------------

  /**
   * Opens a channel with the peer at the other end of `link`: both sign version 0 (`allocations`).
   * `peerUrl`, where the peer listens, is stored with the channel for a reconnect after a restart.
   */
  async open(
    link: Connection,
    params: ChannelParams,
    allocations: Allocation[],
    options: { peerUrl?: string } = {},
  ): Promise<SignedState> {
    const me = params.participants.findIndex((p) => sameAddress(p, this.address));
    if (me === -1) throw new UnknownParticipantError(`${this.address} is not a participant`);
    const { channel, proposal } = Channel.initiate(params, me, allocations, this.o.signer);
    if (this.channels.has(channel.id)) throw new ChannelExistsError(`channel ${channel.id} exists`);
    this.channels.set(channel.id, channel);
    this.links.set(channel.id, link);
    await this.o.store.addChannel(params, me, { peerUrl: options.peerUrl });
    const reply = await link.request("open", encodeOpenProposal(proposal));
    const signed = this.confirm(channel, proposal, reply);
    await this.o.store.save(signed);
    this.o.logger?.info("channel opened", { channelId: channel.id, peer: params.participants[1 - me] });
    this.publishChannel("channelOpened", channel, signed);
    this.emit({ channelId: channel.id, update: undefined, signed, by: "me" }, "open");
    return signed;
  }

  /**
   * Proposes `update`; resolves with the co-signed state once it is stored. Calls made one after
   * another without waiting are pipelined, each on the state the one before makes. An update that lost
   * a race with the peer's own is proposed again on the new state.
   */
  update(channelId: string, update: Update, extra: Partial<UpdateContext> = {}): Promise<SignedState> {
    return this.attempt(channelId, update, extra, 0);
  }

  pay(channelId: string, amount: bigint, options: { asset?: number } = {}): Promise<SignedState> {
    const channel = this.channel(channelId);
    return this.update(channelId, { kind: "pay", asset: options.asset ?? 0, to: channel.peer, amount });
  }

  /** Locks `amount` for the peer under `hashlock` until `deadline` (Layer-1 seconds). */
  lock(
    channelId: string,
    l: { hashlock: string; deadline: bigint; amount: bigint; asset?: number },
  ): Promise<SignedState> {
    const channel = this.channel(channelId);
    const lock: Lock = { ...l, asset: l.asset ?? 0, sender: channel.me, receiver: channel.peer };
    return this.update(channelId, { kind: "lock", lock });
  }

  settle(channelId: string, hashlock: string, secret: string): Promise<SignedState> {
    return this.update(channelId, { kind: "settle", hashlock, secret });
  }

  cancel(channelId: string, hashlock: string): Promise<SignedState> {
    return this.update(channelId, { kind: "cancel", hashlock });
  }

  withdraw(channelId: string, amount: bigint, options: { asset?: number } = {}): Promise<SignedState> {
    return this.update(channelId, { kind: "withdraw", asset: options.asset ?? 0, amount });
  }

  /** Drops the latest state's withdrawals once Layer 1 has paid them. */
  async clearWithdrawals(channelId: string): Promise<SignedState> {
    const withdrawnVersion = await this.o.withdrawnVersion?.(channelId);
    return this.update(channelId, { kind: "clearWithdrawals" }, { withdrawnVersion });
  }

  /** Credits this participant with `amount` it deposits next (the top-up is co-signed first). */
  topUp(channelId: string, amount: bigint, options: { asset?: number } = {}): Promise<SignedState> {
    return this.update(channelId, { kind: "topUp", asset: options.asset ?? 0, amount });
  }

  /** The final state, for a cooperative close on Layer 1. */
  finalize(channelId: string): Promise<SignedState> {
    return this.update(channelId, { kind: "finalize" });
  }

  /**
   * Exchanges latest states with the peer (after a reconnect, or a restart from the store): whichever
   * side is behind adopts the other's fully signed state. Binds the channel to `link`.
   */
  async sync(channelId: string, link: Connection): Promise<SignedState | undefined> {
    const channel = this.channel(channelId);
    this.links.set(channel.id, link);
    const mine = channel.latest;
    const reply = (await link.request("sync", {
      channelId: channel.id,
      latest: mine ? encodeSignedState(mine) : null,
    })) as { latest?: unknown } | null;
    if (reply?.latest) await this.adopt(channel, decodeSignedState(reply.latest));
    return channel.latest;
  }

  /** Closes every connection and listener (the store stays open: it is the caller's). */
  async close(): Promise<void> {
    await Promise.all([...this.connections].map((c) => c.close()));
    await Promise.all(this.servers.splice(0).map((l) => l.close()));
  }

  // ---------------------------------------------------------------------------------------------
  // Proposing
  // ---------------------------------------------------------------------------------------------

  private attempt(
    channelId: string,
    update: Update,
    extra: Partial<UpdateContext>,
    tries: number,
  ): Promise<SignedState> {
    let channel: Channel;
    let link: Connection;
    let proposal: Proposal;
    try {
      channel = this.channel(channelId);
      link = this.linkOf(channel);
      proposal = channel.propose(update, this.context(extra));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.exchange(channel, link, proposal).catch((error: unknown) => {
      channel.refused(proposal);
      const retry = error instanceof PeerRefusedError && RETRYABLE.has(error.reason);
      if (retry && tries < (this.o.maxRetries ?? 5)) return this.attempt(channelId, update, extra, tries + 1);
      if (error instanceof TransportTimeoutError) void link.close();
      throw error;
    });
  }

  private async exchange(channel: Channel, link: Connection, proposal: Proposal): Promise<SignedState> {
    const reply = await link.request("propose", encodeProposal(proposal));
    const signed = this.confirm(channel, proposal, reply);
    await this.o.store.save(signed);
    this.emit({ channelId: channel.id, update: proposal.update, signed, by: "me" });
    return signed;
  }

  private confirm(channel: Channel, offer: Offer, reply: unknown): SignedState {
    const sig = (reply as { sig?: unknown } | null)?.sig;
    if (!sig) throw new MalformedMessageError("an answer without a signature");
    return channel.confirm(offer, decodeSig(sig));
  }

  private context(extra: Partial<UpdateContext>): UpdateContext {
    const now = this.o.now?.() ?? BigInt(Math.floor(Date.now() / 1000));
    return { now, ...extra };
  }

  private linkOf(channel: Channel): Connection {
    const link = this.links.get(channel.id);
    if (!link || !link.isOpen) throw new TransportClosedError(`no connection to the peer of ${channel.id}`);
    return link;
  }

  // ---------------------------------------------------------------------------------------------
  // Answering the peer
  // ---------------------------------------------------------------------------------------------

  private async onOpen(params: unknown, link: Connection): Promise<unknown> {
    const open = decodeOpenProposal(params);
    const { channel, signed } = Channel.accept(open, this.o.signer, this.o.openPolicy);
    if (this.channels.has(channel.id)) throw new ChannelExistsError(`channel ${channel.id} exists`);
    this.channels.set(channel.id, channel);
    this.links.set(channel.id, link);
    await this.o.store.addChannel(open.params, channel.me);
    await this.o.store.save(signed);
    this.o.logger?.info("channel joined", {
      channelId: channel.id,
      peer: open.params.participants[open.from],
    });
    this.publishChannel("channelJoined", channel, signed);
    this.emit({ channelId: channel.id, update: undefined, signed, by: "peer" }, "open");
    return { sig: signed.sigs[channel.me] };
  }

  /**
   * Co-signs the peer's proposal, stores the state, then answers. The check runs at once, in arrival
   * order, unless it needs a Layer-1 fact first (clearing withdrawals): then later proposals of the
   * same channel wait in its inbox behind it.
   */
  private async onPropose(params: unknown, link: Connection): Promise<unknown> {
    const proposal = decodeProposal(params);
    const channel = this.channel(proposal.channelId);
    this.links.set(channel.id, link);
    const queued = this.inboxes.get(channel.id);
    let signed: SignedState;
    if (queued === undefined && proposal.update.kind !== "clearWithdrawals") {
      signed = channel.receive(proposal, this.context({})).signed;
    } else {
      const run = (queued ?? Promise.resolve()).then(async () => {
        const withdrawnVersion = await this.o.withdrawnVersion?.(channel.id);
        return channel.receive(proposal, this.context({ withdrawnVersion })).signed;
      });
      const settled = run.catch(() => undefined);
      this.inboxes.set(channel.id, settled);
      void settled.then(() => this.inboxes.get(channel.id) === settled && this.inboxes.delete(channel.id));
      signed = await run;
    }
    await this.o.store.save(signed);
    this.emit({ channelId: channel.id, update: proposal.update, signed, by: "peer" });
    return { sig: signed.sigs[channel.me] };
  }

  private async onSync(params: unknown, link: Connection): Promise<unknown> {
    const p = params as { channelId?: unknown; latest?: unknown } | null;
    if (typeof p?.channelId !== "string") throw new MalformedMessageError("sync without a channel id");
    const channel = this.channel(p.channelId);
    this.links.set(channel.id, link);
    if (p.latest) await this.adopt(channel, decodeSignedState(p.latest));
    const mine = channel.latest;
    const theirs = p.latest ? decodeSignedState(p.latest).state.version : -1n;
    return { latest: mine && mine.state.version > theirs ? encodeSignedState(mine) : null };
  }

  private async adopt(channel: Channel, signed: SignedState): Promise<void> {
    const latest = channel.latest?.state.version ?? -1n;
    if (signed.state.version <= latest) return;
    channel.abandonPending();
    channel.adopt(signed);
    await this.o.store.save(signed);
    this.o.logger?.info("adopted the peer's newer state", {
      channelId: channel.id,
      version: signed.state.version,
    });
    this.emit({ channelId: channel.id, update: undefined, signed, by: "peer" }, "sync");
  }

  private track(connection: Connection): void {
    this.connections.add(connection);
    connection.onClose((reason) => {
      this.connections.delete(connection);
      for (const [id, link] of this.links) {
        if (link !== connection) continue;
        this.links.delete(id);
        this.o.logger?.debug("peer link closed", { channelId: id, reason: reason.message });
      }
    });
  }

  private publishChannel(
    type: "channelOpened" | "channelJoined",
    channel: Channel,
    signed: SignedState,
  ): void {
    this.events.publish({
      type,
      channelId: channel.id,
      participants: channel.params.participants.map((p) => p.toLowerCase()),
      me: channel.me,
      challengeDuration: channel.params.challengeDuration,
      allocations: allocationsJson(signed.state.allocations),
    });
  }

  /** Tells the listeners and publishes the typed events of a state that became the latest. */
  private emit(event: UpdateEvent, origin: StateOrigin = event.update?.kind ?? "sync"): void {
    this.events.publish({ type: "stateSigned", ...stateFields(event.signed), update: origin, by: event.by });
    const update = event.update;
    if (update?.kind === "pay") {
      const channel = this.channel(event.channelId);
      const payment = {
        channelId: channel.id,
        version: event.signed.state.version.toString(),
        asset: event.signed.state.allocations[update.asset].asset.toLowerCase(),
        amount: update.amount.toString(),
      };
      const other = channel.params.participants[channel.peer].toLowerCase();
      if (event.by === "me") this.events.publish({ type: "paymentSent", ...payment, to: other });
      else this.events.publish({ type: "paymentReceived", ...payment, from: other });
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.o.logger?.error("update listener failed", { channelId: event.channelId, error: String(error) });
      }
    }
  }
}
