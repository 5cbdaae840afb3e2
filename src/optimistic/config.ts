import { parseUnits } from "ethers";

/** Seconds: a batch's challenge window, a deposit's inclusion window, each side's clock in a game. */
export interface RollupTiming {
  challengeWindow: number;
  inclusionWindow: number;
  gameClock: number;
}

const DAY = 24 * 60 * 60;

/** What a production deployment would use: OP Stack's 7-day window and 3.5-day clocks. */
export const PRODUCTION_TIMING: RollupTiming = {
  challengeWindow: 7 * DAY,
  inclusionWindow: 1 * DAY,
  gameClock: 3.5 * DAY,
};

/** Local chains: short enough to watch an agent play a whole game, long enough for it to answer. */
export const LOCAL_TIMING: RollupTiming = { challengeWindow: 120, inclusionWindow: 60, gameClock: 60 };

/**
 * Gas one side spends on the longest dispute (a 1,024-step batch), measured by `npm run bench`
 * (`optimistic.dispute.*`) and rounded up: the challenger opens, makes half the moves and may run the
 * step; the proposer makes the other half and may run the step.
 */
export const DISPUTE_GAS_PER_SIDE = 700_000n;

export interface BondSizing {
  /** The gas price the bond must cover, in wei (default 50 gwei). */
  gasPrice?: bigint;
  /** How many times the other side's dispute cost the bond covers (default 2). */
  margin?: bigint;
}

/**
 * A bond pays the winner for playing the game, so it is sized from the gas the winner spends, at a gas
 * price the deployer chooses: bond = DISPUTE_GAS_PER_SIDE × gasPrice × margin. With the defaults, 0.07
 * ETH. Half of a loser's bond is burned, so the winner is covered at margin ≥ 2.
 */
export function sizeBond(o: BondSizing = {}): bigint {
  return DISPUTE_GAS_PER_SIDE * (o.gasPrice ?? parseUnits("50", "gwei")) * (o.margin ?? 2n);
}
