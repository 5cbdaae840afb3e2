// The zk rollup's batch-gas model, shared by the bench (`zk.model.*`) and the comparison (`npm run
// compare`): a batch costs `base + n · perSlot` gas for n slots, both pieces fitted to two MEASURED
// batches of different sizes (the `test` and `default` profiles). Every slot is one public input of the
// Groth16 verifier (an ecMul and an ecAdd), its share of the calldata and of the decoding; the rest (the
// pairings, the proof, storage, the event) is paid once per batch. Gas at other sizes is a MODEL built
// from those two measurements, never a measurement. Pure: no chain.
import { StrataError } from "../common/errors";

export class BatchGasModelError extends StrataError {}

/** A measured batch: its slots (the profile's batch size) and the whole transaction's gas. */
export interface MeasuredBatch {
  slots: number;
  gas: number;
}

/** Gas of an n-slot batch = base + n · perSlot. */
export interface BatchGasModel {
  base: number;
  perSlot: number;
}

/** The line through two measured batches of different sizes. */
export function fitBatchGasModel(a: MeasuredBatch, b: MeasuredBatch): BatchGasModel {
  if (a.slots === b.slots) {
    throw new BatchGasModelError(`two batches of ${a.slots} slots cannot fit a per-slot cost`);
  }
  const perSlot = (b.gas - a.gas) / (b.slots - a.slots);
  return { base: a.gas - perSlot * a.slots, perSlot };
}

/** The model's gas for a full batch of n transfers, shared out per transfer (rounded). */
export function modelGasPerTransfer(model: BatchGasModel, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new BatchGasModelError(`a batch has at least one slot, not ${n}`);
  return Math.round((model.base + n * model.perSlot) / n);
}
