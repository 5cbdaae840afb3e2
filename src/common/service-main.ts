/**
 * What every service shares about running: when it is asked to stop (a signal, or the process that
 * launched it gone), the phases its server tells (`ServiceLifecycle`: starting → serving, or halted with
 * the reason), and the body of every entry point (`runServiceMain`: start the service, say where it
 * serves, run until asked to stop or halted, stop it, exit non-zero on a failure).
 *
 * Why the launcher matters: `npm run sequencer` is npm → sh → hardhat → node, and a signal sent to npm
 * alone (`kill <pid>`, `kill -9 <pid>`) reaches none of the others. So a service also stops when a process
 * between it and the leader of its process group (its job: npm under a shell, or whatever a test spawned
 * detached) exits: it checks that chain every 500 ms (`/proc` on Linux; elsewhere its own parent only).
 */
import { readFileSync } from "node:fs";
import { StrataError } from "./errors";
import type { RpcMethod, RpcMethods } from "./json-rpc";
import { TxRejectedError } from "./json-rpc";
import type { LogFields, Logger } from "./logger";
import { createLogger } from "./logger";

// -------------------------------------------------------------------------------------------------
// Stop requests: signals and the launcher's death
// -------------------------------------------------------------------------------------------------

/** How often the launcher chain is checked. */
export const LAUNCHER_CHECK_MS = 500;

/** One link of the chain from this process up to its job's leader: `pid` and the parent it had. */
interface LauncherLink {
  pid: number;
  ppid: number;
}

/** `pid`'s parent and process group, from /proc (undefined where there is no /proc, or no such process). */
function procStat(pid: number): { ppid: number; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses, so read after the last ")".
    const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(ppid), pgrp: Number(pgrp) };
  } catch {
    return undefined;
  }
}

/**
 * The processes between this one and the leader of its process group, each with its parent now: if one
 * of them exits, the next one down is re-parented, and the chain is broken. This process's own link is
 * always there (its parent), unless it leads its group itself (a daemon, `setsid`).
 */
export function launcherChain(): LauncherLink[] {
  const self = procStat(process.pid);
  if (!self) return [{ pid: process.pid, ppid: process.ppid }];
  const chain: LauncherLink[] = [];
  for (let pid = process.pid, stat = self; pid !== stat.pgrp && stat.ppid > 1;) {
    chain.push({ pid, ppid: stat.ppid });
    const parent = procStat(stat.ppid);
    if (!parent || parent.pgrp !== self.pgrp) break;
    [pid, stat] = [stat.ppid, parent];
  }
  return chain;
}

/** The first broken link of `chain` (a process gone, or re-parented), described; undefined while whole. */
function brokenLink(chain: readonly LauncherLink[]): string | undefined {
  for (const link of chain) {
    const ppid = link.pid === process.pid ? process.ppid : procStat(link.pid)?.ppid;
    if (ppid === undefined) return `process ${link.pid} of its launcher exited`;
    if (ppid !== link.ppid) return `its launcher (pid ${link.ppid}) exited`;
  }
  return undefined;
}

/**
 * The process that started this one as a detached child (`STRATA_LAUNCHER_PID`, set by `startProcess`):
 * in a process group of its own, a service is outside its starter's job, so it watches that pid instead.
 */
function launcherPid(): number | undefined {
  const pid = Number(process.env.STRATA_LAUNCHER_PID);
  return Number.isSafeInteger(pid) && pid > 1 && pid !== process.pid ? pid : undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A stop request being watched for. */
export interface StopRequests {
  /** Resolves with why (`SIGTERM`, `its launcher (pid 123) exited`) on the first request. */
  readonly requested: Promise<string>;
  /** Stops watching. */
  dispose(): void;
}

/**
 * Watches for a request to stop: SIGINT or SIGTERM, or the launcher chain broken. SIGHUP is left alone,
 * as geth and op-node leave it, so that `nohup` keeps a service running after its terminal closes. A second
 * SIGINT or SIGTERM once a stop is under way exits at once.
 */
export function watchStopRequests(logger?: Logger): StopRequests {
  let resolve!: (why: string) => void;
  const requested = new Promise<string>((r) => (resolve = r));
  let asked = false;
  const request = (why: string): void => {
    if (asked) return;
    asked = true;
    resolve(why);
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"];
  const onSignal = (signal: NodeJS.Signals): void => {
    if (asked) {
      logger?.warn("second signal: exiting now", { signal });
      process.exit(130);
    }
    request(signal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  const chain = launcherChain();
  const launcher = launcherPid();
  const timer = setInterval(() => {
    const broken =
      brokenLink(chain) ??
      (launcher !== undefined && !processAlive(launcher)
        ? `its launcher (pid ${launcher}) exited`
        : undefined);
    if (broken) {
      clearInterval(timer);
      request(broken);
    }
  }, LAUNCHER_CHECK_MS);
  timer.unref();
  return {
    requested,
    dispose() {
      clearInterval(timer);
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}

/** Resolves on SIGINT or SIGTERM, or once the process that launched this one has exited. */
export function untilSignal(logger?: Logger): Promise<void> {
  return watchStopRequests(logger).requested.then(() => undefined);
}

// -------------------------------------------------------------------------------------------------
// A service's phases, as its server tells them
// -------------------------------------------------------------------------------------------------

/** starting (its port bound, Layer 1 being read) → serving; or halted (it will not serve again); stopped. */
export type ServicePhase = "starting" | "serving" | "halted" | "stopped";

/** The name a refusal gives an error: its class name without `Error` (`ChainChangedError` → `ChainChanged`). */
export function refusalName(error: Error): string {
  return error.name.replace(/Error$/, "") || "Halted";
}

/**
 * Where a service is in its life, for its server: every method but `strata_events` is refused by name
 * (`TxRejectedError`: -32000 with `data.reason` `Starting`, `Stopped`, or the halting error's name such
 * as `ChainChanged`, and a message saying why) until it serves, and again once it halted or stopped.
 * `strata_health` is refused the same way, so that whoever waits for it to answer (src/common/
 * processes.ts) waits until the service serves, and a halted service's health says why it halted.
 * `halted` resolves with the reason once `halt` is called.
 */
export class ServiceLifecycle {
  private now: ServicePhase = "starting";
  private doing = "starting";
  private reason: Error | undefined;
  private resolveHalted!: (error: Error) => void;
  /** Resolves with the reason once the service halts. */
  readonly halted: Promise<Error>;

  constructor(
    readonly service: string,
    private readonly logger?: Logger,
  ) {
    this.halted = new Promise((resolve) => (this.resolveHalted = resolve));
  }

  get phase(): ServicePhase {
    return this.now;
  }

  /** Why it halted. */
  get haltedBy(): Error | undefined {
    return this.reason;
  }

  /** Says what it is doing while it starts (in the refusals' messages). */
  step(doing: string): void {
    if (this.now === "starting") this.doing = doing;
  }

  /** Starting → serving (nothing changes once halted or stopped). */
  serve(): void {
    if (this.now === "starting") this.now = "serving";
  }

  /** Halts for good: logs `error` by name, refuses every request from now on, resolves `halted`. */
  halt(error: Error): void {
    if (this.now === "halted" || this.now === "stopped") return;
    this.now = "halted";
    this.reason = error;
    this.logger?.error("service halted", failureFields(error));
    this.resolveHalted(error);
  }

  /** Stopped by its owner (after a halt, the halt is what it tells). */
  stop(): void {
    if (this.now !== "halted") this.now = "stopped";
  }

  /** The refusal of a request now, or undefined while it serves. */
  refusal(): TxRejectedError | undefined {
    switch (this.now) {
      case "serving":
        return undefined;
      case "starting":
        return new TxRejectedError(
          "Starting",
          `${this.service} is starting (${this.doing}): try again shortly`,
        );
      case "stopped":
        return new TxRejectedError("Stopped", `${this.service} has stopped`);
      case "halted": {
        const why = this.reason!;
        return new TxRejectedError(
          refusalName(why),
          `${this.service} has halted: ${why.name}: ${why.message}`,
        );
      }
    }
  }

  /** Throws the refusal unless it serves. */
  assertServing(): void {
    const refusal = this.refusal();
    if (refusal) throw refusal;
  }

  /** `details`, refused unless it serves (a `strata_health` for its server). */
  guard<T>(details: () => T | Promise<T>): () => Promise<T> {
    return async () => {
      this.assertServing();
      return details();
    };
  }
}

/**
 * `target()`'s methods, each refused by `lifecycle` unless it serves: the API a server is started with
 * before the object behind it exists (its port bound first, the Layer-1 rebuild after).
 */
export function servingOnly<T extends object>(lifecycle: ServiceLifecycle, target: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_empty, key) {
      // Not a thenable, and no symbol-keyed protocol: only the API's named methods.
      if (typeof key !== "string" || key === "then") return undefined;
      return (...args: unknown[]) => {
        lifecycle.assertServing();
        const api = target()!;
        const method = Reflect.get(api, key) as (...a: unknown[]) => unknown;
        return method.apply(api, args);
      };
    },
  });
}

/**
 * `methods`, each refused by `lifecycle` unless it serves: the same for a server whose API object has
 * fields as well as methods (which `servingOnly` cannot stand in for).
 */
export function servingMethods<Api>(lifecycle: ServiceLifecycle, methods: RpcMethods<Api>): RpcMethods<Api> {
  return new Map(
    [...methods].map(([name, method]): [string, RpcMethod<Api>] => [
      name,
      (api, params) => {
        lifecycle.assertServing();
        return method(api, params);
      },
    ]),
  );
}

// -------------------------------------------------------------------------------------------------
// Failures, as a user reads them
// -------------------------------------------------------------------------------------------------

/** The port a service is told to serve on is taken (or not allowed). */
export class ServicePortError extends StrataError {}

/** `error` as a `ServicePortError` when it is a listen failure (EADDRINUSE, EACCES), else as it came. */
export function portError(error: unknown, service: string, where: { host?: string; port?: number }): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const at = `${where.host ?? "127.0.0.1"}:${where.port ?? 0}`;
  if (code === "EADDRINUSE") {
    return new ServicePortError(
      `${service} cannot serve on ${at}: the port is in use (another service, or an earlier ${service} ` +
        `still running, holds it); stop it or give ${service} another port`,
      { cause: error },
    );
  }
  if (code === "EACCES" || code === "EADDRNOTAVAIL") {
    return new ServicePortError(`${service} cannot serve on ${at}: ${code}`, { cause: error });
  }
  return error;
}

/**
 * How a failure is logged: a `StrataError` (a user's mistake or a named refusal) by name and message
 * only; anything else (a bug) with its stack.
 */
export function failureFields(error: unknown): LogFields {
  if (error instanceof StrataError) return { error: `${error.name}: ${error.message}` };
  if (error instanceof Error) return { error: `${error.name}: ${error.message}`, stack: error.stack };
  return { error: String(error) };
}

// -------------------------------------------------------------------------------------------------
// The entry points' body
// -------------------------------------------------------------------------------------------------

/** What `runServiceMain` runs: something it can stop, which may halt on its own. */
export interface RunnableService {
  stop(): Promise<void>;
  /** Resolves with the reason if the service halts (its chain changed, …): the process then exits 1. */
  readonly halted?: Promise<Error>;
}

export interface ServiceMainOptions<S extends RunnableService> {
  /** The logger's scope: the service's name. */
  scope: string;
  /** Starts the service. */
  start(logger: Logger): Promise<S>;
  /** What the `service started` line tells about it (its URL, address, …). */
  describe?(service: S): LogFields;
  /** What it does once started; default: serve until asked to stop. */
  work?(service: S, logger: Logger): Promise<void>;
  /** Default: a logger of `scope` (STRATA_LOG_LEVEL, STRATA_LOG_FORMAT). */
  logger?: Logger;
}

/**
 * Starts the service, logs `service started`, runs its work (default: until a signal or the launcher's
 * exit), then stops it. A failure, or a halt, is logged (a `StrataError` without a stack) and sets the
 * exit code to 1. A stop requested while the service is still starting exits at once (code 0): every
 * service keeps nothing that a kill could lose, and a stale data-dir lock is taken over.
 */
export async function runServiceMain<S extends RunnableService>(o: ServiceMainOptions<S>): Promise<void> {
  const logger = o.logger ?? createLogger({ scope: o.scope });
  const stop = watchStopRequests(logger);
  let started = false;
  void stop.requested.then((why) => {
    if (started) return;
    logger.warn("asked to stop while starting: exiting", { why });
    process.exit(0);
  });
  try {
    const service = await o.start(logger);
    started = true;
    logger.info("service started", o.describe?.(service));
    const never = new Promise<never>(() => undefined);
    let halted: Error | undefined;
    try {
      await Promise.race([
        o.work ? o.work(service, logger) : never,
        stop.requested.then((why) => logger.info("asked to stop", { why })),
        (service.halted ?? never).then((error) => void (halted = error)),
      ]);
    } finally {
      logger.info("stopping");
      await service.stop();
    }
    if (halted) {
      logger.error("service failed", failureFields(halted));
      process.exitCode = 1;
    }
  } catch (error) {
    logger.error("service failed", failureFields(error));
    process.exitCode = 1;
  } finally {
    stop.dispose();
  }
}
