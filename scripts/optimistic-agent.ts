// What the sequencer and challenger entry points share: the deployment record, a signer, a follower.
import type { Signer } from "ethers";
import { Wallet } from "ethers";
import { ethers, network } from "hardhat";
import { contractAddress, readDeployment } from "../src/common/deployments";
import type { Logger } from "../src/common/logger";
import { ChainFollower } from "../src/optimistic/chain-follower";
import { RollupClient } from "../src/optimistic/rollup-client";
import { Eip712Authorizer } from "../src/shared/authorizer";
import { L2Domain } from "../src/shared/eip712";

export interface AgentContext {
  network: string;
  signer: Signer;
  rollup: RollupClient;
  bridgeAddress: string;
  follower: ChainFollower;
}

/**
 * Loads deployments/<network>.json and picks the agent's key: `keyVariable` from the environment if
 * set, else Hardhat's local account number `localAccount` (local chains only).
 */
export async function agentContext(
  keyVariable: string,
  localAccount: number,
  logger: Logger,
): Promise<AgentContext> {
  const deployment = readDeployment(network.name);
  const key = process.env[keyVariable];
  const signer: Signer = key ? new Wallet(key, ethers.provider) : (await ethers.getSigners())[localAccount];
  const rollup = new RollupClient(contractAddress(deployment, "OptimisticRollup"), signer);
  const domain = new L2Domain(deployment.chainId, rollup.address);
  const follower = await ChainFollower.create(rollup, ethers.provider, new Eip712Authorizer(domain), logger);
  logger.info("agent ready", {
    network: network.name,
    address: await signer.getAddress(),
    rollup: rollup.address,
  });
  return {
    network: network.name,
    signer,
    rollup,
    bridgeAddress: contractAddress(deployment, "Bridge"),
    follower,
  };
}

/** Resolves on SIGINT or SIGTERM. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}
