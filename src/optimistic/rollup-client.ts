import type { ContractTransactionReceipt, Provider, Signer } from "ethers";
import { getBytes } from "ethers";
import type { OptimisticRollup } from "../../typechain-types";
import { IBridge__factory, OneStepProver__factory, OptimisticRollup__factory } from "../../typechain-types";
import type { IOptimisticRollup } from "../../typechain-types/contracts/optimistic/OptimisticRollup";
import type { ErrorDecoder } from "../common/errors";
import { ContractClient } from "../common/contract-client";
import { StrataError } from "../common/errors";
import { encodeTxs, splitTxs } from "../shared/codec";
import { depositData } from "../shared/deposit";
import type { DepositData } from "../shared/types";
import type { L2Tx } from "../shared/types";
import type { RpcProvider } from "../common/layer1";
import type { Kzg } from "../da/kzg";
import type { BlobBatchData, BlobStepProofArg } from "./blob-batch";
import type { GameStatus, GameView, Party } from "./solver";
import type { StepWitness, TraceState } from "./trace";

export { MissingEventError } from "../common/contract-client";
export class NotABatchError extends StrataError {}

const PARTIES: Party[] = ["proposer", "challenger"];
const STATUSES: (GameStatus | "none")[] = ["none", "open", "proposerWon", "challengerWon", "cancelled"];

/** The rollup events its agents read out of their own receipts. */
export type RollupEventName = "BatchCommitted" | "ChallengeOpened" | "Moved" | "CreditWithdrawn";

export interface RollupConfig {
  challengeWindow: number;
  inclusionWindow: number;
  gameClock: number;
  proposerBond: bigint;
  challengerBond: bigint;
}

/** What `commitBatch` was called with: a batch as any node reads it back from Layer-1 calldata. */
export interface BatchCalldata {
  parentClaim: string;
  txs: L2Tx[];
  post: TraceState;
  /** Deposits of the bridge's queue consumed once the batch is applied: `post.depositHead` is the head after them. */
  depositCount: number;
  /** Usually empty: the deposits after the first `depositCount`, shown when the queue ran far ahead (`depositsToCatchUp`). */
  catchUp: DepositData[];
}

/** A blob batch as `commitBatchBlobs` takes it, with the blobs its transaction carries. */
export interface BlobBatchCommit {
  parentClaim: string;
  data: BlobBatchData;
  /** The steps the proposer claims the payload holds. */
  stepCount: number;
  post: TraceState;
  depositCount: number;
  catchUp: DepositData[];
}

/**
 * The gas a `commitBatchBlobs` transaction is sent with. It cannot be estimated: nodes run eth_estimateGas
 * without the transaction's blobs (Hardhat ignores `blobVersionedHashes`), where the call reverts with
 * `OptimisticNoBlobs`. Measured at about 140,000 (`npm run bench`); each deposit shown in `catchUp` adds
 * its calldata and a hash.
 */
export function commitBlobsGasLimit(catchUp: number): bigint {
  return 400_000n + 20_000n * BigInt(catchUp);
}

/**
 * What a blob transaction offers per blob gas when its sender names nothing: twice the node's blob base fee
 * (`eth_blobBaseFee`), as ethers doubles the base fee for `maxFeePerGas`; at least 1 wei. ethers proposes
 * no blob fee of its own.
 */
export async function blobFeeCap(provider: RpcProvider): Promise<bigint> {
  const base = BigInt((await provider.send("eth_blobBaseFee", [])) as string);
  return base > 0n ? 2n * base : 1n;
}

/** The one-step proof of a step, for the way its batch was posted. */
export type AnyStepProof =
  { mode: "calldata"; proof: StepProofArg } | { mode: "blobs"; proof: BlobStepProofArg };

/** Everything `step` needs. */
export interface StepProofArg {
  transaction: string;
  txProof: string[];
  pre: TraceState;
  witness: StepWitness;
}

/** The one-step prover's errors (its blob reader's included) and the bridge's, which the rollup lets through. */
const PASSED_THROUGH = [OneStepProver__factory.createInterface(), IBridge__factory.createInterface()];

/** The optimistic rollup contract seen from its agents. Any ethers runner: no Hardhat needed. */
export class RollupClient extends ContractClient<OptimisticRollup, RollupEventName> {
  constructor(address: string, runner: Signer | Provider) {
    super(OptimisticRollup__factory.connect(address, runner));
  }

  /**
   * The rollup's own errors, then those it lets through: a step's (`OneStepWrongOpeningCount`,
   * `BlobOpeningInvalid`, …) and the bridge's deposit checks (`BridgeDepositHeadForgotten`, …).
   */
  protected override errorDecoder(): ErrorDecoder {
    const own = this.contract.interface;
    return {
      parseError: (data) =>
        PASSED_THROUGH.reduce((found, iface) => found ?? iface.parseError(data), own.parseError(data)),
    };
  }

  /** The rollup's parameters: immutable, so read once and kept. */
  config(): Promise<RollupConfig> {
    return this.immutables(async (c) => {
      const [challengeWindow, inclusionWindow, gameClock, proposerBond, challengerBond] = await Promise.all([
        c.CHALLENGE_WINDOW(),
        c.INCLUSION_WINDOW(),
        c.GAME_CLOCK(),
        c.PROPOSER_BOND(),
        c.CHALLENGER_BOND(),
      ]);
      return {
        challengeWindow: Number(challengeWindow),
        inclusionWindow: Number(inclusionWindow),
        gameClock: Number(gameClock),
        proposerBond,
        challengerBond,
      };
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Transactions (each resolves once mined; a revert throws ContractRevertError with its name)
  // ---------------------------------------------------------------------------------------------

  /**
   * Commits `b` as calldata: its transactions encoded by `encodeTxs`, unless `calldata` gives other bytes
   * for them (an adversary's: e.g. an amount in another of its float40 encodings).
   */
  async commitBatch(
    signer: Signer,
    b: BatchCalldata,
    bond: bigint,
    calldata: Uint8Array = encodeTxs(b.txs),
  ): Promise<{ batchIndex: number; receipt: ContractTransactionReceipt }> {
    const receipt = await this.send(() =>
      this.contract
        .connect(signer)
        .commitBatch(b.parentClaim, calldata, b.post, b.depositCount, b.catchUp, { value: bond }),
    );
    const event = this.eventIn(receipt, "BatchCommitted");
    return { batchIndex: Number(event.args.batchIndex), receipt };
  }

  /**
   * Commits a batch whose transactions are in `b.data`'s blobs, in a type-3 transaction `signer` signs
   * itself (an ethers `Wallet`: nodes take blob transactions only as raw transactions).
   */
  async commitBatchBlobs(
    signer: Signer,
    b: BlobBatchCommit,
    bond: bigint,
    kzg: Kzg,
    maxFeePerBlobGas?: bigint,
  ): Promise<{ batchIndex: number; receipt: ContractTransactionReceipt }> {
    const header = b.data.header();
    const feeCap = maxFeePerBlobGas ?? (await blobFeeCap(signer.provider as unknown as RpcProvider));
    const receipt = await this.send(() =>
      this.contract
        .connect(signer)
        .commitBatchBlobs(b.parentClaim, b.post, b.depositCount, b.catchUp, b.stepCount, header, {
          type: 3,
          blobs: [...b.data.blobs],
          kzg: kzg.ethersKzg(),
          value: bond,
          gasLimit: commitBlobsGasLimit(b.catchUp.length),
          maxFeePerBlobGas: feeCap,
        }),
    );
    const event = this.eventIn(receipt, "BatchCommitted");
    return { batchIndex: Number(event.args.batchIndex), receipt };
  }

  async challenge(
    signer: Signer,
    batchIndex: number,
    parentState: TraceState,
    midClaim: string,
    bond: bigint,
  ): Promise<{ gameId: bigint; receipt: ContractTransactionReceipt }> {
    const receipt = await this.send(() =>
      this.contract.connect(signer).challenge(batchIndex, parentState, midClaim, { value: bond }),
    );
    return { gameId: this.eventIn(receipt, "ChallengeOpened").args.gameId as bigint, receipt };
  }

  defend(
    signer: Signer,
    gameId: bigint,
    agree: boolean,
    claim: string,
    bond: bigint,
  ): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).defend(gameId, agree, claim, { value: bond }));
  }

  move(signer: Signer, gameId: bigint, agree: boolean, claim: string): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).move(gameId, agree, claim));
  }

  step(signer: Signer, gameId: bigint, proof: StepProofArg): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).step(gameId, proof));
  }

  stepBlob(signer: Signer, gameId: bigint, proof: BlobStepProofArg): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).stepBlob(gameId, proof));
  }

  /** The one-step proof for the way the batch was posted: `step` or `stepBlob`. */
  proveStep(signer: Signer, gameId: bigint, p: AnyStepProof): Promise<ContractTransactionReceipt> {
    return p.mode === "blobs" ? this.stepBlob(signer, gameId, p.proof) : this.step(signer, gameId, p.proof);
  }

  timeout(signer: Signer, gameId: bigint): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).timeout(gameId));
  }

  cancel(signer: Signer, gameId: bigint): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).cancel(gameId));
  }

  finalize(signer: Signer, batchIndex: number): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).finalize(batchIndex));
  }

  withdrawCredit(signer: Signer): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).withdrawCredit());
  }

  // ---------------------------------------------------------------------------------------------
  // Views
  // ---------------------------------------------------------------------------------------------

  /** Game `gameId` as Layer 1 holds it now, or at block `blockTag` (a reader that answers for one block). */
  async game(gameId: bigint, blockTag?: number): Promise<GameView> {
    const at = blockTag === undefined ? {} : { blockTag };
    const g = await this.contract.game(gameId, at);
    const [count, batch, defender] = await Promise.all([
      this.contract.batchCount(at),
      this.contract.batch(g.batchIndex, at).catch(() => undefined),
      g.defenderMoves === 0n ? null : this.contract.defender(gameId, at),
    ]);
    return toGameView(
      gameId,
      g,
      g.batchIndex >= count || batch === undefined || batch.epoch !== g.batchEpoch,
      defender,
    );
  }

  /**
   * Decodes a `commitBatch` transaction's input: the batch exactly as Layer 1 holds it, with each step's
   * bytes as they are there (`encoded`: what the batch's Steps root is over).
   */
  decodeCommit(input: string): BatchCalldata & { encoded: Uint8Array[] } {
    const parsed = this.contract.interface.parseTransaction({ data: input });
    if (!parsed || parsed.name !== "commitBatch") {
      throw new NotABatchError(`transaction input is not a call to commitBatch`);
    }
    const [parentClaim, txs, post, depositCount, catchUp] = parsed.args;
    const steps = splitTxs(getBytes(txs));
    return {
      parentClaim,
      txs: steps.txs,
      encoded: steps.encoded,
      post: toTraceState(post),
      depositCount: Number(depositCount),
      catchUp: (catchUp as DepositData[]).map(depositData),
    };
  }
}

export function toTraceState(s: {
  accountsRoot: string;
  nextIndex: bigint;
  depositHead: string;
  withdrawalRoot: string;
  withdrawalCount: bigint;
  cursor: bigint;
}): TraceState {
  return {
    accountsRoot: s.accountsRoot,
    nextIndex: s.nextIndex,
    depositHead: s.depositHead,
    withdrawalRoot: s.withdrawalRoot,
    withdrawalCount: s.withdrawalCount,
    cursor: s.cursor,
  };
}

function toGameView(
  id: bigint,
  g: IOptimisticRollup.GameStructOutput,
  moot: boolean,
  defender: string | null,
): GameView {
  const status = STATUSES[Number(g.status)];
  if (status === "none") throw new StrataError(`game ${id} does not exist`);
  return {
    id,
    batchIndex: Number(g.batchIndex),
    challenger: g.challenger,
    status,
    lo: Number(g.lo),
    hi: Number(g.hi),
    turn: PARTIES[Number(g.turn)],
    hiClaimant: PARTIES[Number(g.hiClaimant)],
    rootLo: g.rootLo,
    rootHi: g.rootHi,
    midClaim: g.midClaim,
    lastMoveAt: Number(g.lastMoveAt),
    clocks: { proposer: Number(g.proposerClock), challenger: Number(g.challengerClock) },
    defender,
    moot,
  };
}
