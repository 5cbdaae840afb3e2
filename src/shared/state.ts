import { StrataError } from "../common/errors";
import type { Hasher } from "./hasher";
import { createKeccakHasher, createPoseidonHasher } from "./hasher";
import type { MerkleProof } from "./merkle-tree";
import { SparseMerkleTree } from "./merkle-tree";
import type { Account } from "./types";

export class AccountIndexError extends StrataError {}

/**
 * The Layer-2 state: accounts in a sparse Merkle tree, allocated in order from index 0, so an index
 * below `nextIndex` holds an account and every other leaf is empty. The state root commits to both:
 * stateRoot = H(accountsRoot, nextIndex), as `Account.stateRoot` computes it.
 */
export class L2State<N> {
  readonly tree: SparseMerkleTree<N>;
  private readonly accounts: Map<number, Account>;
  private next = 0;

  constructor(
    readonly hasher: Hasher<N>,
    depth: number,
    from?: { tree: SparseMerkleTree<N>; accounts: Map<number, Account>; next: number },
  ) {
    this.tree = from?.tree ?? new SparseMerkleTree(hasher, depth);
    this.accounts = from?.accounts ?? new Map();
    this.next = from?.next ?? 0;
  }

  /** An independent copy (accounts are copied on write, so sharing the account objects is safe). */
  clone(): L2State<N> {
    return new L2State(this.hasher, this.tree.depth, {
      tree: this.tree.clone(),
      accounts: new Map(this.accounts),
      next: this.next,
    });
  }

  /** The optimistic rollup's state: keccak256, depth 32 by default. */
  static async keccak(depth = 32): Promise<L2State<Uint8Array>> {
    return new L2State(await createKeccakHasher(), depth);
  }

  /** The zk rollup's state: Poseidon. */
  static async poseidon(depth: number): Promise<L2State<bigint>> {
    return new L2State(await createPoseidonHasher(), depth);
  }

  get nextIndex(): number {
    return this.next;
  }

  get capacity(): number {
    return this.tree.capacity;
  }

  get isFull(): boolean {
    return this.next >= this.tree.capacity;
  }

  get accountsRoot(): string {
    return this.tree.rootHex;
  }

  get stateRoot(): string {
    const { hasher } = this;
    return hasher.toHex(hasher.hashPair(this.tree.root, hasher.fromUint(BigInt(this.next))));
  }

  /** A copy of the account at `index`, or undefined if none is open there. */
  account(index: number): Account | undefined {
    const a = this.accounts.get(index);
    return a && { ...a };
  }

  /** The index of the first open account of (`owner`, `tokenId`), or undefined. A scan: fine for demos
   * and tests; an operator with many accounts keeps its own index. */
  findAccount(owner: string, tokenId: number): number | undefined {
    for (const [index, a] of this.accounts) {
      if (a.tokenId === tokenId && BigInt(a.owner) === BigInt(owner)) return index;
    }
    return undefined;
  }

  /** Replaces an open account and rewrites its tree path. */
  setAccount(index: number, account: Account): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.next) {
      throw new AccountIndexError(`no account is open at index ${index} (next index ${this.next})`);
    }
    this.write(index, account);
  }

  /** Opens `account` at `nextIndex`; returns its index. */
  openAccount(account: Account): number {
    if (this.isFull) throw new AccountIndexError(`the state is full (${this.capacity} accounts)`);
    const index = this.next++;
    this.write(index, account);
    return index;
  }

  /** Proof of account `index` against `accountsRoot`. */
  accountProof(index: number): MerkleProof {
    return this.tree.proof(index);
  }

  /** Every open account, in index order. */
  *entries(): IterableIterator<[number, Account]> {
    for (let i = 0; i < this.next; i++) yield [i, { ...this.accounts.get(i)! }];
  }

  private write(index: number, account: Account): void {
    this.accounts.set(index, { ...account });
    this.tree.update(index, this.hasher.hashAccount(account));
  }
}
