/**
 * The payment channels' composition root: starts a party's channel client and its watchtower in this
 * process or as processes (`hardhat run scripts/channel-client.ts` / `scripts/watchtower.ts` in a
 * `ServiceSet`), against any JSON-RPC node, and hands back one typed handle either way:
 * `ChannelPartySide` (open / pay / lock / close, its events, stop or kill it to take it offline, its store
 * read from disk) and `WatchtowerSide` (its events, what it holds, wait until it has read Layer 1 up to
 * now). Stories, tests and scripts build parties from here; the services' entry points run
 * `startChannelParty` / `startWatchtower`, the same functions the in-process stack runs.
 *
 *   in-process   ChannelParty + its WebSocket listener      Watchtower + its JSON-RPC server + its rounds
 *   processes    scripts/channel-client.ts (listen role)    scripts/watchtower.ts
 *                ready when strata_health answers, read over JSON-RPC (ChannelPartyClient,
 *                WatchtowerClient) and strata_events
 *
 * Users the story plays itself (who hold their keys in its process, and cheat) are `user`s: always
 * in-process, whatever the placement.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Provider, Signer } from "ethers";
import { Wallet } from "ethers";
import { StrataError } from "../common/errors";
export type { RpcProvider } from "../common/layer1";
import type { RpcProvider } from "../common/layer1";
import type { EventSource } from "../common/events";
import { pollUntil, serviceHealth } from "../common/json-rpc";
import type { RpcServer } from "../common/json-rpc";
import type { Logger } from "../common/logger";
import type { ServiceSet } from "../common/processes";
import { freePort } from "../common/processes";
import { AdjudicatorClient } from "./adjudicator-client";
import type { SignedState } from "./channel";
import { ChannelDomain } from "./eip712";
import type { ChannelEvent, WatchtowerEvent } from "./events";
import type { ClosedChannel, OpenOptions, OpenedChannel, PeerRef } from "./party";
import { ChannelParty, Layer1Clock } from "./party";
import { ChannelPartyClient, serveChannelParty } from "./party-rpc";
import { ChannelStore } from "./store";
import type { Listener } from "./transport";
import type { Allocation, Lock } from "./types";
import { Watchtower, WatchtowerStore } from "./watchtower";
import { WatchtowerClient, serveWatchtower } from "./watchtower-rpc";

export class ChannelsStackError extends StrataError {}

/** Where a party keeps its states: `<dataDir>/channels-<address>.jsonl` (in-process and as a service). */
export function channelStorePath(dataDir: string, address: string): string {
  return join(dataDir, `channels-${address.toLowerCase()}.jsonl`);
}

/** Where a watchtower keeps its states and cursor: `<dataDir>/watchtower.jsonl`. */
export function watchtowerStorePath(dataDir: string): string {
  return join(dataDir, "watchtower.jsonl");
}

/** The latest state of `channelId` in the channel store at `path` (a stopped party's, read from disk). */
export async function readStoredLatest(path: string, channelId: string): Promise<SignedState | undefined> {
  const store = await ChannelStore.open(path);
  try {
    return store.get(channelId)?.latest;
  } finally {
    await store.close();
  }
}

// -------------------------------------------------------------------------------------------------
// The services, as the entry points and the in-process stack start them
// -------------------------------------------------------------------------------------------------

export interface ChannelPartyServiceOptions {
  /** Its key, connected to the chain. */
  wallet: Wallet;
  adjudicator: string;
  chainId: bigint;
  /** Its store: `channelStorePath(dataDir, address)`. */
  dataDir: string;
  logger?: Logger;
  /** Where peers connect (default 127.0.0.1, a free port). */
  peer?: { host?: string; port?: number };
  /** Its JSON-RPC endpoint for its owner (strata_health, strata_events, channel_*); none by default. */
  rpc?: { host?: string; port?: number };
  /** A watchtower's JSON-RPC URL that gets every state it co-signs. */
  watchtower?: string;
  /** Layer-1 time (default: the latest block's, polled every `pollMs`). */
  now?: () => bigint;
  /** Deposit its share of the channels it joins (default true). */
  fundJoined?: boolean;
  pollMs?: number;
}

/** A party running: its listener, its JSON-RPC endpoint (if any), its store. */
export interface RunningParty {
  party: ChannelParty;
  store: ChannelStore;
  storePath: string;
  listener: Listener;
  rpc: RpcServer | undefined;
  /** Stops it: its endpoint, its deposits, its connections, its store. */
  stop(): Promise<void>;
}

/** Starts a channel party on its store, listening for peers (and its owner, with `rpc`). */
export async function startChannelParty(o: ChannelPartyServiceOptions): Promise<RunningParty> {
  const storePath = channelStorePath(o.dataDir, o.wallet.address);
  const store = await ChannelStore.open(storePath, { logger: o.logger });
  const party = await ChannelParty.create({
    wallet: o.wallet,
    adjudicator: o.adjudicator,
    chainId: o.chainId,
    store,
    logger: o.logger,
    now: o.now,
    fundJoined: o.fundJoined,
    watchtower: o.watchtower || undefined,
    pollMs: o.pollMs,
  });
  const listener = await party.listen({ host: o.peer?.host, port: o.peer?.port });
  const rpc = o.rpc ? await serveChannelParty(party, { ...o.rpc, logger: o.logger }) : undefined;
  let stopping: Promise<void> | undefined;
  return {
    party,
    store,
    storePath,
    listener,
    rpc,
    stop: () =>
      (stopping ??= (async () => {
        await rpc?.close();
        await party.stop();
        await store.close();
      })()),
  };
}

export interface WatchtowerServiceOptions {
  /** Pays for its refutations. */
  signer: Signer;
  adjudicator: string;
  chainId: bigint;
  /** Its store: `watchtowerStorePath(dataDir)`. */
  dataDir: string;
  logger?: Logger;
  /** Its JSON-RPC endpoint (default 127.0.0.1, a free port). */
  rpc?: { host?: string; port?: number };
  /** Milliseconds between its rounds (default 1000). */
  pollMs?: number;
  /** The first block to read when its store has no cursor. */
  fromBlock?: number;
  /** Whether it runs its rounds on its own (default true); false: its owner calls `tower.tick()`. */
  rounds?: boolean;
}

export interface RunningWatchtower {
  tower: Watchtower;
  store: WatchtowerStore;
  server: RpcServer;
  address: string;
  /** Stops its rounds (the one in progress ends first), its endpoint and its store. */
  stop(): Promise<void>;
}

/** Starts a watchtower on its store: its JSON-RPC endpoint, and its rounds over Layer 1. */
export async function startWatchtower(o: WatchtowerServiceOptions): Promise<RunningWatchtower> {
  const store = await WatchtowerStore.open(watchtowerStorePath(o.dataDir), { logger: o.logger });
  const tower = new Watchtower({
    adjudicator: new AdjudicatorClient(o.adjudicator, o.signer),
    signer: o.signer,
    store,
    domain: new ChannelDomain(o.chainId, o.adjudicator),
    logger: o.logger,
    pollMs: o.pollMs,
    fromBlock: o.fromBlock,
  });
  const address = await o.signer.getAddress();
  const server = await serveWatchtower(tower, { ...o.rpc, logger: o.logger, address });
  const running = (o.rounds ?? true) ? tower.run() : Promise.resolve();
  let stopping: Promise<void> | undefined;
  return {
    tower,
    store,
    server,
    address,
    stop: () =>
      (stopping ??= (async () => {
        tower.stop();
        await running;
        await server.close();
        await store.close();
      })()),
  };
}

// -------------------------------------------------------------------------------------------------
// The handles
// -------------------------------------------------------------------------------------------------

/** One party as a story talks to it, wherever it runs. */
export interface ChannelPartySide {
  readonly name: string;
  readonly placement: "in-process" | "process";
  /** Its key's address: a participant of its channels, and the account its Layer-1 steps pay from. */
  readonly address: string;
  /** Where its peers connect. */
  readonly peerUrl: string;
  /** Its events (its client's, and its deposits and closes). */
  readonly events: EventSource<ChannelEvent>;
  /** Opens a channel with `peer` and deposits its own share (the peer deposits its share itself). */
  open(peer: PeerRef, allocations: Allocation[], options: OpenOptions): Promise<OpenedChannel>;
  pay(channelId: string, amount: bigint): Promise<SignedState>;
  lock(channelId: string, lock: Pick<Lock, "hashlock" | "deadline" | "amount">): Promise<SignedState>;
  settle(channelId: string, hashlock: string, secret: string): Promise<SignedState>;
  finalize(channelId: string): Promise<SignedState>;
  /** Finalizes and closes on Layer 1 in one transaction. */
  close(channelId: string): Promise<ClosedChannel>;
  latest(channelId: string): Promise<SignedState | undefined>;
  /** How many channels it holds, and how many fsync batches its store made. */
  stats(): Promise<{ channels: number; fsyncs: number }>;
  /** Takes it offline: it hands its last states to its watchtower and closes every connection (SIGTERM). */
  stop(): Promise<void>;
  /** Takes it offline at once (SIGKILL). */
  kill(): Promise<void>;
  /** The latest state its store holds for `channelId`, read from disk (once it is stopped). */
  storedLatest(channelId: string): Promise<SignedState | undefined>;
}

/** A watchtower as a story talks to it, wherever it runs. */
export interface WatchtowerSide {
  readonly name: string;
  readonly placement: "in-process" | "process";
  /** Its account, which pays for refutations. */
  readonly address: string;
  /** Its JSON-RPC endpoint, where parties hand it their states. */
  readonly url: string;
  /** The first block it reads. */
  readonly fromBlock: number;
  readonly events: EventSource<WatchtowerEvent>;
  readonly client: WatchtowerClient;
  /** The version it holds for `channelId` (undefined: it does not guard it). */
  held(channelId: string): Promise<bigint | undefined>;
  /** Resolves once it has handled every Layer-1 block up to the head now (its cursor, from its health). */
  caughtUp(): Promise<number>;
  stop(): Promise<void>;
}

/** The channel steps a party side hands on as they are: to the party itself, or to its service's client. */
type ChannelSteps = Pick<ChannelPartySide, "open" | "pay" | "lock" | "settle" | "finalize" | "close"> & {
  latest(channelId: string): SignedState | undefined | Promise<SignedState | undefined>;
};

/** A party side whose channel steps are those of `steps()`. */
abstract class ForwardingPartySide {
  protected abstract steps(): ChannelSteps;

  open(peer: PeerRef, allocations: Allocation[], options: OpenOptions): Promise<OpenedChannel> {
    return this.steps().open(peer, allocations, options);
  }

  pay(channelId: string, amount: bigint): Promise<SignedState> {
    return this.steps().pay(channelId, amount);
  }

  lock(channelId: string, lock: Pick<Lock, "hashlock" | "deadline" | "amount">): Promise<SignedState> {
    return this.steps().lock(channelId, lock);
  }

  settle(channelId: string, hashlock: string, secret: string): Promise<SignedState> {
    return this.steps().settle(channelId, hashlock, secret);
  }

  finalize(channelId: string): Promise<SignedState> {
    return this.steps().finalize(channelId);
  }

  close(channelId: string): Promise<ClosedChannel> {
    return this.steps().close(channelId);
  }

  async latest(channelId: string): Promise<SignedState | undefined> {
    return this.steps().latest(channelId);
  }
}

/** A party of this process: the handle, and the party itself for what only its own process can do. */
export class LocalPartySide extends ForwardingPartySide implements ChannelPartySide {
  readonly placement = "in-process";

  constructor(
    readonly name: string,
    private readonly running: RunningParty,
  ) {
    super();
  }

  get party(): ChannelParty {
    return this.running.party;
  }

  get address(): string {
    return this.party.address;
  }

  get peerUrl(): string {
    return this.running.listener.url;
  }

  get events(): EventSource<ChannelEvent> {
    return this.party.events;
  }

  get storePath(): string {
    return this.running.storePath;
  }

  protected steps(): ChannelSteps {
    return this.party;
  }

  async stats(): Promise<{ channels: number; fsyncs: number }> {
    return { channels: this.party.client.channelIds().length, fsyncs: this.running.store.fsyncs };
  }

  stop(): Promise<void> {
    return this.running.stop();
  }

  kill(): Promise<void> {
    return this.running.stop();
  }

  storedLatest(channelId: string): Promise<SignedState | undefined> {
    return readStoredLatest(this.running.storePath, channelId);
  }
}

class ProcessPartySide extends ForwardingPartySide implements ChannelPartySide {
  readonly placement = "process";
  readonly events: EventSource<ChannelEvent>;

  constructor(
    readonly name: string,
    readonly address: string,
    readonly peerUrl: string,
    private readonly client: ChannelPartyClient,
    private readonly services: ServiceSet,
    private readonly service: string,
    private readonly storePath: string,
  ) {
    super();
    this.events = client.events;
  }

  protected steps(): ChannelSteps {
    return this.client;
  }

  async stats(): Promise<{ channels: number; fsyncs: number }> {
    const { channels, fsyncs } = await this.client.health();
    return { channels, fsyncs };
  }

  stop(): Promise<void> {
    return this.services.stop(this.service, "SIGTERM");
  }

  kill(): Promise<void> {
    return this.services.stop(this.service, "SIGKILL");
  }

  storedLatest(channelId: string): Promise<SignedState | undefined> {
    return readStoredLatest(this.storePath, channelId);
  }
}

/** Polls `cursor()` until it reaches the chain's head as it was when called. */
async function untilCursorAtHead(
  provider: Provider,
  cursor: () => Promise<number | undefined>,
  what: string,
  timeoutMs: number,
  pollMs: number,
): Promise<number> {
  const head = await provider.getBlockNumber();
  const reached = await pollUntil(
    cursor,
    (at) => at !== undefined && at >= head,
    (at) =>
      new ChannelsStackError(
        `${what} read Layer 1 up to block ${at ?? "none"}, not ${head}, in ${timeoutMs} ms`,
      ),
    { timeoutMs, pollMs },
  );
  return reached!;
}

// -------------------------------------------------------------------------------------------------
// The stack
// -------------------------------------------------------------------------------------------------

/** Where the operated parties and watchtowers run. */
export type ChannelsPlacement =
  | { kind: "in-process" }
  | {
      kind: "processes";
      services: ServiceSet;
      /** Fixed ports per service name (`channel-client-<name>`, `watchtower-<name>`); default free ones. */
      ports?: Record<string, { peer?: number; rpc?: number }>;
    };

export interface ChannelsStackOptions {
  /** The adjudicator's address. */
  adjudicator: string;
  provider: RpcProvider;
  /** Where the parties' and watchtowers' stores live (each in a directory of its name). */
  dataDir: string;
  placement: ChannelsPlacement;
  logger?: Logger;
  /** Milliseconds between the watchtowers' rounds and the parties' looks at Layer 1 (default 200). */
  pollMs?: number;
  /** How long to wait for a service to start or to catch up (default 60 s). */
  timeoutMs?: number;
}

export class ChannelsStack {
  private readonly running = new Set<{ stop(): Promise<void> }>();

  private constructor(
    private readonly o: ChannelsStackOptions,
    readonly chainId: bigint,
    /** Layer-1 time as this process's parties see it; `tick` reads it now. */
    readonly clock: Layer1Clock,
  ) {}

  static async start(options: ChannelsStackOptions): Promise<ChannelsStack> {
    const { chainId } = await options.provider.getNetwork();
    const clock = new Layer1Clock(options.provider);
    await clock.start(options.pollMs ?? 200);
    await mkdir(options.dataDir, { recursive: true });
    return new ChannelsStack(options, chainId, clock);
  }

  get placement(): ChannelsPlacement["kind"] {
    return this.o.placement.kind;
  }

  get provider(): RpcProvider {
    return this.o.provider;
  }

  get adjudicator(): string {
    return this.o.adjudicator;
  }

  /** Layer-1 time now, as this process's parties will see it. */
  tick(): Promise<bigint> {
    return this.clock.refresh();
  }

  /**
   * A user the story plays: always in this process, with its own key (connected to the chain), so that
   * the story can do what only a key's holder can (cheat, register, conclude).
   */
  async user(name: string, wallet: Wallet, options: { fundJoined?: boolean } = {}): Promise<LocalPartySide> {
    return this.startLocal(name, wallet, { fundJoined: options.fundJoined });
  }

  /**
   * Starts `scripts/<script>` as `service` on the adjudicator, keeping its data in `dataDir`, with `env`;
   * resolves with its JSON-RPC endpoint (on `rpcPort`) once it answers there.
   */
  private async startService(
    services: ServiceSet,
    service: string,
    script: string,
    dataDir: string,
    rpcPort: number,
    env: Record<string, string>,
  ): Promise<string> {
    const url = `http://127.0.0.1:${rpcPort}`;
    await services.start(service, {
      script,
      env: { STRATA_ADJUDICATOR: this.o.adjudicator, STRATA_DATA_DIR: dataDir, ...env },
      url,
    });
    return url;
  }

  /** An operated party signing with `key`: in this process, or as a channel-client service. */
  async party(
    name: string,
    key: string,
    options: { watchtower?: WatchtowerSide } = {},
  ): Promise<ChannelPartySide> {
    const wallet = new Wallet(key, this.o.provider);
    if (this.o.placement.kind === "in-process") {
      return this.startLocal(name, wallet, { watchtower: options.watchtower?.url });
    }
    const { services } = this.o.placement;
    const service = `channel-client-${name}`;
    const ports = this.o.placement.ports?.[service] ?? {};
    const peerPort = ports.peer ?? (await freePort());
    const rpcPort = ports.rpc ?? (await freePort());
    const dataDir = join(this.o.dataDir, name);
    const url = await this.startService(services, service, "channel-client.ts", dataDir, rpcPort, {
      STRATA_CHANNEL_ROLE: "listen",
      STRATA_CHANNEL_KEY: key,
      STRATA_CHANNEL_HOST: "127.0.0.1",
      STRATA_CHANNEL_PORT: String(peerPort),
      STRATA_CHANNEL_RPC_PORT: String(rpcPort),
      STRATA_WATCHTOWER_URL: options.watchtower?.url ?? "",
      STRATA_POLL_MS: String(this.o.pollMs ?? 200),
    });
    const client = new ChannelPartyClient(url);
    const health = await client.health();
    const side = new ProcessPartySide(
      name,
      wallet.address,
      health.peerUrl,
      client,
      services,
      service,
      channelStorePath(dataDir, wallet.address),
    );
    this.running.add(side);
    return side;
  }

  /** A watchtower paying with `key`: in this process (its rounds and endpoint), or as a watchtower service. */
  async watchtower(name: string, key: string, options: { fromBlock?: number } = {}): Promise<WatchtowerSide> {
    const signer = new Wallet(key, this.o.provider);
    const fromBlock = options.fromBlock ?? (await this.o.provider.getBlockNumber());
    const dataDir = join(this.o.dataDir, `watchtower-${name}`);
    const timeoutMs = this.o.timeoutMs ?? 60_000;
    const pollMs = this.o.pollMs ?? 200;
    if (this.o.placement.kind === "in-process") {
      const running = await startWatchtower({
        signer,
        adjudicator: this.o.adjudicator,
        chainId: this.chainId,
        dataDir,
        logger: this.o.logger?.child(`watchtower:${name}`),
        pollMs,
        fromBlock,
      });
      this.running.add(running);
      const client = new WatchtowerClient(running.server.url);
      return {
        name,
        placement: "in-process",
        address: running.address,
        url: running.server.url,
        fromBlock,
        events: running.tower.events,
        client,
        held: async (id) => running.tower.held(id)?.latest.state.version,
        caughtUp: () =>
          untilCursorAtHead(
            this.o.provider,
            async () => running.tower.cursor,
            `watchtower ${name}`,
            timeoutMs,
            pollMs,
          ),
        stop: async () => {
          this.running.delete(running);
          await running.stop();
        },
      };
    }
    const { services } = this.o.placement;
    const service = `watchtower-${name}`;
    const port = this.o.placement.ports?.[service]?.rpc ?? (await freePort());
    const url = await this.startService(services, service, "watchtower.ts", dataDir, port, {
      STRATA_WATCHTOWER_KEY: key,
      STRATA_WATCHTOWER_HOST: "127.0.0.1",
      STRATA_WATCHTOWER_PORT: String(port),
      STRATA_FROM_BLOCK: String(fromBlock),
      STRATA_POLL_MS: String(pollMs),
    });
    const client = new WatchtowerClient(url);
    const stop = () => services.stop(service);
    const handle = { stop };
    this.running.add(handle);
    return {
      name,
      placement: "process",
      address: signer.address,
      url,
      fromBlock,
      events: client.events,
      client,
      held: async (id) => (await client.channel(id))?.version,
      caughtUp: () =>
        untilCursorAtHead(
          this.o.provider,
          async () => {
            const cursor = (await serviceHealth(client)).cursor;
            return typeof cursor === "number" ? cursor : undefined;
          },
          `watchtower ${name}`,
          timeoutMs,
          pollMs,
        ),
      stop: async () => {
        this.running.delete(handle);
        await stop();
      },
    };
  }

  /** Stops every party and watchtower still running, and the clock. */
  async stop(): Promise<void> {
    for (const r of [...this.running]) await r.stop().catch(() => undefined);
    this.running.clear();
    this.clock.stop();
  }

  private async startLocal(
    name: string,
    wallet: Wallet,
    options: { watchtower?: string; fundJoined?: boolean },
  ): Promise<LocalPartySide> {
    const running = await startChannelParty({
      wallet,
      adjudicator: this.o.adjudicator,
      chainId: this.chainId,
      dataDir: join(this.o.dataDir, name),
      logger: this.o.logger?.child(name),
      now: () => this.clock.now(),
      watchtower: options.watchtower,
      fundJoined: options.fundJoined,
      pollMs: this.o.pollMs ?? 200,
    });
    const handle = {
      stop: async () => {
        this.running.delete(handle);
        await running.stop();
      },
    };
    this.running.add(handle);
    return new LocalPartySide(name, { ...running, stop: handle.stop });
  }
}
