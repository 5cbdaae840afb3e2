import { expect } from "chai";
import {
  Signature,
  SigningKey,
  Wallet,
  computeAddress,
  getBytes,
  hexlify,
  keccak256,
  recoverAddress,
} from "ethers";
import fc from "fast-check";
import secp256k1 from "secp256k1";
import {
  SECP256K1_HALF_N,
  SECP256K1_N,
  addressOfPublicKey,
  recoverSigner,
  signDigest,
} from "../../src/shared/ecdsa";
import { keccak256Bytes, keccakReady } from "../../src/shared/keccak";
import { assertProperty } from "../helpers/property";
import { malleableSignature } from "./cast";

const privateKey = fc
  .bigInt({ min: 1n, max: SECP256K1_N - 1n })
  .map((k) => getBytes("0x" + k.toString(16).padStart(64, "0")));
const digest = fc.uint8Array({ minLength: 32, maxLength: 32 });

const word = (value: bigint): Uint8Array => getBytes("0x" + value.toString(16).padStart(64, "0"));
const compact = (r: bigint, s: bigint, yParity: number): Uint8Array => {
  const out = new Uint8Array(64);
  out.set(word(r), 0);
  out.set(word((BigInt(yParity) << 255n) | s), 32);
  return out;
};
const split = (signature: Uint8Array) => {
  const vs = BigInt(hexlify(signature.subarray(32)));
  return {
    r: BigInt(hexlify(signature.subarray(0, 32))),
    s: vs & ((1n << 255n) - 1n),
    yParity: Number(vs >> 255n),
  };
};

/** One signature of a fixed digest, for the refusal cases. */
const KEY = getBytes("0x" + "a1".repeat(32));
const DIGEST = getBytes(keccak256("0x5eed"));
const SIGNED = signDigest(DIGEST, KEY);

describe("ecdsa", function () {
  before(async function () {
    await keccakReady;
  });

  describe("signDigest", function () {
    it("makes a low-s compact signature that ethers recovers to the key's address", function () {
      assertProperty(
        fc.property(privateKey, digest, (key, d) => {
          const signature = signDigest(d, key);
          expect(signature).to.have.length(64);
          const { s } = split(signature);
          expect(s <= SECP256K1_HALF_N).to.equal(true);
          const ethersSig = Signature.from({
            r: hexlify(signature.subarray(0, 32)),
            yParityAndS: hexlify(signature.subarray(32)),
          });
          expect(recoverAddress(d, ethersSig)).to.equal(new Wallet(hexlify(key)).address);
        }),
        { runs: 50 },
      );
    });
  });

  describe("recoverSigner", function () {
    it("returns the checksummed address of the key that signed", function () {
      assertProperty(
        fc.property(privateKey, digest, (key, d) => {
          expect(recoverSigner(d, signDigest(d, key))).to.equal(new Wallet(hexlify(key)).address);
        }),
        { runs: 100 },
      );
    });

    it("agrees with ethers on signatures ethers makes", function () {
      assertProperty(
        fc.property(privateKey, digest, (key, d) => {
          const sig = new SigningKey(hexlify(key)).sign(d);
          expect(recoverSigner(d, getBytes(sig.compactSerialized))).to.equal(recoverAddress(d, sig));
        }),
        { runs: 50 },
      );
    });

    it("returns someone else for another digest", function () {
      assertProperty(
        fc.property(privateKey, digest, digest, (key, d, other) => {
          fc.pre(hexlify(d) !== hexlify(other));
          expect(recoverSigner(other, signDigest(d, key))).to.not.equal(new Wallet(hexlify(key)).address);
        }),
        { runs: 30 },
      );
    });

    it("refuses the high-s twin of a valid signature, which the curve accepts (malleability)", function () {
      // A compact signature holds 255 bits of s, so a high s fits only just above n/2: the signature is
      // picked first and the key solved for (see malleableSignature).
      const signature = malleableSignature(DIGEST);
      const { r, s: high, yParity } = signature;
      const owner = signature.owner.address;
      // The high-s signature is a valid ECDSA signature of the owner's key...
      const curve = secp256k1.ecdsaRecover(
        Uint8Array.from([...word(r), ...word(high)]),
        yParity,
        DIGEST,
        false,
      );
      expect(computeAddress(hexlify(curve))).to.equal(owner);
      // ...that OpenZeppelin's tryRecover, and so this, refuses; its low-s twin recovers.
      expect(recoverSigner(DIGEST, compact(r, high, yParity))).to.equal(undefined);
      expect(recoverSigner(DIGEST, compact(r, SECP256K1_N - high, yParity ^ 1))).to.equal(owner);
    });

    const { r, s, yParity } = split(SIGNED);
    const refused: Array<[string, Uint8Array, Uint8Array]> = [
      ["r = 0", DIGEST, compact(0n, s, yParity)],
      ["r = n", DIGEST, compact(SECP256K1_N, s, yParity)],
      ["r = 2^256 - 1", DIGEST, compact((1n << 256n) - 1n, s, yParity)],
      ["s = 0", DIGEST, compact(r, 0n, yParity)],
      ["s = n/2 + 1", DIGEST, compact(r, SECP256K1_HALF_N + 1n, yParity)],
      ["a 63-byte signature", DIGEST, SIGNED.subarray(0, 63)],
      ["a 65-byte signature", DIGEST, Uint8Array.from([...SIGNED, 27])],
      ["a 31-byte digest", DIGEST.subarray(1), SIGNED],
    ];
    for (const [label, d, signature] of refused) {
      it(`returns undefined for ${label}`, function () {
        expect(recoverSigner(d, signature)).to.equal(undefined);
      });
    }

    it("accepts s = n/2, the largest low s", function () {
      expect(recoverSigner(DIGEST, compact(r, SECP256K1_HALF_N, yParity))).to.be.a("string");
    });

    it("returns undefined for an r that is no point's x coordinate", function () {
      // x = 5 has no y on secp256k1 (5^3 + 7 = 132 is not a square mod p).
      expect(recoverSigner(DIGEST, compact(5n, s, 0))).to.equal(undefined);
      expect(recoverSigner(DIGEST, compact(5n, s, 1))).to.equal(undefined);
    });
  });

  describe("addressOfPublicKey", function () {
    it("equals ethers' computeAddress of the uncompressed key, checksummed", function () {
      assertProperty(
        fc.property(privateKey, (key) => {
          const publicKey = secp256k1.publicKeyCreate(key, false);
          expect(addressOfPublicKey(publicKey)).to.equal(computeAddress(hexlify(publicKey)));
        }),
        { runs: 50 },
      );
    });
  });

  describe("keccak256Bytes", function () {
    it("equals ethers' keccak256", function () {
      assertProperty(
        fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
          expect(hexlify(keccak256Bytes(data))).to.equal(keccak256(data));
        }),
        { runs: 200 },
      );
    });
  });
});
