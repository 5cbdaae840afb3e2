import type { Provider } from "ethers";
import { Contract, ZeroAddress } from "ethers";
import { StrataError } from "../common/errors";
import type { AdjudicatorClient } from "./adjudicator-client";
import type { SignedState } from "./channel";
import { totalOf } from "./types";

/**
 * The properties the end-to-end scenarios check after every step, against any JSON-RPC node.
 */
export class InvariantViolationError extends StrataError {}

export interface SolvencyScope {
  /** Channels whose holdings count. */
  channelIds: readonly string[];
  /** Assets to check; address(0) is ETH. */
  assets: readonly string[];
  /** Accounts that may have credits (payouts that could not be pushed). */
  accounts: readonly string[];
}

/**
 * Payouts never exceed holdings: per asset, what the adjudicator owns ≥ Σ channel holdings + Σ credits
 * (everything it still owes). Returns the slack per asset.
 */
export async function assertAdjudicatorSolvent(
  adjudicator: AdjudicatorClient,
  provider: Provider,
  scope: SolvencyScope,
): Promise<Map<string, bigint>> {
  const slack = new Map<string, bigint>();
  for (const asset of scope.assets) {
    let owed = 0n;
    for (const id of scope.channelIds) owed += await adjudicator.holdings(id, asset);
    for (const account of scope.accounts) owed += await adjudicator.credits(asset, account);
    const owned = await balanceOf(provider, asset, adjudicator.address);
    if (owned < owed) {
      throw new InvariantViolationError(`the adjudicator owns ${owned} of ${asset} but owes ${owed}`);
    }
    slack.set(asset, owned - owed);
  }
  return slack;
}

/**
 * The newest co-signed state can win: until the channel concludes, its holdings cover everything that
 * state allocates, so registering it (or refuting with it) cannot fail for want of funds. When Layer 1
 * already paid the state's withdrawals (`PartialWithdrawal` at its version), they are not counted.
 */
export async function assertNewestStateCovered(
  adjudicator: AdjudicatorClient,
  newest: SignedState,
  options: { withdrawalsPaid?: boolean } = {},
): Promise<void> {
  const { state } = newest;
  for (let i = 0; i < state.allocations.length; i++) {
    const asset = state.allocations[i].asset;
    const held = await adjudicator.holdings(state.channelId, asset);
    const paid = options.withdrawalsPaid
      ? state.withdrawals.filter((w) => w.asset === i).reduce((sum, w) => sum + w.amount, 0n)
      : 0n;
    const needed = totalOf(state, i) - paid;
    if (held < needed) {
      throw new InvariantViolationError(
        `channel ${state.channelId} holds ${held} of ${asset}, its newest state needs ${needed}`,
      );
    }
  }
}

async function balanceOf(provider: Provider, asset: string, account: string): Promise<bigint> {
  if (asset === ZeroAddress) return provider.getBalance(account);
  const token = new Contract(asset, ["function balanceOf(address) view returns (uint256)"], provider);
  return token.balanceOf(account) as Promise<bigint>;
}
