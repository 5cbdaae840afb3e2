/**
 * The zk verifier a deployment pins, and the check that the deployed verifier is the one this machine's
 * build generated. The deploy records (`pinZkVerifier`) the profile, the sha256 of its build's
 * verification key and final zkey, how the setup was made, and the verifier's runtime code hash
 * (EXTCODEHASH). `checkZkVerifier` then refuses, by name, a deployment whose verifier is not this build's:
 * its code is not the compiled artifact's deployed bytecode, does not carry the build's verification key,
 * or the record pins another key or code than the build and the chain have.
 */
import { readFile } from "node:fs/promises";
import { Contract, getAddress, keccak256, type Provider } from "ethers";
import { StrataError } from "../common/errors";
import type { Deployment, ZkVerifierPin } from "../common/deployments";
import { contractAddress } from "../common/deployments";
import { ZkArtifactsMissingError } from "../zk/build/errors";
import { profileDir, profileFiles, resolveLayout, verifierContractName } from "../zk/build/layout";
import { checkBuild, type BuildManifest } from "../zk/build/manifest";
import type { VerificationKey } from "../zk/build/snarkjs";
import { verifierArtifact } from "../zk/deploy";

/** The deployed zk verifier is not the one the local build generated; `what` names the part that differs. */
export class ZkVerifierMismatchError extends StrataError {
  constructor(
    readonly what:
      | "runtime code"
      | "verification key"
      | "pinned runtime code"
      | "pinned verification key"
      | "rollup's verifier",
    readonly expected: string,
    readonly actual: string,
    detail: string,
  ) {
    super(
      `the deployed zk verifier's ${what} is not the local build's: expected ${expected}, got ${actual} (${detail})`,
    );
  }
}

/** A deployment record that pins no zk verifier (made before pins, or by hand): nothing to check against. */
export class ZkVerifierPinMissingError extends StrataError {
  constructor() {
    super("the deployment record pins no zk verifier: redeploy with `npm run deploy` to record one");
  }
}

/** A profile's local build: its manifest and verification key, refused unless the manifest vouches for it. */
export async function loadZkBuild(
  profile: string,
): Promise<{ manifest: BuildManifest; vkey: VerificationKey }> {
  const files = profileFiles(profileDir(resolveLayout(), profile), verifierContractName(profile));
  const { manifest, problem } = await checkBuild(files);
  if (!manifest || problem) throw new ZkArtifactsMissingError(profile, problem ?? "no manifest");
  return { manifest, vkey: JSON.parse(await readFile(files.vkey, "utf8")) as VerificationKey };
}

/** The deploy's record of the verifier at `address`: the profile's build and the code now at the address. */
export async function pinZkVerifier(
  provider: Provider,
  address: string,
  profile: string,
): Promise<ZkVerifierPin> {
  const { manifest } = await loadZkBuild(profile);
  return {
    profile,
    contract: manifest.verifierContract,
    verificationKeySha256: manifest.verificationKeySha256,
    zkeySha256: manifest.zkeySha256,
    setup: manifest.setup.kind,
    contributions: manifest.setup.contributions.map((c) => c.name),
    runtimeCodeHash: keccak256(await provider.getCode(address)),
  };
}

/** The field elements of a verification key that snarkjs's Solidity template writes as constants. */
function keyConstants(vkey: VerificationKey): bigint[] {
  const delta = vkey.vk_delta_2 as string[][];
  const ic = vkey.IC as string[][];
  return [...delta.slice(0, 2).flat(), ...ic.flatMap((p) => p.slice(0, 2))].map((v) => BigInt(v));
}

export interface CheckZkVerifierOptions {
  /** The profile (default: the record's pin, else `test`). */
  profile?: string;
  /** The local build (default: loaded from circuits/build/<profile>/). */
  build?: { manifest: BuildManifest; vkey: VerificationKey };
  /** The compiled verifier's runtime bytecode (default: Hardhat's artifact of the generated verifier). */
  deployedBytecode?: string;
}

/**
 * Confirms the deployment's ZkVerifier is the one this machine's build generated: its code hash is the
 * compiled artifact's deployed bytecode's, its code carries the build's verification key (the constants
 * of snarkjs's template), and the record's pin, when there is one, names the same key and code. Throws
 * `ZkVerifierMismatchError` naming what differs. Returns the runtime code hash.
 */
export async function checkZkVerifier(
  deployment: Deployment,
  provider: Provider,
  options: CheckZkVerifierOptions = {},
): Promise<string> {
  const pin = deployment.zkVerifier;
  const profile = options.profile ?? pin?.profile ?? "test";
  const address = contractAddress(deployment, "ZkVerifier");
  const build = options.build ?? (await loadZkBuild(profile));
  const bytecode =
    options.deployedBytecode ??
    (verifierArtifact(profile) as unknown as { deployedBytecode: string }).deployedBytecode;
  const code = await provider.getCode(address);
  const onChain = keccak256(code);
  const compiled = keccak256(bytecode);
  if (onChain !== compiled) {
    throw new ZkVerifierMismatchError(
      "runtime code",
      compiled,
      onChain,
      `EXTCODEHASH of ${address} vs the compiled ${build.manifest.verifierContract}: deployed from another build`,
    );
  }
  const missing = keyConstants(build.vkey).find((v) => !code.includes(v.toString(16)));
  if (missing !== undefined) {
    throw new ZkVerifierMismatchError(
      "verification key",
      build.manifest.verificationKeySha256,
      "a verifier without it",
      `the code at ${address} lacks the key's constant 0x${missing.toString(16)}: the artifact is stale, recompile`,
    );
  }
  if (pin && pin.verificationKeySha256 !== build.manifest.verificationKeySha256) {
    throw new ZkVerifierMismatchError(
      "pinned verification key",
      build.manifest.verificationKeySha256,
      pin.verificationKeySha256,
      `the deployment record pins another key than circuits/build/${profile}/ holds`,
    );
  }
  if (pin) await checkZkVerifierPin(deployment, provider);
  else await checkRollupVerifier(deployment, provider);
  return onChain;
}

/**
 * What anyone can check of a deployment's zk verifier without the build (a wallet does, before it sends
 * anything): the code at the record's ZkVerifier is the code the record pins (EXTCODEHASH), and the
 * rollup verifies with that contract. The pin names the verification key the setup published
 * (`verificationKeySha256`): trusting the record is trusting that key. Throws `ZkVerifierMismatchError`
 * naming what differs, or `ZkVerifierPinMissingError` for a record that pins nothing.
 */
export async function checkZkVerifierPin(deployment: Deployment, provider: Provider): Promise<string> {
  const pin = deployment.zkVerifier;
  if (!pin) throw new ZkVerifierPinMissingError();
  const address = contractAddress(deployment, "ZkVerifier");
  const onChain = keccak256(await provider.getCode(address));
  if (pin.runtimeCodeHash !== onChain) {
    throw new ZkVerifierMismatchError(
      "pinned runtime code",
      pin.runtimeCodeHash,
      onChain,
      `the deployment record pins other code than ${address} holds`,
    );
  }
  await checkRollupVerifier(deployment, provider);
  return onChain;
}

/** The record's ZkRollup verifies with the record's ZkVerifier (an immutable of the rollup). */
async function checkRollupVerifier(deployment: Deployment, provider: Provider): Promise<void> {
  const address = contractAddress(deployment, "ZkVerifier");
  // What counts is the verifier the rollup calls (an immutable), not only the one the record names.
  const rollupAddress = contractAddress(deployment, "ZkRollup");
  const rollup = new Contract(rollupAddress, ["function VERIFIER() view returns (address)"], provider);
  const used = getAddress((await rollup.getFunction("VERIFIER")()) as string);
  if (used !== getAddress(address)) {
    throw new ZkVerifierMismatchError(
      "rollup's verifier",
      getAddress(address),
      used,
      `ZkRollup ${rollupAddress} verifies with ${used}, not the record's ZkVerifier`,
    );
  }
}
