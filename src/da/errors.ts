/**
 * The errors of blob data availability (src/da/): encoding, KZG, and the sources a follower reads blobs
 * from. Code branches on the class (or `name`), never on message text.
 */
import { StrataError } from "../common/errors";

/** A payload does not fit in the blobs allowed for it. */
export class BlobPayloadTooLargeError extends StrataError {
  constructor(
    readonly payloadBytes: number,
    readonly capacityBytes: number,
    readonly maxBlobs: number,
  ) {
    super(
      `payload of ${payloadBytes} bytes exceeds the ${capacityBytes} bytes that ${maxBlobs} blob(s) hold`,
    );
  }
}

/** Blobs that are not the canonical encoding of a payload (see src/da/codec.ts); `reason` says how. */
export class BlobEncodingError extends StrataError {
  constructor(
    readonly reason: "blob-size" | "no-blobs" | "high-byte" | "version" | "length" | "padding" | "extra-blob",
    message: string,
  ) {
    super(message);
  }
}

/**
 * A service was told to post blobs on a chain whose node keeps none (Hardhat, unlike Anvil) without a blob
 * archive to publish them to: nobody, itself included, could read its batches back.
 */
export class BlobArchiveRequiredError extends StrataError {
  constructor(readonly node: string) {
    super(
      `${node} keeps no blobs: start the blob archive (npx hardhat blob-archive) and give its URL ` +
        `(--blob-archive-url, STRATA_BLOB_ARCHIVE_URL), or post batches as calldata`,
    );
  }
}

/** The KZG library refused its input or failed (a blob with a field element ≥ the modulus, a bad point). */
export class KzgError extends StrataError {}

/**
 * A blob does not match the versioned hash it was asked for: its commitment hashes to something else, or
 * its proof does not bind it to the commitment. A follower refuses it: it never trusts a blob source.
 */
export class BlobCommitmentMismatchError extends StrataError {
  constructor(
    readonly versionedHash: string,
    readonly detail: string,
  ) {
    super(`blob for ${versionedHash} refused: ${detail}`);
  }
}

/** The source has no blob with this versioned hash (pruned, never posted, or withheld). */
export class BlobNotFoundError extends StrataError {
  constructor(
    readonly versionedHash: string,
    readonly where: string,
    options?: { cause?: unknown },
  ) {
    super(`no blob for ${versionedHash} at ${where}`, options);
  }
}

/** A source answered with something that is not a well-formed answer (HTTP status, JSON shape, hex). */
export class BlobSourceResponseError extends StrataError {
  constructor(
    readonly where: string,
    readonly detail: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`bad blob source response from ${where}: ${detail}`, options);
  }
}

/** A transaction carries no blobs (not type 3), or was not found on Layer 1. */
export class BlobTransactionError extends StrataError {
  constructor(
    readonly txHash: string,
    readonly detail: string,
  ) {
    super(`transaction ${txHash}: ${detail}`);
  }
}

/**
 * The archive refused posted sidecars: Layer 1 does not show them at that block and index
 * (`not-on-chain`), a proof does not verify (`bad-proof`), the archive cannot read Layer 1
 * (`layer1-unavailable`: retry), or the post is malformed (`bad-request`).
 */
export class BlobArchiveRejectedError extends StrataError {
  constructor(
    readonly reason: "not-on-chain" | "bad-proof" | "layer1-unavailable" | "bad-request",
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}
