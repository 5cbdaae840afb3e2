// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Steps} from "./lib/Steps.sol";
import {Trace} from "./lib/Trace.sol";
import {IOptimisticRollup} from "./interfaces/IOptimisticRollup.sol";
import {BatchChain} from "./BatchChain.sol";

/// @title DisputeGame
/// @notice The bisection game between a batch's proposer and one challenger. Each move judges the
/// opponent's last midpoint claim (agree: the dispute moves right; disagree: it moves left) and claims
/// the new midpoint, so the disputed range halves with every transaction. At one step, `step`
/// re-executes it on Layer 1; the side whose claim it confirms wins. Each side has its own clock. The
/// batch's side is its proposer's to play; a bonded defender may take it over from a silent proposer
/// (`defend`), so a true batch survives its proposer going offline; a defender who loses forfeits its bond,
/// never the batch (the game is restored to before its takeover).
/// @dev Why the honest side always wins: it only ever agrees with true claims and claims true states,
/// so rootLo is always true, and rootHi is true exactly when the honest side claims it. The step from a
/// true rootLo then confirms rootHi exactly when the honest side holds it. Games against one batch are
/// independent: a dishonest challenger's loss never ends an honest challenger's game.
abstract contract DisputeGame is BatchChain, EIP712 {
    Game[] private _games;
    /// @dev Set by `defend`, cleared when the defender loses; read only when `defenderMoves != 0`.
    mapping(uint256 gameId => address defender) private _defenders;
    /// @dev The game as it stood just before its defender took it over, kept while a defender holds the
    /// side, except that `lastMoveAt` holds the seconds the proposer's clock had run for its pending move
    /// (its elapsed time, not a timestamp). Written by `defend` (paid by the defender), read by `_restore`.
    mapping(uint256 gameId => Game snapshot) private _snapshots;

    /// @inheritdoc IOptimisticRollup
    function challenge(
        uint256 batchIndex,
        Trace.State calldata parentState,
        bytes32 midClaim
    ) external payable returns (uint256 gameId) {
        Chain memory chain = _chain;
        if (batchIndex == 0 || batchIndex >= chain.batchCount) revert OptimisticUnknownBatch(batchIndex);
        if (batchIndex <= chain.lastFinalized) revert OptimisticBatchAlreadyFinal(batchIndex);
        Batch storage b = _batches[batchIndex];
        uint256 closesAt = b.committedAt + CHALLENGE_WINDOW;
        // INVARIANT: a claim can be challenged only within its window, so finality is never reopened.
        if (block.timestamp >= closesAt) revert OptimisticChallengeWindowClosed(batchIndex, closesAt);
        if (msg.value != CHALLENGER_BOND) revert OptimisticWrongBond(CHALLENGER_BOND, msg.value);
        if (Trace.claim(parentState) != _batches[batchIndex - 1].claim) {
            revert OptimisticParentStateMismatch(batchIndex);
        }
        gameId = _games.length;
        _requireClaimIff(gameId, b.stepCount > 1, midClaim);

        // INVARIANT: no cap on the games against a batch: whoever disagrees with its claim may always
        // challenge it within the window, however many games others hold open.
        b.openGames += 1;
        _games.push(
            Game({
                batchIndex: uint64(batchIndex),
                batchEpoch: b.epoch,
                challenger: msg.sender,
                status: GameStatus.Open,
                lo: 0,
                hi: b.stepCount,
                turn: Party.Proposer,
                hiClaimant: Party.Proposer,
                lastMoveAt: uint40(block.timestamp),
                proposerClock: uint40(GAME_CLOCK),
                challengerClock: uint40(GAME_CLOCK),
                proposerMoves: 0,
                defenderMoves: 0,
                rootLo: Trace.claim(Trace.start(parentState)),
                rootHi: b.claim,
                midClaim: midClaim
            })
        );
        emit ChallengeOpened(gameId, batchIndex, msg.sender, midClaim);
    }

    /// @inheritdoc IOptimisticRollup
    function move(uint256 gameId, bool agree, bytes32 claim) external {
        Game storage g = _liveGame(gameId);
        Party mover = g.turn;
        address expected = g.challenger;
        if (mover == Party.Proposer) {
            // INVARIANT: one player per side at a time: once a defender took the side over, only it moves.
            expected = g.defenderMoves == 0 ? _batches[g.batchIndex].proposer : _defenders[gameId];
        }
        if (msg.sender != expected) revert OptimisticNotYourTurn(gameId, expected, msg.sender);
        _play(gameId, g, mover, agree, claim);
        if (mover == Party.Proposer) {
            if (g.defenderMoves == 0) g.proposerMoves += 1;
            else g.defenderMoves += 1;
        }
    }

    /// @inheritdoc IOptimisticRollup
    function defend(uint256 gameId, bool agree, bytes32 claim) external payable {
        Game storage g = _liveGame(gameId);
        if (g.turn != Party.Proposer) revert OptimisticNotYourTurn(gameId, g.challenger, msg.sender);
        if (g.defenderMoves != 0) revert OptimisticAlreadyDefended(gameId, _defenders[gameId]);
        if (msg.sender == _batches[g.batchIndex].proposer) revert OptimisticProposerMustMove(gameId);
        uint256 opensAt = uint256(g.lastMoveAt) + g.proposerClock / 2;
        // INVARIANT: the side is taken from its proposer only after it has left this move unplayed for
        // half its remaining clock, so an online proposer always plays its own game.
        if (block.timestamp < opensAt) revert OptimisticDefenceNotOpen(gameId, opensAt);
        if (msg.value != CHALLENGER_BOND) revert OptimisticWrongBond(CHALLENGER_BOND, msg.value);
        // INVARIANT: a defender can lose only its own bond, never the batch: the game as it was before
        // its move is kept, and restored if the defender loses (see `_restore`).
        _snapshots[gameId] = g;
        _snapshots[gameId].lastMoveAt = uint40(block.timestamp - g.lastMoveAt);
        _play(gameId, g, Party.Proposer, agree, claim);
        _defenders[gameId] = msg.sender;
        g.defenderMoves = 1;
        emit DefenderJoined(gameId, msg.sender);
    }

    /// @inheritdoc IOptimisticRollup
    function step(uint256 gameId, StepProof calldata proof) external {
        (Game storage g, Batch storage b) = _oneStepLeft(gameId, false);
        // INVARIANT: the step re-executed is the batch's own transaction lo, from the agreed state.
        if (!Steps.contains(b.txRoot, b.stepCount, g.lo, proof.transaction, proof.txProof)) {
            revert OptimisticStepNotInBatch(gameId, g.lo);
        }
        if (Trace.claim(proof.pre) != g.rootLo) revert OptimisticPreStateMismatch(gameId);
        Trace.State memory post = PROVER.execute(
            _domainSeparatorV4(),
            proof.pre,
            proof.transaction,
            proof.witness
        );
        _resolveStep(gameId, g, post);
    }

    /// @inheritdoc IOptimisticRollup
    function stepBlob(uint256 gameId, BlobStepProof calldata proof) external {
        (Game storage g, Batch storage b) = _oneStepLeft(gameId, true);
        if (keccak256(abi.encode(proof.versionedHashes, proof.payloadLength)) != b.txRoot) {
            revert OptimisticBlobDataMismatch(gameId);
        }
        if (Trace.claim(proof.pre) != g.rootLo) revert OptimisticPreStateMismatch(gameId);
        // INVARIANT: the step re-executed is the transaction the batch's blobs hold at the agreed cursor.
        Trace.State memory post = PROVER.executeFromBlobs(
            _domainSeparatorV4(),
            proof.pre,
            proof.versionedHashes,
            proof.payloadLength,
            proof.openings,
            proof.witness
        );
        _resolveStep(gameId, g, post);
    }

    /// @inheritdoc IOptimisticRollup
    function timeout(uint256 gameId) external {
        Game storage g = _liveGame(gameId);
        uint256 expiresAt = uint256(g.lastMoveAt) + _clockOf(g, g.turn);
        // INVARIANT: a side loses on time only once its own clock has run out.
        if (block.timestamp <= expiresAt) revert OptimisticClockRunning(gameId, expiresAt);
        _resolve(gameId, g, _other(g.turn), false);
    }

    /// @inheritdoc IOptimisticRollup
    function cancel(uint256 gameId) external {
        Game storage g = _openGame(gameId);
        if (_isLive(g.batchIndex, g.batchEpoch)) revert OptimisticGameNotMoot(gameId);
        g.status = GameStatus.Cancelled;
        _credit(g.challenger, CHALLENGER_BOND);
        if (g.defenderMoves != 0) _credit(_defenders[gameId], CHALLENGER_BOND);
        emit GameCancelled(gameId);
    }

    /// @inheritdoc IOptimisticRollup
    function game(uint256 gameId) external view returns (Game memory) {
        if (gameId >= _games.length) revert OptimisticUnknownGame(gameId);
        return _games[gameId];
    }

    /// @inheritdoc IOptimisticRollup
    function gameCount() external view returns (uint256) {
        return _games.length;
    }

    /// @inheritdoc IOptimisticRollup
    function defender(uint256 gameId) external view returns (address) {
        if (gameId >= _games.length) revert OptimisticUnknownGame(gameId);
        return _defenders[gameId];
    }

    /// @inheritdoc IOptimisticRollup
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @dev A live game down to one step, on time, against a batch posted the way the step reads it.
    function _oneStepLeft(
        uint256 gameId,
        bool inBlobs
    ) private view returns (Game storage g, Batch storage b) {
        g = _liveGame(gameId);
        if (g.hi - g.lo != 1) revert OptimisticNotOneStep(gameId, g.lo, g.hi);
        _timeLeft(gameId, g);
        b = _batches[g.batchIndex];
        if (b.inBlobs != inBlobs) revert OptimisticWrongDataMode(gameId, b.inBlobs);
    }

    /// @dev The side whose claim about the state after the step the re-execution confirms wins.
    function _resolveStep(uint256 gameId, Game storage g, Trace.State memory post) private {
        Party hiClaimant = g.hiClaimant;
        _resolve(gameId, g, Trace.claim(post) == g.rootHi ? hiClaimant : _other(hiClaimant), true);
    }

    /// @dev The move both `move` and `defend` make for `mover`: judge the last midpoint claim, claim the next.
    function _play(uint256 gameId, Game storage g, Party mover, bool agree, bytes32 claim) private {
        uint256 lo = g.lo;
        uint256 hi = g.hi;
        if (hi - lo == 1) revert OptimisticAwaitingStep(gameId);
        uint40 timeLeft = _timeLeft(gameId, g);

        uint256 mid = (lo + hi) / 2;
        if (agree) {
            lo = mid;
            g.lo = uint16(mid);
            g.rootLo = g.midClaim;
        } else {
            // The midpoint was the opponent's claim; the mover now disputes it as the range's new end.
            hi = mid;
            g.hi = uint16(mid);
            g.rootHi = g.midClaim;
            g.hiClaimant = _other(mover);
        }
        _requireClaimIff(gameId, hi - lo > 1, claim);
        g.midClaim = claim;
        if (mover == Party.Proposer) g.proposerClock = timeLeft;
        else g.challengerClock = timeLeft;
        g.turn = _other(mover);
        g.lastMoveAt = uint40(block.timestamp);
        emit Moved(gameId, mover, agree, lo, hi, claim);
    }

    /// @dev Pays out a game in O(1): the loser's bond goes to the winner, less the burnt share. A batch
    /// that loses its proposer's own game is removed with everything built on it. A defender's bond is one
    /// more bond of the defending side: returned with a share of the winnings if the side wins; if the
    /// side loses while the defender holds it, only the defender's bond is lost (`_restore`).
    function _resolve(uint256 gameId, Game storage g, Party winner, bool byStep) private {
        uint256 batchIndex = g.batchIndex;
        uint256 defenderMoves = g.defenderMoves;
        uint256 burnt = (CHALLENGER_BOND * BURN_PERCENT) / 100;
        if (winner == Party.Challenger) {
            if (defenderMoves != 0) {
                _restore(gameId);
                return;
            }
            g.status = GameStatus.ChallengerWon;
            uint256 winnings = _removeFrom(batchIndex);
            _credit(g.challenger, CHALLENGER_BOND + winnings);
        } else {
            g.status = GameStatus.ProposerWon;
            Batch storage b = _batches[batchIndex];
            b.openGames -= 1;
            _burn(burnt);
            uint256 winnings = CHALLENGER_BOND - burnt;
            if (defenderMoves == 0) {
                _credit(b.proposer, winnings);
            } else {
                // INVARIANT: the winning side's share goes to those who made its moves, move for move.
                uint256 toDefender = (winnings * defenderMoves) / (defenderMoves + g.proposerMoves);
                _credit(_defenders[gameId], CHALLENGER_BOND + toDefender);
                if (winnings > toDefender) _credit(b.proposer, winnings - toDefender);
            }
        }
        emit GameResolved(gameId, winner, byStep);
    }

    /// @dev A defender lost the side it took over: its whole bond is burned (none goes to the challenger,
    /// who is as likely as not the saboteur's own sybil: a share would refund half its sabotage), and the
    /// game goes back to how it stood before the takeover, with the side vacant,
    /// both clocks as they were then and the proposer's pending move as long overdue as it was then: the
    /// proposer may move again, and another defender may take over at once. The game stays open.
    /// INVARIANT: only the proposer's own side losing (its own moves or its own clock) removes a batch, so
    /// a saboteur who takes over a true batch's defence and throws the game loses its bond, not the batch.
    function _restore(uint256 gameId) private {
        address lost = _defenders[gameId];
        Game memory snapshot = _snapshots[gameId];
        // The snapshot's lastMoveAt holds the elapsed time of the proposer's pending move at the takeover.
        snapshot.lastMoveAt = uint40(block.timestamp - snapshot.lastMoveAt);
        _games[gameId] = snapshot;
        delete _defenders[gameId];
        delete _snapshots[gameId];
        // INVARIANT: a thrown defence costs its thrower a whole bond, whoever the challenger is.
        _burn(CHALLENGER_BOND);
        emit DefenderLost(gameId, lost, snapshot.lo, snapshot.hi);
    }

    function _openGame(uint256 gameId) private view returns (Game storage g) {
        if (gameId >= _games.length) revert OptimisticUnknownGame(gameId);
        g = _games[gameId];
        if (g.status != GameStatus.Open) revert OptimisticGameNotOpen(gameId, g.status);
    }

    /// @dev An open game whose batch is still in the chain.
    function _liveGame(uint256 gameId) private view returns (Game storage g) {
        g = _openGame(gameId);
        if (!_isLive(g.batchIndex, g.batchEpoch)) revert OptimisticGameMoot(gameId);
    }

    /// @dev The side to move's time left after this action; reverts if it has run out.
    function _timeLeft(uint256 gameId, Game storage g) private view returns (uint40) {
        uint256 elapsed = block.timestamp - g.lastMoveAt;
        uint256 clock = _clockOf(g, g.turn);
        // INVARIANT: a side that has run out of time can no longer act; only `timeout` ends the game.
        if (elapsed > clock) revert OptimisticClockExpired(gameId, g.turn);
        return uint40(clock - elapsed);
    }

    function _clockOf(Game storage g, Party side) private view returns (uint256) {
        return side == Party.Proposer ? g.proposerClock : g.challengerClock;
    }

    /// @dev A claim is required while the range is wider than one step, and forbidden once it is not.
    function _requireClaimIff(uint256 gameId, bool required, bytes32 claim) private pure {
        if (required && claim == bytes32(0)) revert OptimisticMissingClaim(gameId);
        if (!required && claim != bytes32(0)) revert OptimisticUnexpectedClaim(gameId);
    }

    function _other(Party side) private pure returns (Party) {
        return side == Party.Proposer ? Party.Challenger : Party.Proposer;
    }
}
