// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IBridge} from "../bridge/interfaces/IBridge.sol";
import {IRollup} from "../bridge/interfaces/IRollup.sol";
import {Deposit} from "../shared/lib/Deposit.sol";
import {BlobPayload} from "./lib/BlobPayload.sol";
import {Steps} from "./lib/Steps.sol";
import {Trace} from "./lib/Trace.sol";
import {IOneStepProver} from "./interfaces/IOneStepProver.sol";
import {IOptimisticRollup} from "./interfaces/IOptimisticRollup.sol";
import {BondLedger} from "./BondLedger.sol";

/// @title BatchChain
/// @notice The chain of batches: commit on the tip, finalize in order, remove a losing batch with
/// everything built on it. The dispute game (`DisputeGame`) decides what loses.
abstract contract BatchChain is BondLedger {
    /// @notice Share of a loser's bond that is burned rather than paid to the winner, so that disputing
    /// oneself (as proposer and challenger at once) always costs money.
    uint256 public constant BURN_PERCENT = 50;

    IBridge public immutable BRIDGE;
    IOneStepProver public immutable PROVER;
    uint64 public immutable CHALLENGE_WINDOW;
    uint64 public immutable INCLUSION_WINDOW;
    uint64 public immutable GAME_CLOCK;
    uint256 public immutable PROPOSER_BOND;
    uint256 public immutable CHALLENGER_BOND;

    /// @dev The chain's head in one slot: batches [0, batchCount) exist, [0, lastFinalized] are final.
    struct Chain {
        uint64 batchCount;
        uint64 lastFinalized;
        uint24 epoch; // rollbacks so far
    }

    Chain internal _chain;
    mapping(uint256 batchIndex => Batch) internal _batches;

    constructor(Config memory config) {
        _requireContract("bridge", config.bridge);
        _requireContract("prover", address(config.prover));
        // A window must be open at all, and a batch's closing time (committedAt, a uint40, plus the window)
        // must fit the uint64 it is computed in, or no batch could ever be challenged or finalized.
        _requireInRange("challengeWindow", config.challengeWindow, 1, type(uint40).max);
        // A zero inclusion window makes every deposit due the instant it is queued.
        _requireInRange("inclusionWindow", config.inclusionWindow, 1, type(uint64).max);
        // A game's clocks are stored as uint40.
        _requireInRange("gameClock", config.gameClock, 1, type(uint40).max);
        // A bond's burnt share must be non-zero (else disputing oneself is free), and bonds must add up
        // without overflow, or a resolution could revert.
        _requireInRange(
            "proposerBond",
            config.proposerBond,
            (100 + BURN_PERCENT - 1) / BURN_PERCENT,
            type(uint128).max
        );
        _requireInRange(
            "challengerBond",
            config.challengerBond,
            (100 + BURN_PERCENT - 1) / BURN_PERCENT,
            type(uint128).max
        );
        BRIDGE = IBridge(config.bridge);
        PROVER = config.prover;
        CHALLENGE_WINDOW = config.challengeWindow;
        INCLUSION_WINDOW = config.inclusionWindow;
        GAME_CLOCK = config.gameClock;
        PROPOSER_BOND = config.proposerBond;
        CHALLENGER_BOND = config.challengerBond;

        _batches[0].claim = Trace.claim(Trace.genesis());
        _batches[0].committedAt = uint40(block.timestamp);
        _chain.batchCount = 1;
    }

    /// @inheritdoc IOptimisticRollup
    function commitBatch(
        bytes32 parentClaim,
        bytes calldata txs,
        Trace.State calldata post,
        uint64 depositCount,
        Deposit.Data[] calldata catchUp
    ) external payable returns (uint256 batchIndex) {
        // INVARIANT: a batch is its transaction's own top-level calldata, so any node rebuilds it from
        // Layer 1 alone. Not an authorization check: tx.origin tells a direct call from one made by a
        // contract, and a codeless origin also rules out an EOA running EIP-7702 delegated code.
        // solhint-disable-next-line avoid-tx-origin
        if (msg.sender != tx.origin || msg.sender.code.length != 0)
            revert OptimisticProposerNotCodelessOrigin(msg.sender);
        (bytes32 txRoot, uint256 stepCount, uint256 depositSteps) = Steps.commit(txs);
        if (stepCount == 0) revert OptimisticEmptyBatch();
        // INVARIANT: a batch's claim has read all of its data.
        if (post.cursor != txs.length) revert OptimisticDataNotRead(txs.length, post.cursor);
        _checkTip(parentClaim, stepCount);
        _checkDepositsConsumed(post.depositHead, depositCount, catchUp, depositSteps == Steps.MAX_STEPS);
        batchIndex = _record(post, stepCount, txRoot, false);
    }

    /// @inheritdoc IOptimisticRollup
    function commitBatchBlobs(
        bytes32 parentClaim,
        Trace.State calldata post,
        uint64 depositCount,
        Deposit.Data[] calldata catchUp,
        uint256 stepCount,
        BlobPayload.Opening calldata header
    ) external payable returns (uint256 batchIndex) {
        // No origin rule here: BLOBHASH reads the transaction's own blobs from any call depth, and the rest
        // of the batch is in this call's events, so a follower rebuilds it whoever calls.
        uint256 blobs;
        while (blobhash(blobs) != bytes32(0)) ++blobs;
        if (blobs == 0) revert OptimisticNoBlobs();
        bytes32[] memory versionedHashes = new bytes32[](blobs);
        for (uint256 i = 0; i < blobs; ++i) versionedHashes[i] = blobhash(i);
        (bool valid, uint256 length) = PROVER.readBlobHeader(versionedHashes[0], blobs, header);
        if (!valid) revert OptimisticBlobHeaderInvalid(versionedHashes[0], header.value);
        if (stepCount == 0) revert OptimisticEmptyBatch();
        // INVARIANT: a batch's claim has read all of its data.
        if (post.cursor != length) revert OptimisticDataNotRead(length, post.cursor);
        // Layer 1 cannot count a blob batch's deposits, so it is never "full of deposits" (see commitBatch).
        bytes32 dataRoot = keccak256(abi.encode(versionedHashes, length));
        _checkTip(parentClaim, stepCount);
        _checkDepositsConsumed(post.depositHead, depositCount, catchUp, false);
        batchIndex = _record(post, stepCount, dataRoot, true);
        emit BatchBlobs(batchIndex, versionedHashes, length);
    }
    /// @inheritdoc IOptimisticRollup
    function finalize(uint256 batchIndex) external {
        Chain memory chain = _chain;
        if (batchIndex >= chain.batchCount) revert OptimisticUnknownBatch(batchIndex);
        if (batchIndex <= chain.lastFinalized) revert OptimisticBatchAlreadyFinal(batchIndex);
        for (uint256 i = chain.lastFinalized + 1; i <= batchIndex; ++i) {
            Batch storage b = _batches[i];
            uint256 closesAt = b.committedAt + CHALLENGE_WINDOW;
            // INVARIANT: a batch is final only once its window has passed, no game against it is open,
            // and its parent is final (the loop goes in order).
            if (block.timestamp < closesAt) revert OptimisticChallengeWindowOpen(i, closesAt);
            if (b.openGames != 0) revert OptimisticGamesOpen(i, b.openGames);
            _credit(b.proposer, PROPOSER_BOND);
            emit BatchFinalized(i);
        }
        _chain.lastFinalized = uint64(batchIndex);
    }

    /// @inheritdoc IRollup
    function finalizedWithdrawalRoot(uint256 batchIndex) external view returns (bytes32) {
        return batchIndex <= _chain.lastFinalized ? _withdrawalRootOf(batchIndex) : bytes32(0);
    }

    /// @inheritdoc IOptimisticRollup
    function batch(uint256 batchIndex) external view returns (Batch memory b) {
        if (batchIndex >= _chain.batchCount) revert OptimisticUnknownBatch(batchIndex);
        b = _batches[batchIndex];
        b.withdrawalRoot = _withdrawalRootOf(batchIndex);
    }

    /// @inheritdoc IOptimisticRollup
    function batchCount() external view returns (uint256) {
        return _chain.batchCount;
    }

    /// @inheritdoc IOptimisticRollup
    function lastFinalizedIndex() external view returns (uint256) {
        return _chain.lastFinalized;
    }

    /// @dev Removes batch `fromIndex` and every batch after it (all built on it): the first lost a game,
    /// so its bond is split between the winner and the burn; the others were staked on it and are burned.
    /// O(1): removed batches are forgotten by moving the tip, and games against them become moot.
    /// @return winnings The winner's share of the losing batch's bond.
    function _removeFrom(uint256 fromIndex) internal returns (uint256 winnings) {
        Chain memory chain = _chain;
        uint256 removed = chain.batchCount - fromIndex;
        _chain.batchCount = uint64(fromIndex);
        _chain.epoch = chain.epoch + 1;
        uint256 burnt = (PROPOSER_BOND * BURN_PERCENT) / 100;
        winnings = PROPOSER_BOND - burnt;
        _burn(burnt + (removed - 1) * PROPOSER_BOND);
        emit BatchesRemoved(fromIndex, removed, chain.epoch + 1);
    }

    function _requireContract(string memory parameter, address account) private view {
        if (account.code.length == 0) revert OptimisticInvalidConfig(parameter, uint160(account));
    }

    function _requireInRange(string memory parameter, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert OptimisticInvalidConfig(parameter, value);
    }

    function _withdrawalRootOf(uint256 batchIndex) private view returns (bytes32) {
        bytes32 root = _batches[batchIndex].withdrawalRoot;
        return root == bytes32(0) ? Trace.EMPTY_WITHDRAWAL_ROOT : root;
    }

    /// @dev Whether batch `batchIndex` is still the one committed in `epoch` (not removed since).
    function _isLive(uint256 batchIndex, uint24 epoch) internal view returns (bool) {
        return batchIndex < _chain.batchCount && _batches[batchIndex].epoch == epoch;
    }

    /// @dev What both ways of posting check first: the bond, the parent (the tip) and the size.
    function _checkTip(bytes32 parentClaim, uint256 stepCount) private view {
        if (msg.value != PROPOSER_BOND) revert OptimisticWrongBond(PROPOSER_BOND, msg.value);
        uint256 tipIndex = _chain.batchCount - 1;
        bytes32 tipClaim = _batches[tipIndex].claim;
        if (parentClaim != tipClaim) revert OptimisticParentMismatch(tipIndex, tipClaim, parentClaim);
        if (stepCount > Steps.MAX_STEPS) revert OptimisticBatchTooLarge(stepCount, Steps.MAX_STEPS);
    }

    /// @dev Records a checked batch on the tip. `dataRoot` is the Steps root of calldata transactions, or the
    /// hash of a blob batch's versioned hashes and payload length (`inBlobs`).
    function _record(
        Trace.State calldata post,
        uint256 stepCount,
        bytes32 dataRoot,
        bool inBlobs
    ) private returns (uint256 batchIndex) {
        Chain memory chain = _chain;
        batchIndex = chain.batchCount;
        bytes32 claim = Trace.claim(post);
        _batches[batchIndex] = Batch({
            claim: claim,
            txRoot: dataRoot,
            // A batch that owes nothing stores no root: the empty root is a constant (saves a slot).
            withdrawalRoot: post.withdrawalRoot == Trace.EMPTY_WITHDRAWAL_ROOT
                ? bytes32(0)
                : post.withdrawalRoot,
            proposer: msg.sender,
            committedAt: uint40(block.timestamp),
            stepCount: uint16(stepCount),
            epoch: chain.epoch,
            inBlobs: inBlobs,
            openGames: 0
        });
        _chain.batchCount = uint64(batchIndex + 1);
        emit BatchCommitted(batchIndex, msg.sender, claim, dataRoot, stepCount, post);
    }

    /// @dev `head` must be the bridge queue's head after `count` deposits. The bridge remembers the last
    /// 256 heads, so deposits queued after the batch was built do not change the answer; a count it has
    /// forgotten (or one ahead of the queue) makes the bridge revert by name (`BridgeDepositHeadForgotten`,
    /// `BridgeDepositCountAhead`). When the queue has run far ahead, the batch shows the deposits after
    /// `count` (`catchUp`): folded onto `head` they must reach the head after `count + catchUp.length`,
    /// which the bridge still remembers. The batch consumed a prefix of the queue, and the oldest deposit
    /// it left behind (deposit `count`, if the queue holds it) must not be due yet (forced inclusion),
    /// unless the batch is all deposits and full: then no batch could have taken more, and the queue drains
    /// over the next batches. Its age is its own timestamp: the first of `catchUp` (authenticated by the
    /// fold), or else the one the bridge keeps beside the head after it. Whether the batch's steps really
    /// consume the deposits up to `head`, in order, is part of its claim, which a game checks.
    function _checkDepositsConsumed(
        bytes32 head,
        uint64 count,
        Deposit.Data[] calldata catchUp,
        bool fullOfDeposits
    ) private view {
        IBridge.Queue memory queue = BRIDGE.depositQueue(address(this));
        uint256 reached = count + catchUp.length;
        bytes32 folded = catchUp.length == 0 ? head : Deposit.fold(head, catchUp);
        // The usual case, a batch that consumed the whole queue, needs one call to the bridge.
        bytes32 expected =
            reached == queue.count ? queue.head : BRIDGE.depositHeadAt(address(this), uint64(reached));
        // INVARIANT: a batch consumes a prefix of this rollup's deposit queue, in queue order.
        if (folded != expected) revert OptimisticDepositQueueMismatch(expected, folded);
        if (fullOfDeposits || count == queue.count) return;
        uint64 queuedAt =
            catchUp.length != 0 ? catchUp[0].timestamp : BRIDGE.depositQueuedAt(address(this), count);
        uint256 dueSince = uint256(queuedAt) + INCLUSION_WINDOW;
        // INVARIANT: a deposit older than the inclusion window is in the next batch. Timestamps only grow
        // along the queue, so the first deposit left behind is the oldest.
        if (block.timestamp >= dueSince) revert OptimisticDepositDue(queuedAt, dueSince);
    }
}
