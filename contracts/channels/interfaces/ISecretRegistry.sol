// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title ISecretRegistry
/// @notice Records when the preimage of a hashlock was first revealed on chain. The adjudicator is its
/// own registry, shared by all its channels, so a secret revealed in one channel's dispute settles the
/// locks of every channel of a multi-hop payment on the same adjudicator.
/// @dev Trust: none. Anyone may reveal; the first reveal's timestamp stands forever.
interface ISecretRegistry {
    /// @notice The preimage of `hashlock` was already revealed, at `revealedAt`.
    error SecretRegistryAlreadyRevealed(bytes32 hashlock, uint256 revealedAt);

    /// @notice `secret`, the preimage of `hashlock`, was revealed in this block.
    event SecretRevealed(bytes32 indexed hashlock, bytes32 secret);

    /// @notice Records `keccak256(secret)` as revealed now.
    /// @param secret The preimage.
    /// @return hashlock `keccak256(abi.encode(secret))`.
    function reveal(bytes32 secret) external returns (bytes32 hashlock);

    /// @notice When the preimage of `hashlock` was revealed.
    /// @param hashlock The lock's hash.
    /// @return The block timestamp of the reveal, or 0 if it was never revealed.
    function revealedAt(bytes32 hashlock) external view returns (uint256);
}
