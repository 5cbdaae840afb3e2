// Strata's services as separate processes: the demo on a node (`--network localhost` or `anvil`) starts
// the sequencer, the challenger, the zk operator, the watchtower and channel clients exactly as a user
// would (`hardhat <task> --network <network>`, the tasks of tasks/), and the tests that kill and restart
// real services use the same functions.
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { closeSync, openSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { basename, join } from "node:path";
import { HDNodeWallet } from "ethers";
import { flagOf } from "../config/flags";
import { HARDFORK } from "../config/hardfork";
import { StrataError } from "./errors";
import { JsonRpcClient, SERVICE_METHODS } from "./json-rpc";

export const REPOSITORY = join(__dirname, "..", "..");
export const HARDHAT = join(REPOSITORY, "node_modules", ".bin", "hardhat");
/** Anvil, from the optional dependency @foundry-rs/anvil-linux-amd64 (installed on Linux x64 only). */
export const ANVIL = join(REPOSITORY, "node_modules", ".bin", "anvil");

/** Anvil's flags for a node on 127.0.0.1:`port` running Strata's hardfork (src/config/hardfork.ts). */
export function anvilArgs(port: number): string[] {
  return ["--host", "127.0.0.1", "--port", String(port), "--hardfork", HARDFORK];
}

export class ServiceStartError extends StrataError {}

/** Anvil is not installed (npm installs its optional dependency on Linux x64 only). */
export class AnvilMissingError extends StrataError {}

/** Kills a process started by `startHardhat` and everything in its group. */
export function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** Whether any process of the group that `leader` (a pid) leads is still running. */
export function groupAlive(leader: number): boolean {
  try {
    process.kill(-leader, 0);
    return true;
  } catch {
    return false;
  }
}

export interface StartOptions {
  /** Rejects when the process is not ready by then (default 60 s). */
  timeoutMs?: number;
  /** Appends everything the process prints to this file, and keeps it out of the caller's output. */
  logFile?: string;
}

/**
 * How to tell that a process serves: the JSON-RPC `method` at `url` answers (a node's `eth_chainId`, a
 * Strata service's `strata_health`). Never a line of its output: renaming a log line breaks nothing.
 */
export interface Readiness {
  url: string;
  method: string;
}

/** A node is ready when it answers `eth_chainId`. */
export function nodeReadiness(port: number): Readiness {
  return { url: `http://127.0.0.1:${port}`, method: "eth_chainId" };
}

/** A Strata service is ready when it answers `strata_health`. */
export function serviceReadiness(url: string): Readiness {
  return { url, method: SERVICE_METHODS.health };
}

/** Spawns `hardhat <args>` and resolves once it is `ready`. */
export function startHardhat(
  args: string[],
  env: Record<string, string>,
  ready: Readiness,
  options: StartOptions | number = {},
): Promise<ChildProcess> {
  return startProcess(HARDHAT, args, env, ready, options);
}

/** Starts Anvil on 127.0.0.1:`port` (as `npm run anvil` does on 8546) and resolves once it answers. */
export function startAnvil(port: number, options: StartOptions = {}): Promise<ChildProcess> {
  return startProcess(ANVIL, anvilArgs(port), {}, nodeReadiness(port), options);
}

/** True once `ready.method` at `ready.url` answers with a JSON-RPC result. */
export async function answers(ready: Readiness): Promise<boolean> {
  try {
    await new JsonRpcClient(ready.url, { timeoutMs: 2_000 }).call(ready.method, []);
    return true;
  } catch {
    return false;
  }
}

/** How a process ended: its exit code, or the signal that killed it. */
export interface ProcessEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A process exited before it was ready: its exit code or signal, and everything it printed (to its last
 * line: the output is read until the process's pipes close, not only until it exits).
 */
export class ProcessExitedError extends ServiceStartError {
  constructor(
    what: string,
    readonly end: ProcessEnd,
    readonly output: string,
  ) {
    super(`${what} exited (${end.signal ?? end.code}) before it was ready:\n${output}`);
  }
}

/** The ends of the processes `startProcess` started: each resolves once its output is all read. */
const ends = new WeakMap<ChildProcess, Promise<ProcessEnd>>();

/**
 * Resolves once `child` (started by `startProcess`) has exited and everything it printed has been read:
 * by then its log file holds its last line.
 */
export function processEnded(child: ChildProcess): Promise<ProcessEnd> {
  return (
    ends.get(child) ??
    Promise.reject(new ServiceStartError(`process ${child.pid} was not started by startProcess`))
  );
}

/**
 * Spawns `command <args>` in its own process group and resolves once it is `ready`. It rejects with
 * `ProcessExitedError` (its exit code and all it printed) when the process ends before it is ready, and
 * with `ServiceStartError` when it is not ready within the timeout (then it is killed) or cannot start.
 */
export function startProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  ready: Readiness,
  options: StartOptions | number = {},
): Promise<ChildProcess> {
  const { timeoutMs = 60_000, logFile } = typeof options === "number" ? { timeoutMs: options } : options;
  const what = [basename(command), ...args].join(" ");
  return new Promise((resolve, reject) => {
    // Written as it comes (not through a stream): once the process's pipes close, its log is complete.
    const log = logFile === undefined ? undefined : openSync(logFile, "a");
    // Its own process group, so that a kill reaches whatever the CLI starts under it.
    const child = spawn(command, args, {
      cwd: REPOSITORY,
      // Detached, it is no longer in this process's job: it watches this process instead, and stops with it
      // (a demo killed by Ctrl-C leaves no service running; src/common/service-main.ts).
      env: { ...process.env, STRATA_LAUNCHER_PID: String(process.pid), ...env },
      stdio: "pipe",
      detached: true,
    });
    // What it printed before it was ready, for the error when it never is.
    let output = "";
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      output = "";
      if (error) reject(error);
      else resolve(child);
    };
    const timer = setTimeout(() => {
      kill(child, "SIGKILL");
      settle(
        new ServiceStartError(
          `${what}: ${ready.method} at ${ready.url} did not answer within ${timeoutMs / 1000} s:\n${output}`,
        ),
      );
    }, timeoutMs);
    const watch = (chunk: Buffer) => {
      if (log !== undefined) writeSync(log, chunk);
      if (!settled) output += chunk.toString();
    };
    child.stdout!.on("data", watch);
    child.stderr!.on("data", watch);
    // `close`, not `exit`: a process's last lines may still be in its pipes when it exits.
    const end = new Promise<ProcessEnd>((resolveEnd) =>
      child.once("close", (code, signal) => {
        if (log !== undefined) closeSync(log);
        const ended = { code, signal };
        settle(new ProcessExitedError(what, ended, output));
        resolveEnd(ended);
      }),
    );
    ends.set(child, end);
    child.once("error", (error) =>
      settle(new ServiceStartError(`${what} could not start: ${error.message}`, { cause: error })),
    );
    const probe = async () => {
      while (!settled) {
        if (await answers(ready)) return settle();
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    void probe();
  });
}

/** A service to start: its Hardhat task, its settings, and how to tell that it serves. */
export interface ServiceSpec {
  /** The Hardhat task that runs it (tasks/): "sequencer", "challenger", "zk-operator", "watchtower", … */
  task: string;
  /** Its flags, by setting name (`{ port: "8547" }` is `--port 8547`; src/config/table.ts). */
  flags?: Record<string, string>;
  /** Its environment on top of the common one (keys, ports, roles: the flags' STRATA_* mirrors). */
  env?: Record<string, string>;
  /** Its JSON-RPC endpoint: the service is ready once `strata_health` answers there. */
  url: string;
}

/** `{ maxBatchSteps: "8" }` → `["--max-batch-steps", "8"]`. */
export function flagArguments(flags: Record<string, string> = {}): string[] {
  return Object.entries(flags).flatMap(([name, value]) => [flagOf(name), value]);
}

/** The file in a `ServiceSet`'s data directory that lists its running services (the explorer reads it). */
export const SERVICES_FILE = "services.json";

/** A running service as `services.json` lists it: its name, its JSON-RPC URL and its process. */
export interface ListedService {
  name: string;
  url: string;
  /** Its process id: a reader can tell a list left behind by a killed run from a live one. */
  pid?: number;
}

/**
 * The services one demo run starts on one network: each keeps its data in `<dataDir>/<name>/` (its journal,
 * its store, its lock) and logs to `<dataDir>/<name>.log`, shares the deployment record the common
 * environment names, and is stopped (SIGTERM, then SIGKILL) by `stopAll`. `<dataDir>/services.json` lists
 * the ones running, with their URLs, so that a reader beside the demo (the explorer) finds them.
 */
export class ServiceSet {
  private readonly running = new Map<string, ChildProcess>();
  private readonly urls = new Map<string, string>();

  constructor(
    readonly network: string,
    readonly dataDir: string,
    private readonly commonEnv: Record<string, string> = {},
  ) {}

  /** The command a user types to start `spec` (for the narration). */
  commandFor(spec: Pick<ServiceSpec, "task" | "flags">): string {
    return ["npx hardhat", spec.task, ...flagArguments(spec.flags), "--network", this.network].join(" ");
  }

  /** Starts `hardhat <spec.task> <flags> --network <network>` under `name`, in the Hardhat process itself. */
  async start(name: string, spec: ServiceSpec): Promise<ChildProcess> {
    if (this.running.has(name)) throw new ServiceStartError(`service ${name} is already running`);
    const dataDir = join(this.dataDir, name);
    await mkdir(dataDir, { recursive: true });
    const child = await startHardhat(
      [spec.task, ...flagArguments(spec.flags), "--network", this.network],
      { STRATA_DATA_DIR: dataDir, ...this.commonEnv, ...spec.env },
      serviceReadiness(spec.url),
      { timeoutMs: 120_000, logFile: this.logFile(name) },
    );
    this.running.set(name, child);
    this.urls.set(name, spec.url);
    this.list();
    child.once("exit", () => {
      this.running.delete(name);
      this.urls.delete(name);
      this.list();
    });
    return child;
  }

  /** Writes services.json: the running services and their URLs (atomically: a reader never sees half). */
  private list(): void {
    const listed: ListedService[] = [...this.urls].map(([name, url]) => ({
      name,
      url,
      pid: this.running.get(name)?.pid,
    }));
    const path = join(this.dataDir, SERVICES_FILE);
    try {
      writeFileSync(`${path}.tmp`, JSON.stringify(listed, null, 2) + "\n");
      renameSync(`${path}.tmp`, path);
    } catch {
      // The data directory is gone (a test removed it after the run): there is nothing left to list.
    }
  }

  logFile(name: string): string {
    return join(this.dataDir, `${name}.log`);
  }

  /** Stops one service with `signal` and waits until it has exited. */
  async stop(name: string, signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000): Promise<void> {
    const child = this.running.get(name);
    if (child === undefined) return;
    await stopGroup(child, signal, graceMs);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((name) => this.stop(name)));
  }
}

/**
 * Sends `signal` to the process group `child` leads and waits until the whole group is gone (whatever it
 * started under it too), killing what is left after `graceMs`.
 */
export async function stopGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000) {
  kill(child, signal);
  const deadline = Date.now() + graceMs;
  while (groupAlive(child.pid!)) {
    if (Date.now() > deadline) kill(child, "SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Where a subsystem's services run: in this process, or as processes of a `ServiceSet`. */
export type Placement = { kind: "in-process" } | { kind: "processes"; services: ServiceSet };

/** The mnemonic of the accounts `hardhat node` and Anvil unlock by default. */
const LOCAL_MNEMONIC = "test test test test test test test test test test test junk";

/**
 * The private key of the local chain's default account `index` (the same on `hardhat node` and Anvil),
 * for handing a service its key (STRATA_*_KEY) so that it never shares an account with the demo.
 */
export function localAccountKey(index: number): string {
  return HDNodeWallet.fromPhrase(LOCAL_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).privateKey;
}

/** The ports `freePort` has handed out in this process: none is handed out twice. */
const handedOut = new Set<number>();

/** A port the system offers for 127.0.0.1 right now (it is closed again before this resolves). */
function systemPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether nothing listens on 127.0.0.1:`port` (it is bound for a moment to find out). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now, for a service's server, and that this
 * process has not handed out before: two services started together (a sequencer and its challenger)
 * never get the same port, even when the system offers a just-closed port again.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await systemPort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}
