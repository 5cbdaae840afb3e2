// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IAdjudicator} from "./interfaces/IAdjudicator.sol";
import {Channel} from "./lib/Channel.sol";
import {ChannelChecks} from "./lib/ChannelChecks.sol";
import {ChannelStatus, ChannelStatusLib} from "./lib/ChannelStatus.sol";
import {StateHash} from "./lib/StateHash.sol";
import {ChannelFunds} from "./ChannelFunds.sol";
import {SecretRegistry} from "./SecretRegistry.sol";

/// @title Adjudicator
/// @notice Settles payment channels by the newest state their participants signed (see `IAdjudicator`
/// and docs/channels.md), and is the secret registry their locks settle against.
/// @dev One status slot per channel (version | finalizesAt | 160-bit fingerprint) and one holdings slot
/// per (channel, asset), whose top bit marks the channel concluded. A state whose version is the floor
/// set by a partial withdrawal had its withdrawals paid already: it is registered with a tagged
/// fingerprint, and its withdrawals are neither counted nor paid again.
/// Conclusion is recorded in the holdings of every asset the concluded state allocates (so that a
/// deposit reads one slot), and the status slot is cleared once nothing is left to unlock: holdings of
/// an asset the final state did not allocate stay unmarked, and only a state all participants signed
/// that allocates nothing but such assets could still be registered for them. Marking the channel itself
/// would cost a status-slot write in every `close` (20,000 gas) and the clearing refund in `unlock`.
contract Adjudicator is ChannelFunds, SecretRegistry, EIP712 {
    /// @dev XORed into the fingerprint of a registered state whose withdrawals were already paid.
    uint160 private constant WITHDRAWALS_PAID_TAG = 1;

    mapping(bytes32 channelId => ChannelStatus) private _status;

    constructor() EIP712("Strata Channels", "1") {}

    // ---------------------------------------------------------------- funds

    /// @inheritdoc IAdjudicator
    function withdrawPartial(
        Channel.Params calldata channel,
        Channel.State calldata state,
        Channel.Signature[] calldata sigs
    ) external {
        (bytes32 id, ) = _checkSigned(channel, state, sigs);
        if (state.isFinal) revert AdjudicatorStateFinal(state.version);
        ChannelStatus s = _status[id];
        _requireUnchallenged(id, s);
        // INVARIANT: a state's withdrawals are honoured once: the floor rises past it.
        if (state.version <= s.version()) revert AdjudicatorStaleVersion(id, state.version, s.version());
        _requireCovered(id, state.allocations, Channel.totalsOf(state, false));
        _status[id] = ChannelStatusLib.pack(state.version, 0, 0);
        _debit(id, state.allocations, _withdrawalTotalsOf(state));
        emit PartialWithdrawal(id, state.version);
        _payWithdrawals(channel.participants, state);
    }

    // ---------------------------------------------------------------- settlement

    /// @inheritdoc IAdjudicator
    function close(
        Channel.Params calldata channel,
        Channel.State calldata state,
        Channel.Signature[] calldata sigs
    ) external {
        (bytes32 id, ) = _checkSigned(channel, state, sigs);
        if (!state.isFinal) revert AdjudicatorStateNotFinal(state.version);
        ChannelStatus s = _status[id];
        bool withdrawalsPaid = _checkClosable(id, s, state.version);
        _debitAndConclude(id, state.allocations, Channel.totalsOf(state, withdrawalsPaid));
        if (ChannelStatus.unwrap(s) != 0) _status[id] = ChannelStatus.wrap(0);
        emit ChannelClosed(id, state.version);
        _payOutState(channel.participants, state, withdrawalsPaid);
    }

    /// @inheritdoc IAdjudicator
    function register(
        Channel.Params calldata channel,
        Channel.State calldata state,
        Channel.Signature[] calldata sigs
    ) external {
        (bytes32 id, bytes32 digest) = _checkSigned(channel, state, sigs);
        ChannelStatus s = _status[id];
        _requireUnchallenged(id, s);
        // INVARIANT: nothing older than the version floor is ever registered.
        if (state.version < s.version()) revert AdjudicatorStaleVersion(id, state.version, s.version());
        bool withdrawalsPaid = s.version() != 0 && state.version == s.version();
        _requireCovered(id, state.allocations, Channel.totalsOf(state, withdrawalsPaid));
        uint32 finalizesAt = SafeCast.toUint32(block.timestamp + channel.challengeDuration);
        _status[id] = ChannelStatusLib.pack(
            state.version,
            finalizesAt,
            _fingerprintOf(digest, withdrawalsPaid)
        );
        emit ChallengeRegistered(id, state.version, finalizesAt);
    }

    /// @inheritdoc IAdjudicator
    function refute(
        Channel.Params calldata channel,
        Channel.State calldata state,
        Channel.Signature[] calldata sigs
    ) external {
        (bytes32 id, bytes32 digest) = _checkSigned(channel, state, sigs);
        ChannelStatus s = _status[id];
        uint32 finalizesAt = _requireWindowOpen(id, s);
        if (state.version <= s.version()) revert AdjudicatorStaleVersion(id, state.version, s.version());
        _requireCovered(id, state.allocations, Channel.totalsOf(state, false));
        // INVARIANT: the window is fixed at registration; a refutation never moves it.
        _status[id] = ChannelStatusLib.pack(state.version, finalizesAt, _fingerprintOf(digest, false));
        emit ChallengeRefuted(id, state.version);
    }

    /// @inheritdoc IAdjudicator
    function conclude(Channel.Params calldata channel, Channel.State calldata state) external {
        bytes32 id = Channel.idOf(channel);
        ChannelStatus s = _status[id];
        _requireWindowClosed(id, s);
        bool withdrawalsPaid = _matchRegistered(id, s, _digestOf(state));
        _debitAndConclude(id, state.allocations, Channel.totalsOf(state, withdrawalsPaid));
        _status[id] =
            state.locks.length == 0
                ? ChannelStatus.wrap(0)
                : ChannelStatusLib.pack(
                    state.version,
                    ChannelStatusLib.CONCLUDED,
                    _locksFingerprint(Channel.pendingLocksOf(channel, state))
                );
        emit ChannelConcluded(id, state.version);
        _payOutState(channel.participants, state, withdrawalsPaid);
    }

    /// @inheritdoc IAdjudicator
    function unlock(bytes32 channelId, Channel.PendingLock[] calldata locks) external {
        ChannelStatus s = _status[channelId];
        if (!s.isConcluded()) revert AdjudicatorNoPendingLocks(channelId);
        if (_recordedLocksFingerprint(locks) != s.fingerprint()) revert AdjudicatorLocksMismatch(channelId);
        // Every lock is decided before any is paid: a payee (or a token) could reveal a secret meanwhile.
        address[] memory paidTo = new address[](locks.length);
        uint256 settled;
        for (uint256 i = 0; i < locks.length; i++) {
            address to = _settlementOf(locks[i]);
            if (to == address(0)) continue;
            paidTo[i] = to;
            settled++;
        }
        if (settled == 0) revert AdjudicatorLocksPending(channelId);
        _status[channelId] =
            settled == locks.length
                ? ChannelStatus.wrap(0)
                : ChannelStatusLib.pack(
                    s.version(),
                    ChannelStatusLib.CONCLUDED,
                    _unsettledLocksFingerprint(locks, paidTo)
                );
        for (uint256 i = 0; i < locks.length; i++) {
            address to = paidTo[i];
            if (to == address(0)) continue;
            emit LockSettled(channelId, locks[i].hashlock, to);
            _payOut(locks[i].asset, to, locks[i].amount);
        }
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IAdjudicator
    function statusOf(
        bytes32 channelId
    ) external view returns (uint64 version, uint32 finalizesAt, uint160 fingerprint) {
        ChannelStatus s = _status[channelId];
        return (s.version(), s.finalizesAt(), s.fingerprint());
    }

    /// @inheritdoc IAdjudicator
    function stateDigest(Channel.State calldata state) external view returns (bytes32) {
        return _digestOf(state);
    }

    /// @inheritdoc IAdjudicator
    function channelIdOf(Channel.Params calldata channel) external pure returns (bytes32) {
        return Channel.idOf(channel);
    }

    // ---------------------------------------------------------------- checks

    /// @notice Checks `channel`, that `state` is a well-formed state of it and that every participant
    /// signed it; returns the channel id and the state's digest.
    function _checkSigned(
        Channel.Params calldata channel,
        Channel.State calldata state,
        Channel.Signature[] calldata sigs
    ) private view returns (bytes32 id, bytes32 digest) {
        id = ChannelChecks.checkedIdOf(channel);
        if (state.channelId != id) revert AdjudicatorWrongChannel(id, state.channelId);
        ChannelChecks.checkShape(state, channel.participants.length);
        digest = _digestOf(state);
        ChannelChecks.checkSignatures(channel.participants, digest, sigs);
    }

    /// @notice Reverts if a challenge is registered or the channel concluded with locks pending.
    function _requireUnchallenged(bytes32 id, ChannelStatus s) private pure {
        if (s.isConcluded()) revert AdjudicatorChannelConcluded(id);
        if (s.isChallenged()) revert AdjudicatorChallengeOngoing(id, s.finalizesAt());
    }

    /// @notice Reverts unless a challenge is registered and its window is open; returns its end.
    function _requireWindowOpen(bytes32 id, ChannelStatus s) private view returns (uint32 finalizesAt) {
        if (s.isConcluded()) revert AdjudicatorChannelConcluded(id);
        finalizesAt = s.finalizesAt();
        if (finalizesAt == 0) revert AdjudicatorNoChallenge(id);
        if (block.timestamp >= finalizesAt) revert AdjudicatorChallengeExpired(id, finalizesAt);
    }

    /// @notice Reverts unless a challenge is registered and its window has closed.
    function _requireWindowClosed(bytes32 id, ChannelStatus s) private view {
        if (s.isConcluded()) revert AdjudicatorChannelConcluded(id);
        uint32 finalizesAt = s.finalizesAt();
        if (finalizesAt == 0) revert AdjudicatorNoChallenge(id);
        if (block.timestamp < finalizesAt) revert AdjudicatorChallengeOngoing(id, finalizesAt);
    }

    /// @notice Checks that a final state of version `version` may close the channel: newer than a
    /// registered state whose window is open, or at least the version floor. Returns whether its
    /// withdrawals were already paid (its version is the floor).
    function _checkClosable(bytes32 id, ChannelStatus s, uint64 version) private view returns (bool) {
        if (s.isChallenged()) {
            _requireWindowOpen(id, s);
            if (version <= s.version()) revert AdjudicatorStaleVersion(id, version, s.version());
            return false;
        }
        _requireUnchallenged(id, s);
        if (version < s.version()) revert AdjudicatorStaleVersion(id, version, s.version());
        return s.version() != 0 && version == s.version();
    }

    /// @notice Checks that the state of `digest` is the registered one; returns whether its withdrawals
    /// were paid.
    function _matchRegistered(bytes32 id, ChannelStatus s, bytes32 digest) private pure returns (bool) {
        uint160 owed = _fingerprintOf(digest, false);
        if (s.fingerprint() == owed) return false;
        if (s.fingerprint() == owed ^ WITHDRAWALS_PAID_TAG) return true;
        revert AdjudicatorStateNotRegistered(id);
    }

    // ---------------------------------------------------------------- hashing

    function _digestOf(Channel.State calldata state) private view returns (bytes32) {
        return _hashTypedDataV4(StateHash.hashOf(state));
    }

    /// @notice The 160-bit fingerprint of a registered state, tagged if its withdrawals were paid.
    function _fingerprintOf(bytes32 digest, bool withdrawalsPaid) private pure returns (uint160) {
        uint160 fingerprint = uint160(uint256(digest));
        return withdrawalsPaid ? fingerprint ^ WITHDRAWALS_PAID_TAG : fingerprint;
    }

    function _locksFingerprint(Channel.PendingLock[] memory locks) private pure returns (uint160) {
        return uint160(uint256(keccak256(abi.encode(locks))));
    }

    /// @dev `_locksFingerprint` of calldata, hashed in place: the same bytes as `abi.encode(locks)` for
    /// canonically encoded locks (any other encoding cannot match a recorded fingerprint).
    function _recordedLocksFingerprint(
        Channel.PendingLock[] calldata locks
    ) private pure returns (uint160 fp) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let size := mul(locks.length, 0xc0)
            mstore(ptr, 0x20)
            mstore(add(ptr, 0x20), locks.length)
            calldatacopy(add(ptr, 0x40), locks.offset, size)
            fp := and(keccak256(ptr, add(size, 0x40)), 0xffffffffffffffffffffffffffffffffffffffff)
        }
    }

    // ---------------------------------------------------------------- payouts

    /// @notice Pays every participant its balances and, unless already paid, the state's withdrawals.
    function _payOutState(
        address[] calldata participants,
        Channel.State calldata state,
        bool withdrawalsPaid
    ) private {
        for (uint256 k = 0; k < state.allocations.length; k++) {
            address asset = state.allocations[k].asset;
            uint256[] calldata balances = state.allocations[k].balances;
            for (uint256 i = 0; i < balances.length; i++) _payOut(asset, participants[i], balances[i]);
        }
        if (!withdrawalsPaid) _payWithdrawals(participants, state);
    }

    function _payWithdrawals(address[] calldata participants, Channel.State calldata state) private {
        for (uint256 i = 0; i < state.withdrawals.length; i++) {
            Channel.Withdrawal calldata w = state.withdrawals[i];
            _payOut(state.allocations[w.asset].asset, participants[w.participant], w.amount);
        }
    }

    /// @notice What the state's withdrawals take out of each allocation.
    function _withdrawalTotalsOf(
        Channel.State calldata state
    ) private pure returns (uint256[] memory totals) {
        totals = new uint256[](state.allocations.length);
        for (uint256 i = 0; i < state.withdrawals.length; i++) {
            totals[state.withdrawals[i].asset] += state.withdrawals[i].amount;
        }
    }

    // ---------------------------------------------------------------- locks

    /// @notice The receiver if the secret was revealed by the deadline, the sender once the deadline has
    /// passed without it, address(0) while neither holds.
    function _settlementOf(Channel.PendingLock calldata lock) private view returns (address) {
        uint256 revealed = _revealTimeOf(lock.hashlock);
        if (revealed != 0 && revealed <= lock.deadline) return lock.receiver;
        if (block.timestamp > lock.deadline) return lock.sender;
        return address(0);
    }

    /// @notice `_locksFingerprint` of the locks this settlement does not pay, in order: their calldata
    /// (checked against the recorded fingerprint, so canonically encoded) copied and hashed in place.
    function _unsettledLocksFingerprint(
        Channel.PendingLock[] calldata locks,
        address[] memory paidTo
    ) private pure returns (uint160 fp) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let next := add(ptr, 0x40)
            for {
                let i := 0
            } lt(i, locks.length) {
                i := add(i, 1)
            } {
                if iszero(mload(add(paidTo, mul(add(i, 1), 0x20)))) {
                    calldatacopy(next, add(locks.offset, mul(i, 0xc0)), 0xc0)
                    next := add(next, 0xc0)
                }
            }
            mstore(ptr, 0x20)
            mstore(add(ptr, 0x20), div(sub(next, add(ptr, 0x40)), 0xc0))
            fp := and(keccak256(ptr, sub(next, ptr)), 0xffffffffffffffffffffffffffffffffffffffff)
        }
    }
}
