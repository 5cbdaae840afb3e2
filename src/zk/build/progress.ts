import type { Logger } from "../../common/logger";
import { Progress } from "../../common/progress";
import type { SnarkLogger } from "./snarkjs";

/**
 * A long step starting and ending: the typed form of the build's step lines, for programs (a test that
 * stops a build at a given step, a tool drawing progress) where the log is for people.
 */
export type ZkBuildStepEvent =
  { type: "stepStarted"; step: string } | { type: "stepDone"; step: string; seconds: number };

/** Where a build reports: its log, and the observer told of each long step (optional). */
export interface BuildReporter {
  readonly logger: Logger;
  readonly onStep?: (event: ZkBuildStepEvent) => void;
}

/** How often a long step reports that it is still running. */
const HEARTBEAT_MS = 15_000;

/** A long step in progress: what snarkjs last said about it, and its last error line. */
export interface StepProgress {
  /** A logger to hand to snarkjs: details go to debug, errors are kept for the thrown error. */
  readonly snarkLogger: SnarkLogger;
  /** snarkjs's last `error` line, if any (snarkjs reports many failures by logging and returning). */
  readonly lastError: () => string | undefined;
}

function createStepProgress(logger: Logger, step: string, onDetail: (detail: string) => void): StepProgress {
  let lastError: string | undefined;
  const detail = (message: string) => {
    const line = String(message).replace(/\s+/g, " ").trim();
    onDetail(line);
    logger.debug(line, { step });
  };
  return {
    snarkLogger: {
      debug: detail,
      info: detail,
      log: detail,
      warn: (message) => logger.warn(String(message), { step }),
      error: (message) => {
        lastError = String(message);
        logger.warn(String(message), { step });
      },
    },
    lastError: () => lastError,
  };
}

/**
 * Runs one long step with progress: a start line, then a spinner with the elapsed time on a terminal
 * or else a heartbeat line every 15 s with snarkjs's latest detail, and a done line with the duration.
 * Returns the result and the seconds.
 */
export async function runStep<T>(
  reporter: BuildReporter,
  step: string,
  work: (progress: StepProgress) => Promise<T>,
  fields: Record<string, unknown> = {},
): Promise<{ result: T; seconds: number }> {
  const { logger, onStep } = reporter;
  const started = Date.now();
  const elapsed = () => Math.round((Date.now() - started) / 100) / 10;
  let latest = "";
  const progress = createStepProgress(logger, step, (line) => (latest = line));
  logger.info(`${step}: started`, fields);
  onStep?.({ type: "stepStarted", step });
  const spinner = process.stderr.isTTY ? Progress.start(`zk build: ${step}`) : undefined;
  const heartbeat = spinner
    ? undefined
    : setInterval(() => {
        logger.info(`${step}: running`, { elapsedSeconds: elapsed(), ...(latest ? { at: latest } : {}) });
      }, HEARTBEAT_MS);
  heartbeat?.unref();
  try {
    const result = await work(progress);
    spinner?.stop();
    const seconds = elapsed();
    logger.info(`${step}: done`, { seconds });
    onStep?.({ type: "stepDone", step, seconds });
    return { result, seconds };
  } finally {
    spinner?.stop();
    clearInterval(heartbeat);
  }
}
