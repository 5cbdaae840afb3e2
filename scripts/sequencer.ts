// `npm run sequencer -- --network localhost`: the sequencer and proposer as a service. Serves JSON-RPC
// on STRATA_SEQUENCER_PORT (default 8547), commits batches, defends them, finalizes them. Its journal
// lives in STRATA_DATA_DIR (default .strata/<network>); kill it at any point and start it again.
// Key: STRATA_PROPOSER_KEY, else Hardhat's account #1 on a local chain.
import { join } from "node:path";
import { BridgeClient } from "../src/bridge/client";
import { createLogger } from "../src/common/logger";
import { TxJournal } from "../src/optimistic/journal";
import { startRpcServer } from "../src/optimistic/rpc-server";
import { Sequencer } from "../src/optimistic/sequencer";
import { agentContext, untilSignal } from "./optimistic-agent";

async function main(): Promise<void> {
  const logger = createLogger({ scope: "sequencer" });
  const ctx = await agentContext("STRATA_PROPOSER_KEY", 1, logger);
  const dataDir = process.env.STRATA_DATA_DIR ?? join(".strata", ctx.network);
  const journal = await TxJournal.open(join(dataDir, "sequencer-journal.jsonl"), { logger });
  const sequencer = await Sequencer.start({
    rollup: ctx.rollup,
    bridge: new BridgeClient(ctx.bridgeAddress, ctx.signer),
    follower: ctx.follower,
    journal,
    signer: ctx.signer,
    maxBatchSteps: Number(process.env.STRATA_MAX_BATCH_STEPS ?? 256),
    maxBatchAgeMs: Number(process.env.STRATA_MAX_BATCH_AGE_MS ?? 5000),
    withdrawCredit: true,
    logger,
  });
  const server = await startRpcServer(sequencer, {
    host: process.env.STRATA_SEQUENCER_HOST ?? "127.0.0.1",
    port: Number(process.env.STRATA_SEQUENCER_PORT ?? 8547),
    logger,
  });
  logger.info("serving JSON-RPC", { url: server.url, journal: join(dataDir, "sequencer-journal.jsonl") });
  const running = sequencer.run();
  await untilSignal();
  logger.info("stopping");
  sequencer.stop();
  await running;
  await server.close();
  await journal.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
