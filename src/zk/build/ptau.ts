/**
 * Powers of tau. By default the development file shipped in circuits/ptau/ (one-party, pinned by its
 * sha256 below) when the circuit fits it; a prepared file the user supplies (STRATA_PTAU=<file>); or,
 * by explicit choice (STRATA_PTAU=ceremony) and for circuits bigger than the shipped file, the
 * project's own local one-party ceremony at the smallest power the circuit needs, cached for reuse.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import {
  PtauChecksumError,
  PtauFormatError,
  PtauNotFoundError,
  PtauNotPreparedError,
  PtauTooSmallError,
  ZkSetupError,
} from "./errors";
import { removeStaleTemps, tempPath } from "./atomic";
import { sha256File } from "./hash";
import { REPO_ROOT } from "./layout";
import { runStep, type BuildReporter, type StepProgress } from "./progress";
import { snarkjs, type R1csInfo } from "./snarkjs";

/**
 * A powers-of-tau file the build may use, identified by its content: `shipped` is the development
 * file of circuits/ptau/, `file` one the user supplied, `local` one this machine's ceremony made.
 */
export interface PtauSource {
  kind: "shipped" | "file" | "local";
  path: string;
  sha256: string;
  power: number;
}

/**
 * The development powers of tau shipped with the project (circuits/ptau/README.md): power 14,
 * prepared for phase 2, cut by `snarkjs powersoftau truncate` from the project's ONE-PARTY power-16
 * ceremony of 2026-11-21. Whoever made it could forge proofs: for development, tests and CI only. Its
 * sha256 is pinned here, in the code, so a changed file is refused, whatever sits beside it.
 */
export const DEVELOPMENT_PTAU = {
  path: join(REPO_ROOT, "circuits", "ptau", "strata-dev-pot14.ptau"),
  sha256: "89528ebca0159003e64a1db5b4977ee3c64a8dbadf886326bab37818b615ce2a",
  power: 14,
} as const;

/** The STRATA_PTAU (`--ptau`) value that asks for the local ceremony instead of any file. */
export const PTAU_CEREMONY = "ceremony";

/**
 * Which powers of tau a build trusts: `default` (the shipped development file when the circuit fits
 * it, else a local ceremony), `ceremony` (always a local one), or a supplied `file`.
 */
export type PtauChoice = { kind: "default" } | { kind: "ceremony" } | { kind: "file"; path: string };

/** The kind of powers of tau a build of a circuit that needs `power` uses under `choice`. */
export function ptauKindFor(choice: PtauChoice, power: number): PtauSource["kind"] {
  if (choice.kind === "file") return "file";
  if (choice.kind === "default" && power <= DEVELOPMENT_PTAU.power) return "shipped";
  return "local";
}

/** STRATA_PTAU / `--ptau` as a choice: unset or empty is the default, `ceremony` the local ceremony. */
export function parsePtauChoice(value: string | undefined): PtauChoice {
  const trimmed = value?.trim();
  if (!trimmed) return { kind: "default" };
  if (trimmed === PTAU_CEREMONY) return { kind: "ceremony" };
  return { kind: "file", path: trimmed };
}

/** The largest power snarkjs's bn128 ceremony supports. */
const MAX_POWER = 28;
/** The section a phase-2-prepared file has (tau in Lagrange form, G1). */
const PREPARED_SECTION = 12;
/** 2^10 hash iterations for the beacon: snarkjs's minimum. */
const BEACON_ITERATIONS_EXP = 10;

/**
 * The power of tau a Groth16 setup of this circuit needs: snarkjs's `newZKey` wants
 * 2^power > constraints + public inputs + outputs (one extra row per public signal).
 */
export function requiredPower(info: Pick<R1csInfo, "nConstraints" | "nPubInputs" | "nOutputs">): number {
  const rows = info.nConstraints + info.nPubInputs + info.nOutputs;
  return Math.max(1, Math.floor(Math.log2(Math.max(rows, 1))) + 1);
}

/** The header of a ptau file: its power and whether it was prepared for phase 2. */
export async function readPtauHeader(path: string): Promise<{ power: number; prepared: boolean }> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (cause) {
    throw new PtauNotFoundError("powers-of-tau file not found", path, { cause });
  }
  try {
    const { size } = await handle.stat();
    const read = async (length: number, position: number) => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      if (bytesRead !== length) throw new PtauFormatError("truncated powers-of-tau file", path);
      return buffer;
    };
    const head = await read(12, 0);
    if (head.toString("latin1", 0, 4) !== "ptau") throw new PtauFormatError("not a powers-of-tau file", path);
    const sections = new Map<number, number>();
    let position = 12;
    for (let i = 0; i < head.readUInt32LE(8); i++) {
      const section = await read(12, position);
      sections.set(section.readUInt32LE(0), position + 12);
      position += 12 + Number(section.readBigUInt64LE(4));
    }
    const headerAt = sections.get(1);
    if (headerAt === undefined || position > size)
      throw new PtauFormatError("malformed powers-of-tau file", path);
    const n8 = (await read(4, headerAt)).readUInt32LE(0);
    const power = (await read(4, headerAt + 4 + n8)).readUInt32LE(0);
    return { power, prepared: sections.has(PREPARED_SECTION) };
  } finally {
    await handle.close();
  }
}

/** The sha256 of a ptau file, checked against `<file>.sha256` when that sits beside it. */
export async function checkedPtauHash(path: string, required = false): Promise<string> {
  let expected: string | undefined;
  try {
    expected = (await readFile(`${path}.sha256`, "utf8")).trim().split(/\s+/)[0]?.toLowerCase();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    if (required) throw new PtauNotFoundError("no .sha256 beside the cached powers of tau", path);
  }
  const actual = await sha256File(path);
  if (expected !== undefined && expected !== actual) throw new PtauChecksumError(path, expected, actual);
  return actual;
}

/** A user-supplied ptau file (STRATA_PTAU): it exists, is prepared, and matches its `.sha256`. */
export async function inspectPtauFile(path: string): Promise<PtauSource> {
  const { power, prepared } = await readPtauHeader(path);
  if (!prepared) throw new PtauNotPreparedError(path);
  return { kind: "file", path, sha256: await checkedPtauHash(path), power };
}

/**
 * The shipped development ptau at `path` (default circuits/ptau/), refused unless its sha256 is the one
 * pinned in `DEVELOPMENT_PTAU` (`PtauChecksumError`) and it is a prepared file of the pinned power.
 */
export async function inspectDevelopmentPtau(path: string = DEVELOPMENT_PTAU.path): Promise<PtauSource> {
  let sha256: string;
  try {
    sha256 = await sha256File(path);
  } catch (cause) {
    throw new PtauNotFoundError(
      "the shipped development powers of tau is missing: restore circuits/ptau/ from git, or choose " +
        `another with STRATA_PTAU=<prepared file> or STRATA_PTAU=${PTAU_CEREMONY}`,
      path,
      { cause },
    );
  }
  if (sha256 !== DEVELOPMENT_PTAU.sha256) {
    throw new PtauChecksumError(
      path,
      DEVELOPMENT_PTAU.sha256,
      sha256,
      "pinned in src/zk/build/ptau.ts: the shipped development file was changed; restore it from git",
    );
  }
  const { power, prepared } = await readPtauHeader(path);
  if (!prepared) throw new PtauNotPreparedError(path);
  if (power !== DEVELOPMENT_PTAU.power)
    throw new PtauFormatError(`power ${power}, not ${DEVELOPMENT_PTAU.power}`, path);
  return { kind: "shipped", path, sha256, power };
}

/** Throws `PtauTooSmallError` when `ptau` cannot serve a circuit that needs `power`. */
export function assertPtauFits(ptau: PtauSource, power: number): void {
  if (ptau.power < power) throw new PtauTooSmallError(ptau.path, ptau.power, power);
}

function cachedPtauPath(cacheDir: string, power: number): string {
  return join(cacheDir, `pot${power}.ptau`);
}

/** The smallest cached local ptau of at least `power`, if one was completed (it has its .sha256). */
export async function findCachedPtau(cacheDir: string, power: number): Promise<PtauSource | undefined> {
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch {
    return undefined;
  }
  const powers = names
    .map((name) => /^pot(\d+)\.ptau\.sha256$/.exec(name)?.[1])
    .filter((p): p is string => p !== undefined)
    .map(Number)
    .filter((p) => p >= power && p <= MAX_POWER)
    .sort((a, b) => a - b);
  const smallest = powers[0];
  if (smallest === undefined) return undefined;
  const path = cachedPtauPath(cacheDir, smallest);
  return { kind: "local", path, sha256: await checkedPtauHash(path, true), power: smallest };
}

/** Fails with a `ZkSetupError` carrying snarkjs's own message when a step returned its failure value. */
function expectSuccess(step: string, result: unknown, progress: StepProgress): void {
  if (result === false || result === -1)
    throw new ZkSetupError(step, progress.lastError() ?? "snarkjs reported failure");
}

/** new → contribute (fresh entropy) → beacon → prepare phase 2, in `dir`; returns the final file. */
async function runCeremony(dir: string, power: number, reporter: BuildReporter): Promise<string> {
  const file = (name: string) => join(dir, `pot${power}_${name}.ptau`);
  const ptau = snarkjs.powersOfTau;
  /** One snarkjs call as a logged step, failing with `ZkSetupError` when snarkjs reports failure. */
  const step = (name: string, run: (p: StepProgress) => Promise<unknown>, fields?: Record<string, unknown>) =>
    runStep(reporter, name, async (p) => expectSuccess(name, await run(p), p), fields);
  const entropy = (bytes: number) => randomBytes(bytes).toString("hex");

  await step(
    "ptau new",
    async (p) =>
      ptau.newAccumulator(await snarkjs.curves.getCurveFromName("bn128"), power, file("0000"), p.snarkLogger),
    { power },
  );
  await step("ptau contribute", (p) =>
    ptau.contribute(file("0000"), file("0001"), "strata local", entropy(64), p.snarkLogger),
  );
  await step("ptau beacon", (p) =>
    ptau.beacon(
      file("0001"),
      file("beacon"),
      "strata local beacon",
      entropy(32),
      BEACON_ITERATIONS_EXP,
      p.snarkLogger,
    ),
  );
  await step("ptau prepare phase2", (p) => ptau.preparePhase2(file("beacon"), file("final"), p.snarkLogger));
  return file("final");
}

/**
 * A local ptau of at least `power`: the smallest cached one, else a fresh one-party ceremony at
 * exactly `power`, built in a temporary directory and moved into the cache (its .sha256 last, so
 * a killed ceremony leaves nothing a later run trusts).
 */
export async function ensureLocalPtau(
  cacheDir: string,
  power: number,
  reporter: BuildReporter,
): Promise<PtauSource> {
  const { logger } = reporter;
  const cached = await findCachedPtau(cacheDir, power);
  if (cached) {
    logger.info("using cached local powers of tau", { path: cached.path, power: cached.power });
    return cached;
  }
  logger.warn(
    "running a LOCAL ONE-PARTY powers-of-tau ceremony (a few minutes at power 14, over 20 at 16). Its maker " +
      "(this machine) could forge proofs: fine for local development and tests, never for anything that " +
      "guards value (pass STRATA_PTAU=<file> from a public multi-party ceremony instead)",
    { power },
  );
  await mkdir(cacheDir, { recursive: true });
  await removeStaleTemps(cacheDir);
  const tmp = tempPath(cacheDir, "tmp", `pot${power}`);
  await mkdir(tmp);
  try {
    const final = await runCeremony(tmp, power, reporter);
    const sha256 = await sha256File(final);
    const path = cachedPtauPath(cacheDir, power);
    await rename(final, path);
    await writeFile(join(tmp, "sha256"), `${sha256}  ${basename(path)}\n`);
    await rename(join(tmp, "sha256"), `${path}.sha256`);
    return { kind: "local", path, sha256, power };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
