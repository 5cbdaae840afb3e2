import { Signature, concat, getAddress } from "ethers";
import { StrataError } from "../common/errors";

/**
 * Signatures of validators over one digest, packed as `contracts/sidechain/lib/Quorum.sol` reads them:
 * 64-byte EIP-2098 compact signatures (`r ‖ yParityAndS`), ordered by signer address, ascending, with
 * no signer twice. And the rule a quorum meets: more than two thirds of the stake.
 */

/** One validator's signature on a digest. */
export interface ValidatorSignature {
  /** The validator's address (its signing key). */
  signer: string;
  /** The signature in 64-byte compact form, 0x hex. */
  signature: string;
}

export class QuorumError extends StrataError {}

/** Whether `signed` is more than two thirds of `total`. Mirrors `Quorum.isSupermajority`. */
export function isSupermajority(signed: bigint, total: bigint): boolean {
  return signed * 3n > total * 2n;
}

/** The 64-byte compact form of a signature in any form ethers reads (65-byte `r ‖ s ‖ v` included). */
export function compactSignature(signature: string): string {
  return Signature.from(signature).compactSerialized;
}

/** The signatures packed for `Quorum.signedStake`: compact, ordered by signer, each signer once. */
export function packSignatures(signatures: readonly ValidatorSignature[]): string {
  const sorted = [...signatures].sort((a, b) => {
    const x = BigInt(a.signer);
    const y = BigInt(b.signer);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  for (let i = 1; i < sorted.length; i++) {
    if (BigInt(sorted[i].signer) === BigInt(sorted[i - 1].signer)) {
      throw new QuorumError(`validator ${getAddress(sorted[i].signer)} signed twice`);
    }
  }
  return concat(sorted.map((s) => compactSignature(s.signature)));
}

/**
 * The signers to send: the fewest of `signatures`, largest stake first, whose stake is more than two
 * thirds of `totalStake` (each extra signature costs Layer-1 gas and counts for nothing more); or
 * undefined when all of them together are not enough. Signers without stake are left out.
 */
export function selectQuorum(
  signatures: readonly ValidatorSignature[],
  stakeOf: (signer: string) => bigint,
  totalStake: bigint,
): ValidatorSignature[] | undefined {
  const byStake = signatures
    .map((s) => ({ s, stake: stakeOf(s.signer) }))
    .filter(({ stake }) => stake > 0n)
    .sort((a, b) => (a.stake > b.stake ? -1 : a.stake < b.stake ? 1 : 0));
  const chosen: ValidatorSignature[] = [];
  let signed = 0n;
  for (const { s, stake } of byStake) {
    if (isSupermajority(signed, totalStake)) break;
    chosen.push(s);
    signed += stake;
  }
  return isSupermajority(signed, totalStake) ? chosen : undefined;
}
