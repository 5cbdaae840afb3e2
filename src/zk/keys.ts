/**
 * Keys of the zk rollup's users (`docs/zk.md`, "Keys and owners"):
 * - a BabyJubJub private key (32 bytes) and its public key (circomlibjs `eddsa.prv2pub`);
 * - the account owner, `Poseidon(Ax, Ay, l1Address) mod 2^160`, the bridge deposit's `to`;
 * - EdDSA-Poseidon signatures (circomlibjs `eddsa.signPoseidon`) over `M = Poseidon(slot, nonce, domain)`.
 * Building circomlibjs's EdDSA takes a few hundred milliseconds, so `ZkCrypto.load()` builds it once per
 * process; every operation after that is synchronous.
 */
import { getAddress, hexlify, keccak256, randomBytes, toUtf8Bytes } from "ethers";
import { StrataError } from "../common/errors";
import { hexToBytes } from "../shared/bytes";
import { slotElement } from "./pubdata";
import type { ZkPublicKey, ZkSignature, ZkTransferBody, ZkWithdrawBody } from "./types";

/** A private key that is not 32 bytes. */
export class ZkKeyError extends StrataError {}

/** The owner hash keeps the low 160 bits of Poseidon(Ax, Ay, l1Address). */
export const OWNER_BITS = 160n;
const OWNER_MASK = (1n << OWNER_BITS) - 1n;
const PRIVATE_KEY_BYTES = 32;

/** A BabyJubJub private key: 32 bytes. */
export type ZkPrivateKey = Uint8Array;

/** A user's Layer-2 identity: the signing key and the Layer-1 address it exits to. */
export interface ZkKeyPair {
  privateKey: ZkPrivateKey;
  publicKey: ZkPublicKey;
}

// The slice of circomlibjs's EdDSA this module uses; points and messages are field elements in its
// internal (Montgomery) representation, converted with F.e / F.toObject.
type FieldElement = Uint8Array;
type Point = [FieldElement, FieldElement];
interface EddsaField {
  e(value: bigint): FieldElement;
  toObject(element: FieldElement): bigint;
}
interface Eddsa {
  F: EddsaField;
  prv2pub(privateKey: Uint8Array): Point;
  signPoseidon(privateKey: Uint8Array, message: FieldElement): { R8: Point; S: bigint };
  verifyPoseidon(message: FieldElement, signature: { R8: Point; S: bigint }, publicKey: Point): boolean;
  poseidon: (inputs: FieldElement[] | bigint[]) => FieldElement;
}

// circomlibjs ships no types for its EdDSA; its CommonJS build is loaded with require (its nested
// ethers v5 is never touched).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildEddsa } = require("circomlibjs") as { buildEddsa: () => Promise<Eddsa> };

let built: Promise<ZkCrypto> | undefined;

/** A fresh random private key. */
export function generateZkPrivateKey(): ZkPrivateKey {
  return randomBytes(PRIVATE_KEY_BYTES);
}

/** A deterministic private key for tests and demos: keccak256 of `seed`. Never for real funds. */
export function zkPrivateKeyFromSeed(seed: string): ZkPrivateKey {
  return hexToBytes(keccak256(toUtf8Bytes(seed)), PRIVATE_KEY_BYTES);
}

/** A private key from 32 bytes or their hex. */
export function parseZkPrivateKey(key: Uint8Array | string): ZkPrivateKey {
  const bytes = typeof key === "string" ? hexToBytesStrict(key) : key;
  if (bytes.length !== PRIVATE_KEY_BYTES) {
    throw new ZkKeyError(`a private key is ${PRIVATE_KEY_BYTES} bytes, got ${bytes.length}`);
  }
  return Uint8Array.from(bytes);
}

function hexToBytesStrict(hex: string): Uint8Array {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(hex)) throw new ZkKeyError("a private key in hex is 0x-prefixed bytes");
  return hexToBytes(hex, (hex.length - 2) / 2);
}

/** The private key as 0x-prefixed hex (for storing it). */
export function zkPrivateKeyToHex(key: ZkPrivateKey): string {
  return hexlify(key);
}

/**
 * BabyJubJub EdDSA-Poseidon and the Poseidon hash, built once. Every method is synchronous.
 */
export class ZkCrypto {
  private constructor(private readonly eddsa: Eddsa) {}

  /** The process-wide instance (built on first use). */
  static load(): Promise<ZkCrypto> {
    built ??= buildEddsa().then((eddsa) => new ZkCrypto(eddsa));
    return built;
  }

  /** Poseidon over field elements (1 to 16 inputs), as the circuits hash. */
  poseidon(inputs: readonly bigint[]): bigint {
    const { F } = this.eddsa;
    return F.toObject(this.eddsa.poseidon(inputs.map((x) => F.e(x))));
  }

  publicKey(privateKey: ZkPrivateKey): ZkPublicKey {
    const [Ax, Ay] = this.eddsa.prv2pub(parseZkPrivateKey(privateKey));
    return { Ax: this.eddsa.F.toObject(Ax), Ay: this.eddsa.F.toObject(Ay) };
  }

  keyPair(privateKey: ZkPrivateKey): ZkKeyPair {
    return { privateKey: parseZkPrivateKey(privateKey), publicKey: this.publicKey(privateKey) };
  }

  /** The account owner of `publicKey` exiting to `l1Address`: Poseidon(Ax, Ay, l1Address) mod 2^160. */
  ownerOf(publicKey: ZkPublicKey, l1Address: string): bigint {
    return this.poseidon([publicKey.Ax, publicKey.Ay, BigInt(getAddress(l1Address))]) & OWNER_MASK;
  }

  /** The owner as the bytes32 hex a deposit's `to` and an account's `owner` carry. */
  ownerHex(publicKey: ZkPublicKey, l1Address: string): string {
    return "0x" + this.ownerOf(publicKey, l1Address).toString(16).padStart(64, "0");
  }

  /** What a spend signs: M = Poseidon(slotElement, nonce, domain). */
  message(slot: bigint, nonce: number | bigint, domain: bigint): bigint {
    return this.poseidon([slot, BigInt(nonce), domain]);
  }

  /** EdDSA-Poseidon signature of the field element `message`. */
  sign(privateKey: ZkPrivateKey, message: bigint): ZkSignature {
    const { F } = this.eddsa;
    const { R8, S } = this.eddsa.signPoseidon(parseZkPrivateKey(privateKey), F.e(message));
    return { R8x: F.toObject(R8[0]), R8y: F.toObject(R8[1]), S };
  }

  /** Whether `signature` is `publicKey`'s signature of `message` (on-curve points, S below the order). */
  verify(message: bigint, signature: ZkSignature, publicKey: ZkPublicKey): boolean {
    const { F } = this.eddsa;
    try {
      return this.eddsa.verifyPoseidon(
        F.e(message),
        { R8: [F.e(signature.R8x), F.e(signature.R8y)], S: signature.S },
        [F.e(publicKey.Ax), F.e(publicKey.Ay)],
      );
    } catch {
      return false;
    }
  }

  /** Signs a transfer or withdrawal from an account whose current nonce is `nonce`. */
  signSpend(
    privateKey: ZkPrivateKey,
    body: ZkTransferBody | ZkWithdrawBody,
    nonce: number,
    domain: bigint,
  ): ZkSignature {
    return this.sign(privateKey, this.message(slotElement(body), nonce, domain));
  }
}
