/**
 * JSON-RPC 2.0 over HTTP, as every Strata service serves it: a server in front of an API object and a
 * table of methods (dispatched by the `json-rpc-2.0` library), the parameter checks the methods share,
 * the two methods every service answers (`strata_health`, `strata_events`), and a client. Only `POST /`
 * with a JSON body of at most 64 KiB (an unknown path is a 404, another HTTP method a 405, a bigger body a
 * 413 that the client can read, sent before the body when it asked `Expect: 100-continue`, and answered
 * without reading the rest); batches run in order, one request after another. A method throws
 * `RpcFault` to answer with its own code, `TxRejectedError` for a refused transaction (-32000,
 * `data.reason`); any other error becomes -32603 "internal error" (logged, never shown to the caller).
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { closeHttpServer, listenHttp } from "./http-server";
import type { JSONRPCRequest, JSONRPCResponse } from "json-rpc-2.0";
import { JSONRPCServer, createJSONRPCErrorResponse, isJSONRPCRequest } from "json-rpc-2.0";
import { StrataError } from "./errors";
import type { EventBase, EventPage, EventSource } from "./events";
import { DEFAULT_EVENT_PAGE } from "./events";
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

/** What a refusal adds to its reason, as JSON values (`NonceMismatch`: the account, expected and got). */
export type TxRejectionDetails = Readonly<Record<string, string | number>>;

/**
 * An operator refused a transaction; `reason` is a machine-readable name to branch on, `details` the
 * values it names (they travel in the JSON-RPC error's `data` next to `reason`).
 */
export class TxRejectedError extends StrataError {
  readonly details?: TxRejectionDetails;

  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown; details?: TxRejectionDetails },
  ) {
    super(message, options);
    if (options?.details) this.details = options.details;
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
/**
 * After a 413 for a body the client is still sending, the rest is read and discarded up to this much and
 * for at most `LINGER_MS`, before the connection closes (see `refuseTooLarge`).
 */
const MAX_DISCARD_BYTES = 64 * 1024 * 1024;
const LINGER_MS = 5_000;
/** The one path a service serves JSON-RPC on. */
const RPC_PATH = "/";

export interface RpcServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  logger?: Logger;
  /** The service behind the API, for `strata_health` and `strata_events` (default: "strata", no events). */
  service?: ServiceDescription;
}

// ---------------------------------------------------------------------------------------------
// The service convention
// ---------------------------------------------------------------------------------------------

/**
 * The methods every Strata service answers, whatever else it serves:
 *
 *   method          params              result
 *   strata_health   []                  ServiceHealth: { service, status, startedAt, uptimeMs, ...details }
 *   strata_events   [cursor, limit?]    EventPage: { events, next, missed } (see src/common/events.ts)
 */
export const SERVICE_METHODS = { health: "strata_health", events: "strata_events" } as const;

/** A service's health: `ok` when it does its work, `degraded` when it runs but cannot (e.g. no Layer 1). */
export type ServiceStatus = "ok" | "degraded";

export interface ServiceHealth {
  service: string;
  status: ServiceStatus;
  /** ms since the epoch. */
  startedAt: number;
  uptimeMs: number;
  /** What the service adds about itself (its Layer-1 head, its queue, …), JSON values only. */
  [detail: string]: unknown;
}

export interface ServiceDescription {
  /** The service's name, as the task that starts it names it (`sequencer`, `zk-operator`, …). */
  name: string;
  /** Its typed events (default: none published). */
  events?: EventSource<EventBase>;
  /** Its status and details (default: `ok`, none). */
  health?: () => { status?: ServiceStatus; [detail: string]: unknown } | Promise<{ status?: ServiceStatus }>;
}

const MAX_EVENT_PAGE = DEFAULT_EVENT_PAGE;

function serviceMethods<Api>(service: ServiceDescription): Map<string, RpcMethod<Api>> {
  const startedAt = Date.now();
  const none: EventSource<EventBase> = {
    since: (cursor) => Promise.resolve({ events: [], next: cursor, missed: 0 }),
  };
  const events = service.events ?? none;
  return new Map<string, RpcMethod<Api>>([
    [
      SERVICE_METHODS.health,
      async (_api, params) => {
        expectParams(params, 0);
        const details = (await service.health?.()) ?? {};
        return {
          ...details,
          service: service.name,
          status: details.status ?? "ok",
          startedAt,
          uptimeMs: Date.now() - startedAt,
        };
      },
    ],
    [
      SERVICE_METHODS.events,
      (_api, params) => {
        const list = params === undefined ? [] : params;
        if (!Array.isArray(list) || list.length < 1 || list.length > 2) {
          throw invalidParams("expected [cursor] or [cursor, limit]");
        }
        const cursor = indexParam(list[0], "cursor");
        const limit = list[1] === undefined ? MAX_EVENT_PAGE : indexParam(list[1], "limit");
        return events.since(cursor, Math.min(limit, MAX_EVENT_PAGE));
      },
    ],
  ]);
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
type RpcResponse = JSONRPCResponse;

function errorResponse(id: RpcId, code: number, message: string, data?: unknown): RpcResponse {
  return createJSONRPCErrorResponse(id, code, message, data);
}

/**
 * The one error model, for every service: a method throws `RpcFault` (its code, message and data go
 * to the caller) or `TxRejectedError` (-32000, `data.reason` names the refusal); anything else is a
 * bug, logged here and answered -32603 "internal error" without its details.
 */
function errorToResponse(id: RpcId, error: unknown, method: string, log: Logger): RpcResponse {
  if (error instanceof RpcFault) return errorResponse(id, error.code, error.message, error.data);
  if (error instanceof TxRejectedError) {
    return errorResponse(id, RPC_ERROR_CODES.txRejected, error.message, {
      ...error.details,
      reason: error.reason,
    });
  }
  log.error("request failed", {
    method,
    id,
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    stack: error instanceof Error ? error.stack : undefined,
  });
  return errorResponse(id, RPC_ERROR_CODES.internalError, "internal error");
}

/** The JSON-RPC dispatcher (json-rpc-2.0) over `methods`, with the error model above. */
function createDispatcher<Api>(api: Api, methods: RpcMethods<Api>, log: Logger): JSONRPCServer {
  const server = new JSONRPCServer({ errorListener: () => undefined });
  for (const [name, handler] of methods) server.addMethod(name, (params: unknown) => handler(api, params));
  server.applyMiddleware(async (next, request, serverParams) => {
    try {
      return await next(request, serverParams);
    } catch (error) {
      return request.id === undefined ? null : errorToResponse(request.id, error, request.method, log);
    }
  });
  return server;
}

/** True for a request object the dispatcher may take (JSON-RPC 2.0, a method name, params a structure). */
function isWellFormedRequest(request: unknown): request is JSONRPCRequest {
  if (!isJSONRPCRequest(request)) return false;
  const { method, params, id } = request as JSONRPCRequest;
  if (typeof method !== "string") return false;
  if (params !== undefined && (params === null || typeof params !== "object")) return false;
  return id === undefined || id === null || typeof id === "string" || Number.isFinite(id);
}

/**
 * Answers a parsed body: one request or a batch, the batch's requests one after another, in order,
 * and always answered with an array. Undefined when there is nothing to send back (notifications).
 */
async function handlePayload(dispatcher: JSONRPCServer, payload: unknown): Promise<unknown> {
  const one = async (request: unknown): Promise<RpcResponse | undefined> => {
    if (!request || typeof request !== "object" || Array.isArray(request) || !isWellFormedRequest(request)) {
      const id = (request as { id?: unknown } | null)?.id;
      const replyId = id === null || typeof id === "string" || Number.isFinite(id) ? (id as RpcId) : null;
      return errorResponse(replyId, RPC_ERROR_CODES.invalidRequest, "invalid request");
    }
    if (!dispatcher.hasMethod(request.method)) {
      if (request.id === undefined) return undefined;
      return errorResponse(request.id, RPC_ERROR_CODES.methodNotFound, `method not found: ${request.method}`);
    }
    return (await dispatcher.receive(request)) ?? undefined;
  };
  if (!Array.isArray(payload)) return one(payload);
  if (payload.length === 0) return errorResponse(null, RPC_ERROR_CODES.invalidRequest, "empty batch");
  const responses: RpcResponse[] = [];
  for (const request of payload) {
    const response = await one(request);
    if (response) responses.push(response);
  }
  return responses.length > 0 ? responses : undefined;
}

/** The request body, or "too-large" once it passes `MAX_BODY_BYTES` (the body is then left unread). */
function readBody(req: IncomingMessage): Promise<Buffer | "too-large"> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      req.off("data", onData).off("end", onEnd).off("error", reject);
      req.pause();
      resolve("too-large");
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on("data", onData).on("end", onEnd).on("error", reject);
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

/**
 * Answers a request that will not be served without reading its body. When the client waits for
 * `100 Continue` (it has sent no body), the connection is closed with the answer, so the client sends
 * none. Otherwise the body is left to be discarded as the connection is kept for the next request.
 */
function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
  waitsForContinue: boolean,
  headers: Record<string, string> = {},
): void {
  if (!waitsForContinue) req.resume();
  send(res, status, body, waitsForContinue ? { ...headers, connection: "close" } : headers);
}

/**
 * Answers 413 to a body over `MAX_BODY_BYTES`, in a way the client can read. A client waiting for
 * `100 Continue` gets the 413 instead and the connection closes: it sends no body. A client already
 * sending one gets the 413 at once, then the connection closes in stages (RFC 9112 §9.6): the rest of the
 * body is read and thrown away (up to `MAX_DISCARD_BYTES`, for at most `LINGER_MS`) before the response is
 * ended. Closing at once, with the body unread, makes the kernel reset the connection, and a reset can
 * erase the 413 before the client reads it.
 */
function refuseTooLarge(req: IncomingMessage, res: ServerResponse, waitsForContinue: boolean): void {
  const text = JSON.stringify(
    errorResponse(null, RPC_ERROR_CODES.invalidRequest, `request body exceeds ${MAX_BODY_BYTES} bytes`),
  );
  res.writeHead(413, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    connection: "close",
  });
  if (waitsForContinue) {
    res.end(text);
    return;
  }
  res.write(text); // the whole answer (its length is declared): the client can read it now
  let discarded = 0;
  const finish = () => {
    clearTimeout(timer);
    req.off("data", onData).off("end", finish).off("error", finish);
    req.resume();
    res.end();
  };
  const onData = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARD_BYTES) finish();
  };
  const timer = setTimeout(finish, LINGER_MS);
  req.on("data", onData).on("end", finish).on("error", finish);
  req.resume();
}

/** Where the service answers, for a client that knocked on the wrong door. */
function notFound(path: string, method: string | undefined, service: string): RpcResponse {
  return errorResponse(
    null,
    RPC_ERROR_CODES.invalidRequest,
    `not found: ${method ?? "?"} ${path}: the ${service} service answers JSON-RPC 2.0, POSTed to ${RPC_PATH}`,
    { service, path: RPC_PATH, method: "POST", contentType: "application/json" },
  );
}

/**
 * Serves one HTTP request. `waitsForContinue`: the client sent `Expect: 100-continue` and no body yet;
 * it is told to send one (`100 Continue`) only when the request can be served.
 */
async function serve(
  dispatcher: JSONRPCServer,
  service: string,
  req: IncomingMessage,
  res: ServerResponse,
  waitsForContinue = false,
): Promise<void> {
  const path = new URL(req.url ?? RPC_PATH, "http://service").pathname;
  if (path !== RPC_PATH) {
    refuse(req, res, 404, notFound(path, req.method, service), waitsForContinue);
    return;
  }
  if (req.method !== "POST") {
    const only = errorResponse(
      null,
      RPC_ERROR_CODES.invalidRequest,
      `only POST is supported (got ${req.method})`,
    );
    refuse(req, res, 405, only, waitsForContinue, { allow: "POST" });
    return;
  }
  if (!isJsonContentType(req.headers["content-type"])) {
    const json = errorResponse(null, RPC_ERROR_CODES.invalidRequest, "content-type must be application/json");
    refuse(req, res, 415, json, waitsForContinue);
    return;
  }
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    refuseTooLarge(req, res, waitsForContinue);
    return;
  }
  if (waitsForContinue) res.writeContinue();
  const body = await readBody(req);
  if (body === "too-large") {
    refuseTooLarge(req, res, false);
    return;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString("utf8"));
  } catch {
    send(res, 200, errorResponse(null, RPC_ERROR_CODES.parseError, "parse error"));
    return;
  }
  const answer = await handlePayload(dispatcher, payload);
  send(res, answer === undefined ? 204 : 200, answer);
}

/**
 * Starts a JSON-RPC server answering `methods` on `api` and the two methods every Strata service has
 * (`SERVICE_METHODS`, about `options.service`); resolves once it is listening.
 */
export async function startJsonRpcServer<Api>(
  api: Api,
  methods: RpcMethods<Api>,
  options: RpcServerOptions = {},
): Promise<RpcServer> {
  const log = (options.logger ?? createLogger()).child("rpc");
  const host = options.host ?? "127.0.0.1";
  const service = options.service ?? { name: "strata" };
  const all = new Map([...methods, ...serviceMethods<Api>(service)]);
  const dispatcher = createDispatcher(api, all, log);
  // Closing: `server.close()` waits for every connection to end, and a client polling on a keep-alive
  // connection (a readiness check, say) would keep its own open for ever. Every answer from then on
  // (and every one still being worked out) says `Connection: close`, and the idle ones are closed.
  let closing = false;
  const answering = new Set<ServerResponse>();
  const handle = (req: IncomingMessage, res: ServerResponse, waitsForContinue: boolean) => {
    answering.add(res);
    res.once("close", () => answering.delete(res));
    if (closing) res.setHeader("Connection", "close");
    serve(dispatcher, service.name, req, res, waitsForContinue).catch((error: unknown) => {
      log.error("cannot serve request", { error: String(error) });
      if (!res.headersSent)
        send(res, 500, errorResponse(null, RPC_ERROR_CODES.internalError, "internal error"));
      else res.destroy();
    });
  };
  const server = createServer((req, res) => handle(req, res, false));
  // `Expect: 100-continue`: answer before the body is sent (Node would otherwise say `100 Continue` to all).
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => handle(req, res, true));
  const { url, port } = await listenHttp(server, host, options.port);
  log.info("rpc server listening", { url });
  return {
    url,
    port,
    close: () => {
      closing = true;
      for (const res of answering) if (!res.headersSent) res.setHeader("Connection", "close");
      return closeHttpServer(server);
    },
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
    const details = Object.fromEntries(
      Object.entries(error.data as object).filter(
        ([key, v]) => key !== "reason" && (typeof v === "string" || typeof v === "number"),
      ),
    ) as Record<string, string | number>;
    return new TxRejectedError(reason, error.message, Object.keys(details).length > 0 ? { details } : {});
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

/**
 * A service's typed events, read over its `strata_events` method: the same `EventSource` as the service's
 * own `EventLog`, so a client reads a process exactly as it reads an object in its own process.
 */
export class RemoteEvents<E extends EventBase> implements EventSource<E> {
  constructor(private readonly client: JsonRpcClient) {}

  async since(cursor: number, limit = DEFAULT_EVENT_PAGE): Promise<EventPage<E>> {
    const page = (await this.client.call(SERVICE_METHODS.events, [cursor, limit])) as EventPage<E> | null;
    if (
      !page ||
      !Array.isArray(page.events) ||
      !Number.isSafeInteger(page.next) ||
      !Number.isSafeInteger(page.missed)
    ) {
      throw malformed(SERVICE_METHODS.events, "not an event page");
    }
    return page;
  }
}

/** A service's `strata_health`. */
export async function serviceHealth(client: JsonRpcClient): Promise<ServiceHealth> {
  const health = (await client.call(SERVICE_METHODS.health, [])) as ServiceHealth | null;
  if (!health || typeof health.service !== "string" || typeof health.status !== "string") {
    throw malformed(SERVICE_METHODS.health, "not a service health");
  }
  return health;
}

/**
 * A client of one Strata service: its JSON-RPC calls, its typed events (over `strata_events`) and its
 * `strata_health`. A service's client extends it with the service's own methods.
 */
export class ServiceClient<E extends EventBase> extends JsonRpcClient {
  readonly events: EventSource<E>;

  constructor(url: string, options: JsonRpcClientOptions = {}) {
    super(url, options);
    this.events = new RemoteEvents<E>(this);
  }

  /** Its `strata_health`. */
  health(): Promise<ServiceHealth> {
    return serviceHealth(this);
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
