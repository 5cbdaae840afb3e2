// Test-only: the in-process Hardhat network served over HTTP JSON-RPC on a port of its own, so that a
// reader that takes only a URL (the explorer) reads it as it reads a node, and a test can take the "node"
// away (`close`) and bring it back on the same port (`open`) without losing the chain.
import type { Server } from "node:http";
import { createServer } from "node:http";
import { ethers } from "hardhat";
import { closeHttpServer, listenHttp } from "../../src/common/http-server";

interface Request {
  id: unknown;
  method: string;
  params?: unknown[];
}

async function answer(request: Request): Promise<unknown> {
  try {
    const result = await ethers.provider.send(request.method, request.params ?? []);
    return { jsonrpc: "2.0", id: request.id, result };
  } catch (error) {
    const e = error as { code?: number; message?: string; data?: unknown };
    return {
      jsonrpc: "2.0",
      id: request.id,
      error: { code: e.code ?? -32000, message: e.message, data: e.data },
    };
  }
}

export class RpcForwarder {
  private server: Server | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Serves on the port it had (or a free one the first time). */
  async open(): Promise<void> {
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", async () => {
        const parsed = JSON.parse(body) as Request | Request[];
        const reply = Array.isArray(parsed) ? await Promise.all(parsed.map(answer)) : await answer(parsed);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(reply));
      });
    });
    this.port = (await listenHttp(server, "127.0.0.1", this.port)).port;
    this.server = server;
  }

  /** Stops answering: every connection is closed, as when a node goes away. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await closeHttpServer(server);
  }
}
