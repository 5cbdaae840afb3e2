// reports/compare-sweep.svg: the load sweep at a glance, hand-written SVG with the pieces of chart.ts
// (text, escaping, wrapping, log scales). Two panels of lines on log-log axes, transfers across, one line
// per design: the all-in cost per transfer in ETH at the sweep's fees, and Layer-1 gas per transfer with
// the blob design's blob gas as a line of its own (gas and blob gas apart). Measured points are filled
// dots on solid lines; MODEL points are hollow, drawn with dashed lines and listed as models in the
// caption. Pure: a string from a report.
import { esc, gasTickLabel, logScale, svgDocument, text } from "./chart";
import type { CompareReport } from "./report";
import { machineLine } from "./report";
import type { SweepDesign, SweepRow } from "./sweep-model";
import { formatEthAmount, formatGwei } from "./sweep-model";
import { dateOf } from "./table";

const WIDTH = 1000;
const PLOT_LEFT = 110;
const PLOT_RIGHT = 700;
const PLOT_HEIGHT = 260;
const LEGEND_X = 730;

export const SWEEP_COLORS: Record<SweepDesign, string> = {
  "l1-eth": "#4a5568",
  "optimistic-calldata": "#dd6b20",
  "optimistic-blobs": "#2b6cb0",
  zk: "#805ad5",
  channels: "#38a169",
};

/** One line of a panel: its points (transfers, value) and how it is labelled. */
interface Line {
  key: string;
  design: SweepDesign;
  label: string;
  dashed: boolean;
  points: { transfers: number; value: number; model: boolean }[];
}

interface Panel {
  title: string;
  lines: Line[];
  tickLabel(value: number): string;
}

export function renderSweepChart(r: CompareReport): string {
  const s = r.sweep;
  if (!s) throw new Error("the report has no load sweep");
  const designs = [...new Set(s.rows.map((row) => row.design))];
  const rowsOf = (d: SweepDesign) => s.rows.filter((row) => row.design === d);
  const labelOf = (d: SweepDesign) => rowsOf(d).find((row) => !row.model)?.label ?? rowsOf(d)[0].label;
  const lineOf = (
    d: SweepDesign,
    key: string,
    label: string,
    value: (row: SweepRow) => number,
    dashed = false,
  ) => ({
    key,
    design: d,
    label,
    dashed,
    points: rowsOf(d).map((row) => ({ transfers: row.transfers, value: value(row), model: row.model })),
  });
  const panels: Panel[] = [
    {
      title:
        `All-in cost per transfer in ETH at a base fee of ${formatGwei(s.fees.baseFeeWei)} and a blob base fee of ` +
        `${formatGwei(s.fees.blobBaseFeeWei)} (an example; log scales)`,
      lines: designs.map((d) => lineOf(d, d, labelOf(d), (row) => Number(row.perTransfer.allInCostWei))),
      tickLabel: (wei) => formatEthAmount(BigInt(Math.round(wei))).replace(" ETH", ""),
    },
    {
      title: "All-in Layer-1 gas per transfer, and blob gas apart (log scales)",
      lines: [
        ...designs.map((d) => lineOf(d, d, labelOf(d), (row) => row.perTransfer.allInGas)),
        ...designs
          .filter((d) => rowsOf(d).some((row) => row.blobGas.total > 0))
          .map((d) =>
            lineOf(d, `${d}-blob`, `${labelOf(d)}: blob gas`, (row) => row.perTransfer.allInBlobGas, true),
          ),
      ],
      tickLabel: gasTickLabel,
    },
  ];

  const parts: string[] = [];
  let y = 36;
  const title = `Cost per transfer as the load grows: ${r.workload.users} users, ${s.loads
    .map((n) => n.toLocaleString("en-US"))
    .join(" / ")} transfers`;
  parts.push(text(WIDTH / 2, y, esc(title), { size: 19, weight: "bold", anchor: "middle" }));
  y += 14;
  for (const panel of panels) y = drawPanel(parts, panel, s.loads, y + 28);
  y += 4;
  return svgDocument(WIDTH, title, parts, y, caption(r));
}

/** Powers of ten from below `min` to above `max`. */
function decades(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
  return out;
}

/** Draws one panel from `top`; returns the y below it. */
function drawPanel(parts: string[], panel: Panel, loads: number[], top: number): number {
  parts.push(text(20, top, esc(panel.title), { size: 14, weight: "bold" }));
  const plotTop = top + 16;
  const plotBottom = plotTop + PLOT_HEIGHT;
  const values = panel.lines.flatMap((l) => l.points.map((p) => p.value)).filter((v) => v > 0);
  const yTicks = decades(Math.min(...values), Math.max(...values)).map((value) => ({ value }));
  const yScale = logScale(yTicks, Math.min(...values), Math.max(...values), [plotBottom, plotTop]);
  const xTicks = decades(Math.min(...loads), Math.max(...loads)).map((value) => ({ value }));
  const xScale = logScale(xTicks, Math.min(...loads), Math.max(...loads), [PLOT_LEFT, PLOT_RIGHT]);

  for (const t of yTicks.filter((t) => t.value >= yScale.lo && t.value <= yScale.hi)) {
    const ty = yScale.x(t.value).toFixed(1);
    parts.push(`<line x1="${PLOT_LEFT}" y1="${ty}" x2="${PLOT_RIGHT}" y2="${ty}" stroke="#e2e2e2"/>`);
    parts.push(
      text(PLOT_LEFT - 6, Number(ty) + 4, esc(panel.tickLabel(t.value)), {
        size: 11,
        anchor: "end",
        fill: "#555",
      }),
    );
  }
  for (const t of xTicks.filter((t) => t.value >= xScale.lo && t.value <= xScale.hi)) {
    const tx = xScale.x(t.value).toFixed(1);
    parts.push(`<line x1="${tx}" y1="${plotTop}" x2="${tx}" y2="${plotBottom}" stroke="#e2e2e2"/>`);
    parts.push(
      text(Number(tx), plotBottom + 14, esc(t.value.toLocaleString("en-US")), {
        size: 11,
        anchor: "middle",
        fill: "#555",
      }),
    );
  }
  parts.push(
    `<rect x="${PLOT_LEFT}" y="${plotTop}" width="${PLOT_RIGHT - PLOT_LEFT}" height="${PLOT_HEIGHT}" ` +
      `fill="none" stroke="#888"/>`,
  );
  parts.push(
    text((PLOT_LEFT + PLOT_RIGHT) / 2, plotBottom + 30, "transfers (load)", {
      size: 12,
      anchor: "middle",
      fill: "#333",
    }),
  );

  panel.lines.forEach((line, i) => {
    const color = SWEEP_COLORS[line.design];
    const pts = line.points
      .filter((p) => p.value > 0)
      .map((p) => ({ ...p, x: xScale.x(p.transfers), y: yScale.x(p.value) }));
    for (let k = 1; k < pts.length; k++) {
      const [a, b] = [pts[k - 1], pts[k]];
      const dashed = line.dashed || a.model || b.model;
      parts.push(
        `<line x1="${a.x.toFixed(1)}" y1="${a.y.toFixed(1)}" x2="${b.x.toFixed(1)}" y2="${b.y.toFixed(1)}" ` +
          `stroke="${color}" stroke-width="2"${dashed ? ` stroke-dasharray="${line.dashed ? "2 3" : "6 4"}"` : ""}/>`,
      );
    }
    for (const p of pts) {
      parts.push(
        `<circle class="point" data-line="${esc(line.key)}" data-transfers="${p.transfers}" ` +
          `data-model="${p.model}" cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="${p.model ? 4.5 : 4}" ` +
          `fill="${p.model ? "#ffffff" : color}" stroke="${color}" stroke-width="2"/>`,
      );
    }
    const ly = plotTop + 10 + i * 20;
    parts.push(
      `<line x1="${LEGEND_X}" y1="${ly - 4}" x2="${LEGEND_X + 22}" y2="${ly - 4}" stroke="${color}" ` +
        `stroke-width="2"${line.dashed ? ` stroke-dasharray="2 3"` : ""}/>`,
    );
    parts.push(text(LEGEND_X + 28, ly, esc(line.label), { size: 11.5 }));
  });
  const ky = plotTop + 10 + panel.lines.length * 20 + 6;
  parts.push(
    `<circle cx="${LEGEND_X + 6}" cy="${ky - 4}" r="4" fill="#555" stroke="#555" stroke-width="2"/>`,
  );
  parts.push(text(LEGEND_X + 28, ky, "measured (a real run)", { size: 11.5 }));
  parts.push(
    `<circle cx="${LEGEND_X + 6}" cy="${ky + 16}" r="4.5" fill="#ffffff" stroke="#555" stroke-width="2"/>`,
  );
  parts.push(
    text(LEGEND_X + 28, ky + 20, "model (hollow, dashed)", {
      size: 11.5,
      style: "italic",
    }),
  );
  return plotBottom + 44;
}

function caption(r: CompareReport): string[] {
  const s = r.sweep!;
  return [
    `Measured ${dateOf(r)} on ${machineLine(r.machine)}, Hardhat's in-process chain; gas from receipts, blob gas from block headers. ` +
      `All-in: entering Layer 2 (deposits, channel funding), the transfers and leaving (a withdrawal, the closes), over the transfers.`,
    ...s.parts.map((p) =>
      "unavailable" in p ? `${p.label}: no model (${p.unavailable}).` : `${p.label}, model: ${p.derivation}.`,
    ),
  ];
}
