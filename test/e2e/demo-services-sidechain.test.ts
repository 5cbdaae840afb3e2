// The demo's sidechain story (src/demo/sidechain.ts) on a `hardhat node`, with the four validators as
// processes (`npx hardhat validator`, started by the sidechain's stack from the deployment records the
// flow writes), run silently with its outcomes asserted as test/e2e/demo-sidechain.test.ts asserts them in
// this process: the round trip through both hops, the quorum theft and its alarm, the refused minority,
// the slashed equivocator.
import { existsSync } from "node:fs";
import { expect } from "chai";
import { parseEther } from "ethers";
import { ANVIL } from "../../src/common/processes";
import type { SidechainFlowResult } from "../../src/demo/sidechain";
import { runSidechainDemo } from "../../src/demo/sidechain";
import { LOCAL_VALIDATOR_STAKE } from "../../src/sidechain/bootstrap";
import { HARDHAT_NODE, useServicesStage } from "../helpers/demo-services";
import { recordNarration } from "./demo-expectations/narration";

describe("e2e: demo sidechain story with the validators as processes", function () {
  this.timeout(300_000);
  const stage = useServicesStage(HARDHAT_NODE);
  let result: SidechainFlowResult;
  let lines: string[];

  before(async function () {
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

  it("runs every validator as a process of its own, and says so", function () {
    expect(result.roundTrip.validatorsPlacement).to.equal("processes");
    expect(lines.some((l) => l.includes("as processes (`npx hardhat validator`)"))).to.equal(true);
  });

  it("carries Alice's ETH through both hops and back to Layer 1, once", function () {
    const { roundTrip } = result;
    expect(roundTrip.stateSyncSigners).to.equal(3);
    expect(roundTrip.checkpointSigners).to.equal(3);
    expect(roundTrip.paidOnLayer1).to.equal(parseEther("0.5"));
    expect(roundTrip.secondExitRefused).to.equal("BridgeWithdrawalAlreadyFinalized");
    expect(roundTrip.backing).to.deep.equal({ escrow: parseEther("1.5"), supply: parseEther("1.5") });
  });

  it("lets 3 of 4 take the escrow while the honest validator process raises the alarm; refuses 2 of 4", function () {
    expect(result.theft.thiefPaid).to.equal(parseEther("1.5"));
    expect(result.theft.alarm.accepted).to.not.equal(result.theft.alarm.computed);
    expect(result.minority.refused).to.equal("SidechainQuorumNotReached");
    expect(result.slash).to.deep.include({ status: "slashed", totalStakeAfter: 3n * LOCAL_VALIDATOR_STAKE });
  });
});
