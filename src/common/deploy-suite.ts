import type { Signer } from "ethers";
import { parseEther } from "ethers";
import {
  Bridge__factory,
  DemoToken__factory,
  OneStepProver__factory,
  OptimisticRollup__factory,
} from "../../typechain-types";
import type { BondSizing, RollupTiming } from "../optimistic/config";
import { LOCAL_TIMING, PRODUCTION_TIMING, sizeBond } from "../optimistic/config";
import type { Deployment } from "./deployments";
import type { Logger } from "./logger";

export interface DeploySuiteOptions {
  network: string;
  /** A local chain (hardhat, localhost, anvil): also deploys the DemoToken the demos hand out. */
  local: boolean;
  logger?: Logger;
  /** The DemoToken supply minted to the deployer (default 1,000,000 tokens of 18 decimals). */
  demoTokenSupply?: bigint;
  /** The optimistic rollup's windows (default LOCAL_TIMING on a local chain, else PRODUCTION_TIMING). */
  optimisticTiming?: RollupTiming;
  /** How its bonds are sized (see `sizeBond`). */
  bonds?: BondSizing;
}

/**
 * Deploys the Strata suite with `deployer` as the bridge's owner and returns the deployment record.
 * Only real contracts: test-only stand-ins are never deployed here.
 */
export async function deploySuite(deployer: Signer, options: DeploySuiteOptions): Promise<Deployment> {
  const log = options.logger;
  const owner = await deployer.getAddress();
  const contracts: Record<string, string> = {};

  const bridge = await new Bridge__factory(deployer).deploy(owner);
  await bridge.waitForDeployment();
  contracts.Bridge = await bridge.getAddress();
  log?.info("deployed Bridge", { address: contracts.Bridge, owner });

  const prover = await new OneStepProver__factory(deployer).deploy();
  await prover.waitForDeployment();
  contracts.OneStepProver = await prover.getAddress();
  const timing = options.optimisticTiming ?? (options.local ? LOCAL_TIMING : PRODUCTION_TIMING);
  const bond = sizeBond(options.bonds);
  const rollup = await new OptimisticRollup__factory(deployer).deploy({
    bridge: contracts.Bridge,
    prover: contracts.OneStepProver,
    ...timing,
    proposerBond: bond,
    challengerBond: bond,
  });
  await rollup.waitForDeployment();
  contracts.OptimisticRollup = await rollup.getAddress();
  await (await bridge.registerRollup(contracts.OptimisticRollup)).wait();
  log?.info("deployed OptimisticRollup", { address: contracts.OptimisticRollup, ...timing, bond });

  if (options.local) {
    const supply = options.demoTokenSupply ?? parseEther("1000000");
    const token = await new DemoToken__factory(deployer).deploy(supply);
    await token.waitForDeployment();
    contracts.DemoToken = await token.getAddress();
    log?.info("deployed DemoToken", { address: contracts.DemoToken, supply });
  }

  const network = await deployer.provider!.getNetwork();
  return {
    network: options.network,
    chainId: Number(network.chainId),
    deployedAt: new Date().toISOString(),
    deployer: owner,
    contracts,
  };
}
