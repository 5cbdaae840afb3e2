pragma circom 2.1.0;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "./owner.circom";

// SpendAuthorization proves, when enabled, that the sender of a transfer or withdrawal authorized
// it: the key (Ax, Ay) signed M = Poseidon(slot, nonce, domain) with EdDSA-Poseidon (circomlib
// EdDSAPoseidonVerifier), and Poseidon(Ax, Ay, l1Address) mod 2^160 is the account's owner. Binding
// the slot element binds every field of the transaction (a withdrawal's recipient included); the
// nonce stops replays; the domain (chain id and rollup address) stops cross-deployment replays.
// When disabled (noop and deposit slots) nothing is checked, and any values satisfy it (zeros do).
// NOTE: `enabled` must be boolean (the caller derives it from the slot's kind bits).
// NOTE: EdDSAPoseidonVerifier checks S < the subgroup order and rejects keys of small order
// (8·A = identity); it does not check that A is on the curve. That is harmless here because the
// key is bound to the account through the owner hash: an odd key can only open accounts whose owner
// its maker derived from it, and matching someone else's owner is a 160-bit second preimage.
template SpendAuthorization() {
    signal input enabled;    // 1 for transfer/withdraw, 0 otherwise (boolean)
    signal input slot;       // the transaction's public slot element
    signal input nonce;      // the sender's current nonce
    signal input domain;     // chainId * 2^160 + rollup address
    signal input owner;      // the sender leaf's owner
    signal input Ax;         // the signer's BabyJubJub public key, x
    signal input Ay;         // the signer's BabyJubJub public key, y
    signal input l1Address;  // the signer's Layer-1 address (the third owner preimage)
    signal input R8x;        // signature point R8, x
    signal input R8y;        // signature point R8, y
    signal input S;          // signature scalar

    component message = Poseidon(3); // M = Poseidon(slot, nonce, domain)
    message.inputs[0] <== slot;
    message.inputs[1] <== nonce;
    message.inputs[2] <== domain;

    component signature = EdDSAPoseidonVerifier(); // S·B8 = R8 + 8·H(R8, A, M)·A when enabled
    signature.enabled <== enabled;
    signature.Ax <== Ax;
    signature.Ay <== Ay;
    signature.S <== S;
    signature.R8x <== R8x;
    signature.R8y <== R8y;
    signature.M <== message.out;

    component ownerHash = OwnerHash(); // the owner this key and address stand for
    ownerHash.Ax <== Ax;
    ownerHash.Ay <== Ay;
    ownerHash.l1Address <== l1Address;

    // INVARIANT: the signing key is the account's key
    enabled * (ownerHash.owner - owner) === 0;
}
