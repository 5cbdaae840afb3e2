// The comparison's report (`npm run compare`): the designs' measurements, the models built from them,
// the workload, the date and the machine, in one object that the table, the chart and
// reports/compare.json all read. Measured figures live under `measured`, modelled ones under `model`
// (or in `zkModel`), never mixed. Building it is pure; `writeReport` writes the files.
import { mkdirSync, writeFileSync } from "node:fs";
import { arch, cpus, loadavg, release, totalmem, type } from "node:os";
import { join } from "node:path";
import { formatEther } from "ethers";
import { findingsFor } from "./claims";
import type { Finding } from "./claims";
import type { ProductionParameters, ProductionTimes, ZkModel } from "./model";
import { PRODUCTION, buildZkModel, productionTimes } from "./model";
import type { SweepReport } from "./sweep-model";
import type { ByPart, DesignId, DesignMeasurement, Latency, Outcomes, ZkProfileMeasurement } from "./types";
import type { Workload } from "./workload";
import { describeWorkload } from "./workload";

export interface MachineInfo {
  os: string;
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  /** 1, 5 and 15-minute load averages when the run started (the machine may be shared). */
  loadAverage: number[];
}

export function describeMachine(): MachineInfo {
  const cores = cpus();
  return {
    os: `${type()} ${release()} ${arch()}`,
    cpu: cores[0]?.model.trim() ?? "unknown",
    cores: cores.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** The machine in one line, for captions. */
export function machineLine(m: MachineInfo): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}, Node ${m.node}`;
}

/** A design in the report: what was measured, apart from what was modelled. */
export interface DesignReport {
  id: DesignId;
  label: string;
  measured: {
    gas: ByPart & { total: number };
    transactions: ByPart;
    /** Gas of the transfers part over the number of transfers. */
    gasPerTransfer: number;
    /** Everything (entry, transfers, exit) over the number of transfers. */
    allInGasPerTransfer: number;
    soft: Latency;
    final: Latency;
    withdrawal: Latency | null;
    withdrawalWaitSeconds: number | null;
    milestones: DesignMeasurement["milestones"];
    parameters: DesignMeasurement["parameters"];
    pieces: DesignMeasurement["pieces"];
  };
  /** At production parameters: a MODEL built from the measured pieces. */
  model: ProductionTimes;
  trust: string[];
  outcomes: Outcomes;
  notes: string[];
}

/** One line of the table and one bar pair of the chart: a design, or a zk model row. */
export interface ComparisonRow {
  id: string;
  label: string;
  /** True when the row is a model (the zk rollup at production batch sizes). */
  model: boolean;
  gasPerTransfer: number;
  /** null for model rows: only the transfers are modelled. */
  allInGasPerTransfer: number | null;
  times: ProductionTimes;
}

export type ZkModelReport = ({ status: "modelled" } & ZkModel) | { status: "unavailable"; reason: string };

export interface CompareReport {
  title: string;
  generatedAt: string;
  durationSeconds: number;
  machine: MachineInfo;
  chain: string;
  workload: {
    description: string;
    users: number;
    transfers: number;
    pattern: string;
    fundingEth: string;
    transferAmountsEth: string[];
    withdrawal: { user: number; amountEth: string };
  };
  parameters: { production: ProductionParameters };
  designs: DesignReport[];
  zkModel: ZkModelReport;
  rows: ComparisonRow[];
  /** Cost per transfer as the load grows: measured rows and MODEL rows (null: not swept). */
  sweep: SweepReport | null;
  findings: Finding[];
}

export interface ReportInputs {
  workload: Workload;
  designs: DesignMeasurement[];
  /** The zk rollup measured in two profiles, or why not. */
  zkProfiles: ZkProfileMeasurement[] | { unavailable: string };
  /** The load sweep, if it ran. */
  sweep?: SweepReport;
  machine: MachineInfo;
  generatedAt: Date;
  durationSeconds: number;
  chain: string;
}

export function buildReport(i: ReportInputs): CompareReport {
  const transfers = i.workload.transfers.length;
  const designs = i.designs.map((d) => designReport(d, transfers));
  const zk = designs.find((d) => d.id === "zk");
  const zkModel: ZkModelReport =
    "unavailable" in i.zkProfiles
      ? { status: "unavailable", reason: i.zkProfiles.unavailable }
      : !zk
        ? { status: "unavailable", reason: "the zk rollup was not run" }
        : { status: "modelled", ...buildZkModel(i.zkProfiles, zk.measured.soft.ms) };
  const report: CompareReport = {
    title: "Strata: Layer 1 vs Layer 2, one workload, measured",
    generatedAt: i.generatedAt.toISOString(),
    durationSeconds: Math.round(i.durationSeconds),
    machine: i.machine,
    chain: i.chain,
    workload: {
      description: describeWorkload(i.workload),
      users: i.workload.users,
      transfers,
      pattern: "transfer k: user k mod N pays user (k+1) mod N (1 + k mod 5) × 0.001 ETH",
      fundingEth: formatEther(i.workload.funding),
      transferAmountsEth: [...new Set(i.workload.transfers.map((t) => formatEther(t.amount)))],
      withdrawal: { user: i.workload.withdrawal.user, amountEth: formatEther(i.workload.withdrawal.amount) },
    },
    parameters: { production: PRODUCTION },
    designs,
    zkModel,
    rows: comparisonRows(designs, zkModel),
    sweep: i.sweep ?? null,
    findings: [],
  };
  report.findings = findingsFor(report);
  return report;
}

function designReport(d: DesignMeasurement, transfers: number): DesignReport {
  const total = d.gas.entry + d.gas.transfers + d.gas.exit;
  return {
    id: d.id,
    label: d.label,
    measured: {
      gas: { ...d.gas, total },
      transactions: d.transactions,
      gasPerTransfer: Math.round(d.gas.transfers / transfers),
      allInGasPerTransfer: Math.round(total / transfers),
      soft: d.soft,
      final: d.final,
      withdrawal: d.withdrawal,
      withdrawalWaitSeconds: d.withdrawalWaitSeconds,
      milestones: d.milestones,
      parameters: d.parameters,
      pieces: d.pieces,
    },
    model: productionTimes({ id: d.id, softMs: d.soft.ms, provingMs: d.pieces.provingMs }),
    trust: d.trust,
    outcomes: d.outcomes,
    notes: d.notes,
  };
}

/** The designs in the report's order, with the zk model rows right after the measured zk rollup. */
function comparisonRows(designs: DesignReport[], zkModel: ZkModelReport): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  for (const d of designs) {
    rows.push({
      id: d.id,
      label: d.label,
      model: false,
      gasPerTransfer: d.measured.gasPerTransfer,
      allInGasPerTransfer: d.measured.allInGasPerTransfer,
      times: d.model,
    });
    if (d.id === "zk" && zkModel.status === "modelled") {
      for (const r of zkModel.rows) {
        rows.push({
          id: `zk-model-${r.batchSize}`,
          label: `zk rollup, ${r.batchSize.toLocaleString("en-US")} per batch (model)`,
          model: true,
          gasPerTransfer: r.gasPerTransfer,
          allInGasPerTransfer: null,
          times: r.times,
        });
      }
    }
  }
  return rows;
}

/** reports/compare.json: the report with amounts as decimal strings. */
export function reportJson(report: CompareReport): string {
  return JSON.stringify(report, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n";
}

export interface WrittenFiles {
  json: string;
  svgs: string[];
  markdown: string;
  snapshots: string[];
}

/**
 * Writes `<dir>/compare.json`, each chart of `svgs` (file name → SVG) and `<dir>/compare.md` (the summary
 * tables and the findings), and the charts to `snapshotDir` too if given.
 */
export function writeReport(
  report: CompareReport,
  svgs: Record<string, string>,
  markdownTable: string,
  dir: string,
  snapshotDir?: string,
): WrittenFiles {
  mkdirSync(dir, { recursive: true });
  const files: WrittenFiles = {
    json: join(dir, "compare.json"),
    svgs: [],
    markdown: join(dir, "compare.md"),
    snapshots: [],
  };
  writeFileSync(files.json, reportJson(report));
  for (const [name, svg] of Object.entries(svgs)) {
    files.svgs.push(join(dir, name));
    writeFileSync(join(dir, name), svg);
    if (snapshotDir) {
      files.snapshots.push(join(snapshotDir, name));
      writeFileSync(join(snapshotDir, name), svg);
    }
  }
  const findings = report.findings.map((f) => `- **${f.claim}**: ${f.verdict}. ${f.finding}`);
  writeFileSync(
    files.markdown,
    [
      `${report.workload.description}; ${report.generatedAt.slice(0, 10)}.`,
      "",
      markdownTable,
      ...findings,
      "",
    ].join("\n"),
  );
  return files;
}
