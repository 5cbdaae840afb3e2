/**
 * The wire form of a signed zk spend, as a wallet sends it to the operator (`zk_sendTransaction`) and
 * as the operator journals it: the transaction, the nonce it was signed at, its signature, and the
 * signer (the key and Layer-1 address whose owner hash is the sender's owner). Big-endian:
 *
 *   transfer  0x02 ‖ nonce u32 ‖ from u32 ‖ to u32 ‖ amount float40              ‖ signature ‖ signer
 *   withdraw  0x03 ‖ nonce u32 ‖ from u32 ‖ recipient address ‖ token u16 ‖ amount float40 ‖ …
 *   signature R8x ‖ R8y ‖ S (32 bytes each); signer Ax ‖ Ay (32 bytes each) ‖ l1Address (20 bytes)
 *
 * Its identity is the message it signs, `M = Poseidon(slotElement, nonce, domain)` (`zkTxHash`), which
 * a verifier node recomputes from Layer-1 data alone (the pubdata and the sender's nonce at the time).
 */
import { getAddress } from "ethers";
import { StrataError } from "../common/errors";
import { bytesToHex, hexToBytes, writeUint } from "../shared/bytes";
import { decodeFloat40, encodeFloat40 } from "../shared/float40";
import type { ZkCrypto } from "./keys";
import { slotElement } from "./pubdata";
import type { ZkSigner } from "./stf";
import type { ZkTransferBody, ZkTransferTx, ZkWithdrawBody, ZkWithdrawTx } from "./types";
import { ZK_KIND } from "./types";

/** Bytes that are not a signed zk spend. */
export class ZkCodecError extends StrataError {}

/** A spend as a wallet sends it: signed by `signer` at the sender's nonce `nonce`. */
export interface ZkSignedRequest {
  tx: ZkTransferTx | ZkWithdrawTx;
  nonce: number;
  signer: ZkSigner;
}

const WORD = 32;
const ADDRESS = 20;
const TAIL = 3 * WORD + 2 * WORD + ADDRESS; // signature and signer
/** Encoded sizes in bytes, per kind. */
export const ZK_REQUEST_BYTES = { transfer: 18 + TAIL, withdraw: 36 + TAIL } as const;

/** The transaction hash of a spend: its signed message M as bytes32 hex. */
export function zkTxHash(
  crypto: ZkCrypto,
  body: ZkTransferBody | ZkWithdrawBody,
  nonce: number,
  domain: bigint,
): string {
  return toBytes32(crypto.message(slotElement(body), nonce, domain));
}

/** A field element (or any value below 2^256) as bytes32 hex. */
export function toBytes32(value: bigint): string {
  return "0x" + value.toString(16).padStart(64, "0");
}

/**
 * The wire bytes of `request`, as 0x hex.
 * @throws ZkCodecError if a field does not fit its width or the amount is not a float40.
 */
export function encodeZkRequest(request: ZkSignedRequest): string {
  const { tx, nonce, signer } = request;
  const w = new Writer(new Uint8Array(ZK_REQUEST_BYTES[tx.kind]));
  w.uint("kind", 1, BigInt(ZK_KIND[tx.kind]));
  w.uint("nonce", 4, BigInt(nonce));
  w.uint("from", 4, BigInt(tx.from));
  if (tx.kind === "transfer") {
    w.uint("to", 4, BigInt(tx.to));
  } else {
    w.uint("recipient", ADDRESS, BigInt(tx.recipient));
    w.uint("tokenId", 2, BigInt(tx.tokenId));
  }
  w.uint("amount", 5, packAmount(tx.amount));
  w.uint("R8x", WORD, tx.signature.R8x);
  w.uint("R8y", WORD, tx.signature.R8y);
  w.uint("S", WORD, tx.signature.S);
  w.uint("Ax", WORD, signer.publicKey.Ax);
  w.uint("Ay", WORD, signer.publicKey.Ay);
  w.uint("l1Address", ADDRESS, BigInt(signer.l1Address));
  return bytesToHex(w.out);
}

function packAmount(amount: bigint): bigint {
  try {
    return encodeFloat40(amount);
  } catch (cause) {
    throw new ZkCodecError(`amount ${amount} is not a float40`, { cause });
  }
}

class Writer {
  private offset = 0;

  constructor(readonly out: Uint8Array) {}

  uint(field: string, length: number, value: bigint): void {
    if (value < 0n || value >= 1n << BigInt(8 * length)) {
      throw new ZkCodecError(`${field} = ${value} does not fit in ${length} bytes`);
    }
    writeUint(this.out, this.offset, length, value);
    this.offset += length;
  }
}

/**
 * The request `hex` encodes.
 * @throws ZkCodecError if it is not hex, has an unknown kind (deposits come through the bridge), or
 * the wrong length for its kind.
 */
export function decodeZkRequest(hex: string): ZkSignedRequest {
  if (typeof hex !== "string" || !/^0x([0-9a-fA-F]{2})+$/.test(hex)) {
    throw new ZkCodecError("a zk request is non-empty 0x hex");
  }
  const bytes = hexToBytes(hex, (hex.length - 2) / 2);
  const kind = bytes[0] === ZK_KIND.transfer ? "transfer" : bytes[0] === ZK_KIND.withdraw ? "withdraw" : null;
  if (kind === null) throw new ZkCodecError(`unknown request kind ${bytes[0]}`);
  if (bytes.length !== ZK_REQUEST_BYTES[kind]) {
    throw new ZkCodecError(`a ${kind} is ${ZK_REQUEST_BYTES[kind]} bytes, got ${bytes.length}`);
  }
  const reader = new Reader(bytes, 1);
  const nonce = Number(reader.uint(4));
  const from = Number(reader.uint(4));
  const body: ZkTransferBody | ZkWithdrawBody =
    kind === "transfer"
      ? { kind, from, to: Number(reader.uint(4)), amount: decodeFloat40(reader.uint(5)) }
      : {
          kind,
          from,
          recipient: getAddress(bytesToHex(reader.bytes(ADDRESS))),
          tokenId: Number(reader.uint(2)),
          amount: decodeFloat40(reader.uint(5)),
        };
  const signature = { R8x: reader.uint(WORD), R8y: reader.uint(WORD), S: reader.uint(WORD) };
  const publicKey = { Ax: reader.uint(WORD), Ay: reader.uint(WORD) };
  const l1Address = getAddress(bytesToHex(reader.bytes(ADDRESS)));
  return {
    tx: { ...body, signature } as ZkTransferTx | ZkWithdrawTx,
    nonce,
    signer: { publicKey, l1Address },
  };
}

class Reader {
  constructor(
    private readonly data: Uint8Array,
    private offset: number,
  ) {}

  uint(length: number): bigint {
    let value = 0n;
    for (const byte of this.bytes(length)) value = (value << 8n) | BigInt(byte);
    return value;
  }

  bytes(length: number): Uint8Array {
    const slice = this.data.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
}
