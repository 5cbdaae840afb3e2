/** A seeded pseudo-random source for property tests, so that a failing case reproduces. */
export interface Rng {
  /** A uniform u32. */
  u32(): number;
  /** A uniform integer in [0, n). */
  int(n: number): number;
  /** A uniform value of `bits` bits. */
  bigint(bits: number): bigint;
  /** A value of `bits` bits, one time in four at an edge (0 or the maximum). */
  edgy(bits: number): bigint;
  /** Lower-case hex of `bytes` random bytes. */
  hex(bytes: number): string;
}

/** mulberry32, with helpers for the widths the Layer-2 data uses. */
export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  const u32 = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const bigint = (bits: number): bigint => {
    let v = 0n;
    for (let b = 0; b < bits; b += 32) v = (v << 32n) | BigInt(u32());
    return v & ((1n << BigInt(bits)) - 1n);
  };
  return {
    u32,
    int: (n) => Math.floor((u32() / 2 ** 32) * n),
    bigint,
    edgy: (bits) => [0n, (1n << BigInt(bits)) - 1n, bigint(bits), bigint(bits)][u32() & 3],
    hex: (bytes) =>
      "0x" +
      bigint(8 * bytes)
        .toString(16)
        .padStart(2 * bytes, "0"),
  };
}
