// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Deposit} from "../shared/lib/Deposit.sol";
import {IZkRollup} from "./interfaces/IZkRollup.sol";
import {IPoseidon2, IPoseidon3, IPoseidon4} from "./interfaces/IPoseidon.sol";
import {ExitTree} from "./lib/ExitTree.sol";
import {ZkForced} from "./ZkForced.sol";

/// @title ZkExodus
/// @notice The way out when the operator stops: once a deposit or a forced withdrawal has waited
/// EXODUS_DELAY without being consumed, anyone starts exodus; the last root is then final, each account exits once with a Poseidon
/// Merkle proof of its leaf (paid to its Layer-1 owner), and the deposits never consumed are refunded.
abstract contract ZkExodus is ZkForced {
    mapping(uint256 word => uint256 bits) private _exitedWords;

    /// @inheritdoc IZkRollup
    function activateExodus(Deposit.Data[] calldata waiting) external {
        Head memory head = _head;
        if (head.exodus) revert ZkRollupExodusActive();
        uint256 dueAt = _depositDueAt(head.depositCount, waiting);
        uint256 forcedDueAt = _forcedDueAt();
        if (dueAt == 0 && forcedDueAt == 0) revert ZkRollupNothingWaiting();
        // Batches that leave the oldest deposit or request waiting do not help: an operator that censors
        // them while it keeps proving batches is as stopped, for those users, as one that proves none.
        if (dueAt == 0 || (forcedDueAt != 0 && forcedDueAt < dueAt)) dueAt = forcedDueAt;
        // INVARIANT: exodus starts only when a deposit or a forced request has waited EXODUS_DELAY unconsumed.
        if (block.timestamp < dueAt) revert ZkRollupExodusNotDue(dueAt);
        _head.exodus = true;
        emit ExodusActivated(_root, msg.sender);
    }

    /// @inheritdoc IZkRollup
    function exit(ExitProof calldata proof) external {
        if (!_head.exodus) revert ZkRollupExodusNotActive();
        uint256 index = proof.accountIndex;
        uint256 capacity = 1 << DEPTH;
        // INVARIANT: an index names one leaf: higher bits would alias it and let it exit twice.
        if (index >= capacity) revert ZkRollupAccountIndexOutOfRange(index, capacity);
        if (proof.siblings.length != DEPTH) revert ZkRollupWrongSiblingCount(proof.siblings.length, DEPTH);
        if (hasExited(index)) revert ZkRollupAlreadyExited(index);
        // INVARIANT: only the Layer-1 address in the owner hash gets an account's balance out.
        if (ExitTree.rollupRoot(_hashers(), proof, msg.sender, DOMAIN) != _root) {
            revert ZkRollupInvalidExitProof(index, msg.sender);
        }
        _exitedWords[index >> 8] |= 1 << (index & 0xff);
        emit AccountExited(index, msg.sender, proof.tokenId, proof.balance);
        if (proof.balance != 0) BRIDGE.release(msg.sender, proof.tokenId, proof.balance);
    }

    /// @inheritdoc IZkRollup
    function refundDeposits(Deposit.Data[] calldata deposits, uint256 count) external {
        Head memory h = _head;
        if (!h.exodus) revert ZkRollupExodusNotActive();
        if (count == 0 || count > deposits.length) revert ZkRollupInvalidRefundCount(count, deposits.length);
        bytes32 head = _depositHead;
        _checkQueueHead(h.depositCount + deposits.length, Deposit.fold(head, deposits));
        for (uint256 i = 0; i < count; ++i) {
            head = Deposit.chain(head, deposits[i]);
            _refund(deposits[i]);
        }
        // INVARIANT: each deposit is refunded once: the head and the count move past it.
        _depositHead = head;
        _head.depositCount = uint64(h.depositCount + count);
    }

    /// @inheritdoc IZkRollup
    function hasExited(uint256 accountIndex) public view returns (bool) {
        return _exitedWords[accountIndex >> 8] & (1 << (accountIndex & 0xff)) != 0;
    }

    /// @dev When the first deposit no batch consumed (deposit `consumed` of the queue) has waited
    /// EXODUS_DELAY, or 0 when the queue holds no such deposit. Its time is the first of `waiting`, when
    /// given (authenticated by folding `waiting` on to the rollup's head up to a count the bridge remembers),
    /// else the one the bridge keeps for it (`IBridge.depositQueuedAt`, which reverts with
    /// `BridgeDepositForgotten` once 256 deposits are queued after it: then the caller shows `waiting`).
    function _depositDueAt(uint256 consumed, Deposit.Data[] calldata waiting) private view returns (uint256) {
        uint64 queuedAt;
        if (waiting.length != 0) {
            _checkQueueHead(consumed + waiting.length, Deposit.fold(_depositHead, waiting));
            queuedAt = waiting[0].timestamp;
        } else {
            if (BRIDGE.depositQueue(address(this)).count == consumed) return 0;
            queuedAt = BRIDGE.depositQueuedAt(address(this), uint64(consumed));
        }
        return uint256(queuedAt) + EXODUS_DELAY;
    }

    function _hashers() private view returns (ExitTree.Hashers memory) {
        return
            ExitTree.Hashers({
                poseidon2: IPoseidon2(POSEIDON2),
                poseidon3: IPoseidon3(POSEIDON3),
                poseidon4: IPoseidon4(POSEIDON4)
            });
    }
}
