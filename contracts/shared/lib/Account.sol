// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @title Account
/// @notice The Layer-2 account leaf and the state root, as hashed with keccak256 by the optimistic rollup.
/// Mirrors `src/shared/account.ts`; `test/shared/parity.test.ts` holds the two byte for byte.
/// @dev Accounts are allocated in order, so an index below `nextIndex` holds an account and every other
/// leaf is empty (the zero hash). The state root commits to both the account tree and `nextIndex`, so a
/// one-step proof can tell where a deposit opens a new account.
library Account {
    /// @notice One account: who may spend it, which token it holds, how much, and how many
    /// transactions it has signed.
    struct Leaf {
        bytes32 owner; // optimistic: the owner's address, left-padded; zk: a hash of a BabyJubJub key
        uint32 tokenId; // the bridge's per-rollup token id; 0 is ETH
        uint128 balance;
        uint32 nonce;
    }

    /// @notice The leaf hash: keccak256 over the 56 packed bytes owner ‖ tokenId ‖ balance ‖ nonce.
    function hash(Leaf memory account) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(account.owner, account.tokenId, account.balance, account.nonce));
    }

    /// @notice The state root: keccak256(accountsRoot ‖ uint256(nextIndex)).
    function stateRoot(bytes32 accountsRoot, uint64 nextIndex) internal pure returns (bytes32) {
        return Hashes.efficientKeccak256(accountsRoot, bytes32(uint256(nextIndex)));
    }
}
