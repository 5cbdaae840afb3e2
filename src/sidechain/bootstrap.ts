import type { Provider, Signer } from "ethers";
import { recordDeploymentChain } from "../common/chain-identity";
import type { Deployment } from "../common/deployments";
import { parseEther } from "ethers";
import { StrataError } from "../common/errors";
import type { Logger } from "../common/logger";
import type { SidechainAddresses } from "./chains";
import { deployChildBridge } from "./child-bridge";
import type { SidechainConfig } from "./deploy";
import { deploySidechain } from "./deploy";
import { SidechainClient } from "./sidechain-client";

/**
 * A sidechain from nothing, in the order it must happen: the `Sidechain` contract on Layer 1 (registered
 * with the bridge), its validators' stakes, then the `ChildBridge` on the sidechain, mirroring the set
 * that staked. Used by the demo, the tests and the bench; the `validator` task then runs each validator.
 */

/** A validator could not stake: its Layer-1 account cannot pay the stake and its gas. */
export class ValidatorFundingError extends StrataError {}

/** The default of each validator's stake on a local chain. */
export const LOCAL_VALIDATOR_STAKE = parseEther("10");

export interface BootstrapOptions {
  /** Deploys on Layer 1 and owns the bridge (it registers the sidechain there). */
  layer1Deployer: Signer;
  /** Deploys the ChildBridge on the sidechain. */
  sidechainDeployer: Signer;
  /** Layer 1's `Bridge`. */
  bridge: string;
  /** The validators, each a signer on Layer 1 that stakes. */
  validators: readonly Signer[];
  /** Each validator's stake (default LOCAL_VALIDATOR_STAKE), or one per validator. */
  stake?: bigint | readonly bigint[];
  /**
   * Top up a validator's Layer-1 balance from the Layer-1 deployer when it cannot pay its stake (a local
   * chain's accounts beyond those its node funds). Default false.
   */
  fund?: boolean;
  config?: SidechainConfig;
  logger?: Logger;
}

/** Deploys both sides of a sidechain and stakes its validators; their addresses. */
export async function bootstrapSidechain(o: BootstrapOptions): Promise<SidechainAddresses> {
  const { Sidechain } = await deploySidechain(o.layer1Deployer, {
    bridge: o.bridge,
    config: o.config,
    logger: o.logger,
  });
  const root = new SidechainClient(Sidechain, o.layer1Deployer);
  for (const [i, validator] of o.validators.entries()) {
    const stake =
      typeof o.stake === "bigint" || o.stake === undefined ? (o.stake ?? LOCAL_VALIDATOR_STAKE) : o.stake[i];
    const address = await validator.getAddress();
    const balance = await validator.provider!.getBalance(address);
    const needs = stake + parseEther("1");
    if (balance < needs) {
      if (!o.fund) {
        throw new ValidatorFundingError(
          `validator ${address} holds ${balance} wei on Layer 1, less than its stake and gas`,
        );
      }
      await (await o.layer1Deployer.sendTransaction({ to: address, value: needs - balance })).wait();
    }
    await root.stake(validator, stake);
    o.logger?.info("validator staked", { validator: address, stake });
  }
  const set = await root.validators();
  const sorted = [...set].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const { ChildBridge } = await deployChildBridge(o.sidechainDeployer, {
    validators: sorted.map((v) => v.address),
    stakes: sorted.map((v) => v.stake),
    logger: o.logger,
  });
  return { bridge: o.bridge, sidechain: Sidechain, childBridge: ChildBridge };
}

/** The name of the sidechain's own deployment record (deployments/sidechain.json) unless told otherwise. */
export const SIDECHAIN_NETWORK = "sidechain";

/**
 * The two records a bootstrapped sidechain leaves: Layer 1's, with `Sidechain` added to its contracts, and
 * the sidechain's own (the ChildBridge, on the sidechain's chain, anchored to its genesis and current block).
 */
export async function sidechainDeployments(
  layer1: Deployment,
  addresses: SidechainAddresses,
  sidechain: Provider,
  o: { deployer: string; network?: string },
): Promise<{ layer1: Deployment; sidechain: Deployment }> {
  return {
    layer1: { ...layer1, contracts: { ...layer1.contracts, Sidechain: addresses.sidechain } },
    sidechain: {
      network: o.network ?? SIDECHAIN_NETWORK,
      chainId: Number((await sidechain.getNetwork()).chainId),
      deployedAt: new Date().toISOString(),
      deployer: o.deployer,
      contracts: { ChildBridge: addresses.childBridge },
      chain: await recordDeploymentChain(sidechain),
    },
  };
}
