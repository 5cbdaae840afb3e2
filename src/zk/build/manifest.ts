/**
 * The manifest: written last into a profile's build, it records what the build was made from (the
 * cache key's inputs) and the sha256 of every output. No valid manifest, no trust: rebuild.
 */
import { readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { circomVersion } from "./circom";
import { hashTree, sha256File, sha256Hex } from "./hash";
import type { ProfileFiles, ZkLayout } from "./layout";
import type { ZkProfile } from "./profiles";
import type { PtauSource } from "./ptau";
import type { SetupRecord } from "./setup";
import { snarkjsVersion } from "./snarkjs";

/** Bump when the pipeline changes what it produces: every earlier build is then rebuilt. */
export const BUILD_FORMAT = 2;

/**
 * Everything a build depends on but the powers of tau. Its hash is the cache key; the ptau is
 * matched apart (see `BuildExpectation`), so a build made from a supplied ptau is not redone
 * with a weaker local ceremony just because STRATA_PTAU is not set this time.
 */
export interface BuildInputs {
  format: number;
  profile: { name: string; batchSize: number; depth: number };
  /** One hash over circuits/main/** and circuits/lib/**. */
  sources: string;
  circomlib: string;
  tools: { circom2: string; snarkjs: string };
}

export interface BuildManifest {
  format: number;
  key: string;
  inputs: BuildInputs;
  constraints: number;
  nPublic: number;
  /**
   * The powers of tau the setup used: the shipped development file, a pinned public one, one the user
   * trusted by its hash, or a local one.
   */
  ptau: {
    kind: PtauSource["kind"];
    sha256: string;
    blake2b512?: string;
    power: number;
    requiredPower: number;
  };
  /** How the final zkey was made: one automatic contribution (development) or a ceremony, then a beacon. */
  setup: SetupRecord;
  /** sha256 of the final zkey, and of the verification key (the file): what a deployment is pinned to. */
  zkeySha256: string;
  verificationKeySha256: string;
  verifierContract: string;
  /** sha256 of each output, by path relative to the profile directory. */
  files: Record<string, string>;
  /** Seconds per step, as measured when the build ran. */
  timings: Record<string, number>;
  builtAt: string;
}

async function circomlibVersion(layout: ZkLayout): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(join(layout.libraryDir, "circomlib", "package.json"), "utf8"));
    return String((pkg as { version: unknown }).version);
  } catch {
    return "absent";
  }
}

export async function collectInputs(layout: ZkLayout, profile: ZkProfile): Promise<BuildInputs> {
  const dirs = [join(layout.circuitsDir, "main"), join(layout.circuitsDir, "lib")];
  return {
    format: BUILD_FORMAT,
    profile: { name: profile.name, batchSize: profile.batchSize, depth: profile.depth },
    sources: await hashTree(layout.circuitsDir, dirs),
    circomlib: await circomlibVersion(layout),
    tools: { circom2: await circomVersion(), snarkjs: snarkjsVersion() },
  };
}

export function cacheKey(inputs: BuildInputs): string {
  return sha256Hex(JSON.stringify(inputs));
}

/** The outputs the manifest vouches for (the wrapper is an input, and compile's extras are not needed). */
export function trackedFiles(files: ProfileFiles): string[] {
  return [files.wrapper, files.r1cs, files.sym, files.wasm, files.zkey, files.vkey, files.verifier];
}

export function trackedName(files: ProfileFiles, path: string): string {
  return relative(files.dir, path).split("\\").join("/");
}

export async function hashOutputs(files: ProfileFiles): Promise<Record<string, string>> {
  const entries = await Promise.all(
    trackedFiles(files).map(async (path) => [trackedName(files, path), await sha256File(path)]),
  );
  return Object.fromEntries(entries);
}

/** What a build must match to be reused. */
export interface BuildExpectation {
  key: string;
  /** The supplied ptau's sha256; undefined when any ptau will do (no STRATA_PTAU). */
  ptauSha256?: string;
  /** The kind of ptau the build must come from (`local` when STRATA_PTAU=ceremony). */
  ptauKind?: BuildManifest["ptau"]["kind"];
}

/**
 * Whether a build directory can be trusted: its manifest parses, covers every output, matches the
 * expectation (when given) and every file's sha256. `problem` says why not.
 */
export async function checkBuild(
  files: ProfileFiles,
  expected?: BuildExpectation,
): Promise<{ manifest?: BuildManifest; problem?: string }> {
  let manifest: BuildManifest;
  try {
    manifest = JSON.parse(await readFile(files.manifest, "utf8")) as BuildManifest;
  } catch {
    return { problem: "no valid manifest" };
  }
  if (manifest.format !== BUILD_FORMAT || typeof manifest.files !== "object" || manifest.files === null) {
    return { problem: "manifest of another format" };
  }
  const missing = trackedFiles(files).find((path) => !(trackedName(files, path) in manifest.files));
  if (missing) return { problem: `manifest does not cover ${trackedName(files, missing)}` };
  if (expected && manifest.key !== expected.key) return { manifest, problem: "inputs changed" };
  if (expected?.ptauSha256 && manifest.ptau?.sha256 !== expected.ptauSha256) {
    return { manifest, problem: "built from another powers of tau" };
  }
  if (expected?.ptauKind && manifest.ptau?.kind !== expected.ptauKind) {
    return { manifest, problem: `built from a ${manifest.ptau?.kind ?? "unknown"} powers of tau` };
  }
  for (const [name, sha] of Object.entries(manifest.files)) {
    const path = join(files.dir, name);
    const exists = await stat(path).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!exists) return { manifest, problem: `${name} is missing` };
    if ((await sha256File(path)) !== sha) return { manifest, problem: `${name} does not match the manifest` };
  }
  return { manifest };
}
