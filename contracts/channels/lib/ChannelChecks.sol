// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IAdjudicator} from "../interfaces/IAdjudicator.sol";
import {Channel} from "./Channel.sol";

/// @title ChannelChecks
/// @notice The well-formedness rules of docs/channels.md for channel parameters, states and signatures,
/// reverting with the adjudicator's errors.
library ChannelChecks {
    /// @notice The id of `params`, after checking 2..8 distinct non-zero participants and a bounded window.
    function checkedIdOf(Channel.Params calldata params) internal pure returns (bytes32) {
        address[] calldata participants = params.participants;
        uint256 n = participants.length;
        if (n < Channel.MIN_PARTICIPANTS || n > Channel.MAX_PARTICIPANTS) {
            revert IAdjudicator.AdjudicatorInvalidParticipantCount(n);
        }
        for (uint256 i = 0; i < n; i++) {
            if (participants[i] == address(0))
                revert IAdjudicator.AdjudicatorInvalidParticipant(i, address(0));
            for (uint256 j = 0; j < i; j++) {
                if (participants[j] == participants[i]) {
                    revert IAdjudicator.AdjudicatorInvalidParticipant(i, participants[i]);
                }
            }
        }
        uint32 duration = params.challengeDuration;
        if (duration == 0 || duration > Channel.MAX_CHALLENGE_DURATION) {
            revert IAdjudicator.AdjudicatorInvalidChallengeDuration(duration);
        }
        return Channel.idOf(params);
    }

    /// @notice Checks that `state` allocates at least one asset, each once, with one balance per participant;
    /// that every lock and withdrawal index points inside it; and that a final state has no locks.
    function checkShape(Channel.State calldata state, uint256 n) internal pure {
        uint256 assets = state.allocations.length;
        if (assets == 0) revert IAdjudicator.AdjudicatorInvalidAllocation(0);
        for (uint256 k = 0; k < assets; k++) {
            if (state.allocations[k].balances.length != n)
                revert IAdjudicator.AdjudicatorInvalidAllocation(k);
            for (uint256 j = 0; j < k; j++) {
                // INVARIANT: an asset is allocated once, so holdings are never promised twice.
                if (state.allocations[j].asset == state.allocations[k].asset) {
                    revert IAdjudicator.AdjudicatorInvalidAllocation(k);
                }
            }
        }
        if (state.isFinal && state.locks.length != 0) {
            revert IAdjudicator.AdjudicatorFinalStateWithLocks(state.version);
        }
        for (uint256 i = 0; i < state.locks.length; i++) {
            Channel.Lock calldata lock = state.locks[i];
            if (
                lock.asset >= assets || lock.sender >= n || lock.receiver >= n || lock.sender == lock.receiver
            ) {
                revert IAdjudicator.AdjudicatorInvalidLock(i);
            }
        }
        for (uint256 i = 0; i < state.withdrawals.length; i++) {
            Channel.Withdrawal calldata w = state.withdrawals[i];
            if (w.asset >= assets || w.participant >= n) revert IAdjudicator.AdjudicatorInvalidWithdrawal(i);
        }
    }

    /// @notice Checks that signature i recovers to participant i, for every participant.
    function checkSignatures(
        address[] calldata participants,
        bytes32 digest,
        Channel.Signature[] calldata sigs
    ) internal pure {
        if (sigs.length != participants.length) {
            revert IAdjudicator.AdjudicatorInvalidSignatureCount(participants.length, sigs.length);
        }
        for (uint256 i = 0; i < sigs.length; i++) {
            (address signer, , ) = ECDSA.tryRecover(digest, sigs[i].r, sigs[i].yParityAndS);
            if (signer != participants[i]) revert IAdjudicator.AdjudicatorInvalidSignature(i, signer);
        }
    }
}
