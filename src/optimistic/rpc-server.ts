/**
 * The sequencer's JSON-RPC 2.0 endpoint over HTTP, and a client for it.
 *
 *   method                  params            result
 *   strata_sendTransaction  [hex]             TxReceipt             (-32000 when refused)
 *   strata_getAccount       [index]           AccountView | null
 *   strata_getBalance       [index]           decimal string        (-32001 when no account)
 *   strata_getNonce         [index]           number                (-32001 when no account)
 *   strata_findAccount      [owner, tokenId]  index | null
 *   strata_getReceipt       [hash]            TxReceipt | null
 *
 * Balances travel as decimal strings; hex is lower-cased before it reaches the sequencer. The HTTP
 * plumbing (POST only, 64 KiB bodies, batches in order) is `src/common/json-rpc.ts`.
 */
import type {
  AccountView,
  JsonRpcClientOptions,
  RpcMethods,
  RpcServer,
  RpcServerOptions,
  WaitForStatusOptions,
} from "../common/json-rpc";
import {
  BYTES32,
  HEX,
  JsonRpcClient,
  RPC_ERROR_CODES,
  RpcFault,
  accountToJson,
  decodeAccount,
  decodeBigint,
  expectParams,
  hexParam,
  indexParam,
  invalidParams,
  malformed,
  ReceiptStatusTimeoutError,
  hasReachedStatusOf,
  startJsonRpcServer,
  waitForStatusOf,
} from "../common/json-rpc";
import { MAX_U32 } from "../shared/types";

export {
  MAX_BODY_BYTES,
  RPC_ERROR_CODES,
  RpcError,
  RpcTransportError,
  TxRejectedError,
} from "../common/json-rpc";
export type { AccountView, RpcServer, RpcServerOptions, WaitForStatusOptions } from "../common/json-rpc";

/** How far a transaction has got: sequenced, in a batch on Layer 1, past the challenge window. */
export type TxStatus = "soft-confirmed" | "committed" | "final";
/** Every status, each later one implying the earlier. */
export const TX_STATUSES: readonly TxStatus[] = ["soft-confirmed", "committed", "final"];

export interface TxReceipt {
  hash: string;
  status: TxStatus;
  batchIndex?: number;
  step?: number;
  outcome?: string;
}

/** What the server needs from the sequencer. */
export interface SequencerApi {
  /** Accepts a transaction; throws `TxRejectedError` for one it refuses. */
  submit(encodedTx: string): Promise<TxReceipt>;
  account(index: number): AccountView | undefined;
  findAccount(owner: string, tokenId: number): number | undefined;
  receipt(hash: string): TxReceipt | undefined;
}

/** `waitForStatus` gave up; `last` is the receipt it saw last, if any. */
export class TxStatusTimeoutError extends ReceiptStatusTimeoutError<TxStatus, TxReceipt> {}

/** True when `status` is `wanted` or later. */
export function hasReachedStatus(status: TxStatus, wanted: TxStatus): boolean {
  return hasReachedStatusOf(TX_STATUSES, status, wanted);
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

function receiptToJson(receipt: TxReceipt) {
  const { hash, status, batchIndex, step, outcome } = receipt;
  return { hash, status, batchIndex, step, outcome };
}

function existingAccount(api: SequencerApi, params: unknown): AccountView {
  const [raw] = expectParams(params, 1);
  const index = indexParam(raw);
  const account = api.account(index);
  if (!account) throw new RpcFault(RPC_ERROR_CODES.accountNotFound, `no account ${index}`, { index });
  return account;
}

type Method = (api: SequencerApi, params: unknown) => unknown;

const METHODS: RpcMethods<SequencerApi> = new Map<string, Method>([
  [
    "strata_sendTransaction",
    async (api, params) => {
      const [tx] = expectParams(params, 1);
      return receiptToJson(await api.submit(hexParam(tx, HEX, "transaction")));
    },
  ],
  [
    "strata_getAccount",
    (api, params) => {
      const account = api.account(indexParam(expectParams(params, 1)[0]));
      return account ? accountToJson(account) : null;
    },
  ],
  ["strata_getBalance", (api, params) => existingAccount(api, params).balance.toString()],
  ["strata_getNonce", (api, params) => existingAccount(api, params).nonce],
  [
    "strata_findAccount",
    (api, params) => {
      const [owner, tokenId] = expectParams(params, 2);
      const ownerHex = hexParam(owner, BYTES32, "owner");
      if (indexParam(tokenId, "tokenId") > MAX_U32) throw invalidParams("tokenId must be a u32");
      return api.findAccount(ownerHex, tokenId as number) ?? null;
    },
  ],
  [
    "strata_getReceipt",
    (api, params) => {
      const receipt = api.receipt(hexParam(expectParams(params, 1)[0], BYTES32, "hash"));
      return receipt ? receiptToJson(receipt) : null;
    },
  ],
]);

/** Starts the JSON-RPC server in front of `api`; resolves once it is listening. */
export function startRpcServer(api: SequencerApi, options: RpcServerOptions = {}): Promise<RpcServer> {
  return startJsonRpcServer(api, METHODS, options);
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

export type SequencerClientOptions = JsonRpcClientOptions;

function decodeReceipt(value: unknown, method: string): TxReceipt {
  const r = value as Partial<Record<keyof TxReceipt, unknown>> | null;
  if (
    !r ||
    typeof r !== "object" ||
    typeof r.hash !== "string" ||
    !TX_STATUSES.includes(r.status as TxStatus)
  ) {
    throw malformed(method, "not a receipt");
  }
  const receipt: TxReceipt = { hash: r.hash, status: r.status as TxStatus };
  if (typeof r.batchIndex === "number") receipt.batchIndex = r.batchIndex;
  if (typeof r.step === "number") receipt.step = r.step;
  if (typeof r.outcome === "string") receipt.outcome = r.outcome;
  return receipt;
}

/** A client for `startRpcServer`: throws `RpcError`, `TxRejectedError` or `RpcTransportError`. */
export class SequencerClient extends JsonRpcClient {
  async sendTransaction(encodedTx: string): Promise<TxReceipt> {
    return decodeReceipt(await this.call("strata_sendTransaction", [encodedTx]), "strata_sendTransaction");
  }

  async getAccount(index: number): Promise<AccountView | undefined> {
    const result = await this.call("strata_getAccount", [index]);
    return result === null ? undefined : decodeAccount(result, "strata_getAccount");
  }

  async getBalance(index: number): Promise<bigint> {
    return decodeBigint(await this.call("strata_getBalance", [index]), "strata_getBalance");
  }

  async getNonce(index: number): Promise<number> {
    const nonce = await this.call("strata_getNonce", [index]);
    if (typeof nonce !== "number") throw malformed("strata_getNonce", "not a number");
    return nonce;
  }

  async findAccount(owner: string, tokenId: number): Promise<number | undefined> {
    const index = await this.call("strata_findAccount", [owner, tokenId]);
    if (index === null) return undefined;
    if (typeof index !== "number") throw malformed("strata_findAccount", "not an index");
    return index;
  }

  async getReceipt(hash: string): Promise<TxReceipt | undefined> {
    const result = await this.call("strata_getReceipt", [hash]);
    return result === null ? undefined : decodeReceipt(result, "strata_getReceipt");
  }

  /** Polls until the transaction reaches `status` or later; throws `TxStatusTimeoutError` on timeout. */
  async waitForStatus(
    hash: string,
    status: TxStatus,
    options: WaitForStatusOptions = {},
  ): Promise<TxReceipt> {
    return waitForStatusOf(
      () => this.getReceipt(hash),
      TX_STATUSES,
      status,
      (last) => new TxStatusTimeoutError(hash, status, last),
      options,
    );
  }
}
