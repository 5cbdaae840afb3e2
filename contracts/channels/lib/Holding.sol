// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice What a channel holds of one asset, in one storage slot: the amount (low 255 bits) and, in the
/// top bit, whether the channel has concluded (closed or concluded after a dispute). Keeping the flag
/// here lets a deposit learn both from the one slot it must read anyway.
type Holding is uint256;

using HoldingLib for Holding global;

/// @title HoldingLib
/// @notice Packs and reads `Holding`.
library HoldingLib {
    uint256 private constant CONCLUDED_FLAG = 1 << 255;
    /// @notice The largest amount a channel can hold of one asset (a literal, so no subtraction at run time).
    uint256 internal constant MAX_AMOUNT = 2 ** 255 - 1;

    function open(uint256 amount_) internal pure returns (Holding) {
        return Holding.wrap(amount_);
    }

    function concluded(uint256 amount_) internal pure returns (Holding) {
        return Holding.wrap(amount_ | CONCLUDED_FLAG);
    }

    function amount(Holding h) internal pure returns (uint256) {
        return Holding.unwrap(h) & MAX_AMOUNT;
    }

    function isConcluded(Holding h) internal pure returns (bool) {
        return Holding.unwrap(h) & CONCLUDED_FLAG != 0;
    }
}
