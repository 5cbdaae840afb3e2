/**
 * Deploys the bridge. The rollups register with it as they are deployed (`src/optimistic/deploy.ts`,
 * `src/zk/deploy.ts`); `src/deploy/suite.ts` composes them. See docs/deployment.md.
 */
import type { Signer } from "ethers";
import { Bridge__factory } from "../../typechain-types";
import type { Logger } from "../common/logger";

export interface BridgeDeployOptions {
  /** The bridge's owner, who registers rollups and allows tokens (default: the deployer). */
  owner?: string;
  logger?: Logger;
}

/** What `deployBridge` deployed, by contract name (the names of `Deployment.contracts`). */
export interface BridgeContracts {
  Bridge: string;
}

/** Deploys the bridge, owned by `options.owner` or the deployer. */
export async function deployBridge(
  deployer: Signer,
  options: BridgeDeployOptions = {},
): Promise<BridgeContracts> {
  const owner = options.owner ?? (await deployer.getAddress());
  const bridge = await new Bridge__factory(deployer).deploy(owner);
  await bridge.waitForDeployment();
  const contracts = { Bridge: await bridge.getAddress() };
  options.logger?.info("deployed Bridge", { address: contracts.Bridge, owner });
  return contracts;
}

/** Registers `rollup` with `bridge`; `owner` must be the bridge's owner. */
export async function registerRollup(owner: Signer, bridge: string, rollup: string): Promise<void> {
  await (await Bridge__factory.connect(bridge, owner).registerRollup(rollup)).wait();
}
