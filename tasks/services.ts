// The services as Hardhat tasks, run in the Hardhat process itself (no `hardhat run` child: a signal to the
// process reaches the service):
//
//   npx hardhat sequencer --network localhost        (npm run sequencer -- --network localhost)
//   npx hardhat challenger --network localhost
//   npx hardhat zk-operator --network localhost
//   npx hardhat watchtower --network localhost
//   npx hardhat channel-client --role listen --network localhost
//   npx hardhat blob-archive --network localhost
//
// Each reads and checks its settings (src/config/table.ts; `--help` lists them) and its deployment record
// before it sends anything to Layer 1, then runs the composition root's service (src/<subsystem>/stack.ts)
// through runServiceMain until SIGINT or SIGTERM.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { strataTask } from "./strata-task";

/** The node Hardhat's --network names, and a wallet on it with the command's key. */
async function chainOf(hre: HardhatRuntimeEnvironment, settings: { key?: string; account: number }) {
  const [{ Wallet }, { signingKey }] = await Promise.all([import("ethers"), import("../src/config/keys")]);
  const provider = hre.ethers.provider;
  return {
    network: hre.network.name,
    provider,
    wallet: new Wallet(signingKey(settings, hre.network.name), provider),
  };
}

strataTask("sequencer", async (s, hre) => {
  const [{ join }, { readDeployment }, { runServiceMain }, { optimisticContext, startSequencerService }] =
    await Promise.all([
      import("node:path"),
      import("../src/common/deployments"),
      import("../src/common/service-main"),
      import("../src/optimistic/stack"),
    ]);
  const deployment = readDeployment(hre.network.name, s.deploymentsDir);
  const { network, provider, wallet } = await chainOf(hre, s);
  const journalPath = join(s.dataDir, "sequencer-journal.jsonl");
  await runServiceMain({
    scope: "sequencer",
    start: async (logger) => {
      const ctx = optimisticContext(deployment, provider, s.blobArchiveUrl);
      logger.info("agent ready", { network, address: wallet.address, rollup: ctx.rollup.address });
      return startSequencerService(ctx, {
        signer: wallet,
        journalPath,
        maxBatchSteps: s.maxBatchSteps,
        maxBatchAgeMs: s.maxBatchAgeMs,
        dataMode: s.dataMode,
        pollMs: s.pollMs,
        serve: { host: s.host, port: s.port },
        logger,
      });
    },
    describe: (service) => ({ url: service.server!.url, journal: journalPath }),
  });
});

strataTask("challenger", async (s, hre) => {
  const [{ readDeployment }, { runServiceMain }, { optimisticContext, startChallengerService }] =
    await Promise.all([
      import("../src/common/deployments"),
      import("../src/common/service-main"),
      import("../src/optimistic/stack"),
    ]);
  const deployment = readDeployment(hre.network.name, s.deploymentsDir);
  const { network, provider, wallet } = await chainOf(hre, s);
  await runServiceMain({
    scope: "challenger",
    start: async (logger) => {
      const ctx = optimisticContext(deployment, provider, s.blobArchiveUrl);
      logger.info("agent ready", { network, address: wallet.address, rollup: ctx.rollup.address });
      return startChallengerService(ctx, {
        signer: wallet,
        pollMs: s.pollMs,
        serve: { host: s.host, port: s.port },
        logger,
      });
    },
    describe: (service) => ({ url: service.server!.url }),
  });
});

strataTask("zkOperator", async (s, hre) => {
  const [
    { contractAddress, readDeployment },
    { runServiceMain },
    { ZK_OPERATOR_SERVICE, startZkOperatorService },
  ] = await Promise.all([
    import("../src/common/deployments"),
    import("../src/common/service-main"),
    import("../src/zk/stack"),
  ]);
  const deployment = readDeployment(hre.network.name, s.deploymentsDir);
  const { network, provider, wallet } = await chainOf(hre, s);
  await runServiceMain({
    scope: ZK_OPERATOR_SERVICE,
    start: (logger) =>
      startZkOperatorService({
        deployment,
        signer: wallet,
        provider,
        settings: {
          host: s.host,
          port: s.port,
          profile: s.profile,
          maxBatchAgeMs: s.maxBatchAgeMs,
          dataDir: s.dataDir,
        },
        logger,
      }),
    describe: (service) => ({
      network,
      url: service.server.url,
      rollup: contractAddress(deployment, "ZkRollup"),
      operator: wallet.address,
      journal: service.journalPath,
    }),
  });
});

strataTask("watchtower", async (s, hre) => {
  const [{ contractAddress, readDeployment }, { runServiceMain }, { startWatchtower }, { reachableChainId }] =
    await Promise.all([
      import("../src/common/deployments"),
      import("../src/common/service-main"),
      import("../src/channels/stack"),
      import("../src/common/chain-identity"),
    ]);
  // The deployment record, unless the adjudicator is given: the node is checked to hold it.
  const deployment =
    s.adjudicator === undefined ? readDeployment(hre.network.name, s.deploymentsDir) : undefined;
  const adjudicator = s.adjudicator ?? contractAddress(deployment!, "Adjudicator");
  const { network, provider, wallet } = await chainOf(hre, s);
  await runServiceMain({
    scope: "watchtower",
    start: async (logger) =>
      startWatchtower({
        signer: wallet,
        adjudicator,
        chainId: deployment ? BigInt(deployment.chainId) : await reachableChainId(provider, network),
        dataDir: s.dataDir,
        logger,
        rpc: { host: s.host, port: s.port },
        pollMs: s.pollMs,
        fromBlock: s.fromBlock ?? deployment?.chain?.block,
        deployment,
      }),
    describe: (watchtower) => ({
      network,
      address: watchtower.address,
      adjudicator,
      url: watchtower.server.url,
      guarding: watchtower.store.all().length,
      cursor: watchtower.store.cursor ?? "none",
    }),
  });
});

strataTask("channelClient", async (s, hre) => {
  const [
    { contractAddress, readDeployment },
    { runServiceMain },
    { startChannelParty },
    { runOpener },
    { ConfigError, nameOf },
    { COMMANDS },
    { formatEther },
    { reachableChainId },
  ] = await Promise.all([
    import("../src/common/deployments"),
    import("../src/common/service-main"),
    import("../src/channels/stack"),
    import("../src/channels/opener"),
    import("../src/config/load"),
    import("../src/config/table"),
    import("ethers"),
    import("../src/common/chain-identity"),
  ]);
  // The deployment record, unless the adjudicator is given: the node is checked to hold it.
  const deployment =
    s.adjudicator === undefined ? readDeployment(hre.network.name, s.deploymentsDir) : undefined;
  const adjudicator = s.adjudicator ?? contractAddress(deployment!, "Adjudicator");
  const { network, provider, wallet } = await chainOf(hre, s);
  const listen = s.role === "listen";
  if (!listen && s.peer?.toLowerCase() === wallet.address.toLowerCase()) {
    const named = (key: keyof typeof COMMANDS.channelClient.settings) =>
      nameOf(key, COMMANDS.channelClient.settings[key]);
    throw new ConfigError([
      `${named("peer")} is this client's own address ${wallet.address}: give the peer's, or give this ` +
        `client another key (${named("key")} or ${named("account")})`,
    ]);
  }
  await runServiceMain({
    scope: `channel-client:${s.role}`,
    start: async (logger) =>
      startChannelParty({
        wallet,
        adjudicator,
        chainId: deployment ? BigInt(deployment.chainId) : await reachableChainId(provider, network),
        dataDir: s.dataDir,
        logger,
        peer: listen ? { host: s.host, port: s.port } : { host: s.host },
        rpc: listen ? { host: s.rpcHost ?? s.host, port: s.rpcPort } : undefined,
        watchtower: s.watchtower,
        pollMs: s.pollMs,
        deployment,
      }),
    describe: (running) => ({
      network,
      address: running.party.address,
      adjudicator,
      peers: running.listener.url,
      rpc: running.rpc?.url ?? "none",
    }),
    work: listen
      ? undefined
      : async ({ party }, logger) => {
          const result = await runOpener(
            party,
            {
              peer: { address: s.peer!, url: s.peerUrl },
              deposit: s.deposit,
              peerDeposit: s.peerDeposit,
              payments: s.payments,
              amount: s.amount,
              challengeDuration: s.challengeDuration,
            },
            logger,
          );
          logger.info("closed on chain", {
            channelId: result.channelId,
            resumed: result.resumed,
            paid: result.paid,
            version: result.closed.final.state.version,
            balances: result.closed.final.state.allocations[0]!.balances.map(formatEther).join(" / "),
            tx: result.closed.l1TxHash,
          });
        },
  });
});

strataTask("blobArchive", async (s, hre) => {
  const [{ runServiceMain }, { BLOB_ARCHIVE_SERVICE, startBlobArchiveService }, { Kzg }] = await Promise.all([
    import("../src/common/service-main"),
    import("../src/da/archive"),
    import("../src/da/kzg"),
  ]);
  const network = hre.network.name;
  await runServiceMain({
    scope: BLOB_ARCHIVE_SERVICE,
    start: async (logger) =>
      startBlobArchiveService({
        dataDir: s.dataDir,
        kzg: await Kzg.load(),
        provider: hre.ethers.provider,
        host: s.host,
        port: s.port,
        logger,
      }),
    describe: (archive) => ({ network, url: archive.url, dataDir: s.dataDir }),
  });
});
