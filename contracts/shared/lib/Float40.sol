// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title Float40
/// @notice Decodes the 5-byte amounts of Layer-2 calldata: a 35-bit mantissa m and a 5-bit exponent e
/// (the top five bits), worth m · 10^e. Mirrors `src/shared/float40.ts`.
/// @dev The range reaches (2^35 - 1) · 10^31, beyond uint128; callers treat a decoded amount above
/// type(uint128).max as an invalid transaction, since no account can hold it.
library Float40 {
    uint256 internal constant MANTISSA_BITS = 35;
    uint256 internal constant MANTISSA_MASK = (1 << MANTISSA_BITS) - 1;

    /// @notice The amount a 5-byte float stands for.
    function decode(uint40 packed) internal pure returns (uint256) {
        return (uint256(packed) & MANTISSA_MASK) * 10 ** (uint256(packed) >> MANTISSA_BITS);
    }
}
