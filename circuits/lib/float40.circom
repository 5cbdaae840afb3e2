pragma circom 2.1.0;

include "circomlib/circuits/bitify.circom";

// Float40FromBits decodes a float40 amount (src/shared/float40.ts) from its 40 bits, little-endian:
// bits [0, 35) are the mantissa m and bits [35, 40) the exponent e; amount = m * 10^e.
// 10^e is the product over the exponent bits e_i of (e_i ? 10^(2^i) : 1): five multiplications.
// NOTE: the caller must constrain every bit to {0, 1} (here they come from the slot's Num2Bits).
// NOTE: the largest amount is (2^35 - 1) * 10^31 < 2^139 < p: the product never wraps, so every
// comparison of an amount against a balance below 2^128 stays exact.
template Float40FromBits() {
    signal input bits[40]; // the packed float, least significant bit first; each bit already boolean
    signal output amount;  // m * 10^e

    var MANTISSA_BITS = 35;

    // mantissa: a linear combination of its bits (no constraint)
    var mantissa = 0;
    for (var i = 0; i < MANTISSA_BITS; i++) {
        mantissa += bits[i] * (1 << i);
    }

    signal scale[6]; // scale[i] = 10^(the exponent's low i bits); scale[5] = 10^e
    scale[0] <== 1;
    var tenPow = 10; // 10^(2^i)
    for (var i = 0; i < 5; i++) {
        scale[i + 1] <== scale[i] * (1 + bits[MANTISSA_BITS + i] * (tenPow - 1));
        tenPow = tenPow * tenPow;
    }

    amount <== mantissa * scale[5];
}

// Float40Decode decodes a packed float40 value, first proving it fits 40 bits.
// NOTE: the range check (Num2Bits(40)) makes the decomposition unique, so the amount is a function
// of `packed`.
template Float40Decode() {
    signal input packed;   // the float40 as one integer, < 2^40
    signal output amount;  // m * 10^e

    component bits = Num2Bits(40); // packed = sum(bits[i] * 2^i), each bit boolean
    bits.in <== packed;

    component decode = Float40FromBits(); // amount from the bits
    decode.bits <== bits.out;
    amount <== decode.amount;
}
