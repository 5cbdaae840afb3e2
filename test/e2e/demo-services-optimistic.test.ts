// The demo's optimistic flow against a `hardhat node` and against Anvil, with the sequencer and the
// challenger as separate processes (started as `npm run sequencer` and `npm run challenger` start them)
// and this process playing only Alice, Bob and Mallory. Its outcomes are asserted as in
// test/e2e/demo-optimistic.test.ts (the shared expectations of test/e2e/demo-expectations/optimistic.ts):
// the honest round trip pays Bob once; Mallory's lying batch is challenged, bisected and proven false by
// the challenger process, removed and paid for; the invariants hold; every service is stopped.
import { expect } from "chai";
import { Wallet } from "ethers";
import { RpcTransportError } from "../../src/common/json-rpc";
import { RollupClient } from "../../src/optimistic/rollup-client";
import { SequencerClient } from "../../src/optimistic/rpc-server";
import { localAccountKey } from "../../src/common/processes";
import { runOptimisticServices } from "../../scripts/demo/services/optimistic";
import { ANVIL_NODE, HARDHAT_NODE, servicePorts, useServicesStage } from "../helpers/demo-services";
import { expectVerbsNarrated, recordNarration } from "./demo-expectations/narration";
import * as optimistic from "./demo-expectations/optimistic";

for (const node of [HARDHAT_NODE, ANVIL_NODE]) {
  describe(`e2e: demo optimistic flow on ${node.name}, the operators as processes`, function () {
    this.timeout(240_000);
    const stage = useServicesStage(node);
    const challengerAddress = new Wallet(localAccountKey(2)).address;
    let sequencerPort: number;
    let demo: optimistic.OptimisticDemoRun;

    before(async function () {
      const { provider, deployment, services, signers } = stage();
      const [owner, alice, bob, mallory] = await signers(0, 3, 4, 5);
      [sequencerPort] = await servicePorts(1);
      const { say, lines } = recordNarration();
      const result = await runOptimisticServices(deployment, { owner, alice, bob, mallory }, say, services, {
        sequencerPort,
      });
      demo = {
        result,
        lines,
        provider,
        rollup: new RollupClient(deployment.contracts.OptimisticRollup, provider),
        bridgeAddress: deployment.contracts.Bridge,
      };
    });

    describe("the honest round trip", function () {
      optimistic.shouldCompleteTheRoundTrip(() => demo);
    });

    describe("the defeated fraud", function () {
      optimistic.shouldDefeatTheFraud(() => demo);

      it("has the challenger process send the step that proves the lie", function () {
        expect(demo.result.fraud.stepSentBy?.toLowerCase()).to.equal(challengerAddress.toLowerCase());
      });

      it("has the challenger process withdraw its credit: its own bond and half of Mallory's", async function () {
        const c = demo.rollup.contract;
        const bond = (await demo.rollup.config()).proposerBond;
        expect(await c.credit(challengerAddress)).to.equal(0n);
        const withdrawn = await c.queryFilter(c.filters.CreditWithdrawn(challengerAddress));
        expect(withdrawn.map((log) => log.args.amount)).to.deep.equal([bond + bond / 2n]);
      });
    });

    optimistic.shouldEndWithTheInvariants(() => demo);

    it("stops the services it started", async function () {
      const client = new SequencerClient(`http://127.0.0.1:${sequencerPort}`, { timeoutMs: 2000 });
      let error: unknown;
      try {
        await client.getNonce(0);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(RpcTransportError);
    });

    it("narrates every protocol verb", function () {
      expectVerbsNarrated(demo.lines, [...optimistic.NARRATED_VERBS, "transfer", "withdraw", "sync"]);
    });
  });
}
