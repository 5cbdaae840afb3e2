// fast-check arbitraries of the Layer-2 data the tests draw from: amounts, accounts, transactions.
import fc from "fast-check";
import type { Account, DepositData, DepositTx, L2Tx, TransferTx, WithdrawTx } from "../../src/shared";
import { edgyNumber, edgyUint, hexBytes } from "./property";

/** A float40 amount: a mantissa of 1 to 35 random bits times a power of ten up to 10^31 (so sometimes above 2^128). */
export const float40Amount: fc.Arbitrary<bigint> = fc
  .tuple(
    fc.integer({ min: 1, max: 35 }).chain((bits) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n })),
    fc.integer({ min: 0, max: 31 }),
  )
  .map(([mantissa, exponent]) => mantissa * 10n ** BigInt(exponent));

/** An account: a random owner, token, 128-bit balance and nonce. */
export const anyAccount: fc.Arbitrary<Account> = fc.record({
  owner: hexBytes(32),
  tokenId: edgyNumber(32),
  balance: edgyUint(128),
  nonce: edgyNumber(32),
});

/** A deposit's data: any sender, recipient, token, 128-bit amount and 64-bit timestamp (edges included). */
export const anyDeposit: fc.Arbitrary<DepositData> = fc.record({
  from: hexBytes(20),
  to: hexBytes(32),
  tokenId: edgyNumber(32),
  amount: edgyUint(128),
  timestamp: edgyUint(64),
});

export const anyDepositTx: fc.Arbitrary<DepositTx> = fc.record({
  kind: fc.constant("deposit" as const),
  accountHint: edgyNumber(32),
  deposit: anyDeposit,
});

export const anyTransferTx: fc.Arbitrary<TransferTx> = fc.record({
  kind: fc.constant("transfer" as const),
  from: edgyNumber(32),
  to: edgyNumber(32),
  amount: float40Amount,
  signature: hexBytes(64),
});

export const anyWithdrawTx: fc.Arbitrary<WithdrawTx> = fc.record({
  kind: fc.constant("withdraw" as const),
  from: edgyNumber(32),
  recipient: hexBytes(20),
  amount: float40Amount,
  signature: hexBytes(64),
});

/** A transaction of any kind, with any fields the encoding carries. */
export const anyTx: fc.Arbitrary<L2Tx> = fc.oneof(anyDepositTx, anyTransferTx, anyWithdrawTx);
