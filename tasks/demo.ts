// `npx hardhat demo [flows…] [--data calldata|blobs|both] [--network localhost|anvil]` (npm run demo
// [-- zk] [-- --network anvil]): the narrated demo. Builds what it needs first (the zk test profile, the
// contracts), deploys the suite (real contracts only) and runs the flows, each once, in run order (bridge,
// optimistic, channels, sidechain, zk). The sidechain flow starts the sidechain's own node (Anvil) beside
// the demo's chain, whatever the network; its validators run in this process for now.
//
// On Hardhat's in-process network every party runs in this process: the operators are the same objects
// the services wrap. On a node (`--network localhost` against `npm run node`, `--network anvil` against
// `npm run anvil`) the operators run as separate processes, started exactly as a user starts them
// (`npx hardhat sequencer`, `challenger`, `zk-operator`, `channel-client`, `watchtower`), and this process
// plays only the users and the attackers, over the services' public interfaces. Their logs and the
// deployment record of the run are kept in .strata/demo-<network>/. `--data` says where the optimistic
// story's batches go (docs/blobs.md): on Hardhat its blob batches need the blob archive, which runs in
// this process, or on a node as a process of its own (`npx hardhat blob-archive`); Anvil serves its own.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { compileFirst } from "./build";
import { strataTask } from "./strata-task";

/** The chain's id; when no node answers, a `DemoSetupError` that says what to start. */
async function chainIdOrExplain(hre: HardhatRuntimeEnvironment): Promise<bigint> {
  const { DemoSetupError } = await import("../src/demo/flows");
  try {
    return (await hre.ethers.provider.getNetwork()).chainId;
  } catch {
    const url = "url" in hre.network.config ? hre.network.config.url : hre.network.name;
    const start = hre.network.name === "anvil" ? "npm run anvil" : "npm run node";
    throw new DemoSetupError(`no node answers at ${url}: start one with \`${start}\` in another terminal`);
  }
}

strataTask("demo", async (s, hre) => {
  const network = hre.network.name;
  console.log(`Strata demo: ${s.flows.join(", ")} on ${network} (optimistic batches: ${s.data})`);
  await compileFirst(hre, s.ptau);
  const [{ mkdir, rm }, { join }, { deploySuite }, { writeDeployment }, processes, { Narrator }, runners] =
    await Promise.all([
      import("node:fs/promises"),
      import("node:path"),
      import("../src/deploy/suite"),
      import("../src/common/deployments"),
      import("../src/common/processes"),
      import("../src/demo/narrator"),
      Promise.all([
        import("../src/demo/bridge"),
        import("../src/demo/optimistic"),
        import("../src/demo/channels"),
        import("../src/demo/sidechain"),
        import("../src/demo/zk"),
      ]),
    ]);
  const [{ runBridgeDemo }, { runOptimisticDemo }, { runChannelsDemo }, { runSidechainDemo }, { runZkDemo }] =
    runners;
  const flows = {
    bridge: runBridgeDemo,
    optimistic: ((...args) =>
      runOptimisticDemo(...args, { dataMode: s.data })) satisfies import("../src/demo/flows").DemoRunner,
    channels: runChannelsDemo,
    sidechain: runSidechainDemo,
    zk: runZkDemo,
  };

  const chainId = await chainIdOrExplain(hre);
  const signers = await hre.ethers.getSigners();
  const say = new Narrator();
  say.title(`Strata demo on ${network} (chain ${chainId})`);
  const deployment = await deploySuite(signers[0]!, { network, local: true });
  const c = deployment.contracts;
  say.note(`deployed Bridge ${c.Bridge}, OneStepProver ${c.OneStepProver},`);
  say.note(`OptimisticRollup ${c.OptimisticRollup} (registered with the bridge), DemoToken ${c.DemoToken},`);
  say.note(`ZkRollup ${c.ZkRollup} (registered; verifier ${c.ZkVerifier}), Adjudicator ${c.Adjudicator}`);

  let placement: import("../src/common/processes").Placement = { kind: "in-process" };
  if (network !== "hardhat") {
    const dataDir = join(processes.REPOSITORY, ".strata", `demo-${network}`);
    await rm(dataDir, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true });
    const deploymentsDir = join(dataDir, "deployments");
    writeDeployment(deployment, deploymentsDir);
    say.note(`the operators run as separate processes; their logs are in ${dataDir}/`);
    placement = {
      kind: "processes",
      services: new processes.ServiceSet(network, dataDir, { STRATA_DEPLOYMENTS_DIR: deploymentsDir }),
    };
  }
  try {
    for (const flow of s.flows) await flows[flow](deployment, hre.ethers.provider, placement, signers, say);
  } finally {
    if (placement.kind === "processes") await placement.services.stopAll();
  }
  say.title("done");
});
