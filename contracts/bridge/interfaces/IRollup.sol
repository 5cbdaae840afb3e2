// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IRollup
/// @notice What the bridge asks of a rollup: which withdrawal roots are final. Each rollup states its own
/// finality rule behind this one question (optimistic: the challenge window has passed with no
/// successful challenge; zk: the validity proof verified); the bridge never knows which rule it is.
interface IRollup {
    /// @notice The withdrawal root of batch `batchIndex` if that batch is final, and zero otherwise.
    /// @dev A final batch with no withdrawals returns a non-zero root (the root of an empty tree), so
    /// zero always means "not final" (or "no such batch").
    /// @param batchIndex The batch's position in the rollup's chain of batches.
    /// @return root The root of the batch's withdrawal tree, or zero.
    function finalizedWithdrawalRoot(uint256 batchIndex) external view returns (bytes32 root);
}
