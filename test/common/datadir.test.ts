// The data-dir lock (src/common/datadir.ts): one process per service and directory, a second one refused
// at once by name with its holder, a dead holder's lock taken over. The "other process" is a real one: a
// child that takes the lock through the same function and waits, then is killed with SIGKILL.
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { expect } from "chai";
import type { DataDirLock } from "../../src/common/datadir";
import {
  DataDirLockedError,
  isRunning,
  lockDataDir,
  lockPath,
  readLockHolder,
} from "../../src/common/datadir";
import type { Logger } from "../../src/common/logger";
import { createLogger } from "../../src/common/logger";
import { useTempDir } from "../helpers/temp-dir";

/** A process that takes `service`'s lock in `dir` through `lockDataDir`, says so over IPC, and waits. */
function holdLockInChild(dir: string, service: string): Promise<ChildProcess> {
  const code = `
    const { lockDataDir } = require(${JSON.stringify(require.resolve("../../src/common/datadir"))});
    lockDataDir(${JSON.stringify(dir)}, ${JSON.stringify(service)})
      .then(() => process.send({ locked: process.pid }))
      .catch((e) => process.send({ failed: e.name }));
    setInterval(() => undefined, 1000);`;
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", code], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("message", (m: { locked?: number; failed?: string }) =>
      m.locked ? resolve(child) : reject(new Error(`the child could not lock: ${m.failed}`)),
    );
    child.once("exit", (code) => reject(new Error(`the child exited (${code})`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) =>
    child.exitCode !== null ? resolve() : child.once("exit", () => resolve()),
  );
}

/** A logger that keeps its lines. */
function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: "debug", write: (line) => lines.push(line) }) };
}

describe("data-dir lock", function () {
  const held: DataDirLock[] = [];
  // Every lock a test took is released after it (before its directory is removed).
  afterEach(async () => {
    await Promise.all(held.splice(0).map((l) => l.release()));
  });
  const dir = useTempDir("strata-datadir-", []);
  const take = async (service: string, logger?: Logger) => {
    const lock = await lockDataDir(dir(), service, { logger });
    held.push(lock);
    return lock;
  };

  it("writes its holder (pid, service, start time) into <dataDir>/<service>.lock", async function () {
    const lock = await take("sequencer");
    expect(lock.path).to.equal(lockPath(dir(), "sequencer"));
    const holder = JSON.parse(await readFile(lock.path, "utf8"));
    expect(holder).to.include({ pid: process.pid, service: "sequencer" });
    expect(Date.parse(holder.startedAt)).to.be.closeTo(Date.now(), 10_000);
  });

  it("refuses a second taker at once with DataDirLockedError naming the holder and the fix", async function () {
    await take("sequencer");
    const error = await expect(lockDataDir(dir(), "sequencer")).to.be.rejectedWith(DataDirLockedError);
    expect(error.holder).to.include({ pid: process.pid, service: "sequencer" });
    expect(error.message).to.include(`locked by sequencer (pid ${process.pid}, this process`);
    expect(error.message).to.include("STRATA_DATA_DIR");
  });

  it("lets services of other names share the directory", async function () {
    await take("sequencer");
    await take("zk-operator");
    await take("watchtower");
    expect((await readLockHolder(lockPath(dir(), "watchtower")))!.service).to.equal("watchtower");
  });

  it("is taken again once released, and a release never removes another holder's lock", async function () {
    const first = await take("sequencer");
    await first.release();
    const second = await take("sequencer");
    await first.release(); // a second release of the first: the second's lock stays
    expect((await readLockHolder(second.path))!.token).to.equal(second.holder.token);
  });

  it("gives exactly one of many concurrent takers the lock", async function () {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => lockDataDir(dir(), "watchtower")),
    );
    const won = outcomes.filter((o): o is PromiseFulfilledResult<DataDirLock> => o.status === "fulfilled");
    held.push(...won.map((o) => o.value));
    expect(won).to.have.length(1);
    for (const o of outcomes.filter((o) => o.status === "rejected")) {
      expect((o as PromiseRejectedResult).reason).to.be.instanceOf(DataDirLockedError);
    }
  });

  it("refuses a lock held by another running process, and takes it over once that process is killed", async function () {
    this.timeout(30_000);
    const child = await holdLockInChild(dir(), "sequencer");
    try {
      const error = await expect(lockDataDir(dir(), "sequencer")).to.be.rejectedWith(DataDirLockedError);
      expect(error.holder.pid).to.equal(child.pid);
      expect(error.message).to.include(`locked by sequencer (pid ${child.pid}, since`);
    } finally {
      child.kill("SIGKILL");
      await exited(child);
    }
    expect(isRunning(child.pid!)).to.equal(false);
    const { logger, lines } = recordingLogger();
    const lock = await take("sequencer", logger);
    expect(lock.holder.pid).to.equal(process.pid);
    expect(lines.join("\n")).to.match(new RegExp(`took over a stale data-dir lock .*pid ${child.pid}`));
  });

  it("takes over a lock file that names no holder (not a lock this code wrote)", async function () {
    await writeFile(lockPath(dir(), "sequencer"), "garbage");
    const lock = await take("sequencer");
    expect((await readLockHolder(lock.path))!.pid).to.equal(process.pid);
  });
});
