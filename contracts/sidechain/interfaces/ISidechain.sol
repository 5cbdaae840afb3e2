// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IRollup} from "../../bridge/interfaces/IRollup.sol";
import {Checkpoint} from "../lib/Checkpoint.sol";

/// @title ISidechain
/// @notice The Layer-1 side of a proof-of-stake sidechain: validators stake ETH here, and a checkpoint of
/// the sidechain's history signed by validators holding more than two thirds of the active stake is
/// accepted, its withdrawal root final at once. Registered in the `Bridge` as a "rollup", so the bridge
/// pays the withdrawals a checkpoint lists out of the sidechain's escrow.
/// @dev Trust: Layer 1 checks the signatures, never the history. A coalition holding more than two thirds
/// of the active stake can have any checkpoint accepted, listing withdrawals that never happened, and the
/// bridge pays them out of the sidechain's escrow (and only that: the bridge isolates each rollup's
/// escrow). What it risks doing so is nothing here; what it risks by equivocating (signing two different
/// checkpoints with one number) is its whole stake: anyone who shows both signatures takes
/// `SLASH_REWARD_BPS` of it, the rest is burned. Honest validators sign at most one checkpoint per number.
/// Liveness needs validators holding more than two thirds of the active stake to sign.
/// INVARIANT: this contract's balance is the stake of every active or unbonding validator plus
/// `burnedStake()`.
interface ISidechain is IRollup {
    /// @notice Where a validator stands. `None`: never staked, or withdrew everything. `Active`: in the set,
    /// its stake counts toward quorums. `Unbonding`: left the set, stake still slashable, withdrawable once
    /// `withdrawableAt` has passed. `Slashed`: caught equivocating, stake taken, never staking again.
    enum Status {
        None,
        Active,
        Unbonding,
        Slashed
    }

    /// @notice A validator's record: one storage slot, so a quorum check reads one word per signer.
    struct Validator {
        uint128 stake; // wei; counts toward quorums while Active
        uint64 withdrawableAt; // Unbonding: when `withdrawStake` opens
        uint8 index; // Active: its position in the active set (see `validators`)
        Status status;
    }

    /// @notice The validator set's parameters, fixed at deployment. The constructor refuses any that makes
    /// no sense with `ValidatorInvalidConfig(name, value)`, named as below.
    struct Config {
        uint128 minStake; // wei a new validator brings at least: not 0
        uint64 unbondingDelay; // seconds an unbonding stake stays slashable: not 0
        uint16 slashRewardBps; // share of a slashed stake paid to whoever showed the proof: at most 10,000
    }

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice `validator` staked `amount` more; its stake is now `stake` (joining the set if it was not in).
    event ValidatorStaked(address indexed validator, uint256 amount, uint256 stake);
    /// @notice `validator` left the active set with `stake`, withdrawable from `withdrawableAt`.
    event ValidatorUnbonded(address indexed validator, uint256 stake, uint64 withdrawableAt);
    /// @notice `validator` withdrew its whole stake, `amount`, after unbonding.
    event StakeWithdrawn(address indexed validator, uint256 amount);
    /// @notice `validator` signed two different checkpoints numbered `number`; `slasher` showed it and was
    /// paid `reward`; the rest of the stake, `burned`, is kept by this contract for ever.
    event ValidatorSlashed(
        address indexed validator,
        address indexed slasher,
        uint64 indexed number,
        uint256 reward,
        uint256 burned
    );
    /// @notice Checkpoint `number`, covering sidechain blocks `startBlock..endBlock`, was accepted: its
    /// withdrawal root is final. `signedStake` of the `totalStake` active stake signed it.
    event CheckpointSubmitted(
        uint64 indexed number,
        uint64 startBlock,
        uint64 endBlock,
        bytes32 endBlockHash,
        bytes32 withdrawalRoot,
        address indexed proposer,
        uint256 signedStake,
        uint256 totalStake
    );

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    /// @notice Config field `parameter` (named as in `Config`) cannot be `value`.
    error ValidatorInvalidConfig(string parameter, uint256 value);
    /// @notice A new validator brought `amount`, less than `minStake`.
    error ValidatorStakeTooLow(uint256 amount, uint256 minStake);
    /// @notice Staking nothing.
    error ValidatorZeroStake();
    /// @notice `validator`'s stake would reach `stake`, more than a uint128 holds.
    error ValidatorStakeOverflow(address validator, uint256 stake);
    /// @notice The active set already holds `max` validators.
    error ValidatorSetFull(uint256 max);
    /// @notice `validator` is unbonding: it withdraws first, then may stake anew.
    error ValidatorUnbonding(address validator);
    /// @notice `validator` was slashed: it never stakes again.
    error ValidatorWasSlashed(address validator);
    /// @notice `validator` is not in the active set (so cannot unbond).
    error ValidatorNotActive(address validator);
    /// @notice `validator` is not unbonding (so has nothing to withdraw).
    error ValidatorNotUnbonding(address validator);
    /// @notice `validator`'s stake is withdrawable from `withdrawableAt`, not yet.
    error ValidatorUnbondingNotOver(address validator, uint256 withdrawableAt);
    /// @notice Sending `amount` wei to `to` failed.
    error ValidatorEthTransferFailed(address to, uint256 amount);
    /// @notice Signature `which` (0: the first checkpoint's, 1: the second's) is not 64 bytes or recovers
    /// to no one.
    error ValidatorSlashSignatureInvalid(uint256 which);
    /// @notice The two checkpoints have numbers `numberA` and `numberB`: signing both is no offence.
    error ValidatorSlashNumbersDiffer(uint64 numberA, uint64 numberB);
    /// @notice Both signatures are on the same checkpoint, digest `digest`: signing it twice is no offence.
    error ValidatorSlashSameCheckpoint(bytes32 digest);
    /// @notice The two signatures recover to different signers, `signerA` and `signerB`.
    error ValidatorSlashSignersDiffer(address signerA, address signerB);
    /// @notice `validator` has no stake to slash (never staked, withdrew, or was slashed already).
    error ValidatorNothingToSlash(address validator);

    /// @notice The checkpoint is numbered `number`; the next one is `expected`.
    error SidechainWrongNumber(uint64 number, uint64 expected);
    /// @notice The checkpoint starts at sidechain block `startBlock`; the next one starts at `expected`.
    error SidechainWrongStartBlock(uint64 startBlock, uint64 expected);
    /// @notice `endBlock` is below `startBlock`, or is the last uint64 (no block could follow it).
    error SidechainInvalidBlockRange(uint64 startBlock, uint64 endBlock);
    /// @notice The checkpoint's withdrawal root is zero, which the bridge reads as "not final" (an empty
    /// withdrawal tree has a non-zero root).
    error SidechainZeroWithdrawalRoot();
    /// @notice The checkpoint's signers hold `signedStake` of `totalStake`: not more than two thirds.
    error SidechainQuorumNotReached(uint256 signedStake, uint256 totalStake);

    // ---------------------------------------------------------------------------------------------
    // Validators
    // ---------------------------------------------------------------------------------------------

    /// @notice Stakes `msg.value` for the caller, whose address is its signing key. A new validator (or one
    /// that withdrew) joins the active set with at least `MIN_STAKE`; an active one adds to its stake.
    /// @dev Reverts with `ValidatorUnbonding` while the caller unbonds, `ValidatorWasSlashed` if it was
    /// slashed, `ValidatorSetFull` when a new validator finds `MAX_VALIDATORS` in the set.
    function stake() external payable;

    /// @notice Leaves the active set at once: the caller's stake stops counting toward any quorum, stays
    /// slashable, and is withdrawable after `UNBONDING_DELAY`.
    function unbond() external;

    /// @notice Pays the caller's whole stake back, once its unbonding delay has passed.
    function withdrawStake() external;

    /// @notice Slashes the validator that signed two different checkpoints with one number: its whole stake
    /// is taken, `SLASH_REWARD_BPS` of it paid to the caller, the rest burned; it leaves the set for ever.
    /// @dev Works on an active or an unbonding validator; the checkpoints need not have been submitted.
    /// @param a One checkpoint.
    /// @param signatureA The validator's 64-byte compact (EIP-2098) signature of `checkpointDigest(a)`.
    /// @param b Another checkpoint with the same number.
    /// @param signatureB The validator's 64-byte compact signature of `checkpointDigest(b)`.
    function slash(
        Checkpoint.Data calldata a,
        bytes calldata signatureA,
        Checkpoint.Data calldata b,
        bytes calldata signatureB
    ) external;

    /// @notice The least a new validator stakes, in wei.
    function MIN_STAKE() external view returns (uint256);

    /// @notice Seconds between `unbond` and `withdrawStake`.
    function UNBONDING_DELAY() external view returns (uint64);

    /// @notice The share of a slashed stake paid to whoever showed the proof, in basis points.
    function SLASH_REWARD_BPS() external view returns (uint16);

    /// @notice The most validators the active set holds.
    function MAX_VALIDATORS() external view returns (uint256);

    /// @notice The stake of the active set: what a quorum is more than two thirds of.
    function totalStake() external view returns (uint256);

    /// @notice Every slashed stake not paid as a reward, kept by this contract for ever.
    function burnedStake() external view returns (uint256);

    /// @notice `account`'s record (zeroes if it never staked).
    function validator(address account) external view returns (Validator memory);

    /// @notice The active set: each validator and its stake, in no particular order.
    function validators() external view returns (address[] memory accounts, uint256[] memory stakes);

    // ---------------------------------------------------------------------------------------------
    // Checkpoints
    // ---------------------------------------------------------------------------------------------

    /// @notice Accepts the next checkpoint, signed by validators holding more than two thirds of the
    /// active stake; its withdrawal root is final at once. Anyone may submit.
    /// @param checkpoint Number `checkpointCount()`, from block `nextStartBlock()`, `endBlock >= startBlock`,
    /// a non-zero withdrawal root.
    /// @param signatures Active validators' 64-byte compact signatures of `checkpointDigest(checkpoint)`,
    /// packed, their signers strictly ascending (see `Quorum`).
    function submitCheckpoint(Checkpoint.Data calldata checkpoint, bytes calldata signatures) external;

    /// @notice Checkpoints accepted so far: the next one takes this number.
    function checkpointCount() external view returns (uint64);

    /// @notice The first sidechain block of the next checkpoint: the block after the last one covered.
    function nextStartBlock() external view returns (uint64);

    /// @notice The EIP-712 digest validators sign for `checkpoint` (domain "Strata Sidechain", "1").
    function checkpointDigest(Checkpoint.Data calldata checkpoint) external view returns (bytes32);
}
