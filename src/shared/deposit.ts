import { AbiCoder, keccak256, toBeHex } from "ethers";
import type { DepositData } from "./types";
import { ZERO_BYTES32 } from "./types";

const abi = AbiCoder.defaultAbiCoder();

/** The head of an empty deposit queue. */
export const EMPTY_QUEUE_HEAD = ZERO_BYTES32;

/** Which bits of a keccak256 output a queue head keeps: the high 208 (`Deposit.HEAD_MASK`). */
export const HEAD_MASK = ((1n << 256n) - 1n) ^ ((1n << 48n) - 1n);

/**
 * The queue head after `deposit` joins a queue whose head was `head`:
 * keccak256(abi.encode(head, from, to, tokenId, amount, timestamp)) with its low 48 bits cleared (the
 * bridge keeps the deposit's timestamp there). Mirrors `Deposit.chain`.
 */
export function chainDeposit(head: string, deposit: DepositData): string {
  const hash = keccak256(
    abi.encode(
      ["bytes32", "address", "bytes32", "uint32", "uint128", "uint64"],
      [head, deposit.from, deposit.to, deposit.tokenId, deposit.amount, deposit.timestamp],
    ),
  );
  return toBeHex(BigInt(hash) & HEAD_MASK, 32);
}

/**
 * How many deposits of `queue` (in queue order, each with the head after it) lead to `head`: 0 for the
 * empty head, and also 0 for a head the queue does not hold.
 */
export function depositsUpTo(queue: readonly { head: string }[], head: string): number {
  return queue.findIndex((d) => d.head === head) + 1;
}

/**
 * The deposit's own fields and nothing else: a queued deposit (with its head, index, …) as a contract
 * call's `Deposit` struct argument takes it.
 */
export function depositData(d: DepositData): DepositData {
  return { from: d.from, to: d.to, tokenId: d.tokenId, amount: d.amount, timestamp: d.timestamp };
}

/** How many queue heads (and deposit timestamps) the bridge remembers per rollup (`DepositHistory.SIZE`). */
export const DEPOSIT_HISTORY_SIZE = 256;

/**
 * The deposits a batch that consumed `consumed` deposits of `queue` shows after them (`catchUp`): none
 * while the queue is within half the bridge's history of `consumed` (the usual case; later deposits
 * cannot make the batch fail). Further behind, the deposits up to half the history before the queue's
 * known end, so that the head the batch reaches is one the bridge still remembers when the batch lands,
 * even if up to 128 more deposits (a lagging view, a griefer) arrive first.
 */
export function depositsToCatchUp(queue: readonly DepositData[], consumed: number): DepositData[] {
  const reach = queue.length - DEPOSIT_HISTORY_SIZE / 2;
  if (reach <= consumed) return [];
  return queue.slice(consumed, reach).map(depositData);
}

/** The head after every deposit of `deposits`, in order. Mirrors `Deposit.fold`. */
export function foldDeposits(head: string, deposits: readonly DepositData[]): string {
  return deposits.reduce(chainDeposit, head);
}
