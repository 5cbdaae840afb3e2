/**
 * The zk rollup's Layer-2 transactions, as the operator, the circuit's witness and the contract's
 * calldata see them. Layout of their public form: `docs/zk.md` ("Slots and public inputs").
 */
import type { DepositData } from "../shared/types";

/** The 2-bit kind code of a slot (the low bits of its slot element and the first byte of its pubdata). */
export const ZK_KIND = { noop: 0, deposit: 1, transfer: 2, withdraw: 3 } as const;
export type ZkKindName = keyof typeof ZK_KIND;
export type ZkKindCode = (typeof ZK_KIND)[ZkKindName];

/** An EdDSA-Poseidon signature on BabyJubJub (circomlibjs `eddsa.signPoseidon`), as field elements. */
export interface ZkSignature {
  R8x: bigint;
  R8y: bigint;
  S: bigint;
}

/** A BabyJubJub public key (circomlibjs `eddsa.prv2pub`), as field elements. */
export interface ZkPublicKey {
  Ax: bigint;
  Ay: bigint;
}

/**
 * A deposit from the bridge's queue credited to account `account`: a new account if `account` is the
 * state's `nextIndex`, else an existing account of the same owner and token.
 */
export interface ZkDepositTx {
  kind: "deposit";
  account: number;
  deposit: DepositData;
}

/**
 * A deposit the state has no room for (every account is open and none of its owner and token can take
 * it): the batch consumes it in its turn and the contract credits it back to its depositor on Layer 1.
 * The circuit allows it only when the tree is full, so an operator cannot skip a deposit while an account
 * can still be opened (it could refund a top-up of an open account then: the depositor loses nothing).
 */
export interface ZkRefundTx {
  kind: "refund";
  deposit: DepositData;
}

/** A transfer's public part: what the pubdata carries and the slot element commits to. */
export interface ZkTransferBody {
  kind: "transfer";
  from: number;
  to: number;
  /** A float40 amount (`src/shared/float40.ts`). */
  amount: bigint;
}

/** A withdrawal's public part: `recipient` is credited `amount` of `tokenId` on Layer 1. */
export interface ZkWithdrawBody {
  kind: "withdraw";
  from: number;
  /** The Layer-1 address credited; never zero. */
  recipient: string;
  /** The token id of account `from`. */
  tokenId: number;
  /** A float40 amount, not zero. */
  amount: bigint;
}

/** A transfer signed by `from`'s key over Poseidon(slotElement, nonce, domain). */
export interface ZkTransferTx extends ZkTransferBody {
  signature: ZkSignature;
}

/** A withdrawal signed by `from`'s key over Poseidon(slotElement, nonce, domain). */
export interface ZkWithdrawTx extends ZkWithdrawBody {
  signature: ZkSignature;
}

/**
 * A forced-withdrawal request from the rollup's Layer-1 queue (`requestWithdrawal`): the requester
 * asks for `amount` of `tokenId` out of account `account`, whose owner it claims to be (`owner` is the
 * owner hash the contract computed from the requester's key and address). Number `index` of the queue.
 */
export interface ZkForcedRequest {
  index: number;
  /** The Layer-1 address that asked: credited if the request is effective. */
  requester: string;
  account: number;
  /** Poseidon(ax, ay, requester) mod 2^160, as the contract computed it. */
  owner: bigint;
  tokenId: number;
  /** A float40 amount, not zero. */
  amount: bigint;
  /** Block time of the request (seconds). */
  requestedAt: bigint;
}

/**
 * A forced withdrawal as a batch carries it (a withdraw slot with the forced bit): `effective` when
 * account `account` is open, is `owner`'s, holds `tokenId` and at least `amount` (then it is debited
 * and the requester credited); else it is nullified and nothing changes. No signature.
 */
export interface ZkForcedTx {
  kind: "forced";
  request: ZkForcedRequest;
  effective: boolean;
}

/** A transaction as the operator batches it (signed, or requested on Layer 1). */
export type ZkTx = ZkDepositTx | ZkRefundTx | ZkTransferTx | ZkWithdrawTx | ZkForcedTx;

/**
 * A transaction as Layer 1 publishes it (no signatures): what `decodePubdata` returns, and all that
 * `slotElement` needs. Every `ZkTx` is one.
 */
export type ZkPublishedTx = ZkDepositTx | ZkRefundTx | ZkTransferBody | ZkWithdrawBody | ZkForcedTx;

export type ZkTxKind = ZkTx["kind"];

/** Field widths of a slot element, in bits (`docs/zk.md`). */
export const SLOT_BITS = { kind: 2, a: 32, b: 160, token: 16, amount: 40 } as const;
/** Bit offsets of a slot element's fields (forced, effective and refund: one bit each). */
export const SLOT_OFFSET = {
  kind: 0,
  a: 2,
  b: 34,
  token: 194,
  amount: 210,
  forced: 250,
  effective: 251,
  refund: 252,
} as const;

/**
 * The slot kind of each transaction kind (a forced withdrawal is a withdraw slot with the forced bit, a
 * refund a deposit slot with the refund bit).
 */
export const SLOT_KIND = { deposit: 1, refund: 1, transfer: 2, withdraw: 3, forced: 3 } as const;
/** The first pubdata byte of each transaction kind. */
export const PUBDATA_KIND = { deposit: 1, transfer: 2, withdraw: 3, forced: 4, refund: 5 } as const;

/** Compact pubdata sizes in bytes, per kind. */
export const PUBDATA_BYTES = { deposit: 5, transfer: 14, withdraw: 32, forced: 2, refund: 1 } as const;
