// `npm run demo`: deploys the suite (real contracts only) and runs the demo flows, narrated. On Hardhat's
// in-process network by default; `npm run demo -- --network localhost` runs it against `npm run node`
// (and `--network anvil` against Anvil). STRATA_DEMO_FLOW=<flow> runs one flow (`hardhat run` passes no
// arguments to the script).
// Flows: optimistic (the bridge's deposits and withdrawals run inside it), channels, and zk (last: its
// exodus moves the chain's clock forward by the exodus delay).
import type { Signer } from "ethers";
import { ethers, network } from "hardhat";
import { deploySuite } from "../src/common/deploy-suite";
import type { Deployment } from "../src/common/deployments";
import { Narrator } from "./demo/narrator";
import { runChannelsFlow } from "./demo/channels-flow";
import { runOptimisticFlow } from "./demo/optimistic-flow";
import { runZkFlow } from "./demo/zk-flow";

/** The flows move the chain's clock (evm_increaseTime) and hand out DemoTokens: local chains only. */
const LOCAL_NETWORKS = ["hardhat", "localhost", "anvil"];

const FLOWS = {
  optimistic: async (deployment: Deployment, say: Narrator) => {
    const [owner, sequencer, challenger, alice, bob, mallory] = await signers(6);
    await runOptimisticFlow(deployment, { owner, sequencer, challenger, alice, bob, mallory }, say);
  },
  channels: async (deployment: Deployment, say: Narrator) => {
    const all = await signers(8);
    await runChannelsFlow(deployment, { alice: all[3], bob: all[4], carol: all[6], watchtower: all[7] }, say);
  },
  zk: async (deployment: Deployment, say: Narrator) => {
    const all = await signers(9);
    await runZkFlow(deployment, { operator: all[8], alice: all[3], bob: all[4], carol: all[6] }, say);
  },
} as const;
type Flow = keyof typeof FLOWS;

async function signers(count: number): Promise<Signer[]> {
  const all = await ethers.getSigners();
  if (all.length < count) {
    throw new Error(`the demo needs ${count} unlocked accounts on ${network.name}, it has ${all.length}`);
  }
  return all.slice(0, count);
}

async function main(): Promise<void> {
  const names = Object.keys(FLOWS) as Flow[];
  const requested = process.env.STRATA_DEMO_FLOW ?? "all";
  if (requested !== "all" && !names.includes(requested as Flow)) {
    throw new Error(`unknown flow "${requested}"; flows: ${names.join(", ")}`);
  }
  if (!LOCAL_NETWORKS.includes(network.name)) {
    throw new Error(
      `the demo moves the chain's clock, so it runs on a local chain (${LOCAL_NETWORKS.join(", ")}), ` +
        `not on ${network.name}`,
    );
  }
  const [owner] = await signers(1);
  const say = new Narrator();
  say.title(`Strata demo on ${network.name} (chain ${(await ethers.provider.getNetwork()).chainId})`);
  const deployment = await deploySuite(owner, { network: network.name, local: true });
  const c = deployment.contracts;
  say.note(`deployed Bridge ${c.Bridge}, OneStepProver ${c.OneStepProver},`);
  say.note(`OptimisticRollup ${c.OptimisticRollup} (registered with the bridge), DemoToken ${c.DemoToken},`);
  say.note(`ZkRollup ${c.ZkRollup} (registered; verifier ${c.ZkVerifier}), Adjudicator ${c.Adjudicator}`);
  for (const flow of requested === "all" ? names : [requested as Flow]) await FLOWS[flow](deployment, say);
  say.title("done");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
