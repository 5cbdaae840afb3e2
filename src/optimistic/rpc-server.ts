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
  RpcServer,
  RpcServerOptions,
  StatusReceipt,
  WaitForStatusOptions,
} from "../common/json-rpc";
import {
  RPC_ERROR_CODES,
  RpcError,
  RpcFault,
  TxRejectedError,
  decodeBigint,
  expectParams,
  indexParam,
  malformed,
  ReceiptStatusTimeoutError,
  startJsonRpcServer,
} from "../common/json-rpc";
import type { RollupOperatorApi, RollupRpcSpec } from "../common/rollup-rpc";
import { RollupRpcClient, rollupMethods } from "../common/rollup-rpc";
import { MAX_U32 } from "../shared/types";
import type { SequencerEvent } from "./events";

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

export interface TxReceipt extends StatusReceipt<TxStatus> {
  batchIndex?: number;
  step?: number;
  outcome?: string;
}

/** What the server needs from the sequencer. */
export type SequencerApi = RollupOperatorApi<TxReceipt>;

/** `waitForStatus` gave up; `last` is the receipt it saw last, if any. */
export class TxStatusTimeoutError extends ReceiptStatusTimeoutError<TxStatus, TxReceipt> {}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

const SPEC: RollupRpcSpec<TxStatus, TxReceipt> = {
  prefix: "strata",
  statuses: TX_STATUSES,
  receiptFields: { batchIndex: "number", step: "number", outcome: "string" },
  maxTokenId: MAX_U32,
  tokenIdType: "u32",
  timeoutError: (hash, status, last) => new TxStatusTimeoutError(hash, status, last),
};

function existingAccount(api: SequencerApi, params: unknown): AccountView {
  const [raw] = expectParams(params, 1);
  const index = indexParam(raw);
  const account = api.account(index);
  if (!account) throw new RpcFault(RPC_ERROR_CODES.accountNotFound, `no account ${index}`, { index });
  return account;
}

const METHODS = rollupMethods<TxStatus, TxReceipt, SequencerApi>(SPEC)
  .set("strata_getBalance", (api, params) => existingAccount(api, params).balance.toString())
  .set("strata_getNonce", (api, params) => existingAccount(api, params).nonce);

/** Starts the JSON-RPC server in front of `api`; resolves once it is listening. */
export function startRpcServer(api: SequencerApi, options: RpcServerOptions = {}): Promise<RpcServer> {
  return startJsonRpcServer(api, METHODS, options);
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

export type SequencerClientOptions = JsonRpcClientOptions;

/**
 * The sequencer as its users see it, wherever it runs: `SequencerClient` over JSON-RPC, or
 * `LocalSequencerClient` in this process. The same calls, the same results, the same errors.
 */
export interface SequencerSide {
  sendTransaction(encodedTx: string): Promise<TxReceipt>;
  getAccount(index: number): Promise<AccountView | undefined>;
  getBalance(index: number): Promise<bigint>;
  getNonce(index: number): Promise<number>;
  findAccount(owner: string, tokenId: number): Promise<number | undefined>;
  getReceipt(hash: string): Promise<TxReceipt | undefined>;
  waitForStatus(hash: string, status: TxStatus, options?: WaitForStatusOptions): Promise<TxReceipt>;
}

/** A client for `startRpcServer`: throws `RpcError`, `TxRejectedError` or `RpcTransportError`. */
export class SequencerClient
  extends RollupRpcClient<TxStatus, TxReceipt, SequencerEvent>
  implements SequencerSide
{
  protected readonly spec = SPEC;

  async getBalance(index: number): Promise<bigint> {
    return decodeBigint(await this.call("strata_getBalance", [index]), "strata_getBalance");
  }

  async getNonce(index: number): Promise<number> {
    const nonce = await this.call("strata_getNonce", [index]);
    if (typeof nonce !== "number") throw malformed("strata_getNonce", "not a number");
    return nonce;
  }
}

/**
 * `SequencerClient` without the wire: each call runs the server's own method on the sequencer in this
 * process (the same parameter checks, the same JSON results, the same errors: `TxRejectedError` for a
 * refusal, `RpcError` with the server's code for a fault). `api` is read at every call, so the client
 * follows a sequencer that was restarted. An unexpected error is thrown as it is (the server would
 * answer -32603 "internal error").
 */
export class LocalSequencerClient extends SequencerClient {
  constructor(private readonly api: () => SequencerApi) {
    super("in-process:sequencer");
  }

  override async call(method: string, params: readonly unknown[]): Promise<unknown> {
    const handler = METHODS.get(method);
    if (!handler) throw new RpcError(RPC_ERROR_CODES.methodNotFound, `method not found: ${method}`);
    let result: unknown;
    try {
      result = await handler(this.api(), JSON.parse(JSON.stringify(params)));
    } catch (error) {
      if (error instanceof RpcFault) throw new RpcError(error.code, error.message, error.data);
      if (error instanceof TxRejectedError) throw new TxRejectedError(error.reason, error.message);
      throw error;
    }
    return result === undefined ? null : (JSON.parse(JSON.stringify(result)) as unknown);
  }
}
