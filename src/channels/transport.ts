import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import type { Logger } from "../common/logger";
import {
  MalformedMessageError,
  PeerRefusedError,
  TransportClosedError,
  TransportTimeoutError,
} from "./errors";

/**
 * Request/response over one WebSocket, symmetric: either side sends requests and answers the
 * other's. Frames are JSON:
 *
 *   { id, method, params }                a request
 *   { id, result }                        its answer
 *   { id, error: { name, message } }      its refusal (`name` is the error class on the answering side)
 *
 * Pipelining: any number of requests may be in flight. Handlers are called in arrival order as soon
 * as each request arrives (what a handler does before its first `await` happens in order), and
 * answers leave in arrival order. Everything a side sends leaves after the answers to every request
 * it received before: a proposal built on a state just co-signed never overtakes that signature.
 *
 * A request rejects with `PeerRefusedError` (the peer's error name as `reason`), `TransportTimeoutError`
 * after `timeoutMs`, or `TransportClosedError` when the connection goes away first.
 */
export type Handler = (params: unknown, connection: Connection) => unknown;

export interface ConnectionOptions {
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  logger?: Logger;
}

interface InFlight {
  method: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** An outgoing frame, or the place of an answer not ready yet. */
interface Slot {
  frame: string | undefined;
}

const MAX_FRAME_BYTES = 4 * 1024 * 1024;

export class Connection {
  private nextId = 1;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly outbox: Slot[] = [];
  private readonly closeListeners: ((error: Error) => void)[] = [];
  private closedWith: Error | undefined;
  private readonly timeoutMs: number;

  constructor(
    private readonly socket: WebSocket,
    private readonly handlers: ReadonlyMap<string, Handler>,
    private readonly options: ConnectionOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    socket.on("message", (data, isBinary) => this.onFrame(data as Buffer, isBinary));
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
    return this.inFlight.size;
  }

  /** Sends a request; resolves with the peer's result. */
  request(method: string, params: unknown, timeoutMs = this.timeoutMs): Promise<unknown> {
    if (this.closedWith)
      return Promise.reject(new TransportClosedError("the connection is closed", { cause: this.closedWith }));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.inFlight.delete(id);
        reject(new TransportTimeoutError(`${method} #${id}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.inFlight.set(id, { method, resolve, reject, timer });
      this.outbox.push({ frame: JSON.stringify({ id, method, params }) });
      this.flush();
    });
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

  private onFrame(data: Buffer, isBinary: boolean): void {
    let frame: Record<string, unknown>;
    try {
      if (isBinary) throw new MalformedMessageError("binary frame");
      frame = JSON.parse(data.toString("utf8")) as Record<string, unknown>;
      if (!frame || typeof frame !== "object" || typeof frame.id !== "number")
        throw new MalformedMessageError("no id");
    } catch (error) {
      this.options.logger?.warn("dropped a malformed frame", { error: String(error) });
      return;
    }
    if (typeof frame.method === "string") this.serve(frame.id as number, frame.method, frame.params);
    else this.settle(frame);
  }

  /** Runs the handler now; its answer takes the next place in the outbox. */
  private serve(id: number, method: string, params: unknown): void {
    const slot: Slot = { frame: undefined };
    this.outbox.push(slot);
    const answer = (body: Record<string, unknown>) => {
      slot.frame = JSON.stringify({ id, ...body });
      this.flush();
    };
    const refuse = (error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      answer({ error: { name: (e as { reason?: string }).reason ?? e.name, message: e.message } });
    };
    const handler = this.handlers.get(method);
    if (!handler) return refuse(Object.assign(new Error(`no method ${method}`), { name: "MethodNotFound" }));
    try {
      Promise.resolve(handler(params, this)).then((result) => answer({ result: result ?? null }), refuse);
    } catch (error) {
      refuse(error);
    }
  }

  private settle(frame: Record<string, unknown>): void {
    const call = this.inFlight.get(frame.id as number);
    if (!call) return; // timed out already
    this.inFlight.delete(frame.id as number);
    clearTimeout(call.timer);
    const error = frame.error as { name?: unknown; message?: unknown } | undefined;
    if (error) call.reject(new PeerRefusedError(String(error.name), String(error.message)));
    else call.resolve(frame.result);
  }

  /** Sends frames from the head of the outbox up to the first answer not ready yet. */
  private flush(): void {
    if (this.closedWith) return;
    let sent = 0;
    while (sent < this.outbox.length && this.outbox[sent].frame !== undefined) {
      this.socket.send(this.outbox[sent].frame!);
      sent++;
    }
    if (sent > 0) this.outbox.splice(0, sent);
  }

  private shutDown(reason: Error): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    for (const [id, call] of this.inFlight) {
      clearTimeout(call.timer);
      call.reject(
        new TransportClosedError(`${call.method} #${id}: the connection closed first`, { cause: reason }),
      );
    }
    this.inFlight.clear();
    this.outbox.length = 0;
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
