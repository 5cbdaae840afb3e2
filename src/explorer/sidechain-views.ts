/**
 * The JSON views of the sidechain's and the Layer 3's explorer routes (src/explorer/sidechain.ts), alone in
 * a file without imports so that the web pages (`import type`) never pull in the server's readers. Amounts
 * are wei as decimal strings, hashes and addresses 0x hex, times Unix seconds, shares basis points.
 */

/**
 * Where a validator stands, at the head. `withdrawn`: it unbonded and took its stake back (on chain its
 * record is empty again); the others are `ISidechain.Status`.
 */
export type SidechainValidatorStatus = "active" | "unbonding" | "withdrawn" | "slashed";

export interface SidechainValidatorView {
  address: string;
  status: SidechainValidatorStatus;
  /** Its stake now, wei (0 once withdrawn or slashed). */
  stake: string;
  /** Its share of the active stake, basis points (0 unless active). */
  shareBps: number;
  /** When it last unbonded (Unix seconds), if it did. */
  unbondedAt: number | null;
  /** Unbonding: the time from which `withdrawStake` pays it. */
  withdrawableAt: number | null;
  /** Withdrawn: what it took back, wei. */
  withdrawn: string | null;
}

/** One signer of a checkpoint, recovered from the submission's calldata. */
export interface CheckpointSignerView {
  address: string;
  /** Its stake at the submission's block, wei. */
  stake: string;
  /** That stake's share of the active stake the checkpoint was checked against, basis points. */
  shareBps: number;
  signature: string;
}

export interface SidechainCheckpointView {
  number: number;
  /** The sidechain blocks it covers, both ends included. */
  startBlock: number;
  endBlock: number;
  endBlockHash: string;
  withdrawalRoot: string;
  /** The EIP-712 digest its signers signed (domain "Strata Sidechain" on Layer 1). */
  digest: string;
  /** The signers, ascending; empty when it was submitted through another contract (calldata not readable). */
  signers: CheckpointSignerView[];
  /** The stake that signed it, and the active stake then (from its `CheckpointSubmitted` event), wei. */
  signedStake: string;
  totalStake: string;
  /** `signedStake / totalStake`, basis points: above 6,667 by the contract's rule. */
  signedBps: number;
  /** Who sent it (anyone may). */
  submitter: string;
  tx: string;
  block: number;
  gasUsed: string;
  /** Its Layer-1 block's time, Unix seconds. */
  time: number;
}

/** The evidence a slashing was shown: two checkpoints with one number, both signed by the validator. */
export interface EquivocationView {
  a: CheckpointFieldsView & { digest: string; signature: string };
  b: CheckpointFieldsView & { digest: string; signature: string };
  /** Which of the two Layer 1 accepted, if either. */
  accepted: "a" | "b" | null;
}

export interface CheckpointFieldsView {
  number: number;
  startBlock: number;
  endBlock: number;
  endBlockHash: string;
  withdrawalRoot: string;
}

export interface SlashingView {
  validator: string;
  /** Who showed the evidence and was paid the reward. */
  slasher: string;
  /** The checkpoint number the validator signed twice. */
  number: number;
  reward: string;
  burned: string;
  /** Null when the slash was sent through another contract (its calldata is not `slash(...)`). */
  evidence: EquivocationView | null;
  tx: string;
  block: number;
  time: number;
}

/** A state sync the ChildBridge received: the Layer-1 deposits `fromCount..count-1` minted on the sidechain. */
export interface StateSyncView {
  fromCount: number;
  count: number;
  head: string;
  tx: string;
  block: number;
}

/** A withdrawal burned on the sidechain, and the checkpoint that covers its block (null: not yet). */
export interface BurnView {
  index: number;
  from: string;
  recipient: string;
  tokenId: number;
  amount: string;
  tx: string;
  block: number;
  checkpoint: number | null;
}

/** What the sidechain's own node shows (only when the explorer is given it). */
export interface SidechainChainView {
  chainId: number;
  head: { number: number; hash: string; timestamp: number };
  childBridge: string;
  /** Layer-1 deposits minted so far, and the hash-chain head they reach. */
  syncedCount: number;
  syncedHead: string;
  /** The ChildBridge's mirror of the validator set: its nonce (replaced sets so far) and total stake. */
  mirrorNonce: number;
  mirrorStake: string;
  /** Withdrawals burned so far. */
  burnCount: number;
  /** The latest `LIST_LIMIT` state syncs and burns, newest first. */
  stateSyncs: StateSyncView[];
  burns: BurnView[];
  /**
   * The next checkpoint: it starts where Layer 1's last one ended. `dueEndBlock` and `dueAtBlock` follow
   * the local validators' rule (`LOCAL_CHECKPOINT_RULE`: `span` blocks, proposed `confirmations` after);
   * a validator set started with another rule closes it elsewhere.
   */
  nextCheckpoint: {
    number: number;
    startBlock: number;
    span: number;
    confirmations: number;
    dueEndBlock: number;
    dueAtBlock: number;
    /** Sidechain blocks mined since `startBlock` (0 when the head is before it). */
    blocksSoFar: number;
  };
}

/** `/api/sidechain`. */
export interface SidechainView {
  address: string;
  config: { minStake: string; unbondingDelay: number; slashRewardBps: number; maxValidators: number };
  /** Every address that ever staked, active first (largest stake first), then the others. */
  validators: SidechainValidatorView[];
  totalActiveStake: string;
  /** The least stake that makes a quorum: the smallest amount more than 2/3 of `totalActiveStake`. */
  quorumStake: string;
  /** Slashed stake not paid as a reward, kept by the contract for ever. */
  burnedStake: string;
  checkpointCount: number;
  /** The first sidechain block the next checkpoint covers. */
  nextStartBlock: number;
  /**
   * Accepted checkpoints in full, newest first: the latest `LIST_LIMIT`, or with `?before=n` the
   * `LIST_LIMIT` before checkpoint n. Each is also `/api/sidechain/checkpoints/:number`.
   */
  checkpoints: SidechainCheckpointView[];
  /** Every slashing, newest first. */
  slashings: SlashingView[];
  /** Present only when the explorer was given the sidechain's node. */
  chain: SidechainChainView | null;
  /** Why the sidechain's node, given, could not be read (unreachable, or not the record's chain); else null. */
  chainProblem: string | null;
}

/** `/api/layer3`. */
export interface Layer3View {
  /** The chain it runs on (the sidechain's) and that chain's head, which every figure here is read at. */
  chainId: number;
  head: { number: number; hash: string; timestamp: number };
  bridge: string;
  rollup: string;
  oneStepProver: string;
  /** The sidechain ERC-20 that is ETH on the Layer 3 (sETH), its token id in the Layer-3 bridge, and how
   * much of it that bridge escrows for the rollup: a balance on the sidechain's ledger, as good as the
   * sidechain's validators. */
  token: { address: string; tokenId: number; allowed: boolean; escrowed: string };
  /** Deposits ever queued into the Layer-3 rollup. */
  depositCount: number;
  /** Batches in the Layer-3 chain (genesis included), the last final one, and games ever opened. */
  batchCount: number;
  lastFinalizedIndex: number;
  gameCount: number;
  /** Seconds a Layer-3 batch waits before it is final, on the sidechain's clock. */
  challengeWindow: number;
}
