// The comparison's MODELS (`npm run compare`), built only from measured pieces and stated parameters;
// nothing here is a measurement and every figure it makes says so. Pure: no chain.
//
// 1. Times at production parameters. The local chain mines a block per transaction and jumps over
//    challenge windows, so its times say little about Ethereum. Each milestone is re-timed as a sum of
//    terms: measured off-chain work (a sequencer's or operator's acknowledgement, a co-signed channel
//    state, a proof) plus Layer-1 terms at production parameters (12 s blocks, finality after two
//    epochs = 64 slots = 768 s, the optimistic rollup's 7-day challenge window, a channel's dispute
//    window; for the sidechain, its block time and checkpoint interval, which are not Layer-1 time).
//    Blocks are the Layer-1 terms divided by the block time.
// 2. The zk rollup at production batch sizes. This repository's circuits carry 1 or 4 transactions per
//    batch, where the fixed cost of verifying a proof dominates. Gas at n per batch is `base + n ·
//    perSlot` through the two measured batches (src/bench/zk-model.ts, shared with the bench); the
//    proving time is the measured time per constraint times the constraints of an n-slot circuit (the
//    line through the two built circuits), i.e. linear extrapolation on this machine's CPU.
import { PRODUCTION_TIMING } from "../optimistic/config";
import type { BatchGasModel } from "../bench/zk-model";
import { fitBatchGasModel, modelGasPerTransfer } from "../bench/zk-model";
import { CompareConfigError } from "./errors";
import type { DesignId, ZkProfileMeasurement } from "./types";

export interface ProductionParameters {
  /** Ethereum's slot time. */
  blockSeconds: number;
  /** From inclusion to finalized: two epochs of 32 slots. */
  finalitySeconds: number;
  /** The optimistic rollup's challenge window in production (PRODUCTION_TIMING). */
  challengeWindowSeconds: number;
  /** How long a sequencer or operator waits to close a batch (the services' STRATA_*MAX_BATCH_AGE_MS). */
  batchAgeSeconds: number;
  /** A channel's dispute window, chosen per channel (Lightning: 144–2,016 blocks, 1–14 days). */
  channelDisputeSeconds: number;
  /** Transactions per zk batch the model extrapolates to. */
  zkBatchSizes: number[];
  /** The sidechain's block time (Polygon PoS: about 2 s). */
  sidechainBlockSeconds: number;
  /** Between the sidechain's checkpoints on Layer 1 (Polygon PoS: about 30 min); a block waits at most this. */
  checkpointIntervalSeconds: number;
}

export const PRODUCTION: ProductionParameters = {
  blockSeconds: 12,
  finalitySeconds: 2 * 32 * 12,
  challengeWindowSeconds: PRODUCTION_TIMING.challengeWindow,
  batchAgeSeconds: 5,
  channelDisputeSeconds: 24 * 3600,
  zkBatchSizes: [256, 2_048],
  sidechainBlockSeconds: 2,
  checkpointIntervalSeconds: 30 * 60,
};

/** One part of a modelled time: what it is, how long, and whether it is Layer-1 time (blocks). */
export interface Term {
  what: string;
  seconds: number;
  onChain: boolean;
}

export interface Estimate {
  seconds: number;
  /** Layer-1 blocks: the on-chain terms over the block time, rounded up. */
  blocks: number;
  terms: Term[];
}

/** The milestones at production parameters (a MODEL). */
export interface ProductionTimes {
  soft: Estimate;
  /** The transfer is final on Layer 1 (the contracts treat it as settled, and that block is finalized). */
  final: Estimate;
  /** The withdrawal is paid on Layer 1 and that payment finalized (null: nothing to withdraw). */
  withdrawal: Estimate | null;
  /** Channels only: the close when the counterparty does not cooperate. */
  unilateralWithdrawal: Estimate | null;
}

/** What the production model needs from a design's run. */
export interface ModelInputs {
  id: DesignId;
  /** Median soft-confirmation latency measured here (off-chain work, kept as measured). */
  softMs: number;
  /** zk only: median proving time of one batch, measured here. */
  provingMs?: number;
}

export function estimate(terms: Term[], p: ProductionParameters = PRODUCTION): Estimate {
  const seconds = terms.reduce((sum, t) => sum + t.seconds, 0);
  const onChain = terms.filter((t) => t.onChain).reduce((sum, t) => sum + t.seconds, 0);
  return { seconds, blocks: onChain > 0 ? Math.ceil(onChain / p.blockSeconds - 1e-9) : 0, terms };
}

/** Each milestone of a design at production parameters. */
export function productionTimes(m: ModelInputs, p: ProductionParameters = PRODUCTION): ProductionTimes {
  const block = (what: string): Term => ({ what, seconds: p.blockSeconds, onChain: true });
  const finality: Term = { what: "Layer-1 finality (2 epochs)", seconds: p.finalitySeconds, onChain: true };
  const ack = (what: string): Term => ({
    what: `${what} (measured)`,
    seconds: m.softMs / 1000,
    onChain: false,
  });
  const batchAge: Term = { what: "batch closes (max age)", seconds: p.batchAgeSeconds, onChain: false };
  const none = { withdrawal: null, unilateralWithdrawal: null };
  const sidechainBlock = (what: string): Term => ({ what, seconds: p.sidechainBlockSeconds, onChain: false });
  /** A rollup: its operator's receipt, final once `settled`, a withdrawal paid by `payout` after that. */
  const rollup = (receipt: string, settled: Term[], payout: string): ProductionTimes => ({
    soft: estimate([ack(receipt)], p),
    final: estimate([...settled, finality], p),
    withdrawal: estimate([...settled, block(payout), finality], p),
    unilateralWithdrawal: null,
  });
  switch (m.id) {
    case "l1-eth":
    case "l1-erc20":
      return {
        soft: estimate([block("inclusion")], p),
        final: estimate([block("inclusion"), finality], p),
        ...none,
      };
    case "optimistic": {
      const window: Term = { what: "challenge window", seconds: p.challengeWindowSeconds, onChain: true };
      return rollup(
        "sequencer receipt",
        [batchAge, block("commitBatch"), window, block("finalize")],
        "finalizeWithdrawal",
      );
    }
    case "zk": {
      if (m.provingMs === undefined)
        throw new CompareConfigError("the zk model needs a measured proving time");
      return rollup("operator receipt", zkVerified(m.provingMs / 1000, p), "claim");
    }
    case "sidechain": {
      // A block's transfers wait for the checkpoint that covers it (at most one interval), then for its
      // inclusion on Layer 1 and Layer 1's finality; an exit burns first, and is paid after that.
      const checkpointed = sidechainCheckpointed(p);
      return {
        soft: estimate([sidechainBlock("sidechain block")], p),
        final: estimate([...checkpointed, finality], p),
        withdrawal: estimate(
          [sidechainBlock("burn"), ...checkpointed, block("finalizeWithdrawal"), finality],
          p,
        ),
        unilateralWithdrawal: null,
      };
    }
    case "layer3": {
      // The Layer-3 rollup settles on the sidechain (its window on the sidechain's clock), and the
      // sidechain's state reaches Layer 1 only through a checkpoint: the two waits add up.
      const window: Term = {
        what: "Layer-3 challenge window (on the sidechain)",
        seconds: p.challengeWindowSeconds,
        onChain: false,
      };
      const settled = [
        batchAge,
        sidechainBlock("commitBatch (sidechain)"),
        window,
        sidechainBlock("finalize (sidechain)"),
      ];
      return {
        soft: estimate([ack("Layer-3 sequencer receipt")], p),
        final: estimate([...settled, ...sidechainCheckpointed(p), finality], p),
        withdrawal: estimate(
          [
            ...settled,
            sidechainBlock("finalizeWithdrawal (sidechain)"),
            sidechainBlock("burn"),
            ...sidechainCheckpointed(p),
            block("finalizeWithdrawal"),
            finality,
          ],
          p,
        ),
        unilateralWithdrawal: null,
      };
    }
    case "channels": {
      const cosigned = ack("co-signed state");
      return {
        soft: estimate([cosigned], p),
        final: estimate([cosigned], p),
        withdrawal: estimate([block("close"), finality], p),
        unilateralWithdrawal: estimate(
          [
            block("register"),
            { what: "dispute window", seconds: p.channelDisputeSeconds, onChain: true },
            block("conclude"),
            finality,
          ],
          p,
        ),
      };
    }
  }
}

/** A sidechain block until Layer 1 accepts the checkpoint covering it: the interval, then its inclusion. */
function sidechainCheckpointed(p: ProductionParameters): Term[] {
  return [
    { what: "checkpoint interval (at most)", seconds: p.checkpointIntervalSeconds, onChain: false },
    { what: "submitCheckpoint inclusion", seconds: p.blockSeconds, onChain: true },
  ];
}

/** A zk batch from the moment it closes to its verification on Layer 1: close, prove, include. */
function zkVerified(provingSeconds: number, p: ProductionParameters): Term[] {
  return [
    { what: "batch closes (max age)", seconds: p.batchAgeSeconds, onChain: false },
    { what: "proving", seconds: provingSeconds, onChain: false },
    { what: "submitBatch inclusion", seconds: p.blockSeconds, onChain: true },
  ];
}

// -------------------------------------------------------------------------------------------------
// The zk rollup at production batch sizes
// -------------------------------------------------------------------------------------------------

export interface ZkModelRow {
  batchSize: number;
  /** base + n · perSlot, shared out over n transfers. */
  gasPerTransfer: number;
  constraints: number;
  /** Measured time per constraint × constraints, on this machine. */
  provingSeconds: number;
  times: ProductionTimes;
}

export interface ZkModel {
  /** The two measured profiles the model is built from. */
  from: ZkProfileMeasurement[];
  gas: BatchGasModel;
  constraints: { base: number; perSlot: number };
  /** Proving milliseconds per constraint, from the larger measured circuit. */
  msPerConstraint: number;
  rows: ZkModelRow[];
}

export function buildZkModel(
  measured: readonly ZkProfileMeasurement[],
  softMs: number,
  p: ProductionParameters = PRODUCTION,
): ZkModel {
  if (measured.length !== 2 || measured[0].slots === measured[1].slots) {
    throw new CompareConfigError("the zk model needs two measured profiles of different batch sizes");
  }
  const [small, large] = [...measured].sort((a, b) => a.slots - b.slots);
  const gas = fitBatchGasModel(
    { slots: small.slots, gas: small.batchGas },
    { slots: large.slots, gas: large.batchGas },
  );
  const perSlot = (large.constraints - small.constraints) / (large.slots - small.slots);
  const constraints = { base: small.constraints - perSlot * small.slots, perSlot };
  const msPerConstraint = large.provingMs / large.constraints;
  const rows = p.zkBatchSizes.map((n) => {
    const circuit = Math.round(constraints.base + n * constraints.perSlot);
    const provingMs = circuit * msPerConstraint;
    return {
      batchSize: n,
      gasPerTransfer: modelGasPerTransfer(gas, n),
      constraints: circuit,
      provingSeconds: provingMs / 1000,
      times: productionTimes({ id: "zk", softMs, provingMs }, p),
    };
  });
  return { from: [small, large], gas, constraints, msPerConstraint, rows };
}
