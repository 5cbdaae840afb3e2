// `npm run bench`: runs every subsystem's benchmarks (src/bench/) on Hardhat's in-process network,
// prints a table and writes reports/bench.json, a flat object of "<name>": number. Figures are
// measured, never asserted. STRATA_BENCH picks suites (comma-separated: shared, bridge, optimistic,
// channels, channels-offchain, zk; default all).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ethers, network } from "hardhat";
import { benchSuitesFrom, formatFigures, runBench } from "../src/bench/run";
import { createLogger } from "../src/common/logger";

async function main(): Promise<void> {
  const suites = benchSuitesFrom(process.env.STRATA_BENCH);
  const chain = {
    provider: ethers.provider,
    signers: await ethers.getSigners(),
    network: network.name,
  };
  const figures = await runBench(chain, suites, createLogger({ scope: "bench" }));
  console.log(formatFigures(figures));
  const dir = join(__dirname, "..", "reports");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "bench.json"), JSON.stringify(figures, null, 2) + "\n");
  console.log(`\nwrote reports/bench.json (${Object.keys(figures).length} figures)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
