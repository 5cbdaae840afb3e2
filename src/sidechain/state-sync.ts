import { Signature, TypedDataEncoder } from "ethers";
import type { Signer, TypedDataDomain } from "ethers";
import { structTypes } from "../shared/eip712";
import type { ValidatorSignature } from "./quorum";

/**
 * What the validators sign for the sidechain's `ChildBridge`: how far the Layer-1 deposit queue reaches
 * (`StateSync`) and the validator set its mirror must hold (`ValidatorSetSync`), as EIP-712 typed data.
 * Mirrors `contracts/sidechain/lib/StateSync.sol`.
 */

export const CHILD_BRIDGE_DOMAIN_NAME = "Strata Sidechain Bridge";
export const CHILD_BRIDGE_DOMAIN_VERSION = "1";

export const STATE_SYNC_TYPES = structTypes("StateSync(uint64 count,bytes32 head)");
export const VALIDATOR_SET_SYNC_TYPES = structTypes(
  "ValidatorSetSync(uint64 nonce,address[] validators,uint128[] stakes)",
);

/** The Layer-1 deposit queue after `count` deposits has head `head` (`StateSync.Data`). */
export interface StateSync {
  count: bigint;
  /** bytes32 hex: the queue head after `count` deposits (see `foldDeposits`). */
  head: string;
}

/** The validator set that replaces set `nonce` of the ChildBridge's mirror (`StateSync.ValidatorSet`). */
export interface ValidatorSetSync {
  nonce: bigint;
  /** Strictly ascending addresses. */
  validators: string[];
  /** `stakes[i]` is `validators[i]`'s, each non-zero. */
  stakes: bigint[];
}

/** The ChildBridge's signing domain: the sidechain's chain id and the bridge's address. */
export function childBridgeDomain(chainId: bigint | number, childBridge: string): TypedDataDomain {
  return {
    name: CHILD_BRIDGE_DOMAIN_NAME,
    version: CHILD_BRIDGE_DOMAIN_VERSION,
    chainId,
    verifyingContract: childBridge,
  };
}

/** The EIP-712 digest of `sync`. Mirrors `ChildBridge.stateSyncDigest`. */
export function stateSyncDigest(domain: TypedDataDomain, sync: StateSync): string {
  return TypedDataEncoder.hash(domain, STATE_SYNC_TYPES, sync);
}

/** The EIP-712 digest of `set`. Mirrors `ChildBridge.validatorSetSyncDigest`. */
export function validatorSetSyncDigest(domain: TypedDataDomain, set: ValidatorSetSync): string {
  return TypedDataEncoder.hash(domain, VALIDATOR_SET_SYNC_TYPES, set);
}

/** A validator's signature on `sync`, compact, ready for `packSignatures`. */
export async function signStateSync(
  wallet: Signer,
  domain: TypedDataDomain,
  sync: StateSync,
): Promise<ValidatorSignature> {
  return sign(wallet, () => wallet.signTypedData(domain, STATE_SYNC_TYPES, sync));
}

/** A validator's signature on `set`, compact, ready for `packSignatures`. */
export async function signValidatorSetSync(
  wallet: Signer,
  domain: TypedDataDomain,
  set: ValidatorSetSync,
): Promise<ValidatorSignature> {
  return sign(wallet, () => wallet.signTypedData(domain, VALIDATOR_SET_SYNC_TYPES, set));
}

async function sign(wallet: Signer, signTypedData: () => Promise<string>): Promise<ValidatorSignature> {
  const [signer, signature] = await Promise.all([wallet.getAddress(), signTypedData()]);
  return { signer, signature: Signature.from(signature).compactSerialized };
}
