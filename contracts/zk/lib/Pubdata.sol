// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Deposit} from "../../shared/lib/Deposit.sol";
import {Float40} from "../../shared/lib/Float40.sol";
import {IZkRollup} from "../interfaces/IZkRollup.sol";
import {Slot} from "./Slot.sol";

/// @title Pubdata
/// @notice Decodes a batch's compact pubdata (big-endian) into the proof's public inputs:
/// deposit 0x01‖account u32 (5 B; the rest comes from the consumed deposit it matches),
/// transfer 0x02‖from u32‖to u32‖amount float40 (14 B),
/// withdraw 0x03‖from u32‖recipient address‖token u16‖amount float40 (32 B),
/// forced withdrawal 0x04‖effective u8 (2 B; the caller fills in the stored request's slot),
/// refund 0x05 (1 B: the next consumed deposit, which the state has no room for, is credited back).
/// Mirrors `encodePubdata`/`decodePubdata`/`publicInputs` in `src/zk/pubdata.ts`.
library Pubdata {
    uint256 internal constant DEPOSIT_BYTES = 5;
    uint256 internal constant TRANSFER_BYTES = 14;
    uint256 internal constant WITHDRAW_BYTES = 32;
    uint256 internal constant FORCED_BYTES = 2;
    uint256 internal constant KIND_FORCED = 4;
    uint256 internal constant KIND_REFUND = 5;
    uint256 internal constant REFUND_BYTES = 1;
    /// @notice The public input holding slot 0: after oldRoot, newRoot and feeRecipient.
    uint256 internal constant FIRST_SLOT = 3;

    uint256 private constant MASK_16 = (1 << 16) - 1;
    uint256 private constant MASK_32 = (1 << 32) - 1;
    uint256 private constant MASK_40 = (1 << 40) - 1;
    uint256 private constant MASK_160 = (1 << 160) - 1;

    /// @notice A withdrawal of the batch, to credit once the proof verifies.
    struct Withdrawal {
        address recipient;
        uint32 tokenId;
        uint256 amount;
    }

    /// @notice A batch as the proof sees it.
    struct Batch {
        uint256[] inputs; // [oldRoot, newRoot, feeRecipient, slot[0], …, slot[B-1]]; the first 3 left for the caller
        uint256[] withdrawals; // pubdata offsets of the batch's withdrawals: the first `withdrawalCount`
        uint256 withdrawalCount;
        uint256[] forced; // input positions of the forced slots, in order: the first `forcedCount`
        uint256 forcedCount;
        bool[] noRoom; // per consumed deposit: refunded in a refund slot (the state had no room for it)
        uint256 txCount;
    }

    /// @notice Decodes `pubdata` into the public inputs of a batch of `batchSize` slots, matching each
    /// deposit or refund slot to the next carriable deposit of `consumed` (the others are refunded, and
    /// skip no slot). Reverts unless every carriable consumed deposit fills a deposit or refund slot.
    /// @dev One pass, on the stack: it runs for every transaction of every batch.
    function decode(
        bytes calldata pubdata,
        Deposit.Data[] calldata consumed,
        uint256 batchSize
    ) internal pure returns (Batch memory batch) {
        uint256[] memory inputs = new uint256[](FIRST_SLOT + batchSize);
        batch.withdrawals = new uint256[](batchSize);
        batch.forced = new uint256[](batchSize);
        batch.noRoom = new bool[](consumed.length);
        uint256 txCount;
        uint256 nextDeposit;
        uint256 offset;
        while (offset < pubdata.length) {
            // INVARIANT: a batch carries at most BATCH_SIZE transactions.
            if (txCount == batchSize) revert IZkRollup.ZkRollupTooManyTransactions(offset, batchSize);
            // Only the bytes of this transaction are used, once its size is checked against the data.
            uint256 word = _wordAt(pubdata, offset);
            uint256 kind = word >> 248;
            uint256 size = _sizeWithin(kind, offset, pubdata.length);
            uint256 slot;
            if (kind == KIND_FORCED) {
                uint256 effective = (word >> 240) & 0xff;
                if (effective > 1) revert IZkRollup.ZkRollupInvalidEffectiveByte(offset, uint8(effective));
                batch.forced[batch.forcedCount++] = FIRST_SLOT + txCount;
                slot = effective << 251; // the stored request's slot is or-ed in by the rollup
            } else if (kind == Slot.KIND_DEPOSIT) {
                (slot, nextDeposit) = _depositSlot((word >> 216) & MASK_32, consumed, nextDeposit, txCount);
            } else if (kind == KIND_REFUND) {
                // INVARIANT: the proof allows a refund only when every account is open.
                (slot, nextDeposit) = _depositSlot(0, consumed, nextDeposit, txCount);
                slot |= Slot.REFUND_BIT;
                batch.noRoom[nextDeposit - 1] = true;
            } else {
                if (kind == Slot.KIND_WITHDRAW) batch.withdrawals[batch.withdrawalCount++] = offset;
                slot = _spendSlot(kind, word);
            }
            inputs[FIRST_SLOT + txCount] = slot;
            unchecked {
                ++txCount;
                offset += size;
            }
        }
        _checkAllCarried(consumed, nextDeposit);
        batch.inputs = inputs;
        batch.txCount = txCount;
    }

    /// @dev The slot of a transfer or a withdrawal whose bytes start `word`.
    function _spendSlot(uint256 kind, uint256 word) private pure returns (uint256) {
        uint256 from = (word >> 216) & MASK_32;
        if (kind == Slot.KIND_TRANSFER) {
            return Slot.pack(kind, from, (word >> 184) & MASK_32, 0, (word >> 144) & MASK_40);
        }
        return Slot.pack(kind, from, (word >> 56) & MASK_160, (word >> 40) & MASK_16, word & MASK_40);
    }

    /// @notice The withdrawal at pubdata byte `offset`, one `decode` listed in `Batch.withdrawals`.
    function withdrawalAt(bytes calldata pubdata, uint256 offset) internal pure returns (Withdrawal memory) {
        uint256 word = _wordAt(pubdata, offset);
        return
            Withdrawal({
                recipient: address(uint160((word >> 56) & MASK_160)),
                tokenId: uint32((word >> 40) & MASK_16),
                amount: Float40.decode(uint40(word & MASK_40))
            });
    }

    /// @dev The slot of a deposit to `account`: the next carriable consumed deposit from `next` on, skipping
    /// (for refund) the ones no account can hold; and the consumed deposit to look at after it.
    function _depositSlot(
        uint256 account,
        Deposit.Data[] calldata consumed,
        uint256 next,
        uint256 slotIndex
    ) private pure returns (uint256 slot, uint256 after_) {
        uint256 i = next;
        while (i < consumed.length && !Slot.isCarriable(consumed[i])) ++i;
        // INVARIANT: every deposit slot is a consumed deposit, in queue order.
        if (i == consumed.length) revert IZkRollup.ZkRollupDepositMissing(slotIndex);
        return (Slot.deposit(account, consumed[i]), i + 1);
    }

    /// @dev Reverts if a carriable deposit from `from` on was consumed without filling a slot.
    function _checkAllCarried(Deposit.Data[] calldata consumed, uint256 from) private pure {
        for (uint256 i = from; i < consumed.length; ++i) {
            // INVARIANT: no carriable deposit is skipped; only the uncarriable ones are refunded.
            if (Slot.isCarriable(consumed[i])) revert IZkRollup.ZkRollupDepositNotCarried(i);
        }
    }

    /// @dev The size of a transaction of `kind` at `offset`; reverts unless it is a known kind that ends
    /// within the `length` bytes of the pubdata.
    function _sizeWithin(uint256 kind, uint256 offset, uint256 length) private pure returns (uint256 size) {
        if (kind == Slot.KIND_TRANSFER) size = TRANSFER_BYTES;
        else if (kind == Slot.KIND_DEPOSIT) size = DEPOSIT_BYTES;
        else if (kind == Slot.KIND_WITHDRAW) size = WITHDRAW_BYTES;
        else if (kind == KIND_FORCED) size = FORCED_BYTES;
        else if (kind == KIND_REFUND) size = REFUND_BYTES;
        else revert IZkRollup.ZkRollupUnknownTxKind(offset, uint8(kind));
        if (offset + size > length) revert IZkRollup.ZkRollupPubdataTruncated(offset, uint8(kind), length);
    }

    /// @dev The 32 bytes of calldata from `data[offset]` on, as a big-endian number. Bytes past the end of
    /// `data` are whatever calldata follows: callers use only bytes they checked lie within `data`.
    function _wordAt(bytes calldata data, uint256 offset) private pure returns (uint256 word) {
        assembly ("memory-safe") {
            word := calldataload(add(data.offset, offset))
        }
    }
}
