// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ISecretRegistry} from "./interfaces/ISecretRegistry.sol";

/// @title SecretRegistry
/// @notice Records when each hashlock's preimage was first revealed (see `ISecretRegistry`).
/// @dev Inherited by the adjudicator, which is its own registry: `unlock` reads a reveal from its own
/// storage instead of calling another contract (a cold account access, 2,600 gas, on every unlock).
abstract contract SecretRegistry is ISecretRegistry {
    mapping(bytes32 hashlock => uint256 timestamp) private _revealedAt;

    /// @inheritdoc ISecretRegistry
    function reveal(bytes32 secret) external returns (bytes32 hashlock) {
        hashlock = keccak256(abi.encode(secret));
        uint256 revealedTime = _revealedAt[hashlock];
        // INVARIANT: the first reveal's timestamp is never overwritten (a later one could only be later).
        if (revealedTime != 0) revert SecretRegistryAlreadyRevealed(hashlock, revealedTime);
        _revealedAt[hashlock] = block.timestamp;
        emit SecretRevealed(hashlock, secret);
    }

    /// @inheritdoc ISecretRegistry
    function revealedAt(bytes32 hashlock) external view returns (uint256) {
        return _revealedAt[hashlock];
    }

    /// @notice When the preimage of `hashlock` was revealed, or 0.
    function _revealTimeOf(bytes32 hashlock) internal view returns (uint256) {
        return _revealedAt[hashlock];
    }
}
