// The demo's sidechain story (src/demo/sidechain.ts), run silently with Layer 1 the in-process Hardhat
// network and the sidechain its own Anvil node (started and stopped by the flow), the four validators and
// the Layer 3's operators in this process, with its outcomes asserted (not just that it printed): Alice's
// ETH reaches Layer 3 and comes back to Layer 1 once, the escrow backs every sETH until more than 2/3 of
// the stake steal it while the honest validator can only raise the alarm, the same lie on the optimistic
// rollup is removed and its bond lost, 2 of 4 are refused and an equivocator is slashed.
import { existsSync } from "node:fs";
import { expect } from "chai";
import { ZeroAddress, parseEther } from "ethers";
import { ethers } from "hardhat";
import { Bridge__factory } from "../../typechain-types";
import { ANVIL } from "../../src/common/processes";
import type { SidechainFlowResult } from "../../src/demo/sidechain";
import { runSidechainDemo } from "../../src/demo/sidechain";
import { LOCAL_VALIDATOR_STAKE } from "../../src/sidechain/bootstrap";
import { SidechainClient } from "../../src/sidechain/sidechain-client";
import { useInProcessStage } from "../helpers/demo-services";
import { expectGasNarrated, expectVerbsNarrated, recordNarration } from "./demo-expectations/narration";

describe("e2e: demo sidechain flow (Layer 1 → sidechain → Layer 3 and back; the quorum theft)", function () {
  this.timeout(180_000);
  const stage = useInProcessStage();
  let result: SidechainFlowResult;
  let lines: string[];

  before(async function () {
    // Anvil (the sidechain's node) comes from an optional dependency that npm installs on Linux x64 only.
    if (!existsSync(ANVIL)) this.skip();
    const { deployment, provider, placement } = stage();
    const narration = recordNarration();
    lines = narration.lines;
    result = (await runSidechainDemo(
      deployment,
      provider,
      placement,
      await stage().allSigners(),
      narration.say,
    ))!;
  });

  describe("part 1: Layer 1 → sidechain → Layer 3 and back", function () {
    it("stakes four validators and mints Alice's deposit once more than 2/3 of them signed", function () {
      const { roundTrip } = result;
      expect(roundTrip.validators).to.have.length(4);
      expect(roundTrip.validatorsPlacement).to.equal("in-process");
      expect(roundTrip.totalStake).to.equal(4n * LOCAL_VALIDATOR_STAKE);
      expect(roundTrip.minted).to.equal(parseEther("2"));
      expect(roundTrip.stateSyncSigners).to.equal(3);
    });

    it("pays Bob on the sidechain, and on Layer 3", function () {
      expect(result.roundTrip.sidechain).to.deep.equal({ alice: parseEther("1.5"), bob: parseEther("0.5") });
      expect(result.roundTrip.layer3).to.deep.include({
        tokenId: 1,
        alice: parseEther("0.75"),
        bob: parseEther("0.35"),
      });
    });

    it("pays the Layer-3 withdrawal on the sidechain after the window, once", function () {
      const { layer3 } = result.roundTrip;
      expect(layer3.earlyPayoutRefused).to.equal("WalletWithdrawalNotFinalError");
      expect(layer3.paidOnSidechain).to.equal(parseEther("0.5"));
      expect(layer3.secondPayoutRefused).to.equal("WalletWithdrawalAlreadyPaidError");
    });

    it("pays the burn on Layer 1 once a checkpoint signed by 3 of 4 covers it, once", async function () {
      const { roundTrip } = result;
      expect(roundTrip.burned).to.equal(parseEther("0.5"));
      expect(roundTrip.notCheckpointedRefused).to.equal("BurnNotCheckpointedError");
      expect(roundTrip.checkpointSigners).to.equal(3);
      expect(roundTrip.paidOnLayer1).to.equal(parseEther("0.5"));
      expect(roundTrip.secondExitRefused).to.equal("BridgeWithdrawalAlreadyFinalized");
      // The escrow backs exactly the sETH left: Alice's 0.5, Bob's 0.4, the Layer-3 bridge's 0.6.
      expect(roundTrip.backing).to.deep.equal({ escrow: parseEther("1.5"), supply: parseEther("1.5") });
    });

    it("measures every hop; the exit from Layer 3 is the sum of both", function () {
      const t = result.roundTrip.times;
      expect(t.layer3ToLayer1).to.equal(t.layer3ToSidechain + t.sidechainToLayer1);
      for (const ms of Object.values(t)) expect(ms).to.be.greaterThan(0);
    });
  });

  describe("part 2: the line between a sidechain and a rollup", function () {
    it("lets three of four validators (3/4 of the stake) take the whole escrow with a burn that never happened", async function () {
      const { theft } = result;
      expect(theft.coalition).to.deep.equal(result.roundTrip.validators.slice(0, 3));
      expect([theft.signedStake, theft.totalStake]).to.deep.equal([parseEther("30"), parseEther("40")]);
      expect(theft.stolen).to.equal(parseEther("1.5"));
      expect(theft.thiefPaid).to.equal(parseEther("1.5"));
      expect(theft.backingAfter).to.deep.equal({ escrow: 0n, supply: parseEther("1.5") });
    });

    it("leaves the honest validator only its alarm", function () {
      const { alarm } = result.theft;
      expect(alarm.accepted).to.not.equal(alarm.computed);
      expect(alarm.number).to.be.greaterThan(result.roundTrip.checkpointNumber);
    });

    it("removes the same lie on the optimistic rollup, Mallory's bond lost, the escrow untouched", function () {
      const { rollupLie } = result;
      expect(rollupLie.claimed).to.equal(result.theft.stolen);
      expect(rollupLie.winner).to.equal("challenger");
      expect(rollupLie.byStep, "ended by the one-step proof").to.equal(true);
      expect(rollupLie.removed).to.equal(true);
      expect(rollupLie.malloryCredit).to.equal(0n);
      expect(rollupLie.challengerCredit).to.equal(rollupLie.bond + rollupLie.bond / 2n);
      expect(rollupLie.burned).to.equal(rollupLie.bond / 2n);
      expect(rollupLie.escrowAfter).to.equal(rollupLie.escrowBefore);
    });

    it("refuses two of four (exactly 1/2 of the stake) by name", function () {
      expect(result.minority).to.deep.equal({
        refused: "SidechainQuorumNotReached",
        signedStake: parseEther("20"),
        totalStake: parseEther("40"),
        escrowUnchanged: true,
      });
    });

    it("slashes an equivocating validator: half its stake to the bystander, half burned, the rest of the set intact", async function () {
      const { slash } = result;
      const stake = LOCAL_VALIDATOR_STAKE;
      expect(slash.validator).to.equal(result.roundTrip.validators[0]);
      expect(slash).to.deep.include({
        stakeBefore: stake,
        reward: stake / 2n,
        burned: stake / 2n,
        bystanderPaid: stake / 2n,
        stakeAfter: 0n,
        status: "slashed",
        totalStakeAfter: 3n * stake,
        burnedStake: stake / 2n,
      });
      // Layer 1 says the same after the flow.
      const root = new SidechainClient(result.roundTrip.sidechainContract, ethers.provider);
      expect((await root.validator(slash.validator)).status).to.equal("slashed");
      expect(await root.totalStake()).to.equal(3n * stake);
      const bridge = Bridge__factory.connect(stage().deployment.contracts.Bridge, ethers.provider);
      expect((await bridge.asset(result.roundTrip.sidechainContract, ZeroAddress)).escrowed).to.equal(0n);
    });
  });

  it("narrates every protocol verb, with the gas of each transaction", function () {
    const verbs = [
      "depositEth",
      "syncDeposits",
      "transfer",
      "deployLayer3",
      "depositErc20",
      "withdraw",
      "finalizeWithdrawal",
      "submitCheckpoint",
      "assertSidechainBacked",
      "checkpointDisowned",
      "commitBatch",
      "challenge",
      "step",
      "slash",
    ];
    expectVerbsNarrated(lines, verbs);
    expectGasNarrated(lines, ["depositEth", "syncDeposits", "slash"]);
  });
});
