// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Deposit} from "../shared/lib/Deposit.sol";
import {IZkRollup} from "./interfaces/IZkRollup.sol";
import {ZkRollupState} from "./ZkRollupState.sol";

/// @title ZkCredits
/// @notice What the rollup owes on Layer 1 per (account, token): verified withdrawals and refunded
/// deposits, pulled by their owner with `claim` through `IBridge.release`.
abstract contract ZkCredits is ZkRollupState {
    mapping(address account => mapping(uint32 tokenId => uint256 amount)) private _credits;

    /// @inheritdoc IZkRollup
    function claim(uint32 tokenId, address to) external returns (uint256 amount) {
        amount = _credits[msg.sender][tokenId];
        if (amount == 0) revert ZkRollupNothingToClaim(msg.sender, tokenId);
        // INVARIANT: a credit is paid once: it is cleared before the bridge pays it.
        delete _credits[msg.sender][tokenId];
        emit CreditClaimed(msg.sender, to, tokenId, amount);
        BRIDGE.release(to, tokenId, amount);
    }

    /// @inheritdoc IZkRollup
    function creditOf(address account, uint32 tokenId) external view returns (uint256) {
        return _credits[account][tokenId];
    }

    /// @dev Owes `amount` of `tokenId` to `account`.
    function _credit(address account, uint32 tokenId, uint256 amount) internal {
        _credits[account][tokenId] += amount;
    }

    /// @dev Owes `deposit` back to its depositor.
    function _refund(Deposit.Data calldata deposit) internal {
        _credit(deposit.from, deposit.tokenId, deposit.amount);
        emit DepositRefunded(deposit.from, deposit.tokenId, deposit.amount);
    }
}
