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

/** The head after every deposit of `deposits`, in order. Mirrors `Deposit.fold`. */
export function foldDeposits(head: string, deposits: readonly DepositData[]): string {
  return deposits.reduce(chainDeposit, head);
}
