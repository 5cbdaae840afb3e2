/** Byte helpers for the hot paths, where ethers' general-purpose conversions cost too much. */

export function hexToBytes(hex: string, length: number): Uint8Array {
  const clean = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (clean.length !== length * 2 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new RangeError(`expected ${length} bytes of hex, got "${hex}"`);
  }
  return Uint8Array.from(Buffer.from(clean, "hex"));
}

export function bytesToHex(bytes: Uint8Array): string {
  return "0x" + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Writes `value` big-endian into `out[offset, offset + length)`. */
export function writeUint(out: Uint8Array, offset: number, length: number, value: bigint): void {
  for (let i = offset + length - 1; i >= offset; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
}
