// The comparison's chain-side toolkit (`npm run compare`), shared by the design runners: the chain they
// run on, funded user wallets, the Layer-1 bill of each part of the workload (every transaction mined
// while the part runs, whoever sent it, from its receipt: nothing is left out because nobody listed it),
// latencies (wall-clock here and Layer-1 blocks). Moving the clock and setting balances are the bench's
// (src/bench/chain.ts: hardhat_setBalance, evm_setNextBlockTimestamp, evm_mine). No Hardhat import.
import { performance } from "node:perf_hooks";
import type { Provider, TransactionReceipt } from "ethers";
import { Wallet, id, toQuantity } from "ethers";
import type { LocalChain } from "../bench/chain";
import { setBalance } from "../bench/chain";
import { median } from "../bench/figures";
import type { Deployment } from "../common/deployments";
import type { RpcProvider } from "../common/layer1";
import type { ByPart, Latency, Part } from "./types";

/**
 * What every design runner gets: the chain, its unlocked accounts (#0 deployed the suite and holds the
 * DemoToken supply, #1 proposes optimistic batches, #2 is the optimistic stack's idle challenger, #3
 * operates the zk rollup, #4 on are the zk calibration's users), the suite deployed on it.
 */
export interface CompareChain extends LocalChain {
  deployment: Deployment;
}

/** Gas money on top of what a user brings to the workload. */
export const GAS_MONEY = 10n ** 18n;

/** `count` users with deterministic keys (one set per design), each holding `balance` on Layer 1. */
export async function fundedWallets(
  c: CompareChain,
  design: string,
  count: number,
  balance: bigint,
): Promise<Wallet[]> {
  const wallets = Array.from(
    { length: count },
    (_, i) => new Wallet(id(`strata compare ${design} user ${i}`), c.provider),
  );
  for (const w of wallets) await setBalance(c.provider, w.address, balance);
  return wallets;
}

/** Wall-clock milliseconds for durations (sub-millisecond; not the epoch). */
export const now = (): number => performance.now();

export async function blockNumber(provider: Provider): Promise<number> {
  return provider.getBlockNumber();
}

/** The first block from `from` to the latest for which `holds` is true (undefined: none). */
export async function firstBlockWhere(
  provider: Provider,
  from: number,
  holds: (blockNumber: number) => Promise<boolean>,
): Promise<number | undefined> {
  const latest = await provider.getBlockNumber();
  for (let n = from; n <= latest; n++) if (await holds(n)) return n;
  return undefined;
}

/** Seconds between two blocks' timestamps. */
export async function secondsBetween(provider: Provider, from: number, to: number): Promise<number> {
  return (await provider.getBlock(to))!.timestamp - (await provider.getBlock(from))!.timestamp;
}

/** What a transaction cost its sender (gas × price), to add back to a balance difference. */
export function feeOf(receipt: TransactionReceipt): bigint {
  return receipt.gasUsed * receipt.gasPrice;
}

export async function balancesOf(provider: Provider, addresses: string[]): Promise<bigint[]> {
  return Promise.all(addresses.map((a) => provider.getBalance(a)));
}

/** The Layer-1 bill of a workload, part by part. */
export class PartLedger {
  readonly gas: ByPart = { entry: 0, transfers: 0, exit: 0 };
  /** Blob gas (EIP-4844), priced in its own fee market: apart from `gas`. */
  readonly blobGas: ByPart = { entry: 0, transfers: 0, exit: 0 };
  readonly transactions: ByPart = { entry: 0, transfers: 0, exit: 0 };
  readonly blocks: ByPart = { entry: 0, transfers: 0, exit: 0 };

  constructor(private readonly provider: RpcProvider) {}

  /** Runs `work`; every Layer-1 transaction mined meanwhile, whoever sent it, is billed to `part`. */
  async during<T>(part: Part, work: () => Promise<T>): Promise<T> {
    const from = await this.provider.getBlockNumber();
    const result = await work();
    const to = await this.provider.getBlockNumber();
    for (let n = from + 1; n <= to; n++) {
      const block = (await this.provider.getBlock(n))!;
      for (const hash of block.transactions) {
        const receipt = (await this.provider.getTransactionReceipt(hash))!;
        this.gas[part] += Number(receipt.gasUsed);
        this.transactions[part]++;
      }
      this.blobGas[part] += await blobGasOfBlock(this.provider, n);
    }
    this.blocks[part] += to - from;
    return result;
  }
}

/**
 * The blob gas block `n`'s transactions used, from its header (EIP-4844 `blobGasUsed`, raw JSON-RPC:
 * Hardhat leaves it out of receipts, and ethers' Block does not carry it through; 0 before Cancun).
 */
export async function blobGasOfBlock(provider: RpcProvider, n: number): Promise<number> {
  const header = (await provider.send("eth_getBlockByNumber", [toQuantity(n), false])) as {
    blobGasUsed?: string;
  } | null;
  return header?.blobGasUsed ? Number(BigInt(header.blobGasUsed)) : 0;
}

/** One milestone of one transfer: wall-clock since it was sent, blocks mined since, chain time skipped. */
export interface Sample {
  ms: number;
  blocks: number;
  skippedSeconds?: number;
}

/** Runs `work`: its result, when it started (wall-clock and block), and what it took. */
export async function timed<T>(
  provider: Provider,
  work: () => Promise<T>,
): Promise<{ result: T; at: number; block: number; sample: Sample }> {
  const block = await provider.getBlockNumber();
  const at = now();
  const result = await work();
  const sample = { ms: now() - at, blocks: (await provider.getBlockNumber()) - block };
  return { result, at, block, sample };
}

/** What `pay` delivered to `recipient`: its balance change, the fee added back if it sent `pay` itself. */
export async function paidTo(
  provider: Provider,
  recipient: string,
  pay: () => Promise<TransactionReceipt>,
): Promise<{ receipt: TransactionReceipt; paid: bigint }> {
  const before = await provider.getBalance(recipient);
  const receipt = await pay();
  const fee = receipt.from.toLowerCase() === recipient.toLowerCase() ? feeOf(receipt) : 0n;
  return { receipt, paid: (await provider.getBalance(recipient)) - before + fee };
}

/** The median of each (milliseconds to the microsecond). */
export function medianLatency(samples: readonly Sample[]): Latency {
  return {
    ms: median(samples.map((s) => s.ms * 1000)) / 1000,
    blocks: median(samples.map((s) => s.blocks)),
    skippedSeconds: median(samples.map((s) => s.skippedSeconds ?? 0)),
  };
}
