// Strata's services as separate processes: the demo on a node (`--network localhost` or `anvil`) starts
// the sequencer, the challenger, the zk operator, the watchtower and channel clients exactly as a user
// would (`hardhat run scripts/<service>.ts --network <network>`), and the tests that kill and restart
// real services use the same functions.
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { basename, join } from "node:path";
import { HDNodeWallet } from "ethers";
import { StrataError } from "./errors";

export const REPOSITORY = join(__dirname, "..", "..");
export const HARDHAT = join(REPOSITORY, "node_modules", ".bin", "hardhat");
/** Anvil, from the optional dependency @foundry-rs/anvil-linux-amd64 (installed on Linux x64 only). */
export const ANVIL = join(REPOSITORY, "node_modules", ".bin", "anvil");

export class ServiceStartError extends StrataError {}

/** Kills a process started by `startHardhat` and everything in its group. */
export function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** Whether any process of the group `child` leads is still running. */
function groupAlive(child: ChildProcess): boolean {
  try {
    process.kill(-child.pid!, 0);
    return true;
  } catch {
    return false;
  }
}

export interface StartOptions {
  /** Rejects when `ready` has not appeared by then. */
  timeoutMs?: number;
  /** Appends everything the process prints to this file, and keeps it out of the caller's output. */
  logFile?: string;
}

/** Spawns `hardhat <args>` and resolves once its output contains `ready`. */
export function startHardhat(
  args: string[],
  env: Record<string, string>,
  ready: string,
  options: StartOptions | number = {},
): Promise<ChildProcess> {
  return startProcess(HARDHAT, args, env, ready, options);
}

/** Starts Anvil on 127.0.0.1:`port` (as `npm run anvil` does on 8546) and resolves once it listens. */
export function startAnvil(port: number, options: StartOptions = {}): Promise<ChildProcess> {
  return startProcess(ANVIL, ["--host", "127.0.0.1", "--port", String(port)], {}, "Listening on", options);
}

/** Spawns `command <args>` in its own process group and resolves once its output contains `ready`. */
export function startProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  ready: string,
  options: StartOptions | number = {},
): Promise<ChildProcess> {
  const { timeoutMs = 60_000, logFile } = typeof options === "number" ? { timeoutMs: options } : options;
  return new Promise((resolve, reject) => {
    // Its own process group, so that a kill reaches whatever the CLI starts under it.
    const child = spawn(command, args, {
      cwd: REPOSITORY,
      env: { ...process.env, ...env },
      stdio: "pipe",
      detached: true,
    });
    const log = logFile === undefined ? undefined : createWriteStream(logFile, { flags: "a" });
    let output = "";
    let started = false;
    const timer = setTimeout(() => {
      kill(child, "SIGKILL");
      reject(
        new ServiceStartError(
          `${basename(command)} ${args.join(" ")}: no "${ready}" within ${timeoutMs / 1000} s:\n${output}`,
        ),
      );
    }, timeoutMs);
    const watch = (chunk: Buffer) => {
      log?.write(chunk);
      if (started) return;
      output += chunk.toString();
      if (output.includes(ready)) {
        started = true;
        output = "";
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on("data", watch);
    child.stderr!.on("data", watch);
    child.once("exit", (code, signal) => {
      log?.end();
      if (started) return;
      clearTimeout(timer);
      reject(
        new ServiceStartError(
          `${basename(command)} ${args.join(" ")} exited (${signal ?? code}) before "${ready}":\n${output}`,
        ),
      );
    });
  });
}

/** What the service prints once it serves: see each script in scripts/. */
export interface ServiceSpec {
  /** The script under scripts/, e.g. "sequencer.ts". */
  script: string;
  /** Its environment on top of the common one (keys, ports, roles). */
  env?: Record<string, string>;
  /** A line the service prints once it is ready. */
  ready: string;
}

/**
 * The services one demo run starts on one network: each logs to `<dataDir>/<name>.log`, shares the
 * deployment record in `deploymentsDir`, and is stopped (SIGTERM, then SIGKILL) by `stopAll`.
 */
export class ServiceSet {
  private readonly running = new Map<string, ChildProcess>();

  constructor(
    readonly network: string,
    readonly dataDir: string,
    private readonly commonEnv: Record<string, string> = {},
  ) {}

  /** Starts `hardhat run scripts/<spec.script> --network <network>` under `name`. */
  async start(name: string, spec: ServiceSpec): Promise<ChildProcess> {
    if (this.running.has(name)) throw new ServiceStartError(`service ${name} is already running`);
    await mkdir(this.dataDir, { recursive: true });
    const child = await startHardhat(
      ["run", join("scripts", spec.script), "--network", this.network],
      { STRATA_DATA_DIR: this.dataDir, ...this.commonEnv, ...spec.env },
      spec.ready,
      { timeoutMs: 120_000, logFile: this.logFile(name) },
    );
    this.running.set(name, child);
    child.once("exit", () => this.running.delete(name));
    return child;
  }

  logFile(name: string): string {
    return join(this.dataDir, `${name}.log`);
  }

  /** Stops one service with `signal` and waits until it has exited. */
  async stop(name: string, signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000): Promise<void> {
    const child = this.running.get(name);
    if (child === undefined) return;
    kill(child, signal);
    // The CLI may run the script in a process of its own that outlives it for a moment: wait until the
    // whole group is gone, and kill what is left after the grace period.
    const deadline = Date.now() + graceMs;
    while (groupAlive(child)) {
      if (Date.now() > deadline) kill(child, "SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((name) => this.stop(name)));
  }
}

/** The mnemonic of the accounts `hardhat node` and Anvil unlock by default. */
const LOCAL_MNEMONIC = "test test test test test test test test test test test junk";

/**
 * The private key of the local chain's default account `index` (the same on `hardhat node` and Anvil),
 * for handing a service its key (STRATA_*_KEY) so that it never shares an account with the demo.
 */
export function localAccountKey(index: number): string {
  return HDNodeWallet.fromPhrase(LOCAL_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).privateKey;
}

/** A TCP port on 127.0.0.1 that nothing listens on right now, for a service's server. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
