// `npx hardhat deploy --network localhost` (npm run deploy -- --network localhost): deploys the suite with
// the deployer's key (default: the local chain's account #0) and writes deployments/<network>.json, where
// every off-chain service reads the addresses.
import { strataTask } from "./strata-task";

strataTask("deploy", async (s, hre) => {
  const [
    { Wallet },
    { signingKey },
    { isLocalNetwork },
    { deploySuite },
    { writeDeployment },
    { createLogger },
  ] = await Promise.all([
    import("ethers"),
    import("../src/config/keys"),
    import("../src/config/table"),
    import("../src/deploy/suite"),
    import("../src/common/deployments"),
    import("../src/common/logger"),
  ]);
  const network = hre.network.name;
  const deployer = new Wallet(signingKey(s, network), hre.ethers.provider);
  const logger = createLogger({ scope: "deploy" });
  const deployment = await deploySuite(deployer, {
    network,
    local: isLocalNetwork(network),
    zkProfile: s.zkProfile,
    logger,
  });
  const path = writeDeployment(deployment, s.deploymentsDir);
  logger.info("wrote deployment", { path, network: deployment.network, chainId: deployment.chainId });
});
