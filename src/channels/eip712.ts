import { TypedDataEncoder, id } from "ethers";
import type { TypedDataDomain } from "ethers";
import { recoverSigner, signDigest } from "../shared/ecdsa";
import { signingDomain, structTypes } from "../shared/eip712";
import { keccak256Bytes as hash, keccakReady } from "../shared/keccak";
import type { ChannelState, CompactSignature } from "./types";

/**
 * EIP-712 hashing and signing of channel states, the TypeScript twin of `StateHash.sol`: the same
 * digest the `Adjudicator` checks signatures against (its `stateDigest` view returns it). The domain
 * binds chain id and adjudicator, the state binds the channel id, so a signature made for one channel,
 * chain or adjudicator is worthless on another.
 *
 * Built for a payment hot path: type hashes are precomputed, structs are laid out in one buffer per
 * hash with no ABI machinery, keccak256 runs in WebAssembly (`src/shared/keccak.ts`, once
 * `channelHashingReady` has resolved; ethers' keccak256 until then, same results) and libsecp256k1
 * (native, `src/shared/ecdsa.ts`) signs and recovers.
 */
export const CHANNEL_DOMAIN_NAME = "Strata Channels";
export const CHANNEL_DOMAIN_VERSION = "1";

/** The signed types, for ethers' `TypedDataEncoder` and wallets' `signTypedData`. */
export const STATE_TYPES = structTypes(
  "State(bytes32 channelId,uint64 version,bool isFinal,Allocation[] allocations,Lock[] locks,Withdrawal[] withdrawals)",
  "Allocation(address asset,uint256[] balances)",
  "Lock(bytes32 hashlock,uint64 deadline,uint8 asset,uint8 sender,uint8 receiver,uint256 amount)",
  "Withdrawal(uint8 asset,uint8 participant,uint256 amount)",
);

const ENCODER = TypedDataEncoder.from(STATE_TYPES);
/** keccak256 of each type's `encodeType` (State lists its referenced types alphabetically). */
export const STATE_TYPEHASH = id(ENCODER.encodeType("State"));
export const ALLOCATION_TYPEHASH = id(ENCODER.encodeType("Allocation"));
export const LOCK_TYPEHASH = id(ENCODER.encodeType("Lock"));
export const WITHDRAWAL_TYPEHASH = id(ENCODER.encodeType("Withdrawal"));

const UINT256_MAX = (1n << 256n) - 1n;

const hexBytes = (hex: string): Buffer => Buffer.from(hex.slice(2), "hex");
/** A 32-byte word as 0x hex. */
const HEX_WORD = /^0x[0-9a-fA-F]{64}$/;

/** Resolves once the WebAssembly keccak256 is loaded (hashing works before, only slower). */
export const channelHashingReady: Promise<void> = keccakReady;

const toHex = (bytes: Uint8Array): string =>
  "0x" + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");

const STATE_TH = hexBytes(STATE_TYPEHASH);
const ALLOCATION_TH = hexBytes(ALLOCATION_TYPEHASH);
const LOCK_TH = hexBytes(LOCK_TYPEHASH);
const WITHDRAWAL_TH = hexBytes(WITHDRAWAL_TYPEHASH);
/** keccak256 of the empty array: the hash of a state without locks or withdrawals. */
const EMPTY_ARRAY_HASH = hash(new Uint8Array(0));

/** Writes an unsigned integer as a 32-byte big-endian word at `offset`. */
function putUint(out: Buffer, offset: number, value: bigint | number): void {
  const big = BigInt(value);
  if (big < 0n || big > UINT256_MAX) throw new RangeError(`not a uint256: ${value}`);
  out.write(big.toString(16).padStart(64, "0"), offset, 32, "hex");
}

/** Writes a 20-byte address (or a 32-byte value) right-aligned in the word at `offset`. */
function putHex(out: Buffer, offset: number, hex: string, bytes: number): void {
  if (hex.length !== 2 + 2 * bytes) throw new RangeError(`expected ${bytes} bytes of hex, got ${hex}`);
  out.write(hex.slice(2), offset + 32 - bytes, bytes, "hex");
}

/**
 * The EIP-712 hash of an array of structs: keccak256 of their `hashStruct`s, each over `typeHash` and the
 * `words` 32-byte words `write` puts after it.
 */
function hashStructs<T>(
  items: readonly T[],
  typeHash: Buffer,
  words: number,
  write: (struct: Buffer, item: T) => void,
): Buffer {
  if (items.length === 0) return EMPTY_ARRAY_HASH;
  const hashes = Buffer.alloc(32 * items.length);
  const struct = Buffer.alloc(32 * (1 + words));
  items.forEach((item, i) => {
    struct.fill(0);
    typeHash.copy(struct, 0);
    write(struct, item);
    hash(struct).copy(hashes, 32 * i);
  });
  return hash(hashes);
}

function hashAllocations(state: ChannelState): Buffer {
  return hashStructs(state.allocations, ALLOCATION_TH, 2, (struct, a) => {
    const balances = Buffer.alloc(32 * a.balances.length);
    a.balances.forEach((b, j) => putUint(balances, 32 * j, b));
    putHex(struct, 32, a.asset, 20);
    hash(balances).copy(struct, 64);
  });
}

function hashLocks(state: ChannelState): Buffer {
  return hashStructs(state.locks, LOCK_TH, 6, (struct, l) => {
    putHex(struct, 32, l.hashlock, 32);
    putUint(struct, 64, l.deadline);
    putUint(struct, 96, l.asset);
    putUint(struct, 128, l.sender);
    putUint(struct, 160, l.receiver);
    putUint(struct, 192, l.amount);
  });
}

function hashWithdrawals(state: ChannelState): Buffer {
  return hashStructs(state.withdrawals, WITHDRAWAL_TH, 3, (struct, w) => {
    putUint(struct, 32, w.asset);
    putUint(struct, 64, w.participant);
    putUint(struct, 96, w.amount);
  });
}

/** The EIP-712 `hashStruct(State)`. */
export function hashState(state: ChannelState): string {
  const struct = Buffer.alloc(224);
  STATE_TH.copy(struct, 0);
  putHex(struct, 32, state.channelId, 32);
  putUint(struct, 64, state.version);
  putUint(struct, 96, state.isFinal ? 1 : 0);
  hashAllocations(state).copy(struct, 128);
  hashLocks(state).copy(struct, 160);
  hashWithdrawals(state).copy(struct, 192);
  return toHex(hash(struct));
}

/** One adjudicator's signing domain, its separator computed once. */
export class ChannelDomain {
  readonly domain: TypedDataDomain;
  readonly separator: string;
  private readonly prefix: Buffer;

  constructor(chainId: bigint, adjudicator: string) {
    ({ domain: this.domain, separator: this.separator } = signingDomain(
      CHANNEL_DOMAIN_NAME,
      CHANNEL_DOMAIN_VERSION,
      chainId,
      adjudicator,
    ));
    this.prefix = Buffer.concat([Buffer.from([0x19, 0x01]), hexBytes(this.separator)]);
  }

  /** keccak256("\x19\x01" ‖ domainSeparator ‖ hashStruct(state)): what every participant signs. */
  digest(state: ChannelState): string {
    return toHex(hash(Buffer.concat([this.prefix, hexBytes(hashState(state))])));
  }

  /** Signs `state` with a 32-byte private key (hex); low s, as libsecp256k1 always produces. */
  sign(state: ChannelState, privateKey: string): CompactSignature {
    return ChannelDomain.signDigest(this.digest(state), privateKey);
  }

  /** `sign` for a digest already computed. */
  static signDigest(digest: string, privateKey: string): CompactSignature {
    const signature = signDigest(hexBytes(digest), hexBytes(privateKey));
    return { r: toHex(signature.subarray(0, 32)), yParityAndS: toHex(signature.subarray(32, 64)) };
  }

  /**
   * The checksummed address that signed `state`, or undefined for a signature that recovers to no one.
   * The rules are OpenZeppelin's `ECDSA.tryRecover(digest, r, vs)`, which the adjudicator uses:
   * r in [1, n), s in [1, n/2] (low s only), and a point that recovers.
   */
  recover(state: ChannelState, sig: CompactSignature): string | undefined {
    return ChannelDomain.recoverDigest(this.digest(state), sig);
  }

  /** `recover` for a digest already computed. */
  static recoverDigest(digest: string, sig: CompactSignature): string | undefined {
    if (!HEX_WORD.test(sig.r) || !HEX_WORD.test(sig.yParityAndS)) return undefined;
    const signature = Buffer.alloc(64);
    signature.write(sig.r.slice(2), 0, 32, "hex");
    signature.write(sig.yParityAndS.slice(2), 32, 32, "hex");
    return recoverSigner(hexBytes(digest), signature);
  }
}
