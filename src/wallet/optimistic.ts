/**
 * A user's wallet on the optimistic rollup: the shared verbs (src/wallet/rollup-wallet.ts) with the
 * Layer-1 signer as the Layer-2 owner (its address, left-padded), EIP-712 signatures over the rollup's
 * domain, and the way out: once a withdrawal's batch is final (its challenge window passed with no
 * successful challenge), `proveWithdrawal` fetches its proof from the sequencer (`strata_getWithdrawal
 * Proof`) and checks it against the withdrawal root Layer 1 holds for the batch, and `finalizeWithdrawal`
 * has the bridge pay it.
 */
import { ZeroHash } from "ethers";
import { bytesToHex } from "../shared/bytes";
import { encodeTx } from "../shared/codec";
import { L2Domain } from "../shared/eip712";
import type { KeccakHasher } from "../shared/hasher";
import { createKeccakHasher } from "../shared/hasher";
import type { MerkleProof } from "../shared/merkle-tree";
import { verifyMerkleProof } from "../shared/merkle-tree";
import type { AccountView } from "../common/json-rpc";
import type { L2Tx, WithdrawalData } from "../shared/types";
import { MAX_U32, ownerOfAddress } from "../shared/types";
import { hashWithdrawal } from "../shared/withdrawal";
import { txHash } from "../optimistic/chain-follower";
import { RollupClient } from "../optimistic/rollup-client";
import type { TxReceipt, TxStatus } from "../optimistic/rpc-server";
import { SequencerClient } from "../optimistic/rpc-server";
import {
  WalletAddressError,
  WalletNotAWithdrawalError,
  WalletProofMismatchError,
  WalletUnknownTransactionError,
  WalletWithdrawalAlreadyPaidError,
  WalletWithdrawalNotFinalError,
} from "./errors";
import type { L1Result, SignedSpend, WalletContext, WalletOptions } from "./rollup-wallet";
import {
  RollupWallet,
  checkAddress,
  checkHash,
  isBytes32,
  l1Result,
  openWalletContext,
} from "./rollup-wallet";

/** A withdrawal proven into a final batch: what `Bridge.finalizeWithdrawal` takes, checked against Layer 1. */
export interface OptimisticWithdrawalProof {
  /** The Layer-2 transaction that withdrew. */
  hash: string;
  batchIndex: number;
  leafIndex: number;
  withdrawal: WithdrawalData;
  proof: MerkleProof;
}

/** A withdrawal the bridge paid. */
export interface FinalizeWithdrawalResult extends L1Result {
  hash: string;
  batchIndex: number;
  leafIndex: number;
  recipient: string;
  tokenId: number;
  amount: bigint;
}

export class OptimisticWallet extends RollupWallet<TxStatus, TxReceipt> {
  readonly kind = "optimistic" as const;
  readonly owner: string;
  protected readonly client: SequencerClient;
  protected readonly service = "sequencer";
  protected readonly maxTokenId = MAX_U32;
  private readonly domain: L2Domain;
  private readonly rollupClient: RollupClient;
  private hasher?: Promise<KeccakHasher>;

  private constructor(context: WalletContext, options: WalletOptions) {
    super(context);
    this.owner = ownerOfAddress(context.address);
    this.client = new SequencerClient(options.operatorUrl, options.operator);
    this.domain = new L2Domain(context.deployment.chainId, context.rollup);
    this.rollupClient = new RollupClient(context.rollup, context.provider);
  }

  /** Opens a wallet on the deployment's optimistic rollup (checks the chain; does not call the sequencer). */
  static async open(options: WalletOptions): Promise<OptimisticWallet> {
    return new OptimisticWallet(await openWalletContext(options, "optimistic"), options);
  }

  /**
   * The proof of the withdrawal `hash` made, once its batch is final: asked of the sequencer, checked
   * against the withdrawal root Layer 1 holds for the batch. Throws `WalletUnknownTransactionError`,
   * `WalletWithdrawalNotFinalError` (with the status it reached), `WalletNotAWithdrawalError` or
   * `WalletProofMismatchError` (the sequencer's proof is wrong).
   */
  async proveWithdrawal(hash: string): Promise<OptimisticWithdrawalProof> {
    const key = checkHash(hash);
    await this.ensureOperator();
    const answer = await this.operator("getWithdrawalProof", () => this.client.getWithdrawalProof(key));
    if (!answer) throw new WalletUnknownTransactionError(`the sequencer knows no transaction ${key}`);
    if (answer.state === "pending") {
      const where = answer.batchIndex === undefined ? "" : ` in batch ${answer.batchIndex}`;
      throw new WalletWithdrawalNotFinalError(
        `transaction ${key} is ${answer.status}${where}: it is paid once its batch is final (its challenge window has passed)`,
        answer.status,
      );
    }
    if (answer.state === "none") {
      throw new WalletNotAWithdrawalError(
        `transaction ${key} (batch ${answer.batchIndex}) owes nothing on Layer 1: it is not a withdrawal`,
      );
    }
    const { batchIndex, leafIndex, siblings } = answer;
    const withdrawal = {
      ...answer.withdrawal,
      recipient: checkAddress(answer.withdrawal.recipient, "the recipient"),
    };
    const proof: MerkleProof = { index: leafIndex, leaf: hashWithdrawal(withdrawal), siblings };
    const root = await this.rollupClient.contract.finalizedWithdrawalRoot(batchIndex);
    if (root === ZeroHash) {
      throw new WalletWithdrawalNotFinalError(
        `Layer 1 does not hold batch ${batchIndex} final yet`,
        "committed",
      );
    }
    this.hasher ??= createKeccakHasher();
    if (!verifyMerkleProof(await this.hasher, proof, root)) {
      throw new WalletProofMismatchError(
        `the sequencer's proof of leaf ${leafIndex} in batch ${batchIndex} does not lead to Layer 1's root ${root}`,
      );
    }
    return { hash: key, batchIndex, leafIndex, withdrawal, proof };
  }

  /**
   * Has the bridge pay a withdrawal (to its recipient; this wallet pays the gas): `hash` is the Layer-2
   * transaction (its proof is asked of the sequencer and checked), or a proof `proveWithdrawal` returned
   * earlier (no sequencer needed). Throws `WalletWithdrawalAlreadyPaidError` for one paid before.
   */
  async finalizeWithdrawal(
    withdrawal: string | OptimisticWithdrawalProof,
  ): Promise<FinalizeWithdrawalResult> {
    const p = typeof withdrawal === "string" ? await this.proveWithdrawal(withdrawal) : withdrawal;
    const { bridge, signer } = this.context;
    if (await bridge.contract.isWithdrawalFinalized(this.rollup, p.batchIndex, p.leafIndex)) {
      throw new WalletWithdrawalAlreadyPaidError(
        `the withdrawal at leaf ${p.leafIndex} of batch ${p.batchIndex} (transaction ${p.hash}) was paid already`,
      );
    }
    const receipt = await this.layer1("finalizeWithdrawal", () =>
      bridge.finalizeWithdrawal(signer, {
        rollup: this.rollup,
        batchIndex: p.batchIndex,
        withdrawal: p.withdrawal,
        proof: p.proof,
      }),
    );
    return {
      ...l1Result(receipt),
      hash: p.hash,
      batchIndex: p.batchIndex,
      leafIndex: p.leafIndex,
      ...p.withdrawal,
    };
  }

  /** An owner is a Layer-1 address, or that address left-padded to a bytes32 word. */
  protected ownerFrom(value: string, what: string): string {
    if (typeof value === "string" && isBytes32(value)) {
      if (BigInt(value) >> 160n !== 0n) {
        throw new WalletAddressError(
          `${what} ${value} is no owner on the optimistic rollup (an address left-padded to 32 bytes): nobody could spend it`,
        );
      }
      return value.toLowerCase();
    }
    return ownerOfAddress(checkAddress(value, what));
  }

  protected async signTransfer(from: AccountView, to: number, amount: bigint): Promise<SignedSpend> {
    const message = { from: from.index, to, amount, nonce: from.nonce };
    const signature = await this.domain.signTransfer(this.context.signer, message);
    return signed({ kind: "transfer", from: from.index, to, amount, signature }, from.nonce);
  }

  protected async signWithdraw(from: AccountView, recipient: string, amount: bigint): Promise<SignedSpend> {
    const message = { from: from.index, recipient, amount, nonce: from.nonce };
    const signature = await this.domain.signWithdraw(this.context.signer, message);
    return signed({ kind: "withdraw", from: from.index, recipient, amount, signature }, from.nonce);
  }

  /** Declares the nonce the spend is signed at: a stale one is refused as `NonceMismatch`. */
  protected submit(spend: SignedSpend): Promise<TxReceipt> {
    return this.client.sendTransaction(spend.encoded, spend.nonce);
  }
}

function signed(tx: L2Tx, nonce: number): SignedSpend {
  return { encoded: bytesToHex(encodeTx(tx)), hash: txHash(tx), nonce };
}
