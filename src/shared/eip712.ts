import {
  Signature,
  TypedDataEncoder,
  concat,
  dataSlice,
  getAddress,
  getBytes,
  id,
  keccak256,
  toBeHex,
  toBigInt,
  zeroPadValue,
} from "ethers";
import type { Signer, TypedDataDomain } from "ethers";
import secp256k1 from "secp256k1";

/**
 * EIP-712 typed signing of Layer-2 transfers and withdrawals (optimistic rollup; the zk rollup signs
 * with EdDSA-Poseidon instead). The domain binds name, version, chain id and the rollup contract, so a
 * signature made for one rollup or chain is worthless on another. Mirrors `L2Tx.sol`.
 */
export const L2_DOMAIN_NAME = "Strata";
export const L2_DOMAIN_VERSION = "1";

export const TRANSFER_TYPES = {
  Transfer: [
    { name: "from", type: "uint32" },
    { name: "to", type: "uint32" },
    { name: "amount", type: "uint128" },
    { name: "nonce", type: "uint32" },
  ],
};

export const WITHDRAW_TYPES = {
  Withdraw: [
    { name: "from", type: "uint32" },
    { name: "recipient", type: "address" },
    { name: "amount", type: "uint128" },
    { name: "nonce", type: "uint32" },
  ],
};

export interface TransferMessage {
  from: number;
  to: number;
  amount: bigint;
  nonce: number;
}

export interface WithdrawMessage {
  from: number;
  recipient: string;
  amount: bigint;
  nonce: number;
}

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = SECP256K1_N >> 1n;
const S_MASK = (1n << 255n) - 1n;

const TRANSFER_TYPEHASH = id(TypedDataEncoder.from(TRANSFER_TYPES).encodeType("Transfer"));
const WITHDRAW_TYPEHASH = id(TypedDataEncoder.from(WITHDRAW_TYPES).encodeType("Withdraw"));

const word = (value: bigint | number | string): string =>
  typeof value === "string" ? zeroPadValue(value, 32) : toBeHex(value, 32);

/**
 * One rollup's signing domain, with its separator computed once: digests here cost two keccak256 and
 * no ABI machinery, which matters to a sequencer that checks every signature it admits.
 */
export class L2Domain {
  readonly domain: TypedDataDomain;
  readonly separator: string;

  constructor(chainId: bigint | number, verifyingContract: string) {
    this.domain = { name: L2_DOMAIN_NAME, version: L2_DOMAIN_VERSION, chainId, verifyingContract };
    this.separator = TypedDataEncoder.hashDomain(this.domain);
  }

  transferDigest(m: TransferMessage): string {
    const struct = keccak256(
      concat([TRANSFER_TYPEHASH, word(m.from), word(m.to), word(m.amount), word(m.nonce)]),
    );
    return keccak256(concat(["0x1901", this.separator, struct]));
  }

  withdrawDigest(m: WithdrawMessage): string {
    const struct = keccak256(
      concat([WITHDRAW_TYPEHASH, word(m.from), word(m.recipient), word(m.amount), word(m.nonce)]),
    );
    return keccak256(concat(["0x1901", this.separator, struct]));
  }

  /** Signs a transfer with the owner's wallet; returns the 64-byte EIP-2098 signature a batch carries. */
  async signTransfer(signer: Signer, m: TransferMessage): Promise<string> {
    return Signature.from(await signer.signTypedData(this.domain, TRANSFER_TYPES, m)).compactSerialized;
  }

  async signWithdraw(signer: Signer, m: WithdrawMessage): Promise<string> {
    return Signature.from(await signer.signTypedData(this.domain, WITHDRAW_TYPES, m)).compactSerialized;
  }

  /**
   * The address that signed `digest`, or undefined for a signature that recovers to no one. The rules
   * are OpenZeppelin's `ECDSA.tryRecover`, which the one-step proof uses: r in [1, n), s in [1, n/2]
   * (low s only), and a point that recovers. libsecp256k1 (native, ~25 times ethers' pure-JS recovery)
   * does the curve work, since a sequencer checks every signature it admits.
   */
  static recover(digest: string, compactSignature: string): string | undefined {
    const sig = getBytes(compactSignature);
    if (sig.length !== 64) return undefined;
    const r = toBigInt(sig.subarray(0, 32));
    const yParityAndS = toBigInt(sig.subarray(32, 64));
    const s = yParityAndS & S_MASK;
    if (r === 0n || r >= SECP256K1_N || s === 0n || s > HALF_N) return undefined;
    const rs = new Uint8Array(64);
    rs.set(sig.subarray(0, 32), 0);
    rs.set(getBytes(toBeHex(s, 32)), 32);
    try {
      const publicKey = secp256k1.ecdsaRecover(rs, Number(yParityAndS >> 255n), getBytes(digest), false);
      return getAddress(dataSlice(keccak256(publicKey.subarray(1)), 12));
    } catch {
      return undefined;
    }
  }
}
