// `npm run demo`: runs the demo flows on Hardhat's in-process network, narrated. STRATA_DEMO_FLOW=<flow>
// runs one flow (`hardhat run` passes no arguments to the script).
// Flows so far: bridge. The rollups and channels add theirs as they land.
import { ethers, network } from "hardhat";
import { deploySuite } from "../src/common/deploy-suite";
import { runBridgeFlow } from "./demo/bridge-flow";
import { Narrator } from "./demo/narrator";

const FLOWS = ["bridge"] as const;
type Flow = (typeof FLOWS)[number];

async function main(): Promise<void> {
  const requested = (process.env.STRATA_DEMO_FLOW ?? "all") as Flow | "all";
  if (requested !== "all" && !FLOWS.includes(requested)) {
    throw new Error(`unknown flow "${requested}"; flows: ${FLOWS.join(", ")}`);
  }
  if (network.name !== "hardhat") {
    throw new Error(
      "the bridge flow deploys a test-only stand-in rollup, so it runs on Hardhat's in-process network only " +
        "until the real rollups land; run `npm run demo` without --network",
    );
  }
  const [owner, alice, bob] = await ethers.getSigners();
  const say = new Narrator();
  say.title(`Strata demo on ${network.name} (chain ${(await ethers.provider.getNetwork()).chainId})`);
  const deployment = await deploySuite(owner, { network: network.name, local: true });
  say.note(
    `deployed Bridge ${deployment.contracts.Bridge} and DemoToken (SDT) ${deployment.contracts.DemoToken}`,
  );
  await runBridgeFlow(deployment, { owner, alice, bob }, say);
  say.title("done");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
