/**
 * The operator's batching decisions, pure (no chain, no clock of its own): which pending items the next
 * batch carries and whether it is due. Deposits go first, in queue order — none may be skipped, and
 * since only deposits open accounts, moving them ahead of spends changes no account index and no
 * accepted spend's validity (it can only add funds sooner). A deposit the circuit cannot carry
 * (`isCarriable` false) is consumed without a slot (the contract refunds it). The operator passes the
 * forced withdrawals (Layer-1 requests, in request order) ahead of its spends in `spends`: like deposits
 * they have a Layer-1 deadline, so an honest operator carries each in the first batch with a slot left
 * after the deposits. Spends follow in the order they were accepted.
 */

/** A pending item as the decision sees it. */
export interface ZkPendingItem {
  kind: "deposit" | "forced" | "spend";
  /** Whether it fills a slot (every spend and forced withdrawal; a deposit the circuit can carry). */
  takesSlot: boolean;
  /** When the operator first saw it, in milliseconds. */
  seenAt: number;
}

export interface ZkBatchRules {
  batchSize: number;
  /** A batch is due once its oldest pending item is this old (milliseconds). */
  maxBatchAgeMs: number;
}

/**
 * The items of the next batch, in slot order: deposits first in queue order (a slotless deposit rides
 * along free; the first deposit that finds no slot stops the deposits, as none may be skipped), then
 * `spends` in their order (forced withdrawals first, then signed spends) while slots remain.
 */
export function selectBatch<T extends ZkPendingItem>(
  deposits: readonly T[],
  spends: readonly T[],
  batchSize: number,
): T[] {
  const selected: T[] = [];
  let slots = 0;
  for (const deposit of deposits) {
    if (deposit.takesSlot && slots === batchSize) return selected;
    selected.push(deposit);
    if (deposit.takesSlot) slots++;
  }
  for (const spend of spends) {
    if (slots === batchSize) break;
    selected.push(spend);
    slots++;
  }
  return selected;
}

/**
 * Whether a batch is due at `now`: something is pending and either `force` is set, a full batch's worth
 * of slots is waiting, or the oldest item has waited `maxBatchAgeMs`.
 */
export function isBatchDue(
  items: readonly ZkPendingItem[],
  rules: ZkBatchRules,
  now: number,
  force = false,
): boolean {
  if (items.length === 0) return false;
  if (force) return true;
  if (items.filter((i) => i.takesSlot).length >= rules.batchSize) return true;
  const oldest = Math.min(...items.map((i) => i.seenAt));
  return now - oldest >= rules.maxBatchAgeMs;
}
