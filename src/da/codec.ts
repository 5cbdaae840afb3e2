/**
 * Bytes ↔ blobs. A payload is written as one stream over one or more blobs:
 *
 *   stream  = version (1 byte, 0x00) ‖ length (4 bytes, big-endian) ‖ payload ‖ zero padding
 *   element = 0x00 ‖ the next 31 bytes of the stream          (32 bytes, 4096 per blob, blob after blob)
 *
 * Each field element's high byte is zero, so every element is below 2^248 < r (the BLS12-381 scalar
 * modulus) whatever the payload: a blob of this encoding is always valid for KZG, with no bit-packing.
 * A blob holds 4096 × 31 = 126,976 payload bytes (96.9 % of its 131,072); n blobs hold
 * n × 126,976 − 5. OP Stack's denser encoding (4 elements carry 127 bytes, 130,044 per blob) gains 2.4 %
 * for bit-level packing and a wider header; the version byte leaves room to add it later.
 *
 * The encoding is canonical: `decodeBlobs` accepts exactly what `encodeBlobs` produces (the fewest blobs,
 * zero high bytes, zero padding), so one payload has one encoding and a blob's k-th field element always
 * holds the same payload bytes (what a dispute opens with the point-evaluation precompile).
 */
import { BlobEncodingError, BlobPayloadTooLargeError } from "./errors";
import { BYTES_PER_BLOB, BYTES_PER_FIELD_ELEMENT, FIELD_ELEMENTS_PER_BLOB } from "./domain";

/** The encoding this file writes (the stream's first byte). */
export const BLOB_ENCODING_VERSION = 0;
/** Payload bytes per field element: all but the zero high byte. */
export const DATA_BYTES_PER_FIELD_ELEMENT = BYTES_PER_FIELD_ELEMENT - 1;
/** Stream bytes per blob (126,976). */
export const DATA_BYTES_PER_BLOB = FIELD_ELEMENTS_PER_BLOB * DATA_BYTES_PER_FIELD_ELEMENT;
/** Version byte and 4-byte length. */
export const BLOB_HEADER_BYTES = 5;
/**
 * Blobs one transaction may carry: 6 under Cancun (its whole block's maximum) and under Osaka (EIP-7594's
 * per-transaction cap), so a batch sized for 6 fits on either.
 */
export const MAX_BLOBS_PER_TRANSACTION = 6;

/** Blob gas a transaction pays per blob (EIP-4844's GAS_PER_BLOB), whatever the blob holds. */
export const GAS_PER_BLOB = 131_072;

/** The payload bytes `blobs` blobs hold. */
export function blobCapacity(blobs: number): number {
  return blobs * DATA_BYTES_PER_BLOB - BLOB_HEADER_BYTES;
}

/** How many blobs a payload of `payloadBytes` needs (at least one). */
export function blobsNeeded(payloadBytes: number): number {
  return Math.max(1, Math.ceil((payloadBytes + BLOB_HEADER_BYTES) / DATA_BYTES_PER_BLOB));
}

export interface EncodeBlobsOptions {
  /** Default `MAX_BLOBS_PER_TRANSACTION`. */
  maxBlobs?: number;
}

/** `payload` as the fewest blobs that hold it; `BlobPayloadTooLargeError` when more than `maxBlobs` would. */
export function encodeBlobs(payload: Uint8Array, options: EncodeBlobsOptions = {}): Uint8Array[] {
  const maxBlobs = options.maxBlobs ?? MAX_BLOBS_PER_TRANSACTION;
  const capacity = blobCapacity(maxBlobs);
  if (payload.length > capacity) throw new BlobPayloadTooLargeError(payload.length, capacity, maxBlobs);
  const stream = new Uint8Array(BLOB_HEADER_BYTES + payload.length);
  stream[0] = BLOB_ENCODING_VERSION;
  new DataView(stream.buffer).setUint32(1, payload.length);
  stream.set(payload, BLOB_HEADER_BYTES);
  const blobs = Array.from({ length: blobsNeeded(payload.length) }, () => new Uint8Array(BYTES_PER_BLOB));
  for (let at = 0; at < stream.length; at += DATA_BYTES_PER_FIELD_ELEMENT) {
    const { blob, byteInBlob } = locateStreamByte(at);
    blobs[blob].set(stream.subarray(at, at + DATA_BYTES_PER_FIELD_ELEMENT), byteInBlob);
  }
  return blobs;
}

/** The payload `blobs` encode; `BlobEncodingError` (with its reason) for anything `encodeBlobs` would not write. */
export function decodeBlobs(blobs: readonly Uint8Array[]): Uint8Array {
  if (blobs.length === 0) throw new BlobEncodingError("no-blobs", "no blobs to decode");
  blobs.forEach((blob, i) => {
    if (blob.length !== BYTES_PER_BLOB) {
      throw new BlobEncodingError("blob-size", `blob ${i} has ${blob.length} bytes, not ${BYTES_PER_BLOB}`);
    }
    for (let element = 0; element < FIELD_ELEMENTS_PER_BLOB; element++) {
      if (blob[element * BYTES_PER_FIELD_ELEMENT] !== 0) {
        throw new BlobEncodingError(
          "high-byte",
          `blob ${i} field element ${element} has a non-zero high byte`,
        );
      }
    }
  });
  const stream = streamOf(blobs);
  const length = headerLength(stream, blobs.length);
  if (blobsNeeded(length) !== blobs.length) {
    throw new BlobEncodingError(
      "extra-blob",
      `${blobs.length} blobs for a payload that needs ${blobsNeeded(length)}`,
    );
  }
  const end = BLOB_HEADER_BYTES + length;
  const padding = stream.subarray(end).findIndex((byte) => byte !== 0);
  if (padding !== -1) {
    throw new BlobEncodingError("padding", `non-zero byte in the padding at stream offset ${end + padding}`);
  }
  return stream.slice(BLOB_HEADER_BYTES, end);
}

/**
 * The payload as Layer 1 reads a blob batch (`contracts/optimistic/lib/BlobPayload.sol`): the header's length,
 * then bytes 1 to 31 of each field element. Unlike `decodeBlobs` it ignores the high bytes and the padding,
 * and takes any number of blobs that hold the length: a proposer may post blobs `encodeBlobs` would not
 * write, and a follower must read them exactly as the dispute game will. `BlobEncodingError` with reason
 * "version" or "length" for a header Layer 1 refuses at commit (so no committed batch has one), "blob-size"
 * or "no-blobs" for what is not blobs at all.
 */
export function readPayloadAsLayer1(blobs: readonly Uint8Array[]): Uint8Array {
  if (blobs.length === 0) throw new BlobEncodingError("no-blobs", "no blobs to read");
  blobs.forEach((blob, i) => {
    if (blob.length !== BYTES_PER_BLOB) {
      throw new BlobEncodingError("blob-size", `blob ${i} has ${blob.length} bytes, not ${BYTES_PER_BLOB}`);
    }
  });
  const stream = streamOf(blobs);
  const length = headerLength(stream, blobs.length);
  if (length === 0) throw new BlobEncodingError("length", "the header gives an empty payload");
  return stream.slice(BLOB_HEADER_BYTES, BLOB_HEADER_BYTES + length);
}

/** Bytes 1 to 31 of every field element, blob after blob: the stream the payload is written in. */
function streamOf(blobs: readonly Uint8Array[]): Uint8Array {
  const stream = new Uint8Array(blobs.length * DATA_BYTES_PER_BLOB);
  for (let at = 0; at < stream.length; at += DATA_BYTES_PER_FIELD_ELEMENT) {
    const { blob, byteInBlob } = locateStreamByte(at);
    stream.set(blobs[blob].subarray(byteInBlob, byteInBlob + DATA_BYTES_PER_FIELD_ELEMENT), at);
  }
  return stream;
}

/** The payload length the stream's header gives, checked against the version and what `blobs` blobs hold. */
function headerLength(stream: Uint8Array, blobs: number): number {
  if (stream[0] !== BLOB_ENCODING_VERSION) {
    throw new BlobEncodingError("version", `unknown blob encoding version ${stream[0]}`);
  }
  const length = new DataView(stream.buffer, stream.byteOffset).getUint32(1);
  if (length > blobCapacity(blobs)) {
    throw new BlobEncodingError(
      "length",
      `length prefix ${length} exceeds the ${blobCapacity(blobs)} bytes ${blobs} blob(s) hold`,
    );
  }
  return length;
}

/** Where stream byte `offset` lies: its blob, field element in that blob, and byte in the blob. */
export function locateStreamByte(offset: number): { blob: number; element: number; byteInBlob: number } {
  const elementInStream = Math.floor(offset / DATA_BYTES_PER_FIELD_ELEMENT);
  const blob = Math.floor(elementInStream / FIELD_ELEMENTS_PER_BLOB);
  const element = elementInStream % FIELD_ELEMENTS_PER_BLOB;
  const byteInBlob = element * BYTES_PER_FIELD_ELEMENT + 1 + (offset % DATA_BYTES_PER_FIELD_ELEMENT);
  return { blob, element, byteInBlob };
}

/** Where payload byte `offset` lies (the stream offset past the header): what a dispute opens. */
export function locatePayloadByte(offset: number): { blob: number; element: number; byteInBlob: number } {
  return locateStreamByte(BLOB_HEADER_BYTES + offset);
}

/** The `index`-th field element of `blob` as a number (big-endian, as the KZG library reads it). */
export function fieldElementOf(blob: Uint8Array, index: number): bigint {
  if (!Number.isSafeInteger(index) || index < 0 || index >= FIELD_ELEMENTS_PER_BLOB) {
    throw new RangeError(`field element index ${index} is outside [0, ${FIELD_ELEMENTS_PER_BLOB})`);
  }
  let value = 0n;
  const start = index * BYTES_PER_FIELD_ELEMENT;
  for (let i = start; i < start + BYTES_PER_FIELD_ELEMENT; i++) value = (value << 8n) | BigInt(blob[i]);
  return value;
}
