// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title Channel
/// @notice The payment-channel data model of docs/channels.md: a channel's fixed parameters, the signed
/// state, and the locks a concluded state leaves behind. Mirrored field for field by
/// `src/channels/types.ts`.
library Channel {
    /// @notice The fixed part of a channel (EIP-712 `Channel`); its hash is the channel id.
    struct Params {
        address[] participants; // 2..MAX_PARTICIPANTS, distinct, non-zero
        uint64 nonce;
        uint32 challengeDuration; // seconds, 1..MAX_CHALLENGE_DURATION
    }

    /// @notice One asset's split among the participants; `asset` address(0) is ETH.
    struct Allocation {
        address asset;
        uint256[] balances; // one per participant, in participant order
    }

    /// @notice A hash-time lock: `amount` of allocation `asset` goes from participant `sender` to `receiver`
    /// if the preimage of `hashlock` is revealed at or before `deadline`, back to `sender` otherwise.
    struct Lock {
        bytes32 hashlock;
        uint64 deadline;
        uint8 asset;
        uint8 sender;
        uint8 receiver;
        uint256 amount;
    }

    /// @notice An amount of allocation `asset` paid out to `participant` by the state carrying it.
    struct Withdrawal {
        uint8 asset;
        uint8 participant;
        uint256 amount;
    }

    /// @notice The signed, changing part of a channel (EIP-712 `State`).
    struct State {
        bytes32 channelId;
        uint64 version;
        bool isFinal; // closes the channel; a final state has no locks
        Allocation[] allocations;
        Lock[] locks; // amounts held out of the balances
        Withdrawal[] withdrawals; // amounts paid out, not in the balances
    }

    /// @notice EIP-2098 compact signature: r and (yParity << 255 | s).
    struct Signature {
        bytes32 r;
        bytes32 yParityAndS;
    }

    /// @notice A lock as recorded when its channel concludes: indices resolved to addresses, so that
    /// `unlock` needs neither the channel's parameters nor its state.
    struct PendingLock {
        bytes32 hashlock;
        uint64 deadline;
        address asset;
        address sender;
        address receiver;
        uint256 amount;
    }

    uint256 internal constant MIN_PARTICIPANTS = 2;
    uint256 internal constant MAX_PARTICIPANTS = 8;
    uint32 internal constant MAX_CHALLENGE_DURATION = 365 days;

    /// @notice `keccak256(abi.encode(participants, nonce, challengeDuration))`.
    function idOf(Params calldata params) internal pure returns (bytes32) {
        return keccak256(abi.encode(params.participants, params.nonce, params.challengeDuration));
    }

    /// @notice The locks `state` leaves when it concludes, in its order, with addresses for indices.
    function pendingLocksOf(
        Params calldata params,
        State calldata state
    ) internal pure returns (PendingLock[] memory pending) {
        pending = new PendingLock[](state.locks.length);
        for (uint256 i = 0; i < pending.length; i++) {
            Lock calldata lock = state.locks[i];
            pending[i] = PendingLock({
                hashlock: lock.hashlock,
                deadline: lock.deadline,
                asset: state.allocations[lock.asset].asset,
                sender: params.participants[lock.sender],
                receiver: params.participants[lock.receiver],
                amount: lock.amount
            });
        }
    }

    /// @notice What `state` takes out of each allocation's holdings: balances, locks and, unless they were
    /// already paid by a partial withdrawal, withdrawals. Indices must have been checked.
    function totalsOf(
        State calldata state,
        bool withdrawalsPaid
    ) internal pure returns (uint256[] memory totals) {
        totals = new uint256[](state.allocations.length);
        for (uint256 k = 0; k < totals.length; k++) {
            uint256[] calldata balances = state.allocations[k].balances;
            for (uint256 i = 0; i < balances.length; i++) totals[k] += balances[i];
        }
        for (uint256 i = 0; i < state.locks.length; i++)
            totals[state.locks[i].asset] += state.locks[i].amount;
        if (withdrawalsPaid) return totals;
        for (uint256 i = 0; i < state.withdrawals.length; i++) {
            totals[state.withdrawals[i].asset] += state.withdrawals[i].amount;
        }
    }
}
