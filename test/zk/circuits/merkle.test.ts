import { expect } from "chai";
import type { PoseidonHasher } from "../../../src/shared/hasher";
import { createPoseidonHasher } from "../../../src/shared/hasher";
import { SparseMerkleTree } from "../../../src/shared/merkle-tree";
import type { CircuitInput, TestCircuit } from "./harness";
import { compileTestCircuit, testMain } from "./harness";

const DEPTH = 3;

// MerkleLeafUpdate with both roots compared to claimed ones.
const SOURCE = testMain(
  ["lib/merkle.circom"],
  `component main = MerkleLeafUpdateTest(${DEPTH});`,
  `template MerkleLeafUpdateTest(DEPTH) {
    signal input index;            // the leaf index
    signal input siblings[DEPTH];  // its siblings, bottom-up
    signal input oldLeaf;          // the leaf before
    signal input newLeaf;          // the leaf after
    signal input oldRoot;          // the claimed root before
    signal input newRoot;          // the claimed root after
    component update = MerkleLeafUpdate(DEPTH);
    update.index <== index;
    update.siblings <== siblings;
    update.oldLeaf <== oldLeaf;
    update.newLeaf <== newLeaf;
    update.oldRoot === oldRoot;
    update.newRoot === newRoot;
}`,
);

describe("MerkleLeafUpdate (circuit)", function () {
  let circuit: TestCircuit;
  let hasher: PoseidonHasher;
  let tree: SparseMerkleTree<bigint>;

  before(async function () {
    this.timeout(300_000);
    circuit = await compileTestCircuit("merkle-leaf-update", SOURCE);
    hasher = await createPoseidonHasher();
    tree = new SparseMerkleTree(hasher, DEPTH);
    for (const [index, leaf] of [
      [0, 11n],
      [1, 22n],
      [5, 55n],
    ] as const) {
      tree.update(index, leaf);
    }
  });

  /** The input updating leaf `index` of `tree` (a copy) to `newLeaf`. */
  function updateInput(index: number, newLeaf: bigint): CircuitInput {
    const copy = tree.clone();
    const oldLeaf = copy.leaf(index);
    const siblings = copy.siblings(index);
    const oldRoot = copy.root;
    const newRoot = copy.update(index, newLeaf);
    return { index, siblings, oldLeaf, newLeaf, oldRoot, newRoot };
  }

  it("proves an update of a set leaf", async function () {
    await circuit.expectPass(updateInput(5, 56n));
  });

  it("proves an update of an empty leaf (the last index)", async function () {
    await circuit.expectPass(updateInput(7, 77n));
  });

  it("proves an unchanged leaf (old = new, same root)", async function () {
    const input = updateInput(1, 22n);
    expect(input.newRoot).to.equal(input.oldRoot);
    await circuit.expectPass(input);
  });

  it("proves clearing leaf 0 to empty", async function () {
    await circuit.expectPass(updateInput(0, 0n));
  });

  it("fails with a forged path (one wrong sibling)", async function () {
    const input = updateInput(5, 56n);
    const siblings = [...(input.siblings as bigint[])];
    siblings[1] += 1n;
    await circuit.expectFail({ ...input, siblings }, /MerkleLeafUpdateTest/);
  });

  it("fails with the right siblings at another index", async function () {
    await circuit.expectFail({ ...updateInput(5, 56n), index: 4 }, /MerkleLeafUpdateTest/);
  });

  it("fails with a wrong old leaf", async function () {
    await circuit.expectFail({ ...updateInput(5, 56n), oldLeaf: 54n }, /MerkleLeafUpdateTest/);
  });

  it("fails with a wrong old root", async function () {
    const input = updateInput(5, 56n);
    await circuit.expectFail({ ...input, oldRoot: (input.oldRoot as bigint) + 1n }, /MerkleLeafUpdateTest/);
  });

  it("fails when the new root is not the new leaf's", async function () {
    const input = updateInput(5, 56n);
    await circuit.expectFail({ ...input, newLeaf: 57n }, /MerkleLeafUpdateTest/);
  });

  it("fails with an index beyond the tree (index + 2^DEPTH aliases the same path bits)", async function () {
    const input = updateInput(5, 56n);
    await circuit.expectFail({ ...input, index: 5 + 2 ** DEPTH }, /Num2Bits/);
  });

  it("detects a tampered witness (a level's left input changed)", async function () {
    const witness = await circuit.expectPass(updateInput(5, 56n));
    const tampered = [...witness];
    tampered[circuit.wire("main.update.before.lefts[0]")] += 1n;
    expect(circuit.firstViolation(tampered)).to.be.greaterThanOrEqual(0);
  });
});

// MerklePathRoot on its own, with boolean path bits from a Num2Bits, compared to a claimed root.
const PATH_SOURCE = testMain(
  ["lib/merkle.circom", "circomlib/circuits/bitify.circom"],
  `component main = MerklePathRootTest(${DEPTH});`,
  `template MerklePathRootTest(DEPTH) {
    signal input leaf;             // the leaf
    signal input index;            // its index
    signal input siblings[DEPTH];  // its siblings, bottom-up
    signal input root;             // the claimed root
    component bits = Num2Bits(DEPTH);
    bits.in <== index;
    component path = MerklePathRoot(DEPTH);
    path.leaf <== leaf;
    path.pathBits <== bits.out;
    path.siblings <== siblings;
    path.root === root;
}`,
);

describe("MerklePathRoot (circuit)", function () {
  let circuit: TestCircuit;
  let tree: SparseMerkleTree<bigint>;

  before(async function () {
    this.timeout(300_000);
    circuit = await compileTestCircuit("merkle-path-root", PATH_SOURCE);
    tree = new SparseMerkleTree(await createPoseidonHasher(), DEPTH);
    tree.update(2, 22n);
    tree.update(6, 66n);
  });

  const input = (index: number): CircuitInput => ({
    leaf: tree.leaf(index),
    index,
    siblings: tree.siblings(index),
    root: tree.root,
  });

  it("gives the tree's root for a left child (index 2)", async function () {
    await circuit.expectPass(input(2));
  });

  it("gives the tree's root for a right child (index 7, empty)", async function () {
    await circuit.expectPass(input(7));
  });

  it("fails with left and right swapped at a level (index 3 with index 2's path)", async function () {
    await circuit.expectFail({ ...input(2), index: 3 }, /MerklePathRootTest/);
  });

  it("fails with a sibling from another level", async function () {
    const good = input(6);
    const siblings = [...(good.siblings as bigint[])].reverse();
    await circuit.expectFail({ ...good, siblings }, /MerklePathRootTest/);
  });

  it("fails for a leaf that is not in the tree", async function () {
    await circuit.expectFail({ ...input(6), leaf: 67n }, /MerklePathRootTest/);
  });
});
