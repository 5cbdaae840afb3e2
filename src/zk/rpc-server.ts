/**
 * The zk operator's JSON-RPC 2.0 endpoint over HTTP, and a typed client for it.
 *
 *   method              params            result
 *   zk_sendTransaction  [hex]             ZkTxReceipt          (-32000 when refused, data.reason names why)
 *   zk_getAccount       [index]           ZkAccountView | null
 *   zk_getBalance       [index]           decimal string       (-32001 when no account)
 *   zk_getNonce         [index]           number               (-32001 when no account)
 *   zk_findAccount      [owner, tokenId]  index | null
 *   zk_getReceipt       [hash]            ZkTxReceipt | null
 *   strata_health       []                ServiceHealth: "zk-operator", with ZkOperatorHealth's details
 *   strata_events       [cursor, limit?]  EventPage of ZkOperatorEvent (src/zk/events.ts)
 *
 * The rollup methods are the sequencer's, written once (src/common/rollup-rpc.ts): the same answers and
 * the same refusal names for the same mistakes (a spend signed at another nonce than its account's is
 * `NonceMismatch`, data `account`, `expected`, `got`).
 *
 * A transaction is the wire form of `src/zk/codec.ts`; its hash is the message it signs (a deposit's is
 * its queue head). Balances and owners travel as decimal strings and bytes32 hex. The HTTP plumbing is
 * `src/common/json-rpc.ts`.
 */
import type { EventSource } from "../common/events";
import type { AccountView, RpcServer, RpcServerOptions, StatusReceipt } from "../common/json-rpc";
import { ReceiptStatusTimeoutError, startJsonRpcServer } from "../common/json-rpc";
import type { RollupOperatorApi, RollupRpcSpec } from "../common/rollup-rpc";
import { RollupRpcClient, rollupMethods } from "../common/rollup-rpc";
import type { ZkOperatorEvent } from "./events";

/** An account as the operator serves it (the same view as the optimistic sequencer's). */
export type ZkAccountView = AccountView;

/** How far a transaction has got: accepted (journalled), proven (in a proven batch), verified on Layer 1. */
export type ZkTxStatus = "accepted" | "proven" | "verified";
/** Every status, each later one implying the earlier. */
export const ZK_TX_STATUSES: readonly ZkTxStatus[] = ["accepted", "proven", "verified"];

export interface ZkTxReceipt extends StatusReceipt<ZkTxStatus> {
  /** The batch holding it (proven: the batch being submitted). */
  batchIndex?: number;
  /** Its slot in a verified batch. */
  slot?: number;
}

/** What the server needs from the operator. */
export type ZkOperatorApi = RollupOperatorApi<ZkTxReceipt>;

/** The operator as its service serves it: the API, its typed events and its health. */
export interface ZkOperatorService extends ZkOperatorApi {
  readonly events: EventSource<ZkOperatorEvent>;
  health(): Promise<{ status?: "ok" | "degraded"; [detail: string]: unknown }>;
}

/** The service's name, in `strata_health` and wherever it is started. */
export const ZK_OPERATOR_SERVICE = "zk-operator";

/** `waitForStatus` gave up; `last` is the receipt it saw last, if any. */
export class ZkTxStatusTimeoutError extends ReceiptStatusTimeoutError<ZkTxStatus, ZkTxReceipt> {}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

const SPEC: RollupRpcSpec<ZkTxStatus, ZkTxReceipt> = {
  prefix: "zk",
  statuses: ZK_TX_STATUSES,
  receiptFields: { batchIndex: "number", slot: "number" },
  maxTokenId: 2 ** 16 - 1,
  tokenIdType: "u16",
  timeoutError: (hash, status, last) => new ZkTxStatusTimeoutError(hash, status, last),
};

const METHODS = rollupMethods<ZkTxStatus, ZkTxReceipt, ZkOperatorApi>(SPEC);

/** Starts the JSON-RPC server in front of `api`; resolves once it is listening. */
export function startZkRpcServer(api: ZkOperatorApi, options: RpcServerOptions = {}): Promise<RpcServer> {
  return startJsonRpcServer(api, METHODS, options);
}

/** Serves `operator` as the `zk-operator` service: the zk_* methods, its health and its events. */
export function serveZkOperator(
  operator: ZkOperatorService,
  options: Omit<RpcServerOptions, "service"> = {},
): Promise<RpcServer> {
  return startZkRpcServer(operator, {
    ...options,
    service: { name: ZK_OPERATOR_SERVICE, events: operator.events, health: () => operator.health() },
  });
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/** A client for `startZkRpcServer`: throws `RpcError`, `TxRejectedError` or `RpcTransportError`. */
export class ZkOperatorClient extends RollupRpcClient<ZkTxStatus, ZkTxReceipt, ZkOperatorEvent> {
  protected readonly spec = SPEC;
}
