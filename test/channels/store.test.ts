import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { killAfterAcks } from "../helpers/kill-after-acks";
import { useTempDir } from "../helpers/temp-dir";
import { dirname, join } from "node:path";
import { expect } from "chai";
import { id } from "ethers";
import type { SignedState } from "../../src/channels/channel";
import { ChannelExistsError, StoreCorruptError, UnknownChannelError } from "../../src/channels/errors";
import { JournalCorruptError } from "../../src/common/journal";
import { ChannelStore } from "../../src/channels/store";
import type { ChannelParams } from "../../src/channels/types";
import { ETH, channelIdOf } from "../../src/channels/types";

const params: ChannelParams = {
  participants: ["0x00000000000000000000000000000000000000a1", "0x00000000000000000000000000000000000000b2"],
  nonce: 7n,
  challengeDuration: 60,
};
const channelId = channelIdOf(params);
const SIG = { r: id("r"), yParityAndS: id("s") };

/** A state of `params`' channel at `version` (the store does not check signatures). */
function stateAt(version: bigint, p: ChannelParams = params): SignedState {
  return {
    state: {
      channelId: channelIdOf(p),
      version,
      isFinal: false,
      allocations: [{ asset: ETH, balances: [1000n - version, version] }],
      locks: [],
      withdrawals: [],
    },
    sigs: [SIG, SIG],
  };
}

describe("ChannelStore", () => {
  let dir: string;
  let path: string;
  const opened: ChannelStore[] = [];
  const openStore = async (options = {}) => {
    const store = await ChannelStore.open(path, options);
    opened.push(store);
    return store;
  };

  const tempDir = useTempDir("strata-channel-store-", opened);
  /** Opens the store, adds the channel with states 1 and 2, and closes it. */
  const storeTwoStatesAndClose = async () => {
    const store = await openStore();
    await store.addChannel(params, 0);
    await store.save(stateAt(1n));
    await store.save(stateAt(2n));
    await store.close();
  };

  beforeEach(() => {
    dir = tempDir();
    path = join(dir, "client", "channels.jsonl");
  });

  describe("save", () => {
    it("succeeds: the latest state survives a reopen", async () => {
      await storeTwoStatesAndClose();
      const again = await openStore();
      expect(again.get(channelId)!.latest).to.deep.equal(stateAt(2n));
      expect(again.get(channelId)!.me).to.equal(0);
    });

    it("group-commits: many saves made at once take far fewer fsyncs, and the newest wins", async () => {
      const store = await openStore();
      await store.addChannel(params, 1);
      const before = store.fsyncs;
      await Promise.all(Array.from({ length: 500 }, (_, i) => store.save(stateAt(BigInt(i + 1)))));
      expect(store.fsyncs - before).to.be.lessThan(10);
      expect(store.get(channelId)!.latest!.state.version).to.equal(500n);
      await store.close();
      expect((await openStore()).get(channelId)!.latest!.state.version).to.equal(500n);
    });

    it("coalesces: of one channel's states saved in the same group, only the newest is written", async () => {
      const other: ChannelParams = { ...params, nonce: 8n };
      const store = await openStore();
      await store.addChannel(params, 0);
      await store.addChannel(other, 0);
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => [
          store.save(stateAt(BigInt(i + 1))),
          store.save(stateAt(BigInt(i + 1), other)),
        ]).flat(),
      );
      await store.close();
      const lines = (await readFile(path, "utf8")).trim().split("\n");
      // two channel records, then at most one state per channel per group
      expect(lines.length).to.be.lessThan(2 + 2 * 10);
      const again = await openStore();
      expect(again.get(channelId)!.latest!.state.version).to.equal(200n);
      expect(again.get(channelIdOf(other))!.latest!.state.version).to.equal(200n);
    });

    it("ignores a state older than the one stored", async () => {
      const store = await openStore();
      await store.addChannel(params, 0);
      await store.save(stateAt(5n));
      await store.save(stateAt(3n));
      expect(store.get(channelId)!.latest!.state.version).to.equal(5n);
    });

    it("rejects with UnknownChannelError for a channel never added", async () => {
      const store = await openStore();
      const error = (await expect(store.save(stateAt(1n))).to.be.rejectedWith(UnknownChannelError)) as Error;
      expect(error.name).to.equal("UnknownChannelError");
    });

    it("rejects with ChannelExistsError when a channel is added twice", async () => {
      const store = await openStore();
      await store.addChannel(params, 0);
      const error = (await expect(store.addChannel(params, 0)).to.be.rejectedWith(
        ChannelExistsError,
      )) as Error;
      expect(error.name).to.equal("ChannelExistsError");
    });
  });

  describe("peer URLs", () => {
    it("keeps the URL a channel was added with, and the one set since, across a reopen and a compaction", async () => {
      const other: ChannelParams = { ...params, nonce: 8n };
      const store = await openStore({ compactAfter: 1_000_000 });
      await store.addChannel(params, 0, { peerUrl: "ws://127.0.0.1:1111" });
      await store.addChannel(other, 1);
      await store.save(stateAt(1n));
      expect(store.get(channelId)!.peerUrl).to.equal("ws://127.0.0.1:1111");
      expect(store.get(channelIdOf(other))!.peerUrl).to.equal(undefined);
      await store.setPeerUrl(channelIdOf(other), "ws://127.0.0.1:2222");
      await store.close();

      const again = await openStore({ compactAfter: 1_000_000 });
      expect(again.get(channelId)!.peerUrl).to.equal("ws://127.0.0.1:1111");
      expect(again.get(channelIdOf(other))!.peerUrl).to.equal("ws://127.0.0.1:2222");
      await again.setPeerUrl(channelId, "ws://127.0.0.1:3333");
      await again.compact();
      expect((await readFile(path, "utf8")).trim().split("\n")).to.have.length(3);
      await again.close();
      const compacted = await openStore();
      expect(compacted.get(channelId)).to.deep.include({
        peerUrl: "ws://127.0.0.1:3333",
        latest: stateAt(1n),
      });
      expect(compacted.get(channelIdOf(other))!.peerUrl).to.equal("ws://127.0.0.1:2222");
    });

    it("reads a store written before peer URLs were kept", async () => {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(
        path,
        JSON.stringify({ k: "channel", params: { ...params, nonce: "7" }, me: 0 }) + "\n",
      );
      const store = await openStore();
      expect(store.get(channelId)).to.deep.include({ me: 0, peerUrl: undefined });
    });

    it("rejects with UnknownChannelError a URL for a channel never added", async () => {
      const store = await openStore();
      await expect(store.setPeerUrl(channelId, "ws://127.0.0.1:1")).to.be.rejectedWith(UnknownChannelError);
    });
  });

  describe("open", () => {
    it("drops a torn last line and keeps every whole one", async () => {
      await storeTwoStatesAndClose();
      const whole = await readFile(path, "utf8");
      await appendFile(path, whole.split("\n")[2].slice(0, 40));
      const again = await openStore();
      expect(again.get(channelId)!.latest!.state.version).to.equal(2n);
      expect(await readFile(path, "utf8")).to.equal(whole);
    });

    it("throws StoreCorruptError when a middle line is malformed", async () => {
      await (await openStore()).addChannel(params, 0);
      const text = await readFile(path, "utf8");
      await writeFile(path, "garbage\n" + text);
      const error = (await expect(ChannelStore.open(path)).to.be.rejectedWith(
        StoreCorruptError,
        "line 1",
      )) as Error;
      expect(error.cause).to.be.instanceOf(JournalCorruptError);
    });

    it("throws StoreCorruptError when a whole line is a record of no known kind", async () => {
      const store = await openStore();
      await store.addChannel(params, 0);
      await store.close();
      await appendFile(path, JSON.stringify({ k: "mystery" }) + "\n");
      await expect(ChannelStore.open(path)).to.be.rejectedWith(StoreCorruptError, "line 2");
    });

    it("throws StoreCorruptError when a state names a channel never added", async () => {
      const store = await openStore();
      await store.addChannel(params, 0);
      await store.save(stateAt(1n));
      await store.close();
      const [channel, state] = (await readFile(path, "utf8")).trim().split("\n");
      await writeFile(path, state + "\n" + channel + "\n");
      await expect(ChannelStore.open(path)).to.be.rejectedWith(StoreCorruptError, "unknown channel");
    });
  });

  describe("compact", () => {
    it("rewrites the journal to one channel and one state record per channel", async () => {
      const other: ChannelParams = { ...params, nonce: 8n };
      const store = await openStore({ compactAfter: 1_000_000 });
      await store.addChannel(params, 0);
      await store.addChannel(other, 1);
      for (let v = 1n; v <= 50n; v++) {
        await store.save(stateAt(v));
        await store.save(stateAt(v, other));
      }
      await store.compact();
      expect((await readFile(path, "utf8")).trim().split("\n")).to.have.length(4);
      await store.save(stateAt(51n));
      await store.close();
      const again = await openStore();
      expect(again.get(channelId)!.latest!.state.version).to.equal(51n);
      expect(again.get(channelIdOf(other))!.latest!.state.version).to.equal(50n);
    });

    it("keeps the old journal whole when a crash during compaction left a partial temporary file", async () => {
      const store = await openStore({ compactAfter: 1_000_000 });
      await store.addChannel(params, 0);
      for (let v = 1n; v <= 5n; v++) await store.save(stateAt(v));
      await store.close();
      const whole = await readFile(path, "utf8");
      await writeFile(path + ".tmp", whole.split("\n")[0] + "\n" + whole.split("\n")[5].slice(0, 30));
      const again = await openStore();
      expect(again.get(channelId)!.latest!.state.version).to.equal(5n);
      expect(existsSync(path + ".tmp")).to.equal(false);
      expect(await readFile(path, "utf8")).to.equal(whole);
    });

    it("lands saves made during a compaction in the new journal", async () => {
      const store = await openStore({ compactAfter: 1_000_000 });
      await store.addChannel(params, 0);
      for (let v = 1n; v <= 30n; v++) await store.save(stateAt(v));
      const compaction = store.compact();
      const saves = [store.save(stateAt(31n)), store.save(stateAt(32n))];
      await Promise.all([compaction, ...saves]);
      await store.close();
      expect((await readFile(path, "utf8")).trim().split("\n").length).to.be.lessThan(5);
      expect((await openStore()).get(channelId)!.latest!.state.version).to.equal(32n);
    });

    it("compacts on its own once the journal passes compactAfter lines", async () => {
      const store = await openStore({ compactAfter: 20 });
      await store.addChannel(params, 0);
      for (let v = 1n; v <= 100n; v++) await store.save(stateAt(v));
      await store.compact();
      expect((await readFile(path, "utf8")).trim().split("\n").length).to.be.lessThan(22);
      await store.close();
      expect((await openStore()).get(channelId)!.latest!.state.version).to.equal(100n);
    });
  });

  describe("crash", () => {
    it("recovers at least the latest acknowledged state after a SIGKILL between receive and ack", async function () {
      this.timeout(60_000);
      const acked = await runAndKill(path, 300);
      const store = await openStore();
      const latest = store.get(channelId)!.latest!.state.version;
      expect(latest >= acked, `latest ${latest} < acknowledged ${acked}`).to.equal(true);
    });
  });
});

/**
 * A child process receives states one after another (pipelined) and acknowledges each on stdout only
 * once it is stored; it is killed with SIGKILL after `after` acknowledgements, in the middle of
 * receiving and storing more. Returns the highest version it acknowledged.
 */
function runAndKill(path: string, after: number): Promise<bigint> {
  const code = `
    const { ChannelStore } = require(${JSON.stringify(join(__dirname, "..", "..", "src", "channels", "store"))});
    const params = { participants: ${JSON.stringify(params.participants)}, nonce: 7n, challengeDuration: 60 };
    const sig = ${JSON.stringify(SIG)};
    (async () => {
      const store = await ChannelStore.open(${JSON.stringify(path)});
      await store.addChannel(params, 1);
      const channelId = require(${JSON.stringify(join(__dirname, "..", "..", "src", "channels", "types"))}).channelIdOf(params);
      let version = 0n;
      const receive = () => {
        const v = ++version;
        const state = { channelId, version: v, isFinal: false, allocations: [{ asset: "0x" + "00".repeat(20), balances: [1000000n - v, v] }], locks: [], withdrawals: [] };
        store.save({ state, sigs: [sig, sig] }).then(() => process.send({ ack: String(v) }));
      };
      setInterval(() => { for (let i = 0; i < 20; i++) receive(); }, 1);
    })();
  `;
  return killAfterAcks(code, after);
}
