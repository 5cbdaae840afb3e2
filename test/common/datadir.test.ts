// The data-dir lock (src/common/datadir.ts): one process per service and directory, a second one refused
// at once by name with its holder, a dead holder's lock taken over. The "other process" is a real one: a
// child that takes the lock through the same function and waits, then is killed with SIGKILL.
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { DataDirLock } from "../../src/common/datadir";
import {
  DataDirLockedError,
  isRunning,
  lockDataDir,
  lockPath,
  processStartTime,
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

/**
 * `count` processes that each, on "go", take `service`'s lock in `dir` and report what happened; they
 * stay alive (holding what they took) until killed.
 */
async function racingChildren(dir: string, service: string, count: number) {
  const code = `
    const { lockDataDir } = require(${JSON.stringify(require.resolve("../../src/common/datadir"))});
    process.on("message", () =>
      lockDataDir(${JSON.stringify(dir)}, ${JSON.stringify(service)})
        .then(() => process.send({ locked: process.pid }))
        .catch((e) => process.send({ failed: e.name, holder: e.holder && e.holder.pid })));
    process.send({ ready: true });
    setInterval(() => undefined, 1000);`;
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", code], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
  const next = (child: ChildProcess) =>
    new Promise<{ locked?: number; failed?: string; holder?: number }>((resolve, reject) => {
      child.once("message", resolve);
      child.once("exit", (code) => reject(new Error(`a racing child exited (${code})`)));
    });
  await Promise.all(children.map(next));
  return {
    children,
    go: () => Promise.all(children.map((child) => (child.send("go"), next(child)))),
  };
}

/** A process that only sleeps (no lock of its own): a live pid with a start time. */
function sleeper(command = "sleep"): ChildProcess {
  return spawn(command, ["60"], { stdio: "ignore" });
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

  describe("whether a holder still runs (pid and process start time)", function () {
    before(function () {
      if (!existsSync("/proc/self/stat")) this.skip(); // the start time is read from /proc (Linux)
    });
    const children: ChildProcess[] = [];
    afterEach(async () => {
      await Promise.all(
        children.splice(0).map((child) => {
          child.kill("SIGKILL");
          return exited(child);
        }),
      );
    });
    const bootId = async () => (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim();
    /** Writes a lock file of `service` (default sequencer) naming `holder`. */
    const writeLock = async (holder: Record<string, unknown>, service = "sequencer") => {
      const text = JSON.stringify({
        service,
        startedAt: "2020-01-01T00:00:00.000Z",
        host: hostname(),
        token: "0123456789abcdef",
        boot: await bootId(),
        ...holder,
      });
      await writeFile(lockPath(dir(), service), text + "\n");
      return text + "\n";
    };
    const started = async (child: ChildProcess) => {
      for (let i = 0; i < 100; i++) {
        const start = await processStartTime(child.pid!);
        if (start !== undefined) return start;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error("no start time for the child");
    };

    it("reads a process's start time from /proc/<pid>/stat field 22, even when its name has spaces and ')'", async function () {
      await mkdir(join(dir(), "bin"));
      const odd = join(dir(), "bin", "a) b (c) d");
      await symlink("/bin/sleep", odd);
      const child = sleeper(odd);
      children.push(child);
      const start = await started(child);
      expect(await readFile(`/proc/${child.pid}/comm`, "utf8")).to.include(")");
      // Clock ticks since boot (100 a second on Linux): it started about now, by the boot's clock.
      const uptime = Number((await readFile("/proc/uptime", "utf8")).split(" ")[0]);
      expect(Number(start) / 100).to.be.closeTo(uptime, 5);
      expect(await processStartTime(process.pid)).to.match(/^\d+$/);
      expect(await processStartTime(2 ** 30)).to.equal(undefined);
    });

    it("records the holder's process start time and boot in the lock", async function () {
      const lock = await take("sequencer");
      const holder = (await readLockHolder(lock.path))!;
      expect(holder.processStart).to.equal(await processStartTime(process.pid));
      expect(holder.boot).to.equal(await bootId());
    });

    it("refuses, by name, a lock of a live process whose start time matches", async function () {
      const child = sleeper();
      children.push(child);
      await writeLock({ pid: child.pid, processStart: await started(child) });
      const error = await expect(lockDataDir(dir(), "sequencer")).to.be.rejectedWith(DataDirLockedError);
      expect(error.holder.pid).to.equal(child.pid);
      expect(error.message).to.include(`is locked by sequencer (pid ${child.pid}, since 2020-01-01`);
    });

    it("takes over a lock left by a dead process whose pid this process now has (a restarted container)", async function () {
      // The same pid as ours, another start time: the process that wrote it is gone.
      await writeLock({ pid: process.pid, processStart: "1" });
      const { logger, lines } = recordingLogger();
      const lock = await take("sequencer", logger);
      expect((await readLockHolder(lock.path))!.token).to.equal(lock.holder.token);
      expect(lines.join("\n")).to.match(new RegExp(`took over a stale data-dir lock .*pid ${process.pid}`));
    });

    it("takes over a lock naming this process with a token it did not issue", async function () {
      await writeLock({ pid: process.pid, processStart: await processStartTime(process.pid) });
      const lock = await take("sequencer");
      expect((await readLockHolder(lock.path))!.token).to.equal(lock.holder.token);
    });

    it("takes over a lock whose pid runs but started at another time (the pid reused by another process)", async function () {
      const child = sleeper();
      children.push(child);
      const start = await started(child);
      await writeLock({ pid: child.pid, processStart: String(Number(start) - 1) });
      const lock = await take("sequencer");
      expect((await readLockHolder(lock.path))!.pid).to.equal(process.pid);
    });

    it("takes over a dead holder's lock from another host name, and one from before a reboot", async function () {
      const child = sleeper();
      children.push(child);
      const start = await started(child);
      child.kill("SIGKILL");
      await exited(child);
      children.splice(0);
      // docker run --rm: a new host name each run.
      await writeLock({ pid: child.pid, processStart: start, host: "3f2a9c1b7d4e" });
      expect((await take("sequencer")).holder.pid).to.equal(process.pid);
      // A live pid and start time, but from another boot.
      await writeLock(
        { pid: 1, processStart: await processStartTime(1), boot: "another-boot" },
        "zk-operator",
      );
      expect((await take("zk-operator")).holder.pid).to.equal(process.pid);
    });

    it("lets exactly one of many concurrent takers break a stale lock; the others are refused naming it", async function () {
      await writeLock({ pid: process.pid, processStart: "1" }, "watchtower");
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, () => lockDataDir(dir(), "watchtower")),
      );
      const won = outcomes.filter((o): o is PromiseFulfilledResult<DataDirLock> => o.status === "fulfilled");
      held.push(...won.map((o) => o.value));
      expect(won).to.have.length(1);
      const winner = won[0].value.holder;
      for (const o of outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected")) {
        expect(o.reason).to.be.instanceOf(DataDirLockedError);
        expect(o.reason.holder.token).to.equal(winner.token);
      }
      expect((await readLockHolder(lockPath(dir(), "watchtower")))!.token).to.equal(winner.token);
      // Nothing left beside the lock: no break files, no holder files.
      expect(await readdir(dir())).to.deep.equal(["watchtower.lock"]);
    });

    it("lets exactly one of several processes racing on a stale lock take it; the others are refused naming it", async function () {
      this.timeout(60_000);
      const dead = sleeper();
      const start = await started(dead);
      dead.kill("SIGKILL");
      await exited(dead);
      await writeLock({ pid: dead.pid, processStart: start });
      const { children: racers, go } = await racingChildren(dir(), "sequencer", 4);
      children.push(...racers);
      const reports = await go();
      const winners = reports.filter((r) => r.locked !== undefined);
      expect(winners, JSON.stringify(reports)).to.have.length(1);
      for (const r of reports.filter((r) => r.locked === undefined)) {
        expect(r).to.deep.equal({ failed: "DataDirLockedError", holder: winners[0].locked });
      }
      expect((await readLockHolder(lockPath(dir(), "sequencer")))!.pid).to.equal(winners[0].locked);
    });

    it("is not blocked by the break file of a taker that died while breaking a stale lock", async function () {
      const text = await writeLock({ pid: process.pid, processStart: "1" });
      const breakFile = `${lockPath(dir(), "sequencer")}.break.${createHash("sha256").update(text).digest("hex").slice(0, 16)}.0`;
      await writeFile(
        breakFile,
        JSON.stringify({ pid: process.pid, token: "feedface", service: "sequencer" }),
      );
      const lock = await take("sequencer");
      expect((await readLockHolder(lock.path))!.token).to.equal(lock.holder.token);
      expect(existsSync(breakFile)).to.equal(false);
    });
  });
});
