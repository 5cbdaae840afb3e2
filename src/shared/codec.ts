import { StrataError } from "../common/errors";
import { bytesToHex, hexToBytes } from "./bytes";
import { decodeFloat40, encodeFloat40 } from "./float40";
import type { DepositTx, L2Tx, L2TxKind, TransferTx, WithdrawTx } from "./types";
import { MAX_U32 } from "./types";

/**
 * The compact calldata codec: one encoder for every Layer-2 transaction, mirrored by `L2Tx.sol`.
 * Big-endian, no padding; the signer's nonce is not sent (it is the account's current nonce).
 *
 *   kind      bytes  layout
 *   deposit   85     0x01 ‖ accountHint u32 ‖ from address ‖ to bytes32 ‖ tokenId u32 ‖ amount u128
 *                    ‖ timestamp u64
 *   transfer  78     0x02 ‖ from u32 ‖ to u32 ‖ amount float40 ‖ r bytes32 ‖ yParityAndS bytes32
 *   withdraw  94     0x03 ‖ from u32 ‖ recipient address ‖ amount float40 ‖ r ‖ yParityAndS
 *
 * A transfer is 78 bytes: 1 kind, 8 of account indices, 5 of amount and 64 of EIP-2098 signature.
 * At 16 gas per non-zero calldata byte that is at most 1,248 gas of calldata.
 */
export const TX_KIND_BYTE: Record<L2TxKind, number> = { deposit: 1, transfer: 2, withdraw: 3 };
export const TX_BYTES: Record<L2TxKind, number> = { deposit: 85, transfer: 78, withdraw: 94 };
export const KIND_OF_BYTE: Record<number, L2TxKind> = { 1: "deposit", 2: "transfer", 3: "withdraw" };

export class CodecError extends StrataError {}

class Writer {
  private offset = 0;
  constructor(readonly bytes: Uint8Array) {}
  uint(value: bigint | number, length: number): this {
    let v = BigInt(value);
    if (v < 0n || v >> BigInt(8 * length) !== 0n) {
      throw new CodecError(`${value} does not fit in ${length} bytes`);
    }
    for (let i = this.offset + length - 1; i >= this.offset; i--) {
      this.bytes[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    this.offset += length;
    return this;
  }
  hex(hex: string, length: number, what: string): this {
    let raw: Uint8Array;
    try {
      raw = hexToBytes(hex, length);
    } catch (cause) {
      throw new CodecError(`${what} must be ${length} bytes of hex, got "${hex}"`, { cause });
    }
    this.bytes.set(raw, this.offset);
    this.offset += length;
    return this;
  }
}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    private offset: number,
  ) {}
  uint(length: number): bigint {
    let v = 0n;
    for (let i = 0; i < length; i++) v = (v << 8n) | BigInt(this.bytes[this.offset + i]);
    this.offset += length;
    return v;
  }
  hex(length: number): string {
    const out = bytesToHex(this.bytes.subarray(this.offset, this.offset + length));
    this.offset += length;
    return out;
  }
  /** An account index (u32). */
  index(): number {
    return Number(this.uint(4));
  }
  /** A float40 amount, expanded. */
  float40(): bigint {
    return decodeFloat40(this.uint(5));
  }
}

function checkIndex(index: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index > MAX_U32) {
    throw new CodecError(`${what} must be an account index (u32), got ${index}`);
  }
}

/** Encodes one transaction; throws `CodecError` (or `AmountNotRepresentableError`) for unencodable input. */
export function encodeTx(tx: L2Tx): Uint8Array {
  const out = new Uint8Array(TX_BYTES[tx.kind]);
  const w = new Writer(out).uint(TX_KIND_BYTE[tx.kind], 1);
  switch (tx.kind) {
    case "deposit": {
      checkIndex(tx.accountHint, "accountHint");
      const d = tx.deposit;
      w.uint(tx.accountHint, 4).hex(d.from, 20, "from").hex(d.to, 32, "to");
      w.uint(d.tokenId, 4).uint(d.amount, 16).uint(d.timestamp, 8);
      break;
    }
    case "transfer":
      checkIndex(tx.from, "from");
      checkIndex(tx.to, "to");
      w.uint(tx.from, 4).uint(tx.to, 4).uint(encodeFloat40(tx.amount), 5).hex(tx.signature, 64, "signature");
      break;
    case "withdraw":
      checkIndex(tx.from, "from");
      w.uint(tx.from, 4).hex(tx.recipient, 20, "recipient").uint(encodeFloat40(tx.amount), 5);
      w.hex(tx.signature, 64, "signature");
      break;
  }
  return out;
}

/** Decodes the transaction at `offset`; returns it and the offset just past it. */
export function decodeTxAt(bytes: Uint8Array, offset: number): { tx: L2Tx; next: number } {
  const kind = KIND_OF_BYTE[bytes[offset]];
  if (!kind)
    throw new CodecError(`unknown transaction kind 0x${(bytes[offset] ?? 0).toString(16)} at ${offset}`);
  const next = offset + TX_BYTES[kind];
  if (next > bytes.length) throw new CodecError(`truncated ${kind} at byte ${offset}`);
  return { tx: READ_TX[kind](new Reader(bytes, offset + 1)), next };
}

/** Each kind's fields in layout order, read after its kind byte (the table above). */
const READ_TX: { [K in L2TxKind]: (r: Reader) => Extract<L2Tx, { kind: K }> } = {
  deposit: (r): DepositTx => ({
    kind: "deposit",
    accountHint: r.index(),
    deposit: { from: r.hex(20), to: r.hex(32), tokenId: r.index(), amount: r.uint(16), timestamp: r.uint(8) },
  }),
  transfer: (r): TransferTx => ({
    kind: "transfer",
    from: r.index(),
    to: r.index(),
    amount: r.float40(),
    signature: r.hex(64),
  }),
  withdraw: (r): WithdrawTx => ({
    kind: "withdraw",
    from: r.index(),
    recipient: r.hex(20),
    amount: r.float40(),
    signature: r.hex(64),
  }),
};

export function decodeTx(bytes: Uint8Array | string): L2Tx {
  let raw = bytes as Uint8Array;
  if (typeof bytes === "string") {
    if (!/^0x([0-9a-fA-F]{2})*$/.test(bytes))
      throw new CodecError(`not 0x-prefixed whole bytes of hex: "${bytes}"`);
    raw = hexToBytes(bytes, (bytes.length - 2) / 2);
  }
  const { tx, next } = decodeTxAt(raw, 0);
  if (next !== raw.length) throw new CodecError(`${raw.length - next} trailing bytes after a ${tx.kind}`);
  return tx;
}

/** Encodes a sequence of transactions back to back, as a batch's calldata carries them. */
export function encodeTxs(txs: readonly L2Tx[]): Uint8Array {
  const parts = txs.map(encodeTx);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function decodeTxs(bytes: Uint8Array): L2Tx[] {
  return splitTxs(bytes).txs;
}

/**
 * The transactions back to back in `bytes`, each with its own bytes as they are there. Those are what Layer
 * 1 hashes; `encodeTx` of the decoded transaction may differ (an amount has several float40 encodings and
 * `encodeTx` writes the smallest exponent), so whatever must match Layer 1 byte for byte uses `encoded`.
 */
export function splitTxs(bytes: Uint8Array): { txs: L2Tx[]; encoded: Uint8Array[] } {
  const txs: L2Tx[] = [];
  const encoded: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length;) {
    const { tx, next } = decodeTxAt(bytes, offset);
    txs.push(tx);
    encoded.push(bytes.slice(offset, next));
    offset = next;
  }
  return { txs, encoded };
}
