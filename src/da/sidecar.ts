/**
 * Blob sidecars in the beacon API's JSON shape (`GET /eth/v1/beacon/blob_sidecars/{block_id}`):
 * `{ index, blob, kzg_commitment, kzg_proof }`, the index a decimal string, the rest 0x hex. A beacon node
 * adds `signed_block_header` and `kzg_commitment_inclusion_proof` (which bind a sidecar to a beacon block);
 * Strata's archive has no beacon block and leaves them out, and its clients never need them: they check
 * each blob against the versioned hash recorded on Layer 1 instead.
 */
import { hexlify } from "ethers";
import { hexBytes } from "./blob-source";
import { BYTES_PER_BLOB } from "./domain";
import { BlobSourceResponseError } from "./errors";
import type { Kzg } from "./kzg";
import { BYTES_PER_COMMITMENT, BYTES_PER_PROOF } from "./kzg";

/** One sidecar as JSON. */
export interface BlobSidecarJson {
  /** The blob's position among all the blobs of its block, as a decimal string. */
  index: string;
  blob: string;
  kzg_commitment: string;
  kzg_proof: string;
}

/** One sidecar, parsed. */
export interface BlobSidecar {
  index: number;
  blob: Uint8Array;
  commitment: string;
  proof: string;
}

/** The sidecar of `blob` at block position `index`, with its commitment and proof computed. */
export function sidecarOf(kzg: Kzg, blob: Uint8Array, index: number): BlobSidecar {
  const commitment = kzg.commit(blob);
  return { index, blob, commitment, proof: kzg.proveBlob(blob, commitment) };
}

export function sidecarToJson(sidecar: BlobSidecar): BlobSidecarJson {
  return {
    index: String(sidecar.index),
    blob: hexlify(sidecar.blob),
    kzg_commitment: sidecar.commitment,
    kzg_proof: sidecar.proof,
  };
}

/** `value` as a sidecar, or `BlobSourceResponseError` naming `where` and what is wrong. */
export function parseSidecar(value: unknown, where: string): BlobSidecar {
  if (!value || typeof value !== "object")
    throw new BlobSourceResponseError(where, "a sidecar is not an object");
  const s = value as Record<string, unknown>;
  if (typeof s.index !== "string" || !/^(0|[1-9]\d{0,5})$/.test(s.index)) {
    throw new BlobSourceResponseError(where, "a sidecar's index is not a decimal string");
  }
  return {
    index: Number(s.index),
    blob: hexBytes(s.blob, BYTES_PER_BLOB, where, "blob"),
    commitment: hexlify(hexBytes(s.kzg_commitment, BYTES_PER_COMMITMENT, where, "kzg_commitment")),
    proof: hexlify(hexBytes(s.kzg_proof, BYTES_PER_PROOF, where, "kzg_proof")),
  };
}
