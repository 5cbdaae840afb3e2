pragma circom 2.1.0;

include "circomlib/circuits/poseidon.circom";
include "../lib/rollup-slot.circom";

// RollupBatch(BATCH_SIZE, DEPTH) is the statement the zk rollup proves (docs/zk.md): applying the
// BATCH_SIZE public slot elements in order to the state committed by oldRoot gives the state
// committed by newRoot, where root = Poseidon(accountsRoot, nextIndex, domain) and every slot obeys
// RollupSlot's rules. Public inputs, in this order: oldRoot, newRoot, feeRecipient, slots[BATCH_SIZE].
// The build tool adds `component main {public [oldRoot, newRoot, feeRecipient, slots]} = RollupBatch(B, D);`
// per profile (circom orders public inputs as they are declared below, not as that list names them).
// NOTE: feeRecipient (a Layer-1 address as a field element) takes no part in the state transition: it
// is public so that the proof is bound to it, as Tornado Cash binds its relayer. The contract credits
// the batch's forced-request fees to it, so a copier who swaps in its own address has no valid proof.
// NOTE: domain, the accounts roots and nextIndex are private; they are bound through the public
// roots, so one domain holds for every slot and for both roots (a proof for one chain and rollup
// is useless for another).
// NOTE: nextIndex is not range-checked: the old one is bound by oldRoot, which this circuit (or the
// genesis, nextIndex 0) produced, and each slot adds at most one to it, only for an index < 2^DEPTH.
template RollupBatch(BATCH_SIZE, DEPTH) {
    assert(BATCH_SIZE >= 1);
    assert(DEPTH >= 1 && DEPTH <= 32);

    // public
    signal input oldRoot;                        // Poseidon(accountsRoot, nextIndex, domain) before
    signal input newRoot;                        // the same after the batch
    signal input feeRecipient;                   // who the contract credits the batch's fees to
    signal input slots[BATCH_SIZE];              // one packed transaction per slot; noop = 0

    // private: the state behind oldRoot
    signal input domain;                         // chainId·2^160 + rollup address
    signal input oldAccountsRoot;                // accounts root before the batch
    signal input oldNextIndex;                   // next free index before the batch

    // private: per slot, leaf A (see RollupSlot)
    signal input aIndex[BATCH_SIZE];             // A's index
    signal input aLeaf[BATCH_SIZE];              // A's leaf value before the slot
    signal input aOwner[BATCH_SIZE];             // A's owner
    signal input aToken[BATCH_SIZE];             // A's token id
    signal input aBalance[BATCH_SIZE];           // A's balance before
    signal input aNonce[BATCH_SIZE];             // A's nonce before
    signal input aSiblings[BATCH_SIZE][DEPTH];   // A's siblings before the slot
    // private: per slot, leaf B
    signal input bIndex[BATCH_SIZE];             // B's index
    signal input bLeaf[BATCH_SIZE];              // B's leaf value after A's update
    signal input bOwner[BATCH_SIZE];             // B's owner
    signal input bToken[BATCH_SIZE];             // B's token id
    signal input bBalance[BATCH_SIZE];           // B's balance before
    signal input bNonce[BATCH_SIZE];             // B's nonce before
    signal input bSiblings[BATCH_SIZE][DEPTH];   // B's siblings after A's update
    // private: per slot, the sender's authorization
    signal input signerAx[BATCH_SIZE];           // public key, x
    signal input signerAy[BATCH_SIZE];           // public key, y
    signal input signerL1Address[BATCH_SIZE];    // Layer-1 address in the owner hash
    signal input sigR8x[BATCH_SIZE];             // signature R8, x
    signal input sigR8y[BATCH_SIZE];             // signature R8, y
    signal input sigS[BATCH_SIZE];               // signature S

    // Binds feeRecipient into the proof: a public input no constraint uses would still be a public
    // input, but the optimizer would leave it unconstrained; one square keeps it in the R1CS.
    signal feeRecipientSquare <== feeRecipient * feeRecipient;

    component oldRootHash = Poseidon(3); // the root the batch starts from
    oldRootHash.inputs[0] <== oldAccountsRoot;
    oldRootHash.inputs[1] <== oldNextIndex;
    oldRootHash.inputs[2] <== domain;
    // INVARIANT: the batch starts from the committed state
    oldRootHash.out === oldRoot;

    component steps[BATCH_SIZE]; // one RollupSlot per slot, chained on (accountsRoot, nextIndex)
    for (var i = 0; i < BATCH_SIZE; i++) {
        steps[i] = RollupSlot(DEPTH);
        steps[i].accountsRootIn <== i == 0 ? oldAccountsRoot : steps[i - 1].accountsRootOut;
        steps[i].nextIndexIn <== i == 0 ? oldNextIndex : steps[i - 1].nextIndexOut;
        steps[i].domain <== domain;
        steps[i].slot <== slots[i];
        steps[i].aIndex <== aIndex[i];
        steps[i].aLeaf <== aLeaf[i];
        steps[i].aOwner <== aOwner[i];
        steps[i].aToken <== aToken[i];
        steps[i].aBalance <== aBalance[i];
        steps[i].aNonce <== aNonce[i];
        steps[i].aSiblings <== aSiblings[i];
        steps[i].bIndex <== bIndex[i];
        steps[i].bLeaf <== bLeaf[i];
        steps[i].bOwner <== bOwner[i];
        steps[i].bToken <== bToken[i];
        steps[i].bBalance <== bBalance[i];
        steps[i].bNonce <== bNonce[i];
        steps[i].bSiblings <== bSiblings[i];
        steps[i].signerAx <== signerAx[i];
        steps[i].signerAy <== signerAy[i];
        steps[i].signerL1Address <== signerL1Address[i];
        steps[i].sigR8x <== sigR8x[i];
        steps[i].sigR8y <== sigR8y[i];
        steps[i].sigS <== sigS[i];
    }

    component newRootHash = Poseidon(3); // the root the batch ends in
    newRootHash.inputs[0] <== steps[BATCH_SIZE - 1].accountsRootOut;
    newRootHash.inputs[1] <== steps[BATCH_SIZE - 1].nextIndexOut;
    newRootHash.inputs[2] <== domain;
    // INVARIANT: the batch ends in the claimed state
    newRootHash.out === newRoot;
}
