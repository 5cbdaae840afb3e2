// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title Withdrawal
/// @notice A withdrawal a rollup owes on Layer 1: the leaf of a batch's withdrawal tree.
/// Mirrors `src/shared/withdrawal.ts`.
library Withdrawal {
    struct Data {
        address recipient; // paid on Layer 1
        uint32 tokenId; // the bridge's per-rollup token id; 0 is ETH
        uint128 amount;
    }

    /// @notice The leaf hash: keccak256(abi.encode(recipient, tokenId, amount)), 96 bytes hashed, so
    /// that no 64-byte internal node of a withdrawal tree can be passed off as a leaf.
    function hash(Data calldata withdrawal) internal pure returns (bytes32) {
        return keccak256(abi.encode(withdrawal.recipient, withdrawal.tokenId, withdrawal.amount));
    }
}
