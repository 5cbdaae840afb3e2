// `npm run explorer` (`npx hardhat explorer`, reading the `hardhat node` of `npm run node`), or
// `npm run explorer -- --network anvil`: the explorer. Builds its web application (web/explorer/, when its sources changed), then serves it and its
// views on http://127.0.0.1:8570 until SIGINT, reading Layer 1 at the network's URL, the newest
// deployment record of the network (deployments/<network>.json, or the demo's in
// .strata/demo-<network>/deployments/, whichever was written last: start it before or beside the demo
// and it follows each new deployment), and the services' health and typed events (--services). Where
// `npm run sidechain:deploy` left deployments/sidechain.json, it reads the sidechain's own node too
// (--sidechain-url), and the Layer 3 on it where deployments/layer3.json is.
import { strataTask } from "./strata-task";

strataTask("explorer", async (s, hre) => {
  const [
    { join },
    { runServiceMain },
    { startExplorer },
    { buildExplorerWeb },
    { REPOSITORY, SERVICES_FILE },
    { EXPLORER_DEFAULT_SERVICES, rpcUrlFrom },
    { DeploymentNotFoundError, readDeployment },
    { LAYER3_NETWORK },
  ] = await Promise.all([
    import("node:path"),
    import("../src/common/service-main"),
    import("../src/explorer/explorer"),
    import("../src/explorer/web-build"),
    import("../src/common/processes"),
    import("../src/config/table"),
    import("../src/common/deployments"),
    import("../src/sidechain/layer3"),
  ]);
  /** A record in the deployments directory, or undefined where there is none (no sidechain deployed). */
  const recordOf = (name: string) => {
    try {
      return readDeployment(name, s.deploymentsDir);
    } catch (error) {
      if (error instanceof DeploymentNotFoundError) return undefined;
      throw error;
    }
  };
  const sidechainRecord = recordOf(s.sidechainNetwork);
  // Hardhat's in-process network ends with this process, so there is nothing to explore on it: without
  // --network the explorer reads the `hardhat node` (npm run node) at STRATA_RPC_URL, as `--network localhost`.
  const inProcess = !("url" in hre.network.config);
  const network = inProcess ? "localhost" : hre.network.name;
  const rpcUrl = "url" in hre.network.config ? hre.network.config.url : rpcUrlFrom(process.env);
  const demoDir = join(REPOSITORY, ".strata", `demo-${network}`);
  // Given services are expected to answer; the default ports are only looked at.
  const services = (s.services ?? EXPLORER_DEFAULT_SERVICES).map((target) => ({
    ...target,
    expected: s.services !== undefined,
  }));
  await runServiceMain({
    scope: "explorer",
    start: async (logger) => {
      if (await buildExplorerWeb()) logger.info("built the web application", { dir: "web/explorer/dist" });
      return startExplorer({
        rpcUrl,
        deployment: {
          kind: "files",
          network,
          dirs: [s.deploymentsDir, join(demoDir, "deployments")],
        },
        services,
        sidechain: sidechainRecord && {
          rpcUrl: s.sidechainUrl,
          deployment: sidechainRecord,
          layer3: recordOf(LAYER3_NETWORK),
        },
        serviceFiles: [join(demoDir, SERVICES_FILE)],
        host: s.host,
        port: s.port,
        pollMs: s.pollMs,
        logger,
      });
    },
    describe: (explorer) => ({ network, url: explorer.url, node: rpcUrl }),
  });
});
