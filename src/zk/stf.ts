/**
 * The zk rollup's state transition, as the operator applies it at its door: a valid transaction
 * changes the state and returns the step the circuit proves (the two leaf updates A then B, with their
 * paths); an invalid one is refused with a `ZkTxRefusedError` naming the rule and changes nothing,
 * because a batch with an invalid transaction cannot be proved (`docs/zk.md`, "Rules the circuit
 * enforces"). The rules, in the order they are checked:
 *
 * deposit
 *   OwnerTooLarge (≥ 2^160) · TokenIdTooLarge (≥ 2^16) · AmountNotRepresentable (not a float40)
 *   · BalanceOverflow (≥ 2^128; never from the bridge, whose amounts are uint128) — deposits the contract
 *   refunds instead of carrying; then credit account
 *   `account` if it is open with the deposit's owner and token and does not overflow, else open a new
 *   account at `nextIndex`, else (every account is open) the step is a `refund`: nothing changes and the
 *   contract credits the deposit back to its depositor.
 * refund (a deposit the state has no room for)
 *   the deposit rules above · StateNotFull (a refund while an account can still be opened).
 * transfer
 *   UnknownAccount · SelfTransfer · AmountNotRepresentable · TokenMismatch · NonceExhausted
 *   · MissingSigner · SignerNotOwner · BadSignature · InsufficientBalance · BalanceOverflow
 * withdraw
 *   UnknownAccount · BadRecipient · ZeroRecipient · ZeroAmount · AmountNotRepresentable · TokenMismatch · NonceExhausted
 *   · MissingSigner · SignerNotOwner · BadSignature · InsufficientBalance
 * forced (a Layer-1 withdrawal request, never refused for the state: the contract refused at request
 *   time what no circuit could carry)
 *   AccountOutOfRange (≥ 2^depth) · TokenIdTooLarge · ZeroAmount · AmountNotRepresentable · OwnerTooLarge;
 *   then it is effective when the account is open, is the request's owner's, holds its token and at
 *   least its amount (the account is debited, its nonce unchanged), else nullified (nothing changes).
 * A valid transfer or withdrawal advances the sender's nonce by one.
 */
import { isAddress } from "ethers";
import { StrataError } from "../common/errors";
import { isFloat40 } from "../shared/float40";
import type { Account, DepositData } from "../shared/types";
import { MAX_BALANCE, MAX_U32 } from "../shared/types";
import type { ZkCrypto } from "./keys";
import { slotElement } from "./pubdata";
import type { ZkLeafFields, ZkState } from "./state";
import { leafFields } from "./state";
import type {
  ZkDepositTx,
  ZkForcedRequest,
  ZkForcedTx,
  ZkPublicKey,
  ZkRefundTx,
  ZkSignature,
  ZkTransferTx,
  ZkTx,
  ZkWithdrawTx,
} from "./types";
import { SLOT_BITS } from "./types";

export type ZkRefusalReason =
  | "OwnerTooLarge"
  | "TokenIdTooLarge"
  | "AmountNotRepresentable"
  | "StateNotFull"
  | "UnknownAccount"
  | "SelfTransfer"
  | "TokenMismatch"
  | "NonceExhausted"
  | "MissingSigner"
  | "SignerNotOwner"
  | "BadSignature"
  | "InsufficientBalance"
  | "BalanceOverflow"
  | "ZeroRecipient"
  | "BadRecipient"
  | "ZeroAmount"
  | "AccountOutOfRange";

/** The operator refuses a transaction: `reason` names the rule it breaks. The state is unchanged. */
export class ZkTxRefusedError extends StrataError {
  constructor(
    readonly kind: ZkTx["kind"],
    readonly reason: ZkRefusalReason,
    detail: string,
  ) {
    super(`${kind} refused (${reason}): ${detail}`);
  }
}

/** Who signs a spend: the key and the Layer-1 address whose owner hash is the sender's owner. */
export interface ZkSigner {
  publicKey: ZkPublicKey;
  l1Address: string;
}

/** A transaction as it reaches the operator: a spend comes with its signer (the owner's preimage). */
export interface ZkTxRequest {
  tx: ZkTx;
  signer?: ZkSigner;
}

/** One leaf update of a step, as the circuit takes it. */
export interface ZkLeafUpdate {
  index: number;
  /** The leaf before (0 when empty). */
  oldLeaf: bigint;
  /** The leaf after (= oldLeaf when unchanged). */
  newLeaf: bigint;
  /** Siblings of the leaf, bottom-up, in the tree just before this update. */
  siblings: bigint[];
  /** The preimage the circuit reads: the old fields of a changed leaf (for a new account its owner
   * and token with balance and nonce 0), zeros for an unchanged one. */
  fields: ZkLeafFields;
}

/** A spend's authorization as the circuit checks it. */
export interface ZkAuthorization {
  signer: ZkSigner;
  signature: ZkSignature;
}

/** One slot of a batch: what changed and everything the circuit needs to prove it. */
export interface ZkStep {
  /** The transaction as the batch carries it (a deposit names the account it credited); undefined: noop. */
  tx: ZkTx | undefined;
  /** Its public slot element (0 for a noop). */
  slot: bigint;
  /** Leaf A: the sender of a spend, the account a forced withdrawal names; unchanged otherwise. */
  a: ZkLeafUpdate;
  /** Leaf B: a deposit's account or a transfer's receiver; unchanged otherwise. */
  b: ZkLeafUpdate;
  /** The sender's signature and key, for a spend. */
  authorization?: ZkAuthorization;
}

const ZERO_FIELDS: ZkLeafFields = { owner: 0n, tokenId: 0n, balance: 0n, nonce: 0n };

/**
 * Applies `request` to `state`, or throws `ZkTxRefusedError` leaving `state` unchanged.
 * `crypto` checks the spend's signature and owner hash.
 */
export function applyZkTx(state: ZkState, request: ZkTxRequest, crypto: ZkCrypto): ZkStep {
  const { tx } = request;
  switch (tx.kind) {
    case "deposit":
      return applyDeposit(state, tx);
    case "refund":
      return applyRefund(state, tx);
    case "transfer":
      return applyTransfer(state, tx, request.signer, crypto);
    case "withdraw":
      return applyWithdraw(state, tx, request.signer, crypto);
    case "forced":
      return applyForced(state, tx);
  }
}

/** A padding slot: nothing changes; both updates are identity updates of leaf 0. */
export function applyNoop(state: ZkState): ZkStep {
  const a = unchangedLeaf(state);
  return { tx: undefined, slot: 0n, a, b: unchangedLeaf(state) };
}

function refuse(kind: ZkTx["kind"], reason: ZkRefusalReason, detail: string): never {
  throw new ZkTxRefusedError(kind, reason, detail);
}

// ---- deposit

function applyDeposit(state: ZkState, tx: ZkDepositTx): ZkStep {
  const { deposit } = tx;
  checkDepositCarriable("deposit", deposit);
  const account = resolveDepositAccount(state, tx);
  if (account === undefined) return refundStep(state, { kind: "refund", deposit });
  const carried: ZkDepositTx = { kind: "deposit", account, deposit };
  const a = unchangedLeaf(state);
  const b =
    account === state.nextIndex
      ? openLeaf(state, { owner: deposit.to, tokenId: deposit.tokenId, balance: deposit.amount, nonce: 0 })
      : changeLeaf(state, account, (old) => ({ ...old, balance: old.balance + deposit.amount }));
  return { tx: carried, slot: slotElement(carried), a, b };
}

/** A refund: allowed only when every account is open; nothing changes (the contract pays it back). */
function applyRefund(state: ZkState, tx: ZkRefundTx): ZkStep {
  checkDepositCarriable("refund", tx.deposit);
  if (!state.isFull) {
    refuse("refund", "StateNotFull", `account ${state.nextIndex} can still be opened for this deposit`);
  }
  return refundStep(state, tx);
}

function refundStep(state: ZkState, tx: ZkRefundTx): ZkStep {
  return { tx, slot: slotElement(tx), a: unchangedLeaf(state), b: unchangedLeaf(state) };
}

function checkDepositCarriable(kind: "deposit" | "refund", deposit: DepositData): void {
  const owner = BigInt(deposit.to);
  const { tokenId, amount } = deposit;
  if (owner >= 1n << BigInt(SLOT_BITS.b)) refuse(kind, "OwnerTooLarge", `owner ${owner} ≥ 2^160`);
  if (!Number.isInteger(tokenId) || tokenId < 0 || tokenId >= 2 ** SLOT_BITS.token) {
    refuse(kind, "TokenIdTooLarge", `token id ${tokenId} does not fit 16 bits`);
  }
  if (!isFloat40(amount)) refuse(kind, "AmountNotRepresentable", `${amount} is not a float40`);
  if (amount > MAX_BALANCE) refuse(kind, "BalanceOverflow", `${amount} exceeds 2^128-1`);
}

/**
 * The account a deposit credits: the named one if it takes the deposit, else a new one; undefined when
 * every account is open (the deposit is refunded).
 */
function resolveDepositAccount(state: ZkState, tx: ZkDepositTx): number | undefined {
  const { deposit } = tx;
  const named = state.account(tx.account);
  if (
    named &&
    BigInt(named.owner) === BigInt(deposit.to) &&
    named.tokenId === deposit.tokenId &&
    named.balance + deposit.amount <= MAX_BALANCE
  ) {
    return tx.account;
  }
  return state.isFull ? undefined : state.nextIndex;
}

// ---- transfer

function applyTransfer(
  state: ZkState,
  tx: ZkTransferTx,
  signer: ZkSigner | undefined,
  crypto: ZkCrypto,
): ZkStep {
  const from = openAccount(state, "transfer", tx.from);
  const to = openAccount(state, "transfer", tx.to);
  if (tx.from === tx.to) refuse("transfer", "SelfTransfer", `account ${tx.from} pays itself`);
  checkAmount("transfer", tx.amount);
  if (from.tokenId !== to.tokenId) {
    refuse("transfer", "TokenMismatch", `token ${from.tokenId} sent to an account of token ${to.tokenId}`);
  }
  const authorization = checkSpend(state, "transfer", tx, from, signer, crypto);
  if (to.balance + tx.amount > MAX_BALANCE) {
    refuse("transfer", "BalanceOverflow", `account ${tx.to} would exceed 2^128-1`);
  }
  const a = changeLeaf(state, tx.from, debit(tx.amount));
  const b = changeLeaf(state, tx.to, (old) => ({ ...old, balance: old.balance + tx.amount }));
  return { tx, slot: slotElement(tx), a, b, authorization };
}

// ---- withdraw

function applyWithdraw(
  state: ZkState,
  tx: ZkWithdrawTx,
  signer: ZkSigner | undefined,
  crypto: ZkCrypto,
): ZkStep {
  const from = openAccount(state, "withdraw", tx.from);
  if (!isAddress(tx.recipient)) refuse("withdraw", "BadRecipient", `${tx.recipient} is not an address`);
  if (BigInt(tx.recipient) === 0n) refuse("withdraw", "ZeroRecipient", "recipient is the zero address");
  if (tx.amount === 0n) refuse("withdraw", "ZeroAmount", "nothing to withdraw");
  checkAmount("withdraw", tx.amount);
  if (from.tokenId !== tx.tokenId) {
    refuse("withdraw", "TokenMismatch", `account ${tx.from} holds token ${from.tokenId}, not ${tx.tokenId}`);
  }
  const authorization = checkSpend(state, "withdraw", tx, from, signer, crypto);
  const a = changeLeaf(state, tx.from, debit(tx.amount));
  const b = unchangedLeaf(state);
  return { tx, slot: slotElement(tx), a, b, authorization };
}

// ---- forced withdrawal (a Layer-1 request)

/**
 * Carries a forced-withdrawal request: effective (and debited) or nullified, as the state says; the
 * `effective` of `tx` is ignored and recomputed. Leaf A is account `account` either way: the circuit
 * opens it (its true preimage when open) to judge the request.
 */
function applyForced(state: ZkState, tx: ZkForcedTx): ZkStep {
  const { request } = tx;
  checkForcedCarriable(state, tx);
  const effective = isForcedEffective(state, request);
  const carried: ZkForcedTx = { kind: "forced", request, effective };
  const a = effective
    ? changeLeaf(state, request.account, (old) => ({ ...old, balance: old.balance - request.amount }))
    : readLeaf(state, request.account);
  return { tx: carried, slot: slotElement(carried), a, b: unchangedLeaf(state) };
}

/**
 * Whether `request` is effective on `state`: its account is open, is the requester's (same owner hash),
 * holds its token and at least its amount. What the circuit computes from the state and the slot.
 */
export function isForcedEffective(state: ZkState, request: ZkForcedRequest): boolean {
  const account = state.account(request.account);
  return (
    account !== undefined &&
    BigInt(account.owner) === request.owner &&
    account.tokenId === request.tokenId &&
    account.balance >= request.amount
  );
}

function checkForcedCarriable(state: ZkState, tx: ZkForcedTx): void {
  const { account, tokenId, amount, owner } = tx.request;
  if (!Number.isInteger(account) || account < 0 || account >= 2 ** state.depth) {
    refuse("forced", "AccountOutOfRange", `account ${account} is beyond the tree's 2^${state.depth} leaves`);
  }
  if (!Number.isInteger(tokenId) || tokenId < 0 || tokenId >= 2 ** SLOT_BITS.token) {
    refuse("forced", "TokenIdTooLarge", `token id ${tokenId} does not fit 16 bits`);
  }
  if (amount === 0n) refuse("forced", "ZeroAmount", "nothing to withdraw");
  checkAmount("forced", amount);
  if (owner < 0n || owner >= 1n << BigInt(SLOT_BITS.b))
    refuse("forced", "OwnerTooLarge", `owner ${owner} ≥ 2^160`);
}

// ---- shared checks

function openAccount(state: ZkState, kind: ZkTx["kind"], index: number): Account {
  return state.account(index) ?? refuse(kind, "UnknownAccount", `no account ${index}`);
}

function checkAmount(kind: ZkTx["kind"], amount: bigint): void {
  if (!isFloat40(amount)) refuse(kind, "AmountNotRepresentable", `${amount} is not a float40`);
}

/** The checks every spend shares, in order: NonceExhausted · MissingSigner · SignerNotOwner ·
 * BadSignature · InsufficientBalance. Returns the authorization the circuit checks. */
function checkSpend(
  state: ZkState,
  kind: "transfer" | "withdraw",
  tx: ZkTransferTx | ZkWithdrawTx,
  sender: Account,
  signer: ZkSigner | undefined,
  crypto: ZkCrypto,
): ZkAuthorization {
  if (sender.nonce >= MAX_U32) refuse(kind, "NonceExhausted", `account ${tx.from} used every nonce`);
  if (!signer) return refuse(kind, "MissingSigner", `no key given for account ${tx.from}`);
  if (
    !isAddress(signer.l1Address) ||
    crypto.ownerOf(signer.publicKey, signer.l1Address) !== BigInt(sender.owner)
  ) {
    refuse(kind, "SignerNotOwner", `the key and address given do not hash to account ${tx.from}'s owner`);
  }
  const message = crypto.message(slotElement(tx), sender.nonce, state.domain);
  if (!crypto.verify(message, tx.signature, signer.publicKey)) {
    refuse(kind, "BadSignature", `not signed by account ${tx.from}'s key at nonce ${sender.nonce}`);
  }
  if (sender.balance < tx.amount) {
    refuse(kind, "InsufficientBalance", `balance ${sender.balance} < amount ${tx.amount}`);
  }
  return { signer, signature: tx.signature };
}

function debit(amount: bigint): (old: Account) => Account {
  return (old) => ({ ...old, balance: old.balance - amount, nonce: old.nonce + 1 });
}

// ---- leaf updates, recorded with the path they happen on

function unchangedLeaf(state: ZkState): ZkLeafUpdate {
  const leaf = state.leaf(0);
  return { index: 0, oldLeaf: leaf, newLeaf: leaf, siblings: state.siblings(0), fields: ZERO_FIELDS };
}

/** Leaf `index` read but not changed: its true preimage if open, zeros if empty. */
function readLeaf(state: ZkState, index: number): ZkLeafUpdate {
  const open = state.account(index);
  const leaf = state.leaf(index);
  const fields = open ? leafFields(open) : ZERO_FIELDS;
  return { index, oldLeaf: leaf, newLeaf: leaf, siblings: state.siblings(index), fields };
}

function changeLeaf(state: ZkState, index: number, change: (old: Account) => Account): ZkLeafUpdate {
  const old = state.account(index)!;
  const oldLeaf = state.leaf(index);
  const siblings = state.siblings(index);
  state.setAccount(index, change(old));
  return { index, oldLeaf, newLeaf: state.leaf(index), siblings, fields: leafFields(old) };
}

function openLeaf(state: ZkState, account: Account): ZkLeafUpdate {
  const index = state.nextIndex;
  const siblings = state.siblings(index);
  state.openAccount(account);
  const fields = { ...leafFields(account), balance: 0n };
  return { index, oldLeaf: 0n, newLeaf: state.leaf(index), siblings, fields };
}
