import type { Signer } from "ethers";
import { EventLog } from "../common/events";
import type { Logger } from "../common/logger";
import type { ChainFollower, FollowerHealth } from "./chain-follower";
import { followerHealth } from "./chain-follower";
import type { ChallengerEvent } from "./events";
import { errorMessage, layer1Tx, unstamped } from "./events";
import { GamePlayer, withdrawAnyCredit } from "./player";
import { Rounds } from "../common/rounds";
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
  /**
   * Defend valid batches whose proposer leaves a move unplayed for half its clock in a game against them,
   * with this challenger's bond (default true): a true batch outlives its proposer going offline.
   */
  defend?: boolean;
}

/** The challenger's `strata_health` details. */
export interface ChallengerHealth extends FollowerHealth {
  /** False batches it has read (challenged or past their window), and the games still open on its node. */
  falseBatches: number;
  openGames: number;
  challenger: string;
}

/**
 * The challenger (verifier): rebuilds the Layer-2 state from Layer 1, checks every committed claim, opens
 * a game against each false one while its window is open, and plays its games to the end. It also defends
 * a valid batch whose proposer falls silent in a game against it (`defend`). Publishes
 * what it does on `events` (src/optimistic/events.ts: challenged, …), with what its node read (batchRead
 * and its verdict, …) and its player did (gameMoved, stepProved, …).
 */
export class Challenger {
  readonly events = new EventLog<ChallengerEvent>();
  readonly player: GamePlayer;
  private readonly challenged = new Set<string>();
  private readonly rounds: Rounds;

  constructor(private readonly o: ChallengerOptions) {
    this.player = new GamePlayer({ ...o, defend: o.defend ?? true, logger: o.logger?.child("player") });
    this.rounds = new Rounds(() => this.tick(), {
      pollMs: o.pollMs ?? 1000,
      logger: o.logger,
      onError: (error, failure) =>
        this.events.publish({ type: "roundFailed", error: errorMessage(error), ...failure }),
    });
    o.follower.events.subscribe((event) => {
      this.events.publish(unstamped(event));
      // Each batch's verdict, once, as the node reads it: "batch 3 valid", "batch 4 INVALID: …, challenging".
      if (event.type !== "batchRead") return;
      const short = (hex: string | null) => (hex ? `${hex.slice(0, 10)}…` : "none");
      const { batchIndex: batch, verdict, claim, honestClaim: honest } = event;
      if (verdict === "valid") o.logger?.info(`batch ${batch} valid`, { claim });
      else if (verdict === "orphaned") o.logger?.info(`batch ${batch} orphaned: built on an invalid batch`);
      else {
        const why = `claim ${short(claim)} ≠ ${short(honest)} computed`;
        o.logger?.warn(`batch ${batch} INVALID: ${why}, challenging`, { claim, honest });
      }
    });
    this.player.events.subscribe((event) => this.events.publish(unstamped(event)));
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
        this.events.publish({ type: "falseBatchPastWindow", batchIndex: batch.index, claim: batch.claim });
        this.challenged.add(key);
        continue;
      }
      const trace = follower.trace(batch.index);
      const midClaim = openingClaim(trace);
      const { gameId, receipt } = await rollup.challenge(
        signer,
        batch.index,
        follower.parentState(batch.index),
        midClaim,
        config.challengerBond,
      );
      this.challenged.add(key);
      logger?.info("challenge", {
        batch: batch.index,
        gameId,
        claimed: batch.claim,
        honest: batch.honestClaim,
      });
      this.events.publish({
        type: "challenged",
        gameId: gameId.toString(),
        batchIndex: batch.index,
        steps: batch.stepCount,
        claimed: batch.claim,
        honest: batch.honestClaim!,
        midClaim,
        bond: config.challengerBond.toString(),
        ...layer1Tx(receipt),
      });
    }
    await follower.sync();
    await this.player.playAll();
    if (this.o.withdrawCredit) {
      const withdrawn = await withdrawAnyCredit(rollup, signer);
      if (withdrawn) this.events.publish(withdrawn);
    }
  }

  /** What `strata_health` tells about the challenger: `degraded` when Layer 1 does not answer. */
  async health(): Promise<ChallengerHealth> {
    const { follower, signer } = this.o;
    return {
      ...(await followerHealth(follower, signer.provider!)),
      falseBatches: this.challenged.size,
      openGames: [...follower.games.values()].filter((g) => g.open).length,
      challenger: await signer.getAddress(),
    };
  }

  /** Runs rounds until `stop()`; a failed round is published (roundFailed), logged and retried on the next one. */
  run(): Promise<void> {
    return this.rounds.run();
  }

  stop(): void {
    this.rounds.stop();
  }
}
