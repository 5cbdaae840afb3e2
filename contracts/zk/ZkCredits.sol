// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Deposit} from "../shared/lib/Deposit.sol";
import {IZkRollup} from "./interfaces/IZkRollup.sol";
import {ZkRollupState} from "./ZkRollupState.sol";

/// @title ZkCredits
/// @notice What the rollup owes on Layer 1 per (account, token): verified withdrawals and refunded
/// deposits, pulled by their owner with `claim` through `IBridge.release`; and per account the
/// forced-request fees it earned (or got back), held here and pulled with `claimFees`.
abstract contract ZkCredits is ZkRollupState {
    mapping(address account => mapping(uint32 tokenId => uint256 amount)) private _credits;
    mapping(address account => uint256 amount) private _feeCredits;

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
    function claimFees(address to) external returns (uint256 amount) {
        if (to == address(0)) revert ZkRollupZeroRecipient();
        amount = _feeCredits[msg.sender];
        if (amount == 0) revert ZkRollupNoFeeCredit(msg.sender);
        // INVARIANT: a fee credit is paid once: it is cleared before the call that pays it.
        delete _feeCredits[msg.sender];
        emit FeeClaimed(msg.sender, to, amount);
        (bool paid, ) = to.call{value: amount}("");
        if (!paid) revert ZkRollupFeePaymentFailed(to, amount);
    }

    /// @inheritdoc IZkRollup
    function feeCreditOf(address account) external view returns (uint256) {
        return _feeCredits[account];
    }

    /// @inheritdoc IZkRollup
    function creditOf(address account, uint32 tokenId) external view returns (uint256) {
        return _credits[account][tokenId];
    }

    /// @dev Owes `amount` of `tokenId` to `account`.
    function _credit(address account, uint32 tokenId, uint256 amount) internal {
        _credits[account][tokenId] += amount;
    }

    /// @dev Owes `amount` wei of forced-request fees to `account` (nothing when `amount` is 0).
    function _creditFee(address account, uint256 amount) internal {
        if (amount == 0) return;
        _feeCredits[account] += amount;
        emit FeeCredited(account, amount);
    }

    /// @dev Owes `deposit` back to its depositor.
    function _refund(Deposit.Data calldata deposit) internal {
        _credit(deposit.from, deposit.tokenId, deposit.amount);
        emit DepositRefunded(deposit.from, deposit.tokenId, deposit.amount);
    }
}
