// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Deposit} from "../../shared/lib/Deposit.sol";

/// @title DepositHistory
/// @notice The recent past of one rollup's deposit queue: for each of the last `SIZE` deposits, the queue
/// head after it and its timestamp, in a ring. A rollup checks a batch against the queue as it was at the
/// count the batch names, so deposits queued after the batch was built cannot make it fail, and reads the
/// age of the first deposit the batch left behind to enforce forced inclusion.
/// @dev One word a deposit: the head after it in the high 208 bits (a head's low 48 bits are zero, see
/// `Deposit.HEAD_MASK`) and its own timestamp (uint48) in the low 48. So the live head is
/// `words[count % SIZE]` with the timestamp masked off, and a deposit reads one slot and writes the next,
/// as a single live-head slot would cost. The ring is filled with a nonzero marker when the rollup is
/// registered (`prefill`), so that every deposit's write changes a nonzero slot to a nonzero value (5,000
/// gas) instead of filling a fresh slot (22,100).
///
/// Why SIZE = 256: a batch built against count c stays checkable until the queue reaches c + SIZE, so a
/// griefer must queue 256 deposits (over 11M gas at ~45k each) between a batch's signing and its inclusion
/// to make it fail once, and a batch that did fail is rebuilt against the new count. The ring is paid once
/// by the owner at registration, 22,100 gas a slot: 256 keeps `registerRollup` near 5.8M gas, under a
/// fifth of a 30M block.
library DepositHistory {
    /// @notice How many deposits (heads and timestamps) the ring remembers.
    uint256 internal constant SIZE = 256;
    /// @dev What a slot holds before the queue first reaches it: nonzero, and never read as a head or a
    /// timestamp (only counts the ring holds are read).
    bytes32 private constant MARKER = bytes32(uint256(1));
    /// @dev The timestamp's bits in a word.
    uint256 private constant TIME_MASK = type(uint48).max;

    struct Ring {
        // INVARIANT: for every k > 0 in (count - SIZE, count], words[k % SIZE] is the head after k deposits
        // (high 208 bits) and the timestamp of deposit k - 1 (low 48 bits).
        bytes32[SIZE] words;
    }

    /// @notice Fills the ring with the marker, once, when the rollup is registered.
    function prefill(Ring storage ring) internal {
        for (uint256 i = 0; i < SIZE; ++i) ring.words[i] = MARKER;
    }

    /// @notice The head after `count` deposits; only meaningful for a count the ring remembers.
    function head(Ring storage ring, uint256 count) internal view returns (bytes32) {
        return count == 0 ? bytes32(0) : ring.words[count % SIZE] & Deposit.HEAD_MASK;
    }

    /// @notice The timestamp of deposit `index`; only meaningful for an index the ring remembers.
    function timestamp(Ring storage ring, uint256 index) internal view returns (uint64) {
        return uint64(uint256(ring.words[(index + 1) % SIZE]) & TIME_MASK);
    }

    /// @notice Records deposit `index`, queued at `queuedAt`, which moved the head to `newHead`.
    /// @dev `newHead` is a `Deposit.chain` output (low 48 bits zero); `queuedAt` a block time, which fits 48
    /// bits until the year 8,900,000.
    function record(Ring storage ring, uint256 index, bytes32 newHead, uint48 queuedAt) internal {
        ring.words[(index + 1) % SIZE] = newHead | bytes32(uint256(queuedAt));
    }

    /// @notice The oldest count whose head the ring still holds, once the queue holds `count` deposits.
    /// The ring holds the timestamp of every deposit from index `oldest(count)` - 1 (or 0) to count - 1.
    function oldest(uint256 count) internal pure returns (uint256) {
        return count < SIZE ? 0 : count - SIZE + 1;
    }
}
