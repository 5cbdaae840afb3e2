import { expect } from "chai";
import { ZeroAddress, parseEther } from "ethers";
import { ethers } from "hardhat";
import type { SignedState } from "../../src/channels/channel";
import type { OpenerFacts, OpenerPlan } from "../../src/channels/opener";
import { runOpener, validateOpenerPlan } from "../../src/channels/opener";
import { ChannelStore } from "../../src/channels/store";
import type { LocalPartySide } from "../../src/channels/stack";
import { ChannelsStack } from "../../src/channels/stack";
import type { ChannelState } from "../../src/channels/types";
import { ETH, MAX_CHALLENGE_DURATION, channelIdOf } from "../../src/channels/types";
import { ofType, readAllEvents, waitForEvent } from "../../src/common/events";
import { rejectionName } from "../../src/common/outcomes";
import { createLogger } from "../../src/common/logger";
import type { ChannelsFixture } from "./fixtures";
import { useAliceAndBob } from "./fixtures";

const logger = createLogger({ level: "warn" });
const ME = "0x00000000000000000000000000000000000000a1";
const PEER = "0x00000000000000000000000000000000000000b2";
const AMOUNT = parseEther("0.01");

/** A plan the checks accept: 10 payments of 0.01 ETH out of a 1 ETH deposit. */
function planOf(overrides: Partial<OpenerPlan> = {}): OpenerPlan {
  return {
    peer: { address: PEER, url: "ws://127.0.0.1:8548" },
    deposit: parseEther("1"),
    peerDeposit: parseEther("0.5"),
    payments: 10,
    amount: AMOUNT,
    challengeDuration: 3600,
    ...overrides,
  };
}

const FACTS: OpenerFacts = { address: ME, balance: parseEther("10"), feeReserve: parseEther("0.01") };

/** A stored latest state of the opener's channel with PEER: `version` payments made. */
function storedState(version: bigint, balances: [bigint, bigint]): SignedState {
  const state: ChannelState = {
    channelId: `0x${"11".repeat(32)}`,
    version,
    isFinal: false,
    allocations: [{ asset: ETH, balances }],
    locks: [],
    withdrawals: [],
  };
  return { state, sigs: [] };
}

function refusal(plan: OpenerPlan, facts: OpenerFacts = FACTS): string | undefined {
  try {
    validateOpenerPlan(plan, facts);
    return undefined;
  } catch (error) {
    return (error as Error).name;
  }
}

describe("validateOpenerPlan", () => {
  it("accepts a plan whose payments fit in the deposit and whose deposit the balance covers", () => {
    expect(refusal(planOf())).to.equal(undefined);
    expect(refusal(planOf({ payments: 100, peerDeposit: undefined }))).to.equal(undefined);
  });

  it("refuses a payment larger than the deposit, and payments that add up to more, with PlanExceedsDepositError", () => {
    expect(refusal(planOf({ payments: 1, amount: parseEther("2") }))).to.equal("PlanExceedsDepositError");
    expect(refusal(planOf({ payments: 101 }))).to.equal("PlanExceedsDepositError");
  });

  it("refuses a number of payments that is not a whole number from 1 with PaymentCountError", () => {
    for (const payments of [-5, 0, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2]) {
      expect(refusal(planOf({ payments })), String(payments)).to.equal("PaymentCountError");
    }
  });

  it("refuses amounts that are not positive with PlanAmountError", () => {
    expect(refusal(planOf({ amount: 0n }))).to.equal("PlanAmountError");
    expect(refusal(planOf({ amount: -1n }))).to.equal("PlanAmountError");
    expect(refusal(planOf({ deposit: 0n }))).to.equal("PlanAmountError");
    expect(refusal(planOf({ peerDeposit: -1n }))).to.equal("PlanAmountError");
  });

  it("refuses a peer that is not an address, is the zero address or is the opener itself, or a URL that is not ws://, with InvalidPeerError", () => {
    for (const peer of [
      { address: "0x1234", url: "ws://127.0.0.1:1" },
      { address: ZeroAddress, url: "ws://127.0.0.1:1" },
      { address: ME.toUpperCase().replace("0X", "0x"), url: "ws://127.0.0.1:1" },
      { address: PEER, url: "http://127.0.0.1:1" },
      { address: PEER, url: "not a url" },
    ]) {
      expect(refusal(planOf({ peer })), JSON.stringify(peer)).to.equal("InvalidPeerError");
    }
  });

  it("refuses a challenge duration the adjudicator would not take with ChallengeDurationError", () => {
    for (const challengeDuration of [0, -1, 1.5, MAX_CHALLENGE_DURATION + 1]) {
      expect(refusal(planOf({ challengeDuration })), String(challengeDuration)).to.equal(
        "ChallengeDurationError",
      );
    }
    expect(refusal(planOf({ challengeDuration: 1 }))).to.equal(undefined);
  });

  it("refuses a nonce beyond uint64 with InvalidNonceError", () => {
    expect(refusal(planOf({ nonce: 2n ** 64n }))).to.equal("InvalidNonceError");
  });

  it("refuses a deposit the balance does not cover with the fees with InsufficientFundsError", () => {
    expect(refusal(planOf(), { ...FACTS, balance: parseEther("1") })).to.equal("InsufficientFundsError");
    expect(refusal(planOf(), { ...FACTS, balance: parseEther("1.01") })).to.equal(undefined);
  });

  it("resuming: counts the payments already made, and needs no deposit once it landed", () => {
    const resuming = {
      channelId: `0x${"11".repeat(32)}`,
      latest: storedState(4n, [parseEther("0.96"), parseEther("0.54")]),
      funded: true,
    };
    // 6 payments left of 0.01 from 0.96: fine, and the balance need only cover the fees.
    expect(refusal(planOf(), { ...FACTS, balance: parseEther("0.01"), resuming })).to.equal(undefined);
    // Not funded yet: the deposit is still due.
    expect(
      refusal(planOf(), { ...FACTS, balance: parseEther("0.5"), resuming: { ...resuming, funded: false } }),
    ).to.equal("InsufficientFundsError");
    // 96 payments left of 0.01 from 0.96 fit exactly; 97 do not.
    expect(refusal(planOf({ payments: 100 }), { ...FACTS, resuming })).to.equal(undefined);
    const spent = { ...resuming, latest: storedState(4n, [parseEther("0.05"), parseEther("1.45")]) };
    expect(refusal(planOf(), { ...FACTS, resuming: spent })).to.equal("PlanExceedsDepositError");
  });

  it("resuming: refuses a plan that does not describe the stored channel with ResumeMismatchError", () => {
    const resuming = {
      channelId: `0x${"11".repeat(32)}`,
      latest: storedState(4n, [parseEther("1"), 0n]),
      funded: true,
    };
    expect(refusal(planOf(), { ...FACTS, resuming })).to.equal("ResumeMismatchError");
  });
});

describe("runOpener", function () {
  this.timeout(180_000);
  let f: ChannelsFixture;
  let stack: ChannelsStack;
  let alice: LocalPartySide;
  let bob: LocalPartySide;

  const parties = useAliceAndBob("strata-channel-opener-", logger);
  beforeEach(() => void ({ f, stack, alice, bob } = parties()));

  function plan(overrides: Partial<OpenerPlan> = {}): OpenerPlan {
    return planOf({ peer: { address: bob.address, url: bob.peerUrl }, ...overrides });
  }

  /** Every deposit the adjudicator took, in any channel. */
  async function deposits(): Promise<number> {
    return (await f.adjudicator.queryFilter(f.adjudicator.filters.Deposited())).length;
  }

  async function expectNothingSpent(run: Promise<unknown>, name: string): Promise<void> {
    const nonce = await ethers.provider.getTransactionCount(f.alice.address);
    const balance = await ethers.provider.getBalance(f.alice.address);
    expect(await rejectionName(run)).to.equal(name);
    expect(await ethers.provider.getTransactionCount(f.alice.address)).to.equal(nonce);
    expect(await ethers.provider.getBalance(f.alice.address)).to.equal(balance);
    expect(alice.party.store.all()).to.have.length(0);
    expect(await deposits()).to.equal(0);
  }

  it("opens, funds, pays N and closes cooperatively: each is paid what the final state says", async () => {
    const bobBefore = await ethers.provider.getBalance(f.bob.address);
    const result = await runOpener(alice.party, plan(), logger);
    expect(result).to.include({ resumed: false, paid: 10 });
    expect(result.closed.final.state).to.include({ version: 11n, isFinal: true });
    expect(result.closed.final.state.allocations[0].balances).to.deep.equal([
      parseEther("0.9"),
      parseEther("0.6"),
    ]);
    expect(await f.adjudicator.holdings(result.channelId, ETH)).to.equal(0n);
    const bobFees = (await readAllEvents(bob.events)).events
      .filter((e) => e.type === "deposited")
      .map((e) => e as { l1TxHash: string });
    let fee = 0n;
    for (const d of bobFees) fee += (await ethers.provider.getTransactionReceipt(d.l1TxHash))!.fee;
    expect((await ethers.provider.getBalance(f.bob.address)) - bobBefore).to.equal(parseEther("0.1") - fee);
  });

  it("refuses a payment larger than the deposit before any Layer-1 transaction", async () => {
    await expectNothingSpent(
      runOpener(alice.party, plan({ payments: 1, amount: parseEther("2") }), logger),
      "PlanExceedsDepositError",
    );
  });

  it("refuses payments=-5 before any Layer-1 transaction", async () => {
    await expectNothingSpent(runOpener(alice.party, plan({ payments: -5 }), logger), "PaymentCountError");
  });

  it("refuses a deposit beyond the opener's balance, and itself as the peer, before any Layer-1 transaction", async () => {
    await expectNothingSpent(
      runOpener(alice.party, plan({ deposit: parseEther("5000"), payments: 1 }), logger),
      "InsufficientFundsError",
    );
    await expectNothingSpent(
      runOpener(alice.party, plan({ peer: { address: alice.address, url: bob.peerUrl } }), logger),
      "InvalidPeerError",
    );
  });

  it("after a crash mid-payments, a new opener on the same store continues that channel and closes it; nothing new is funded", async () => {
    const plan600 = plan({ payments: 600, amount: parseEther("0.001") });
    let crashed: Promise<void> | undefined;
    alice.party.events.subscribe((e) => {
      if (e.type === "paymentSent" && BigInt(e.version) >= 250n) crashed ??= alice.kill(); // the process goes away mid-payments
    });
    const first = rejectionName(runOpener(alice.party, plan600, logger));
    await waitForEvent(
      alice.events,
      ofType("paymentSent", (e) => BigInt(e.version) >= 250n),
      {
        timeoutMs: 60_000,
        pollMs: 5,
      },
    );
    await crashed;
    const crashedWith = await first;
    expect(crashedWith).to.be.oneOf(["TransportClosedError", "StoreError", "JournalError"]);
    const [stored] = (await readStored(alice.storePath)).filter((c) => c.latest);
    const channelId = stored.id;
    expect(await f.adjudicator.holdings(channelId, ETH)).to.equal(parseEther("1.5"));
    expect(await deposits()).to.equal(2);

    const restarted = await stack.user("alice", f.alice);
    const result = await runOpener(restarted.party, plan600, logger);
    expect(result.channelId).to.equal(channelId);
    expect(result.resumed).to.equal(true);
    expect(result.paid).to.be.lessThan(600 - 250);
    expect(restarted.party.store.all()).to.have.length(1);
    // 600 payments in all, across both runs; closed on chain; no other deposit made.
    expect(result.closed.final.state.allocations[0].balances).to.deep.equal([
      parseEther("0.4"),
      parseEther("1.1"),
    ]);
    expect(await f.adjudicator.holdings(channelId, ETH)).to.equal(0n);
    expect(await f.adjudicator.isConcluded(channelId, ETH)).to.equal(true);
    expect(await deposits()).to.equal(2);
    const resumed = (await readAllEvents(restarted.events)).events.find((e) => e.type === "channelResumed");
    expect(resumed).to.deep.include({ channelId, peerUrl: bob.peerUrl });
  });

  it("resumes a channel co-signed before its deposit landed: deposits once and carries on", async () => {
    // A crash between the peer's co-signature of v0 and the opener's deposit.
    const params = { participants: [alice.address, bob.address], nonce: 7n, challengeDuration: 3600 };
    const link = await alice.party.client.connect(bob.peerUrl);
    await alice.party.client.open(
      link,
      params,
      [{ asset: ETH, balances: [parseEther("1"), parseEther("0.5")] }],
      {
        peerUrl: bob.peerUrl,
      },
    );
    await alice.kill();
    const channelId = channelIdOf(params).toLowerCase();
    expect(await f.adjudicator.holdings(channelId, ETH)).to.equal(0n);

    const restarted = await stack.user("alice", f.alice);
    const result = await runOpener(restarted.party, plan(), logger);
    expect(result).to.include({ channelId, resumed: true, paid: 10 });
    const held = await f.adjudicator.queryFilter(f.adjudicator.filters.Deposited(channelId));
    expect(held.map((e) => e.args.held)).to.deep.equal([parseEther("1"), parseEther("1.5")]);
    expect(result.closed.final.state.allocations[0].balances).to.deep.equal([
      parseEther("0.9"),
      parseEther("0.6"),
    ]);
  });

  it("refuses to open a second channel while the store holds an open one funded otherwise, naming it", async () => {
    const first = await alice.open(
      { address: bob.address, url: bob.peerUrl },
      [{ asset: ETH, balances: [parseEther("2"), 0n] }],
      {
        nonce: 1n,
        challengeDuration: 3600,
      },
    );
    const before = await deposits();
    const error = await runOpener(alice.party, plan(), logger).catch((e: Error) => e);
    expect(error).to.have.property("name", "ResumeMismatchError");
    expect((error as Error).message).to.contain(first.channelId);
    expect(await deposits()).to.equal(before);
  });

  it("passes over a channel it already closed and opens a new one", async () => {
    const first = await runOpener(alice.party, plan({ payments: 2 }), logger);
    const second = await runOpener(alice.party, plan({ payments: 3, nonce: 99n }), logger);
    expect(second.resumed).to.equal(false);
    expect(second.channelId).to.not.equal(first.channelId);
    expect(second.paid).to.equal(3);
    expect(alice.party.store.all()).to.have.length(2);
  });
});

async function readStored(path: string) {
  const store = await ChannelStore.open(path);
  try {
    return store.all();
  } finally {
    await store.close();
  }
}
