/**
 * The user's wallet for both rollups and the bridge: the verbs a user runs, as a library (the Hardhat
 * tasks wrap it). A wallet is opened over an ethers `Signer` whose provider is Layer 1, the deployment
 * record (`readDeployment(network)`, src/common/deployments.ts) and the operator's JSON-RPC URL (the
 * sequencer's, or the zk operator's). Nothing here imports Hardhat: any JSON-RPC node works.
 *
 *   const wallet = await OptimisticWallet.open({ signer, deployment, operatorUrl: "http://127.0.0.1:8547" });
 *   await wallet.deposit({ amount: parseEther("1") });                      // ETH through the bridge
 *   await wallet.transfer({ to: "0xBob…", amount: parseEther("0.4") });    // on Layer 2
 *   const { hash } = await wallet.withdraw({ amount: parseEther("0.5") });
 *   await wallet.waitForReceipt(hash, "final");                           // the challenge window passed
 *   await wallet.finalizeWithdrawal(hash);                                // the bridge pays
 *
 * The same verbs on both rollups (`RollupWallet<Status, Receipt>`):
 *
 *   open({ signer, deployment, operatorUrl })  checks chain id, contracts and code (not the operator)
 *   deposit({ amount, token?, to? })         ETH or an ERC-20 (approval included) → DepositResult
 *   transfer({ to, amount, token? })         signed at the current nonce, accepted → TransferResult<R>
 *   withdraw({ amount, token?, recipient? }) signed, accepted → WithdrawResult<R>
 *   balance(token?) / nonce(token?)          this wallet's (0 without an account) → bigint / number
 *   account(token?) / accountOf(owner, token?) / accountAt(index)  → AccountView | undefined
 *   receipt(hash) / waitForReceipt(hash, status, options?)        → R | undefined / R
 *   token(ref)                               the token's id in this rollup → WalletToken
 *   ensureOperator()                         the operator answers as the right service and reaches Layer 1
 *
 * Optimistic only (`OptimisticWallet`; receipts `TxReceipt`, soft-confirmed → committed → final):
 *   proveWithdrawal(hash)                    the sequencer's proof (strata_getWithdrawalProof), checked
 *                                            against the root Layer 1 holds → OptimisticWithdrawalProof
 *   finalizeWithdrawal(hash | proof)         the bridge pays it (a saved proof needs no sequencer)
 *                                            → FinalizeWithdrawalResult
 *
 * zk only (`ZkRollupWallet`; receipts `ZkTxReceipt`, accepted → proven → verified; `owner` is the hash
 * of its key and address: give it to whoever transfers or deposits to you):
 *   credit(token?) / claim({ token?, to? })  a verified withdrawal's credit, and its payout → ClaimResult
 *   forceWithdraw({ token?, amount? })       a censored user asks Layer 1 for a withdrawal the operator must
 *                                            carry (or exodus comes due); amount defaults to the verified
 *                                            balance, floored to a float40 → ForceWithdrawResult
 *   activateExodus()                         once a deposit or a forced withdrawal waited the exodus delay
 *                                            → ActivateExodusResult
 *   exit({ token? })                         in exodus: proof built from Layer 1, balance paid → ExitResult
 *   refundDeposits()                         in exodus: unconsumed deposits credited back → RefundDepositsResult
 *   keys                                     the key-level signer (src/zk/wallet.ts); the key is `zkKey`,
 *                                            or `deriveZkPrivateKey(signer, rollup, chainId)`: keccak256 of
 *                                            the signer's signature of `zkKeyMessage` (same signer, same key)
 *   openWallet("optimistic" | "zk", options) either wallet by name
 *
 * Tokens (`TokenRef`): omitted or "ETH", an ERC-20 address, or a contract name of the deployment
 * ("DemoToken"). Amounts are bigints of base units (wei). Owners: optimistic, a Layer-1 address (or it
 * left-padded to bytes32); zk, the bytes32 owner hash.
 *
 * Every verb checks its input before any Layer-1 transaction and throws a `WalletError` subclass
 * (src/wallet/errors.ts): `WalletAmountError`, `WalletAddressError`, `WalletKeyError`,
 * `WalletUnknownTokenError`, `WalletInsufficientFundsError` (have, need), `WalletAccountNotFoundError`,
 * `WalletRecipientError`, `WalletDeploymentError`, `WalletOperatorError`, `WalletTxRefusedError` (the
 * operator's `reason` and `details`: `NonceMismatch` has `account`, `expected`, `got`),
 * `WalletUnknownTransactionError`, `WalletWithdrawalNotFinalError` (status), `WalletNotAWithdrawalError`,
 * `WalletWithdrawalAlreadyPaidError`, `WalletProofMismatchError`, `WalletNothingToClaimError`,
 * `WalletExodusError`, and `WalletL1RevertError` (a revert raised while ethers estimated gas: nothing
 * was sent). Deposits, transfers and withdrawals are refused while the operator does not answer.
 *
 * Not here: a forced withdrawal on the optimistic rollup (a user forcing the sequencer to include a
 * withdrawal through Layer 1): its contract has none yet. Without an operator, the ways out are the zk
 * rollup's forced withdrawal and exodus, and an optimistic withdrawal whose proof was saved once final.
 */
export * from "./errors";
export type {
  DepositOptions,
  DepositResult,
  L1Result,
  RollupKind,
  SpendResult,
  TokenRef,
  TransferOptions,
  TransferResult,
  WalletOptions,
  WalletToken,
  WithdrawOptions,
  WithdrawResult,
} from "./rollup-wallet";
export { ROLLUP_CONTRACTS, RollupWallet } from "./rollup-wallet";
export type { FinalizeWithdrawalResult, OptimisticWithdrawalProof } from "./optimistic";
export { OptimisticWallet } from "./optimistic";
export type {
  ActivateExodusResult,
  ClaimOptions,
  ClaimResult,
  ExitResult,
  ForceWithdrawOptions,
  ForceWithdrawResult,
  RefundDepositsResult,
  ZkRollupWalletOptions,
} from "./zk";
export { ZkRollupWallet, deriveZkPrivateKey, zkKeyMessage } from "./zk";

import type { WalletOptions } from "./rollup-wallet";
import { OptimisticWallet } from "./optimistic";
import type { ZkRollupWalletOptions } from "./zk";
import { ZkRollupWallet } from "./zk";

/** Opens the wallet of the rollup `rollup` names: `openWallet("zk", options)` is `ZkRollupWallet.open(options)`. */
export function openWallet(rollup: "optimistic", options: WalletOptions): Promise<OptimisticWallet>;
export function openWallet(rollup: "zk", options: ZkRollupWalletOptions): Promise<ZkRollupWallet>;
export function openWallet(
  rollup: "optimistic" | "zk",
  options: ZkRollupWalletOptions,
): Promise<OptimisticWallet | ZkRollupWallet>;
export function openWallet(
  rollup: "optimistic" | "zk",
  options: ZkRollupWalletOptions,
): Promise<OptimisticWallet | ZkRollupWallet> {
  return rollup === "optimistic" ? OptimisticWallet.open(options) : ZkRollupWallet.open(options);
}
