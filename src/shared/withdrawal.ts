import { AbiCoder, keccak256 } from "ethers";
import { StrataError } from "../common/errors";
import type { KeccakHasher } from "./hasher";
import type { MerkleProof } from "./merkle-tree";
import { buildPaddedLevels, paddedSiblings } from "./merkle-tree";
import type { WithdrawalData } from "./types";

const abi = AbiCoder.defaultAbiCoder();

export class WithdrawalTreeError extends StrataError {}

/** The leaf hash: keccak256(abi.encode(recipient, tokenId, amount)). Mirrors `Withdrawal.hash`. */
export function hashWithdrawal(w: WithdrawalData): string {
  return keccak256(abi.encode(["address", "uint32", "uint128"], [w.recipient, w.tokenId, w.amount]));
}

/**
 * The withdrawal tree of one batch: its leaves in the order the batch produced them, padded with
 * zero leaves to 2^depth, depth = max(1, ⌈log2 n⌉). So an empty batch has a non-zero root, which the
 * bridge needs (zero means "not final"), and a proof is as short as the batch allows.
 */
export class WithdrawalTree {
  readonly depth: number;
  private readonly levels: Uint8Array[][];

  constructor(
    private readonly hasher: KeccakHasher,
    readonly withdrawals: readonly WithdrawalData[],
  ) {
    let depth = 1;
    while (2 ** depth < withdrawals.length) depth++;
    this.depth = depth;
    const leaves = withdrawals.map((w) => hasher.fromHex(hashWithdrawal(w)));
    this.levels = buildPaddedLevels(hasher, leaves, depth);
  }

  get root(): string {
    return this.hasher.toHex(this.levels[this.depth][0]);
  }

  /** The proof that withdrawal `index` is in this batch, as `Bridge.finalizeWithdrawal` takes it. */
  proof(index: number): MerkleProof {
    if (!Number.isInteger(index) || index < 0 || index >= this.withdrawals.length) {
      throw new WithdrawalTreeError(`no withdrawal ${index} in a batch of ${this.withdrawals.length}`);
    }
    const siblings = paddedSiblings(this.levels, index).map((s) => this.hasher.toHex(s));
    return { index, leaf: hashWithdrawal(this.withdrawals[index]), siblings };
  }
}
