/**
 * The zk operator's JSON-RPC 2.0 endpoint over HTTP, and a typed client for it.
 *
 *   method              params            result
 *   zk_sendTransaction  [hex]             ZkTxReceipt          (-32000 when refused, data.reason names why)
 *   zk_getAccount       [index]           ZkAccountView | null
 *   zk_findAccount      [owner, tokenId]  index | null
 *   zk_getReceipt       [hash]            ZkTxReceipt | null
 *
 * A transaction is the wire form of `src/zk/codec.ts`; its hash is the message it signs (a deposit's is
 * its queue head). Balances and owners travel as decimal strings and bytes32 hex. The HTTP plumbing is
 * `src/common/json-rpc.ts`.
 */
import type {
  AccountView,
  JsonRpcClientOptions,
  RpcMethod,
  RpcMethods,
  RpcServer,
  RpcServerOptions,
  WaitForStatusOptions,
} from "../common/json-rpc";
import {
  BYTES32,
  HEX,
  JsonRpcClient,
  accountToJson,
  decodeAccount,
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

/** An account as the operator serves it (the same view as the optimistic sequencer's). */
export type ZkAccountView = AccountView;

/** How far a transaction has got: accepted (journalled), proven (in a proven batch), verified on Layer 1. */
export type ZkTxStatus = "accepted" | "proven" | "verified";
/** Every status, each later one implying the earlier. */
export const ZK_TX_STATUSES: readonly ZkTxStatus[] = ["accepted", "proven", "verified"];

export interface ZkTxReceipt {
  hash: string;
  status: ZkTxStatus;
  /** The batch holding it (proven: the batch being submitted). */
  batchIndex?: number;
  /** Its slot in a verified batch. */
  slot?: number;
}

/** What the server needs from the operator. */
export interface ZkOperatorApi {
  /** Accepts a transaction; throws `TxRejectedError` (reason: the refusal's name) for one it refuses. */
  submit(encodedTx: string): Promise<ZkTxReceipt>;
  account(index: number): ZkAccountView | undefined;
  findAccount(owner: string, tokenId: number): number | undefined;
  receipt(hash: string): ZkTxReceipt | undefined;
}

/** `waitForStatus` gave up; `last` is the receipt it saw last, if any. */
export class ZkTxStatusTimeoutError extends ReceiptStatusTimeoutError<ZkTxStatus, ZkTxReceipt> {}

/** True when `status` is `wanted` or later. */
export function hasReachedZkStatus(status: ZkTxStatus, wanted: ZkTxStatus): boolean {
  return hasReachedStatusOf(ZK_TX_STATUSES, status, wanted);
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

const MAX_TOKEN_ID = 2 ** 16 - 1;

function receiptToJson(r: ZkTxReceipt) {
  return { hash: r.hash, status: r.status, batchIndex: r.batchIndex, slot: r.slot };
}

const METHODS: RpcMethods<ZkOperatorApi> = new Map<string, RpcMethod<ZkOperatorApi>>([
  [
    "zk_sendTransaction",
    async (api, params) => {
      const [tx] = expectParams(params, 1);
      return receiptToJson(await api.submit(hexParam(tx, HEX, "transaction")));
    },
  ],
  [
    "zk_getAccount",
    (api, params) => {
      const account = api.account(indexParam(expectParams(params, 1)[0]));
      return account ? accountToJson(account) : null;
    },
  ],
  [
    "zk_findAccount",
    (api, params) => {
      const [owner, tokenId] = expectParams(params, 2);
      const ownerHex = hexParam(owner, BYTES32, "owner");
      if (indexParam(tokenId, "tokenId") > MAX_TOKEN_ID) throw invalidParams("tokenId must be a u16");
      return api.findAccount(ownerHex, tokenId as number) ?? null;
    },
  ],
  [
    "zk_getReceipt",
    (api, params) => {
      const receipt = api.receipt(hexParam(expectParams(params, 1)[0], BYTES32, "hash"));
      return receipt ? receiptToJson(receipt) : null;
    },
  ],
]);

/** Starts the JSON-RPC server in front of `api`; resolves once it is listening. */
export function startZkRpcServer(api: ZkOperatorApi, options: RpcServerOptions = {}): Promise<RpcServer> {
  return startJsonRpcServer(api, METHODS, options);
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

function decodeReceipt(value: unknown, method: string): ZkTxReceipt {
  const r = value as Partial<Record<keyof ZkTxReceipt, unknown>> | null;
  if (
    !r ||
    typeof r !== "object" ||
    typeof r.hash !== "string" ||
    !ZK_TX_STATUSES.includes(r.status as ZkTxStatus)
  ) {
    throw malformed(method, "not a receipt");
  }
  const receipt: ZkTxReceipt = { hash: r.hash, status: r.status as ZkTxStatus };
  if (typeof r.batchIndex === "number") receipt.batchIndex = r.batchIndex;
  if (typeof r.slot === "number") receipt.slot = r.slot;
  return receipt;
}

/** A client for `startZkRpcServer`: throws `RpcError`, `TxRejectedError` or `RpcTransportError`. */
export class ZkOperatorClient extends JsonRpcClient {
  constructor(url: string, options: JsonRpcClientOptions = {}) {
    super(url, options);
  }

  async sendTransaction(encodedTx: string): Promise<ZkTxReceipt> {
    return decodeReceipt(await this.call("zk_sendTransaction", [encodedTx]), "zk_sendTransaction");
  }

  async getAccount(index: number): Promise<ZkAccountView | undefined> {
    const result = await this.call("zk_getAccount", [index]);
    return result === null ? undefined : decodeAccount(result, "zk_getAccount");
  }

  async findAccount(owner: string, tokenId: number): Promise<number | undefined> {
    const index = await this.call("zk_findAccount", [owner, tokenId]);
    if (index === null) return undefined;
    if (typeof index !== "number") throw malformed("zk_findAccount", "not an index");
    return index;
  }

  async getReceipt(hash: string): Promise<ZkTxReceipt | undefined> {
    const result = await this.call("zk_getReceipt", [hash]);
    return result === null ? undefined : decodeReceipt(result, "zk_getReceipt");
  }

  /** Polls until the transaction reaches `status` or later; throws `ZkTxStatusTimeoutError` on timeout. */
  waitForStatus(hash: string, status: ZkTxStatus, options: WaitForStatusOptions = {}): Promise<ZkTxReceipt> {
    return waitForStatusOf(
      () => this.getReceipt(hash),
      ZK_TX_STATUSES,
      status,
      (last) => new ZkTxStatusTimeoutError(hash, status, last),
      options,
    );
  }
}
