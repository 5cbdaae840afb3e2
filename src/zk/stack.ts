/**
 * The zk rollup's composition root: where its off-chain parties are wired, once, for the tests, the demo,
 * the bench, the comparison and the `zk:operator` service.
 *
 * `startZkStack` takes the deployment record, a provider and a mode, and returns one handle (`ZkStack`)
 * that the stories talk to, the same methods whichever the mode:
 *
 * - in-process: a `ZkOperator` in this process (its signer given, one warm prover, its journal in a
 *   directory). It makes batches when a caller waits for a transaction (`waitForStatus` runs its rounds,
 *   forced) and when the caller drives it (`operator.tick`), never behind the caller's back, so a test
 *   decides exactly when Layer 1 moves.
 * - processes: the `zk-operator` service, started by a `ServiceSet` as `hardhat zk-operator`
 *   with its own key and port, reached over JSON-RPC; it runs its own rounds (a batch once full, or once
 *   its oldest transaction is `maxBatchAgeMs` old) and serves its events as `strata_events`.
 *
 * `kill` stops the operator as a crash would (in-process: its rounds end and its journal closes, nothing
 * compacted; a process: SIGKILL); `restart` starts a new one on the same journal, which rebuilds the rest
 * from Layer 1. The service's own entry point (the `zk-operator` task) runs `startZkOperatorService`
 * through `runServiceMain`; it builds its operator through `openZkOperator`, as the in-process mode does.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Provider, Signer } from "ethers";
import { Wallet } from "ethers";
import { BridgeClient } from "../bridge/client";
import type { ChainWatch } from "../common/chain-identity";
import { haltOnChainChange } from "../common/chain-identity";
import type { ClaimedDataDir } from "../common/datadir";
import { claimDataDir } from "../common/datadir";
import type { Deployment } from "../common/deployments";
import { contractAddress } from "../common/deployments";
import { StrataError } from "../common/errors";
import type { EventSource } from "../common/events";
import type { RpcServer, ServiceHealth, WaitForStatusOptions } from "../common/json-rpc";
import { hasReachedStatusOf, waitForStatusOf } from "../common/json-rpc";
import type { Logger } from "../common/logger";
import { createLogger } from "../common/logger";
import type { ServiceSet } from "../common/processes";
import { freePort, localAccountKey } from "../common/processes";
import { withProgress } from "../common/progress";
import { ServiceLifecycle, portError, servingOnly } from "../common/service-main";
import { TxJournal } from "../common/journal";
import { LOCAL_ACCOUNTS } from "../config/table";
import { checkZkVerifier } from "../deploy/zk-verifier";
import { ZkChainFollower } from "./chain-follower";
import type { ZkOperatorEvent } from "./events";
import { ZkCrypto } from "./keys";
import { ZkOperator } from "./operator";
import { ZkProver } from "./prover";
import type { ZkRollupConfig } from "./rollup-client";
import { ZkRollupClient } from "./rollup-client";
import type { ZkAccountView, ZkTxReceipt, ZkTxStatus } from "./rpc-server";
import {
  ZK_OPERATOR_SERVICE,
  ZK_TX_STATUSES,
  ZkOperatorClient,
  ZkTxStatusTimeoutError,
  startZkRpcServer,
} from "./rpc-server";

export { ZK_OPERATOR_SERVICE } from "./rpc-server";

/** The stack cannot start, or is asked for an operator that is not running. */
export class ZkStackError extends StrataError {}

/** The local account (hardhat node, Anvil) whose key the operator service signs `submitBatch` with by default. */
export const ZK_OPERATOR_ACCOUNT = LOCAL_ACCOUNTS.zkOperator;

/** The circuit profile `deploySuite` deploys the rollup's verifier for by default. */
export const DEFAULT_ZK_PROFILE = "test";

// -------------------------------------------------------------------------------------------------
// The operator, built once
// -------------------------------------------------------------------------------------------------

export interface OpenZkOperatorOptions {
  /** The ZkRollup and the Bridge. */
  rollup: string;
  bridge: string;
  /** Sends `submitBatch`; must be connected to `provider`'s chain. */
  signer: Signer;
  provider: Provider;
  /** A warm prover for the rollup's profile (the caller closes it). */
  prover: ZkProver;
  crypto: ZkCrypto;
  journalPath: string;
  maxBatchAgeMs?: number;
  pollMs?: number;
  logger?: Logger;
  /**
   * Halted when the operator's node finds that Layer 1 changed under it (its rounds then stop); default:
   * one of its own. `openZkOperator` tells it when the operator serves.
   */
  lifecycle?: ServiceLifecycle;
}

/** An operator and the journal it owns. */
export interface OpenedZkOperator {
  operator: ZkOperator;
  journal: TxJournal;
  /** Serving once opened; halted (rounds stopped) when its node finds that Layer 1 changed. */
  lifecycle: ServiceLifecycle;
  /** Stops its rounds and closes its journal (compacting nothing); idempotent. */
  close(): Promise<void>;
}

/** Opens the journal and starts a `ZkOperator` on it, rebuilt from Layer 1 (its node, the bridge). */
export async function openZkOperator(o: OpenZkOperatorOptions): Promise<OpenedZkOperator> {
  const lifecycle = o.lifecycle ?? new ServiceLifecycle(ZK_OPERATOR_SERVICE, o.logger);
  const journal = await TxJournal.open(o.journalPath, { logger: o.logger });
  let operator: ZkOperator;
  try {
    const reader = new ZkRollupClient(o.rollup, o.provider);
    const follower = await ZkChainFollower.create(reader, o.provider, o.crypto, o.logger?.child("follower"));
    follower.onChainChanged = (error) => lifecycle.halt(error);
    operator = await ZkOperator.start({
      rollup: new ZkRollupClient(o.rollup, o.signer),
      bridge: new BridgeClient(o.bridge, o.signer),
      follower,
      journal,
      prover: o.prover,
      crypto: o.crypto,
      signer: o.signer,
      maxBatchAgeMs: o.maxBatchAgeMs,
      pollMs: o.pollMs,
      logger: o.logger,
    });
  } catch (error) {
    await journal.close();
    throw error;
  }
  const opened = operator;
  void lifecycle.halted.then(() => opened.stop());
  lifecycle.serve();
  let closing: Promise<void> | undefined;
  return {
    operator,
    journal,
    lifecycle,
    close: () =>
      (closing ??= (async () => {
        lifecycle.stop();
        await opened.stop();
        await journal.close();
      })()),
  };
}

/**
 * What every start of the operator stands on, before any Layer-1 work: its data directory's lock
 * (`zk-operator.lock`; a second operator there is refused at once), then the node checked to hold the
 * deployment and the directory recorded (or checked) as that chain's. Releases the lock on failure.
 */
function claimOperatorDir(
  dataDir: string,
  deployment: Deployment,
  provider: Provider,
  logger: Logger | undefined,
  beforeCheck?: () => Promise<void>,
): Promise<ClaimedDataDir> {
  return claimDataDir({ dataDir, service: ZK_OPERATOR_SERVICE, deployment, provider, logger, beforeCheck });
}

/** Where the operator keeps its journal under its data directory. */
export function zkOperatorJournalPath(dataDir: string): string {
  return join(dataDir, "zk-operator-journal.jsonl");
}

// -------------------------------------------------------------------------------------------------
// The service
// -------------------------------------------------------------------------------------------------

/** The `zk-operator` service's settings (the task reads them from src/config/table.ts). */
export interface ZkOperatorSettings {
  host: string;
  port: number;
  profile: string;
  maxBatchAgeMs: number;
  /** Where its journal and its lock live. */
  dataDir: string;
}

export interface ZkOperatorServiceOptions {
  deployment: Deployment;
  signer: Signer;
  provider: Provider;
  settings: ZkOperatorSettings;
  logger?: Logger;
  /** Between two checks that Layer 1 still holds the deployment (default 1,000 ms). */
  chainCheckMs?: number;
}

/** The `zk-operator` service running: stop it, or wait for it to halt. */
export interface RunningZkOperatorService {
  readonly server: RpcServer;
  readonly lifecycle: ServiceLifecycle;
  /** Resolves with the reason once it halts (Layer 1 no longer holds its deployment). */
  readonly halted: Promise<Error>;
  /** The running operator (undefined once stopped). */
  readonly operator: ZkOperator | undefined;
  readonly journalPath: string;
  /** Stops its rounds, its server, its prover and releases its data directory; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the `zk-operator` service, in this order: takes its data directory's lock, binds its port
 * (refusing calls by name, `Starting`, until it serves), checks the deployment on the node while its
 * prover loads, rebuilds its operator from Layer 1 and its journal, serves JSON-RPC (the zk_* methods,
 * `strata_health`, `strata_events`) and runs its rounds. A change of chain halts it.
 */
export async function startZkOperatorService(o: ZkOperatorServiceOptions): Promise<RunningZkOperatorService> {
  const logger = o.logger ?? createLogger({ scope: ZK_OPERATOR_SERVICE });
  const { settings, deployment, provider } = o;
  const journalPath = zkOperatorJournalPath(settings.dataDir);
  const lifecycle = new ServiceLifecycle(ZK_OPERATOR_SERVICE, logger);
  let opened: OpenedZkOperator | undefined;
  let server: RpcServer | undefined;
  let prover: Promise<ZkProver> | undefined;
  const bind = async () => {
    const where = { host: settings.host, port: settings.port };
    server = await startZkRpcServer(
      servingOnly(lifecycle, () => opened?.operator),
      {
        ...where,
        logger,
        service: {
          name: ZK_OPERATOR_SERVICE,
          events: {
            since: (cursor, limit) =>
              opened?.operator.events.since(cursor, limit) ??
              Promise.resolve({ events: [], next: cursor, missed: 0 }),
          },
          health: lifecycle.guard(() => opened!.operator.health()),
        },
      },
    ).catch((error: unknown) => {
      throw portError(error, ZK_OPERATOR_SERVICE, where);
    });
    lifecycle.step("loading its prover and checking its deployment on Layer 1");
    prover = ZkProver.load({ profile: settings.profile, logger });
    prover.catch(() => undefined); // awaited below; a failure while the chain is checked is not unhandled
  };
  const { lock, verified } = await claimOperatorDir(
    settings.dataDir,
    deployment,
    provider,
    logger,
    bind,
  ).catch(async (error: unknown) => {
    lifecycle.stop();
    await server?.close();
    await prover?.then((p) => p.close()).catch(() => undefined);
    throw error;
  });
  let watch: ChainWatch | undefined;
  let running: Promise<void> | undefined;
  try {
    const crypto = await ZkCrypto.load();
    const warm = await prover!;
    // The deployed verifier is the one this build generated: its runtime code and verification key.
    await checkZkVerifier(deployment, provider, { profile: settings.profile });
    lifecycle.step("rebuilding from Layer 1");
    opened = await openZkOperator({
      rollup: contractAddress(deployment, "ZkRollup"),
      bridge: contractAddress(deployment, "Bridge"),
      signer: o.signer,
      provider,
      prover: warm,
      crypto,
      journalPath,
      maxBatchAgeMs: settings.maxBatchAgeMs,
      logger,
      lifecycle,
    });
    watch = haltOnChainChange(lifecycle, deployment, provider, verified, {
      intervalMs: o.chainCheckMs,
      logger,
    });
    running = opened.operator.run();
  } catch (error) {
    lifecycle.stop();
    await server!.close();
    await prover!.then((p) => p.close()).catch(() => undefined);
    await lock.release();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    server: server!,
    lifecycle,
    halted: lifecycle.halted,
    journalPath,
    get operator() {
      return stopping ? undefined : opened?.operator;
    },
    stop: () =>
      (stopping ??= (async () => {
        watch?.stop();
        await opened?.close();
        await running;
        await server!.close();
        await (await prover!).close();
        await lock.release();
      })()),
  };
}

// -------------------------------------------------------------------------------------------------
// The stack
// -------------------------------------------------------------------------------------------------

export interface ZkInProcessMode {
  kind: "in-process";
  /** Sends `submitBatch`. */
  signer: Signer;
  /** A warm prover for the rollup's profile, owned by the caller (default: the stack loads one, and closes it on stop). */
  prover?: ZkProver;
  /** Where the journal lives (default: a temporary directory, removed on stop). */
  dataDir?: string;
  /** Close a batch in a round once its oldest item is this old (default 60 s: rounds run when forced). */
  maxBatchAgeMs?: number;
  logger?: Logger;
}

export interface ZkProcessesMode {
  kind: "processes";
  /** Starts the service (its network, data directory and deployment record). */
  services: ServiceSet;
  /** The operator's Layer-1 key (default: local account ZK_OPERATOR_ACCOUNT's). */
  operatorKey?: string;
  /** Its JSON-RPC port (default: a free one). */
  port?: number;
  /** Close a batch once its oldest item is this old (default 1000 ms). */
  maxBatchAgeMs?: number;
  /** How long `waitForStatus` waits by default (default 180 s: proving is real). */
  waitTimeoutMs?: number;
}

export type ZkStackMode = ZkInProcessMode | ZkProcessesMode;

export interface ZkStackOptions<M extends ZkStackMode = ZkStackMode> {
  deployment: Deployment;
  /** Layer 1, for reading (the users' own transactions go with their own signers). */
  provider: Provider;
  mode: M;
  /** The circuit profile the rollup's verifier was built for (default "test"; in-process with a prover: its). */
  profile?: string;
  crypto?: ZkCrypto;
}

/** The zk rollup's parties as the stories see them, wherever the operator runs. */
export interface ZkStack {
  readonly mode: ZkStackMode["kind"];
  readonly profile: string;
  readonly provider: Provider;
  /** The rollup and the bridge, read through `provider` (a user sends with `rollup.claim(signer, …)`). */
  readonly rollup: ZkRollupClient;
  readonly bridge: BridgeClient;
  readonly config: ZkRollupConfig;
  readonly crypto: ZkCrypto;
  /** The Layer-1 address that sends `submitBatch`. */
  readonly operatorAddress: string;
  /** The running operator's events. A restarted operator begins a new log (its `seq` from 1). */
  readonly events: EventSource<ZkOperatorEvent>;
  /** Where the operator runs, in a sentence or two for the narration. */
  readonly about: string[];
  /** How `kill` and `restart` happen here, for the narration. */
  readonly words: { killed: string; restarted: string };
  /** Hands it a signed spend: accepted, or a `TxRejectedError` naming the refusal. */
  send(encodedTx: string): Promise<ZkTxReceipt>;
  /** Reads from the operator's soft state (pending transactions applied). */
  account(index: number): Promise<ZkAccountView | undefined>;
  findAccount(owner: string, tokenId: number): Promise<number | undefined>;
  receipt(hash: string): Promise<ZkTxReceipt | undefined>;
  /** Until the transaction (a spend, or a deposit by its queue head) reaches `status` or later. */
  waitForStatus(hash: string, status: ZkTxStatus, options?: WaitForStatusOptions): Promise<ZkTxReceipt>;
  /** Its `strata_health`. */
  health(): Promise<ServiceHealth>;
  /** Stops the operator as a crash would: what it accepted and did not batch waits in its journal. */
  kill(): Promise<void>;
  /** Starts a new operator on the same journal (after `kill`), rebuilt from Layer 1. */
  restart(): Promise<void>;
  /** Stops everything it started; idempotent. */
  stop(): Promise<void>;
}

/** What every `ZkStack` answers, whatever its mode. */
export const ZK_STACK_SURFACE = [
  "mode",
  "profile",
  "provider",
  "rollup",
  "bridge",
  "config",
  "crypto",
  "operatorAddress",
  "events",
  "about",
  "words",
  "send",
  "account",
  "findAccount",
  "receipt",
  "waitForStatus",
  "health",
  "kill",
  "restart",
  "stop",
] as const satisfies readonly (keyof ZkStack)[];
// INVARIANT: the list names every member of ZkStack (this fails to compile when one is left out).
const surfaceComplete: [Exclude<keyof ZkStack, (typeof ZK_STACK_SURFACE)[number]>] extends [never]
  ? true
  : false = true;
void surfaceComplete;

export interface InProcessZkStack extends ZkStack {
  readonly mode: "in-process";
  /** The running operator (a new object after `restart`): drive it by hand with `tick(true)`. */
  readonly operator: ZkOperator;
  /** Its journal (a new handle after `restart`). */
  readonly journal: TxJournal;
  readonly prover: ZkProver;
  /** How long loading the prover took (0 when it was given). */
  readonly proverLoadMs: number;
}

/** One start of the operator process. */
export interface ZkOperatorStart {
  pid: number;
  url: string;
  /** Its `strata_health` `startedAt`. */
  startedAt: number;
}

export interface ProcessZkStack extends ZkStack {
  readonly mode: "processes";
  readonly url: string;
  readonly client: ZkOperatorClient;
  /** Every start of the operator process, in order. */
  readonly starts: readonly ZkOperatorStart[];
  /** Where the service's output goes. */
  readonly logFile: string;
}

/** Starts the zk rollup's operator, in this process or as a process, and returns the handle. */
export function startZkStack(options: ZkStackOptions<ZkInProcessMode>): Promise<InProcessZkStack>;
export function startZkStack(options: ZkStackOptions<ZkProcessesMode>): Promise<ProcessZkStack>;
export function startZkStack(options: ZkStackOptions): Promise<InProcessZkStack | ProcessZkStack>;
export async function startZkStack(options: ZkStackOptions): Promise<InProcessZkStack | ProcessZkStack> {
  const { deployment, provider, mode } = options;
  const rollup = new ZkRollupClient(contractAddress(deployment, "ZkRollup"), provider);
  const bridge = new BridgeClient(contractAddress(deployment, "Bridge"), provider);
  const base = {
    provider,
    rollup,
    bridge,
    config: await rollup.config(),
    crypto: options.crypto ?? (await ZkCrypto.load()),
  };
  return mode.kind === "in-process"
    ? startInProcess(base, mode, options.profile, deployment)
    : startProcess(base, mode, options.profile ?? DEFAULT_ZK_PROFILE);
}

type StackBase = Pick<ZkStack, "provider" | "rollup" | "bridge" | "config" | "crypto">;

const short = (hex: string): string => `${hex.slice(0, 10)}…`;

async function startInProcess(
  base: StackBase,
  mode: ZkInProcessMode,
  profile: string | undefined,
  deployment: Deployment,
): Promise<InProcessZkStack> {
  // Quiet unless STRATA_LOG_LEVEL asks: the caller reads what the operator does from its events.
  const logger =
    mode.logger ??
    createLogger({ scope: ZK_OPERATOR_SERVICE, level: process.env.STRATA_LOG_LEVEL ? undefined : "error" });
  const loadStarted = performance.now();
  const prover = mode.prover ?? (await ZkProver.load({ profile: profile ?? DEFAULT_ZK_PROFILE, logger }));
  const proverLoadMs = mode.prover ? 0 : Math.round(performance.now() - loadStarted);
  const ownDir =
    mode.dataDir === undefined ? await mkdtemp(join(tmpdir(), "strata-zk-operator-")) : undefined;
  const dataDir = mode.dataDir ?? ownDir!;
  const operatorAddress = await mode.signer.getAddress();
  // As the service starts it: its data directory locked, the deployment checked on the node, then the
  // operator; a change of chain halts it.
  const open = async (): Promise<OpenedZkOperator> => {
    const { lock, verified } = await claimOperatorDir(dataDir, deployment, base.provider, logger);
    try {
      const opened = await openZkOperator({
        rollup: base.rollup.address,
        bridge: base.bridge.address,
        signer: mode.signer,
        provider: base.provider,
        prover,
        crypto: base.crypto,
        journalPath: zkOperatorJournalPath(dataDir),
        maxBatchAgeMs: mode.maxBatchAgeMs ?? 60_000,
        logger,
      });
      const watch = haltOnChainChange(opened.lifecycle, deployment, base.provider, verified, { logger });
      return {
        ...opened,
        async close() {
          watch.stop();
          await opened.close();
          await lock.release();
        },
      };
    } catch (error) {
      await lock.release();
      throw error;
    }
  };
  const release = async () => {
    if (ownDir) await rm(ownDir, { recursive: true, force: true });
    if (!mode.prover) await prover.close();
  };

  let current: OpenedZkOperator | undefined;
  let startedAt = Date.now();
  try {
    current = await open();
  } catch (error) {
    await release();
    throw error;
  }
  let stopped = false;
  const running = (): OpenedZkOperator => {
    if (!current) throw new ZkStackError("the zk operator is not running (killed)");
    return current;
  };
  /** The operator's API, refused by name as its server refuses it (halted: Layer 1 changed). */
  const serving = () => servingOnly(running().lifecycle, () => running().operator);

  const stack: InProcessZkStack = {
    ...base,
    mode: "in-process",
    profile: prover.profile,
    operatorAddress,
    prover,
    proverLoadMs,
    get operator() {
      return running().operator;
    },
    get journal() {
      return running().journal;
    },
    get events() {
      return running().operator.events;
    },
    about: [
      `the operator runs in this process: ${short(operatorAddress)} sends submitBatch; its warm prover ` +
        `holds the "${prover.profile}" circuit and proving key (${
          mode.prover ? "given" : `loaded in ${proverLoadMs} ms`
        }), so each batch gets a real Groth16 proof`,
      `it journals accepted spends in ${dataDir} and rebuilds everything else from Layer 1`,
    ],
    words: {
      killed: "the operator stops dead (its rounds end, its journal closes, as if its process died)",
      restarted: "the operator starts again on its journal and reads ExodusActivated from Layer 1",
    },
    send: async (encodedTx) => serving().submit(encodedTx),
    account: async (index) => serving().account(index),
    findAccount: async (owner, tokenId) => serving().findAccount(owner, tokenId),
    receipt: async (hash) => serving().receipt(hash),
    waitForStatus(hash, status, options = {}) {
      // The operator makes batches when asked: each poll that finds the transaction short of `status`
      // runs a forced round (reads Layer 1, pulls deposits, proves and submits what is pending).
      const reached = (r: ZkTxReceipt | undefined) =>
        r !== undefined && hasReachedStatusOf(ZK_TX_STATUSES, r.status, status);
      return waitForStatusOf(
        async () => {
          const { operator } = running();
          if (!reached(operator.receipt(hash))) await operator.tick(true);
          return operator.receipt(hash);
        },
        ZK_TX_STATUSES,
        status,
        (last) => new ZkTxStatusTimeoutError(hash, status, last),
        { timeoutMs: 180_000, pollMs: 50, ...options },
      );
    },
    async health() {
      const { lifecycle, operator } = running();
      const details = await lifecycle.guard(() => operator.health())();
      return { ...details, service: ZK_OPERATOR_SERVICE, startedAt, uptimeMs: Date.now() - startedAt };
    },
    async kill() {
      const opened = running();
      current = undefined;
      await opened.close();
    },
    async restart() {
      if (current) throw new ZkStackError("the zk operator is running: kill it first");
      current = await open();
      startedAt = Date.now();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const opened = current;
      current = undefined;
      try {
        await opened?.close();
      } finally {
        await release();
      }
    },
  };
  return stack;
}

async function startProcess(
  base: StackBase,
  mode: ZkProcessesMode,
  profile: string,
): Promise<ProcessZkStack> {
  const { services } = mode;
  const port = mode.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const key = mode.operatorKey ?? localAccountKey(ZK_OPERATOR_ACCOUNT);
  const operatorAddress = new Wallet(key).address;
  const spec = {
    task: "zk-operator",
    flags: {
      host: "127.0.0.1",
      port: String(port),
      profile,
      maxBatchAgeMs: String(mode.maxBatchAgeMs ?? 1000),
    },
    env: { STRATA_ZK_OPERATOR_KEY: key }, // not a flag: a command line is visible to every user (ps)
    url,
  };
  const command = services.commandFor(spec);
  const client = new ZkOperatorClient(url);
  const starts: ZkOperatorStart[] = [];
  let running = false;
  let stopped = false;

  const start = async (why: string): Promise<void> => {
    const child = await withProgress(`${why} (${command})`, () => services.start(ZK_OPERATOR_SERVICE, spec), {
      hint: "it loads its prover and rebuilds from Layer 1",
    });
    running = true;
    const health = await client.health();
    if (String(health.rollup).toLowerCase() !== base.rollup.address.toLowerCase()) {
      await services.stop(ZK_OPERATOR_SERVICE);
      running = false;
      throw new ZkStackError(
        `the zk operator at ${url} serves rollup ${String(health.rollup)}, not ${base.rollup.address}: ` +
          `its deployment record is another one`,
      );
    }
    starts.push({ pid: child.pid!, url, startedAt: health.startedAt });
  };

  await start("starting the zk operator");
  const logFile = services.logFile(ZK_OPERATOR_SERVICE);
  const waitTimeoutMs = mode.waitTimeoutMs ?? 180_000;
  const stack: ProcessZkStack = {
    ...base,
    mode: "processes",
    profile,
    operatorAddress,
    url,
    client,
    starts,
    logFile,
    events: client.events,
    about: [
      `the operator runs as its own process (${command}, pid ${starts[0].pid}): account ` +
        `${short(operatorAddress)} sends submitBatch, users reach it over JSON-RPC at ${url}`,
      `it proves with a warm "${profile}" prover, journals accepted spends in ${services.dataDir} and ` +
        `rebuilds everything else from Layer 1; its log: ${logFile}`,
    ],
    words: {
      killed: "the demo kills the operator's process (SIGKILL)",
      restarted: "the operator's process starts again on its journal and reads ExodusActivated from Layer 1",
    },
    send: (encodedTx) => client.sendTransaction(encodedTx),
    account: (index) => client.getAccount(index),
    findAccount: (owner, tokenId) => client.findAccount(owner, tokenId),
    receipt: (hash) => client.getReceipt(hash),
    waitForStatus: (hash, status, options = {}) =>
      client.waitForStatus(hash, status, { timeoutMs: waitTimeoutMs, pollMs: 200, ...options }),
    health: () => client.health(),
    async kill() {
      if (!running) throw new ZkStackError("the zk operator is not running");
      running = false;
      await services.stop(ZK_OPERATOR_SERVICE, "SIGKILL");
    },
    async restart() {
      if (running) throw new ZkStackError("the zk operator is running: kill it first");
      await start("starting the zk operator again on its journal");
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (running) await services.stop(ZK_OPERATOR_SERVICE);
      running = false;
    },
  };
  return stack;
}
