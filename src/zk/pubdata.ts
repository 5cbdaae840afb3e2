/**
 * The zk rollup's public data, mirrored by `contracts/zk/lib/Pubdata.sol` and `Slot.sol`:
 * - the slot element of each transaction (one field element, the proof's public input per slot);
 * - the compact pubdata a batch publishes as calldata (deposit 5 B, transfer 14 B, withdraw 32 B,
 *   forced withdrawal 2 B, refund 1 B);
 * - the public inputs of a batch, `[oldRoot, newRoot, feeRecipient, slot[0], …, slot[B-1]]`.
 * Layouts: `docs/zk.md`.
 */
import { getAddress, isAddress } from "ethers";
import { StrataError } from "../common/errors";
import { bytesToHex, writeUint } from "../shared/bytes";
import { decodeFloat40, encodeFloat40, isFloat40 } from "../shared/float40";
import type { DepositData } from "../shared/types";
import type {
  ZkDepositTx,
  ZkForcedRequest,
  ZkForcedTx,
  ZkKindCode,
  ZkPublishedTx,
  ZkRefundTx,
  ZkTransferBody,
  ZkWithdrawBody,
} from "./types";
import { PUBDATA_BYTES, PUBDATA_KIND, SLOT_BITS, SLOT_KIND, SLOT_OFFSET } from "./types";

/** A value does not fit its field of a slot element or of the pubdata. */
export class ZkFieldWidthError extends StrataError {
  constructor(
    readonly field: string,
    readonly value: bigint,
    readonly bits: number,
    options?: { cause?: unknown },
  ) {
    super(`${field} = ${value} does not fit in ${bits} bits`, options);
  }
}

/** Compact pubdata that no batch could carry: truncated, an unknown kind, or more than fit. */
export class ZkPubdataError extends StrataError {}

/** A batch's deposit slots and the deposits it consumes do not pair up one to one, in order. */
export class ZkDepositMismatchError extends StrataError {}

/** A batch's forced-withdrawal slots find no Layer-1 request left to match, in order. */
export class ZkForcedMismatchError extends StrataError {}

/** More transactions than a batch has slots. */
export class ZkBatchTooLargeError extends StrataError {}

/** A batch's fee recipient is not a Layer-1 address, or is the zero address (the contract refuses it). */
export class ZkFeeRecipientError extends StrataError {}

function checkWidth(field: string, value: bigint, bits: number): bigint {
  if (value < 0n || value >= 1n << BigInt(bits)) throw new ZkFieldWidthError(field, value, bits);
  return value;
}

/** The packed float40 of `amount`, or a `ZkFieldWidthError` naming `field` if none equals it. */
function packAmount(field: string, amount: bigint): bigint {
  try {
    return encodeFloat40(amount);
  } catch (cause) {
    throw new ZkFieldWidthError(field, amount, SLOT_BITS.amount, { cause });
  }
}

/** Packs the five fields of a slot element, each checked against its width. */
function packSlot(kind: ZkKindCode, a: bigint, b: bigint, token: bigint, amount: bigint): bigint {
  return (
    checkWidth("kind", BigInt(kind), SLOT_BITS.kind) +
    (checkWidth("a", a, SLOT_BITS.a) << BigInt(SLOT_OFFSET.a)) +
    (checkWidth("b", b, SLOT_BITS.b) << BigInt(SLOT_OFFSET.b)) +
    (checkWidth("token", token, SLOT_BITS.token) << BigInt(SLOT_OFFSET.token)) +
    (checkWidth("amount", amount, SLOT_BITS.amount) << BigInt(SLOT_OFFSET.amount))
  );
}

/**
 * Whether the circuit can carry `deposit` into an account: its owner fits 160 bits, its token id 16 bits
 * and its amount is a float40 (the bridge's amounts are uint128, so a new account's balance always fits).
 * Any other consumed deposit is refunded by the contract and takes no slot.
 */
export function isCarriable(deposit: DepositData): boolean {
  return (
    BigInt(deposit.to) < 1n << BigInt(SLOT_BITS.b) &&
    deposit.tokenId >= 0 &&
    deposit.tokenId < 2 ** SLOT_BITS.token &&
    isFloat40(deposit.amount)
  );
}

/**
 * The slot element of `tx` (undefined: a noop, 0):
 * `kind + a·2^2 + b·2^34 + token·2^194 + float40(amount)·2^210 + forced·2^250 + effective·2^251
 * + refund·2^252`.
 * @throws ZkFieldWidthError if a field does not fit its width (or an amount is not a float40).
 */
export function slotElement(tx: ZkPublishedTx | undefined): bigint {
  if (tx === undefined) return 0n;
  const [a, b, token, amount] = slotFields(tx);
  const slot = packSlot(
    SLOT_KIND[tx.kind],
    BigInt(a),
    BigInt(b),
    BigInt(token),
    packAmount("amount", amount),
  );
  if (tx.kind === "refund") return slot + (1n << BigInt(SLOT_OFFSET.refund));
  if (tx.kind !== "forced") return slot;
  const effective = tx.effective ? 1n << BigInt(SLOT_OFFSET.effective) : 0n;
  return slot + (1n << BigInt(SLOT_OFFSET.forced)) + effective;
}

/** A transaction's slot fields `a`, `b`, `token` and `amount` (a transfer's token is 0: its accounts'). */
function slotFields(tx: ZkPublishedTx): [number, number | string | bigint, number, bigint] {
  switch (tx.kind) {
    case "deposit":
      return [tx.account, tx.deposit.to, tx.deposit.tokenId, tx.deposit.amount];
    case "refund":
      return [0, tx.deposit.to, tx.deposit.tokenId, tx.deposit.amount];
    case "transfer":
      return [tx.from, tx.to, 0, tx.amount];
    case "withdraw":
      return [tx.from, tx.recipient, tx.tokenId, tx.amount];
    case "forced":
      return [tx.request.account, tx.request.owner, tx.request.tokenId, tx.request.amount];
  }
}

/**
 * The id a forced-withdrawal request is known by where a spend is known by its message hash (events,
 * `located`): 2^255 + its queue index, never a field element, so never a spend's hash.
 */
export function forcedRequestId(index: number): string {
  return "0x" + ((1n << 255n) + BigInt(index)).toString(16);
}

/**
 * The proof's public inputs for a batch of `txs` whose fees go to `feeRecipient` (a Layer-1 address):
 * `[oldRoot, newRoot, feeRecipient, slot[0], …, slot[batchSize-1]]`, the slots after the transactions
 * being noops (0).
 * @throws ZkBatchTooLargeError if there are more transactions than slots.
 */
export function publicInputs(
  oldRoot: bigint,
  newRoot: bigint,
  feeRecipient: string,
  txs: readonly ZkPublishedTx[],
  batchSize: number,
): bigint[] {
  if (txs.length > batchSize) {
    throw new ZkBatchTooLargeError(`${txs.length} transactions do not fit in a batch of ${batchSize}`);
  }
  const slots = Array.from({ length: batchSize }, (_, i) => slotElement(txs[i]));
  return [oldRoot, newRoot, feeRecipientElement(feeRecipient), ...slots];
}

/**
 * The public input a batch's fee recipient is: its Layer-1 address as a number (below 2^160).
 * @throws ZkFeeRecipientError if it is not an address, or is the zero address (`submitBatch` refuses it).
 */
export function feeRecipientElement(feeRecipient: string): bigint {
  if (!isAddress(feeRecipient))
    throw new ZkFeeRecipientError(`fee recipient ${feeRecipient} is not an address`);
  const element = BigInt(feeRecipient);
  if (element === 0n)
    throw new ZkFeeRecipientError("the fee recipient is the zero address: submitBatch refuses it");
  return element;
}

/** The compact pubdata of a batch (big-endian): what `submitBatch` publishes as calldata. */
export function encodePubdata(txs: readonly ZkPublishedTx[]): Uint8Array {
  const out = new Uint8Array(txs.reduce((n, tx) => n + PUBDATA_BYTES[tx.kind], 0));
  let offset = 0;
  for (const tx of txs) {
    offset = writeTx(out, offset, tx);
  }
  return out;
}

function writeTx(out: Uint8Array, offset: number, tx: ZkPublishedTx): number {
  out[offset] = PUBDATA_KIND[tx.kind];
  switch (tx.kind) {
    case "deposit":
      writeUint(out, offset + 1, 4, checkWidth("account", BigInt(tx.account), 32));
      break;
    case "transfer":
      writeUint(out, offset + 1, 4, checkWidth("from", BigInt(tx.from), 32));
      writeUint(out, offset + 5, 4, checkWidth("to", BigInt(tx.to), 32));
      writeUint(out, offset + 9, 5, packAmount("amount", tx.amount));
      break;
    case "withdraw":
      writeUint(out, offset + 1, 4, checkWidth("from", BigInt(tx.from), 32));
      writeUint(out, offset + 5, 20, checkWidth("recipient", BigInt(tx.recipient), 160));
      writeUint(out, offset + 25, 2, checkWidth("tokenId", BigInt(tx.tokenId), 16));
      writeUint(out, offset + 27, 5, packAmount("amount", tx.amount));
      break;
    case "forced":
      out[offset + 1] = tx.effective ? 1 : 0;
      break;
    case "refund":
      break; // the deposit is the next carriable one the batch consumed
  }
  return offset + PUBDATA_BYTES[tx.kind];
}

function readUint(bytes: Uint8Array, offset: number, length: number): bigint {
  let value = 0n;
  for (let i = offset; i < offset + length; i++) value = (value << 8n) | BigInt(bytes[i]);
  return value;
}

/** The consumed deposits split as the contract splits them: carried into slots, or refunded. */
export function splitDeposits(consumed: readonly DepositData[]): {
  carried: DepositData[];
  refunded: DepositData[];
} {
  return {
    carried: consumed.filter(isCarriable),
    refunded: consumed.filter((d) => !isCarriable(d)),
  };
}

/**
 * The transactions of a batch from its Layer-1 calldata, without signatures, as a verifier node rebuilds
 * the state: `consumed` are the deposits the batch consumed, in queue order. Deposits the circuit cannot
 * carry were refunded and take no slot; every other one fills the next deposit or refund slot, in order.
 * `forced` are the forced-withdrawal requests not consumed before this batch, in queue order: each forced
 * slot takes the next one (the batch consumes a prefix of them).
 * @throws ZkPubdataError on truncated data, an unknown kind, a noop kind byte or an effective byte other
 * than 0 or 1.
 * @throws ZkDepositMismatchError if the deposit and refund slots and the carriable deposits do not pair
 * up.
 * @throws ZkForcedMismatchError if a forced slot finds no request left.
 */
export function decodePubdata(
  bytes: Uint8Array,
  consumed: readonly DepositData[],
  forced: readonly ZkForcedRequest[] = [],
): ZkPublishedTx[] {
  const { carried } = splitDeposits(consumed);
  const txs: ZkPublishedTx[] = [];
  let offset = 0;
  let nextDeposit = 0;
  let nextForced = 0;
  while (offset < bytes.length) {
    const kind = bytes[offset];
    const size = sizeOfKind(kind, offset);
    if (offset + size > bytes.length) {
      throw new ZkPubdataError(`truncated transaction at byte ${offset}: ${size} bytes needed`);
    }
    if (kind === PUBDATA_KIND.forced) {
      const request = forced[nextForced++];
      if (request === undefined) {
        throw new ZkForcedMismatchError(`forced slot ${txs.length} has no Layer-1 request left`);
      }
      txs.push(readForced(bytes, offset, request));
    } else if (kind === PUBDATA_KIND.deposit || kind === PUBDATA_KIND.refund) {
      const deposit = carried[nextDeposit++];
      if (deposit === undefined) {
        throw new ZkDepositMismatchError(`deposit slot ${txs.length} has no carriable deposit left`);
      }
      txs.push(kind === PUBDATA_KIND.refund ? refundOf(deposit) : readDeposit(bytes, offset, deposit));
    } else {
      txs.push(kind === PUBDATA_KIND.transfer ? readTransfer(bytes, offset) : readWithdraw(bytes, offset));
    }
    offset += size;
  }
  if (nextDeposit !== carried.length) {
    throw new ZkDepositMismatchError(
      `${carried.length - nextDeposit} carriable consumed deposit(s) fill no deposit slot`,
    );
  }
  return txs;
}

function sizeOfKind(kind: number, offset: number): number {
  switch (kind) {
    case PUBDATA_KIND.deposit:
      return PUBDATA_BYTES.deposit;
    case PUBDATA_KIND.transfer:
      return PUBDATA_BYTES.transfer;
    case PUBDATA_KIND.withdraw:
      return PUBDATA_BYTES.withdraw;
    case PUBDATA_KIND.forced:
      return PUBDATA_BYTES.forced;
    case PUBDATA_KIND.refund:
      return PUBDATA_BYTES.refund;
    default:
      throw new ZkPubdataError(`unknown transaction kind ${kind} at byte ${offset}`);
  }
}

function readForced(bytes: Uint8Array, offset: number, request: ZkForcedRequest): ZkForcedTx {
  const flag = bytes[offset + 1];
  if (flag > 1) throw new ZkPubdataError(`forced withdrawal at byte ${offset} has effective byte ${flag}`);
  return { kind: "forced", request, effective: flag === 1 };
}

function readDeposit(bytes: Uint8Array, offset: number, deposit: DepositData): ZkDepositTx {
  return { kind: "deposit", account: Number(readUint(bytes, offset + 1, 4)), deposit };
}

function refundOf(deposit: DepositData): ZkRefundTx {
  return { kind: "refund", deposit };
}

function readTransfer(bytes: Uint8Array, offset: number): ZkTransferBody {
  return {
    kind: "transfer",
    from: Number(readUint(bytes, offset + 1, 4)),
    to: Number(readUint(bytes, offset + 5, 4)),
    amount: decodeFloat40(readUint(bytes, offset + 9, 5)),
  };
}

function readWithdraw(bytes: Uint8Array, offset: number): ZkWithdrawBody {
  return {
    kind: "withdraw",
    from: Number(readUint(bytes, offset + 1, 4)),
    recipient: getAddress(bytesToHex(bytes.subarray(offset + 5, offset + 25))),
    tokenId: Number(readUint(bytes, offset + 25, 2)),
    amount: decodeFloat40(readUint(bytes, offset + 27, 5)),
  };
}
