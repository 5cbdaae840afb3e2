// The optimistic stack in this process (src/optimistic/stack.ts), its services built as their processes
// build them, reached directly or over their own JSON-RPC servers: the same handle, the same answers
// (test/optimistic/stack-surface.ts; test/e2e/optimistic-process.test.ts asserts them for processes).
import { expect } from "chai";
import { ethers } from "hardhat";
import { RpcTransportError } from "../../src/common/json-rpc";
import { startOptimisticStack } from "../../src/optimistic/stack";
import type { InProcessOptimisticStack } from "../../src/optimistic/stack";
import { deploySuite } from "../../src/deploy/suite";
import { ownerOfAddress } from "../../src/shared/types";
import type { StackAnswers } from "./stack-surface";
import { encodedTransfer, playStackScenario, shouldAnswerAsEveryMode } from "./stack-surface";

describe("startOptimisticStack", function () {
  this.timeout(120_000);

  for (const serve of [false, true]) {
    describe(serve ? "in this process, served over JSON-RPC" : "in this process", function () {
      let stack: InProcessOptimisticStack;
      let answers: StackAnswers;

      before(async function () {
        const [deployer, sequencer, challenger, alice, bob] = await ethers.getSigners();
        const deployment = await deploySuite(deployer, { network: "hardhat", local: true });
        stack = await startOptimisticStack(deployment, ethers.provider, {
          kind: "in-process",
          sequencer,
          challenger,
          serve,
          maxBatchAgeMs: 300,
          sequencerPollMs: 50,
          challengerPollMs: 50,
        });
        answers = await playStackScenario(stack, { alice, bob });
      });

      after(async function () {
        await stack?.stop();
      });

      shouldAnswerAsEveryMode(() => ({ stack, answers }), "in-process");

      it("names its operators and their objects", async function () {
        const [, sequencer, challenger] = await ethers.getSigners();
        expect(stack.operators).to.deep.equal({
          sequencer: sequencer.address,
          challenger: challenger.address,
        });
        expect(stack.parties.sequencer.pendingCount).to.equal(0);
        expect(stack.parties.challengerFollower.tip.index).to.be.greaterThanOrEqual(2);
      });

      if (serve) {
        it("serves both services over JSON-RPC, until it stops", async function () {
          expect(stack.urls.sequencer).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
          expect(stack.urls.challenger).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
          await stack.stop();
          await expect(stack.sequencer.getNonce(0)).to.be.rejectedWith(RpcTransportError);
          await expect(stack.challengerHealth()).to.be.rejectedWith(RpcTransportError);
        });
      } else {
        it("serves nothing", function () {
          expect(stack.urls).to.deep.equal({});
        });
      }
    });
  }

  describe("restartSequencer", function () {
    it("starts the sequencer again from Layer 1 and its journal, losing nothing it admitted", async function () {
      const [deployer, sequencer, challenger, alice, bob] = await ethers.getSigners();
      const deployment = await deploySuite(deployer, { network: "hardhat", local: true });
      const stack = await startOptimisticStack(deployment, ethers.provider, {
        kind: "in-process",
        sequencer,
        challenger,
        serve: true,
        run: false,
      });
      try {
        const { bridge, rollup, domain } = stack.context;
        await bridge.depositEth(alice, {
          rollup: rollup.address,
          to: ownerOfAddress(alice.address),
          amount: 10n ** 18n,
        });
        await bridge.depositEth(bob, { rollup: rollup.address, to: ownerOfAddress(bob.address), amount: 1n });
        await stack.parties.sequencer.tick(true);
        const [a, b] = [0, 1];
        const m = { from: a, to: b, amount: 1000n, nonce: 0 };
        const sent = await stack.sequencer.sendTransaction(await encodedTransfer(domain, alice, m));
        const before = stack.parties.sequencer;
        const url = stack.urls.sequencer;
        await stack.restartSequencer();
        expect(stack.parties.sequencer).to.not.equal(before);
        expect(stack.urls.sequencer).to.equal(url);
        expect(await stack.sequencer.getReceipt(sent.hash)).to.deep.equal({
          hash: sent.hash,
          status: "soft-confirmed",
        });
        await stack.parties.sequencer.tick(true);
        expect(await stack.sequencer.getReceipt(sent.hash)).to.include({
          status: "committed",
          batchIndex: 2,
          step: 0,
        });
        expect(await stack.sequencer.getBalance(b)).to.equal(1001n);
      } finally {
        await stack.stop();
      }
    });
  });
});
