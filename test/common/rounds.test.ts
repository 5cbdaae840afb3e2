import { createServer } from "node:net";
import { expect } from "chai";
import { JsonRpcProvider } from "ethers";
import { HardhatError } from "hardhat/internal/core/errors";
import { ERRORS } from "hardhat/internal/core/errors-list";
import type { Logger } from "../../src/common/logger";
import { createLogger } from "../../src/common/logger";
import type { RoundFailure } from "../../src/common/rounds";
import { isConnectionFailure, Rounds } from "../../src/common/rounds";

interface Logged {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  fields?: Record<string, unknown>;
}

/** A logger that keeps what it is told, at every level (`errors`: the error lines). */
function recordingLogger(): Logger & { lines: Logged[]; errors: Logged[] } {
  const lines: Logged[] = [];
  const keep = (level: Logged["level"]) => (message: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, message, fields });
  const logger = {
    lines,
    get errors() {
      return lines.filter((l) => l.level === "error");
    },
    debug: keep("debug"),
    info: keep("info"),
    warn: keep("warn"),
    error: keep("error"),
    child: () => logger,
  };
  return logger;
}

/** The lines a person running the service reads (info and up). */
const shown = (logger: { lines: Logged[] }) => logger.lines.filter((l) => l.level !== "debug");

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** What a real call to a node that is not there throws (ethers over fetch: ECONNREFUSED inside). */
async function unreachableNodeError(): Promise<unknown> {
  const provider = new JsonRpcProvider(`http://127.0.0.1:${await closedPort()}`, 31337, {
    staticNetwork: true,
  });
  try {
    await provider.getBlockNumber();
  } catch (error) {
    return error;
  } finally {
    provider.destroy();
  }
  throw new Error("the closed port answered");
}

/** Runs `rounds` until `done()`, then stops it. */
async function runUntil(rounds: Rounds, done: () => boolean): Promise<void> {
  const running = rounds.run();
  while (!done()) await sleep(2);
  rounds.stop();
  await running;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Rounds", () => {
  describe("run", () => {
    it("runs a round every pollMs until stop, and resolves once stopped", async () => {
      let count = 0;
      const rounds = new Rounds(async () => void count++, { pollMs: 5 });
      const running = rounds.run();
      await sleep(60);
      rounds.stop();
      await running;
      const seen = count;
      expect(seen).to.be.greaterThan(3);
      await sleep(30);
      expect(count).to.equal(seen);
    });

    it("keeps running after a failed round: logs it, reports it to onError, and tries again", async () => {
      const logger = recordingLogger();
      const reported: Array<{ error: unknown; failure: RoundFailure }> = [];
      let count = 0;
      const rounds = new Rounds(
        async () => {
          count++;
          if (count <= 2) throw new Error(`lost race ${count}`);
        },
        { pollMs: 1, logger, onError: (error, failure) => reported.push({ error, failure }) },
      );
      const running = rounds.run();
      while (count < 4) await sleep(2);
      rounds.stop();
      await running;
      expect(reported.map((r) => (r.error as Error).message)).to.deep.equal(["lost race 1", "lost race 2"]);
      expect(reported.map((r) => r.failure.failures)).to.deep.equal([1, 2]);
      expect(shown(logger).map((e) => `${e.level} ${e.message.replace(/[\d.]+ s$/, "T")}`)).to.deep.equal([
        "error round failed: retrying with backoff",
        "warn rounds still failing: 2 failed rounds in T",
        "info rounds succeed again after T",
      ]);
      expect(logger.lines[0].fields).to.deep.include({ error: "lost race 1", failures: 1, retryInMs: 2 });
      expect(rounds.failures).to.equal(0);
    });

    it("survives an onError that throws, logging it", async () => {
      const logger = recordingLogger();
      let count = 0;
      const rounds = new Rounds(
        async () => {
          count++;
          throw new Error("down");
        },
        {
          pollMs: 1,
          maxBackoffMs: 1,
          logger,
          onError: () => {
            throw new Error("reporter broke");
          },
        },
      );
      const running = rounds.run();
      while (count < 3) await sleep(2);
      rounds.stop();
      await running;
      expect(logger.errors.filter((e) => e.message === "onError threw")).to.have.length.of.at.least(2);
      expect(logger.errors.find((e) => e.message === "onError threw")!.fields).to.deep.equal({
        error: "reporter broke",
      });
    });

    it("backs off after consecutive failures, doubling up to maxBackoffMs, and resets on success", async () => {
      const outcomes = [false, false, false, false, false, true, false];
      const retries: number[] = [];
      const failures: number[] = [];
      let count = 0;
      const rounds = new Rounds(
        async () => {
          const ok = outcomes[count++] ?? true;
          if (!ok) throw new Error("unreachable node");
        },
        {
          pollMs: 1,
          maxBackoffMs: 8,
          onError: (_error, failure) => {
            retries.push(failure.retryInMs);
            failures.push(failure.failures);
          },
        },
      );
      const running = rounds.run();
      while (count < outcomes.length) await sleep(5);
      rounds.stop();
      await running;
      expect(failures).to.deep.equal([1, 2, 3, 4, 5, 1]);
      expect(retries).to.deep.equal([2, 4, 8, 8, 8, 2]);
    });

    it("waits the backed-off time between failed rounds", async () => {
      const starts: number[] = [];
      const rounds = new Rounds(
        async () => {
          starts.push(Date.now());
          throw new Error("down");
        },
        { pollMs: 20, maxBackoffMs: 1_000 },
      );
      const running = rounds.run();
      while (starts.length < 4) await sleep(10);
      rounds.stop();
      await running;
      const gaps = starts.slice(1, 4).map((t, i) => t - starts[i]);
      expect(gaps[0]).to.be.at.least(38); // 40 ms after the first failure
      expect(gaps[1]).to.be.at.least(78); // 80 after the second
      expect(gaps[2]).to.be.at.least(158); // 160 after the third
    });

    it("returns the same loop when called while running: never two rounds at once", async () => {
      let inRound = 0;
      let overlap = false;
      let count = 0;
      const rounds = new Rounds(
        async () => {
          inRound++;
          overlap ||= inRound > 1;
          count++;
          await sleep(2);
          inRound--;
        },
        { pollMs: 1 },
      );
      const first = rounds.run();
      const second = rounds.run();
      expect(second).to.equal(first);
      while (count < 5) await sleep(2);
      rounds.stop();
      await first;
      expect(overlap).to.equal(false);
    });
  });

  describe("logging a streak of failures", () => {
    /** A Rounds whose first `n` rounds fail with `error`, then succeed; resolves once one has succeeded. */
    async function failThenRecover(
      n: number,
      error: () => unknown,
    ): Promise<ReturnType<typeof recordingLogger>> {
      const logger = recordingLogger();
      let count = 0;
      const rounds = new Rounds(
        async () => {
          count++;
          if (count <= n) throw error();
        },
        { pollMs: 1, maxBackoffMs: 1, logger },
      );
      await runUntil(rounds, () => count > n);
      return logger;
    }

    for (const n of [1, 5, 39, 100]) {
      it(`logs ${n} failed rounds in a row on ${2 + Math.floor(Math.log2(n))} lines: the start, each doubling, the recovery`, async () => {
        const logger = await failThenRecover(n, () => new Error("down"));
        const doublings = Array.from({ length: Math.floor(Math.log2(n)) }, (_, i) => 2 ** (i + 1));
        expect(shown(logger).map((l) => l.fields?.failures)).to.deep.equal([1, ...doublings, n]);
        expect(shown(logger)).to.have.length(2 + Math.floor(Math.log2(n)));
        expect(logger.lines.filter((l) => l.level === "debug")).to.have.length(n - 1 - doublings.length);
        expect(shown(logger).at(-1)!.message).to.match(/^rounds succeed again after [\d.]+ s$/);
      });
    }

    it("says Layer 1 does not answer, and when it answered again, for a real refused connection", async () => {
      const refused = await unreachableNodeError();
      expect(isConnectionFailure(refused)).to.equal(true);
      const logger = await failThenRecover(4, () => refused);
      expect(shown(logger).map((l) => `${l.level} ${l.message.replace(/[\d.]+ s$/, "T")}`)).to.deep.equal([
        "warn Layer 1 does not answer: retrying with backoff",
        "warn Layer 1 still does not answer: 2 failed rounds in T",
        "warn Layer 1 still does not answer: 4 failed rounds in T",
        "info Layer 1 answered again after T",
      ]);
    });

    it("tells how long the outage lasted", async () => {
      const logger = recordingLogger();
      let failing = true;
      const rounds = new Rounds(
        async () => {
          if (failing) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
        },
        { pollMs: 5, maxBackoffMs: 20, logger },
      );
      const running = rounds.run();
      await sleep(1_200);
      failing = false;
      while (rounds.failures > 0) await sleep(5);
      rounds.stop();
      await running;
      const recovery = shown(logger).at(-1)!;
      expect(recovery.message).to.match(/^Layer 1 answered again after 1\.\d s$/);
      expect(recovery.fields!.failures).to.be.greaterThan(10);
      expect(shown(logger).length).to.be.below(10);
    });

    it("prints Hardhat's two-line 'Cannot connect to the network' on one line", async () => {
      const hh108 = new HardhatError(ERRORS.NETWORK.NODE_IS_NOT_RUNNING, { network: "localhost" });
      expect(hh108.message).to.contain("\n");
      const printed: string[] = [];
      const logger = createLogger({ level: "info", format: "text", write: (line) => printed.push(line) });
      let count = 0;
      const rounds = new Rounds(
        async () => {
          if (count++ < 3) throw hh108;
        },
        { pollMs: 1, logger },
      );
      await runUntil(rounds, () => count > 3);
      expect(printed).to.have.length(3); // the start, the doubling at 2, the recovery
      expect(printed.join("\n").split("\n")).to.have.length(3);
      expect(printed[0]).to.match(
        /^WARN +\[strata\] Layer 1 does not answer: retrying with backoff error=HH108: Cannot connect to the network localhost\. Please/,
      );
      expect(printed[2]).to.match(/Layer 1 answered again after [\d.]+ s failures=3$/);
    });
  });

  describe("isConnectionFailure", () => {
    it("is true for a refused or broken connection, however deep it is wrapped", () => {
      const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), {
        code: "ECONNREFUSED",
      });
      expect(isConnectionFailure(refused)).to.equal(true);
      expect(isConnectionFailure(new TypeError("fetch failed", { cause: refused }))).to.equal(true);
      expect(isConnectionFailure({ code: "UNKNOWN_ERROR", error: { cause: refused } })).to.equal(true);
      expect(isConnectionFailure({ code: "TIMEOUT" })).to.equal(true);
    });

    it("is false for anything else: a revert, a bug, a non-error", () => {
      expect(
        isConnectionFailure(Object.assign(new Error("execution reverted"), { code: "CALL_EXCEPTION" })),
      ).to.equal(false);
      expect(isConnectionFailure(new TypeError("x is undefined"))).to.equal(false);
      expect(isConnectionFailure("ECONNREFUSED")).to.equal(false);
      expect(isConnectionFailure(undefined)).to.equal(false);
    });
  });

  describe("delayMs", () => {
    it("is pollMs while rounds succeed, and never below it however maxBackoffMs is set", async () => {
      expect(new Rounds(async () => undefined, { pollMs: 500 }).delayMs).to.equal(500);
      let count = 0;
      const rounds = new Rounds(
        async () => {
          count++;
          throw new Error("down");
        },
        { pollMs: 3, maxBackoffMs: 1 },
      );
      const running = rounds.run();
      while (count < 3) await sleep(2);
      rounds.stop();
      await running;
      expect(rounds.failures).to.be.at.least(3);
      expect(rounds.delayMs).to.equal(3);
    });

    it("defaults the cap to ten times pollMs", async () => {
      let count = 0;
      const retries: number[] = [];
      const rounds = new Rounds(
        async () => {
          count++;
          throw new Error("down");
        },
        { pollMs: 1, onError: (_e, f) => retries.push(f.retryInMs) },
      );
      const running = rounds.run();
      while (count < 6) await sleep(5);
      rounds.stop();
      await running;
      expect(retries.slice(0, 6)).to.deep.equal([2, 4, 8, 10, 10, 10]);
    });
  });

  describe("stop", () => {
    it("ends a long wait at once", async () => {
      let count = 0;
      const rounds = new Rounds(async () => void count++, { pollMs: 60_000 });
      const running = rounds.run();
      await sleep(20);
      const stoppedAt = Date.now();
      rounds.stop();
      await running;
      expect(Date.now() - stoppedAt).to.be.lessThan(500);
      expect(count).to.equal(1);
    });

    it("lets the round in progress finish, then runs no other", async () => {
      const events: string[] = [];
      let release!: () => void;
      const rounds = new Rounds(
        async () => {
          events.push("start");
          await new Promise<void>((resolve) => (release = resolve));
          events.push("end");
        },
        { pollMs: 1 },
      );
      const running = rounds.run();
      await sleep(10);
      rounds.stop();
      let resolved = false;
      void running.then(() => (resolved = true));
      await sleep(10);
      expect(resolved).to.equal(false);
      release();
      await running;
      expect(events).to.deep.equal(["start", "end"]);
    });
  });
});
