// The demo's channels flow, run silently on the in-process network (fewer payments than the demo), with its
// outcomes asserted (not just that it printed): the cooperative close pays exactly the final balances, the
// stale registration is refuted by the watchtower and the newest version concludes, the multi-hop lock
// pays Carol on B–C and Bob on A–B, and the invariants hold at the end.
import { expect } from "chai";
import { ZeroAddress, parseEther } from "ethers";
import { ethers } from "hardhat";
import { AdjudicatorClient } from "../../src/channels/adjudicator-client";
import { deploySuite } from "../../src/common/deploy-suite";
import type { ChannelsFlowResult } from "../../scripts/demo/channels-flow";
import { runChannelsFlow } from "../../scripts/demo/channels-flow";
import * as channels from "./demo-expectations/channels";
import { recordNarration } from "./demo-expectations/narration";

const PAYMENTS = 200;
const CHALLENGE_DURATION = 3_600;

describe("e2e: demo channels flow", function () {
  this.timeout(300_000);
  let demo: channels.ChannelsDemoRun<ChannelsFlowResult>;

  before(async function () {
    const signers = await ethers.getSigners();
    const [owner, alice, bob, carol, watchtower] = [
      signers[0],
      signers[3],
      signers[4],
      signers[6],
      signers[7],
    ];
    const deployment = await deploySuite(owner, { network: "hardhat", local: true });
    const { say, lines } = recordNarration();
    const result = await runChannelsFlow(deployment, { alice, bob, carol, watchtower }, say, {
      payments: PAYMENTS,
      challengeDuration: CHALLENGE_DURATION,
    });
    demo = {
      result,
      lines,
      provider: ethers.provider,
      adjudicator: new AdjudicatorClient(deployment.contracts.Adjudicator, ethers.provider),
      payments: PAYMENTS,
    };
  });

  describe("open, pay, close", function () {
    channels.shouldOpenPayAndClose(() => demo);

    it("counts each payment one way or the other, and how fast they went", function () {
      const { payments } = demo.result.cooperative;
      expect(payments.aliceToBob + payments.bobToAlice).to.equal(PAYMENTS);
      expect(payments.perSecond).to.be.greaterThan(0);
    });
  });

  describe("a stale registration defeated by the watchtower", function () {
    channels.shouldDefeatTheStaleRegistration(() => demo);

    it("registers the state Alice kept: v1", function () {
      expect(demo.result.staleClose.stale.version).to.equal(1n);
    });

    it("has the watchtower's round refute it, and its next round find nothing to do", function () {
      const s = demo.result.staleClose;
      expect(s.decisions).to.deep.equal([
        { kind: "refute", channelId: s.channelId.toLowerCase(), registered: 1n, held: s.newest.version },
      ]);
      expect(s.laterDecisions.map((d) => d.kind)).to.deep.equal(["nothing-to-do"]);
    });
  });

  describe("a multi-hop payment settled on Layer 1", function () {
    channels.shouldSettleTheMultihopPayment(() => demo);

    it("reveals the secret on Layer 1 before B–C's deadline", function () {
      const m = demo.result.multihop;
      expect(m.revealedAt).to.be.greaterThan(0n);
      expect(m.revealedAt).to.be.at.most(m.deadlines.bc);
    });

    it("pays each channel's other balance: Bob his on B–C, Alice hers on A–B", function () {
      const { ab, bc, amount } = demo.result.multihop;
      expect(amount).to.equal(parseEther("0.3"));
      expect(bc.paidToBob).to.equal(parseEther("2") - amount);
      expect(ab.paidToAlice).to.equal(parseEther("2") - amount);
    });
  });

  channels.shouldKeepTheAdjudicatorSolvent(() => demo);

  it("leaves every channel holding nothing", async function () {
    for (const id of demo.result.channelIds) {
      expect(await demo.adjudicator.holdings(id, ZeroAddress)).to.equal(0n);
    }
  });

  channels.shouldNarrateEveryStep(() => demo);
});
