import type { ContractTransactionReceipt, Signer } from "ethers";
import { StrataError } from "../common/errors";
import type { MerkleProof } from "../shared/merkle-tree";
import type { WithdrawalData } from "../shared/types";
import type { SidechainContext } from "./chains";
import { acceptedCheckpoints } from "./chains";
import type { Checkpoint } from "./checkpoint";
import { checkpointWithdrawalTree } from "./checkpoint";
import type { ChildBurn } from "./child-bridge";

/**
 * A user's way back from the sidechain: a burn on the sidechain is paid on Layer 1, by Layer 1's
 * `Bridge`, once a checkpoint covering its block is accepted, with a Merkle proof of the burn into
 * that checkpoint's withdrawal root. The proof is rebuilt from the sidechain's own burns, and checked
 * against the accepted root before anything is sent.
 */

/** No accepted checkpoint covers the burn's block yet. */
export class BurnNotCheckpointedError extends StrataError {}

/**
 * The accepted checkpoint's withdrawal root is not the root of the burns the sidechain holds for its
 * blocks: the validators' quorum signed something else (or this node's sidechain is not theirs).
 */
export class CheckpointRootMismatchError extends StrataError {}

/** The accepted checkpoint whose range holds sidechain block `block`, if one does yet. */
export async function checkpointCovering(
  ctx: SidechainContext,
  block: number,
): Promise<Checkpoint | undefined> {
  const accepted = await acceptedCheckpoints(ctx.root);
  return accepted.find((c) => Number(c.startBlock) <= block && block <= Number(c.endBlock));
}

export interface ExitProof {
  checkpoint: Checkpoint;
  withdrawal: WithdrawalData;
  proof: MerkleProof;
}

/** The proof that `burn` is in the accepted checkpoint covering its block. */
export async function exitProof(ctx: SidechainContext, burn: ChildBurn): Promise<ExitProof> {
  const checkpoint = await checkpointCovering(ctx, burn.blockNumber);
  if (!checkpoint) {
    throw new BurnNotCheckpointedError(
      `no accepted checkpoint covers sidechain block ${burn.blockNumber} yet (the burn ${burn.index})`,
    );
  }
  const burns = await ctx.child.readBurns(Number(checkpoint.startBlock), Number(checkpoint.endBlock));
  const leaf = burns.findIndex((b) => b.index === burn.index);
  if (leaf < 0) {
    throw new CheckpointRootMismatchError(
      `the sidechain shows no burn ${burn.index} in blocks ${checkpoint.startBlock}-${checkpoint.endBlock}`,
    );
  }
  const tree = await checkpointWithdrawalTree(
    burns.map(({ recipient, tokenId, amount }) => ({ recipient, tokenId, amount })),
  );
  if (tree.root.toLowerCase() !== checkpoint.withdrawalRoot.toLowerCase()) {
    throw new CheckpointRootMismatchError(
      `checkpoint ${checkpoint.number} was accepted with withdrawal root ${checkpoint.withdrawalRoot}, ` +
        `but the sidechain's burns in its blocks make ${tree.root}`,
    );
  }
  return { checkpoint, withdrawal: tree.withdrawals[leaf], proof: tree.proof(leaf) };
}

/** Pays `burn` on Layer 1 (to its recipient, whoever sends this); resolves once mined. */
export async function exitBurn(
  ctx: SidechainContext,
  signer: Signer,
  burn: ChildBurn,
): Promise<{ receipt: ContractTransactionReceipt; exit: ExitProof }> {
  const exit = await exitProof(ctx, burn);
  const receipt = await ctx.bridge.finalizeWithdrawal(signer, {
    rollup: ctx.root.address,
    batchIndex: exit.checkpoint.number,
    withdrawal: exit.withdrawal,
    proof: exit.proof,
  });
  return { receipt, exit };
}
