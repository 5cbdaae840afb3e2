// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IPoseidon2, IPoseidon3, IPoseidon4} from "../interfaces/IPoseidon.sol";
import {IZkRollup} from "../interfaces/IZkRollup.sol";

/// @title ExitTree
/// @notice The accounts tree on chain, hashed with on-chain Poseidon as the circuit, `src/shared/state.ts`
/// and `src/zk/domain.ts` hash it: the genesis root the rollup starts from, and the rollup root an
/// exodus exit claims.
/// owner = Poseidon(ax, ay, caller) mod 2^160; leaf = Poseidon(owner, tokenId, balance, nonce);
/// empty leaf = 0; node = Poseidon(left, right) up the path (bit i of the index: 1 = right child);
/// root = Poseidon(accountsRoot, nextIndex, domain).
library ExitTree {
    uint256 private constant OWNER_MASK = (1 << 160) - 1;

    /// @notice The Poseidon contracts, by input count.
    struct Hashers {
        IPoseidon2 poseidon2;
        IPoseidon3 poseidon3;
        IPoseidon4 poseidon4;
    }

    /// @notice The Layer-2 owner of the key (`ax`, `ay`) held by Layer-1 address `l1`.
    function owner(Hashers memory h, uint256 ax, uint256 ay, address l1) internal pure returns (uint256) {
        return h.poseidon3.hash([ax, ay, uint256(uint160(l1))]) & OWNER_MASK;
    }

    /// @notice The rollup root that `proof`, exited by `caller`, hashes to under `domain`.
    function rollupRoot(
        Hashers memory h,
        IZkRollup.ExitProof calldata proof,
        address caller,
        uint256 domain
    ) internal pure returns (uint256) {
        uint256 leaf = h.poseidon4.hash(
            [owner(h, proof.ax, proof.ay, caller), proof.tokenId, proof.balance, proof.nonce]
        );
        uint256 accountsRoot = _pathRoot(h.poseidon2, leaf, proof.accountIndex, proof.siblings);
        return h.poseidon3.hash([accountsRoot, proof.nextIndex, domain]);
    }

    /// @notice The root of the empty state of `depth` levels under `domain`:
    /// Poseidon(emptyRoot(depth), 0, domain), where emptyRoot(0) = 0 (the empty leaf) and
    /// emptyRoot(l + 1) = Poseidon(emptyRoot(l), emptyRoot(l)). One Poseidon(2) call per level.
    function genesisRoot(Hashers memory h, uint256 depth, uint256 domain) internal pure returns (uint256) {
        uint256 node = 0;
        for (uint256 level = 0; level < depth; ++level) {
            node = h.poseidon2.hash([node, node]);
        }
        return h.poseidon3.hash([node, 0, domain]);
    }

    /// @dev The root above `leaf` at `index`, given its siblings bottom-up.
    function _pathRoot(
        IPoseidon2 poseidon2,
        uint256 leaf,
        uint256 index,
        uint256[] calldata siblings
    ) private pure returns (uint256 node) {
        node = leaf;
        for (uint256 level = 0; level < siblings.length; ++level) {
            node =
                (index >> level) & 1 == 0
                    ? poseidon2.hash([node, siblings[level]])
                    : poseidon2.hash([siblings[level], node]);
        }
    }
}
