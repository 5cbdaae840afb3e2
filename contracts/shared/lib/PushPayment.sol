// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title PushPayment
/// @notice A payment that reports failure instead of reverting, for contracts that credit a payee who
/// cannot receive (the adjudicator's `Payouts`, the bridge's `BridgePayouts`).
library PushPayment {
    using SafeERC20 for IERC20;

    /// @notice Sends `amount` of `asset` (address(0) is ETH, with at most `gasLimit` forwarded and no
    /// return data copied, so a payee can grief neither with gas nor with a return-data bomb) to `to`;
    /// false if it failed. An ERC-20 transfer forwards all gas: a listed token is trusted not to hand
    /// control to the payee.
    function trySend(address asset, address to, uint256 amount, uint256 gasLimit) internal returns (bool ok) {
        if (asset != address(0)) return IERC20(asset).trySafeTransfer(to, amount);
        assembly ("memory-safe") {
            ok := call(gasLimit, to, amount, 0, 0, 0, 0)
        }
    }
}
