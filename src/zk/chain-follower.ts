/**
 * Verifier mode: the zk rollup's state rebuilt from Layer 1 alone. The rollup's `BatchVerified` events
 * say which batches the contract accepted; each batch's transactions are read back from the calldata
 * of the `submitBatch` transaction (the compact pubdata, decoded with `decodePubdata`, and the consumed
 * deposits, and the forced-withdrawal requests its `WithdrawalRequested` events queued, each read back as
 * stored) and re-applied without signatures (the proof vouched for them). The event is lean (batch
 * number and new root): the old root is this node's, the deposit head is the consumed deposits folded on
 * to this node's head, the transaction count is the pubdata's. Every root is checked: the state's root
 * after the batch against the event's new root, and at the end the contract's stored root and (before
 * exodus refunds move it) its stored deposit head.
 * What the operator rebuilds from on start, and what the exodus-proof builder reads.
 *
 * It publishes what it reads (batchVerified, exodusActivated, accountExited: `ZkFollowerEvent`) on
 * `events`, once per event, in Layer-1 order.
 */
import type { Log, Provider } from "ethers";
import type { ChainChangedError } from "../common/chain-identity";
import type { ChainReader } from "../common/block-cursor";
import { readLogsToHead } from "../common/block-cursor";
import { checkLastBlockRead } from "../common/chain-identity";
import { StrataError } from "../common/errors";
import { EventLog } from "../common/events";
import type { Logger } from "../common/logger";
import { EMPTY_QUEUE_HEAD, chainDeposit } from "../shared/deposit";
import type { DepositData } from "../shared/types";
import { toBytes32 } from "./codec";
import type { ZkFollowerEvent } from "./events";
import { rootHex } from "./events";
import type { ZkCrypto } from "./keys";
import { decodePubdata, forcedRequestId, slotElement, splitDeposits } from "./pubdata";
import { isForcedEffective } from "./stf";
import type { ZkBatchVerified, ZkBatchVerifiedEvent, ZkRollupClient } from "./rollup-client";
import { ZkState } from "./state";
import type { ZkForcedRequest, ZkPublishedTx, ZkWithdrawBody } from "./types";

/** Layer 1 does not add up: a root, a head or a transaction that this node cannot reproduce. */
export class ZkChainMismatchError extends StrataError {}

/** A verified batch as this node rebuilt it. */
export interface ZkVerifiedBatch extends ZkBatchVerified {
  /** Its transactions, as published (deposits name the account they credited). */
  txs: ZkPublishedTx[];
  /** The transaction hash of each (a spend's signed message M; a deposit's queue head after it). */
  hashes: string[];
  /** The deposits it consumed, in queue order (the uncarriable ones were refunded). */
  consumed: DepositData[];
  withdrawals: ZkWithdrawBody[];
  /** Who its forced-request fees were credited to: the recipient its proof is bound to (from calldata). */
  feeRecipient: string;
  transactionHash: string;
  blockNumber: number;
}

/** Where a transaction landed: batch `batchIndex`, slot `slot`. */
export interface ZkTxLocation {
  batchIndex: number;
  slot: number;
}

export class ZkChainFollower {
  readonly batches: ZkVerifiedBatch[] = [];
  /** Accounts that exited in exodus. */
  readonly exited = new Set<number>();
  /** What this node read from Layer 1, as typed events. */
  readonly events = new EventLog<ZkFollowerEvent>();
  private current: ZkState;
  private head = EMPTY_QUEUE_HEAD;
  private exodusOn = false;
  private nextBlock = 0;
  /** The hash of the last block read (block `nextBlock - 1`). */
  private lastHash: string | undefined;
  private readonly located = new Map<string, ZkTxLocation>();
  /** The forced-withdrawal requests read from Layer 1 that no verified batch consumed yet, oldest first. */
  private forcedWaiting: ZkForcedRequest[] = [];
  /** Told when `sync` finds that the last block it read is no longer on Layer 1 (before it throws). */
  onChainChanged?: (error: ChainChangedError) => void;

  private constructor(
    readonly rollup: ZkRollupClient,
    private readonly provider: Provider,
    private readonly crypto: ZkCrypto,
    genesis: ZkState,
    private readonly logger?: Logger,
  ) {
    this.current = genesis;
  }

  /** A node at genesis for `rollup` (its depth and domain read from the contract). */
  static async create(
    rollup: ZkRollupClient,
    provider: Provider,
    crypto: ZkCrypto,
    logger?: Logger,
  ): Promise<ZkChainFollower> {
    const { depth, domain } = await rollup.config();
    return new ZkChainFollower(rollup, provider, crypto, await ZkState.create(depth, domain), logger);
  }

  /** The state after the last verified batch (do not change it: clone it to build on). */
  get state(): ZkState {
    return this.current;
  }

  /** The deposit queue head the verified batches consumed up to. */
  get depositHead(): string {
    return this.head;
  }

  get exodus(): boolean {
    return this.exodusOn;
  }

  /** The number of the last verified batch (0: genesis). */
  get lastBatch(): number {
    return this.batches.length;
  }

  /** The forced withdrawals requested on Layer 1 and not consumed by a verified batch, oldest first. */
  get pendingForced(): readonly ZkForcedRequest[] {
    return this.forcedWaiting;
  }

  /** Where the transaction `hash` landed, if a verified batch holds it. */
  locate(hash: string): ZkTxLocation | undefined {
    return this.located.get(hash.toLowerCase());
  }

  /**
   * Reads every rollup event since the last sync, in order, re-applies each verified batch, and checks
   * the result against the contract's stored root. Returns the new batches' numbers.
   * @throws ZkChainMismatchError if Layer 1 does not add up.
   * @throws ChainChangedError if the last block it read is no longer on Layer 1 (with that hash).
   */
  async sync(): Promise<number[]> {
    await this.checkLastBlock();
    // The head's hash is taken before its logs: the cursor is tied to the chain the logs came from.
    const range = await readLogsToHead(this.provider, this.rollup.address, this.nextBlock, this.asReader());
    if (!range) return [];
    const { logs, to } = range;
    const fresh: number[] = [];
    for (const log of logs) {
      const index = await this.applyLog(log);
      if (index !== undefined) fresh.push(index);
    }
    // Its state is of the logs up to `to` from here on: so is its cursor.
    this.nextBlock = to.number + 1;
    this.lastHash = to.hash;
    await this.checkStored(to.number).catch(async (error: unknown) => {
      // A chain changed under the read is said as such (not as a mismatch, or the node's refusal of a
      // block it no longer has).
      await this.checkLastBlock();
      throw error;
    });
    return fresh;
  }

  /**
   * Its block cursor is tied to the chain: the last block it read must still be there with the hash it
   * had, else everything it rebuilt is of another chain (a node reset, or a reorganization below it)
   * and it stops (a restarted operator rebuilds from Layer 1).
   */
  private async checkLastBlock(): Promise<void> {
    if (this.lastHash === undefined) return;
    await checkLastBlockRead(
      this.provider,
      { number: this.nextBlock - 1, hash: this.lastHash },
      this.asReader(),
    );
  }

  /** Who it is in a `ChainChangedError`, and whom it tells. */
  private asReader(): ChainReader {
    return {
      reader: "the zk rollup's node",
      fix: "restart the operator to rebuild from Layer 1",
      onChanged: this.onChainChanged,
    };
  }

  private async applyLog(log: Log): Promise<number | undefined> {
    const event = this.rollup.contract.interface.parseLog(log);
    switch (event?.name) {
      case "BatchVerified":
        return this.applyBatch(
          { batchIndex: Number(event.args.batchIndex), newRoot: event.args.newRoot },
          log,
        );
      case "WithdrawalRequested":
        // The stored request (its time included) is written once and never changed or deleted, so it is
        // read at the latest block: a node keeps old state only for recent blocks (geth, ~128), and a
        // follower rebuilds from the deployment on every start.
        this.forcedWaiting.push(await this.rollup.forcedRequest(Number(event.args.index)));
        return undefined;
      case "ExodusActivated":
        this.exodusOn = true;
        this.logger?.info("exodus activated", { root: event.args.root });
        this.events.publish({
          type: "exodusActivated",
          root: rootHex(event.args.root),
          activatedBy: event.args.activatedBy,
          l1TxHash: log.transactionHash,
          blockNumber: log.blockNumber,
        });
        return undefined;
      case "AccountExited":
        this.exited.add(Number(event.args.accountIndex));
        this.events.publish({
          type: "accountExited",
          account: Number(event.args.accountIndex),
          owner: event.args.owner,
          tokenId: Number(event.args.tokenId),
          amount: event.args.balance.toString(),
          l1TxHash: log.transactionHash,
          blockNumber: log.blockNumber,
        });
        return undefined;
      default:
        return undefined;
    }
  }

  private async applyBatch(event: ZkBatchVerifiedEvent, log: Log): Promise<number> {
    const expected = this.batches.length + 1;
    if (event.batchIndex !== expected) {
      throw new ZkChainMismatchError(`batch ${event.batchIndex} verified, but this node expects ${expected}`);
    }
    const tx = await this.provider.getTransaction(log.transactionHash);
    if (!tx) throw new ZkChainMismatchError(`transaction ${log.transactionHash} is not available`);
    const calldata = this.rollup.decodeSubmit(tx.data);
    const { heads, head } = this.depositHeads(calldata.consumedDeposits);
    const txs = decodePubdata(calldata.pubdata, calldata.consumedDeposits, this.forcedWaiting);
    const forcedCount = txs.filter((t) => t.kind === "forced").length;
    // The contract proved the batch against its stored root, which this node's is (checked every sync).
    const verified: ZkBatchVerified = {
      ...event,
      oldRoot: this.current.root,
      depositHead: head,
      txCount: txs.length,
    };
    const next = this.current.clone();
    const hashes = txs.map((t) => replayPublishedTx(next, t, this.crypto, heads));
    if (next.root !== verified.newRoot) {
      throw new ZkChainMismatchError(
        `batch ${verified.batchIndex} leads to root ${next.root}, the contract verified ${verified.newRoot}`,
      );
    }
    const batch: ZkVerifiedBatch = {
      ...verified,
      txs,
      hashes,
      consumed: calldata.consumedDeposits,
      withdrawals: txs.filter((t): t is ZkWithdrawBody => t.kind === "withdraw"),
      feeRecipient: calldata.feeRecipient,
      transactionHash: log.transactionHash,
      blockNumber: log.blockNumber,
    };
    this.current = next;
    this.head = verified.depositHead;
    this.forcedWaiting = this.forcedWaiting.slice(forcedCount);
    this.batches.push(batch);
    hashes.forEach((hash, slot) => this.located.set(hash, { batchIndex: verified.batchIndex, slot }));
    this.logger?.debug("batch rebuilt from Layer 1", { batchIndex: verified.batchIndex, txs: txs.length });
    this.events.publish({
      type: "batchVerified",
      batchIndex: verified.batchIndex,
      txs: txs.length,
      newRoot: rootHex(verified.newRoot),
      l1TxHash: log.transactionHash,
      blockNumber: log.blockNumber,
    });
    return verified.batchIndex;
  }

  /** The queue head after each consumed deposit, folded on to this node's head, and the last one. */
  private depositHeads(consumed: readonly DepositData[]): { heads: Map<DepositData, string>; head: string } {
    const heads = new Map<DepositData, string>();
    let head = this.head;
    for (const deposit of consumed) {
      head = chainDeposit(head, deposit);
      heads.set(deposit, head);
    }
    return { heads, head };
  }

  /**
   * The contract's stored root must be this node's; so must its deposit head, unless exodus is on (its
   * refunds move the head past deposits no batch consumed).
   */
  private async checkStored(blockTag: number): Promise<void> {
    const [stored, storedHead] = await Promise.all([
      this.rollup.root(blockTag),
      this.exodusOn ? Promise.resolve(this.head) : this.rollup.depositHead(blockTag),
    ]);
    if (stored !== this.current.root) {
      throw new ZkChainMismatchError(`the contract's root ${stored} is not this node's ${this.current.root}`);
    }
    if (storedHead !== this.head) {
      throw new ZkChainMismatchError(
        `the contract's deposit head ${storedHead} is not this node's ${this.head}`,
      );
    }
  }
}

/**
 * The deposits a batch refunded instead of carrying, in queue order: those no circuit could carry, and
 * those the state had no room for (its `refund` transactions).
 */
export function refundedDeposits(batch: ZkVerifiedBatch): DepositData[] {
  const noRoom = new Set(batch.txs.flatMap((tx) => (tx.kind === "refund" ? [tx.deposit] : [])));
  const uncarriable = new Set(splitDeposits(batch.consumed).refunded);
  return batch.consumed.filter((d) => noRoom.has(d) || uncarriable.has(d));
}

/**
 * Applies a published transaction to `state` (no signature: a verified proof vouched for it) and
 * returns its hash. `heads` gives each consumed deposit's queue head after it.
 * @throws ZkChainMismatchError if it does not apply (a verified batch always does).
 */
export function replayPublishedTx(
  state: ZkState,
  tx: ZkPublishedTx,
  crypto: ZkCrypto,
  heads: ReadonlyMap<DepositData, string>,
): string {
  switch (tx.kind) {
    case "deposit":
      replayDeposit(state, tx.account, tx.deposit);
      return heads.get(tx.deposit) ?? mismatch(`deposit to account ${tx.account} has no queue head`);
    case "refund":
      if (!state.isFull) mismatch(`a deposit refunded while the state has room`);
      return heads.get(tx.deposit) ?? mismatch(`refunded deposit has no queue head`);
    case "transfer": {
      const hash = spendHash(state, tx, crypto);
      const from = debit(state, tx.from, tx.amount);
      const to = state.account(tx.to) ?? mismatch(`transfer to unknown account ${tx.to}`);
      if (to.tokenId !== from.tokenId) mismatch(`transfer across tokens ${from.tokenId} → ${to.tokenId}`);
      state.setAccount(tx.to, { ...to, balance: to.balance + tx.amount });
      return hash;
    }
    case "withdraw": {
      const hash = spendHash(state, tx, crypto);
      const from = debit(state, tx.from, tx.amount);
      if (from.tokenId !== tx.tokenId)
        mismatch(`withdrawal of token ${tx.tokenId} from token ${from.tokenId}`);
      return hash;
    }
    case "forced": {
      if (isForcedEffective(state, tx.request) !== tx.effective) {
        mismatch(`forced withdrawal ${tx.request.index} published as ${tx.effective ? "" : "not "}effective`);
      }
      if (tx.effective) {
        const from = state.account(tx.request.account)!;
        state.setAccount(tx.request.account, { ...from, balance: from.balance - tx.request.amount });
      }
      return forcedRequestId(tx.request.index);
    }
  }
}

function replayDeposit(state: ZkState, account: number, deposit: DepositData): void {
  if (account === state.nextIndex) {
    state.openAccount({ owner: deposit.to, tokenId: deposit.tokenId, balance: deposit.amount, nonce: 0 });
    return;
  }
  const old = state.account(account) ?? mismatch(`deposit to unknown account ${account}`);
  if (BigInt(old.owner) !== BigInt(deposit.to) || old.tokenId !== deposit.tokenId) {
    mismatch(`deposit for another owner or token credited to account ${account}`);
  }
  state.setAccount(account, { ...old, balance: old.balance + deposit.amount });
}

/** The spend's hash: M = Poseidon(slot, sender's nonce, domain), before the nonce moves. */
function spendHash(state: ZkState, tx: ZkPublishedTx & { from: number }, crypto: ZkCrypto): string {
  const sender = state.account(tx.from) ?? mismatch(`spend from unknown account ${tx.from}`);
  return toBytes32(crypto.message(slotElement(tx), sender.nonce, state.domain));
}

/** Takes `amount` from account `index` and advances its nonce; returns the account before. */
function debit(state: ZkState, index: number, amount: bigint) {
  const from = state.account(index)!;
  if (from.balance < amount) mismatch(`account ${index} spends ${amount} of ${from.balance}`);
  state.setAccount(index, { ...from, balance: from.balance - amount, nonce: from.nonce + 1 });
  return from;
}

function mismatch(detail: string): never {
  throw new ZkChainMismatchError(detail);
}
