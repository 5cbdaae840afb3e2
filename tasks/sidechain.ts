// The sidechain's commands (docs/sidechain.md):
//
//   npx hardhat sidechain-node                          (npm run sidechain:node): its own node, Anvil on 8645
//   npx hardhat sidechain-deploy --network localhost    (npm run sidechain:deploy): Sidechain on Layer 1,
//                                                        the validators' stakes, the ChildBridge on the sidechain
//   npx hardhat validator --account 10 --network localhost --peers <address@url,…>   (npm run validator)
//
// `sidechain-deploy` adds `Sidechain` to Layer 1's record (deployments/<network>.json) and writes the
// sidechain's own (deployments/sidechain.json: the ChildBridge, on chain 31338); a validator reads both and
// checks both nodes hold them before it signs anything.
import { strataTask } from "./strata-task";

strataTask("sidechainNode", async (s) => {
  const [{ startSidechainNode, SIDECHAIN_CHAIN_ID }, { processEnded }, { createLogger }] = await Promise.all([
    import("../src/sidechain/node"),
    import("../src/common/processes"),
    import("../src/common/logger"),
  ]);
  const logger = createLogger({ scope: "sidechain-node" });
  const child = await startSidechainNode(s.port);
  logger.info("sidechain node started", { url: `http://127.0.0.1:${s.port}`, chainId: SIDECHAIN_CHAIN_ID });
  const stop = () => child.kill("SIGTERM");
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const end = await processEnded(child);
  process.exitCode = end.code ?? 0;
});

strataTask("sidechainDeploy", async (s, hre) => {
  const [
    { JsonRpcProvider, Wallet },
    { signingKey },
    { contractAddress, readDeployment, writeDeployment },
    { localAccountKey },
    { bootstrapSidechain, sidechainDeployments },
    { createLogger },
  ] = await Promise.all([
    import("ethers"),
    import("../src/config/keys"),
    import("../src/common/deployments"),
    import("../src/common/processes"),
    import("../src/sidechain/bootstrap"),
    import("../src/common/logger"),
  ]);
  const logger = createLogger({ scope: "sidechain-deploy" });
  const network = hre.network.name;
  const layer1Deployment = readDeployment(network, s.deploymentsDir);
  const key = signingKey(s, network);
  const sidechain = new JsonRpcProvider(s.sidechainUrl, undefined, { cacheTimeout: -1 });
  try {
    const addresses = await bootstrapSidechain({
      layer1Deployer: new Wallet(key, hre.ethers.provider),
      sidechainDeployer: new Wallet(key, sidechain),
      bridge: contractAddress(layer1Deployment, "Bridge"),
      validators: s.validatorAccounts.map((i) => new Wallet(localAccountKey(i), hre.ethers.provider)),
      stake: s.stake,
      fund: true,
      logger,
    });
    const records = await sidechainDeployments(layer1Deployment, addresses, sidechain, {
      deployer: new Wallet(key).address,
      network: s.sidechainNetwork,
    });
    const layer1Path = writeDeployment(records.layer1, s.deploymentsDir);
    const sidechainPath = writeDeployment(records.sidechain, s.deploymentsDir);
    logger.info("wrote deployments", { layer1: layer1Path, sidechain: sidechainPath });
  } finally {
    sidechain.destroy();
  }
});

strataTask("validator", async (s, hre) => {
  const [
    { JsonRpcProvider },
    { signingKey },
    { contractAddress, readDeployment },
    { checkDeploymentOnChain },
    { runServiceMain },
    { sidechainContext },
    { startValidatorService },
    { VALIDATOR_SERVICE },
  ] = await Promise.all([
    import("ethers"),
    import("../src/config/keys"),
    import("../src/common/deployments"),
    import("../src/common/chain-identity"),
    import("../src/common/service-main"),
    import("../src/sidechain/chains"),
    import("../src/sidechain/stack"),
    import("../src/sidechain/validator-rpc"),
  ]);
  const network = hre.network.name;
  const layer1Deployment = readDeployment(network, s.deploymentsDir);
  const sidechainDeployment = readDeployment(s.sidechainNetwork, s.deploymentsDir);
  const key = signingKey(s, network);
  const sidechain = new JsonRpcProvider(s.sidechainUrl, undefined, { cacheTimeout: -1 });
  await runServiceMain({
    scope: VALIDATOR_SERVICE,
    start: async (logger) => {
      await checkDeploymentOnChain(layer1Deployment, hre.ethers.provider, {
        contracts: ["Bridge", "Sidechain"],
        logger,
      });
      await checkDeploymentOnChain(sidechainDeployment, sidechain, { logger });
      const ctx = sidechainContext(hre.ethers.provider, sidechain, {
        bridge: contractAddress(layer1Deployment, "Bridge"),
        sidechain: contractAddress(layer1Deployment, "Sidechain"),
        childBridge: contractAddress(sidechainDeployment, "ChildBridge"),
      });
      const service = await startValidatorService(ctx, {
        key,
        deployment: layer1Deployment,
        dataDir: s.dataDir,
        rule: { span: s.span, confirmations: s.confirmations },
        peers: s.peers ?? [],
        serve: { host: s.host, port: s.port },
        pollMs: s.pollMs,
        proposerTimeoutMs: s.proposerTimeoutMs,
        logger,
      });
      return {
        ...service,
        async stop() {
          await service.stop();
          sidechain.destroy();
        },
      };
    },
    describe: (service) => ({
      network,
      url: service.server?.url,
      address: service.validator.address,
      sidechain: s.sidechainUrl,
    }),
  });
});
