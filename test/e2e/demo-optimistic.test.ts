// The demo's optimistic flow, run silently on the in-process network, with its outcomes asserted (not
// just that it printed): the honest round trip pays Bob once, the fraud is removed and paid for, and the
// invariants hold at the end.
import { expect } from "chai";
import { ZeroAddress, parseEther } from "ethers";
import { ethers } from "hardhat";
import { Bridge__factory } from "../../typechain-types";
import { assertBridgeSolvent } from "../../src/bridge/invariants";
import { deploySuite } from "../../src/common/deploy-suite";
import { ChainFollower } from "../../src/optimistic/chain-follower";
import { assertBondsConserved, assertFinalBatchesValid, owedByRollup } from "../../src/optimistic/invariants";
import { RollupClient } from "../../src/optimistic/rollup-client";
import { Eip712Authorizer } from "../../src/shared/authorizer";
import { L2Domain } from "../../src/shared/eip712";
import { Narrator } from "../../scripts/demo/narrator";
import type { OptimisticFlowResult } from "../../scripts/demo/optimistic-flow";
import { runOptimisticFlow } from "../../scripts/demo/optimistic-flow";

describe("e2e: demo optimistic flow", function () {
  let result: OptimisticFlowResult;
  let rollup: RollupClient;
  let bridgeAddress: string;
  let lines: string[];

  before(async function () {
    const [owner, sequencer, challenger, alice, bob, mallory] = await ethers.getSigners();
    const deployment = await deploySuite(owner, { network: "hardhat", local: true });
    rollup = new RollupClient(deployment.contracts.OptimisticRollup, owner);
    bridgeAddress = deployment.contracts.Bridge;
    lines = [];
    result = await runOptimisticFlow(
      deployment,
      { owner, sequencer, challenger, alice, bob, mallory },
      new Narrator((line) => lines.push(line)),
    );
  });

  describe("the honest round trip", function () {
    it("refuses the replay and the overdraft by name", function () {
      expect(result.roundTrip.replayRefused).to.equal("Duplicate");
      expect(result.roundTrip.overdraftRefused).to.equal("InsufficientBalance");
    });

    it("lets the challenger agree with every honest batch and finalizes them", function () {
      expect(result.roundTrip.batches).to.deep.equal([1, 2]);
      expect(result.roundTrip.verdicts).to.deep.equal(["valid", "valid"]);
      expect(result.roundTrip.gamesOpened).to.equal(0);
      expect(result.roundTrip.lastFinalized).to.equal(2);
    });

    it("pays Bob exactly his withdrawal, once", function () {
      expect(result.roundTrip.withdrawal.amount).to.equal(parseEther("1.5"));
      expect(result.roundTrip.paidToBob).to.equal(parseEther("1.5"));
      expect(result.roundTrip.secondPayoutRefused).to.equal("BridgeWithdrawalAlreadyFinalized");
    });

    it("leaves Layer 2 and the escrow in step", function () {
      expect(result.roundTrip.layer2).to.deep.equal({ alice: parseEther("3"), bob: parseEther("1.5") });
      expect(result.roundTrip.escrow).to.equal(parseEther("4.5"));
    });
  });

  describe("the defeated fraud", function () {
    it("bisects Mallory's batch down to the step she lied at, which the challenger proves", function () {
      const { fraud } = result;
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
      expect(result.fraud.batchCountAfter).to.equal(result.fraud.batchIndex);
      expect(await rollup.contract.batchCount()).to.equal(BigInt(result.fraud.batchIndex));
    });

    it("splits Mallory's bond: half to the challenger (with its own bond back), half burned", async function () {
      const { fraud } = result;
      const bond = (await rollup.config()).proposerBond;
      expect(fraud.bond).to.equal(bond);
      expect(fraud.challengerCredit).to.equal(bond + bond / 2n);
      expect(fraud.burned).to.equal(bond / 2n);
      expect(fraud.malloryCredit).to.equal(0n);
    });
  });

  it("ends with bonds conserved, every final batch valid and the bridge solvent", async function () {
    const follower = await ChainFollower.create(
      rollup,
      ethers.provider,
      new Eip712Authorizer(new L2Domain((await ethers.provider.getNetwork()).chainId, rollup.address)),
    );
    await follower.sync();
    assertFinalBatchesValid(follower);
    const bonds = await assertBondsConserved(rollup, ethers.provider);
    expect(bonds).to.deep.equal(result.bonds);
    const bridge = Bridge__factory.connect(bridgeAddress, ethers.provider);
    const owed = (await owedByRollup(follower, bridge)).get(0) ?? 0n;
    await assertBridgeSolvent(bridge, ethers.provider, {
      rollups: [rollup.address],
      tokens: [ZeroAddress],
      owed: () => owed,
    });
    expect(owed).to.equal(parseEther("4.51"));
    expect((await bridge.asset(rollup.address, ZeroAddress)).escrowed).to.equal(owed);
  });

  it("narrates every protocol verb", function () {
    const verbs = lines.map((line) => /^\s*\d+\. (\S+)/.exec(line)?.[1]).filter(Boolean);
    for (const verb of [
      "deposit",
      "commitBatch",
      "finalize",
      "finalizeWithdrawal",
      "challenge",
      "move",
      "step",
    ]) {
      expect(verbs, verb).to.include(verb);
    }
  });
});
