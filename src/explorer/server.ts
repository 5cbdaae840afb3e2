/**
 * The explorer's HTTP server: the routes' JSON under /api, the status as a Server-Sent-Events stream
 * (/api/stream: one `status` message now and one at every change: a new head, the node or a service
 * going down or coming back, a service's new events), and the built web application for every other path
 * (its router draws the page for the URL, or its not-found page).
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { StrataError } from "../common/errors";
import { closeHttpServer, listenHttp } from "../common/http-server";
import type { Logger } from "../common/logger";
import type { ExplorerContext, ExplorerRoute } from "./route";
import { ExplorerBadRequestError, ExplorerNotFoundError } from "./route";
import type { ExplorerStatus, ExplorerWatch } from "./watch";

/** An /api answer that is not a view: what went wrong, for the page to say. */
export interface ApiError {
  error: "not-found" | "bad-request" | "unavailable" | "internal";
  message: string;
}

export interface ExplorerServerOptions {
  watch: ExplorerWatch;
  routes: ExplorerRoute[];
  /** The built web application (web/explorer/dist); without it, only /api is served. */
  staticDir?: string;
  host?: string;
  port?: number;
  logger?: Logger;
}

export interface ExplorerServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".ico": "image/x-icon",
};

/** A route's path as a matcher: `/api/games/:id` matches `/api/games/3` with `{ id: "3" }`. */
function matcher(route: ExplorerRoute): (path: string) => Record<string, string> | undefined {
  const parts = route.path.split("/");
  return (path) => {
    const given = path.split("/");
    if (given.length !== parts.length) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part.startsWith(":")) params[part.slice(1)] = decodeParam(given[i]!);
      else if (part !== given[i]) return undefined;
    }
    return params;
  };
}

/** A path segment decoded; a malformed escape (`%E0`) is the caller's mistake, a 400. */
function decodeParam(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ExplorerBadRequestError(`"${segment}" is not a valid URL path segment`);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(text);
}

export async function startExplorerServer(options: ExplorerServerOptions): Promise<ExplorerServer> {
  const { watch, logger } = options;
  const routes = options.routes.map((route) => ({ route, match: matcher(route) }));
  const streams = new Set<ServerResponse>();
  // One answer per path and head: pages asking again at the same head share the work.
  let cacheHead = "";
  const cache = new Map<string, Promise<unknown>>();

  const unsubscribe = watch.subscribe((status) => {
    const message = `event: status\ndata: ${JSON.stringify(status)}\n\n`;
    for (const res of streams) res.write(message);
  });

  async function answer(path: string, query: URLSearchParams, res: ServerResponse): Promise<void> {
    const status: ExplorerStatus = watch.current;
    if (path === "/api/status") return sendJson(res, 200, status);
    let found: { route: ExplorerRoute; params: Record<string, string> | undefined } | undefined;
    try {
      found = routes.map(({ route, match }) => ({ route, params: match(path) })).find((r) => r.params);
    } catch (error) {
      return sendJson(res, 400, {
        error: "bad-request",
        message: (error as Error).message,
      } satisfies ApiError);
    }
    if (!found)
      return sendJson(res, 404, { error: "not-found", message: `no such view: ${path}` } satisfies ApiError);
    const deployment = watch.followed;
    const provider = watch.provider;
    if (!status.node.up || !status.head || !deployment || !provider) {
      const message = !status.node.up
        ? `the node at ${status.node.url} does not answer`
        : (status.deployment?.problem ?? status.deploymentProblem ?? "no deployment to show yet");
      return sendJson(res, 503, { error: "unavailable", message } satisfies ApiError);
    }
    const ctx: ExplorerContext = { provider, deployment, head: status.head };
    // One answer per Layer-1 head, sidechain head and version of the deployment record.
    const headKey = `${status.head.hash}:${status.sidechainHead?.hash ?? ""}:${status.deployment?.version ?? ""}`;
    if (headKey !== cacheHead) {
      cache.clear();
      cacheHead = headKey;
    }
    const key = `${path}?${query.toString()}`;
    let pending = cache.get(key);
    if (!pending) {
      // A route that throws before its first await (a malformed parameter) rejects like any other.
      pending = Promise.resolve().then(() => found.route.read(ctx, found.params!, query));
      cache.set(key, pending);
      pending.catch(() => {
        // Not an answer to keep; unless the cache was cleared for a new head meanwhile and holds a newer one.
        if (cache.get(key) === pending) cache.delete(key);
      });
    }
    try {
      sendJson(res, 200, await pending);
    } catch (error) {
      if (error instanceof ExplorerNotFoundError) {
        return sendJson(res, 404, { error: "not-found", message: error.message } satisfies ApiError);
      }
      if (error instanceof ExplorerBadRequestError) {
        return sendJson(res, 400, { error: "bad-request", message: error.message } satisfies ApiError);
      }
      const message = error instanceof StrataError ? error.message : (error as Error).message?.split("\n")[0];
      logger?.warn("an explorer view failed", { path, error: message });
      sendJson(res, watch.current.node.up ? 500 : 503, {
        error: watch.current.node.up ? "internal" : "unavailable",
        message: message ?? "failed",
      } satisfies ApiError);
    }
  }

  function stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    // Reconnect soon after the server comes back (EventSource's own default is a few seconds).
    res.write(`retry: 500\nevent: status\ndata: ${JSON.stringify(watch.current)}\n\n`);
    streams.add(res);
    req.on("close", () => streams.delete(res));
  }

  function serveStatic(path: string, res: ServerResponse): void {
    const dir = options.staticDir;
    if (!dir || !existsSync(join(dir, "index.html"))) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("the explorer's web application is not built: run `npm run explorer` (it builds it)\n");
      return;
    }
    const file = normalize(join(dir, path));
    const inside = file.startsWith(normalize(dir) + sep);
    const isFile = inside && existsSync(file) && statSync(file).isFile();
    // Every other path is a page of the application: its router draws it (or its not-found page).
    const chosen = isFile ? file : join(dir, "index.html");
    res.writeHead(200, {
      "content-type": TYPES[extname(chosen)] ?? "application/octet-stream",
      "cache-control": chosen.includes(`${sep}assets${sep}`) ? "max-age=31536000, immutable" : "no-cache",
    });
    // A file removed under the read (a rebuild emptying dist/) ends this answer, not the process.
    createReadStream(chosen)
      .on("error", () => res.destroy())
      .pipe(res);
  }

  const server = createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://explorer");
    } catch {
      return sendJson(res, 400, { error: "bad-request", message: "not a URL" } satisfies ApiError);
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET" });
      res.end();
      return;
    }
    if (url.pathname === "/api/stream") return stream(req, res);
    if (url.pathname.startsWith("/api/")) {
      answer(url.pathname, url.searchParams, res).catch((error: Error) => {
        logger?.error("the explorer could not answer", { path: url.pathname, error: error.message });
        if (!res.headersSent) sendJson(res, 500, { error: "internal", message: error.message });
      });
      return;
    }
    serveStatic(url.pathname, res);
  });
  const { url, port } = await listenHttp(server, options.host ?? "127.0.0.1", options.port ?? 0);
  return {
    url,
    port,
    async close() {
      unsubscribe();
      for (const res of streams) res.end();
      streams.clear();
      await closeHttpServer(server);
    },
  };
}
