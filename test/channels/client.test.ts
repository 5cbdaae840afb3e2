import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { id, keccak256 } from "ethers";
import type { SignedState } from "../../src/channels/channel";
import { keySigner } from "../../src/channels/channel";
import type { UpdateEvent } from "../../src/channels/client";
import { ChannelClient } from "../../src/channels/client";
import { ChannelDomain } from "../../src/channels/eip712";
import {
  InsufficientBalanceError,
  PeerRefusedError,
  TransportClosedError,
  WithdrawalNotExecutedError,
} from "../../src/channels/errors";
import { ChannelStore } from "../../src/channels/store";
import type { ChannelParams } from "../../src/channels/types";
import { ETH } from "../../src/channels/types";
import type { ChannelEvent } from "../../src/channels/events";
import type { Published } from "../../src/common/events";
import { readAllEvents } from "../../src/common/events";
import { JsonRpcClient, RemoteEvents, pollUntil, serviceHealth } from "../../src/common/json-rpc";
import { freePort } from "../../src/common/processes";

const ADJUDICATOR = "0x00000000000000000000000000000000000000a1";
const domain = new ChannelDomain(31337n, ADJUDICATOR);
const ALICE_KEY = id("client-test alice");
const BOB_KEY = id("client-test bob");
const SRC = join(__dirname, "..", "..", "src");

/**
 * Bob as a child process: a channel client on `storePath`, listening for peers, and serving strata_health
 * (its peers' URL) and strata_events (each state it co-signed AND stored is a `stateSigned` event) on a
 * JSON-RPC endpoint. The parent waits for strata_health, and reads what Bob acknowledged from his events.
 */
async function startBob(
  storePath: string,
): Promise<{ child: ChildProcess; url: string; acked: () => Promise<bigint> }> {
  const port = await freePort();
  const code = `
    const { keySigner } = require(${JSON.stringify(join(SRC, "channels", "channel"))});
    const { ChannelClient } = require(${JSON.stringify(join(SRC, "channels", "client"))});
    const { ChannelDomain } = require(${JSON.stringify(join(SRC, "channels", "eip712"))});
    const { ChannelStore } = require(${JSON.stringify(join(SRC, "channels", "store"))});
    const { startJsonRpcServer } = require(${JSON.stringify(join(SRC, "common", "json-rpc"))});
    (async () => {
      const store = await ChannelStore.open(${JSON.stringify(storePath)});
      const signer = keySigner(new ChannelDomain(31337n, ${JSON.stringify(ADJUDICATOR)}), ${JSON.stringify(BOB_KEY)});
      const client = ChannelClient.create({ signer, store });
      const { url } = await client.listen();
      await startJsonRpcServer(client, new Map(), {
        port: ${port},
        service: { name: "channel-client", events: client.events, health: () => ({ peerUrl: url }) },
      });
    })();
  `;
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", code], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, STRATA_LOG_LEVEL: "warn" },
  });
  const rpc = new JsonRpcClient(`http://127.0.0.1:${port}`, { timeoutMs: 2_000 });
  let exited = false;
  child.once("exit", () => (exited = true));
  const health = await pollUntil(
    () => serviceHealth(rpc).catch(() => undefined),
    (h) => h !== undefined || exited,
    () => new Error("bob did not answer strata_health"),
    { timeoutMs: 60_000, pollMs: 100 },
  );
  if (!health) throw new Error("bob exited before serving");
  const events = new RemoteEvents<ChannelEvent>(rpc);
  let cursor = 0;
  let acked = -1n;
  const readAcked = async () => {
    const { events: signed, cursor: next } = await readAllEvents(events, cursor);
    cursor = next;
    for (const e of signed)
      if (e.type === "stateSigned" && BigInt(e.version) > acked) acked = BigInt(e.version);
    return acked;
  };
  return { child, url: health.peerUrl as string, acked: readAcked };
}

describe("ChannelClient", function () {
  this.timeout(120_000);
  let dir: string;
  const stores: ChannelStore[] = [];
  const clients: ChannelClient[] = [];
  const children: ChildProcess[] = [];

  async function newClient(
    key: string,
    name: string,
    options: Partial<Parameters<typeof ChannelClient.create>[0]> = {},
  ) {
    const store = await ChannelStore.open(join(dir, name, "channels.jsonl"));
    const client = ChannelClient.create({ signer: keySigner(domain, key), store, ...options });
    stores.push(store);
    clients.push(client);
    return { client, store };
  }

  async function openPair(options: Partial<Parameters<typeof ChannelClient.create>[0]> = {}) {
    const { client: alice } = await newClient(ALICE_KEY, "alice", options);
    const { client: bob } = await newClient(BOB_KEY, "bob", options);
    const link = await alice.connect((await bob.listen()).url);
    const params: ChannelParams = {
      participants: [alice.address, bob.address],
      nonce: 1n,
      challengeDuration: 60,
    };
    const opened = await alice.open(link, params, [{ asset: ETH, balances: [1000n, 1000n] }]);
    return { alice, bob, link, params, channelId: opened.state.channelId };
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "strata-channel-client-"));
  });

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  describe("open", () => {
    it("rejects with PeerRefusedError (OpenRefusedError) when the peer's policy declines", async () => {
      const { client: alice } = await newClient(ALICE_KEY, "alice");
      const { client: bob } = await newClient(BOB_KEY, "bob", {
        openPolicy: (_p, s) => s.allocations[0].balances[1] === 0n,
      });
      const link = await alice.connect((await bob.listen()).url);
      const params = { participants: [alice.address, bob.address], nonce: 1n, challengeDuration: 60 };
      const error = await expect(
        alice.open(link, params, [{ asset: ETH, balances: [5n, 5n] }]),
      ).to.be.rejectedWith(PeerRefusedError);
      expect(error.reason).to.equal("OpenRefusedError");
    });
  });

  describe("update", () => {
    it("rejects with the rule's error, changing nothing, when the proposer itself breaks a rule", async () => {
      const { alice, channelId } = await openPair();
      await expect(alice.pay(channelId, 1001n)).to.be.rejectedWith(InsufficientBalanceError);
      expect(alice.latest(channelId)!.state.version).to.equal(0n);
    });

    it("a hashlocked payment: the receiver settles with the secret, and the sender learns it from the update", async () => {
      const { alice, bob, channelId } = await openPair();
      const secret = id("a secret");
      const hashlock = keccak256(secret);
      const seen: UpdateEvent[] = [];
      alice.onUpdate((e) => seen.push(e));
      await alice.lock(channelId, {
        hashlock,
        deadline: BigInt(Math.floor(Date.now() / 1000) + 600),
        amount: 100n,
      });
      await bob.settle(channelId, hashlock, secret);
      const last = seen.at(-1)!;
      expect(last.by).to.equal("peer");
      expect(last.update).to.deep.equal({ kind: "settle", hashlock, secret });
      expect(alice.latest(channelId)!.state.allocations[0].balances).to.deep.equal([900n, 1100n]);
    });

    it("clearWithdrawals waits for Layer 1: refused until the withdrawal was paid, then both clear", async () => {
      let withdrawn: bigint | undefined;
      const { alice, bob, channelId } = await openPair({ withdrawnVersion: async () => withdrawn });
      const signed = await alice.withdraw(channelId, 300n);
      await expect(alice.clearWithdrawals(channelId)).to.be.rejectedWith(WithdrawalNotExecutedError);
      withdrawn = signed.state.version;
      const cleared = await alice.clearWithdrawals(channelId);
      expect(cleared.state.withdrawals).to.deep.equal([]);
      expect(bob.latest(channelId)).to.deep.equal(cleared);
    });
  });

  describe("events", () => {
    it("publishes channelOpened / channelJoined, a stateSigned per co-signed state, and the payments on both sides", async () => {
      const { alice, bob, channelId } = await openPair();
      const id = channelId.toLowerCase();
      await alice.pay(channelId, 10n);
      await bob.pay(channelId, 4n);
      await alice.finalize(channelId);
      const strip = ({ seq: _s, time: _t, ...e }: Published<ChannelEvent>) => e;
      const aliceEvents = (await readAllEvents(alice.events)).events.map(strip);
      const bobEvents = (await readAllEvents(bob.events)).events.map(strip);
      const channel = {
        channelId: id,
        participants: [alice.address.toLowerCase(), bob.address.toLowerCase()],
        challengeDuration: 60,
        allocations: [{ asset: ETH, balances: ["1000", "1000"] }],
      };
      const signed = (version: number, update: string, by: string, balances: string[], isFinal = false) => ({
        type: "stateSigned",
        channelId: id,
        version: String(version),
        update,
        by,
        isFinal,
        allocations: [{ asset: ETH, balances }],
        locks: 0,
      });
      const payment = (version: number, amount: string) => ({
        channelId: id,
        version: String(version),
        asset: ETH,
        amount,
      });
      expect(aliceEvents).to.deep.equal([
        { type: "channelOpened", ...channel, me: 0 },
        signed(0, "open", "me", ["1000", "1000"]),
        signed(1, "pay", "me", ["990", "1010"]),
        { type: "paymentSent", ...payment(1, "10"), to: bob.address.toLowerCase() },
        signed(2, "pay", "peer", ["994", "1006"]),
        { type: "paymentReceived", ...payment(2, "4"), from: bob.address.toLowerCase() },
        signed(3, "finalize", "me", ["994", "1006"], true),
      ]);
      expect(bobEvents).to.deep.equal([
        { type: "channelJoined", ...channel, me: 1 },
        signed(0, "open", "peer", ["1000", "1000"]),
        signed(1, "pay", "peer", ["990", "1010"]),
        { type: "paymentReceived", ...payment(1, "10"), from: alice.address.toLowerCase() },
        signed(2, "pay", "me", ["994", "1006"]),
        { type: "paymentSent", ...payment(2, "4"), to: alice.address.toLowerCase() },
        signed(3, "finalize", "peer", ["994", "1006"], true),
      ]);
      expect((await alice.events.since(0)).events.map((e) => e.seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
    });

    it("publishes a stateSigned (sync) for a newer state adopted from the peer", async () => {
      const { alice, bob, channelId, params } = await openPair();
      await alice.pay(channelId, 10n);
      const staleStore = await ChannelStore.open(join(dir, "alice-behind", "channels.jsonl"));
      stores.push(staleStore);
      await staleStore.addChannel(params, 0);
      await staleStore.save(alice.latest(channelId)!);
      await alice.pay(channelId, 20n);
      const restarted = ChannelClient.create({ signer: keySigner(domain, ALICE_KEY), store: staleStore });
      clients.push(restarted);
      await restarted.sync(channelId, await restarted.connect((await bob.listen()).url));
      const [adopted] = (await readAllEvents(restarted.events)).events;
      expect(adopted).to.deep.include({ type: "stateSigned", version: "2", update: "sync", by: "peer" });
    });
  });

  describe("crash", () => {
    it("Bob killed between receiving and acknowledging: restarted on his store, he has every payment Alice saw confirmed", async () => {
      const { client: alice } = await newClient(ALICE_KEY, "alice");
      const bobStore = join(dir, "bob", "channels.jsonl");
      const bob = await startBob(bobStore);
      children.push(bob.child);
      const link = await alice.connect(bob.url);
      const params = {
        participants: [alice.address, keySigner(domain, BOB_KEY).address],
        nonce: 2n,
        challengeDuration: 60,
      };
      const channelId = (await alice.open(link, params, [{ asset: ETH, balances: [1_000_000n, 0n] }])).state
        .channelId;

      // Alice keeps 64 payments in flight until the connection breaks.
      let confirmed: SignedState | undefined;
      const errors: unknown[] = [];
      const payUntilBroken = async () => {
        while (errors.length === 0) {
          await alice.pay(channelId, 1n).then(
            (s) => (confirmed = s),
            (error: unknown) => errors.push(error),
          );
        }
      };
      const payers = Array.from({ length: 64 }, payUntilBroken);
      while ((await bob.acked()) < 300n) await new Promise((resolve) => setTimeout(resolve, 5));
      bob.child.kill("SIGKILL");
      await Promise.all(payers);
      for (const error of errors) expect(error).to.be.instanceOf(TransportClosedError);

      const recovered = await ChannelStore.open(bobStore);
      const bobLatest = recovered.get(channelId)!.latest!.state.version;
      await recovered.close();
      expect(
        bobLatest >= confirmed!.state.version,
        `Bob ${bobLatest} < Alice ${confirmed!.state.version}`,
      ).to.equal(true);

      const again = await startBob(bobStore);
      children.push(again.child);
      const synced = await alice.sync(channelId, await alice.connect(again.url));
      // Bob may hold states Alice never saw answered; she adopts them.
      expect(synced!.state.version).to.equal(bobLatest);
      const after = await alice.pay(channelId, 1n);
      expect(after.state.version).to.equal(synced!.state.version + 1n);
      expect(await again.acked()).to.equal(after.state.version);
    });

    it("Alice restarted from a store behind Bob's: sync adopts Bob's newer co-signed state", async () => {
      const { alice, bob, channelId, params } = await openPair();
      await alice.pay(channelId, 10n);
      // A second Alice on a copy of the store taken at version 1 stands in for a crash before her last saves.
      const staleStore = await ChannelStore.open(join(dir, "alice-stale", "channels.jsonl"));
      stores.push(staleStore);
      await staleStore.addChannel(params, 0);
      await staleStore.save(alice.latest(channelId)!);
      await alice.pay(channelId, 20n);
      await alice.pay(channelId, 30n);
      const restarted = ChannelClient.create({ signer: keySigner(domain, ALICE_KEY), store: staleStore });
      clients.push(restarted);
      const synced = await restarted.sync(channelId, await restarted.connect((await bob.listen()).url));
      expect(synced).to.deep.equal(bob.latest(channelId));
      expect(synced!.state.allocations[0].balances).to.deep.equal([940n, 1060n]);
    });
  });
});
