import { ZERO_BYTES32 } from "../shared/types";

/**
 * The solver: decides a player's next action from the game as it stands on Layer 1 and the player's
 * trace (its claim after every step of the batch). Pure, so it is tested without a chain; the
 * responder (`GamePlayer`) sends what it decides. An honest player passes the honest trace; a test
 * adversary passes a lying one, or replaces the solver altogether.
 */

export type Party = "proposer" | "challenger";
export type GameStatus = "open" | "proposerWon" | "challengerWon" | "cancelled";

/** One game, as `OptimisticRollup.game` returns it, plus whether its batch is still in the chain. */
export interface GameView {
  id: bigint;
  batchIndex: number;
  challenger: string;
  status: GameStatus;
  /** The disputed range: both sides agree on the state after step `lo`; `hiClaimant` claims `rootHi`. */
  lo: number;
  hi: number;
  turn: Party;
  hiClaimant: Party;
  rootLo: string;
  rootHi: string;
  /** The last mover's claim about the state at floor((lo + hi) / 2); zero at one step. */
  midClaim: string;
  lastMoveAt: number;
  clocks: Record<Party, number>;
  /** Who took the proposer's side over (`defend`), null while the batch's proposer plays it. */
  defender: string | null;
  /** The batch was removed by another game: the game can only be cancelled. */
  moot: boolean;
}

export type Action =
  | { kind: "move"; agree: boolean; claim: string }
  | { kind: "defend"; agree: boolean; claim: string }
  | { kind: "step"; index: number }
  | { kind: "timeout" }
  | { kind: "cancel" }
  | { kind: "wait"; reason: string };

export type Strategy = (game: GameView, me: Party, trace: readonly string[], now: number) => Action;

export const other = (side: Party): Party => (side === "proposer" ? "challenger" : "proposer");

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** The midpoint claim a challenger opens a game with: zero for a one-step batch. */
export function openingClaim(trace: readonly string[]): string {
  const steps = trace.length - 1;
  return steps > 1 ? trace[Math.floor(steps / 2)] : ZERO_BYTES32;
}

/** Whether the side to move has run out of time at `now` (seconds). */
export function isOutOfTime(game: GameView, now: number): boolean {
  return now - game.lastMoveAt > game.clocks[game.turn];
}

/** When a third party may take the proposer's side over: once half its remaining clock is unplayed. */
export function defenceOpensAt(game: GameView): number {
  return game.lastMoveAt + Math.floor(game.clocks.proposer / 2);
}

/**
 * The honest defence, for a player who is neither side of the game: stand in for a batch's proposer whose
 * side is true by `trace` (it agrees on rootLo, and on rootHi exactly when the side holds it) once the
 * proposer has left its move unplayed for half its remaining clock, or run the one-step proof that makes
 * the side win; time out a defender that let the side's clock run out (the game is then restored, with the
 * side vacant, and defended anew). Otherwise wait: a false side is not worth a bond, and an online proposer
 * plays its own game.
 */
export const decideDefence = (game: GameView, trace: readonly string[], now: number): Action => {
  if (game.status !== "open" || game.moot) return { kind: "wait", reason: "not a live game" };
  // A defender that let the side's clock run out (a saboteur who took the side to stall it) is timed out
  // whatever it played: that costs it its bond and puts the game back as before its takeover, the side
  // vacant, so it can be defended again. Left alone, the stalled game would hold the batch from finality.
  if (game.defender !== null && game.turn === "proposer" && isOutOfTime(game, now))
    return { kind: "timeout" };
  const holdsHi = game.hiClaimant === "proposer";
  const sideIsTrue = same(trace[game.lo], game.rootLo) && same(trace[game.hi], game.rootHi) === holdsHi;
  if (!sideIsTrue) return { kind: "wait", reason: "the proposer's side is false" };
  if (isOutOfTime(game, now)) return { kind: "wait", reason: "too late to defend" };
  if (game.hi - game.lo === 1) return decide(game, "proposer", trace, now);
  if (game.turn !== "proposer") return { kind: "wait", reason: "the challenger's turn" };
  if (game.defender !== null) return { kind: "wait", reason: "already defended" };
  if (now < defenceOpensAt(game)) return { kind: "wait", reason: "the proposer may still move" };
  const action = decide(game, "proposer", trace, now);
  return action.kind === "move" ? { ...action, kind: "defend" } : action;
};

/**
 * The honest strategy: agree with a claim exactly when it matches the trace, claim the trace's state at
 * every midpoint, run the one-step proof when it confirms this side, and claim a win on time.
 */
export const decide: Strategy = (game, me, trace, now) => {
  if (game.status !== "open") return { kind: "wait", reason: `the game is over (${game.status})` };
  if (game.moot) return { kind: "cancel" };
  if (isOutOfTime(game, now)) {
    return game.turn === me ? { kind: "wait", reason: "out of time" } : { kind: "timeout" };
  }
  if (game.hi - game.lo === 1) {
    // The step from rootLo confirms rootHi exactly when the trace says rootHi is right.
    const confirmsHi = same(trace[game.hi], game.rootHi);
    const iHoldHi = game.hiClaimant === me;
    return confirmsHi === iHoldHi
      ? { kind: "step", index: game.lo }
      : { kind: "wait", reason: "the step would not confirm my side" };
  }
  if (game.turn !== me) return { kind: "wait", reason: "the opponent's turn" };
  const mid = Math.floor((game.lo + game.hi) / 2);
  const agree = same(trace[mid], game.midClaim);
  const [lo, hi] = agree ? [mid, game.hi] : [game.lo, mid];
  const claim = hi - lo > 1 ? trace[Math.floor((lo + hi) / 2)] : ZERO_BYTES32;
  return { kind: "move", agree, claim };
};
