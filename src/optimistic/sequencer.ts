import { mkdir, readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Signer } from "ethers";
import { getBytes, hexlify } from "ethers";
import { replaceFile } from "../common/durable-file";
import type { BridgeClient } from "../bridge/client";
import { DepositQueueFollower } from "../bridge/client";
import { EventLog } from "../common/events";
import type { Logger } from "../common/logger";
import { nextBlockTime } from "../common/layer1";
import { bytesToHex } from "../shared/bytes";
import { CodecError, TX_BYTES, decodeTx, encodeTx } from "../shared/codec";
import type { L2Tx } from "../shared/types";
import type { ChainFollower, FollowerHealth, KnownBatch } from "./chain-follower";
import { followerHealth, txHash } from "./chain-follower";
import type { SequencerEvent } from "./events";
import { errorMessage, layer1Tx, unstamped } from "./events";
import type { TxJournal } from "../common/journal";
import { GamePlayer, withdrawAnyCredit } from "./player";
import { Rounds } from "../common/rounds";
import type { BlobBatchCommit, RollupClient } from "./rollup-client";
import type { Kzg } from "../da/kzg";
import { publishTransactionBlobs } from "../da/archive";
import type { RpcProvider } from "../common/layer1";
import { BlobBatchData } from "./blob-batch";
import { GAS_PER_BLOB, blobCapacity } from "../da/codec";
import type { AccountView, SequencerApi, TxReceipt, WithdrawalProofAnswer } from "./rpc-server";
import { TxRejectedError, withdrawalProofOf } from "./rpc-server";
import { nonceRefusal } from "../common/rollup-rpc";
import { MAX_STEPS } from "./steps";
import type { StepMachine } from "./trace";
import { depositData, depositsToCatchUp, depositsUpTo } from "../shared/deposit";

/** How a sequencer posts its batches in blobs (type-3 transactions) rather than calldata. */
export interface SequencerBlobOptions {
  kzg: Kzg;
  /**
   * The blob archive this sequencer publishes each batch's blobs to, for a Layer 1 whose node keeps none
   * (Hardhat). Without it, followers must find the blobs elsewhere (Anvil keeps and serves its own).
   */
  archiveUrl?: string;
  /** The most wei per blob gas to pay (default: twice the node's blob base fee, `blobFeeCap`). */
  maxFeePerBlobGas?: bigint;
  /**
   * Where committed blobs wait, on disk, until the archive takes them (the service's
   * `<dataDir>/unpublished-blobs`): a restart publishes them before it reads Layer 1. Without it they wait
   * in memory, and a restart before the archive took them loses them.
   */
  spoolDir?: string;
}

export interface SequencerOptions {
  rollup: RollupClient;
  bridge: BridgeClient;
  follower: ChainFollower;
  journal: TxJournal;
  signer: Signer;
  /** Commit once this many steps are pending (default 256, at most MAX_STEPS). */
  maxBatchSteps?: number;
  /** Commit once the oldest pending step is this old, in milliseconds (default 2000). */
  maxBatchAgeMs?: number;
  logger?: Logger;
  /** Milliseconds between rounds when running as a service (default 500). */
  pollMs?: number;
  /** Withdraw bonds credited to this proposer every round (default false). */
  withdrawCredit?: boolean;
  /** Post batches in blobs (default: as calldata). The signer must then sign locally (a `Wallet`). */
  blobs?: SequencerBlobOptions;
}

/** The sequencer's `strata_health` details. */
export interface SequencerHealth extends FollowerHealth {
  /** Steps waiting for a batch. */
  pending: number;
  proposer: string;
}

interface PendingStep {
  tx: L2Tx;
  hash: string;
  receivedAt: number;
}

/**
 * The sequencer and proposer: admits signed transactions (refusing invalid ones at the door), orders
 * them after the deposits it pulls from the bridge, commits batches by size or age, defends its batches
 * in any game, and finalizes batches whose window has passed. Its only durable state is the journal of
 * admitted transactions: everything else is rebuilt from Layer 1 on start, so a restart at any point
 * (even between sending a batch and recording it) loses nothing and duplicates nothing.
 *
 * Publishes what it does on `events` (src/optimistic/events.ts: txAccepted, batchCommitted,
 * batchFinalized, …), with what its node read and its player did.
 */
export class Sequencer implements SequencerApi {
  readonly events = new EventLog<SequencerEvent>();
  readonly player: GamePlayer;
  private soft!: StepMachine;
  private readonly pending = new Map<string, PendingStep>(); // by hash, in admission order
  private queued = 0; // bridge deposits known to be in `soft`, counted from the queue's start
  private committed = new Map<string, { batchIndex: number; step: number }>();
  private baseClaim = ""; // the tip `soft` is built on
  private readonly indexed: string[] = []; // the claim of every batch whose transactions are indexed
  private lock: Promise<unknown> = Promise.resolve();
  private readonly rounds: Rounds;
  private readonly depositQueue: DepositQueueFollower;
  /** Blob batches committed whose blobs the archive has not taken yet (retried every round). */
  private readonly unpublished: { txHash: string; blobs: readonly Uint8Array[] }[] = [];

  private constructor(private readonly o: SequencerOptions) {
    this.player = new GamePlayer({ ...o, logger: o.logger?.child("player") });
    this.depositQueue = new DepositQueueFollower(o.bridge, o.rollup.address);
    this.rounds = new Rounds(() => this.tick(), {
      pollMs: o.pollMs ?? 500,
      logger: o.logger,
      onError: (error, failure) =>
        this.events.publish({ type: "roundFailed", error: errorMessage(error), ...failure }),
    });
    o.follower.events.subscribe((event) => this.events.publish(unstamped(event)));
    this.player.events.subscribe((event) => this.events.publish(unstamped(event)));
  }

  /**
   * Publishes the blobs it committed and the archive did not take before it stopped (its node could read
   * no further without them), rebuilds from Layer 1, then re-admits every journalled transaction no batch
   * holds yet.
   */
  static async start(o: SequencerOptions): Promise<Sequencer> {
    const sequencer = new Sequencer(o);
    await sequencer.loadSpooledBlobs();
    await sequencer.publishBlobs();
    await sequencer.rebase();
    return sequencer;
  }

  // ---------------------------------------------------------------------------------------------
  // SequencerApi (served over JSON-RPC by rpc-server.ts)
  // ---------------------------------------------------------------------------------------------

  async submit(encodedTx: string, nonce?: number): Promise<TxReceipt> {
    return this.exclusive(async () => {
      let tx: L2Tx;
      try {
        tx = decodeTx(encodedTx);
      } catch (error) {
        throw this.refused(null, new TxRejectedError("Malformed", (error as CodecError).message));
      }
      const hash = txHash(tx);
      if (tx.kind === "deposit") {
        throw this.refused(
          hash,
          new TxRejectedError("DepositNotAllowed", "deposits enter through the bridge on Layer 1"),
        );
      }
      if (this.receipt(hash)) {
        throw this.refused(hash, new TxRejectedError("Duplicate", `transaction ${hash} is known`));
      }
      const wrongNonce =
        nonce === undefined ? undefined : nonceRefusal(tx.from, this.account(tx.from), nonce);
      if (wrongNonce) throw this.refused(hash, wrongNonce);
      const outcome = this.soft.apply(tx);
      if (outcome.status === "rejected") {
        throw this.refused(hash, new TxRejectedError(outcome.reason, outcome.detail));
      }
      try {
        await this.o.journal.append(bytesToHex(encodeTx(tx)));
      } catch (error) {
        await this.rebaseUnlocked(); // the transaction is in `soft` but not durable: drop it
        throw error;
      }
      this.pending.set(hash, { tx, hash, receivedAt: Date.now() });
      this.events.publish({
        type: "txAccepted",
        hash,
        kind: tx.kind,
        from: tx.from,
        pending: this.pending.size,
      });
      return { hash, status: "soft-confirmed", outcome: "applied" };
    });
  }

  private refused(hash: string | null, error: TxRejectedError): TxRejectedError {
    this.events.publish({ type: "txRefused", hash, reason: error.reason });
    return error;
  }

  account(index: number): AccountView | undefined {
    const a = this.soft.l2.account(index);
    return a && { index, ...a };
  }

  findAccount(owner: string, tokenId: number): number | undefined {
    return this.soft.l2.findAccount(owner, tokenId);
  }

  receipt(hash: string): TxReceipt | undefined {
    const key = hash.toLowerCase();
    const at = this.committed.get(key);
    if (at) {
      const status = at.batchIndex <= this.o.follower.lastFinalized ? "final" : "committed";
      return { hash: key, status, ...at };
    }
    if (this.pending.has(key)) return { hash: key, status: "soft-confirmed" };
    return undefined;
  }

  withdrawalProof(hash: string): WithdrawalProofAnswer | undefined {
    return withdrawalProofOf(this.o.follower, this.receipt(hash));
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** What `strata_health` tells about the sequencer: `degraded` when Layer 1 does not answer. */
  async health(): Promise<SequencerHealth> {
    const { follower, signer } = this.o;
    return {
      ...(await followerHealth(follower, signer.provider!)),
      pending: this.pending.size,
      proposer: await signer.getAddress(),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // The service loop
  // ---------------------------------------------------------------------------------------------

  /** One round: read Layer 1, pull deposits, commit if a batch is due, play games, finalize. */
  async tick(force = false): Promise<void> {
    let failure: unknown;
    try {
      await this.exclusive(async () => {
        await this.publishBlobs();
        await this.syncUnlocked();
        await this.pullDeposits();
        // A false tip is never built on: wait for a challenger to remove it.
        const due = force ? this.pending.size > 0 : this.batchDue();
        if (due && this.o.follower.tip.verdict === "valid") await this.commit();
      });
    } catch (error) {
      failure = error; // whatever went wrong, still defend our batches and finalize
    }
    await this.player.playAll();
    await this.finalizeDue();
    if (this.o.withdrawCredit) {
      const withdrawn = await withdrawAnyCredit(this.o.rollup, this.o.signer);
      if (withdrawn) this.events.publish(withdrawn);
    }
    if (failure) throw failure;
  }

  /** Runs rounds until `stop()`; a failed round is logged and retried on the next one. */
  run(): Promise<void> {
    return this.rounds.run();
  }

  stop(): void {
    this.rounds.stop();
  }

  // ---------------------------------------------------------------------------------------------

  private get maxSteps(): number {
    return Math.min(this.o.maxBatchSteps ?? 256, MAX_STEPS);
  }

  private batchDue(): boolean {
    const oldest = this.pending.values().next().value;
    if (oldest === undefined) return false;
    if (this.pending.size >= this.maxSteps) return true;
    return Date.now() - oldest.receivedAt >= (this.o.maxBatchAgeMs ?? 2000);
  }

  /** Appends the bridge deposits not yet in `soft`, in queue order, hinting each at its account. */
  private async pullDeposits(): Promise<void> {
    const queue = await this.depositQueue.sync();
    const first = this.queued;
    for (const deposit of queue.slice(this.queued)) {
      const hint = this.soft.l2.findAccount(deposit.to, deposit.tokenId) ?? this.soft.l2.nextIndex;
      const tx: L2Tx = { kind: "deposit", accountHint: hint, deposit: depositData(deposit) };
      this.soft.apply(tx);
      const hash = txHash(tx);
      this.pending.set(hash, { tx, hash, receivedAt: Date.now() });
      this.queued++;
    }
    if (this.queued > first) {
      this.events.publish({
        type: "depositsPulled",
        first,
        count: this.queued - first,
        pending: this.pending.size,
      });
    }
  }

  /** Commits the oldest pending steps as one batch on the tip. */
  private async commit(): Promise<void> {
    const { follower, rollup, signer, logger } = this.o;
    // Deposits go first: a due deposit is never left behind a long queue of transfers, and since only
    // deposits open accounts, moving them earlier changes no account index and no admitted transaction's
    // validity (it can only add funds sooner).
    const pending = [...this.pending.values()];
    const deposits = pending.filter((p) => p.tx.kind === "deposit");
    const others = pending.filter((p) => p.tx.kind !== "deposit");
    const first = [...deposits, ...others].slice(0, this.maxSteps);
    // A batch of MAX_STEPS deposits goes as calldata even from a sequencer posting blobs: only then may it
    // leave due deposits behind (Layer 1 counts a batch's deposits in calldata, not in blobs), so a flood
    // of due deposits drains.
    const fullOfDeposits = first.length === MAX_STEPS && first.every((p) => p.tx.kind === "deposit");
    const blobs = fullOfDeposits ? undefined : this.o.blobs;
    const batch = blobs ? oneBlobOf(first) : first;
    const machine = follower.machineAfter(follower.tip.index);
    if (!machine) throw new Error(`the tip (batch ${follower.tip.index}) is not valid: not building on it`);
    for (const p of batch) machine.apply(p.tx);
    const queue = await this.depositQueue.sync();
    // The batch names the count it consumed: deposits queued after this read do not make it fail.
    const depositCount = depositsUpTo(queue, machine.depositHead);
    const config = await rollup.config();
    const parentClaim = follower.tip.claim;
    const txs = batch.map((p) => p.tx);
    const catchUp = depositsToCatchUp(queue, depositCount);
    const blobBatch = blobs && BlobBatchData.ofTransactions(blobs.kzg, txs);
    const { batchIndex, receipt } = blobBatch
      ? await this.commitInBlobs(
          blobs,
          {
            parentClaim,
            data: blobBatch,
            stepCount: txs.length,
            post: machine.state,
            depositCount,
            catchUp,
          },
          config.proposerBond,
        )
      : await rollup.commitBatch(
          signer,
          { parentClaim, txs, post: machine.state, depositCount, catchUp },
          config.proposerBond,
        );
    logger?.info(blobs ? "commitBatchBlobs" : "commitBatch", {
      batchIndex,
      steps: batch.length,
      claim: machine.claim,
    });
    this.events.publish({
      type: "batchCommitted",
      batchIndex,
      steps: batch.length,
      txs: batch.map((p) => p.hash),
      deposits: Math.min(deposits.length, batch.length),
      parentClaim,
      claim: machine.claim,
      bond: config.proposerBond.toString(),
      dataMode: blobs ? "blobs" : "calldata",
      // EIP-4844: a blob transaction uses GAS_PER_BLOB (2^17) blob gas per blob, whatever it holds.
      ...(blobBatch ? { blobGasUsed: String(blobBatch.blobs.length * GAS_PER_BLOB) } : {}),
      ...layer1Tx(receipt),
    });
    await this.publishBlobs();
    await follower.sync();
    this.baseClaim = follower.tip.claim;
    this.indexCommitted();
    for (const p of batch) this.pending.delete(p.hash);
    await this.compactJournal();
  }

  /** Commits a blob batch and keeps its blobs to publish (until the archive has them, if there is one). */
  private async commitInBlobs(blobs: SequencerBlobOptions, batch: BlobBatchCommit, bond: bigint) {
    const { rollup, signer } = this.o;
    const committed = await rollup.commitBatchBlobs(signer, batch, bond, blobs.kzg, blobs.maxFeePerBlobGas);
    if (blobs.archiveUrl) {
      const held = { txHash: committed.receipt.hash, blobs: batch.data.blobs };
      if (blobs.spoolDir) {
        await mkdir(blobs.spoolDir, { recursive: true });
        const json = { txHash: held.txHash, blobs: held.blobs.map((b) => hexlify(b)) };
        await replaceFile(this.spooled(held.txHash), Buffer.from(JSON.stringify(json)));
      }
      this.unpublished.push(held);
    }
    return committed;
  }

  /** The spool file of the blobs of commit `txHash`. */
  private spooled(txHash: string): string {
    return join(this.o.blobs!.spoolDir!, `${txHash.toLowerCase()}.json`);
  }

  /** The spooled blobs of commits the archive had not taken when this sequencer last stopped, oldest first. */
  private async loadSpooledBlobs(): Promise<void> {
    const dir = this.o.blobs?.archiveUrl ? this.o.blobs.spoolDir : undefined;
    if (!dir) return;
    const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".json"));
    const held = await Promise.all(
      files.map(async (file) => {
        const { txHash, blobs } = JSON.parse(await readFile(join(dir, file), "utf8")) as {
          txHash: string;
          blobs: string[];
        };
        const receipt = await this.o.signer.provider!.getTransactionReceipt(txHash);
        return { txHash, blobs: blobs.map((b) => getBytes(b)), order: receipt?.blockNumber ?? Infinity };
      }),
    );
    held.sort((a, b) => a.order - b.order);
    this.unpublished.push(...held.map(({ txHash, blobs }) => ({ txHash, blobs })));
  }

  /**
   * Publishes the blobs of committed batches to the archive, oldest first: followers (this one included)
   * read a blob batch only once its blobs are there. An archive that refuses or does not answer is tried
   * again next round; the blobs are held until then, in the spool if there is one (see `spoolDir`).
   */
  private async publishBlobs(): Promise<void> {
    const { blobs, signer } = this.o;
    while (blobs?.archiveUrl && this.unpublished.length > 0) {
      const { txHash: hash, blobs: data } = this.unpublished[0];
      await publishTransactionBlobs(blobs.archiveUrl, signer.provider as RpcProvider, blobs.kzg, hash, data);
      this.unpublished.shift();
      if (blobs.spoolDir) await rm(this.spooled(hash), { force: true });
      this.events.publish({ type: "blobsPublished", l1TxHash: hash, blobs: data.length });
    }
  }

  /** Keeps in the journal exactly the admitted transactions still pending: nothing else is needed. */
  private async compactJournal(): Promise<void> {
    await this.o.journal.retain((encoded) => this.pending.has(txHash(decodeTx(encoded))));
  }

  /** Finalizes every batch whose window has passed and that has no open game. */
  private async finalizeDue(): Promise<void> {
    const { follower, rollup, signer } = this.o;
    const config = await rollup.config();
    const now = await nextBlockTime(signer.provider!);
    let upTo = follower.lastFinalized;
    for (const b of follower.batches.slice(follower.lastFinalized + 1)) {
      const busy = [...follower.games.values()].some((g) => g.open && g.batchIndex === b.index);
      if (busy || now < b.committedAt + config.challengeWindow) break;
      upTo = b.index;
    }
    if (upTo > follower.lastFinalized) {
      const fromIndex = follower.lastFinalized + 1;
      const receipt = await rollup.finalize(signer, upTo);
      await follower.sync();
      this.o.logger?.info("finalize", { upTo });
      this.events.publish({ type: "batchFinalized", fromIndex, batchIndex: upTo, ...layer1Tx(receipt) });
    }
  }

  /** Reads Layer 1; if the tip moved under us (another proposer, a removal), rebuilds `soft`. */
  private async syncUnlocked(): Promise<void> {
    await this.o.follower.sync();
    if (this.base().claim !== this.baseClaim) await this.rebaseUnlocked();
  }

  /** The batch the soft state builds on: the tip, or below a false tip the last valid batch. */
  private base(): KnownBatch {
    const { batches } = this.o.follower;
    let index = batches.length - 1;
    while (batches[index].verdict !== "valid") index--;
    return batches[index];
  }

  /**
   * Rebuilds the soft state: the tip's state, then every journalled transaction that no batch holds
   * (deposits are pulled again from the bridge first, in queue order).
   */
  private async rebase(): Promise<void> {
    await this.exclusive(() => this.rebaseUnlocked());
  }

  private async rebaseUnlocked(): Promise<void> {
    const { follower, journal, logger } = this.o;
    await follower.sync();
    this.indexCommitted();
    const base = this.base();
    const machine = follower.machineAfter(base.index)!;
    this.soft = machine;
    this.baseClaim = base.claim;
    this.pending.clear();
    const queue = await this.depositQueue.sync();
    this.queued = depositsUpTo(queue, machine.depositHead);
    await this.pullDeposits();
    const dropped: string[] = [];
    for (const encoded of journal.entries()) {
      const tx = decodeTx(encoded);
      const hash = txHash(tx);
      if (this.committed.has(hash)) continue;
      const outcome = this.soft.apply(tx);
      if (outcome.status === "rejected") dropped.push(hash);
      else this.pending.set(hash, { tx, hash, receivedAt: Date.now() });
    }
    if (dropped.length > 0) {
      logger?.warn("journalled transactions no longer apply", { dropped });
      this.events.publish({ type: "txsDropped", hashes: dropped });
    }
    if (
      journal.entries().length !== [...this.pending.values()].filter((p) => p.tx.kind !== "deposit").length
    ) {
      await this.compactJournal();
    }
    const rebuilt = { tip: follower.tip.index, base: base.index, pending: this.pending.size };
    logger?.info("rebuilt from Layer 1", rebuilt);
    this.events.publish({ type: "rebuilt", ...rebuilt });
  }

  /** Indexes the transactions of batches not indexed yet; after a removal, forgets the removed ones. */
  private indexCommitted(): void {
    const batches = this.o.follower.batches;
    let same = 0;
    while (
      same < this.indexed.length &&
      same < batches.length &&
      this.indexed[same] === batches[same].claim
    ) {
      same++;
    }
    if (same < this.indexed.length) {
      for (const [hash, at] of this.committed) if (at.batchIndex >= same) this.committed.delete(hash);
      this.indexed.length = same;
    }
    for (const batch of batches.slice(same)) {
      batch.txs.forEach((tx, step) => this.committed.set(txHash(tx), { batchIndex: batch.index, step }));
      this.indexed.push(batch.claim);
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work, work);
    this.lock = run.catch(() => undefined);
    return run;
  }
}

/**
 * The longest prefix of `steps` one blob holds (1,627 transfers): a second blob for a few more steps would
 * cost a whole blob's gas, so a blob batch stops at one.
 */
function oneBlobOf(steps: readonly PendingStep[]): PendingStep[] {
  let bytes = 0;
  const over = steps.findIndex((p) => (bytes += TX_BYTES[p.tx.kind]) > blobCapacity(1));
  return over === -1 ? [...steps] : steps.slice(0, over);
}
