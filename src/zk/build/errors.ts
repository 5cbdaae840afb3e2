import { StrataError } from "../../common/errors";

/** The base of every error the zk build pipeline and the prover throw. */
export class ZkError extends StrataError {}

/** The pipeline's options or `circuits/profiles.json` are unusable (unknown profile, bad parameters). */
export class ZkConfigError extends ZkError {}

/** A powers-of-tau file cannot serve this build; `path` names the file. */
export class PtauError extends ZkError {
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} (${path})`, options);
  }
}

/** The powers-of-tau file does not exist or is not a ptau file. */
export class PtauNotFoundError extends PtauError {}

/** The file is not a bn128 powers-of-tau file snarkjs can read. */
export class PtauFormatError extends PtauError {}

/**
 * The powers-of-tau file's sha256 differs from the one it must have: the `<file>.sha256` beside it, or,
 * for the shipped development file, the hash pinned in the code (`pinnedBy` says which, and what to do).
 */
export class PtauChecksumError extends PtauError {
  constructor(
    path: string,
    readonly expected: string,
    readonly actual: string,
    pinnedBy = "its .sha256",
  ) {
    super(`sha256 mismatch: expected ${expected} (${pinnedBy}), got ${actual}`, path);
  }
}

/**
 * A supplied powers-of-tau file (STRATA_PTAU) is none the build may trust: its blake2b-512 is not the
 * published hash of the public ceremony's file of its power (`expected`, undefined when none is pinned
 * for that power), it is not the shipped development file, and STRATA_PTAU_TRUST does not name it.
 */
export class PtauUntrustedError extends PtauError {
  constructor(
    path: string,
    readonly power: number,
    readonly expected: string | undefined,
    readonly actual: string,
  ) {
    super(
      `not a pinned public powers of tau: its blake2b-512 is ${actual}, while ` +
        (expected === undefined
          ? `no public file of power ${power} is pinned`
          : `powersOfTau28_hez_final_${String(power).padStart(2, "0")}.ptau has ${expected}`) +
        ` (PUBLIC_PTAU_BLAKE2B in src/zk/build/ptau.ts). Whoever made this file could forge proofs for any ` +
        `circuit set up on it: if you trust its makers anyway, name it with STRATA_PTAU_TRUST=${actual}`,
      path,
    );
  }
}

/** The powers-of-tau file is smaller than the circuit needs. */
export class PtauTooSmallError extends PtauError {
  constructor(
    path: string,
    readonly power: number,
    readonly requiredPower: number,
  ) {
    super(`power ${power} is too small: the circuit needs at least ${requiredPower}`, path);
  }
}

/** The powers-of-tau file was not prepared for phase 2 (`snarkjs powersoftau prepare phase2`). */
export class PtauNotPreparedError extends PtauError {
  constructor(path: string) {
    super("not prepared for phase 2 (run `snarkjs powersoftau prepare phase2`)", path);
  }
}

/** circom2 failed; `output` holds the tail of what it printed. */
export class CircomCompileError extends ZkError {
  constructor(
    readonly circuit: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(`circom2 failed on ${circuit} (exit ${exitCode}):\n${output}`);
  }
}

/** A snarkjs step (ceremony, setup, contribution, export) failed; `step` names it. */
export class ZkSetupError extends ZkError {
  constructor(
    readonly step: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${step} failed: ${detail}`, options);
  }
}

/** `zkey verify` refused a zkey: it does not descend from the r1cs and the ptau through valid contributions. */
export class ZkSetupVerifyError extends ZkError {
  constructor(
    readonly zkey: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`zkey verify failed for ${zkey}: ${reason}`, options);
  }
}

/** A profile's build outputs are missing, or not vouched for by a valid manifest. */
export class ZkArtifactsMissingError extends ZkError {
  constructor(
    readonly profile: string,
    detail: string,
  ) {
    super(`zk build for profile "${profile}" is missing or incomplete (${detail}): run npm run zk:build`);
  }
}

/** The circuit rejected the prover's input (a missing or extra signal, a failed constraint). */
export class ZkInputError extends ZkError {}

/** snarkjs produced no proof, or a proof that does not verify against the verification key. */
export class ZkProofError extends ZkError {}

/** The prover was used after `close()`. */
export class ZkProverClosedError extends ZkError {
  constructor() {
    super("the prover is closed");
  }
}
