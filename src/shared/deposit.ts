import { AbiCoder, keccak256 } from "ethers";
import type { DepositData } from "./types";
import { ZERO_BYTES32 } from "./types";

const abi = AbiCoder.defaultAbiCoder();

/** The head of an empty deposit queue. */
export const EMPTY_QUEUE_HEAD = ZERO_BYTES32;

/**
 * The queue head after `deposit` joins a queue whose head was `head`:
 * keccak256(abi.encode(head, from, to, tokenId, amount, timestamp)). Mirrors `Deposit.chain`.
 */
export function chainDeposit(head: string, deposit: DepositData): string {
  return keccak256(
    abi.encode(
      ["bytes32", "address", "bytes32", "uint32", "uint128", "uint64"],
      [head, deposit.from, deposit.to, deposit.tokenId, deposit.amount, deposit.timestamp],
    ),
  );
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
 * The deposits a batch that consumed `consumed` deposits of `queue` shows after them. None when it
 * consumed the whole queue it saw (deposits queued later are bounded by the rollup's last look at the
 * queue). Otherwise the first one left behind, so that its own timestamp proves it is not due; and more
 * when the queue has run so far ahead that the bridge may forget the head after `consumed` before the
 * batch lands: then up to half the history behind the queue's known end, so that up to 128 more deposits
 * (a lagging view, a griefer) can arrive before the batch lands without pushing its count out.
 */
export function depositsToShow(queue: readonly DepositData[], consumed: number): DepositData[] {
  if (consumed >= queue.length) return [];
  const reach = Math.max(consumed + 1, queue.length - DEPOSIT_HISTORY_SIZE / 2);
  return queue.slice(consumed, reach).map(depositData);
}

/** The head after every deposit of `deposits`, in order. Mirrors `Deposit.fold`. */
export function foldDeposits(head: string, deposits: readonly DepositData[]): string {
  return deposits.reduce(chainDeposit, head);
}
