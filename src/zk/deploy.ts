/**
 * Deploys the zk rollup: its profile's generated verifier, the Poseidon contracts, then the rollup,
 * registered with the bridge. The rollup computes its genesis root in its constructor from its own
 * domain, so nothing here predicts an address. See docs/deployment.md.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { InterfaceAbi, Signer } from "ethers";
import { ContractFactory } from "ethers";
import { ZkRollup__factory } from "../../typechain-types";
import { registerRollup } from "../bridge/deploy";
import type { Logger } from "../common/logger";
import { ZkError } from "./build/errors";
import { resolveLayout, verifierContractName } from "./build/layout";
import { readProfiles, selectProfiles } from "./build/profiles";
import { deployPoseidonContracts } from "./poseidon-contracts";

/** The zk rollup's exodus delay on a local chain and elsewhere (seconds). */
export const LOCAL_ZK_EXODUS_DELAY = 600;
export const PRODUCTION_ZK_EXODUS_DELAY = 3 * 24 * 3600;
/**
 * Wei a forced-withdrawal request pays the operator that carries it: 0.001 ETH, about the Layer-1 cost of
 * the batch slot it takes (~100,000 gas of a batch's proof check and calldata at 10 gwei), so that
 * flooding the queue costs the flooder what it costs the operator.
 */
export const DEFAULT_ZK_FORCED_REQUEST_FEE = 10n ** 15n;

/** The profile's verifier has not been compiled (run the zk build, then compile). */
export class ZkVerifierNotBuiltError extends ZkError {}

export interface ZkDeployOptions {
  /** The bridge the rollup registers with (the deployer must own it, unless `register` is false). */
  bridge: string;
  /** The circuit profile (circuits/profiles.json; default "test"): the verifier, batch size and depth. */
  profile?: string;
  /** Seconds a deposit may wait unconsumed before exodus may start (default PRODUCTION_ZK_EXODUS_DELAY). */
  exodusDelay?: number;
  /** Wei a forced-withdrawal request pays (default DEFAULT_ZK_FORCED_REQUEST_FEE). */
  forcedRequestFee?: bigint;
  /** Register the rollup with the bridge (default true). */
  register?: boolean;
  logger?: Logger;
}

/** What `deployZkRollup` deployed, by contract name. */
export interface ZkContracts {
  ZkVerifier: string;
  Poseidon2: string;
  Poseidon3: string;
  Poseidon4: string;
  ZkRollup: string;
}

/** The compiled artifact of the profile's generated verifier, read from Hardhat's artifacts. */
export function verifierArtifact(profile: string): { abi: InterfaceAbi; bytecode: string } {
  const name = verifierContractName(profile);
  const path = join(
    resolveLayout().rootDir,
    "artifacts",
    "contracts",
    "zk",
    "generated",
    `${name}.sol`,
    `${name}.json`,
  );
  if (!existsSync(path)) {
    throw new ZkVerifierNotBuiltError(
      `no compiled ${name}: run \`npm run zk:build -- --profile ${profile}\`, then \`npx hardhat compile\``,
    );
  }
  return JSON.parse(readFileSync(path, "utf8")) as { abi: InterfaceAbi; bytecode: string };
}

/**
 * Deploys the profile's verifier, the Poseidon contracts on 2, 3 and 4 inputs and the zk rollup, and
 * registers the rollup with the bridge.
 */
export async function deployZkRollup(deployer: Signer, options: ZkDeployOptions): Promise<ZkContracts> {
  const profile = options.profile ?? "test";
  const [{ batchSize, depth }] = selectProfiles(await readProfiles(resolveLayout()), [profile]);
  const { abi, bytecode } = verifierArtifact(profile);
  const verifier = await new ContractFactory(abi, bytecode, deployer).deploy();
  await verifier.waitForDeployment();
  const verifierAddress = await verifier.getAddress();
  const poseidon = await deployPoseidonContracts(deployer);
  const exodusDelay = options.exodusDelay ?? PRODUCTION_ZK_EXODUS_DELAY;
  const rollup = await new ZkRollup__factory(deployer).deploy({
    bridge: options.bridge,
    verifier: verifierAddress,
    batchSize,
    depth,
    exodusDelay,
    ...poseidon,
    forcedRequestFee: options.forcedRequestFee ?? DEFAULT_ZK_FORCED_REQUEST_FEE,
  });
  await rollup.waitForDeployment();
  const contracts: ZkContracts = {
    ZkVerifier: verifierAddress,
    Poseidon2: poseidon.poseidon2,
    Poseidon3: poseidon.poseidon3,
    Poseidon4: poseidon.poseidon4,
    ZkRollup: await rollup.getAddress(),
  };
  if (options.register ?? true) await registerRollup(deployer, options.bridge, contracts.ZkRollup);
  options.logger?.info("deployed ZkRollup", {
    address: contracts.ZkRollup,
    profile,
    batchSize,
    depth,
    exodusDelay,
  });
  return contracts;
}
