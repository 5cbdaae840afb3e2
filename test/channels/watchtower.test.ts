import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Wallet, id } from "ethers";
import type { SignedState } from "../../src/channels/channel";
import { keySigner } from "../../src/channels/channel";
import type { AdjudicatorClient } from "../../src/channels/adjudicator-client";
import { ChannelDomain } from "../../src/channels/eip712";
import { WatchtowerError } from "../../src/channels/errors";
import type { ChannelParams, ChannelState } from "../../src/channels/types";
import { ETH, channelIdOf } from "../../src/channels/types";
import {
  Watchtower,
  WatchtowerFeed,
  WatchtowerStore,
  decide,
  postState,
  serveWatchtower,
} from "../../src/channels/watchtower";

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

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

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

    it("refuses with WatchtowerError a state not signed by every participant", async () => {
      expect(await rejection(tower.guard(params, cosigned(3n, [alice, alice])))).to.be.instanceOf(
        WatchtowerError,
      );
      expect(await rejection(tower.guard({ ...params, nonce: 4n }, cosigned(3n)))).to.be.instanceOf(
        WatchtowerError,
      );
      expect(store.get(channelId)).to.equal(undefined);
    });

    it("serves the same over HTTP, and a feed hands it the newest of many states", async () => {
      const server = await serveWatchtower(tower, store);
      try {
        expect(await postState(server.url, params, cosigned(4n))).to.equal(4n);
        const refused = await rejection(postState(server.url, params, cosigned(5n, [bob, alice])));
        expect(refused).to.be.instanceOf(WatchtowerError);
        const feed = new WatchtowerFeed(server.url);
        for (let v = 5n; v <= 60n; v++) feed.push(params, cosigned(v));
        await feed.flushed();
        expect(store.get(channelId)!.latest.state.version).to.equal(60n);
        const view = await fetch(`${server.url}/channels/${channelId}`);
        expect(await view.json()).to.deep.equal({ version: "60" });
      } finally {
        await server.close();
      }
    });
  });
});
