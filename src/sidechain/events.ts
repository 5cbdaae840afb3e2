/**
 * The sidechain validators' typed events, published on each validator's `events` log and served as
 * `strata_events` by the validator service (see src/common/events.ts).
 *
 * Every field is a JSON value: stakes, amounts and gas as decimal strings, addresses, roots and
 * transaction hashes as lower-case 0x hex, block numbers and counts as numbers. A checkpoint's story
 * reads from its proposer's events: `checkpointProposed`, then `checkpointSubmitted` or `quorumMissed`;
 * each peer says `checkpointSigned` or `signatureRefused`. `checkpointDisowned` is the alarm a
 * sidechain has and a rollup does not need: Layer 1 accepted a checkpoint this validator would not
 * have signed, and nothing on Layer 1 can undo it.
 */
import type { Layer1Tx } from "../common/events";

/**
 * What a validator signs: a checkpoint for Layer 1, or for the sidechain a state sync (deposits) or a
 * validator-set sync (Layer 1's set, mirrored).
 */
export type SignedKind = "checkpoint" | "stateSync" | "validatorSet";

/** Why a validator refused to sign (see `ValidatorRefusalError`). */
export type ValidatorRefusal =
  /** Not yet: its view of the chains does not reach what it was asked to sign. */
  | "NotDue"
  /** What it was asked to sign differs from what it computes from the chains. */
  | "Mismatch"
  /** It signed another checkpoint with this number: a second signature would be slashable. */
  | "AlreadySigned"
  /** The request is not well formed. */
  | "Malformed";

interface CheckpointFields {
  number: number;
  startBlock: number;
  endBlock: number;
  withdrawalRoot: string;
}

export type ValidatorEvent =
  /** This validator, the proposer of its turn, built a checkpoint and asks its peers to sign it. */
  | ({ type: "checkpointProposed"; withdrawals: number } & CheckpointFields)
  /** This validator signed a checkpoint or a state sync, for `proposer` (itself, or a peer). */
  | { type: "signed"; kind: SignedKind; number: number; digest: string; proposer: string }
  /** This validator refused to sign. */
  | { type: "signatureRefused"; kind: SignedKind; number: number; reason: ValidatorRefusal; detail: string }
  /** Layer 1 accepted the checkpoint this validator proposed. */
  | ({
      type: "checkpointSubmitted";
      withdrawals: number;
      signers: string[];
      signedStake: string;
      totalStake: string;
      block: number;
    } & CheckpointFields &
      Layer1Tx)
  /** The signatures it gathered do not make more than 2/3 of the stake: nothing was sent. */
  | {
      type: "quorumMissed";
      kind: SignedKind;
      number: number;
      signers: string[];
      signedStake: string;
      totalStake: string;
    }
  /** It minted the Layer-1 deposits `fromCount..count-1` on the sidechain (a state sync). */
  | {
      type: "depositsSynced";
      fromCount: number;
      count: number;
      signers: string[];
      sidechainTxHash: string;
      gasUsed: string;
    }
  /** It replaced the sidechain's mirror of the validator set (nonce `nonce`) with Layer 1's set. */
  | {
      type: "validatorsSynced";
      nonce: number;
      validators: string[];
      totalStake: string;
      signers: string[];
      sidechainTxHash: string;
      gasUsed: string;
    }
  /**
   * Layer 1 accepted checkpoint `number` with a withdrawal root this validator does not compute from
   * the sidechain: a quorum signed a lie (or this validator's node is wrong). The withdrawals it lists
   * are payable all the same.
   */
  | {
      type: "checkpointDisowned";
      number: number;
      accepted: string;
      /** The digest of the checkpoint it computes for that range (null: none, the range is not the rule's). */
      computed: string | null;
      why: string;
    }
  /**
   * The ChildBridge minted deposits Layer 1's queue does not hold (a quorum of its mirror of the
   * validator set signed them): this validator signs no checkpoint from checkpoint `number` on, so the
   * burns of that money are never paid.
   */
  | { type: "ledgerForged"; number: number; detail: string }
  /** It showed Layer 1 two checkpoints `validator` signed for one number, and took its stake. */
  | ({ type: "validatorSlashed"; validator: string; number: number; reward: string } & Layer1Tx);
