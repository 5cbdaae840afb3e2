// The demo's channels flow, run silently on the in-process network (fewer payments than the demo), with its
// outcomes asserted (not just that it printed): the cooperative close pays exactly the final balances, the
// stale registration is refuted by the watchtower and the newest version concludes, the multi-hop lock
// pays Carol on B–C and Bob on A–B, and the invariants hold at the end.
import { expect } from "chai";
import { ZeroAddress, parseEther } from "ethers";
import { ethers } from "hardhat";
import { AdjudicatorClient } from "../../src/channels/adjudicator-client";
import { assertAdjudicatorSolvent } from "../../src/channels/invariants";
import { deploySuite } from "../../src/common/deploy-suite";
import type { ChannelsFlowResult } from "../../scripts/demo/channels-flow";
import { runChannelsFlow } from "../../scripts/demo/channels-flow";
import { Narrator } from "../../scripts/demo/narrator";

const PAYMENTS = 200;
const CHALLENGE_DURATION = 3_600;

describe("e2e: demo channels flow", function () {
  this.timeout(300_000);
  let result: ChannelsFlowResult;
  let adjudicator: AdjudicatorClient;
  let lines: string[];

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
    adjudicator = new AdjudicatorClient(deployment.contracts.Adjudicator, ethers.provider);
    lines = [];
    result = await runChannelsFlow(
      deployment,
      { alice, bob, carol, watchtower },
      new Narrator((line) => lines.push(line)),
      { payments: PAYMENTS, challengeDuration: CHALLENGE_DURATION },
    );
  });

  describe("open, pay, close", function () {
    it("refuses a retried deposit by the race guard", function () {
      expect(result.cooperative.retriedDepositRefused).to.equal("AdjudicatorUnexpectedHoldings");
    });

    it("makes every payment off-chain, co-signed and stored by both", function () {
      const { payments, finalVersion, storedVersion, bothHoldFinal } = result.cooperative;
      expect(payments.total).to.equal(PAYMENTS);
      expect(payments.aliceToBob + payments.bobToAlice).to.equal(PAYMENTS);
      expect(payments.perSecond).to.be.greaterThan(0);
      // v0 funds the channel, one version per payment, then the final state.
      expect(finalVersion).to.equal(BigInt(PAYMENTS + 1));
      expect(bothHoldFinal).to.equal(true);
      expect(storedVersion).to.deep.equal({ alice: finalVersion, bob: finalVersion });
    });

    it("pays each exactly the final balance in one close", function () {
      const { deposits, payments, finalBalances, paid, holdingsAfter } = result.cooperative;
      const moved =
        parseEther("0.002") * BigInt(payments.aliceToBob) - parseEther("0.001") * BigInt(payments.bobToAlice);
      expect(finalBalances).to.deep.equal({ alice: deposits.alice - moved, bob: deposits.bob + moved });
      expect(paid).to.deep.equal(finalBalances);
      expect(holdingsAfter).to.equal(0n);
    });
  });

  describe("a stale registration defeated by the watchtower", function () {
    it("registers Alice's old state, which pays her more than the newest", function () {
      const { stale, newest, registeredVersion } = result.staleClose;
      expect(registeredVersion).to.equal(1n);
      expect(stale.version).to.equal(1n);
      expect(stale.balances.alice).to.be.greaterThan(newest.balances.alice);
    });

    it("lets the watchtower, holding Bob's newest state, refute it", function () {
      const s = result.staleClose;
      expect(s.towerHeld).to.equal(s.newest.version);
      expect(s.decisions).to.deep.equal([
        { kind: "refute", channelId: s.channelId.toLowerCase(), registered: 1n, held: s.newest.version },
      ]);
      expect(s.laterDecisions.map((d) => d.kind)).to.deep.equal(["nothing-to-do"]);
      expect(s.registeredAfterRefute).to.equal(s.newest.version);
      expect(s.staleRefuteRefused).to.equal("AdjudicatorStaleVersion");
    });

    it("concludes the newest version and pays it", function () {
      const s = result.staleClose;
      expect(s.concludedVersion).to.equal(s.newest.version);
      expect(s.paid).to.deep.equal(s.newest.balances);
      expect(s.newest.balances).to.deep.equal({
        alice: s.deposits.alice - parseEther("0.05") * BigInt(s.payments),
        bob: s.deposits.bob + parseEther("0.05") * BigInt(s.payments),
      });
      expect(s.holdingsAfter).to.equal(0n);
    });
  });

  describe("a multi-hop payment settled on Layer 1", function () {
    it("locks with the earlier deadline on the later hop", function () {
      const m = result.multihop;
      expect(m.deadlines.bc).to.be.lessThan(m.deadlines.ab);
      expect(m.offChainSettleError).to.equal("TransportClosedError");
      expect(m.revealedAt).to.be.greaterThan(0n);
      expect(m.revealedAt).to.be.at.most(m.deadlines.bc);
    });

    it("pays Carol via the lock on B–C", function () {
      const { bc, amount } = result.multihop;
      expect(amount).to.equal(parseEther("0.3"));
      expect(bc.lockPaidTo).to.equal(result.accounts.carol);
      expect(bc.paidToCarol).to.equal(amount);
      expect(bc.paidToBob).to.equal(parseEther("2") - amount);
      expect(bc.holdingsAfter).to.equal(0n);
    });

    it("pays Bob via the lock on A–B, concluded before its deadline", function () {
      const { ab, amount, deadlines } = result.multihop;
      expect(ab.concludedAt).to.be.lessThan(deadlines.ab);
      expect(ab.lockPaidTo).to.equal(result.accounts.bob);
      expect(ab.paidToAlice).to.equal(parseEther("2") - amount);
      expect(ab.paidToBob).to.equal(parseEther("1") + amount);
      expect(ab.holdingsAfter).to.equal(0n);
    });
  });

  it("keeps the adjudicator solvent throughout and owes nothing at the end", async function () {
    expect(result.invariants.checks).to.be.greaterThan(10);
    expect(result.invariants.slack).to.equal(0n);
    const slack = await assertAdjudicatorSolvent(adjudicator, ethers.provider, {
      channelIds: result.channelIds,
      assets: [ZeroAddress],
      accounts: Object.values(result.accounts),
    });
    expect(slack.get(ZeroAddress)).to.equal(0n);
    expect(await ethers.provider.getBalance(adjudicator.address)).to.equal(0n);
    for (const id of result.channelIds) expect(await adjudicator.holdings(id, ZeroAddress)).to.equal(0n);
  });

  it("narrates every protocol verb, with gas on the Layer-1 steps", function () {
    const steps = lines.filter((line) => /^\s*\d+\. /.test(line));
    const verbs = steps.map((line) => /^\s*\d+\. (\S+)/.exec(line)![1]);
    for (const verb of [
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
    ]) {
      expect(verbs, verb).to.include(verb);
    }
    for (const verb of ["deposit", "close", "register", "refute", "conclude", "reveal", "unlock"]) {
      for (const line of steps.filter((l) => new RegExp(`^\\s*\\d+\\. ${verb} `).test(l))) {
        expect(line, line).to.match(/\[gas [\d,]+\]$/);
      }
    }
  });
});
