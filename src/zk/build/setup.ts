/** The circuit-specific Groth16 setup and its exports (verification key, Solidity verifier). */
import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { ZkSetupError, ZkSetupVerifyError } from "./errors";
import type { ProfileFiles } from "./layout";
import { runStep, type BuildReporter, type StepProgress } from "./progress";
import { groth16VerifierTemplate, snarkjs } from "./snarkjs";

/** The seconds each setup step took. */
export interface SetupTimings {
  setup: number;
  contribute: number;
  beacon: number;
  verify: number;
  export: number;
}

/** One phase-2 contribution: who made it (its name) and its contribution hash (hex, as snarkjs prints it). */
export interface SetupContribution {
  name: string;
  hash: string;
}

/**
 * How the final zkey came to be, recorded in the manifest: `development` is the build's own single
 * automatic contribution (this machine could forge proofs); `ceremony` is `zk-setup`'s named
 * contributions, each made apart (src/zk/build/ceremony.ts). Both end with a beacon, and both were
 * checked by `zkey verify` against the r1cs and the powers of tau before being kept.
 */
export interface SetupRecord {
  kind: "development" | "ceremony";
  contributions: SetupContribution[];
  /** The beacon (hex) and 2^iterationsExp hash iterations, and its contribution hash. */
  beacon: { value: string; iterationsExp: number; hash: string };
}

/** 2^10 hash iterations for the development build's beacon: snarkjs's minimum. */
export const DEVELOPMENT_BEACON_ITERATIONS_EXP = 10;

function failIf(step: string, failed: boolean, progress: StepProgress): void {
  if (failed) throw new ZkSetupError(step, progress.lastError() ?? "snarkjs reported failure");
}

function hex(bytes: unknown): string {
  return Buffer.from(bytes as Uint8Array).toString("hex");
}

/** groth16 setup: the circuit's initial zkey (phase 2, no contribution yet) from its r1cs and the ptau. */
export async function newZkey(
  r1cs: string,
  ptauPath: string,
  zkey: string,
  reporter: BuildReporter,
): Promise<number> {
  const step = await runStep(reporter, "groth16 setup", async (p) => {
    failIf("groth16 setup", (await snarkjs.zKey.newZKey(r1cs, ptauPath, zkey, p.snarkLogger)) === -1, p);
  });
  return step.seconds;
}

/** One phase-2 contribution by `name` with `entropy` (default 64 fresh random bytes, not kept). */
export async function contributeZkey(
  from: string,
  to: string,
  name: string,
  reporter: BuildReporter,
  entropy: string = randomBytes(64).toString("hex"),
): Promise<{ contribution: SetupContribution; seconds: number }> {
  const step = await runStep(
    reporter,
    "zkey contribute",
    async (p) => {
      const hash = await snarkjs.zKey.contribute(from, to, name, entropy, p.snarkLogger);
      failIf("zkey contribute", !(hash instanceof Uint8Array), p);
      return hex(hash);
    },
    { name },
  );
  return { contribution: { name, hash: step.result }, seconds: step.seconds };
}

/** The beacon: the last contribution, from a public value fixed in advance, that nobody could choose. */
export async function applyBeacon(
  from: string,
  to: string,
  value: string,
  iterationsExp: number,
  reporter: BuildReporter,
): Promise<{ beacon: SetupRecord["beacon"]; seconds: number }> {
  const step = await runStep(
    reporter,
    "zkey beacon",
    async (p) => {
      const hash = await snarkjs.zKey.beacon(from, to, "beacon", value, iterationsExp, p.snarkLogger);
      failIf("zkey beacon", !(hash instanceof Uint8Array), p);
      return hex(hash);
    },
    { iterationsExp },
  );
  return { beacon: { value, iterationsExp, hash: step.result }, seconds: step.seconds };
}

/**
 * `zkey verify`: `zkey` descends from the circuit's initial zkey `init` (made from the r1cs and the ptau;
 * when `init` is the r1cs itself, it is made again here) through valid contributions. Throws
 * `ZkSetupVerifyError` naming snarkjs's reason otherwise.
 */
export async function verifyZkey(
  source: { init: string } | { r1cs: string },
  ptauPath: string,
  zkey: string,
  reporter: BuildReporter,
): Promise<number> {
  const step = await runStep(reporter, "zkey verify", async (p) => {
    let ok: boolean;
    try {
      ok =
        "init" in source
          ? await snarkjs.zKey.verifyFromInit(source.init, ptauPath, zkey, p.snarkLogger)
          : await snarkjs.zKey.verifyFromR1cs(source.r1cs, ptauPath, zkey, p.snarkLogger);
    } catch (cause) {
      // A file snarkjs cannot even read (a point off the curve, a cut section) fails verification too.
      throw new ZkSetupVerifyError(zkey, (cause as Error).message, { cause });
    }
    if (ok !== true) throw new ZkSetupVerifyError(zkey, p.lastError() ?? "snarkjs reported failure");
  });
  return step.seconds;
}

/** Writes the verification key of `zkey` to `path`. */
export async function exportVerificationKey(
  zkey: string,
  path: string,
  reporter: BuildReporter,
): Promise<number> {
  const step = await runStep(reporter, "export verification key", async (p) => {
    const vkey = await snarkjs.zKey.exportVerificationKey(zkey, p.snarkLogger);
    await writeFile(path, JSON.stringify(vkey, null, 2) + "\n");
  });
  return step.seconds;
}

/**
 * The development setup of a build: groth16 setup (phase 2 start from the ptau) → ONE automatic
 * contribution with 64 bytes of fresh entropy (not kept) → a beacon of 32 fresh random bytes →
 * `zkey verify` against the initial zkey and the ptau → `files.zkey` and its verification key. The
 * intermediate zkeys are removed. Whoever ran it could forge proofs: `zk-setup` runs a ceremony instead.
 */
export async function runGroth16Setup(
  files: ProfileFiles,
  ptauPath: string,
  reporter: BuildReporter,
): Promise<{ timings: SetupTimings; record: SetupRecord }> {
  const initial = `${files.zkey}.0000`;
  const contributed = `${files.zkey}.0001`;
  try {
    const setup = await newZkey(files.r1cs, ptauPath, initial, reporter);
    const contribute = await contributeZkey(initial, contributed, "strata build", reporter);
    const beacon = await applyBeacon(
      contributed,
      files.zkey,
      randomBytes(32).toString("hex"),
      DEVELOPMENT_BEACON_ITERATIONS_EXP,
      reporter,
    );
    const verify = await verifyZkey({ init: initial }, ptauPath, files.zkey, reporter);
    const exported = await exportVerificationKey(files.zkey, files.vkey, reporter);
    return {
      timings: {
        setup,
        contribute: contribute.seconds,
        beacon: beacon.seconds,
        verify,
        export: exported,
      },
      record: { kind: "development", contributions: [contribute.contribution], beacon: beacon.beacon },
    };
  } finally {
    await rm(initial, { force: true });
    await rm(contributed, { force: true });
  }
}

/**
 * snarkjs's Groth16 Solidity verifier for `zkey`, with the contract renamed to `contractName` and
 * a header saying where it came from.
 */
export async function renderVerifier(zkey: string, contractName: string, header: string): Promise<string> {
  const source = await snarkjs.zKey.exportSolidityVerifier(zkey, { groth16: groth16VerifierTemplate() });
  const declaration = /\bcontract Groth16Verifier\b/g;
  if ((source.match(declaration) ?? []).length !== 1) {
    throw new ZkSetupError(
      "export verifier",
      "snarkjs's template no longer declares exactly one `contract Groth16Verifier`",
    );
  }
  const renamed = source.replace(declaration, `contract ${contractName}`);
  const [spdx, ...rest] = renamed.split("\n");
  return [spdx, `// ${header}`, ...rest].join("\n");
}
