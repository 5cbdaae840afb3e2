// Runs the comparison (`npm run compare`): deploys the suite once, runs the same workload on plain
// Layer 1 (ETH and ERC-20), the optimistic rollup, payment channels, the zk rollup (its own
// deployment, with the profile's verifier; the other built profile measured for the model), and, where
// Anvil is installed, the sidechain (its own node beside Layer 1) and the Layer 3 on it, checks
// every design's outcomes against the workload, and builds the report. Needs a local chain (it sets
// balances and moves the clock: hardhat_setBalance, evm_setNextBlockTimestamp, evm_mine; see
// src/bench/chain.ts): the `compare` task hands over Hardhat's in-process network.
import { performance } from "node:perf_hooks";
import type { LocalChain } from "../bench/chain";
import { LOCAL_NETWORKS } from "../bench/chain";
import { deploySuite } from "../deploy/suite";
import type { Logger } from "../common/logger";
import { createLogger } from "../common/logger";
import { ZkCrypto } from "../zk/keys";
import type { CompareChain } from "./chain";
import { runChannels } from "./channels";
import { CompareConfigError } from "./errors";
import { runLayer1 } from "./layer1";
import { runLayer3 } from "./layer3";
import { runOptimistic } from "./optimistic";
import { assertOutcomes } from "./outcomes";
import type { CompareReport } from "./report";
import { buildReport, describeMachine } from "./report";
import { runSidechain, sidechainAvailable } from "./sidechain";
import type { SweepOptions } from "./sweep";
import { runSweep } from "./sweep";
import type { SweepDesign, SweepReport } from "./sweep-model";
import { SWEEP_DESIGNS } from "./sweep-model";
import type { DesignId, DesignMeasurement, ZkProfileMeasurement } from "./types";
import type { WorkloadOptions } from "./workload";
import { buildWorkload } from "./workload";
import type { ZkRun } from "./zk";
import { chooseZkProfiles, measureZkProfile, runZk } from "./zk";

export const DESIGN_GROUPS = ["l1", "optimistic", "channels", "zk", "sidechain", "layer3"] as const;
/** The designs that need the sidechain's own node (Anvil): left out, with a warning, where there is none. */
const SIDECHAIN_GROUPS: readonly DesignGroup[] = ["sidechain", "layer3"];
export type DesignGroup = (typeof DESIGN_GROUPS)[number];

/** The report's order of the designs. */
const ORDER: DesignId[] = ["l1-eth", "l1-erc20", "optimistic", "zk", "channels", "sidechain", "layer3"];

export interface CompareOptions extends WorkloadOptions {
  /** The zk profile to run the workload on (default: `default` if built, else `test`). */
  zkProfile?: string;
  /** Which designs to run (default: all). */
  designs?: readonly DesignGroup[];
  /** The load sweep (cost per transfer as the load grows; default: none). */
  sweep?: SweepOptions;
  logger?: Logger;
}

/** Runs the comparison on `local` (its signers: see CompareChain). */
export async function runComparison(local: LocalChain, o: CompareOptions = {}): Promise<CompareReport> {
  const log = o.logger ?? createLogger({ scope: "compare" });
  const network = local.network;
  if (!(LOCAL_NETWORKS as readonly string[]).includes(network)) {
    throw new CompareConfigError(
      `the comparison moves the chain's clock: run it on a local chain (${LOCAL_NETWORKS.join(", ")}), not ${network}`,
    );
  }
  let groups = o.designs ?? DESIGN_GROUPS;
  for (const g of groups) {
    if (!DESIGN_GROUPS.includes(g))
      throw new CompareConfigError(`no design "${g}" (${DESIGN_GROUPS.join(", ")})`);
  }
  if (!sidechainAvailable() && groups.some((g) => SIDECHAIN_GROUPS.includes(g))) {
    log.warn("no Anvil here (npm installs it on Linux x64 only): the sidechain and the Layer 3 are left out");
    groups = groups.filter((g) => !SIDECHAIN_GROUPS.includes(g));
  }
  const started = performance.now();
  const generatedAt = new Date();
  const machine = describeMachine();
  const workload = buildWorkload(o);
  const zkProfiles = groups.includes("zk") ? await chooseZkProfiles(o.zkProfile) : undefined;

  const deployment = await deploySuite(local.signers[0], { network, local: true });
  const chain: CompareChain = { ...local, deployment };
  const designs: DesignMeasurement[] = [];
  const keep = (m: DesignMeasurement) => {
    assertOutcomes(m);
    designs.push(m);
    log.info(`${m.label}: every balance and payout as the workload says`, { gas: m.gas });
  };
  log.info("workload", { users: workload.users, transfers: workload.transfers.length, chain: network });

  if (groups.includes("l1")) {
    log.info("Layer 1: ETH and ERC-20 transfers…");
    for (const m of await runLayer1(workload, chain)) keep(m);
  }
  if (groups.includes("optimistic")) {
    log.info("optimistic rollup: deposits, sequencer, challenge window, withdrawal…");
    keep(await runOptimistic(workload, chain));
  }
  if (groups.includes("channels")) {
    log.info("payment channels: open, pay off-chain, close…");
    keep(await runChannels(workload, chain));
  }
  if (groups.includes("sidechain")) {
    log.info(
      "sidechain: deposits attested by its validators, sETH transfers on its node, checkpoints, exit…",
    );
    keep(await runSidechain(workload, chain));
  }
  if (groups.includes("layer3")) {
    log.info("Layer 3: Layer 1 → sidechain → Layer 3, transfers there, and back through both hops…");
    keep(await runLayer3(workload, chain));
  }
  let zkMeasured: ZkProfileMeasurement[] | { unavailable: string } = {
    unavailable: "the zk rollup was not run",
  };
  let zk: ZkRun | undefined;
  const crypto = zkProfiles ? await ZkCrypto.load() : undefined;
  if (zkProfiles && crypto) {
    log.info(`zk rollup: real proofs with the "${zkProfiles.main}" profile (this takes a while)…`);
    zk = await runZk(workload, chain, zkProfiles.main, crypto);
    keep(zk.measurement);
    zkMeasured = await zkModelInputs(chain, zk.profile, zkProfiles.calibration, crypto, log);
  }

  let sweep: SweepReport | undefined;
  if (o.sweep) {
    log.info(`load sweep: ${o.sweep.loads.map((n) => n.toLocaleString("en-US")).join(", ")} transfers…`);
    sweep = await runSweep(
      {
        local,
        users: workload.users,
        designs: SWEEP_DESIGNS.filter((d) => groups.includes(groupOf(d))),
        reuse: { workload, designs, zk },
        zk:
          zkProfiles && crypto && zk
            ? { profile: zkProfiles.main, batchSize: Number(zk.measurement.parameters.batchSize), crypto }
            : undefined,
        log,
      },
      o.sweep,
    );
  }

  designs.sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id));
  const { chainId } = await local.provider.getNetwork();
  return buildReport({
    workload,
    designs,
    zkProfiles: zkMeasured,
    sweep,
    machine,
    generatedAt,
    durationSeconds: (performance.now() - started) / 1000,
    chain:
      network === "hardhat"
        ? `Hardhat's in-process chain (chain id ${chainId}, automine: one block per transaction)`
        : `a local node (${network}, chain id ${chainId})`,
  });
}

/** The group of designs a swept design belongs to. */
function groupOf(d: SweepDesign): DesignGroup {
  return d === "l1-eth" ? "l1" : d === "zk" || d === "channels" ? d : "optimistic";
}

/** The two measured profiles the production-size model needs, or why it cannot be built. */
async function zkModelInputs(
  chain: CompareChain,
  main: ZkProfileMeasurement | undefined,
  calibration: string | undefined,
  crypto: ZkCrypto,
  log: Logger,
): Promise<ZkProfileMeasurement[] | { unavailable: string }> {
  if (!main) return { unavailable: "no batch of the workload was full of transfers" };
  if (!calibration) {
    return {
      unavailable:
        "only one zk profile is built, and the model needs batches of two sizes " +
        "(npm run zk:build -- --profile all)",
    };
  }
  log.info(`zk rollup: one full batch in the "${calibration}" profile, for the production-size model…`);
  return [main, await measureZkProfile(chain, calibration, crypto)];
}
