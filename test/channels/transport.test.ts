import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { id } from "ethers";
import { keySigner } from "../../src/channels/channel";
import { ChannelClient } from "../../src/channels/client";
import { ChannelDomain } from "../../src/channels/eip712";
import { PeerRefusedError, TransportClosedError, TransportTimeoutError } from "../../src/channels/errors";
import { ChannelStore } from "../../src/channels/store";
import type { Connection, Handler, Listener } from "../../src/channels/transport";
import { connect, listen } from "../../src/channels/transport";
import { ETH, totalOf } from "../../src/channels/types";
import { StrataError } from "../../src/common/errors";

class NoSuchThingError extends StrataError {}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("transport", () => {
  let listener: Listener;
  let client: Connection;
  let served: string[];

  const handlers = new Map<string, Handler>([
    ["echo", (params) => params],
    [
      "slowEcho",
      (params) => new Promise((resolve) => setTimeout(() => resolve(params), 30 - Number(params))),
    ],
    ["fail", () => Promise.reject(new NoSuchThingError("there is no such thing"))],
    ["never", () => new Promise(() => undefined)],
    ["record", (params) => void served.push(String(params))],
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
      const answers = await Promise.all([0, 10, 20, 25].map((n) => client.request("slowEcho", n)));
      expect(answers).to.deep.equal([0, 10, 20, 25]);
      await Promise.all(Array.from({ length: 1000 }, (_, i) => client.request("record", i)));
      expect(served).to.deep.equal(Array.from({ length: 1000 }, (_, i) => String(i)));
    });

    it("rejects with PeerRefusedError naming the peer's error", async () => {
      const error = await rejection(client.request("fail", null));
      expect(error).to.be.instanceOf(PeerRefusedError);
      expect((error as PeerRefusedError).reason).to.equal("NoSuchThingError");
      expect(((await rejection(client.request("nope", null))) as PeerRefusedError).reason).to.equal(
        "MethodNotFound",
      );
    });

    it("rejects with TransportTimeoutError when no answer comes in time", async () => {
      expect(await rejection(client.request("never", null, 50))).to.be.instanceOf(TransportTimeoutError);
    });

    it("rejects with TransportClosedError when the connection closes with requests in flight, and after", async () => {
      const inFlight = client.request("never", null);
      await listener.close();
      expect(await rejection(inFlight)).to.be.instanceOf(TransportClosedError);
      expect(await rejection(client.request("echo", 1))).to.be.instanceOf(TransportClosedError);
      expect(client.isOpen).to.equal(false);
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
