import type { Logger } from "../common/logger";

/**
 * An agent's service loop: one round every `pollMs` until `stop()`. A failed round is logged and the
 * next one tries again, so a dropped connection or a lost race never stops the agent.
 */
export class Rounds {
  private running = false;

  constructor(
    private readonly round: () => Promise<void>,
    private readonly pollMs: number,
    private readonly logger?: Logger,
  ) {}

  async run(): Promise<void> {
    this.running = true;
    while (this.running) {
      try {
        await this.round();
      } catch (error) {
        this.logger?.error("round failed", { error: (error as Error).message });
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
  }

  stop(): void {
    this.running = false;
  }
}
