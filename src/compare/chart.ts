// reports/compare.svg: the comparison at a glance, hand-written SVG (no dependency). Two panels of
// horizontal bars on log scales, one row per design (the zk rollup's production-size model rows marked
// "model" and drawn dashed): Layer-1 gas per transfer (transfers only, and all-in with entering and
// leaving Layer 2), and time to finality at production parameters (the transfer final on Layer 1, and
// the withdrawal paid there). Values are written on the bars; a caption gives the date, the machine and
// what is measured and what is modelled. Pure: a string from a report.
import { formatDuration, formatGas } from "./format";
import type { CompareReport, ComparisonRow } from "./report";
import { machineLine } from "./report";
import { dateOf } from "./table";

const WIDTH = 1000;
const LABEL_RIGHT = 290;
const PLOT_LEFT = 300;
const PLOT_RIGHT = 850;
const ROW_HEIGHT = 34;
const BAR_HEIGHT = 12;
const COLORS = { a: "#2b6cb0", b: "#90c2e7" } as const;
/** Characters per caption line (11.5 px text across the 960 px inside the margins). */
export const CAPTION_CHARS = 150;

type Series = "a" | "b";

interface Panel {
  title: string;
  legend: Record<Series, string>;
  /** A row's value in each series; null draws no bar and writes `missing` instead. */
  value(row: ComparisonRow, series: Series): number | null;
  missing(row: ComparisonRow, series: Series): string;
  format(value: number): string;
  ticks: { value: number; label: string }[];
}

const TIME_TICKS = [
  { value: 1e-3, label: "1 ms" },
  { value: 1e-2, label: "10 ms" },
  { value: 1e-1, label: "100 ms" },
  { value: 1, label: "1 s" },
  { value: 10, label: "10 s" },
  { value: 60, label: "1 min" },
  { value: 600, label: "10 min" },
  { value: 3600, label: "1 h" },
  { value: 86_400, label: "1 d" },
  { value: 604_800, label: "7 d" },
  { value: 2_592_000, label: "30 d" },
];

/** 10, 1k, 1M: a power of ten the way a gas axis labels it. */
export function gasTickLabel(value: number): string {
  return value >= 1e6 ? `${value / 1e6}M` : value >= 1e3 ? `${value / 1e3}k` : `${value}`;
}

export const GAS_TICKS = [10, 100, 1e3, 1e4, 1e5, 1e6, 1e7].map((value) => ({
  value,
  label: gasTickLabel(value),
}));

export function renderChart(r: CompareReport): string {
  const panels: Panel[] = [
    {
      title:
        "Layer-1 gas per transfer (measured from receipts; model rows: zk at production batch sizes; log scale)",
      legend: { a: "transfers only", b: "all-in: entering Layer 2 + transfers + withdrawal, per transfer" },
      value: (row, s) => {
        const v = s === "a" ? row.gasPerTransfer : row.allInGasPerTransfer;
        return v === null || v <= 0 ? null : v;
      },
      missing: (row, s) => (s === "a" ? "0: payments off-chain" : row.model ? "not modelled" : "—"),
      format: formatGas,
      ticks: GAS_TICKS,
    },
    {
      title: "Time to finality at production parameters (a MODEL built from measured pieces; log scale)",
      legend: {
        a: "transfer final on Layer 1 (channels: co-signed)",
        b: "withdrawal paid on Layer 1 and final",
      },
      value: (row, s) => (s === "a" ? row.times.final.seconds : (row.times.withdrawal?.seconds ?? null)),
      missing: () => "n/a: already on Layer 1",
      format: formatDuration,
      ticks: TIME_TICKS,
    },
  ];

  const parts: string[] = [];
  let y = 36;
  parts.push(text(WIDTH / 2, y, esc(chartTitle(r)), { size: 19, weight: "bold", anchor: "middle" }));
  y += 22;
  for (const panel of panels) y = drawPanel(parts, panel, r.rows, y + 18);
  y += 8;
  return svgDocument(WIDTH, chartTitle(r), parts, y, caption(r));
}

/**
 * A whole chart: `parts` (drawn down to `y`), then the caption's lines wrapped under them, on a white page
 * `width` wide and as tall as that; `title` is its accessible label.
 */
export function svgDocument(
  width: number,
  title: string,
  parts: string[],
  y: number,
  lines: string[],
): string {
  const body = [...parts];
  for (const line of lines.flatMap((c) => wrap(c, CAPTION_CHARS))) {
    y += 16;
    body.push(text(20, y, esc(line), { size: 11.5, fill: "#444" }));
  }
  const height = y + 18;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="Helvetica, Arial, sans-serif" role="img" aria-label="${esc(title)}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}

function chartTitle(r: CompareReport): string {
  return `Layer 1 vs Layer 2 on one workload: ${r.workload.users} users, ${r.workload.transfers} transfers, one withdrawal`;
}

/** Draws one panel from `top`; returns the y below it. */
function drawPanel(parts: string[], panel: Panel, rows: ComparisonRow[], top: number): number {
  parts.push(text(20, top, esc(panel.title), { size: 14, weight: "bold" }));
  const legendY = top + 20;
  let lx = PLOT_LEFT;
  for (const s of ["a", "b"] as const) {
    parts.push(`<rect x="${lx}" y="${legendY - 10}" width="14" height="10" fill="${COLORS[s]}"/>`);
    parts.push(text(lx + 20, legendY, esc(panel.legend[s]), { size: 12 }));
    lx += 30 + panel.legend[s].length * 6.4;
  }

  const values = rows.flatMap((row) => (["a", "b"] as const).map((s) => panel.value(row, s)));
  const present = values.filter((v): v is number => v !== null);
  const scale = logScale(panel.ticks, Math.min(...present), Math.max(...present), [PLOT_LEFT, PLOT_RIGHT]);
  const plotTop = legendY + 12;
  const plotBottom = plotTop + rows.length * ROW_HEIGHT;

  for (const tick of panel.ticks.filter((t) => t.value >= scale.lo && t.value <= scale.hi)) {
    const x = scale.x(tick.value).toFixed(1);
    parts.push(`<line x1="${x}" y1="${plotTop}" x2="${x}" y2="${plotBottom}" stroke="#e2e2e2"/>`);
    parts.push(
      text(Number(x), plotBottom + 14, esc(tick.label), { size: 11, anchor: "middle", fill: "#555" }),
    );
  }
  parts.push(`<line x1="${PLOT_LEFT}" y1="${plotTop}" x2="${PLOT_LEFT}" y2="${plotBottom}" stroke="#888"/>`);

  rows.forEach((row, i) => {
    const rowTop = plotTop + i * ROW_HEIGHT + 4;
    parts.push(
      text(LABEL_RIGHT, rowTop + BAR_HEIGHT + 4, esc(row.label), {
        size: 12.5,
        anchor: "end",
        style: row.model ? "italic" : undefined,
        fill: row.model ? "#555" : "#111",
      }),
    );
    (["a", "b"] as const).forEach((s, k) => {
      const y = rowTop + k * (BAR_HEIGHT + 2);
      const v = panel.value(row, s);
      if (v === null) {
        parts.push(
          text(PLOT_LEFT + 6, y + BAR_HEIGHT - 2, esc(panel.missing(row, s)), { size: 11, fill: "#777" }),
        );
        return;
      }
      const end = scale.x(v);
      const width = Math.max(end - PLOT_LEFT, 1);
      const dashed = row.model ? ` stroke="#1a365d" stroke-dasharray="4 2" fill-opacity="0.55"` : "";
      parts.push(
        `<rect class="bar" data-row="${esc(row.id)}" data-series="${s}" x="${PLOT_LEFT}" y="${y}" ` +
          `width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${COLORS[s]}"${dashed}/>`,
      );
      parts.push(text(PLOT_LEFT + width + 5, y + BAR_HEIGHT - 2, esc(panel.format(v)), { size: 11 }));
    });
  });
  return plotBottom + 22;
}

/** A log scale over the ticks that bracket [min, max], onto the pixels `range` (from, to). */
export function logScale(
  ticks: { value: number }[],
  min: number,
  max: number,
  range: [from: number, to: number],
) {
  const below = ticks.filter((t) => t.value <= min);
  const above = ticks.filter((t) => t.value >= max);
  const lo = below.length > 0 ? below[below.length - 1].value : Math.min(min, ticks[0].value);
  const hi = above.length > 0 ? above[0].value : max;
  const span = Math.log10(hi) - Math.log10(lo) || 1;
  return {
    lo,
    hi,
    x: (v: number) =>
      range[0] + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / span) * (range[1] - range[0]),
  };
}

function caption(r: CompareReport): string[] {
  const p = r.parameters.production;
  const model =
    r.zkModel.status === "modelled"
      ? `zk model rows: gas = base + n × per-slot through the measured ${r.zkModel.from
          .map((m) => m.slots)
          .join("- and ")}-slot batches; proving time scaled per constraint from this machine.`
      : `zk model rows: none (${r.zkModel.reason}).`;
  return [
    `Measured ${dateOf(r)} on ${machineLine(r.machine)}, Hardhat's in-process chain; gas from receipts.`,
    `Times: off-chain work measured here (acknowledgement, co-signing, proving) + Layer-1 terms: ` +
      `${p.blockSeconds} s blocks, finality ${formatDuration(p.finalitySeconds)}, ` +
      `${formatDuration(p.challengeWindowSeconds)} challenge window` +
      (r.rows.some((x) => x.id === "sidechain" || x.id === "layer3")
        ? `; the sidechain's ${p.sidechainBlockSeconds} s blocks and a checkpoint every ` +
          `${formatDuration(p.checkpointIntervalSeconds)} (the Layer 3's window runs on the sidechain).`
        : "."),
    model,
  ];
}

/** Splits `s` into lines of at most `width` characters at spaces. */
export function wrap(s: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of s.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

export interface TextStyle {
  size: number;
  weight?: "bold";
  anchor?: "start" | "middle" | "end";
  fill?: string;
  style?: "italic";
}

export function text(x: number, y: number, content: string, s: TextStyle): string {
  const attrs = [
    `x="${round(x)}"`,
    `y="${round(y)}"`,
    `font-size="${s.size}"`,
    s.weight ? `font-weight="${s.weight}"` : "",
    s.anchor && s.anchor !== "start" ? `text-anchor="${s.anchor}"` : "",
    `fill="${s.fill ?? "#111"}"`,
    s.style ? `font-style="${s.style}"` : "",
  ].filter(Boolean);
  return `<text ${attrs.join(" ")}>${content}</text>`;
}

function round(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

/** Escapes text for XML content and attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
