/**
 * Test-only keccak withdrawal tree, built exactly as `Withdrawal.sol` and `Merkle.sol` check it:
 * leaf = keccak256(abi.encode(address recipient, uint32 tokenId, uint128 amount)), node = keccak256(left ‖ right),
 * leaves padded with bytes32(0) to 2^depth where depth = max(1, ceil(log2(n))).
 * (The production tree will live in src/shared; this one stays small.)
 */
import { AbiCoder, ZeroHash, concat, keccak256 } from "ethers";

/** One withdrawal leaf. See `Withdrawal.sol`. */
export interface WithdrawalLeaf {
  recipient: string;
  tokenId: number | bigint;
  amount: bigint;
}

export interface WithdrawalTree {
  root: string;
  depth: number;
  /** layers[0] are the padded leaf hashes, layers[depth] is [root]. */
  layers: string[][];
}

/** The leaf hash of a withdrawal, as `Withdrawal.hash`. */
export function hashWithdrawal(leaf: WithdrawalLeaf): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["address", "uint32", "uint128"],
      [leaf.recipient, leaf.tokenId, leaf.amount],
    ),
  );
}

/** Builds the padded tree over `leaves`, in order. */
export function buildWithdrawalTree(leaves: readonly WithdrawalLeaf[]): WithdrawalTree {
  let depth = 1;
  while (2 ** depth < leaves.length) depth++;
  const bottom = leaves.map(hashWithdrawal);
  while (bottom.length < 2 ** depth) bottom.push(ZeroHash);

  const layers = [bottom];
  for (let level = 0; level < depth; level++) {
    const below = layers[level];
    const above: string[] = [];
    for (let i = 0; i < below.length; i += 2) above.push(keccak256(concat([below[i], below[i + 1]])));
    layers.push(above);
  }
  return { root: layers[depth][0], depth, layers };
}

/** The siblings of leaf `index`, bottom-up, as `Merkle.computeRoot` takes them. */
export function proveWithdrawal(tree: WithdrawalTree, index: number): string[] {
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** tree.depth) {
    throw new RangeError(`leaf index ${index} is outside a tree of depth ${tree.depth}`);
  }
  const proof: string[] = [];
  for (let level = 0; level < tree.depth; level++) {
    proof.push(tree.layers[level][(index >> level) ^ 1]);
  }
  return proof;
}
