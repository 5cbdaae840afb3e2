import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { id } from "ethers";
import WebSocket from "ws";
import { keySigner } from "../../src/channels/channel";
import { ChannelClient } from "../../src/channels/client";
import { ChannelDomain } from "../../src/channels/eip712";
import {
  MalformedMessageError,
  PeerRefusedError,
  TransportClosedError,
  TransportTimeoutError,
} from "../../src/channels/errors";
import { ChannelStore } from "../../src/channels/store";
import type { Connection, Handler, Listener } from "../../src/channels/transport";
import { connect, listen } from "../../src/channels/transport";
import { ETH, totalOf } from "../../src/channels/types";
import { StrataError } from "../../src/common/errors";

class NoSuchThingError extends StrataError {}

/** A raw WebSocket to `url`, to write and read JSON-RPC messages by hand. */
async function rawSocket(
  url: string,
): Promise<{ send(text: string): void; next(): Promise<unknown>; close(): void }> {
  const socket = new WebSocket(url);
  const received: unknown[] = [];
  const waiting: ((message: unknown) => void)[] = [];
  socket.on("message", (data) => {
    const message = JSON.parse(data.toString()) as unknown;
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else received.push(message);
  });
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  return {
    send: (text) => socket.send(text),
    next: () =>
      received.length > 0
        ? Promise.resolve(received.shift())
        : new Promise((resolve) => waiting.push(resolve)),
    close: () => socket.close(),
  };
}

describe("transport", () => {
  let listener: Listener;
  let client: Connection;
  let served: string[];

  const handlers = new Map<string, Handler>([
    ["echo", (params) => params],
    [
      "slowEcho",
      (params) => {
        const [n] = params as [number];
        return new Promise((resolve) => setTimeout(() => resolve(n), 30 - n));
      },
    ],
    ["fail", () => Promise.reject(new NoSuchThingError("there is no such thing"))],
    [
      "decode",
      () => {
        throw new MalformedMessageError("malformed state");
      },
    ],
    [
      "crash",
      () => {
        throw new TypeError("a bug");
      },
    ],
    ["never", () => new Promise(() => undefined)],
    ["record", (params) => void served.push(String((params as [number])[0]))],
  ]);

  beforeEach(async () => {
    served = [];
    listener = await listen(handlers);
    client = await connect(listener.url, new Map());
  });

  afterEach(async () => {
    await client.close();
    await listener.close();
  });

  describe("request", () => {
    it("succeeds: a result comes back to its request, bigints travelling as strings", async () => {
      expect(await client.request("echo", { amount: (10n ** 30n).toString() })).to.deep.equal({
        amount: "1000000000000000000000000000000",
      });
    });

    it("pipelines: many requests in flight, handled and answered in order even when handlers finish out of order", async () => {
      const answers = await Promise.all([0, 10, 20, 25].map((n) => client.request("slowEcho", [n])));
      expect(answers).to.deep.equal([0, 10, 20, 25]);
      await Promise.all(Array.from({ length: 1000 }, (_, i) => client.request("record", [i])));
      expect(served).to.deep.equal(Array.from({ length: 1000 }, (_, i) => String(i)));
    });

    it("rejects with PeerRefusedError naming the peer's error, by JSON-RPC code and data.reason", async () => {
      const refused = await expect(client.request("fail", [])).to.be.rejectedWith(PeerRefusedError);
      expect(refused).to.include({ reason: "NoSuchThingError", code: -32000 });
      const missing = await expect(client.request("nope", [])).to.be.rejectedWith(PeerRefusedError);
      expect(missing).to.include({ reason: "MethodNotFound", code: -32601 });
      const malformed = await expect(client.request("decode", [])).to.be.rejectedWith(PeerRefusedError);
      expect(malformed).to.include({ reason: "MalformedMessageError", code: -32602 });
      const crashed = await expect(client.request("crash", [])).to.be.rejectedWith(PeerRefusedError);
      expect(crashed).to.include({ reason: "InternalError", code: -32603 });
      expect(crashed.message).to.not.include("a bug");
    });

    it("rejects with TransportTimeoutError when no answer comes in time", async () => {
      await expect(client.request("never", [], 50)).to.be.rejectedWith(TransportTimeoutError);
    });

    it("rejects with TransportClosedError when the connection closes with requests in flight, and after", async () => {
      const inFlight = client.request("never", []);
      await listener.close();
      await expect(inFlight).to.be.rejectedWith(TransportClosedError);
      await expect(client.request("echo", [1])).to.be.rejectedWith(TransportClosedError);
      expect(client.isOpen).to.equal(false);
    });
  });

  describe("the wire: JSON-RPC 2.0 messages", () => {
    it("answers a request by its id, as a JSON-RPC 2.0 response", async () => {
      const raw = await rawSocket(listener.url);
      try {
        raw.send(JSON.stringify({ jsonrpc: "2.0", id: "a-1", method: "echo", params: { x: "1" } }));
        expect(await raw.next()).to.deep.equal({ jsonrpc: "2.0", id: "a-1", result: { x: "1" } });
      } finally {
        raw.close();
      }
    });

    it("answers pipelined requests in arrival order, each by its id, though handlers finish out of order", async () => {
      const raw = await rawSocket(listener.url);
      try {
        for (const [id, n] of [
          [7, 0],
          [3, 25],
          [11, 10],
        ]) {
          raw.send(JSON.stringify({ jsonrpc: "2.0", id, method: "slowEcho", params: [n] }));
        }
        const answers = [await raw.next(), await raw.next(), await raw.next()];
        expect(answers).to.deep.equal([
          { jsonrpc: "2.0", id: 7, result: 0 },
          { jsonrpc: "2.0", id: 3, result: 25 },
          { jsonrpc: "2.0", id: 11, result: 10 },
        ]);
      } finally {
        raw.close();
      }
    });

    it("answers a malformed message with a parse error (id null), and goes on serving", async () => {
      const raw = await rawSocket(listener.url);
      try {
        raw.send("{ not json");
        expect(await raw.next()).to.deep.equal({
          jsonrpc: "2.0",
          id: null,
          error: { code: -32700, message: "parse error", data: { reason: "MalformedMessageError" } },
        });
        raw.send(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "echo", params: 5 }));
        expect(await raw.next()).to.deep.include({
          id: 2,
          error: { code: -32600, message: "invalid request", data: { reason: "MalformedMessageError" } },
        });
        raw.send(JSON.stringify({ jsonrpc: "2.0", id: 3, method: "echo", params: ["still here"] }));
        expect(await raw.next()).to.deep.equal({ jsonrpc: "2.0", id: 3, result: ["still here"] });
      } finally {
        raw.close();
      }
    });

    it("answers an unknown method with -32601 and data.reason MethodNotFound", async () => {
      const raw = await rawSocket(listener.url);
      try {
        raw.send(JSON.stringify({ jsonrpc: "2.0", id: 9, method: "nope", params: [] }));
        expect(await raw.next()).to.deep.equal({
          jsonrpc: "2.0",
          id: 9,
          error: { code: -32601, message: "method not found: nope", data: { reason: "MethodNotFound" } },
        });
      } finally {
        raw.close();
      }
    });

    it("answers a batch in one message, in order, and nothing for a notification", async () => {
      const raw = await rawSocket(listener.url);
      try {
        raw.send(
          JSON.stringify([
            { jsonrpc: "2.0", id: 1, method: "slowEcho", params: [20] },
            { jsonrpc: "2.0", method: "record", params: [42] },
            { jsonrpc: "2.0", id: 2, method: "echo", params: ["b"] },
          ]),
        );
        expect(await raw.next()).to.deep.equal([
          { jsonrpc: "2.0", id: 1, result: 20 },
          { jsonrpc: "2.0", id: 2, result: ["b"] },
        ]);
        expect(served).to.deep.equal(["42"]);
      } finally {
        raw.close();
      }
    });
  });
});

describe("ChannelClient over a localhost WebSocket", function () {
  this.timeout(120_000);
  const domain = new ChannelDomain(31337n, "0x00000000000000000000000000000000000000a1");
  const PAYMENTS = 3_000;
  let dir: string;
  let stores: ChannelStore[];
  let clients: ChannelClient[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "strata-channel-transport-"));
    stores = await Promise.all(
      ["alice", "bob"].map((n) => ChannelStore.open(join(dir, n, "channels.jsonl"))),
    );
    clients = stores.map((store, i) =>
      ChannelClient.create({ signer: keySigner(domain, id(["alice", "bob"][i])), store }),
    );
  });

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(stores.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it("succeeds: thousands of pipelined payments both ways, then the final state, equal and stored on both sides", async () => {
    const [alice, bob] = clients;
    const url = (await bob.listen()).url;
    const link = await alice.connect(url);
    const params = { participants: [alice.address, bob.address], nonce: 1n, challengeDuration: 60 };
    const opened = await alice.open(link, params, [{ asset: ETH, balances: [10n ** 18n, 10n ** 18n] }]);
    const channelId = opened.state.channelId;

    const payments: Promise<unknown>[] = [];
    for (let i = 0; i < PAYMENTS; i++) payments.push(alice.pay(channelId, 3n));
    for (let i = 0; i < PAYMENTS / 10; i++) payments.push(bob.pay(channelId, 1n)); // races Alice's: retried
    await Promise.all(payments);
    const final = await alice.finalize(channelId);

    expect(final.state.isFinal).to.equal(true);
    expect(bob.latest(channelId)).to.deep.equal(final);
    const paid = 3n * BigInt(PAYMENTS) - BigInt(PAYMENTS / 10);
    expect(final.state.allocations[0].balances).to.deep.equal([10n ** 18n - paid, 10n ** 18n + paid]);
    expect(totalOf(final.state, 0)).to.equal(2n * 10n ** 18n);
    expect(final.state.version).to.equal(BigInt(PAYMENTS + PAYMENTS / 10 + 1));
    for (const store of stores) expect(store.get(channelId)!.latest).to.deep.equal(final);
    expect(stores[1].fsyncs).to.be.lessThan(PAYMENTS);
  });
});
