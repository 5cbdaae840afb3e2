import { TypedDataEncoder } from "ethers";
import type { Signer, TypedDataDomain } from "ethers";
import { signingDomain, structTypes } from "../shared/eip712";
import type { KeccakHasher } from "../shared/hasher";
import { createKeccakHasher } from "../shared/hasher";
import { WithdrawalTree } from "../shared/withdrawal";
import type { WithdrawalData } from "../shared/types";
import type { ValidatorSignature } from "./quorum";
import { compactSignature } from "./quorum";

/**
 * A checkpoint of the sidechain's history, as validators sign it for Layer 1 and the `Sidechain` contract
 * accepts it: EIP-712, domain `{ name: "Strata Sidechain", version: "1", chainId: <Layer 1>,
 * verifyingContract: <Sidechain> }`. Mirrors `contracts/sidechain/lib/Checkpoint.sol`.
 */
export const CHECKPOINT_DOMAIN_NAME = "Strata Sidechain";
export const CHECKPOINT_DOMAIN_VERSION = "1";

/** One checkpoint: `Checkpoint.Data`. */
export interface Checkpoint {
  /** Its position: 0, 1, 2, … with no gap. */
  number: bigint;
  /** The first sidechain block it covers: the block after the last checkpoint's end (0 for the first). */
  startBlock: bigint;
  /** The last sidechain block it covers (at least `startBlock`). */
  endBlock: bigint;
  /** The hash of sidechain block `endBlock`. */
  endBlockHash: string;
  /** `checkpointWithdrawalRoot` of the withdrawals burned in `startBlock..endBlock`, in order. */
  withdrawalRoot: string;
}

export const CHECKPOINT_TYPES = structTypes(
  "Checkpoint(uint64 number,uint64 startBlock,uint64 endBlock,bytes32 endBlockHash,bytes32 withdrawalRoot)",
);

/** The domain checkpoints for the `Sidechain` contract at `sidechain` on Layer-1 chain `chainId` are signed in. */
export function checkpointDomain(chainId: bigint | number, sidechain: string): TypedDataDomain {
  return signingDomain(CHECKPOINT_DOMAIN_NAME, CHECKPOINT_DOMAIN_VERSION, chainId, sidechain).domain;
}

/** The EIP-712 digest validators sign for `checkpoint`: `Sidechain.checkpointDigest`. */
export function checkpointDigest(domain: TypedDataDomain, checkpoint: Checkpoint): string {
  return TypedDataEncoder.hash(domain, CHECKPOINT_TYPES, checkpoint);
}

/** `wallet`'s signature of `checkpoint`, in the 64-byte compact form `packSignatures` packs. */
export async function signCheckpoint(
  wallet: Signer,
  domain: TypedDataDomain,
  checkpoint: Checkpoint,
): Promise<ValidatorSignature> {
  const [signer, signature] = await Promise.all([
    wallet.getAddress(),
    wallet.signTypedData(domain, CHECKPOINT_TYPES, checkpoint),
  ]);
  return { signer, signature: compactSignature(signature) };
}

let keccakHasher: Promise<KeccakHasher> | undefined;

/**
 * The withdrawal tree of a checkpoint: the rollups' `WithdrawalTree` over `withdrawals`, in the order the
 * ChildBridge burned them. Its `proof(i)` is what `Bridge.finalizeWithdrawal` takes.
 */
export async function checkpointWithdrawalTree(
  withdrawals: readonly WithdrawalData[],
): Promise<WithdrawalTree> {
  keccakHasher ??= createKeccakHasher();
  return new WithdrawalTree(await keccakHasher, withdrawals);
}

/** A checkpoint's `withdrawalRoot`: never zero, even with no withdrawals. */
export async function checkpointWithdrawalRoot(withdrawals: readonly WithdrawalData[]): Promise<string> {
  return (await checkpointWithdrawalTree(withdrawals)).root;
}
