import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StrataError } from "../common/errors";
import { createLogger } from "../common/logger";
import type { Logger } from "../common/logger";
import { MAX_U32 } from "../shared/types";

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
 * Balances travel as decimal strings; hex is lower-cased before it reaches the sequencer. Only
 * `POST` with a JSON body of at most 64 KiB; batches run in order, one request after another.
 */

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

export interface AccountView {
  index: number;
  owner: string;
  tokenId: number;
  balance: bigint;
  nonce: number;
}

/** What the server needs from the sequencer. */
export interface SequencerApi {
  /** Accepts a transaction; throws `TxRejectedError` for one it refuses. */
  submit(encodedTx: string): Promise<TxReceipt>;
  account(index: number): AccountView | undefined;
  findAccount(owner: string, tokenId: number): number | undefined;
  receipt(hash: string): TxReceipt | undefined;
}

export const RPC_ERROR_CODES = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  txRejected: -32000,
  accountNotFound: -32001,
} as const;

/** The sequencer refused a transaction; `reason` is a machine-readable name to branch on. */
export class TxRejectedError extends StrataError {
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The server answered with a JSON-RPC error. */
export class RpcError extends StrataError {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The exchange failed below JSON-RPC: no answer, or an answer that is not a JSON-RPC response. */
export class RpcTransportError extends StrataError {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `waitForStatus` gave up; `last` is the receipt it saw last, if any. */
export class TxStatusTimeoutError extends StrataError {
  constructor(
    readonly hash: string,
    readonly status: TxStatus,
    readonly last: TxReceipt | undefined,
  ) {
    super(`transaction ${hash} did not reach ${status} (last seen: ${last?.status ?? "unknown"})`);
  }
}

/** True when `status` is `wanted` or later. */
export function hasReachedStatus(status: TxStatus, wanted: TxStatus): boolean {
  return TX_STATUSES.indexOf(status) >= TX_STATUSES.indexOf(wanted);
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

export const MAX_BODY_BYTES = 64 * 1024;
/** An oversized body is read and discarded up to this much (so the client sees the 413), then cut off. */
const MAX_DISCARD_BYTES = 16 * MAX_BODY_BYTES;

export interface RpcServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  logger?: Logger;
}

export interface RpcServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

type RpcId = string | number | null;
type RpcResponse =
  | { jsonrpc: "2.0"; id: RpcId; result: unknown }
  | { jsonrpc: "2.0"; id: RpcId; error: { code: number; message: string; data?: unknown } };

/** An error the server itself decided to answer with; anything else thrown becomes -32603. */
class RpcFault extends RpcError {}

const HEX = /^0x(?:[0-9a-fA-F]{2})+$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const HEX_SHAPES = new Map([
  [HEX, "non-empty, even-length 0x hex"],
  [BYTES32, "32 bytes of 0x hex"],
]);

function invalidParams(message: string): RpcFault {
  return new RpcFault(RPC_ERROR_CODES.invalidParams, message);
}

function expectParams(params: unknown, count: number): readonly unknown[] {
  if (params === undefined) params = [];
  if (!Array.isArray(params)) throw invalidParams("params must be an array");
  if (params.length !== count) {
    throw invalidParams(`expected ${count} param${count === 1 ? "" : "s"}, got ${params.length}`);
  }
  return params;
}

function indexParam(value: unknown, what = "index"): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalidParams(`${what} must be a non-negative safe integer`);
  }
  return value;
}

function hexParam(value: unknown, pattern: RegExp, what: string): string {
  if (typeof value !== "string" || !pattern.test(value))
    throw invalidParams(`${what} must be ${HEX_SHAPES.get(pattern)}`);
  return value.toLowerCase();
}

function accountToJson(account: AccountView) {
  return {
    index: account.index,
    owner: account.owner,
    tokenId: account.tokenId,
    balance: account.balance.toString(),
    nonce: account.nonce,
  };
}

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

const METHODS = new Map<string, Method>([
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

function isRpcId(value: unknown): value is RpcId {
  return value === null || typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

function errorResponse(id: RpcId, code: number, message: string, data?: unknown): RpcResponse {
  return { jsonrpc: "2.0", id, error: data === undefined ? { code, message } : { code, message, data } };
}

/** Answers one request object; undefined for a notification. */
async function handleRequest(
  api: SequencerApi,
  request: unknown,
  log: Logger,
): Promise<RpcResponse | undefined> {
  if (!request || typeof request !== "object" || Array.isArray(request)) {
    return errorResponse(null, RPC_ERROR_CODES.invalidRequest, "invalid request");
  }
  const { jsonrpc, method, params, id } = request as Record<string, unknown>;
  const isNotification = !("id" in request);
  if (
    jsonrpc !== "2.0" ||
    typeof method !== "string" ||
    (!isNotification && !isRpcId(id)) ||
    (params !== undefined && (params === null || typeof params !== "object"))
  ) {
    return errorResponse(isRpcId(id) ? id : null, RPC_ERROR_CODES.invalidRequest, "invalid request");
  }
  const replyId = isNotification ? null : (id as RpcId);
  const reply = (response: RpcResponse) => (isNotification ? undefined : response);

  const handler = METHODS.get(method);
  if (!handler) {
    return reply(errorResponse(replyId, RPC_ERROR_CODES.methodNotFound, `method not found: ${method}`));
  }
  try {
    const result = await handler(api, params);
    return reply({ jsonrpc: "2.0", id: replyId, result });
  } catch (error) {
    if (error instanceof RpcFault)
      return reply(errorResponse(replyId, error.code, error.message, error.data));
    if (error instanceof TxRejectedError) {
      return reply(
        errorResponse(replyId, RPC_ERROR_CODES.txRejected, error.message, { reason: error.reason }),
      );
    }
    log.error("request failed", {
      method,
      id: replyId,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
    return reply(errorResponse(replyId, RPC_ERROR_CODES.internalError, "internal error"));
  }
}

/** Answers a parsed body: one request or a batch. Undefined when there is nothing to send back. */
async function handlePayload(api: SequencerApi, payload: unknown, log: Logger): Promise<unknown> {
  if (!Array.isArray(payload)) return handleRequest(api, payload, log);
  if (payload.length === 0) return errorResponse(null, RPC_ERROR_CODES.invalidRequest, "empty batch");
  const responses: RpcResponse[] = [];
  for (const request of payload) {
    const response = await handleRequest(api, request, log);
    if (response) responses.push(response);
  }
  return responses.length > 0 ? responses : undefined;
}

/** The request body, or "too-large" once it passes `MAX_BODY_BYTES` (the rest is discarded). */
function readBody(req: IncomingMessage): Promise<Buffer | "too-large"> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    let tooLarge = Number.isFinite(declared) && declared > MAX_BODY_BYTES;
    let received = 0;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_BODY_BYTES) {
        tooLarge = true;
        chunks.length = 0;
      }
      if (received > MAX_DISCARD_BYTES) {
        req.destroy();
        reject(new RpcTransportError("request body far too large"));
      } else if (!tooLarge) {
        chunks.push(chunk);
      }
    });
    req.on("end", () => resolve(tooLarge ? "too-large" : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      ...headers,
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(text)),
    })
    .end(text);
}

function isJsonContentType(header: string | undefined): boolean {
  return header?.split(";")[0].trim().toLowerCase() === "application/json";
}

async function serve(
  api: SequencerApi,
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
): Promise<void> {
  if (req.method !== "POST") {
    req.resume();
    send(res, 405, errorResponse(null, RPC_ERROR_CODES.invalidRequest, "only POST is supported"), {
      allow: "POST",
    });
    return;
  }
  if (!isJsonContentType(req.headers["content-type"])) {
    req.resume();
    send(
      res,
      415,
      errorResponse(null, RPC_ERROR_CODES.invalidRequest, "content-type must be application/json"),
    );
    return;
  }
  const body = await readBody(req);
  if (body === "too-large") {
    send(
      res,
      413,
      errorResponse(null, RPC_ERROR_CODES.invalidRequest, `request body exceeds ${MAX_BODY_BYTES} bytes`),
    );
    return;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString("utf8"));
  } catch {
    send(res, 200, errorResponse(null, RPC_ERROR_CODES.parseError, "parse error"));
    return;
  }
  const answer = await handlePayload(api, payload, log);
  send(res, answer === undefined ? 204 : 200, answer);
}

/** Starts the JSON-RPC server in front of `api`; resolves once it is listening. */
export async function startRpcServer(api: SequencerApi, options: RpcServerOptions = {}): Promise<RpcServer> {
  const log = (options.logger ?? createLogger()).child("rpc");
  const host = options.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    serve(api, req, res, log).catch((error: unknown) => {
      if (error instanceof RpcTransportError) log.warn("dropped request", { error: error.message });
      else log.error("cannot serve request", { error: String(error) });
      if (!res.headersSent)
        send(res, 500, errorResponse(null, RPC_ERROR_CODES.internalError, "internal error"));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  log.info("rpc server listening", { url });
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

export interface SequencerClientOptions {
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
}

export interface WaitForStatusOptions {
  /** Default 60 s. */
  timeoutMs?: number;
  /** Default 250 ms. */
  pollMs?: number;
}

function malformed(method: string, what: string): RpcTransportError {
  return new RpcTransportError(`malformed ${method} response: ${what}`);
}

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

function decodeBigint(value: unknown, method: string): bigint {
  if (typeof value !== "string" || !/^\d+$/.test(value)) throw malformed(method, "not a decimal string");
  return BigInt(value);
}

function decodeAccount(value: unknown, method: string): AccountView {
  const a = value as Record<string, unknown> | null;
  if (
    !a ||
    typeof a !== "object" ||
    typeof a.index !== "number" ||
    typeof a.owner !== "string" ||
    typeof a.tokenId !== "number" ||
    typeof a.nonce !== "number"
  ) {
    throw malformed(method, "not an account");
  }
  return {
    index: a.index,
    owner: a.owner,
    tokenId: a.tokenId,
    balance: decodeBigint(a.balance, method),
    nonce: a.nonce,
  };
}

/** Turns a JSON-RPC error object into the error the client throws. */
function decodeRpcError(error: { code: number; message: string; data?: unknown }): StrataError {
  const reason = (error.data as { reason?: unknown } | undefined)?.reason;
  if (error.code === RPC_ERROR_CODES.txRejected && typeof reason === "string") {
    return new TxRejectedError(reason, error.message);
  }
  return new RpcError(error.code, error.message, error.data);
}

/** A client for `startRpcServer`: throws `RpcError`, `TxRejectedError` or `RpcTransportError`. */
export class SequencerClient {
  private nextId = 1;

  constructor(
    readonly url: string,
    private readonly options: SequencerClientOptions = {},
  ) {}

  /** Calls `method` and returns its raw JSON result. */
  async call(method: string, params: readonly unknown[]): Promise<unknown> {
    const id = this.nextId++;
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      text = await response.text();
    } catch (cause) {
      throw new RpcTransportError(`${method}: cannot reach ${this.url}`, undefined, { cause });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch (cause) {
      throw new RpcTransportError(`${method}: HTTP ${response.status} without a JSON body`, response.status, {
        cause,
      });
    }
    const error = body?.error as { code?: unknown; message?: unknown; data?: unknown } | undefined;
    if (error && typeof error.code === "number" && typeof error.message === "string") {
      throw decodeRpcError({ code: error.code, message: error.message, data: error.data });
    }
    if (!response.ok || body?.jsonrpc !== "2.0" || body.id !== id || !("result" in body)) {
      throw new RpcTransportError(
        `${method}: not a JSON-RPC response (HTTP ${response.status})`,
        response.status,
      );
    }
    return body.result;
  }

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
    const timeoutMs = options.timeoutMs ?? 60_000;
    const pollMs = options.pollMs ?? 250;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const receipt = await this.getReceipt(hash);
      if (receipt && hasReachedStatus(receipt.status, status)) return receipt;
      const left = deadline - Date.now();
      if (left <= 0) throw new TxStatusTimeoutError(hash, status, receipt);
      await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, left)));
    }
  }
}
