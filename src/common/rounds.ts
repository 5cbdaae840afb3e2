import type { Logger } from "./logger";

/**
 * A service's poll loop: one round, then a wait, until `stop()`. A failed round never stops the
 * service (a dropped connection or a lost race is retried on the next round); it is logged, reported
 * to `onError`, and each consecutive failure doubles the wait before the next round, up to
 * `maxBackoffMs`. The first round that succeeds resets the wait to `pollMs`.
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
        this.consecutiveFailures = 0;
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
    logger?.error("round failed", {
      error: error instanceof Error ? error.message : String(error),
      ...failure,
    });
    try {
      onError?.(error, failure);
    } catch (thrown) {
      logger?.error("onError threw", { error: thrown instanceof Error ? thrown.message : String(thrown) });
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
