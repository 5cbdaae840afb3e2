/**
 * The zk rollup's state (`docs/zk.md`, "State"): the Poseidon accounts tree of depth D
 * (`L2State.poseidon(D)`) and the deployment's domain, committed together by the rollup root
 * `Poseidon(accountsRoot, nextIndex, domain)`.
 */
import type { Account } from "../shared/types";
import { L2State } from "../shared/state";
import type { PoseidonFn } from "./domain";
import { loadPoseidon, rollupRoot } from "./domain";

/** A leaf's preimage as the circuit reads it: every field a field element. */
export interface ZkLeafFields {
  owner: bigint;
  tokenId: bigint;
  balance: bigint;
  nonce: bigint;
}

/** The fields of `account` as field elements. */
export function leafFields(account: Account): ZkLeafFields {
  return {
    owner: BigInt(account.owner),
    tokenId: BigInt(account.tokenId),
    balance: account.balance,
    nonce: BigInt(account.nonce),
  };
}

/** An owner (< 2^160) as the bytes32 hex an `Account` carries. */
export function ownerToHex(owner: bigint): string {
  return "0x" + owner.toString(16).padStart(64, "0");
}

export class ZkState {
  private constructor(
    readonly accounts: L2State<bigint>,
    readonly domain: bigint,
    private readonly poseidon: PoseidonFn,
  ) {}

  /** An empty state of `depth` for the deployment `domain` (`zkDomain(chainId, rollup)`). */
  static async create(depth: number, domain: bigint): Promise<ZkState> {
    return new ZkState(await L2State.poseidon(depth), domain, await loadPoseidon());
  }

  /** An independent copy: changing one never changes the other. */
  clone(): ZkState {
    return new ZkState(this.accounts.clone(), this.domain, this.poseidon);
  }

  get depth(): number {
    return this.accounts.tree.depth;
  }

  get nextIndex(): number {
    return this.accounts.nextIndex;
  }

  get isFull(): boolean {
    return this.accounts.isFull;
  }

  get accountsRoot(): bigint {
    return this.accounts.tree.root;
  }

  /** The rollup root: Poseidon(accountsRoot, nextIndex, domain), what the contract stores. */
  get root(): bigint {
    return rollupRoot(this.poseidon, this.accountsRoot, this.nextIndex, this.domain);
  }

  /** A copy of the account open at `index`, or undefined. */
  account(index: number): Account | undefined {
    return Number.isInteger(index) && index >= 0 ? this.accounts.account(index) : undefined;
  }

  /** The leaf value at `index` (0 when empty). */
  leaf(index: number): bigint {
    return this.accounts.tree.leaf(index);
  }

  /** The siblings of leaf `index`, bottom-up. */
  siblings(index: number): bigint[] {
    return this.accounts.tree.siblings(index);
  }

  /** Replaces the account open at `index` (throws `AccountIndexError` if none is). */
  setAccount(index: number, account: Account): void {
    this.accounts.setAccount(index, account);
  }

  /** Opens `account` at `nextIndex` and returns its index (throws `AccountIndexError` when full). */
  openAccount(account: Account): number {
    return this.accounts.openAccount(account);
  }

  /** The leaf hash of `account`: Poseidon(owner, tokenId, balance, nonce). */
  hashAccount(account: Account): bigint {
    return this.accounts.hasher.hashAccount(account);
  }
}
