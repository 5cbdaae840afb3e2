// The cast of the Layer-2 tests (shared state transition, parity, optimistic trace and one-step prover):
// the same keys, addresses and ids everywhere, and the secp256k1 arithmetic the signature tests need.
import { Wallet, getAddress, getBytes, toBeHex, toBigInt } from "ethers";
import secp256k1 from "secp256k1";
import { SECP256K1_HALF_N, SECP256K1_N } from "../../src/shared/ecdsa";

export const CHAIN_ID = 31337n;
/** The rollup contract the Layer-2 domain names. */
export const ROLLUP = getAddress("0x" + "5a".repeat(20));

export const alice = new Wallet("0x" + "a1".repeat(32));
export const bob = new Wallet("0x" + "b2".repeat(32));
export const carol = new Wallet("0x" + "c3".repeat(32));
/** A Layer-1 withdrawal recipient. */
export const RECIPIENT = getAddress("0x" + "f6".repeat(20));
export const ETH = 0;
export const TOKEN = 1;
/** The largest float40 amount: the codec carries it, no account can hold it. */
export const LARGEST_FLOAT40 = ((1n << 35n) - 1n) * 10n ** 31n;

/** `a` mod the order of secp256k1, in [0, n). */
export const modN = (a: bigint): bigint => ((a % SECP256K1_N) + SECP256K1_N) % SECP256K1_N;

/** The inverse of `a` mod the order of secp256k1 (extended Euclid). */
export function invertModN(a: bigint): bigint {
  let [t, nextT, r, nextR] = [0n, 1n, SECP256K1_N, modN(a)];
  while (nextR !== 0n) {
    const q = r / nextR;
    [t, nextT] = [nextT, t - q * nextT];
    [r, nextR] = [nextR, r - q * nextR];
  }
  return modN(t);
}

/**
 * An owner and a high-s signature (r, s, yParity) of `digest` by it; its low-s twin is (r, n - s,
 * yParity ^ 1). A compact (EIP-2098) signature has 255 bits for s, so a high s fits only just above n/2: the
 * signature is picked first (a nonce k and a high s) and the key solved for, d = (s·k - z) / r mod n.
 */
export function malleableSignature(digest: string | Uint8Array): {
  owner: Wallet;
  r: bigint;
  s: bigint;
  yParity: number;
} {
  const k = 0x5eed_5eedn;
  const point = secp256k1.publicKeyCreate(getBytes(toBeHex(k, 32)), false);
  const r = modN(toBigInt(point.subarray(1, 33)));
  const yParity = Number(toBigInt(point.subarray(33, 65)) & 1n);
  const s = SECP256K1_HALF_N + 0x1234n;
  const key = modN((s * k - toBigInt(digest)) * invertModN(r));
  return { owner: new Wallet(toBeHex(key, 32)), r, s, yParity };
}
