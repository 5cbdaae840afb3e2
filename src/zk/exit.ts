/**
 * The exodus-proof builder: from a state rebuilt from Layer 1 (`ZkChainFollower.state`, whose root is
 * the contract's last root), the `ExitProof` an account's owner sends to `exit` — its leaf, the owner's
 * key, the state's nextIndex and the leaf's path. Only the owner can use it: the contract hashes the
 * key with the caller's address into the owner the leaf commits to.
 */
import { StrataError } from "../common/errors";
import type { ZkCrypto } from "./keys";
import type { ZkExitProof } from "./rollup-client";
import type { ZkState } from "./state";
import type { ZkPublicKey } from "./types";

/** No exit proof can be built: no such account, or the key and address are not its owner's. */
export class ZkExitProofError extends StrataError {}

/** Who exits: the account's key and the Layer-1 address that will call `exit`. */
export interface ZkExitOwner {
  publicKey: ZkPublicKey;
  l1Address: string;
}

/**
 * The exit proof of account `index` in `state` for `owner`.
 * @throws ZkExitProofError if no account is open at `index` or `owner` does not hash to its owner.
 */
export function buildExitProof(
  state: ZkState,
  index: number,
  owner: ZkExitOwner,
  crypto: ZkCrypto,
): ZkExitProof {
  const account = state.account(index);
  if (!account) throw new ZkExitProofError(`no account ${index}`);
  if (crypto.ownerOf(owner.publicKey, owner.l1Address) !== BigInt(account.owner)) {
    throw new ZkExitProofError(`the key and ${owner.l1Address} are not account ${index}'s owner`);
  }
  return {
    accountIndex: index,
    tokenId: account.tokenId,
    balance: account.balance,
    nonce: account.nonce,
    ax: owner.publicKey.Ax,
    ay: owner.publicKey.Ay,
    nextIndex: state.nextIndex,
    siblings: state.siblings(index),
  };
}

/** Every account `owner` holds in `state` (one per token), in index order. */
export function accountsOf(state: ZkState, owner: ZkExitOwner, crypto: ZkCrypto): number[] {
  const hash = crypto.ownerOf(owner.publicKey, owner.l1Address);
  const found: number[] = [];
  for (let index = 0; index < state.nextIndex; index++) {
    if (BigInt(state.account(index)!.owner) === hash) found.push(index);
  }
  return found;
}
