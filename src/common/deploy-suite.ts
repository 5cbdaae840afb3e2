import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Signer } from "ethers";
import { ContractFactory, getCreateAddress, parseEther } from "ethers";
import {
  Adjudicator__factory,
  Bridge__factory,
  DemoToken__factory,
  OneStepProver__factory,
  OptimisticRollup__factory,
  ZkRollup__factory,
} from "../../typechain-types";
import type { BondSizing, RollupTiming } from "../optimistic/config";
import { LOCAL_TIMING, PRODUCTION_TIMING, sizeBond } from "../optimistic/config";
import type { Deployment } from "./deployments";
import type { Logger } from "./logger";
import { StrataError } from "./errors";
import { verifierContractName } from "../zk/build/layout";
import { genesisRoot, zkDomain } from "../zk/domain";
import { deployPoseidonContracts } from "../zk/poseidon-contracts";

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
  /** The zk rollup's circuit profile (circuits/profiles.json; default "test"), built by `npm run zk:build`. */
  zkProfile?: string;
  /** Seconds a deposit may wait unconsumed before exodus may start (default 600 on a local chain, else 3 days). */
  zkExodusDelay?: number;
}

/** The zk rollup's exodus delay on a local chain and elsewhere. */
export const LOCAL_ZK_EXODUS_DELAY = 600;
export const PRODUCTION_ZK_EXODUS_DELAY = 3 * 24 * 3600;

export class ZkVerifierNotBuiltError extends StrataError {}

/** The compiled artifact of a generated verifier, read from Hardhat's artifacts (it is built per profile). */
function verifierArtifact(profile: string): { abi: unknown[]; bytecode: string } {
  const name = verifierContractName(profile);
  const path = join(
    __dirname,
    "..",
    "..",
    "artifacts",
    "contracts",
    "zk",
    "generated",
    `${name}.sol`,
    `${name}.json`,
  );
  if (!existsSync(path)) {
    throw new ZkVerifierNotBuiltError(
      `no compiled ${name}: run \`npm run zk:build\` (profile ${profile}), then \`npx hardhat compile\``,
    );
  }
  return JSON.parse(readFileSync(path, "utf8")) as { abi: unknown[]; bytecode: string };
}

/** The profile's batch size and depth, as circuits/profiles.json states them. */
function readZkProfile(profile: string): { batchSize: number; depth: number } {
  const profiles = JSON.parse(
    readFileSync(join(__dirname, "..", "..", "circuits", "profiles.json"), "utf8"),
  ) as Record<string, { batchSize: number; depth: number }>;
  const found = profiles[profile];
  if (!found) throw new ZkVerifierNotBuiltError(`no zk profile "${profile}" in circuits/profiles.json`);
  return found;
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

  await deployZkRollup(deployer, contracts, options);
  await deployChannels(deployer, contracts, options.logger);

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

/**
 * The zk rollup: its profile's generated verifier and the Poseidon contracts on their own, then the
 * rollup, whose address is predicted first because its genesis root commits to it (the domain).
 */
async function deployZkRollup(
  deployer: Signer,
  contracts: Record<string, string>,
  options: DeploySuiteOptions,
): Promise<void> {
  const profile = options.zkProfile ?? "test";
  const { batchSize, depth } = readZkProfile(profile);
  const { abi, bytecode } = verifierArtifact(profile);
  const verifier = await new ContractFactory(abi as never, bytecode, deployer).deploy();
  await verifier.waitForDeployment();
  contracts.ZkVerifier = await verifier.getAddress();
  const poseidon = await deployPoseidonContracts(deployer);
  contracts.Poseidon2 = poseidon.poseidon2;
  contracts.Poseidon3 = poseidon.poseidon3;
  contracts.Poseidon4 = poseidon.poseidon4;

  const from = await deployer.getAddress();
  // The rollup must be the deployer's very next transaction, or the predicted address is wrong.
  const predicted = getCreateAddress({ from, nonce: await deployer.getNonce("pending") });
  const { chainId } = await deployer.provider!.getNetwork();
  const exodusDelay =
    options.zkExodusDelay ?? (options.local ? LOCAL_ZK_EXODUS_DELAY : PRODUCTION_ZK_EXODUS_DELAY);
  const rollup = await new ZkRollup__factory(deployer).deploy({
    bridge: contracts.Bridge,
    verifier: contracts.ZkVerifier,
    batchSize,
    depth,
    genesisRoot: await genesisRoot(depth, zkDomain(chainId, predicted)),
    exodusDelay,
    ...poseidon,
  });
  await rollup.waitForDeployment();
  contracts.ZkRollup = await rollup.getAddress();
  if (contracts.ZkRollup.toLowerCase() !== predicted.toLowerCase()) {
    throw new StrataError(`ZkRollup landed at ${contracts.ZkRollup}, not the predicted ${predicted}`);
  }
  const bridge = Bridge__factory.connect(contracts.Bridge, deployer);
  await (await bridge.registerRollup(contracts.ZkRollup)).wait();
  options.logger?.info("deployed ZkRollup", {
    address: contracts.ZkRollup,
    profile,
    batchSize,
    depth,
    exodusDelay,
  });
}

/** The payment channels' adjudicator, which is also the secret registry their hashlocks settle against. */
async function deployChannels(
  deployer: Signer,
  contracts: Record<string, string>,
  log?: Logger,
): Promise<void> {
  const adjudicator = await new Adjudicator__factory(deployer).deploy();
  await adjudicator.waitForDeployment();
  contracts.Adjudicator = await adjudicator.getAddress();
  log?.info("deployed Adjudicator", { address: contracts.Adjudicator });
}
