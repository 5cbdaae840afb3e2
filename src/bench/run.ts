// `npm run bench`: every subsystem's benchmarks on one local chain, in order, and their figures as a
// table. Figures are measured, never asserted. The `bench` task is the entry point: it hands over
// Hardhat's chain and writes reports/bench.json.
import type { Logger } from "../common/logger";
import { benchBridge } from "./bridge";
import type { LocalChain } from "./chain";
import { benchChannelThroughput } from "./channel-throughput";
import { benchChannels } from "./channels";
import { BenchConfigError } from "./errors";
import type { Figures } from "./figures";
import { benchOptimistic } from "./optimistic";
import { benchShared } from "./shared";
import { benchSidechain } from "./sidechain";
import { benchZk } from "./zk";

/** The suites, in the order they run. `channels-offchain` and `shared` need no chain. */
export const BENCH_SUITES = [
  "shared",
  "bridge",
  "optimistic",
  "channels",
  "channels-offchain",
  "zk",
  "sidechain",
] as const;
export type BenchSuite = (typeof BENCH_SUITES)[number];

const RUNNERS: Record<BenchSuite, (chain: LocalChain) => Promise<Figures>> = {
  shared: () => benchShared(),
  bridge: benchBridge,
  optimistic: benchOptimistic,
  channels: benchChannels,
  "channels-offchain": () => benchChannelThroughput(),
  zk: benchZk,
  sidechain: benchSidechain,
};

/** The suites a comma-separated list names (STRATA_BENCH), in run order; empty or undefined: all. */
export function benchSuitesFrom(list: string | undefined): BenchSuite[] {
  const named = (list ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  if (named.length === 0) return [...BENCH_SUITES];
  const unknown = named.filter((name) => !(BENCH_SUITES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new BenchConfigError(`no bench suite ${unknown.join(", ")} (suites: ${BENCH_SUITES.join(", ")})`);
  }
  return BENCH_SUITES.filter((suite) => named.includes(suite));
}

/** Runs `suites` on `chain`, one after the other; every figure they measured. */
export async function runBench(
  chain: LocalChain,
  suites: readonly BenchSuite[],
  log?: Logger,
): Promise<Figures> {
  const figures: Figures = {};
  for (const suite of suites) {
    log?.info(`${suite}…`);
    Object.assign(figures, await RUNNERS[suite](chain));
  }
  return figures;
}

/** The figures as aligned lines: name, then the value with thousands separators. */
export function formatFigures(figures: Figures): string {
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  return Object.entries(figures)
    .map(([name, value]) => `${name.padEnd(width)}  ${value.toLocaleString("en-US").padStart(12)}`)
    .join("\n");
}
