// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IPoseidon2
/// @notice circomlibjs's Poseidon EVM contract on 2 inputs (`poseidonContract.createCode(2)`), the same
/// hash as circomlib's `Poseidon(2)` over the BN254 scalar field. Inputs are taken modulo the field.
interface IPoseidon2 {
    /// @notice Poseidon(input[0], input[1]).
    function poseidon(uint256[2] calldata input) external pure returns (uint256);
}

/// @title IPoseidon3
/// @notice circomlibjs's Poseidon EVM contract on 3 inputs.
interface IPoseidon3 {
    /// @notice Poseidon(input[0], input[1], input[2]).
    function poseidon(uint256[3] calldata input) external pure returns (uint256);
}

/// @title IPoseidon4
/// @notice circomlibjs's Poseidon EVM contract on 4 inputs.
interface IPoseidon4 {
    /// @notice Poseidon(input[0], input[1], input[2], input[3]).
    function poseidon(uint256[4] calldata input) external pure returns (uint256);
}
