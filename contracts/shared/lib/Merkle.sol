// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @title Merkle
/// @notice Positional keccak256 Merkle proofs: the leaf's index says, bit by bit from the bottom, whether
/// the running node is a left (0) or right (1) child. Mirrors `src/shared/merkle-tree.ts`.
/// @dev OpenZeppelin's MerkleProof hashes sorted pairs, which loses the position; a rollup needs the
/// position (account index, k-th withdrawal), so this library keeps it. Internal nodes hash exactly 64
/// bytes; every leaf format in Strata hashes a different length, so no internal node can pass as a leaf.
library Merkle {
    /// @notice The index does not fit in a tree as deep as the proof is long.
    error MerkleIndexOutOfRange(uint256 index, uint256 depth);

    /// @notice Whether `index` names a leaf of a tree `depth` levels deep.
    function fits(uint256 index, uint256 depth) internal pure returns (bool) {
        // INVARIANT: one leaf has one position; index and index + 2^depth must not share a proof.
        return depth >= 256 || index >> depth == 0;
    }

    /// @notice Computes the root of the tree in which `leaf` sits at `index`, given its siblings bottom-up.
    function computeRoot(
        bytes32 leaf,
        uint256 index,
        bytes32[] calldata siblings
    ) internal pure returns (bytes32 node) {
        uint256 depth = siblings.length;
        if (!fits(index, depth)) revert MerkleIndexOutOfRange(index, depth);
        node = leaf;
        for (uint256 level = 0; level < depth; ++level) {
            node =
                (index >> level) & 1 == 0
                    ? Hashes.efficientKeccak256(node, siblings[level])
                    : Hashes.efficientKeccak256(siblings[level], node);
        }
    }
}
