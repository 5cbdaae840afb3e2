// `npm run challenger -- --network localhost`: the challenger (verifier) as a service. Rebuilds the
// Layer-2 state from Layer-1 calldata, challenges every false claim and plays its games to the end, one
// round every STRATA_POLL_MS (default 1000). Serves strata_health and strata_events (its typed events:
// every batch's verdict, its games' moves, src/optimistic/events.ts) on STRATA_CHALLENGER_PORT (default
// 8551). Key: STRATA_CHALLENGER_KEY, else Hardhat's account #2 on a local chain.
import { runServiceMain } from "../src/common/service-main";
import { startChallengerService } from "../src/optimistic/stack";
import { agentContext, envNumber } from "./optimistic-agent";

void runServiceMain({
  scope: "challenger",
  start: async (logger) => {
    const { ctx, signer } = await agentContext("STRATA_CHALLENGER_KEY", 2, logger);
    return startChallengerService(ctx, {
      signer,
      pollMs: envNumber("STRATA_POLL_MS", 1000),
      serve: {
        host: process.env.STRATA_CHALLENGER_HOST ?? "127.0.0.1",
        port: envNumber("STRATA_CHALLENGER_PORT", 8551),
      },
      logger,
    });
  },
  describe: (service) => ({ url: service.server!.url }),
});
