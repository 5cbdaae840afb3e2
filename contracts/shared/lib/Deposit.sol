// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Deposit
/// @notice A deposit in a rollup's Layer-1 queue and the hash chain that commits to the queue's order.
/// Mirrors `src/shared/deposit.ts`.
/// @dev head(0) = 0 and head(n + 1) = keccak256(abi.encode(head(n), from, to, tokenId, amount, timestamp)).
/// A rollup that knows head(a) and is shown the deposits a..n-1 recomputes head(n), and so proves it
/// consumed exactly those deposits, in order, skipping none. The timestamp rides in the chain so that
/// forced inclusion (a deposit older than the window is due) can be checked from the same data.
library Deposit {
    struct Data {
        address from; // the Layer-1 depositor: refunded if the deposit can never be credited
        bytes32 to; // the Layer-2 owner (an address left-padded, or a hash of a BabyJubJub key)
        uint32 tokenId;
        uint128 amount;
        uint64 timestamp; // block time of the deposit
    }

    /// @notice The queue head after `deposit` joins a queue whose head was `head`.
    function chain(bytes32 head, Data memory deposit) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(head, deposit.from, deposit.to, deposit.tokenId, deposit.amount, deposit.timestamp)
            );
    }

    /// @notice The queue head after every deposit of `deposits`, in order, joins a queue whose head was
    /// `head`.
    function fold(bytes32 head, Data[] calldata deposits) internal pure returns (bytes32) {
        for (uint256 i = 0; i < deposits.length; ++i) {
            head = chain(head, deposits[i]);
        }
        return head;
    }
}
