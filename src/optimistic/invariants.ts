import type { Provider } from "ethers";
import type { Bridge } from "../../typechain-types";
import { InvariantViolationError, creditsMatchEvents } from "../bridge/invariants";
import type { ChainFollower } from "./chain-follower";
import type { RollupClient } from "./rollup-client";

export interface BondReport {
  balance: bigint;
  locked: bigint;
  credited: bigint;
  burned: bigint;
}

/**
 * Bond conservation: the rollup's ETH is exactly the bonds still locked (batches not yet final, open
 * games' challengers and defenders) plus unwithdrawn credit plus what was burned. So every bond ends returned, paid to a winner or
 * burned, and none is stuck. Credit is summed from the ledger's events and checked account by account.
 */
export async function assertBondsConserved(rollup: RollupClient, provider: Provider): Promise<BondReport> {
  const c = rollup.contract;
  const [balance, burned, config, batchCount, lastFinal, gameCount] = await Promise.all([
    provider.getBalance(rollup.address),
    c.burned(),
    rollup.config(),
    c.batchCount(),
    c.lastFinalizedIndex(),
    c.gameCount(),
  ]);
  // Each open game locks its challenger's bond, and its defender's (the same amount) if one joined.
  let gameBonds = 0n;
  for (let id = 0n; id < gameCount; id++) {
    const game = await c.game(id);
    if (game.status === 1n) gameBonds += game.defenderMoves === 0n ? 1n : 2n;
  }
  const locked = (batchCount - 1n - lastFinal) * config.proposerBond + gameBonds * config.challengerBond;

  const credited = await creditsMatchEvents(
    await c.queryFilter(c.filters.BondCredited()),
    await c.queryFilter(c.filters.CreditWithdrawn()),
    (account) => c.credit(account),
    "credit",
  );
  if (balance !== locked + credited + burned) {
    throw new InvariantViolationError(
      `rollup holds ${balance} wei but locked ${locked} + credit ${credited} + burned ${burned} = ${
        locked + credited + burned
      }`,
    );
  }
  return { balance, locked, credited, burned };
}

/** Every final batch is the honest result of applying its transactions to its parent's state. */
export function assertFinalBatchesValid(follower: ChainFollower): void {
  for (const batch of follower.batches.slice(0, follower.lastFinalized + 1)) {
    if (batch.verdict !== "valid") {
      throw new InvariantViolationError(`final batch ${batch.index} is ${batch.verdict}`);
    }
  }
}

/**
 * What the rollup owes per token id, as the honest node sees it: Layer-2 balances after the last valid
 * batch plus every withdrawal of a valid batch that the bridge has not paid yet. For
 * `assertBridgeSolvent`.
 */
export async function owedByRollup(follower: ChainFollower, bridge: Bridge): Promise<Map<number, bigint>> {
  const owed = new Map<number, bigint>();
  const add = (tokenId: number, amount: bigint) => owed.set(tokenId, (owed.get(tokenId) ?? 0n) + amount);
  // A false batch (and what is built on it) owes nothing: it will be removed before it is final.
  let lastValid = follower.batches.length - 1;
  while (follower.batches[lastValid].verdict !== "valid") lastValid--;
  const state = follower.machineAfter(lastValid)!;
  for (const [, account] of state.l2.entries()) add(account.tokenId, account.balance);
  for (const batch of follower.batches) {
    for (const [leaf, w] of (batch.withdrawals ?? []).entries()) {
      const paid = await bridge.isWithdrawalFinalized(follower.rollup.address, batch.index, leaf);
      if (!paid) add(w.tokenId, w.amount);
    }
  }
  return owed;
}
