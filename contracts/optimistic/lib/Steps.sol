// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {L2Tx} from "../../shared/lib/L2Tx.sol";
import {Merkle} from "../../shared/lib/Merkle.sol";

/// @title Steps
/// @notice The commitment to a batch's transactions. A batch's calldata is its transactions back to back
/// (each one's kind byte gives its length); the rollup stores only the Merkle root of their hashes, so a
/// one-step proof shows that one transaction is the k-th of the batch with ⌈log2 n⌉ hashes. Mirrors
/// `src/optimistic/steps.ts`.
/// @dev Leaves are keccak256 of the encoded transaction (78, 85 or 94 bytes), padded with zero leaves to
/// a power of two; since no leaf preimage is 64 bytes long, no internal node can pass for a leaf.
library Steps {
    /// @notice The most steps one batch may have.
    uint256 internal constant MAX_STEPS = 1024;

    /// @notice The bytes at `offset` do not start a whole transaction.
    error StepsMalformed(uint256 offset);

    /// @notice Splits `txs` into transactions and returns the root of their hashes, their count, and how
    /// many of them are deposits.
    function commit(
        bytes calldata txs
    ) internal pure returns (bytes32 root, uint256 count, uint256 deposits) {
        // The shortest transaction is a transfer, which bounds how many `txs` can hold.
        bytes32[] memory nodes = new bytes32[](txs.length / L2Tx.TRANSFER_BYTES + 1);
        uint256 offset = 0;
        while (offset < txs.length) {
            uint8 kind = uint8(txs[offset]);
            uint256 length = lengthOf(kind);
            if (length == 0 || txs.length - offset < length) revert StepsMalformed(offset);
            bytes32 leaf;
            assembly ("memory-safe") {
                // Hash the transaction in scratch memory past the free pointer, reused every time.
                let ptr := mload(0x40)
                calldatacopy(ptr, add(txs.offset, offset), length)
                leaf := keccak256(ptr, length)
            }
            nodes[count++] = leaf;
            if (kind == L2Tx.KIND_DEPOSIT) ++deposits;
            offset += length;
        }
        root = _reduce(nodes, count);
    }

    /// @notice Whether `encodedTx` is step `index` of a batch with root `root` and `count` steps.
    function contains(
        bytes32 root,
        uint256 count,
        uint256 index,
        bytes calldata encodedTx,
        bytes32[] calldata proof
    ) internal pure returns (bool) {
        if (index >= count || proof.length != depthOf(count)) return false;
        return Merkle.computeRoot(keccak256(encodedTx), index, proof) == root;
    }

    /// @notice ⌈log2 count⌉: the depth of a tree over `count` steps (0 for one step).
    function depthOf(uint256 count) internal pure returns (uint256 depth) {
        while ((1 << depth) < count) ++depth;
    }

    /// @notice The encoded length of a transaction of `kind`, or 0 for an unknown kind.
    function lengthOf(uint8 kind) internal pure returns (uint256) {
        if (kind == L2Tx.KIND_TRANSFER) return L2Tx.TRANSFER_BYTES;
        if (kind == L2Tx.KIND_WITHDRAW) return L2Tx.WITHDRAW_BYTES;
        if (kind == L2Tx.KIND_DEPOSIT) return L2Tx.DEPOSIT_BYTES;
        return 0;
    }

    /// @dev Hashes `nodes[0:count]` up to one root in place, level by level; a missing right child is
    /// the zero subtree of that level.
    function _reduce(bytes32[] memory nodes, uint256 count) private pure returns (bytes32) {
        if (count == 0) return bytes32(0);
        bytes32 zero = bytes32(0);
        uint256 width = count;
        while (width > 1) {
            uint256 half = (width + 1) / 2;
            for (uint256 i = 0; i < half; ++i) {
                bytes32 left = nodes[2 * i];
                bytes32 right = 2 * i + 1 < width ? nodes[2 * i + 1] : zero;
                bytes32 parent;
                assembly ("memory-safe") {
                    mstore(0x00, left)
                    mstore(0x20, right)
                    parent := keccak256(0x00, 0x40)
                }
                nodes[i] = parent;
            }
            assembly ("memory-safe") {
                mstore(0x00, zero)
                mstore(0x20, zero)
                zero := keccak256(0x00, 0x40)
            }
            width = half;
        }
        return nodes[0];
    }
}
