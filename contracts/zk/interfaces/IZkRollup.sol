// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IRollup} from "../../bridge/interfaces/IRollup.sol";
import {Deposit} from "../../shared/lib/Deposit.sol";

/// @title IZkRollup
/// @notice A zk rollup: an operator submits batches of Layer-2 transactions with a Groth16 proof that
/// they lead from the stored root to a new one; the contract rebuilds the proof's public inputs from the
/// batch's calldata (compact pubdata and the deposits it consumes), so what is proven is what is
/// published. Withdrawals are credited at once and pulled with `claim`. If a deposit waits unconsumed for
/// longer than the exodus delay (the operator stopped, or censors it), anyone switches on exodus: every account then exits once with a Merkle proof of its
/// leaf against the last root, and unconsumed deposits are refunded. Layouts and rules: `docs/zk.md`.
/// @dev Trust: none in the operator for safety (the verifier's soundness and the circuit's rules carry
/// it); liveness needs one operator, and exodus bounds how long a stopped one can hold funds. The
/// verifier is a separate contract with snarkjs's ABI `verifyProof(uint256[2], uint256[2][2],
/// uint256[2], uint256[3 + BATCH_SIZE])`. Refunds are credits, pulled with `claim` like withdrawals, so
/// that a depositor that cannot receive (a reverting contract, a blocklisted address) never blocks a
/// batch or another refund. `finalizedWithdrawalRoot` is always zero: nothing is paid through the
/// bridge's withdrawal trees.
interface IZkRollup is IRollup {
    /// @notice The rollup's parameters, fixed at deployment.
    struct Config {
        address bridge;
        address verifier; // snarkjs Groth16 verifier for 3 + batchSize public inputs
        uint32 batchSize; // slots per batch
        uint32 depth; // depth of the accounts tree (capacity 2^depth accounts), at most 32
        uint64 exodusDelay; // seconds a deposit may wait unconsumed before exodus may start
        address poseidon2; // Poseidon hashers on 2, 3 and 4 inputs (IPoseidon.sol: poseidon-solidity PoseidonT3..T5)
        address poseidon3;
        address poseidon4;
        uint256 forcedRequestFee; // wei a forced-withdrawal request pays, to the operator that carries it
    }

    /// @notice A Groth16 proof, as snarkjs's `exportSolidityCallData` orders it (b's pairs swapped).
    struct Proof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    /// @notice An account's exit in exodus: its leaf, its owner's key, and its path to the last root.
    struct ExitProof {
        uint32 accountIndex;
        uint32 tokenId;
        uint128 balance;
        uint32 nonce;
        uint256 ax; // the owner's BabyJubJub public key: owner = Poseidon(ax, ay, msg.sender) mod 2^160
        uint256 ay;
        uint32 nextIndex; // the state's next free index, committed to by the root
        uint256[] siblings; // DEPTH siblings, bottom-up
    }

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice A batch's proof verified: the root moved to `newRoot`. Lean on purpose (it is paid for by
    /// every batch): the old root, the deposit head and the transactions follow from the previous
    /// batch and the `submitBatch` calldata, which is where a node reads the batch from anyway.
    /// @param batchIndex The batch's number (genesis is batch 0).
    /// @param newRoot The rollup root after the batch.
    event BatchVerified(uint256 indexed batchIndex, uint256 newRoot);

    /// @notice A withdrawal of a verified batch was credited to `recipient`, to `claim`.
    event WithdrawalCredited(
        uint256 indexed batchIndex,
        address indexed recipient,
        uint32 indexed tokenId,
        uint256 amount
    );

    /// @notice A deposit that no account can hold (consumed by a batch, or left over in exodus) was
    /// credited back to its depositor, to `claim`.
    event DepositRefunded(address indexed depositor, uint32 indexed tokenId, uint256 amount);

    /// @notice `account` pulled its whole credit of `tokenId`, paid to `to` through the bridge.
    event CreditClaimed(address indexed account, address indexed to, uint32 indexed tokenId, uint256 amount);

    /// @notice `requester` asked for a forced withdrawal of `amount` of `tokenId` from account `account`,
    /// as owner `owner` (Poseidon(ax, ay, requester) mod 2^160): request number `index` of the queue.
    event WithdrawalRequested(
        uint256 indexed index,
        address indexed requester,
        uint32 account,
        uint256 owner,
        uint16 tokenId,
        uint256 amount
    );

    /// @notice Batch `batchIndex` consumed forced request `index`: effective (credited to its requester,
    /// with `WithdrawalCredited`) or nullified.
    event ForcedWithdrawalConsumed(uint256 indexed batchIndex, uint256 indexed index, bool effective);

    /// @notice `account` may pull `amount` more wei of forced-request fees with `claimFees`: the fee
    /// recipient of the batch that carried the requests, or a requester refunded in exodus.
    event FeeCredited(address indexed account, uint256 amount);

    /// @notice Forced request `index`, never carried, had its fee credited back to `requester` in exodus
    /// (`refundForcedFees`): it counts as consumed, though no batch consumed it.
    event ForcedFeeRefunded(uint256 indexed index, address indexed requester);

    /// @notice `account` pulled its fee credit, `amount` wei, paid to `to`.
    event FeeClaimed(address indexed account, address indexed to, uint256 amount);

    /// @notice Exodus started: no batch is accepted any more; accounts exit against `root`.
    event ExodusActivated(uint256 root, address activatedBy);

    /// @notice Account `accountIndex` exited: its balance was paid to its Layer-1 owner.
    event AccountExited(uint256 indexed accountIndex, address indexed owner, uint32 tokenId, uint256 balance);

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    /// @notice A constructor parameter is zero or out of range.
    error ZkRollupInvalidConfig();
    /// @notice The verifier rejected the proof for the public inputs the contract rebuilt (forged proof,
    /// public inputs that differ from the proven ones, or a proof against another old root: a replay).
    error ZkRollupInvalidProof(uint256 oldRoot, uint256 newRoot);
    /// @notice The new root is not a field element, so no proof can commit to it.
    error ZkRollupRootOutOfField(uint256 newRoot);
    /// @notice The transaction at pubdata byte `offset` finds no slot left: a batch has `batchSize`.
    error ZkRollupTooManyTransactions(uint256 offset, uint256 batchSize);
    /// @notice The byte at `offset` is not a transaction kind (deposit 1, transfer 2, withdraw 3, forced 4).
    error ZkRollupUnknownTxKind(uint256 offset, uint8 kind);
    /// @notice The transaction at `offset` runs past the end of the pubdata (`length` bytes).
    error ZkRollupPubdataTruncated(uint256 offset, uint8 kind, uint256 length);
    /// @notice Folding the named deposits on to the rollup's head reaches `reached`, not the bridge's head
    /// after `count` deposits (`expected`): they are not the queue's deposits from the rollup's count on, in
    /// order.
    error ZkRollupDepositQueueMismatch(uint256 count, bytes32 expected, bytes32 reached);
    /// @notice Deposit slot `slot` has no carriable consumed deposit left to match.
    error ZkRollupDepositMissing(uint256 slot);
    /// @notice Consumed deposit `depositIndex` is carriable but fills no deposit slot.
    error ZkRollupDepositNotCarried(uint256 depositIndex);
    /// @notice Exodus is on: no batch is accepted, and it cannot start again.
    error ZkRollupExodusActive();
    /// @notice Exodus is off: exits and exodus refunds wait for it.
    error ZkRollupExodusNotActive();
    /// @notice No deposit waits in the queue and no forced withdrawal waits in its own, so exodus cannot start.
    error ZkRollupNothingWaiting();
    /// @notice Exodus may start from `dueAt` (the oldest waiting deposit or forced request is EXODUS_DELAY
    /// old then).
    error ZkRollupExodusNotDue(uint256 dueAt);
    /// @notice Account `accountIndex` has exited already.
    error ZkRollupAlreadyExited(uint256 accountIndex);
    /// @notice The account index lies beyond the tree's capacity.
    error ZkRollupAccountIndexOutOfRange(uint256 accountIndex, uint256 capacity);
    /// @notice The exit proof has `length` siblings; the tree has `depth` levels.
    error ZkRollupWrongSiblingCount(uint256 length, uint256 depth);
    /// @notice The leaf, key, caller and path do not hash to the stored root: a bad proof, or a caller
    /// who is not the account's Layer-1 owner.
    error ZkRollupInvalidExitProof(uint256 accountIndex, address caller);
    /// @notice `account` has no credit of `tokenId`.
    error ZkRollupNothingToClaim(address account, uint32 tokenId);
    /// @notice A forced withdrawal's amount is zero or not a canonical float40 (smallest exponent).
    error ZkRollupInvalidForcedAmount(uint40 packedAmount);
    /// @notice The batch carries forced request `index`, which nobody requested (yet).
    error ZkRollupForcedRequestMissing(uint256 index);
    /// @notice The forced withdrawal at pubdata byte `offset` has an effective byte other than 0 or 1.
    error ZkRollupInvalidEffectiveByte(uint256 offset, uint8 value);
    /// @notice A refund must cover 1 to `length` of the named deposits (or of the waiting forced requests).
    error ZkRollupInvalidRefundCount(uint256 count, uint256 length);
    /// @notice A forced-withdrawal request pays exactly `expected` wei (FORCED_REQUEST_FEE); it sent `paid`.
    error ZkRollupWrongForcedFee(uint256 expected, uint256 paid);
    /// @notice `account` has no fee credit to claim.
    error ZkRollupNoFeeCredit(address account);
    /// @notice Paying `amount` wei of fees to `to` failed (the credit is kept).
    error ZkRollupFeePaymentFailed(address to, uint256 amount);
    /// @notice Fees are never paid or credited to the zero address (`claimFees`' `to`, `submitBatch`'s
    /// `feeRecipient`).
    error ZkRollupZeroRecipient();

    // ---------------------------------------------------------------------------------------------
    // Batches
    // ---------------------------------------------------------------------------------------------

    /// @notice Verifies a batch and moves the root to `newRoot`. The public inputs are rebuilt here:
    /// [stored root, newRoot, feeRecipient, slot of each transaction in `pubdata`, 0 for each remaining
    /// slot]. The fees of the forced requests the batch carries are credited to `feeRecipient`, which the
    /// proof is bound to: a copy of the calldata naming another recipient does not verify, so anyone may
    /// send a batch but only its prover chooses who is paid for it.
    /// Consumed deposits no account can hold are refunded (credited to their depositors); every other
    /// one fills the next deposit slot, in order. Withdrawals are credited to their recipients.
    /// The consumed deposits are checked against the bridge's queue as it was at the count they reach
    /// (`depositCount()` + their number; `IBridge.depositHeadAt`), never against its live head, so a deposit
    /// queued between the batch's building and its inclusion leaves the batch valid (the next batch consumes
    /// it). The bridge remembers the last 256 counts; further behind, the batch shows `catchUp`.
    /// @param newRoot The rollup root after the batch.
    /// @param feeRecipient Who is credited the fees of the forced requests the batch carries (`claimFees`);
    /// a public input of the proof, never zero (`ZkRollupZeroRecipient`), even when it carries none.
    /// @param proof The Groth16 proof.
    /// @param pubdata The compact transactions: deposit 0x01‖u32, transfer 0x02‖u32‖u32‖float40,
    /// withdraw 0x03‖u32‖address‖u16‖float40, forced withdrawal 0x04‖effective u8 (the next stored
    /// request) (big-endian).
    /// @param consumedDeposits The deposits the batch consumes, in queue order from the rollup's head
    /// (deposits `depositCount()` to `depositCount()` + length - 1 of the queue).
    /// @param catchUp Usually empty. When the bridge has forgotten the head after the consumed deposits
    /// (256 deposits or more were queued after them), the deposits queued right after them, enough that the
    /// count they reach is one it remembers: folded on, they must reach its head there. Not consumed, not
    /// read when the batch consumes no deposit.
    /// @return batchIndex The batch's number.
    function submitBatch(
        uint256 newRoot,
        address feeRecipient,
        Proof calldata proof,
        bytes calldata pubdata,
        Deposit.Data[] calldata consumedDeposits,
        Deposit.Data[] calldata catchUp
    ) external returns (uint256 batchIndex);

    // ---------------------------------------------------------------------------------------------
    // Forced withdrawals
    // ---------------------------------------------------------------------------------------------

    /// @notice Asks for a withdrawal the operator cannot leave out for long: batches may carry the
    /// requests only in queue order, each effective (the account is debited, the caller credited) when account
    /// `account` is open with owner Poseidon(ax, ay, msg.sender) mod 2^160, token `tokenId` and at least
    /// the amount, else nullified. A request left waiting EXODUS_DELAY lets anyone start exodus.
    /// Pays exactly FORCED_REQUEST_FEE (`msg.value`): a fee credit (`claimFees`) of the fee recipient of
    /// the batch that carries the request (`submitBatch`'s `feeRecipient`, bound by its proof), or of the requester again if exodus starts first
    /// (`refundForcedFees`). It prices the slot the operator must give up, so flooding the queue costs
    /// the flooder what it costs the operator.
    /// @param account The account index, below 2^DEPTH.
    /// @param tokenId The account's token id.
    /// @param packedAmount The amount as a canonical float40 (`encodeFloat40`), not zero.
    /// @param ax The caller's BabyJubJub public key, x (in the account's owner hash).
    /// @param ay The same, y.
    /// @return index The request's number in the queue.
    function requestWithdrawal(
        uint32 account,
        uint16 tokenId,
        uint40 packedAmount,
        uint256 ax,
        uint256 ay
    ) external payable returns (uint256 index);

    /// @notice Credits each of the next `count` waiting forced requests' fee back to its requester, in
    /// exodus (no batch will carry them); they count as consumed. Anyone may call.
    /// @param count How many, 1 to the number still waiting.
    function refundForcedFees(uint256 count) external;

    /// @notice Pays the caller's whole fee credit (forced-request fees, in wei) to `to`.
    /// @dev The fees are held by this contract, not by the bridge: the bridge's escrow is what Layer 2
    /// owes and nothing more.
    /// @return amount What was paid.
    function claimFees(address to) external returns (uint256 amount);

    /// @notice What `account` may pull with `claimFees`, in wei.
    function feeCreditOf(address account) external view returns (uint256);

    /// @notice How many forced withdrawals were requested, and how many of them are consumed: carried by
    /// batches (`ForcedWithdrawalConsumed`) or, in exodus, refunded their fee (`ForcedFeeRefunded`).
    function forcedRequests() external view returns (uint256 requested, uint256 consumed);

    /// @notice Forced request `index`: its slot element without the effective bit, its requester and time.
    function forcedRequest(
        uint256 index
    ) external view returns (uint256 slot, address requester, uint256 requestedAt);

    // ---------------------------------------------------------------------------------------------
    // Credits
    // ---------------------------------------------------------------------------------------------

    /// @notice Pays the caller's whole credit of `tokenId` (withdrawals, refunds) to `to`.
    /// @param tokenId The bridge's token id.
    /// @param to Who receives it on Layer 1.
    /// @return amount What was paid.
    function claim(uint32 tokenId, address to) external returns (uint256 amount);

    // ---------------------------------------------------------------------------------------------
    // Exodus
    // ---------------------------------------------------------------------------------------------

    /// @notice Starts exodus once the oldest waiting deposit, or the oldest waiting forced withdrawal, has
    /// waited EXODUS_DELAY unconsumed, whatever batches came meanwhile. Anyone may call.
    /// The first waiting deposit's time is read from the bridge (`IBridge.depositQueuedAt`) or from
    /// `waiting`.
    /// @param waiting Usually empty. When the bridge has forgotten the first waiting deposit's time (256
    /// deposits or more were queued after it, `BridgeDepositForgotten`): the deposits not yet consumed,
    /// from the first, in queue order, up to a count whose head the bridge remembers (checked against it).
    function activateExodus(Deposit.Data[] calldata waiting) external;

    /// @notice Pays an account's balance to the caller, its Layer-1 owner, in exodus. Once per account.
    /// @param proof The leaf, the owner's key and the path against the stored root.
    function exit(ExitProof calldata proof) external;

    /// @notice Refunds (credits back to their depositors) the first `count` deposits never consumed, in
    /// queue order, in exodus. Each deposit is refunded once: the rollup's head moves past it.
    /// @param deposits Deposits not yet consumed or refunded, from the first, in queue order, up to a count
    /// whose head the bridge remembers (any of the last 256; all of them, up to its live head, will do).
    /// @param count How many of them to refund.
    function refundDeposits(Deposit.Data[] calldata deposits, uint256 count) external;

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice The rollup root: Poseidon(accountsRoot, nextIndex, DOMAIN). Until the first batch, the
    /// genesis root the constructor computed: Poseidon(emptyRoot(DEPTH), 0, DOMAIN).
    function root() external view returns (uint256);

    /// @notice The head of the deposit queue up to the last deposit consumed (or refunded in exodus).
    function depositHead() external view returns (bytes32);

    /// @notice How many deposits of the bridge's queue batches consumed (or exodus refunded): the count
    /// `depositHead()` is the head after.
    function depositCount() external view returns (uint256);

    /// @notice Batches so far, genesis included (the next batch's number).
    function batchCount() external view returns (uint256);

    /// @notice When the last batch (or the deployment) happened.
    function lastBatchAt() external view returns (uint256);

    /// @notice Whether exodus is on.
    function isExodus() external view returns (bool);

    /// @notice What `account` may `claim` of `tokenId`.
    function creditOf(address account, uint32 tokenId) external view returns (uint256);

    /// @notice Whether account `accountIndex` has exited.
    function hasExited(uint256 accountIndex) external view returns (bool);
}
