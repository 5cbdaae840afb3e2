// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IOptimisticRollup} from "./interfaces/IOptimisticRollup.sol";

/// @title BondLedger
/// @notice Where bonds end: credited to an account (pulled with `withdrawCredit`) or burned (kept here
/// forever). Pull payments, so no payee can block a resolution by refusing ETH.
/// @dev Bond conservation: this contract's balance always equals the bonds still locked (live batches not
/// yet final, the challenger's and any defender's bond of each open game) plus unwithdrawn credit plus
/// `burned()`.
abstract contract BondLedger is IOptimisticRollup {
    mapping(address account => uint256 amount) private _credits;
    uint256 private _burned;

    /// @inheritdoc IOptimisticRollup
    function withdrawCredit() external {
        uint256 amount = _credits[msg.sender];
        if (amount == 0) revert OptimisticNoCredit(msg.sender);
        _credits[msg.sender] = 0;
        emit CreditWithdrawn(msg.sender, amount);
        (bool ok, ) = msg.sender.call{value: amount}("");
        if (!ok) revert OptimisticEthTransferFailed(msg.sender, amount);
    }

    /// @inheritdoc IOptimisticRollup
    function credit(address account) external view returns (uint256) {
        return _credits[account];
    }

    /// @inheritdoc IOptimisticRollup
    function burned() external view returns (uint256) {
        return _burned;
    }

    function _credit(address account, uint256 amount) internal {
        _credits[account] += amount;
        emit BondCredited(account, amount);
    }

    function _burn(uint256 amount) internal {
        if (amount == 0) return;
        _burned += amount;
        emit BondBurned(amount);
    }
}
