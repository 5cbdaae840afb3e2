// The measurements, on Hardhat's in-process network:
//
//   npx hardhat compare   (npm run compare) Layer 1 vs each Layer-2 design on one workload (10 users, 100
//                         transfers, one withdrawal back to Layer 1), for real, real proofs included; prints
//                         the tables, writes reports/compare.json, .svg and .md, and with the load sweep
//                         (STRATA_COMPARE_SWEEP) reports/compare-sweep.svg (--snapshot: also the charts
//                         in docs/, the committed ones)
//   npx hardhat bench     (npm run bench) every subsystem's benchmarks; prints a table and writes
//                         reports/bench.json, a flat object of "<name>": number. Figures are measured,
//                         never asserted. Builds both zk profiles first.
import { join } from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { buildZkProfiles, compileFirst } from "./build";
import { strataTask } from "./strata-task";

const ROOT = join(__dirname, "..");

async function localChain(hre: HardhatRuntimeEnvironment) {
  return { provider: hre.ethers.provider, signers: await hre.ethers.getSigners(), network: hre.network.name };
}

strataTask("compare", async (s, hre) => {
  await compileFirst(hre, s.ptau);
  const [
    { renderChart },
    { writeReport },
    { runComparison },
    { formatMarkdown, formatSweepMarkdown, formatTables },
    { renderSweepChart },
  ] = await Promise.all([
    import("../src/compare/chart"),
    import("../src/compare/report"),
    import("../src/compare/run"),
    import("../src/compare/table"),
    import("../src/compare/sweep-chart"),
  ]);
  const report = await runComparison(await localChain(hre), {
    users: s.users,
    transfers: s.transfers,
    zkProfile: s.zkProfile,
    designs: s.designs,
    sweep:
      s.sweep.length > 0
        ? { loads: s.sweep, fees: { baseFeeWei: s.baseFeeGwei, blobBaseFeeWei: s.blobBaseFeeGwei } }
        : undefined,
  });
  const files = writeReport(
    report,
    {
      "compare.svg": renderChart(report),
      ...(report.sweep ? { "compare-sweep.svg": renderSweepChart(report) } : {}),
    },
    formatMarkdown(report) + (report.sweep ? `\n${formatSweepMarkdown(report.sweep)}` : ""),
    join(ROOT, "reports"),
    s.snapshot ? join(ROOT, "docs") : undefined,
  );
  console.log(formatTables(report));
  const written = [files.json, ...files.svgs, files.markdown, ...files.snapshots];
  console.log(`wrote ${written.join(", ")} (${report.durationSeconds} s)`);
});

strataTask("bench", async (s, hre) => {
  await buildZkProfiles(["all"], s.ptau);
  await compileFirst(hre, s.ptau);
  const [{ mkdirSync, writeFileSync }, { formatFigures, runBench }, { createLogger }] = await Promise.all([
    import("node:fs"),
    import("../src/bench/run"),
    import("../src/common/logger"),
  ]);
  const figures = await runBench(await localChain(hre), s.suites, createLogger({ scope: "bench" }));
  console.log(formatFigures(figures));
  const dir = join(ROOT, "reports");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "bench.json"), JSON.stringify(figures, null, 2) + "\n");
  console.log(`\nwrote reports/bench.json (${Object.keys(figures).length} figures)`);
});
