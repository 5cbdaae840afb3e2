/** Deploys the payment channels' contract. See docs/deployment.md. */
import type { Signer } from "ethers";
import { Adjudicator__factory } from "../../typechain-types";
import type { Logger } from "../common/logger";

export interface ChannelsDeployOptions {
  logger?: Logger;
}

/** What `deployChannels` deployed, by contract name. */
export interface ChannelsContracts {
  Adjudicator: string;
}

/** Deploys the adjudicator, which is also the secret registry the channels' hashlocks settle against. */
export async function deployChannels(
  deployer: Signer,
  options: ChannelsDeployOptions = {},
): Promise<ChannelsContracts> {
  const adjudicator = await new Adjudicator__factory(deployer).deploy();
  await adjudicator.waitForDeployment();
  const contracts = { Adjudicator: await adjudicator.getAddress() };
  options.logger?.info("deployed Adjudicator", { address: contracts.Adjudicator });
  return contracts;
}
