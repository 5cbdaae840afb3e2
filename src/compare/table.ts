// The comparison as text: aligned tables for the terminal (gas; times measured here; times at
// production parameters, a model; the zk rollup at production batch sizes, a model; what each design
// trusts; the seed claims) and one Markdown summary table for the README and docs/compare.md. Pure.
import { formatBlocks, formatDuration, formatGas, formatLatency } from "./format";
import type { Estimate } from "./model";
import type { CompareReport, ComparisonRow } from "./report";
import { machineLine } from "./report";
import type { SweepReport, SweepRow } from "./sweep-model";
import { formatEthAmount, formatGwei } from "./sweep-model";

type Align = "l" | "r";

/** Columns padded to their widest cell; `align` per column (default left). */
export function renderTable(headers: string[], rows: string[][], align: Align[] = []): string[] {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (align[c] === "r" ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** A design a row: its soft confirmation, finality on Layer 1 and paid withdrawal, as `cells` writes them. */
function timeTable<T extends { label: string }>(
  designs: T[],
  cells: (design: T) => [soft: string, final: string, withdrawal: string],
): string[] {
  return renderTable(
    ["design", "soft confirmation", "final on Layer 1", "withdrawal paid on Layer 1"],
    designs.map((d) => [d.label, ...cells(d)]),
  );
}

export function formatTables(r: CompareReport): string {
  const out: string[] = [];
  const section = (title: string, lines: string[]) => out.push("", title, ...lines);
  out.push(r.title, `${r.workload.description}.`, `${dateOf(r)} on ${machineLine(r.machine)}; ${r.chain}.`);

  section(
    "Layer-1 gas, measured (every transaction mined during each part, from its receipt)",
    renderTable(
      ["design", "entry", "transfers", "exit", "total", "per transfer", "all-in / transfer", "L1 txs e/t/x"],
      r.designs.map((d) => {
        const { gas, transactions: t } = d.measured;
        return [
          d.label,
          formatGas(gas.entry),
          formatGas(gas.transfers),
          formatGas(gas.exit),
          formatGas(gas.total),
          formatGas(d.measured.gasPerTransfer),
          formatGas(d.measured.allInGasPerTransfer),
          `${t.entry}/${t.transfers}/${t.exit}`,
        ];
      }),
      ["l", "r", "r", "r", "r", "r", "r", "r"],
    ),
  );

  section(
    "Time here, measured (median wall-clock on this machine and Layer-1 blocks; the local chain mines a " +
      "block per transaction and jumps its clock over windows: evm_setNextBlockTimestamp)",
    timeTable(r.designs, ({ measured: m }) => [
      formatLatency(m.soft),
      formatLatency(m.final),
      m.withdrawal ? formatLatency(m.withdrawal) : "n/a (already on Layer 1)",
    ]),
  );

  const p = r.parameters.production;
  section(
    `Time at production parameters, a MODEL (${p.blockSeconds} s blocks, finality ${formatDuration(
      p.finalitySeconds,
    )}, ${formatDuration(p.challengeWindowSeconds)} challenge window, ${formatDuration(
      p.channelDisputeSeconds,
    )} channel dispute window, batches closed after ${p.batchAgeSeconds} s, ${p.sidechainBlockSeconds} s sidechain ` +
      `blocks, a checkpoint every ${formatDuration(p.checkpointIntervalSeconds)}; off-chain work as measured here)`,
    timeTable(r.rows, (row) => [
      estimateCell(row.times.soft),
      estimateCell(row.times.final),
      withdrawalCell(row),
    ]),
  );

  if (r.zkModel.status === "modelled") {
    const [small, large] = r.zkModel.from;
    section(
      `zk rollup at production batch sizes, a MODEL from the measured ${small.slots}- and ${large.slots}-slot ` +
        `batches (gas = ${formatGas(r.zkModel.gas.base)} + n × ${formatGas(r.zkModel.gas.perSlot)}; proving ` +
        `= ${r.zkModel.msPerConstraint.toFixed(3)} ms per constraint on this machine)`,
      renderTable(
        ["per batch", "gas per transfer", "constraints", "proving here", "final (production)"],
        r.zkModel.rows.map((m) => [
          m.batchSize.toLocaleString("en-US"),
          formatGas(m.gasPerTransfer),
          formatGas(m.constraints),
          formatDuration(m.provingSeconds),
          formatDuration(m.times.final.seconds),
        ]),
        ["r", "r", "r", "r", "r"],
      ),
    );
  } else {
    section("zk rollup at production batch sizes: no model", [`  ${r.zkModel.reason}`]);
  }

  if (r.sweep) {
    section(sweepTitle(r.sweep), renderTable(SWEEP_HEADERS, r.sweep.rows.map(sweepCells), SWEEP_ALIGN));
    section(
      "How the load sweep's MODEL rows are derived (parts measured in this run)",
      r.sweep.parts.map((p) =>
        "unavailable" in p ? `  ${p.label}: no model (${p.unavailable})` : `  ${p.label}: ${p.derivation}`,
      ),
    );
  }

  section(
    "What a user must trust",
    r.designs.flatMap((d) => [d.label, ...d.trust.map((t) => `  - ${t}`)]),
  );
  section(
    "The seed claims",
    r.findings.flatMap((f) => [`${f.claim}: ${f.verdict}.`, `  ${f.finding}`]),
  );
  return out.join("\n") + "\n";
}

/** The one summary table (Markdown) that goes into the README and docs/compare.md. */
export function formatMarkdown(r: CompareReport): string {
  const header =
    "| design | Layer-1 gas per transfer | all-in per transfer | soft confirmation (here) | " +
    "final (production, model) | withdrawal to Layer 1 (production, model) |";
  const lines = [header, "| --- | ---: | ---: | ---: | ---: | ---: |"];
  for (const row of r.rows) {
    const d = r.designs.find((x) => x.id === row.id);
    lines.push(
      `| ${row.label} | ${formatGas(row.gasPerTransfer)} | ${
        row.allInGasPerTransfer === null ? "—" : formatGas(row.allInGasPerTransfer)
      } | ${d ? softHere(d.measured.soft.ms, d.measured.soft.blocks) : "—"} | ${formatDuration(
        row.times.final.seconds,
      )} | ${withdrawalCell(row)} |`,
    );
  }
  return lines.join("\n") + "\n";
}

const SWEEP_HEADERS = [
  "design",
  "transfers",
  "run",
  "batches",
  "gas / transfer",
  "blob gas / transfer",
  "all-in gas / transfer",
  "all-in blob gas / transfer",
  "all-in cost / transfer",
];
const SWEEP_ALIGN: Align[] = ["l", "r", "l", "r", "r", "r", "r", "r", "r"];

function sweepTitle(s: SweepReport): string {
  return (
    `Cost per transfer as the load grows (the load sweep: measured runs, and MODEL rows from parts measured ` +
    `in this run; cost at a base fee of ${formatGwei(s.fees.baseFeeWei)} and a blob base fee of ` +
    `${formatGwei(s.fees.blobBaseFeeWei)}, an example)`
  );
}

function sweepCells(row: SweepRow): string[] {
  const p = row.perTransfer;
  return [
    row.label,
    row.transfers.toLocaleString("en-US"),
    row.model ? "model" : "measured",
    row.batches === 0 ? "—" : row.batches.toLocaleString("en-US"),
    formatGas(p.gas),
    formatGas(p.blobGas),
    formatGas(p.allInGas),
    formatGas(p.allInBlobGas),
    formatEthAmount(p.allInCostWei),
  ];
}

/** The load sweep as one Markdown table (docs/compare.md), with how each model row is derived. */
export function formatSweepMarkdown(s: SweepReport): string {
  const lines = [
    `Cost per transfer as the load grows; cost at a base fee of ${formatGwei(s.fees.baseFeeWei)} and a blob ` +
      `base fee of ${formatGwei(s.fees.blobBaseFeeWei)} (an example). "model" rows are models.`,
    "",
    `| ${SWEEP_HEADERS.join(" | ")} |`,
    `| ${SWEEP_ALIGN.map((a) => (a === "r" ? "---:" : "---")).join(" | ")} |`,
    ...s.rows.map((row) => `| ${sweepCells(row).join(" | ")} |`),
    "",
    ...s.parts.map((p) =>
      "unavailable" in p ? `- ${p.label}: no model (${p.unavailable}).` : `- ${p.label}: ${p.derivation}.`,
    ),
  ];
  return lines.join("\n") + "\n";
}

function softHere(ms: number, blocks: number): string {
  return `${formatDuration(ms / 1000)}${blocks > 0 ? ` (${formatBlocks(blocks)})` : ""}`;
}

function estimateCell(e: Estimate): string {
  return `${formatDuration(e.seconds)}, ${formatBlocks(e.blocks)}`;
}

function withdrawalCell(row: ComparisonRow): string {
  const w = row.times.withdrawal;
  if (!w) return "n/a (already on Layer 1)";
  const unilateral = row.times.unilateralWithdrawal;
  return unilateral
    ? `${formatDuration(w.seconds)} (unilateral: ${formatDuration(unilateral.seconds)})`
    : formatDuration(w.seconds);
}

export function dateOf(r: CompareReport): string {
  return r.generatedAt.slice(0, 10);
}
