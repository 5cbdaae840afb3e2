// The measurements, on Hardhat's in-process network:
//
//   npx hardhat compare   (npm run compare) Layer 1 vs each Layer-2 design on one workload (10 users, 100
//                         transfers, one withdrawal back to Layer 1), for real, real proofs included; prints
//                         the tables, writes reports/compare.json, .svg and .md (--snapshot: also
//                         docs/compare.svg, the committed chart)
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
  const [{ renderChart }, { writeReport }, { runComparison }, { formatMarkdown, formatTables }] =
    await Promise.all([
      import("../src/compare/chart"),
      import("../src/compare/report"),
      import("../src/compare/run"),
      import("../src/compare/table"),
    ]);
  const report = await runComparison(await localChain(hre), {
    users: s.users,
    transfers: s.transfers,
    zkProfile: s.zkProfile,
    designs: s.designs,
  });
  const files = writeReport(
    report,
    renderChart(report),
    formatMarkdown(report),
    join(ROOT, "reports"),
    s.snapshot ? join(ROOT, "docs") : undefined,
  );
  console.log(formatTables(report));
  console.log(`wrote ${Object.values(files).join(", ")} (${report.durationSeconds} s)`);
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
