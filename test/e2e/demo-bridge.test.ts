// The demo's bridge story (src/demo/bridge.ts), run silently on the in-process network, with its outcomes asserted (not just
// that it printed): deposits land in the optimistic rollup's dense queue whose events fold to the on-chain
// head, its escrow grows by exactly what was sent and the zk rollup's not at all, every refusal is named
// and changes nothing; Bob's SDT
// withdrawal through the optimistic rollup is refused before finality, then paid once, exactly, while
// Mallory's forgery and release are refused; and the bridge holds what it escrows, before and after.
import { expect } from "chai";
import { ZeroAddress, parseEther } from "ethers";
import { ethers } from "hardhat";
import type { Bridge, DemoToken } from "../../typechain-types";
import { Bridge__factory, DemoToken__factory } from "../../typechain-types";
import { deploySuite } from "../../src/deploy/suite";
import type { Deployment } from "../../src/common/deployments";
import { ownerOfAddress } from "../../src/shared/types";
import type { BridgeFlowResult } from "../../src/demo/bridge";
import { runBridgeStory } from "../../src/demo/bridge";
import { expectVerbsNarrated, recordNarration } from "./demo-expectations/narration";

describe("e2e: demo bridge flow", function () {
  this.timeout(300_000);
  let result: BridgeFlowResult;
  let deployment: Deployment;
  let bridge: Bridge;
  let token: DemoToken;
  let lines: string[];
  const l1 = {} as Record<"alice" | "bob" | "mallory", string>;

  before(async function () {
    const [owner, sequencer, , alice, bob, mallory] = await ethers.getSigners();
    Object.assign(l1, { alice: alice.address, bob: bob.address, mallory: mallory.address });
    deployment = await deploySuite(owner, { network: "hardhat", local: true });
    bridge = Bridge__factory.connect(deployment.contracts.Bridge, ethers.provider);
    token = DemoToken__factory.connect(deployment.contracts.DemoToken, ethers.provider);
    const narration = recordNarration();
    lines = narration.lines;
    result = await runBridgeStory(deployment, { owner, sequencer, alice, bob, mallory }, narration.say);
  });

  describe("part 1: in", function () {
    it("lists SDT under its own token id in the rollup (ETH is 0)", function () {
      expect(result.inbound.tokenId).to.equal(1);
    });

    it("queues each deposit in its rollup's queue, densely, for the owner it names", function () {
      const [alice, bob] = [ownerOfAddress(l1.alice), ownerOfAddress(l1.bob)];
      expect(
        result.inbound.deposits.map((d) => [d.rollup, d.index, d.to, d.tokenId, d.amount]),
      ).to.deep.equal([
        ["optimistic", 0n, alice, 0, parseEther("1")],
        ["optimistic", 1n, alice, 1, parseEther("100")],
        ["optimistic", 2n, bob, 1, parseEther("20")],
      ]);
      for (const d of result.inbound.deposits) expect(d.gasUsed).to.be.greaterThan(0n);
    });

    it("rebuilds the queue from its events up to the bridge's head, and leaves the zk rollup's empty", async function () {
      const { queues } = result.inbound;
      expect(queues.optimistic.count).to.equal(3n);
      expect(queues.optimistic.rebuiltFromEvents).to.equal(true);
      expect(queues.optimistic.head).to.equal(
        (await bridge.depositQueue(deployment.contracts.OptimisticRollup)).head,
      );
      expect(queues.zk.count).to.equal(0n);
    });

    it("grows the rollup's escrow by exactly what it was sent, and the bridge holds exactly the sum", function () {
      expect(result.inbound.escrowGrowth).to.deep.equal({
        optimistic: { eth: parseEther("1"), token: parseEther("120") },
        zk: { eth: 0n, token: 0n },
      });
      expect(result.inbound.solvency.map((r) => [r.token, r.held, r.escrowed])).to.deep.equal([
        [ZeroAddress, parseEther("1"), parseEther("1")],
        [deployment.contracts.DemoToken, parseEther("120"), parseEther("120")],
      ]);
    });

    it("refuses by name, changing nothing", function () {
      expect(result.inbound.refusals).to.deep.equal({
        tokenNotAllowed: "BridgeTokenNotAllowed",
        notRegistered: "BridgeRollupNotRegistered",
        zeroAmount: "BridgeZeroAmount",
        zeroRecipient: "BridgeZeroRecipient",
      });
      expect(result.inbound.refusalsChangedNothing).to.equal(true);
    });
  });

  describe("part 2: out", function () {
    it("refuses to pay before the rollup calls the batch final", function () {
      expect(result.outbound.notFinalRefused).to.equal("BridgeBatchNotFinal");
    });

    it("pays Bob exactly his SDT withdrawal, once, after SDT deposits were stopped", async function () {
      const { outbound } = result;
      const { recipient, tokenId, amount } = outbound.withdrawal;
      expect([recipient.toLowerCase(), tokenId, amount]).to.deep.equal([
        l1.bob.toLowerCase(),
        1,
        parseEther("50"),
      ]);
      expect(outbound.disallowedDepositRefused).to.equal("BridgeTokenNotAllowed");
      expect(outbound.paidToBob).to.equal(parseEther("50"));
      expect(await token.balanceOf(l1.bob)).to.equal(parseEther("50"));
      expect(outbound.secondPayoutRefused).to.equal("BridgeWithdrawalAlreadyFinalized");
      const rollup = deployment.contracts.OptimisticRollup;
      expect(await bridge.isWithdrawalFinalized(rollup, outbound.batchIndex, outbound.leafIndex)).to.equal(
        true,
      );
    });

    it("refuses Mallory's forged withdrawal and her release, and pays her nothing", async function () {
      expect(result.outbound.forgedRefused).to.equal("BridgeInvalidWithdrawalProof");
      expect(result.outbound.releaseRefused).to.equal("BridgeRollupNotRegistered");
      expect(await token.balanceOf(l1.mallory)).to.equal(0n);
    });

    it("allows SDT again under the same token id", async function () {
      expect(result.outbound.tokenIdAfterReallow).to.equal(1);
      const asset = await bridge.asset(deployment.contracts.OptimisticRollup, deployment.contracts.DemoToken);
      expect([asset.allowed, asset.tokenId]).to.deep.equal([true, 1n]);
    });

    it("leaves Layer 2, the escrow and the bridge's holdings in step", async function () {
      const { outbound } = result;
      expect(outbound.layer2).to.deep.equal({ alice: parseEther("70"), bob: 0n });
      expect(outbound.escrow).to.equal(parseEther("70"));
      expect(outbound.solvency.map((r) => [r.held, r.escrowed])).to.deep.equal([
        [parseEther("1"), parseEther("1")],
        [parseEther("70"), parseEther("70")],
      ]);
      expect(await token.balanceOf(deployment.contracts.Bridge)).to.equal(parseEther("70"));
      expect(await ethers.provider.getBalance(deployment.contracts.Bridge)).to.equal(parseEther("1"));
    });
  });

  it("narrates every protocol verb", function () {
    expectVerbsNarrated(lines, [
      "approve",
      "allowToken",
      "depositEth",
      "depositErc20",
      "commitBatch",
      "withdraw",
      "finalize",
      "disallowToken",
      "finalizeWithdrawal",
      "release",
      "assertBridgeSolvent",
    ]);
  });
});
