// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Channel} from "./Channel.sol";

/// @title StateHash
/// @notice EIP-712 `hashStruct` of a channel state (docs/channels.md), the Solidity twin of `hashState`
/// in `src/channels/eip712.ts`. The domain separator is added by the adjudicator.
library StateHash {
    bytes32 internal constant STATE_TYPEHASH = keccak256(
        "State(bytes32 channelId,uint64 version,bool isFinal,Allocation[] allocations,Lock[] locks,Withdrawal[] withdrawals)"
        "Allocation(address asset,uint256[] balances)"
        "Lock(bytes32 hashlock,uint64 deadline,uint8 asset,uint8 sender,uint8 receiver,uint256 amount)"
        "Withdrawal(uint8 asset,uint8 participant,uint256 amount)"
    );
    bytes32 internal constant ALLOCATION_TYPEHASH = keccak256("Allocation(address asset,uint256[] balances)");
    bytes32 internal constant LOCK_TYPEHASH = keccak256(
        "Lock(bytes32 hashlock,uint64 deadline,uint8 asset,uint8 sender,uint8 receiver,uint256 amount)"
    );
    bytes32 internal constant WITHDRAWAL_TYPEHASH = keccak256(
        "Withdrawal(uint8 asset,uint8 participant,uint256 amount)"
    );
    /// @dev keccak256 of zero bytes: the hash of an empty array, the common case for locks and withdrawals.
    bytes32 private constant EMPTY_ARRAY_HASH = keccak256("");

    /// @notice `hashStruct(state)`.
    function hashOf(Channel.State calldata state) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    STATE_TYPEHASH,
                    state.channelId,
                    state.version,
                    state.isFinal,
                    _hashAllocations(state.allocations),
                    _hashLocks(state.locks),
                    _hashWithdrawals(state.withdrawals)
                )
            );
    }

    function _hashAllocations(Channel.Allocation[] calldata allocations) private pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](allocations.length);
        for (uint256 i = 0; i < allocations.length; i++) {
            hashes[i] = keccak256(
                abi.encode(
                    ALLOCATION_TYPEHASH,
                    allocations[i].asset,
                    keccak256(abi.encodePacked(allocations[i].balances))
                )
            );
        }
        return keccak256(abi.encodePacked(hashes));
    }

    function _hashLocks(Channel.Lock[] calldata locks) private pure returns (bytes32) {
        if (locks.length == 0) return EMPTY_ARRAY_HASH;
        bytes32[] memory hashes = new bytes32[](locks.length);
        for (uint256 i = 0; i < locks.length; i++) {
            Channel.Lock calldata lock = locks[i];
            hashes[i] = keccak256(
                abi.encode(
                    LOCK_TYPEHASH,
                    lock.hashlock,
                    lock.deadline,
                    lock.asset,
                    lock.sender,
                    lock.receiver,
                    lock.amount
                )
            );
        }
        return keccak256(abi.encodePacked(hashes));
    }

    function _hashWithdrawals(Channel.Withdrawal[] calldata withdrawals) private pure returns (bytes32) {
        if (withdrawals.length == 0) return EMPTY_ARRAY_HASH;
        bytes32[] memory hashes = new bytes32[](withdrawals.length);
        for (uint256 i = 0; i < withdrawals.length; i++) {
            Channel.Withdrawal calldata w = withdrawals[i];
            hashes[i] = keccak256(abi.encode(WITHDRAWAL_TYPEHASH, w.asset, w.participant, w.amount));
        }
        return keccak256(abi.encodePacked(hashes));
    }
}
