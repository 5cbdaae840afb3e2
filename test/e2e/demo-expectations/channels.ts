// What the demo's channels flow must show wherever Bob's client and his watchtower run: in this process
// (test/e2e/demo-channels.test.ts) or as processes of their own (test/e2e/demo-services-channels.test.ts).
// Each function declares the shared tests of one part in the calling suite; each test file adds what only
// its variant shows.
import { expect } from "chai";
import type { Provider } from "ethers";
import { ZeroAddress, parseEther } from "ethers";
import type { AdjudicatorClient } from "../../../src/channels/adjudicator-client";
import { assertAdjudicatorSolvent } from "../../../src/channels/invariants";
import type {
  ChannelsFlowResult,
  CooperativeResult,
  StaleCloseResult,
} from "../../../scripts/demo/channels-flow";
import { expectGasNarrated, expectVerbsNarrated } from "./narration";

/**
 * What both variants' results hold: the services' names the services' accounts too, and has neither Bob's
 * fsyncs nor the watchtower's decisions (those are the processes').
 */
export type ChannelsDemoResult = Omit<ChannelsFlowResult, "cooperative" | "staleClose"> & {
  cooperative: Omit<CooperativeResult, "fsyncs">;
  staleClose: Omit<StaleCloseResult, "decisions" | "laterDecisions">;
};

/** One run of the flow, as its tests read it: the result, the narration, and the chain it ran on. */
export interface ChannelsDemoRun<Result extends ChannelsDemoResult = ChannelsDemoResult> {
  result: Result;
  lines: string[];
  provider: Provider;
  adjudicator: AdjudicatorClient;
  /** The off-chain payments of part 1 the flow was asked for. */
  payments: number;
}

/** Part 1: open, pay off-chain, close on Layer 1. */
export function shouldOpenPayAndClose(run: () => ChannelsDemoRun): void {
  it("refuses a retried deposit by the race guard", function () {
    expect(run().result.cooperative.retriedDepositRefused).to.equal("AdjudicatorUnexpectedHoldings");
  });

  it("makes every payment off-chain, co-signed and stored by both", function () {
    const { result, payments: asked } = run();
    const { payments, finalVersion, storedVersion, bothHoldFinal } = result.cooperative;
    expect(payments.total).to.equal(asked);
    // v0 funds the channel, one version per payment, then the final state.
    expect(finalVersion).to.equal(BigInt(asked + 1));
    expect(bothHoldFinal).to.equal(true);
    expect(storedVersion).to.deep.equal({ alice: finalVersion, bob: finalVersion });
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
    expect(stale.balances.alice).to.be.greaterThan(newest.balances.alice);
  });

  it("lets the watchtower, holding Bob's newest state, refute it", function () {
    const s = run().result.staleClose;
    expect(s.towerHeld).to.equal(s.newest.version);
    expect(s.registeredAfterRefute).to.equal(s.newest.version);
    expect(s.staleRefuteRefused).to.equal("AdjudicatorStaleVersion");
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

  it("pays Carol via the lock on B–C", function () {
    const { result } = run();
    const { bc, amount } = result.multihop;
    expect(bc.lockPaidTo).to.equal(result.accounts.carol);
    expect(bc.paidToCarol).to.equal(amount);
    expect(bc.holdingsAfter).to.equal(0n);
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
