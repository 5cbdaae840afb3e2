/**
 * The whole Strata suite on one chain: each subsystem's deploy function, in order, and the record the
 * services read (`Deployment`, written to deployments/<network>.json by `npx hardhat deploy`). The one
 * place that knows every subsystem; src/common knows none. See docs/deployment.md.
 */
import type { Signer } from "ethers";
import { parseEther } from "ethers";
import { DemoToken__factory } from "../../typechain-types";
import { deployBridge } from "../bridge/deploy";
import { deployChannels } from "../channels/deploy";
import { recordDeploymentChain } from "../common/chain-identity";
import type { Deployment } from "../common/deployments";
import type { Logger } from "../common/logger";
import type { BondSizing, RollupTiming } from "../optimistic/config";
import { LOCAL_TIMING, PRODUCTION_TIMING } from "../optimistic/config";
import { deployOptimisticRollup } from "../optimistic/deploy";
import { pinZkVerifier } from "./zk-verifier";
import { LOCAL_ZK_EXODUS_DELAY, PRODUCTION_ZK_EXODUS_DELAY, deployZkRollup } from "../zk/deploy";

export { LOCAL_ZK_EXODUS_DELAY, PRODUCTION_ZK_EXODUS_DELAY };

export interface DeploySuiteOptions {
  network: string;
  /** A local chain (hardhat, localhost, anvil): short windows, and the DemoToken the demos hand out. */
  local: boolean;
  logger?: Logger;
  /** The DemoToken supply minted to the deployer (default 1,000,000 tokens of 18 decimals). */
  demoTokenSupply?: bigint;
  /** The optimistic rollup's windows (default LOCAL_TIMING on a local chain, else PRODUCTION_TIMING). */
  optimisticTiming?: RollupTiming;
  /** How its bonds are sized (see `sizeBond`). */
  bonds?: BondSizing;
  /** The zk rollup's circuit profile (circuits/profiles.json; default "test"), built by the zk build. */
  zkProfile?: string;
  /** Seconds a deposit may wait unconsumed before exodus may start (default 600 on a local chain, else 3 days). */
  zkExodusDelay?: number;
}

/**
 * Deploys the suite with `deployer` as the bridge's owner and returns the deployment record: the bridge,
 * the optimistic rollup, the zk rollup (both registered), the channels' adjudicator and, on a local
 * chain, the DemoToken. Only real contracts: test-only stand-ins are never deployed here. The record
 * names the chain (its genesis hash, and the block the deployment was complete at) as well as its id.
 */
export async function deploySuite(deployer: Signer, options: DeploySuiteOptions): Promise<Deployment> {
  const { local, logger } = options;
  const owner = await deployer.getAddress();
  const bridge = await deployBridge(deployer, { owner, logger });
  const optimistic = await deployOptimisticRollup(deployer, {
    bridge: bridge.Bridge,
    timing: options.optimisticTiming ?? (local ? LOCAL_TIMING : PRODUCTION_TIMING),
    bonds: options.bonds,
    logger,
  });
  const zk = await deployZkRollup(deployer, {
    bridge: bridge.Bridge,
    profile: options.zkProfile,
    exodusDelay: options.zkExodusDelay ?? (local ? LOCAL_ZK_EXODUS_DELAY : PRODUCTION_ZK_EXODUS_DELAY),
    logger,
  });
  const channels = await deployChannels(deployer, { logger });
  const contracts: Record<string, string> = { ...bridge, ...optimistic, ...zk, ...channels };

  if (local) {
    const supply = options.demoTokenSupply ?? parseEther("1000000");
    const token = await new DemoToken__factory(deployer).deploy(supply);
    await token.waitForDeployment();
    contracts.DemoToken = await token.getAddress();
    logger?.info("deployed DemoToken", { address: contracts.DemoToken, supply });
  }

  const provider = deployer.provider!;
  const network = await provider.getNetwork();
  return {
    network: options.network,
    chainId: Number(network.chainId),
    deployedAt: new Date().toISOString(),
    deployer: owner,
    contracts,
    // Which chain this is, beside its id (every local node is 31337): the services check it on start.
    chain: await recordDeploymentChain(provider),
    // The verifier's build and code, so a user can confirm it is the one their build generated.
    zkVerifier: await pinZkVerifier(provider, zk.ZkVerifier, options.zkProfile ?? "test"),
  };
}
