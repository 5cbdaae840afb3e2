import { SNARK_FIELD, testMain, useTestCircuit } from "./harness";

const SOURCE = testMain(["lib/range.circom"], "component main = RangeCheck(128);");

describe("RangeCheck (circuit)", function () {
  const circuit = useTestCircuit("range-check-128", SOURCE);

  it("accepts 0", async function () {
    await circuit().expectPass({ in: 0n });
  });

  it("accepts 2^128 - 1", async function () {
    await circuit().expectPass({ in: (1n << 128n) - 1n });
  });

  it("rejects 2^128 (a balance overflowing by one)", async function () {
    await circuit().expectFail({ in: 1n << 128n }, /Num2Bits/);
  });

  it("rejects -1 (p - 1: a balance one below zero)", async function () {
    await circuit().expectFail({ in: SNARK_FIELD - 1n }, /Num2Bits/);
  });

  it("rejects -(2^139) (an overdraft by the largest float40)", async function () {
    await circuit().expectFail({ in: SNARK_FIELD - (1n << 139n) }, /Num2Bits/);
  });
});
