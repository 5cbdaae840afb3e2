// The shapes of the comparison (`npm run compare`): what each design's run measures, and the report
// built from it. Types only; amounts are bigint wei in memory and decimal strings in reports/compare.json.

export type DesignId = "l1-eth" | "l1-erc20" | "optimistic" | "zk" | "channels" | "sidechain" | "layer3";

/** The parts of the workload, each with its own Layer-1 bill. */
export const PARTS = ["entry", "transfers", "exit"] as const;
export type Part = (typeof PARTS)[number];
export type ByPart = Record<Part, number>;

/**
 * How long a milestone took here: the median wall-clock milliseconds on this machine, the Layer-1 blocks
 * mined meanwhile, and the chain seconds the local chain skipped (evm_setNextBlockTimestamp: a challenge
 * window jumped over instead of waited out; 0 when nothing was skipped).
 */
export interface Latency {
  ms: number;
  blocks: number;
  skippedSeconds: number;
}

/** What a design's run delivered, next to what the workload says it must deliver. */
export interface Outcomes {
  /** Each user's balance at the end, as the design holds it, and the workload's expectation. */
  balances: { held: string; expected: bigint[]; actual: bigint[] };
  /** The withdrawal back to Layer 1: who was owed what, what arrived, how a second attempt ended. */
  withdrawal: {
    recipient: string;
    amount: bigint;
    paid: bigint;
    /** The custom error a payout attempt before the design allows it reverted with (if one was made). */
    earlyAttempt?: string;
    /** The custom error a second payout attempt reverted with (undefined: it was not refused). */
    secondAttempt: string | undefined;
  } | null;
  /** Layer-1 blocks mined while the transfers were made. */
  blocksDuringTransfers: number;
}

/** One design's run of the workload: every figure here is measured. */
export interface DesignMeasurement {
  id: DesignId;
  label: string;
  /** Layer-1 gas of every transaction mined during each part (receipts). */
  gas: ByPart;
  /** Layer-1 blob gas of every transaction mined during each part (receipts; 0 without blobs). */
  blobGas: ByPart;
  /** Layer-1 transactions mined during each part. */
  transactions: ByPart;
  /** Medians over the workload's transfers. */
  soft: Latency;
  final: Latency;
  /** The withdrawal, from the request to the money on Layer 1 (null: nothing to bring back). */
  withdrawal: Latency | null;
  /**
   * Chain seconds the contracts make a withdrawal wait once the batch (or close) that carries it is on
   * Layer 1, as the contracts themselves report it (null: no withdrawal).
   */
  withdrawalWaitSeconds: number | null;
  /** What soft confirmation, finality and the withdrawal are for this design. */
  milestones: { soft: string; final: string; withdrawal: string };
  /** Local parameters the run used (challenge windows, batch sizes). */
  parameters: Record<string, number | string>;
  /** Measured inputs of the models (proving time per batch, …). */
  pieces: Record<string, number>;
  /** What a user must trust, checked against this repository's code. */
  trust: string[];
  outcomes: Outcomes;
  notes: string[];
}

/** The zk rollup's batches as measured in one profile: the inputs of the production-size model. */
export interface ZkProfileMeasurement {
  profile: string;
  /** Slots per batch (public inputs − 2). */
  slots: number;
  /** The circuit's constraints (from the build manifest). */
  constraints: number;
  /** Median gas of a batch full of transfers. */
  batchGas: number;
  /** Median proving time of one batch, warm prover. */
  provingMs: number;
}
