/**
 * What every HTTP service here (the JSON-RPC servers, the blob archive) does with its Node server, in one
 * place: how long an idle keep-alive connection stays open, how it listens, and how it closes.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * How long the server keeps an idle keep-alive connection open: two minutes (Node's default is 5 s). A
 * client process that was busy longer than the server's timeout (loading a prover, say) would otherwise
 * send its next request on a socket the server had just closed, and get no answer at all ("other side
 * closed").
 */
export const KEEP_ALIVE_MS = 120_000;
/** How long a closing server waits for the answers it is still working out. */
export const CLOSE_GRACE_MS = 5_000;

/** Sets the keep-alive timeouts and listens on `host`:`port` (0: any free port); resolves once bound. */
export async function listenHttp(
  server: Server,
  host: string,
  port = 0,
): Promise<{ url: string; port: number }> {
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return { url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}`, port: bound };
}

/**
 * Closes `server`: `server.close()` waits for every connection to end, and a client polling on a
 * keep-alive connection (a readiness check, say) would keep its own open for ever, so the idle ones are
 * closed at once, and an answer still being worked out after CLOSE_GRACE_MS is cut off rather than keep
 * the service up. (The caller marks the answers in flight `Connection: close` first, if it can.)
 */
export function closeHttpServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
  });
}
