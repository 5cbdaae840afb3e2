pragma circom 2.1.0;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "./range.circom";
include "./slot.circom";
include "./merkle.circom";
include "./spend-authorization.circom";

// RollupSlot(DEPTH) proves one slot of a batch (docs/zk.md, "Rules the circuit enforces"): from the
// running (accountsRoot, nextIndex), two leaf updates in sequence, A then B, each on a Merkle path of
// depth DEPTH, give the next (accountsRoot, nextIndex). Leaf = Poseidon(owner, token, balance, nonce),
// an empty leaf is 0.
//   noop      slot = 0; A and B unchanged.
//   deposit   A unchanged; B = account a. If a = nextIndex: B was empty and becomes
//             (b, token, amount, 0), nextIndex + 1. Otherwise B's owner is b, its token is token,
//             its balance grows by amount (< 2^128 after), its nonce is unchanged.
//   transfer  A = account a, B = account b, a != b, same token; A signed M = Poseidon(slot, nonce,
//             domain) with the key of its owner hash; A's nonce + 1 (< 2^32); A's balance >= amount;
//             B's balance + amount < 2^128.
//   withdraw  A = account a, signed as above, nonce + 1, balance >= amount; b != 0; amount != 0;
//             token = A's token. B unchanged.
//   refund    (a deposit slot with the refund bit: the state has no room for the deposit, which the
//             contract credits back to its depositor) nextIndex = 2^DEPTH (every account is open);
//             A and B unchanged.
//   forced    (a withdraw slot with the forced bit: a Layer-1 request, b = the requester's owner hash)
//             A = account a, not signed, nonce unchanged; amount != 0. effective = A is open (its
//             leaf is not 0) and A's owner = b and A's token = token and A's balance >= amount; the
//             slot's effective bit must equal it. If effective, A's balance - amount; else nothing
//             changes (the request is nullified). B unchanged.
// An unchanged leaf is still an update on a valid path (old leaf = new leaf): the prover gives the
// leaf's value (`aLeaf`/`bLeaf`) and its siblings at any index, so a noop slot needs a real path.
// NOTE: the leaf fields (owner, token, balance, nonce) read from the tree are not range-checked: the
// prover must show them as a Poseidon preimage of the leaf, and every leaf in the tree was written
// by this circuit with its balance < 2^128 and nonce < 2^32 (the genesis tree is empty). With
// balance < 2^128 and amount < 2^139, balance - amount wraps to >= p - 2^139 when amount > balance,
// so the 128-bit range check on the result catches every overdraft; balance + amount < 2^140 never
// wraps, so the same check catches every overflow.
// NOTE: 0 has no known Poseidon(4) preimage, so a changed leaf cannot be an empty one (no spending
// from, transferring to or topping up an account that does not exist), and a deposit at an index
// other than nextIndex needs an open account there.
// NOTE: a refund is allowed whenever the tree is full, even for a deposit an open account of its owner
// and token could take (proving that none could would need the whole tree): an operator may refund such
// a top-up. The depositor loses nothing (the refund is a Layer-1 credit); the honest operator tops up.
// NOTE: a forced slot's effectiveness is a function of the running state and the public slot: when
// A's leaf is not 0 the prover must open it with its true preimage (whatever the verdict), so it
// cannot fake a mismatch; an empty leaf (no account) is never effective. A's balance < 2^128 (every
// leaf) and amount < 2^139, so the 140-bit comparison is exact.
// NOTE: a, b (for a transfer) and the paths' indices are tied together, so a and b must be below
// 2^DEPTH for a spend or deposit to be provable at all.
template RollupSlot(DEPTH) {
    assert(DEPTH >= 1 && DEPTH <= 32);

    // the running state and the slot
    signal input accountsRootIn;   // accounts root before this slot
    signal input nextIndexIn;      // next free account index before this slot
    signal input domain;           // chainId·2^160 + rollup address, signed in M
    signal input slot;             // the public slot element
    signal output accountsRootOut; // accounts root after this slot
    signal output nextIndexOut;    // next free account index after this slot

    // leaf A (the sender of a transfer or withdrawal; unchanged otherwise)
    signal input aIndex;           // its index (any index when unchanged)
    signal input aLeaf;            // its current leaf value
    signal input aOwner;           // its preimage: owner (ignored when unchanged)
    signal input aToken;           // its preimage: token id
    signal input aBalance;         // its preimage: balance
    signal input aNonce;           // its preimage: nonce
    signal input aSiblings[DEPTH]; // its siblings in the running tree, bottom-up

    // leaf B (a deposit's account or a transfer's receiver; unchanged otherwise)
    signal input bIndex;           // its index (any index when unchanged)
    signal input bLeaf;            // its leaf value after the update of A
    signal input bOwner;           // its preimage: owner (for a new account: the deposit's owner)
    signal input bToken;           // its preimage: token id (for a new account: the deposit's token)
    signal input bBalance;         // its preimage: balance (0 for a new account)
    signal input bNonce;           // its preimage: nonce (0 for a new account)
    signal input bSiblings[DEPTH]; // its siblings in the tree after the update of A, bottom-up

    // the sender's authorization (all zero when not a spend)
    signal input signerAx;         // BabyJubJub public key, x
    signal input signerAy;         // BabyJubJub public key, y
    signal input signerL1Address;  // the Layer-1 address in the owner hash
    signal input sigR8x;           // signature R8, x
    signal input sigR8y;           // signature R8, y
    signal input sigS;             // signature S

    // ---- the slot's fields, each range-checked to its width, and its kind
    component fields = SlotDecode();
    fields.slot <== slot;
    signal isSpend <== fields.isTransfer + fields.isWithdraw;   // A is account a
    signal isSigned <== isSpend - fields.forced;                // A signs and is debited (nonce + 1)
    signal isSignedWithdraw <== fields.isWithdraw - fields.forced;
    signal isCarried <== fields.isDeposit - fields.refund;      // a deposit credited to an account
    signal isCredit <== isCarried + fields.isTransfer;          // B is credited

    // ---- which accounts the updates touch
    // INVARIANT: a spend's A is account a; a deposit's B is account a; a transfer's B is account b
    isSpend * (aIndex - fields.a) === 0;
    isCarried * (bIndex - fields.a) === 0;
    fields.isTransfer * (bIndex - fields.b) === 0;

    // ---- a deposit at nextIndex opens an account
    component atNextIndex = IsZero(); // a == nextIndexIn (a < 2^32, nextIndexIn <= 2^DEPTH: no wrap)
    atNextIndex.in <== fields.a - nextIndexIn;
    signal opensAccount <== isCarried * atNextIndex.out; // B is a new account
    nextIndexOut <== nextIndexIn + opensAccount;
    // INVARIANT: a new account starts with balance 0 and nonce 0 (then gets the amount)
    opensAccount * bBalance === 0;
    opensAccount * bNonce === 0;
    // INVARIANT: a deposit credits an account of its owner and token (new or open)
    isCarried * (bOwner - fields.b) === 0;
    isCarried * (bToken - fields.token) === 0;

    // ---- a refunded deposit: only when no account is left to open
    component full = IsZero(); // nextIndexIn == 2^DEPTH
    full.in <== nextIndexIn - (1 << DEPTH);
    // INVARIANT: a deposit is refunded only when the tree is full (never while an account can be opened)
    fields.refund * (1 - full.out) === 0;

    // ---- transfer rules
    component sameAccount = IsZero(); // aIndex == bIndex (both < 2^DEPTH)
    sameAccount.in <== aIndex - bIndex;
    // INVARIANT: no transfer to self
    fields.isTransfer * sameAccount.out === 0;
    // INVARIANT: a transfer moves one token between accounts of that token
    fields.isTransfer * (aToken - bToken) === 0;

    // ---- withdraw rules
    // INVARIANT: a signed withdrawal names the sender's token
    isSignedWithdraw * (aToken - fields.token) === 0;
    component zeroRecipient = IsZero(); // b == 0
    zeroRecipient.in <== fields.b;
    // INVARIANT: no signed withdrawal to the zero address
    isSignedWithdraw * zeroRecipient.out === 0;
    component zeroAmount = IsZero(); // amount == 0
    zeroAmount.in <== fields.amount;
    // INVARIANT: no empty withdrawal
    fields.isWithdraw * zeroAmount.out === 0;

    // ---- forced withdrawal: whether it is effective, from the running state and the slot alone
    component aEmpty = IsZero(); // A's leaf is 0: no account
    aEmpty.in <== aLeaf;
    signal forcedOpen <== fields.forced * (1 - aEmpty.out); // forced, on an open account
    component ownerMatch = IsZero(); // A's owner == b (the requester's owner hash)
    ownerMatch.in <== aOwner - fields.b;
    component tokenMatch = IsZero(); // A's token == token
    tokenMatch.in <== aToken - fields.token;
    component covered = LessThan(140); // amount < balance + 1 (both < 2^140)
    covered.in[0] <== fields.amount;
    covered.in[1] <== aBalance + 1;
    signal ownerOk <== forcedOpen * ownerMatch.out;
    signal tokenOk <== ownerOk * tokenMatch.out;
    signal isEffective <== tokenOk * covered.out;
    // INVARIANT: a forced slot's effective bit is what the state says, not what the prover likes
    fields.effective === isEffective;
    signal aDebited <== isSigned + fields.effective; // A is debited: a signed spend or an effective request

    // ---- balances and nonce after the slot, each range-checked
    signal debit <== aDebited * fields.amount;  // what A loses
    signal credit <== isCredit * fields.amount; // what B gains
    signal aBalanceAfter <== aBalance - debit;  // A's balance after; wraps to a huge value on overdraft
    signal aNonceAfter <== aNonce + isSigned;   // A's nonce after (advanced by a signed spend)
    signal bBalanceAfter <== bBalance + credit; // B's balance after (never wraps: < 2^140)
    component aBalanceRange = RangeCheck(128); // INVARIANT: no overdraft (balance >= amount)
    aBalanceRange.in <== aBalanceAfter;
    component aNonceRange = RangeCheck(32);    // INVARIANT: nonce + 1 < 2^32
    aNonceRange.in <== aNonceAfter;
    component bBalanceRange = RangeCheck(128); // INVARIANT: no overflow (balance + amount < 2^128)
    bBalanceRange.in <== bBalanceAfter;

    // ---- the sender's authorization
    component authorization = SpendAuthorization();
    authorization.enabled <== isSigned;
    authorization.slot <== slot;
    authorization.nonce <== aNonce;
    authorization.domain <== domain;
    authorization.owner <== aOwner;
    authorization.Ax <== signerAx;
    authorization.Ay <== signerAy;
    authorization.l1Address <== signerL1Address;
    authorization.R8x <== sigR8x;
    authorization.R8y <== sigR8y;
    authorization.S <== sigS;

    // ---- leaf A: old and new values
    component aOldHash = Poseidon(4); // the leaf the preimage stands for
    aOldHash.inputs[0] <== aOwner;
    aOldHash.inputs[1] <== aToken;
    aOldHash.inputs[2] <== aBalance;
    aOldHash.inputs[3] <== aNonce;
    component aNewHash = Poseidon(4); // the leaf after the debit
    aNewHash.inputs[0] <== aOwner;
    aNewHash.inputs[1] <== aToken;
    aNewHash.inputs[2] <== aBalanceAfter;
    aNewHash.inputs[3] <== aNonceAfter;
    // INVARIANT: a spent leaf, and the open leaf a forced slot judges, is the hash of the fields the
    // rules read
    (isSigned + forcedOpen) * (aLeaf - aOldHash.out) === 0;
    signal aLeafAfter <== aLeaf + aDebited * (aNewHash.out - aLeaf); // unchanged unless debited

    // ---- leaf B: old and new values
    component bOldHash = Poseidon(4); // the leaf the preimage stands for
    bOldHash.inputs[0] <== bOwner;
    bOldHash.inputs[1] <== bToken;
    bOldHash.inputs[2] <== bBalance;
    bOldHash.inputs[3] <== bNonce;
    component bNewHash = Poseidon(4); // the leaf after the credit
    bNewHash.inputs[0] <== bOwner;
    bNewHash.inputs[1] <== bToken;
    bNewHash.inputs[2] <== bBalanceAfter;
    bNewHash.inputs[3] <== bNonce;
    signal creditsOpenAccount <== isCredit - opensAccount; // B exists and is credited
    // INVARIANT: a credited open leaf is the hash of the fields the rules read
    creditsOpenAccount * (bLeaf - bOldHash.out) === 0;
    // INVARIANT: a new account is opened on an empty leaf
    opensAccount * bLeaf === 0;
    signal bLeafAfter <== bLeaf + isCredit * (bNewHash.out - bLeaf); // unchanged unless credited

    // ---- the two updates, in sequence
    component aUpdate = MerkleLeafUpdate(DEPTH);
    aUpdate.index <== aIndex;
    aUpdate.siblings <== aSiblings;
    aUpdate.oldLeaf <== aLeaf;
    aUpdate.newLeaf <== aLeafAfter;
    // INVARIANT: A's path is in the running tree
    aUpdate.oldRoot === accountsRootIn;

    component bUpdate = MerkleLeafUpdate(DEPTH);
    bUpdate.index <== bIndex;
    bUpdate.siblings <== bSiblings;
    bUpdate.oldLeaf <== bLeaf;
    bUpdate.newLeaf <== bLeafAfter;
    // INVARIANT: B's path is in the tree after A's update
    bUpdate.oldRoot === aUpdate.newRoot;

    accountsRootOut <== bUpdate.newRoot;
}
