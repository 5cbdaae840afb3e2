pragma circom 2.1.0;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";

// MerklePathRoot(DEPTH) computes the root of a binary Poseidon(2) Merkle tree from a leaf, its
// position bits and its siblings, bottom-up, as src/shared/merkle-tree.ts does: at level l, bit l
// of the index says whether the running node is the right child.
// NOTE: the caller must constrain every position bit to {0, 1}; with a non-boolean bit the
// left/right selection below is not a selection at all.
template MerklePathRoot(DEPTH) {
    assert(DEPTH >= 1);

    signal input leaf;              // the leaf value (0 for an empty leaf)
    signal input pathBits[DEPTH];   // the leaf index, least significant bit first (boolean)
    signal input siblings[DEPTH];   // the sibling of the running node at each level, bottom-up
    signal output root;             // the implied root

    signal nodes[DEPTH + 1];        // nodes[l]: the running node at level l
    signal lefts[DEPTH];            // the left input of level l's hash
    component hashes[DEPTH];        // Poseidon(left, right) per level

    nodes[0] <== leaf;
    for (var l = 0; l < DEPTH; l++) {
        // left = bit ? sibling : node; right = the other one (linear, from left)
        lefts[l] <== nodes[l] + pathBits[l] * (siblings[l] - nodes[l]);
        hashes[l] = Poseidon(2);
        hashes[l].inputs[0] <== lefts[l];
        hashes[l].inputs[1] <== nodes[l] + siblings[l] - lefts[l];
        nodes[l + 1] <== hashes[l].out;
    }
    root <== nodes[DEPTH];
}

// MerkleLeafUpdate(DEPTH) proves one leaf update: with the same index and siblings, `oldLeaf` gives
// `oldRoot` and `newLeaf` gives `newRoot`. An unchanged leaf is an update with newLeaf = oldLeaf
// (then newRoot = oldRoot). The index is range-checked to DEPTH bits here.
// NOTE: the caller must bind oldRoot to the running root; this template only computes both roots.
template MerkleLeafUpdate(DEPTH) {
    assert(DEPTH >= 1 && DEPTH <= 32);

    signal input index;            // the leaf index, < 2^DEPTH (checked)
    signal input siblings[DEPTH];  // its siblings, bottom-up
    signal input oldLeaf;          // the leaf before
    signal input newLeaf;          // the leaf after
    signal output oldRoot;         // the root before
    signal output newRoot;         // the root after

    component indexBits = Num2Bits(DEPTH); // index = sum(bits * 2^l): boolean position bits
    indexBits.in <== index;

    component before = MerklePathRoot(DEPTH); // oldLeaf -> oldRoot
    before.leaf <== oldLeaf;
    before.pathBits <== indexBits.out;
    before.siblings <== siblings;
    oldRoot <== before.root;

    component after = MerklePathRoot(DEPTH); // newLeaf -> newRoot along the same path
    after.leaf <== newLeaf;
    after.pathBits <== indexBits.out;
    after.siblings <== siblings;
    newRoot <== after.root;
}
