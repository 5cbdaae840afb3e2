import { AbiCoder, keccak256 } from "ethers";
import type { Authorizer } from "../shared/authorizer";
import { chainDeposit, EMPTY_QUEUE_HEAD } from "../shared/deposit";
import type { KeccakHasher } from "../shared/hasher";
import { SparseMerkleTree } from "../shared/merkle-tree";
import { L2State } from "../shared/state";
import type { TxOutcome } from "../shared/stf";
import { applyTransaction, withdrawalOf } from "../shared/stf";
import type { Account, L2Tx, WithdrawalData } from "../shared/types";
import { ZERO_BYTES32 } from "../shared/types";
import { TX_BYTES } from "../shared/codec";
import { hashWithdrawal } from "../shared/withdrawal";

/** Depth of the account tree. Mirrors `Trace.ACCOUNT_DEPTH`. */
export const ACCOUNT_DEPTH = 32;
/** Depth of a batch's withdrawal tree (at most one withdrawal per step). Mirrors `Trace.WITHDRAWAL_DEPTH`. */
export const WITHDRAWAL_DEPTH = 11;

const abi = AbiCoder.defaultAbiCoder();

/**
 * The rollup's state between two steps of a batch, as `Trace.State` holds it: the accounts, the deposit
 * chain consumed so far, the batch's withdrawals so far, and how many bytes of the batch's data the steps
 * have read (`cursor`: the next step's transaction starts there).
 */
export interface TraceState {
  accountsRoot: string;
  nextIndex: bigint;
  depositHead: string;
  withdrawalRoot: string;
  withdrawalCount: bigint;
  cursor: bigint;
}

/** The one word a proposer or a player claims about a state. Mirrors `Trace.claim`. */
export function traceClaim(s: TraceState): string {
  const stateRoot = keccak256(abi.encode(["bytes32", "uint256"], [s.accountsRoot, s.nextIndex]));
  return keccak256(
    abi.encode(
      ["bytes32", "bytes32", "bytes32", "uint32", "uint32"],
      [stateRoot, s.depositHead, s.withdrawalRoot, s.withdrawalCount, s.cursor],
    ),
  );
}

/** An account leaf and its path, as `IOneStepProver.AccountProof` takes it. */
export interface AccountProofArg {
  leaf: Account;
  siblings: string[];
}

/** What a one-step proof reads, as `IOneStepProver.Witness` takes it. Unread parts are left empty. */
export interface StepWitness {
  first: AccountProofArg;
  second: AccountProofArg;
  withdrawalSiblings: string[];
}

const NO_ACCOUNT: AccountProofArg = {
  leaf: { owner: ZERO_BYTES32, tokenId: 0, balance: 0n, nonce: 0 },
  siblings: [],
};

/** A witness that reads nothing: for a step that applies no transaction. */
export function emptyWitness(): StepWitness {
  return { first: NO_ACCOUNT, second: NO_ACCOUNT, withdrawalSiblings: [] };
}

/**
 * The state transition function run step by step over a batch, keeping what the one-step proof checks:
 * the account tree, the deposit chain, and the batch's withdrawal tree. Starts from the parent batch's
 * accounts and deposit head with no withdrawals. Owns its `L2State`: pass a clone to keep the original.
 */
export class StepMachine {
  readonly withdrawals: WithdrawalData[] = [];
  private readonly withdrawalTree: SparseMerkleTree<Uint8Array>;
  private bytesRead = 0;

  constructor(
    readonly l2: L2State<Uint8Array>,
    private head: string,
    private readonly authorizer: Authorizer,
  ) {
    this.withdrawalTree = new SparseMerkleTree(l2.hasher as KeccakHasher, WITHDRAWAL_DEPTH);
  }

  /** The machine before the first batch: no accounts, an empty deposit queue. */
  static async genesis(authorizer: Authorizer): Promise<StepMachine> {
    return new StepMachine(await L2State.keccak(ACCOUNT_DEPTH), EMPTY_QUEUE_HEAD, authorizer);
  }

  get depositHead(): string {
    return this.head;
  }

  get state(): TraceState {
    return {
      accountsRoot: this.l2.accountsRoot,
      nextIndex: BigInt(this.l2.nextIndex),
      depositHead: this.head,
      withdrawalRoot: this.withdrawalTree.rootHex,
      withdrawalCount: BigInt(this.withdrawals.length),
      cursor: BigInt(this.bytesRead),
    };
  }

  /** Bytes of the batch's data read so far. */
  get cursor(): number {
    return this.bytesRead;
  }

  get claim(): string {
    return traceClaim(this.state);
  }

  /** A machine for the next batch: this one's accounts (copied) and deposit head, no withdrawals. */
  nextBatch(): StepMachine {
    return new StepMachine(this.l2.clone(), this.head, this.authorizer);
  }

  /**
   * Applies one step; a deposit also extends the deposit chain, a withdrawal joins the tree, and the cursor
   * moves past the transaction's encoding.
   */
  apply(tx: L2Tx): TxOutcome {
    const outcome = applyTransaction(this.l2, tx, this.authorizer);
    this.bytesRead += TX_BYTES[tx.kind];
    if (tx.kind === "deposit") this.head = chainDeposit(this.head, tx.deposit);
    const withdrawal = withdrawalOf(outcome);
    if (withdrawal) {
      this.withdrawalTree.update(
        this.withdrawals.length,
        this.withdrawalTree.hasher.fromHex(hashWithdrawal(withdrawal)),
      );
      this.withdrawals.push(withdrawal);
    }
    return outcome;
  }

  /**
   * Moves the cursor to `offset` without applying anything: a blob batch's step over bytes that are not a
   * whole transaction skips the rest of its payload (`IOneStepProver.executeFromBlobs`).
   */
  skipTo(offset: number): void {
    if (offset < this.bytesRead)
      throw new RangeError(`cursor ${this.bytesRead} cannot move back to ${offset}`);
    this.bytesRead = offset;
  }

  /** What the one-step proof of `tx` reads from the current state. Call before `apply(tx)`. */
  witness(tx: L2Tx): StepWitness {
    const w: StepWitness = { first: NO_ACCOUNT, second: NO_ACCOUNT, withdrawalSiblings: [] };
    const next = this.l2.nextIndex;
    const withdrawalSlot = (): string[] => this.withdrawalTree.proof(this.withdrawals.length).siblings;
    switch (tx.kind) {
      case "deposit":
        if (tx.accountHint < next) w.first = this.accountProof(tx.accountHint);
        if (this.l2.isFull) w.withdrawalSiblings = withdrawalSlot();
        else w.second = this.accountProof(next);
        break;
      case "transfer":
        if (tx.from < next) w.first = this.accountProof(tx.from);
        if (tx.to < next) w.second = this.accountProof(tx.to);
        break;
      case "withdraw":
        if (tx.from < next) w.first = this.accountProof(tx.from);
        w.withdrawalSiblings = withdrawalSlot();
        break;
    }
    return w;
  }

  /** The leaf at `index` (an empty leaf for an unopened slot) and its siblings. */
  private accountProof(index: number): AccountProofArg {
    return {
      leaf: this.l2.account(index) ?? NO_ACCOUNT.leaf,
      siblings: this.l2.accountProof(index).siblings,
    };
  }
}

/** A batch replayed step by step: the claim after every step, claims[0] being the start. */
export function traceBatch(start: StepMachine, txs: readonly L2Tx[]): string[] {
  const claims = [start.claim];
  for (const tx of txs) {
    start.apply(tx);
    claims.push(start.claim);
  }
  return claims;
}
