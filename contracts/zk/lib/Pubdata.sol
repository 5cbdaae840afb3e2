// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Deposit} from "../../shared/lib/Deposit.sol";
import {Float40} from "../../shared/lib/Float40.sol";
import {IZkRollup} from "../interfaces/IZkRollup.sol";
import {Slot} from "./Slot.sol";

/// @title Pubdata
/// @notice Decodes a batch's compact pubdata (big-endian) into the proof's public inputs:
/// deposit 0x01‖account u32 (5 B; the rest comes from the consumed deposit it matches),
/// transfer 0x02‖from u32‖to u32‖amount float40 (14 B),
/// withdraw 0x03‖from u32‖recipient address‖token u16‖amount float40 (32 B).
/// Mirrors `encodePubdata`/`decodePubdata`/`publicInputs` in `src/zk/pubdata.ts`.
library Pubdata {
    uint256 internal constant DEPOSIT_BYTES = 5;
    uint256 internal constant TRANSFER_BYTES = 14;
    uint256 internal constant WITHDRAW_BYTES = 32;

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
        uint256[] inputs; // [oldRoot, newRoot, slot[0], …, slot[B-1]]; the roots left for the caller
        Withdrawal[] withdrawals; // the first `withdrawalCount` are the batch's
        uint256 withdrawalCount;
        uint256 txCount;
    }

    /// @dev Where decoding stands.
    struct Cursor {
        uint256 offset; // next pubdata byte
        uint256 nextDeposit; // next consumed deposit to look at
    }

    /// @notice Decodes `pubdata` into the public inputs of a batch of `batchSize` slots, matching each
    /// deposit slot to the next carriable deposit of `consumed` (the others are refunded, and skip no
    /// slot). Reverts unless every carriable consumed deposit fills a deposit slot.
    function decode(
        bytes calldata pubdata,
        Deposit.Data[] calldata consumed,
        uint256 batchSize
    ) internal pure returns (Batch memory batch) {
        batch.inputs = new uint256[](2 + batchSize);
        batch.withdrawals = new Withdrawal[](batchSize);
        Cursor memory cursor;
        while (cursor.offset < pubdata.length) {
            // INVARIANT: a batch carries at most BATCH_SIZE transactions.
            if (batch.txCount == batchSize) {
                revert IZkRollup.ZkRollupTooManyTransactions(cursor.offset, batchSize);
            }
            batch.inputs[2 + batch.txCount] = _decodeTx(pubdata, consumed, cursor, batch);
            ++batch.txCount;
        }
        _checkAllCarried(consumed, cursor.nextDeposit);
    }

    /// @dev The slot element of the transaction at `cursor.offset`; moves the cursor past it.
    function _decodeTx(
        bytes calldata pubdata,
        Deposit.Data[] calldata consumed,
        Cursor memory cursor,
        Batch memory batch
    ) private pure returns (uint256 slot) {
        uint256 offset = cursor.offset;
        uint8 kind = uint8(pubdata[offset]);
        uint256 size = _sizeOf(kind, offset);
        if (offset + size > pubdata.length) {
            revert IZkRollup.ZkRollupPubdataTruncated(offset, kind, pubdata.length);
        }
        uint256 word = _wordAt(pubdata, offset);
        cursor.offset = offset + size;
        uint256 from = (word >> 216) & MASK_32;
        if (kind == Slot.KIND_DEPOSIT) return _depositSlot(from, consumed, cursor, batch.txCount);
        if (kind == Slot.KIND_TRANSFER) {
            return Slot.pack(kind, from, (word >> 184) & MASK_32, 0, (word >> 144) & MASK_40);
        }
        Withdrawal memory w = Withdrawal({
            recipient: address(uint160((word >> 56) & MASK_160)),
            tokenId: uint32((word >> 40) & MASK_16),
            amount: Float40.decode(uint40(word & MASK_40))
        });
        batch.withdrawals[batch.withdrawalCount++] = w;
        return Slot.pack(kind, from, uint160(w.recipient), w.tokenId, word & MASK_40);
    }

    /// @dev The slot of a deposit to `account`: the next carriable consumed deposit, skipping (for refund)
    /// the ones no account can hold.
    function _depositSlot(
        uint256 account,
        Deposit.Data[] calldata consumed,
        Cursor memory cursor,
        uint256 slotIndex
    ) private pure returns (uint256) {
        uint256 i = cursor.nextDeposit;
        while (i < consumed.length && !Slot.isCarriable(consumed[i])) ++i;
        // INVARIANT: every deposit slot is a consumed deposit, in queue order.
        if (i == consumed.length) revert IZkRollup.ZkRollupDepositMissing(slotIndex);
        cursor.nextDeposit = i + 1;
        return Slot.deposit(account, consumed[i]);
    }

    /// @dev Reverts if a carriable deposit from `from` on was consumed without filling a slot.
    function _checkAllCarried(Deposit.Data[] calldata consumed, uint256 from) private pure {
        for (uint256 i = from; i < consumed.length; ++i) {
            // INVARIANT: no carriable deposit is skipped; only the uncarriable ones are refunded.
            if (Slot.isCarriable(consumed[i])) revert IZkRollup.ZkRollupDepositNotCarried(i);
        }
    }

    function _sizeOf(uint8 kind, uint256 offset) private pure returns (uint256) {
        if (kind == Slot.KIND_DEPOSIT) return DEPOSIT_BYTES;
        if (kind == Slot.KIND_TRANSFER) return TRANSFER_BYTES;
        if (kind == Slot.KIND_WITHDRAW) return WITHDRAW_BYTES;
        revert IZkRollup.ZkRollupUnknownTxKind(offset, kind);
    }

    /// @dev The 32 bytes of calldata from `data[offset]` on, as a big-endian number. Bytes past the end of
    /// `data` are whatever calldata follows: callers use only bytes they checked lie within `data`.
    function _wordAt(bytes calldata data, uint256 offset) private pure returns (uint256 word) {
        assembly ("memory-safe") {
            word := calldataload(add(data.offset, offset))
        }
    }
}
