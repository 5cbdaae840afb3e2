pragma circom 2.1.0;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";

// OwnerHash computes an account owner as docs/zk.md defines it:
// owner = Poseidon(Ax, Ay, l1Address) mod 2^160. The hash is decomposed into 254 bits with
// circomlib Num2Bits_strict, whose AliasCheck proves the bits encode the canonical value (< p); the
// owner is the integer of the low 160 bits.
// NOTE: without the alias check a prover could decompose hash + p instead of hash (both fit 254
// bits) and get a different low part; Num2Bits_strict rules that out, so the owner is a function of
// (Ax, Ay, l1Address).
// NOTE: l1Address is not range-checked: it is only hashed, and a value >= 2^160 is simply another
// preimage, owned by whoever chose it. Finding a second key/address with a victim's owner is a
// 160-bit second-preimage search on Poseidon.
template OwnerHash() {
    signal input Ax;         // BabyJubJub public key, x
    signal input Ay;         // BabyJubJub public key, y
    signal input l1Address;  // the Layer-1 address that may exit in exodus
    signal output owner;     // Poseidon(Ax, Ay, l1Address) mod 2^160

    component hash = Poseidon(3); // the full hash
    hash.inputs[0] <== Ax;
    hash.inputs[1] <== Ay;
    hash.inputs[2] <== l1Address;

    component bits = Num2Bits_strict(); // canonical 254-bit decomposition of the hash
    bits.in <== hash.out;

    var low = 0; // the low 160 bits, as a linear combination
    for (var i = 0; i < 160; i++) {
        low += bits.out[i] * (1 << i);
    }
    owner <== low;
}
