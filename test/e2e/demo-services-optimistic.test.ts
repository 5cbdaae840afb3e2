// The demo's optimistic story (src/demo/optimistic.ts) against a `hardhat node` and against Anvil, with the
// sequencer and the challenger as separate processes (started as `npm run sequencer` and
// `npm run challenger` start them) and this process playing only Alice, Bob and Mallory. Its outcomes are
// asserted as in test/e2e/demo-optimistic.test.ts (the shared expectations of
// test/e2e/demo-expectations/optimistic.ts): the honest round trip pays Bob once; Mallory's lying batch is
// challenged, bisected and proven false by the challenger process, removed and paid for; the invariants
// hold; every service is stopped.
//
// Each node tells the story twice: every batch as calldata, and every batch in blobs (`--data blobs`). On
// the `hardhat node`, which keeps no blobs, the blob archive runs as a process too (`npx hardhat
// blob-archive`), started here and kept up until the end so that the tests can read the blobs again; on
// Anvil every node reads the blobs from Anvil itself, with no archive.
import { expect } from "chai";
import { Wallet } from "ethers";
import { RpcTransportError } from "../../src/common/json-rpc";
import { localAccountKey } from "../../src/common/processes";
import type { DemoDataMode } from "../../src/demo/flows";
import { OPTIMISTIC_SERVICE_ACCOUNTS } from "../../src/demo/optimistic";
import { SequencerClient } from "../../src/optimistic/rpc-server";
import type { DemoNode, ServicesStage } from "../helpers/demo-services";
import { ANVIL_NODE, HARDHAT_NODE, servicePorts, useServicesStage } from "../helpers/demo-services";
import * as optimistic from "./demo-expectations/optimistic";

/** The blob archive as a process next to the `hardhat node`'s services; undefined on Anvil. */
async function archiveFor(node: DemoNode, { services }: ServicesStage): Promise<string | undefined> {
  if (node !== HARDHAT_NODE) return undefined;
  const [port] = await servicePorts(1);
  const url = `http://127.0.0.1:${port}`;
  await services.start("blob-archive", { task: "blob-archive", flags: { port: String(port) }, url });
  return url;
}

const RUNS: Array<[DemoNode, DemoDataMode]> = [
  [HARDHAT_NODE, "calldata"],
  [ANVIL_NODE, "calldata"],
  [HARDHAT_NODE, "blobs"],
  [ANVIL_NODE, "blobs"],
];

for (const [node, dataMode] of RUNS) {
  describe(`e2e: demo optimistic flow on ${node.name}, the operators as processes, batches as ${dataMode}`, function () {
    this.timeout(dataMode === "blobs" ? 360_000 : 240_000);
    let sequencerPort: number;
    const demo = optimistic.useOptimisticDemo(
      useServicesStage(node),
      async ({ services }) => {
        [sequencerPort] = await servicePorts(1);
        return { kind: "processes", services, sequencerPort };
      },
      { dataMode, blobArchive: dataMode === "blobs" ? (stage) => archiveFor(node, stage) : undefined },
    );

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
