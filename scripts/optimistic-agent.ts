// What the optimistic rollup's entry points share: the deployment record of the network, the agent's
// signer, and the rollup's context (src/optimistic/stack.ts).
import type { Signer } from "ethers";
import { Wallet } from "ethers";
import { ethers, network } from "hardhat";
import { readDeployment } from "../src/common/deployments";
import { envInteger } from "../src/common/env";
import type { Logger } from "../src/common/logger";
import type { OptimisticContext } from "../src/optimistic/stack";
import { optimisticContext } from "../src/optimistic/stack";

export interface AgentContext {
  network: string;
  signer: Signer;
  ctx: OptimisticContext;
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
  const ctx = optimisticContext(readDeployment(network.name), ethers.provider);
  const key = process.env[keyVariable];
  const signer: Signer = key ? new Wallet(key, ethers.provider) : (await ethers.getSigners())[localAccount];
  logger.info("agent ready", {
    network: network.name,
    address: await signer.getAddress(),
    rollup: ctx.rollup.address,
  });
  return { network: network.name, signer, ctx };
}

/** A number from the environment, or `fallback`. */
export function envNumber(variable: string, fallback: number): number {
  return envInteger(variable) ?? fallback;
}
