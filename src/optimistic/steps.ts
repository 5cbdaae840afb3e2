import { keccak256 } from "ethers";
import { StrataError } from "../common/errors";
import { bytesToHex } from "../shared/bytes";
import { encodeTx } from "../shared/codec";
import type { KeccakHasher } from "../shared/hasher";
import { buildPaddedLevels, paddedSiblings } from "../shared/merkle-tree";
import type { L2Tx } from "../shared/types";

/** The most steps (transactions) one batch may have. Mirrors `Steps.MAX_STEPS`. */
export const MAX_STEPS = 2048;

export class StepsError extends StrataError {}

/**
 * The commitment to a batch's transactions: the Merkle root of their hashes, padded with zero leaves
 * to a power of two, so one transaction can be shown to be the k-th of the batch. Mirrors `Steps.sol`.
 */
export class StepsTree {
  readonly depth: number;
  readonly encoded: readonly Uint8Array[];
  private readonly levels: Uint8Array[][];

  /**
   * @param txs The batch's transactions, or better their bytes as Layer 1 holds them (a follower's):
   * `encodeTx` writes one encoding of each, and a proposer may have posted another that decodes the same.
   */
  constructor(
    private readonly hasher: KeccakHasher,
    txs: readonly (L2Tx | Uint8Array)[],
  ) {
    if (txs.length === 0 || txs.length > MAX_STEPS) {
      throw new StepsError(`a batch has 1 to ${MAX_STEPS} steps, not ${txs.length}`);
    }
    this.encoded = txs.map((tx) => (tx instanceof Uint8Array ? tx : encodeTx(tx)));
    let depth = 0;
    while (2 ** depth < txs.length) depth++;
    this.depth = depth;
    this.levels = buildPaddedLevels(
      hasher,
      this.encoded.map((e) => hasher.fromHex(keccak256(e))),
      depth,
    );
  }

  get root(): string {
    return this.hasher.toHex(this.levels[this.depth][0]);
  }

  get count(): number {
    return this.encoded.length;
  }

  /** Step `index`'s encoded transaction and its Merkle path, as `step` takes them. */
  proof(index: number): { transaction: string; txProof: string[] } {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new StepsError(`no step ${index} in a batch of ${this.count}`);
    }
    return {
      transaction: bytesToHex(this.encoded[index]),
      txProof: paddedSiblings(this.levels, index).map((s) => this.hasher.toHex(s)),
    };
  }
}
