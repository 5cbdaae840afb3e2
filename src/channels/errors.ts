import { StrataError } from "../common/errors";

/**
 * The payment-channel errors. Every refusal of the state machine is a `ChannelUpdateError` subclass
 * named for its rule, so that a peer's refusal travels over the wire by name and code on either side
 * branches on `name`, never on message text. A refused update changes nothing.
 */

/** The base of every refusal of an update by the state machine. */
export class ChannelUpdateError extends StrataError {}

/** The update names another channel. */
export class WrongChannelError extends ChannelUpdateError {}
/** The version is not the latest plus one. */
export class VersionMismatchError extends ChannelUpdateError {}
/** The channel's latest state is final: nothing follows it. */
export class ChannelFinalError extends ChannelUpdateError {}
/** The signature does not recover to the participant it claims to come from. */
export class BadSignatureError extends ChannelUpdateError {}
/** An amount is zero, negative or does not fit its on-chain type. */
export class InvalidAmountError extends ChannelUpdateError {}
/** A participant would be left with a negative balance. */
export class InsufficientBalanceError extends ChannelUpdateError {}
/** Σ balances + Σ locks + Σ withdrawals of an asset changed other than by an agreed top-up. */
export class ConservationError extends ChannelUpdateError {}
/** An asset index outside the allocations. */
export class UnknownAssetError extends ChannelUpdateError {}
/** A participant index outside the channel, or a payment to oneself. */
export class UnknownParticipantError extends ChannelUpdateError {}
/** The proposed state is not the one the update produces from the latest state. */
export class StateMismatchError extends ChannelUpdateError {}
/** The allocations' assets or the number of balances changed, or the state is malformed. */
export class ShapeMismatchError extends ChannelUpdateError {}
/** A lock with this hashlock is already open. */
export class DuplicateLockError extends ChannelUpdateError {}
/** No open lock has this hashlock. */
export class UnknownLockError extends ChannelUpdateError {}
/** keccak256(secret) is not the lock's hashlock. */
export class WrongSecretError extends ChannelUpdateError {}
/** The lock's deadline has passed: it can no longer be settled by secret. */
export class LockExpiredError extends ChannelUpdateError {}
/** The sender may take a lock back only after its deadline. */
export class LockNotExpiredError extends ChannelUpdateError {}
/** A lock's deadline is not in the future. */
export class LockDeadlineError extends ChannelUpdateError {}
/** The proposer may not make this update (a lock from someone else, a withdrawal for someone else…). */
export class NotAuthorizedError extends ChannelUpdateError {}
/** A final state cannot hold open locks. */
export class OpenLocksError extends ChannelUpdateError {}
/** The latest state carries withdrawals: only `clearWithdrawals` may follow it. */
export class PendingWithdrawalsError extends ChannelUpdateError {}
/** `clearWithdrawals` on a state that has none. */
export class NothingToClearError extends ChannelUpdateError {}
/** The withdrawals to clear were not (yet) paid on Layer 1. */
export class WithdrawalNotExecutedError extends ChannelUpdateError {}
/** Both parties proposed the same version at once; the lower participant index wins. */
export class UpdateConflictError extends ChannelUpdateError {}
/** The peer refused to open the channel it was offered. */
export class OpenRefusedError extends ChannelUpdateError {}

/** No channel with this id is known here. */
export class UnknownChannelError extends StrataError {}
/** A channel with this id already exists. */
export class ChannelExistsError extends StrataError {}
/** A message from the wire is not well formed. */
export class MalformedMessageError extends StrataError {}

/** The state store cannot be read or written. */
export class StoreError extends StrataError {}
/** A store file has a malformed entry that is not its last line (corruption, not a torn write). */
export class StoreCorruptError extends StoreError {}

/** The connection to the peer closed with requests still in flight, or before a request was sent. */
export class TransportClosedError extends StrataError {}
/** No answer to a request within its timeout. */
export class TransportTimeoutError extends StrataError {}
/**
 * The peer answered a request with a JSON-RPC error: `reason` names it (the error class on the peer's
 * side, e.g. `InsufficientBalanceError`, or `MethodNotFound`, `MalformedMessageError`, `InternalError`),
 * `code` is the JSON-RPC error code (see transport.ts).
 */
export class PeerRefusedError extends StrataError {
  constructor(
    readonly reason: string,
    message: string,
    readonly code?: number,
    options?: { cause?: unknown },
  ) {
    super(`peer refused: ${reason}: ${message}`, options);
  }
}

/** Why a watchtower refuses a state (`data.reason` of its JSON-RPC errors). */
export type WatchtowerRefusal =
  /** Not a channel's params and signed state. */
  | "Malformed"
  /** A signature is missing or not its participant's: only co-signed states can refute. */
  | "NotCosigned"
  /** The state is not of the channel the params describe. */
  | "WrongChannel";

/** The watchtower refused a state handed to it; `reason` names the refusal. */
export class WatchtowerError extends StrataError {
  constructor(
    readonly reason: WatchtowerRefusal | string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// -------------------------------------------------------------------------------------------------
// A user's request a party refuses before it sends any Layer-1 transaction
// -------------------------------------------------------------------------------------------------

/**
 * The base of every request a party refuses before it spends anything on Layer 1: an opener's plan
 * that cannot work, a dispute step the adjudicator would revert. Over JSON-RPC it is -32000 with
 * `data.reason` the subclass's name.
 */
export class ChannelRequestError extends StrataError {}

/** A deposit or payment amount is not positive (a peer's share negative), or does not fit in uint256. */
export class PlanAmountError extends ChannelRequestError {}
/** The number of payments is not a positive safe integer. */
export class PaymentCountError extends ChannelRequestError {}
/** payments × amount is more than the opener deposits: the last payments could never be made. */
export class PlanExceedsDepositError extends ChannelRequestError {}
/** The peer's address is not an address, is the zero address or is this party's own; or its URL is not ws(s)://. */
export class InvalidPeerError extends ChannelRequestError {}
/** The challenge duration is not a whole number of seconds from 1 to `MAX_CHALLENGE_DURATION`. */
export class ChallengeDurationError extends ChannelRequestError {}
/** The nonce does not fit in uint64. */
export class InvalidNonceError extends ChannelRequestError {}
/** This party's Layer-1 balance of an asset does not cover its deposit (and, for ETH, the fees). */
export class InsufficientFundsError extends ChannelRequestError {}
/** The store holds an open channel with the peer that the plan does not describe (another deposit). */
export class ResumeMismatchError extends ChannelRequestError {}

/** The channel has concluded (or closed) on Layer 1: it takes no more states. */
export class ChannelConcludedError extends ChannelRequestError {}
/** A challenge is registered and its window is still open (`finalizesAt`, Layer-1 seconds). */
export class ChallengeOngoingError extends ChannelRequestError {}
/** No challenge is registered for the channel. */
export class NoChallengeError extends ChannelRequestError {}
/** The challenge window closed: the registered state stands and can only be concluded. */
export class ChallengeExpiredError extends ChannelRequestError {}
/** The registered state is as new as this party's latest: there is nothing newer to show. */
export class NothingToRefuteError extends ChannelRequestError {}
/** This party's latest state is older than the version the adjudicator already saw. */
export class StaleStateError extends ChannelRequestError {}
/** The channel does not hold what the state allocates (a participant has not deposited yet). */
export class ChannelUnderfundedError extends ChannelRequestError {}
/** The registered (or concluded) state could not be found on Layer 1 nor in the store. */
export class RegisteredStateUnknownError extends ChannelRequestError {}
/** The channel has no locks waiting for `unlock`. */
export class NoPendingLocksError extends ChannelRequestError {}
/** A secret opens none of the channel's pending locks. */
export class UnknownSecretError extends ChannelRequestError {}
/** The lock's deadline has passed: revealing its secret now would not pay its receiver. */
export class SecretTooLateError extends ChannelRequestError {}
/** No pending lock can be settled yet: none was revealed in time and no deadline has passed. */
export class LocksPendingError extends ChannelRequestError {}
/** This party has no credit to pull in the channel's assets. */
export class NothingToWithdrawError extends ChannelRequestError {}
/** No URL is known for the channel's peer (a channel the peer opened): give one. */
export class PeerUrlUnknownError extends ChannelRequestError {}
