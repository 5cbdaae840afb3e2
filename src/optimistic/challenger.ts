import type { Signer } from "ethers";
import type { Logger } from "../common/logger";
import type { ChainFollower } from "./chain-follower";
import { GamePlayer, withdrawAnyCredit } from "./player";
import { Rounds } from "./rounds";
import type { RollupClient } from "./rollup-client";
import { openingClaim } from "./solver";

export interface ChallengerOptions {
  rollup: RollupClient;
  follower: ChainFollower;
  signer: Signer;
  logger?: Logger;
  /** Milliseconds between rounds when running as a service (default 1000). */
  pollMs?: number;
  /** Withdraw bonds credited to this challenger every round (default false). */
  withdrawCredit?: boolean;
}

/**
 * The challenger (verifier): rebuilds the Layer-2 state from Layer 1, checks every committed claim, opens
 * a game against each false one while its window is open, and plays its games to the end.
 */
export class Challenger {
  readonly player: GamePlayer;
  private readonly challenged = new Set<string>();
  private readonly rounds: Rounds;

  constructor(private readonly o: ChallengerOptions) {
    this.player = new GamePlayer({ ...o, logger: o.logger?.child("player") });
    this.rounds = new Rounds(() => this.tick(), o.pollMs ?? 1000, o.logger);
  }

  /** One round: read Layer 1, challenge every false claim not yet challenged, play every open game. */
  async tick(): Promise<void> {
    const { follower, rollup, signer, logger } = this.o;
    await follower.sync();
    const config = await rollup.config();
    const now = (await signer.provider!.getBlock("latest"))!.timestamp;
    for (const batch of follower.batches) {
      const key = `${batch.index}:${batch.claim}`;
      if (batch.verdict !== "invalid" || this.challenged.has(key)) continue;
      if (now >= batch.committedAt + config.challengeWindow) {
        logger?.error("a false batch is past its challenge window", { batch: batch.index });
        this.challenged.add(key);
        continue;
      }
      const trace = follower.trace(batch.index);
      const { gameId } = await rollup.challenge(
        signer,
        batch.index,
        follower.parentState(batch.index),
        openingClaim(trace),
        config.challengerBond,
      );
      this.challenged.add(key);
      logger?.info("challenge", {
        batch: batch.index,
        gameId,
        claimed: batch.claim,
        honest: batch.honestClaim,
      });
    }
    await follower.sync();
    await this.player.playAll();
    if (this.o.withdrawCredit) await withdrawAnyCredit(rollup, signer);
  }

  /** Runs rounds until `stop()`; a failed round is logged and retried on the next one. */
  run(): Promise<void> {
    return this.rounds.run();
  }

  stop(): void {
    this.rounds.stop();
  }
}
