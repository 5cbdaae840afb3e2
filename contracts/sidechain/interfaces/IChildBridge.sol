// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Deposit} from "../../shared/lib/Deposit.sol";
import {StateSync} from "../lib/StateSync.sol";

/// @title IChildBridge
/// @notice The sidechain's end of the bridge. It mirrors the Layer-1 validator set (addresses and stakes);
/// validators holding more than 2/3 of the mirrored stake sign how far the Layer-1 deposit queue reaches
/// (a `StateSync`), and anyone relays the deposits up to there, which the bridge mints as child tokens
/// (one ERC-20 per Layer-1 token id, id 0 ETH). Withdrawals burn child tokens here (`Burned`); the
/// validators list the burns in the checkpoints Layer 1 pays from.
/// @dev Trust: everything here trusts more than 2/3 of the mirrored stake. Such a coalition can sign a
/// head of its choosing and mint any amount of any child token with no Layer-1 deposit behind it (the
/// deposits shown must fold to the signed head, but the head is whatever it signs), withhold deposits, or
/// replace the validator set with one of its own. The bridge cannot tell a true Layer-1 head from a
/// forged one: that is what separates a sidechain from a rollup. With 2/3 or less, nothing is minted
/// and the set is not replaced. Deposits are minted in queue order, each once: a sync continues from the
/// stored count and head. Signatures are packed 64-byte compact ones, signers strictly ascending (see
/// `Quorum`); only the current set's signatures count.
interface IChildBridge {
    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice Deposits `fromCount` to `count - 1` of the Layer-1 queue were minted; `head` is the queue
    /// head after them.
    event DepositsSynced(uint64 fromCount, uint64 count, bytes32 head);

    /// @notice Layer-1 deposit `index` minted `amount` of the child token of `tokenId` to `to`.
    event DepositMinted(uint64 indexed index, address indexed to, uint32 indexed tokenId, uint128 amount);

    /// @notice The child token of `tokenId` was created (with CREATE2, salt `tokenId`), at its first deposit.
    event ChildTokenCreated(uint32 indexed tokenId, address indexed token);

    /// @notice The mirror now holds the validator set of nonce `nonce`: `validatorCount` validators with
    /// `totalStake` in all.
    event ValidatorSetSynced(uint64 nonce, uint256 validatorCount, uint256 totalStake);

    /// @notice `from` burned `amount` of the child token of `tokenId`, to be paid to `recipient` on Layer 1
    /// once a checkpoint lists it. `index` is dense: the burns ever made, in order.
    event Burned(
        uint64 indexed index,
        address indexed from,
        address indexed recipient,
        uint32 tokenId,
        uint128 amount
    );

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    /// @notice A validator set has no validators.
    error ChildBridgeNoValidators();
    /// @notice A validator set of `count` validators is more than `max`.
    error ChildBridgeTooManyValidators(uint256 count, uint256 max);
    /// @notice A validator set names `validators` addresses and `stakes` stakes.
    error ChildBridgeValidatorSetLengthMismatch(uint256 validators, uint256 stakes);
    /// @notice Validator `position` (`validator`) is not above the one before it (or is address zero).
    error ChildBridgeValidatorsNotAscending(uint256 position, address validator);
    /// @notice Validator `position` (`validator`) has no stake.
    error ChildBridgeValidatorWithoutStake(uint256 position, address validator);
    /// @notice The signers of a sync hold `signedStake` of `totalStake`: not more than two thirds.
    error ChildBridgeQuorumNotReached(uint256 signedStake, uint256 totalStake);
    /// @notice A state sync carried no deposits.
    error ChildBridgeNoDeposits();
    /// @notice A state sync says `count` deposits; the stored count plus those shown is `expected`.
    error ChildBridgeSyncCountMismatch(uint64 count, uint64 expected);
    /// @notice The deposits shown fold from the stored head to `computed`, not the signed `head`.
    error ChildBridgeSyncHeadMismatch(bytes32 head, bytes32 computed);
    /// @notice A validator-set sync replaces set `nonce`; the mirror holds set `expected`.
    error ChildBridgeValidatorSetNonceMismatch(uint64 nonce, uint64 expected);
    error ChildBridgeZeroAmount();
    error ChildBridgeZeroRecipient();
    /// @notice No deposit of `tokenId` has been minted yet: it has no child token.
    error ChildBridgeUnknownToken(uint32 tokenId);
    /// @notice `account` holds `balance` of the child token of `tokenId`, less than `amount`.
    error ChildBridgeInsufficientBalance(address account, uint32 tokenId, uint256 balance, uint128 amount);

    // ---------------------------------------------------------------------------------------------
    // State sync (validators sign, anyone relays)
    // ---------------------------------------------------------------------------------------------

    /// @notice Mints the Layer-1 deposits from `syncedCount()` to `sync.count - 1`, each's amount of the
    /// child token of its token id (created at its first deposit) to the low 160 bits of its `to`.
    /// @dev Trusts the signers (see the contract's `@dev`): it checks that the deposits extend the stored
    /// queue to the signed count and head, never that Layer 1 holds them. Layer 1 refuses a zero `to`, a
    /// `to` wider than 160 bits and a zero amount, so no true deposit fails to mint.
    /// @param sync The signed count and head (EIP-712 `StateSync`); `sync.count` must be
    /// `syncedCount() + deposits.length`.
    /// @param deposits The queue's deposits after the stored head, in order; at least one. They must fold
    /// (`Deposit.fold`) from `syncedHead()` to `sync.head`.
    /// @param signatures Compact signatures on `stateSyncDigest(sync)`, signers strictly ascending, of
    /// validators holding more than 2/3 of the mirrored stake.
    function syncDeposits(
        StateSync.Data calldata sync,
        Deposit.Data[] calldata deposits,
        bytes calldata signatures
    ) external;

    /// @notice Replaces the mirrored validator set by `set`, and increments the nonce: from then on only
    /// the new set's signatures count.
    /// @dev Trusts the current set's supermajority to copy Layer 1's set faithfully.
    /// @param set The new set (EIP-712 `ValidatorSetSync`): `set.nonce == validatorSetNonce()`; 1 to
    /// `MAX_VALIDATORS` validators, strictly ascending, each with a non-zero stake.
    /// @param signatures Compact signatures on `validatorSetSyncDigest(set)`, signers strictly ascending, of
    /// validators of the CURRENT set holding more than 2/3 of its stake.
    function syncValidators(StateSync.ValidatorSet calldata set, bytes calldata signatures) external;

    // ---------------------------------------------------------------------------------------------
    // Withdrawals
    // ---------------------------------------------------------------------------------------------

    /// @notice Burns `amount` of the caller's child token of `tokenId`, to be paid to `recipient` on Layer 1
    /// once a checkpoint lists the burn. No approval is needed: the bridge burns for the caller alone.
    /// @return index The burn's index (dense, from 0).
    function withdraw(uint32 tokenId, uint128 amount, address recipient) external returns (uint64 index);

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice The most validators a set may hold.
    function MAX_VALIDATORS() external view returns (uint256);

    /// @notice How many Layer-1 deposits have been minted, from the first.
    function syncedCount() external view returns (uint64);

    /// @notice The Layer-1 queue head after the `syncedCount()` deposits minted (zero before any).
    function syncedHead() external view returns (bytes32);

    /// @notice The nonce of the mirrored set: how many validator-set syncs replaced the first set.
    function validatorSetNonce() external view returns (uint64);

    /// @notice `validator`'s stake in the current set (zero for anyone outside it).
    function stakeOf(address validator) external view returns (uint256);

    /// @notice The current set's total stake.
    function totalStake() external view returns (uint256);

    /// @notice The child token of `tokenId`, or address zero before its first deposit.
    function childToken(uint32 tokenId) external view returns (address);

    /// @notice How many burns `withdraw` has made: the next burn's index.
    function burnCount() external view returns (uint64);

    /// @notice The EIP-712 digest the validators sign for `sync`.
    function stateSyncDigest(StateSync.Data calldata sync) external view returns (bytes32);

    /// @notice The EIP-712 digest the validators sign for `set`.
    function validatorSetSyncDigest(StateSync.ValidatorSet calldata set) external view returns (bytes32);
}
