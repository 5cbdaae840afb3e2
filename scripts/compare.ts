// `npm run compare`: the measured Layer-1 vs Layer-2 comparison (src/compare/). Runs one workload (10
// users, 100 transfers, one withdrawal back to Layer 1) for real on plain Layer 1 (ETH and ERC-20), the
// optimistic rollup, the zk rollup (real proofs) and payment channels, on Hardhat's in-process network;
// prints the tables and writes reports/compare.json, reports/compare.svg and reports/compare.md (the
// Markdown summary table).
//
// Settings (`hardhat run` passes no arguments to a script, so they come from the environment):
//   STRATA_COMPARE_USERS       users (default 10)
//   STRATA_COMPARE_TRANSFERS   transfers (default 100)
//   STRATA_COMPARE_ZK_PROFILE  the zk circuit profile (default: `default` if built, else `test`)
//   STRATA_COMPARE_DESIGNS     a comma-separated subset of l1,optimistic,channels,zk (default: all)
//   STRATA_COMPARE_SNAPSHOT=1  also write the chart to docs/compare.svg (the committed snapshot)
import { join } from "node:path";
import { ethers, network } from "hardhat";
import { envInteger } from "../src/common/env";
import { renderChart } from "../src/compare/chart";
import { writeReport } from "../src/compare/report";
import type { DesignGroup } from "../src/compare/run";
import { runComparison } from "../src/compare/run";
import { formatMarkdown, formatTables } from "../src/compare/table";

async function main(): Promise<void> {
  const designs = process.env.STRATA_COMPARE_DESIGNS?.split(",").map((d) => d.trim() as DesignGroup);
  const chain = { provider: ethers.provider, signers: await ethers.getSigners(), network: network.name };
  const report = await runComparison(chain, {
    users: envInteger("STRATA_COMPARE_USERS"),
    transfers: envInteger("STRATA_COMPARE_TRANSFERS"),
    zkProfile: process.env.STRATA_COMPARE_ZK_PROFILE || undefined,
    designs,
  });
  const root = join(__dirname, "..");
  const snapshot = process.env.STRATA_COMPARE_SNAPSHOT === "1" ? join(root, "docs") : undefined;
  const files = writeReport(
    report,
    renderChart(report),
    formatMarkdown(report),
    join(root, "reports"),
    snapshot,
  );
  console.log(formatTables(report));
  console.log(`wrote ${Object.values(files).join(", ")} (${report.durationSeconds} s)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
