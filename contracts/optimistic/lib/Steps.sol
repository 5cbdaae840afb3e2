// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

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
    uint256 internal constant MAX_STEPS = 2048;
    /// @dev Byte k is the encoded length of a transaction of kind k (L2Tx): 85, 78, 94 for kinds 1, 2, 3.
    uint256 private constant LENGTHS = 0x00554e5e << 224;

    /// @notice The bytes at `offset` do not start a whole transaction.
    error StepsMalformed(uint256 offset);

    /// @notice Splits `txs` into transactions and returns the root of their hashes, their count, and how
    /// many of them are deposits.
    /// @dev Assembly, because it runs once per transaction of every batch and is most of commitBatch's
    /// execution cost after calldata. Each transaction's length comes from its kind byte through
    /// LENGTHS; it is copied to the same scratch memory and hashed into the next leaf.
    function commit(
        bytes calldata txs
    ) internal pure returns (bytes32 root, uint256 count, uint256 deposits) {
        // The shortest transaction is a transfer, which bounds how many `txs` can hold (plus one spare
        // slot that `_reduce` uses to pad an odd level).
        bytes32[] memory nodes = new bytes32[](txs.length / L2Tx.TRANSFER_BYTES + 1);
        uint256 malformedAt = type(uint256).max;
        assembly ("memory-safe") {
            let scratch := mload(0x40)
            let leaf := add(nodes, 0x20)
            let at := txs.offset
            let end := add(at, txs.length)
            for {} lt(at, end) {} {
                let kind := shr(248, calldataload(at))
                let length := byte(kind, LENGTHS) // 0 for an unknown kind (and for any kind ≥ 32)
                if or(iszero(length), gt(add(at, length), end)) {
                    malformedAt := sub(at, txs.offset)
                    break
                }
                deposits := add(deposits, eq(kind, 1))
                calldatacopy(scratch, at, length)
                mstore(leaf, keccak256(scratch, length))
                leaf := add(leaf, 0x20)
                at := add(at, length)
            }
            count := shr(5, sub(leaf, add(nodes, 0x20)))
        }
        if (malformedAt != type(uint256).max) revert StepsMalformed(malformedAt);
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

    /// @dev Hashes `nodes[0:count]` up to one root in place, level by level: node i of a level is the hash
    /// of nodes 2i and 2i+1 of the level below, read straight from memory. A level of odd width gets the
    /// zero subtree of its height as its last right child (the spare slot past `count` holds it).
    function _reduce(bytes32[] memory nodes, uint256 count) private pure returns (bytes32 root) {
        if (count == 0) return bytes32(0);
        assembly ("memory-safe") {
            let base := add(nodes, 0x20)
            let zero := 0
            for {
                let width := count
            } gt(width, 1) {} {
                if and(width, 1) {
                    mstore(add(base, shl(5, width)), zero)
                    width := add(width, 1)
                }
                width := shr(1, width)
                let last := add(base, shl(5, width))
                for {
                    let to := base
                    let from := base
                } lt(to, last) {
                    to := add(to, 0x20)
                    from := add(from, 0x40)
                } {
                    mstore(to, keccak256(from, 0x40))
                }
                mstore(0x00, zero)
                mstore(0x20, zero)
                zero := keccak256(0x00, 0x40)
            }
            root := mload(base)
        }
    }
}
