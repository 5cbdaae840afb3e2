// The comparison's load sweep (`npm run compare`, issue 15): cost per transfer as the load grows, for
// Layer 1, the optimistic rollup (calldata and blobs), the zk rollup and payment channels. Pure: no chain.
//
// Each design runs the workload for real at the loads this machine can take (src/compare/sweep.ts); at
// the others a row is a MODEL, labelled as such, built only from parts measured in the same run:
//
//   Layer-1 gas of the transfers  = batches(n) × per-batch gas + n × per-transfer gas
//   blob gas of the transfers     = Σ over the batches of blobsNeeded(its transfers × bytes) × GAS_PER_BLOB
//   entering and leaving Layer 2  = as measured at the largest measured load (they depend on the users,
//                                   not on the load)
//   batches(n)                    = ⌈n / batch capacity⌉ (no batches: Layer 1, channels)
//
// - Layer 1: no batch; per transfer = the measured transfers' gas over their number.
// - Optimistic rollup (either mode): a batch holds up to MAX_STEPS transfers (in blobs: up to what one
//   blob holds, 1,627, where the sequencer stops a blob batch); per-batch and per-transfer
//   gas are the line through the two largest measured loads whose transfers went into one batch (the
//   transfers part is the batch's commit and its finalize: the model finalizes each batch on its own).
//   Blob mode adds blob gas: each batch's transfers, encoded back to back, in as few blobs as hold them.
// - zk rollup: a batch holds the profile's batch size, and costs the measured median gas of a full batch
//   of transfers whatever it holds (its circuit has that many slots); no per-transfer term.
// - Channels: no Layer-1 gas per payment; opening and closing, measured, shared over the payments.
//
// Cost in ETH = gas × base fee + blob gas × blob base fee (both given as parameters; no priority fee).
import { formatEther } from "ethers";
import { GAS_PER_BLOB, blobCapacity, blobsNeeded } from "../da/codec";
import { CompareConfigError } from "./errors";
import type { ByPart, Outcomes } from "./types";

export const SWEEP_DESIGNS = ["l1-eth", "optimistic-calldata", "optimistic-blobs", "zk", "channels"] as const;
export type SweepDesign = (typeof SWEEP_DESIGNS)[number];

/** The loads the full comparison sweeps (transfers). */
export const DEFAULT_SWEEP_LOADS = [10, 100, 1_000, 10_000];

/** The fee levels costs are stated at (wei per unit of gas and per unit of blob gas). */
export interface Fees {
  baseFeeWei: bigint;
  blobBaseFeeWei: bigint;
}

/** What a transaction set costs at `fees`: gas × base fee + blob gas × blob base fee, in wei. */
export function costWei(gas: number, blobGas: number, fees: Fees): bigint {
  return BigInt(Math.round(gas)) * fees.baseFeeWei + BigInt(Math.round(blobGas)) * fees.blobBaseFeeWei;
}

/** One design's real run of the workload at one load. */
export interface SweepMeasurement {
  design: SweepDesign;
  label: string;
  transfers: number;
  gas: ByPart;
  blobGas: ByPart;
  /** Batches the transfers went into (0: Layer 1 and channels have none). */
  transferBatches: number;
  /** zk only: the batch size and the median gas of a batch full of transfers (undefined: none was full). */
  batchSize?: number;
  fullBatchGas?: number;
  /** What the run delivered, checked against the workload before the run was kept. */
  outcomes: Outcomes;
}

/** The parts a design's model rows are built from, each measured in this run. */
export interface CostParts {
  design: SweepDesign;
  label: string;
  /** Transfers per batch at most (null: no batches). */
  batchCapacity: number | null;
  /** Layer-1 gas per batch of transfers, whatever it holds. */
  perBatchGas: number;
  /** Layer-1 gas per transfer on top of its batch's. */
  perTransferGas: number;
  /** Blob mode: payload bytes per transfer (null: no blobs). */
  blobBytesPerTransfer: number | null;
  /** Entering and leaving Layer 2, as measured at `entryFrom`. */
  entry: { gas: number; blobGas: number };
  exit: { gas: number; blobGas: number };
  /** The measured loads the batch terms come from, and the one entry and exit come from. */
  from: number[];
  entryFrom: number;
  /** How the parts were derived, in words (docs and the report). */
  derivation: string;
}

export interface SweepRow {
  design: SweepDesign;
  label: string;
  transfers: number;
  /** True for a MODEL row (computed from `parts`), false for a measured run. */
  model: boolean;
  /** Batches of transfers (0: none). */
  batches: number;
  gas: ByPart & { total: number };
  blobGas: ByPart & { total: number };
  perTransfer: {
    /** The transfers part only. */
    gas: number;
    blobGas: number;
    /** Entering, the transfers and leaving, over the transfers. */
    allInGas: number;
    allInBlobGas: number;
    /** At the sweep's fees, in wei: the transfers part, and all-in. */
    costWei: bigint;
    allInCostWei: bigint;
  };
  /** Measured rows: what the run delivered (checked against the workload); model rows: null. */
  outcomes: Outcomes | null;
}

export interface SweepReport {
  loads: number[];
  fees: Fees;
  /** Each design's model parts (or why it has none). */
  parts: (CostParts | { design: SweepDesign; label: string; unavailable: string })[];
  rows: SweepRow[];
}

export interface SweepParameters {
  loads: readonly number[];
  fees: Fees;
  /** The optimistic rollup's most transfers per batch (MAX_STEPS). */
  optimisticBatchSteps: number;
  /** The encoded size of a transfer (blob payload bytes). */
  transferBytes: number;
}

const withTotal = (p: ByPart): ByPart & { total: number } => ({
  ...p,
  total: p.entry + p.transfers + p.exit,
});

/** A row from parts by part: per-transfer figures and costs at `fees`. */
function row(
  base: Pick<SweepRow, "design" | "label" | "transfers" | "model" | "batches" | "outcomes">,
  gas: ByPart,
  blobGas: ByPart,
  fees: Fees,
): SweepRow {
  const g = withTotal(gas);
  const b = withTotal(blobGas);
  const n = base.transfers;
  return {
    ...base,
    gas: g,
    blobGas: b,
    perTransfer: {
      gas: Math.round(g.transfers / n),
      blobGas: Math.round(b.transfers / n),
      allInGas: Math.round(g.total / n),
      allInBlobGas: Math.round(b.total / n),
      costWei: costWei(g.transfers, b.transfers, fees) / BigInt(n),
      allInCostWei: costWei(g.total, b.total, fees) / BigInt(n),
    },
  };
}

export function measuredRow(m: SweepMeasurement, fees: Fees): SweepRow {
  return row(
    {
      design: m.design,
      label: m.label,
      transfers: m.transfers,
      model: false,
      batches: m.transferBatches,
      outcomes: m.outcomes,
    },
    m.gas,
    m.blobGas,
    fees,
  );
}

/** Batches of transfers at load n. */
export function batchesAt(parts: CostParts, n: number): number {
  return parts.batchCapacity === null ? 0 : Math.ceil(n / parts.batchCapacity);
}

/** Blob gas of n transfers: full batches and the rest, each in as few blobs as hold its transfers. */
export function transferBlobGas(parts: CostParts, n: number): number {
  if (parts.blobBytesPerTransfer === null || parts.batchCapacity === null) return 0;
  const cap = parts.batchCapacity;
  const full = Math.floor(n / cap);
  const rest = n % cap;
  const blobs =
    full * blobsNeeded(cap * parts.blobBytesPerTransfer) +
    (rest > 0 ? blobsNeeded(rest * parts.blobBytesPerTransfer) : 0);
  return blobs * GAS_PER_BLOB;
}

/** Layer-1 gas of n transfers: batches × per-batch + n × per-transfer. */
export function transferGas(parts: CostParts, n: number): number {
  return Math.round(batchesAt(parts, n) * parts.perBatchGas + n * parts.perTransferGas);
}

/** The MODEL row at load n. */
export function modelRow(parts: CostParts, n: number, fees: Fees): SweepRow {
  return row(
    {
      design: parts.design,
      label: `${parts.label} (model)`,
      transfers: n,
      model: true,
      batches: batchesAt(parts, n),
      outcomes: null,
    },
    { entry: parts.entry.gas, transfers: transferGas(parts, n), exit: parts.exit.gas },
    { entry: parts.entry.blobGas, transfers: transferBlobGas(parts, n), exit: parts.exit.blobGas },
    fees,
  );
}

/**
 * The line through two one-batch runs: per-transfer = Δgas / Δtransfers, per-batch = what is left of the
 * smaller run. Uses the two largest loads (a large batch is what the model's batches are made of).
 */
export function fitBatchLine(oneBatch: readonly { transfers: number; gas: number }[]): {
  perBatchGas: number;
  perTransferGas: number;
  from: number[];
} {
  const distinct = [...new Map(oneBatch.map((p) => [p.transfers, p])).values()].sort(
    (a, b) => a.transfers - b.transfers,
  );
  if (distinct.length < 2) {
    throw new CompareConfigError("the batch model needs two measured loads that each went into one batch");
  }
  const [a, b] = distinct.slice(-2);
  const perTransferGas = (b.gas - a.gas) / (b.transfers - a.transfers);
  return {
    perBatchGas: a.gas - a.transfers * perTransferGas,
    perTransferGas,
    from: [a.transfers, b.transfers],
  };
}

/** A design's model parts from its measured runs in this sweep (throws CompareConfigError if it cannot). */
export function costParts(
  design: SweepDesign,
  measured: readonly SweepMeasurement[],
  p: Pick<SweepParameters, "optimisticBatchSteps" | "transferBytes">,
): CostParts {
  const runs = measured.filter((m) => m.design === design).sort((a, b) => a.transfers - b.transfers);
  const largest = runs.at(-1);
  if (!largest) throw new CompareConfigError(`no measured run of ${design} to build a model from`);
  const common = {
    design,
    label: labelOf(design, runs),
    entry: { gas: largest.gas.entry, blobGas: largest.blobGas.entry },
    exit: { gas: largest.gas.exit, blobGas: largest.blobGas.exit },
    entryFrom: largest.transfers,
  };
  const entryWords = `entering and leaving as measured at ${largest.transfers.toLocaleString("en-US")}`;
  switch (design) {
    case "l1-eth":
    case "channels": {
      const perTransferGas = largest.gas.transfers / largest.transfers;
      return {
        ...common,
        batchCapacity: null,
        perBatchGas: 0,
        perTransferGas,
        blobBytesPerTransfer: null,
        from: [largest.transfers],
        derivation:
          design === "l1-eth"
            ? `n × ${fmt(perTransferGas)} gas (the measured transfers' gas over their number at ${largest.transfers.toLocaleString("en-US")})`
            : `no Layer-1 gas per payment (measured: ${fmt(largest.gas.transfers)}); opening and closing as ` +
              `measured at ${largest.transfers.toLocaleString("en-US")}, shared over the payments`,
      };
    }
    case "optimistic-calldata":
    case "optimistic-blobs": {
      const line = fitBatchLine(
        runs
          .filter((m) => m.transferBatches === 1)
          .map((m) => ({ transfers: m.transfers, gas: m.gas.transfers })),
      );
      const blobs = design === "optimistic-blobs";
      // A sequencer posting blobs stops a batch at what one blob holds (1,627 transfers).
      const capacity = blobs
        ? Math.min(p.optimisticBatchSteps, Math.floor(blobCapacity(1) / p.transferBytes))
        : p.optimisticBatchSteps;
      return {
        ...common,
        batchCapacity: capacity,
        perBatchGas: line.perBatchGas,
        perTransferGas: line.perTransferGas,
        blobBytesPerTransfer: blobs ? p.transferBytes : null,
        from: line.from,
        derivation:
          `⌈n / ${capacity}⌉ batches × ${fmt(line.perBatchGas)} gas (commit + finalize) + n × ` +
          `${fmt(line.perTransferGas)} gas, the line through the one-batch runs at ` +
          `${line.from.map((x) => x.toLocaleString("en-US")).join(" and ")}` +
          (blobs
            ? `; blob gas: each batch's ${p.transferBytes}-byte transfers in as few blobs as hold them, ` +
              `${GAS_PER_BLOB.toLocaleString("en-US")} per blob`
            : "") +
          `; ${entryWords}`,
      };
    }
    case "zk": {
      const full = [...runs].reverse().find((m) => m.fullBatchGas !== undefined && m.batchSize !== undefined);
      if (!full) throw new CompareConfigError("no measured zk run had a batch full of transfers");
      return {
        ...common,
        batchCapacity: full.batchSize!,
        perBatchGas: full.fullBatchGas!,
        perTransferGas: 0,
        blobBytesPerTransfer: null,
        from: [full.transfers],
        derivation:
          `⌈n / ${full.batchSize}⌉ proven batches × ${fmt(full.fullBatchGas!)} gas (the median full batch ` +
          `measured at ${full.transfers.toLocaleString("en-US")}); ${entryWords}`,
      };
    }
  }
}

function labelOf(design: SweepDesign, runs: readonly SweepMeasurement[]): string {
  return runs.at(-1)?.label ?? design;
}

function fmt(gas: number): string {
  return (Math.round(gas * 10) / 10).toLocaleString("en-US");
}

/**
 * The sweep: every measured run as a row, and for each load a design did not run, a MODEL row from its
 * parts. A design whose parts cannot be built has no model rows, and says why.
 */
export function buildSweep(measured: readonly SweepMeasurement[], p: SweepParameters): SweepReport {
  const loads = [...new Set(p.loads)].sort((a, b) => a - b);
  const parts: SweepReport["parts"] = [];
  const rows: SweepRow[] = [];
  for (const design of SWEEP_DESIGNS) {
    const runs = measured.filter((m) => m.design === design);
    if (runs.length === 0) continue;
    let built: CostParts | undefined;
    try {
      built = costParts(design, runs, p);
      parts.push(built);
    } catch (error) {
      if (!(error instanceof CompareConfigError)) throw error;
      parts.push({ design, label: labelOf(design, runs), unavailable: error.message });
    }
    for (const n of loads) {
      const run = runs.find((m) => m.transfers === n);
      if (run) rows.push(measuredRow(run, p.fees));
      else if (built) rows.push(modelRow(built, n, p.fees));
    }
  }
  return { loads, fees: p.fees, parts, rows };
}

/** An amount of wei as ETH, three significant digits (0.000021 ETH). */
export function formatEthAmount(wei: bigint): string {
  if (wei === 0n) return "0 ETH";
  const eth = Number(formatEther(wei));
  const digits = Math.max(0, 2 - Math.floor(Math.log10(eth)));
  const fixed = eth.toFixed(Math.min(digits, 18));
  return `${fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed} ETH`;
}

/** Wei per gas as gwei (1 gwei). */
export function formatGwei(wei: bigint): string {
  const gwei = Number(wei) / 1e9;
  return `${gwei.toLocaleString("en-US", { maximumFractionDigits: 9 })} gwei`;
}
