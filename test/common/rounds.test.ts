import { expect } from "chai";
import type { Logger } from "../../src/common/logger";
import type { RoundFailure } from "../../src/common/rounds";
import { Rounds } from "../../src/common/rounds";

/** A logger that keeps what it is told. */
function recordingLogger(): Logger & {
  errors: Array<{ message: string; fields?: Record<string, unknown> }>;
} {
  const errors: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  const logger = {
    errors,
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (message: string, fields?: Record<string, unknown>) => void errors.push({ message, fields }),
    child: () => logger,
  };
  return logger;
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
      expect(logger.errors.map((e) => e.message)).to.deep.equal(["round failed", "round failed"]);
      expect(logger.errors[0].fields).to.deep.include({ error: "lost race 1", failures: 1, retryInMs: 2 });
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
