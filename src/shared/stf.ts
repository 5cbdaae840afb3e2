import type { Authorizer } from "./authorizer";
import type { L2State } from "./state";
import type { Account, DepositTx, L2Tx, TransferTx, WithdrawTx, WithdrawalData } from "./types";
import { MAX_BALANCE, MAX_U128, MAX_U32 } from "./types";

/**
 * The state transition function: applies one transaction to a state. Total and deterministic: every
 * input has an outcome, and an invalid transaction changes nothing and says why, so a one-step proof
 * on Layer 1 always has an answer. The rules, in the order they are checked:
 *
 * deposit (always applies; its funds are already escrowed on Layer 1, so it can never be dropped)
 *   1. credit the account at `accountHint` if it is open, has the deposit's owner and token, and the
 *      credit does not overflow;
 *   2. otherwise open a new account at `nextIndex` for (owner, token, amount);
 *   3. otherwise (the tree is full) refund: a withdrawal of the amount to the Layer-1 depositor.
 * transfer
 *   UnknownAccount (from or to not open) · SelfTransfer · AmountTooLarge (> 2^128-1) · TokenMismatch
 *   · NonceExhausted · BadSignature · InsufficientBalance · BalanceOverflow (receiver)
 * withdraw
 *   UnknownAccount · ZeroRecipient · ZeroAmount · AmountTooLarge · NonceExhausted · BadSignature
 *   · InsufficientBalance
 * A valid transfer or withdrawal advances the sender's nonce by one.
 */
export type RejectReason =
  | "UnknownAccount"
  | "SelfTransfer"
  | "AmountTooLarge"
  | "TokenMismatch"
  | "NonceExhausted"
  | "BadSignature"
  | "InsufficientBalance"
  | "BalanceOverflow"
  | "ZeroRecipient"
  | "ZeroAmount";

export type TxOutcome =
  | { status: "applied"; kind: "deposit"; accountIndex: number; opened: boolean }
  | { status: "applied"; kind: "deposit"; refund: WithdrawalData }
  | { status: "applied"; kind: "transfer" }
  | { status: "applied"; kind: "withdraw"; withdrawal: WithdrawalData }
  | { status: "rejected"; kind: L2Tx["kind"]; reason: RejectReason; detail: string };

/** The withdrawal a transaction's outcome owes on Layer 1, if any. */
export function withdrawalOf(outcome: TxOutcome): WithdrawalData | undefined {
  if (outcome.status !== "applied") return undefined;
  if (outcome.kind === "withdraw") return outcome.withdrawal;
  if (outcome.kind === "deposit" && "refund" in outcome) return outcome.refund;
  return undefined;
}

export function applyTransaction<N>(state: L2State<N>, tx: L2Tx, authorizer: Authorizer): TxOutcome {
  switch (tx.kind) {
    case "deposit":
      return applyDeposit(state, tx);
    case "transfer":
      return applyTransfer(state, tx, authorizer);
    case "withdraw":
      return applyWithdraw(state, tx, authorizer);
  }
}

function reject(kind: L2Tx["kind"], reason: RejectReason, detail: string): TxOutcome {
  return { status: "rejected", kind, reason, detail };
}

function applyDeposit<N>(state: L2State<N>, tx: DepositTx): TxOutcome {
  const { deposit, accountHint } = tx;
  const hinted = state.account(accountHint);
  if (
    hinted &&
    BigInt(hinted.owner) === BigInt(deposit.to) &&
    hinted.tokenId === deposit.tokenId &&
    hinted.balance + deposit.amount <= MAX_BALANCE
  ) {
    state.setAccount(accountHint, { ...hinted, balance: hinted.balance + deposit.amount });
    return { status: "applied", kind: "deposit", accountIndex: accountHint, opened: false };
  }
  if (!state.isFull) {
    const accountIndex = state.openAccount({
      owner: deposit.to,
      tokenId: deposit.tokenId,
      balance: deposit.amount,
      nonce: 0,
    });
    return { status: "applied", kind: "deposit", accountIndex, opened: true };
  }
  return {
    status: "applied",
    kind: "deposit",
    refund: { recipient: deposit.from, tokenId: deposit.tokenId, amount: deposit.amount },
  };
}

function applyTransfer<N>(state: L2State<N>, tx: TransferTx, authorizer: Authorizer): TxOutcome {
  const from = state.account(tx.from);
  const to = state.account(tx.to);
  if (!from || !to) return reject("transfer", "UnknownAccount", `no account ${from ? tx.to : tx.from}`);
  if (tx.from === tx.to) return reject("transfer", "SelfTransfer", `account ${tx.from} pays itself`);
  if (tx.amount > MAX_U128) return reject("transfer", "AmountTooLarge", `${tx.amount} exceeds 2^128-1`);
  if (from.tokenId !== to.tokenId) {
    return reject(
      "transfer",
      "TokenMismatch",
      `token ${from.tokenId} sent to an account of token ${to.tokenId}`,
    );
  }
  const refused = checkSender("transfer", tx.from, from, tx.amount, () =>
    authorizer.authorizeTransfer(from.owner, tx, from.nonce),
  );
  if (refused) return refused;
  if (to.balance + tx.amount > MAX_BALANCE) {
    return reject("transfer", "BalanceOverflow", `account ${tx.to} would exceed 2^128-1`);
  }
  state.setAccount(tx.from, { ...from, balance: from.balance - tx.amount, nonce: from.nonce + 1 });
  state.setAccount(tx.to, { ...to, balance: to.balance + tx.amount });
  return { status: "applied", kind: "transfer" };
}

function applyWithdraw<N>(state: L2State<N>, tx: WithdrawTx, authorizer: Authorizer): TxOutcome {
  const from = state.account(tx.from);
  if (!from) return reject("withdraw", "UnknownAccount", `no account ${tx.from}`);
  if (BigInt(tx.recipient) === 0n)
    return reject("withdraw", "ZeroRecipient", "recipient is the zero address");
  if (tx.amount === 0n) return reject("withdraw", "ZeroAmount", "nothing to withdraw");
  if (tx.amount > MAX_U128) return reject("withdraw", "AmountTooLarge", `${tx.amount} exceeds 2^128-1`);
  const refused = checkSender("withdraw", tx.from, from, tx.amount, () =>
    authorizer.authorizeWithdraw(from.owner, tx, from.nonce),
  );
  if (refused) return refused;
  state.setAccount(tx.from, { ...from, balance: from.balance - tx.amount, nonce: from.nonce + 1 });
  return {
    status: "applied",
    kind: "withdraw",
    withdrawal: { recipient: tx.recipient, tokenId: from.tokenId, amount: tx.amount },
  };
}

/** The checks every spend shares, in order: NonceExhausted · BadSignature · InsufficientBalance. */
function checkSender(
  kind: "transfer" | "withdraw",
  index: number,
  sender: Account,
  amount: bigint,
  isAuthorized: () => boolean,
): TxOutcome | undefined {
  if (sender.nonce === MAX_U32) return reject(kind, "NonceExhausted", `account ${index} used every nonce`);
  if (!isAuthorized()) {
    return reject(
      kind,
      "BadSignature",
      `not signed by the owner of account ${index} at nonce ${sender.nonce}`,
    );
  }
  if (sender.balance < amount) {
    return reject(kind, "InsufficientBalance", `balance ${sender.balance} < amount ${amount}`);
  }
  return undefined;
}
