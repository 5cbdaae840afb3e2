// `npm run bench`: runs every subsystem's benchmarks on Hardhat's in-process network, prints a table
// and writes reports/bench.json, a flat object of "<name>": number. Figures are measured, never asserted.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { benchBridge } from "./bench/bridge";
import { benchChannelThroughput } from "./bench/channel-throughput";
import { benchChannels } from "./bench/channels";
import { benchOptimistic } from "./bench/optimistic";
import { benchShared } from "./bench/shared";
import { benchZk } from "./bench/zk";
import type { Figures } from "./bench/figures";

const SUITES: [string, () => Promise<Figures>][] = [
  ["shared", benchShared],
  ["bridge", benchBridge],
  ["optimistic", benchOptimistic],
  ["channels", benchChannels],
  ["channels-offchain", benchChannelThroughput],
  ["zk", benchZk],
];

async function main(): Promise<void> {
  const only = process.env.STRATA_BENCH;
  const figures: Figures = {};
  for (const [name, run] of SUITES) {
    if (only && !only.split(",").includes(name)) continue;
    process.stderr.write(`bench: ${name}…\n`);
    Object.assign(figures, await run());
  }
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  for (const [name, value] of Object.entries(figures)) {
    console.log(`${name.padEnd(width)}  ${value.toLocaleString("en-US").padStart(12)}`);
  }
  const dir = join(__dirname, "..", "reports");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "bench.json"), JSON.stringify(figures, null, 2) + "\n");
  console.log(`\nwrote reports/bench.json (${Object.keys(figures).length} figures)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
