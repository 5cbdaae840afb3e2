import type { ContractTransactionReceipt, Signer } from "ethers";
import type { WithdrawalData } from "../shared/types";
import type { WithdrawalTree } from "../shared/withdrawal";
import type { SidechainContext } from "./chains";
import type { Checkpoint } from "./checkpoint";
import { checkpointWithdrawalTree, signCheckpoint } from "./checkpoint";

/**
 * Validators that lie together: they sign a checkpoint listing withdrawals the sidechain never burned
 * (after the real ones of its blocks, so that the honest exits of those blocks still pay) and submit it.
 * Layer 1 checks only that the signers hold more than 2/3 of the active stake: with that much, the lie
 * is accepted and its withdrawals are paid out of the sidechain's escrow; with 2/3 or less it reverts
 * `SidechainQuorumNotReached`. There is no window and no proof that could stop it: that is the sidechain's
 * trust assumption, in code. A test actor and a demo actor, never deployed by the scripts.
 */

export interface ForgedCheckpoint {
  checkpoint: Checkpoint;
  /** Its withdrawal tree: the real burns of its blocks, then the forged withdrawals. */
  tree: WithdrawalTree;
  /** Where the forged withdrawals sit in the tree (for their exits). */
  forgedLeaves: number[];
}

/**
 * The next checkpoint as a coalition forges it: over the next `span` blocks from where the last one
 * ended (or up to the sidechain's head if it is not that far yet), with `forged` after the real burns.
 */
export async function forgeCheckpoint(
  ctx: SidechainContext,
  forged: readonly WithdrawalData[],
  span = 1,
): Promise<ForgedCheckpoint> {
  const [number, startBlock, head] = await Promise.all([
    ctx.root.checkpointCount(),
    ctx.root.nextStartBlock(),
    ctx.sidechain.getBlockNumber(),
  ]);
  const endBlock = BigInt(Math.min(head, Number(startBlock) + span - 1));
  const real = (await ctx.child.readBurns(Number(startBlock), Number(endBlock))).map(
    ({ recipient, tokenId, amount }) => ({ recipient, tokenId, amount }),
  );
  const tree = await checkpointWithdrawalTree([...real, ...forged]);
  const block = await ctx.sidechain.getBlock(Number(endBlock));
  return {
    checkpoint: { number, startBlock, endBlock, endBlockHash: block!.hash!, withdrawalRoot: tree.root },
    tree,
    forgedLeaves: forged.map((_, i) => real.length + i),
  };
}

/** The coalition's signatures on `forged.checkpoint`, submitted to Layer 1 by `submitter`. */
export async function submitForgedCheckpoint(
  ctx: SidechainContext,
  coalition: readonly Signer[],
  submitter: Signer,
  forged: ForgedCheckpoint,
): Promise<ContractTransactionReceipt> {
  const domain = await ctx.root.domain();
  const signatures = await Promise.all(coalition.map((v) => signCheckpoint(v, domain, forged.checkpoint)));
  return (await ctx.root.submitCheckpoint(submitter, forged.checkpoint, signatures)).receipt;
}

/** Pays forged withdrawal `i` of an accepted forged checkpoint on Layer 1 (to its recipient). */
export function exitForged(
  ctx: SidechainContext,
  submitter: Signer,
  forged: ForgedCheckpoint,
  i: number,
): Promise<ContractTransactionReceipt> {
  const leaf = forged.forgedLeaves[i];
  return ctx.bridge.finalizeWithdrawal(submitter, {
    rollup: ctx.root.address,
    batchIndex: forged.checkpoint.number,
    withdrawal: forged.tree.withdrawals[leaf],
    proof: forged.tree.proof(leaf),
  });
}
