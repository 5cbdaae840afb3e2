// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Account} from "../../shared/lib/Account.sol";

/// @title Trace
/// @notice The state of the optimistic rollup between two steps of a batch, and the one word (the claim)
/// that the dispute game bisects over. Mirrors `src/optimistic/trace.ts`.
/// @dev Step k of a batch applies its k-th transaction: claim[0] is the parent batch's state with an empty
/// withdrawal tree, claim[n] is what the proposer commits. A claim covers everything a batch can lie
/// about: the accounts, the deposits it consumed (a hash chain that must reach a head the bridge knows),
/// and the withdrawals it owes (an append-only tree whose root the bridge pays from).
library Trace {
    /// @notice Depth of the account tree: up to 2^32 accounts.
    uint256 internal constant ACCOUNT_DEPTH = 32;
    /// @notice Depth of a batch's withdrawal tree: one leaf per step at most, and a batch has at most
    /// 2^11 steps (MAX_STEPS).
    uint256 internal constant WITHDRAWAL_DEPTH = 11;
    /// @notice Root of an account tree with no accounts: the depth-32 zero subtree (zero leaves).
    bytes32 internal constant EMPTY_ACCOUNTS_ROOT =
        0x27ae5ba08d7291c96c8cbddcc148bf48a6d68c7974b94356f53754ef6171d757;
    /// @notice Root of a withdrawal tree with no withdrawals: the depth-11 zero subtree. Non-zero, so the
    /// bridge never mistakes a final batch without withdrawals for one that is not final.
    bytes32 internal constant EMPTY_WITHDRAWAL_ROOT =
        0xf8b13a49e282f609c317a833fb8d976d11517c571d1221a265d25af778ecf892;

    struct State {
        bytes32 accountsRoot; // the account tree
        uint64 nextIndex; // accounts open so far; the state root is H(accountsRoot, nextIndex)
        bytes32 depositHead; // the bridge queue's hash chain over every deposit consumed so far
        bytes32 withdrawalRoot; // this batch's withdrawals so far, in order
        uint32 withdrawalCount;
        // Bytes of the batch's data read so far: the next step's transaction starts here. A batch's last
        // state has read all of it (calldata: its length; blobs: the payload length in their header).
        uint32 cursor;
    }

    /// @notice The claim a proposer or a player makes about a state.
    function claim(State memory s) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    Account.stateRoot(s.accountsRoot, s.nextIndex),
                    s.depositHead,
                    s.withdrawalRoot,
                    s.withdrawalCount,
                    s.cursor
                )
            );
    }

    /// @notice The state a batch starts from: its parent's accounts and deposits, no withdrawals yet, none
    /// of its data read.
    function start(State memory parent) internal pure returns (State memory) {
        return State(parent.accountsRoot, parent.nextIndex, parent.depositHead, EMPTY_WITHDRAWAL_ROOT, 0, 0);
    }

    /// @notice The state before any batch: no accounts, no deposits consumed, no withdrawals.
    function genesis() internal pure returns (State memory) {
        return State(EMPTY_ACCOUNTS_ROOT, 0, bytes32(0), EMPTY_WITHDRAWAL_ROOT, 0, 0);
    }
}
