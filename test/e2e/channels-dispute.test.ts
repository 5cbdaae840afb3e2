// End to end: Alice, a stale-state adversary, keeps an early co-signed state in which she still had most
// of the money, pays Bob for a while, then registers that old state on Layer 1. The newest co-signed
// state, shown within the window, wins: refuted by Bob himself, or, with Bob offline, by his watchtower.
import { expect } from "chai";
import { revertName } from "../../src/common/outcomes";
import { parseEther } from "ethers";
import { ethers } from "hardhat";
import { StaleStateParty } from "../../src/channels/adversaries";
import type { SignedState } from "../../src/channels/channel";
import type { WatchtowerEvent } from "../../src/channels/events";
import { decisionsFrom } from "../../src/channels/events";
import type { Published } from "../../src/common/events";
import { readAllEvents } from "../../src/common/events";
import { ETH } from "../../src/channels/types";
import { decide } from "../../src/channels/watchtower";
import { WatchtowerFeed } from "../../src/channels/watchtower-rpc";
import type { ChannelsFixture } from "../channels/fixtures";
import type { OpenChannel, Party } from "./channels-world";
import type { ChannelsWorld } from "./channels-world";
import { CHALLENGE_DURATION, balances, expectPaid, useChannelsWorld } from "./channels-world";

const UNIT = parseEther("0.01");

const strip = ({ seq: _s, time: _t, ...e }: Published<WatchtowerEvent>) => e;

describe("e2e: a stale state registered by the counterparty", function () {
  this.timeout(300_000);
  let f: ChannelsFixture;
  let world: ChannelsWorld;
  let alice: Party;
  let bob: Party;
  let channel: OpenChannel;
  /** Alice as the stale-state party of src/channels/adversaries.ts. */
  let cheat: StaleStateParty;
  /** What dishonest Alice kept: version 1, before most of her payments. */
  let stale: SignedState;

  const newWorld = useChannelsWorld();

  beforeEach(async () => {
    ({ f, world, alice, bob } = await newWorld());
    cheat = new StaleStateParty(alice.party);
  });

  /** Opens and funds the channel, then Alice pays Bob `payments` times; she keeps version 1. */
  async function payThenKeepStale(payments: number): Promise<void> {
    channel = await world.open(alice, bob, [{ asset: ETH, balances: [parseEther("5"), parseEther("1")] }]);
    ({ stale } = await cheat.payKeepingFirst(channel.channelId, payments, UNIT));
    expect(stale.state.version).to.equal(1n);
    await world.check(bob.client.latest(channel.channelId));
  }

  /** Alice registers the stale state; returns the registration's transaction. */
  async function registerStale(): Promise<string> {
    const { version, receipt } = await cheat.registerStale(channel.channelId);
    expect(version).to.equal(1n);
    await world.tick();
    await world.check();
    return receipt.hash.toLowerCase();
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
    expect(await revertName(cheat.refuteWithStale(channel.channelId))).to.equal("AdjudicatorStaleVersion");
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
    const registeredIn = await registerStale();
    await world.advance(CHALLENGE_DURATION / 2);
    const decisions = await tower.tower.tick();
    expect(decisions).to.deep.equal([
      { kind: "refute", channelId: channel.channelId, registered: 1n, held: newest.state.version },
    ]);
    expect((await world.adjudicator.status(channel.channelId)).version).to.equal(newest.state.version);
    await world.check(newest);

    // Its events tell the dispute on their own: what it saw (in which transaction), and how it refuted.
    const id = channel.channelId.toLowerCase();
    const newestVersion = newest.state.version.toString();
    const { finalizesAt } = await world.adjudicator.status(channel.channelId);
    const [refutation] = await world.adjudicator.contract.queryFilter(
      world.adjudicator.contract.filters.ChallengeRefuted(channel.channelId),
    );
    const refuteReceipt = (await refutation.getTransactionReceipt())!;
    const disputed = (await readAllEvents(tower.tower.events)).events.filter(
      (e) => e.type !== "statesReceived",
    );
    expect(disputed.map(strip)).to.deep.equal([
      {
        type: "challengeSeen",
        channelId: id,
        challenge: "registered",
        registeredVersion: "1",
        finalizesAt: finalizesAt.toString(),
        block: (await ethers.provider.getTransactionReceipt(registeredIn))!.blockNumber,
        l1TxHash: registeredIn,
        heldVersion: newestVersion,
      },
      {
        type: "stateRefuted",
        channelId: id,
        challenge: "registered",
        registeredVersion: "1",
        refutedWith: newestVersion,
        finalizesAt: finalizesAt.toString(),
        l1TxHash: refuteReceipt.hash.toLowerCase(),
        gasUsed: refuteReceipt.gasUsed.toString(),
        block: refuteReceipt.blockNumber,
      },
    ]);
    expect(refuteReceipt.from).to.equal(f.carol.address);
    expect(decisionsFrom(disputed)).to.deep.equal(
      decisions.map((d) => ({ ...d, channelId: d.channelId.toLowerCase() })),
    );

    // Its own refutation is the next event it reads: nothing more to do.
    const again = await tower.tower.tick();
    expect(again.map((d) => d.kind)).to.deep.equal(["nothing-to-do"]);
    const later = (await readAllEvents(tower.tower.events, disputed.at(-1)!.seq)).events;
    expect(later.map((e) => e.type)).to.deep.equal(["challengeSeen", "challengeIgnored"]);
    expect(later[1]).to.deep.include({
      challenge: "refuted",
      registeredVersion: newestVersion,
      heldVersion: newestVersion,
      reason: "the registered state is the newest",
    });
    await concludeAndExpectNewestPaid(newest);

    // The conclusion of a channel it guards is its last word on the dispute.
    await tower.tower.tick();
    const [concluded] = await world.adjudicator.contract.queryFilter(
      world.adjudicator.contract.filters.ChannelConcluded(channel.channelId),
    );
    const { events: all } = await readAllEvents(tower.tower.events);
    expect(strip(all.at(-1)!)).to.deep.equal({
      type: "channelConcluded",
      channelId: id,
      version: newestVersion,
      l1TxHash: concluded.transactionHash.toLowerCase(),
      block: concluded.blockNumber,
    });
  });

  it("the watchtower logs too-late when it comes back after the window closed", async () => {
    const tower = await world.watchtower("bob-tower", f.carol);
    await payThenKeepStale(20);
    await tower.tower.guard(channel.params, bob.client.latest(channel.channelId)!);
    await registerStale();
    await world.advance(CHALLENGE_DURATION + 1);
    const [decision] = await tower.tower.tick();
    expect(decision.kind).to.equal("too-late");
    const { events } = await readAllEvents(tower.tower.events);
    expect(strip(events.at(-1)!)).to.deep.include({
      type: "refutationTooLate",
      challenge: "registered",
      registeredVersion: "1",
      heldVersion: "20",
    });
  });
});
