// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title DepositHistory
/// @notice The recent past of one rollup's deposit queue: the queue head after each of the last `SIZE`
/// deposit counts, in a ring. A rollup checks a batch against the queue as it was at the count the batch
/// names, so deposits queued after the batch was built cannot make it fail.
/// @dev The ring replaces a single live-head slot: the live head is `heads[count % SIZE]`, so a deposit
/// reads one slot and writes the next. The ring is filled with a nonzero marker when the rollup is
/// registered (`prefill`), so that every deposit's write changes a nonzero slot to a nonzero value (5,000
/// gas) instead of filling a fresh slot (22,100).
///
/// Why SIZE = 256: a batch built against count c stays checkable until the queue reaches c + SIZE, so a
/// griefer must queue 256 deposits (over 11M gas at ~45k each) between a batch's signing and its inclusion
/// to make it fail once, and a batch that did fail is rebuilt against the new count. The ring is paid once
/// by the owner at registration, 22,100 gas a slot: 256 keeps `registerRollup` near 5.8M gas, under a
/// fifth of a 30M block. Per-deposit timestamps are deliberately not kept: a second ring would cost every
/// deposit another ~5,000 gas (measured: 50.4k instead of 45.4k); rollups bound the age of a deposit they
/// did not see from their own observations of the queue instead (see BatchChain).
library DepositHistory {
    /// @notice How many queue heads the ring remembers.
    uint256 internal constant SIZE = 256;
    /// @dev What a slot holds before the queue first reaches it: nonzero, and never a head (a head is a
    /// keccak256 output, and the only head that is not, the empty queue's, is 0 and never read from here).
    bytes32 private constant MARKER = bytes32(uint256(1));

    struct Ring {
        // INVARIANT: heads[k % SIZE] is the head after k deposits, for every k > 0 in (count - SIZE, count].
        bytes32[SIZE] heads;
    }

    /// @notice Fills the ring with the marker, once, when the rollup is registered.
    function prefill(Ring storage ring) internal {
        for (uint256 i = 0; i < SIZE; ++i) ring.heads[i] = MARKER;
    }

    /// @notice The head after `count` deposits; only meaningful for a count the ring remembers.
    function head(Ring storage ring, uint256 count) internal view returns (bytes32) {
        return count == 0 ? bytes32(0) : ring.heads[count % SIZE];
    }

    /// @notice Records deposit `index`, which moved the head to `newHead`.
    function record(Ring storage ring, uint256 index, bytes32 newHead) internal {
        ring.heads[(index + 1) % SIZE] = newHead;
    }

    /// @notice The oldest count whose head the ring still holds, once the queue holds `count` deposits.
    function oldest(uint256 count) internal pure returns (uint256) {
        return count < SIZE ? 0 : count - SIZE + 1;
    }
}
