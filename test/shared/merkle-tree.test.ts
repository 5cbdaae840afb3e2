import { expect } from "chai";
import {
  MerkleIndexError,
  SparseMerkleTree,
  computeMerkleRoot,
  createKeccakHasher,
  createPoseidonHasher,
  verifyMerkleProof,
} from "../../src/shared";
import type { Account, Hasher, HasherName, KeccakHasher, PoseidonHasher } from "../../src/shared";
import fc from "fast-check";
import type { Draw } from "../helpers/property";
import { forAllDraws } from "../helpers/property";

/** A random leaf in the hasher's node type: the hash of a random account. */
function randomLeaf<N>(hasher: Hasher<N>, rng: Draw): N {
  const account: Account = {
    owner: rng.hex(32),
    tokenId: rng.u32(),
    balance: BigInt(rng.hex(16)),
    nonce: rng.u32(),
  };
  return hasher.hashAccount(account);
}

/** A random leaf index below 2^depth (depth ≤ 48). */
function randomIndex(rng: Draw, depth: number): number {
  return Math.floor((rng.u32() * 2 ** 16 + (rng.u32() & 0xffff)) / 2 ** (48 - depth));
}

/** Reference: the root of the full tree of 2^depth leaves, hashed level by level with no shortcut. */
function naiveRoot<N>(hasher: Hasher<N>, depth: number, leaves: ReadonlyMap<number, N>): N {
  let level: N[] = Array.from({ length: 2 ** depth }, (_, i) => leaves.get(i) ?? hasher.zero);
  while (level.length > 1) {
    const above: N[] = [];
    for (let i = 0; i < level.length; i += 2) above.push(hasher.hashPair(level[i], level[i + 1]));
    level = above;
  }
  return level[0];
}

/** The level at which the sibling of leaf j's path is an ancestor of leaf i (i ≠ j). */
function meetingLevel(i: number, j: number): number {
  let level = 0;
  while (Math.floor(i / 2 ** (level + 1)) !== Math.floor(j / 2 ** (level + 1))) level++;
  return level;
}

interface HasherCase<N> {
  name: HasherName;
  hasher: () => Hasher<N>;
  /** Depths exercised through the tree's own API. */
  depths: number[];
  /** Depths small enough to compare with the naive full-tree recomputation. */
  naiveDepths: number[];
}

let keccak: KeccakHasher;
let poseidon: PoseidonHasher;

/** Runs of a property per hasher: Poseidon is ~50 times slower. */
const RUNS: Record<HasherName, { runs: number }> = { keccak256: { runs: 3 }, poseidon: { runs: 1 } };

/** Runs `body` once per hasher (Poseidon only at small depths: it is ~50 times slower). */
function eachHasher(body: <N>(c: HasherCase<N>) => void): void {
  body<Uint8Array>({
    name: "keccak256",
    hasher: () => keccak,
    depths: [1, 4, 16, 32],
    naiveDepths: [1, 2, 5, 9],
  });
  body<bigint>({ name: "poseidon", hasher: () => poseidon, depths: [1, 4, 8], naiveDepths: [1, 3, 6] });
}

describe("SparseMerkleTree", function () {
  before(async function () {
    keccak = await createKeccakHasher();
    poseidon = await createPoseidonHasher();
  });

  describe("constructor", function () {
    for (const depth of [0, -1, 49, 2.5, NaN, Infinity]) {
      it(`throws RangeError for depth ${depth}`, function () {
        expect(() => new SparseMerkleTree(keccak, depth)).to.throw(RangeError, "tree depth");
      });
    }

    it("accepts the extreme depths 1 and 48", function () {
      expect(new SparseMerkleTree(keccak, 1).capacity).to.equal(2);
      expect(new SparseMerkleTree(keccak, 48).capacity).to.equal(2 ** 48);
    });

    eachHasher(<N>({ name, hasher, depths }: HasherCase<N>) => {
      it(`precomputes zeros[h + 1] = H(zeros[h], zeros[h]) from the empty leaf (${name})`, function () {
        const h = hasher();
        const depth = depths[depths.length - 1];
        const tree = new SparseMerkleTree(h, depth);
        expect(tree.zeros).to.have.length(depth + 1);
        expect(h.toHex(tree.zeros[0])).to.equal(h.toHex(h.zero));
        for (let level = 0; level < depth; level++) {
          expect(h.toHex(tree.zeros[level + 1])).to.equal(
            h.toHex(h.hashPair(tree.zeros[level], tree.zeros[level])),
          );
        }
      });
    });
  });

  describe("root", function () {
    eachHasher(<N>({ name, hasher, depths, naiveDepths }: HasherCase<N>) => {
      for (const depth of depths) {
        it(`of an empty tree is zeros[depth] (${name}, depth ${depth})`, function () {
          const tree = new SparseMerkleTree(hasher(), depth);
          expect(tree.rootHex).to.equal(hasher().toHex(tree.zeros[depth]));
          expect(tree.capacity).to.equal(2 ** depth);
        });
      }

      for (const depth of naiveDepths) {
        it(`of an empty tree equals the naive full-tree root (${name}, depth ${depth})`, function () {
          const h = hasher();
          expect(new SparseMerkleTree(h, depth).rootHex).to.equal(h.toHex(naiveRoot(h, depth, new Map())));
        });
      }
    });

    it("is the keccak256 all-zero-leaf root the Solidity side expects at depth 1", function () {
      // keccak256(bytes32(0) ‖ bytes32(0))
      expect(new SparseMerkleTree(keccak, 1).rootHex).to.equal(
        "0xad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5",
      );
    });
  });

  describe("update", function () {
    eachHasher(<N>({ name, hasher, depths, naiveDepths }: HasherCase<N>) => {
      for (const depth of naiveDepths) {
        it(`leaves the root equal to the naive full-tree recomputation after every update (${name}, depth ${depth})`, function () {
          const h = hasher();
          forAllDraws(RUNS[name], (rng) => {
            const tree = new SparseMerkleTree(h, depth);
            const leaves = new Map<number, N>();
            const steps = Math.min(3 * 2 ** depth, 24);
            for (let step = 0; step < steps; step++) {
              // Rewrites some leaves several times, and once writes an empty leaf back.
              const index = rng.int(2 ** depth);
              const leaf = step === steps - 1 ? h.zero : randomLeaf(h, rng);
              leaves.set(index, leaf);
              const returned = tree.update(index, leaf);
              expect(h.toHex(returned)).to.equal(tree.rootHex);
              expect(tree.rootHex).to.equal(h.toHex(naiveRoot(h, depth, leaves)));
            }
          });
        });
      }

      for (const depth of depths) {
        it(`stores the leaf and returns the new root (${name}, depth ${depth})`, function () {
          const h = hasher();
          forAllDraws(RUNS[name], (rng) => {
            const tree = new SparseMerkleTree(h, depth);
            const index = randomIndex(rng, depth);
            const leaf = randomLeaf(h, rng);
            const before = tree.rootHex;
            const root = tree.update(index, leaf);
            expect(h.toHex(root)).to.equal(tree.rootHex);
            expect(tree.rootHex).to.not.equal(before);
            expect(h.toHex(tree.leaf(index))).to.equal(h.toHex(leaf));
            // The new root is the leaf hashed up its own path, all siblings empty.
            expect(h.toHex(computeMerkleRoot(h, leaf, index, tree.zeros.slice(0, depth)))).to.equal(
              tree.rootHex,
            );
          });
        });
      }

      it(`changes, in every other leaf's siblings, only the one at the level where the paths meet (${name})`, function () {
        const h = hasher();
        const depth = 5;
        forAllDraws(RUNS[name], (rng) => {
          const tree = new SparseMerkleTree(h, depth);
          for (let k = 0; k < 12; k++) tree.update(rng.int(2 ** depth), randomLeaf(h, rng));
          for (let round = 0; round < 3; round++) {
            const before = Array.from({ length: 2 ** depth }, (_, j) =>
              tree.siblings(j).map((s) => h.toHex(s)),
            );
            const i = rng.int(2 ** depth);
            const leaf = randomLeaf(h, rng);
            fc.pre(!h.equals(leaf, tree.leaf(i))); // a write that changes the leaf
            tree.update(i, leaf);
            for (let j = 0; j < 2 ** depth; j++) {
              const after = tree.siblings(j).map((s) => h.toHex(s));
              const changed = after.flatMap((s, level) => (s === before[j][level] ? [] : [level]));
              expect(changed, `siblings of leaf ${j} after updating leaf ${i}`).to.deep.equal(
                j === i ? [] : [meetingLevel(i, j)],
              );
            }
          }
        });
      });
    });

    it("changes only one sibling of an untouched leaf in a depth-32 tree (keccak256)", function () {
      forAllDraws({ runs: 3 }, (rng) => {
        const tree = new SparseMerkleTree(keccak, 32);
        const indices = Array.from({ length: 40 }, () => randomIndex(rng, 32));
        for (const j of indices) tree.update(j, randomLeaf(keccak, rng));
        // Include a neighbour (meeting at level 0) and the far end of the tree (meeting at level 31).
        const i = indices[0] % 2 === 0 ? indices[0] + 1 : indices[0] - 1;
        const probes = [...indices, indices[0], (indices[0] + 2 ** 31) % 2 ** 32];
        const before = probes.map((j) => tree.siblings(j).map((s) => keccak.toHex(s)));
        const leaf = randomLeaf(keccak, rng);
        fc.pre(!keccak.equals(leaf, tree.leaf(i))); // a write that changes the leaf
        tree.update(i, leaf);
        probes.forEach((j, k) => {
          const after = tree.siblings(j).map((s) => keccak.toHex(s));
          const changed = after.flatMap((s, level) => (s === before[k][level] ? [] : [level]));
          expect(changed, `siblings of leaf ${j}`).to.deep.equal(j === i ? [] : [meetingLevel(i, j)]);
        });
        expect(meetingLevel(i, indices[0])).to.equal(0);
        expect(meetingLevel(i, probes[probes.length - 1])).to.equal(31);
      });
    });

    it("gives the same root whatever the order of updates", function () {
      forAllDraws({ runs: 5 }, (rng) => {
        // One write per index: two writes to one leaf would make the order matter.
        const drawn = Array.from({ length: 30 }, () => ({
          index: randomIndex(rng, 20),
          leaf: randomLeaf(keccak, rng),
        }));
        const writes = [...new Map(drawn.map((w) => [w.index, w])).values()];
        const forward = new SparseMerkleTree(keccak, 20);
        const backward = new SparseMerkleTree(keccak, 20);
        for (const w of writes) forward.update(w.index, w.leaf);
        for (const w of [...writes].reverse()) backward.update(w.index, w.leaf);
        expect(forward.rootHex).to.equal(backward.rootHex);
      });
    });

    it("restores the previous root when a leaf is written back to its previous value", function () {
      forAllDraws({ runs: 5 }, (rng) => {
        const tree = new SparseMerkleTree(keccak, 16);
        for (let k = 0; k < 10; k++) tree.update(randomIndex(rng, 16), randomLeaf(keccak, rng));
        const index = randomIndex(rng, 16);
        const old = tree.leaf(index);
        const root = tree.rootHex;
        const leaf = randomLeaf(keccak, rng);
        fc.pre(!keccak.equals(leaf, old)); // a write of another value
        tree.update(index, leaf);
        expect(tree.rootHex).to.not.equal(root);
        tree.update(index, old);
        expect(tree.rootHex).to.equal(root);
      });
    });

    for (const index of [-1, 16, 2 ** 32, 1.5, NaN]) {
      it(`throws MerkleIndexError for index ${index} and leaves the tree unchanged (depth 4)`, function () {
        const tree = new SparseMerkleTree(keccak, 4);
        tree.update(3, keccak.fromUint(7n));
        const root = tree.rootHex;
        expect(() => tree.update(index, keccak.fromUint(1n))).to.throw(
          MerkleIndexError,
          "outside a tree of depth 4",
        );
        expect(tree.rootHex).to.equal(root);
      });
    }
  });

  describe("leaf", function () {
    it("returns the empty leaf for an index never written", function () {
      const tree = new SparseMerkleTree(keccak, 8);
      tree.update(5, keccak.fromUint(9n));
      expect(keccak.toHex(tree.leaf(4))).to.equal(keccak.toHex(keccak.zero));
      expect(keccak.toHex(tree.leaf(5))).to.equal(keccak.toHex(keccak.fromUint(9n)));
    });

    for (const index of [-1, 256, 0.5]) {
      it(`throws MerkleIndexError for index ${index} (depth 8)`, function () {
        const tree = new SparseMerkleTree(keccak, 8);
        expect(() => tree.leaf(index)).to.throw(MerkleIndexError);
        expect(() => tree.siblings(index)).to.throw(MerkleIndexError);
        expect(() => tree.proof(index)).to.throw(MerkleIndexError);
      });
    }
  });

  describe("proof", function () {
    eachHasher(<N>({ name, hasher, depths }: HasherCase<N>) => {
      for (const depth of depths) {
        it(`verifies for written and empty leaves, and not once tampered with (${name}, depth ${depth})`, function () {
          const h = hasher();
          forAllDraws(RUNS[name], (rng) => {
            const tree = new SparseMerkleTree(h, depth);
            const written = Array.from({ length: Math.min(6, 2 ** depth) }, () => randomIndex(rng, depth));
            for (const index of written) tree.update(index, randomLeaf(h, rng));
            const root = tree.rootHex;
            const other = h.toHex(randomLeaf(h, rng));
            fc.pre(written.every((index) => h.toHex(tree.leaf(index)) !== other)); // a leaf the tree does not hold
            for (const index of [...written, randomIndex(rng, depth)]) {
              const proof = tree.proof(index);
              expect(proof.index).to.equal(index);
              expect(proof.leaf).to.equal(h.toHex(tree.leaf(index)));
              expect(proof.siblings).to.deep.equal(tree.siblings(index).map((s) => h.toHex(s)));
              expect(proof.siblings).to.have.length(depth);
              expect(verifyMerkleProof(h, proof, root)).to.equal(true);

              expect(verifyMerkleProof(h, { ...proof, leaf: other }, root)).to.equal(false);
              expect(verifyMerkleProof(h, proof, other)).to.equal(false);
              const neighbour = index % 2 === 0 ? index + 1 : index - 1;
              expect(verifyMerkleProof(h, { ...proof, index: neighbour }, root)).to.equal(
                // Two sibling leaves holding the same value share their path above level 0.
                proof.leaf === proof.siblings[0],
              );
              const level = rng.int(depth);
              const siblings = proof.siblings.map((s, l) => (l === level ? other : s));
              expect(verifyMerkleProof(h, { ...proof, siblings }, root)).to.equal(false);
            }
          });
        });
      }
    });

    it("of the old leaf no longer verifies once the leaf is updated; the new one does", function () {
      const tree = new SparseMerkleTree(keccak, 12);
      tree.update(100, keccak.fromUint(1n));
      const old = tree.proof(100);
      tree.update(100, keccak.fromUint(2n));
      expect(verifyMerkleProof(keccak, old, tree.rootHex)).to.equal(false);
      expect(verifyMerkleProof(keccak, tree.proof(100), tree.rootHex)).to.equal(true);
    });
  });
});

describe("computeMerkleRoot", function () {
  before(async function () {
    keccak ??= await createKeccakHasher();
  });

  it("returns the leaf itself for an empty proof", function () {
    const leaf = keccak.fromUint(42n);
    expect(keccak.toHex(computeMerkleRoot(keccak, leaf, 0, []))).to.equal(keccak.toHex(leaf));
  });

  it("hashes left and right by the index bits, bottom-up", function () {
    const [leaf, a, b] = [1n, 2n, 3n].map((v) => keccak.fromUint(v));
    // index 2 = 0b10: a left child at level 0, a right child at level 1.
    const expected = keccak.hashPair(b, keccak.hashPair(leaf, a));
    expect(keccak.toHex(computeMerkleRoot(keccak, leaf, 2, [a, b]))).to.equal(keccak.toHex(expected));
  });

  for (const [index, depth] of [
    [4, 2],
    [2 ** 32, 32],
    [1, 0],
  ]) {
    it(`throws MerkleIndexError for index ${index} with ${depth} siblings`, function () {
      const siblings = Array.from({ length: depth }, () => keccak.zero);
      expect(() => computeMerkleRoot(keccak, keccak.zero, index, siblings)).to.throw(
        MerkleIndexError,
        `does not fit a proof of depth ${depth}`,
      );
    });
  }
});
