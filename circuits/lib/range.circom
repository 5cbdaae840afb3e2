pragma circom 2.1.0;

include "circomlib/circuits/bitify.circom";

// RangeCheck(BITS) proves 0 <= in < 2^BITS by decomposing `in` into BITS boolean signals whose
// weighted sum is `in` (circomlib Num2Bits: BITS + 1 constraints).
// NOTE: sound only while 2^BITS < p (BITS <= 253): the decomposition then has no second solution
// modulo p, so a value that wrapped around the field (a negative balance) cannot pass.
template RangeCheck(BITS) {
    assert(BITS >= 1 && BITS <= 252);

    signal input in; // the value to bound

    component bits = Num2Bits(BITS); // in = sum(bits[i] * 2^i), every bit boolean
    bits.in <== in;
}
