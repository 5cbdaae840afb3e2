/**
 * The Layer-1 reads every subsystem's routes share: a block's timestamp, a transaction and its receipt,
 * an ERC-20's metadata. Each is kept across requests under a key that fixes its answer (a block hash, a
 * transaction hash, the head's hash), in a bounded map whose oldest entries go first, so a page asked
 * again at a new head reads only what is new.
 */
import type { TransactionReceipt, TransactionResponse } from "ethers";
import { ZeroAddress } from "ethers";
import { IERC20Metadata__factory } from "../../typechain-types";
import { StrataError } from "../common/errors";
import type { ExplorerContext } from "./route";

/** Layer 1 lacks what a route's own logs point at (a block, a transaction): the node is not the one read. */
export class ExplorerReadError extends StrataError {}

/** How many answers of each kind are kept. */
export const MAX_KEPT_READS = 5_000;

/**
 * Answers by key, at most `MAX_KEPT_READS`, the oldest evicted first. A read is kept as its promise, so
 * asks of the same key at once share one request; a read that fails is forgotten, to be asked again.
 */
class KeptReads<T> {
  private readonly kept = new Map<string, Promise<T>>();

  get(key: string, read: () => Promise<T>): Promise<T> {
    let answer = this.kept.get(key);
    if (!answer) {
      answer = read();
      if (this.kept.size >= MAX_KEPT_READS) this.kept.delete(this.kept.keys().next().value!);
      this.kept.set(key, answer);
      answer.catch(() => {
        if (this.kept.get(key) === answer) this.kept.delete(key);
      });
    }
    return answer;
  }
}

const times = new KeptReads<number>();
const transactions = new KeptReads<TransactionResponse>();
const receipts = new KeptReads<TransactionReceipt>();
const tokenInfos = new KeptReads<TokenInfo>();

/**
 * The timestamp (Unix seconds) of a block, by hash (as a log names it: kept for good) or by number (at
 * most the head; kept under the head's hash, since a number names another block after a reorganization).
 */
export function blockTime(ctx: ExplorerContext, block: string | number): Promise<number> {
  if (typeof block === "number" && block > ctx.head.number) {
    return Promise.reject(new ExplorerReadError(`block ${block} is past the head (${ctx.head.number})`));
  }
  const key = typeof block === "number" ? `${ctx.head.hash}#${block}` : block.toLowerCase();
  return times.get(key, async () => {
    const found = await ctx.provider.getBlock(block);
    if (!found) throw new ExplorerReadError(`Layer 1 has no block ${block}`);
    return found.timestamp;
  });
}

/**
 * A transaction by hash: its signed content (sender, calldata, value) is fixed by the hash and kept; its
 * block fields are not (a reorganization may include it elsewhere), so read those from its receipt.
 */
export function transactionOf(ctx: ExplorerContext, hash: string): Promise<TransactionResponse> {
  return transactions.get(hash.toLowerCase(), async () => {
    const tx = await ctx.provider.getTransaction(hash);
    if (!tx) throw new ExplorerReadError(`Layer 1 has no transaction ${hash}`);
    return tx;
  });
}

/**
 * A transaction's receipt (its status, gas, logs) as included in block `blockHash`, the block the log
 * that names it came from: kept under both hashes, which fix it.
 */
export function receiptOf(
  ctx: ExplorerContext,
  hash: string,
  blockHash: string,
): Promise<TransactionReceipt> {
  return receipts.get(`${hash.toLowerCase()}@${blockHash.toLowerCase()}`, async () => {
    const receipt = await ctx.provider.getTransactionReceipt(hash);
    if (!receipt) throw new ExplorerReadError(`Layer 1 has no receipt for transaction ${hash}`);
    if (receipt.blockHash.toLowerCase() !== blockHash.toLowerCase()) {
      throw new ExplorerReadError(
        `transaction ${hash} is in block ${receipt.blockHash} now, not ${blockHash}: Layer 1 reorganized`,
      );
    }
    return receipt;
  });
}

/** What a page needs to print amounts of a token. */
export interface TokenInfo {
  /** "ETH", the token's `symbol()`, or null when it has none. */
  symbol: string | null;
  /** 18 for ETH, the token's `decimals()`, or null when it has none (amounts are then base units). */
  decimals: number | null;
}

/**
 * ETH for address 0, else what the token's optional ERC-20 metadata says at the head. Kept per head: a
 * token's metadata is its contract's to change (a proxy, a redeployment at the same address).
 */
export function tokenInfoOf(ctx: ExplorerContext, token: string): Promise<TokenInfo> {
  if (token === ZeroAddress) return Promise.resolve({ symbol: "ETH", decimals: 18 });
  return tokenInfos.get(`${ctx.head.hash}:${token.toLowerCase()}`, async () => {
    const erc20 = IERC20Metadata__factory.connect(token, ctx.provider);
    const blockTag = ctx.head.number;
    // not every ERC-20 has the optional metadata
    const [symbol, decimals] = await Promise.all([
      erc20.symbol({ blockTag }).catch(() => null),
      erc20.decimals({ blockTag }).then(Number, () => null),
    ]);
    return { symbol, decimals };
  });
}

/** Token metadata of a set of tokens, read once each, by address. */
export async function tokenInfosOf(
  ctx: ExplorerContext,
  tokens: Iterable<string>,
): Promise<Record<string, TokenInfo>> {
  const unique = [...new Set(tokens)];
  const infos = await Promise.all(unique.map((t) => tokenInfoOf(ctx, t)));
  return Object.fromEntries(unique.map((t, i) => [t, infos[i]]));
}
