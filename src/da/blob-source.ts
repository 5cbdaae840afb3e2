/**
 * Where followers get blobs. An execution node keeps no blob contents (Hardhat keeps none at all; a
 * production node hands them to the consensus layer, which prunes them after ~18 days), so a follower
 * or challenger reads them from a `BlobSource`: Anvil's own blob API (src/da/anvil-source.ts), or a
 * beacon-API-shaped archive (src/da/beacon-source.ts, served by src/da/archive.ts).
 *
 * Trust: none. The versioned hashes come from Layer 1 (the transaction's `blobVersionedHashes`, or what
 * the rollup recorded through `BLOBHASH`), and every blob a source returns is checked against its
 * versioned hash here before anyone reads it; a blob that does not match is refused by name
 * (`BlobCommitmentMismatchError`), never decoded.
 */
import type { RpcProvider } from "../common/layer1";
import {
  BlobCommitmentMismatchError,
  BlobSourceResponseError,
  BlobTransactionError,
  KzgError,
} from "./errors";
import { BYTES_PER_BLOB } from "./domain";
import type { Kzg } from "./kzg";
import { versionedHash } from "./kzg";

/** A blob checked against its versioned hash. */
export interface VerifiedBlob {
  versionedHash: string;
  commitment: string;
  blob: Uint8Array;
}

/** The blobs a follower asks for: their versioned hashes (from Layer 1), and the block that carried them. */
export interface BlobRequest {
  /** The Layer-1 (execution) block that included the blob transaction. */
  blockNumber: number;
  /** That block's hash, when known (a source may look the block up by it). */
  blockHash?: string;
  /** In the order wanted (a transaction's order, for its blobs). */
  versionedHashes: readonly string[];
}

export interface BlobSource {
  /** The blobs with `request.versionedHashes`, in that order, each checked against its hash. */
  getBlobs(request: BlobRequest): Promise<VerifiedBlob[]>;
  /** The blobs of a mined type-3 transaction, in its order, checked against its hashes on Layer 1. */
  getTransactionBlobs(txHash: string): Promise<VerifiedBlob[]>;
}

/** A transaction as `eth_getTransactionByHash` and `eth_getBlockByNumber` return it (raw JSON-RPC). */
export interface RawBlobTransaction {
  hash: string;
  type?: string;
  blockNumber: string | null;
  blockHash: string | null;
  blobVersionedHashes?: string[] | null;
}

/** The versioned hashes of a raw JSON-RPC transaction, lower-cased (none for a transaction of another type). */
export function blobHashesOf(tx: RawBlobTransaction): string[] {
  return (tx.blobVersionedHashes ?? []).map((h) => h.toLowerCase());
}

/**
 * The blob request for a mined type-3 transaction, from Layer 1 alone. Read through raw JSON-RPC: ethers'
 * `getTransaction` through Hardhat's provider drops `blobVersionedHashes`.
 */
export async function blobRequestOfTransaction(provider: RpcProvider, txHash: string): Promise<BlobRequest> {
  const tx = (await provider.send("eth_getTransactionByHash", [txHash])) as RawBlobTransaction | null;
  if (!tx) throw new BlobTransactionError(txHash, "not found on Layer 1");
  if (tx.blockNumber === null || tx.blockHash === null)
    throw new BlobTransactionError(txHash, "not mined yet");
  const hashes = blobHashesOf(tx);
  if (hashes.length === 0) throw new BlobTransactionError(txHash, `carries no blobs (type ${tx.type})`);
  return {
    blockNumber: Number(tx.blockNumber),
    blockHash: tx.blockHash.toLowerCase(),
    versionedHashes: hashes,
  };
}

/** What a source served beside the blob, when it serves them (a beacon sidecar's commitment and proof). */
export interface ServedCommitment {
  commitment: string;
  proof: string;
}

/**
 * `blob` checked against `expected`: the served commitment must hash to `expected` and the served proof
 * bind the blob to it (as a consensus client checks a sidecar); without them, the commitment is computed
 * from the blob. Throws `BlobCommitmentMismatchError` when the blob is not the one `expected` names.
 */
export function checkBlob(
  kzg: Kzg,
  expected: string,
  blob: Uint8Array,
  served?: ServedCommitment,
): VerifiedBlob {
  const wanted = expected.toLowerCase();
  if (blob.length !== BYTES_PER_BLOB) {
    throw new BlobCommitmentMismatchError(wanted, `a blob has ${BYTES_PER_BLOB} bytes, got ${blob.length}`);
  }
  let commitment: string;
  if (served) {
    commitment = served.commitment.toLowerCase();
    if (versionedHash(commitment) !== wanted) {
      throw new BlobCommitmentMismatchError(wanted, `its commitment hashes to ${versionedHash(commitment)}`);
    }
    if (!kzg.verifyBlob(blob, commitment, served.proof)) {
      throw new BlobCommitmentMismatchError(wanted, "its KZG proof does not bind the blob to its commitment");
    }
  } else {
    try {
      commitment = kzg.commit(blob);
    } catch (error) {
      if (!(error instanceof KzgError)) throw error;
      throw new BlobCommitmentMismatchError(wanted, `not a valid blob (${error.message})`);
    }
    if (versionedHash(commitment) !== wanted) {
      throw new BlobCommitmentMismatchError(wanted, `its commitment hashes to ${versionedHash(commitment)}`);
    }
  }
  return { versionedHash: wanted, commitment, blob };
}

/** `value` as the bytes of 0x hex of exactly `length` bytes, or a `BlobSourceResponseError`. */
export function hexBytes(value: unknown, length: number, where: string, what: string): Uint8Array {
  if (typeof value !== "string" || value.length !== 2 + 2 * length || !/^0x[0-9a-fA-F]*$/.test(value)) {
    throw new BlobSourceResponseError(where, `${what} is not ${length} bytes of 0x hex`);
  }
  return Uint8Array.from(Buffer.from(value.slice(2), "hex"));
}
