// `npm run watchtower -- --network localhost`: the payment-channel watchtower as a service. Parties POST
// their co-signed states to http://STRATA_WATCHTOWER_HOST:STRATA_WATCHTOWER_PORT/states (default
// 127.0.0.1:8549); it follows the adjudicator's challenge events every STRATA_POLL_MS (default 1000) and
// refutes every registration older than the newest state it holds. Its store (states and block cursor)
// lives in STRATA_DATA_DIR (default .strata/<network>)/watchtower.jsonl; kill it and start it again.
// Key: STRATA_WATCHTOWER_KEY, else Hardhat's account #3 on a local chain. The adjudicator comes from
// deployments/<network>.json, or STRATA_ADJUDICATOR.
import { join } from "node:path";
import type { Signer } from "ethers";
import { Wallet } from "ethers";
import { ethers, network } from "hardhat";
import { AdjudicatorClient } from "../src/channels/adjudicator-client";
import { ChannelDomain } from "../src/channels/eip712";
import { Watchtower, WatchtowerStore, serveWatchtower } from "../src/channels/watchtower";
import { contractAddress, readDeployment } from "../src/common/deployments";
import { createLogger } from "../src/common/logger";
import { untilSignal } from "./optimistic-agent";

async function main(): Promise<void> {
  const logger = createLogger({ scope: "watchtower" });
  const key = process.env.STRATA_WATCHTOWER_KEY;
  const signer: Signer = key ? new Wallet(key, ethers.provider) : (await ethers.getSigners())[3];
  const address =
    process.env.STRATA_ADJUDICATOR ?? contractAddress(readDeployment(network.name), "Adjudicator");
  const { chainId } = await ethers.provider.getNetwork();
  const dataDir = process.env.STRATA_DATA_DIR ?? join(".strata", network.name);
  const store = await WatchtowerStore.open(join(dataDir, "watchtower.jsonl"), { logger });
  const tower = new Watchtower({
    adjudicator: new AdjudicatorClient(address, signer),
    signer,
    store,
    domain: new ChannelDomain(chainId, address),
    logger,
    pollMs: Number(process.env.STRATA_POLL_MS ?? 1000),
    fromBlock: process.env.STRATA_FROM_BLOCK ? Number(process.env.STRATA_FROM_BLOCK) : undefined,
  });
  const server = await serveWatchtower(tower, store, {
    host: process.env.STRATA_WATCHTOWER_HOST,
    port: Number(process.env.STRATA_WATCHTOWER_PORT ?? 8549),
    logger,
  });
  logger.info("watchtower ready", {
    network: network.name,
    address: await signer.getAddress(),
    adjudicator: address,
    url: server.url,
    guarding: store.all().length,
    cursor: store.cursor ?? "none",
  });
  const running = tower.run();
  await untilSignal();
  logger.info("stopping");
  tower.stop();
  await running;
  await server.close();
  await store.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
