// `npm run compare`: the measured Layer-1 vs Layer-2 comparison. Runs one workload (10 users, 100
// transfers, one withdrawal back to Layer 1) for real on plain Layer 1 (ETH and ERC-20), the optimistic
// rollup, the zk rollup (real proofs) and payment channels, on Hardhat's in-process network; prints the
// tables and writes reports/compare.json, reports/compare.svg and reports/compare.md (the Markdown
// summary table). The logic is in scripts/compare/.
//
// Settings (`hardhat run` passes no arguments to a script, so they come from the environment):
//   STRATA_COMPARE_USERS       users (default 10)
//   STRATA_COMPARE_TRANSFERS   transfers (default 100)
//   STRATA_COMPARE_ZK_PROFILE  the zk circuit profile (default: `default` if built, else `test`)
//   STRATA_COMPARE_DESIGNS     a comma-separated subset of l1,optimistic,channels,zk (default: all)
//   STRATA_COMPARE_SNAPSHOT=1  also write the chart to docs/compare.svg (the committed snapshot)
import { join } from "node:path";
import { renderChart } from "./compare/chart";
import { CompareConfigError } from "./compare/errors";
import { writeReport } from "./compare/report";
import type { DesignGroup } from "./compare/run";
import { runComparison } from "./compare/run";
import { formatMarkdown, formatTables } from "./compare/table";

function intFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new CompareConfigError(`${name} must be an integer, not "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  const designs = process.env.STRATA_COMPARE_DESIGNS?.split(",").map((d) => d.trim() as DesignGroup);
  const report = await runComparison({
    users: intFromEnv("STRATA_COMPARE_USERS"),
    transfers: intFromEnv("STRATA_COMPARE_TRANSFERS"),
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
