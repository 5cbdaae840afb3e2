import { AbiCoder, keccak256 } from "ethers";

/**
 * The payment-channel data model, field for field the Solidity `Channel` library
 * (contracts/channels/lib/Channel.sol) and the EIP-712 types of docs/channels.md. Objects of these
 * shapes are passed to the `Adjudicator` as they are (ethers encodes structs by field name).
 */

/** The fixed part of a channel (EIP-712 `Channel`, Solidity `Channel.Params`). */
export interface ChannelParams {
  /** 2 to 8 distinct non-zero addresses; index i signs the i-th signature and owns the i-th balance. */
  participants: string[];
  /** Distinguishes channels among the same participants (uint64). */
  nonce: bigint;
  /** Seconds a registered state can be refuted (uint32, 1 to MAX_CHALLENGE_DURATION). */
  challengeDuration: number;
}

/** One asset's split among the participants: `asset` address(0) is ETH. */
export interface Allocation {
  asset: string;
  /** One balance per participant, in participant order. */
  balances: bigint[];
}

/**
 * A hash-time lock: `amount` of allocation `asset` moves from participant `sender` to `receiver` if the
 * preimage of `hashlock` is revealed in the SecretRegistry at or before `deadline` (unix seconds), and
 * returns to `sender` otherwise. The amount is in neither party's balance while the lock is open.
 */
export interface Lock {
  hashlock: string;
  deadline: bigint;
  /** Index into `allocations`. */
  asset: number;
  /** Participant index. */
  sender: number;
  /** Participant index. */
  receiver: number;
  amount: bigint;
}

/** An amount of allocation `asset` paid out of the channel to `participant` by the state carrying it. */
export interface Withdrawal {
  /** Index into `allocations`. */
  asset: number;
  /** Participant index. */
  participant: number;
  amount: bigint;
}

/** The signed, changing part of a channel (EIP-712 `State`, Solidity `Channel.State`). */
export interface ChannelState {
  channelId: string;
  /** Only grows; the adjudicator keeps the newest version it saw. */
  version: bigint;
  /** A final state closes the channel (`close`) and has no locks. */
  isFinal: boolean;
  allocations: Allocation[];
  locks: Lock[];
  withdrawals: Withdrawal[];
}

/** EIP-2098 compact signature (Solidity `Channel.Signature`): r and (yParity << 255 | s), low s. */
export interface CompactSignature {
  r: string;
  yParityAndS: string;
}

/**
 * A lock as the adjudicator records it when a channel concludes (Solidity `Channel.PendingLock`):
 * indices resolved to addresses, since `unlock` runs without the channel's parameters. `unlock` takes
 * exactly the list `pendingLocksOf` returns for the concluded state (same order).
 */
export interface PendingLock {
  hashlock: string;
  deadline: bigint;
  asset: string;
  sender: string;
  receiver: string;
  amount: bigint;
}

export const MIN_PARTICIPANTS = 2;
export const MAX_PARTICIPANTS = 8;
/** The longest challenge window the adjudicator accepts (Solidity `MAX_CHALLENGE_DURATION`). */
export const MAX_CHALLENGE_DURATION = 365 * 24 * 3600;
/** address(0) in an allocation: ether. */
export const ETH = "0x0000000000000000000000000000000000000000";

const coder = AbiCoder.defaultAbiCoder();

/** `keccak256(abi.encode(participants, nonce, challengeDuration))`, as `Channel.idOf`. */
export function channelIdOf(params: ChannelParams): string {
  return keccak256(
    coder.encode(
      ["address[]", "uint64", "uint32"],
      [params.participants, params.nonce, params.challengeDuration],
    ),
  );
}

/** A non-final state of `params` with no locks or withdrawals unless `extra` says otherwise. */
export function stateOf(
  params: ChannelParams,
  version: bigint,
  allocations: Allocation[],
  extra: Partial<ChannelState> = {},
): ChannelState {
  return {
    channelId: channelIdOf(params),
    version,
    isFinal: false,
    allocations,
    locks: [],
    withdrawals: [],
    ...extra,
  };
}

/**
 * What a state claims of one allocation: balances + open locks + withdrawals of that asset. The
 * adjudicator registers a state only if every allocation's total is covered by the channel's holdings.
 */
export function totalOf(state: ChannelState, assetIndex: number): bigint {
  let total = 0n;
  for (const b of state.allocations[assetIndex].balances) total += b;
  for (const l of state.locks) if (l.asset === assetIndex) total += l.amount;
  for (const w of state.withdrawals) if (w.asset === assetIndex) total += w.amount;
  return total;
}

/** The locks a concluded `state` leaves for `unlock`, in the order the adjudicator recorded them. */
export function pendingLocksOf(params: ChannelParams, state: ChannelState): PendingLock[] {
  return state.locks.map((l) => ({
    hashlock: l.hashlock,
    deadline: l.deadline,
    asset: state.allocations[l.asset].asset,
    sender: params.participants[l.sender],
    receiver: params.participants[l.receiver],
    amount: l.amount,
  }));
}
