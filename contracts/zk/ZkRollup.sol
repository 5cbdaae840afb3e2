// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IRollup} from "../bridge/interfaces/IRollup.sol";
import {Deposit} from "../shared/lib/Deposit.sol";
import {IZkRollup} from "./interfaces/IZkRollup.sol";
import {Pubdata} from "./lib/Pubdata.sol";
import {Slot} from "./lib/Slot.sol";
import {VerifierCall} from "./lib/VerifierCall.sol";
import {ZkExodus} from "./ZkExodus.sol";
import {ZkRollupState} from "./ZkRollupState.sol";

/// @title ZkRollup
/// @notice The zk rollup's entry contract: verified batches move the root; withdrawals and refunds become
/// credits (`ZkCredits`); exodus is the way out (`ZkExodus`). See `IZkRollup` and `docs/zk.md`.
contract ZkRollup is ZkExodus {
    constructor(Config memory config) ZkRollupState(config) {}

    /// @inheritdoc IZkRollup
    function submitBatch(
        uint256 newRoot,
        address feeRecipient,
        Proof calldata proof,
        bytes calldata pubdata,
        Deposit.Data[] calldata consumedDeposits,
        Deposit.Data[] calldata catchUp
    ) external returns (uint256 batchIndex) {
        Head memory head = _head;
        // INVARIANT: the root is final once exodus starts.
        if (head.exodus) revert ZkRollupExodusActive();
        if (newRoot >= SNARK_SCALAR_FIELD) revert ZkRollupRootOutOfField(newRoot);
        // Fees are never credited to the zero address, and a batch names its recipient even when it
        // carries no request: one rule, no fee lost to a batch built without one.
        if (feeRecipient == address(0)) revert ZkRollupZeroRecipient();
        // A batch that consumes no deposit keeps a head already proven to be a prefix of the queue: it
        // neither reads nor writes it (and its catch-up is not read).
        bytes32 consumedHead;
        if (consumedDeposits.length != 0) consumedHead = _checkConsumed(head, consumedDeposits, catchUp);

        Pubdata.Batch memory batch = Pubdata.decode(pubdata, consumedDeposits, BATCH_SIZE);
        if (batch.forcedCount != 0) _fillForcedSlots(batch.inputs, batch.forced, batch.forcedCount);
        _checkProof(proof, batch.inputs, newRoot, feeRecipient);

        batchIndex = head.batchCount;
        _root = newRoot;
        if (consumedDeposits.length != 0) _depositHead = consumedHead;
        _head = Head({
            batchCount: uint64(batchIndex + 1),
            lastBatchAt: uint64(block.timestamp),
            depositCount: head.depositCount,
            exodus: false
        });
        _creditWithdrawals(batchIndex, pubdata, batch);
        if (batch.forcedCount != 0)
            _consumeForced(batchIndex, feeRecipient, batch.inputs, batch.forced, batch.forcedCount);
        _refundConsumed(consumedDeposits, batch.noRoom);
        emit BatchVerified(batchIndex, newRoot);
    }

    /// @inheritdoc IRollup
    /// @dev Always zero: zk withdrawals are credited at verification and claimed here, never proven
    /// into a withdrawal tree the bridge pays from.
    function finalizedWithdrawalRoot(uint256) external pure returns (bytes32) {
        return bytes32(0);
    }

    /// @dev The deposit head after `consumed` (adding their number to `head.depositCount`). Checked against
    /// the queue as it was at the count the batch reaches, so deposits queued after the batch was built (a
    /// griefer's 1 wei) leave it valid.
    function _checkConsumed(
        Head memory head,
        Deposit.Data[] calldata consumed,
        Deposit.Data[] calldata catchUp
    ) private view returns (bytes32 consumedHead) {
        consumedHead = Deposit.fold(_depositHead, consumed);
        head.depositCount += uint64(consumed.length);
        _checkQueueHead(
            head.depositCount + catchUp.length,
            catchUp.length == 0 ? consumedHead : Deposit.fold(consumedHead, catchUp)
        );
    }

    /// @dev Reverts unless the verifier accepts `proof` for `inputs` (its slots filled in) completed with
    /// the stored root, `newRoot` and `feeRecipient`.
    function _checkProof(
        Proof calldata proof,
        uint256[] memory inputs,
        uint256 newRoot,
        address feeRecipient
    ) private view {
        uint256 oldRoot = _root;
        // INVARIANT: the proof is checked against the stored root, the published transactions and the
        // fee recipient: whoever sends the batch, only its prover chose who is paid for it.
        inputs[0] = oldRoot;
        inputs[1] = newRoot;
        inputs[2] = uint160(feeRecipient);
        if (!VerifierCall.verify(VERIFIER, VERIFY_SELECTOR, proof, inputs)) {
            revert ZkRollupInvalidProof(oldRoot, newRoot);
        }
    }

    function _creditWithdrawals(
        uint256 batchIndex,
        bytes calldata pubdata,
        Pubdata.Batch memory batch
    ) private {
        for (uint256 i = 0; i < batch.withdrawalCount; ++i) {
            Pubdata.Withdrawal memory w = Pubdata.withdrawalAt(pubdata, batch.withdrawals[i]);
            _credit(w.recipient, w.tokenId, w.amount);
            emit WithdrawalCredited(batchIndex, w.recipient, w.tokenId, w.amount);
        }
    }

    /// @dev Refunds, in queue order, the consumed deposits no account can hold (they took no slot) and
    /// those the state had no room for (their refund slots are proven: every account was open).
    function _refundConsumed(Deposit.Data[] calldata consumed, bool[] memory noRoom) private {
        for (uint256 i = 0; i < consumed.length; ++i) {
            if (noRoom[i] || !Slot.isCarriable(consumed[i])) _refund(consumed[i]);
        }
    }
}
