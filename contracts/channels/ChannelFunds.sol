// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Channel} from "./lib/Channel.sol";
import {Holding, HoldingLib} from "./lib/Holding.sol";
import {IAdjudicator} from "./interfaces/IAdjudicator.sol";
import {Payouts} from "./Payouts.sol";

/// @title ChannelFunds
/// @notice What each channel holds of each asset: deposits in (with the race guard), and the debits of
/// settlement, which never exceed the holdings.
/// @dev ETH comes in through `depositEth`, kept to one read and one write of the holdings slot and a
/// short event (the first deposit into a channel is the call every channel pays). Token deposits credit
/// what arrived (fee-on-transfer tokens) and are non-reentrant: a token calling back into `deposit` would
/// otherwise have its transfer counted twice.
abstract contract ChannelFunds is Payouts, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev A struct around the value, so that each function computes the slot once and keeps a pointer.
    struct HoldingSlot {
        Holding value;
    }

    address private constant ETH = address(0);

    /// @dev ETH holdings are keyed by the channel alone: one hash fewer for every ETH deposit and payout.
    mapping(bytes32 channelId => HoldingSlot) private _ethHoldings;
    mapping(bytes32 channelId => mapping(address token => HoldingSlot)) private _tokenHoldings;

    /// @inheritdoc IAdjudicator
    function depositEth(bytes32 channelId, uint256 expectedHeld) external payable {
        HoldingSlot storage slot = _ethHoldings[channelId];
        // `_checked`, written out: the call costs ~40 gas on the path every channel pays.
        Holding h = slot.value;
        if (h.isConcluded()) revert AdjudicatorChannelConcluded(channelId);
        uint256 held = h.amount();
        // INVARIANT: a deposit lands only on the holdings its sender saw (the deposit-race guard).
        if (held != expectedHeld) revert AdjudicatorUnexpectedHoldings(channelId, ETH, expectedHeld, held);
        // ETH holdings never exceed the contract's balance, far below `HoldingLib.MAX_AMOUNT`.
        unchecked {
            held += msg.value;
        }
        slot.value = HoldingLib.open(held);
        emit Deposited(channelId, ETH, held);
    }

    /// @inheritdoc IAdjudicator
    function deposit(
        bytes32 channelId,
        address asset,
        uint256 expectedHeld,
        uint256 amount
    ) external nonReentrant {
        if (asset == ETH) revert AdjudicatorInvalidDepositAsset(asset);
        HoldingSlot storage slot = _tokenHoldings[channelId][asset];
        _checked(channelId, asset, slot.value, expectedHeld);
        uint256 before = IERC20(asset).balanceOf(address(this));
        IERC20(asset).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(asset).balanceOf(address(this)) - before;
        // Re-read: the token may have called into a settlement of this channel during the transfer.
        Holding held = slot.value;
        _add(channelId, asset, slot, _checked(channelId, asset, held, held.amount()), received);
    }

    /// @inheritdoc IAdjudicator
    function holdings(bytes32 channelId, address asset) external view returns (uint256) {
        return _slotOf(channelId, asset).value.amount();
    }

    /// @inheritdoc IAdjudicator
    function isConcluded(bytes32 channelId, address asset) external view returns (bool) {
        return _slotOf(channelId, asset).value.isConcluded();
    }

    /// @notice Reverts unless the channel holds at least `totals[k]` of allocation k's asset, for every k.
    function _requireCovered(
        bytes32 channelId,
        Channel.Allocation[] calldata allocations,
        uint256[] memory totals
    ) internal view {
        for (uint256 k = 0; k < totals.length; k++) {
            _covered(
                channelId,
                allocations[k].asset,
                _slotOf(channelId, allocations[k].asset).value,
                totals[k]
            );
        }
    }

    /// @notice Takes `amounts[k]` out of allocation k's holdings, for every k.
    function _debit(
        bytes32 channelId,
        Channel.Allocation[] calldata allocations,
        uint256[] memory amounts
    ) internal {
        for (uint256 k = 0; k < amounts.length; k++) {
            address asset = allocations[k].asset;
            HoldingSlot storage slot = _slotOf(channelId, asset);
            slot.value = HoldingLib.open(_covered(channelId, asset, slot.value, amounts[k]) - amounts[k]);
        }
    }

    /// @notice Takes `totals[k]` out of allocation k's holdings and marks them concluded, for every k.
    /// What is left is surplus: it stays in the channel.
    function _debitAndConclude(
        bytes32 channelId,
        Channel.Allocation[] calldata allocations,
        uint256[] memory totals
    ) internal {
        for (uint256 k = 0; k < totals.length; k++) {
            address asset = allocations[k].asset;
            HoldingSlot storage slot = _slotOf(channelId, asset);
            slot.value = HoldingLib.concluded(_covered(channelId, asset, slot.value, totals[k]) - totals[k]);
        }
    }

    function _slotOf(bytes32 channelId, address asset) private view returns (HoldingSlot storage) {
        return asset == ETH ? _ethHoldings[channelId] : _tokenHoldings[channelId][asset];
    }

    /// @notice The amount `held`, if the channel is open and holds exactly `expectedHeld`.
    function _checked(
        bytes32 channelId,
        address asset,
        Holding held,
        uint256 expectedHeld
    ) private pure returns (uint256 amount) {
        if (held.isConcluded()) revert AdjudicatorChannelConcluded(channelId);
        amount = held.amount();
        // INVARIANT: a deposit lands only on the holdings its sender saw (the deposit-race guard).
        if (amount != expectedHeld)
            revert AdjudicatorUnexpectedHoldings(channelId, asset, expectedHeld, amount);
    }

    function _add(
        bytes32 channelId,
        address asset,
        HoldingSlot storage slot,
        uint256 held,
        uint256 amount
    ) private {
        uint256 total = held + amount;
        if (total > HoldingLib.MAX_AMOUNT) revert AdjudicatorHoldingsOverflow(channelId, asset);
        slot.value = HoldingLib.open(total);
        emit Deposited(channelId, asset, total);
    }

    /// @notice The amount `held`, if the channel is open and it covers `required`.
    function _covered(
        bytes32 channelId,
        address asset,
        Holding held,
        uint256 required
    ) private pure returns (uint256 amount) {
        if (held.isConcluded()) revert AdjudicatorChannelConcluded(channelId);
        amount = held.amount();
        // INVARIANT: nothing is promised or paid beyond what the channel holds.
        if (required > amount) revert AdjudicatorUnderfunded(channelId, asset, required, amount);
    }
}
