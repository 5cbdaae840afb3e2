import { Signature, TypedDataEncoder, concat, getBytes, id, keccak256, toBeHex, zeroPadValue } from "ethers";
import type { Signer, TypedDataDomain, TypedDataField } from "ethers";
import { recoverSigner } from "./ecdsa";

/**
 * EIP-712 typed signing of Layer-2 transfers and withdrawals (optimistic rollup; the zk rollup signs
 * with EdDSA-Poseidon instead). The domain binds name, version, chain id and the rollup contract, so a
 * signature made for one rollup or chain is worthless on another. Mirrors `L2Tx.sol`.
 */
export const L2_DOMAIN_NAME = "Strata";
export const L2_DOMAIN_VERSION = "1";

/**
 * EIP-712 struct types written as the `encodeType` strings the contracts hash, one struct each:
 * `structTypes("Transfer(uint32 from,uint32 to)")` is `{ Transfer: [{ name: "from", type: "uint32" }, …] }`.
 */
export function structTypes(...structs: string[]): Record<string, TypedDataField[]> {
  const types: Record<string, TypedDataField[]> = {};
  for (const struct of structs) {
    const match = /^(\w+)\((.*)\)$/.exec(struct);
    if (!match) throw new TypeError(`not an EIP-712 struct: ${struct}`);
    types[match[1]] = match[2].split(",").map((member) => {
      const [type, name] = member.trim().split(" ");
      return { name, type };
    });
  }
  return types;
}

/** A signing domain binding name, version, chain id and contract, and its separator. */
export function signingDomain(
  name: string,
  version: string,
  chainId: bigint | number,
  verifyingContract: string,
): { domain: TypedDataDomain; separator: string } {
  const domain = { name, version, chainId, verifyingContract };
  return { domain, separator: TypedDataEncoder.hashDomain(domain) };
}

export const TRANSFER_TYPES = structTypes("Transfer(uint32 from,uint32 to,uint128 amount,uint32 nonce)");
export const WITHDRAW_TYPES = structTypes(
  "Withdraw(uint32 from,address recipient,uint128 amount,uint32 nonce)",
);

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
    ({ domain: this.domain, separator: this.separator } = signingDomain(
      L2_DOMAIN_NAME,
      L2_DOMAIN_VERSION,
      chainId,
      verifyingContract,
    ));
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
   * are OpenZeppelin's `ECDSA.tryRecover`, which the one-step proof uses (see `recoverSigner`).
   */
  static recover(digest: string, compactSignature: string): string | undefined {
    return recoverSigner(getBytes(digest), getBytes(compactSignature));
  }
}
