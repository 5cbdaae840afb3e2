// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice A channel's on-chain status in one storage slot: version (64 bits) | finalizesAt (32 bits) |
/// fingerprint (160 bits). Zero is a channel the adjudicator never heard of (or one concluded with
/// nothing left to unlock, which its holdings record).
/// - open, version floor `version` (after a partial withdrawal): finalizesAt == 0;
/// - challenge registered: finalizesAt is the end of the window, fingerprint that of the registered state;
/// - concluded with locks to settle: finalizesAt == CONCLUDED, fingerprint that of the pending locks.
type ChannelStatus is uint256;

using ChannelStatusLib for ChannelStatus global;

/// @title ChannelStatusLib
/// @notice Packs and reads `ChannelStatus`.
library ChannelStatusLib {
    /// @notice The `finalizesAt` of a concluded channel whose locks are still to be settled.
    uint32 internal constant CONCLUDED = type(uint32).max;

    function pack(
        uint64 version_,
        uint32 finalizesAt_,
        uint160 fingerprint_
    ) internal pure returns (ChannelStatus) {
        return ChannelStatus.wrap((uint256(version_) << 192) | (uint256(finalizesAt_) << 160) | fingerprint_);
    }

    function version(ChannelStatus s) internal pure returns (uint64) {
        return uint64(ChannelStatus.unwrap(s) >> 192);
    }

    function finalizesAt(ChannelStatus s) internal pure returns (uint32) {
        return uint32(ChannelStatus.unwrap(s) >> 160);
    }

    function fingerprint(ChannelStatus s) internal pure returns (uint160) {
        return uint160(ChannelStatus.unwrap(s));
    }

    /// @notice Whether a challenge is registered (its window open or passed, not yet concluded).
    function isChallenged(ChannelStatus s) internal pure returns (bool) {
        uint32 deadline = finalizesAt(s);
        return deadline != 0 && deadline != CONCLUDED;
    }

    function isConcluded(ChannelStatus s) internal pure returns (bool) {
        return finalizesAt(s) == CONCLUDED;
    }
}
