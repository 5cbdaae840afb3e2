/** Layer-2 data shared by both rollups. Mirrored in `contracts/shared/lib/*.sol`. */

export const MAX_U32 = 2 ** 32 - 1;
export const MAX_U64 = (1n << 64n) - 1n;
export const MAX_U128 = (1n << 128n) - 1n;
/** The largest balance an account can hold. */
export const MAX_BALANCE = MAX_U128;
export const ZERO_BYTES32 = "0x" + "00".repeat(32);
export const ZERO_ADDRESS = "0x" + "00".repeat(20);

/** One account leaf. See `Account.sol`. */
export interface Account {
  /** bytes32 hex: an address left-padded (optimistic) or a hash of a BabyJubJub key (zk). */
  owner: string;
  /** The bridge's per-rollup token id; 0 is ETH. */
  tokenId: number;
  balance: bigint;
  nonce: number;
}

/** A deposit as it sits in the bridge's queue (and in the queue's hash chain). See `Deposit.sol`. */
export interface DepositData {
  /** The Layer-1 depositor (refunded if the deposit can never be credited). */
  from: string;
  /** bytes32 hex: the Layer-2 owner. */
  to: string;
  tokenId: number;
  amount: bigint;
  /** Block time of the deposit, in seconds. */
  timestamp: bigint;
}

/** A withdrawal owed on Layer 1: the leaf of a batch's withdrawal tree. See `Withdrawal.sol`. */
export interface WithdrawalData {
  recipient: string;
  tokenId: number;
  amount: bigint;
}

/** A deposit applied in a batch; the sequencer's `accountHint` says which account it credits. */
export interface DepositTx {
  kind: "deposit";
  accountHint: number;
  deposit: DepositData;
}

/** A signed transfer as a batch carries it: the nonce is the sender's current one, not sent. */
export interface TransferTx {
  kind: "transfer";
  from: number;
  to: number;
  amount: bigint;
  /** EIP-2098 compact signature, 64 bytes hex (r ‖ yParityAndS). */
  signature: string;
}

/** A signed withdrawal to a Layer-1 address, as a batch carries it. */
export interface WithdrawTx {
  kind: "withdraw";
  from: number;
  recipient: string;
  amount: bigint;
  /** EIP-2098 compact signature, 64 bytes hex. */
  signature: string;
}

export type L2Tx = DepositTx | TransferTx | WithdrawTx;
export type L2TxKind = L2Tx["kind"];

/** Left-pads an address to the bytes32 owner of a Layer-2 account. */
export function ownerOfAddress(address: string): string {
  return "0x" + address.toLowerCase().replace(/^0x/, "").padStart(64, "0");
}
