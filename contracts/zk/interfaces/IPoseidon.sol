// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IPoseidon2
/// @notice Poseidon on 2 inputs over the BN254 scalar field, the same hash as circomlib's `Poseidon(2)` and
/// circomlibjs's `poseidon`: poseidon-solidity's `PoseidonT3` library, deployed on its own and called
/// directly (a library's `pure` function answers a plain call). Inputs are taken modulo the field.
interface IPoseidon2 {
    /// @notice Poseidon(input[0], input[1]).
    function hash(uint256[2] calldata input) external pure returns (uint256);
}

/// @title IPoseidon3
/// @notice Poseidon on 3 inputs: poseidon-solidity's `PoseidonT4` library.
interface IPoseidon3 {
    /// @notice Poseidon(input[0], input[1], input[2]).
    function hash(uint256[3] calldata input) external pure returns (uint256);
}

/// @title IPoseidon4
/// @notice Poseidon on 4 inputs: poseidon-solidity's `PoseidonT5` library.
interface IPoseidon4 {
    /// @notice Poseidon(input[0], input[1], input[2], input[3]).
    function hash(uint256[4] calldata input) external pure returns (uint256);
}
