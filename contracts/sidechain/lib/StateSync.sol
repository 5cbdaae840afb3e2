// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title StateSync
/// @notice What the validators sign for the sidechain's `ChildBridge`: a state sync (how far the Layer-1
/// deposit queue reaches: its count and head) and a validator-set sync (the set and stakes Layer 1 holds,
/// for the bridge's mirror), with their EIP-712 struct hashes. Mirrors `src/sidechain/state-sync.ts`.
/// @dev EIP-712 types (domain `"Strata Sidechain Bridge"`, version `"1"`, the sidechain's chain id, the
/// ChildBridge): `StateSync(uint64 count,bytes32 head)` and
/// `ValidatorSetSync(uint64 nonce,address[] validators,uint128[] stakes)`. An array member is hashed as
/// EIP-712 says: keccak256 of its elements' 32-byte encodings, concatenated.
library StateSync {
    bytes32 internal constant STATE_SYNC_TYPEHASH = keccak256("StateSync(uint64 count,bytes32 head)");
    bytes32 internal constant VALIDATOR_SET_SYNC_TYPEHASH = keccak256(
        "ValidatorSetSync(uint64 nonce,address[] validators,uint128[] stakes)"
    );

    /// @notice The EIP-712 `StateSync`: the Layer-1 deposit queue after `count` deposits has head `head`.
    struct Data {
        uint64 count; // deposits in the queue, from the first, that the sync reaches
        bytes32 head; // the queue head after them (Deposit.chain)
    }

    /// @notice The EIP-712 `ValidatorSetSync`: the validator set that replaces set `nonce` of the mirror.
    struct ValidatorSet {
        uint64 nonce; // the mirror's validatorSetNonce() this replaces
        address[] validators; // strictly ascending
        uint128[] stakes; // stakes[i] is validators[i]'s, each non-zero
    }

    /// @notice The EIP-712 struct hash of a `StateSync`.
    function hash(Data calldata sync) internal pure returns (bytes32) {
        return keccak256(abi.encode(STATE_SYNC_TYPEHASH, sync.count, sync.head));
    }

    /// @notice The EIP-712 struct hash of a `ValidatorSetSync`.
    function hash(ValidatorSet calldata set) internal pure returns (bytes32) {
        // abi.encodePacked pads each array element to 32 bytes: EIP-712's encoding of an array.
        return
            keccak256(
                abi.encode(
                    VALIDATOR_SET_SYNC_TYPEHASH,
                    set.nonce,
                    keccak256(abi.encodePacked(set.validators)),
                    keccak256(abi.encodePacked(set.stakes))
                )
            );
    }
}
