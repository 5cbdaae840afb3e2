// The demo, run by `npm run demo` (scripts/demo-cli.ts): deploys the suite (real contracts only) and runs
// the flows named in STRATA_DEMO_FLOWS, narrated.
//
// On Hardhat's in-process network every party runs in this process: the operators are the same objects
// the services wrap. On a node (`--network localhost` against `npm run node`, `--network anvil` against
// `npm run anvil`) the operators run as separate processes, started exactly as `npm run sequencer`,
// `npm run challenger`, `npm run zk:operator`, `npm run channel-client` and `npm run watchtower` start
// them, and this process plays only the users and the attackers, over the services' public interfaces.
// Their logs and the deployment record of the run are kept in .strata/demo-<network>/.
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { ethers, network } from "hardhat";
import { deploySuite } from "../src/deploy/suite";
import type { Deployment } from "../src/common/deployments";
import { writeDeployment } from "../src/common/deployments";
import { StrataError } from "../src/common/errors";
import type { Placement } from "../src/common/processes";
import { REPOSITORY, ServiceSet } from "../src/common/processes";
import { runBridgeDemo } from "../src/demo/bridge";
import { runChannelsDemo } from "../src/demo/channels";
import type { DemoFlow, DemoRunner } from "../src/demo/flows";
import { DEMO_NETWORKS, DemoAccountsError, demoFlowsFrom } from "../src/demo/flows";
import { Narrator } from "../src/demo/narrator";
import { runOptimisticDemo } from "../src/demo/optimistic";
import { runZkDemo } from "../src/demo/zk";

export class DemoSetupError extends StrataError {}

const FLOWS: Record<DemoFlow, DemoRunner> = {
  bridge: runBridgeDemo,
  optimistic: runOptimisticDemo,
  channels: runChannelsDemo,
  zk: runZkDemo,
};

/** Fails early, and says what to start, when the node is not there. */
async function chainIdOrExplain(): Promise<bigint> {
  try {
    return (await ethers.provider.getNetwork()).chainId;
  } catch {
    const url = "url" in network.config ? network.config.url : network.name;
    const start = network.name === "anvil" ? "npm run anvil" : "npm run node";
    throw new DemoSetupError(`no node answers at ${url}: start one with \`${start}\` in another terminal`);
  }
}

async function placementFor(deployment: Deployment, say: Narrator): Promise<Placement> {
  if (network.name === "hardhat") return { kind: "in-process" };
  const dataDir = join(REPOSITORY, ".strata", `demo-${network.name}`);
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const deploymentsDir = join(dataDir, "deployments");
  writeDeployment(deployment, deploymentsDir);
  say.note(`the operators run as separate processes; their logs are in ${dataDir}/`);
  return {
    kind: "processes",
    services: new ServiceSet(network.name, dataDir, { STRATA_DEPLOYMENTS_DIR: deploymentsDir }),
  };
}

async function main(): Promise<void> {
  const flows = demoFlowsFrom(process.env.STRATA_DEMO_FLOWS ?? process.env.STRATA_DEMO_FLOW);
  if (!(DEMO_NETWORKS as readonly string[]).includes(network.name)) {
    throw new DemoSetupError(
      `the demo moves the chain's clock, so it runs on a local chain (${DEMO_NETWORKS.join(", ")}), ` +
        `not on ${network.name}`,
    );
  }
  const chainId = await chainIdOrExplain();
  const signers = await ethers.getSigners();
  const say = new Narrator();
  say.title(`Strata demo on ${network.name} (chain ${chainId})`);
  const deployment = await deploySuite(signers[0], { network: network.name, local: true });
  const c = deployment.contracts;
  say.note(`deployed Bridge ${c.Bridge}, OneStepProver ${c.OneStepProver},`);
  say.note(`OptimisticRollup ${c.OptimisticRollup} (registered with the bridge), DemoToken ${c.DemoToken},`);
  say.note(`ZkRollup ${c.ZkRollup} (registered; verifier ${c.ZkVerifier}), Adjudicator ${c.Adjudicator}`);
  const placement = await placementFor(deployment, say);
  try {
    for (const flow of flows) await FLOWS[flow](deployment, ethers.provider, placement, signers, say);
  } finally {
    if (placement.kind === "processes") await placement.services.stopAll();
  }
  say.title("done");
}

main().catch((error: unknown) => {
  console.error(
    error instanceof DemoSetupError || error instanceof DemoAccountsError ? `demo: ${error.message}` : error,
  );
  process.exitCode = 1;
});
