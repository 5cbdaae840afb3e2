/**
 * Deploys the sidechain's Layer-1 contract, `Sidechain` (validator set and checkpoints), and registers it
 * with the bridge as a rollup, so that deposits into it are queued and its checkpoints' withdrawals paid
 * out of its own escrow. See docs/sidechain.md.
 */
import type { Signer } from "ethers";
import { parseEther } from "ethers";
import { Sidechain__factory } from "../../typechain-types";
import { registerRollup } from "../bridge/deploy";
import type { Logger } from "../common/logger";

/** The validator set's parameters, as `ISidechain.Config` takes them. */
export interface SidechainConfig {
  /** Wei a new validator stakes at least. */
  minStake: bigint;
  /** Seconds an unbonding stake stays slashable before it can be withdrawn. */
  unbondingDelay: number;
  /** The share of a slashed stake paid to whoever proved the offence, in basis points (at most 10,000). */
  slashRewardBps: number;
}

/** Defaults for a local chain: 1 ETH minimum stake, 10 minutes of unbonding, half a slashed stake as reward. */
export const LOCAL_SIDECHAIN_CONFIG: SidechainConfig = {
  minStake: parseEther("1"),
  unbondingDelay: 600,
  slashRewardBps: 5_000,
};

export interface SidechainDeployOptions {
  /** The bridge the sidechain registers with (the deployer must own it, unless `register` is false). */
  bridge: string;
  /** The validator set's parameters (default LOCAL_SIDECHAIN_CONFIG). */
  config?: SidechainConfig;
  /** Register the sidechain with the bridge (default true). */
  register?: boolean;
  logger?: Logger;
}

/** What `deploySidechain` deployed, by contract name. */
export interface SidechainContracts {
  Sidechain: string;
}

/** Deploys `Sidechain` and registers it with the bridge. */
export async function deploySidechain(
  deployer: Signer,
  options: SidechainDeployOptions,
): Promise<SidechainContracts> {
  const config = options.config ?? LOCAL_SIDECHAIN_CONFIG;
  const sidechain = await new Sidechain__factory(deployer).deploy(config);
  await sidechain.waitForDeployment();
  const contracts = { Sidechain: await sidechain.getAddress() };
  if (options.register ?? true) await registerRollup(deployer, options.bridge, contracts.Sidechain);
  options.logger?.info("deployed Sidechain", { address: contracts.Sidechain, ...config });
  return contracts;
}
