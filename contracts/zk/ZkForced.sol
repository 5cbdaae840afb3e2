// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Float40} from "../shared/lib/Float40.sol";
import {IPoseidon3} from "./interfaces/IPoseidon.sol";
import {IZkRollup} from "./interfaces/IZkRollup.sol";
import {ExitTree} from "./lib/ExitTree.sol";
import {Slot} from "./lib/Slot.sol";
import {ZkCredits} from "./ZkCredits.sol";

/// @title ZkForced
/// @notice The forced-withdrawal queue: an account's Layer-1 owner asks here for a withdrawal the
/// operator must carry, in order, in its next batches (effective, or nullified when the account is not
/// the requester's, holds another token or too little). A request left waiting EXODUS_DELAY switches on
/// exodus (`ZkExodus`). Each request pays FORCED_REQUEST_FEE, credited to the fee recipient of the batch
/// that carries it (bound by the batch's proof), or back to its requester in exodus. See `docs/zk.md`, "Forced withdrawals".
abstract contract ZkForced is ZkCredits {
    /// @dev Bit 250 of a slot element: a forced withdrawal.
    uint256 internal constant FORCED_BIT = 1 << 250;
    /// @dev Bit 251 of a slot element: the forced withdrawal is effective.
    uint256 internal constant EFFECTIVE_SHIFT = 251;

    /// @dev A stored request: its slot element without the effective bit, who asked, and when.
    struct ForcedRequest {
        uint256 slot;
        address requester;
        uint64 requestedAt;
    }

    mapping(uint256 index => ForcedRequest) internal _forced;
    uint64 internal _forcedRequested;
    uint64 internal _forcedConsumed;

    /// @inheritdoc IZkRollup
    function requestWithdrawal(
        uint32 account,
        uint16 tokenId,
        uint40 packedAmount,
        uint256 ax,
        uint256 ay
    ) external payable returns (uint256 index) {
        if (_head.exodus) revert ZkRollupExodusActive();
        // INVARIANT: every stored request paid FORCED_REQUEST_FEE, held here until a batch carries it (the
        // batch's fee recipient is credited) or exodus refunds it (its requester is).
        if (msg.value != FORCED_REQUEST_FEE) revert ZkRollupWrongForcedFee(FORCED_REQUEST_FEE, msg.value);
        uint256 capacity = 1 << DEPTH;
        // INVARIANT: a stored request is one the circuit can carry: every field fits, the amount is canonical.
        if (account >= capacity) revert ZkRollupAccountIndexOutOfRange(account, capacity);
        uint256 amount = _canonicalAmount(packedAmount);
        // INVARIANT: only the Layer-1 address in an account's owner hash can ask for its balance.
        uint256 owner = _ownerOfCaller(ax, ay);
        index = _forcedRequested;
        _forced[index] = ForcedRequest({
            slot: Slot.pack(Slot.KIND_WITHDRAW, account, owner, tokenId, packedAmount) | FORCED_BIT,
            requester: msg.sender,
            requestedAt: uint64(block.timestamp)
        });
        _forcedRequested = uint64(index + 1);
        emit WithdrawalRequested(index, msg.sender, account, owner, tokenId, amount);
    }

    /// @dev The amount `packedAmount` stands for; reverts unless it is a canonical float40 and not zero.
    function _canonicalAmount(uint40 packedAmount) private pure returns (uint256 amount) {
        amount = Float40.decode(packedAmount);
        (bool ok, uint256 canonical) = Slot.packAmount(amount);
        if (amount == 0 || !ok || canonical != packedAmount) revert ZkRollupInvalidForcedAmount(packedAmount);
    }

    /// @dev Poseidon(ax, ay, msg.sender) mod 2^160: the owner the caller's key and address stand for.
    function _ownerOfCaller(uint256 ax, uint256 ay) private view returns (uint256) {
        ExitTree.Hashers memory h;
        h.poseidon3 = IPoseidon3(POSEIDON3);
        return ExitTree.owner(h, ax, ay, msg.sender);
    }

    /// @inheritdoc IZkRollup
    function forcedRequests() external view returns (uint256 requested, uint256 consumed) {
        return (_forcedRequested, _forcedConsumed);
    }

    /// @inheritdoc IZkRollup
    function forcedRequest(
        uint256 index
    ) external view returns (uint256 slot, address requester, uint256 requestedAt) {
        ForcedRequest storage r = _forced[index];
        return (r.slot, r.requester, r.requestedAt);
    }

    /// @dev Puts the next `count` requests into the public inputs at `positions` (each holding only its
    /// published effective bit). Reverts if fewer are waiting.
    function _fillForcedSlots(
        uint256[] memory inputs,
        uint256[] memory positions,
        uint256 count
    ) internal view {
        uint256 first = _forcedConsumed;
        // INVARIANT: a batch consumes the forced requests in queue order, skipping none.
        if (first + count > _forcedRequested) revert ZkRollupForcedRequestMissing(first + count - 1);
        for (uint256 k = 0; k < count; ++k) inputs[positions[k]] |= _forced[first + k].slot;
    }

    /// @dev Marks the next `count` requests consumed, credits the effective ones to their requesters, and
    /// their fees to `feeRecipient`, the one the batch's proof is bound to.
    function _consumeForced(
        uint256 batchIndex,
        address feeRecipient,
        uint256[] memory inputs,
        uint256[] memory positions,
        uint256 count
    ) internal {
        uint256 first = _forcedConsumed;
        for (uint256 k = 0; k < count; ++k) {
            ForcedRequest storage r = _forced[first + k];
            bool effective = (inputs[positions[k]] >> EFFECTIVE_SHIFT) & 1 == 1;
            emit ForcedWithdrawalConsumed(batchIndex, first + k, effective);
            if (effective) {
                uint256 slot = r.slot;
                uint32 tokenId = uint32((slot >> Slot.TOKEN_OFFSET) & 0xffff);
                uint256 amount = Float40.decode(uint40(slot >> Slot.AMOUNT_OFFSET));
                _credit(r.requester, tokenId, amount);
                emit WithdrawalCredited(batchIndex, r.requester, tokenId, amount);
            }
        }
        _forcedConsumed = uint64(first + count);
        _creditFee(feeRecipient, count * FORCED_REQUEST_FEE);
    }

    /// @inheritdoc IZkRollup
    function refundForcedFees(uint256 count) external {
        if (!_head.exodus) revert ZkRollupExodusNotActive();
        uint256 first = _forcedConsumed;
        uint256 waiting = _forcedRequested - first;
        if (count == 0 || count > waiting) revert ZkRollupInvalidRefundCount(count, waiting);
        uint256 fee = FORCED_REQUEST_FEE;
        for (uint256 k = 0; k < count; ++k) {
            address requester = _forced[first + k].requester;
            _creditFee(requester, fee);
            emit ForcedFeeRefunded(first + k, requester);
        }
        // INVARIANT: each fee is refunded once: the requests count as consumed.
        _forcedConsumed = uint64(first + count);
    }

    /// @dev When the oldest unconsumed request has waited EXODUS_DELAY, or 0 when none waits.
    function _forcedDueAt() internal view returns (uint256) {
        uint256 first = _forcedConsumed;
        if (first == _forcedRequested) return 0;
        return uint256(_forced[first].requestedAt) + EXODUS_DELAY;
    }
}
