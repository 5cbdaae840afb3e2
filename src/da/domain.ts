/**
 * The field and evaluation domain of EIP-4844 blobs. A blob is the polynomial p of degree < 4096 over the
 * BLS12-381 scalar field whose value at the k-th domain point is the blob's k-th field element. The domain
 * is the 4096th roots of unity in bit-reversed order (consensus-specs `compute_roots_of_unity` then
 * `bit_reversal_permutation`, with `PRIMITIVE_ROOT_OF_UNITY = 7`; c-kzg's `brp_roots_of_unity`): the k-th
 * point is ω^brp(k), where ω = 7^((r-1)/4096) and brp reverses the 12 bits of k. So p(ω^brp(k)) is the
 * k-th element, and opening the blob at that point reveals exactly that element.
 */

/** BLS12-381 scalar field modulus r (the point-evaluation precompile returns it). */
export const BLS_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
export const FIELD_ELEMENTS_PER_BLOB = 4096;
export const BYTES_PER_FIELD_ELEMENT = 32;
export const BYTES_PER_BLOB = FIELD_ELEMENTS_PER_BLOB * BYTES_PER_FIELD_ELEMENT;
const PRIMITIVE_ROOT_OF_UNITY = 7n;
const LOG2_FIELD_ELEMENTS = 12;

export function frAdd(a: bigint, b: bigint): bigint {
  return (a + b) % BLS_MODULUS;
}

export function frSub(a: bigint, b: bigint): bigint {
  return (((a - b) % BLS_MODULUS) + BLS_MODULUS) % BLS_MODULUS;
}

export function frMul(a: bigint, b: bigint): bigint {
  return (a * b) % BLS_MODULUS;
}

export function frPow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = base % BLS_MODULUS;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % BLS_MODULUS;
    b = (b * b) % BLS_MODULUS;
  }
  return result;
}

/** The inverses of non-zero `values`, with one exponentiation (Montgomery's batch inversion). */
export function frBatchInvert(values: readonly bigint[]): bigint[] {
  const prefix = new Array<bigint>(values.length);
  let acc = 1n;
  for (let i = 0; i < values.length; i++) {
    prefix[i] = acc;
    acc = frMul(acc, values[i]);
  }
  let inverse = frPow(acc, BLS_MODULUS - 2n);
  const out = new Array<bigint>(values.length);
  for (let i = values.length - 1; i >= 0; i--) {
    out[i] = frMul(inverse, prefix[i]);
    inverse = frMul(inverse, values[i]);
  }
  return out;
}

/** `index` with its low `bits` bits reversed. */
export function reverseBits(index: number, bits = LOG2_FIELD_ELEMENTS): number {
  let out = 0;
  for (let bit = 0; bit < bits; bit++) if (index & (1 << bit)) out |= 1 << (bits - 1 - bit);
  return out;
}

let domain: readonly bigint[] | undefined;

/** The 4096 evaluation points, in the bit-reversed order a blob's elements are laid out in (computed once). */
export function evaluationDomain(): readonly bigint[] {
  if (domain) return domain;
  const omega = frPow(PRIMITIVE_ROOT_OF_UNITY, (BLS_MODULUS - 1n) / BigInt(FIELD_ELEMENTS_PER_BLOB));
  const roots: bigint[] = [];
  for (let i = 0, x = 1n; i < FIELD_ELEMENTS_PER_BLOB; i++, x = frMul(x, omega)) roots.push(x);
  domain = roots.map((_, k) => roots[reverseBits(k)]);
  return domain;
}

/** The point z at which a blob's polynomial takes the value of its `index`-th field element. */
export function evaluationPoint(index: number): bigint {
  if (!Number.isSafeInteger(index) || index < 0 || index >= FIELD_ELEMENTS_PER_BLOB) {
    throw new RangeError(`field element index ${index} is outside [0, ${FIELD_ELEMENTS_PER_BLOB})`);
  }
  return evaluationDomain()[index];
}
