import { expect } from "chai";
import {
  BLOB_HEADER_BYTES,
  DATA_BYTES_PER_BLOB,
  MAX_BLOBS_PER_TRANSACTION,
  blobCapacity,
  decodeBlobs,
  encodeBlobs,
  fieldElementOf,
  locatePayloadByte,
} from "../../src/da/codec";
import { BYTES_PER_BLOB, BYTES_PER_FIELD_ELEMENT } from "../../src/da/domain";
import { BlobEncodingError, BlobPayloadTooLargeError } from "../../src/da/errors";

/** `length` bytes of a fixed pseudo-random pattern with no zero runs (so lost or moved bytes show). */
function payloadOf(length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = (x >>> 24) | 1;
  }
  return out;
}

function encodingError(run: () => unknown): BlobEncodingError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(BlobEncodingError);
    return error as BlobEncodingError;
  }
  expect.fail("decoding succeeded");
}

describe("blob codec", function () {
  describe("encodeBlobs / decodeBlobs", function () {
    const capacity1 = DATA_BYTES_PER_BLOB - BLOB_HEADER_BYTES;
    const sizes = [
      0,
      1,
      30,
      31,
      26,
      27,
      1000,
      capacity1 - 1,
      capacity1,
      capacity1 + 1,
      2 * DATA_BYTES_PER_BLOB,
    ];
    for (const size of sizes) {
      it(`round-trips a payload of ${size} bytes in the fewest blobs`, function () {
        const payload = payloadOf(size);
        const blobs = encodeBlobs(payload);
        expect(blobs.length).to.equal(
          Math.max(1, Math.ceil((size + BLOB_HEADER_BYTES) / DATA_BYTES_PER_BLOB)),
        );
        for (const blob of blobs) expect(blob.length).to.equal(BYTES_PER_BLOB);
        expect(Buffer.from(decodeBlobs(blobs)).equals(Buffer.from(payload))).to.equal(true);
      });
    }

    it("holds 126,976 bytes per blob less a 5-byte header, every field element's high byte zero", function () {
      expect(blobCapacity(1)).to.equal(126_971);
      expect(blobCapacity(MAX_BLOBS_PER_TRANSACTION)).to.equal(6 * 126_976 - 5);
      const blobs = encodeBlobs(payloadOf(blobCapacity(2)));
      expect(blobs.length).to.equal(2);
      for (const blob of blobs)
        for (let i = 0; i < blob.length; i += BYTES_PER_FIELD_ELEMENT) expect(blob[i]).to.equal(0);
    });

    it("fills exactly maxBlobs blobs and throws BlobPayloadTooLargeError one byte beyond", function () {
      const full = payloadOf(blobCapacity(MAX_BLOBS_PER_TRANSACTION));
      expect(encodeBlobs(full).length).to.equal(MAX_BLOBS_PER_TRANSACTION);
      expect(decodeBlobs(encodeBlobs(full)).length).to.equal(full.length);
      const over = payloadOf(full.length + 1);
      try {
        encodeBlobs(over);
        expect.fail("encoded a payload one byte too big");
      } catch (error) {
        expect(error).to.be.instanceOf(BlobPayloadTooLargeError);
        const e = error as BlobPayloadTooLargeError;
        expect([e.payloadBytes, e.capacityBytes, e.maxBlobs]).to.deep.equal([
          full.length + 1,
          full.length,
          6,
        ]);
      }
      expect(() => encodeBlobs(payloadOf(blobCapacity(1) + 1), { maxBlobs: 1 })).to.throw(
        BlobPayloadTooLargeError,
      );
    });

    it("places payload byte n where locatePayloadByte says", function () {
      const payload = payloadOf(DATA_BYTES_PER_BLOB + 100);
      const blobs = encodeBlobs(payload);
      for (const n of [0, 25, 26, 27, 57, 4096 * 31 - 6, 4096 * 31 - 5, payload.length - 1]) {
        const { blob, element, byteInBlob } = locatePayloadByte(n);
        expect(blobs[blob][byteInBlob]).to.equal(payload[n]);
        expect(Math.floor(byteInBlob / BYTES_PER_FIELD_ELEMENT)).to.equal(element);
      }
      expect(locatePayloadByte(4096 * 31 - 5).blob).to.equal(1);
      const first = fieldElementOf(blobs[0], 0); // 0x00 ‖ version ‖ length (4 bytes) ‖ 26 payload bytes
      expect(first >> 240n).to.equal(0n);
      expect((first >> 208n) & 0xffffffffn).to.equal(BigInt(payload.length));
    });
  });

  describe("decodeBlobs refuses what encodeBlobs never writes", function () {
    it("a non-zero high byte", function () {
      const [blob] = encodeBlobs(payloadOf(10));
      blob[5 * 32] = 1;
      expect(encodingError(() => decodeBlobs([blob])).reason).to.equal("high-byte");
    });

    it("a non-zero byte in the padding", function () {
      const [blob] = encodeBlobs(payloadOf(10));
      blob[BYTES_PER_BLOB - 1] = 1;
      expect(encodingError(() => decodeBlobs([blob])).reason).to.equal("padding");
    });

    it("a length prefix beyond the blobs", function () {
      const [blob] = encodeBlobs(payloadOf(10));
      blob[2] = 0xff; // the length's high byte
      expect(encodingError(() => decodeBlobs([blob])).reason).to.equal("length");
    });

    it("an unknown version, a wrong size, no blobs, and a blob more than the payload needs", function () {
      const [blob] = encodeBlobs(payloadOf(10));
      const versioned = blob.slice();
      versioned[1] = 1;
      expect(encodingError(() => decodeBlobs([versioned])).reason).to.equal("version");
      expect(encodingError(() => decodeBlobs([blob.subarray(1)])).reason).to.equal("blob-size");
      expect(encodingError(() => decodeBlobs([])).reason).to.equal("no-blobs");
      expect(encodingError(() => decodeBlobs([blob, new Uint8Array(BYTES_PER_BLOB)])).reason).to.equal(
        "extra-blob",
      );
    });
  });
});
