// What the demo's optimistic story (src/demo/optimistic.ts) must show wherever its operators run: in this
// process (test/e2e/demo-optimistic.test.ts) or as processes of their own
// (test/e2e/demo-services-optimistic.test.ts).
// Each function declares the shared tests of one part in the calling suite; each test file adds what only
// its variant shows.
import { expect } from "chai";
import type { Provider } from "ethers";
import { ZeroAddress, parseEther } from "ethers";
import { Bridge__factory } from "../../../typechain-types";
import { assertBridgeSolvent } from "../../../src/bridge/invariants";
import { ChainFollower } from "../../../src/optimistic/chain-follower";
import {
  assertBondsConserved,
  assertFinalBatchesValid,
  owedByRollup,
} from "../../../src/optimistic/invariants";
import { RollupClient } from "../../../src/optimistic/rollup-client";
import { Eip712Authorizer } from "../../../src/shared/authorizer";
import { L2Domain } from "../../../src/shared/eip712";
import type { Placement } from "../../../src/common/processes";
import type { OptimisticStoryResult } from "../../../src/demo/optimistic";
import { OPTIMISTIC_SERVICE_ACCOUNTS, runOptimisticDemo } from "../../../src/demo/optimistic";
import type { DemoStage } from "../../helpers/demo-services";
import { expectVerbsNarrated, recordNarration } from "./narration";

/** One run of the story, as its tests read it: the result, the narration, and the chain it ran on. */
export interface OptimisticDemoRun {
  result: OptimisticStoryResult;
  lines: string[];
  provider: Provider;
  rollup: RollupClient;
  bridgeAddress: string;
  /** The challenger's Layer-1 address. */
  challenger: string;
}

/** The protocol verbs the narration names wherever the operators run. */
export const NARRATED_VERBS = [
  "deposit",
  "commitBatch",
  "finalize",
  "finalizeWithdrawal",
  "challenge",
  "move",
  "step",
  "transfer",
  "withdraw",
  "sync",
];

/** Part 1: the sequencer's named refusals, the challenger's agreement, Bob paid once. */
export function shouldCompleteTheRoundTrip(run: () => OptimisticDemoRun): void {
  it("refuses the replay and the overdraft by name", function () {
    const { roundTrip } = run().result;
    expect(roundTrip.replayRefused).to.equal("Duplicate");
    expect(roundTrip.overdraftRefused).to.equal("InsufficientBalance");
  });

  it("lets the challenger agree with every honest batch and finalizes them", function () {
    const { roundTrip } = run().result;
    expect(roundTrip.batches).to.deep.equal([1, 2]);
    expect(roundTrip.verdicts).to.deep.equal(["valid", "valid"]);
    expect(roundTrip.gamesOpened).to.equal(0);
    expect(roundTrip.lastFinalized).to.equal(2);
  });

  it("pays Bob exactly his withdrawal, once", function () {
    const { roundTrip } = run().result;
    expect(roundTrip.withdrawal.amount).to.equal(parseEther("1.5"));
    expect(roundTrip.paidToBob).to.equal(parseEther("1.5"));
    expect(roundTrip.secondPayoutRefused).to.equal("BridgeWithdrawalAlreadyFinalized");
  });

  it("leaves Layer 2 and the escrow in step", function () {
    const { roundTrip } = run().result;
    expect(roundTrip.layer2).to.deep.equal({ alice: parseEther("3"), bob: parseEther("1.5") });
    expect(roundTrip.escrow).to.equal(parseEther("4.5"));
  });
}

/** Part 2: Mallory's lying batch bisected, proven false, removed, and her bond split. */
export function shouldDefeatTheFraud(run: () => OptimisticDemoRun): void {
  it("bisects Mallory's batch down to the step she lied at, which the challenger proves", function () {
    const { fraud } = run().result;
    expect(fraud.challengerVerdict).to.equal("invalid");
    expect(fraud.moves.map((m) => [m.mover, m.agree, m.lo, m.hi])).to.deep.equal([
      ["proposer", false, 0, 4],
      ["challenger", true, 2, 4],
      ["proposer", true, 3, 4],
    ]);
    expect(fraud.steppedAt).to.equal(fraud.lieAt);
    expect(fraud.winner).to.equal("challenger");
  });

  it("removes the lying batch", async function () {
    const { result, rollup } = run();
    expect(result.fraud.batchCountAfter).to.equal(result.fraud.batchIndex);
    expect(await rollup.contract.batchCount()).to.equal(BigInt(result.fraud.batchIndex));
  });

  it("splits Mallory's bond: half to the challenger (with its own bond back), half burned", async function () {
    const { result, rollup } = run();
    const { fraud } = result;
    const bond = (await rollup.config()).proposerBond;
    expect(fraud.bond).to.equal(bond);
    expect(fraud.challengerCredit).to.equal(bond + bond / 2n);
    expect(fraud.burned).to.equal(bond / 2n);
    expect(fraud.malloryCredit).to.equal(0n);
  });

  it("has the challenger send the step that proves the lie", function () {
    const { result, challenger } = run();
    expect(result.fraud.stepSentBy?.toLowerCase()).to.equal(challenger.toLowerCase());
  });

  it("has the challenger withdraw its credit: its own bond and half of Mallory's", async function () {
    const { rollup, challenger } = run();
    const c = rollup.contract;
    const bond = (await rollup.config()).proposerBond;
    expect(await c.credit(challenger)).to.equal(0n);
    const withdrawn = await c.queryFilter(c.filters.CreditWithdrawn(challenger));
    expect(withdrawn.map((log) => log.args.amount)).to.deep.equal([bond + bond / 2n]);
  });
}

/** The invariants at the end, read again from the chain. */
export function shouldEndWithTheInvariants(run: () => OptimisticDemoRun): void {
  it("ends with bonds conserved, every final batch valid and the bridge solvent", async function () {
    const { result, provider, rollup, bridgeAddress } = run();
    const { chainId } = await provider.getNetwork();
    const follower = await ChainFollower.create(
      rollup,
      provider,
      new Eip712Authorizer(new L2Domain(chainId, rollup.address)),
    );
    await follower.sync();
    assertFinalBatchesValid(follower);
    const bonds = await assertBondsConserved(rollup, provider);
    expect(bonds).to.deep.equal(result.bonds);
    const bridge = Bridge__factory.connect(bridgeAddress, provider);
    const owed = (await owedByRollup(follower, bridge)).get(0) ?? 0n;
    await assertBridgeSolvent(bridge, provider, {
      rollups: [rollup.address],
      tokens: [ZeroAddress],
      owed: () => owed,
    });
    expect(owed).to.equal(parseEther("4.51"));
    expect((await bridge.asset(rollup.address, ZeroAddress)).escrowed).to.equal(owed);
  });
}

/** Everything both variants show. */
export function shouldTellTheOptimisticStory(run: () => OptimisticDemoRun): void {
  describe("the honest round trip", function () {
    shouldCompleteTheRoundTrip(run);
  });

  describe("the defeated fraud", function () {
    shouldDefeatTheFraud(run);
  });

  shouldEndWithTheInvariants(run);

  it("narrates every protocol verb", function () {
    expectVerbsNarrated(run().lines, NARRATED_VERBS);
  });
}

/**
 * Declares the calling suite's hook that runs the demo's optimistic flow on `stage`, its operators placed by
 * `operators` (by default where the stage places them), and returns the run once the hook has run.
 */
export function useOptimisticDemo<S extends DemoStage>(
  stage: () => S,
  operators: (stage: S) => Promise<Placement> = async ({ placement }) => placement,
): () => OptimisticDemoRun {
  let demo: OptimisticDemoRun | undefined;
  before(async function () {
    const { provider, deployment, signers, allSigners } = stage();
    const { say, lines } = recordNarration();
    const placed = await operators(stage());
    const result = await runOptimisticDemo(deployment, provider, placed, await allSigners(), say);
    const [challenger] = await signers(OPTIMISTIC_SERVICE_ACCOUNTS.challenger);
    demo = {
      result,
      lines,
      provider,
      rollup: new RollupClient(deployment.contracts.OptimisticRollup, provider),
      bridgeAddress: deployment.contracts.Bridge,
      challenger: challenger.address,
    };
  });
  return () => demo!;
}
