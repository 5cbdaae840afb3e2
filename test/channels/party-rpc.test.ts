// The channel client's verbs for getting a user's money out without the peer, over JSON-RPC: register,
// refute, conclude, unlock, withdraw, resume (and channel_status), each checked before any Layer-1
// transaction and asserted by what Layer 1 holds and pays.
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { id, keccak256, parseEther } from "ethers";
import { ethers } from "hardhat";
import { StaleStateParty } from "../../src/channels/adversaries";
import { CHANNEL_CLIENT_SERVICE, ChannelPartyClient, serveChannelParty } from "../../src/channels/party-rpc";
import type { LocalPartySide } from "../../src/channels/stack";
import { ChannelsStack } from "../../src/channels/stack";
import type { Allocation } from "../../src/channels/types";
import { ETH } from "../../src/channels/types";
import { ofType, readAllEvents, waitForEvent } from "../../src/common/events";
import type { RpcServer } from "../../src/common/json-rpc";
import { RpcError, TxRejectedError } from "../../src/common/json-rpc";
import { createLogger } from "../../src/common/logger";
import { ChainChangedError } from "../../src/common/chain-identity";
import { refusal, rejectionName } from "../../src/common/outcomes";
import { ServiceLifecycle } from "../../src/common/service-main";
import type { ChannelsFixture } from "./fixtures";
import { useAliceAndBob } from "./fixtures";

const logger = createLogger({ level: "warn" });
const WINDOW = 600;

describe("ChannelParty's verbs without the peer, over JSON-RPC", function () {
  this.timeout(120_000);
  let f: ChannelsFixture;
  let stack: ChannelsStack;
  let alice: LocalPartySide;
  let bob: LocalPartySide;
  let server: RpcServer;
  let rpc: ChannelPartyClient;
  let nonce = 1n;

  const parties = useAliceAndBob("strata-channel-verbs-", logger);
  beforeEach(async () => {
    ({ f, stack, alice, bob } = parties());
    server = await serveChannelParty(alice.party, { logger });
    rpc = new ChannelPartyClient(server.url);
  });
  afterEach(async () => server.close());

  /** Alice (over her JSON-RPC) opens a channel with `peer`; resolves once the peer deposited its share. */
  async function open(
    allocations: Allocation[],
    peer: LocalPartySide = bob,
    options: { peerFunds?: boolean } = {},
  ): Promise<string> {
    const opened = await rpc.open({ address: peer.address, url: peer.peerUrl }, allocations, {
      nonce: nonce++,
      challengeDuration: WINDOW,
    });
    if ((options.peerFunds ?? true) && allocations.some((a) => a.balances[1] > 0n)) {
      await waitForEvent(
        peer.events,
        ofType("deposited", (e) => e.channelId === opened.channelId),
        { timeoutMs: 20_000, pollMs: 20 },
      );
    }
    return opened.channelId;
  }

  async function ethOf(address: string): Promise<bigint> {
    return ethers.provider.getBalance(address);
  }

  /** Layer-1 time moves `seconds` on; the parties' clock follows. */
  async function advance(seconds: number): Promise<void> {
    await time.increase(seconds);
    await stack.tick();
  }

  /** `send()` is refused with `reason` and Alice sent no Layer-1 transaction. */
  /** `send()` is refused with `reason`, and Alice sent no transaction (`send` is called once her count is read). */
  async function expectRefused(send: () => Promise<unknown>, reason: string): Promise<void> {
    const sent = await ethers.provider.getTransactionCount(f.alice.address);
    expect(await refusal(send())).to.equal(reason);
    expect(await ethers.provider.getTransactionCount(f.alice.address)).to.equal(sent);
  }

  describe("channel_register / channel_conclude", () => {
    it("with the peer gone, registers the latest state and, after the window, pays it out", async () => {
      const channelId = await open([{ asset: ETH, balances: [parseEther("3"), parseEther("1")] }]);
      await rpc.pay(channelId, parseEther("0.5"));
      const latest = await rpc.pay(channelId, parseEther("0.5"));
      await bob.stop(); // the peer is gone: no final state to close with
      expect(await rejectionName(rpc.close(channelId))).to.equal("TxRejectedError");

      const registered = await rpc.register(channelId);
      expect(registered).to.include({ channelId, version: 2n });
      const block = (await ethers.provider.getBlock(registered.block))!;
      expect(registered.finalizesAt).to.equal(BigInt(block.timestamp + WINDOW));
      expect(await rpc.status(channelId)).to.deep.include({
        phase: "challenged",
        version: 2n,
        finalizesAt: registered.finalizesAt,
      });
      await expectRefused(() => rpc.register(channelId), "ChallengeOngoingError");
      await expectRefused(() => rpc.conclude(channelId), "ChallengeOngoingError");
      await expectRefused(() => rpc.refute(channelId), "NothingToRefuteError");

      await advance(WINDOW);
      const [aliceBefore, bobBefore] = [await ethOf(f.alice.address), await ethOf(f.bob.address)];
      const concluded = await rpc.conclude(channelId);
      expect(concluded).to.deep.include({ channelId, version: 2n, pendingLocks: 0 });
      expect(concluded.state).to.deep.equal(latest.state);
      expect((await ethOf(f.alice.address)) - aliceBefore).to.equal(parseEther("2") - concluded.fee);
      expect((await ethOf(f.bob.address)) - bobBefore).to.equal(parseEther("2"));
      expect(await f.adjudicator.holdings(channelId, ETH)).to.equal(0n);
      expect((await rpc.status(channelId)).phase).to.equal("concluded");
      await expectRefused(() => rpc.register(channelId), "ChannelConcludedError");
      await expectRefused(() => rpc.conclude(channelId), "ChannelConcludedError");

      const events = (await readAllEvents(rpc.events)).events;
      expect(events.find((e) => e.type === "challengeRegistered")).to.deep.include({
        channelId,
        version: "2",
        finalizesAt: registered.finalizesAt.toString(),
        l1TxHash: registered.l1TxHash,
      });
      expect(events.at(-1)).to.deep.include({
        type: "channelConcluded",
        channelId,
        version: "2",
        pendingLocks: 0,
        l1TxHash: concluded.l1TxHash,
      });
    });

    it("refuses to register while the peer's deposit is missing with ChannelUnderfundedError", async () => {
      const carol = await stack.user("carol", f.carol, { fundJoined: false });
      const channelId = await open([{ asset: ETH, balances: [parseEther("1"), parseEther("1")] }], carol, {
        peerFunds: false,
      });
      expect(await f.adjudicator.holdings(channelId, ETH)).to.equal(parseEther("1"));
      await expectRefused(() => rpc.register(channelId), "ChannelUnderfundedError");
      expect((await rpc.status(channelId)).phase).to.equal("open");
    });

    it("refuses with NoChallengeError to conclude or refute what nobody registered", async () => {
      const channelId = await open([{ asset: ETH, balances: [parseEther("1"), parseEther("1")] }]);
      await expectRefused(() => rpc.conclude(channelId), "NoChallengeError");
      await expectRefused(() => rpc.refute(channelId), "NoChallengeError");
      await expectRefused(() => rpc.register(`0x${"ab".repeat(32)}`), "UnknownChannelError");
    });
  });

  describe("channel_refute", () => {
    /** Bob pays Alice 5 × 0.1 ETH keeping v1 (where he had 2.9), then registers v1. */
    async function staleRegistered(): Promise<string> {
      const channelId = await open([{ asset: ETH, balances: [parseEther("1"), parseEther("3")] }]);
      const cheat = new StaleStateParty(bob.party);
      const { newest } = await cheat.payKeepingFirst(channelId, 5, parseEther("0.1"));
      expect(newest.state.version).to.equal(5n);
      await waitForEvent(
        alice.events,
        ofType("stateSigned", (e) => e.version === "5"),
        {
          timeoutMs: 10_000,
          pollMs: 10,
        },
      );
      await cheat.registerStale(channelId);
      return channelId;
    }

    it("answers the peer's stale registration with the newer state; the conclusion pays by the newest", async () => {
      const channelId = await staleRegistered();
      await expectRefused(() => rpc.conclude(channelId), "ChallengeOngoingError");
      const refuted = await rpc.refute(channelId);
      expect(refuted).to.include({ channelId, registered: 1n, version: 5n });
      expect(await rpc.status(channelId)).to.deep.include({ phase: "challenged", version: 5n });
      await expectRefused(() => rpc.refute(channelId), "NothingToRefuteError");

      await advance(WINDOW);
      const [aliceBefore, bobBefore] = [await ethOf(f.alice.address), await ethOf(f.bob.address)];
      const concluded = await rpc.conclude(channelId);
      expect(concluded.version).to.equal(5n);
      expect((await ethOf(f.alice.address)) - aliceBefore).to.equal(parseEther("1.5") - concluded.fee);
      expect((await ethOf(f.bob.address)) - bobBefore).to.equal(parseEther("2.5"));
    });

    it("is refused with ChallengeExpiredError once the window closed; conclude then pays the stale state it reads back from Layer 1", async () => {
      const channelId = await staleRegistered();
      await advance(WINDOW);
      await expectRefused(() => rpc.refute(channelId), "ChallengeExpiredError");
      const bobBefore = await ethOf(f.bob.address);
      const concluded = await rpc.conclude(channelId); // v1, read from the registration's calldata
      expect(concluded.version).to.equal(1n);
      expect((await ethOf(f.bob.address)) - bobBefore).to.equal(parseEther("2.9"));
    });
  });

  describe("channel_unlock", () => {
    it("settles a lock to its receiver once its secret is revealed, and one past its deadline back to its sender", async () => {
      const channelId = await open([{ asset: ETH, balances: [parseEther("3"), parseEther("1")] }]);
      const now = await stack.tick();
      const [secretA, secretB] = [id("unlock test: A"), id("unlock test: B")];
      const lockA = { hashlock: keccak256(secretA), deadline: now + 3600n, amount: parseEther("0.5") };
      const lockB = { hashlock: keccak256(secretB), deadline: now + 1800n, amount: parseEther("0.25") };
      await rpc.lock(channelId, lockA);
      await rpc.lock(channelId, lockB);
      await bob.stop();
      await rpc.register(channelId);
      await advance(WINDOW);
      const bobBefore = await ethOf(f.bob.address);
      const concluded = await rpc.conclude(channelId);
      expect(concluded.pendingLocks).to.equal(2);
      expect((await ethOf(f.bob.address)) - bobBefore).to.equal(parseEther("1"));
      expect((await rpc.status(channelId)).phase).to.equal("concluded-with-locks");

      await expectRefused(() => rpc.unlock(channelId), "LocksPendingError");
      await expectRefused(() => rpc.unlock(channelId, [id("not a secret of it")]), "UnknownSecretError");

      const beforeA = await ethOf(f.bob.address);
      const unlockedA = await rpc.unlock(channelId, [secretA]);
      expect(unlockedA.revealed.map((r) => r.hashlock)).to.deep.equal([lockA.hashlock]);
      expect(unlockedA.settled).to.deep.equal([
        {
          hashlock: lockA.hashlock,
          paidTo: f.bob.address.toLowerCase(),
          asset: ETH,
          amount: parseEther("0.5"),
        },
      ]);
      expect(unlockedA.pending).to.equal(1);
      expect((await ethOf(f.bob.address)) - beforeA).to.equal(parseEther("0.5"));
      expect(await f.adjudicator.revealedAt(lockA.hashlock)).to.be.greaterThan(0n);

      await time.increaseTo(lockB.deadline + 1n);
      await expectRefused(() => rpc.unlock(channelId, [secretB]), "SecretTooLateError");
      const beforeB = await ethOf(f.alice.address);
      const unlockedB = await rpc.unlock(channelId);
      expect(unlockedB.settled).to.deep.equal([
        {
          hashlock: lockB.hashlock,
          paidTo: f.alice.address.toLowerCase(),
          asset: ETH,
          amount: parseEther("0.25"),
        },
      ]);
      expect(unlockedB.pending).to.equal(0);
      expect((await ethOf(f.alice.address)) - beforeB).to.equal(parseEther("0.25") - unlockedB.fee);
      expect(await ethers.provider.getBalance(f.adjudicator.target)).to.equal(0n);
      expect((await rpc.status(channelId)).phase).to.equal("concluded");
      await expectRefused(() => rpc.unlock(channelId), "NoPendingLocksError");
    });
  });

  describe("channel_withdraw", () => {
    it("pulls a payout the token refused to push, to another address; then there is nothing to withdraw", async () => {
      const token = (await f.refusingToken.getAddress()).toLowerCase();
      const channelId = await open([{ asset: token, balances: [parseEther("1"), parseEther("1")] }]);
      await rpc.pay(channelId, parseEther("0.25"));
      await expectRefused(() => rpc.withdraw(channelId), "NothingToWithdrawError");
      await (await f.refusingToken.setRefused(f.alice.address, true)).wait();
      await rpc.close(channelId);
      expect(await f.adjudicator.credits(token, f.alice.address)).to.equal(parseEther("0.75"));

      const carolBefore = await f.refusingToken.balanceOf(f.carol.address);
      const withdrawn = await rpc.withdraw(channelId, { to: f.carol.address });
      expect(withdrawn).to.have.length(1);
      expect(withdrawn[0]).to.include({
        asset: token,
        amount: parseEther("0.75"),
        to: f.carol.address.toLowerCase(),
      });
      expect((await f.refusingToken.balanceOf(f.carol.address)) - carolBefore).to.equal(parseEther("0.75"));
      expect(await f.adjudicator.credits(token, f.alice.address)).to.equal(0n);
      await expectRefused(() => rpc.withdraw(channelId), "NothingToWithdrawError");
      const events = (await readAllEvents(rpc.events)).events;
      expect(events.at(-1)).to.deep.include({
        type: "creditWithdrawn",
        channelId,
        asset: token,
        amount: parseEther("0.75").toString(),
        to: f.carol.address.toLowerCase(),
      });
    });
  });

  describe("channel_resume", () => {
    it("reconnects to the restarted peer at its new URL and the payments carry on", async () => {
      const channelId = await open([{ asset: ETH, balances: [parseEther("3"), parseEther("1")] }]);
      await rpc.pay(channelId, parseEther("0.5"));
      await bob.stop();
      expect(await refusal(rpc.pay(channelId, 1n))).to.equal("TransportClosedError");
      const restarted = await stack.user("bob", f.bob);
      expect(restarted.peerUrl).to.not.equal(bob.peerUrl);
      // The URL stored with the channel is the old one: nobody listens there any more.
      expect(await refusal(rpc.resume(channelId))).to.equal("TransportClosedError");

      const latest = await rpc.resume(channelId, restarted.peerUrl);
      expect(latest!.state.version).to.equal(1n);
      const paid = await rpc.pay(channelId, parseEther("0.5"));
      expect(paid.state.allocations[0].balances).to.deep.equal([parseEther("2"), parseEther("2")]);
      expect(await restarted.latest(channelId)).to.deep.equal(paid);
      expect(alice.party.store.get(channelId)!.peerUrl).to.equal(restarted.peerUrl);
      // Bob joined the channel: he knows no URL of Alice's to resume with.
      expect(await rejectionName(restarted.resume(channelId))).to.equal("PeerUrlUnknownError");
    });
  });

  describe("channel_open", () => {
    it("refuses before connecting or spending: itself as the peer, a zero challenge window, a deposit beyond its balance", async () => {
      const peer = { address: bob.address, url: bob.peerUrl };
      const eth = (mine: bigint) => [{ asset: ETH, balances: [mine, 0n] }];
      await expectRefused(
        () => rpc.open({ ...peer, address: alice.address }, eth(1n), { nonce: 1n, challengeDuration: 60 }),
        "InvalidPeerError",
      );
      await expectRefused(
        () => rpc.open(peer, eth(1n), { nonce: 1n, challengeDuration: 0 }),
        "ChallengeDurationError",
      );
      await expectRefused(
        () => rpc.open(peer, eth(parseEther("5000")), { nonce: 1n, challengeDuration: 60 }),
        "InsufficientFundsError",
      );
      expect(alice.party.store.all()).to.have.length(0);
      expect(bob.party.store.all()).to.have.length(0);
    });
  });

  describe("its service's phases (a ServiceLifecycle)", () => {
    it("refuses every call and its health by name once it halted (its chain changed), and still serves its events", async () => {
      const channelId = await open([{ asset: ETH, balances: [parseEther("1"), 0n] }]);
      const lifecycle = new ServiceLifecycle(CHANNEL_CLIENT_SERVICE, logger);
      const guarded = await serveChannelParty(alice.party, { logger, lifecycle });
      try {
        const client = new ChannelPartyClient(guarded.url);
        expect(await refusal(client.latest(channelId))).to.equal("Starting");

        lifecycle.serve();
        expect((await client.health()).status).to.equal("ok");
        expect((await client.latest(channelId))!.state.version).to.equal(0n);

        lifecycle.halt(new ChainChangedError("block 7 of localhost is 0x12… now (the node was reset)"));
        const sent = await ethers.provider.getTransactionCount(f.alice.address);
        for (const call of [
          () => client.health(),
          () => client.latest(channelId),
          () => client.pay(channelId, 1n),
          () => client.register(channelId),
          () => client.close(channelId),
        ]) {
          const error: TxRejectedError = await expect(call()).to.be.rejectedWith(TxRejectedError);
          expect(error.reason).to.equal("ChainChanged");
          expect(error.message).to.equal(
            "channel-client has halted: ChainChangedError: block 7 of localhost is 0x12… now (the node was reset)",
          );
        }
        expect(await ethers.provider.getTransactionCount(f.alice.address)).to.equal(sent);
        expect((await alice.party.latest(channelId))!.state.version).to.equal(0n); // nothing was paid
        const { events } = await readAllEvents(client.events);
        expect(events.map((e) => e.type)).to.include("deposited");
      } finally {
        await guarded.close();
      }
    });
  });

  it("answers -32602 for malformed params of the new verbs", async () => {
    const channelId = `0x${"ab".repeat(32)}`;
    for (const [method, params] of [
      ["channel_register", []],
      ["channel_unlock", [channelId, "0x12"]],
      ["channel_unlock", [channelId, ["0x12"]]],
      ["channel_withdraw", [channelId, "0x12"]],
      ["channel_resume", [channelId, "http://127.0.0.1:1"]],
      ["channel_status", ["0x12"]],
    ] as const) {
      const error = await expect(rpc.call(method, [...params])).to.be.rejectedWith(RpcError);
      expect(error.code, method).to.equal(-32602);
    }
  });
});
