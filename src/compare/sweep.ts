// The load sweep's runs (`npm run compare`, issue 15): the workload at each load, for real, on Layer 1
// (ETH), the optimistic rollup with calldata and with blobs, payment channels and the zk rollup, wherever
// a run fits this machine; the rest are model rows (src/compare/sweep-model.ts), built from the parts
// these runs measure. Every run gets a fresh suite (a world of its own: the same users' keys recur from
// load to load) and its outcomes are checked like the comparison's own: a run that did not do the work
// gives no figure. A run the comparison already made (its own load, same users) is reused, not repeated.
import { performance } from "node:perf_hooks";
import type { LocalChain } from "../bench/chain";
import type { Logger } from "../common/logger";
import { deploySuite } from "../deploy/suite";
import { MAX_STEPS } from "../optimistic/steps";
import { encodeTx } from "../shared/codec";
import type { ZkCrypto } from "../zk/keys";
import type { CompareChain } from "./chain";
import { runChannels } from "./channels";
import { runEth } from "./layer1";
import { runOptimistic } from "./optimistic";
import { assertOutcomes } from "./outcomes";
import type { Fees, SweepDesign, SweepMeasurement, SweepReport } from "./sweep-model";
import { buildSweep } from "./sweep-model";
import type { DesignMeasurement } from "./types";
import type { Workload } from "./workload";
import { buildWorkload } from "./workload";
import type { ZkRun } from "./zk";
import { runZk } from "./zk";

export interface SweepOptions {
  /** The loads (transfers) to sweep. */
  loads: number[];
  fees: Fees;
  /** The most transfers a run of Layer 1, the optimistic rollup or channels is measured at (default 1,000). */
  measureUpTo?: number;
  /** The zk rollup is measured at a load whose transfers take at most this many proofs (default 10). */
  zkMaxBatches?: number;
}

export const SWEEP_MEASURE_UP_TO = 1_000;
export const SWEEP_ZK_MAX_BATCHES = 10;

/** The comparison's own runs, reused at its load. */
export interface SweepReuse {
  workload: Workload;
  designs: DesignMeasurement[];
  zk?: ZkRun;
}

export interface SweepContext {
  local: LocalChain;
  users: number;
  /** Which designs to sweep. */
  designs: readonly SweepDesign[];
  reuse: SweepReuse;
  /** The zk profile and its proving keys (needed when "zk" is swept). */
  zk?: { profile: string; batchSize: number; crypto: ZkCrypto };
  log: Logger;
}

/** The encoded size of one transfer: what a blob batch carries per transfer. */
export function transferBytes(): number {
  return encodeTx({ kind: "transfer", from: 0, to: 1, amount: 1n, signature: `0x${"00".repeat(64)}` }).length;
}

/** Runs the sweep and builds its report (measured rows and model rows). */
export async function runSweep(ctx: SweepContext, o: SweepOptions): Promise<SweepReport> {
  const upTo = o.measureUpTo ?? SWEEP_MEASURE_UP_TO;
  const zkMaxBatches = o.zkMaxBatches ?? SWEEP_ZK_MAX_BATCHES;
  const loads = [...new Set(o.loads)].sort((a, b) => a - b);
  const measured: SweepMeasurement[] = [];
  for (const design of ctx.designs) {
    for (const n of loads) {
      const reused = reuseOf(ctx, design, n);
      if (reused) {
        measured.push(reused);
        continue;
      }
      const fits =
        design === "zk" ? ctx.zk !== undefined && Math.ceil(n / ctx.zk.batchSize) <= zkMaxBatches : n <= upTo;
      if (!fits) continue;
      ctx.log.info(`sweep: ${design} at ${n.toLocaleString("en-US")} transfers…`);
      const started = performance.now();
      measured.push(await measureAt(ctx, design, n));
      ctx.log.info(`sweep: ${design} at ${n.toLocaleString("en-US")}: the work done`, {
        seconds: Math.round((performance.now() - started) / 100) / 10,
      });
    }
  }
  return buildSweep(measured, {
    loads,
    fees: o.fees,
    optimisticBatchSteps: MAX_STEPS,
    transferBytes: transferBytes(),
  });
}

/** The comparison's own run of `design`, if it ran at load n with the sweep's users. */
function reuseOf(ctx: SweepContext, design: SweepDesign, n: number): SweepMeasurement | undefined {
  const w = ctx.reuse.workload;
  if (w.transfers.length !== n || w.users !== ctx.users) return undefined;
  const id = design === "l1-eth" ? "l1-eth" : design.startsWith("optimistic") ? "optimistic" : design;
  const m = ctx.reuse.designs.find((d) => d.id === id && d.parameters.dataMode !== "blobs");
  if (!m || design === "optimistic-blobs") return undefined;
  return toSweep(design, m, n, design === "zk" ? ctx.reuse.zk : undefined);
}

/** One run of `design` at load n on a fresh suite, its outcomes checked. */
async function measureAt(ctx: SweepContext, design: SweepDesign, n: number): Promise<SweepMeasurement> {
  const w = buildWorkload({ users: ctx.users, transfers: n });
  const { local } = ctx;
  if (design === "zk") {
    const zk = ctx.zk!;
    const run = await runZk(w, await freshChain(local), zk.profile, zk.crypto);
    assertOutcomes(run.measurement);
    return toSweep(design, run.measurement, n, run);
  }
  const chain = await freshChain(local);
  const m =
    design === "l1-eth"
      ? await runEth(w, chain)
      : design === "channels"
        ? await runChannels(w, chain)
        : await runOptimistic(w, chain, {
            dataMode: design === "optimistic-blobs" ? "blobs" : "calldata",
          });
  assertOutcomes(m);
  return toSweep(design, m, n);
}

async function freshChain(local: LocalChain): Promise<CompareChain> {
  return {
    ...local,
    deployment: await deploySuite(local.signers[0], { network: local.network, local: true }),
  };
}

function toSweep(design: SweepDesign, m: DesignMeasurement, n: number, zk?: ZkRun): SweepMeasurement {
  return {
    design,
    label: design === "optimistic-calldata" ? `${m.label} (calldata)` : m.label,
    transfers: n,
    gas: m.gas,
    blobGas: m.blobGas,
    transferBatches: m.pieces.transferBatches ?? 0,
    ...(zk?.profile ? { batchSize: zk.profile.slots, fullBatchGas: zk.profile.batchGas } : {}),
    outcomes: m.outcomes,
  };
}
