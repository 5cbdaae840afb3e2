// End to end: Alice, a stale-state adversary, keeps an early co-signed state in which she still had most
// of the money, pays Bob for a while, then registers that old state on Layer 1. The newest co-signed
// state, shown within the window, wins: refuted by Bob himself, or, with Bob offline, by his watchtower.
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseEther } from "ethers";
import type { SignedState } from "../../src/channels/channel";
import { ContractRevertError } from "../../src/common/errors";
import { ETH } from "../../src/channels/types";
import { WatchtowerFeed, decide } from "../../src/channels/watchtower";
import { deployChannelsFixture } from "../channels/fixtures";
import type { ChannelsFixture } from "../channels/fixtures";
import type { OpenChannel, Party } from "./channels-world";
import { CHALLENGE_DURATION, ChannelsWorld, balances, expectPaid } from "./channels-world";

const UNIT = parseEther("0.01");

async function revertName(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ContractRevertError) return error.errorName;
    throw error;
  }
  throw new Error("expected a revert");
}

describe("e2e: a stale state registered by the counterparty", function () {
  this.timeout(300_000);
  let f: ChannelsFixture;
  let world: ChannelsWorld;
  let alice: Party;
  let bob: Party;
  let channel: OpenChannel;
  /** What dishonest Alice kept: version 1, before most of her payments. */
  let stale: SignedState;

  beforeEach(async () => {
    f = await loadFixture(deployChannelsFixture);
    world = new ChannelsWorld(f);
    alice = await world.party("alice", f.alice);
    bob = await world.party("bob", f.bob);
  });

  afterEach(async () => world.close());

  /** Opens and funds the channel, then Alice pays Bob `payments` times; she keeps version 1. */
  async function payThenKeepStale(payments: number, onEach?: (signed: SignedState) => void): Promise<void> {
    channel = await world.open(alice, bob, [{ asset: ETH, balances: [parseEther("5"), parseEther("1")] }]);
    stale = await alice.client.pay(channel.channelId, UNIT);
    const all: Promise<SignedState>[] = [];
    for (let i = 1; i < payments; i++) all.push(alice.client.pay(channel.channelId, UNIT));
    for (const signed of await Promise.all(all)) onEach?.(signed);
    await world.check(bob.client.latest(channel.channelId));
  }

  /** Alice registers the stale state; returns the registration as the adjudicator logged it. */
  async function registerStale(): Promise<void> {
    await alice.adjudicator.register(f.alice, channel.params, stale);
    await world.tick();
    await world.check();
  }

  /** After the window, anyone concludes with the registered state; each is paid what `newest` says. */
  async function concludeAndExpectNewestPaid(newest: SignedState): Promise<void> {
    await world.advance(CHALLENGE_DURATION + 1);
    const before = await balances(f, ETH, [f.alice.address, f.bob.address]);
    await world.adjudicator.conclude(f.relayer, channel.params, newest.state);
    const [a, b] = newest.state.allocations[0].balances;
    await expectPaid(
      f,
      ETH,
      before,
      new Map([
        [f.alice.address, a],
        [f.bob.address, b],
      ]),
    );
    expect(await world.adjudicator.holdings(channel.channelId, ETH)).to.equal(0n);
    await world.check();
  }

  it("Bob, online, sees the registration and refutes it with his newest state", async () => {
    await payThenKeepStale(500);
    const newest = bob.client.latest(channel.channelId)!;
    await registerStale();

    const head = await bob.wallet.provider!.getBlockNumber();
    const [event] = await bob.adjudicator.challengeEvents(head, head);
    const decision = decide(event, newest, world.now);
    expect(decision).to.deep.equal({
      kind: "refute",
      channelId: channel.channelId,
      registered: 1n,
      held: newest.state.version,
    });
    await bob.adjudicator.refute(f.bob, channel.params, newest);
    expect((await world.adjudicator.status(channel.channelId)).version).to.equal(newest.state.version);
    await world.check(newest);

    // Alice cannot bring an older state back, nor conclude early.
    expect(await revertName(alice.adjudicator.refute(f.alice, channel.params, stale))).to.equal(
      "AdjudicatorStaleVersion",
    );
    expect(await revertName(alice.adjudicator.conclude(f.alice, channel.params, newest.state))).to.equal(
      "AdjudicatorChallengeOngoing",
    );
    await concludeAndExpectNewestPaid(newest);
  });

  it("Bob offline: his watchtower, handed his states as he went, refutes before the window ends", async () => {
    const tower = await world.watchtower("bob-tower", f.carol);
    const feed = new WatchtowerFeed(tower.url);
    bob.client.onUpdate((e) => feed.push(bob.client.channel(e.channelId).params, e.signed));
    await payThenKeepStale(500);
    await feed.flushed();
    const newest = bob.client.latest(channel.channelId)!;
    expect(tower.store.get(channel.channelId)!.latest).to.deep.equal(newest);

    await bob.client.close(); // Bob goes offline
    await registerStale();
    await world.advance(CHALLENGE_DURATION / 2);
    const decisions = await tower.tower.tick();
    expect(decisions).to.deep.equal([
      { kind: "refute", channelId: channel.channelId, registered: 1n, held: newest.state.version },
    ]);
    expect((await world.adjudicator.status(channel.channelId)).version).to.equal(newest.state.version);
    await world.check(newest);

    // Its own refutation is the next event it reads: nothing more to do.
    const again = await tower.tower.tick();
    expect(again.map((d) => d.kind)).to.deep.equal(["nothing-to-do"]);
    await concludeAndExpectNewestPaid(newest);
  });

  it("the watchtower logs too-late when it comes back after the window closed", async () => {
    const tower = await world.watchtower("bob-tower", f.carol);
    await payThenKeepStale(20);
    await tower.tower.guard(channel.params, bob.client.latest(channel.channelId)!);
    await registerStale();
    await world.advance(CHALLENGE_DURATION + 1);
    const [decision] = await tower.tower.tick();
    expect(decision.kind).to.equal("too-late");
  });
});
