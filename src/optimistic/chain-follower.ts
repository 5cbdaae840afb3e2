import type { Log, Provider } from "ethers";
import { keccak256 } from "ethers";
import type { ChainChangedError } from "../common/chain-identity";
import type { ChainReader } from "../common/block-cursor";
import { readLogsToHead } from "../common/block-cursor";
import { blockHashAt, checkLastBlockRead } from "../common/chain-identity";
import { StrataError } from "../common/errors";
import { EventLog } from "../common/events";
import { transactionSenders } from "../common/layer1";
import type { ServiceStatus } from "../common/json-rpc";
import type { Logger } from "../common/logger";
import type { Authorizer } from "../shared/authorizer";
import { encodeTx } from "../shared/codec";
import type { KeccakHasher } from "../shared/hasher";
import type { MerkleProof } from "../shared/merkle-tree";
import { SparseMerkleTree } from "../shared/merkle-tree";
import type { L2Tx, WithdrawalData } from "../shared/types";
import { hashWithdrawal } from "../shared/withdrawal";
import type { BlobSource } from "../da/blob-source";
import { Kzg } from "../da/kzg";
import { readPayloadAsLayer1 } from "../da/codec";
import { BlobBatchData, applyBlobStep, traceBlobBatch, transactionsOf } from "./blob-batch";
import type { FollowerEvent } from "./events";
import type { AnyStepProof, BatchCalldata, RollupClient } from "./rollup-client";
import { toTraceState } from "./rollup-client";
import { StepsTree } from "./steps";
import type { TraceState } from "./trace";
import { StepMachine, WITHDRAWAL_DEPTH, traceBatch } from "./trace";

export class ChainMismatchError extends StrataError {}

/** A batch was posted in blobs and this node was given no blob source to read them from. */
export class NoBlobSourceError extends StrataError {
  constructor(readonly batchIndex: number) {
    super(
      `batch ${batchIndex} is posted in blobs and this node has no blob source: give it one (the blob ` +
        `archive on Hardhat, Anvil's own API on Anvil)`,
    );
  }
}

/** What an optimistic operator's `strata_health` starts with: Layer 1's head and how far it has read. */
export interface FollowerHealth {
  status: ServiceStatus;
  /** Layer 1's latest block (null when Layer 1 does not answer), and the last block this node read. */
  layer1Head: number | null;
  syncedTo: number;
  tip: number;
  lastFinalized: number;
}

/** `follower`'s part of an operator's health: `degraded` when Layer 1 does not answer. */
export async function followerHealth(follower: ChainFollower, provider: Provider): Promise<FollowerHealth> {
  const layer1Head = await provider.getBlockNumber().catch(() => null);
  return {
    status: layer1Head === null ? "degraded" : "ok",
    layer1Head,
    syncedTo: follower.syncedTo,
    tip: follower.tip.index,
    lastFinalized: follower.lastFinalized,
  };
}

/**
 * A batch as this node knows it, and its verdict: `valid` when its transactions, applied to its
 * parent's state, give the claim it committed; `invalid` when they do not (a fraud: challenge it);
 * `orphaned` when it was built on an invalid batch (it falls with it, nothing to check).
 */
export interface KnownBatch extends Omit<BatchCalldata, "depositCount" | "catchUp"> {
  /** Posted in blobs (`commitBatchBlobs`): its blobs, each checked against its versioned hash, and what
   * Layer 1 recorded. Absent for a batch posted as calldata. */
  blobs?: BlobBatchRecord;
  /** Posted as calldata: each step's bytes as the calldata holds them (what its Steps root is over). */
  encoded?: Uint8Array[];
  index: number;
  proposer: string;
  claim: string;
  stepCount: number;
  committedAt: number;
  transactionHash: string;
  verdict: "valid" | "invalid" | "orphaned";
  /** The claim the batch's transactions really lead to (undefined when orphaned). */
  honestClaim?: string;
  /** What the batch owes on Layer 1, in withdrawal-tree order (valid batches only). */
  withdrawals?: readonly WithdrawalData[];
  /** The step that owes each of `withdrawals`, in the same order (valid batches only). */
  withdrawalSteps?: readonly number[];
}

/** A blob batch's data, as this node read it: `txs` are the transactions its steps apply, in order. */
export interface BlobBatchRecord {
  versionedHashes: string[];
  payloadLength: number;
  blobs: Uint8Array[];
  commitments: string[];
  payload: Uint8Array;
}

interface CommittedArgs {
  batchIndex: bigint;
  proposer: string;
  claim: string;
  stepCount: bigint;
  post: TraceState;
}

/** A game as this node saw it open, and its disputed range (lo, hi] as the last move left it. */
export interface KnownGame {
  id: bigint;
  batchIndex: number;
  challenger: string;
  open: boolean;
  lo: number;
  hi: number;
  /** Who holds the proposer's side (`defend`), if anyone: cleared when that defender loses it. */
  defender?: string;
}

/**
 * The logs in order, except that within one transaction how a game ended comes before what that did to
 * batches and bonds (the contract removes the batches first, then says who won).
 */
function causesFirst<T extends { log: { transactionHash: string }; event: { name: string } | null }>(
  logs: T[],
): T[] {
  const first = (x: T) => (x.event?.name === "GameResolved" ? 0 : 1);
  return logs
    .map((x, i) => ({ x, i }))
    .sort((a, b) =>
      a.x.log.transactionHash === b.x.log.transactionHash ? first(a.x) - first(b.x) || a.i - b.i : a.i - b.i,
    )
    .map(({ x }) => x);
}

const partyOf = (value: bigint | number): "proposer" | "challenger" =>
  Number(value) === 0 ? "proposer" : "challenger";

/** keccak256 of an encoded transaction: its hash for users and its leaf in the batch's steps tree. */
export function txHash(tx: L2Tx): string {
  return keccak256(encodeTx(tx));
}

/**
 * Rebuilds the Layer-2 chain from Layer 1 alone: the rollup's events say what happened, and each
 * batch's transactions are read back from the calldata of the transaction that committed it. Every batch
 * is re-executed and judged; the state after every valid batch is kept (until it is final) so that its
 * children can be checked and its games played. Publishes what it reads on `events` (src/optimistic/
 * events.ts): every batch with its verdict (batchRead), every removal, and every transaction of every
 * game, whoever sent it (gameOpened, gameMoved, gameDefended, defenderLost, stepProved, gameResolved,
 * gameCancelled).
 */
export class ChainFollower {
  readonly events = new EventLog<FollowerEvent>();
  readonly batches: KnownBatch[] = [];
  readonly games = new Map<bigint, KnownGame>();
  private readonly machines = new Map<number, StepMachine>();
  private readonly traces = new Map<number, string[]>();
  private readonly trees = new Map<number, StepsTree>();
  private readonly blobData = new Map<number, BlobBatchData>();
  private readonly hasher: KeccakHasher;
  private nextBlock = 0;
  /** The hash of the last block read (block `nextBlock - 1`). */
  private lastHash: string | undefined;
  private finalized = 0;
  /** Told when `sync` finds that the last block it read is no longer on Layer 1 (before it throws). */
  onChainChanged?: (error: ChainChangedError) => void;

  /**
   * @param blobSource Where batches posted in blobs are read from (each blob is checked against the versioned
   * hash Layer 1 recorded). Without one, the first blob batch stops the node with `NoBlobSourceError`.
   */
  constructor(
    readonly rollup: RollupClient,
    private readonly provider: Provider,
    genesis: StepMachine,
    private readonly logger?: Logger,
    private readonly blobSource?: BlobSource,
  ) {
    this.hasher = genesis.l2.hasher as KeccakHasher;
    this.machines.set(0, genesis);
    this.batches.push({
      index: 0,
      proposer: "0x" + "00".repeat(20),
      claim: genesis.claim,
      stepCount: 0,
      committedAt: 0,
      transactionHash: "",
      verdict: "valid",
      honestClaim: genesis.claim,
      withdrawals: [],
      parentClaim: genesis.claim,
      txs: [],
      post: genesis.state,
    });
  }

  static async create(
    rollup: RollupClient,
    provider: Provider,
    authorizer: Authorizer,
    logger?: Logger,
    blobSource?: BlobSource,
  ): Promise<ChainFollower> {
    return new ChainFollower(rollup, provider, await StepMachine.genesis(authorizer), logger, blobSource);
  }

  get tip(): KnownBatch {
    return this.batches[this.batches.length - 1];
  }

  get lastFinalized(): number {
    return this.finalized;
  }

  /** The last Layer-1 block read (-1 before the first sync). */
  get syncedTo(): number {
    return this.nextBlock - 1;
  }

  /**
   * Reads every rollup event since the last sync, in order, and applies it. Returns new batch indices.
   * @throws ChainChangedError if the last block it read is no longer on Layer 1 (with that hash).
   */
  async sync(): Promise<number[]> {
    await this.checkLastBlock();
    // The head's hash is taken before its logs: the cursor is tied to the chain the logs came from.
    const range = await readLogsToHead(this.provider, this.rollup.address, this.nextBlock, this.asReader());
    if (!range) return [];
    const { logs, to } = range;
    const committed = await this.applyLogs(logs).catch(async (error: unknown) => {
      // A chain changed under the read is said as such (not as a receipt the node no longer has), and
      // the cursor is tied to the block read so that every later sync says so too.
      if ((await blockHashAt(this.provider, to.number)) !== to.hash) {
        [this.nextBlock, this.lastHash] = [to.number + 1, to.hash];
        await this.checkLastBlock();
      }
      throw error;
    });
    this.nextBlock = to.number + 1;
    this.lastHash = to.hash;
    this.prune();
    return committed.filter((i) => i < this.batches.length);
  }

  /** Applies one read's logs, in order (causes first). Returns the indices of the batches committed. */
  private async applyLogs(logs: readonly Log[]): Promise<number[]> {
    const committed: number[] = [];
    const iface = this.rollup.contract.interface;
    const senderOf = transactionSenders(
      this.provider,
      (hash) => new ChainMismatchError(`no receipt for transaction ${hash}`),
    );
    /** Who sent a game transaction and its gas. */
    const sent = async (hash: string) => {
      const { from, gasUsed } = await senderOf(hash);
      return { by: from, l1TxHash: hash, gasUsed: gasUsed.toString() };
    };
    const parsed = causesFirst(logs.map((log) => ({ log, event: iface.parseLog(log) })));
    // A blob batch's BatchBlobs comes just after its BatchCommitted, in the same transaction: keyed by both,
    // since a removed batch's index is committed again. Every blob of the read is fetched (and checked)
    // before anything is applied, so a blob not available yet leaves this node as it was, to read the same
    // logs again next time.
    const blobBatches = new Map<string, BlobBatchRecord>();
    for (const { log, event } of parsed) {
      if (event?.name !== "BatchBlobs") continue;
      const { batchIndex, versionedHashes, payloadLength } = event.args;
      blobBatches.set(
        `${log.transactionHash}:${batchIndex}`,
        await this.readBlobs(Number(batchIndex), log.blockNumber, log.blockHash, {
          versionedHashes: [...versionedHashes],
          payloadLength: Number(payloadLength),
        }),
      );
    }
    for (const { log, event } of parsed) {
      if (!event) continue;
      switch (event.name) {
        case "BatchCommitted": {
          const args = event.args as unknown as CommittedArgs;
          committed.push(
            await this.applyCommitted(
              args,
              log.transactionHash,
              log.blockNumber,
              blobBatches.get(`${log.transactionHash}:${args.batchIndex}`),
            ),
          );
          break;
        }
        case "BatchesRemoved":
          this.applyRemoved(Number(event.args.fromIndex));
          this.events.publish({
            type: "batchesRemoved",
            fromIndex: Number(event.args.fromIndex),
            count: Number(event.args.count),
            l1TxHash: log.transactionHash,
          });
          break;
        case "ChallengeOpened": {
          const batchIndex = Number(event.args.batchIndex);
          const steps = this.batches[batchIndex]?.stepCount ?? 0;
          const game: KnownGame = {
            id: event.args.gameId,
            batchIndex,
            challenger: event.args.challenger,
            open: true,
            lo: 0,
            hi: steps,
          };
          this.games.set(game.id, game);
          this.events.publish({
            type: "gameOpened",
            gameId: game.id.toString(),
            batchIndex,
            challenger: game.challenger,
            steps,
            at: Math.floor(steps / 2),
            midClaim: event.args.midClaim as string,
            ...(await sent(log.transactionHash)),
          });
          break;
        }
        case "Moved": {
          const game = this.games.get(event.args.gameId);
          if (!game) break;
          const at = Math.floor((game.lo + game.hi) / 2);
          [game.lo, game.hi] = [Number(event.args.lo), Number(event.args.hi)];
          this.events.publish({
            type: "gameMoved",
            gameId: game.id.toString(),
            batchIndex: game.batchIndex,
            as: partyOf(event.args.mover),
            agree: event.args.agree as boolean,
            at,
            lo: game.lo,
            hi: game.hi,
            claim: event.args.claim as string,
            ...(await sent(log.transactionHash)),
          });
          break;
        }
        case "DefenderJoined": {
          const game = this.games.get(event.args.gameId);
          if (!game) break;
          game.defender = event.args.defender as string;
          this.events.publish({
            type: "gameDefended",
            gameId: game.id.toString(),
            batchIndex: game.batchIndex,
            defender: game.defender,
            ...(await sent(log.transactionHash)),
          });
          break;
        }
        case "DefenderLost": {
          const game = this.games.get(event.args.gameId);
          if (!game) break;
          // The game is back as before the takeover: the side vacant, the range as it was then.
          game.defender = undefined;
          [game.lo, game.hi] = [Number(event.args.lo), Number(event.args.hi)];
          this.events.publish({
            type: "defenderLost",
            gameId: game.id.toString(),
            batchIndex: game.batchIndex,
            defender: event.args.defender as string,
            lo: game.lo,
            hi: game.hi,
            ...(await sent(log.transactionHash)),
          });
          break;
        }
        case "GameResolved":
        case "GameCancelled": {
          const game = this.games.get(event.args.gameId);
          if (!game) break;
          game.open = false;
          const about = {
            gameId: game.id.toString(),
            batchIndex: game.batchIndex,
            ...(await sent(log.transactionHash)),
          };
          if (event.name === "GameCancelled") {
            this.events.publish({ type: "gameCancelled", ...about });
            break;
          }
          const byStep = event.args.byStep as boolean;
          if (byStep) this.events.publish({ type: "stepProved", ...about, step: game.lo });
          this.events.publish({ type: "gameResolved", ...about, winner: partyOf(event.args.winner), byStep });
          break;
        }
        case "BatchFinalized":
          this.finalized = Number(event.args.batchIndex);
          break;
      }
    }
    return committed;
  }

  /**
   * Its block cursor is tied to the chain: the last block it read must still be there with the hash it
   * had. A node reset (or a reorganization below it) would otherwise leave it reading from a block the
   * new chain has not reached, or past what changed: everything it holds is of another chain, so it
   * stops (a restarted service rebuilds from Layer 1).
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
      reader: "the optimistic rollup's node",
      fix: "restart the service to rebuild from Layer 1",
      onChanged: this.onChainChanged,
    };
  }

  /** The honest state after batch `index` (a copy to build on), if that batch is valid. */
  machineAfter(index: number): StepMachine | undefined {
    return this.machines.get(index)?.nextBatch();
  }

  /** The honest claim after every step of batch `index`, from its parent's claimed (valid) state. */
  trace(index: number): string[] {
    let trace = this.traces.get(index);
    if (!trace) {
      const start = this.startOf(index);
      const batch = this.batches[index];
      trace = batch.blobs
        ? traceBlobBatch(start, batch.blobs.payload, batch.stepCount)
        : traceBatch(start, batch.txs);
      this.traces.set(index, trace);
    }
    return trace;
  }

  /**
   * The one-step proof of step `step` of batch `index`, for the way the batch was posted: a Merkle path into
   * its calldata's transactions, or the field elements of its blobs that hold the transaction at the step's
   * cursor, each opened (about half a second each: the KZG library loads once per process).
   */
  async stepProof(index: number, step: number): Promise<AnyStepProof> {
    const batch = this.batches[index];
    const machine = this.startOf(index);
    if (batch.blobs) {
      for (let i = 0; i < step; i++) applyBlobStep(machine, batch.blobs.payload);
      return { mode: "blobs", proof: (await this.blobBatchData(index)).stepProof(machine) };
    }
    for (let i = 0; i < step; i++) machine.apply(batch.txs[i]);
    const pre = machine.state;
    const witness = machine.witness(batch.txs[step]);
    return { mode: "calldata", proof: { ...this.stepsTree(index).proof(step), pre, witness } };
  }

  /** The parent's post-state, which a challenge of batch `index` must name. */
  parentState(index: number): TraceState {
    return this.batches[index - 1].post;
  }

  /** Batch `index`'s withdrawals, in leaf order. */
  withdrawalsOf(index: number): readonly WithdrawalData[] {
    const withdrawals = this.batches[index]?.withdrawals;
    if (!withdrawals) throw new ChainMismatchError(`batch ${index} is not a valid batch this node holds`);
    return withdrawals;
  }

  /** The proof `Bridge.finalizeWithdrawal` takes for withdrawal `leafIndex` of batch `index`. */
  withdrawalProof(index: number, leafIndex: number): MerkleProof {
    const withdrawals = this.withdrawalsOf(index);
    const hasher = this.hasher;
    const tree = new SparseMerkleTree(hasher, WITHDRAWAL_DEPTH);
    withdrawals.forEach((w, i) => tree.update(i, hasher.fromHex(hashWithdrawal(w))));
    return tree.proof(leafIndex);
  }

  private startOf(index: number): StepMachine {
    const parent = this.machines.get(index - 1);
    if (!parent) throw new ChainMismatchError(`batch ${index - 1} is not a valid batch this node holds`);
    return parent.nextBatch();
  }

  private async blobBatchData(index: number): Promise<BlobBatchData> {
    let data = this.blobData.get(index);
    if (!data) {
      const { blobs, commitments } = this.batches[index].blobs!;
      data = new BlobBatchData(await Kzg.load(), blobs, commitments);
      this.blobData.set(index, data);
    }
    return data;
  }

  /** A blob batch's blobs from the blob source, each checked against the versioned hash Layer 1 recorded. */
  private async readBlobs(
    index: number,
    blockNumber: number,
    blockHash: string,
    recorded: { versionedHashes: string[]; payloadLength: number },
  ): Promise<BlobBatchRecord> {
    if (!this.blobSource) throw new NoBlobSourceError(index);
    const verified = await this.blobSource.getBlobs({
      blockNumber,
      blockHash,
      versionedHashes: recorded.versionedHashes,
    });
    const blobs = verified.map((v) => v.blob);
    const payload = readPayloadAsLayer1(blobs);
    if (payload.length !== recorded.payloadLength) {
      throw new ChainMismatchError(
        `batch ${index}'s blobs hold ${payload.length} payload bytes, Layer 1 read ${recorded.payloadLength}`,
      );
    }
    return { ...recorded, blobs, commitments: verified.map((v) => v.commitment), payload };
  }

  private stepsTree(index: number): StepsTree {
    let tree = this.trees.get(index);
    if (!tree) {
      const batch = this.batches[index];
      tree = new StepsTree(this.hasher, batch.encoded ?? batch.txs);
      this.trees.set(index, tree);
    }
    return tree;
  }

  /** What this node keeps of a calldata batch, from its commit's input. */
  private calldataBatch(input: string): Pick<KnownBatch, "parentClaim" | "txs" | "encoded"> {
    const { parentClaim, txs, encoded } = this.rollup.decodeCommit(input);
    return { parentClaim, txs, encoded };
  }

  private async applyCommitted(
    args: CommittedArgs,
    transactionHash: string,
    blockNumber: number,
    blobs?: BlobBatchRecord,
  ): Promise<number> {
    const index = Number(args.batchIndex);
    if (index !== this.batches.length) {
      throw new ChainMismatchError(
        `batch ${index} committed but this node's tip is ${this.batches.length - 1}`,
      );
    }
    const [tx, block] = await Promise.all([
      this.provider.getTransaction(transactionHash),
      this.provider.getBlock(blockNumber),
    ]);
    if (!tx || !block) throw new ChainMismatchError(`transaction ${transactionHash} is not available`);
    // A calldata batch is its transaction's input; a blob batch is in the blobs its events name (it may
    // be committed from a contract, so its input is not read).
    const data = blobs
      ? { parentClaim: this.batches[index - 1].claim, txs: transactionsOf(blobs.payload), blobs }
      : this.calldataBatch(tx.data);
    const known: KnownBatch = {
      ...data,
      post: toTraceState(args.post),
      index,
      proposer: args.proposer,
      claim: args.claim,
      stepCount: Number(args.stepCount),
      committedAt: block.timestamp,
      transactionHash,
      verdict: "orphaned",
    };
    const parent = this.machines.get(index - 1);
    if (parent && this.batches[index - 1].verdict === "valid") {
      const machine = parent.nextBatch();
      const withdrawalSteps: number[] = [];
      for (let step = 0; step < known.stepCount; step++) {
        const owed = machine.withdrawals.length;
        if (blobs) applyBlobStep(machine, blobs.payload);
        else machine.apply(known.txs[step]);
        if (machine.withdrawals.length > owed) withdrawalSteps.push(step);
      }
      known.honestClaim = machine.claim;
      known.verdict = machine.claim === args.claim ? "valid" : "invalid";
      if (known.verdict === "valid") {
        this.machines.set(index, machine);
        known.withdrawals = machine.withdrawals;
        known.withdrawalSteps = withdrawalSteps;
      }
    }
    this.batches.push(known);
    this.logger?.debug("batch read from Layer 1", { index, verdict: known.verdict, steps: known.stepCount });
    this.events.publish({
      type: "batchRead",
      batchIndex: index,
      verdict: known.verdict,
      proposer: known.proposer,
      steps: known.stepCount,
      claim: known.claim,
      honestClaim: known.honestClaim ?? null,
      l1TxHash: transactionHash,
      committedAt: known.committedAt,
    });
    return index;
  }

  private applyRemoved(fromIndex: number): void {
    for (let i = fromIndex; i < this.batches.length; i++) this.forget(i);
    this.batches.length = fromIndex;
    this.logger?.info("batches removed", { fromIndex });
  }

  /** Keeps states only from the last final batch on: nothing older can be disputed. */
  private prune(): void {
    for (const index of this.machines.keys()) {
      if (index < this.finalized) this.forget(index);
    }
  }

  /** Drops what this node holds about batch `index` beyond its record. */
  private forget(index: number): void {
    this.machines.delete(index);
    this.traces.delete(index);
    this.trees.delete(index);
    this.blobData.delete(index);
  }
}
