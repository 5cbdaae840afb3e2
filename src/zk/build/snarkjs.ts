/**
 * The part of snarkjs's JavaScript API that Strata uses, typed. snarkjs ships no types; this file is
 * the one place that casts it. snarkjs accepts a file name or an in-memory buffer for every file.
 */
import { dirname, join } from "node:path";
import { readFileSync } from "node:fs";

/** A file for snarkjs: a path, bytes, or `{ type: "mem" }` that snarkjs fills with `data`. */
export type SnarkFile = string | Uint8Array | { type: "mem"; data?: Uint8Array };

/** The logger snarkjs calls (console-like). */
export interface SnarkLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  log(message: string): void;
}

/** A Groth16 proof as snarkjs returns it: projective coordinates, decimal strings. */
export interface Groth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: string;
  curve: string;
}

export interface VerificationKey {
  protocol: string;
  curve: string;
  nPublic: number;
  [field: string]: unknown;
}

export interface R1csInfo {
  nConstraints: number;
  nPubInputs: number;
  nPrvInputs: number;
  nOutputs: number;
  nVars: number;
}

/** A ceremony contribution (powers of tau or zkey): `oldFile` plus `name`'s `entropy` into `newFile`. */
type Contribute = (
  oldFile: string,
  newFile: string,
  name: string,
  entropy: string,
  logger?: SnarkLogger,
) => Promise<unknown>;

/** A ceremony's beacon (powers of tau or zkey): `oldFile` plus `beaconHash` hashed 2^`numIterationsExp` times. */
type Beacon = (
  oldFile: string,
  newFile: string,
  name: string,
  beaconHash: string,
  numIterationsExp: number,
  logger?: SnarkLogger,
) => Promise<unknown>;

export interface SnarkJs {
  powersOfTau: {
    newAccumulator(curve: unknown, power: number, file: string, logger?: SnarkLogger): Promise<unknown>;
    contribute: Contribute;
    beacon: Beacon;
    preparePhase2(oldFile: string, newFile: string, logger?: SnarkLogger): Promise<unknown>;
  };
  zKey: {
    newZKey(r1cs: string, ptau: string, zkey: string, logger?: SnarkLogger): Promise<unknown>;
    contribute: Contribute;
    beacon: Beacon;
    verifyFromInit(init: SnarkFile, ptau: string, zkey: string, logger?: SnarkLogger): Promise<boolean>;
    verifyFromR1cs(r1cs: string, ptau: string, zkey: string, logger?: SnarkLogger): Promise<boolean>;
    exportVerificationKey(zkey: SnarkFile, logger?: SnarkLogger): Promise<VerificationKey>;
    exportSolidityVerifier(
      zkey: SnarkFile,
      templates: { groth16: string },
      logger?: SnarkLogger,
    ): Promise<string>;
  };
  r1cs: { info(r1cs: string, logger?: SnarkLogger): Promise<R1csInfo> };
  wtns: { calculate(input: unknown, wasm: SnarkFile, wtns: SnarkFile): Promise<void> };
  groth16: {
    prove(
      zkey: SnarkFile,
      wtns: SnarkFile,
      logger?: SnarkLogger,
    ): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    verify(
      vkey: VerificationKey,
      publicSignals: string[],
      proof: Groth16Proof,
      logger?: SnarkLogger,
    ): Promise<boolean>;
  };
  curves: { getCurveFromName(name: string): Promise<unknown> };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const snarkjs = require("snarkjs") as SnarkJs;

/** snarkjs's package directory (its `exports` map hides `snarkjs/package.json`). */
function snarkjsDir(): string {
  return join(dirname(require.resolve("snarkjs")), "..");
}

export function snarkjsVersion(): string {
  return (JSON.parse(readFileSync(join(snarkjsDir(), "package.json"), "utf8")) as { version: string })
    .version;
}

/** snarkjs's Groth16 Solidity verifier template (what `snarkjs zkey export solidityverifier` uses). */
export function groth16VerifierTemplate(): string {
  return readFileSync(join(snarkjsDir(), "templates", "verifier_groth16.sol.ejs"), "utf8");
}

/**
 * Terminates the worker threads of snarkjs's shared bn128 curve (ffjavascript caches it in
 * `globalThis.curve_bn128`), so the process can exit. The next snarkjs call builds a fresh one.
 */
export async function terminateCurves(): Promise<void> {
  const cached = globalThis as { curve_bn128?: { terminate(): Promise<void> } | null };
  await cached.curve_bn128?.terminate();
}
