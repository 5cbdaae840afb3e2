/**
 * The warm prover: loads one profile's circuit (wasm) and proving key (zkey) once, then computes
 * witnesses and Groth16 proofs in memory for as many batches as it is given, checks each proof with
 * the verification key, and formats it for the Solidity verifier (`ZkVerifier<Profile>.verifyProof`).
 */
import { readFile } from "node:fs/promises";
import { createLogger, type Logger } from "../common/logger";
import { ZkArtifactsMissingError, ZkInputError, ZkProofError, ZkProverClosedError } from "./build/errors";
import {
  profileDir,
  profileFiles,
  resolveLayout,
  verifierContractName,
  type ZkLayoutOptions,
} from "./build/layout";
import { checkBuild } from "./build/manifest";
import { snarkjs, terminateCurves, type Groth16Proof, type VerificationKey } from "./build/snarkjs";

export { ZkArtifactsMissingError, ZkInputError, ZkProofError, ZkProverClosedError } from "./build/errors";
export type { Groth16Proof, VerificationKey } from "./build/snarkjs";

/** The BN254 scalar field (as src/zk/domain.ts, which loads circomlibjs: not wanted here). */
const SNARK_SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** A circuit input signal: a field element or a (nested) array of them. */
export type SignalValue = bigint | number | string | readonly SignalValue[];
export type CircuitInput = Readonly<Record<string, SignalValue>>;

/** A proof as `verifyProof(uint[2] a, uint[2][2] b, uint[2] c, uint[N] input)` takes it. */
export interface SolidityProof {
  a: [bigint, bigint];
  /** G2 coordinates with each pair's halves swapped (Fp2 as [imaginary, real]), as snarkjs exports them. */
  b: [[bigint, bigint], [bigint, bigint]];
  c: [bigint, bigint];
  publicInputs: bigint[];
}

export interface ZkProof {
  proof: Groth16Proof;
  publicSignals: bigint[];
  solidity: SolidityProof;
  /** Witness plus proof, in milliseconds. */
  provingMs: number;
}

export interface ZkProverOptions extends Pick<ZkLayoutOptions, "rootDir" | "circuitsDir" | "buildDir"> {
  /** The profile in circuits/profiles.json whose build to load. */
  profile: string;
  logger?: Logger;
}

/** Formats a snarkjs proof and its public signals for the Solidity verifier (as `exportSolidityCallData`). */
export function toSolidityProof(
  proof: Groth16Proof,
  publicSignals: readonly (bigint | string)[],
): SolidityProof {
  const n = (value: string | undefined) => BigInt(value ?? Number.NaN);
  const [a, b, c] = [proof.pi_a, proof.pi_b, proof.pi_c];
  return {
    a: [n(a[0]), n(a[1])],
    b: [
      [n(b[0]?.[1]), n(b[0]?.[0])],
      [n(b[1]?.[1]), n(b[1]?.[0])],
    ],
    c: [n(c[0]), n(c[1])],
    publicInputs: publicSignals.map((s) => BigInt(s)),
  };
}

function checkSignal(name: string, value: unknown): void {
  if (Array.isArray(value)) return value.forEach((v, i) => checkSignal(`${name}[${i}]`, v));
  const ok =
    typeof value === "bigint" ||
    (typeof value === "number" && Number.isSafeInteger(value)) ||
    (typeof value === "string" && /^-?[0-9]+$/.test(value));
  if (!ok) throw new ZkInputError(`input signal ${name} is not an integer: ${String(value)}`);
}

export class ZkProver {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly profile: string,
    private readonly wasm: Uint8Array,
    private readonly zkey: Uint8Array,
    readonly verificationKey: VerificationKey,
    private readonly logger: Logger,
  ) {}

  /** Loads a profile's build; throws `ZkArtifactsMissingError` unless its manifest vouches for it. */
  static async load(options: ZkProverOptions): Promise<ZkProver> {
    const logger = options.logger ?? createLogger({ scope: "zk-prover" });
    const files = profileFiles(
      profileDir(resolveLayout(options), options.profile),
      verifierContractName(options.profile),
    );
    const { problem } = await checkBuild(files);
    if (problem) throw new ZkArtifactsMissingError(options.profile, problem);
    const [wasm, zkey, vkey] = await Promise.all([
      readFile(files.wasm),
      readFile(files.zkey),
      readFile(files.vkey, "utf8"),
    ]);
    logger.info("loaded", {
      profile: options.profile,
      zkeyBytes: zkey.byteLength,
      wasmBytes: wasm.byteLength,
    });
    return new ZkProver(
      options.profile,
      new Uint8Array(wasm),
      new Uint8Array(zkey),
      JSON.parse(vkey) as VerificationKey,
      logger,
    );
  }

  /** How many public inputs a proof carries (2 + batch size for the rollup). */
  get nPublic(): number {
    return this.verificationKey.nPublic;
  }

  /**
   * The witness and a Groth16 proof for `input`, checked against the verification key. Throws
   * `ZkInputError` when the circuit rejects the input, `ZkProofError` when the proof fails.
   * Calls run one at a time.
   */
  prove(input: CircuitInput): Promise<ZkProof> {
    const run = this.queue.then(() => this.proveNow(input));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Whether `proof` proves `publicSignals` for this profile's circuit (false for out-of-field inputs). */
  async verify(proof: Groth16Proof, publicSignals: readonly bigint[]): Promise<boolean> {
    this.assertOpen();
    if (publicSignals.length !== this.nPublic) return false;
    if (publicSignals.some((s) => s < 0n || s >= SNARK_SCALAR_FIELD)) return false;
    return snarkjs.groth16.verify(this.verificationKey, publicSignals.map(String), proof);
  }

  /** Terminates snarkjs's curve worker threads (shared by the process) so it can exit. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await terminateCurves();
  }

  private async proveNow(input: CircuitInput): Promise<ZkProof> {
    this.assertOpen();
    const started = Date.now();
    const witness = await this.computeWitness(input);
    let proved;
    try {
      proved = await snarkjs.groth16.prove(this.zkey, witness);
    } catch (cause) {
      throw new ZkProofError(`proving failed for profile ${this.profile}`, { cause });
    }
    const publicSignals = proved.publicSignals.map((s) => BigInt(s));
    if (!(await this.verify(proved.proof, publicSignals))) {
      throw new ZkProofError(`the proof for profile ${this.profile} does not verify`);
    }
    const provingMs = Date.now() - started;
    this.logger.debug("proved", { profile: this.profile, provingMs });
    return {
      proof: proved.proof,
      publicSignals,
      solidity: toSolidityProof(proved.proof, publicSignals),
      provingMs,
    };
  }

  private async computeWitness(input: CircuitInput): Promise<Uint8Array> {
    if (!input || typeof input !== "object" || Array.isArray(input))
      throw new ZkInputError("the input must be an object of signals");
    Object.entries(input).forEach(([name, value]) => checkSignal(name, value));
    const out: { type: "mem"; data?: Uint8Array } = { type: "mem" };
    try {
      await snarkjs.wtns.calculate(input, this.wasm, out);
    } catch (cause) {
      const detail = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
      throw new ZkInputError(`the circuit rejected the input: ${detail}`, { cause });
    }
    if (!out.data) throw new ZkProofError("snarkjs computed no witness");
    return out.data;
  }

  private assertOpen(): void {
    if (this.closed) throw new ZkProverClosedError();
  }
}
