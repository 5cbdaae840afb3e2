pragma circom 2.1.0;

include "circomlib/circuits/bitify.circom";
include "./float40.circom";

// SlotDecode unpacks one public slot element (docs/zk.md, "Slots and public inputs"):
// slot = kind + a·2^2 + b·2^34 + token·2^194 + amount·2^210 + forced·2^250 + effective·2^251
//        + refund·2^252, and
// enforces the table's fixed entries. A 253-bit decomposition range-checks every field to its width at
// once (kind u2, a u32, b u160, token u16, amount float40, forced, effective and refund one bit each).
// The kind becomes four exclusive flags.
// Enforced here: a noop slot (kind 0) is exactly 0; a transfer's token field is 0; only a withdrawal
// may be forced (a Layer-1 request), and only a forced withdrawal may be effective; only a deposit may
// be refunded, and a refunded deposit names account 0.
// NOTE: 2^253 < p, so the decomposition is unique: each field is a function of the slot, and a slot
// element >= 2^253 has no witness at all.
template SlotDecode() {
    signal input slot;         // the public slot element
    signal output isNoop;      // kind == 0
    signal output isDeposit;   // kind == 1
    signal output isTransfer;  // kind == 2
    signal output isWithdraw;  // kind == 3
    signal output a;           // u32: deposit's credited account, or the sender (transfer, withdraw)
    signal output b;           // u160: deposit's owner, transfer's receiver, withdrawal's recipient
    signal output token;       // u16: deposit's token, withdrawal's token, 0 for a transfer
    signal output amount;      // the decoded float40 amount m·10^e
    signal output forced;      // bit 250: a withdrawal requested on Layer 1 (b is the requester's owner)
    signal output effective;   // bit 251: the forced withdrawal debits the account (else it is nullified)
    signal output refund;      // bit 252: the deposit is refunded on Layer 1 (the state has no room for it)

    component bits = Num2Bits(253); // slot = sum(bits[i]·2^i), each bit boolean
    bits.in <== slot;

    // kind flags from the two kind bits k0 (bit 0) and k1 (bit 1); exactly one of them is 1
    isWithdraw <== bits.out[0] * bits.out[1];
    isDeposit <== bits.out[0] - isWithdraw;
    isTransfer <== bits.out[1] - isWithdraw;
    isNoop <== 1 - bits.out[0] - bits.out[1] + isWithdraw;

    // the integer fields: linear combinations of their bits
    var aSum = 0;
    for (var i = 0; i < 32; i++) aSum += bits.out[2 + i] * (1 << i);
    a <== aSum;
    var bSum = 0;
    for (var i = 0; i < 160; i++) bSum += bits.out[34 + i] * (1 << i);
    b <== bSum;
    var tokenSum = 0;
    for (var i = 0; i < 16; i++) tokenSum += bits.out[194 + i] * (1 << i);
    token <== tokenSum;

    component float = Float40FromBits(); // amount = mantissa·10^exponent from bits [210, 250)
    for (var i = 0; i < 40; i++) float.bits[i] <== bits.out[210 + i];
    amount <== float.amount;
    forced <== bits.out[250];
    effective <== bits.out[251];
    refund <== bits.out[252];

    // INVARIANT: a noop slot is exactly 0 (it carries nothing)
    isNoop * slot === 0;
    // INVARIANT: a transfer moves the sender's token; its token field is 0
    isTransfer * token === 0;
    // INVARIANT: only a withdrawal is forced, and only a forced withdrawal is effective
    forced * (1 - isWithdraw) === 0;
    effective * (1 - forced) === 0;
    // INVARIANT: only a deposit is refunded, and a refund names no account
    refund * (1 - isDeposit) === 0;
    refund * a === 0;
}
