/**
 * A service's data directory, held by one process at a time (as geth's datadir LOCK): before it reads
 * or writes anything there, and before any Layer-1 work, a service takes `<dataDir>/<name>.lock`, a
 * small JSON file naming its holder (pid, service, start time). A second process that wants the same
 * lock is refused at once with `DataDirLockedError`, naming the holder; a lock whose holder is no longer
 * running (killed, crashed) is stale and taken over.
 *
 * Several services share one data directory by default (`.strata/<network>`: the sequencer's journal,
 * the zk operator's, the watchtower's store, the channel clients' stores), so each takes a lock of its
 * own name: two sequencers on one directory are refused, a sequencer and a zk operator are not.
 *
 * Taking the lock is atomic: the holder is written to a file of its own, then hard-linked to the lock's
 * name, which fails when the name exists, so a lock file is never seen half-written.
 *
 * Whether a holder still runs. A pid alone does not say: after `kill -9` a restarted service often gets
 * the same pid (pid 1 of a fresh container's namespace). So the lock also records the holder's process
 * start time (Linux: field 22 of `/proc/<pid>/stat`, clock ticks since boot) and the boot's id, and a
 * lock is live only if it was taken since this boot and a process with its pid runs and started when it
 * did. Where `/proc` is missing (macOS), a running pid is enough. A lock naming this process is live only
 * if this process issued its token (and has not released it).
 *
 * The host name is recorded for the messages but decides nothing. Deciding "another host: held" made a
 * crashed service in a container locked out for good (`docker run --rm` gives every run a new host
 * name), while a data directory shared by two machines, or by two containers running at once with their
 * own pid namespaces, is not a setup this local tool supports: this lock keeps a second process on one
 * machine off a directory, and cannot see a holder in another pid namespace.
 *
 * Breaking a stale lock. Only one process at a time may replace a given stale lock, and a lock that was
 * released is never put back: a taker that found the lock stale first takes a break file for that lock
 * (`<lock>.break.<id>.<n>`, `id` naming the stale lock's content), made with a link that fails when it
 * exists; holding it, it reads the lock again and, if it is still the stale one, renames its own holder
 * over it. Other takers wait for it, then find the new lock live and are refused naming it. A breaker
 * that died holding break file `n` leaves it; the next taker sees that breaker dead and takes `n + 1`
 * (which only one can), so a dead breaker never blocks. Once the stale lock is gone for good (it names a
 * token never issued again), the breaker removes the break files.
 *
 * `claimDataDir` is a service's first step: the lock, then the chain the directory belongs to
 * (src/common/chain-identity.ts).
 */
import { createHash, randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { link, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Provider } from "ethers";
import type { VerifiedChain } from "./chain-identity";
import { checkServiceChain } from "./chain-identity";
import type { Deployment } from "./deployments";
import { readTextIfExists } from "./durable-file";
import { StrataError } from "./errors";
import type { Logger } from "./logger";

/** Who holds a data directory's lock. */
export interface LockHolder {
  pid: number;
  /** The service's name (`sequencer`, `watchtower`, …). */
  service: string;
  /** ISO time it took the lock. */
  startedAt: string;
  /** Recorded for messages only: it does not decide whether the holder runs. */
  host: string;
  /** Tells one taking of the lock from another by the same pid. */
  token: string;
  /** The holder process's start (`/proc/<pid>/stat` field 22); absent where there is no `/proc`. */
  processStart?: string;
  /** The id of the boot the lock was taken in (`/proc/sys/kernel/random/boot_id`); absent likewise. */
  boot?: string;
}

/** Another running process holds the lock. */
export class DataDirLockedError extends StrataError {
  constructor(
    message: string,
    readonly path: string,
    readonly holder: LockHolder,
  ) {
    super(message);
  }
}

/** A lock held by this process; `release` removes it (if it is still this one's). */
export interface DataDirLock {
  readonly path: string;
  readonly holder: LockHolder;
  release(): Promise<void>;
}

export interface LockDataDirOptions {
  logger?: Logger;
  /** The environment variable that moves the directory, for the message (default STRATA_DATA_DIR). */
  variable?: string;
}

/** The lock file of `service` in `dataDir`. */
export function lockPath(dataDir: string, service: string): string {
  return join(dataDir, `${service.replace(/[^A-Za-z0-9._-]/g, "_")}.lock`);
}

/** Whether process `pid` is running on this machine (a process of another user counts). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * When process `pid` started, in clock ticks since boot (`/proc/<pid>/stat` field 22), or undefined when
 * it cannot be read (no such process, no `/proc`, a process hidden from this user).
 */
export async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count from the last ")".
    const fields = stat
      .slice(stat.lastIndexOf(")") + 1)
      .trim()
      .split(/\s+/);
    const start = fields[22 - 3]; // fields[0] is field 3 (state)
    return start !== undefined && /^\d+$/.test(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

let bootIdRead: Promise<string | undefined> | undefined;
function bootId(): Promise<string | undefined> {
  bootIdRead ??= readFile("/proc/sys/kernel/random/boot_id", "utf8").then(
    (text) => text.trim() || undefined,
    () => undefined,
  );
  return bootIdRead;
}

/** The tokens of the locks this process holds or is taking (its break files carry the same ones). */
const issued = new Set<string>();

/** The holder named in a lock file, or undefined when there is none or it is not a holder. */
export async function readLockHolder(path: string): Promise<LockHolder | undefined> {
  const text = await readTextIfExists(path);
  return text === undefined ? undefined : parseHolder(text);
}

function parseHolder(text: string): LockHolder {
  try {
    const holder = JSON.parse(text) as LockHolder;
    if (Number.isSafeInteger(holder?.pid) && typeof holder.token === "string") return holder;
  } catch {
    // not a holder: a file someone else wrote, treated as stale
  }
  return { pid: 0, service: "unknown", startedAt: "unknown", host: "unknown", token: text };
}

/** Whether the process that wrote `holder` (a lock's or a break file's) still runs. */
async function alive(holder: LockHolder): Promise<boolean> {
  if (holder.pid <= 0) return false;
  const boot = await bootId();
  if (holder.boot !== undefined && boot !== undefined && holder.boot !== boot) return false;
  if (holder.pid === process.pid) return issued.has(holder.token);
  if (!isRunning(holder.pid)) return false;
  if (holder.processStart === undefined) return true;
  const start = await processStartTime(holder.pid);
  return start === undefined || start === holder.processStart;
}

const sameHolder = (a: LockHolder | undefined, b: LockHolder): boolean =>
  a !== undefined && a.pid === b.pid && a.token === b.token;

/** How long a taker waits for another process that is breaking the same stale lock. */
const BREAK_WAIT_MS = 5_000;

const holderText = (h: LockHolder): string =>
  `pid ${h.pid}${h.pid === process.pid ? ", this process" : ""}` +
  `${h.host !== "unknown" && h.host !== hostname() ? ` on host ${h.host}` : ""}, since ${h.startedAt}`;

/**
 * Takes `service`'s lock in `dataDir` (creating the directory), or throws `DataDirLockedError` naming
 * the running holder. Touches nothing but the directory, its lock file and the lock's break files.
 */
export async function lockDataDir(
  dataDir: string,
  service: string,
  options: LockDataDirOptions = {},
): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const path = lockPath(dataDir, service);
  const holder: LockHolder = {
    pid: process.pid,
    service,
    startedAt: new Date().toISOString(),
    host: hostname(),
    token: randomBytes(8).toString("hex"),
  };
  const [processStart, boot] = await Promise.all([processStartTime(process.pid), bootId()]);
  if (processStart !== undefined) holder.processStart = processStart;
  if (boot !== undefined) holder.boot = boot;
  const mine = `${path}.${process.pid}.${holder.token}`;
  issued.add(holder.token);
  let taken = false;
  try {
    await writeFile(mine, JSON.stringify(holder) + "\n");
    const deadline = Date.now() + BREAK_WAIT_MS;
    for (;;) {
      try {
        await link(mine, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const text = await readTextIfExists(path);
      if (text === undefined) continue; // released meanwhile
      const found = parseHolder(text);
      if (await alive(found)) {
        throw new DataDirLockedError(
          `data dir ${dataDir} is locked by ${found.service} (${holderText(found)}): another ${service} ` +
            `uses it; stop that one, or set ${options.variable ?? "STRATA_DATA_DIR"} to another ` +
            `directory (if no such process runs, remove ${path})`,
          path,
          found,
        );
      }
      const outcome = await breakStale(path, text, mine);
      if (outcome.taken) {
        options.logger?.warn("took over a stale data-dir lock", {
          path,
          holder: `${found.service} (${holderText(found)})`,
        });
        break;
      }
      if (Date.now() > deadline) {
        throw new DataDirLockedError(
          `data dir ${dataDir}: its stale ${service} lock (${holderText(found)}) is being taken over by ` +
            `${outcome.breaker ? `pid ${outcome.breaker.pid}` : "another process"}, which has not ` +
            `finished in ${BREAK_WAIT_MS / 1000} s; try again (if no such process runs, remove ${path})`,
          path,
          found,
        );
      }
      if (outcome.breaker) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    taken = true;
  } finally {
    if (!taken) issued.delete(holder.token);
    await rm(mine, { force: true });
  }
  let released = false;
  return {
    path,
    holder,
    async release() {
      if (released) return;
      released = true;
      try {
        if (sameHolder(await readLockHolder(path).catch(() => undefined), holder))
          await rm(path, { force: true });
      } finally {
        issued.delete(holder.token);
      }
    },
  };
}

/**
 * Replaces the stale lock whose content is `text` with the holder in file `mine`, if no other process is
 * breaking it: `taken` when this one did; else `breaker` names the live process breaking it (wait for
 * it), or neither when the lock changed meanwhile (look again).
 */
async function breakStale(
  path: string,
  text: string,
  mine: string,
): Promise<{ taken?: true; breaker?: LockHolder }> {
  const id = createHash("sha256").update(text).digest("hex").slice(0, 16);
  const breakFile = (n: number) => `${path}.break.${id}.${n}`;
  let n = 0;
  for (; ; n++) {
    try {
      await link(mine, breakFile(n));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const breaker = await readLockHolder(breakFile(n));
    if (breaker === undefined) return {}; // removed by a breaker that has finished: the lock changed
    if (await alive(breaker)) return { breaker };
    // its breaker died holding it: the next one
  }
  // This process alone may replace the lock while it is `text`; no other taker can replace it (a link
  // fails while it exists) and its holder is dead (it will not release it).
  if ((await readTextIfExists(path)) === text) {
    const copy = `${mine}.take`;
    await link(mine, copy);
    try {
      await rename(copy, path);
    } catch (error) {
      await rm(copy, { force: true });
      // The break files stay (removed while the lock is still stale, they could let two takers break it at
      // once): other takers wait for this process until it exits, as a service does on this error.
      throw error;
    }
    await removeBreakFiles(breakFile, n);
    return { taken: true };
  }
  await removeBreakFiles(breakFile, n);
  return {};
}

/**
 * Removes break files 0..n of a lock that is no longer the stale one: any taker still holding or taking
 * one of them will find the lock changed and do nothing.
 */
async function removeBreakFiles(breakFile: (n: number) => string, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n + 1 }, (_, i) => rm(breakFile(i), { force: true })));
}

// -------------------------------------------------------------------------------------------------
// A service's claim on its data directory
// -------------------------------------------------------------------------------------------------

export interface ClaimDataDirOptions {
  dataDir: string;
  /** The lock's name: the service's (`sequencer`, `zk-operator`, `channel-client-0xabc…`). */
  service: string;
  /** What the directory's state is of: checked on the node, and against the directory's `chain.json`. */
  deployment: Deployment;
  provider: Provider;
  logger?: Logger;
  /** Runs once the lock is held, before Layer 1 is read (to bind the service's port first). */
  beforeCheck?: () => Promise<void>;
}

/** A data directory claimed: its lock, and the chain its deployment was found on. */
export interface ClaimedDataDir {
  lock: DataDirLock;
  verified: VerifiedChain & { dataDirRecord?: "created" | "matched" };
}

/**
 * What a service does first: takes its lock in the data directory (refused at once when another
 * process holds it), runs `beforeCheck`, then checks the node holds the deployment and the directory is
 * that chain's (`checkServiceChain`). Releases the lock when anything fails.
 */
export async function claimDataDir(o: ClaimDataDirOptions): Promise<ClaimedDataDir> {
  const lock = await lockDataDir(o.dataDir, o.service, { logger: o.logger });
  try {
    await o.beforeCheck?.();
    const verified = await checkServiceChain(o.deployment, o.provider, {
      dataDir: o.dataDir,
      logger: o.logger,
    });
    return { lock, verified };
  } catch (error) {
    await lock.release();
    throw error;
  }
}
