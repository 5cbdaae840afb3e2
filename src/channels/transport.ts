import type { AddressInfo } from "node:net";
import type { JSONRPCID, JSONRPCRequest, JSONRPCResponse } from "json-rpc-2.0";
import {
  JSONRPCClient,
  JSONRPCErrorException,
  JSONRPCServer,
  JSONRPCServerAndClient,
  createJSONRPCErrorResponse,
  isJSONRPCResponse,
} from "json-rpc-2.0";
import WebSocket, { WebSocketServer } from "ws";
import type { RawData } from "ws";
import { StrataError } from "../common/errors";
import { RPC_ERROR_CODES } from "../common/json-rpc";
import type { Logger } from "../common/logger";
import {
  MalformedMessageError,
  PeerRefusedError,
  TransportClosedError,
  TransportTimeoutError,
} from "./errors";

/**
 * JSON-RPC 2.0 over one WebSocket, symmetric: either side sends requests and answers the other's, each
 * message one text frame, dispatched by the `json-rpc-2.0` library (a `JSONRPCServerAndClient` per
 * connection):
 *
 *   { jsonrpc: "2.0", id, method, params }                     a request (params an object or an array)
 *   { jsonrpc: "2.0", id, result }                             its answer
 *   { jsonrpc: "2.0", id, error: { code, message, data } }     its refusal
 *
 * One error model, the services' (src/common/json-rpc.ts), with `data.reason` always set:
 *
 *   code     reason                          when
 *   -32700   MalformedMessageError           a frame that is not JSON (or binary); answered with id null
 *   -32600   MalformedMessageError           JSON that is not a request or a response
 *   -32601   MethodNotFound                  no such method
 *   -32602   MalformedMessageError           the params do not decode (codec.ts)
 *   -32000   the error's class name          a refusal (`StrataError`: a rule of the state machine…)
 *   -32603   InternalError                   anything else (logged here, never shown to the peer)
 *
 * A request rejects with `PeerRefusedError` (`reason`, `code`), `TransportTimeoutError` after `timeoutMs`,
 * or `TransportClosedError` when the connection goes away first.
 *
 * Pipelining: any number of requests may be in flight, each answered by its id. Handlers are called in
 * arrival order as soon as each request arrives (what a handler does before its first `await` happens in
 * order), and answers leave in arrival order. Everything a side sends leaves after the answers to every
 * request it received before: a proposal built on a state just co-signed never overtakes that signature.
 */
export type Handler = (params: unknown, connection: Connection) => unknown;

export interface ConnectionOptions {
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  logger?: Logger;
}

/** An outgoing message, or the place of an answer not ready yet (`null`: nothing to send after all). */
interface Slot {
  frame: string | null | undefined;
}

const MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** Marks the error response the client makes up for a request that timed out (never on the wire). */
const TIMED_OUT = Symbol("timed out");

/** The reason sent with each code when the error itself names none. */
const REASONS: Record<number, string> = {
  [RPC_ERROR_CODES.parseError]: "MalformedMessageError",
  [RPC_ERROR_CODES.invalidRequest]: "MalformedMessageError",
  [RPC_ERROR_CODES.methodNotFound]: "MethodNotFound",
  [RPC_ERROR_CODES.invalidParams]: "MalformedMessageError",
  [RPC_ERROR_CODES.internalError]: "InternalError",
};

function errorResponse(id: JSONRPCID, code: number, message: string, reason = REASONS[code]) {
  return createJSONRPCErrorResponse(id, code, message, { reason });
}

/** True for an id JSON-RPC allows (a string, a finite number, or null). */
function isId(id: unknown): id is JSONRPCID {
  return id === null || typeof id === "string" || (typeof id === "number" && Number.isFinite(id));
}

/** A request the dispatcher may take: JSON-RPC 2.0, a method name, params a structure, a valid id. */
function isRequest(message: unknown): message is JSONRPCRequest {
  const m = message as Record<string, unknown>;
  return (
    m.jsonrpc === "2.0" &&
    typeof m.method === "string" &&
    !("result" in m) &&
    !("error" in m) &&
    (m.params === undefined || (m.params !== null && typeof m.params === "object")) &&
    (m.id === undefined || isId(m.id))
  );
}

function isResponse(message: unknown): message is JSONRPCResponse {
  return !!message && typeof message === "object" && isJSONRPCResponse(message as JSONRPCResponse);
}

export class Connection {
  private readonly rpc: JSONRPCServerAndClient<Connection, void>;
  private readonly outbox: Slot[] = [];
  private readonly closeListeners: ((error: Error) => void)[] = [];
  private closedWith: Error | undefined;
  private inFlight = 0;
  private readonly timeoutMs: number;

  constructor(
    private readonly socket: WebSocket,
    private readonly handlers: ReadonlyMap<string, Handler>,
    private readonly options: ConnectionOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const server = new JSONRPCServer<Connection>({ errorListener: () => undefined });
    for (const [name, handler] of handlers) server.addMethod(name, (params, link) => handler(params, link));
    server.applyMiddleware(async (next, request, link) => {
      try {
        return await next(request, link);
      } catch (error) {
        return request.id === undefined ? null : this.refusal(request.id, request.method, error);
      }
    });
    const client = new JSONRPCClient<void>((message) => this.enqueue(message));
    this.rpc = new JSONRPCServerAndClient(server, client, { errorListener: () => undefined });
    socket.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    socket.on("close", () => this.shutDown(new TransportClosedError("the connection closed")));
    socket.on("error", (error) =>
      this.shutDown(new TransportClosedError("the connection failed", { cause: error })),
    );
  }

  get isOpen(): boolean {
    return this.closedWith === undefined;
  }

  /** Requests in flight (sent, not answered). */
  get pending(): number {
    return this.inFlight;
  }

  /** Sends a request; resolves with the peer's result. */
  request(method: string, params: object, timeoutMs = this.timeoutMs): Promise<unknown> {
    if (this.closedWith)
      return Promise.reject(new TransportClosedError("the connection is closed", { cause: this.closedWith }));
    this.inFlight++;
    const requester = this.rpc.client.timeout(timeoutMs, (id) =>
      createJSONRPCErrorResponse(id, RPC_ERROR_CODES.internalError, "timed out", TIMED_OUT),
    );
    return Promise.resolve(requester.request(method, params))
      .catch((error: unknown) => {
        throw this.requestError(method, timeoutMs, error);
      })
      .finally(() => this.inFlight--);
  }

  /** Called with the reason once the connection is gone. */
  onClose(listener: (error: Error) => void): void {
    if (this.closedWith) listener(this.closedWith);
    else this.closeListeners.push(listener);
  }

  /** Closes the connection; requests in flight reject with `TransportClosedError`. */
  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.close();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Receiving
  // ---------------------------------------------------------------------------------------------

  private onMessage(data: RawData, isBinary: boolean): void {
    let message: unknown;
    try {
      if (isBinary) throw new MalformedMessageError("a binary frame");
      message = JSON.parse(data.toString());
    } catch (error) {
      this.options.logger?.warn("answered a malformed message", { error: String(error) });
      this.answerNow(errorResponse(null, RPC_ERROR_CODES.parseError, "parse error"));
      return;
    }
    if (Array.isArray(message) && message.length > 0 && message.every(isResponse)) {
      this.rpc.client.receive(message);
    } else if (Array.isArray(message) && message.length > 0) {
      this.serveBatch(message);
    } else if (isResponse(message)) {
      this.onResponse(message);
    } else if (message && typeof message === "object" && !Array.isArray(message)) {
      const slot = this.takeSlot();
      void this.serve(message).then((answer) => this.fill(slot, answer));
    } else {
      this.answerNow(errorResponse(null, RPC_ERROR_CODES.invalidRequest, "invalid request"));
    }
  }

  private onResponse(response: JSONRPCResponse): void {
    if (response.id === null) {
      // The peer could not read something this side sent: nothing waits for that answer by id.
      this.options.logger?.warn("the peer could not read a message", { error: response.error });
      return;
    }
    this.rpc.client.receive(response);
  }

  /** A batch: each request handled in order, the answers sent together, in order, in one message. */
  private serveBatch(messages: unknown[]): void {
    const slot = this.takeSlot();
    void Promise.all(messages.map((m) => this.serve(m))).then((answers) => {
      const sent = answers.filter((a): a is JSONRPCResponse => a !== null);
      this.fill(slot, sent.length > 0 ? sent : null);
    });
  }

  /** Handles one request now (its handler runs before this returns); resolves with its answer, if any. */
  private serve(message: unknown): Promise<JSONRPCResponse | null> {
    if (!message || typeof message !== "object" || !isRequest(message)) {
      const id = (message as { id?: unknown } | null)?.id;
      return Promise.resolve(
        errorResponse(isId(id) ? id : null, RPC_ERROR_CODES.invalidRequest, "invalid request"),
      );
    }
    if (!this.handlers.has(message.method)) {
      return Promise.resolve(
        message.id === undefined
          ? null
          : errorResponse(message.id, RPC_ERROR_CODES.methodNotFound, `method not found: ${message.method}`),
      );
    }
    return Promise.resolve(this.rpc.server.receive(message, this));
  }

  /** The answer to a request whose handler threw `error`. */
  private refusal(id: JSONRPCID, method: string, error: unknown): JSONRPCResponse {
    if (error instanceof MalformedMessageError) {
      return errorResponse(id, RPC_ERROR_CODES.invalidParams, error.message);
    }
    if (error instanceof StrataError) {
      return errorResponse(id, RPC_ERROR_CODES.txRejected, error.message, error.name);
    }
    this.options.logger?.error("a peer request failed", {
      method,
      error: String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
    return errorResponse(id, RPC_ERROR_CODES.internalError, "internal error");
  }

  /** What a request rejects with, from the error the library's client rejected it with. */
  private requestError(method: string, timeoutMs: number, error: unknown): Error {
    if (error instanceof JSONRPCErrorException) {
      if (error.data === TIMED_OUT) {
        return new TransportTimeoutError(`${method}: no answer within ${timeoutMs} ms`);
      }
      if (this.closedWith && error.code === 0) {
        return new TransportClosedError(`${method}: the connection closed first`, { cause: this.closedWith });
      }
      const reason = (error.data as { reason?: unknown } | undefined)?.reason;
      return new PeerRefusedError(
        typeof reason === "string" ? reason : (REASONS[error.code] ?? "Unknown"),
        error.message,
        error.code,
      );
    }
    if (this.closedWith) {
      return new TransportClosedError(`${method}: the connection closed first`, { cause: this.closedWith });
    }
    return new MalformedMessageError(`${method}: a malformed answer`, { cause: error });
  }

  // ---------------------------------------------------------------------------------------------
  // Sending, in order
  // ---------------------------------------------------------------------------------------------

  /** The client's way out: a request joins the outbox behind every answer owed before it. */
  private enqueue(message: unknown): void {
    if (this.closedWith) throw new TransportClosedError("the connection is closed");
    this.outbox.push({ frame: JSON.stringify(message) });
    this.flush();
  }

  private takeSlot(): Slot {
    const slot: Slot = { frame: undefined };
    this.outbox.push(slot);
    return slot;
  }

  private fill(slot: Slot, answer: unknown): void {
    slot.frame = answer === null || answer === undefined ? null : JSON.stringify(answer);
    this.flush();
  }

  private answerNow(answer: unknown): void {
    this.fill(this.takeSlot(), answer);
  }

  /** Sends messages from the head of the outbox up to the first answer not ready yet. */
  private flush(): void {
    if (this.closedWith) return;
    if (this.socket.readyState !== WebSocket.OPEN) {
      this.shutDown(new TransportClosedError("the connection is closing"));
      return;
    }
    let sent = 0;
    while (sent < this.outbox.length && this.outbox[sent].frame !== undefined) {
      const frame = this.outbox[sent].frame;
      if (typeof frame === "string") this.socket.send(frame);
      sent++;
    }
    if (sent > 0) this.outbox.splice(0, sent);
  }

  private shutDown(reason: Error): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    this.outbox.length = 0;
    this.rpc.rejectAllPendingRequests(reason.message);
    for (const listener of this.closeListeners.splice(0)) listener(reason);
  }
}

// ---------------------------------------------------------------------------------------------
// Listening and connecting
// ---------------------------------------------------------------------------------------------

export interface ListenOptions extends ConnectionOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Told of each new connection. */
  onConnection?: (connection: Connection) => void;
}

export interface Listener {
  url: string;
  port: number;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Accepts WebSocket connections, each served by `handlers`. */
export async function listen(
  handlers: ReadonlyMap<string, Handler>,
  options: ListenOptions = {},
): Promise<Listener> {
  const host = options.host ?? "127.0.0.1";
  const server = new WebSocketServer({ host, port: options.port ?? 0, maxPayload: MAX_FRAME_BYTES });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  server.on("connection", (socket) => {
    const connection = new Connection(socket, handlers, options);
    options.onConnection?.(connection);
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `ws://${host}:${port}`,
    port,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        for (const client of server.clients) client.terminate();
        server.close((error) => (error ? reject(error) : resolve()));
      })),
  };
}

/** Connects to `url`; resolves once the connection is open. */
export function connect(
  url: string,
  handlers: ReadonlyMap<string, Handler>,
  options: ConnectionOptions = {},
): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { maxPayload: MAX_FRAME_BYTES });
    const connection = new Connection(socket, handlers, options);
    socket.once("open", () => resolve(connection));
    socket.once("error", (error) =>
      reject(new TransportClosedError(`cannot connect to ${url}`, { cause: error })),
    );
  });
}
