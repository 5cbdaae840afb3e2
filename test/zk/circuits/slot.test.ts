import { expect } from "chai";
import { encodeFloat40 } from "../../../src/shared/float40";
import { slotElement } from "../../../src/zk/pubdata";
import type { DepositData } from "../../../src/shared/types";
import type { ZkPublishedTx } from "../../../src/zk/types";
import { SLOT_OFFSET } from "../../../src/zk/types";
import type { CircuitInput } from "./harness";
import { SNARK_FIELD, testMain, useTestCircuit } from "./harness";

// SlotDecode with every output compared to a claimed value.
const SOURCE = testMain(
  ["lib/slot.circom"],
  "component main = SlotDecodeTest();",
  `template SlotDecodeTest() {
    signal input slot;      // the slot element
    signal input kind;      // claimed kind code 0..3
    signal input a;         // claimed field a
    signal input b;         // claimed field b
    signal input token;     // claimed token
    signal input amount;    // claimed decoded amount
    signal input forced;    // claimed forced bit
    signal input effective; // claimed effective bit
    signal input refund;    // claimed refund bit
    component decode = SlotDecode();
    decode.slot <== slot;
    decode.isDeposit + 2 * decode.isTransfer + 3 * decode.isWithdraw === kind;
    decode.isNoop + decode.isDeposit + decode.isTransfer + decode.isWithdraw === 1;
    decode.a === a;
    decode.b === b;
    decode.token === token;
    decode.amount === amount;
    decode.forced === forced;
    decode.effective === effective;
    decode.refund === refund;
}`,
);

const OWNER = (1n << 160n) - 12345n;
const RECIPIENT = "0x00000000000000000000000000000000000000aB";
const deposit: ZkPublishedTx = {
  kind: "deposit",
  account: 7,
  deposit: {
    from: RECIPIENT,
    to: "0x" + OWNER.toString(16).padStart(64, "0"),
    tokenId: 65535,
    amount: 15n * 10n ** 17n,
    timestamp: 0n,
  },
};
const transfer: ZkPublishedTx = { kind: "transfer", from: 2 ** 32 - 1, to: 3, amount: 123n };
const withdraw: ZkPublishedTx = {
  kind: "withdraw",
  from: 1,
  recipient: RECIPIENT,
  tokenId: 9,
  amount: 10n ** 18n,
};
const forcedRequest = {
  index: 0,
  requester: RECIPIENT,
  account: 2 ** 32 - 1,
  owner: OWNER,
  tokenId: 2 ** 16 - 1,
  amount: 10n ** 18n,
  requestedAt: 0n,
};
const forcedEffective: ZkPublishedTx = { kind: "forced", request: forcedRequest, effective: true };
const forcedNullified: ZkPublishedTx = { kind: "forced", request: forcedRequest, effective: false };
const refund: ZkPublishedTx = { kind: "refund", deposit: (deposit as { deposit: DepositData }).deposit };
const FORCED_BIT = 1n << BigInt(SLOT_OFFSET.forced);
const EFFECTIVE_BIT = 1n << BigInt(SLOT_OFFSET.effective);
const REFUND_BIT = 1n << BigInt(SLOT_OFFSET.refund);

/** The claimed decoding of `tx`, with its slot element. */
function decoded(tx: ZkPublishedTx | undefined): CircuitInput {
  const slot = slotElement(tx);
  const flags = { forced: 0, effective: 0, refund: 0 };
  switch (tx?.kind) {
    case undefined:
      return { slot, kind: 0, a: 0, b: 0, token: 0, amount: 0, ...flags };
    case "deposit":
      return {
        slot,
        kind: 1,
        a: tx.account,
        b: BigInt(tx.deposit.to),
        token: tx.deposit.tokenId,
        amount: tx.deposit.amount,
        ...flags,
      };
    case "refund":
      return {
        slot,
        kind: 1,
        a: 0,
        b: BigInt(tx.deposit.to),
        token: tx.deposit.tokenId,
        amount: tx.deposit.amount,
        ...flags,
        refund: 1,
      };
    case "transfer":
      return { slot, kind: 2, a: tx.from, b: tx.to, token: 0, amount: tx.amount, ...flags };
    case "withdraw":
      return {
        slot,
        kind: 3,
        a: tx.from,
        b: BigInt(tx.recipient),
        token: tx.tokenId,
        amount: tx.amount,
        ...flags,
      };
    case "forced": {
      const r = tx.request;
      const effective = tx.effective ? 1 : 0;
      return {
        slot,
        kind: 3,
        a: r.account,
        b: r.owner,
        token: r.tokenId,
        amount: r.amount,
        ...flags,
        forced: 1,
        effective,
      };
    }
  }
}

describe("SlotDecode (circuit)", function () {
  const circuit = useTestCircuit("slot-decode", SOURCE);

  it("decodes a noop (0)", async function () {
    await circuit().expectPass(decoded(undefined));
  });

  it("decodes a deposit with the widest owner and token", async function () {
    await circuit().expectPass(decoded(deposit));
  });

  it("decodes a transfer from the largest u32 index", async function () {
    await circuit().expectPass(decoded(transfer));
  });

  it("decodes a withdrawal", async function () {
    await circuit().expectPass(decoded(withdraw));
  });

  it("decodes a forced withdrawal, effective (bits 250 and 251 set)", async function () {
    const input = decoded(forcedEffective);
    expect(input.slot).to.equal(slotElement(withdrawOf(forcedRequest)) + FORCED_BIT + EFFECTIVE_BIT);
    await circuit().expectPass(input);
  });

  it("decodes a forced withdrawal, nullified (bit 250 set, bit 251 clear)", async function () {
    await circuit().expectPass(decoded(forcedNullified));
  });

  it("decodes a refunded deposit (bit 252 set, account 0)", async function () {
    const input = decoded(refund);
    expect(input.slot).to.equal(
      slotElement({ ...(deposit as { kind: "deposit" }), account: 0 } as ZkPublishedTx) + REFUND_BIT,
    );
    await circuit().expectPass(input);
  });

  it("fails on a refunded withdrawal (the refund bit on another kind than deposit)", async function () {
    const input = decoded(withdraw);
    await circuit().expectFail(
      { ...input, slot: (input.slot as bigint) + REFUND_BIT, refund: 1 },
      /SlotDecode_/,
    );
  });

  it("fails on a refund naming an account (a refund must name account 0)", async function () {
    const input = decoded(deposit);
    await circuit().expectFail(
      { ...input, slot: (input.slot as bigint) + REFUND_BIT, refund: 1 },
      /SlotDecode_/,
    );
  });

  it("fails on a forced deposit (the forced bit on another kind than withdraw)", async function () {
    const input = decoded(deposit);
    await circuit().expectFail(
      { ...input, slot: (input.slot as bigint) + FORCED_BIT, forced: 1 },
      /SlotDecode_/,
    );
  });

  it("fails on a forced transfer", async function () {
    const input = decoded(transfer);
    await circuit().expectFail(
      { ...input, slot: (input.slot as bigint) + FORCED_BIT, forced: 1 },
      /SlotDecode_/,
    );
  });

  it("fails on an effective bit without the forced bit (a signed withdrawal)", async function () {
    const input = decoded(withdraw);
    await circuit().expectFail(
      { ...input, slot: (input.slot as bigint) + EFFECTIVE_BIT, effective: 1 },
      /SlotDecode_/,
    );
  });

  it("fails on a noop kind carrying an amount (a padding slot moving funds)", async function () {
    const slot = encodeFloat40(100n) << BigInt(SLOT_OFFSET.amount);
    await circuit().expectFail(
      { slot, kind: 0, a: 0, b: 0, token: 0, amount: 100n, forced: 0, effective: 0, refund: 0 },
      /SlotDecode_/,
    );
  });

  it("fails on a noop kind with a non-zero account field", async function () {
    const slot = 5n << BigInt(SLOT_OFFSET.a);
    await circuit().expectFail(
      { slot, kind: 0, a: 5, b: 0, token: 0, amount: 0, forced: 0, effective: 0, refund: 0 },
      /SlotDecode_/,
    );
  });

  it("fails on a transfer with a non-zero token field", async function () {
    const input = decoded(transfer);
    const slot = (input.slot as bigint) + (1n << BigInt(SLOT_OFFSET.token));
    await circuit().expectFail({ ...input, slot, token: 1 }, /SlotDecode_/);
  });

  it("fails on a slot element of 2^253 or more", async function () {
    const input = decoded(forcedEffective);
    await circuit().expectFail({ ...input, slot: (input.slot as bigint) + (1n << 253n) }, /Num2Bits/);
  });

  it("fails on a field element that is no slot (p - 1)", async function () {
    await circuit().expectFail({ ...decoded(undefined), slot: SNARK_FIELD - 1n }, /Num2Bits/);
  });

  it("fails when a field is claimed from the wrong offset (b read as a)", async function () {
    const input = decoded(transfer);
    await circuit().expectFail({ ...input, a: input.b }, /SlotDecodeTest/);
  });

  it("fails when the kind is misread (a withdrawal as a transfer)", async function () {
    await circuit().expectFail({ ...decoded(withdraw), kind: 2 }, /SlotDecodeTest/);
  });

  it("detects a tampered witness (the deposit flag changed)", async function () {
    const witness = await circuit().expectPass(decoded(withdraw));
    const tampered = [...witness];
    tampered[circuit().wire("main.decode.isDeposit")] = 1n;
    expect(circuit().firstViolation(tampered)).to.be.greaterThanOrEqual(0);
  });
});

/** The signed-withdrawal body with a forced request's fields (the same slot, without the flag bits). */
function withdrawOf(r: typeof forcedRequest): ZkPublishedTx {
  const recipient = "0x" + r.owner.toString(16).padStart(40, "0");
  return { kind: "withdraw", from: r.account, recipient, tokenId: r.tokenId, amount: r.amount };
}
