import { TypedDataEncoder, getAddress, id, keccak256 } from "ethers";
import type { TypedDataDomain } from "ethers";
import { createKeccak } from "hash-wasm";
import type { IHasher } from "hash-wasm";
import secp256k1 from "secp256k1";
import type { ChannelState, CompactSignature } from "./types";

/**
 * EIP-712 hashing and signing of channel states, the TypeScript twin of `StateHash.sol`: the same
 * digest the `Adjudicator` checks signatures against (its `stateDigest` view returns it). The domain
 * binds chain id and adjudicator, the state binds the channel id, so a signature made for one channel,
 * chain or adjudicator is worthless on another.
 *
 * Built for a payment hot path: type hashes are precomputed, structs are laid out in one buffer per
 * hash with no ABI machinery, keccak256 runs in WebAssembly (hash-wasm, once `channelHashingReady`
 * has resolved; ethers' keccak256 until then, same results) and libsecp256k1 (native) signs and
 * recovers.
 */
export const CHANNEL_DOMAIN_NAME = "Strata Channels";
export const CHANNEL_DOMAIN_VERSION = "1";

/** The signed types, for ethers' `TypedDataEncoder` and wallets' `signTypedData`. */
export const STATE_TYPES = {
  State: [
    { name: "channelId", type: "bytes32" },
    { name: "version", type: "uint64" },
    { name: "isFinal", type: "bool" },
    { name: "allocations", type: "Allocation[]" },
    { name: "locks", type: "Lock[]" },
    { name: "withdrawals", type: "Withdrawal[]" },
  ],
  Allocation: [
    { name: "asset", type: "address" },
    { name: "balances", type: "uint256[]" },
  ],
  Lock: [
    { name: "hashlock", type: "bytes32" },
    { name: "deadline", type: "uint64" },
    { name: "asset", type: "uint8" },
    { name: "sender", type: "uint8" },
    { name: "receiver", type: "uint8" },
    { name: "amount", type: "uint256" },
  ],
  Withdrawal: [
    { name: "asset", type: "uint8" },
    { name: "participant", type: "uint8" },
    { name: "amount", type: "uint256" },
  ],
};

const ENCODER = TypedDataEncoder.from(STATE_TYPES);
/** keccak256 of each type's `encodeType` (State lists its referenced types alphabetically). */
export const STATE_TYPEHASH = id(ENCODER.encodeType("State"));
export const ALLOCATION_TYPEHASH = id(ENCODER.encodeType("Allocation"));
export const LOCK_TYPEHASH = id(ENCODER.encodeType("Lock"));
export const WITHDRAWAL_TYPEHASH = id(ENCODER.encodeType("Withdrawal"));

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = SECP256K1_N >> 1n;
const UINT256_MAX = (1n << 256n) - 1n;

const hexBytes = (hex: string): Buffer => Buffer.from(hex.slice(2), "hex");

let wasmKeccak: IHasher | undefined;
/** Resolves once the WebAssembly keccak256 is loaded (hashing works before, only slower). */
export const channelHashingReady: Promise<void> = createKeccak(256).then((hasher) => {
  wasmKeccak = hasher;
});

function hash(data: Uint8Array): Buffer {
  if (wasmKeccak === undefined) return hexBytes(keccak256(data));
  wasmKeccak.init();
  wasmKeccak.update(data);
  const digest = wasmKeccak.digest("binary");
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength);
}

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

function hashAllocations(state: ChannelState): Buffer {
  const hashes = Buffer.alloc(32 * state.allocations.length);
  state.allocations.forEach((a, i) => {
    const balances = Buffer.alloc(32 * a.balances.length);
    a.balances.forEach((b, j) => putUint(balances, 32 * j, b));
    const struct = Buffer.alloc(96);
    ALLOCATION_TH.copy(struct, 0);
    putHex(struct, 32, a.asset, 20);
    hash(balances).copy(struct, 64);
    hash(struct).copy(hashes, 32 * i);
  });
  return hash(hashes);
}

function hashLocks(state: ChannelState): Buffer {
  if (state.locks.length === 0) return EMPTY_ARRAY_HASH;
  const hashes = Buffer.alloc(32 * state.locks.length);
  const struct = Buffer.alloc(224);
  state.locks.forEach((l, i) => {
    struct.fill(0);
    LOCK_TH.copy(struct, 0);
    putHex(struct, 32, l.hashlock, 32);
    putUint(struct, 64, l.deadline);
    putUint(struct, 96, l.asset);
    putUint(struct, 128, l.sender);
    putUint(struct, 160, l.receiver);
    putUint(struct, 192, l.amount);
    hash(struct).copy(hashes, 32 * i);
  });
  return hash(hashes);
}

function hashWithdrawals(state: ChannelState): Buffer {
  if (state.withdrawals.length === 0) return EMPTY_ARRAY_HASH;
  const hashes = Buffer.alloc(32 * state.withdrawals.length);
  const struct = Buffer.alloc(128);
  state.withdrawals.forEach((w, i) => {
    WITHDRAWAL_TH.copy(struct, 0);
    putUint(struct, 32, w.asset);
    putUint(struct, 64, w.participant);
    putUint(struct, 96, w.amount);
    hash(struct).copy(hashes, 32 * i);
  });
  return hash(hashes);
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
    this.domain = {
      name: CHANNEL_DOMAIN_NAME,
      version: CHANNEL_DOMAIN_VERSION,
      chainId,
      verifyingContract: adjudicator,
    };
    this.separator = TypedDataEncoder.hashDomain(this.domain);
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
    const { signature, recid } = secp256k1.ecdsaSign(hexBytes(digest), hexBytes(privateKey));
    const vs = Buffer.from(signature.subarray(32, 64));
    vs[0] |= recid << 7;
    return { r: toHex(signature.subarray(0, 32)), yParityAndS: "0x" + vs.toString("hex") };
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
    if (sig.r.length !== 66 || sig.yParityAndS.length !== 66) return undefined;
    const rs = Buffer.alloc(64);
    rs.write(sig.r.slice(2), 0, 32, "hex");
    rs.write(sig.yParityAndS.slice(2), 32, 32, "hex");
    const recid = rs[32] >> 7;
    rs[32] &= 0x7f;
    const r = BigInt(sig.r);
    const s = BigInt("0x" + rs.subarray(32).toString("hex"));
    if (r === 0n || r >= SECP256K1_N || s === 0n || s > HALF_N) return undefined;
    try {
      return addressOf(secp256k1.ecdsaRecover(rs, recid, hexBytes(digest), false));
    } catch {
      return undefined;
    }
  }
}

/** Addresses of the public keys seen so far: a channel has few signers, and each costs two keccak256. */
const addressCache = new Map<string, string>();
const ADDRESS_CACHE_LIMIT = 4096;

function addressOf(publicKey: Uint8Array): string {
  const key = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString("base64");
  let address = addressCache.get(key);
  if (address === undefined) {
    address = getAddress(toHex(hash(publicKey.subarray(1)).subarray(12)));
    if (addressCache.size >= ADDRESS_CACHE_LIMIT) addressCache.clear();
    addressCache.set(key, address);
  }
  return address;
}
