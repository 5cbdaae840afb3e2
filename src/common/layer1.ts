/**
 * Layer 1 as the off-chain parties read it: a provider that also takes raw JSON-RPC calls (to move a
 * local chain's clock), and one contract's logs range after range, as every follower of a contract reads
 * them (the rollups' chain followers, the demo's tape): the logs since the block it read last, up to the
 * head, and who sent each transaction that emitted them.
 */
import type { Log, Provider } from "ethers";

/** A provider that also takes raw JSON-RPC calls (Hardhat's, or an ethers JsonRpcProvider). */
export type RpcProvider = Provider & { send(method: string, params: unknown[]): Promise<unknown> };

/**
 * The time a transaction sent now would be mined at: the pending block's timestamp (the latest block's
 * where the node has no pending block). A local node mines only when a transaction arrives, so its latest
 * block can be minutes old while a window measured on it has long passed.
 */
export async function nextBlockTime(provider: Provider): Promise<number> {
  // Raw: ethers cannot format a pending block (its number is null on Hardhat).
  if ("send" in provider && typeof provider.send === "function") {
    const pending = (await (provider as RpcProvider)
      .send("eth_getBlockByNumber", ["pending", false])
      .catch(() => null)) as { timestamp?: string } | null;
    if (pending?.timestamp) return Number(pending.timestamp);
  }
  return (await provider.getBlock("latest"))!.timestamp;
}

/** The logs of one read, and the last block it covered. */
export interface LogRange {
  logs: Log[];
  toBlock: number;
}

/** `address`'s logs from `fromBlock` up to Layer 1's head; undefined when `fromBlock` is past the head. */
export async function readLogsFrom(
  provider: Provider,
  address: string,
  fromBlock: number,
): Promise<LogRange | undefined> {
  const toBlock = await provider.getBlockNumber();
  if (toBlock < fromBlock) return undefined;
  return { logs: await provider.getLogs({ address, fromBlock, toBlock }), toBlock };
}

/** Who sent a Layer-1 transaction, and the gas it used. */
export interface TxSender {
  from: string;
  gasUsed: bigint;
}

/**
 * Who sent each transaction and its gas, each receipt read once (many logs share a transaction);
 * `missing(hash)` is thrown for a transaction whose receipt Layer 1 does not have.
 */
export function transactionSenders(
  provider: Provider,
  missing: (hash: string) => Error,
): (hash: string) => Promise<TxSender> {
  const known = new Map<string, Promise<TxSender>>();
  return (hash) => {
    let sender = known.get(hash);
    if (!sender) {
      sender = provider.getTransactionReceipt(hash).then((r) => {
        if (!r) throw missing(hash);
        return { from: r.from, gasUsed: r.gasUsed };
      });
      known.set(hash, sender);
    }
    return sender;
  };
}
