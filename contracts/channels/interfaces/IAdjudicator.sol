// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Channel} from "../lib/Channel.sol";
import {ISecretRegistry} from "./ISecretRegistry.sol";

/// @title IAdjudicator
/// @notice Holds the funds of payment channels among 2..8 participants (ETH and ERC-20, several assets
/// per channel) and settles them by the newest state all participants signed (docs/channels.md):
/// `close` with a final state at once, or `register` / `refute` / `conclude` through a challenge window
/// fixed at registration. Partial withdrawals, top-ups and hash-time locks are supported; the
/// adjudicator is its own `ISecretRegistry`, where the secrets of locks are revealed. Payouts are pushed;
/// a payee that cannot receive is credited and pulls with `withdraw`.
/// @dev Trust: none in the participants. A participant is safe if it (or its watchtower) refutes a stale
/// registered state within the challenge window; a stale state nobody refutes is concluded as is.
/// States are EIP-712 signed over ("Strata Channels", "1", chain id, this contract) and bind the channel
/// id, so a signature is worthless for another channel, chain or adjudicator. A state is accepted only
/// if the channel holds enough of every asset it allocates, so payouts never exceed holdings.
interface IAdjudicator is ISecretRegistry {
    // ---------------------------------------------------------------- errors

    /// @notice A channel needs 2 to 8 participants.
    error AdjudicatorInvalidParticipantCount(uint256 count);
    /// @notice Participant `index` is the zero address or repeats an earlier one.
    error AdjudicatorInvalidParticipant(uint256 index, address participant);
    /// @notice The challenge duration is zero or above the maximum.
    error AdjudicatorInvalidChallengeDuration(uint32 challengeDuration);
    /// @notice The state names channel `actual`, not `expected` (the id of the parameters given).
    error AdjudicatorWrongChannel(bytes32 expected, bytes32 actual);
    /// @notice Allocation `index` is missing (a state allocates at least one asset), has not one balance
    /// per participant, or repeats an earlier asset.
    error AdjudicatorInvalidAllocation(uint256 index);
    /// @notice Lock `index` names an unknown asset or participant, or pays its sender.
    error AdjudicatorInvalidLock(uint256 index);
    /// @notice Withdrawal `index` names an unknown asset or participant.
    error AdjudicatorInvalidWithdrawal(uint256 index);
    /// @notice A final state must not carry locks.
    error AdjudicatorFinalStateWithLocks(uint64 version);
    /// @notice `close` needs a final state.
    error AdjudicatorStateNotFinal(uint64 version);
    /// @notice `withdrawPartial` needs a non-final state (a final one is closed with `close`).
    error AdjudicatorStateFinal(uint64 version);
    /// @notice One signature per participant is needed.
    error AdjudicatorInvalidSignatureCount(uint256 expected, uint256 actual);
    /// @notice Signature `index` recovers to `signer`, not to participant `index`.
    error AdjudicatorInvalidSignature(uint256 index, address signer);
    /// @notice The channel does not hold what the state allocates of `asset`.
    error AdjudicatorUnderfunded(bytes32 channelId, address asset, uint256 required, uint256 held);
    /// @notice The deposit race guard: the channel holds `held` of `asset`, not `expectedHeld`.
    error AdjudicatorUnexpectedHoldings(bytes32 channelId, address asset, uint256 expectedHeld, uint256 held);
    /// @notice `deposit` takes ERC-20 tokens; ETH goes through `depositEth`.
    error AdjudicatorInvalidDepositAsset(address asset);
    /// @notice The deposit would take the channel's holdings of `asset` past `HoldingLib.MAX_AMOUNT`.
    error AdjudicatorHoldingsOverflow(bytes32 channelId, address asset);
    /// @notice The channel has concluded: it takes no deposits and no states.
    error AdjudicatorChannelConcluded(bytes32 channelId);
    /// @notice A challenge is registered and its window closes at `finalizesAt`.
    error AdjudicatorChallengeOngoing(bytes32 channelId, uint256 finalizesAt);
    /// @notice The challenge window closed at `finalizesAt`: the registered state stands.
    error AdjudicatorChallengeExpired(bytes32 channelId, uint256 finalizesAt);
    /// @notice No challenge is registered for the channel.
    error AdjudicatorNoChallenge(bytes32 channelId);
    /// @notice `version` is not newer than `latest`, the newest version the channel saw on chain.
    error AdjudicatorStaleVersion(bytes32 channelId, uint64 version, uint64 latest);
    /// @notice The state given is not the registered one.
    error AdjudicatorStateNotRegistered(bytes32 channelId);
    /// @notice The channel has no locks waiting to be settled.
    error AdjudicatorNoPendingLocks(bytes32 channelId);
    /// @notice The locks given are not the ones the channel recorded.
    error AdjudicatorLocksMismatch(bytes32 channelId);
    /// @notice No lock can be settled yet: none was revealed in time and no deadline has passed.
    error AdjudicatorLocksPending(bytes32 channelId);
    /// @notice `account` has no credit in `asset`.
    error AdjudicatorNothingToWithdraw(address asset, address account);
    /// @notice Paying `amount` of `asset` to `to` failed.
    error AdjudicatorPayoutFailed(address asset, address to, uint256 amount);

    // ---------------------------------------------------------------- events

    /// @notice A deposit of `asset` arrived in the channel, which now holds `held` of it (the amount is
    /// `held` less the depositor's `expectedHeld`).
    event Deposited(bytes32 indexed channelId, address asset, uint256 held);
    /// @notice The channel was closed with final state `version` and paid out.
    event ChannelClosed(bytes32 indexed channelId, uint64 version);
    /// @notice State `version` was registered; it can be refuted until `finalizesAt`.
    event ChallengeRegistered(bytes32 indexed channelId, uint64 version, uint256 finalizesAt);
    /// @notice The registered state was replaced by the newer state `version` (the window did not move).
    event ChallengeRefuted(bytes32 indexed channelId, uint64 version);
    /// @notice The registered state `version` was paid out after its window; its locks await `unlock`.
    event ChannelConcluded(bytes32 indexed channelId, uint64 version);
    /// @notice The withdrawals of state `version` were paid; older states can no longer be registered.
    event PartialWithdrawal(bytes32 indexed channelId, uint64 version);
    /// @notice Lock `hashlock` was settled: its amount went to `paidTo` (its receiver or its sender).
    event LockSettled(bytes32 indexed channelId, bytes32 hashlock, address paidTo);
    /// @notice A push payout to `to` failed; `amount` of `asset` was credited for `withdraw` instead.
    event PayoutCredited(address indexed asset, address indexed to, uint256 amount);
    /// @notice `account` withdrew its credit of `asset` to `to`.
    event CreditWithdrawn(address indexed asset, address indexed account, address to, uint256 amount);

    // ---------------------------------------------------------------- funds

    /// @notice Adds the ETH sent to the channel's holdings, if it holds exactly `expectedHeld` of ETH.
    /// @dev Allowed until the channel concludes.
    /// @param channelId The channel (see `channelIdOf`).
    /// @param expectedHeld The ETH holdings the depositor expects before its deposit (the race guard).
    function depositEth(bytes32 channelId, uint256 expectedHeld) external payable;

    /// @notice Adds `amount` of the ERC-20 `asset` to the channel's holdings, if it holds exactly
    /// `expectedHeld` of it.
    /// @dev Approve first; the channel is credited with what arrives (less than `amount` for a
    /// fee-on-transfer token). Allowed until the channel concludes. ETH goes through `depositEth`.
    /// @param channelId The channel (see `channelIdOf`).
    /// @param asset The token (not address(0)).
    /// @param expectedHeld The holdings the depositor expects before its deposit (the race guard).
    /// @param amount The amount to transfer.
    function deposit(bytes32 channelId, address asset, uint256 expectedHeld, uint256 amount) external;

    /// @notice Pays the withdrawals of a co-signed non-final state newer than every version seen on chain,
    /// and raises the channel's version floor to it: older states can never be registered.
    /// @param channel The channel's parameters.
    /// @param state The state, signed by every participant.
    /// @param sigs One signature per participant, in participant order.
    function withdrawPartial(
        Channel.Params calldata channel,
        Channel.State calldata state,
        Channel.Signature[] calldata sigs
    ) external;

    /// @notice Pulls the caller's credit of `asset` (payouts that could not be pushed) to `to`.
    /// @param asset address(0) for ETH, else the token.
    /// @param to The recipient.
    function withdraw(address asset, address to) external;

    // ---------------------------------------------------------------- settlement

    /// @notice Concludes the channel at once with a final state signed by all, and pays everyone.
    /// @dev Also ends a registered challenge whose window is still open, if the final state is newer.
    /// @param channel The channel's parameters.
    /// @param state The final state.
    /// @param sigs One signature per participant, in participant order.
    function close(
        Channel.Params calldata channel,
        Channel.State calldata state,
        Channel.Signature[] calldata sigs
    ) external;

    /// @notice Registers a state signed by all and opens its challenge window, which ends
    /// `challengeDuration` seconds from now and never moves.
    /// @param channel The channel's parameters.
    /// @param state A state at least as new as the channel's version floor.
    /// @param sigs One signature per participant, in participant order.
    function register(
        Channel.Params calldata channel,
        Channel.State calldata state,
        Channel.Signature[] calldata sigs
    ) external;

    /// @notice Replaces the registered state with a newer one signed by all, within the window.
    /// @param channel The channel's parameters.
    /// @param state A state newer than the registered one.
    /// @param sigs One signature per participant, in participant order.
    function refute(
        Channel.Params calldata channel,
        Channel.State calldata state,
        Channel.Signature[] calldata sigs
    ) external;

    /// @notice After the window, pays out the registered state's balances and withdrawals and records
    /// its locks for `unlock`.
    /// @param channel The channel's parameters.
    /// @param state The registered state, as registered.
    function conclude(Channel.Params calldata channel, Channel.State calldata state) external;

    /// @notice Settles the locks of a concluded channel: a lock whose secret was revealed (with `reveal`)
    /// at or before its deadline pays its receiver, one whose deadline passed unrevealed returns to its
    /// sender, and any other stays recorded for a later call.
    /// @param channelId The channel.
    /// @param locks Exactly the locks recorded: `pendingLocksOf` the concluded state, or the ones a
    /// previous `unlock` left (in order).
    function unlock(bytes32 channelId, Channel.PendingLock[] calldata locks) external;

    // ---------------------------------------------------------------- views

    /// @notice The channel's holdings of `asset` (what is still to be paid out or stays as surplus).
    function holdings(bytes32 channelId, address asset) external view returns (uint256);

    /// @notice Whether the channel has concluded (closed or concluded) with `asset` in its final state.
    function isConcluded(bytes32 channelId, address asset) external view returns (bool);

    /// @notice The channel's status slot, unpacked.
    /// @return version The registered version, the version floor, or the concluded version.
    /// @return finalizesAt 0 if no challenge; the window's end; or type(uint32).max if concluded with
    /// locks to settle.
    /// @return fingerprint Of the registered state or of the pending locks.
    function statusOf(
        bytes32 channelId
    ) external view returns (uint64 version, uint32 finalizesAt, uint160 fingerprint);

    /// @notice What `account` can pull of `asset` with `withdraw`.
    function credits(address asset, address account) external view returns (uint256);

    /// @notice The EIP-712 digest every participant signs for `state`.
    function stateDigest(Channel.State calldata state) external view returns (bytes32);

    /// @notice `keccak256(abi.encode(participants, nonce, challengeDuration))`.
    function channelIdOf(Channel.Params calldata channel) external pure returns (bytes32);
}
