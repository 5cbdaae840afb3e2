/**
 * A user's wallet on the zk rollup: the shared verbs (src/wallet/rollup-wallet.ts) with a BabyJubJub key
 * (given, or derived from the Layer-1 signer), the owner Poseidon(key, Layer-1 address) mod 2^160,
 * EdDSA-Poseidon signatures (src/zk/wallet.ts signs and encodes), only float40 amounts, and the ways out:
 * - `claim`: a withdrawal is credited on Layer 1 as soon as its batch verifies; the recipient claims it;
 * - `forceWithdraw`: a withdrawal asked on Layer 1 (`requestWithdrawal`) that the operator must carry in
 *   order, for a user it censors; credited like any withdrawal (then `claim`), or it starts the clock:
 * - exodus, once the operator has left a deposit or a forced withdrawal unconsumed for the rollup's
 *   exodus delay:
 *   `activateExodus` (anyone), then each owner's `exit` with a Merkle proof the wallet builds from a
 *   state it rebuilds from Layer 1 alone (no operator needed), and `refundDeposits` for deposits never
 *   consumed (their depositors then `claim`).
 */
import type { Signer } from "ethers";
import { getBytes, keccak256 } from "ethers";
import { depositData, depositsToCatchUp } from "../shared/deposit";
import { floorFloat40, isFloat40 } from "../shared/float40";
import type { ZkForcedRequest } from "../zk/types";
import type { AccountView } from "../common/json-rpc";
import { ZkChainFollower } from "../zk/chain-follower";
import { buildExitProof } from "../zk/exit";
import { unconsumedDeposits } from "../zk/invariants";
import type { ZkPrivateKey } from "../zk/keys";
import { OWNER_BITS, ZkCrypto, parseZkPrivateKey } from "../zk/keys";
import type { ZkRollupConfig } from "../zk/rollup-client";
import { ZkRollupClient } from "../zk/rollup-client";
import type { ZkTxReceipt, ZkTxStatus } from "../zk/rpc-server";
import { ZK_OPERATOR_SERVICE, ZkOperatorClient } from "../zk/rpc-server";
import type { ZkSignedSpend } from "../zk/wallet";
import { ZkWallet } from "../zk/wallet";
import {
  WalletAccountNotFoundError,
  WalletAddressError,
  WalletAmountError,
  WalletDeploymentError,
  WalletExodusError,
  WalletInsufficientFundsError,
  WalletKeyError,
  WalletNothingToClaimError,
} from "./errors";
import type { L1Result, SignedSpend, TokenRef, WalletContext, WalletOptions } from "./rollup-wallet";
import { RollupWallet, checkAddress, isBytes32, l1Result, openWalletContext } from "./rollup-wallet";
import { nextBlockTime } from "../common/layer1";
import { StrataError } from "../common/errors";
import { checkZkVerifierPin } from "../deploy/zk-verifier";

export interface ZkRollupWalletOptions extends WalletOptions {
  /** The BabyJubJub private key (32 bytes, or their 0x hex). Default: `deriveZkPrivateKey(signer, …)`. */
  zkKey?: ZkPrivateKey | string;
  /** The process's `ZkCrypto` (default: loaded). */
  crypto?: ZkCrypto;
}

export interface ClaimOptions {
  token?: TokenRef;
  /** Who is paid (default: this wallet's address). */
  to?: string;
}

export interface ClaimResult extends L1Result {
  tokenId: number;
  to: string;
  amount: bigint;
}

export interface ActivateExodusResult extends L1Result {
  /** The deposits left unconsumed. */
  pendingDeposits: number;
  /** The forced withdrawals left unconsumed. */
  pendingForced: number;
}

export interface ForceWithdrawOptions {
  token?: TokenRef;
  /** In base units, a float40 (default: the largest float40 not above the account's verified balance). */
  amount?: bigint;
}

export interface ForceWithdrawResult extends L1Result {
  /** The request as the rollup stored it (its number in the queue, account, amount, time). */
  request: ZkForcedRequest;
  /** The wei the request paid (the rollup's forced-request fee, to the operator that carries it). */
  fee: bigint;
  /** When anyone may start exodus if no batch has carried it by then (Layer-1 seconds). */
  dueAt: number;
}

export interface ExitResult extends L1Result {
  accountIndex: number;
  tokenId: number;
  /** What the bridge paid this wallet's address: the account's balance in the last verified state. */
  amount: bigint;
}

export interface RefundDepositsResult extends L1Result {
  /** Deposits credited back to their depositors (who then `claim`). */
  refunded: number;
}

/** What the signer signs to derive its zk key (see `deriveZkPrivateKey`). */
export function zkKeyMessage(rollup: string, chainId: number): string {
  return (
    `Strata zk rollup key\n\nrollup: ${rollup.toLowerCase()}\nchain: ${chainId}\n\n` +
    `Signing this gives the key to your Layer-2 account: sign it only for a wallet you trust.`
  );
}

/**
 * The BabyJubJub key a Layer-1 signer holds on one zk rollup: keccak256 of its signature of
 * `zkKeyMessage` (personal_sign). The same signer gets the same key again (ECDSA signatures are
 * deterministic, RFC 6979, with ethers' wallets, Hardhat and Anvil accounts), so a user keeps one key.
 */
export async function deriveZkPrivateKey(
  signer: Signer,
  rollup: string,
  chainId: number,
): Promise<ZkPrivateKey> {
  return getBytes(keccak256(await signer.signMessage(zkKeyMessage(rollup, chainId))));
}

export class ZkRollupWallet extends RollupWallet<ZkTxStatus, ZkTxReceipt> {
  readonly kind = "zk" as const;
  readonly owner: string;
  protected readonly client: ZkOperatorClient;
  protected readonly service = ZK_OPERATOR_SERVICE;
  protected readonly maxTokenId = 2 ** 16 - 1;
  private readonly rollupClient: ZkRollupClient;

  private constructor(
    context: WalletContext,
    options: WalletOptions,
    /** The key-level signer: the key, the owner, the spends it signs. */
    readonly keys: ZkWallet,
    private readonly crypto: ZkCrypto,
    readonly config: ZkRollupConfig,
  ) {
    super(context);
    this.owner = keys.ownerHex;
    this.client = new ZkOperatorClient(options.operatorUrl, options.operator);
    this.rollupClient = new ZkRollupClient(context.rollup, context.signer);
  }

  /** Opens a wallet on the deployment's zk rollup (checks the chain; does not call the operator). */
  static async open(options: ZkRollupWalletOptions): Promise<ZkRollupWallet> {
    const context = await openWalletContext(options, "zk");
    // The rollup proves with the verifier the record pins (its code, the key the setup published): a
    // wallet sends nothing to a rollup whose proofs it has no reason to trust.
    try {
      await checkZkVerifierPin(context.deployment, context.provider);
    } catch (cause) {
      if (!(cause instanceof StrataError)) throw cause;
      throw new WalletDeploymentError(`the zk rollup's verifier cannot be trusted: ${cause.message}`, {
        cause,
      });
    }
    const crypto = options.crypto ?? (await ZkCrypto.load());
    const config = await new ZkRollupClient(context.rollup, context.provider).config();
    let key: ZkPrivateKey;
    try {
      key =
        options.zkKey === undefined
          ? await deriveZkPrivateKey(context.signer, context.rollup, context.deployment.chainId)
          : parseZkPrivateKey(options.zkKey);
    } catch (cause) {
      throw new WalletKeyError(`the zk key is not usable: ${(cause as Error).message}`, { cause });
    }
    const keys = new ZkWallet(crypto, key, context.address, config.domain);
    return new ZkRollupWallet(context, options, keys, crypto, config);
  }

  // ---------------------------------------------------------------------------------------------
  // Credits
  // ---------------------------------------------------------------------------------------------

  /** What this wallet's address may claim of `token`: verified withdrawals and refunded deposits. */
  async credit(token?: TokenRef): Promise<bigint> {
    const { tokenId } = await this.token(token);
    return this.rollupClient.creditOf(this.address, tokenId);
  }

  /** Claims this wallet's whole credit of `token`, paid to `to` (default: this wallet's address). */
  async claim(o: ClaimOptions = {}): Promise<ClaimResult> {
    const to = checkAddress(o.to ?? this.address, "the claim's recipient");
    const { tokenId } = await this.token(o.token);
    const credit = await this.rollupClient.creditOf(this.address, tokenId);
    if (credit === 0n) {
      throw new WalletNothingToClaimError(
        `${this.address} has no credit of token ${tokenId}: a withdrawal is credited once its batch is verified`,
      );
    }
    const receipt = await this.layer1("claim", () =>
      this.rollupClient.claim(this.context.signer, tokenId, to),
    );
    const amount = this.rollupClient.eventIn(receipt, "CreditClaimed").args.amount as bigint;
    return { ...l1Result(receipt), tokenId, to, amount };
  }

  // ---------------------------------------------------------------------------------------------
  // Forced withdrawal (no operator needed: the state comes from Layer 1)
  // ---------------------------------------------------------------------------------------------

  /**
   * Asks Layer 1 for a withdrawal of `amount` (default: the largest float40 not above the balance) from
   * this wallet's account for `token`, in the last verified state: the operator must carry it in order
   * (then this wallet's address is credited: `claim`), or anyone may start exodus once it has waited the
   * rollup's exodus delay. Pays the rollup's forced-request fee (`msg.value`). Checked before anything is sent: `WalletExodusError` (exodus on),
   * `WalletAccountNotFoundError` (no account), `WalletAmountError` (zero, or not a float40),
   * `WalletInsufficientFundsError` (more than the verified balance: the request would be nullified).
   */
  async forceWithdraw(o: ForceWithdrawOptions = {}): Promise<ForceWithdrawResult> {
    const { tokenId } = await this.token(o.token);
    if (await this.rollupClient.isExodus()) throw new WalletExodusError("exodus is active: exit instead");
    const node = await this.layer1Node();
    const accountIndex = node.state.accounts.findAccount(this.owner, tokenId);
    if (accountIndex === undefined) {
      throw new WalletAccountNotFoundError(
        `${this.address} has no account for token ${tokenId} in the last verified state: nothing to withdraw`,
      );
    }
    const { balance } = node.state.account(accountIndex)!;
    const amount = o.amount ?? floorFloat40(balance);
    if (amount <= 0n)
      throw new WalletAmountError(`nothing to withdraw: account ${accountIndex} holds ${balance}`);
    this.checkAmountForm(amount, "the forced withdrawal's amount");
    if (amount > balance) {
      throw new WalletInsufficientFundsError(
        `account ${accountIndex} holds ${balance} in the last verified state, less than ${amount}: ` +
          `the request would be nullified`,
        balance,
        amount,
      );
    }
    const { Ax: ax, Ay: ay } = this.keys.key.publicKey;
    const { request, receipt } = await this.layer1("requestWithdrawal", () =>
      this.rollupClient.requestWithdrawal(this.context.signer, {
        account: accountIndex,
        tokenId,
        amount,
        ax,
        ay,
      }),
    );
    return {
      ...l1Result(receipt),
      request,
      fee: this.config.forcedRequestFee,
      dueAt: Number(request.requestedAt) + this.config.exodusDelay,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Exodus (no operator needed: everything comes from Layer 1)
  // ---------------------------------------------------------------------------------------------

  /**
   * Switches exodus on: allowed once the oldest deposit, or the oldest forced withdrawal, the operator
   * left unconsumed has waited the rollup's exodus delay. Throws `WalletExodusError` when exodus is on
   * already, nothing waits, or the oldest has not waited long enough (the message says when it will have).
   */
  async activateExodus(): Promise<ActivateExodusResult> {
    if (await this.rollupClient.isExodus()) throw new WalletExodusError("exodus is active already");
    const pending = await unconsumedDeposits(await this.layer1Node(), this.context.bridge);
    const forced = await this.rollupClient.pendingForcedRequests();
    const waited = [
      ...(pending.length > 0 ? [{ what: "deposit", since: Number(pending[0].timestamp) }] : []),
      ...(forced.length > 0 ? [{ what: "forced withdrawal", since: Number(forced[0].requestedAt) }] : []),
    ].sort((x, y) => x.since - y.since);
    if (waited.length === 0) {
      throw new WalletExodusError(
        "no deposit and no forced withdrawal waits unconsumed: exodus starts only when the operator leaves one",
      );
    }
    const [oldest] = waited;
    const dueAt = oldest.since + this.config.exodusDelay;
    // The time the activation would be mined at: a local node's latest block can be minutes old.
    const now = await nextBlockTime(this.context.provider);
    if (now < dueAt) {
      throw new WalletExodusError(
        `exodus is not due before ${dueAt} (${dueAt - now} s from now): the oldest ` +
          `${oldest.what} has waited ${now - oldest.since} s of ${this.config.exodusDelay}`,
      );
    }
    const receipt = await this.layer1("activateExodus", () =>
      // None while the bridge remembers the first waiting deposit's time; else enough to reach a count it does.
      this.rollupClient.activateExodus(this.context.signer, depositsToCatchUp(pending, 0)),
    );
    return { ...l1Result(receipt), pendingDeposits: pending.length, pendingForced: forced.length };
  }

  /**
   * Exits this wallet's account for `token` in exodus: builds its Merkle proof from a state rebuilt from
   * Layer 1 (the last verified root) and has the rollup pay its balance to this wallet's address.
   */
  async exit(o: { token?: TokenRef } = {}): Promise<ExitResult> {
    const { tokenId } = await this.token(o.token);
    if (!(await this.rollupClient.isExodus())) {
      throw new WalletExodusError(
        "exodus is not active: the rollup still runs (withdraw instead), or activateExodus first once a deposit or a forced withdrawal " +
          `has waited ${this.config.exodusDelay} s unconsumed`,
      );
    }
    const node = await this.layer1Node();
    const accountIndex = node.state.accounts.findAccount(this.owner, tokenId);
    if (accountIndex === undefined) {
      throw new WalletAccountNotFoundError(
        `${this.address} has no account for token ${tokenId} in the last verified state: nothing to exit`,
      );
    }
    if (await this.rollupClient.hasExited(accountIndex)) {
      throw new WalletExodusError(`account ${accountIndex} has exited already`);
    }
    const proof = buildExitProof(node.state, accountIndex, this.keys.signer, this.crypto);
    const receipt = await this.layer1("exit", () => this.rollupClient.exit(this.context.signer, proof));
    return { ...l1Result(receipt), accountIndex, tokenId, amount: proof.balance };
  }

  /** In exodus, credits every never-consumed deposit back to its depositor (anyone may send it). */
  async refundDeposits(): Promise<RefundDepositsResult> {
    if (!(await this.rollupClient.isExodus())) {
      throw new WalletExodusError("exodus is not active: the operator may still consume the deposits");
    }
    const pending = (await unconsumedDeposits(await this.layer1Node(), this.context.bridge)).map(depositData);
    if (pending.length === 0) throw new WalletExodusError("no deposit is left to refund");
    const receipt = await this.layer1("refundDeposits", () =>
      this.rollupClient.refundDeposits(this.context.signer, pending, pending.length),
    );
    return { ...l1Result(receipt), refunded: pending.length };
  }

  /** A verifier node rebuilt from Layer 1 alone, synced. */
  private async layer1Node(): Promise<ZkChainFollower> {
    const reader = new ZkRollupClient(this.rollup, this.context.provider);
    const node = await ZkChainFollower.create(reader, this.context.provider, this.crypto);
    await node.sync();
    return node;
  }

  // ---------------------------------------------------------------------------------------------
  // What the zk rollup says for itself
  // ---------------------------------------------------------------------------------------------

  /** An owner is the bytes32 word of Poseidon(key, address) mod 2^160: an address alone names none. */
  protected ownerFrom(value: string, what: string): string {
    if (typeof value !== "string" || !isBytes32(value)) {
      throw new WalletAddressError(
        `${what} must be a zk owner (bytes32 hex: the recipient's wallet shows it as its owner), got ${String(value)}` +
          (typeof value === "string" && value.length === 42 ? "; an address alone names no zk account" : ""),
      );
    }
    if (BigInt(value) >> OWNER_BITS !== 0n) {
      throw new WalletAddressError(`${what} ${value} is no zk owner: an owner fits 160 bits`);
    }
    return value.toLowerCase();
  }

  /** The zk rollup carries amounts as float40 (35-bit mantissa × 10^exponent). */
  protected override checkAmountForm(amount: bigint, what: string): void {
    if (!isFloat40(amount)) {
      throw new WalletAmountError(
        `${what} ${amount} is not representable on the zk rollup (a float40: 35-bit mantissa × 10^e); ` +
          `the nearest below is ${floorFloat40(amount)}`,
      );
    }
  }

  protected async signTransfer(from: AccountView, to: number, amount: bigint): Promise<SignedSpend> {
    return spendOf(this.keys.transfer({ from: from.index, to, amount, nonce: from.nonce }));
  }

  protected async signWithdraw(from: AccountView, recipient: string, amount: bigint): Promise<SignedSpend> {
    const order = { from: from.index, recipient, tokenId: from.tokenId, amount, nonce: from.nonce };
    return spendOf(this.keys.withdraw(order));
  }

  /** A zk request carries its nonce: a stale one is refused as `NonceMismatch`. */
  protected submit(spend: SignedSpend): Promise<ZkTxReceipt> {
    return this.client.sendTransaction(spend.encoded);
  }
}

function spendOf(spend: ZkSignedSpend): SignedSpend {
  return { encoded: spend.encoded, hash: spend.hash, nonce: spend.request.nonce };
}
