// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title Deposit
/// @notice A deposit in a rollup's Layer-1 queue and the hash chain that commits to the queue's order.
/// Mirrors `src/shared/deposit.ts`.
/// @dev head(0) = 0 and head(n + 1) = keccak256(abi.encode(head(n), from, to, tokenId, amount, timestamp))
/// with its low 48 bits cleared (`HEAD_MASK`): a head is the hash's high 208 bits, still a bytes32.
/// A rollup that knows head(a) and is shown the deposits a..n-1 recomputes head(n), and so proves it
/// consumed exactly those deposits, in order, skipping none. The timestamp rides in the chain so that
/// forced inclusion (a deposit older than the window is due) can be checked from the same data.
///
/// Why 208 bits: the bridge keeps each head in one storage word together with the timestamp (uint48) of
/// the deposit that made it (`DepositHistory`), so a rollup reads the age of any recent deposit and the
/// bridge pays no extra storage write per deposit.
/// Security: second preimage 2^208, collision 2^104 (birthday bound). A second preimage (another deposit
/// list reaching a head the bridge computed from the deposits it accepted) is what a rollup operator
/// would need to credit deposits that were never made or skip one; 2^208 is out of reach. A collision
/// needs the attacker to choose both lists, queue one and credit the other; it is harder than a free
/// birthday search (each list must start from the live head and carry the block time the bridge stamps),
/// and 2^104 keccak256 evaluations is about a thousand years of today's whole Bitcoin hash rate (~2^94 a
/// year). That is above the 2^80 to 2^100 margins commonly accepted for on-chain commitments.
library Deposit {
    /// @notice Which bits of a keccak256 output a head keeps: the high 208.
    bytes32 internal constant HEAD_MASK = ~bytes32(uint256(type(uint48).max));

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
            ) & HEAD_MASK;
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
