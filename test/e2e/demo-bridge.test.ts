// The demo's bridge flow, run silently, with its outcomes asserted (not just that it printed).
import { expect } from "chai";
import { ethers } from "hardhat";
import { parseEther } from "ethers";
import { deploySuite } from "../../src/common/deploy-suite";
import { runBridgeFlow } from "../../scripts/demo/bridge-flow";
import { Narrator } from "../../scripts/demo/narrator";

describe("e2e: demo bridge flow", function () {
  it("pays Bob's withdrawal once, refuses replays and early payouts, and leaves escrow equal to Layer 2", async function () {
    const [owner, alice, bob] = await ethers.getSigners();
    const deployment = await deploySuite(owner, { network: "hardhat", local: true });
    const result = await runBridgeFlow(deployment, { owner, alice, bob }, Narrator.silent());

    expect(result.paidToBob).to.equal(parseEther("2"));
    expect(result.replayReason).to.equal("BadSignature");
    expect(result.refusedBeforeFinal).to.equal("BridgeBatchNotFinal");
    expect(result.refusedSecondPayout).to.equal("BridgeWithdrawalAlreadyFinalized");
    expect(result.escrowLeft).to.deep.equal({ eth: parseEther("4"), token: parseEther("300") });
    expect(result.layer2Left).to.deep.equal(result.escrowLeft);
  });
});
