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
import type { Signer } from "ethers";
import { ethers, network } from "hardhat";
import { deploySuite } from "../src/common/deploy-suite";
import type { Deployment } from "../src/common/deployments";
import { writeDeployment } from "../src/common/deployments";
import { StrataError } from "../src/common/errors";
import { runBridgeFlow } from "./demo/bridge-flow";
import { runChannelsFlow } from "./demo/channels-flow";
import type { DemoFlow } from "../src/demo/flows";
import { DEMO_NETWORKS, demoFlowsFrom } from "../src/demo/flows";
import { Narrator } from "../src/demo/narrator";
import { runOptimisticFlow } from "./demo/optimistic-flow";
import { REPOSITORY, ServiceSet } from "../src/common/processes";
import { runChannelsServices } from "./demo/services/channels";
import { runOptimisticServices } from "./demo/services/optimistic";
import { runZkServices } from "./demo/services/zk";
import { runZkFlow } from "./demo/zk-flow";

export class DemoSetupError extends StrataError {}

/** Where the operators run: in this process, or as separate processes next to a node. */
type Operators = { kind: "in-process" } | { kind: "processes"; services: ServiceSet };

type FlowRunner = (deployment: Deployment, say: Narrator, operators: Operators) => Promise<unknown>;

const FLOWS: Record<DemoFlow, FlowRunner> = {
  bridge: async (deployment, say, operators) => {
    const [owner, sequencer, , alice, bob, mallory] = await signers(6);
    if (operators.kind === "processes") {
      say.note("the bridge flow runs its sequencer in this process: the bridge is its subject");
    }
    return runBridgeFlow(deployment, { owner, sequencer, alice, bob, mallory }, say);
  },
  optimistic: async (deployment, say, operators) => {
    const [owner, sequencer, challenger, alice, bob, mallory] = await signers(6);
    return operators.kind === "processes"
      ? runOptimisticServices(deployment, { owner, alice, bob, mallory }, say, operators.services)
      : runOptimisticFlow(deployment, { owner, sequencer, challenger, alice, bob, mallory }, say);
  },
  channels: async (deployment, say, operators) => {
    const all = await signers(8);
    const [alice, bob, carol] = [all[3], all[4], all[6]];
    return operators.kind === "processes"
      ? runChannelsServices(deployment, { alice, bob, carol }, say, operators.services)
      : runChannelsFlow(deployment, { alice, bob, carol, watchtower: all[7] }, say);
  },
  zk: async (deployment, say, operators) => {
    const all = await signers(9);
    const [alice, bob, carol] = [all[3], all[4], all[6]];
    return operators.kind === "processes"
      ? runZkServices(deployment, { alice, bob, carol }, say, operators.services)
      : runZkFlow(deployment, { operator: all[8], alice, bob, carol }, say);
  },
};

async function signers(count: number): Promise<Signer[]> {
  const all = await ethers.getSigners();
  if (all.length < count) {
    throw new DemoSetupError(
      `the demo needs ${count} unlocked accounts on ${network.name}, it has ${all.length}`,
    );
  }
  return all.slice(0, count);
}

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

async function operatorsFor(deployment: Deployment, say: Narrator): Promise<Operators> {
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
  const [owner] = await signers(1);
  const say = new Narrator();
  say.title(`Strata demo on ${network.name} (chain ${chainId})`);
  const deployment = await deploySuite(owner, { network: network.name, local: true });
  const c = deployment.contracts;
  say.note(`deployed Bridge ${c.Bridge}, OneStepProver ${c.OneStepProver},`);
  say.note(`OptimisticRollup ${c.OptimisticRollup} (registered with the bridge), DemoToken ${c.DemoToken},`);
  say.note(`ZkRollup ${c.ZkRollup} (registered; verifier ${c.ZkVerifier}), Adjudicator ${c.Adjudicator}`);
  const operators = await operatorsFor(deployment, say);
  try {
    for (const flow of flows) await FLOWS[flow](deployment, say, operators);
  } finally {
    if (operators.kind === "processes") await operators.services.stopAll();
  }
  say.title("done");
}

main().catch((error: unknown) => {
  console.error(error instanceof DemoSetupError ? `demo: ${error.message}` : error);
  process.exitCode = 1;
});
