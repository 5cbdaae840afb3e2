/**
 * The body every service entry point (scripts/sequencer.ts, scripts/watchtower.ts, …) shares: start the
 * service, say where it serves, run until SIGINT or SIGTERM (or do its one job), stop it.
 */
import type { LogFields, Logger } from "./logger";
import { createLogger } from "./logger";

/** Resolves on SIGINT or SIGTERM. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

export interface ServiceMainOptions<S extends { stop(): Promise<void> }> {
  /** The logger's scope: the service's name. */
  scope: string;
  /** Starts the service. */
  start(logger: Logger): Promise<S>;
  /** What the `service started` line tells about it (its URL, address, …). */
  describe?(service: S): LogFields;
  /** What it does once started; default: serve until SIGINT or SIGTERM. */
  work?(service: S, logger: Logger): Promise<void>;
}

/**
 * Starts the service, logs `service started`, runs its work, then stops it (also when the work fails).
 * A failure is logged and sets the exit code to 1.
 */
export async function runServiceMain<S extends { stop(): Promise<void> }>(
  o: ServiceMainOptions<S>,
): Promise<void> {
  const logger = createLogger({ scope: o.scope });
  try {
    const service = await o.start(logger);
    logger.info("service started", o.describe?.(service));
    try {
      await (o.work ? o.work(service, logger) : untilSignal());
    } finally {
      logger.info("stopping");
      await service.stop();
    }
  } catch (error) {
    logger.error("service failed", {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
    process.exitCode = 1;
  }
}
