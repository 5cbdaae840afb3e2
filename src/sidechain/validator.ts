import type { ContractTransactionReceipt } from "ethers";
import { getAddress, recoverAddress } from "ethers";
import { EventLog } from "../common/events";
import { Journal } from "../common/journal";
import type { Logger } from "../common/logger";
import { Rounds } from "../common/rounds";
import { StrataError } from "../common/errors";
import type { DepositData, WithdrawalData } from "../shared/types";
import type { Checkpoint } from "./checkpoint";
import { checkpointWithdrawalRoot } from "./checkpoint";
import type { SignedKind, ValidatorEvent, ValidatorRefusal } from "./events";
import type { ValidatorSignature } from "./quorum";
import { isSupermajority, selectQuorum } from "./quorum";
import type { StateSync, ValidatorSetSync } from "./state-sync";

/**
 * A sidechain validator: it follows Layer 1 (its stake, the checkpoints, the bridge's deposit queue for
 * the sidechain) and the sidechain (its blocks, the ChildBridge's burns and synced deposits), signs
 * what it can check against both, and, when it is its turn, proposes: gathers its peers' signatures
 * and submits a checkpoint to Layer 1, or a state sync to the sidechain.
 *
 * What it checks is all a sidechain has: Layer 1 checks only that more than 2/3 of the stake signed.
 * So an honest validator signs a checkpoint only if it computes the same one itself (the range, the
 * hash of its last block, the root of the burns in it), and never signs two checkpoints with one number
 * (its journal remembers every signature before it is handed out: a restart cannot make it equivocate).
 *
 * Checkpoints are deterministic, so honest proposers never disagree: checkpoint n covers the `span`
 * blocks from where checkpoint n-1 ended, and is due once the sidechain is `confirmations` blocks past
 * its end. The proposer of a turn is the active validator at position (turn + k) mod N, in address
 * order, where k counts the `proposerTimeoutMs` periods the turn has waited: a silent proposer is
 * passed over.
 *
 * `decide*` functions are pure; `Validator` reads the chains through `ValidatorLayer1` and
 * `ValidatorSidechain` (see src/sidechain/chains.ts for the implementations over any JSON-RPC nodes)
 * and talks to its peers through `ValidatorPeer` (in-process, or `ValidatorClient` over JSON-RPC).
 */

// -------------------------------------------------------------------------------------------------
// What it reads and writes
// -------------------------------------------------------------------------------------------------

/** One active validator and its stake, as Layer 1 says. */
export interface ValidatorStake {
  address: string;
  stake: bigint;
}

/** Layer 1 as a validator sees it. */
export interface ValidatorLayer1 {
  /** Checkpoints accepted so far, and the first sidechain block of the next one. */
  checkpointHead(): Promise<{ count: number; nextStartBlock: number }>;
  /** The accepted checkpoint `number`, as its `CheckpointSubmitted` event says (undefined if none). */
  acceptedCheckpoint(number: number): Promise<Checkpoint | undefined>;
  /**
   * The signatures the accepted checkpoint `number` was submitted with, as its transaction's calldata
   * holds them (empty when it was submitted through another contract, whose calldata is not read).
   */
  acceptedSignatures(number: number): Promise<ValidatorSignature[]>;
  /** Shows Layer 1 one validator's signatures on two checkpoints with one number; resolves once mined. */
  slash(evidence: Equivocation): Promise<{ receipt: ContractTransactionReceipt; reward: bigint }>;
  /** The active validators, in address order, and their stakes. */
  validators(): Promise<ValidatorStake[]>;
  /** The EIP-712 digest of `checkpoint` that validators sign. */
  checkpointDigest(checkpoint: Checkpoint): string;
  /** Signs `checkpoint` with this validator's key. */
  signCheckpoint(checkpoint: Checkpoint): Promise<ValidatorSignature>;
  /** Sends `submitCheckpoint` with `signatures` (packed by the client); resolves once mined. */
  submitCheckpoint(
    checkpoint: Checkpoint,
    signatures: readonly ValidatorSignature[],
  ): Promise<ContractTransactionReceipt>;
  /** Every deposit queued for the sidechain on the bridge, in order, verified against its head. */
  deposits(): Promise<readonly (DepositData & { head: string })[]>;
}

/** One validator's signatures on two different checkpoints with one number: what slashes it. */
export interface Equivocation {
  a: Checkpoint;
  signatureA: string;
  b: Checkpoint;
  signatureB: string;
}

/** The sidechain as a validator sees it. */
export interface ValidatorSidechain {
  /** The number of its newest block. */
  headBlock(): Promise<number>;
  /** The hash of block `number`. */
  blockHash(number: number): Promise<string>;
  /** The ChildBridge's burns in blocks `from..to`, in (block, log index) order. */
  burns(from: number, to: number): Promise<WithdrawalData[]>;
  /** How many Layer-1 deposits the ChildBridge has minted. */
  syncedCount(): Promise<number>;
  /** The ChildBridge's minted count and head as of the end of block `block`. */
  syncedAt(block: number): Promise<{ count: number; head: string }>;
  /** The EIP-712 digest of `sync` that validators sign. */
  stateSyncDigest(sync: StateSync): string;
  /** Signs `sync` with this validator's key. */
  signStateSync(sync: StateSync): Promise<ValidatorSignature>;
  /** The mirrored validator set's nonce, and what it says `validator` stakes (0: not in it). */
  mirror(): Promise<{ nonce: bigint; totalStake: bigint; stakeOf(validator: string): Promise<bigint> }>;
  /** The EIP-712 digest of `set` that validators sign. */
  validatorSetSyncDigest(set: ValidatorSetSync): string;
  /** Signs `set` with this validator's key. */
  signValidatorSetSync(set: ValidatorSetSync): Promise<ValidatorSignature>;
  /** Sends `syncValidators` with `signatures` of the current mirror; resolves once mined. */
  syncValidators(
    set: ValidatorSetSync,
    signatures: readonly ValidatorSignature[],
  ): Promise<ContractTransactionReceipt>;
  /** Sends `syncDeposits` with `signatures` (packed by the client); resolves once mined. */
  syncDeposits(
    sync: StateSync,
    deposits: readonly DepositData[],
    signatures: readonly ValidatorSignature[],
  ): Promise<ContractTransactionReceipt>;
}

/** Another validator, as a proposer asks it to sign. */
export interface ValidatorPeer {
  /** Its address (its signing key). */
  readonly address: string;
  signCheckpoint(checkpoint: Checkpoint, proposer: string): Promise<ValidatorSignature>;
  signStateSync(sync: StateSync, proposer: string): Promise<ValidatorSignature>;
  signValidatorSetSync(set: ValidatorSetSync, proposer: string): Promise<ValidatorSignature>;
}

/** A validator refused to sign; `reason` names why (it travels over JSON-RPC by name). */
export class ValidatorRefusalError extends StrataError {
  constructor(
    readonly reason: ValidatorRefusal,
    message: string,
  ) {
    super(message);
  }
}

// -------------------------------------------------------------------------------------------------
// Deciding
// -------------------------------------------------------------------------------------------------

/** How checkpoints are cut: every validator must use the same values, or honest ones disagree. */
export interface CheckpointRule {
  /** Sidechain blocks per checkpoint. */
  span: number;
  /** Sidechain blocks past a checkpoint's end before it is due (a reorganization's reach). */
  confirmations: number;
}

/** The range of checkpoint `number` starting at `startBlock`, if the sidechain at `head` makes it due. */
export function dueCheckpointRange(
  next: { count: number; nextStartBlock: number },
  head: number,
  rule: CheckpointRule,
): { number: number; startBlock: number; endBlock: number } | undefined {
  const endBlock = next.nextStartBlock + rule.span - 1;
  if (head < endBlock + rule.confirmations) return undefined;
  return { number: next.count, startBlock: next.nextStartBlock, endBlock };
}

/**
 * The proposer of turn `turn` among `validators` (address order), after the turn has waited `waitedMs`:
 * every `timeoutMs` passes the turn to the next validator, so a silent proposer stalls nothing for ever.
 */
export function proposerOf(
  validators: readonly ValidatorStake[],
  turn: number,
  waitedMs: number,
  timeoutMs: number,
): string | undefined {
  if (validators.length === 0) return undefined;
  const skips = Math.floor(Math.max(0, waitedMs) / timeoutMs);
  return validators[(turn + skips) % validators.length].address;
}

/** The first field in which `asked` differs from `computed`, as "field: asked ≠ computed", or undefined. */
export function checkpointMismatch(asked: Checkpoint, computed: Checkpoint): string | undefined {
  for (const field of ["number", "startBlock", "endBlock", "endBlockHash", "withdrawalRoot"] as const) {
    const a = String(asked[field]).toLowerCase();
    const c = String(computed[field]).toLowerCase();
    if (a !== c) return `${field}: ${a} ≠ ${c}`;
  }
  return undefined;
}

/** The first difference between a proposed validator set and Layer 1's, or undefined. */
export function validatorSetMismatch(asked: ValidatorSetSync, layer1: ValidatorSetSync): string | undefined {
  if (asked.validators.length !== layer1.validators.length) {
    return `${asked.validators.length} validators, Layer 1 has ${layer1.validators.length}`;
  }
  for (let i = 0; i < asked.validators.length; i++) {
    if (getAddress(asked.validators[i]) !== getAddress(layer1.validators[i])) {
      return `validator ${i} is ${asked.validators[i]}, Layer 1's is ${layer1.validators[i]}`;
    }
    if (BigInt(asked.stakes[i]) !== BigInt(layer1.stakes[i])) {
      return `${layer1.validators[i]} stakes ${asked.stakes[i]}, on Layer 1 ${layer1.stakes[i]}`;
    }
  }
  return undefined;
}

// -------------------------------------------------------------------------------------------------
// Its store: what it signed
// -------------------------------------------------------------------------------------------------

interface SignedRecord {
  k: "signed";
  kind: SignedKind;
  number: number;
  digest: string;
}

/**
 * Every checkpoint digest this validator signed, by number, in a `Journal`: written before a signature
 * leaves the validator, so that no restart makes it sign a second checkpoint with the same number.
 */
export class ValidatorStore {
  private readonly checkpoints = new Map<number, string>();

  private constructor(private readonly journal: Journal<SignedRecord>) {}

  static async open(path: string, options: { logger?: Logger } = {}): Promise<ValidatorStore> {
    const { journal, records } = await Journal.open<SignedRecord>(path, options);
    const store = new ValidatorStore(journal);
    for (const r of records) if (r.kind === "checkpoint") store.checkpoints.set(r.number, r.digest);
    return store;
  }

  /** The digest of the checkpoint with this number it signed, if any. */
  signedCheckpoint(number: number): string | undefined {
    return this.checkpoints.get(number);
  }

  /** Remembers, durably, that it signs checkpoint `number` with digest `digest`. */
  async recordCheckpoint(number: number, digest: string): Promise<void> {
    this.checkpoints.set(number, digest);
    await this.journal.append({ k: "signed", kind: "checkpoint", number, digest }, `checkpoint-${number}`);
  }

  close(): Promise<void> {
    return this.journal.close();
  }
}

// -------------------------------------------------------------------------------------------------
// The validator
// -------------------------------------------------------------------------------------------------

export interface ValidatorOptions {
  /** Its address: its staking account on Layer 1 and its signing key. */
  address: string;
  layer1: ValidatorLayer1;
  sidechain: ValidatorSidechain;
  store: ValidatorStore;
  rule: CheckpointRule;
  /** The other validators it asks for signatures when it proposes (itself excluded). */
  peers?: ValidatorPeer[];
  /** How long a turn waits for its proposer before passing to the next (default 10 s). */
  proposerTimeoutMs?: number;
  /** How long it waits for a peer's signature (default 5 s). */
  peerTimeoutMs?: number;
  /** Milliseconds between rounds when running as a service (default 1000). */
  pollMs?: number;
  /** The most deposits one state sync mints (default 64). */
  maxDepositsPerSync?: number;
  logger?: Logger;
  events?: EventLog<ValidatorEvent>;
  /** The clock (default Date.now): tests move it to pass a turn on. */
  now?: () => number;
}

export class Validator {
  readonly address: string;
  readonly events: EventLog<ValidatorEvent>;
  private readonly rounds: Rounds;
  private readonly log: Logger | undefined;
  private peers: ValidatorPeer[];
  /** When this validator first saw each turn due: `checkpoint-n` / `sync-n`. */
  private readonly dueSince = new Map<string, number>();
  /**
   * The signatures it gathered for each checkpoint it proposed, kept (in memory) as evidence: a signer
   * found again on a different checkpoint Layer 1 accepted with that number has equivocated.
   */
  private readonly gathered = new Map<number, { checkpoint: Checkpoint; signatures: ValidatorSignature[] }>();
  /** The checkpoints for which it raised `ledgerForged`. */
  private readonly ledgerAlarms = new Set<number>();
  /** The accepted checkpoints it has compared with its own (all below this number). */
  private checkedCheckpoints = 0;

  constructor(private readonly o: ValidatorOptions) {
    this.address = getAddress(o.address);
    this.log = o.logger;
    this.peers = o.peers ?? [];
    this.events = o.events ?? new EventLog<ValidatorEvent>();
    this.rounds = new Rounds(() => this.tick(), { pollMs: o.pollMs ?? 1000, logger: o.logger });
  }

  /** Sets the peers it asks for signatures (those whose address is its own are left out). */
  setPeers(peers: readonly ValidatorPeer[]): void {
    this.peers = peers.filter((p) => getAddress(p.address) !== this.address);
  }

  run(): Promise<void> {
    return this.rounds.run();
  }

  stop(): void {
    this.rounds.stop();
  }

  /** One round: compare accepted checkpoints with its own, then propose what is due on its turn. */
  async tick(): Promise<void> {
    await this.checkAccepted();
    await this.proposeValidatorSet();
    await this.proposeStateSync();
    await this.proposeCheckpoint();
  }

  // ----- as a peer: signing ---------------------------------------------------------------------

  /**
   * Signs `asked` if it is the checkpoint this validator computes from the chains and it has signed no
   * other with that number; throws `ValidatorRefusalError` otherwise.
   */
  async signCheckpoint(asked: Checkpoint, proposer: string): Promise<ValidatorSignature> {
    const number = Number(asked.number);
    try {
      const computed = await this.computeCheckpoint(await this.o.layer1.checkpointHead());
      if (!computed || Number(computed.number) !== number) {
        throw new ValidatorRefusalError(
          "NotDue",
          computed
            ? `checkpoint ${number} is not the next due: ${computed.number} is`
            : `checkpoint ${number} is not due in this validator's view of the sidechain`,
        );
      }
      const mismatch = checkpointMismatch(asked, computed);
      if (mismatch) throw new ValidatorRefusalError("Mismatch", `checkpoint ${number} differs: ${mismatch}`);
      return await this.signOwnCheckpoint(computed, proposer);
    } catch (error) {
      if (error instanceof ValidatorRefusalError) this.refused("checkpoint", number, error);
      throw error;
    }
  }

  /** Signs `sync` if the bridge's queue has exactly that head at that count; throws otherwise. */
  async signStateSync(sync: StateSync, proposer: string): Promise<ValidatorSignature> {
    const count = Number(sync.count);
    try {
      const [deposits, synced] = await Promise.all([
        this.o.layer1.deposits(),
        this.o.sidechain.syncedCount(),
      ]);
      if (count <= synced || count > deposits.length) {
        throw new ValidatorRefusalError(
          "NotDue",
          `a sync to ${count} deposits: the sidechain has ${synced}, the bridge's queue ${deposits.length}`,
        );
      }
      const head = deposits[count - 1].head;
      if (head.toLowerCase() !== sync.head.toLowerCase()) {
        throw new ValidatorRefusalError(
          "Mismatch",
          `the queue's head at ${count} is ${head}, not ${sync.head}`,
        );
      }
      const signature = await this.o.sidechain.signStateSync(sync);
      this.events.publish({
        type: "signed",
        kind: "stateSync",
        number: count,
        digest: this.o.sidechain.stateSyncDigest(sync),
        proposer: getAddress(proposer).toLowerCase(),
      });
      return signature;
    } catch (error) {
      if (error instanceof ValidatorRefusalError) this.refused("stateSync", count, error);
      throw error;
    }
  }

  /** Signs `set` if it is Layer 1's active set for the mirror's current nonce; throws otherwise. */
  async signValidatorSetSync(set: ValidatorSetSync, proposer: string): Promise<ValidatorSignature> {
    const nonce = Number(set.nonce);
    try {
      const pending = await this.pendingValidatorSet();
      if (!pending || pending.set.nonce !== set.nonce) {
        throw new ValidatorRefusalError(
          "NotDue",
          pending
            ? `the mirror's set is ${pending.set.nonce}, not ${set.nonce}`
            : "the sidechain's mirror already holds Layer 1's validator set",
        );
      }
      const mismatch = validatorSetMismatch(set, pending.set);
      if (mismatch)
        throw new ValidatorRefusalError("Mismatch", `set ${nonce} differs from Layer 1's: ${mismatch}`);
      const signature = await this.o.sidechain.signValidatorSetSync(set);
      this.events.publish({
        type: "signed",
        kind: "validatorSet",
        number: nonce,
        digest: this.o.sidechain.validatorSetSyncDigest(set).toLowerCase(),
        proposer: getAddress(proposer).toLowerCase(),
      });
      return signature;
    } catch (error) {
      if (error instanceof ValidatorRefusalError) this.refused("validatorSet", nonce, error);
      throw error;
    }
  }

  // ----- as a proposer ----------------------------------------------------------------------------

  /**
   * Replaces the sidechain's mirror of the validator set with Layer 1's, when they differ (a validator
   * joined, unbonded or was slashed). The quorum is of the mirror's stake: that is what the ChildBridge
   * counts.
   */
  private async proposeValidatorSet(): Promise<void> {
    const pending = await this.pendingValidatorSet();
    if (!pending) return;
    const nonce = Number(pending.set.nonce);
    if (!this.isMyTurn(pending.layer1, `set-${nonce}`, nonce)) return;
    const own = await this.signValidatorSetSync(pending.set, this.address);
    const digest = this.o.sidechain.validatorSetSyncDigest(pending.set);
    const gathered = await this.gather(own, digest, (peer) =>
      peer.signValidatorSetSync(pending.set, this.address),
    );
    const mirror = await this.o.sidechain.mirror();
    const mirrored = await this.mirroredStakes(gathered, mirror);
    const quorum = this.quorumOf(gathered, mirrored, mirror.totalStake);
    if (!quorum) return this.missed("validatorSet", nonce, gathered, mirrored, mirror.totalStake);

    const receipt = await this.o.sidechain.syncValidators(pending.set, quorum.signatures);
    this.log?.info("validator set synced", {
      nonce,
      validators: pending.set.validators.length,
      tx: receipt.hash,
    });
    this.events.publish({
      type: "validatorsSynced",
      nonce,
      validators: pending.set.validators.map((v) => v.toLowerCase()),
      totalStake: pending.set.stakes.reduce((sum, s) => sum + s, 0n).toString(),
      signers: quorum.signatures.map((s) => s.signer.toLowerCase()),
      sidechainTxHash: receipt.hash.toLowerCase(),
      gasUsed: receipt.gasUsed.toString(),
    });
  }

  private async proposeCheckpoint(): Promise<void> {
    const head = await this.o.layer1.checkpointHead();
    const checkpoint = await this.computeCheckpoint(head);
    if (!checkpoint) return;
    const validators = await this.o.layer1.validators();
    if (!this.isMyTurn(validators, `checkpoint-${head.count}`, head.count)) return;

    const number = head.count;
    const withdrawals = await this.o.sidechain.burns(
      Number(checkpoint.startBlock),
      Number(checkpoint.endBlock),
    );
    this.events.publish({
      type: "checkpointProposed",
      ...checkpointFields(checkpoint),
      withdrawals: withdrawals.length,
    });
    const own = await this.signOwnCheckpoint(checkpoint, this.address);
    const digest = this.o.layer1.checkpointDigest(checkpoint);
    const gathered = await this.gather(own, digest, (peer) => peer.signCheckpoint(checkpoint, this.address));
    this.gathered.set(number, { checkpoint, signatures: gathered });
    const quorum = this.quorumOf(gathered, validators);
    if (!quorum) return this.missed("checkpoint", number, gathered, validators);

    const receipt = await this.o.layer1.submitCheckpoint(checkpoint, quorum.signatures);
    this.log?.info("checkpoint submitted", {
      number,
      blocks: `${checkpoint.startBlock}-${checkpoint.endBlock}`,
      withdrawals: withdrawals.length,
      signers: quorum.signatures.length,
      tx: receipt.hash,
    });
    this.events.publish({
      type: "checkpointSubmitted",
      ...checkpointFields(checkpoint),
      withdrawals: withdrawals.length,
      signers: quorum.signatures.map((s) => s.signer.toLowerCase()),
      signedStake: quorum.signedStake.toString(),
      totalStake: quorum.totalStake.toString(),
      block: receipt.blockNumber,
      l1TxHash: receipt.hash.toLowerCase(),
      gasUsed: receipt.gasUsed.toString(),
    });
  }

  private async proposeStateSync(): Promise<void> {
    const [deposits, synced] = await Promise.all([this.o.layer1.deposits(), this.o.sidechain.syncedCount()]);
    if (deposits.length <= synced) return;
    const validators = await this.o.layer1.validators();
    if (!this.isMyTurn(validators, `sync-${synced}`, synced)) return;

    const batch = deposits.slice(synced, synced + (this.o.maxDepositsPerSync ?? 64));
    const count = synced + batch.length;
    const sync: StateSync = { count: BigInt(count), head: batch[batch.length - 1].head };
    const own = await this.signStateSync(sync, this.address);
    const digest = this.o.sidechain.stateSyncDigest(sync);
    const gathered = await this.gather(own, digest, (peer) => peer.signStateSync(sync, this.address));
    // The ChildBridge counts its mirror's stake, which may lag Layer 1's set until the set sync lands.
    const mirror = await this.o.sidechain.mirror();
    const mirrored = await this.mirroredStakes(gathered, mirror);
    const quorum = this.quorumOf(gathered, mirrored, mirror.totalStake);
    if (!quorum) return this.missed("stateSync", count, gathered, mirrored, mirror.totalStake);

    const receipt = await this.o.sidechain.syncDeposits(sync, batch, quorum.signatures);
    this.log?.info("deposits synced", { from: synced, count, tx: receipt.hash });
    this.events.publish({
      type: "depositsSynced",
      fromCount: synced,
      count,
      signers: quorum.signatures.map((s) => s.signer.toLowerCase()),
      sidechainTxHash: receipt.hash.toLowerCase(),
      gasUsed: receipt.gasUsed.toString(),
    });
  }

  /**
   * Compares every checkpoint Layer 1 accepted since the last round with the one this validator
   * computes: a difference is the alarm `checkpointDisowned` (a quorum signed what the sidechain does
   * not hold). Nothing on Layer 1 can undo it; the alarm is all an honest minority has.
   */
  private async checkAccepted(): Promise<void> {
    const { count } = await this.o.layer1.checkpointHead();
    for (let n = this.checkedCheckpoints; n < count; n++) {
      const accepted = await this.o.layer1.acceptedCheckpoint(n);
      if (!accepted) return;
      // A range other than the rule's is no checkpoint an honest validator signs: disowned at once (its
      // end may be a block the sidechain never reaches).
      const ruled = Number(accepted.startBlock) + this.o.rule.span - 1;
      if (Number(accepted.endBlock) !== ruled) {
        this.disown(n, accepted, `its range ends at block ${accepted.endBlock}, the rule's at ${ruled}`);
        await this.slashEquivocators(n, accepted);
        this.gathered.delete(n);
        this.checkedCheckpoints = n + 1;
        continue;
      }
      const head = await this.o.sidechain.headBlock();
      if (head < Number(accepted.endBlock)) return; // not yet seen here: compare later
      const computed = await this.checkpointOf(accepted);
      const mismatch =
        checkpointMismatch(accepted, computed) ?? (await this.ledgerProblem(Number(accepted.endBlock)));
      if (mismatch) {
        this.disown(n, accepted, mismatch, computed);
        await this.slashEquivocators(n, accepted);
      }
      this.gathered.delete(n);
      this.checkedCheckpoints = n + 1;
    }
  }

  /** Publishes `checkpointDisowned`: Layer 1 accepted `accepted`, which this validator would not sign. */
  private disown(number: number, accepted: Checkpoint, why: string, computed?: Checkpoint): void {
    this.log?.error("Layer 1 accepted a checkpoint this validator disowns", { number, why });
    this.events.publish({
      type: "checkpointDisowned",
      number,
      accepted: this.o.layer1.checkpointDigest(accepted).toLowerCase(),
      computed: computed ? this.o.layer1.checkpointDigest(computed).toLowerCase() : null,
      why,
    });
  }

  /**
   * Slashes every validator that signed both the checkpoint `number` this validator proposed (its
   * gathered signatures) and the different one Layer 1 accepted with that number (its calldata's).
   * Anyone may; an honest proposer holds the evidence, so it does.
   */
  private async slashEquivocators(number: number, accepted: Checkpoint): Promise<void> {
    const held = this.gathered.get(number);
    if (!held) return;
    const acceptedDigest = this.o.layer1.checkpointDigest(accepted);
    for (const theirs of await this.o.layer1.acceptedSignatures(number)) {
      const ours = held.signatures.find((s) => getAddress(s.signer) === getAddress(theirs.signer));
      if (!ours || !signedBy(acceptedDigest, theirs, theirs.signer)) continue;
      try {
        const { receipt, reward } = await this.o.layer1.slash({
          a: held.checkpoint,
          signatureA: ours.signature,
          b: accepted,
          signatureB: theirs.signature,
        });
        const validator = getAddress(theirs.signer).toLowerCase();
        this.log?.warn("slashed an equivocating validator", { validator, number, tx: receipt.hash });
        this.events.publish({
          type: "validatorSlashed",
          validator,
          number,
          reward: reward.toString(),
          l1TxHash: receipt.hash.toLowerCase(),
          gasUsed: receipt.gasUsed.toString(),
        });
      } catch (error) {
        // Someone slashed it first, or it withdrew: nothing left to take.
        this.log?.info("could not slash", {
          validator: theirs.signer,
          number,
          error: (error as Error).message,
        });
      }
    }
  }

  // ----- helpers ----------------------------------------------------------------------------------

  /** The checkpoint due next in this validator's view, or undefined if none is due. */
  private async computeCheckpoint(head: {
    count: number;
    nextStartBlock: number;
  }): Promise<Checkpoint | undefined> {
    const range = dueCheckpointRange(head, await this.o.sidechain.headBlock(), this.o.rule);
    if (!range) return undefined;
    const problem = await this.ledgerProblem(range.endBlock);
    if (problem) {
      this.ledgerAlarm(range.number, problem);
      throw new ValidatorRefusalError("Mismatch", `checkpoint ${range.number}: ${problem}`);
    }
    return this.checkpointOf({
      number: BigInt(range.number),
      startBlock: BigInt(range.startBlock),
      endBlock: BigInt(range.endBlock),
    });
  }

  /** Publishes `ledgerForged` for checkpoint `number`, once. */
  private ledgerAlarm(number: number, detail: string): void {
    if (this.ledgerAlarms.has(number)) return;
    this.ledgerAlarms.add(number);
    this.log?.error("the sidechain minted what Layer 1 never escrowed: no checkpoint signed", {
      number,
      detail,
    });
    this.events.publish({ type: "ledgerForged", number, detail });
  }

  /** The checkpoint of a range as this validator computes it from the sidechain. */
  private async checkpointOf(
    range: Pick<Checkpoint, "number" | "startBlock" | "endBlock">,
  ): Promise<Checkpoint> {
    const [endBlockHash, burns] = await Promise.all([
      this.o.sidechain.blockHash(Number(range.endBlock)),
      this.o.sidechain.burns(Number(range.startBlock), Number(range.endBlock)),
    ]);
    return {
      number: BigInt(range.number),
      startBlock: BigInt(range.startBlock),
      endBlock: BigInt(range.endBlock),
      endBlockHash,
      withdrawalRoot: await checkpointWithdrawalRoot(burns),
    };
  }

  /** The stake the sidechain's mirror gives each signer of `gathered`. */
  private mirroredStakes(
    gathered: readonly ValidatorSignature[],
    mirror: { stakeOf(validator: string): Promise<bigint> },
  ): Promise<ValidatorStake[]> {
    return Promise.all(
      gathered.map(async (s) => ({ address: getAddress(s.signer), stake: await mirror.stakeOf(s.signer) })),
    );
  }

  /**
   * Why the sidechain's ledger cannot be checkpointed at `endBlock`, if it cannot: the deposits the
   * ChildBridge had minted by then are not a prefix of Layer 1's queue (a quorum of the mirror, which
   * may lag Layer 1's set, minted what was never deposited). A checkpoint would then pay burns of money
   * Layer 1 never escrowed, so an honest validator signs none from there on: exits stall, which is the
   * honest outcome, instead of paying.
   */
  private async ledgerProblem(endBlock: number): Promise<string | undefined> {
    const [synced, deposits] = await Promise.all([
      this.o.sidechain.syncedAt(endBlock),
      this.o.layer1.deposits(),
    ]);
    if (synced.count === 0) return undefined;
    const head = deposits[synced.count - 1]?.head;
    if (head !== undefined && head.toLowerCase() === synced.head.toLowerCase()) return undefined;
    return (
      `by sidechain block ${endBlock} the ChildBridge minted ${synced.count} deposits with head ` +
      `${synced.head.slice(0, 10)}…, but Layer 1's queue ${head === undefined ? `has only ${deposits.length}` : `has head ${head.slice(0, 10)}… there`}`
    );
  }

  /** Layer 1's set as the sync the mirror needs next, if the mirror differs from it. */
  private async pendingValidatorSet(): Promise<
    { set: ValidatorSetSync; layer1: ValidatorStake[] } | undefined
  > {
    const [layer1, mirror] = await Promise.all([this.o.layer1.validators(), this.o.sidechain.mirror()]);
    if (layer1.length === 0) return undefined;
    const total = layer1.reduce((sum, v) => sum + v.stake, 0n);
    // Every stake positive on both sides: equal totals and equal stakes of Layer 1's members is one set.
    let same = mirror.totalStake === total;
    for (const v of layer1) if (same) same = (await mirror.stakeOf(v.address)) === v.stake;
    if (same) return undefined;
    return {
      set: {
        nonce: mirror.nonce,
        validators: layer1.map((v) => v.address),
        stakes: layer1.map((v) => v.stake),
      },
      layer1,
    };
  }

  /** Signs a checkpoint it computed itself, once per number: the journal first, then the signature. */
  private async signOwnCheckpoint(checkpoint: Checkpoint, proposer: string): Promise<ValidatorSignature> {
    const number = Number(checkpoint.number);
    const digest = this.o.layer1.checkpointDigest(checkpoint);
    const signed = this.o.store.signedCheckpoint(number);
    // INVARIANT: never two signatures on different checkpoints with one number (that is slashable).
    if (signed !== undefined && signed.toLowerCase() !== digest.toLowerCase()) {
      throw new ValidatorRefusalError(
        "AlreadySigned",
        `checkpoint ${number}: this validator signed ${signed.slice(0, 10)}…, not ${digest.slice(0, 10)}…`,
      );
    }
    if (signed === undefined) await this.o.store.recordCheckpoint(number, digest);
    const signature = await this.o.layer1.signCheckpoint(checkpoint);
    this.events.publish({
      type: "signed",
      kind: "checkpoint",
      number,
      digest: digest.toLowerCase(),
      proposer: getAddress(proposer).toLowerCase(),
    });
    return signature;
  }

  /** Whether this validator proposes turn `key` (at position `turn`) now; notes when the turn fell due. */
  private isMyTurn(validators: readonly ValidatorStake[], key: string, turn: number): boolean {
    const now = (this.o.now ?? Date.now)();
    const since = this.dueSince.get(key) ?? now;
    this.dueSince.set(key, since);
    const proposer = proposerOf(validators, turn, now - since, this.o.proposerTimeoutMs ?? 10_000);
    return proposer !== undefined && getAddress(proposer) === this.address;
  }

  /** Its own signature and every peer's that answers in time and recovers to that peer. */
  private async gather(
    own: ValidatorSignature,
    digest: string,
    ask: (peer: ValidatorPeer) => Promise<ValidatorSignature>,
  ): Promise<ValidatorSignature[]> {
    const timeoutMs = this.o.peerTimeoutMs ?? 5_000;
    const answers = await Promise.all(
      this.peers.map(async (peer) => {
        try {
          const signature = await withTimeout(ask(peer), timeoutMs, `peer ${peer.address}`);
          if (!signedBy(digest, signature, peer.address)) {
            this.log?.warn("a peer's signature is not its own", { peer: peer.address });
            return undefined;
          }
          return signature;
        } catch (error) {
          this.log?.info("a peer did not sign", { peer: peer.address, error: (error as Error).message });
          return undefined;
        }
      }),
    );
    return [own, ...answers.filter((s): s is ValidatorSignature => s !== undefined)];
  }

  /**
   * The fewest of `gathered` that make more than 2/3 of `totalStake` (default: the sum of
   * `validators`' stakes), with what they sign for; undefined if they all together do not.
   */
  private quorumOf(
    gathered: readonly ValidatorSignature[],
    validators: readonly ValidatorStake[],
    totalStake = validators.reduce((sum, v) => sum + v.stake, 0n),
  ) {
    const stakes = new Map(validators.map((v) => [getAddress(v.address), v.stake]));
    const stakeOf = (signer: string) => stakes.get(getAddress(signer)) ?? 0n;
    const signatures = selectQuorum(gathered, stakeOf, totalStake);
    if (!signatures) return undefined;
    const signedStake = signatures.reduce((sum, s) => sum + stakeOf(s.signer), 0n);
    return isSupermajority(signedStake, totalStake) ? { signatures, signedStake, totalStake } : undefined;
  }

  private missed(
    kind: SignedKind,
    number: number,
    gathered: readonly ValidatorSignature[],
    validators: readonly ValidatorStake[],
    totalStake = validators.reduce((sum, v) => sum + v.stake, 0n),
  ): void {
    const stakes = new Map(validators.map((v) => [getAddress(v.address), v.stake]));
    const signedStake = gathered.reduce((sum, s) => sum + (stakes.get(getAddress(s.signer)) ?? 0n), 0n);
    this.log?.warn("no quorum", { kind, number, signers: gathered.length, signedStake, totalStake });
    this.events.publish({
      type: "quorumMissed",
      kind,
      number,
      signers: gathered.map((s) => s.signer.toLowerCase()),
      signedStake: signedStake.toString(),
      totalStake: totalStake.toString(),
    });
  }

  private refused(kind: SignedKind, number: number, error: ValidatorRefusalError): void {
    this.log?.info("refused to sign", { kind, number, reason: error.reason, detail: error.message });
    this.events.publish({
      type: "signatureRefused",
      kind,
      number,
      reason: error.reason,
      detail: error.message,
    });
  }
}

function checkpointFields(c: Checkpoint) {
  return {
    number: Number(c.number),
    startBlock: Number(c.startBlock),
    endBlock: Number(c.endBlock),
    withdrawalRoot: c.withdrawalRoot.toLowerCase(),
  };
}

/** Whether `signature` on `digest` recovers to `expected`. */
function signedBy(digest: string, signature: ValidatorSignature, expected: string): boolean {
  try {
    return (
      getAddress(signature.signer) === getAddress(expected) &&
      getAddress(recoverAddress(digest, signature.signature)) === getAddress(expected)
    );
  } catch {
    return false;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StrataError(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
