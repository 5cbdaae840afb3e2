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
import { PeerRefusedError, TransportClosedError } from "../../src/channels/errors";
import { ChannelStore } from "../../src/channels/store";
import type { ChannelParams } from "../../src/channels/types";
import { ETH } from "../../src/channels/types";

const ADJUDICATOR = "0x00000000000000000000000000000000000000a1";
const domain = new ChannelDomain(31337n, ADJUDICATOR);
const ALICE_KEY = id("client-test alice");
const BOB_KEY = id("client-test bob");
const SRC = join(__dirname, "..", "..", "src", "channels");

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

/**
 * Bob as a child process: a channel client on `storePath`, listening, printing "URL <url>" and then
 * "ACK <version>" after each state it co-signed AND stored (its answer leaves right after).
 */
function startBob(storePath: string): Promise<{ child: ChildProcess; url: string; acked: () => bigint }> {
  const code = `
    const { keySigner } = require(${JSON.stringify(join(SRC, "channel"))});
    const { ChannelClient } = require(${JSON.stringify(join(SRC, "client"))});
    const { ChannelDomain } = require(${JSON.stringify(join(SRC, "eip712"))});
    const { ChannelStore } = require(${JSON.stringify(join(SRC, "store"))});
    (async () => {
      const store = await ChannelStore.open(${JSON.stringify(storePath)});
      const signer = keySigner(new ChannelDomain(31337n, ${JSON.stringify(ADJUDICATOR)}), ${JSON.stringify(BOB_KEY)});
      const client = ChannelClient.create({ signer, store });
      client.onUpdate((e) => process.stdout.write("ACK " + e.signed.state.version + "\\n"));
      const { url } = await client.listen();
      process.stdout.write("URL " + url + "\\n");
    })();
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", code], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let acked = -1n;
    let buffer = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith("URL ")) resolve({ child, url: line.slice(4), acked: () => acked });
        if (line.startsWith("ACK ")) acked = BigInt(line.slice(4));
      }
    });
    child.once("exit", (code) => reject(new Error(`bob exited with ${code} before listening`)));
  });
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
      const error = await rejection(alice.open(link, params, [{ asset: ETH, balances: [5n, 5n] }]));
      expect(error).to.be.instanceOf(PeerRefusedError);
      expect((error as PeerRefusedError).reason).to.equal("OpenRefusedError");
    });
  });

  describe("update", () => {
    it("rejects with the rule's error, changing nothing, when the proposer itself breaks a rule", async () => {
      const { alice, channelId } = await openPair();
      expect((await rejection(alice.pay(channelId, 1001n))).name).to.equal("InsufficientBalanceError");
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
      expect((await rejection(alice.clearWithdrawals(channelId))).name).to.equal(
        "WithdrawalNotExecutedError",
      );
      withdrawn = signed.state.version;
      const cleared = await alice.clearWithdrawals(channelId);
      expect(cleared.state.withdrawals).to.deep.equal([]);
      expect(bob.latest(channelId)).to.deep.equal(cleared);
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
      while (bob.acked() < 300n) await new Promise((resolve) => setTimeout(resolve, 5));
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
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(again.acked()).to.equal(after.state.version);
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
