/**
 * Batches posted in blobs: how their steps read the payload, the trace they make, and the field elements a
 * one-step proof opens. Mirrors `IOneStepProver.executeFromBlobs` and `contracts/optimistic/lib/BlobPayload.sol`.
 *
 * A blob batch's payload is its transactions back to back, as a calldata batch carries them. Layer 1 does
 * not split it at commit: it records the blobs' versioned hashes and the payload's length, and the proposer
 * claims how many steps the payload holds. Step k reads at the state's cursor (the bytes read so far):
 * - past the payload's end: nothing happens (the proposer claimed more steps than there are transactions);
 * - bytes that are not a whole transaction (an unknown kind byte, or one running past the end): the rest of
 *   the payload is skipped, nothing applied;
 * - otherwise the transaction is applied and the cursor moves past it.
 */
import { toBeHex } from "ethers";
import {
  BLOB_HEADER_BYTES,
  DATA_BYTES_PER_FIELD_ELEMENT,
  encodeBlobs,
  readPayloadAsLayer1,
} from "../da/codec";
import { FIELD_ELEMENTS_PER_BLOB } from "../da/domain";
import type { Kzg } from "../da/kzg";
import { versionedHash } from "../da/kzg";
import { KIND_OF_BYTE, TX_BYTES, decodeTxAt, encodeTxs } from "../shared/codec";
import type { L2Tx } from "../shared/types";
import type { StepMachine, StepWitness, TraceState } from "./trace";
import { emptyWitness } from "./trace";

/** What one step of a blob batch reads at its cursor. */
export type BlobStep =
  | { kind: "transaction"; offset: number; tx: L2Tx }
  | { kind: "skip"; offset: number }
  | { kind: "past-end"; offset: number };

/** One field element and its KZG opening, as `BlobPayload.Opening` takes it. */
export interface OpeningArg {
  value: string;
  commitment: string;
  proof: string;
}

/** What `stepBlob` takes, as `IOptimisticRollup.BlobStepProof`. */
export interface BlobStepProofArg {
  versionedHashes: string[];
  payloadLength: bigint;
  openings: OpeningArg[];
  pre: TraceState;
  witness: StepWitness;
}

/** The step at `cursor` of `payload`. */
export function blobStepAt(payload: Uint8Array, cursor: number): BlobStep {
  if (cursor >= payload.length) return { kind: "past-end", offset: cursor };
  const kind = KIND_OF_BYTE[payload[cursor]];
  if (!kind || cursor + TX_BYTES[kind] > payload.length) return { kind: "skip", offset: cursor };
  return { kind: "transaction", offset: cursor, tx: decodeTxAt(payload, cursor).tx };
}

/** Applies the step at the machine's cursor; returns what it read. */
export function applyBlobStep(machine: StepMachine, payload: Uint8Array): BlobStep {
  const step = blobStepAt(payload, machine.cursor);
  if (step.kind === "transaction") machine.apply(step.tx);
  else if (step.kind === "skip") machine.skipTo(payload.length);
  return step;
}

/** A blob batch replayed for its claimed `stepCount` steps: the claim after every step, claims[0] the start. */
export function traceBlobBatch(start: StepMachine, payload: Uint8Array, stepCount: number): string[] {
  const claims = [start.claim];
  for (let k = 0; k < stepCount; k++) {
    applyBlobStep(start, payload);
    claims.push(start.claim);
  }
  return claims;
}

/** The transactions a blob batch's steps apply, in order (what an honest payload is made of). */
export function transactionsOf(payload: Uint8Array): L2Tx[] {
  const txs: L2Tx[] = [];
  for (let cursor = 0; cursor < payload.length;) {
    const step = blobStepAt(payload, cursor);
    if (step.kind !== "transaction") break;
    txs.push(step.tx);
    cursor += TX_BYTES[step.tx.kind];
  }
  return txs;
}

/**
 * The field elements (counted across the blobs) the step at `cursor` opens: none past the end, the kind
 * byte's for a skip, and every element the transaction's bytes touch otherwise.
 */
export function elementsOfStep(payload: Uint8Array, cursor: number): number[] {
  const step = blobStepAt(payload, cursor);
  if (step.kind === "past-end") return [];
  const first = Math.floor((BLOB_HEADER_BYTES + cursor) / DATA_BYTES_PER_FIELD_ELEMENT);
  if (step.kind === "skip") return [first];
  const last = Math.floor(
    (BLOB_HEADER_BYTES + cursor + TX_BYTES[step.tx.kind] - 1) / DATA_BYTES_PER_FIELD_ELEMENT,
  );
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/**
 * A batch's blobs with what proofs about them need: each blob's commitment (computed once) and versioned
 * hash, and the payload as Layer 1 reads it.
 */
export class BlobBatchData {
  readonly commitments: string[];
  readonly versionedHashes: string[];
  readonly payload: Uint8Array;

  /** `commitments`, when given, are the blobs' (a blob source checked them); otherwise they are computed. */
  constructor(
    private readonly kzg: Kzg,
    readonly blobs: readonly Uint8Array[],
    commitments?: readonly string[],
  ) {
    this.commitments = commitments ? [...commitments] : blobs.map((blob) => kzg.commit(blob));
    this.versionedHashes = this.commitments.map(versionedHash);
    this.payload = readPayloadAsLayer1(blobs);
  }

  /** The blobs of a batch of `txs`, encoded as the sequencer posts them. */
  static ofTransactions(kzg: Kzg, txs: readonly L2Tx[]): BlobBatchData {
    return new BlobBatchData(kzg, encodeBlobs(encodeTxs(txs)));
  }

  /** Field element `element` of the stream (counted across the blobs), opened. */
  open(element: number): OpeningArg {
    const blob = Math.floor(element / FIELD_ELEMENTS_PER_BLOB);
    const opening = this.kzg.openFieldElement(
      this.blobs[blob],
      element % FIELD_ELEMENTS_PER_BLOB,
      this.commitments[blob],
    );
    return { value: toBeHex(opening.y, 32), commitment: opening.commitment, proof: opening.proof };
  }

  /** The header's opening, which `commitBatchBlobs` reads the payload length from. */
  header(): OpeningArg {
    return this.open(0);
  }

  /** The one-step proof of the step `machine` is about to take (call before applying it). */
  stepProof(machine: StepMachine): BlobStepProofArg {
    const step = blobStepAt(this.payload, machine.cursor);
    return {
      versionedHashes: [...this.versionedHashes],
      payloadLength: BigInt(this.payload.length),
      openings: elementsOfStep(this.payload, machine.cursor).map((element) => this.open(element)),
      pre: machine.state,
      witness: step.kind === "transaction" ? machine.witness(step.tx) : emptyWitness(),
    };
  }
}
