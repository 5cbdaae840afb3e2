// The demo's zk flow, run silently on the in-process network with real proofs (the `test` profile: one
// transaction per batch), with its outcomes asserted (not just that it printed): every batch is proven
// and verified on chain, the operator refuses bad spends by name, Bob's withdrawal is credited by the
// batch that verifies it and claimed exactly, a verifier node rebuilt from Layer 1 agrees with the root;
// in exodus every owner exits with exactly their Layer-2 balance, Carol's deposit is refunded, a late
// batch is refused, and the escrow covers what the rollup owes throughout and ends at zero.
import { expect } from "chai";
import { ethers } from "hardhat";
import { BridgeClient } from "../../src/bridge/client";
import { deploySuite } from "../../src/common/deploy-suite";
import { ZkRollupClient } from "../../src/zk/rollup-client";
import { runZkFlow } from "../../scripts/demo/zk-flow";
import { expectGasNarrated, recordNarration } from "./demo-expectations/narration";
import * as zk from "./demo-expectations/zk";

describe("e2e: demo zk flow", function () {
  this.timeout(600_000);
  let demo: zk.ZkDemoRun;

  before(async function () {
    const signers = await ethers.getSigners();
    const [owner, alice, bob, carol, operator] = [signers[0], signers[3], signers[4], signers[6], signers[8]];
    const deployment = await deploySuite(owner, { network: "hardhat", local: true });
    const { say, lines } = recordNarration();
    const result = await runZkFlow(deployment, { operator, alice, bob, carol }, say);
    demo = {
      result,
      lines,
      provider: ethers.provider,
      rollup: new ZkRollupClient(deployment.contracts.ZkRollup, ethers.provider),
      bridge: new BridgeClient(deployment.contracts.Bridge, ethers.provider),
      l1: { alice: alice.address, bob: bob.address, carol: carol.address },
    };
  });

  describe("deposit, transfer, prove, withdraw, claim", function () {
    zk.shouldProveEveryBatchAndPayBob(() => demo);
  });

  describe("the operator stops: exodus", function () {
    zk.shouldExitEveryOwnerInExodus(() => demo);
  });

  zk.shouldEndOwingNothing(() => demo);

  it("reports nothing owed on Layer 2 after exodus", function () {
    expect(demo.result.exodus.solvency).to.deep.include({ balances: 0n, credits: 0n, queued: 0n });
  });

  zk.shouldNarrateEveryStep(() => demo);

  it("narrates the gas of the Layer-1 steps", function () {
    expectGasNarrated(demo.lines, ["deposit", "claim", "activateExodus", "exit", "refundDeposits"]);
  });
});
