// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {PushPayment} from "../shared/lib/PushPayment.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IBridge} from "./interfaces/IBridge.sol";
import {BridgeRegistry} from "./BridgeRegistry.sol";

/// @title BridgePayouts
/// @notice Push payouts out of one rollup's escrow with a pull fallback: a recipient that cannot receive
/// (a contract reverting on ETH, a token refusing it) is credited and pulls with `claimCredit`, so a
/// withdrawal, an exit or a refund is never stuck and never paid twice. As `channels/Payouts.sol` does
/// for the adjudicator.
/// @dev A credit is debited from the paying rollup's escrow when it is made, so a rollup's escrow holds
/// only what that rollup still owes and a credit is owed by the bridge to one address, whichever rollup
/// it came from. ETH recipients get at most `PAYOUT_GAS` (plus the call stipend) and no return data is
/// copied, so a recipient can neither grief the payer with gas nor with a return-data bomb; a recipient
/// that needs more gas pulls its credit with all the gas it likes. ERC-20 transfers forward all gas: a
/// listed token is trusted not to hand control to the recipient during `transfer` (no ERC-777 hooks).
/// A caller that sends too little gas for a push only turns it into a credit.
abstract contract BridgePayouts is BridgeRegistry, ReentrancyGuardTransient {
    /// @notice The gas an ETH payout forwards to its recipient.
    uint256 public constant PAYOUT_GAS = 10_000;

    mapping(address token => mapping(address account => uint256 amount)) private _credits;
    mapping(address token => uint256 amount) private _totalCredits;

    constructor(address initialOwner) BridgeRegistry(initialOwner) {}

    /// @inheritdoc IBridge
    function claimCredit(address token, address to) external nonReentrant {
        if (to == address(0)) revert BridgeZeroRecipient();
        uint256 amount = _credits[token][msg.sender];
        if (amount == 0) revert BridgeNothingToClaim(token, msg.sender);
        // INVARIANT: a credit is paid once; it leaves the books before the funds leave the bridge.
        _credits[token][msg.sender] = 0;
        _totalCredits[token] -= amount;
        emit CreditClaimed(token, msg.sender, to, amount);
        if (!PushPayment.trySend(token, to, amount, gasleft())) revert BridgePayoutFailed(token, to, amount);
    }

    /// @inheritdoc IBridge
    function credits(address token, address account) external view returns (uint256) {
        return _credits[token][account];
    }

    /// @inheritdoc IBridge
    function totalCredits(address token) external view returns (uint256) {
        return _totalCredits[token];
    }

    /// @dev Pays `amount` of `rollup`'s token `tokenId` to `to` out of that rollup's escrow alone, or
    /// credits it to `to` if the transfer fails.
    function _payOut(address rollup, uint32 tokenId, address to, uint256 amount) internal {
        if (to == address(0)) revert BridgeZeroRecipient();
        address token = tokenOf(rollup, tokenId);
        Asset storage a = _assets[rollup][token];
        uint256 escrowed = a.escrowed;
        // INVARIANT: a rollup pays only out of its own escrow, never another rollup's.
        if (escrowed < amount) revert BridgeInsufficientEscrow(rollup, tokenId, escrowed, amount);
        a.escrowed = uint128(escrowed - amount);
        if (PushPayment.trySend(token, to, amount, PAYOUT_GAS)) return;
        // INVARIANT: per token, the bridge holds the sum of every rollup's escrow plus every credit.
        _credits[token][to] += amount;
        _totalCredits[token] += amount;
        emit PayoutCredited(rollup, token, to, amount);
    }
}
