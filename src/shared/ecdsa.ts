import { getAddress } from "ethers";
import secp256k1 from "secp256k1";
import { keccak256Bytes } from "./keccak";

/**
 * secp256k1 ECDSA over 32-byte digests, as Ethereum contracts check it: the one place Strata signs
 * and recovers raw signatures (the optimistic rollup's EIP-712 transactions, the channels' states).
 *
 * Signatures are compact (EIP-2098): 64 bytes, r ‖ yParityAndS, with the recovery bit in the top bit
 * of s. Recovery follows OpenZeppelin's `ECDSA.tryRecover(digest, r, vs)`, which the contracts use:
 * r in [1, n), s in [1, n/2] (low s only: a malleated high-s twin is refused), and a point that
 * recovers. libsecp256k1 (native, ~25 times ethers' pure-JS recovery) does the curve work, since a
 * sequencer checks every signature it admits and a channel every state.
 */

/** The order of the secp256k1 group. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** The largest s a canonical (low-s) signature may carry. */
export const SECP256K1_HALF_N = SECP256K1_N >> 1n;

const N_BYTES = Buffer.from(SECP256K1_N.toString(16).padStart(64, "0"), "hex");
const HALF_N_BYTES = Buffer.from(SECP256K1_HALF_N.toString(16).padStart(64, "0"), "hex");

/** Signs `digest` (32 bytes) with `privateKey` (32 bytes); returns the 64-byte compact signature, low s. */
export function signDigest(digest: Uint8Array, privateKey: Uint8Array): Buffer {
  const { signature, recid } = secp256k1.ecdsaSign(digest, privateKey);
  const compact = Buffer.from(signature);
  compact[32] |= recid << 7;
  return compact;
}

/** Whether the 32 bytes at `offset` are zero. */
function isZero(bytes: Uint8Array, offset: number): boolean {
  for (let i = offset; i < offset + 32; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Compares the 32-byte big-endian word at `offset` of `bytes` with `bound`: -1, 0 or 1. */
function compareWord(bytes: Uint8Array, offset: number, bound: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const a = bytes[offset + i];
    if (a !== bound[i]) return a < bound[i] ? -1 : 1;
  }
  return 0;
}

/**
 * The checksummed address that signed `digest` with the compact `signature` (64 bytes), or undefined
 * for a signature that recovers to no one by `ECDSA.tryRecover`'s rules.
 */
export function recoverSigner(digest: Uint8Array, signature: Uint8Array): string | undefined {
  if (signature.length !== 64 || digest.length !== 32) return undefined;
  const rs = Buffer.from(signature);
  const recid = rs[32] >> 7;
  rs[32] &= 0x7f;
  if (isZero(rs, 0) || compareWord(rs, 0, N_BYTES) >= 0) return undefined;
  if (isZero(rs, 32) || compareWord(rs, 32, HALF_N_BYTES) > 0) return undefined;
  let publicKey: Uint8Array;
  try {
    publicKey = secp256k1.ecdsaRecover(rs, recid, digest, false);
  } catch {
    return undefined;
  }
  return addressOfPublicKey(publicKey);
}

/** Addresses of the public keys seen so far: signers are few, and each costs two keccak256. */
const addressCache = new Map<string, string>();
const ADDRESS_CACHE_LIMIT = 4096;

/** The checksummed address of an uncompressed public key (65 bytes, 0x04 ‖ x ‖ y). */
export function addressOfPublicKey(publicKey: Uint8Array): string {
  const key = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString("base64");
  let address = addressCache.get(key);
  if (address === undefined) {
    address = getAddress("0x" + keccak256Bytes(publicKey.subarray(1)).subarray(12).toString("hex"));
    if (addressCache.size >= ADDRESS_CACHE_LIMIT) addressCache.clear();
    addressCache.set(key, address);
  }
  return address;
}
