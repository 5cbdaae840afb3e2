/**
 * The optimistic rollup's composition root: how its services are built (`startSequencerService`,
 * `startChallengerService`, which the `sequencer` and `challenger` tasks (tasks/services.ts) run as they are) and
 * how a whole rollup side is started (`startOptimisticStack`): in this process, or as processes next to
 * any JSON-RPC node. Either way the caller gets one handle, `OptimisticStack`: the sequencer as its
 * users see it (`SequencerSide`), both services' typed events (`EventSource`) and health, and `stop()`.
 * Tests, the demo and the bench build from here; a story written against the handle runs unchanged in
 * either mode.
 *
 * Each service serves JSON-RPC (src/common/json-rpc.ts): the sequencer its `strata_*` methods
 * (src/optimistic/rpc-server.ts), both `strata_health` and `strata_events` (src/optimistic/events.ts).
 * A restarted service's events start again at 1.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Provider, Signer } from "ethers";
import { Wallet } from "ethers";
import { BridgeClient } from "../bridge/client";
import type { VerifiedChain } from "../common/chain-identity";
import { checkServiceChain, haltOnChainChange } from "../common/chain-identity";
import type { DataDirLock } from "../common/datadir";
import { lockDataDir } from "../common/datadir";
import { contractAddress } from "../common/deployments";
import type { Deployment } from "../common/deployments";
import type { EventBase, EventSource } from "../common/events";
import { TxJournal } from "../common/journal";
import type { RpcServer, RpcServerOptions, ServiceHealth } from "../common/json-rpc";
import { JsonRpcClient, RemoteEvents, serviceHealth, startJsonRpcServer } from "../common/json-rpc";
import type { Logger } from "../common/logger";
import { createLogger } from "../common/logger";
import type { ServiceSet } from "../common/processes";
import { freePort } from "../common/processes";
import { ServiceLifecycle, portError, servingOnly } from "../common/service-main";
import { Eip712Authorizer } from "../shared/authorizer";
import { L2Domain } from "../shared/eip712";
import type { RpcProvider } from "../common/layer1";
import { Kzg } from "../da/kzg";
import { BlobArchiveRequiredError } from "../da/errors";
import { blobSourceFor, nodeClient, nodeServesBlobs } from "../da/sources";
import { ChainFollower } from "./chain-follower";
import { Challenger } from "./challenger";
import type { ChallengerEvent, SequencerEvent } from "./events";
import { RollupClient } from "./rollup-client";
import type { SequencerSide } from "./rpc-server";
import { LocalSequencerClient, SequencerClient, startRpcServer } from "./rpc-server";
import { Sequencer } from "./sequencer";

// -------------------------------------------------------------------------------------------------
// What every party of one deployment shares
// -------------------------------------------------------------------------------------------------

/** The optimistic rollup of one deployment, read through `provider`. */
export interface OptimisticContext {
  deployment: Deployment;
  provider: Provider;
  /** Where batches posted in blobs are published and read (undefined: the node's own API, as Anvil's). */
  blobArchiveUrl?: string;
  rollup: RollupClient;
  bridge: BridgeClient;
  domain: L2Domain;
  authorizer: Eip712Authorizer;
  /** A new node on Layer 1 (synced by its owner). */
  newFollower(logger?: Logger): Promise<ChainFollower>;
}

/**
 * @param blobArchiveUrl The blob archive (a beacon-API endpoint) every node reads blob batches from, and a
 * sequencer posting in blobs publishes to. Without it, nodes read blobs from the node itself, which only
 * Anvil serves.
 */
export function optimisticContext(
  deployment: Deployment,
  provider: Provider,
  blobArchiveUrl?: string,
): OptimisticContext {
  const rollup = new RollupClient(contractAddress(deployment, "OptimisticRollup"), provider);
  const blobSource = blobSourceFor(provider as unknown as RpcProvider, blobArchiveUrl);
  const bridge = new BridgeClient(contractAddress(deployment, "Bridge"), provider);
  const domain = new L2Domain(deployment.chainId, rollup.address);
  const authorizer = new Eip712Authorizer(domain);
  return {
    deployment,
    provider,
    rollup,
    bridge,
    domain,
    authorizer,
    blobArchiveUrl,
    newFollower: (logger) => ChainFollower.create(rollup, provider, authorizer, logger, blobSource),
  };
}

// -------------------------------------------------------------------------------------------------
// The services, built the same way in a process of their own and in this one
// -------------------------------------------------------------------------------------------------

/** Where a service serves JSON-RPC. */
export interface ServeOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
}

/** How the services run (the scripts read these from STRATA_* variables). */
export interface OptimisticTuning {
  /** The sequencer commits once this many steps are pending (default 256). */
  maxBatchSteps?: number;
  /** …or once the oldest pending step is this old (default 5,000 ms). */
  maxBatchAgeMs?: number;
  /** Between the sequencer's rounds (default 500 ms) and the challenger's (default 1,000 ms). */
  sequencerPollMs?: number;
  challengerPollMs?: number;
}

/** Where a stack's batches go: calldata or blobs, and the blob archive. */
export interface OptimisticDataOptions {
  /** How the sequencer posts batches: as calldata (default) or in blobs (its signer must sign locally). */
  dataMode?: DataMode;
  /** The blob archive its nodes read blob batches from and the sequencer publishes to (see `optimisticContext`). */
  blobArchiveUrl?: string;
}

/** How a sequencer posts its batches. */
export type DataMode = "calldata" | "blobs";

/** What both services are started with. */
export interface AgentServiceOptions {
  signer: Signer;
  pollMs?: number;
  /** Withdraw its credited bonds every round (default true, as the services do). */
  withdrawCredit?: boolean;
  /**
   * Serve JSON-RPC (its methods, strata_health, strata_events; default: do not). The port is bound
   * first, before any Layer-1 work: a port in use fails at once (`ServicePortError`), and until the
   * service serves every call is refused by name (`Starting`).
   */
  serve?: ServeOptions;
  /** Run the service loop (default true); false: the caller ticks the agent. */
  run?: boolean;
  logger?: Logger;
  /** Between two checks that Layer 1 still holds the deployment (default 1,000 ms). */
  chainCheckMs?: number;
}

export interface SequencerServiceOptions extends AgentServiceOptions {
  /**
   * The sequencer's journal of admitted transactions (created if missing). Its directory is the
   * service's data directory: locked while it runs (`sequencer.lock`), its chain recorded in `chain.json`.
   */
  journalPath: string;
  maxBatchSteps?: number;
  maxBatchAgeMs?: number;
  /** Post batches as calldata (default) or in blobs, published to the context's blob archive if it has one. */
  dataMode?: DataMode;
}

/**
 * A service's loop and (optionally) its JSON-RPC server. Before it starts it checks that the node holds
 * its deployment (`checkServiceChain`: chain id, genesis and anchor, code at every address); while it
 * runs it watches that it still does, and halts when not: its loop ends, every call (health included)
 * is refused by the halting error's name (`ChainChanged`, …), and `halted` resolves with it.
 */
export interface AgentService {
  readonly server?: RpcServer;
  /** Where it is in its life (starting, serving, halted, stopped). */
  readonly lifecycle: ServiceLifecycle;
  /** Resolves with the reason once it halts. */
  readonly halted: Promise<Error>;
  /** Its `strata_health` answer, also without a server (refused unless it serves, as the server does). */
  health(): Promise<ServiceHealth>;
  /** Ends the loop (after the round in progress), then closes the server. */
  stop(): Promise<void>;
}

/** A sequencer with its journal, its loop and (optionally) its JSON-RPC server; `stop` closes the journal last. */
export interface SequencerService extends AgentService {
  readonly sequencer: Sequencer;
  readonly journal: TxJournal;
}

/**
 * Takes the data directory's lock (before anything else), binds its server, checks the deployment and
 * the directory's chain, opens the journal, rebuilds the sequencer from Layer 1 and it, starts its loop.
 */
export async function startSequencerService(
  ctx: OptimisticContext,
  o: SequencerServiceOptions,
): Promise<SequencerService> {
  // KZG first, before any Layer-1 request: its load (seconds) between two requests left the node's HTTP
  // connection idle long enough for `hardhat node` to close it, and the next request failed (SocketError).
  const kzg = o.dataMode === "blobs" ? await Kzg.load() : undefined;
  const rpc = ctx.provider as unknown as RpcProvider;
  // Posting blobs nobody can read back would halt every node at the first batch: refused before anything.
  if (kzg && !ctx.blobArchiveUrl && !(await nodeServesBlobs(rpc))) {
    throw new BlobArchiveRequiredError(await nodeClient(rpc));
  }
  const dataDir = dirname(o.journalPath);
  const lock = await lockDataDir(dataDir, "sequencer", { logger: o.logger });
  const lifecycle = new ServiceLifecycle("sequencer", o.logger);
  let sequencer: Sequencer | undefined;
  let journal: TxJournal | undefined;
  let server: RpcServer | undefined;
  try {
    const api = servingOnly(lifecycle, () => sequencer);
    server = await bindService(
      "sequencer",
      o,
      lifecycle,
      () => sequencer,
      (rpc) => startRpcServer(api, rpc),
    );
    lifecycle.step("checking its deployment on Layer 1");
    const verified = await checkServiceChain(ctx.deployment, ctx.provider, { dataDir, logger: o.logger });
    lifecycle.step("rebuilding from Layer 1");
    journal = await TxJournal.open(o.journalPath, { logger: o.logger });
    const follower = await ctx.newFollower(o.logger);
    follower.onChainChanged = (error) => lifecycle.halt(error);
    sequencer = await Sequencer.start({
      rollup: ctx.rollup,
      bridge: ctx.bridge,
      follower,
      journal,
      signer: o.signer,
      maxBatchSteps: o.maxBatchSteps ?? 256,
      maxBatchAgeMs: o.maxBatchAgeMs ?? 5_000,
      pollMs: o.pollMs,
      withdrawCredit: o.withdrawCredit ?? true,
      logger: o.logger,
      blobs: kzg
        ? { kzg, archiveUrl: ctx.blobArchiveUrl, spoolDir: join(dataDir, "unpublished-blobs") }
        : undefined,
    });
    const service = runAgent("sequencer", sequencer, o, { lifecycle, server, verified, ctx, lock });
    const opened = journal;
    return {
      sequencer,
      journal: opened,
      ...service,
      async stop() {
        await service.stop();
        await opened.close();
      },
    };
  } catch (error) {
    lifecycle.stop();
    await server?.close();
    await journal?.close();
    await lock.release();
    throw error;
  }
}

export type ChallengerServiceOptions = AgentServiceOptions;

/** A challenger with its node, its loop and (optionally) its JSON-RPC server. */
export interface ChallengerService extends AgentService {
  readonly challenger: Challenger;
  readonly follower: ChainFollower;
}

/**
 * Binds its server, checks the deployment, then starts the challenger on a new node. It keeps nothing
 * on disk: it has no data directory, and two challengers (with their own keys) may watch one rollup.
 */
export async function startChallengerService(
  ctx: OptimisticContext,
  o: ChallengerServiceOptions,
): Promise<ChallengerService> {
  const lifecycle = new ServiceLifecycle("challenger", o.logger);
  let challenger: Challenger | undefined;
  const server = await bindService(
    "challenger",
    o,
    lifecycle,
    () => challenger,
    (options) => startJsonRpcServer({}, new Map(), options),
  );
  try {
    lifecycle.step("checking its deployment on Layer 1");
    const verified = await checkServiceChain(ctx.deployment, ctx.provider, { logger: o.logger });
    const follower = await ctx.newFollower(o.logger);
    follower.onChainChanged = (error) => lifecycle.halt(error);
    challenger = new Challenger({
      rollup: ctx.rollup,
      follower,
      signer: o.signer,
      logger: o.logger,
      pollMs: o.pollMs,
      withdrawCredit: o.withdrawCredit ?? true,
    });
    const service = runAgent("challenger", challenger, o, { lifecycle, server, verified, ctx });
    return { challenger, follower, ...service };
  } catch (error) {
    lifecycle.stop();
    await server?.close();
    throw error;
  }
}

/** An agent as its service runs it. */
interface Agent {
  readonly events: EventSource<EventBase>;
  health(): Promise<{ status: ServiceHealth["status"] }>;
  run(): Promise<void>;
  stop(): void;
}

const NO_EVENTS = (cursor: number) => Promise.resolve({ events: [], next: cursor, missed: 0 });

/**
 * A service's server, bound before any Layer-1 work (when it serves at all): its health refused while
 * it starts (so that whoever waits for it waits until it serves), its events empty until `agent()` exists.
 */
async function bindService(
  name: string,
  o: AgentServiceOptions,
  lifecycle: ServiceLifecycle,
  agent: () => Agent | undefined,
  serve: (options: RpcServerOptions) => Promise<RpcServer>,
): Promise<RpcServer | undefined> {
  if (!o.serve) return undefined;
  try {
    return await serve({
      ...o.serve,
      logger: o.logger,
      service: {
        name,
        events: { since: (cursor, limit) => agent()?.events.since(cursor, limit) ?? NO_EVENTS(cursor) },
        health: lifecycle.guard(() => agent()!.health()),
      },
    });
  } catch (error) {
    throw portError(error, name, o.serve);
  }
}

/**
 * Runs `agent` as the service `name` (its server already bound): serves, runs its loop unless told not
 * to, and watches its chain; a change (seen by the watch, or by the agent's node) halts it: its loop
 * ends and every call is refused. `stop` ends the loop (after the round in progress), then closes the
 * server and releases the data directory.
 */
function runAgent(
  name: string,
  agent: Agent,
  o: AgentServiceOptions,
  parts: {
    lifecycle: ServiceLifecycle;
    server: RpcServer | undefined;
    verified: VerifiedChain;
    ctx: OptimisticContext;
    lock?: DataDirLock;
  },
): AgentService {
  const { lifecycle, server, verified, ctx, lock } = parts;
  const watch = haltOnChainChange(lifecycle, ctx.deployment, ctx.provider, verified, {
    intervalMs: o.chainCheckMs,
    logger: o.logger,
  });
  void lifecycle.halted.then(() => agent.stop());
  lifecycle.serve();
  const running = o.run === false ? undefined : agent.run();
  let stopping: Promise<void> | undefined;
  return {
    server,
    lifecycle,
    halted: lifecycle.halted,
    health: healthOf(name, lifecycle.guard(agent.health.bind(agent))),
    stop: () =>
      (stopping ??= (async () => {
        watch.stop();
        lifecycle.stop();
        agent.stop();
        await running;
        if (server) await server.close();
        await lock?.release();
      })()),
  };
}

/** `strata_health` as the server answers it, for a service that may run without one. */
function healthOf(
  service: string,
  details: () => Promise<{ status: ServiceHealth["status"] }>,
): () => Promise<ServiceHealth> {
  const startedAt = Date.now();
  return async () => ({ ...(await details()), service, startedAt, uptimeMs: Date.now() - startedAt });
}

// -------------------------------------------------------------------------------------------------
// The stack
// -------------------------------------------------------------------------------------------------

/** Both services in this process, exactly as their processes build them. */
export interface InProcessStackMode extends OptimisticTuning, OptimisticDataOptions {
  kind: "in-process";
  /** The sequencer's (proposer's) and the challenger's signers. */
  sequencer: Signer;
  challenger: Signer;
  /** Serve both over JSON-RPC on free ports, and reach them only through it (default false). */
  serve?: boolean;
  /** Run both service loops (default true); false: the caller ticks `parties`. */
  run?: boolean;
  /** Both withdraw their credited bonds every round (default true, as the services do). */
  withdrawCredit?: boolean;
  /** The sequencer's journal (default: in a temporary directory that `stop()` removes). */
  journalPath?: string;
  /** Default: silent (what the services do is in their events). */
  logger?: Logger;
}

/** Both services as processes (`hardhat sequencer`, `hardhat challenger`) in `services`. */
export interface ProcessesStackMode extends OptimisticTuning, OptimisticDataOptions {
  kind: "processes";
  services: ServiceSet;
  /** Their private keys (STRATA_SEQUENCER_KEY, STRATA_CHALLENGER_KEY). */
  sequencerKey: string;
  challengerKey: string;
  /** Their JSON-RPC ports (default: free ones). */
  sequencerPort?: number;
  challengerPort?: number;
}

export type OptimisticStackMode = InProcessStackMode | ProcessesStackMode;

/** One optimistic-rollup side, wherever its services run: what users, stories and tests talk to. */
export interface OptimisticStack {
  readonly mode: OptimisticStackMode["kind"];
  readonly context: OptimisticContext;
  /** The operators' Layer-1 addresses. */
  readonly operators: { sequencer: string; challenger: string };
  /** Where each serves JSON-RPC (undefined in this process without `serve`). */
  readonly urls: { sequencer?: string; challenger?: string };
  /** The sequencer's user surface: send, read accounts and receipts, wait for a status. */
  readonly sequencer: SequencerSide;
  readonly sequencerEvents: EventSource<SequencerEvent>;
  readonly challengerEvents: EventSource<ChallengerEvent>;
  sequencerHealth(): Promise<ServiceHealth>;
  challengerHealth(): Promise<ServiceHealth>;
  /**
   * Stops the sequencer as a crash would (a process: SIGKILL; here: its loop ends, its journal is
   * closed as the OS would close it, nothing else is saved) and starts it again from Layer 1 and its
   * journal. Its events start again at 1.
   */
  restartSequencer(): Promise<void>;
  /** Stops both services and removes what the stack created; idempotent. */
  stop(): Promise<void>;
}

/** The objects behind an in-process stack, for tests that tick them or look inside. */
export interface InProcessParties {
  /** The running sequencer (a new object after `restartSequencer`). */
  readonly sequencer: Sequencer;
  readonly challenger: Challenger;
  /** The challenger's node. */
  readonly challengerFollower: ChainFollower;
  readonly journalPath: string;
}

export interface InProcessOptimisticStack extends OptimisticStack {
  readonly mode: "in-process";
  readonly parties: InProcessParties;
}

export interface ProcessesOptimisticStack extends OptimisticStack {
  readonly mode: "processes";
}

/** Starts the optimistic rollup's sequencer and challenger for `deployment`, as `mode` says. */
export function startOptimisticStack(
  deployment: Deployment,
  provider: Provider,
  mode: InProcessStackMode,
): Promise<InProcessOptimisticStack>;
export function startOptimisticStack(
  deployment: Deployment,
  provider: Provider,
  mode: ProcessesStackMode,
): Promise<ProcessesOptimisticStack>;
export function startOptimisticStack(
  deployment: Deployment,
  provider: Provider,
  mode: OptimisticStackMode,
): Promise<OptimisticStack>;
export function startOptimisticStack(
  deployment: Deployment,
  provider: Provider,
  mode: OptimisticStackMode,
): Promise<OptimisticStack> {
  const ctx = optimisticContext(deployment, provider, mode.blobArchiveUrl);
  return mode.kind === "in-process" ? startInProcess(ctx, mode) : startProcesses(ctx, mode);
}

/** A stack's JSON-RPC side: the same client objects for a server in this process or in another. */
function remoteSide(urls: { sequencer: string; challenger: string }) {
  const challengerClient = new JsonRpcClient(urls.challenger);
  const sequencer = new SequencerClient(urls.sequencer);
  return {
    urls,
    sequencer,
    sequencerEvents: new RemoteEvents<SequencerEvent>(sequencer),
    challengerEvents: new RemoteEvents<ChallengerEvent>(challengerClient),
    sequencerHealth: () => serviceHealth(sequencer),
    challengerHealth: () => serviceHealth(challengerClient),
  };
}

async function startInProcess(
  ctx: OptimisticContext,
  m: InProcessStackMode,
): Promise<InProcessOptimisticStack> {
  const temporary = m.journalPath ? undefined : await mkdtemp(join(tmpdir(), "strata-sequencer-"));
  const journalPath = m.journalPath ?? join(temporary!, "sequencer-journal.jsonl");
  const serve = m.serve ? { host: "127.0.0.1", port: 0 } : undefined;
  // Quiet unless told otherwise, as the objects it builds are: what they do is in their events.
  const logger = m.logger ?? createLogger({ level: "silent" });
  const startSequencer = (port?: number) =>
    startSequencerService(ctx, {
      signer: m.sequencer,
      journalPath,
      maxBatchSteps: m.maxBatchSteps,
      maxBatchAgeMs: m.maxBatchAgeMs,
      dataMode: m.dataMode,
      pollMs: m.sequencerPollMs,
      withdrawCredit: m.withdrawCredit,
      serve: serve && { ...serve, port: port ?? 0 },
      run: m.run,
      logger: logger.child("sequencer"),
    });
  let sequencer = await startSequencer();
  let challenger: ChallengerService;
  try {
    challenger = await startChallengerService(ctx, {
      signer: m.challenger,
      pollMs: m.challengerPollMs,
      withdrawCredit: m.withdrawCredit,
      serve,
      run: m.run,
      logger: logger.child("challenger"),
    });
  } catch (error) {
    await sequencer.stop();
    throw error;
  }
  const operators = {
    sequencer: await m.sequencer.getAddress(),
    challenger: await m.challenger.getAddress(),
  };
  let stopped: Promise<void> | undefined;
  const side = serve
    ? remoteSide({ sequencer: sequencer.server!.url, challenger: challenger.server!.url })
    : ({
        urls: {},
        // The server's own refusals (starting, halted) apply here too.
        sequencer: new LocalSequencerClient(() =>
          servingOnly(sequencer.lifecycle, () => sequencer.sequencer),
        ),
        sequencerEvents: { since: (cursor, limit) => sequencer.sequencer.events.since(cursor, limit) },
        challengerEvents: challenger.challenger.events,
        sequencerHealth: () => sequencer.health(),
        challengerHealth: () => challenger.health(),
      } satisfies Omit<OptimisticStack, "mode" | "context" | "operators" | "restartSequencer" | "stop">);
  return {
    mode: "in-process",
    context: ctx,
    operators,
    ...side,
    parties: {
      get sequencer() {
        return sequencer.sequencer;
      },
      challenger: challenger.challenger,
      challengerFollower: challenger.follower,
      journalPath,
    },
    async restartSequencer() {
      const port = sequencer.server?.port;
      await sequencer.stop();
      sequencer = await startSequencer(port);
    },
    stop() {
      stopped ??= (async () => {
        await Promise.all([sequencer.stop(), challenger.stop()]);
        if (temporary) await rm(temporary, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

async function startProcesses(
  ctx: OptimisticContext,
  m: ProcessesStackMode,
): Promise<ProcessesOptimisticStack> {
  const { services } = m;
  const [sequencerPort, challengerPort] = [
    m.sequencerPort ?? (await freePort()),
    m.challengerPort ?? (await freePort()),
  ];
  const urls = {
    sequencer: `http://127.0.0.1:${sequencerPort}`,
    challenger: `http://127.0.0.1:${challengerPort}`,
  };
  const tuning: Record<string, string> = {};
  if (m.maxBatchSteps !== undefined) tuning.STRATA_MAX_BATCH_STEPS = String(m.maxBatchSteps);
  if (m.maxBatchAgeMs !== undefined) tuning.STRATA_MAX_BATCH_AGE_MS = String(m.maxBatchAgeMs);
  if (m.dataMode !== undefined) tuning.STRATA_DATA_MODE = m.dataMode;
  const archive: Record<string, string> = m.blobArchiveUrl
    ? { STRATA_BLOB_ARCHIVE_URL: m.blobArchiveUrl }
    : {};
  const sequencerSpec = {
    task: "sequencer",
    url: urls.sequencer,
    env: {
      ...tuning,
      ...archive,
      STRATA_SEQUENCER_KEY: m.sequencerKey,
      STRATA_SEQUENCER_PORT: String(sequencerPort),
      ...(m.sequencerPollMs === undefined ? {} : { STRATA_POLL_MS: String(m.sequencerPollMs) }),
    },
  };
  const challengerSpec = {
    task: "challenger",
    url: urls.challenger,
    env: {
      ...archive,
      STRATA_CHALLENGER_KEY: m.challengerKey,
      STRATA_CHALLENGER_PORT: String(challengerPort),
      ...(m.challengerPollMs === undefined ? {} : { STRATA_POLL_MS: String(m.challengerPollMs) }),
    },
  };
  // Both at once (each `hardhat run` takes a while); both settle before a failure is thrown, so that
  // whichever did start is stopped.
  const started = await Promise.allSettled([
    services.start("sequencer", sequencerSpec),
    services.start("challenger", challengerSpec),
  ]);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    await Promise.all([services.stop("sequencer"), services.stop("challenger")]);
    throw failed.reason;
  }
  let stopped: Promise<void> | undefined;
  return {
    mode: "processes",
    context: ctx,
    operators: {
      sequencer: new Wallet(m.sequencerKey).address,
      challenger: new Wallet(m.challengerKey).address,
    },
    ...remoteSide(urls),
    async restartSequencer() {
      await services.stop("sequencer", "SIGKILL");
      await services.start("sequencer", sequencerSpec);
    },
    stop() {
      stopped ??= Promise.all([services.stop("sequencer"), services.stop("challenger")]).then(
        () => undefined,
      );
      return stopped;
    },
  };
}
