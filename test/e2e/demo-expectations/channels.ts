// What the demo's channels story must show wherever Bob's client and his watchtower run: in this process
// (test/e2e/demo-channels.test.ts) or as processes of their own (test/e2e/demo-services-channels.test.ts).
// The story is one (src/demo/channels.ts), so its result is the same in both; each function declares the
// shared tests of one part in the calling suite, and each test file adds what only its variant shows.
import { expect } from "chai";
import type { Provider } from "ethers";
import { Wallet, ZeroAddress, parseEther } from "ethers";
import { AdjudicatorClient } from "../../../src/channels/adjudicator-client";
import { assertAdjudicatorSolvent } from "../../../src/channels/invariants";
import type { ChannelsStack } from "../../../src/channels/stack";
import { localAccountKey } from "../../../src/common/processes";
import type { ChannelsStoryOptions, ChannelsStoryResult } from "../../../src/demo/channels";
import { CHANNELS_SERVICE_ACCOUNTS, runChannelsStory } from "../../../src/demo/channels";
import type { DemoStage } from "../../helpers/demo-services";
import { expectGasNarrated, expectVerbsNarrated, recordNarration } from "./narration";

/** One run of the story, as its tests read it: the result, the narration, and the chain it ran on. */
export interface ChannelsDemoRun {
  result: ChannelsStoryResult;
  lines: string[];
  provider: Provider;
  adjudicator: AdjudicatorClient;
  /** The off-chain payments of part 1 the story was asked for. */
  payments: number;
}

/** Part 1: open, pay off-chain, close on Layer 1. */
export function shouldOpenPayAndClose(run: () => ChannelsDemoRun): void {
  it("refuses a retried deposit by the race guard", function () {
    expect(run().result.cooperative.retriedDepositRefused).to.equal("AdjudicatorUnexpectedHoldings");
  });

  it("lets Bob's client deposit its own share after Alice's", function () {
    expect(run().result.cooperative.depositGas).to.have.length(2);
  });

  it("makes every payment off-chain, co-signed and stored by both", function () {
    const { result, payments: asked } = run();
    const { payments, finalVersion, storedVersion, bothHoldFinal, fsyncs } = result.cooperative;
    expect(payments.total).to.equal(asked);
    // v0 funds the channel, one version per payment, then the final state.
    expect(finalVersion).to.equal(BigInt(asked + 1));
    expect(bothHoldFinal).to.equal(true);
    expect(storedVersion).to.deep.equal({ alice: finalVersion, bob: finalVersion });
    expect(fsyncs.alice).to.be.greaterThan(0);
    expect(fsyncs.bob).to.be.greaterThan(0);
  });

  it("counts each payment one way or the other (one in four from Bob), and how fast they went", function () {
    const { result, payments: asked } = run();
    const { payments } = result.cooperative;
    expect(payments.aliceToBob + payments.bobToAlice).to.equal(asked);
    expect(payments).to.include({
      aliceToBob: asked - Math.floor(asked / 4),
      bobToAlice: Math.floor(asked / 4),
    });
    expect(payments.perSecond).to.be.greaterThan(0);
  });

  it("pays each exactly the final balance in one close", function () {
    const { deposits, payments, finalBalances, paid, holdingsAfter } = run().result.cooperative;
    const moved =
      parseEther("0.002") * BigInt(payments.aliceToBob) - parseEther("0.001") * BigInt(payments.bobToAlice);
    expect(finalBalances).to.deep.equal({ alice: deposits.alice - moved, bob: deposits.bob + moved });
    expect(paid).to.deep.equal(finalBalances);
    expect(holdingsAfter).to.equal(0n);
  });
}

/** Part 2: Alice registers a stale state, Bob's watchtower refutes it, the newest concludes. */
export function shouldDefeatTheStaleRegistration(run: () => ChannelsDemoRun): void {
  it("registers Alice's old state, which pays her more than the newest", function () {
    const { stale, newest, registeredVersion } = run().result.staleClose;
    expect(registeredVersion).to.equal(1n);
    expect(stale.version).to.equal(1n);
    expect(stale.balances.alice).to.be.greaterThan(newest.balances.alice);
  });

  it("hands all of Bob's states to the watchtower from his client", function () {
    const s = run().result.staleClose;
    expect(s.newest.version).to.equal(BigInt(s.payments));
  });

  it("lets the watchtower, holding Bob's newest state, refute it", function () {
    const s = run().result.staleClose;
    expect(s.towerHeld).to.equal(s.newest.version);
    expect(s.registeredAfterRefute).to.equal(s.newest.version);
    expect(s.staleRefuteRefused).to.equal("AdjudicatorStaleVersion");
  });

  it("has the watchtower refute from its own account while Bob is offline", function () {
    const { result } = run();
    expect(result.staleClose.refutedBy).to.equal(result.accounts.watchtower);
    expect(result.staleClose.refuteGas).to.be.greaterThan(0n);
  });

  it("has the watchtower's round refute it, and its next round find nothing to do (from its events)", function () {
    const s = run().result.staleClose;
    expect(s.decisions).to.deep.equal([
      { kind: "refute", channelId: s.channelId.toLowerCase(), registered: 1n, held: s.newest.version },
    ]);
    expect(s.laterDecisions.map((d) => d.kind)).to.deep.equal(["nothing-to-do"]);
  });

  it("concludes the newest version and pays it", function () {
    const s = run().result.staleClose;
    expect(s.concludedVersion).to.equal(s.newest.version);
    expect(s.paid).to.deep.equal(s.newest.balances);
    expect(s.newest.balances).to.deep.equal({
      alice: s.deposits.alice - parseEther("0.05") * BigInt(s.payments),
      bob: s.deposits.bob + parseEther("0.05") * BigInt(s.payments),
    });
    expect(s.holdingsAfter).to.equal(0n);
  });
}

/** Part 3: A → B → C with one hashlock, settled on Layer 1 while Bob is silent. */
export function shouldSettleTheMultihopPayment(run: () => ChannelsDemoRun): void {
  it("locks with the earlier deadline on the later hop", function () {
    const m = run().result.multihop;
    expect(m.deadlines.bc).to.be.lessThan(m.deadlines.ab);
    expect(m.offChainSettleError).to.equal("TransportClosedError");
  });

  it("reveals the secret on Layer 1 before B–C's deadline", function () {
    const m = run().result.multihop;
    expect(m.revealedAt).to.be.greaterThan(0n);
    expect(m.revealedAt).to.be.at.most(m.deadlines.bc);
  });

  it("pays Carol via the lock on B–C", function () {
    const { result } = run();
    const { bc, amount } = result.multihop;
    expect(bc.lockPaidTo).to.equal(result.accounts.carol);
    expect(bc.paidToCarol).to.equal(amount);
    expect(bc.holdingsAfter).to.equal(0n);
  });

  it("pays each channel's other balance: Bob his on B–C, Alice hers on A–B", function () {
    const { ab, bc, amount } = run().result.multihop;
    expect(amount).to.equal(parseEther("0.3"));
    expect(bc.paidToBob).to.equal(parseEther("2") - amount);
    expect(ab.paidToAlice).to.equal(parseEther("2") - amount);
  });

  it("pays Bob via the lock on A–B, concluded before its deadline", function () {
    const { result } = run();
    const { ab, amount, deadlines } = result.multihop;
    expect(ab.concludedAt).to.be.lessThan(deadlines.ab);
    expect(ab.lockPaidTo).to.equal(result.accounts.bob);
    expect(ab.paidToBob).to.equal(parseEther("1") + amount);
    expect(ab.holdingsAfter).to.equal(0n);
  });
}

/** The solvency invariant, checked throughout and read again from the chain at the end. */
export function shouldKeepTheAdjudicatorSolvent(run: () => ChannelsDemoRun): void {
  it("keeps the adjudicator solvent throughout and owes nothing at the end", async function () {
    const { result, provider, adjudicator } = run();
    expect(result.invariants.checks).to.be.greaterThan(10);
    expect(result.invariants.slack).to.equal(0n);
    const slack = await assertAdjudicatorSolvent(adjudicator, provider, {
      channelIds: result.channelIds,
      assets: [ZeroAddress],
      accounts: Object.values(result.accounts),
    });
    expect(slack.get(ZeroAddress)).to.equal(0n);
    expect(await provider.getBalance(adjudicator.address)).to.equal(0n);
  });

  it("leaves every channel holding nothing", async function () {
    const { result, adjudicator } = run();
    expect(result.channelIds).to.have.length(4);
    for (const id of result.channelIds) expect(await adjudicator.holdings(id, ZeroAddress)).to.equal(0n);
  });
}

/** The narration: every protocol verb, with gas on the Layer-1 steps. */
export function shouldNarrateEveryStep(run: () => ChannelsDemoRun): void {
  it("narrates every protocol verb, with gas on the Layer-1 steps", function () {
    const { lines } = run();
    expectVerbsNarrated(lines, [
      "open",
      "deposit",
      "pay",
      "finalize",
      "close",
      "guard",
      "register",
      "refute",
      "conclude",
      "lock",
      "reveal",
      "unlock",
    ]);
    expectGasNarrated(lines, ["deposit", "close", "register", "refute", "conclude", "reveal", "unlock"]);
  });
}

/** Everything both variants show. */
export function shouldTellTheChannelsStory(run: () => ChannelsDemoRun): void {
  describe("open, pay, close", function () {
    shouldOpenPayAndClose(run);
  });
  describe("a stale registration defeated by the watchtower", function () {
    shouldDefeatTheStaleRegistration(run);
  });
  describe("a multi-hop payment settled on Layer 1", function () {
    shouldSettleTheMultihopPayment(run);
  });
  shouldKeepTheAdjudicatorSolvent(run);
  shouldNarrateEveryStep(run);
}

/** Where Bob's client and his watchtower ran, and that they ran with the service accounts. */
export function shouldRunWithTheServiceAccounts(
  run: () => ChannelsDemoRun,
  placement: ChannelsStoryResult["placement"],
): void {
  it(`runs Bob's client and his watchtower ${placement === "in-process" ? "in this process" : "as processes"}, with the service accounts`, function () {
    const { result } = run();
    expect(result.placement).to.equal(placement);
    const key = (i: number) => new Wallet(localAccountKey(i)).address;
    expect(result.accounts.bob).to.equal(key(CHANNELS_SERVICE_ACCOUNTS.bob));
    expect(result.accounts.watchtower).to.equal(key(CHANNELS_SERVICE_ACCOUNTS.watchtower));
  });
}

/**
 * Declares the calling suite's hook that runs the story on `stage` (Alice and Carol its accounts 3 and 6)
 * against the stack `start` starts, with `options`, stopping the stack after it; returns the run.
 */
export function useChannelsDemo<S extends DemoStage>(
  stage: () => S,
  start: (stage: S) => Promise<{ stack: ChannelsStack; stop(): Promise<void> }>,
  options: ChannelsStoryOptions & { payments: number },
): () => ChannelsDemoRun {
  let demo: ChannelsDemoRun | undefined;
  before(async function () {
    const { provider, deployment, signers } = stage();
    const [alice, carol] = await signers(3, 6);
    const { say, lines } = recordNarration();
    const { stack, stop } = await start(stage());
    try {
      const result = await runChannelsStory(stack, { alice, carol }, say, options);
      const adjudicator = new AdjudicatorClient(deployment.contracts.Adjudicator, provider);
      demo = { result, lines, provider, adjudicator, payments: options.payments };
    } finally {
      await stop();
    }
  });
  return () => demo!;
}
