// The explorer's channel views (src/explorer/channels.ts), read after each step of real channel scenarios on
// the channels end-to-end world: a stale state registered by Alice and refuted by Bob's watchtower while Bob
// is offline (ETH and an ERC-20 in one channel), and a hashlocked payment settled on Layer 1 by its revealed
// secret. Then the not-found and bad-request answers, and the pure functions.
import { expect } from "chai";
import { id, keccak256, parseEther } from "ethers";
import { ethers } from "hardhat";
import { StaleStateParty } from "../../src/channels/adversaries";
import { ETH, pendingLocksOf } from "../../src/channels/types";
import type { ChannelView, ChannelsView } from "../../src/explorer/channels";
import {
  challengeSteps,
  channelPhase,
  channelsRoutes,
  lockSettlement,
  participantIndex,
  payoutsOf,
  sumPayouts,
} from "../../src/explorer/channels";
import type { ExplorerContext } from "../../src/explorer/route";
import { ExplorerBadRequestError, ExplorerNotFoundError } from "../../src/explorer/route";
import type { ChannelsFixture } from "../channels/fixtures";
import { CHALLENGE_DURATION, useChannelsWorld } from "../e2e/channels-world";

const UNIT = parseEther("0.01");
const T = (n: number) => parseEther(String(n));

/** A context reading the chain at its latest block, following `f`'s adjudicator (or `contracts`). */
async function contextOf(f: ChannelsFixture, contracts?: Record<string, string>): Promise<ExplorerContext> {
  const block = (await ethers.provider.getBlock("latest"))!;
  return {
    provider: ethers.provider,
    deployment: {
      network: "hardhat",
      chainId: Number(f.chainId),
      deployedAt: new Date(0).toISOString(),
      deployer: f.relayer.address,
      contracts: contracts ?? { Adjudicator: await f.adjudicator.getAddress() },
    },
    head: { number: block.number, hash: block.hash!, timestamp: block.timestamp },
  };
}

function route(path: string) {
  const found = channelsRoutes.find((r) => r.path === path);
  if (!found) throw new Error(`no route ${path}`);
  return found;
}

async function listView(f: ChannelsFixture): Promise<ChannelsView> {
  return (await route("/api/channels").read(await contextOf(f), {}, new URLSearchParams())) as ChannelsView;
}

async function channelView(f: ChannelsFixture, channelId: string): Promise<ChannelView> {
  const ctx = await contextOf(f);
  return (await route("/api/channels/:id").read(
    ctx,
    { id: channelId },
    new URLSearchParams(),
  )) as ChannelView;
}

describe("explorer: channels", function () {
  this.timeout(300_000);
  const newWorld = useChannelsWorld();

  it("shows a stale registration, the watchtower's refutation with the newer version, the conclusion and the payouts", async () => {
    const { f, world, alice, bob } = await newWorld();
    const token = (await f.token.getAddress()).toLowerCase();
    const { params, channelId } = await world.open(alice, bob, [
      { asset: ETH, balances: [T(5), T(1)] },
      { asset: token, balances: [T(100), T(50)] },
    ]);
    const id = channelId.toLowerCase();
    const me = (w: { address: string }) => w.address.toLowerCase();

    // Open and funded: the adjudicator knows it from its deposits alone (no state on Layer 1 yet).
    let list = await listView(f);
    expect(list.channels).to.have.length(1);
    expect(list.channels[0]).to.deep.include({
      id,
      participants: null,
      phase: "open",
      version: null,
      finalizesAt: null,
      windowOpen: false,
    });
    expect(list.channels[0].holdings).to.deep.equal([
      { asset: ETH, held: T(6).toString() },
      { asset: token, held: T(150).toString() },
    ]);
    expect(list.tokens).to.deep.equal({
      [ETH]: { symbol: "ETH", decimals: 18 },
      [token]: { symbol: "TST", decimals: Number(await f.token.decimals()) },
    });
    let view = await channelView(f, channelId);
    const deposits = view.events.filter((e) => e.kind === "deposited");
    expect(deposits.map((e) => e.kind === "deposited" && [e.from, e.asset, e.amount])).to.have.deep.members([
      [me(f.alice), ETH, T(5).toString()],
      [me(f.bob), ETH, T(1).toString()],
      [me(f.alice), token, T(100).toString()],
      [me(f.bob), token, T(50).toString()],
    ]);

    // Alice pays 20 times, keeping version 1; Bob's watchtower (Carol's key) guards his newest state.
    const cheat = new StaleStateParty(alice.party);
    await cheat.payKeepingFirst(channelId, 20, UNIT);
    const newest = bob.client.latest(channelId)!;
    expect(newest.state.version).to.equal(20n);
    const tower = await world.watchtower("bob-tower", f.carol);
    await tower.tower.guard(params, newest);
    await bob.client.close(); // Bob goes offline

    const stale = await cheat.registerStale(channelId);
    await world.tick();
    list = await listView(f);
    expect(list.channels[0]).to.deep.include({
      participants: [me(f.alice), me(f.bob)],
      challengeDuration: CHALLENGE_DURATION,
      phase: "challenged",
      version: "1",
      finalizesAt: Number(stale.finalizesAt),
      windowOpen: true,
    });
    expect(list.disputes.map((d) => [d.kind, d.version, d.from, d.participant])).to.deep.equal([
      ["registered", "1", me(f.alice), 0],
    ]);
    expect(list.refutations).to.deep.equal([]);
    expect(list.now).to.equal((await ethers.provider.getBlock("latest"))!.timestamp);

    // The watchtower refutes halfway through the window: a third party's refutation, with version 20.
    await world.advance(CHALLENGE_DURATION / 2);
    const decisions = await tower.tower.tick();
    expect(decisions.map((d) => d.kind)).to.deep.equal(["refute"]);
    list = await listView(f);
    expect(list.channels[0]).to.deep.include({ phase: "challenged", version: "20", windowOpen: true });
    expect(list.refutations).to.have.length(1);
    expect(list.refutations[0]).to.deep.include({
      channelId: id,
      kind: "refuted",
      version: "20",
      replacedVersion: "1",
      finalizesAt: Number(stale.finalizesAt),
      from: me(f.carol),
      participant: null,
    });
    expect(list.disputes.map((d) => d.kind)).to.deep.equal(["refuted", "registered"]);
    view = await channelView(f, channelId);
    const refuted = view.events.find((e) => e.kind === "refuted")!;
    expect(refuted).to.deep.include({
      version: "20",
      replacedVersion: "1",
      finalizesAt: Number(stale.finalizesAt),
      from: me(f.carol),
      participant: null,
    });
    const registered = view.events.find((e) => e.kind === "registered")!;
    expect(registered).to.deep.include({
      version: "1",
      finalizesAt: Number(stale.finalizesAt),
      txHash: stale.receipt.hash.toLowerCase(),
      from: me(f.alice),
      participant: 0,
    });

    // The window passes: still challenged, no longer refutable.
    await world.advance(CHALLENGE_DURATION / 2 + 1);
    list = await listView(f);
    expect(list.channels[0]).to.deep.include({ phase: "challenged", windowOpen: false });

    // Anyone concludes with the newest state: each is paid what it says, the channel holds nothing.
    await world.adjudicator.conclude(f.relayer, params, newest.state);
    view = await channelView(f, channelId);
    const [aliceEth, bobEth] = newest.state.allocations[0].balances;
    expect(aliceEth).to.equal(T(5) - 20n * UNIT);
    expect(view).to.deep.include({ phase: "concluded", version: "20", finalizesAt: null });
    expect(view.holdings).to.deep.equal([
      { asset: ETH, held: "0" },
      { asset: token, held: "0" },
    ]);
    expect(view.payouts).to.deep.equal([
      { to: me(f.alice), asset: ETH, amount: aliceEth.toString() },
      { to: me(f.bob), asset: ETH, amount: bobEth.toString() },
      { to: me(f.alice), asset: token, amount: T(100).toString() },
      { to: me(f.bob), asset: token, amount: T(50).toString() },
    ]);
    expect(view.events.map((e) => e.kind)).to.deep.equal([
      "deposited",
      "deposited",
      "deposited",
      "deposited",
      "registered",
      "refuted",
      "concluded",
    ]);
    const concluded = view.events.at(-1)!;
    expect(concluded).to.deep.include({ from: me(f.relayer), participant: null, version: "20" });
    expect(view.locks).to.deep.equal([]);
    // Chain order, with each event's block time.
    for (let i = 1; i < view.events.length; i++) {
      expect(view.events[i].block).to.be.at.least(view.events[i - 1].block);
      expect(view.events[i].time).to.be.at.least(view.events[i - 1].time);
    }
  });

  it("shows a lock in the registered state, its secret revealed in time, its claim and the payouts", async () => {
    const { f, world, alice, bob } = await newWorld();
    const { params, channelId } = await world.open(alice, bob, [{ asset: ETH, balances: [T(2), T(1)] }]);
    const me = (w: { address: string }) => w.address.toLowerCase();
    const X = T(0.3);
    const secret = id("bob's invoice secret");
    const hashlock = keccak256(secret);
    const deadline = world.now + BigInt(6 * CHALLENGE_DURATION);
    await alice.client.lock(channelId, { hashlock, deadline, amount: X });
    // A second lock whose secret never comes: it returns to Alice after its (earlier) deadline.
    const Y = T(0.2);
    const lostLock = keccak256(id("a secret never told"));
    const lostDeadline = world.now + BigInt(2 * CHALLENGE_DURATION);
    await alice.client.lock(channelId, { hashlock: lostLock, deadline: lostDeadline, amount: Y });
    const locked = alice.client.latest(channelId)!;

    // Alice registers the state holding the lock; Bob reveals its secret on the adjudicator.
    await alice.adjudicator.register(f.alice, params, locked);
    await bob.adjudicator.reveal(f.bob, secret);
    await world.tick();
    let view = await channelView(f, channelId);
    expect(view.phase).to.equal("challenged");
    expect(view.version).to.equal(locked.state.version.toString());
    expect(view.locks).to.have.length(2);
    const revealedAt = Number(await world.adjudicator.revealedAt(hashlock));
    expect(view.locks[0]).to.deep.equal({
      hashlock: hashlock.toLowerCase(),
      deadline: Number(deadline),
      asset: ETH,
      sender: me(f.alice),
      receiver: me(f.bob),
      amount: X.toString(),
      revealedAt,
      secret: secret.toLowerCase(),
      revealedInTime: true,
      settlement: "pending",
    });
    expect(view.locks[1]).to.deep.include({
      hashlock: lostLock.toLowerCase(),
      deadline: Number(lostDeadline),
      revealedAt: null,
      secret: null,
      revealedInTime: false,
      settlement: "pending",
    });
    expect(view.events.find((e) => e.kind === "secretRevealed")).to.deep.include({
      hashlock: hashlock.toLowerCase(),
      from: me(f.bob),
      participant: 1,
    });

    // After the window: concluded with its locks recorded; the revealed one is unlocked to Bob, the other waits.
    await world.advance(CHALLENGE_DURATION + 1);
    await world.adjudicator.conclude(f.relayer, params, locked.state);
    view = await channelView(f, channelId);
    // The conclusion debits the lock with the balances; `unlock` pays it from the adjudicator later.
    expect(view.phase).to.equal("concluded-with-locks");
    expect(view.holdings).to.deep.equal([{ asset: ETH, held: "0" }]);
    expect(view.payouts).to.deep.equal([
      { to: me(f.alice), asset: ETH, amount: (T(2) - X - Y).toString() },
      { to: me(f.bob), asset: ETH, amount: T(1).toString() },
    ]);
    expect(view.locks.map((l) => l.settlement)).to.deep.equal(["pending", "pending"]);
    const [claimable, lost] = pendingLocksOf(params, locked.state);
    await world.adjudicator.unlock(f.relayer, channelId, [claimable, lost]);
    view = await channelView(f, channelId);
    expect(view.phase).to.equal("concluded-with-locks");
    expect(view.locks.map((l) => l.settlement)).to.deep.equal(["claimed", "pending"]);
    expect(view.events.at(-1)).to.deep.include({
      kind: "lockSettled",
      hashlock: hashlock.toLowerCase(),
      paidTo: me(f.bob),
      amount: X.toString(),
      asset: ETH,
    });

    // Past the second deadline, unrevealed: it goes back to Alice.
    await world.advance(2 * CHALLENGE_DURATION);
    await world.adjudicator.unlock(f.relayer, channelId, [lost]);
    view = await channelView(f, channelId);
    expect(view.phase).to.equal("concluded");
    expect(view.holdings).to.deep.equal([{ asset: ETH, held: "0" }]);
    expect(view.locks.map((l) => l.settlement)).to.deep.equal(["claimed", "refunded"]);
    expect(view.events.at(-1)).to.deep.include({
      kind: "lockSettled",
      paidTo: me(f.alice),
      amount: Y.toString(),
    });
    expect(view.payouts).to.deep.equal([
      { to: me(f.alice), asset: ETH, amount: (T(2) - X).toString() },
      { to: me(f.bob), asset: ETH, amount: (T(1) + X).toString() },
    ]);
  });

  it("shows a partial withdrawal of an ERC-20 channel and its cooperative close, with each party's payouts", async () => {
    const { f, world, alice, bob } = await newWorld();
    const token = (await f.token.getAddress()).toLowerCase();
    const { params, channelId } = await world.open(alice, bob, [{ asset: token, balances: [T(100), T(50)] }]);
    const me = (w: { address: string }) => w.address.toLowerCase();
    await Promise.all(Array.from({ length: 10 }, () => alice.client.pay(channelId, T(1))));

    // Alice withdraws 10 on Layer 1 with a co-signed state; the channel stays open, its version floor raised.
    const withdrawal = await alice.client.withdraw(channelId, T(10));
    await alice.adjudicator.withdrawPartial(f.alice, params, withdrawal);
    let view = await channelView(f, channelId);
    expect(view).to.deep.include({
      participants: [me(f.alice), me(f.bob)],
      phase: "open",
      version: withdrawal.state.version.toString(),
    });
    expect(view.holdings).to.deep.equal([{ asset: token, held: T(140).toString() }]);
    // Its amounts print in the token's own units: the view carries its symbol and decimals (and ETH's).
    const tokenInfo = { symbol: await f.token.symbol(), decimals: Number(await f.token.decimals()) };
    expect(tokenInfo.symbol).to.equal("TST");
    expect(view.tokens).to.deep.equal({ [token]: tokenInfo });
    expect(view.events.at(-1)).to.deep.include({
      kind: "withdrawn",
      from: me(f.alice),
      participant: 0,
      payouts: [{ to: me(f.alice), asset: token, amount: T(10).toString() }],
    });

    // Both clear the withdrawal and finalize; the relayer closes: one transaction pays both.
    await alice.client.clearWithdrawals(channelId);
    const final = await bob.client.finalize(channelId);
    await world.adjudicator.close(f.relayer, params, final);
    view = await channelView(f, channelId);
    expect(view).to.deep.include({
      phase: "closed",
      version: final.state.version.toString(),
      finalizesAt: null,
    });
    expect(view.holdings).to.deep.equal([{ asset: token, held: "0" }]);
    expect(view.events.map((e) => e.kind)).to.deep.equal(["deposited", "deposited", "withdrawn", "closed"]);
    // Alice: 10 withdrawn, then her 100 - 10 paid - 10 withdrawn at the close; Bob: 50 + 10.
    expect(view.payouts).to.deep.equal([
      { to: me(f.alice), asset: token, amount: T(90).toString() },
      { to: me(f.bob), asset: token, amount: T(60).toString() },
    ]);
    const list = await listView(f);
    expect(list.channels.map((c) => [c.id, c.phase])).to.deep.equal([[channelId.toLowerCase(), "closed"]]);
    expect(list.tokens).to.deep.equal({ [token]: tokenInfo });
    expect(list.disputes).to.deep.equal([]);
  });

  it("answers not-found for an unknown channel or a deployment without an adjudicator, bad-request for a malformed id", async () => {
    const { f } = await newWorld();
    const byId = route("/api/channels/:id");
    const unknown = keccak256("0x01");
    await expect(byId.read(await contextOf(f), { id: unknown }, new URLSearchParams())).to.be.rejectedWith(
      ExplorerNotFoundError,
      unknown,
    );
    for (const bad of ["0x12", "channel-0", "", `${unknown}00`]) {
      await expect(byId.read(await contextOf(f), { id: bad }, new URLSearchParams())).to.be.rejectedWith(
        ExplorerBadRequestError,
      );
    }
    const bare = await contextOf(f, {});
    await expect(route("/api/channels").read(bare, {}, new URLSearchParams())).to.be.rejectedWith(
      ExplorerNotFoundError,
      "Adjudicator",
    );
    expect(await listView(f)).to.deep.include({ channels: [], disputes: [], refutations: [] });
  });
});

describe("explorer: channels' pure functions", () => {
  const a = "0x00000000000000000000000000000000000000aa";
  const b = "0x00000000000000000000000000000000000000bb";
  const token = "0x00000000000000000000000000000000000000cc";
  const params = { participants: [a, b], nonce: 1n, challengeDuration: 60 };
  const state = {
    channelId: keccak256("0x02"),
    version: 7n,
    isFinal: false,
    allocations: [
      { asset: ETH, balances: [5n, 0n] },
      { asset: token, balances: [1n, 2n] },
    ],
    locks: [],
    withdrawals: [{ asset: 1, participant: 0, amount: 3n }],
  };

  it("channelPhase reads the status slot, then the last ending event", () => {
    expect(channelPhase(0n, undefined)).to.equal("open");
    expect(channelPhase(1234n, undefined)).to.equal("challenged");
    expect(channelPhase(2n ** 32n - 1n, "concluded")).to.equal("concluded-with-locks");
    expect(channelPhase(0n, "concluded")).to.equal("concluded");
    expect(channelPhase(0n, "closed")).to.equal("closed");
  });

  it("challengeSteps places each refutation after the version it replaced, in the registration's window", () => {
    const steps = challengeSteps([
      { name: "Deposited" },
      { name: "ChallengeRegistered", version: 1n, finalizesAt: 1000n },
      { name: "ChallengeRefuted", version: 5n },
      { name: "ChallengeRefuted", version: 20n },
      { name: "ChannelConcluded", version: 20n },
      { name: "ChallengeRefuted", version: 21n }, // no registration seen: nothing replaced, no window
    ]);
    expect(steps).to.deep.equal([
      { at: 1, kind: "registered", version: 1n, finalizesAt: 1000 },
      { at: 2, kind: "refuted", version: 5n, replacedVersion: 1n, finalizesAt: 1000 },
      { at: 3, kind: "refuted", version: 20n, replacedVersion: 5n, finalizesAt: 1000 },
      { at: 5, kind: "refuted", version: 21n, replacedVersion: undefined, finalizesAt: 0 },
    ]);
  });

  it("payoutsOf pays balances and unpaid withdrawals, or the withdrawals alone, leaving out zeros", () => {
    expect(payoutsOf(params, state, "state")).to.deep.equal([
      { to: a, asset: ETH, amount: "5" },
      { to: a, asset: token, amount: "4" },
      { to: b, asset: token, amount: "2" },
    ]);
    expect(payoutsOf(params, state, "state-withdrawals-paid")).to.deep.equal([
      { to: a, asset: ETH, amount: "5" },
      { to: a, asset: token, amount: "1" },
      { to: b, asset: token, amount: "2" },
    ]);
    expect(payoutsOf(params, state, "withdrawals")).to.deep.equal([{ to: a, asset: token, amount: "3" }]);
  });

  it("sumPayouts adds amounts by recipient and asset", () => {
    expect(
      sumPayouts([
        { to: a, asset: ETH, amount: "5" },
        { to: b, asset: ETH, amount: "1" },
        { to: a, asset: ETH, amount: "2" },
      ]),
    ).to.deep.equal([
      { to: a, asset: ETH, amount: "7" },
      { to: b, asset: ETH, amount: "1" },
    ]);
  });

  it("participantIndex finds a sender among the participants, whatever its case, else null", () => {
    expect(participantIndex([a, b], b.toUpperCase().replace("0X", "0x"))).to.equal(1);
    expect(participantIndex([a, b], token)).to.equal(null);
    expect(participantIndex(null, a)).to.equal(null);
  });

  it("lockSettlement: pending until settled, claimed when paid to the receiver, refunded to the sender", () => {
    expect(lockSettlement(b, undefined)).to.equal("pending");
    expect(lockSettlement(b, b)).to.equal("claimed");
    expect(lockSettlement(b, a)).to.equal("refunded");
  });
});
