/**
 * The input of `RollupBatch(B, D)` (`circuits/main/batch.circom`) for one batch: the pre-state's root
 * preimage, and per slot the two leaf updates, their paths and the sender's authorization. Every value
 * is a decimal string, as circom's witness calculator and snarkjs take them. The public inputs come
 * back separately, in the proof's order: `[oldRoot, newRoot, feeRecipient, slot[0], …, slot[B-1]]`.
 * The fee recipient (the Layer-1 address `submitBatch` credits the batch's forced-request fees to) takes
 * no part in the state transition: the proof only binds it.
 */
import { StrataError } from "../common/errors";
import type { ZkCrypto } from "./keys";
import { feeRecipientElement } from "./pubdata";
import type { ZkState } from "./state";
import type { ZkLeafUpdate, ZkStep, ZkTxRequest } from "./stf";
import { applyNoop, applyZkTx } from "./stf";
import type { ZkTx } from "./types";

/** More transactions than slots, or steps that do not fill a batch exactly. */
export class ZkBatchSizeError extends StrataError {}

/** The root preimage of a state: what the circuit opens `oldRoot` with. */
export interface ZkRootPreimage {
  accountsRoot: bigint;
  nextIndex: number;
  domain: bigint;
  root: bigint;
}

/** `RollupBatch`'s input signals by name: scalars, per-slot arrays, per-slot sibling arrays. */
export type RollupBatchInput = Record<string, string | string[] | string[][]>;

export interface ZkBatchWitness {
  /** The circuit input (every signal, public and private). */
  input: RollupBatchInput;
  /** [oldRoot, newRoot, feeRecipient, slot[0], …, slot[B-1]]. */
  publicInputs: bigint[];
  /** The transactions as the batch carries them (deposits name the account they credited), in order. */
  txs: ZkTx[];
  /** One step per slot, the padding noops included. */
  steps: ZkStep[];
  /** The state after the batch (the pre-state is not touched). */
  newState: ZkState;
}

/** The root preimage of `state` now (take it before applying a batch's transactions). */
export function rootPreimage(state: ZkState): ZkRootPreimage {
  return {
    accountsRoot: state.accountsRoot,
    nextIndex: state.nextIndex,
    domain: state.domain,
    root: state.root,
  };
}

/**
 * Applies `requests` in order to a copy of `state`, pads the batch with noops to `batchSize` slots, and
 * returns the circuit input and public inputs proving it, bound to `feeRecipient` (a Layer-1 address:
 * who `submitBatch` may credit the batch's fees to).
 * @throws ZkTxRefusedError if a transaction breaks a rule (nothing is applied to `state`).
 * @throws ZkBatchSizeError if there are more requests than slots.
 */
export function buildBatchWitness(
  state: ZkState,
  requests: readonly ZkTxRequest[],
  batchSize: number,
  crypto: ZkCrypto,
  feeRecipient: string,
): ZkBatchWitness {
  if (requests.length > batchSize) {
    throw new ZkBatchSizeError(`${requests.length} transactions do not fit in a batch of ${batchSize}`);
  }
  const before = rootPreimage(state);
  const working = state.clone();
  const steps = requests.map((request) => applyZkTx(working, request, crypto));
  return assembleBatchWitness(before, padWithNoops(working, steps, batchSize), working, feeRecipient);
}

/** `steps` followed by noop steps on `state` (the state after `steps`) up to `batchSize`. */
export function padWithNoops(state: ZkState, steps: readonly ZkStep[], batchSize: number): ZkStep[] {
  if (steps.length > batchSize) {
    throw new ZkBatchSizeError(`${steps.length} steps do not fit in a batch of ${batchSize}`);
  }
  const padded = [...steps];
  while (padded.length < batchSize) padded.push(applyNoop(state));
  return padded;
}

/**
 * The witness of a batch whose `steps` (exactly one per slot, in order) took the state from `before`
 * to `after`, bound to `feeRecipient`: for an operator that applies transactions as they arrive and
 * closes the batch later.
 */
export function assembleBatchWitness(
  before: ZkRootPreimage,
  steps: readonly ZkStep[],
  after: ZkState,
  feeRecipient: string,
): ZkBatchWitness {
  if (steps.length === 0) throw new ZkBatchSizeError("a batch has at least one slot");
  const slots = steps.map((s) => s.slot);
  const recipient = feeRecipientElement(feeRecipient);
  const input: RollupBatchInput = {
    oldRoot: dec(before.root),
    newRoot: dec(after.root),
    feeRecipient: dec(recipient),
    slots: slots.map(dec),
    domain: dec(before.domain),
    oldAccountsRoot: dec(before.accountsRoot),
    oldNextIndex: dec(before.nextIndex),
    ...leafSignals(
      "a",
      steps.map((s) => s.a),
    ),
    ...leafSignals(
      "b",
      steps.map((s) => s.b),
    ),
    ...authorizationSignals(steps),
  };
  return {
    input,
    publicInputs: [before.root, after.root, recipient, ...slots],
    txs: steps.flatMap((s) => (s.tx ? [s.tx] : [])),
    steps: [...steps],
    newState: after,
  };
}

function dec(value: bigint | number): string {
  return BigInt(value).toString(10);
}

/** aIndex, aLeaf, aOwner, aToken, aBalance, aNonce, aSiblings (or the same for b), one entry per slot. */
function leafSignals(prefix: "a" | "b", updates: readonly ZkLeafUpdate[]): RollupBatchInput {
  return {
    [`${prefix}Index`]: updates.map((u) => dec(u.index)),
    [`${prefix}Leaf`]: updates.map((u) => dec(u.oldLeaf)),
    [`${prefix}Owner`]: updates.map((u) => dec(u.fields.owner)),
    [`${prefix}Token`]: updates.map((u) => dec(u.fields.tokenId)),
    [`${prefix}Balance`]: updates.map((u) => dec(u.fields.balance)),
    [`${prefix}Nonce`]: updates.map((u) => dec(u.fields.nonce)),
    [`${prefix}Siblings`]: updates.map((u) => u.siblings.map(dec)),
  };
}

/** The signer's key, Layer-1 address and signature per slot; zeros where nothing is signed. */
function authorizationSignals(steps: readonly ZkStep[]): RollupBatchInput {
  const field = (pick: (s: ZkStep) => bigint | undefined) => steps.map((s) => dec(pick(s) ?? 0n));
  return {
    signerAx: field((s) => s.authorization?.signer.publicKey.Ax),
    signerAy: field((s) => s.authorization?.signer.publicKey.Ay),
    signerL1Address: field((s) => (s.authorization ? BigInt(s.authorization.signer.l1Address) : undefined)),
    sigR8x: field((s) => s.authorization?.signature.R8x),
    sigR8y: field((s) => s.authorization?.signature.R8y),
    sigS: field((s) => s.authorization?.signature.S),
  };
}
