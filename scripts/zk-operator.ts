// `npm run zk:operator -- --network localhost`: the zk operator (prover and sequencer) as a service.
// Serves JSON-RPC (zk_*) on STRATA_ZK_OPERATOR_PORT (default 8548), proves and submits batches with the
// profile STRATA_ZK_PROFILE (default "test", the one `deploy` used). Its journal lives in STRATA_DATA_DIR
// (default .strata/<network>); kill it at any point and start it again.
// Key: STRATA_ZK_OPERATOR_KEY, else Hardhat's account #3 on a local chain.
import { join } from "node:path";
import type { Signer } from "ethers";
import { Wallet } from "ethers";
import { ethers, network } from "hardhat";
import { BridgeClient } from "../src/bridge/client";
import { contractAddress, readDeployment } from "../src/common/deployments";
import { createLogger } from "../src/common/logger";
import { TxJournal } from "../src/optimistic/journal";
import { ZkChainFollower } from "../src/zk/chain-follower";
import { ZkCrypto } from "../src/zk/keys";
import { ZkOperator } from "../src/zk/operator";
import { ZkProver } from "../src/zk/prover";
import { ZkRollupClient } from "../src/zk/rollup-client";
import { startZkRpcServer } from "../src/zk/rpc-server";
import { untilSignal } from "./optimistic-agent";

async function operatorSigner(): Promise<Signer> {
  const key = process.env.STRATA_ZK_OPERATOR_KEY;
  return key ? new Wallet(key, ethers.provider) : (await ethers.getSigners())[3];
}

async function main(): Promise<void> {
  const logger = createLogger({ scope: "zk-operator" });
  const deployment = readDeployment(network.name);
  const signer = await operatorSigner();
  const rollup = new ZkRollupClient(contractAddress(deployment, "ZkRollup"), signer);
  const bridge = new BridgeClient(contractAddress(deployment, "Bridge"), signer);
  const crypto = await ZkCrypto.load();
  const prover = await ZkProver.load({ profile: process.env.STRATA_ZK_PROFILE ?? "test", logger });
  const follower = await ZkChainFollower.create(rollup, ethers.provider, crypto, logger.child("follower"));
  const dataDir = process.env.STRATA_DATA_DIR ?? join(".strata", network.name);
  const journalPath = join(dataDir, "zk-operator-journal.jsonl");
  const journal = await TxJournal.open(journalPath, { logger });
  const operator = await ZkOperator.start({
    rollup,
    bridge,
    follower,
    journal,
    prover,
    crypto,
    signer,
    maxBatchAgeMs: Number(process.env.STRATA_ZK_MAX_BATCH_AGE_MS ?? 5000),
    logger,
  });
  const server = await startZkRpcServer(operator, {
    host: process.env.STRATA_ZK_OPERATOR_HOST ?? "127.0.0.1",
    port: Number(process.env.STRATA_ZK_OPERATOR_PORT ?? 8548),
    logger,
  });
  logger.info("serving JSON-RPC", {
    url: server.url,
    rollup: rollup.address,
    operator: await signer.getAddress(),
    journal: journalPath,
  });
  const running = operator.run();
  await untilSignal();
  logger.info("stopping");
  await operator.stop();
  await running;
  await server.close();
  await journal.close();
  await prover.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
