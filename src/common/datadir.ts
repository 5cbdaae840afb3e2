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
 * name, which fails when the name exists, so a lock file is never seen half-written. A stale lock is
 * moved aside (a rename only one taker can win), checked to be the one found stale, and removed before
 * the taker tries again.
 *
 * `claimDataDir` is a service's first step: the lock, then the chain the directory belongs to
 * (src/common/chain-identity.ts).
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { link, mkdir, rename, rm, writeFile } from "node:fs/promises";
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
  host: string;
  /** Tells one taking of the lock from another by the same pid. */
  token: string;
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

/** The holder named in a lock file, or undefined when there is none or it is not a holder. */
export async function readLockHolder(path: string): Promise<LockHolder | undefined> {
  const text = await readTextIfExists(path);
  if (text === undefined) return undefined;
  try {
    const holder = JSON.parse(text) as LockHolder;
    if (Number.isSafeInteger(holder?.pid) && typeof holder.token === "string") return holder;
  } catch {
    // not a holder: a file someone else wrote, treated as stale
  }
  return { pid: 0, service: "unknown", startedAt: "unknown", host: "unknown", token: text };
}

function alive(holder: LockHolder): boolean {
  // A lock taken on another host (a shared file system) cannot be checked from here: it counts as held.
  return holder.pid > 0 && (holder.host !== hostname() || isRunning(holder.pid));
}

const sameHolder = (a: LockHolder | undefined, b: LockHolder): boolean =>
  a !== undefined && a.pid === b.pid && a.token === b.token;

/**
 * Takes `service`'s lock in `dataDir` (creating the directory), or throws `DataDirLockedError` naming
 * the running holder. Touches nothing but the directory and its lock file.
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
  const mine = `${path}.${process.pid}.${holder.token}`;
  await writeFile(mine, JSON.stringify(holder) + "\n");
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(mine, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 20) throw error;
      }
      const found = await readLockHolder(path);
      if (found === undefined) continue; // released meanwhile
      if (alive(found)) {
        const self = found.pid === process.pid ? ", this process" : "";
        throw new DataDirLockedError(
          `data dir ${dataDir} is locked by ${found.service} (pid ${found.pid}${self}, since ` +
            `${found.startedAt}): another ${service} uses it; stop that one, or set ` +
            `${options.variable ?? "STRATA_DATA_DIR"} to another directory (if no such process runs, ` +
            `remove ${path})`,
          path,
          found,
        );
      }
      await removeStale(path, found);
      options.logger?.warn("took over a stale data-dir lock", {
        path,
        holder: `${found.service} (pid ${found.pid}, since ${found.startedAt})`,
      });
    }
  } finally {
    await rm(mine, { force: true });
  }
  let released = false;
  return {
    path,
    holder,
    async release() {
      if (released) return;
      released = true;
      if (sameHolder(await readLockHolder(path).catch(() => undefined), holder))
        await rm(path, { force: true });
    },
  };
}

/**
 * Removes the stale lock `found`: moves it aside (one taker wins the rename), and removes what it moved
 * if that is `found`; a fresh lock moved by mistake (taken between the read and the rename) is put back.
 */
async function removeStale(path: string, found: LockHolder): Promise<void> {
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString("hex")}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // another taker moved it
    throw error;
  }
  const moved = await readLockHolder(aside);
  if (moved && moved.token !== found.token && alive(moved)) {
    await link(aside, path).catch(() => undefined);
  }
  await rm(aside, { force: true });
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
