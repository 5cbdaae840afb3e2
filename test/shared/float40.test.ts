import { expect } from "chai";
import {
  AmountNotRepresentableError,
  FLOAT40_MANTISSA_BITS,
  MAX_U128,
  decodeFloat40,
  encodeFloat40,
  floorFloat40,
  isFloat40,
} from "../../src/shared";
import fc from "fast-check";
import { float40Amount } from "../helpers/arbitraries";
import { assertProperty } from "../helpers/property";

const MANTISSA_LIMIT = 1n << FLOAT40_MANTISSA_BITS; // 2^35
const MAX_MANTISSA = MANTISSA_LIMIT - 1n;
const MAX_FLOAT40 = MAX_MANTISSA * 10n ** 31n;

const pack = (mantissa: bigint, exponent: bigint): bigint => (exponent << FLOAT40_MANTISSA_BITS) | mantissa;
const exponentOf = (packed: bigint): bigint => packed >> FLOAT40_MANTISSA_BITS;

/** Reference floor: the best of "the largest mantissa at each exponent", by brute force over all 32. */
function naiveFloor(amount: bigint): bigint {
  let best = 0n;
  for (let e = 0n; e <= 31n; e++) {
    const unit = 10n ** e;
    const mantissa = amount / unit < MAX_MANTISSA ? amount / unit : MAX_MANTISSA;
    if (mantissa * unit > best) best = mantissa * unit;
  }
  return best;
}

/** An unsigned integer of 1 to `maxBits` random bits (so small ones as often as large ones). */
const uintUpToBits = (maxBits: number): fc.Arbitrary<bigint> =>
  fc
    .integer({ min: 1, max: maxBits })
    .chain((bits) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }));

describe("Float40", function () {
  describe("encodeFloat40", function () {
    it("encodes every integer below 2^35 exactly, as itself with exponent 0 (boundaries and 200 samples)", function () {
      const encodesAsItself = (amount: bigint) => {
        expect(encodeFloat40(amount), `${amount}`).to.equal(amount);
        expect(decodeFloat40(encodeFloat40(amount))).to.equal(amount);
      };
      for (const amount of [0n, 1n, 9n, 10n, 100n, 2n ** 34n, MAX_MANTISSA - 1n, MAX_MANTISSA]) {
        encodesAsItself(amount);
      }
      assertProperty(fc.property(fc.bigInt({ min: 0n, max: MAX_MANTISSA }), encodesAsItself), { runs: 200 });
    });

    it("encodes 10^18 (one ether) as 10^10 · 10^8", function () {
      expect(encodeFloat40(10n ** 18n)).to.equal(pack(10n ** 10n, 8n));
      expect(encodeFloat40(10n ** 18n)).to.equal(0x42540be400n);
    });

    it("encodes the largest amount, (2^35 - 1) · 10^31, as 2^40 - 1", function () {
      expect(encodeFloat40(MAX_FLOAT40)).to.equal((1n << 40n) - 1n);
      expect(MAX_FLOAT40 > MAX_U128).to.equal(true);
    });

    it("picks the smallest exponent that fits the mantissa", function () {
      expect(encodeFloat40(10n)).to.equal(pack(10n, 0n));
      expect(encodeFloat40(10n ** 10n)).to.equal(pack(10n ** 10n, 0n));
      expect(encodeFloat40(10n ** 11n)).to.equal(pack(10n ** 10n, 1n));
      expect(encodeFloat40(10n ** 12n)).to.equal(pack(10n ** 10n, 2n));
      expect(encodeFloat40(MANTISSA_LIMIT + 2n)).to.equal(pack(3_435_973_837n, 1n));
      expect(encodeFloat40(MAX_MANTISSA * 10n)).to.equal(pack(MAX_MANTISSA, 1n));
    });

    it("picks the smallest exponent for 200 random amounts: one less would overflow the mantissa", function () {
      assertProperty(
        fc.property(float40Amount, (amount) => {
          const packed = encodeFloat40(amount);
          const e = exponentOf(packed);
          expect(decodeFloat40(packed), `${amount}`).to.equal(amount);
          if (e > 0n) expect(amount / 10n ** (e - 1n) >= MANTISSA_LIMIT, `${amount}`).to.equal(true);
        }),
        { runs: 200 },
      );
    });

    const notRepresentable: [string, bigint][] = [
      ["2^35 (the first integer that needs an exponent, and is not a multiple of ten)", MANTISSA_LIMIT],
      ["2^35 + 1", MANTISSA_LIMIT + 1n],
      ["10^18 + 1", 10n ** 18n + 1n],
      ["2^128 - 1", MAX_U128],
      ["2^35 · 10^31 (mantissa too large at the top exponent)", MANTISSA_LIMIT * 10n ** 31n],
      ["(2^35 - 1) · 10^32 (exponent beyond 31)", MAX_MANTISSA * 10n ** 32n],
      ["-1", -1n],
    ];
    for (const [label, amount] of notRepresentable) {
      it(`throws AmountNotRepresentableError for ${label}`, function () {
        expect(() => encodeFloat40(amount)).to.throw(AmountNotRepresentableError);
        expect(isFloat40(amount)).to.equal(false);
      });
    }
  });

  describe("decodeFloat40", function () {
    it("reads the top five bits as a power of ten and the low 35 as the mantissa", function () {
      expect(decodeFloat40(0n)).to.equal(0n);
      expect(decodeFloat40(pack(7n, 3n))).to.equal(7000n);
      expect(decodeFloat40(pack(0n, 31n))).to.equal(0n);
      expect(decodeFloat40((1n << 40n) - 1n)).to.equal(MAX_FLOAT40);
    });

    it("round-trips every canonical packed value of 300 random 40-bit values", function () {
      assertProperty(
        fc.property(fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }), (packed) => {
          const mantissa = packed & MAX_MANTISSA;
          const amount = decodeFloat40(packed);
          // Canonical: the exponent is 0, or a smaller one would not hold the mantissa.
          const canonical = exponentOf(packed) === 0n || mantissa * 10n >= MANTISSA_LIMIT;
          expect(encodeFloat40(amount) === packed, `${packed}`).to.equal(canonical);
          expect(decodeFloat40(encodeFloat40(amount))).to.equal(amount);
        }),
        { runs: 300 },
      );
    });

    for (const packed of [-1n, 1n << 40n]) {
      it(`throws RangeError for ${packed}, not a 40-bit value`, function () {
        expect(() => decodeFloat40(packed)).to.throw(RangeError, "not a 40-bit value");
      });
    }
  });

  describe("floorFloat40", function () {
    it("returns a float40 amount unchanged", function () {
      for (const amount of [0n, 1n, MAX_MANTISSA, 10n ** 18n, MAX_FLOAT40]) {
        expect(floorFloat40(amount)).to.equal(amount);
      }
      assertProperty(
        fc.property(float40Amount, (amount) => {
          expect(floorFloat40(amount)).to.equal(amount);
        }),
        { runs: 100 },
      );
    });

    it("rounds down to the nearest float40 amount", function () {
      expect(floorFloat40(MANTISSA_LIMIT + 3n)).to.equal(MANTISSA_LIMIT + 2n);
      expect(floorFloat40(10n ** 18n + 1n)).to.equal(10n ** 18n);
      expect(floorFloat40(10n ** 18n - 1n)).to.equal(9_999_999_999n * 10n ** 8n);
      expect(floorFloat40(MAX_U128)).to.equal(34_028_236_692n * 10n ** 28n);
      expect(floorFloat40(MAX_FLOAT40 + 1n)).to.equal(MAX_FLOAT40);
      expect(floorFloat40(10n ** 60n)).to.equal(MAX_FLOAT40);
    });

    it("rounds an amount just above 2^35 · 10^(e-1) down to (2^35 - 1) · 10^(e-1)", function () {
      expect(floorFloat40(MANTISSA_LIMIT)).to.equal(MAX_MANTISSA);
      expect(floorFloat40(MANTISSA_LIMIT + 1n)).to.equal(MAX_MANTISSA);
      for (let e = 1n; e <= 31n; e++) {
        const amount = MANTISSA_LIMIT * 10n ** (e - 1n);
        expect(floorFloat40(amount), `2^35 · 10^${e - 1n}`).to.equal(MAX_MANTISSA * 10n ** (e - 1n));
      }
    });

    it("equals a brute-force floor over every exponent for 300 random amounts up to 2^140", function () {
      assertProperty(
        fc.property(uintUpToBits(140), (amount) => {
          const floor = floorFloat40(amount);
          expect(floor, `${amount}`).to.equal(naiveFloor(amount));
          expect(floor <= amount).to.equal(true);
          expect(isFloat40(floor), `${floor}`).to.equal(true);
        }),
        { runs: 300 },
      );
    });
  });
});
