/**
 * The zk operator (prover and sequencer): accepts signed spends, applying them with the zk state
 * transition at its door (an invalid one is refused by name and changes nothing), pulls deposits from
 * the bridge in queue order, reads the forced-withdrawal requests its node sees on Layer 1, closes batches
 * by size or age (deposits first, then forced withdrawals, then spends: `batching.ts`), builds each
 * batch's witness, proves it with one warm `ZkProver`, submits it, and tracks every transaction
 * accepted → proven → verified.
 *
 * Its only durable state is the journal of accepted spends not yet verified, fsynced before a spend is
 * acknowledged. Everything else is rebuilt from Layer 1 (`ZkChainFollower`) on start and after every
 * batch: the verified state, then the deposits still queued, then the forced withdrawals still waiting (in
 * request order: they are on Layer 1, never journalled), then the journal, dropping what Layer 1 already
 * holds and what no longer applies (a spend a forced withdrawal emptied the account for). So a crash at any point loses no acknowledged spend and
 * proves none twice.
 *
 * What it does it publishes on `events` (src/zk/events.ts: txAccepted, depositPulled, batchProving →
 * batchProved → batchSubmitted, stateRebuilt, …, and what its node reads from Layer 1), which its JSON-RPC
 * server serves as `strata_events`; `health()` is its `strata_health`.
 */
import type { Signer } from "ethers";
import { getAddress, isAddress } from "ethers";
import type { QueuedDeposit } from "../bridge/client";
import { DepositQueueFollower } from "../bridge/client";
import type { BridgeClient } from "../bridge/client";
import { ContractRevertError, StrataError } from "../common/errors";
import { EventLog, layer1Tx } from "../common/events";
import { TxRejectedError } from "../common/json-rpc";
import type { Logger } from "../common/logger";
import type { TxJournal } from "../common/journal";
import { nonceRefusal } from "../common/rollup-rpc";
import { Rounds } from "../common/rounds";
import { depositsToCatchUp, depositsUpTo } from "../shared/deposit";
import type { DepositData } from "../shared/types";
import type { ZkPendingItem } from "./batching";
import { isBatchDue, selectBatch } from "./batching";
import type { ZkChainFollower } from "./chain-follower";
import type { ZkSignedRequest } from "./codec";
import { ZkCodecError, decodeZkRequest, encodeZkRequest, zkTxHash } from "./codec";
import type { ZkOperatorEvent } from "./events";
import { rootHex } from "./events";
import type { ZkCrypto } from "./keys";
import type { ZkProof, ZkProver } from "./prover";
import { encodePubdata, forcedRequestId, isCarriable } from "./pubdata";
import type { ZkRollupClient } from "./rollup-client";
import { toProofArg } from "./rollup-client";
import { depositData } from "../shared/deposit";
import type { ZkAccountView, ZkOperatorApi, ZkTxReceipt } from "./rpc-server";
import type { ZkState } from "./state";
import type { ZkTxRequest } from "./stf";
import { ZkTxRefusedError, applyZkTx } from "./stf";
import type { ZkForcedRequest } from "./types";
import type { ZkBatchWitness } from "./witness";
import { buildBatchWitness } from "./witness";

/** The operator's own refusals, before the state transition's (`ZkRefusalReason`). */
export type ZkDoorRefusal = "Malformed" | "Duplicate" | "NonceMismatch" | "ExodusActive";

/** The operator cannot run with what it was given (a prover for another batch size, …). */
export class ZkOperatorConfigError extends StrataError {}

/** The operator's `strata_health` details. */
export interface ZkOperatorHealth {
  /** `degraded` when Layer 1 does not answer. */
  status: "ok" | "degraded";
  rollup: string;
  /** The Layer-1 address that sends `submitBatch`. */
  operator: string;
  /** The Layer-1 block number, or null when Layer 1 does not answer. */
  l1Head: number | null;
  /** The last batch verified on Layer 1, as this operator last read it (0: genesis). */
  lastBatch: number;
  /** Spends, deposits and forced withdrawals waiting for a batch. */
  pending: number;
  exodus: boolean;
  [detail: string]: unknown;
}

export interface ZkOperatorOptions {
  rollup: ZkRollupClient;
  bridge: BridgeClient;
  follower: ZkChainFollower;
  journal: TxJournal;
  /** One warm prover, loaded for the rollup's profile. */
  prover: ZkProver;
  crypto: ZkCrypto;
  /** Sends `submitBatch`. */
  signer: Signer;
  /**
   * Who its batches credit the forced-request fees to (a cold address, say); bound into every proof, so
   * a copier of its calldata cannot redirect them. Default: the signer's address.
   */
  feeRecipient?: string;
  /** Close a batch once its oldest pending item is this old, in milliseconds (default 2000). */
  maxBatchAgeMs?: number;
  /** Milliseconds between rounds when running as a service (default 500). */
  pollMs?: number;
  logger?: Logger;
}

interface PendingDeposit extends ZkPendingItem {
  kind: "deposit";
  /** The queue head after it: its hash. */
  hash: string;
  deposit: DepositData;
  /** The account it credits (a carriable deposit the state has room for). */
  account?: number;
  /** The state has no room for it (every account is open): a refund slot, the contract pays it back. */
  refund?: boolean;
}

interface PendingSpend extends ZkPendingItem {
  kind: "spend";
  hash: string;
  request: ZkSignedRequest;
  /** Its canonical wire form, as journalled. */
  encoded: string;
}

interface PendingForced extends ZkPendingItem {
  kind: "forced";
  /** `forcedRequestId(index)`: what its receipt and the node's `locate` know it by. */
  hash: string;
  request: ZkForcedRequest;
}

type PendingItem = PendingDeposit | PendingForced | PendingSpend;

/** A batch chosen, built and (later) proven, on the verified batch `base`. */
interface BatchPlan {
  base: number;
  items: PendingItem[];
  witness: ZkBatchWitness;
  consumed: DepositData[];
}

export class ZkOperator implements ZkOperatorApi {
  private soft!: ZkState;
  private deposits: PendingDeposit[] = [];
  private forced: PendingForced[] = [];
  private spends: PendingSpend[] = [];
  /** Bridge deposits accounted for: consumed on Layer 1 or pending here. */
  private depositsSeen = 0;
  private readonly proven = new Map<string, number>();
  /** Bridge queue positions already announced as depositPulled (a rebuild pulls them again). */
  private depositsAnnounced = 0;
  private lock: Promise<unknown> = Promise.resolve();
  private ticking: Promise<unknown> = Promise.resolve();
  private readonly rounds: Rounds;
  private readonly depositQueue: DepositQueueFollower;
  private readonly batchSize: number;
  private readonly domain: bigint;
  private readonly feeRecipient: string;
  /** What it does (and what its node reads from Layer 1), as typed events. */
  readonly events = new EventLog<ZkOperatorEvent>();

  private constructor(
    private readonly o: ZkOperatorOptions,
    config: { batchSize: number; domain: bigint; feeRecipient: string },
  ) {
    this.batchSize = config.batchSize;
    this.domain = config.domain;
    this.feeRecipient = config.feeRecipient;
    this.depositQueue = new DepositQueueFollower(o.bridge, o.rollup.address);
    this.rounds = new Rounds(() => this.tick(), { pollMs: o.pollMs ?? 500, logger: o.logger });
    o.follower.events.subscribe(({ seq: _seq, time: _time, ...event }) => this.events.publish(event));
  }

  /**
   * Checks the prover fits the rollup and the fee recipient is an address, rebuilds from Layer 1, then
   * re-accepts the journalled spends.
   */
  static async start(o: ZkOperatorOptions): Promise<ZkOperator> {
    const config = await o.rollup.config();
    // [oldRoot, newRoot, feeRecipient, slot[0..B-1]]
    if (o.prover.nPublic !== 3 + config.batchSize) {
      throw new ZkOperatorConfigError(
        `the prover's circuit has ${o.prover.nPublic} public inputs; batches of ${config.batchSize} need ${
          3 + config.batchSize
        }`,
      );
    }
    const feeRecipient = o.feeRecipient ?? (await o.signer.getAddress());
    if (!isAddress(feeRecipient) || BigInt(feeRecipient) === 0n) {
      throw new ZkOperatorConfigError(`the fee recipient ${feeRecipient} is not a non-zero address`);
    }
    const operator = new ZkOperator(o, { ...config, feeRecipient: getAddress(feeRecipient) });
    await operator.exclusive(() => operator.syncUnlocked(true));
    return operator;
  }

  // ---------------------------------------------------------------------------------------------
  // ZkOperatorApi (served over JSON-RPC by rpc-server.ts)
  // ---------------------------------------------------------------------------------------------

  submit(encodedTx: string): Promise<ZkTxReceipt> {
    return this.exclusive(async () => {
      let spend: PendingSpend;
      try {
        if (this.o.follower.exodus) refuse("ExodusActive", "exodus is on: the rollup takes no transaction");
        spend = this.admit(decodeOrRefuse(encodedTx), Date.now());
      } catch (error) {
        if (error instanceof TxRejectedError) {
          this.events.publish({ type: "txRefused", hash: this.hashOf(encodedTx), reason: error.reason });
        }
        throw error;
      }
      try {
        await this.o.journal.append(spend.encoded);
      } catch (error) {
        await this.rebaseUnlocked(); // applied to the soft state but not durable: drop it
        throw error;
      }
      this.spends.push(spend);
      const { tx, nonce } = spend.request;
      this.events.publish({ type: "txAccepted", hash: spend.hash, kind: tx.kind, from: tx.from, nonce });
      return { hash: spend.hash, status: "accepted" };
    });
  }

  account(index: number): ZkAccountView | undefined {
    const a = this.soft.account(index);
    return a && { index, ...a };
  }

  findAccount(owner: string, tokenId: number): number | undefined {
    return this.soft.accounts.findAccount(owner, tokenId);
  }

  receipt(hash: string): ZkTxReceipt | undefined {
    const key = hash.toLowerCase();
    const at = this.o.follower.locate(key);
    if (at) return { hash: key, status: "verified", batchIndex: at.batchIndex, slot: at.slot };
    const batchIndex = this.proven.get(key);
    if (batchIndex !== undefined) return { hash: key, status: "proven", batchIndex };
    if (this.isPending(key)) return { hash: key, status: "accepted" };
    return undefined;
  }

  /** Spends, deposits and forced withdrawals waiting for a batch. */
  get pendingCount(): number {
    return this.deposits.length + this.forced.length + this.spends.length;
  }

  /** Its `strata_health`: Layer 1's head, the last verified batch, what waits. */
  async health(): Promise<ZkOperatorHealth> {
    const { follower, rollup, signer } = this.o;
    let l1Head: number | null = null;
    try {
      l1Head = (await signer.provider?.getBlockNumber()) ?? null;
    } catch {
      // Layer 1 does not answer: degraded
    }
    return {
      status: l1Head === null ? "degraded" : "ok",
      rollup: rollup.address,
      operator: await signer.getAddress(),
      l1Head,
      lastBatch: follower.lastBatch,
      pending: this.pendingCount,
      exodus: follower.exodus,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // The service loop
  // ---------------------------------------------------------------------------------------------

  /**
   * One round: read Layer 1, pull deposits, then prove and submit batches while one is due (`force`:
   * until nothing is pending). Proving runs outside the lock, so spends are accepted meanwhile.
   */
  tick(force = false): Promise<void> {
    const run = this.ticking.then(() => this.round(force));
    this.ticking = run.catch(() => undefined);
    return run;
  }

  /** Runs rounds until `stop()`; a failed round is logged and retried on the next one. */
  run(): Promise<void> {
    return this.rounds.run();
  }

  /** Stops the service loop and waits for the round in progress. */
  async stop(): Promise<void> {
    this.rounds.stop();
    await this.ticking;
  }

  private async round(force: boolean): Promise<void> {
    await this.exclusive(() => this.syncUnlocked(false));
    while (!this.o.follower.exodus) {
      const plan = await this.exclusive(async () => this.planUnlocked(force));
      if (!plan) return;
      const proof = await this.prove(plan);
      await this.exclusive(() => this.submitUnlocked(plan, proof));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The door
  // ---------------------------------------------------------------------------------------------

  /** Checks and applies a spend to the soft state, or throws `TxRejectedError` naming the refusal. */
  private admit(request: ZkSignedRequest, seenAt: number): PendingSpend {
    const { tx, nonce } = request;
    const hash = zkTxHash(this.o.crypto, tx, nonce, this.domain);
    if (this.isPending(hash) || this.o.follower.locate(hash)) {
      refuse("Duplicate", `transaction ${hash} is known`);
    }
    const wrongNonce = nonceRefusal(tx.from, this.soft.account(tx.from), nonce);
    if (wrongNonce) throw wrongNonce;
    try {
      applyZkTx(this.soft, { tx, signer: request.signer }, this.o.crypto);
    } catch (error) {
      if (error instanceof ZkTxRefusedError)
        throw new TxRejectedError(error.reason, error.message, { cause: error });
      throw error;
    }
    return { kind: "spend", takesSlot: true, seenAt, hash, request, encoded: encodeZkRequest(request) };
  }

  /** The hash of an encoded request, or null when it does not decode. */
  private hashOf(encodedTx: string): string | null {
    try {
      const { tx, nonce } = decodeZkRequest(encodedTx);
      return zkTxHash(this.o.crypto, tx, nonce, this.domain);
    } catch {
      return null;
    }
  }

  private isPending(hash: string): boolean {
    const same = (item: PendingItem) => item.hash === hash;
    return this.spends.some(same) || this.deposits.some(same) || this.forced.some(same);
  }

  // ---------------------------------------------------------------------------------------------
  // Layer 1 and the soft state
  // ---------------------------------------------------------------------------------------------

  /**
   * Reads Layer 1; rebuilds the soft state if a batch landed (or `rebuild`), or if a forced withdrawal was
   * requested (it goes ahead of the spends accepted before it), then pulls new deposits.
   */
  private async syncUnlocked(rebuild: boolean): Promise<void> {
    const landed = await this.o.follower.sync();
    const newForced = this.o.follower.pendingForced.length !== this.forced.length;
    if (rebuild || landed.length > 0 || newForced) await this.rebaseUnlocked();
    else await this.pullDeposits(await this.depositQueue.sync());
    if (this.o.follower.exodus && this.pendingCount > 0) {
      this.o.logger?.warn("exodus is on: pending transactions will never be batched", {
        pending: this.pendingCount,
      });
    }
  }

  /**
   * Rebuilds the soft state: the verified state, the deposits still queued (in order), the forced
   * withdrawals still waiting (in order), then every journalled spend that no verified batch holds and that still applies. Compacts the journal when
   * something was dropped.
   */
  private async rebaseUnlocked(): Promise<void> {
    const { follower, journal, logger } = this.o;
    this.soft = follower.state.clone();
    this.deposits = [];
    this.forced = [];
    this.spends = [];
    this.proven.clear();
    const queue = await this.depositQueue.sync();
    this.depositsSeen = depositsUpTo(queue, follower.depositHead);
    await this.pullDeposits(queue);
    // A deposit stuck in the queue stops the deposits, never the forced withdrawals: they are in other queues.
    for (const request of follower.pendingForced) this.forced.push(this.applyForced(request));
    // Compaction, not loss: an entry a verified batch holds is on Layer 1 already. Only the rest is news.
    let onLayer1 = 0;
    const dropped: string[] = [];
    for (const encoded of journal.entries()) {
      const outcome = this.readmit(encoded);
      if (outcome === "onLayer1") onLayer1++;
      else if (outcome !== "kept") dropped.push(`${encoded.slice(0, 18)}…: ${outcome.dropped}`);
    }
    if (onLayer1 + dropped.length > 0) {
      if (onLayer1 > 0) logger?.info(`journal compacted: ${onLayer1} entries already on Layer 1`);
      if (dropped.length > 0) {
        logger?.warn(`journal: ${dropped.length} spends no longer apply, dropped`, { dropped });
      }
      const kept = new Set(this.spends.map((s) => s.encoded));
      await journal.retain((encoded) => kept.has(encoded));
      this.events.publish({ type: "journalCompacted", onLayer1, dropped: dropped.length, kept: kept.size });
    }
    logger?.debug("rebuilt from Layer 1", { batch: follower.lastBatch, pending: this.pendingCount });
    this.events.publish({ type: "stateRebuilt", lastBatch: follower.lastBatch, pending: this.pendingCount });
  }

  /** Re-accepts one journalled spend: kept, already on Layer 1 (a verified batch holds it), or dropped and why. */
  private readmit(encoded: string): "kept" | "onLayer1" | { dropped: string } {
    let request: ZkSignedRequest;
    try {
      request = decodeZkRequest(encoded);
    } catch (error) {
      return { dropped: `Malformed (${(error as Error).message})` };
    }
    const hash = zkTxHash(this.o.crypto, request.tx, request.nonce, this.domain);
    if (this.o.follower.locate(hash)) return "onLayer1";
    try {
      this.spends.push(this.admit(request, Date.now()));
      return "kept";
    } catch (error) {
      if (error instanceof TxRejectedError) return { dropped: error.reason };
      throw error;
    }
  }

  /** Applies the queued deposits not yet seen, in order. */
  private async pullDeposits(queue: readonly QueuedDeposit[]): Promise<void> {
    for (const queued of queue.slice(this.depositsSeen)) {
      const pending = this.applyDeposit(queued);
      this.deposits.push(pending);
      this.depositsSeen++;
      if (this.depositsSeen > this.depositsAnnounced) {
        this.depositsAnnounced = this.depositsSeen;
        this.events.publish({
          type: "depositPulled",
          hash: pending.hash,
          account: pending.account ?? null,
          tokenId: pending.deposit.tokenId,
          amount: pending.deposit.amount.toString(),
        });
      }
    }
  }

  /** Applies a forced withdrawal to the soft state (effective or nullified, as the state says). */
  private applyForced(request: ZkForcedRequest): PendingForced {
    applyZkTx(this.soft, { tx: { kind: "forced", request, effective: false } }, this.o.crypto);
    const hash = forcedRequestId(request.index);
    return { kind: "forced", takesSlot: true, seenAt: Date.now(), hash, request };
  }

  /**
   * Applies a queued deposit to the soft state: carried into an account (named, or new), refunded in a
   * slot when every account is open, or refunded without one when no circuit could carry it.
   */
  private applyDeposit(queued: QueuedDeposit): PendingDeposit {
    const deposit = depositData(queued);
    const item = { kind: "deposit" as const, hash: queued.head.toLowerCase(), deposit, seenAt: Date.now() };
    if (!isCarriable(deposit)) return { ...item, takesSlot: false };
    const named = this.soft.accounts.findAccount(deposit.to, deposit.tokenId) ?? this.soft.nextIndex;
    // A carriable deposit is never refused: it fits an account, or the state is full and it is refunded.
    const { tx } = applyZkTx(this.soft, { tx: { kind: "deposit", account: named, deposit } }, this.o.crypto);
    if (tx!.kind === "refund") return { ...item, takesSlot: true, refund: true };
    return { ...item, takesSlot: true, account: tx!.kind === "deposit" ? tx!.account : named };
  }

  // ---------------------------------------------------------------------------------------------
  // Batches
  // ---------------------------------------------------------------------------------------------

  /** The next batch if one is due, its witness built on the verified state. */
  private planUnlocked(force: boolean): BatchPlan | undefined {
    const rules = { batchSize: this.batchSize, maxBatchAgeMs: this.o.maxBatchAgeMs ?? 2000 };
    const pending = [...this.deposits, ...this.forced, ...this.spends];
    if (!isBatchDue(pending, rules, Date.now(), force)) return undefined;
    // Forced withdrawals go right after the deposits: both have a Layer-1 deadline, spends have none.
    const items = selectBatch<PendingItem>(this.deposits, [...this.forced, ...this.spends], this.batchSize);
    const { follower, crypto } = this.o;
    const requests = items.flatMap((item): ZkTxRequest[] => toRequest(item));
    const witness = buildBatchWitness(follower.state, requests, this.batchSize, crypto, this.feeRecipient);
    const consumed = items.flatMap((i) => (i.kind === "deposit" ? [i.deposit] : []));
    return { base: follower.lastBatch, items, witness, consumed };
  }

  private async prove(plan: BatchPlan): Promise<ZkProof> {
    const { logger, prover } = this.o;
    const batchIndex = plan.base + 1;
    const txs = plan.witness.txs.length;
    const hashes = plan.items.filter((item) => item.takesSlot).map((item) => item.hash);
    logger?.info("proving batch", { batchIndex, txs });
    this.events.publish({ type: "batchProving", batchIndex, txs, hashes });
    const proof = await prover.prove(plan.witness.input);
    for (const item of plan.items) this.proven.set(item.hash, batchIndex);
    logger?.info("proved batch", { batchIndex, provingMs: proof.provingMs });
    this.events.publish({ type: "batchProved", batchIndex, txs, provingMs: proof.provingMs });
    return proof;
  }

  /** Submits a proven batch; whatever happens, rebuilds from Layer 1 afterwards. */
  private async submitUnlocked(plan: BatchPlan, proof: ZkProof): Promise<void> {
    const { rollup, signer, follower, logger } = this.o;
    const txs = plan.witness.txs.length;
    try {
      if (follower.lastBatch !== plan.base) throw new StrataError("another batch landed while proving");
      const queue = await this.depositQueue.sync();
      // The batch is checked against the queue at the count it reaches, so deposits landing after this
      // read leave it valid; only a queue far ahead of it needs the deposits after it shown (catch-up).
      const consumedBefore = depositsUpTo(queue, follower.depositHead);
      const catchUp = depositsToCatchUp(queue, consumedBefore + plan.consumed.length);
      const { batchIndex, receipt } = await rollup.submitBatch(signer, {
        newRoot: plan.witness.newState.root,
        feeRecipient: this.feeRecipient,
        proof: toProofArg(proof.solidity),
        pubdata: encodePubdata(plan.witness.txs),
        consumedDeposits: plan.consumed,
        catchUp,
      });
      logger?.info("submitBatch", { batchIndex, txs, gasUsed: receipt.gasUsed });
      this.events.publish({
        type: "batchSubmitted",
        batchIndex,
        txs,
        ...layer1Tx(receipt),
        newRoot: rootHex(plan.witness.newState.root),
      });
    } catch (error) {
      const name =
        (error instanceof ContractRevertError ? error.errorName : undefined) ?? (error as Error).message;
      logger?.warn("batch not submitted; rebuilding from Layer 1", {
        batchIndex: plan.base + 1,
        error: name,
      });
      this.events.publish({ type: "batchRejected", batchIndex: plan.base + 1, txs, reason: name });
      await this.syncUnlocked(true);
      throw error;
    }
    await this.syncUnlocked(true);
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work, work);
    this.lock = run.catch(() => undefined);
    return run;
  }
}

function refuse(reason: ZkDoorRefusal, detail: string): never {
  throw new TxRejectedError(reason, `transaction refused (${reason}): ${detail}`);
}

function decodeOrRefuse(encodedTx: string): ZkSignedRequest {
  try {
    return decodeZkRequest(encodedTx);
  } catch (error) {
    if (error instanceof ZkCodecError) {
      throw new TxRejectedError("Malformed", `transaction refused (Malformed): ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** The state-transition request of a pending item (none for a deposit the contract refunds). */
function toRequest(item: PendingItem): ZkTxRequest[] {
  if (item.kind === "spend") return [{ tx: item.request.tx, signer: item.request.signer }];
  if (item.kind === "forced") return [{ tx: { kind: "forced", request: item.request, effective: false } }];
  if (!item.takesSlot) return [];
  if (item.refund) return [{ tx: { kind: "refund", deposit: item.deposit } }];
  return [{ tx: { kind: "deposit", account: item.account!, deposit: item.deposit } }];
}
