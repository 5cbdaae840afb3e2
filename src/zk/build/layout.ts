import { isAbsolute, join, relative, resolve } from "node:path";
import { ZkConfigError } from "./errors";

/** Where the pipeline reads sources and writes outputs. Every path defaults to the repository's. */
export interface ZkLayoutOptions {
  /** The directory circom2 runs in; every other directory must lie inside it (circom2's sandbox). */
  rootDir?: string;
  /** Holds main/, lib/ and profiles.json. Default `<rootDir>/circuits`. */
  circuitsDir?: string;
  /** One directory per profile. Default `<circuitsDir>/build`. */
  buildDir?: string;
  /** Where the Solidity verifiers go. Default `<rootDir>/contracts/zk/generated`. */
  verifierDir?: string;
  /** circom2's include path (`-l`), holding circomlib. Default `<rootDir>/node_modules`. */
  libraryDir?: string;
  /** The cache of locally made powers of tau. Default `<buildDir>/ptau`. */
  ptauCacheDir?: string;
}

export type ZkLayout = Required<ZkLayoutOptions>;

/** The statement the rollup proves: circuits/main/<MAIN_NAME>.circom, template RollupBatch. */
export const MAIN_NAME = "batch";
export const MAIN_TEMPLATE = "RollupBatch";
export const MANIFEST_FILE = "manifest.json";

/** The repository root (this file is src/zk/build/layout.ts). */
export const REPO_ROOT = resolve(__dirname, "..", "..", "..");

export function resolveLayout(options: ZkLayoutOptions = {}): ZkLayout {
  const rootDir = resolve(options.rootDir ?? REPO_ROOT);
  const circuitsDir = resolve(rootDir, options.circuitsDir ?? "circuits");
  const buildDir = resolve(rootDir, options.buildDir ?? join(circuitsDir, "build"));
  const layout: ZkLayout = {
    rootDir,
    circuitsDir,
    buildDir,
    verifierDir: resolve(rootDir, options.verifierDir ?? join("contracts", "zk", "generated")),
    libraryDir: resolve(rootDir, options.libraryDir ?? "node_modules"),
    ptauCacheDir: resolve(rootDir, options.ptauCacheDir ?? join(buildDir, "ptau")),
  };
  for (const key of ["circuitsDir", "buildDir", "libraryDir"] as const) {
    if (!isInside(rootDir, layout[key])) {
      throw new ZkConfigError(
        `${key} ${layout[key]} lies outside rootDir ${rootDir}: circom2 cannot reach it`,
      );
    }
  }
  return layout;
}

export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** The files of one profile's build, inside `dir` (the profile directory or its temporary twin). */
export interface ProfileFiles {
  dir: string;
  wrapper: string;
  r1cs: string;
  sym: string;
  wasm: string;
  zkey: string;
  vkey: string;
  verifier: string;
  manifest: string;
}

export function profileFiles(dir: string, contractName: string): ProfileFiles {
  return {
    dir,
    wrapper: join(dir, `${MAIN_NAME}.circom`),
    r1cs: join(dir, `${MAIN_NAME}.r1cs`),
    sym: join(dir, `${MAIN_NAME}.sym`),
    wasm: join(dir, `${MAIN_NAME}_js`, `${MAIN_NAME}.wasm`),
    zkey: join(dir, `${MAIN_NAME}.zkey`),
    vkey: join(dir, "verification_key.json"),
    verifier: join(dir, `${contractName}.sol`),
    manifest: join(dir, MANIFEST_FILE),
  };
}

export function profileDir(layout: ZkLayout, profile: string): string {
  return join(layout.buildDir, profile);
}

/** `test` → `ZkVerifierTest`, `big-batch` → `ZkVerifierBigBatch`. */
export function verifierContractName(profile: string): string {
  const pascal = profile
    .split(/[-_]/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
  return `ZkVerifier${pascal}`;
}

/** A path relative to rootDir with forward slashes: what circom2 and the manifest see. */
export function fromRoot(layout: ZkLayout, path: string): string {
  return relative(layout.rootDir, path).split("\\").join("/");
}
