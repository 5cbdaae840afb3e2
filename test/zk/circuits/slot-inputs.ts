/**
 * Inputs for RollupSlot test mains, from honest steps (`applyZkTx`) or forged ones: `forgeStep` is a
 * dishonest operator that writes whatever leaves it likes and checks no rule, so a must-fail case is a
 * witness that is consistent everywhere except for the rule under test.
 */
import type { Account } from "../../../src/shared/types";
import type { ZkLeafFields, ZkState } from "../../../src/zk/state";
import { leafFields } from "../../../src/zk/state";
import type { ZkAuthorization, ZkLeafUpdate, ZkStep } from "../../../src/zk/stf";
import type { CircuitInput } from "./harness";

export const ZERO_FIELDS: ZkLeafFields = { owner: 0n, tokenId: 0n, balance: 0n, nonce: 0n };

/** The running state a slot starts from. */
export interface SlotStart {
  accountsRoot: bigint;
  nextIndex: number;
  domain: bigint;
}

export function slotStart(state: ZkState): SlotStart {
  return { accountsRoot: state.accountsRoot, nextIndex: state.nextIndex, domain: state.domain };
}

/** RollupSlot's input for `step` from `start`, claiming the outputs `end` (compared by the test main). */
export function slotInput(
  start: SlotStart,
  step: ZkStep,
  end: { accountsRoot: bigint; nextIndex: number },
): CircuitInput {
  const leaf = (prefix: "a" | "b", u: ZkLeafUpdate) => ({
    [`${prefix}Index`]: u.index,
    [`${prefix}Leaf`]: u.oldLeaf,
    [`${prefix}Owner`]: u.fields.owner,
    [`${prefix}Token`]: u.fields.tokenId,
    [`${prefix}Balance`]: u.fields.balance,
    [`${prefix}Nonce`]: u.fields.nonce,
    [`${prefix}Siblings`]: u.siblings,
  });
  const auth = step.authorization;
  return {
    accountsRootIn: start.accountsRoot,
    nextIndexIn: start.nextIndex,
    domain: start.domain,
    slot: step.slot,
    ...leaf("a", step.a),
    ...leaf("b", step.b),
    signerAx: auth?.signer.publicKey.Ax ?? 0n,
    signerAy: auth?.signer.publicKey.Ay ?? 0n,
    signerL1Address: auth ? BigInt(auth.signer.l1Address) : 0n,
    sigR8x: auth?.signature.R8x ?? 0n,
    sigR8y: auth?.signature.R8y ?? 0n,
    sigS: auth?.signature.S ?? 0n,
    accountsRootOut: end.accountsRoot,
    nextIndexOut: end.nextIndex,
  };
}

/** A leaf a forged step touches: its index, the preimage claimed for it, and what is written there. */
export interface ForgedLeaf {
  index: number;
  /** The claimed preimage (default: the open account's fields, or zeros). */
  fields?: ZkLeafFields;
  /** The account written (default: the leaf is left unchanged). */
  write?: Account;
}

/** Writes leaves straight into `state`'s tree (no rule checked) and returns the step as the circuit sees it. */
export function forgeStep(
  state: ZkState,
  spec: { slot: bigint; a?: ForgedLeaf; b?: ForgedLeaf; authorization?: ZkAuthorization },
): ZkStep {
  const a = forgeLeaf(state, spec.a ?? { index: 0, fields: ZERO_FIELDS });
  const b = forgeLeaf(state, spec.b ?? { index: 0, fields: ZERO_FIELDS });
  return { tx: undefined, slot: spec.slot, a, b, authorization: spec.authorization };
}

function forgeLeaf(state: ZkState, leaf: ForgedLeaf): ZkLeafUpdate {
  const tree = state.accounts.tree;
  const open = state.account(leaf.index);
  const oldLeaf = tree.leaf(leaf.index);
  const siblings = tree.siblings(leaf.index);
  if (leaf.write) tree.update(leaf.index, state.hashAccount(leaf.write));
  const fields = leaf.fields ?? (open ? leafFields(open) : ZERO_FIELDS);
  return { index: leaf.index, oldLeaf, newLeaf: tree.leaf(leaf.index), siblings, fields };
}
