import { StrataError } from "../common/errors";
import type { Hasher } from "./hasher";

export class MerkleIndexError extends StrataError {}

/** A leaf's siblings, bottom-up, as hex: what `Merkle.computeRoot` takes. */
export interface MerkleProof {
  index: number;
  leaf: string;
  siblings: string[];
}

/**
 * A fixed-depth sparse binary Merkle tree. Only touched nodes are stored; an untouched subtree of
 * height h is `zeros[h]`, precomputed once. An update rewrites the one path from the leaf to the root
 * (`depth` hashes), so the cost does not depend on how many leaves are set.
 *
 * Positions follow `Merkle.sol`: bit `l` of the index says whether the level-`l` node is a right child.
 */
export class SparseMerkleTree<N> {
  /** zeros[h]: the root of an empty subtree of height h. */
  readonly zeros: readonly N[];
  /** levels[l]: the non-empty nodes of level l (0 = leaves), by index. */
  private readonly levels: Map<number, N>[];
  private rootNode: N;

  constructor(
    readonly hasher: Hasher<N>,
    readonly depth: number,
  ) {
    if (!Number.isInteger(depth) || depth < 1 || depth > 48) {
      throw new RangeError(`tree depth must be an integer in [1, 48], got ${depth}`);
    }
    const zeros: N[] = [hasher.zero];
    for (let h = 0; h < depth; h++) zeros.push(hasher.hashPair(zeros[h], zeros[h]));
    this.zeros = zeros;
    this.levels = Array.from({ length: depth + 1 }, () => new Map<number, N>());
    this.rootNode = zeros[depth];
  }

  /** An independent copy: updating one never changes the other. */
  clone(): SparseMerkleTree<N> {
    const copy = Object.create(SparseMerkleTree.prototype) as SparseMerkleTree<N>;
    Object.assign(copy, {
      hasher: this.hasher,
      depth: this.depth,
      zeros: this.zeros,
      levels: this.levels.map((level) => new Map(level)),
      rootNode: this.rootNode,
    });
    return copy;
  }

  /** How many leaves the tree has room for: 2^depth. */
  get capacity(): number {
    return 2 ** this.depth;
  }

  get root(): N {
    return this.rootNode;
  }

  get rootHex(): string {
    return this.hasher.toHex(this.rootNode);
  }

  leaf(index: number): N {
    this.checkIndex(index);
    return this.levels[0].get(index) ?? this.zeros[0];
  }

  /** Sets one leaf and rewrites its path; returns the new root. */
  update(index: number, leaf: N): N {
    this.checkIndex(index);
    const { hasher, levels, zeros } = this;
    let node = leaf;
    let i = index;
    levels[0].set(i, node);
    for (let level = 0; level < this.depth; level++) {
      const isRight = i % 2 === 1;
      const sibling = levels[level].get(isRight ? i - 1 : i + 1) ?? zeros[level];
      node = isRight ? hasher.hashPair(sibling, node) : hasher.hashPair(node, sibling);
      i = Math.floor(i / 2);
      levels[level + 1].set(i, node);
    }
    this.rootNode = node;
    return node;
  }

  /** The siblings of leaf `index`, bottom-up, in the hasher's node type. */
  siblings(index: number): N[] {
    this.checkIndex(index);
    const out: N[] = [];
    let i = index;
    for (let level = 0; level < this.depth; level++) {
      out.push(this.levels[level].get(i % 2 === 1 ? i - 1 : i + 1) ?? this.zeros[level]);
      i = Math.floor(i / 2);
    }
    return out;
  }

  /** An inclusion proof of leaf `index` against the current root, in hex. */
  proof(index: number): MerkleProof {
    const { hasher } = this;
    return {
      index,
      leaf: hasher.toHex(this.leaf(index)),
      siblings: this.siblings(index).map((s) => hasher.toHex(s)),
    };
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.capacity) {
      throw new MerkleIndexError(`leaf index ${index} is outside a tree of depth ${this.depth}`);
    }
  }
}

/** The root implied by `leaf` at `index` with `siblings` bottom-up: what `Merkle.computeRoot` returns. */
export function computeMerkleRoot<N>(hasher: Hasher<N>, leaf: N, index: number, siblings: readonly N[]): N {
  if (index >= 2 ** siblings.length) {
    throw new MerkleIndexError(`leaf index ${index} does not fit a proof of depth ${siblings.length}`);
  }
  let node = leaf;
  let i = index;
  for (const sibling of siblings) {
    node = i % 2 === 1 ? hasher.hashPair(sibling, node) : hasher.hashPair(node, sibling);
    i = Math.floor(i / 2);
  }
  return node;
}

/** Whether `proof` shows its leaf in the tree whose root is `root` (hex). */
export function verifyMerkleProof<N>(hasher: Hasher<N>, proof: MerkleProof, root: string): boolean {
  const computed = computeMerkleRoot(
    hasher,
    hasher.fromHex(proof.leaf),
    proof.index,
    proof.siblings.map((s) => hasher.fromHex(s)),
  );
  return hasher.equals(computed, hasher.fromHex(root));
}

/**
 * Every level of a complete tree of height `depth` over `leaves`, padded with zero leaves:
 * levels[0] are the leaves, levels[depth] = [root]. For the short trees a batch commits to (its steps,
 * its withdrawals), where a proof for any leaf is needed.
 */
export function buildPaddedLevels<N>(hasher: Hasher<N>, leaves: readonly N[], depth: number): N[][] {
  if (leaves.length > 2 ** depth) {
    throw new MerkleIndexError(`${leaves.length} leaves do not fit a tree of depth ${depth}`);
  }
  const padded = [...leaves];
  while (padded.length < 2 ** depth) padded.push(hasher.zero);
  const levels = [padded];
  for (let level = 0; level < depth; level++) {
    const below = levels[level];
    const above: N[] = [];
    for (let i = 0; i < below.length; i += 2) above.push(hasher.hashPair(below[i], below[i + 1]));
    levels.push(above);
  }
  return levels;
}

/** The siblings of leaf `index` in levels built by `buildPaddedLevels`, bottom-up. */
export function paddedSiblings<N>(levels: readonly N[][], index: number): N[] {
  const siblings: N[] = [];
  let i = index;
  for (let level = 0; level < levels.length - 1; level++) {
    siblings.push(levels[level][i ^ 1]);
    i >>= 1;
  }
  return siblings;
}
