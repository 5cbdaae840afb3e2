/**
 * JSON-RPC 2.0 over HTTP, as every Strata operator serves it: a server in front of an API object and a
 * table of methods, the parameter checks the methods share, and a client. Only `POST` with a JSON body
 * of at most 64 KiB; batches run in order, one request after another. A method throws `RpcFault` to
 * answer with its own code, `TxRejectedError` for a refused transaction (-32000, `data.reason`); any
 * other error becomes -32603 "internal error" (logged, never shown to the caller).
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StrataError } from "./errors";
import { createLogger } from "./logger";
import type { Logger } from "./logger";

export const RPC_ERROR_CODES = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  txRejected: -32000,
  accountNotFound: -32001,
} as const;

/** An operator refused a transaction; `reason` is a machine-readable name to branch on. */
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

/** An error a method answers with on purpose (its code and data go to the caller). */
export class RpcFault extends RpcError {}

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

/** Non-empty, even-length 0x hex. */
export const HEX = /^0x(?:[0-9a-fA-F]{2})+$/;
/** 32 bytes of 0x hex. */
export const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const HEX_SHAPES = new Map([
  [HEX, "non-empty, even-length 0x hex"],
  [BYTES32, "32 bytes of 0x hex"],
]);

export function invalidParams(message: string): RpcFault {
  return new RpcFault(RPC_ERROR_CODES.invalidParams, message);
}

/** The positional params, exactly `count` of them. */
export function expectParams(params: unknown, count: number): readonly unknown[] {
  if (params === undefined) params = [];
  if (!Array.isArray(params)) throw invalidParams("params must be an array");
  if (params.length !== count) {
    throw invalidParams(`expected ${count} param${count === 1 ? "" : "s"}, got ${params.length}`);
  }
  return params;
}

/** A non-negative safe integer. */
export function indexParam(value: unknown, what = "index"): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalidParams(`${what} must be a non-negative safe integer`);
  }
  return value;
}

/** Hex of the shape `pattern` (HEX or BYTES32), lower-cased. */
export function hexParam(value: unknown, pattern: RegExp, what: string): string {
  if (typeof value !== "string" || !pattern.test(value))
    throw invalidParams(`${what} must be ${HEX_SHAPES.get(pattern) ?? `0x hex matching ${pattern}`}`);
  return value.toLowerCase();
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

/** One method: takes the API and the raw params, returns the JSON result (or a promise of it). */
export type RpcMethod<Api> = (api: Api, params: unknown) => unknown;
export type RpcMethods<Api> = ReadonlyMap<string, RpcMethod<Api>>;

type RpcId = string | number | null;
type RpcResponse =
  | { jsonrpc: "2.0"; id: RpcId; result: unknown }
  | { jsonrpc: "2.0"; id: RpcId; error: { code: number; message: string; data?: unknown } };

function isRpcId(value: unknown): value is RpcId {
  return value === null || typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

function errorResponse(id: RpcId, code: number, message: string, data?: unknown): RpcResponse {
  return { jsonrpc: "2.0", id, error: data === undefined ? { code, message } : { code, message, data } };
}

interface Dispatch<Api> {
  api: Api;
  methods: RpcMethods<Api>;
  log: Logger;
}

/** Answers one request object; undefined for a notification. */
async function handleRequest<Api>(d: Dispatch<Api>, request: unknown): Promise<RpcResponse | undefined> {
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

  const handler = d.methods.get(method);
  if (!handler) {
    return reply(errorResponse(replyId, RPC_ERROR_CODES.methodNotFound, `method not found: ${method}`));
  }
  try {
    const result = await handler(d.api, params);
    return reply({ jsonrpc: "2.0", id: replyId, result });
  } catch (error) {
    if (error instanceof RpcFault)
      return reply(errorResponse(replyId, error.code, error.message, error.data));
    if (error instanceof TxRejectedError) {
      return reply(
        errorResponse(replyId, RPC_ERROR_CODES.txRejected, error.message, { reason: error.reason }),
      );
    }
    d.log.error("request failed", {
      method,
      id: replyId,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
    return reply(errorResponse(replyId, RPC_ERROR_CODES.internalError, "internal error"));
  }
}

/** Answers a parsed body: one request or a batch. Undefined when there is nothing to send back. */
async function handlePayload<Api>(d: Dispatch<Api>, payload: unknown): Promise<unknown> {
  if (!Array.isArray(payload)) return handleRequest(d, payload);
  if (payload.length === 0) return errorResponse(null, RPC_ERROR_CODES.invalidRequest, "empty batch");
  const responses: RpcResponse[] = [];
  for (const request of payload) {
    const response = await handleRequest(d, request);
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

async function serve<Api>(d: Dispatch<Api>, req: IncomingMessage, res: ServerResponse): Promise<void> {
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
  const answer = await handlePayload(d, payload);
  send(res, answer === undefined ? 204 : 200, answer);
}

/** Starts a JSON-RPC server answering `methods` on `api`; resolves once it is listening. */
export async function startJsonRpcServer<Api>(
  api: Api,
  methods: RpcMethods<Api>,
  options: RpcServerOptions = {},
): Promise<RpcServer> {
  const log = (options.logger ?? createLogger()).child("rpc");
  const host = options.host ?? "127.0.0.1";
  const dispatch: Dispatch<Api> = { api, methods, log };
  const server = createServer((req, res) => {
    serve(dispatch, req, res).catch((error: unknown) => {
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

export interface JsonRpcClientOptions {
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
}

/** The error a client throws for a result that is not what `method` returns. */
export function malformed(method: string, what: string): RpcTransportError {
  return new RpcTransportError(`malformed ${method} response: ${what}`);
}

/** A decimal string result as a bigint. */
export function decodeBigint(value: unknown, method: string): bigint {
  if (typeof value !== "string" || !/^\d+$/.test(value)) throw malformed(method, "not a decimal string");
  return BigInt(value);
}

/** Turns a JSON-RPC error object into the error the client throws. */
function decodeRpcError(error: { code: number; message: string; data?: unknown }): StrataError {
  const reason = (error.data as { reason?: unknown } | undefined)?.reason;
  if (error.code === RPC_ERROR_CODES.txRejected && typeof reason === "string") {
    return new TxRejectedError(reason, error.message);
  }
  return new RpcError(error.code, error.message, error.data);
}

/** A JSON-RPC 2.0 client over HTTP: throws `RpcError`, `TxRejectedError` or `RpcTransportError`. */
export class JsonRpcClient {
  private nextId = 1;

  constructor(
    readonly url: string,
    private readonly options: JsonRpcClientOptions = {},
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
}

/** Polls `read` until `done` holds for its result, or throws what `onTimeout` makes of the last one. */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  onTimeout: (last: T) => Error,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const pollMs = options.pollMs ?? 250;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    const left = deadline - Date.now();
    if (left <= 0) throw onTimeout(value);
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, left)));
  }
}

// ---------------------------------------------------------------------------------------------
// Receipts that climb a ladder of statuses (sequenced → committed → final; accepted → … → verified)
// ---------------------------------------------------------------------------------------------

/** A transaction's receipt as an operator serves it: its hash and how far it has got. */
export interface StatusReceipt<S extends string> {
  hash: string;
  status: S;
}

/** `waitForStatus` gave up; `last` is the receipt it saw last, if any. */
export class ReceiptStatusTimeoutError<S extends string, R extends StatusReceipt<S>> extends StrataError {
  constructor(
    readonly hash: string,
    readonly status: S,
    readonly last: R | undefined,
  ) {
    super(`transaction ${hash} did not reach ${status} (last seen: ${last?.status ?? "unknown"})`);
  }
}

export interface WaitForStatusOptions {
  /** Default 60 s. */
  timeoutMs?: number;
  /** Default 250 ms. */
  pollMs?: number;
}

/** True when `status` is `wanted` or later in `ladder` (each later status implies the earlier ones). */
export function hasReachedStatusOf<S extends string>(ladder: readonly S[], status: S, wanted: S): boolean {
  return ladder.indexOf(status) >= ladder.indexOf(wanted);
}

/** Polls `getReceipt` until the receipt reaches `wanted` or later; throws `onTimeout(last)` on timeout. */
export async function waitForStatusOf<S extends string, R extends StatusReceipt<S>>(
  getReceipt: () => Promise<R | undefined>,
  ladder: readonly S[],
  wanted: S,
  onTimeout: (last: R | undefined) => Error,
  options: WaitForStatusOptions = {},
): Promise<R> {
  const reached = (r: R | undefined) => r !== undefined && hasReachedStatusOf(ladder, r.status, wanted);
  return (await pollUntil(getReceipt, reached, onTimeout, options)) as R;
}

// ---------------------------------------------------------------------------------------------
// The Layer-2 account, as both rollup operators serve it
// ---------------------------------------------------------------------------------------------

/** One Layer-2 account as an operator's `getAccount` answers it. */
export interface AccountView {
  index: number;
  /** bytes32 hex. */
  owner: string;
  tokenId: number;
  balance: bigint;
  nonce: number;
}

/** An account as JSON: the balance as a decimal string. */
export function accountToJson(account: AccountView) {
  return {
    index: account.index,
    owner: account.owner,
    tokenId: account.tokenId,
    balance: account.balance.toString(),
    nonce: account.nonce,
  };
}

/** The account in a `method` response; throws `RpcTransportError` if it is not one. */
export function decodeAccount(value: unknown, method: string): AccountView {
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
