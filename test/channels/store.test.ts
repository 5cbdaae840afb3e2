import { spawn } from "node:child_process";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { id } from "ethers";
import type { SignedState } from "../../src/channels/channel";
import { StoreCorruptError } from "../../src/channels/errors";
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

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
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

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "strata-channel-store-"));
    path = join(dir, "client", "channels.jsonl");
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  describe("save", () => {
    it("succeeds: the latest state survives a reopen", async () => {
      const store = await openStore();
      await store.addChannel(params, 0);
      await store.save(stateAt(1n));
      await store.save(stateAt(2n));
      await store.close();
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

    it("ignores a state older than the one stored", async () => {
      const store = await openStore();
      await store.addChannel(params, 0);
      await store.save(stateAt(5n));
      await store.save(stateAt(3n));
      expect(store.get(channelId)!.latest!.state.version).to.equal(5n);
    });

    it("rejects with UnknownChannelError for a channel never added", async () => {
      const store = await openStore();
      expect(((await rejection(store.save(stateAt(1n)))) as Error).name).to.equal("UnknownChannelError");
    });

    it("rejects with ChannelExistsError when a channel is added twice", async () => {
      const store = await openStore();
      await store.addChannel(params, 0);
      expect(((await rejection(store.addChannel(params, 0))) as Error).name).to.equal("ChannelExistsError");
    });
  });

  describe("open", () => {
    it("drops a torn last line and keeps every whole one", async () => {
      const store = await openStore();
      await store.addChannel(params, 0);
      await store.save(stateAt(1n));
      await store.save(stateAt(2n));
      await store.close();
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
      expect(await rejection(ChannelStore.open(path))).to.be.instanceOf(StoreCorruptError);
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
        store.save({ state, sigs: [sig, sig] }).then(() => process.stdout.write("ACK " + v + "\\n"));
      };
      setInterval(() => { for (let i = 0; i < 20; i++) receive(); }, 1);
    })();
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", code], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let acked = 0n;
    let count = 0;
    let buffer = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith("ACK ")) continue;
        const v = BigInt(line.slice(4));
        if (v > acked) acked = v;
        if (++count === after) child.kill("SIGKILL");
      }
    });
    child.once("exit", (_code, signal) =>
      signal === "SIGKILL" ? resolve(acked) : reject(new Error(`child exited: ${signal}`)),
    );
  });
}
