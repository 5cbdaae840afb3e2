// How the comparison writes its numbers for people (table, chart, findings): gas with thousands
// separators, durations in the unit that reads best (ms, s, min, h, d), measured latencies with their
// Layer-1 blocks and any skipped chain time. Pure.
import type { Latency } from "./types";

export function formatGas(gas: number): string {
  return Math.round(gas).toLocaleString("en-US");
}

/** 3.4 ms, 12 s, 12.8 min, 2.5 h, 7.0 d. */
export function formatDuration(seconds: number): string {
  if (seconds < 1) {
    const ms = seconds * 1000;
    return `${ms < 10 ? trim(ms.toFixed(ms < 1 ? 2 : 1)) : Math.round(ms).toString()} ms`;
  }
  if (seconds < 60) return `${trim(seconds.toFixed(seconds < 10 ? 1 : 0))} s`;
  if (seconds < 3600) return `${trim((seconds / 60).toFixed(1))} min`;
  if (seconds < 86_400) return `${trim((seconds / 3600).toFixed(1))} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

/** A measured latency: wall-clock here, plus any window the chain skipped, and the blocks it took. */
export function formatLatency(l: Latency): string {
  const wall = formatDuration(l.ms / 1000);
  const skipped = l.skippedSeconds > 0 ? ` + ${formatDuration(l.skippedSeconds)} skipped` : "";
  return `${wall}${skipped}, ${l.blocks} block${l.blocks === 1 ? "" : "s"}`;
}

export function formatBlocks(blocks: number): string {
  return `${blocks.toLocaleString("en-US")} block${blocks === 1 ? "" : "s"}`;
}

/** How many times `a` is `b` (one decimal below 10). */
export function ratio(a: number, b: number): string {
  const r = a / b;
  return r < 10 ? trim(r.toFixed(1)) : Math.round(r).toLocaleString("en-US");
}

function trim(fixed: string): string {
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}
