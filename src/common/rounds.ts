import type { Logger } from "./logger";

/**
 * A service's poll loop: one round, then a wait, until `stop()`. A failed round never stops the
 * service (a dropped connection or a lost race is retried on the next round); it is reported to
 * `onError`, and each consecutive failure doubles the wait before the next round, up to
 * `maxBackoffMs`. The first round that succeeds resets the wait to `pollMs`.
 *
 * A streak of failures is logged as one story, not once a round: one line when it starts ("Layer 1 does
 * not answer" when the error is a connection failure, else "round failed"), one line each time the
 * count of failures doubles (2, 4, 8, …: "still failing"), and one line when a round succeeds again
 * ("Layer 1 answered again after 19 s"). The failures between go to `debug`.
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
  private consecutiveFailures = 0;
  /** When the current streak of failures began (ms), and whether its last failure was a connection one. */
  private streak: { since: number; unreachable: boolean } | undefined;
  private wake: (() => void) | undefined;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly round: () => Promise<void>,
    private readonly options: RoundsOptions,
  ) {
    this.maxBackoffMs = Math.max(options.pollMs, options.maxBackoffMs ?? 10 * options.pollMs);
  }

  /** Consecutive failed rounds so far (0 once a round succeeds). */
  get failures(): number {
    return this.consecutiveFailures;
  }

  /** The wait before the next round: `pollMs`, doubled for each consecutive failure, capped. */
  get delayMs(): number {
    const { pollMs } = this.options;
    if (this.consecutiveFailures === 0) return pollMs;
    return Math.min(this.maxBackoffMs, pollMs * 2 ** Math.min(this.consecutiveFailures, 30));
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
        this.recovered();
      } catch (error) {
        this.consecutiveFailures++;
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
    const failure: RoundFailure = { failures: this.consecutiveFailures, retryInMs: this.delayMs };
    const { logger, onError } = this.options;
    const unreachable = isConnectionFailure(error);
    const now = Date.now();
    this.streak = { since: this.streak?.since ?? now, unreachable };
    const fields = { error: oneLine(error), ...failure };
    const { failures } = failure;
    if (failures === 1) {
      if (unreachable) logger?.warn("Layer 1 does not answer: retrying with backoff", fields);
      else logger?.error("round failed: retrying with backoff", fields);
    } else if ((failures & (failures - 1)) === 0) {
      const what = unreachable ? "Layer 1 still does not answer" : "rounds still failing";
      logger?.warn(`${what}: ${failures} failed rounds in ${formatSeconds(now - this.streak.since)}`, fields);
    } else {
      logger?.debug("round failed", fields);
    }
    try {
      onError?.(error, failure);
    } catch (thrown) {
      logger?.error("onError threw", { error: thrown instanceof Error ? thrown.message : String(thrown) });
    }
  }

  /** A round succeeded: ends a streak of failures, saying once how long it lasted. */
  private recovered(): void {
    const { streak, consecutiveFailures: failures } = this;
    this.consecutiveFailures = 0;
    this.streak = undefined;
    if (!streak) return;
    const after = formatSeconds(Date.now() - streak.since);
    const what = streak.unreachable ? "Layer 1 answered again" : "rounds succeed again";
    this.options.logger?.info(`${what} after ${after}`, { failures });
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
