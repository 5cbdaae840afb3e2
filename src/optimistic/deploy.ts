/**
 * Deploys the optimistic rollup: its one-step prover, then the rollup, registered with the bridge.
 * See docs/deployment.md.
 */
import type { Signer } from "ethers";
import { OneStepProver__factory, OptimisticRollup__factory } from "../../typechain-types";
import { registerRollup } from "../bridge/deploy";
import type { Logger } from "../common/logger";
import type { BondSizing, RollupTiming } from "./config";
import { PRODUCTION_TIMING, sizeBond } from "./config";

export interface OptimisticDeployOptions {
  /** The bridge the rollup registers with (the deployer must own it, unless `register` is false). */
  bridge: string;
  /** The rollup's windows (default PRODUCTION_TIMING; LOCAL_TIMING suits a local chain). */
  timing?: RollupTiming;
  /** How its bonds are sized (see `sizeBond`). */
  bonds?: BondSizing;
  /** Register the rollup with the bridge (default true). */
  register?: boolean;
  logger?: Logger;
}

/** What `deployOptimisticRollup` deployed, by contract name. */
export interface OptimisticContracts {
  OneStepProver: string;
  OptimisticRollup: string;
}

/** Deploys the one-step prover and the optimistic rollup, and registers the rollup with the bridge. */
export async function deployOptimisticRollup(
  deployer: Signer,
  options: OptimisticDeployOptions,
): Promise<OptimisticContracts> {
  const prover = await new OneStepProver__factory(deployer).deploy();
  await prover.waitForDeployment();
  const proverAddress = await prover.getAddress();
  const timing = options.timing ?? PRODUCTION_TIMING;
  const bond = sizeBond(options.bonds);
  const rollup = await new OptimisticRollup__factory(deployer).deploy({
    bridge: options.bridge,
    prover: proverAddress,
    ...timing,
    proposerBond: bond,
    challengerBond: bond,
  });
  await rollup.waitForDeployment();
  const contracts = { OneStepProver: proverAddress, OptimisticRollup: await rollup.getAddress() };
  if (options.register ?? true) await registerRollup(deployer, options.bridge, contracts.OptimisticRollup);
  options.logger?.info("deployed OptimisticRollup", { address: contracts.OptimisticRollup, ...timing, bond });
  return contracts;
}
