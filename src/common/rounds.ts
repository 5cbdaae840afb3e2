import type { LogFields, Logger } from "./logger";

/**
 * A service's poll loop: one round, then a wait, until `stop()`. A failed round never stops the
 * service (a dropped connection or a lost race is retried on the next round); it is reported to
 * `onError`, and each consecutive failure doubles the wait before the next round, up to
 * `maxBackoffMs`. The first round that succeeds resets the wait to `pollMs`.
 *
 * A streak of failures is logged as one story, not once a round (`FailureStreak`): one line when it starts
 * ("Layer 1 does not answer" when the error is a connection failure, else "round failed"), one line each
 * time the count of failures doubles (2, 4, 8, …: "still failing"), and one line when a round succeeds
 * again ("Layer 1 answered again after 19 s"). The failures between go to `debug`.
 */
export interface RoundsOptions {
  /** Milliseconds between rounds while they succeed. */
  pollMs: number;
  /** The longest wait after consecutive failures (default 10 × `pollMs`; `pollMs` turns backoff off). */
  maxBackoffMs?: number;
  logger?: Logger;
  /** Told of every failed round (after it is logged); an error it throws is logged and ignored. */
  onError?: (error: unknown, failure: RoundFailure) => void;
}

export interface RoundFailure {
  /** Consecutive failed rounds, this one included. */
  failures: number;
  /** Milliseconds until the next round. */
  retryInMs: number;
}

export class Rounds {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly streak: FailureStreak;
  private wake: (() => void) | undefined;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly round: () => Promise<void>,
    private readonly options: RoundsOptions,
  ) {
    this.maxBackoffMs = Math.max(options.pollMs, options.maxBackoffMs ?? 10 * options.pollMs);
    this.streak = new FailureStreak({
      what: "round",
      retry: "retrying with backoff",
      logger: options.logger,
    });
  }

  /** Consecutive failed rounds so far (0 once a round succeeds). */
  get failures(): number {
    return this.streak.failures;
  }

  /** The wait before the next round: `pollMs`, doubled for each consecutive failure, capped. */
  get delayMs(): number {
    return this.delayAfter(this.failures);
  }

  private delayAfter(failures: number): number {
    const { pollMs } = this.options;
    if (failures === 0) return pollMs;
    return Math.min(this.maxBackoffMs, pollMs * 2 ** Math.min(failures, 30));
  }

  /**
   * Runs rounds until `stop()`; resolves once the round in progress when it was called has ended.
   * Called again while running, returns the same loop (never two loops at once).
   */
  run(): Promise<void> {
    this.loop ??= this.runLoop().finally(() => (this.loop = undefined));
    return this.loop;
  }

  private async runLoop(): Promise<void> {
    this.running = true;
    while (this.running) {
      try {
        await this.round();
        this.streak.succeeded();
      } catch (error) {
        this.report(error);
      }
      if (this.running) await this.sleep(this.delayMs);
    }
  }

  /** Ends the loop: a wait in progress ends now, a round in progress finishes first. */
  stop(): void {
    this.running = false;
    this.wake?.();
  }

  private report(error: unknown): void {
    const failures = this.failures + 1;
    const failure: RoundFailure = { failures, retryInMs: this.delayAfter(failures) };
    this.streak.failed(error, { retryInMs: failure.retryInMs });
    try {
      this.options.onError?.(error, failure);
    } catch (thrown) {
      this.options.logger?.error("onError threw", {
        error: thrown instanceof Error ? thrown.message : String(thrown),
      });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

export interface FailureStreakOptions {
  /** What fails, in the singular: "round", "action". */
  what: string;
  /** What happens next, for the first line: "retrying with backoff", "retrying next round". */
  retry: string;
  logger?: Logger;
  /** On every line of the streak (which game, …). */
  fields?: LogFields;
}

/**
 * Consecutive failures of one thing that is retried (a service's round, a game's action), logged as one
 * story rather than once a try: a line when the streak starts (a warning "Layer 1 does not answer" when
 * the error is a connection failure, else an error "<what> failed"), a line each time the count of
 * failures doubles (2, 4, 8, …: "still failing", "still does not answer"), a line when it succeeds again
 * ("Layer 1 answered again after 19 s", "<what>s succeed again after 3 s"). The failures between go to
 * `debug`. Every line carries the error on one line and `failures`.
 */
export class FailureStreak {
  private count = 0;
  /** When the current streak began (ms), and whether its last failure was a connection one. */
  private streak: { since: number; unreachable: boolean } | undefined;

  constructor(private readonly o: FailureStreakOptions) {}

  /** Consecutive failures so far (0 once it succeeds). */
  get failures(): number {
    return this.count;
  }

  /** One more failure, logged if it starts the streak or doubles it (`fields` on its line). */
  failed(error: unknown, fields: LogFields = {}): void {
    const { logger, what, retry } = this.o;
    const failures = ++this.count;
    const unreachable = isConnectionFailure(error);
    const now = Date.now();
    this.streak = { since: this.streak?.since ?? now, unreachable };
    const line = { ...this.o.fields, error: oneLine(error), failures, ...fields };
    if (failures === 1) {
      if (unreachable) logger?.warn(`Layer 1 does not answer: ${retry}`, line);
      else logger?.error(`${what} failed: ${retry}`, line);
    } else if ((failures & (failures - 1)) === 0) {
      const still = unreachable ? "Layer 1 still does not answer" : `${what}s still failing`;
      const lasted = formatSeconds(now - this.streak.since);
      logger?.warn(`${still}: ${failures} failed ${what}s in ${lasted}`, line);
    } else {
      logger?.debug(`${what} failed`, line);
    }
  }

  /** A success: ends a streak of failures, saying once how long it lasted. */
  succeeded(): void {
    const { streak, count: failures } = this;
    this.count = 0;
    this.streak = undefined;
    if (!streak) return;
    const after = formatSeconds(Date.now() - streak.since);
    const what = streak.unreachable ? "Layer 1 answered again" : `${this.o.what}s succeed again`;
    this.o.logger?.info(`${what} after ${after}`, { ...this.o.fields, failures });
  }
}

/** Error codes (Node, undici, ethers) of a connection that failed or broke: the node is not there. */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "NETWORK_ERROR",
  "TIMEOUT",
]);
/** Hardhat's HH108 (NODE_IS_NOT_RUNNING) and HH109 (NETWORK_TIMEOUT). */
const HARDHAT_CONNECTION_ERRORS = new Set([108, 109]);

/**
 * True when `error`, or an error it wraps (`cause`, ethers' `error` / `info.error`), says the node did
 * not answer: a refused or broken connection, a timeout, or Hardhat's "Cannot connect to the network".
 */
export function isConnectionFailure(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 5) return false;
  const e = error as { code?: unknown; name?: unknown; number?: unknown; cause?: unknown; error?: unknown };
  if (typeof e.code === "string" && CONNECTION_CODES.has(e.code)) return true;
  if (e.name === "HardhatError" && typeof e.number === "number" && HARDHAT_CONNECTION_ERRORS.has(e.number)) {
    return true;
  }
  const info = (error as { info?: { error?: unknown } }).info;
  return [e.cause, e.error, info?.error].some(
    (inner) => inner !== error && isConnectionFailure(inner, depth + 1),
  );
}

/** An error's message on one line (Hardhat's, for one, runs to two). */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, " ").trim();
}

/** 19 s, 2.5 s, 0.3 s. */
function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${seconds >= 10 ? Math.round(seconds) : Math.round(seconds * 10) / 10} s`;
}
