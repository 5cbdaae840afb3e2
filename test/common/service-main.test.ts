// What every service shares about running (src/common/service-main.ts): the phases its server tells (calls
// refused by name while it starts and once it halted), the entry points' body (a user's mistake logged by
// name without a stack, a bug with one; a halt exits non-zero), and stopping when its launcher is gone
// (a real process tree: sh → sh → node, the outer sh killed with SIGKILL as `kill -9 <npm pid>` would).
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { ChainChangedError, DeploymentNotOnChainError } from "../../src/common/chain-identity";
import { TxRejectedError } from "../../src/common/json-rpc";
import { createLogger } from "../../src/common/logger";
import { ServiceLifecycle, runServiceMain, servingOnly } from "../../src/common/service-main";
import { useTempDir } from "../helpers/temp-dir";

/** A logger that keeps its lines (at every level). */
function recordingLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: "debug", write: (line) => lines.push(line) }) };
}

/** Runs `runServiceMain` and hands back its log and the exit code it set (restoring the real one). */
async function runMain(o: Omit<Parameters<typeof runServiceMain>[0], "scope" | "logger">) {
  const { lines, logger } = recordingLogger();
  const before = process.exitCode;
  try {
    await runServiceMain({ scope: "test", logger, ...o } as Parameters<typeof runServiceMain>[0]);
    return { log: lines.join("\n"), exitCode: process.exitCode };
  } finally {
    process.exitCode = before;
  }
}

async function until<T>(read: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("service-main", function () {
  describe("ServiceLifecycle", function () {
    it("refuses by name while it starts, serves, then refuses by the halting error's name", async function () {
      const lifecycle = new ServiceLifecycle("sequencer");
      lifecycle.step("rebuilding from Layer 1");
      const starting = lifecycle.refusal()!;
      expect(starting).to.be.instanceOf(TxRejectedError);
      expect(starting).to.include({
        reason: "Starting",
        message: "sequencer is starting (rebuilding from Layer 1): try again shortly",
      });
      lifecycle.serve();
      expect(lifecycle.refusal()).to.equal(undefined);
      lifecycle.halt(new ChainChangedError("block 12 of localhost is gone"));
      expect(await lifecycle.halted).to.be.instanceOf(ChainChangedError);
      expect(lifecycle.phase).to.equal("halted");
      expect(lifecycle.refusal()).to.include({
        reason: "ChainChanged",
        message: "sequencer has halted: ChainChangedError: block 12 of localhost is gone",
      });
      lifecycle.stop(); // a stop after a halt still tells the halt
      expect(lifecycle.refusal()!.reason).to.equal("ChainChanged");
    });

    it("guards health and an API the same way (servingOnly reaches the object only once it serves)", async function () {
      const lifecycle = new ServiceLifecycle("zk-operator");
      let api: { pending(): number } | undefined;
      const served = servingOnly(lifecycle, () => api);
      const health = lifecycle.guard(() => ({ status: "ok" as const }));
      expect(() => served.pending()).to.throw(TxRejectedError, "zk-operator is starting");
      expect(Reflect.get(served, "then"), "not a thenable").to.equal(undefined);
      await expect(health()).to.be.rejectedWith(TxRejectedError, "zk-operator is starting");
      api = { pending: () => 3 };
      lifecycle.serve();
      expect(served.pending()).to.equal(3);
      expect(await health()).to.deep.equal({ status: "ok" });
      lifecycle.stop();
      expect(() => served.pending()).to.throw(TxRejectedError, "zk-operator has stopped");
    });
  });

  describe("runServiceMain", function () {
    it("logs a user's mistake (a StrataError) by name and message, without a stack, and exits 1", async function () {
      const mistake = new DeploymentNotOnChainError("no code at OptimisticRollup 0x12 on localhost", []);
      const { log, exitCode } = await runMain({
        start: async () => {
          throw mistake;
        },
      });
      expect(exitCode).to.equal(1);
      expect(log).to.include(
        "service failed error=DeploymentNotOnChainError: no code at OptimisticRollup 0x12 on localhost",
      );
      expect(log).to.not.include("stack=");
      expect(log).to.not.match(/\n\s+at /);
    });

    it("logs a bug (any other error) with its stack", async function () {
      const { log, exitCode } = await runMain({
        start: async () => {
          throw new TypeError("cannot read properties of undefined");
        },
      });
      expect(exitCode).to.equal(1);
      expect(log).to.include(
        "service failed error=TypeError: cannot read properties of undefined stack=TypeError",
      );
      expect(log).to.match(/\n\s+at /);
    });

    it("stops a service that halts, logs why by name and exits 1", async function () {
      let stopped = 0;
      const halt = new ChainChangedError("block 12 of localhost is gone");
      const { log, exitCode } = await runMain({
        start: async () => ({ halted: Promise.resolve(halt), stop: async () => void stopped++ }),
      });
      expect(stopped).to.equal(1);
      expect(exitCode).to.equal(1);
      expect(log).to.include("service failed error=ChainChangedError: block 12 of localhost is gone");
    });

    it("stops a service once its work is done, and exits 0", async function () {
      let stopped = 0;
      const { log, exitCode } = await runMain({
        start: async () => ({ stop: async () => void stopped++ }),
        work: async () => undefined,
      });
      expect(stopped).to.equal(1);
      expect(exitCode).to.equal(undefined);
      expect(log).to.include("service started");
      expect(log).to.not.include("service failed");
    });
  });

  describe("stop requests", function () {
    const dir = useTempDir("strata-service-main-", []);
    const fixture = join(__dirname, "fixtures", "until-stopped.ts");
    let tree: ChildProcess | undefined;

    afterEach(function () {
      try {
        if (tree) process.kill(-tree.pid!, "SIGKILL");
      } catch {
        // already gone
      }
      tree = undefined;
    });

    /** sh → sh → node (the fixture), the outer sh leading its own process group, as npm leads `npm run`'s. */
    async function startTree(out: string): Promise<{ leader: ChildProcess; node: number }> {
      const node = `${process.execPath} -r ts-node/register/transpile-only ${fixture} ${out}`;
      tree = spawn("sh", ["-c", `sh -c '${node}; true'; true`], { detached: true, stdio: "ignore" });
      const ready = await until(
        () => (existsSync(out) ? /^ready (\d+)$/m.exec(readFileSync(out, "utf8"))?.[1] : undefined),
        30_000,
        "the fixture to watch",
      );
      return { leader: tree, node: Number(ready) };
    }

    const stoppedLine = (out: string) => /^stopped (.*)$/m.exec(readFileSync(out, "utf8"))?.[1];

    it("a service stops when the leader of its launch (npm's place) is killed with SIGKILL", async function () {
      this.timeout(60_000);
      const out = join(dir(), "out");
      const { leader } = await startTree(out);
      process.kill(leader.pid!, "SIGKILL");
      const why = await until(() => stoppedLine(out), 5_000, "the fixture to stop");
      expect(why).to.equal(`its launcher (pid ${leader.pid}) exited`);
    });

    it("a detached service (a group of its own, as startProcess starts it) stops when the process that started it exits", async function () {
      this.timeout(60_000);
      const out = join(dir(), "out");
      const starter = spawn("sleep", ["60"], { stdio: "ignore" });
      const node = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", fixture, out], {
        detached: true,
        stdio: "ignore",
        env: { ...process.env, STRATA_LAUNCHER_PID: String(starter.pid) },
      });
      try {
        await until(
          () => (existsSync(out) ? /^ready/m.exec(readFileSync(out, "utf8")) : undefined),
          30_000,
          "ready",
        );
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(stoppedLine(out), "still running while its starter runs").to.equal(undefined);
        starter.kill("SIGKILL");
        const why = await until(() => stoppedLine(out), 5_000, "the fixture to stop");
        expect(why).to.equal(`its launcher (pid ${starter.pid}) exited`);
      } finally {
        starter.kill("SIGKILL");
        node.kill("SIGKILL");
      }
    });

    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      it(`a service stops on ${signal}`, async function () {
        this.timeout(60_000);
        const out = join(dir(), "out");
        const { node } = await startTree(out);
        process.kill(node, signal);
        expect(await until(() => stoppedLine(out), 5_000, "the fixture to stop")).to.equal(signal);
      });
    }
  });
});
