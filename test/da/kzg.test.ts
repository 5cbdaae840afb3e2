import { expect } from "chai";
import { Wallet, getBytes, hexlify, toBeHex } from "ethers";
import { ethers } from "hardhat";
import { localAccountKey } from "../../src/common/processes";
import { encodeBlobs, fieldElementOf, locatePayloadByte } from "../../src/da/codec";
import {
  BLS_MODULUS,
  FIELD_ELEMENTS_PER_BLOB,
  evaluationPoint,
  frPow,
  reverseBits,
} from "../../src/da/domain";
import { KzgError } from "../../src/da/errors";
import {
  Kzg,
  POINT_EVALUATION_OUTPUT,
  POINT_EVALUATION_PRECOMPILE,
  pointEvaluationInput,
  versionedHash,
} from "../../src/da/kzg";
import type { BlobOpening } from "../../src/da/kzg";
import { payloadOf, sendBlobTransaction } from "./helpers";

/** The point-evaluation precompile's answer to `input`, by eth_call on the Hardhat network (null: it failed). */
async function callPrecompile(input: string): Promise<string | null> {
  try {
    return await ethers.provider.call({ to: POINT_EVALUATION_PRECOMPILE, data: input });
  } catch {
    return null;
  }
}

describe("KZG (src/da/kzg.ts)", function () {
  let kzg: Kzg;
  let blob: Uint8Array;
  let commitment: string;

  before(async function () {
    kzg = await Kzg.load();
    [blob] = encodeBlobs(payloadOf(100_000));
    commitment = kzg.commit(blob);
  });

  describe("load", function () {
    it("loads kzg-wasm once and shares the instance", async function () {
      expect(await Kzg.load()).to.equal(kzg);
    });
  });

  describe("versionedHash", function () {
    it("is 0x01 followed by the last 31 bytes of sha256(commitment)", function () {
      const hash = versionedHash(commitment);
      expect(hash).to.match(/^0x01[0-9a-f]{62}$/);
      expect(hash.slice(4)).to.equal(ethers.sha256(commitment).slice(4));
      expect(() => versionedHash("0x1234")).to.throw(KzgError);
    });

    it("matches the blobVersionedHashes of a type-3 transaction mined on Hardhat", async function () {
      const wallet = new Wallet(localAccountKey(9), ethers.provider);
      const { blobs, txHash, receipt } = await sendBlobTransaction(wallet, kzg, payloadOf(150_000, 2)); // two blobs
      expect(receipt?.status).to.equal(1);
      const mined = (await ethers.provider.send("eth_getTransactionByHash", [txHash])) as {
        type: string;
        blobVersionedHashes: string[];
      };
      expect(mined.type).to.equal("0x3");
      expect(mined.blobVersionedHashes.map((h) => h.toLowerCase())).to.deep.equal(
        blobs.map((b) => versionedHash(kzg.commit(b))),
      );
    });
  });

  describe("proveBlob / verifyBlob", function () {
    it("verifies the blob's own proof and refuses it for a changed blob", function () {
      const proof = kzg.proveBlob(blob, commitment);
      expect(kzg.verifyBlob(blob, commitment, proof)).to.equal(true);
      const changed = blob.slice();
      changed[1000] ^= 1;
      expect(kzg.verifyBlob(changed, commitment, proof)).to.equal(false);
      expect(kzg.verifyBlob(blob, commitment, "0x12")).to.equal(false);
    });

    it("throws KzgError for a field element not below the BLS modulus", function () {
      const bad = blob.slice();
      bad.set(getBytes(toBeHex(BLS_MODULUS, 32)), 0);
      expect(() => kzg.commit(bad)).to.throw(KzgError);
    });
  });

  describe("evaluation domain", function () {
    it("is the 4096th roots of unity of generator 7, in bit-reversed order", function () {
      const omega = frPow(7n, (BLS_MODULUS - 1n) / 4096n);
      expect(frPow(omega, 4096n)).to.equal(1n);
      expect(frPow(omega, 2048n)).to.not.equal(1n);
      expect(evaluationPoint(0)).to.equal(1n);
      expect(evaluationPoint(1)).to.equal(BLS_MODULUS - 1n); // ω^2048 = −1
      for (const k of [2, 3, 5, 4095])
        expect(evaluationPoint(k)).to.equal(frPow(omega, BigInt(reverseBits(k))));
      expect(() => evaluationPoint(FIELD_ELEMENTS_PER_BLOB)).to.throw(RangeError);
    });
  });

  describe("openFieldElement", function () {
    const indices = [0, 1, 7, 2048, 4095];
    let openings: BlobOpening[];

    before(function () {
      openings = indices.map((k) => kzg.openFieldElement(blob, k, commitment));
    });

    it("opens the k-th field element at the k-th domain point, verified by kzg-wasm", function () {
      openings.forEach((opening, i) => {
        expect(opening.index).to.equal(indices[i]);
        expect(opening.y).to.equal(fieldElementOf(blob, indices[i]));
        expect(opening.z).to.equal(evaluationPoint(indices[i]));
        expect(opening.versionedHash).to.equal(versionedHash(commitment));
        expect(kzg.verifyOpening(opening)).to.equal(true);
        expect(kzg.verifyOpening({ ...opening, y: opening.y + 1n })).to.equal(false);
      });
    });

    it("builds the 192-byte precompile input versioned_hash ‖ z ‖ y ‖ commitment ‖ proof", function () {
      const o = openings[2];
      const input = getBytes(pointEvaluationInput(o));
      expect(input.length).to.equal(192);
      expect(hexlify(input.subarray(0, 32))).to.equal(o.versionedHash);
      expect(BigInt(hexlify(input.subarray(32, 64)))).to.equal(o.z);
      expect(BigInt(hexlify(input.subarray(64, 96)))).to.equal(o.y);
      expect(hexlify(input.subarray(96, 144))).to.equal(o.commitment);
      expect(hexlify(input.subarray(144, 192))).to.equal(o.proof);
    });

    it("is accepted by the point-evaluation precompile 0x0A, which returns (4096, BLS_MODULUS)", async function () {
      expect(POINT_EVALUATION_OUTPUT).to.equal(toBeHex(4096, 32) + toBeHex(BLS_MODULUS, 32).slice(2));
      for (const opening of openings) {
        expect(await callPrecompile(pointEvaluationInput(opening))).to.equal(POINT_EVALUATION_OUTPUT);
      }
    });

    it("is refused by the precompile for a wrong value, another point, or another versioned hash", async function () {
      const o = openings[2];
      expect(await callPrecompile(pointEvaluationInput({ ...o, y: o.y + 1n }))).to.equal(null);
      expect(await callPrecompile(pointEvaluationInput({ ...o, z: evaluationPoint(8) }))).to.equal(null);
      const other = kzg.commit(encodeBlobs(payloadOf(10, 3))[0]);
      expect(
        await callPrecompile(pointEvaluationInput({ ...o, versionedHash: versionedHash(other) })),
      ).to.equal(null);
    });

    it("opens the element that holds a given payload byte", async function () {
      const n = 77_777;
      const { element, byteInBlob } = locatePayloadByte(n);
      const opening = kzg.openFieldElement(blob, element, commitment);
      const bytes = getBytes(toBeHex(opening.y, 32));
      expect(bytes[byteInBlob % 32]).to.equal(payloadOf(100_000)[n]);
      expect(await callPrecompile(pointEvaluationInput(opening))).to.equal(POINT_EVALUATION_OUTPUT);
    });
  });
});
