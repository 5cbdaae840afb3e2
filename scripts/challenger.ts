// `npm run challenger -- --network localhost`: the challenger (verifier) as a service. Rebuilds the
// Layer-2 state from Layer-1 calldata, challenges every false claim and plays its games to the end.
// Key: STRATA_CHALLENGER_KEY, else Hardhat's account #2 on a local chain.
import { startJsonRpcServer } from "../src/common/json-rpc";
import { createLogger } from "../src/common/logger";
import { Challenger } from "../src/optimistic/challenger";
import { agentContext, untilSignal } from "./optimistic-agent";

async function main(): Promise<void> {
  const logger = createLogger({ scope: "challenger" });
  const ctx = await agentContext("STRATA_CHALLENGER_KEY", 2, logger);
  const challenger = new Challenger({
    ...ctx,
    logger,
    pollMs: Number(process.env.STRATA_POLL_MS ?? 1000),
    withdrawCredit: true,
  });
  const running = challenger.run();
  // Its service endpoint: strata_health and strata_events (STRATA_CHALLENGER_PORT, default 8550).
  const server = await startJsonRpcServer({}, new Map(), {
    host: process.env.STRATA_CHALLENGER_HOST ?? "127.0.0.1",
    port: Number(process.env.STRATA_CHALLENGER_PORT ?? 8550),
    logger,
    service: { name: "challenger" },
  });
  await untilSignal();
  logger.info("stopping");
  challenger.stop();
  await running;
  await server.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
