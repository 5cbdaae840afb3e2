/** The circuit-specific Groth16 setup and its exports (verification key, Solidity verifier). */
import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { ZkSetupError } from "./errors";
import type { ProfileFiles } from "./layout";
import { runStep, type BuildReporter, type StepProgress } from "./progress";
import { groth16VerifierTemplate, snarkjs } from "./snarkjs";

/** The seconds each setup step took. */
export interface SetupTimings {
  setup: number;
  contribute: number;
  export: number;
}

function failIf(step: string, failed: boolean, progress: StepProgress): void {
  if (failed) throw new ZkSetupError(step, progress.lastError() ?? "snarkjs reported failure");
}

/**
 * groth16 setup (phase 2 start from the ptau) → one contribution with 64 bytes of fresh entropy
 * (not kept) → `files.zkey`; then the verification key. The intermediate zkey is removed.
 */
export async function runGroth16Setup(
  files: ProfileFiles,
  ptauPath: string,
  reporter: BuildReporter,
): Promise<SetupTimings> {
  const initial = `${files.zkey}.0000`;
  const setup = await runStep(reporter, "groth16 setup", async (p) => {
    failIf(
      "groth16 setup",
      (await snarkjs.zKey.newZKey(files.r1cs, ptauPath, initial, p.snarkLogger)) === -1,
      p,
    );
  });
  const contribute = await runStep(reporter, "zkey contribute", async (p) => {
    const entropy = randomBytes(64).toString("hex");
    const hash = await snarkjs.zKey.contribute(initial, files.zkey, "strata build", entropy, p.snarkLogger);
    failIf("zkey contribute", !(hash instanceof Uint8Array), p);
  });
  await rm(initial, { force: true });
  const exported = await runStep(reporter, "export verification key", async (p) => {
    const vkey = await snarkjs.zKey.exportVerificationKey(files.zkey, p.snarkLogger);
    await writeFile(files.vkey, JSON.stringify(vkey, null, 2) + "\n");
    return vkey;
  });
  return { setup: setup.seconds, contribute: contribute.seconds, export: exported.seconds };
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
