/**
 * Layer 1 as the explorer shows it: recent blocks, and every transaction to a Strata contract decoded by
 * name (the function and its arguments, the events it emitted, its gas). A transaction is Strata's when
 * it is sent to a contract of the deployment, creates one, or makes one emit an event. Names come from
 * the contract's own ABI at a deployment address, else from any Strata ABI that knows the selector or
 * the topic.
 */
import type { Block, TransactionReceipt, TransactionResponse } from "ethers";
import { Interface } from "ethers";
import * as factories from "../../typechain-types";
import type { Deployment } from "../common/deployments";
import { blockTime } from "./reads";
import type { ExplorerContext, ExplorerRoute } from "./route";
import { ExplorerNotFoundError, bytes32Param, indexParam } from "./route";

/** A decoded argument or event field: its name and its value as JSON (big integers as decimal strings). */
export interface NamedValue {
  name: string;
  value: unknown;
}

/** A transaction as a list row: who, to which contract, which function, its gas. */
export interface TxSummary {
  hash: string;
  block: number;
  from: string;
  to: string | null;
  /** The deployment's name for `to` (`OptimisticRollup`), when it has one. */
  contract?: string;
  /** The function called (`commitBatch`), when a Strata ABI knows its selector. */
  method?: string;
  /** Wei sent with it, decimal. */
  value: string;
  gasUsed: string;
  /** 1 succeeded, 0 reverted. */
  status: number;
  /** Blobs it carried (EIP-4844), 0 for most. */
  blobs: number;
}

/** One transaction in full: its call's arguments and its decoded events. */
export interface TxView extends TxSummary {
  timestamp: number;
  args: NamedValue[];
  events: { address: string; contract?: string; name?: string; fields: NamedValue[] }[];
  effectiveGasPrice: string;
  blobGasUsed?: string;
}

export interface BlockSummary {
  number: number;
  hash: string;
  timestamp: number;
  gasUsed: string;
  transactions: number;
  /** Its transactions that touch Strata. */
  strata: TxSummary[];
}

export interface BlocksView {
  head: number;
  blocks: BlockSummary[];
}

/** How many blocks `/api/blocks` lists by default, and at most. */
export const RECENT_BLOCKS = 20;
export const MAX_BLOCKS = 100;

/** Every ABI typechain generated, by contract name (`Bridge` → its ABI), from the `<Name>__factory` exports. */
function strataAbis(): Map<string, Interface> {
  const abis = new Map<string, Interface>();
  for (const [key, value] of Object.entries(factories)) {
    const abi = (value as { abi?: unknown }).abi;
    if (!key.endsWith("__factory") || !Array.isArray(abi)) continue;
    abis.set(key.slice(0, -"__factory".length), new Interface(abi as never));
  }
  return abis;
}

/**
 * Names calls and logs: by the deployment's contract at an address first, else by any Strata ABI that
 * knows the selector or the topic (the test-only contracts' ABIs are left out, so a match is a real one).
 */
export class Layer1Decoder {
  private readonly byAddress = new Map<string, { name: string; abi?: Interface }>();
  private readonly all: Interface[];

  constructor(deployment: Deployment) {
    const abis = strataAbis();
    const testOnly = new Set(
      Object.keys(factories.factories.contracts.test ?? {}).map((k) => k.replace(/__factory$/, "")),
    );
    for (const [name, address] of Object.entries(deployment.contracts)) {
      const abiName = name === "ZkVerifier" ? deployment.zkVerifier?.contract : name;
      this.byAddress.set(address.toLowerCase(), { name, abi: abiName ? abis.get(abiName) : undefined });
    }
    this.all = [...abis].filter(([name]) => !testOnly.has(name)).map(([, abi]) => abi);
  }

  /** The deployment's name for `address`, if it has one. */
  contractAt(address: string | null): string | undefined {
    return address ? this.byAddress.get(address.toLowerCase())?.name : undefined;
  }

  private abisFor(address: string | null): Interface[] {
    const own = address ? this.byAddress.get(address.toLowerCase())?.abi : undefined;
    return own ? [own, ...this.all] : this.all;
  }

  /** The function `data` calls on `to`, with its arguments, when an ABI knows it. */
  decodeCall(to: string | null, data: string): { method: string; args: NamedValue[] } | undefined {
    if (data.length < 10) return undefined;
    for (const abi of this.abisFor(to)) {
      try {
        const parsed = abi.parseTransaction({ data });
        if (!parsed) continue;
        const args = parsed.fragment.inputs.map((input, i) => ({
          name: input.name || `arg${i}`,
          value: toJson(parsed.args[i]),
        }));
        return { method: parsed.name, args };
      } catch {
        // Not this ABI's selector, or not its argument layout: try the next.
      }
    }
    return undefined;
  }

  /** A log's event name and fields, when an ABI knows its topic. */
  decodeLog(log: { address: string; topics: readonly string[]; data: string }):
    | {
        name: string;
        fields: NamedValue[];
      }
    | undefined {
    for (const abi of this.abisFor(log.address)) {
      try {
        const parsed = abi.parseLog({ topics: [...log.topics], data: log.data });
        if (!parsed) continue;
        const fields = parsed.fragment.inputs.map((input, i) => ({
          name: input.name || `arg${i}`,
          value: toJson(parsed.args[i]),
        }));
        return { name: parsed.name, fields };
      } catch {
        // Same topic under another layout: try the next.
      }
    }
    return undefined;
  }

  /** Whether a transaction touches Strata: sent to one of its contracts, creating one, or making one emit. */
  isStrata(tx: { to: string | null }, receipt: TransactionReceipt | null): boolean {
    if (this.contractAt(tx.to)) return true;
    if (receipt?.contractAddress && this.contractAt(receipt.contractAddress)) return true;
    if (receipt?.logs.some((log) => this.contractAt(log.address))) return true;
    return false;
  }
}

/** An ethers value as JSON: big integers as decimal strings, arrays and structs element by element. */
export function toJson(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(toJson);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return value;
}

/** The decoder of the context's deployment, made once per deployment. */
const decoders = new WeakMap<Deployment, Layer1Decoder>();
export function decoderFor(deployment: Deployment): Layer1Decoder {
  let decoder = decoders.get(deployment);
  if (!decoder) decoders.set(deployment, (decoder = new Layer1Decoder(deployment)));
  return decoder;
}

function summarize(decoder: Layer1Decoder, tx: TransactionResponse, receipt: TransactionReceipt): TxSummary {
  // A deployment's creation transaction is named by what it created.
  const created = tx.to === null ? decoder.contractAt(receipt.contractAddress) : undefined;
  return {
    hash: tx.hash,
    block: receipt.blockNumber,
    from: tx.from,
    to: tx.to,
    contract: created ?? decoder.contractAt(tx.to),
    method: created ? "deploy" : decoder.decodeCall(tx.to, tx.data)?.method,
    value: tx.value.toString(),
    gasUsed: receipt.gasUsed.toString(),
    status: receipt.status ?? 0,
    blobs: tx.blobVersionedHashes?.length ?? 0,
  };
}

async function blockSummary(ctx: ExplorerContext, block: Block): Promise<BlockSummary> {
  const decoder = decoderFor(ctx.deployment);
  const strata: TxSummary[] = [];
  for (const hash of block.transactions) {
    const [tx, receipt] = await Promise.all([
      ctx.provider.getTransaction(hash),
      ctx.provider.getTransactionReceipt(hash),
    ]);
    if (!tx || !receipt) continue;
    if (decoder.isStrata(tx, receipt)) strata.push(summarize(decoder, tx, receipt));
  }
  return {
    number: block.number,
    hash: block.hash!,
    timestamp: block.timestamp,
    gasUsed: block.gasUsed.toString(),
    transactions: block.transactions.length,
    strata,
  };
}

/** Blocks are immutable once read at a hash: their summaries are kept (a reorg gives a new hash). */
const summaries = new Map<string, BlockSummary>();
const MAX_KEPT_SUMMARIES = 2_000;

async function summaryOf(ctx: ExplorerContext, number: number): Promise<BlockSummary | undefined> {
  const block = await ctx.provider.getBlock(number);
  if (!block) return undefined;
  const key = `${block.hash}:${ctx.deployment.deployedAt}`;
  const kept = summaries.get(key);
  if (kept) return kept;
  const summary = await blockSummary(ctx, block);
  if (summaries.size >= MAX_KEPT_SUMMARIES) summaries.delete(summaries.keys().next().value!);
  summaries.set(key, summary);
  return summary;
}

export async function readTransaction(ctx: ExplorerContext, hash: string): Promise<TxView> {
  const [tx, receipt] = await Promise.all([
    ctx.provider.getTransaction(hash),
    ctx.provider.getTransactionReceipt(hash),
  ]);
  if (!tx || !receipt || receipt.blockNumber > ctx.head.number) {
    throw new ExplorerNotFoundError(`no transaction ${hash} on this chain`);
  }
  const decoder = decoderFor(ctx.deployment);
  return {
    ...summarize(decoder, tx, receipt),
    timestamp: await blockTime(ctx, receipt.blockHash),
    args: decoder.decodeCall(tx.to, tx.data)?.args ?? [],
    events: receipt.logs.map((log) => {
      const decoded = decoder.decodeLog(log);
      return {
        address: log.address,
        contract: decoder.contractAt(log.address),
        name: decoded?.name,
        fields: decoded?.fields ?? [],
      };
    }),
    effectiveGasPrice: (receipt.gasPrice ?? 0n).toString(),
    blobGasUsed: receipt.blobGasUsed?.toString(),
  };
}

export const layer1Routes: ExplorerRoute[] = [
  {
    path: "/api/blocks",
    async read(ctx, _params, query) {
      const count = Math.min(MAX_BLOCKS, Number(query.get("count") ?? RECENT_BLOCKS) || RECENT_BLOCKS);
      // All at once: ethers sends the reads of one tick as one JSON-RPC batch.
      const numbers = Array.from(
        { length: Math.min(count, ctx.head.number + 1) },
        (_, i) => ctx.head.number - i,
      );
      const blocks = (await Promise.all(numbers.map((n) => summaryOf(ctx, n)))).filter(
        (b): b is BlockSummary => b !== undefined,
      );
      return { head: ctx.head.number, blocks } satisfies BlocksView;
    },
  },
  {
    path: "/api/blocks/:number",
    async read(ctx, params) {
      const number = indexParam(params, "number");
      if (number > ctx.head.number)
        throw new ExplorerNotFoundError(`no block ${number} yet (head ${ctx.head.number})`);
      const summary = await summaryOf(ctx, number);
      if (!summary) throw new ExplorerNotFoundError(`no block ${number}`);
      return summary;
    },
  },
  {
    path: "/api/tx/:hash",
    read: (ctx, params) => readTransaction(ctx, bytes32Param(params, "hash")),
  },
];
