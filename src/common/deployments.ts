import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { DeploymentChain } from "./chain-identity";
import { StrataError } from "./errors";

/**
 * The record a deploy leaves in `deployments/<network>.json`; every off-chain service takes its
 * contract addresses from it, so services never hard-code an address, and checks that the node it is
 * given holds them (src/common/chain-identity.ts) before it starts.
 */
export interface Deployment {
  network: string;
  chainId: number;
  deployedAt: string; // ISO time
  deployer: string;
  contracts: Record<string, string>; // name → address
  /**
   * The chain it was deployed on: the genesis hash and the block the deployment was complete at.
   * Records written before it was kept have none; they are checked by chain id and code only.
   */
  chain?: DeploymentChain;
  /** The zk verifier it deployed, pinned to its build (src/deploy/zk-verifier.ts); absent in older records. */
  zkVerifier?: ZkVerifierPin;
}

/** What a deployment pins of its zk verifier: checked by `checkZkVerifier` against the chain and the build. */
export interface ZkVerifierPin {
  profile: string;
  contract: string;
  /** sha256 of the build's verification_key.json and final zkey (its manifest's). */
  verificationKeySha256: string;
  zkeySha256: string;
  /** `development`: one automatic contribution; `ceremony`: `contributions` by name, then a beacon. */
  setup: "development" | "ceremony";
  contributions: string[];
  /** keccak256 of the verifier's runtime code (EXTCODEHASH) when deployed. */
  runtimeCodeHash: string;
}

export class DeploymentNotFoundError extends StrataError {}

/** The deployment record is there but is not JSON (a truncated or hand-edited file). */
export class DeploymentCorruptError extends StrataError {}

/** deployments/ at the repository root, or STRATA_DEPLOYMENTS_DIR when set. */
export const DEFAULT_DEPLOYMENTS_DIR =
  process.env.STRATA_DEPLOYMENTS_DIR ?? join(__dirname, "..", "..", "deployments");

export function deploymentPath(network: string, dir = DEFAULT_DEPLOYMENTS_DIR): string {
  return join(dir, `${network}.json`);
}

/** Writes the record atomically (temporary file, then rename), so a reader never sees half a file. */
export function writeDeployment(deployment: Deployment, dir = DEFAULT_DEPLOYMENTS_DIR): string {
  const path = deploymentPath(deployment.network, dir);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(deployment, null, 2) + "\n");
  renameSync(tmp, path);
  return path;
}

export function readDeployment(network: string, dir = DEFAULT_DEPLOYMENTS_DIR): Deployment {
  const path = deploymentPath(network, dir);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new DeploymentNotFoundError(
      `no deployment for network "${network}" at ${path}: run \`npm run deploy -- --network ${network}\` first`,
      { cause },
    );
  }
  try {
    return JSON.parse(text) as Deployment;
  } catch (cause) {
    throw new DeploymentCorruptError(
      `the deployment record ${path} is not valid JSON (${(cause as Error).message}): ` +
        `deploy again (\`npx hardhat deploy --network ${network}\`) or restore the file`,
      { cause },
    );
  }
}

/** The address of `name` in a deployment, or a clear error naming what is missing. */
export function contractAddress(deployment: Deployment, name: string): string {
  const address = deployment.contracts[name];
  if (!address) {
    throw new DeploymentNotFoundError(`deployment "${deployment.network}" has no contract "${name}"`);
  }
  return address;
}
