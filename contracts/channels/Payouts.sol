// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {PushPayment} from "../shared/lib/PushPayment.sol";
import {IAdjudicator} from "./interfaces/IAdjudicator.sol";

/// @title Payouts
/// @notice Push payouts with a pull fallback: a payee that cannot receive (a reverting contract, a token
/// refusing it) is credited and pulls with `withdraw`, so one payee never blocks another.
/// @dev ETH payees get at most `PAYOUT_GAS` (plus the call stipend) and no return data is copied, so a
/// payee can neither grief the payer with gas nor with a return-data bomb. Callers update all their
/// state before paying (checks-effects-interactions); a reentrant payee sees the settled channel. A
/// caller that sends too little gas for a push only turns it into a credit.
abstract contract Payouts is IAdjudicator {
    /// @notice The gas an ETH payout forwards to its payee.
    uint256 public constant PAYOUT_GAS = 10_000;

    mapping(address asset => mapping(address account => uint256 amount)) private _credits;

    /// @inheritdoc IAdjudicator
    function withdraw(address asset, address to) external {
        uint256 amount = _credits[asset][msg.sender];
        if (amount == 0) revert AdjudicatorNothingToWithdraw(asset, msg.sender);
        _credits[asset][msg.sender] = 0;
        emit CreditWithdrawn(asset, msg.sender, to, amount);
        if (!PushPayment.trySend(asset, to, amount, gasleft()))
            revert AdjudicatorPayoutFailed(asset, to, amount);
    }

    /// @inheritdoc IAdjudicator
    function credits(address asset, address account) external view returns (uint256) {
        return _credits[asset][account];
    }

    /// @notice Pays `amount` of `asset` to `to`, or credits it if the transfer fails.
    function _payOut(address asset, address to, uint256 amount) internal {
        if (amount == 0 || PushPayment.trySend(asset, to, amount, PAYOUT_GAS)) return;
        _credits[asset][to] += amount;
        emit PayoutCredited(asset, to, amount);
    }
}
