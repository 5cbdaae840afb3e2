import type { Signer } from "ethers";
import { EventLog } from "../common/events";
import type { Logger } from "../common/logger";
import { FailureStreak } from "../common/rounds";
import type { ChainFollower } from "./chain-follower";
import type { CreditWithdrawnEvent, PlayerEvent } from "./events";
import { layer1Tx } from "./events";
import type { RollupClient } from "./rollup-client";
import type { Action, GameView, Party, Strategy } from "./solver";
import { decide, decideDefence } from "./solver";

export interface GamePlayerOptions {
  rollup: RollupClient;
  follower: ChainFollower;
  signer: Signer;
  /** How to decide (default: the honest solver). Adversaries (src/optimistic/adversaries.ts) pass their own. */
  strategy?: Strategy;
  /** This player's trace for a batch (default: the honest one). A lying player passes its lie. */
  traceFor?: (batchIndex: number) => string[];
  /**
   * Also stand in for the proposer of a batch this player's node finds valid, in games it is not a side
   * of, when the proposer leaves a move unplayed for half its clock (`decideDefence`), bonded with
   * CHALLENGER_BOND (default false).
   */
  defend?: boolean;
  logger?: Logger;
}

/**
 * The responder: for every open game this player is in (as the batch's proposer, as its challenger, or as
 * the defender who took the proposer's side over), asks the strategy what to do and sends it; with
 * `defend`, it also watches the games against valid batches that it is not in, and defends them when
 * their proposer falls silent. Knows nothing about the game's rules itself. What it sent
 * is on Layer 1, where every node reads it (its follower publishes gameMoved, stepProved, …); it
 * publishes on `events` only what Layer 1 does not show: an action that failed (actionFailed).
 */
export class GamePlayer {
  readonly events = new EventLog<PlayerEvent>();
  private readonly strategy: Strategy;
  /** The games whose action is failing, each its streak (logged at its start, each doubling, its end). */
  private readonly failing = new Map<bigint, FailureStreak>();

  constructor(private readonly o: GamePlayerOptions) {
    this.strategy = o.strategy ?? decide;
  }

  /**
   * One round over every open game this player is in; returns what it did in each. A game whose action
   * fails (a revert, a dropped connection) is tried again next round, the others go on; a game's run of
   * failures is logged as one story (`FailureStreak`: its start, each doubling, its end), so that an
   * outage of Layer 1 is not a line per game per round.
   */
  async playAll(): Promise<Map<bigint, Action>> {
    const me = (await this.o.signer.getAddress()).toLowerCase();
    const done = new Map<bigint, Action>();
    for (const known of this.o.follower.games.values()) {
      if (!known.open) continue;
      const batch = this.o.follower.batches[known.batchIndex];
      const asChallenger = known.challenger.toLowerCase() === me;
      // Once a defender took the proposer's side over, it plays that side, and the proposer no longer.
      const sidePlayer = known.defender ?? batch?.proposer;
      const asProposer = sidePlayer !== undefined && sidePlayer.toLowerCase() === me;
      const asWatcher = !asChallenger && !asProposer && this.o.defend === true && batch?.verdict === "valid";
      if (!asChallenger && !asProposer && !asWatcher) continue;
      const as: Party = asChallenger ? "challenger" : "proposer";
      try {
        done.set(known.id, asWatcher ? await this.watch(known.id) : await this.play(known.id, as));
        this.failing.get(known.id)?.succeeded();
        this.failing.delete(known.id);
      } catch (error) {
        const message = (error as Error).message;
        this.streakOf(known.id, as).failed(error);
        this.events.publish({ type: "actionFailed", gameId: known.id.toString(), as, error: message });
        done.set(known.id, { kind: "wait", reason: `failed: ${message}` });
      }
    }
    // A game that ended (or is no longer this player's) while its action failed ends its streak unsaid.
    for (const gameId of this.failing.keys()) if (!done.has(gameId)) this.failing.delete(gameId);
    return done;
  }

  private streakOf(gameId: bigint, as: Party): FailureStreak {
    let streak = this.failing.get(gameId);
    if (streak === undefined) {
      const fields = { gameId, as };
      streak = new FailureStreak({
        what: "action",
        retry: "retrying next round",
        logger: this.o.logger,
        fields,
      });
      this.failing.set(gameId, streak);
    }
    return streak;
  }

  /** Decides and acts once in game `gameId` as `me`. */
  async play(gameId: bigint, me: Party): Promise<Action> {
    const { rollup, follower, signer, logger } = this.o;
    const [game, now] = await Promise.all([rollup.game(gameId), this.now()]);
    const trace = game.moot ? [] : this.traceOf(game);
    const action = this.strategy(game, me, trace, now);
    switch (action.kind) {
      case "move":
        await rollup.move(signer, gameId, action.agree, action.claim);
        break;
      case "defend": // a side's own player never defends (the contract would refuse it)
        return { kind: "wait", reason: "a side does not defend its own game" };
      case "step":
        await rollup.proveStep(signer, gameId, await follower.stepProof(game.batchIndex, action.index));
        break;
      case "timeout":
        await rollup.timeout(signer, gameId);
        break;
      case "cancel":
        await rollup.cancel(signer, gameId);
        break;
      case "wait":
        return action;
    }
    logger?.info(action.kind, { gameId, as: me, ...describe(action, game) });
    return action;
  }

  /** Decides whether to defend game `gameId`, which this player is not a side of, and does. */
  async watch(gameId: bigint): Promise<Action> {
    const { rollup, follower, signer, logger } = this.o;
    const [game, now] = await Promise.all([rollup.game(gameId), this.now()]);
    if (game.status !== "open" || game.moot) return { kind: "wait", reason: "not a live game" };
    const action = decideDefence(game, this.traceOf(game), now);
    switch (action.kind) {
      case "defend":
        await rollup.defend(
          signer,
          gameId,
          action.agree,
          action.claim,
          (await rollup.config()).challengerBond,
        );
        break;
      case "step":
        await rollup.proveStep(signer, gameId, await follower.stepProof(game.batchIndex, action.index));
        break;
      case "timeout": // a defender that let the side's clock run out: the game is restored, the side vacant
        await rollup.timeout(signer, gameId);
        break;
      default:
        return action;
    }
    logger?.info(action.kind, { gameId, as: "defender", ...describe(action, game) });
    return action;
  }

  private traceOf(game: GameView): string[] {
    return this.o.traceFor?.(game.batchIndex) ?? this.o.follower.trace(game.batchIndex);
  }

  private async now(): Promise<number> {
    const block = await this.o.signer.provider!.getBlock("latest");
    return block!.timestamp;
  }
}

/** Withdraws the bonds credited to `signer`, if any; returns the withdrawal as an event, if one was made. */
export async function withdrawAnyCredit(
  rollup: RollupClient,
  signer: Signer,
): Promise<CreditWithdrawnEvent | undefined> {
  const account = await signer.getAddress();
  if ((await rollup.contract.credit(account)) === 0n) return undefined;
  const receipt = await rollup.withdrawCredit(signer);
  const amount = rollup.eventIn(receipt, "CreditWithdrawn").args.amount as bigint;
  return { type: "creditWithdrawn", account, amount: amount.toString(), ...layer1Tx(receipt) };
}

function describe(action: Action, game: GameView): Record<string, unknown> {
  if (action.kind === "move" || action.kind === "defend")
    return { agree: action.agree, lo: game.lo, hi: game.hi };
  if (action.kind === "step") return { step: action.index };
  return {};
}
