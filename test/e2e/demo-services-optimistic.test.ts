// The demo's optimistic story (src/demo/optimistic.ts) against a `hardhat node` and against Anvil, with the
// sequencer and the challenger as separate processes (started as `npm run sequencer` and
// `npm run challenger` start them) and this process playing only Alice, Bob and Mallory. Its outcomes are
// asserted as in test/e2e/demo-optimistic.test.ts (the shared expectations of
// test/e2e/demo-expectations/optimistic.ts): the honest round trip pays Bob once; Mallory's lying batch is
// challenged, bisected and proven false by the challenger process, removed and paid for; the invariants
// hold; every service is stopped.
import { expect } from "chai";
import { Wallet } from "ethers";
import { RpcTransportError } from "../../src/common/json-rpc";
import { localAccountKey } from "../../src/common/processes";
import { OPTIMISTIC_SERVICE_ACCOUNTS } from "../../src/demo/optimistic";
import { SequencerClient } from "../../src/optimistic/rpc-server";
import { ANVIL_NODE, HARDHAT_NODE, servicePorts, useServicesStage } from "../helpers/demo-services";
import * as optimistic from "./demo-expectations/optimistic";

for (const node of [HARDHAT_NODE, ANVIL_NODE]) {
  describe(`e2e: demo optimistic flow on ${node.name}, the operators as processes`, function () {
    this.timeout(240_000);
    let sequencerPort: number;
    const demo = optimistic.useOptimisticDemo(useServicesStage(node), async ({ services }) => {
      [sequencerPort] = await servicePorts(1);
      return { kind: "processes", services, sequencerPort };
    });

    optimistic.shouldTellTheOptimisticStory(demo);

    it("runs the challenger with the service account, which sends the step", function () {
      expect(demo().challenger).to.equal(
        new Wallet(localAccountKey(OPTIMISTIC_SERVICE_ACCOUNTS.challenger)).address,
      );
    });

    it("stops the services it started", async function () {
      const client = new SequencerClient(`http://127.0.0.1:${sequencerPort}`, { timeoutMs: 2000 });
      await expect(client.getNonce(0)).to.be.rejectedWith(RpcTransportError);
    });
  });
}
