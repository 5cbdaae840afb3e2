import { request } from "node:http";
import type { IncomingHttpHeaders } from "node:http";
import { expect } from "chai";
import { createLogger } from "../../src/common/logger";
import type { RpcServer } from "../../src/common/json-rpc";
import { JsonRpcClient, MAX_BODY_BYTES, serviceHealth, startJsonRpcServer } from "../../src/common/json-rpc";

const TWENTY_MB = 20 * 1024 * 1024;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  json: any;
  /** The server said `100 Continue`. */
  continued: boolean;
  /** Body bytes the client wrote before the answer came. */
  sent: number;
}

/**
 * POSTs with node:http. `size` bytes of body, written in 64 KiB chunks as the socket takes them (a real
 * upload, not one buffer); with `expectContinue`, nothing is written until the server says `100 Continue`.
 * Rejects on a connection error before the answer was read whole (a reset).
 */
function post(
  url: string,
  size: number,
  o: { expectContinue?: boolean; chunked?: boolean; path?: string; method?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (!o.chunked) headers["content-length"] = String(size);
    if (o.expectContinue) headers.expect = "100-continue";
    const req = request({ hostname, port, path: o.path ?? "/", method: o.method ?? "POST", headers });
    let continued = false;
    let sent = 0;
    let answered = false;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = (): void => {
      while (!answered && sent < size) {
        const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
        sent += part.length;
        if (!req.write(part)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    req.on("continue", () => {
      continued = true;
      pump();
    });
    req.on("response", (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("end", () => {
        const text = Buffer.concat(parts).toString();
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          json: text ? JSON.parse(text) : undefined,
          continued,
          sent,
        });
      });
      res.on("error", reject);
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    if (size === 0) req.end();
    else if (!o.expectContinue) pump();
  });
}

describe("json-rpc server (src/common/json-rpc.ts)", function () {
  this.timeout(60_000);
  let server: RpcServer;
  let client: JsonRpcClient;

  beforeEach(async () => {
    server = await startJsonRpcServer({}, new Map(), {
      service: { name: "watchtower" },
      logger: createLogger({ level: "silent" }),
    });
    client = new JsonRpcClient(server.url);
  });
  afterEach(async () => server.close());

  describe("a body over 64 KiB", function () {
    it("answers 413 instead of 100 Continue to a client that expects one, which then sends no body", async () => {
      const answer = await post(server.url, TWENTY_MB, { expectContinue: true });
      expect(answer.status).to.equal(413);
      expect(answer.continued, "no 100 Continue").to.equal(false);
      expect(answer.sent, "no body byte sent").to.equal(0);
      expect(answer.headers.connection).to.equal("close");
      expect(answer.json.error).to.deep.equal({
        code: -32600,
        message: `request body exceeds ${MAX_BODY_BYTES} bytes`,
      });
      expect((await serviceHealth(client)).service).to.equal("watchtower");
    });

    it("still says 100 Continue to a client that expects one and whose request fits", async () => {
      const body = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "strata_health", params: [] });
      const answer = await new Promise<{ status: number; continued: boolean; json: any }>(
        (resolve, reject) => {
          const { hostname, port } = new URL(server.url);
          const req = request({
            hostname,
            port,
            method: "POST",
            headers: {
              "content-type": "application/json",
              "content-length": String(Buffer.byteLength(body)),
              expect: "100-continue",
            },
          });
          let continued = false;
          req.on("continue", () => {
            continued = true;
            req.end(body);
          });
          req.on("response", (res) => {
            let text = "";
            res.on("data", (part: Buffer) => (text += part.toString()));
            res.on("end", () => resolve({ status: res.statusCode!, continued, json: JSON.parse(text) }));
          });
          req.on("error", reject);
        },
      );
      expect(answer).to.deep.include({ status: 200, continued: true });
      expect(answer.json.result.service).to.equal("watchtower");
    });

    it("answers 413 that the client reads, not a reset, to 20 MB sent without Expect (five times over)", async () => {
      for (let i = 0; i < 5; i++) {
        const answer = await post(server.url, TWENTY_MB);
        expect(answer.status).to.equal(413);
        expect(answer.json.error.code).to.equal(-32600);
        expect(answer.sent, "answered before the whole body was read").to.be.below(TWENTY_MB);
      }
      expect((await serviceHealth(client)).status).to.equal("ok");
    });

    it("answers 413 to 20 MB sent chunked, with no length declared", async () => {
      const answer = await post(server.url, TWENTY_MB, { chunked: true });
      expect(answer.status).to.equal(413);
      expect(answer.json.error.code).to.equal(-32600);
    });

    it("answers 413 to fetch's 20 MB upload, as a JSON-RPC error the client decodes", async () => {
      const response = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: Buffer.alloc(TWENTY_MB, 0x20),
      });
      expect(response.status).to.equal(413);
      expect(((await response.json()) as any).error.code).to.equal(-32600);
    });
  });

  describe("the path and the HTTP method", function () {
    it("answers an unknown path with 404 and a JSON body that says where the service answers", async () => {
      for (const [method, path] of [
        ["POST", "/rpc"],
        ["GET", "/nope"],
        ["GET", "/favicon.ico"],
      ] as const) {
        const answer = await post(server.url, 0, { method, path });
        expect(answer.status, `${method} ${path}`).to.equal(404);
        expect(answer.json.jsonrpc).to.equal("2.0");
        expect(answer.json.error.message).to.equal(
          `not found: ${method} ${path}: the watchtower service answers JSON-RPC 2.0, POSTed to /`,
        );
        expect(answer.json.error.data).to.deep.equal({
          service: "watchtower",
          path: "/",
          method: "POST",
          contentType: "application/json",
        });
      }
    });

    it("answers another HTTP method on / with 405 and Allow: POST", async () => {
      for (const method of ["GET", "PUT", "DELETE"]) {
        const answer = await post(server.url, 0, { method });
        expect(answer.status, method).to.equal(405);
        expect(answer.headers.allow).to.equal("POST");
        expect(answer.json.error).to.deep.equal({
          code: -32600,
          message: `only POST is supported (got ${method})`,
        });
      }
    });

    it("answers 404 before 100 Continue to a client that expects one on an unknown path", async () => {
      const answer = await post(server.url, 1024, { expectContinue: true, path: "/rpc" });
      expect(answer.status).to.equal(404);
      expect(answer.continued).to.equal(false);
      expect(answer.sent).to.equal(0);
    });

    it("serves JSON-RPC on / with a query string", async () => {
      const response = await fetch(`${server.url}/?from=curl`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "strata_health", params: [] }),
      });
      expect(response.status).to.equal(200);
      expect(((await response.json()) as any).result.service).to.equal("watchtower");
    });
  });
});

describe("json-rpc server: close", function () {
  this.timeout(30_000);

  // Before: a client polling on a keep-alive connection (a readiness check waiting for a service that
  // failed to start, say) kept the closed server serving it for ever, and close() never resolved.
  it("resolves at once while a client keeps polling on a keep-alive connection, which is then refused", async () => {
    const slow = new Map([["slow", () => new Promise((resolve) => setTimeout(() => resolve(1), 20))]]);
    const server = await startJsonRpcServer({}, slow, { logger: createLogger({ level: "silent" }) });
    const client = new JsonRpcClient(server.url, { timeoutMs: 2_000 });
    let polling = true;
    let answered = 0;
    let refused = 0;
    const poller = (async () => {
      while (polling) {
        await client.call("slow", []).then(
          () => answered++,
          () => refused++,
        );
      }
    })();
    try {
      while (answered < 5) await new Promise((resolve) => setTimeout(resolve, 10));
      const started = Date.now();
      await Promise.race([
        server.close(),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error("close() did not resolve in 5 s")), 5_000),
        ),
      ]);
      expect(Date.now() - started).to.be.lessThan(2_000);
      const before = refused;
      while (refused === before) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(refused).to.be.greaterThan(before);
    } finally {
      polling = false;
      await poller;
    }
  });
});
