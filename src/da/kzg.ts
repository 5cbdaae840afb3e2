/**
 * KZG commitments and proofs for blobs, through kzg-wasm (c-kzg-4844 compiled to WebAssembly, with the
 * Ethereum KZG ceremony's trusted setup inside the package), loaded once and lazily: `Kzg.load()`.
 *
 * kzg-wasm has no `compute_kzg_proof` (an opening at a chosen point z). A dispute only ever opens a blob at
 * a point of its evaluation domain (z = the k-th domain point, where the polynomial's value y is the k-th
 * field element; src/da/domain.ts), and there the proof is easy to build from what kzg-wasm has: the proof
 * is the commitment to the quotient q(X) = (p(X) − y) / (X − z), whose evaluations on the domain are
 * computed here (as c-kzg's `compute_kzg_proof_impl` does) and committed with `blobToKZGCommitment`, the
 * same multi-scalar multiplication over the ceremony's Lagrange points. The proof is checked by kzg-wasm's
 * `verifyKZGProof` and by the point-evaluation precompile (0x0A) in the tests.
 */
import { AbiCoder, concat, getBytes, hexlify, sha256, toBeHex } from "ethers";
import type { KzgLibrary } from "ethers";
import { loadKZG } from "kzg-wasm";
import { BlobEncodingError, KzgError } from "./errors";
import {
  BLS_MODULUS,
  BYTES_PER_BLOB,
  FIELD_ELEMENTS_PER_BLOB,
  evaluationDomain,
  frAdd,
  frBatchInvert,
  frMul,
  frSub,
} from "./domain";
import { fieldElementOf } from "./codec";

/** The point-evaluation precompile (EIP-4844). */
export const POINT_EVALUATION_PRECOMPILE = "0x000000000000000000000000000000000000000a";
/** What the precompile returns on success: (FIELD_ELEMENTS_PER_BLOB, BLS_MODULUS) as two 32-byte words. */
export const POINT_EVALUATION_OUTPUT = AbiCoder.defaultAbiCoder().encode(
  ["uint256", "uint256"],
  [FIELD_ELEMENTS_PER_BLOB, BLS_MODULUS],
);
/** The version byte of a KZG versioned hash (EIP-4844 `VERSIONED_HASH_VERSION_KZG`). */
export const VERSIONED_HASH_VERSION_KZG = 0x01;
export const BYTES_PER_COMMITMENT = 48;
export const BYTES_PER_PROOF = 48;

/** `0x01 ‖ sha256(commitment)[1:]`: how a transaction and `BLOBHASH` name a blob. */
export function versionedHash(commitment: string | Uint8Array): string {
  const bytes = getBytes(commitment);
  if (bytes.length !== BYTES_PER_COMMITMENT) {
    throw new KzgError(`a KZG commitment has ${BYTES_PER_COMMITMENT} bytes, not ${bytes.length}`);
  }
  return "0x01" + sha256(bytes).slice(4);
}

/** One field element of a blob, opened: the polynomial committed to by `commitment` takes value y at z. */
export interface BlobOpening {
  /** The field element's index in the blob. */
  index: number;
  z: bigint;
  /** The field element itself. */
  y: bigint;
  commitment: string;
  proof: string;
  versionedHash: string;
}

/** The 192-byte input of the point-evaluation precompile: versioned_hash ‖ z ‖ y ‖ commitment ‖ proof. */
export function pointEvaluationInput(opening: BlobOpening): string {
  return concat([
    opening.versionedHash,
    toBeHex(opening.z, 32),
    toBeHex(opening.y, 32),
    opening.commitment,
    opening.proof,
  ]);
}

type KzgWasm = Awaited<ReturnType<typeof loadKZG>>;

let loading: Promise<Kzg> | undefined;

function blobHex(blob: Uint8Array): string {
  if (blob.length !== BYTES_PER_BLOB) {
    throw new BlobEncodingError("blob-size", `a blob has ${BYTES_PER_BLOB} bytes, not ${blob.length}`);
  }
  return hexlify(blob);
}

/** Calls kzg-wasm, turning its thrown strings ("invalid argument", …) into `KzgError`. */
function call<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (cause) {
    throw new KzgError(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** The KZG operations on blobs, over one loaded kzg-wasm instance. Hex results are lower-case 0x hex. */
export class Kzg {
  private constructor(private readonly wasm: KzgWasm) {}

  /** The shared instance; the first call loads the WebAssembly and the trusted setup (seconds). */
  static load(): Promise<Kzg> {
    loading ??= loadKZG().then(
      (wasm) => new Kzg(wasm),
      (cause: unknown) => {
        loading = undefined;
        throw new KzgError("cannot load kzg-wasm", { cause });
      },
    );
    return loading;
  }

  /** The blob's KZG commitment (48 bytes). */
  commit(blob: Uint8Array): string {
    const hex = blobHex(blob);
    return call("blobToKZGCommitment", () => this.wasm.blobToKZGCommitment(hex)).toLowerCase();
  }

  /** The proof that binds `blob` to `commitment` (EIP-4844's blob proof, at its Fiat-Shamir point). */
  proveBlob(blob: Uint8Array, commitment: string): string {
    const hex = blobHex(blob);
    return call("computeBlobKZGProof", () => this.wasm.computeBlobKZGProof(hex, commitment)).toLowerCase();
  }

  /** Whether `proof` binds `blob` to `commitment`; false for any malformed input. */
  verifyBlob(blob: Uint8Array, commitment: string, proof: string): boolean {
    if (blob.length !== BYTES_PER_BLOB || !isBytes(commitment, 48) || !isBytes(proof, 48)) return false;
    try {
      return this.wasm.verifyBlobKZGProof(hexlify(blob), commitment, proof);
    } catch {
      return false;
    }
  }

  /**
   * Opens the blob's `index`-th field element: the proof that its polynomial takes that element's value at
   * the `index`-th point of the evaluation domain (what the precompile 0x0A checks).
   */
  openFieldElement(blob: Uint8Array, index: number, commitment = this.commit(blob)): BlobOpening {
    const domain = evaluationDomain();
    const z = domain[index];
    if (z === undefined) {
      throw new RangeError(`field element index ${index} is outside [0, ${FIELD_ELEMENTS_PER_BLOB})`);
    }
    const values = Array.from({ length: FIELD_ELEMENTS_PER_BLOB }, (_, i) => fieldElementOf(blob, i));
    if (values.some((v) => v >= BLS_MODULUS))
      throw new KzgError("blob has a field element ≥ the BLS modulus");
    const y = values[index];
    // q(w_i) = (p(w_i) − y) / (w_i − z) for i ≠ index; at z itself (a 0/0), c-kzg's formula
    // q(z) = Σ_{i ≠ index} (p(w_i) − y) · w_i / (z · (z − w_i)).
    const others = domain.map((w, i) => (i === index ? 1n : frSub(w, z)));
    const atZ = domain.map((w, i) => (i === index ? 1n : frMul(z, frSub(z, w))));
    const inverseOthers = frBatchInvert(others);
    const inverseAtZ = frBatchInvert(atZ);
    const quotient = new Array<bigint>(FIELD_ELEMENTS_PER_BLOB);
    let qz = 0n;
    for (let i = 0; i < FIELD_ELEMENTS_PER_BLOB; i++) {
      if (i === index) continue;
      const diff = frSub(values[i], y);
      quotient[i] = frMul(diff, inverseOthers[i]);
      qz = frAdd(qz, frMul(frMul(diff, domain[i]), inverseAtZ[i]));
    }
    quotient[index] = qz;
    const quotientBlob = getBytes(concat(quotient.map((q) => toBeHex(q, 32))));
    const proof = call("blobToKZGCommitment (quotient)", () =>
      this.wasm.blobToKZGCommitment(hexlify(quotientBlob)),
    ).toLowerCase();
    return { index, z, y, commitment, proof, versionedHash: versionedHash(commitment) };
  }

  /** Whether the opening's proof verifies against its commitment (kzg-wasm's `verifyKZGProof`). */
  verifyOpening(opening: BlobOpening): boolean {
    if (opening.z >= BLS_MODULUS || opening.y >= BLS_MODULUS) return false;
    try {
      return this.wasm.verifyKZGProof(
        opening.commitment,
        toBeHex(opening.z, 32),
        toBeHex(opening.y, 32),
        opening.proof,
      );
    } catch {
      return false;
    }
  }

  /** This instance in the shape ethers' blob transactions take (`{ type: 3, blobs, kzg }`). */
  ethersKzg(): KzgLibrary {
    return {
      blobToKzgCommitment: (blob) => getBytes(this.commit(blob)),
      computeBlobKzgProof: (blob, commitment) => getBytes(this.proveBlob(blob, hexlify(commitment))),
    };
  }
}

function isBytes(hex: string, length: number): boolean {
  return typeof hex === "string" && new RegExp(`^0x[0-9a-fA-F]{${length * 2}}$`).test(hex);
}
