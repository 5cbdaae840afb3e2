import { expect } from "chai";
import { decodeFloat40, FLOAT40_MANTISSA_BITS } from "../../../src/shared/float40";
import { SNARK_FIELD, testMain, useTestCircuit } from "./harness";

const pack = (mantissa: bigint, exponent: bigint): bigint => (exponent << FLOAT40_MANTISSA_BITS) | mantissa;
const MAX_MANTISSA = (1n << FLOAT40_MANTISSA_BITS) - 1n;

// Float40Decode with its result compared to a claimed amount, so a wrong decoding is a failed assert.
const SOURCE = testMain(
  ["lib/float40.circom"],
  "component main = Float40DecodeTest();",
  `template Float40DecodeTest() {
    signal input packed;  // the float40
    signal input amount;  // the claimed decoded amount
    component decode = Float40Decode();
    decode.packed <== packed;
    decode.amount === amount;
}`,
);

describe("Float40Decode (circuit)", function () {
  const circuit = useTestCircuit("float40-decode", SOURCE);

  const cases: [string, bigint][] = [
    ["zero", 0n],
    ["one", 1n],
    ["the largest mantissa at exponent 0", pack(MAX_MANTISSA, 0n)],
    ["a round amount (1.5 ether)", pack(15n, 17n)],
    ["the largest float40", pack(MAX_MANTISSA, 31n)],
    ["every exponent bit set once", pack(12345n, 0b10101n)],
  ];
  for (const [what, packed] of cases) {
    it(`decodes ${what}`, async function () {
      await circuit().expectPass({ packed, amount: decodeFloat40(packed) });
    });
  }

  it("fails when the claimed amount is off by one", async function () {
    const packed = pack(15n, 17n);
    await circuit().expectFail({ packed, amount: decodeFloat40(packed) + 1n }, /Float40DecodeTest/);
  });

  it("fails when the exponent is read as a plain integer (m + e·2^35)", async function () {
    const packed = pack(7n, 3n);
    await circuit().expectFail({ packed, amount: packed }, /Float40DecodeTest/);
  });

  it("fails when the mantissa and exponent are swapped", async function () {
    await circuit().expectFail({ packed: pack(3n, 7n), amount: 7n * 10n ** 3n }, /Float40DecodeTest/);
  });

  it("fails when the packed value has a 41st bit", async function () {
    const packed = 1n << 40n;
    await circuit().expectFail({ packed, amount: 0n }, /Num2Bits/);
  });

  it("fails on a negative packed value (p - 1)", async function () {
    await circuit().expectFail({ packed: SNARK_FIELD - 1n, amount: 0n }, /Num2Bits/);
  });

  it("fails on the largest float40 plus 2^40 (an alias of it modulo 2^40)", async function () {
    const packed = pack(MAX_MANTISSA, 31n) + (1n << 40n);
    await circuit().expectFail({ packed, amount: decodeFloat40(pack(MAX_MANTISSA, 31n)) }, /Num2Bits/);
  });

  it("detects a tampered witness (the decoded amount changed after the fact)", async function () {
    const packed = pack(15n, 17n);
    const witness = await circuit().expectPass({ packed, amount: decodeFloat40(packed) });
    const tampered = [...witness];
    tampered[circuit().wire("main.amount")] += 1n;
    expect(circuit().firstViolation(tampered)).to.be.greaterThanOrEqual(0);
  });
});
