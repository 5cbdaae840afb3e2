/**
 * What a wallet verb throws for a user's mistake, or for a world it cannot act in: one class per kind,
 * all `WalletError`s, each with a short message saying what is wrong and what to do. Every one of them
 * is thrown before any Layer-1 transaction is sent (except `WalletL1RevertError`, which ethers raises
 * while estimating gas, before sending: nothing is mined either way).
 */
import { StrataError } from "../common/errors";
import type { TxRejectionDetails } from "../common/json-rpc";

/** The base of every wallet error: branch on the class (or `name`), never on the message. */
export class WalletError extends StrataError {}

/** The deployment record does not fit the chain: a missing contract, another chain, no code at an address. */
export class WalletDeploymentError extends WalletError {}

/** The operator does not answer, is not the service the wallet needs, or cannot reach Layer 1. */
export class WalletOperatorError extends WalletError {}

/** An amount that is not a positive whole number of base units, too large, or not representable (zk). */
export class WalletAmountError extends WalletError {}

/** Not an address, a bytes32 owner or a transaction hash where one is needed, or the zero address. */
export class WalletAddressError extends WalletError {}

/** A zk private key that is not 32 bytes. */
export class WalletKeyError extends WalletError {}

/** A token the rollup does not list, or does not take deposits of. */
export class WalletUnknownTokenError extends WalletError {}

/** Less than the amount on the layer it is spent from: `have` and `need` in base units. */
export class WalletInsufficientFundsError extends WalletError {
  constructor(
    message: string,
    readonly have: bigint,
    readonly need: bigint,
  ) {
    super(message);
  }
}

/** No Layer-2 account where one is needed (the wallet's own for a token, or a recipient's). */
export class WalletAccountNotFoundError extends WalletError {}

/** A transfer whose recipient cannot take it: the sending account itself, or an account of another token. */
export class WalletRecipientError extends WalletError {}

/** The operator refused the transaction: `reason` is its name (`NonceMismatch`, `InsufficientBalance`, …). */
export class WalletTxRefusedError extends WalletError {
  constructor(
    readonly reason: string,
    message: string,
    readonly details: TxRejectionDetails | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The operator knows no such transaction. */
export class WalletUnknownTransactionError extends WalletError {}

/** A withdrawal that cannot be paid yet: its batch is not final (`status` says how far it got). */
export class WalletWithdrawalNotFinalError extends WalletError {
  constructor(
    message: string,
    readonly status: string,
  ) {
    super(message);
  }
}

/** A transaction that owes nothing on Layer 1 (a transfer, or a withdrawal its batch refused). */
export class WalletNotAWithdrawalError extends WalletError {}

/** A withdrawal the bridge has paid already. */
export class WalletWithdrawalAlreadyPaidError extends WalletError {}

/** The operator's withdrawal proof does not lead to the root Layer 1 holds for the batch: it is wrong. */
export class WalletProofMismatchError extends WalletError {}

/** zk: no credit to claim for the token. */
export class WalletNothingToClaimError extends WalletError {}

/** zk: exodus is not in the state the verb needs (not active, already active, not due, already exited). */
export class WalletExodusError extends WalletError {}

/** Layer 1 refused the transaction while ethers estimated its gas (nothing was sent): `errorName` names it. */
export class WalletL1RevertError extends WalletError {
  constructor(
    readonly errorName: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
