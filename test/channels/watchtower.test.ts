import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Wallet, id } from "ethers";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { SignedState } from "../../src/channels/channel";
import { keySigner } from "../../src/channels/channel";
import { AdjudicatorClient } from "../../src/channels/adjudicator-client";
import { deployChannels } from "../../src/channels/deploy";
import { encodeParams, encodeSignedState } from "../../src/channels/codec";
import { ChannelDomain } from "../../src/channels/eip712";
import { WatchtowerError } from "../../src/channels/errors";
import type { WatchtowerEvent } from "../../src/channels/events";
import type { ChannelParams, ChannelState } from "../../src/channels/types";
import { ETH, channelIdOf } from "../../src/channels/types";
import { Watchtower, WatchtowerStore, decide } from "../../src/channels/watchtower";
import {
  MAX_SUBMITTED_STATES,
  WatchtowerClient,
  WatchtowerFeed,
  serveWatchtower,
} from "../../src/channels/watchtower-rpc";
import type { Published } from "../../src/common/events";
import { readAllEvents } from "../../src/common/events";
import { ChainChangedError, CursorNotOnChainError } from "../../src/common/chain-identity";
import type { RpcServer } from "../../src/common/json-rpc";
import { createLogger } from "../../src/common/logger";
import { ServiceLifecycle } from "../../src/common/service-main";
import { RpcError, TxRejectedError, serviceHealth } from "../../src/common/json-rpc";
import type { ChainSwap } from "../helpers/chain-swap";
import { swappableBlocks } from "../helpers/chain-swap";

const domain = new ChannelDomain(31337n, "0x00000000000000000000000000000000000000a1");
const alice = keySigner(domain, id("tower alice"));
const bob = keySigner(domain, id("tower bob"));
const params: ChannelParams = {
  participants: [alice.address, bob.address],
  nonce: 3n,
  challengeDuration: 100,
};
const channelId = channelIdOf(params);

function cosigned(version: bigint, signers = [alice, bob]): SignedState {
  const state: ChannelState = {
    channelId,
    version,
    isFinal: false,
    allocations: [{ asset: ETH, balances: [100n - version, version] }],
    locks: [],
    withdrawals: [],
  };
  return { state, sigs: signers.map((s) => s.sign(state)) };
}

/** An adjudicator client that runs `after` once it read a range's conclusions (its last read of a range). */
class ChangingAdjudicator extends AdjudicatorClient {
  after?: () => Promise<void>;

  override async concludedEvents(fromBlock: number, toBlock: number) {
    const events = await super.concludedEvents(fromBlock, toBlock);
    const after = this.after;
    this.after = undefined;
    await after?.();
    return events;
  }
}

const strip = ({ seq: _s, time: _t, ...e }: Published<WatchtowerEvent>) => e;

describe("watchtower", () => {
  describe("decide", () => {
    const event = { channelId, version: 5n, finalizesAt: 1_000n };

    it("refutes a registration older than the state held, while the window is open", () => {
      expect(decide(event, cosigned(9n), 999n)).to.deep.equal({
        kind: "refute",
        channelId,
        registered: 5n,
        held: 9n,
      });
    });

    it("does nothing when the registered state is the newest it holds (or newer)", () => {
      for (const held of [5n, 4n]) {
        const d = decide(event, cosigned(held), 10n);
        expect(d.kind).to.equal("nothing-to-do");
        expect(d.held).to.equal(held);
      }
    });

    it("does nothing for a channel it does not guard", () => {
      expect(decide(event, undefined, 10n)).to.include({ kind: "nothing-to-do", held: undefined });
    });

    it("is too late once the window has closed", () => {
      expect(decide(event, cosigned(9n), 1_000n)).to.deep.equal({
        kind: "too-late",
        channelId,
        registered: 5n,
        held: 9n,
        finalizesAt: 1_000n,
      });
    });
  });

  describe("Watchtower.guard and its store", () => {
    let dir: string;
    let store: WatchtowerStore;
    let tower: Watchtower;

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), "strata-watchtower-"));
      store = await WatchtowerStore.open(join(dir, "tower.jsonl"));
      const unused = {} as AdjudicatorClient; // guard never touches the chain
      tower = new Watchtower({ adjudicator: unused, signer: Wallet.createRandom(), store, domain });
    });

    afterEach(async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("keeps the newest co-signed state, durably, with the cursor", async () => {
      expect(await tower.guard(params, cosigned(3n))).to.deep.equal({ stored: true, version: 3n });
      expect(await tower.guard(params, cosigned(2n))).to.deep.equal({ stored: false, version: 3n });
      await store.setCursor(42);
      await store.close();
      store = await WatchtowerStore.open(join(dir, "tower.jsonl"));
      expect(store.get(channelId)!.latest).to.deep.equal(cosigned(3n));
      expect(store.cursor).to.equal(42);
    });

    it("keeps the cursor's block hash durably, reads an older cursor without one, and forgets it on reset", async () => {
      const hash = "0x" + "12".repeat(32);
      await store.setCursor(7, hash);
      await store.close();
      store = await WatchtowerStore.open(join(dir, "tower.jsonl"));
      expect(store.blockCursor).to.deep.equal({ block: 7, hash });
      await store.close();
      await appendFile(join(dir, "tower.jsonl"), JSON.stringify({ k: "cursor", block: 9 }) + "\n");
      store = await WatchtowerStore.open(join(dir, "tower.jsonl"));
      expect(store.blockCursor).to.deep.equal({ block: 9, hash: undefined });
      await store.resetCursor();
      await store.close();
      store = await WatchtowerStore.open(join(dir, "tower.jsonl"));
      expect(store.blockCursor).to.equal(undefined);
    });

    it("refuses with WatchtowerError a state not signed by every participant, or not of the params' channel", async () => {
      const notCosigned = await expect(tower.guard(params, cosigned(3n, [alice, alice]))).to.be.rejectedWith(
        WatchtowerError,
      );
      expect(notCosigned.reason).to.equal("NotCosigned");
      const wrongChannel = await expect(
        tower.guard({ ...params, nonce: 4n }, cosigned(3n)),
      ).to.be.rejectedWith(WatchtowerError);
      expect(wrongChannel.reason).to.equal("WrongChannel");
      expect(store.get(channelId)).to.equal(undefined);
    });

    it("publishes statesReceived for every state it is handed, stored or not", async () => {
      await tower.guard(params, cosigned(3n));
      await tower.guard(params, cosigned(2n));
      const { events } = await readAllEvents(tower.events);
      const id = channelId.toLowerCase();
      expect(events.map(strip)).to.deep.equal([
        { type: "statesReceived", channelId: id, version: "3", stored: true, heldVersion: "3" },
        { type: "statesReceived", channelId: id, version: "2", stored: false, heldVersion: "3" },
      ]);
    });

    describe("over JSON-RPC", () => {
      let server: RpcServer;
      let client: WatchtowerClient;

      beforeEach(async () => {
        server = await serveWatchtower(tower, {
          address: "0x00000000000000000000000000000000000000c3",
          logger: createLogger({ level: "warn" }),
        });
        client = new WatchtowerClient(server.url);
      });

      afterEach(async () => {
        await server.close();
      });

      it("wt_submitStates keeps each newer state and answers the version held", async () => {
        expect(await client.submitState(params, cosigned(4n))).to.equal(4n);
        expect(
          await client.submitStates([
            { params, signed: cosigned(2n) },
            { params, signed: cosigned(6n) },
          ]),
        ).to.deep.equal([
          { channelId: channelId.toLowerCase(), stored: false, version: 4n },
          { channelId: channelId.toLowerCase(), stored: true, version: 6n },
        ]);
        expect(store.get(channelId)!.latest).to.deep.equal(cosigned(6n));
      });

      it("wt_submitStates refuses NotCosigned, keeping nothing of the submission", async () => {
        const refused = await expect(
          client.submitStates([
            { params, signed: cosigned(5n) },
            { params, signed: cosigned(6n, [bob, alice]) },
          ]),
        ).to.be.rejectedWith(WatchtowerError);
        expect(refused.reason).to.equal("NotCosigned");
        expect(store.get(channelId)).to.equal(undefined);
      });

      it("wt_submitStates refuses WrongChannel: a state of another channel than the params'", async () => {
        const refused = await expect(
          client.submitState({ ...params, nonce: 9n }, cosigned(5n)),
        ).to.be.rejectedWith(WatchtowerError);
        expect(refused.reason).to.equal("WrongChannel");
      });

      it("wt_submitStates refuses Malformed: what does not decode as params and a signed state", async () => {
        const bad = {
          params: encodeParams(params),
          signed: { ...encodeSignedState(cosigned(5n)), sigs: "none" },
        };
        const refused = await expect(client.call("wt_submitStates", [[bad]])).to.be.rejectedWith(
          TxRejectedError,
        );
        expect(refused).to.include({ reason: "Malformed" });
        expect(refused.message).to.include("state #0");
      });

      it("answers -32602 for the wrong number of params, an empty list, or too many states", async () => {
        for (const params_ of [[], [[]], [Array(MAX_SUBMITTED_STATES + 1).fill({})], [[], []]]) {
          const error = await expect(client.call("wt_submitStates", params_)).to.be.rejectedWith(RpcError);
          expect(error.code, JSON.stringify(params_).slice(0, 40)).to.equal(-32602);
        }
        const badId = await expect(client.call("wt_channel", ["0x1234"])).to.be.rejectedWith(RpcError);
        expect(badId.code).to.equal(-32602);
      });

      it("wt_channel answers what it holds (or null), wt_channels every channel", async () => {
        expect(await client.channel(channelId)).to.equal(undefined);
        await client.submitState(params, cosigned(7n));
        expect(await client.channel(channelId)).to.deep.equal({
          channelId: channelId.toLowerCase(),
          version: 7n,
          participants: params.participants.map((p) => p.toLowerCase()),
        });
        expect(await client.channels()).to.deep.equal([{ channelId: channelId.toLowerCase(), version: 7n }]);
      });

      it("answers strata_health with its account, the channels it guards and its cursor", async () => {
        await client.submitState(params, cosigned(1n));
        await store.setCursor(12);
        const health = await serviceHealth(client);
        expect(health).to.include({
          service: "watchtower",
          status: "ok",
          address: "0x00000000000000000000000000000000000000c3",
          guarding: 1,
          cursor: 12,
        });
      });

      it("refuses every call by name while its service starts and once it halted, when given its lifecycle", async () => {
        const lifecycle = new ServiceLifecycle("watchtower");
        const gated = await serveWatchtower(tower, { lifecycle, logger: createLogger({ level: "warn" }) });
        try {
          const gatedClient = new WatchtowerClient(gated.url);
          const starting = await expect(gatedClient.channels()).to.be.rejectedWith(TxRejectedError);
          expect(starting.reason).to.equal("Starting");
          await expect(serviceHealth(gatedClient)).to.be.rejectedWith(
            TxRejectedError,
            "watchtower is starting",
          );
          lifecycle.serve();
          expect(await gatedClient.channels()).to.deep.equal([]);
          lifecycle.halt(new ChainChangedError("block 12 of localhost is gone"));
          const halted = await expect(serviceHealth(gatedClient)).to.be.rejectedWith(TxRejectedError);
          expect(halted).to.include({
            reason: "ChainChanged",
            message: "watchtower has halted: ChainChangedError: block 12 of localhost is gone",
          });
        } finally {
          await gated.close();
        }
      });

      it("serves its events as strata_events, read like its own log", async () => {
        await client.submitState(params, cosigned(2n));
        const { events } = await readAllEvents(client.events);
        expect(events.map(strip)).to.deep.equal([
          {
            type: "statesReceived",
            channelId: channelId.toLowerCase(),
            version: "2",
            stored: true,
            heldVersion: "2",
          },
        ]);
        expect(events).to.deep.equal((await readAllEvents(tower.events)).events);
      });

      it("a feed hands it the newest of many states, one request at a time per channel", async () => {
        const feed = new WatchtowerFeed(server.url);
        for (let v = 5n; v <= 60n; v++) feed.push(params, cosigned(v));
        await feed.flushed();
        expect(store.get(channelId)!.latest.state.version).to.equal(60n);
        const received = (await readAllEvents(tower.events)).events.filter(
          (e) => e.type === "statesReceived",
        );
        expect(received.length).to.be.lessThan(56);
      });
    });
  });

  describe("Watchtower.tick and its block cursor", function () {
    let dir: string;
    let store: WatchtowerStore;
    let adjudicator: string;

    before(async function () {
      const [deployer] = await ethers.getSigners();
      ({ Adjudicator: adjudicator } = await deployChannels(deployer));
    });

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), "strata-watchtower-tick-"));
      store = await WatchtowerStore.open(join(dir, "tower.jsonl"));
    });

    afterEach(async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });

    async function towerOn(
      cursorLost?: (message: string) => Promise<void>,
      client?: (signer: HardhatEthersSigner) => AdjudicatorClient,
    ): Promise<Watchtower> {
      const [, signer] = await ethers.getSigners();
      const { chainId } = await ethers.provider.getNetwork();
      return new Watchtower({
        adjudicator: client?.(signer) ?? new AdjudicatorClient(adjudicator, signer),
        signer,
        store,
        domain: new ChannelDomain(chainId, adjudicator),
        cursorLost,
      });
    }

    const head = async () => {
      const block = (await ethers.provider.getBlock("latest"))!;
      return { block: block.number, hash: block.hash! };
    };

    it("moves its cursor to the head, tied to the chain by the head's hash", async () => {
      await (await towerOn()).tick();
      expect(store.blockCursor).to.deep.equal(await head());
    });

    it("refuses a round (CursorNotOnChainError) when its cursor's block is not on the chain", async () => {
      const tower = await towerOn();
      const now = await head();
      await store.setCursor(now.block + 40, now.hash);
      await expect(tower.tick()).to.be.rejectedWith(
        CursorNotOnChainError,
        `watchtower: its cursor is block ${now.block + 40}, but the chain's head is block ${now.block}`,
      );
      await store.setCursor(now.block, "0x" + "ab".repeat(32));
      await expect(tower.tick()).to.be.rejectedWith(
        CursorNotOnChainError,
        `its cursor's block ${now.block} is ${now.hash.slice(0, 10)}… on the chain, not 0xabababab…`,
      );
    });

    it("rescans from its first block when cursorLost says it is safe (a reorganization), else throws its error", async () => {
      const asked: string[] = [];
      const now = await head();
      await store.setCursor(now.block + 40, now.hash);
      await (await towerOn(async (message) => void asked.push(message))).tick();
      expect(asked).to.deep.equal([
        `its cursor is block ${now.block + 40}, but the chain's head is block ${now.block}`,
      ]);
      expect(store.blockCursor).to.deep.equal(await head());

      await store.setCursor(now.block, "0x" + "ab".repeat(32));
      const refusing = await towerOn(async () => {
        throw new ChainChangedError("the deployment is gone");
      });
      await expect(refusing.tick()).to.be.rejectedWith(ChainChangedError, "the deployment is gone");
      expect(store.blockCursor).to.deep.equal({ block: now.block, hash: "0x" + "ab".repeat(32) });
    });

    const swaps: Record<ChainSwap, (block: number, hash: string, head: number) => string> = {
      shrink: (block, _hash, head) => `its cursor is block ${block}, but the chain's head is block ${head}`,
      replace: (_block, hash) => `on the chain, not ${hash.slice(0, 10)}…`,
    };
    for (const [how, message] of Object.entries(swaps) as [ChainSwap, (typeof swaps)[ChainSwap]][]) {
      it(`ties its cursor to the chain its events came from when Layer 1 is swapped (${how}) before the cursor moves`, async () => {
        let changing: ChangingAdjudicator | undefined;
        const tower = await towerOn(
          undefined,
          (signer) => (changing = new ChangingAdjudicator(adjudicator, signer)),
        );
        await tower.tick();
        const blocks = await swappableBlocks();
        try {
          changing!.after = () => blocks.swap(how);
          await tower.tick();
          // The hash of the block its events were read up to, never the new chain's (nor none at all).
          expect(store.blockCursor).to.deep.equal({ block: blocks.head.number, hash: blocks.head.hash });
          const found = await head();
          await expect(tower.tick()).to.be.rejectedWith(
            CursorNotOnChainError,
            message(blocks.head.number, blocks.head.hash, found.block),
          );
          expect(store.blockCursor).to.deep.equal({ block: blocks.head.number, hash: blocks.head.hash });
        } finally {
          await blocks.restore();
        }
      });
    }
  });
});
