// `npm run sequencer -- --network localhost`: the sequencer and proposer as a service. Serves JSON-RPC
// on STRATA_SEQUENCER_PORT (default 8547): its strata_* methods, strata_health and strata_events (its
// typed events, src/optimistic/events.ts). Commits batches (STRATA_MAX_BATCH_STEPS steps, default 256, or
// once the oldest is STRATA_MAX_BATCH_AGE_MS old, default 5000), defends them, finalizes them, one round
// every STRATA_POLL_MS (default 500). Its journal lives in STRATA_DATA_DIR (default .strata/<network>);
// kill it at any point and start it again. Key: STRATA_PROPOSER_KEY, else Hardhat's account #1 on a
// local chain.
import { join } from "node:path";
import { network } from "hardhat";
import { runServiceMain } from "../src/common/service-main";
import { startSequencerService } from "../src/optimistic/stack";
import { agentContext, envNumber } from "./optimistic-agent";

const journalPath = join(
  process.env.STRATA_DATA_DIR ?? join(".strata", network.name),
  "sequencer-journal.jsonl",
);

void runServiceMain({
  scope: "sequencer",
  start: async (logger) => {
    const { ctx, signer } = await agentContext("STRATA_PROPOSER_KEY", 1, logger);
    return startSequencerService(ctx, {
      signer,
      journalPath,
      maxBatchSteps: envNumber("STRATA_MAX_BATCH_STEPS", 256),
      maxBatchAgeMs: envNumber("STRATA_MAX_BATCH_AGE_MS", 5000),
      pollMs: envNumber("STRATA_POLL_MS", 500),
      serve: {
        host: process.env.STRATA_SEQUENCER_HOST ?? "127.0.0.1",
        port: envNumber("STRATA_SEQUENCER_PORT", 8547),
      },
      logger,
    });
  },
  describe: (service) => ({ url: service.server!.url, journal: journalPath }),
});
