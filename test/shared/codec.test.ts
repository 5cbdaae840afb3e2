import { expect } from "chai";
import { hexlify } from "ethers";
import {
  AmountNotRepresentableError,
  CodecError,
  MAX_U128,
  MAX_U32,
  MAX_U64,
  TX_BYTES,
  TX_KIND_BYTE,
  decodeTx,
  decodeTxAt,
  decodeTxs,
  encodeTx,
  encodeTxs,
} from "../../src/shared";
import type { DepositTx, L2Tx, TransferTx, WithdrawTx } from "../../src/shared";
import fc from "fast-check";
import { anyDepositTx, anyTransferTx, anyTx, anyWithdrawTx } from "../helpers/arbitraries";
import { assertProperty } from "../helpers/property";

const hexToBytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ""), "hex"));

// One hand-built transaction of each kind, with its wire bytes written out field by field.
const R = "0x" + "11".repeat(32);
const VS = "0x" + "a2".repeat(32);
const SIGNATURE = R + VS.slice(2);

const TRANSFER: TransferTx = {
  kind: "transfer",
  from: 0x01020304,
  to: 0xa0b0c0d0,
  amount: 10n ** 18n, // float40: mantissa 10^10 = 0x2540be400, exponent 8 → 0x42540be400
  signature: SIGNATURE,
};
const TRANSFER_BYTES =
  "0x" + ["02", "01020304", "a0b0c0d0", "42540be400", "11".repeat(32), "a2".repeat(32)].join("");

const DEPOSIT: DepositTx = {
  kind: "deposit",
  accountHint: 7,
  deposit: {
    from: "0x" + "f1".repeat(20),
    to: "0x" + "e2".repeat(32),
    tokenId: 0x0badf00d,
    amount: 10n ** 18n, // 0x0de0b6b3a7640000
    timestamp: 1_700_000_000n, // 0x6553f100
  },
};
const DEPOSIT_BYTES =
  "0x" +
  [
    "01",
    "00000007",
    "f1".repeat(20),
    "e2".repeat(32),
    "0badf00d",
    "00000000000000000de0b6b3a7640000",
    "000000006553f100",
  ].join("");

const WITHDRAW: WithdrawTx = {
  kind: "withdraw",
  from: MAX_U32,
  recipient: "0x" + "c3".repeat(20),
  amount: 12_345n, // float40: mantissa 12345 = 0x3039, exponent 0
  signature: SIGNATURE,
};
const WITHDRAW_BYTES =
  "0x" + ["03", "ffffffff", "c3".repeat(20), "0000003039", "11".repeat(32), "a2".repeat(32)].join("");

describe("codec", function () {
  describe("encodeTx", function () {
    it("writes a transfer as kind ‖ from ‖ to ‖ float40 amount ‖ r ‖ yParityAndS, byte for byte", function () {
      expect(hexlify(encodeTx(TRANSFER))).to.equal(TRANSFER_BYTES);
    });

    it("writes a deposit as kind ‖ hint ‖ from ‖ to ‖ tokenId ‖ u128 amount ‖ u64 timestamp, byte for byte", function () {
      expect(hexlify(encodeTx(DEPOSIT))).to.equal(DEPOSIT_BYTES);
    });

    it("writes a withdrawal as kind ‖ from ‖ recipient ‖ float40 amount ‖ r ‖ yParityAndS, byte for byte", function () {
      expect(hexlify(encodeTx(WITHDRAW))).to.equal(WITHDRAW_BYTES);
    });

    it("makes a deposit 85 bytes, a transfer 78 and a withdrawal 94, led by kind byte 1, 2 and 3", function () {
      expect(TX_BYTES).to.deep.equal({ deposit: 85, transfer: 78, withdraw: 94 });
      expect(TX_KIND_BYTE).to.deep.equal({ deposit: 1, transfer: 2, withdraw: 3 });
      assertProperty(
        fc.property(anyTx, (tx) => {
          const bytes = encodeTx(tx);
          expect(bytes.length).to.equal({ deposit: 85, transfer: 78, withdraw: 94 }[tx.kind]);
          expect(bytes[0]).to.equal({ deposit: 1, transfer: 2, withdraw: 3 }[tx.kind]);
        }),
        { runs: 30 },
      );
    });

    it("accepts checksummed addresses; the decoder returns them in lower case", function () {
      const from = "0x" + "Ab".repeat(20);
      const tx: DepositTx = { ...DEPOSIT, deposit: { ...DEPOSIT.deposit, from } };
      expect((decodeTx(encodeTx(tx)) as DepositTx).deposit.from).to.equal(from.toLowerCase());
    });

    describe("errors", function () {
      const indexCases: [string, number][] = [
        ["-1", -1],
        ["2^32", 2 ** 32],
        ["1.5", 1.5],
        ["NaN", NaN],
      ];
      for (const [label, index] of indexCases) {
        it(`throws CodecError for an account index of ${label}`, function () {
          const placed: [L2Tx, string][] = [
            [{ ...TRANSFER, from: index }, "from"],
            [{ ...TRANSFER, to: index }, "to"],
            [{ ...WITHDRAW, from: index }, "from"],
            [{ ...DEPOSIT, accountHint: index }, "accountHint"],
          ];
          for (const [tx, field] of placed) {
            expect(() => encodeTx(tx)).to.throw(CodecError, `${field} must be an account index`);
          }
        });
      }

      it("accepts the largest account index, 2^32 - 1", function () {
        const tx: TransferTx = { ...TRANSFER, from: MAX_U32, to: MAX_U32 };
        expect(decodeTx(encodeTx(tx))).to.deep.equal(tx);
      });

      const hexCases: [string, L2Tx][] = [
        [
          "a 19-byte deposit sender",
          { ...DEPOSIT, deposit: { ...DEPOSIT.deposit, from: "0x" + "f1".repeat(19) } },
        ],
        [
          "a 21-byte deposit sender",
          { ...DEPOSIT, deposit: { ...DEPOSIT.deposit, from: "0x" + "f1".repeat(21) } },
        ],
        [
          "a 31-byte deposit owner",
          { ...DEPOSIT, deposit: { ...DEPOSIT.deposit, to: "0x" + "e2".repeat(31) } },
        ],
        [
          "a 20-byte deposit owner",
          { ...DEPOSIT, deposit: { ...DEPOSIT.deposit, to: "0x" + "e2".repeat(20) } },
        ],
        ["a 65-byte signature", { ...TRANSFER, signature: SIGNATURE + "1b" }],
        ["a 63-byte signature", { ...TRANSFER, signature: SIGNATURE.slice(0, -2) }],
        ["an empty signature", { ...WITHDRAW, signature: "0x" }],
        ["a 19-byte recipient", { ...WITHDRAW, recipient: "0x" + "c3".repeat(19) }],
        ["a 32-byte recipient", { ...WITHDRAW, recipient: "0x" + "c3".repeat(32) }],
      ];
      for (const [label, tx] of hexCases) {
        it(`throws CodecError for ${label}`, function () {
          expect(() => encodeTx(tx)).to.throw(CodecError, "bytes of hex");
        });
      }

      const fieldCases: [string, DepositTx][] = [
        ["a token id of 2^32", { ...DEPOSIT, deposit: { ...DEPOSIT.deposit, tokenId: 2 ** 32 } }],
        ["a deposit of 2^128", { ...DEPOSIT, deposit: { ...DEPOSIT.deposit, amount: MAX_U128 + 1n } }],
        ["a negative deposit", { ...DEPOSIT, deposit: { ...DEPOSIT.deposit, amount: -1n } }],
        ["a timestamp of 2^64", { ...DEPOSIT, deposit: { ...DEPOSIT.deposit, timestamp: MAX_U64 + 1n } }],
      ];
      for (const [label, tx] of fieldCases) {
        it(`throws CodecError for ${label}`, function () {
          expect(() => encodeTx(tx)).to.throw(CodecError, "does not fit in");
        });
      }

      for (const amount of [(1n << 35n) + 1n, 10n ** 18n + 1n, MAX_U128, -1n]) {
        it(`throws AmountNotRepresentableError for a transfer or withdrawal of ${amount}`, function () {
          expect(() => encodeTx({ ...TRANSFER, amount })).to.throw(AmountNotRepresentableError);
          expect(() => encodeTx({ ...WITHDRAW, amount })).to.throw(AmountNotRepresentableError);
        });
      }

      it("throws CodecError for a signature or a recipient that is not hex", function () {
        expect(() => encodeTx({ ...TRANSFER, signature: "0x" + "zz".repeat(64) })).to.throw(CodecError);
        expect(() => encodeTx({ ...WITHDRAW, recipient: "0x" + "1z".repeat(20) })).to.throw(CodecError);
      });
    });
  });

  describe("decodeTx", function () {
    it("reads back the hand-built transfer, deposit and withdrawal, from bytes or from hex", function () {
      expect(decodeTx(TRANSFER_BYTES)).to.deep.equal(TRANSFER);
      expect(decodeTx(hexToBytes(TRANSFER_BYTES))).to.deep.equal(TRANSFER);
      expect(decodeTx(DEPOSIT_BYTES)).to.deep.equal(DEPOSIT);
      expect(decodeTx(WITHDRAW_BYTES)).to.deep.equal(WITHDRAW);
    });

    for (const [kind, arbitrary] of [
      ["deposit", anyDepositTx],
      ["transfer", anyTransferTx],
      ["withdraw", anyWithdrawTx],
    ] as const) {
      it(`round-trips 100 random ${kind} transactions`, function () {
        assertProperty(
          fc.property(arbitrary as fc.Arbitrary<L2Tx>, (tx) => {
            const bytes = encodeTx(tx);
            expect(decodeTx(bytes)).to.deep.equal(tx);
            expect(decodeTx(hexlify(bytes))).to.deep.equal(tx);
            expect(hexlify(encodeTx(decodeTx(bytes)))).to.equal(hexlify(bytes));
          }),
          { runs: 100 },
        );
      });
    }

    it("round-trips the largest float40 amount, which exceeds 2^128 - 1", function () {
      const amount = ((1n << 35n) - 1n) * 10n ** 31n;
      const tx: TransferTx = { ...TRANSFER, amount };
      expect(hexlify(encodeTx(tx)).slice(2 + 2 * 9, 2 + 2 * 14)).to.equal("ffffffffff");
      expect(decodeTx(encodeTx(tx))).to.deep.equal(tx);
    });

    describe("errors", function () {
      for (const kind of [0x00, 0x04, 0xff]) {
        it(`throws CodecError for the unknown kind byte 0x${kind.toString(16)}`, function () {
          const bytes = hexToBytes(TRANSFER_BYTES);
          bytes[0] = kind;
          expect(() => decodeTx(bytes)).to.throw(CodecError, "unknown transaction kind");
        });
      }

      it("throws CodecError for empty input", function () {
        expect(() => decodeTx(new Uint8Array(0))).to.throw(CodecError, "unknown transaction kind");
        expect(() => decodeTx("0x")).to.throw(CodecError, "unknown transaction kind");
      });

      for (const [kind, hex] of [
        ["deposit", DEPOSIT_BYTES],
        ["transfer", TRANSFER_BYTES],
        ["withdraw", WITHDRAW_BYTES],
      ]) {
        it(`throws CodecError for a ${kind} one byte short, or only its kind byte`, function () {
          expect(() => decodeTx(hex.slice(0, -2))).to.throw(CodecError, `truncated ${kind} at byte 0`);
          expect(() => decodeTx(hex.slice(0, 4))).to.throw(CodecError, `truncated ${kind} at byte 0`);
        });

        it(`throws CodecError for a ${kind} followed by trailing bytes`, function () {
          expect(() => decodeTx(hex + "00")).to.throw(CodecError, `1 trailing bytes after a ${kind}`);
          expect(() => decodeTx(hex + hex.slice(2))).to.throw(CodecError, "trailing bytes");
        });
      }

      it("throws CodecError for a hex string of odd length, without the 0x prefix or not hex", function () {
        expect(() => decodeTx(TRANSFER_BYTES + "5")).to.throw(CodecError);
        expect(() => decodeTx(TRANSFER_BYTES.slice(2))).to.throw(CodecError);
        expect(() => decodeTx("0xzz")).to.throw(CodecError);
      });
    });
  });

  describe("decodeTxAt", function () {
    it("decodes the transaction at an offset and returns the offset just past it", function () {
      const bytes = hexToBytes("0xdead" + TRANSFER_BYTES.slice(2) + "beef");
      const { tx, next } = decodeTxAt(bytes, 2);
      expect(tx).to.deep.equal(TRANSFER);
      expect(next).to.equal(2 + 78);
    });
  });

  describe("encodeTxs / decodeTxs", function () {
    it("concatenates the encodings back to back", function () {
      const bytes = encodeTxs([DEPOSIT, TRANSFER, WITHDRAW]);
      expect(hexlify(bytes)).to.equal(
        "0x" + [DEPOSIT_BYTES, TRANSFER_BYTES, WITHDRAW_BYTES].map((h) => h.slice(2)).join(""),
      );
      expect(decodeTxs(bytes)).to.deep.equal([DEPOSIT, TRANSFER, WITHDRAW]);
    });

    it("round-trips 20 random mixed sequences of up to 30 transactions", function () {
      assertProperty(
        fc.property(fc.array(anyTx, { maxLength: 30 }), (txs) => {
          const bytes = encodeTxs(txs);
          expect(bytes.length).to.equal(txs.reduce((n, tx) => n + TX_BYTES[tx.kind], 0));
          expect(decodeTxs(bytes)).to.deep.equal(txs);
        }),
        { runs: 20 },
      );
    });

    it("encodes an empty sequence as no bytes and decodes no bytes as no transactions", function () {
      expect(encodeTxs([]).length).to.equal(0);
      expect(decodeTxs(new Uint8Array(0))).to.deep.equal([]);
    });

    it("throws CodecError when the last transaction is truncated", function () {
      const bytes = encodeTxs([DEPOSIT, TRANSFER, WITHDRAW]);
      expect(() => decodeTxs(bytes.subarray(0, bytes.length - 1))).to.throw(
        CodecError,
        "truncated withdraw at byte 163",
      );
    });

    it("throws CodecError for an unknown kind in the middle of a sequence", function () {
      const bytes = encodeTxs([DEPOSIT, TRANSFER, WITHDRAW]);
      bytes[85] = 0x09;
      expect(() => decodeTxs(bytes)).to.throw(CodecError, "unknown transaction kind 0x9 at 85");
    });

    it("throws CodecError for a trailing byte after the last transaction", function () {
      const bytes = Uint8Array.from([...encodeTxs([TRANSFER]), 0x02]);
      expect(() => decodeTxs(bytes)).to.throw(CodecError, "truncated transfer at byte 78");
    });

    it("does not encode anything when one transaction of the sequence is invalid", function () {
      expect(() => encodeTxs([DEPOSIT, { ...TRANSFER, amount: 10n ** 18n + 1n }])).to.throw(
        AmountNotRepresentableError,
      );
    });
  });
});
