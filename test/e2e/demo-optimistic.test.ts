// The demo's optimistic flow, run silently on the in-process network, with its outcomes asserted (not
// just that it printed): the honest round trip pays Bob once, the fraud is removed and paid for, and the
// invariants hold at the end.
import { ethers } from "hardhat";
import { deploySuite } from "../../src/common/deploy-suite";
import { RollupClient } from "../../src/optimistic/rollup-client";
import { runOptimisticFlow } from "../../scripts/demo/optimistic-flow";
import { expectVerbsNarrated, recordNarration } from "./demo-expectations/narration";
import * as optimistic from "./demo-expectations/optimistic";

describe("e2e: demo optimistic flow", function () {
  let demo: optimistic.OptimisticDemoRun;

  before(async function () {
    const [owner, sequencer, challenger, alice, bob, mallory] = await ethers.getSigners();
    const deployment = await deploySuite(owner, { network: "hardhat", local: true });
    const { say, lines } = recordNarration();
    const result = await runOptimisticFlow(
      deployment,
      { owner, sequencer, challenger, alice, bob, mallory },
      say,
    );
    demo = {
      result,
      lines,
      provider: ethers.provider,
      rollup: new RollupClient(deployment.contracts.OptimisticRollup, owner),
      bridgeAddress: deployment.contracts.Bridge,
    };
  });

  describe("the honest round trip", function () {
    optimistic.shouldCompleteTheRoundTrip(() => demo);
  });

  describe("the defeated fraud", function () {
    optimistic.shouldDefeatTheFraud(() => demo);
  });

  optimistic.shouldEndWithTheInvariants(() => demo);

  it("narrates every protocol verb", function () {
    expectVerbsNarrated(demo.lines, optimistic.NARRATED_VERBS);
  });
});
