// `npm run watchtower -- --network localhost`: the payment-channel watchtower as a service. Parties hand
// it their co-signed states over JSON-RPC (`wt_submitStates`, see src/channels/watchtower-rpc.ts) at
// http://STRATA_WATCHTOWER_HOST:STRATA_WATCHTOWER_PORT (default 127.0.0.1:8549), which also answers
// strata_health and strata_events; it follows the adjudicator's challenge events every STRATA_POLL_MS
// (default 1000) and refutes every registration older than the newest state it holds. Its store (states
// and block cursor) lives in STRATA_DATA_DIR (default .strata/<network>)/watchtower.jsonl; kill it and
// start it again. Key: STRATA_WATCHTOWER_KEY, else Hardhat's account #3 on a local chain. The adjudicator
// comes from deployments/<network>.json, or STRATA_ADJUDICATOR; STRATA_FROM_BLOCK is the first block it
// reads when its store has no cursor.
import { join } from "node:path";
import type { Signer } from "ethers";
import { Wallet } from "ethers";
import { ethers, network } from "hardhat";
import { startWatchtower } from "../src/channels/stack";
import { contractAddress, readDeployment } from "../src/common/deployments";
import { runServiceMain } from "../src/common/service-main";

const env = process.env;
const adjudicator = env.STRATA_ADJUDICATOR ?? contractAddress(readDeployment(network.name), "Adjudicator");

void runServiceMain({
  scope: "watchtower",
  start: async (logger) => {
    const signer: Signer = env.STRATA_WATCHTOWER_KEY
      ? new Wallet(env.STRATA_WATCHTOWER_KEY, ethers.provider)
      : (await ethers.getSigners())[3];
    const { chainId } = await ethers.provider.getNetwork();
    return startWatchtower({
      signer,
      adjudicator,
      chainId,
      dataDir: env.STRATA_DATA_DIR ?? join(".strata", network.name),
      logger,
      rpc: { host: env.STRATA_WATCHTOWER_HOST, port: Number(env.STRATA_WATCHTOWER_PORT ?? 8549) },
      pollMs: Number(env.STRATA_POLL_MS ?? 1000),
      fromBlock: env.STRATA_FROM_BLOCK ? Number(env.STRATA_FROM_BLOCK) : undefined,
    });
  },
  describe: (watchtower) => ({
    network: network.name,
    address: watchtower.address,
    adjudicator,
    url: watchtower.server.url,
    guarding: watchtower.store.all().length,
    cursor: watchtower.store.cursor ?? "none",
  }),
});
