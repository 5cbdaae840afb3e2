// Deploys the suite to the network Hardhat was given (`npm run deploy -- --network localhost`) and
// writes the addresses to deployments/<network>.json, where every off-chain service reads them.
import { ethers, network } from "hardhat";
import { deploySuite } from "../src/deploy/suite";
import { writeDeployment } from "../src/common/deployments";
import { createLogger } from "../src/common/logger";

const LOCAL_NETWORKS = new Set(["hardhat", "localhost", "anvil"]);

async function main(): Promise<void> {
  const logger = createLogger({ scope: "deploy" });
  const [deployer] = await ethers.getSigners();
  const deployment = await deploySuite(deployer, {
    network: network.name,
    local: LOCAL_NETWORKS.has(network.name),
    logger,
  });
  const path = writeDeployment(deployment);
  logger.info("wrote deployment", { path, network: deployment.network, chainId: deployment.chainId });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
