/**
 * The payment channels' composition root: starts a party's channel client and its watchtower in this
 * process or as processes (`hardhat channel-client` / `hardhat watchtower` in a
 * `ServiceSet`), against any JSON-RPC node, and hands back one typed handle either way:
 * `ChannelPartySide` (open / pay / lock / close, its events, stop or kill it to take it offline, its store
 * read from disk) and `WatchtowerSide` (its events, what it holds, wait until it has read Layer 1 up to
 * now). Stories, tests and scripts build parties from here; the services' entry points run
 * `startChannelParty` / `startWatchtower`, the same functions the in-process stack runs.
 *
 *   in-process   ChannelParty + its WebSocket listener      Watchtower + its JSON-RPC server + its rounds
 *   processes    hardhat channel-client (listen role)       hardhat watchtower
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
import type { ChainWatch, VerifiedChain } from "../common/chain-identity";
import {
  CursorNotOnChainError,
  addressesOnly,
  cursorOnChain,
  haltOnChainChange,
} from "../common/chain-identity";
import type { ClaimedDataDir, DataDirLock } from "../common/datadir";
import { claimDataDir } from "../common/datadir";
import type { Deployment } from "../common/deployments";
import { StrataError } from "../common/errors";
export type { RpcProvider } from "../common/layer1";
import type { RpcProvider } from "../common/layer1";
import type { EventSource } from "../common/events";
import { pollUntil, serviceHealth } from "../common/json-rpc";
import type { RpcServer } from "../common/json-rpc";
import type { Logger } from "../common/logger";
import type { ServiceSet } from "../common/processes";
import { freePort } from "../common/processes";
import { ServiceLifecycle, portError } from "../common/service-main";
import { AdjudicatorClient } from "./adjudicator-client";
import type { SignedState } from "./channel";
import { ChannelDomain } from "./eip712";
import type { ChannelEvent, WatchtowerEvent } from "./events";
import type {
  ClosedChannel,
  ConcludedChannel,
  OpenOptions,
  OpenedChannel,
  PeerRef,
  RefutedChallenge,
  RegisteredChallenge,
  UnlockedLocks,
  WithdrawnCredit,
} from "./party";
import { ChannelParty, Layer1Clock } from "./party";
import { ChannelPartyClient, serveChannelParty } from "./party-rpc";
import { ChannelStore } from "./store";
import type { Listener } from "./transport";
import type { Allocation, Lock } from "./types";
import { Watchtower, WatchtowerStore } from "./watchtower";
import { WATCHTOWER_SERVICE, WatchtowerClient, serveWatchtower } from "./watchtower-rpc";

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
  /**
   * The deployment record the adjudicator comes from: the node is checked to hold it on start (chain id,
   * genesis and anchor, code) and watched while it runs. Default: the adjudicator alone (its chain id and
   * code).
   */
  deployment?: Deployment;
  /** Between two checks that Layer 1 still holds it (default 1,000 ms). */
  chainCheckMs?: number;
}

/** A party running: its listener, its JSON-RPC endpoint (if any), its store. */
export interface RunningParty {
  party: ChannelParty;
  store: ChannelStore;
  storePath: string;
  listener: Listener;
  rpc: RpcServer | undefined;
  /** Where it is in its life: its JSON-RPC refuses every call (health too) unless it serves. */
  lifecycle: ServiceLifecycle;
  /**
   * Resolves with the reason if Layer 1 no longer holds its adjudicator (a node reset): its JSON-RPC
   * refuses every call by name from then on (`ChainChanged`); stop it.
   */
  halted: Promise<Error>;
  /** Stops it: its endpoint, its deposits, its connections, its store; releases its data directory. */
  stop(): Promise<void>;
}

/**
 * Starts a channel party on its store, listening for peers (and its owner, with `rpc`). First it takes
 * its lock in the data directory (`channel-client-<address>.lock`: a second process on the same store is
 * refused at once) and checks the node holds its adjudicator and the directory is that chain's.
 */
export async function startChannelParty(o: ChannelPartyServiceOptions): Promise<RunningParty> {
  const provider = o.wallet.provider!;
  const service = `channel-client-${o.wallet.address.toLowerCase()}`;
  const { lock, verified } = await claimDataDir({
    dataDir: o.dataDir,
    service,
    deployment: o.deployment ?? addressesOnly("this chain", o.chainId, { Adjudicator: o.adjudicator }),
    provider,
    logger: o.logger,
  });
  const lifecycle = new ServiceLifecycle(service, o.logger);
  let store: ChannelStore | undefined;
  try {
    store = await ChannelStore.open(channelStorePath(o.dataDir, o.wallet.address), { logger: o.logger });
    return await runChannelParty(o, store, lifecycle, lock, verified);
  } catch (error) {
    await store?.close();
    await lock.release();
    throw error;
  }
}

async function runChannelParty(
  o: ChannelPartyServiceOptions,
  store: ChannelStore,
  lifecycle: ServiceLifecycle,
  lock: DataDirLock,
  verified: VerifiedChain,
): Promise<RunningParty> {
  const storePath = store.path;
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
  let listener: Listener;
  let rpc: RpcServer | undefined;
  try {
    listener = await party.listen({ host: o.peer?.host, port: o.peer?.port }).catch((error: unknown) => {
      throw portError(error, "channel-client (peers)", { host: o.peer?.host, port: o.peer?.port });
    });
    rpc = o.rpc
      ? await serveChannelParty(party, { ...o.rpc, logger: o.logger, lifecycle }).catch((error: unknown) => {
          throw portError(error, "channel-client", { host: o.rpc?.host, port: o.rpc?.port });
        })
      : undefined;
  } catch (error) {
    await party.stop(); // its clock and its listener, if it started one
    throw error;
  }
  const deployment = o.deployment ?? addressesOnly("this chain", o.chainId, { Adjudicator: o.adjudicator });
  const watch = haltOnChainChange(lifecycle, deployment, o.wallet.provider!, verified, {
    intervalMs: o.chainCheckMs,
    logger: o.logger,
  });
  lifecycle.serve();
  let stopping: Promise<void> | undefined;
  return {
    party,
    store,
    storePath,
    listener,
    rpc,
    lifecycle,
    halted: lifecycle.halted,
    stop: () =>
      (stopping ??= (async () => {
        watch.stop();
        lifecycle.stop();
        await rpc?.close();
        await party.stop();
        await store.close();
        await lock.release();
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
  /**
   * The deployment record the adjudicator comes from: the node is checked to hold it on start (chain id,
   * genesis and anchor, code) and watched while it runs. Default: the adjudicator alone (its chain id and
   * code).
   */
  deployment?: Deployment;
  /** Between two checks that Layer 1 still holds it (default 1,000 ms). */
  chainCheckMs?: number;
}

export interface RunningWatchtower {
  tower: Watchtower;
  store: WatchtowerStore;
  server: RpcServer;
  address: string;
  /** Where it is in its life: it refuses every call (health too) unless it serves. */
  lifecycle: ServiceLifecycle;
  /** Resolves with the reason once it halts (Layer 1 no longer holds its adjudicator): its rounds end. */
  halted: Promise<Error>;
  /** Stops its rounds (the one in progress ends first), its endpoint and its store; releases its directory. */
  stop(): Promise<void>;
}

/**
 * Starts a watchtower on its store, in this order: its lock in the data directory (a second watchtower
 * there is refused at once), its JSON-RPC endpoint (refusing calls by name, `Starting`, until it serves),
 * the node checked to hold its adjudicator (and the directory's chain), its store's cursor checked to be
 * on the chain, then its rounds over Layer 1.
 *
 * A cursor whose block the chain no longer has (with the hash it read) is refused at start
 * (`CursorNotOnChainError`) unless the directory's `chain.json` was already there and matched: then the
 * chain and the deployment are the ones the store was kept on, the difference is a reorganization, and
 * it rescans from `fromBlock`, which is safe (it acts only on what the chain says now, and a refutation
 * already made fails before it is sent). While it runs, a change of chain halts it.
 */
export async function startWatchtower(o: WatchtowerServiceOptions): Promise<RunningWatchtower> {
  const provider = o.signer.provider!;
  const lifecycle = new ServiceLifecycle(WATCHTOWER_SERVICE, o.logger);
  const deployment = o.deployment ?? addressesOnly("this chain", o.chainId, { Adjudicator: o.adjudicator });
  const address = await o.signer.getAddress();
  let store: WatchtowerStore | undefined;
  let server: RpcServer | undefined;
  let watch: ChainWatch | undefined;
  let tower: Watchtower | undefined;
  const bind = async () => {
    store = await WatchtowerStore.open(watchtowerStorePath(o.dataDir), { logger: o.logger });
    tower = new Watchtower({
      adjudicator: new AdjudicatorClient(o.adjudicator, o.signer),
      signer: o.signer,
      store,
      domain: new ChannelDomain(o.chainId, o.adjudicator),
      logger: o.logger,
      pollMs: o.pollMs,
      fromBlock: o.fromBlock,
      // Rescanning is safe after a reorganization, never after a reset: ask the watch first.
      cursorLost: async () => {
        await watch?.check();
        if (watch?.change) throw watch.change;
      },
    });
    server = await serveWatchtower(tower, { ...o.rpc, logger: o.logger, address, lifecycle }).catch(
      (error: unknown) => {
        throw portError(error, WATCHTOWER_SERVICE, o.rpc ?? {});
      },
    );
    lifecycle.step("checking its adjudicator on Layer 1");
  };
  let claimed: ClaimedDataDir | undefined;
  try {
    claimed = await claimDataDir({
      dataDir: o.dataDir,
      service: WATCHTOWER_SERVICE,
      deployment,
      provider,
      logger: o.logger,
      beforeCheck: bind,
    });
    const cursor = store!.blockCursor;
    const found = cursor && (await cursorOnChain(provider, cursor));
    if (cursor && found && found.state !== "same" && claimed.verified.dataDirRecord !== "matched") {
      throw new CursorNotOnChainError(
        `watchtower store ${watchtowerStorePath(o.dataDir)} has its cursor at block ${cursor.block}` +
          (found.state === "beyond-head"
            ? `, but the node's head is block ${found.head}`
            : ` (${cursor.hash?.slice(0, 10)}…), which is ${found.hash?.slice(0, 10)}… on the node`) +
          `: the node was reset, or the store is of another chain; remove the directory or set ` +
          `STRATA_DATA_DIR to another one`,
      );
    }
  } catch (error) {
    lifecycle.stop();
    await server?.close();
    await store?.close();
    await claimed?.lock.release();
    throw error;
  }
  const { lock, verified } = claimed;
  const running = tower!;
  watch = haltOnChainChange(lifecycle, deployment, provider, verified, {
    intervalMs: o.chainCheckMs,
    logger: o.logger,
  });
  void lifecycle.halted.then(() => running.stop());
  lifecycle.serve();
  const rounds = (o.rounds ?? true) ? running.run() : Promise.resolve();
  let stopping: Promise<void> | undefined;
  return {
    tower: running,
    store: store!,
    server: server!,
    address,
    lifecycle,
    halted: lifecycle.halted,
    stop: () =>
      (stopping ??= (async () => {
        watch?.stop();
        lifecycle.stop();
        running.stop();
        await rounds;
        await server!.close();
        await store!.close();
        await lock.release();
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
  /** Registers its latest state on Layer 1 (without the peer). */
  register(channelId: string): Promise<RegisteredChallenge>;
  /** Replaces an older registered state with its latest. */
  refute(channelId: string): Promise<RefutedChallenge>;
  /** Pays out the registered state after the window. */
  conclude(channelId: string): Promise<ConcludedChannel>;
  /** Reveals `secrets`, then settles the concluded channel's locks that can be. */
  unlock(channelId: string, secrets?: string[]): Promise<UnlockedLocks>;
  /** Pulls its credits (payouts that could not be pushed) in the channel's assets. */
  withdraw(channelId: string, options?: { to?: string }): Promise<WithdrawnCredit[]>;
  /** Reconnects to the channel's peer and exchanges latest states. */
  resume(channelId: string, url?: string): Promise<SignedState | undefined>;
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
type ChannelSteps = Pick<
  ChannelPartySide,
  | "open"
  | "pay"
  | "lock"
  | "settle"
  | "finalize"
  | "close"
  | "register"
  | "refute"
  | "conclude"
  | "unlock"
  | "withdraw"
  | "resume"
> & {
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

  register(channelId: string): Promise<RegisteredChallenge> {
    return this.steps().register(channelId);
  }

  refute(channelId: string): Promise<RefutedChallenge> {
    return this.steps().refute(channelId);
  }

  conclude(channelId: string): Promise<ConcludedChannel> {
    return this.steps().conclude(channelId);
  }

  unlock(channelId: string, secrets: string[] = []): Promise<UnlockedLocks> {
    return this.steps().unlock(channelId, secrets);
  }

  withdraw(channelId: string, options: { to?: string } = {}): Promise<WithdrawnCredit[]> {
    return this.steps().withdraw(channelId, options);
  }

  resume(channelId: string, url?: string): Promise<SignedState | undefined> {
    return this.steps().resume(channelId, url);
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
   * Starts the Hardhat task `task` (tasks/) as `service` on the adjudicator, keeping its data in `dataDir`, with `env`;
   * resolves with its JSON-RPC endpoint (on `rpcPort`) once it answers there.
   */
  private async startService(
    services: ServiceSet,
    service: string,
    task: string,
    dataDir: string,
    rpcPort: number,
    env: Record<string, string>,
  ): Promise<string> {
    const url = `http://127.0.0.1:${rpcPort}`;
    await services.start(service, {
      task,
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
    const url = await this.startService(services, service, "channel-client", dataDir, rpcPort, {
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
    const url = await this.startService(services, service, "watchtower", dataDir, port, {
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
