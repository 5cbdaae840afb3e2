/**
 * What a user does the same way on both rollups, written once: open a wallet on a deployment (its
 * chain, contracts and code checked), resolve a token, deposit through the bridge, read accounts,
 * balances, nonces and receipts from the operator, and sign and send transfers and withdrawals. Each
 * rollup's wallet (`OptimisticWallet`, `ZkRollupWallet`) adds how it names owners, signs spends and
 * pays withdrawals out. Every verb checks its input, the chain and the operator before any Layer-1
 * transaction, and throws a `WalletError` subclass (src/wallet/errors.ts) for what it refuses.
 */
import type { ContractTransactionReceipt, Provider, Signer } from "ethers";
import { ZeroAddress, getAddress, isAddress } from "ethers";
import { IERC20__factory } from "../../typechain-types";
import { BridgeClient } from "../bridge/client";
import { ContractRevertError, StrataError } from "../common/errors";
import type { Deployment } from "../common/deployments";
import { contractAddress } from "../common/deployments";
import { checkDeploymentOnChain } from "../common/chain-identity";
import type {
  AccountView,
  JsonRpcClientOptions,
  StatusReceipt,
  WaitForStatusOptions,
} from "../common/json-rpc";
import {
  BYTES32,
  ReceiptStatusTimeoutError,
  RpcError,
  RpcTransportError,
  TxRejectedError,
} from "../common/json-rpc";
import type { RollupRpcClient } from "../common/rollup-rpc";
import type { EventBase } from "../common/events";
import { MAX_U128 } from "../shared/types";
import {
  WalletAccountNotFoundError,
  WalletAddressError,
  WalletAmountError,
  WalletDeploymentError,
  WalletError,
  WalletInsufficientFundsError,
  WalletL1RevertError,
  WalletOperatorError,
  WalletRecipientError,
  WalletTxRefusedError,
  WalletUnknownTokenError,
} from "./errors";

/** The two rollups a wallet drives. */
export type RollupKind = "optimistic" | "zk";

/** The contract each rollup's wallet drives, by its name in the deployment record. */
export const ROLLUP_CONTRACTS: Readonly<Record<RollupKind, string>> = {
  optimistic: "OptimisticRollup",
  zk: "ZkRollup",
};

/** What every wallet is opened with. */
export interface WalletOptions {
  /** Signs and pays Layer-1 transactions (and, on the optimistic rollup, Layer-2 spends); its provider is Layer 1. */
  signer: Signer;
  /** The deployment record (`deployments/<network>.json`): where the bridge and the rollup are. */
  deployment: Deployment;
  /** The operator's JSON-RPC URL: the sequencer's (optimistic) or the zk operator's. */
  operatorUrl: string;
  /** Per-request timeout for the operator (default 30 s). */
  operator?: JsonRpcClientOptions;
}

/**
 * A token as a verb names it: omitted or `"ETH"` for ether, an ERC-20's address, or the name of a
 * contract in the deployment record (`"DemoToken"`).
 */
export type TokenRef = string | undefined;

/** A token as the rollup lists it. */
export interface WalletToken {
  /** The bridge's id for it in this rollup (ETH is 0). */
  tokenId: number;
  /** The ERC-20's address; undefined for ETH. */
  address?: string;
}

export interface DepositOptions {
  /** In base units (wei), more than 0. */
  amount: bigint;
  token?: TokenRef;
  /**
   * The Layer-2 owner credited (default: this wallet's): on the optimistic rollup a Layer-1 address or
   * a bytes32 owner, on the zk rollup a bytes32 owner (`ZkRollupWallet.owner` of the recipient).
   */
  to?: string;
}

export interface DepositResult {
  /** The Layer-1 transaction of the deposit (an ERC-20's approval, when one was needed, came before it). */
  l1TxHash: string;
  blockNumber: number;
  gasUsed: bigint;
  amount: bigint;
  tokenId: number;
  /** The bytes32 Layer-2 owner credited. */
  owner: string;
  /** Its sequence number in the rollup's deposit queue, and the queue head after it. */
  queueIndex: bigint;
  head: string;
}

export interface TransferOptions {
  /**
   * The receiving account: its index, or its owner (on the optimistic rollup a Layer-1 address or a
   * bytes32 owner, on the zk rollup a bytes32 owner), whose account for the same token is used.
   */
  to: number | string;
  amount: bigint;
  token?: TokenRef;
}

export interface WithdrawOptions {
  amount: bigint;
  token?: TokenRef;
  /** The Layer-1 address paid (default: this wallet's). */
  recipient?: string;
}

/** A spend the operator accepted: its Layer-2 receipt, and what was signed. */
export interface SpendResult<R> {
  receipt: R;
  /** The Layer-2 transaction hash (what `receipt` and `waitForReceipt` take). */
  hash: string;
  from: number;
  tokenId: number;
  amount: bigint;
  /** The nonce it was signed at. */
  nonce: number;
}

export interface TransferResult<R> extends SpendResult<R> {
  to: number;
}

export interface WithdrawResult<R> extends SpendResult<R> {
  recipient: string;
}

/** A Layer-1 transaction a verb sent, once mined. */
export interface L1Result {
  l1TxHash: string;
  blockNumber: number;
  gasUsed: bigint;
}

/** A spend signed for the operator: its wire form, its Layer-2 hash and its nonce. */
export interface SignedSpend {
  encoded: string;
  hash: string;
  nonce: number;
}

/** What both wallets are built on: the signer, the deployment's bridge and rollup, checked against the chain. */
export interface WalletContext {
  signer: Signer;
  provider: Provider;
  /** The signer's address. */
  address: string;
  deployment: Deployment;
  /** The rollup contract. */
  rollup: string;
  /** The bridge, sending with `signer`. */
  bridge: BridgeClient;
}

/**
 * Checks `options` against the chain (a provider on the deployment's chain, the bridge and the `kind`
 * rollup in the record, code at both, the rollup registered with the bridge) and returns the context.
 */
export async function openWalletContext(options: WalletOptions, kind: RollupKind): Promise<WalletContext> {
  const { signer, deployment } = options;
  const provider = signer.provider;
  if (!provider) throw new WalletDeploymentError("the signer has no provider: connect it to Layer 1");
  let bridgeAddress: string;
  let rollup: string;
  try {
    bridgeAddress = contractAddress(deployment, "Bridge");
    rollup = contractAddress(deployment, ROLLUP_CONTRACTS[kind]);
  } catch (cause) {
    throw new WalletDeploymentError((cause as Error).message, { cause });
  }
  // The node holds this deployment: its chain, its anchor block, code at the bridge and the rollup.
  try {
    await checkDeploymentOnChain(deployment, provider, { contracts: ["Bridge", ROLLUP_CONTRACTS[kind]] });
  } catch (cause) {
    if (!(cause instanceof StrataError)) throw cause;
    throw new WalletDeploymentError(cause.message, { cause });
  }
  const bridge = new BridgeClient(bridgeAddress, signer);
  if (!(await bridge.contract.isRegistered(rollup))) {
    throw new WalletDeploymentError(`the bridge at ${bridgeAddress} has no rollup ${rollup}`);
  }
  return { signer, provider, address: await signer.getAddress(), deployment, rollup, bridge };
}

/** A positive whole amount of base units that fits a uint128; `what` names it in the message. */
export function checkAmount(amount: unknown, what: string): bigint {
  if (typeof amount !== "bigint") throw new WalletAmountError(`${what} must be a bigint of base units (wei)`);
  if (amount <= 0n) throw new WalletAmountError(`${what} must be more than 0, got ${amount}`);
  if (amount > MAX_U128) throw new WalletAmountError(`${what} ${amount} exceeds 2^128-1`);
  return amount;
}

/** A non-zero Layer-1 address, checksummed; `what` names it in the message. */
export function checkAddress(value: unknown, what: string): string {
  if (typeof value !== "string" || !isAddress(value)) {
    throw new WalletAddressError(
      `${what} must be a Layer-1 address (0x and 40 hex digits), got ${String(value)}`,
    );
  }
  if (BigInt(value) === 0n) throw new WalletAddressError(`${what} is the zero address`);
  return getAddress(value);
}

/** Whether `value` is a bytes32 hex word (a Layer-2 owner). */
export function isBytes32(value: string): boolean {
  return BYTES32.test(value);
}

/**
 * A wallet on one rollup: the verbs both rollups share. Subclasses say how owners are named, how spends
 * are signed and sent, and add their own way out to Layer 1.
 */
export abstract class RollupWallet<S extends string, R extends StatusReceipt<S>> {
  abstract readonly kind: RollupKind;
  /** This wallet's Layer-2 owner, as bytes32 hex (what its deposits credit by default). */
  abstract readonly owner: string;
  protected abstract readonly client: RollupRpcClient<S, R, EventBase>;
  /** The service name the operator's `strata_health` must answer with. */
  protected abstract readonly service: string;
  /** The largest token id the rollup carries. */
  protected abstract readonly maxTokenId: number;

  protected constructor(protected readonly context: WalletContext) {}

  /** The signer's Layer-1 address. */
  get address(): string {
    return this.context.address;
  }

  /** The rollup contract's address. */
  get rollup(): string {
    return this.context.rollup;
  }

  /** The bridge contract's address. */
  get bridge(): string {
    return this.context.bridge.address;
  }

  // ---------------------------------------------------------------------------------------------
  // Tokens
  // ---------------------------------------------------------------------------------------------

  /**
   * The token `ref` names, as this rollup lists it; throws `WalletUnknownTokenError` when the rollup
   * does not list it (or, with `forDeposit`, takes no new deposits of it).
   */
  async token(ref: TokenRef, forDeposit = false): Promise<WalletToken> {
    if (ref === undefined || ref.toUpperCase() === "ETH" || ref === ZeroAddress) return { tokenId: 0 };
    const named = this.context.deployment.contracts[ref];
    const address = named ?? ref;
    if (!isAddress(address)) {
      throw new WalletUnknownTokenError(
        `token "${ref}" is neither ETH, an address, nor a contract of deployment "${this.context.deployment.network}"`,
      );
    }
    const asset = await this.context.bridge.contract.asset(this.rollup, address);
    if (!asset.listed)
      throw new WalletUnknownTokenError(`the ${this.kind} rollup does not list token ${address}`);
    if (forDeposit && !asset.allowed) {
      throw new WalletUnknownTokenError(`the ${this.kind} rollup takes no new deposits of token ${address}`);
    }
    const tokenId = Number(asset.tokenId);
    if (tokenId > this.maxTokenId) {
      throw new WalletUnknownTokenError(
        `token ${address} has id ${tokenId} in the bridge, beyond what the ${this.kind} rollup carries (${this.maxTokenId})`,
      );
    }
    return { tokenId, address: getAddress(address) };
  }

  // ---------------------------------------------------------------------------------------------
  // Deposit
  // ---------------------------------------------------------------------------------------------

  /**
   * Deposits ETH or an ERC-20 (approving the bridge first when its allowance is short) for `to` (default:
   * this wallet's owner). Checks the amount, the token, the recipient, the Layer-1 balance and that the
   * operator answers, before any transaction. Resolves once the deposit is mined; the operator credits it
   * when it next pulls the queue.
   */
  async deposit(o: DepositOptions): Promise<DepositResult> {
    const amount = checkAmount(o.amount, "the deposit");
    this.checkAmountForm(amount, "the deposit");
    const token = await this.token(o.token, true);
    const owner = o.to === undefined ? this.owner : this.ownerFrom(o.to, "the deposit's recipient");
    const have = token.address
      ? await IERC20__factory.connect(token.address, this.context.provider).balanceOf(this.address)
      : await this.context.provider.getBalance(this.address);
    if (have < amount) {
      throw new WalletInsufficientFundsError(
        `${this.address} holds ${have} of token ${token.tokenId} on Layer 1, less than the deposit's ${amount}`,
        have,
        amount,
      );
    }
    await this.ensureOperator();
    const { bridge, signer } = this.context;
    const { deposit, receipt } = await this.layer1("the deposit", () =>
      token.address
        ? bridge.depositErc20(signer, { rollup: this.rollup, token: token.address, to: owner, amount })
        : bridge.depositEth(signer, { rollup: this.rollup, to: owner, amount }),
    );
    return {
      ...l1Result(receipt),
      amount: deposit.amount,
      tokenId: deposit.tokenId,
      owner: deposit.to,
      queueIndex: deposit.index,
      head: deposit.head,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Reading Layer 2 (the operator's state: its pending transactions applied)
  // ---------------------------------------------------------------------------------------------

  /** The account at `index`, or undefined when none is open there. */
  accountAt(index: number): Promise<AccountView | undefined> {
    checkIndex(index, "the account index");
    return this.operator("getAccount", () => this.client.getAccount(index));
  }

  /** The account of `owner` (see `TransferOptions.to` for how owners are named) for `token`, if any. */
  async accountOf(owner: string, token?: TokenRef): Promise<AccountView | undefined> {
    const ownerHex = this.ownerFrom(owner, "the owner");
    const { tokenId } = await this.token(token);
    const index = await this.operator("findAccount", () => this.client.findAccount(ownerHex, tokenId));
    return index === undefined ? undefined : this.accountAt(index);
  }

  /** This wallet's account for `token`, if it has one. */
  account(token?: TokenRef): Promise<AccountView | undefined> {
    return this.accountOf(this.owner, token);
  }

  /** This wallet's Layer-2 balance of `token` (0 without an account). */
  async balance(token?: TokenRef): Promise<bigint> {
    return (await this.account(token))?.balance ?? 0n;
  }

  /** The nonce this wallet's next spend of `token` is signed at (0 without an account). */
  async nonce(token?: TokenRef): Promise<number> {
    return (await this.account(token))?.nonce ?? 0;
  }

  /** The Layer-2 receipt of `hash`, or undefined when the operator does not know it. */
  receipt(hash: string): Promise<R | undefined> {
    const key = checkHash(hash);
    return this.operator("getReceipt", () => this.client.getReceipt(key));
  }

  /** Waits until `hash` reaches `status` or a later one; throws `WalletOperatorError` on timeout. */
  async waitForReceipt(hash: string, status: S, options?: WaitForStatusOptions): Promise<R> {
    const key = checkHash(hash);
    return this.operator(`waitForStatus ${status}`, () => this.client.waitForStatus(key, status, options));
  }

  // ---------------------------------------------------------------------------------------------
  // Spending on Layer 2
  // ---------------------------------------------------------------------------------------------

  /**
   * Signs and sends a transfer from this wallet's account for `token` to `o.to`, at the account's current
   * nonce. Checks the amount against the balance and the recipient's account (open, same token, not the
   * sender) first; resolves once the operator accepted it.
   */
  async transfer(o: TransferOptions): Promise<TransferResult<R>> {
    const amount = checkAmount(o.amount, "the transfer");
    this.checkAmountForm(amount, "the transfer");
    const { tokenId } = await this.token(o.token);
    const from = await this.spendable(tokenId, amount);
    const to = await this.recipientAccount(o.to, tokenId);
    if (to.index === from.index) {
      throw new WalletRecipientError(`account ${from.index} would pay itself: name another recipient`);
    }
    const signed = await this.signTransfer(from, to.index, amount);
    const receipt = await this.send(signed);
    return {
      receipt,
      hash: signed.hash,
      from: from.index,
      to: to.index,
      tokenId,
      amount,
      nonce: signed.nonce,
    };
  }

  /**
   * Signs and sends a withdrawal of `amount` of `token` to a Layer-1 address (default: this wallet's), at
   * the account's current nonce. Resolves once the operator accepted it; the rollup pays it out on Layer 1
   * once its batch is final (optimistic: `finalizeWithdrawal`; zk: verified, then `claim`).
   */
  async withdraw(o: WithdrawOptions): Promise<WithdrawResult<R>> {
    const amount = checkAmount(o.amount, "the withdrawal");
    this.checkAmountForm(amount, "the withdrawal");
    const recipient = checkAddress(o.recipient ?? this.address, "the withdrawal's recipient");
    const { tokenId } = await this.token(o.token);
    const from = await this.spendable(tokenId, amount);
    const signed = await this.signWithdraw(from, recipient, amount);
    const receipt = await this.send(signed);
    return { receipt, hash: signed.hash, from: from.index, tokenId, amount, nonce: signed.nonce, recipient };
  }

  /** This wallet's account for `tokenId`, checked to hold `amount`. */
  private async spendable(tokenId: number, amount: bigint): Promise<AccountView> {
    await this.ensureOperator();
    const index = await this.operator("findAccount", () => this.client.findAccount(this.owner, tokenId));
    const account = index === undefined ? undefined : await this.accountAt(index);
    if (!account) {
      throw new WalletAccountNotFoundError(
        `${this.address} has no ${this.kind} rollup account for token ${tokenId}: deposit first`,
      );
    }
    if (account.balance < amount) {
      throw new WalletInsufficientFundsError(
        `account ${account.index} holds ${account.balance}, less than ${amount}`,
        account.balance,
        amount,
      );
    }
    return account;
  }

  /** The account a transfer of `tokenId` goes to. */
  private async recipientAccount(to: number | string, tokenId: number): Promise<AccountView> {
    if (typeof to === "number") {
      const account = await this.accountAt(to);
      if (!account) throw new WalletAccountNotFoundError(`no ${this.kind} rollup account ${to}`);
      if (account.tokenId !== tokenId) {
        throw new WalletRecipientError(`account ${to} holds token ${account.tokenId}, not ${tokenId}`);
      }
      return account;
    }
    const owner = this.ownerFrom(to, "the transfer's recipient");
    const index = await this.operator("findAccount", () => this.client.findAccount(owner, tokenId));
    const account = index === undefined ? undefined : await this.accountAt(index);
    if (!account) {
      throw new WalletAccountNotFoundError(
        `${to} has no ${this.kind} rollup account for token ${tokenId}: it opens one with a deposit`,
      );
    }
    return account;
  }

  /** Hands a signed spend to the operator; a refusal is a `WalletTxRefusedError` naming it. */
  private send(signed: SignedSpend): Promise<R> {
    return this.operator("sendTransaction", () => this.submit(signed));
  }

  // ---------------------------------------------------------------------------------------------
  // What each rollup says for itself
  // ---------------------------------------------------------------------------------------------

  /** The bytes32 owner `value` names (or a `WalletAddressError` naming `what`). */
  protected abstract ownerFrom(value: string, what: string): string;

  /** A further check of an amount's form (the zk rollup carries only float40 amounts). */
  protected checkAmountForm(_amount: bigint, _what: string): void {}

  protected abstract signTransfer(from: AccountView, to: number, amount: bigint): Promise<SignedSpend>;
  protected abstract signWithdraw(from: AccountView, recipient: string, amount: bigint): Promise<SignedSpend>;
  /** Sends a signed spend with the client (the optimistic rollup declares its nonce). */
  protected abstract submit(signed: SignedSpend): Promise<R>;

  // ---------------------------------------------------------------------------------------------
  // The operator and Layer 1
  // ---------------------------------------------------------------------------------------------

  /**
   * Checks that the operator answers as the service this wallet needs, reaches Layer 1, and (when its
   * health names one) serves this wallet's rollup; throws `WalletOperatorError` otherwise.
   */
  async ensureOperator(): Promise<void> {
    const health = await this.operator("strata_health", () => this.client.health());
    const url = this.client.url;
    if (health.service !== this.service) {
      throw new WalletOperatorError(`${url} is the ${health.service} service, not the ${this.service}`);
    }
    if (health.status !== "ok") {
      throw new WalletOperatorError(
        `the ${this.service} at ${url} is ${health.status}: it cannot reach Layer 1`,
      );
    }
    const served = health.rollup;
    if (typeof served === "string" && served.toLowerCase() !== this.rollup.toLowerCase()) {
      throw new WalletOperatorError(
        `the ${this.service} at ${url} serves rollup ${served}, not deployment "${this.context.deployment.network}"'s ${this.rollup}`,
      );
    }
  }

  /** Runs an operator call, turning its failures into wallet errors. */
  protected async operator<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.operatorError(what, error);
    }
  }

  private operatorError(what: string, error: unknown): unknown {
    const url = this.client.url;
    if (error instanceof WalletError) return error;
    if (error instanceof TxRejectedError) {
      return new WalletTxRefusedError(error.reason, error.message, error.details, { cause: error });
    }
    if (error instanceof RpcTransportError) {
      return new WalletOperatorError(
        `the ${this.service} at ${url} does not answer (${what}): ${error.message}`,
        {
          cause: error,
        },
      );
    }
    if (error instanceof ReceiptStatusTimeoutError) {
      return new WalletOperatorError(`${error.message} (the ${this.service} at ${url})`, { cause: error });
    }
    if (error instanceof RpcError) {
      return new WalletOperatorError(
        `the ${this.service} at ${url} answered ${what} with ${error.code}: ${error.message}`,
        {
          cause: error,
        },
      );
    }
    return error;
  }

  /** Sends a Layer-1 transaction, turning a revert (raised while ethers estimates gas) into `WalletL1RevertError`. */
  protected async layer1<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof ContractRevertError) {
        throw new WalletL1RevertError(error.errorName, `Layer 1 refused ${what}: ${error.message}`, {
          cause: error,
        });
      }
      if (error instanceof StrataError) throw error;
      throw new WalletError(`${what} failed on Layer 1: ${(error as Error).message ?? String(error)}`, {
        cause: error,
      });
    }
  }
}

/** What a verb reports of the Layer-1 transaction it sent. */
export function l1Result(receipt: ContractTransactionReceipt): L1Result {
  return { l1TxHash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed };
}

function checkIndex(index: unknown, what: string): void {
  if (typeof index !== "number" || !Number.isSafeInteger(index) || index < 0) {
    throw new WalletAccountNotFoundError(`${what} must be a non-negative whole number, got ${String(index)}`);
  }
}

/** A Layer-2 transaction hash (32 bytes of hex), lower-cased. */
export function checkHash(hash: unknown): string {
  if (typeof hash !== "string" || !isBytes32(hash)) {
    throw new WalletAddressError(`a Layer-2 transaction hash is 32 bytes of 0x hex, got ${String(hash)}`);
  }
  return hash.toLowerCase();
}
