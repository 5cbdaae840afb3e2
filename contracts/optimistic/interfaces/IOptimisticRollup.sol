// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IRollup} from "../../bridge/interfaces/IRollup.sol";
import {Deposit} from "../../shared/lib/Deposit.sol";
import {BlobPayload} from "../lib/BlobPayload.sol";
import {Trace} from "../lib/Trace.sol";
import {IOneStepProver} from "./IOneStepProver.sol";

/// @title IOptimisticRollup
/// @notice An optimistic rollup: bonded proposers commit batches of Layer-2 transactions, as calldata or in
/// EIP-4844 blobs, with the state they claim the batch leads to; anyone with a bond may challenge a claim within the challenge
/// window and bisect the batch against its proposer down to one step, which Layer 1 re-executes.
/// @dev Trust: none in proposers or challengers; the honest side of a game wins whatever the other side
/// plays, if it answers within its clock. Liveness needs one honest proposer (anyone may propose) and,
/// for safety, one honest challenger watching within the window. Batches chain linearly: batch i's
/// parent is batch i-1, and batch 0 is the genesis state, final from the start.
interface IOptimisticRollup is IRollup {
    /// @notice A side of a dispute game. `Proposer` is the side that defends the batch's claim: its proposer
    /// plays it, unless the proposer left a move unplayed for half its remaining clock and a bonded
    /// defender took the side over (`defend`).
    enum Party {
        Proposer,
        Challenger
    }

    enum GameStatus {
        None,
        Open,
        ProposerWon,
        ChallengerWon,
        Cancelled // the batch was removed by another game; the challenger got its bond back
    }

    /// @notice A committed batch, as stored: what the games, finality and the bridge need, nothing more.
    struct Batch {
        bytes32 claim; // Trace.claim of the state after the batch's last step
        // Calldata: Steps.commit of the batch's transactions. Blobs: keccak256(abi.encode(versionedHashes,
        // payloadLength)), what a blob step must show (see `commitBatchBlobs`).
        bytes32 txRoot;
        bytes32 withdrawalRoot; // the root the bridge pays from once final; stored as 0 when empty
        address proposer; // bonded PROPOSER_BOND, returned on finality, forfeit if the batch is removed
        uint40 committedAt;
        uint16 stepCount;
        uint24 epoch; // the chain's rollback count when committed: tells a batch from an earlier one at its index
        bool inBlobs; // posted with commitBatchBlobs: its steps are proven with stepBlob
        // Games against this batch not yet resolved: finality waits for all of them. Unbounded (a word of
        // its own; it counts entries of the game list, whose length is a uint256 too), so no number of
        // games opened by others can keep one more challenger out.
        uint256 openGames;
    }

    /// @notice One challenger's game against one batch. The range (lo, hi] is in dispute: both sides
    /// agree on the state after step lo (rootLo); `hiClaimant` claims rootHi, the other side disputes it;
    /// `midClaim` is the last mover's claim about the state at (lo + hi) / 2, which `turn` must judge.
    struct Game {
        uint64 batchIndex;
        uint24 batchEpoch;
        address challenger;
        GameStatus status;
        uint16 lo;
        uint16 hi;
        Party turn;
        Party hiClaimant;
        uint40 lastMoveAt;
        uint40 proposerClock; // seconds left on each side's clock
        uint40 challengerClock;
        // Moves made on the defending side by its proposer and by its defender (at most ⌈log2 MAX_STEPS⌉
        // in all): the side's winnings are split between them in this proportion.
        uint8 proposerMoves;
        uint8 defenderMoves; // non-zero exactly when a defender holds the side (taken over, not yet lost)
        bytes32 rootLo;
        bytes32 rootHi;
        bytes32 midClaim;
    }

    /// @notice Everything `step` needs to re-execute the one step left in dispute.
    struct StepProof {
        bytes transaction; // the encoded transaction at step `lo`
        bytes32[] txProof; // its Merkle path in the batch's txRoot
        Trace.State pre; // the state after step lo: must hash to the game's rootLo
        IOneStepProver.Witness witness;
    }

    /// @notice Everything `stepBlob` needs to re-execute the one step left in dispute of a batch posted in
    /// blobs: the batch's data (checked against its record), the field elements holding the transaction at
    /// the agreed state's cursor (see `IOneStepProver.executeFromBlobs`), and the witness.
    struct BlobStepProof {
        bytes32[] versionedHashes; // as in the batch's BatchBlobs event
        uint256 payloadLength; // as in the batch's BatchBlobs event
        BlobPayload.Opening[] openings;
        Trace.State pre; // the state after step lo: must hash to the game's rootLo
        IOneStepProver.Witness witness;
    }

    /// @notice The rollup's parameters, fixed at deployment. The constructor refuses any that makes no
    /// sense with `OptimisticInvalidConfig(name, value)`, named as below.
    struct Config {
        address bridge; // a contract
        IOneStepProver prover; // a contract
        uint64 challengeWindow; // seconds a batch can be challenged after it is committed: 1 to 2^40 - 1
        uint64 inclusionWindow; // seconds after which a queued deposit must be in the next batch: not 0
        uint64 gameClock; // seconds each side of a game may spend on its moves, in total: 1 to 2^40 - 1
        uint256 proposerBond; // wei, per batch: 2 to 2^128 - 1 (its burnt share is never zero)
        uint256 challengerBond; // wei, per game: 2 to 2^128 - 1 (its burnt share is never zero)
    }

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice A batch was committed. Its transactions are the calldata of the transaction that emitted this,
    /// or, when `BatchBlobs` follows it, that transaction's blobs; `txRoot` is the batch's data root (see
    /// `Batch`).
    event BatchCommitted(
        uint256 indexed batchIndex,
        address indexed proposer,
        bytes32 claim,
        bytes32 txRoot,
        uint256 stepCount,
        Trace.State post
    );
    /// @notice Batch `batchIndex` was posted in blobs (`commitBatchBlobs`): its payload, `payloadLength`
    /// bytes, is in the blobs with these versioned hashes, carried by the transaction that emitted this.
    event BatchBlobs(uint256 indexed batchIndex, bytes32[] versionedHashes, uint256 payloadLength);
    /// @notice A batch became final: the bridge now pays its withdrawals.
    event BatchFinalized(uint256 indexed batchIndex);
    /// @notice Batches `fromIndex` up to the tip lost a game (the first) or were built on one that did.
    event BatchesRemoved(uint256 indexed fromIndex, uint256 count, uint256 epoch);
    event ChallengeOpened(
        uint256 indexed gameId,
        uint256 indexed batchIndex,
        address indexed challenger,
        bytes32 midClaim
    );
    /// @notice `mover` judged the last claim (agree: the dispute moved right) and claimed the new midpoint.
    event Moved(uint256 indexed gameId, Party mover, bool agree, uint256 lo, uint256 hi, bytes32 claim);
    /// @notice A game ended: by the one-step proof (`byStep`) or because the loser's clock ran out.
    event GameResolved(uint256 indexed gameId, Party winner, bool byStep);
    event GameCancelled(uint256 indexed gameId);
    /// @notice `defender`, bonded with CHALLENGER_BOND, took over the defending side of game `gameId` from the
    /// batch's silent proposer (and made its move in the same transaction).
    event DefenderJoined(uint256 indexed gameId, address indexed defender);
    /// @notice The defending side lost game `gameId` while `defender` held it: the batch stays, the
    /// defender's whole bond was burned, and the game was put back as it stood before
    /// the takeover (range (lo, hi], the proposer to move, the side vacant). It stays open.
    event DefenderLost(uint256 indexed gameId, address indexed defender, uint256 lo, uint256 hi);
    event BondCredited(address indexed account, uint256 amount);
    event BondBurned(uint256 amount);
    event CreditWithdrawn(address indexed account, uint256 amount);

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    /// @notice Config field `parameter` (named as in `Config`) cannot be `value` (an address as a number).
    error OptimisticInvalidConfig(string parameter, uint256 value);
    /// @notice `caller` is not a codeless `tx.origin` (a contract, or an EOA with EIP-7702 delegated code):
    /// its batch might not be its transaction's top-level calldata (see `commitBatch`).
    error OptimisticProposerNotCodelessOrigin(address caller);
    error OptimisticWrongBond(uint256 expected, uint256 sent);
    error OptimisticParentMismatch(uint256 parentIndex, bytes32 parentClaim, bytes32 named);
    error OptimisticEmptyBatch();
    error OptimisticBatchTooLarge(uint256 stepCount, uint256 maxSteps);
    /// @notice The claimed post-state has read `cursor` bytes of the batch's data, which has `length`.
    error OptimisticDataNotRead(uint256 length, uint256 cursor);
    /// @notice `commitBatchBlobs` was sent without blobs (not in a type-3 transaction).
    error OptimisticNoBlobs();
    /// @notice The first field element of the blob `versionedHash` is not `value` (the opening fails), or its
    /// header is not one Layer 1 reads: another version, an empty payload, or more than the blobs hold.
    error OptimisticBlobHeaderInvalid(bytes32 versionedHash, bytes32 value);
    /// @notice A step was proven for the other way of posting: `step` for calldata batches, `stepBlob` for
    /// blob batches (`inBlobs` is the batch's).
    error OptimisticWrongDataMode(uint256 gameId, bool inBlobs);
    /// @notice The versioned hashes and payload length shown are not the batch's.
    error OptimisticBlobDataMismatch(uint256 gameId);
    /// @notice `post.depositHead` is `named`, not the bridge's head `bridgeHead` after `depositCount`
    /// deposits.
    error OptimisticDepositQueueMismatch(bytes32 bridgeHead, bytes32 named);
    /// @notice The first deposit the batch left behind, queued at `timestamp`, is due since `dueSince`.
    error OptimisticDepositDue(uint64 timestamp, uint256 dueSince);
    error OptimisticUnknownBatch(uint256 batchIndex);
    error OptimisticBatchAlreadyFinal(uint256 batchIndex);
    error OptimisticChallengeWindowOpen(uint256 batchIndex, uint256 closesAt);
    error OptimisticChallengeWindowClosed(uint256 batchIndex, uint256 closedAt);
    error OptimisticGamesOpen(uint256 batchIndex, uint256 openGames);
    error OptimisticParentStateMismatch(uint256 batchIndex);
    error OptimisticMissingClaim(uint256 gameId);
    error OptimisticUnexpectedClaim(uint256 gameId);
    error OptimisticUnknownGame(uint256 gameId);
    error OptimisticGameNotOpen(uint256 gameId, GameStatus status);
    error OptimisticGameMoot(uint256 gameId);
    error OptimisticGameNotMoot(uint256 gameId);
    error OptimisticNotYourTurn(uint256 gameId, address expected, address caller);
    error OptimisticAwaitingStep(uint256 gameId);
    error OptimisticNotOneStep(uint256 gameId, uint256 lo, uint256 hi);
    error OptimisticClockExpired(uint256 gameId, Party side);
    error OptimisticClockRunning(uint256 gameId, uint256 expiresAt);
    error OptimisticStepNotInBatch(uint256 gameId, uint256 step);
    error OptimisticPreStateMismatch(uint256 gameId);
    error OptimisticAlreadyDefended(uint256 gameId, address defender);
    error OptimisticDefenceNotOpen(uint256 gameId, uint256 opensAt);
    error OptimisticProposerMustMove(uint256 gameId);
    error OptimisticNoCredit(address account);
    error OptimisticEthTransferFailed(address to, uint256 amount);

    // ---------------------------------------------------------------------------------------------
    // Batches
    // ---------------------------------------------------------------------------------------------

    /// @notice Commits a batch on top of the current tip, bonded with exactly `PROPOSER_BOND`.
    /// @dev The caller must be the transaction's sender (`tx.origin`) and have no code, so the batch is its
    /// transaction's own top-level calldata and any node rebuilds the state from Layer-1 transactions
    /// alone (a follower decodes the batch from the transaction's input). `msg.sender == tx.origin` alone
    /// no longer says so since EIP-7702: an EOA with delegated code (its code is the 23-byte designator
    /// 0xef0100 ‖ delegate) can send a transaction to itself whose code calls `commitBatch` with data the
    /// top-level calldata does not show. A codeless sender runs no code, so the only call it makes is the
    /// transaction's own, to this contract. A delegated EOA proposes after clearing its delegation
    /// (delegating to the zero address). Arbitrum's sequencer inbox keeps the same rule for the same reason.
    /// @param parentClaim The tip's claim: names the parent, so a batch never lands on a chain its
    /// proposer did not see.
    /// @param txs The batch's transactions back to back (see `Steps`); 1 to MAX_STEPS of them.
    /// @param post The state after the last step; `post.depositHead` must be the bridge queue's head after
    /// `depositCount` deposits.
    /// @param depositCount How many deposits of the bridge's queue the batch has consumed, all batches
    /// before it included. Deposits queued after it do not make the batch fail: the bridge remembers the
    /// heads of the last 256 counts (`IBridge.depositHeadAt`), and reverts by name for an older count. The
    /// first deposit left behind (deposit `depositCount`, if queued) must not be due yet: its timestamp,
    /// which the bridge keeps beside the heads (`IBridge.depositQueuedAt`), must be younger than the
    /// inclusion window, unless the batch is MAX_STEPS deposits. So a batch that consumed the whole queue
    /// it saw stays valid whatever is deposited after it, however long the rollup was idle.
    /// @param catchUp Usually empty. The deposits queued after the first `depositCount`, shown (not
    /// consumed) when the queue has run so far ahead that the bridge no longer remembers, or may forget
    /// before the batch lands, the head after `depositCount`: folded onto `post.depositHead` they must reach
    /// the head after `depositCount + catchUp.length`, and the first one's own timestamp is the age of the
    /// first deposit left behind. Without it a flood of more than MAX_STEPS + 256 deposits beyond the last
    /// consumed count would halt the rollup for good: no batch could name a count the bridge remembers.
    /// @return batchIndex The new batch's index.
    function commitBatch(
        bytes32 parentClaim,
        bytes calldata txs,
        Trace.State calldata post,
        uint64 depositCount,
        Deposit.Data[] calldata catchUp
    ) external payable returns (uint256 batchIndex);

    /// @notice Commits a batch whose transactions are in the blobs of this (type-3) transaction, bonded with
    /// exactly `PROPOSER_BOND`: the rollup records their versioned hashes (`BLOBHASH`) and the payload's
    /// length, which it reads from the stream's header (field element 0 of blob 0, opened with the
    /// point-evaluation precompile). The payload is the transactions back to back, as `commitBatch` takes
    /// them (`src/da/codec.ts` lays it out). Layer 1 does not read the rest at commit: a step of a dispute
    /// opens the field elements of its one transaction (`stepBlob`).
    /// @dev Anyone may call it from anywhere (no origin rule): BLOBHASH reads the transaction's own blobs at
    /// any call depth and everything else a follower needs is in this call's events (`BatchCommitted`,
    /// `BatchBlobs`). The other parameters are `commitBatch`'s, with two differences: the post-state's cursor
    /// must be the payload's length, and a blob batch never counts as full of deposits (Layer 1 cannot count
    /// them), so a queue with more than MAX_STEPS due deposits is drained with calldata batches.
    /// @param stepCount The steps the proposer claims the payload holds (1 to MAX_STEPS). Too few make its
    /// claim false (its post-state says it read the whole payload), and a game shows it; more are harmless:
    /// a step past the payload changes nothing (`IOneStepProver.executeFromBlobs`).
    /// @param header The stream's first field element and its KZG opening.
    function commitBatchBlobs(
        bytes32 parentClaim,
        Trace.State calldata post,
        uint64 depositCount,
        Deposit.Data[] calldata catchUp,
        uint256 stepCount,
        BlobPayload.Opening calldata header
    ) external payable returns (uint256 batchIndex);

    /// @notice Finalizes every batch up to `batchIndex` whose window has passed with no game open.
    /// Returns each finalized batch's bond to its proposer (as credit).
    function finalize(uint256 batchIndex) external;

    // ---------------------------------------------------------------------------------------------
    // The dispute game
    // ---------------------------------------------------------------------------------------------

    /// @notice Opens a game against batch `batchIndex`'s claim, bonded with exactly `CHALLENGER_BOND`.
    /// @param parentState The parent batch's post-state (from its BatchCommitted event).
    /// @param midClaim The challenger's claim about the state at the middle step; zero for a one-step batch.
    /// @return gameId The new game.
    function challenge(
        uint256 batchIndex,
        Trace.State calldata parentState,
        bytes32 midClaim
    ) external payable returns (uint256 gameId);

    /// @notice The side to move judges the last midpoint claim and claims the next midpoint.
    /// @param agree Whether the mover agrees with `midClaim` (the dispute moves right) or not (left).
    /// @param claim The mover's claim about the new range's midpoint; zero when one step is left.
    function move(uint256 gameId, bool agree, bytes32 claim) external;

    /// @notice Takes over the defending side of a game whose batch's proposer has left its move unplayed
    /// for at least half its remaining clock, bonded with exactly `CHALLENGER_BOND`, and makes that move.
    /// From then on only the caller (the game's defender) moves for the side, on the side's clock.
    /// @dev Why it is safe: the one-step proof decides every game, so a defender can rescue only a true
    /// claim, and a defender can never lose the batch: if the side loses while the defender holds it (its
    /// moves by `step`, or its clock by `timeout`), the defender's whole bond is burned (a share to the
    /// challenger would refund a saboteur whose sybil the challenger is) and the game is put back as it
    /// stood before the takeover, with the side vacant and the proposer's move as overdue as it was
    /// (`DefenderLost`): the proposer may move again and anyone may take the side over again at once. So a
    /// saboteur (the challenger's sybil) who takes over a true batch's defence and throws the game burns a
    /// whole bond per delay, and the batch stays; only the proposer's own side losing removes the batch.
    /// The bond does not grow with each loss: that would price honest defenders out (a saboteur burning
    /// 2^k - 1 bonds would make the next defence cost 2^k). The caller pays for the snapshot. Until half the
    /// clock has passed the proposer alone moves, so an online proposer's game cannot be taken from it.
    /// If the side wins, its winnings are split by moves made (see `Game`) and the defender's bond is
    /// returned.
    /// @param agree Whether the defender agrees with the challenger's `midClaim` (as in `move`).
    /// @param claim The defender's claim about the new range's midpoint; zero when one step is left.
    function defend(uint256 gameId, bool agree, bytes32 claim) external payable;

    /// @notice Re-executes the one step left in dispute; the side whose claim it confirms wins. Anyone
    /// may call it, while the side to move still has time. If it confirms the challenger while a defender
    /// holds the defending side, the defender loses (`DefenderLost`), not the batch; the game goes on.
    function step(uint256 gameId, StepProof calldata proof) external;

    /// @notice `step` for a batch posted in blobs: the transaction is read at the agreed state's cursor from
    /// field elements opened against the batch's versioned hashes, so no proposer can claim a transaction the
    /// blobs do not hold.
    function stepBlob(uint256 gameId, BlobStepProof calldata proof) external;

    /// @notice Ends a game whose side to move ran out of time: the other side wins. Anyone may call it. If
    /// the defending side ran out while a defender held it, the defender loses (`DefenderLost`), not the
    /// batch; the game goes on.
    function timeout(uint256 gameId) external;

    /// @notice Closes a game whose batch was removed by another game; the challenger's bond is returned, and
    /// the defender's if one joined.
    function cancel(uint256 gameId) external;

    /// @notice Pays the caller every bond credited to it.
    function withdrawCredit() external;

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    function batch(uint256 batchIndex) external view returns (Batch memory);

    /// @notice Batches in the chain, genesis included: the tip is `batchCount() - 1`.
    function batchCount() external view returns (uint256);

    function lastFinalizedIndex() external view returns (uint256);

    function game(uint256 gameId) external view returns (Game memory);

    function gameCount() external view returns (uint256);

    /// @notice The defender who holds game `gameId`'s defending side, or zero if its proposer plays it (none
    /// took it over, or the last one lost it: `DefenderLost`).
    function defender(uint256 gameId) external view returns (address);

    /// @notice Wei the account may withdraw with `withdrawCredit`.
    function credit(address account) external view returns (uint256);

    /// @notice Wei burned so far: held by this contract forever, owed to no one.
    function burned() external view returns (uint256);

    /// @notice The EIP-712 domain separator Layer-2 signatures are made for.
    function domainSeparator() external view returns (bytes32);
}
