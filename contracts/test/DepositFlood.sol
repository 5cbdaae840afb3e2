// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IBridge} from "../bridge/interfaces/IBridge.sol";

/// @title DepositFlood
/// @notice TEST ONLY. Queues many 1-wei ETH deposits in one transaction, so that a test can flood a
/// rollup's deposit queue with thousands of deposits in a few blocks instead of thousands of transactions.
/// Never deployed by the scripts.
contract DepositFlood {
    /// @notice Queues `count` deposits of 1 wei each for `to` into `rollup`'s queue; send `count` wei.
    function flood(IBridge bridge, address rollup, bytes32 to, uint256 count) external payable {
        for (uint256 i = 0; i < count; ++i) bridge.depositEth{value: 1}(rollup, to);
    }
}
