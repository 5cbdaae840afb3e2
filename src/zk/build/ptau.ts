/**
 * Powers of tau. By default the development file shipped in circuits/ptau/ (one-party, pinned by its
 * sha256 below) when the circuit fits it; a prepared file the user supplies (STRATA_PTAU=<file>), taken
 * only when it is the public Hermez / Perpetual Powers of Tau file of its power (pinned by blake2b-512
 * below), the shipped file, or the file STRATA_PTAU_TRUST names by its hash; or,
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
  PtauUntrustedError,
  ZkSetupError,
} from "./errors";
import { removeStaleTemps, tempPath } from "./atomic";
import { sha256AndBlake2bFile, sha256File } from "./hash";
import { REPO_ROOT } from "./layout";
import { runStep, type BuildReporter, type StepProgress } from "./progress";
import { snarkjs, type R1csInfo } from "./snarkjs";

/**
 * A powers-of-tau file the build may use, identified by its content: `shipped` is the development
 * file of circuits/ptau/, `file` one the user supplied, `local` one this machine's ceremony made.
 */
export interface PtauSource {
  /**
   * `shipped`: circuits/ptau/'s one-party development file; `public`: a file whose blake2b-512 is the
   * published hash of the public multi-party ceremony of its power; `file`: one the user named as trusted
   * (STRATA_PTAU_TRUST); `local`: one this machine's one-party ceremony made.
   */
  kind: "shipped" | "public" | "file" | "local";
  path: string;
  sha256: string;
  /** The blake2b-512 (the hash the public ceremony publishes); absent for a cached local file. */
  blake2b512?: string;
  power: number;
}

/**
 * The blake2b-512 (`b2sum`) of the prepared files of the Hermez / Perpetual Powers of Tau ceremony (54
 * contributions and a beacon), `powersOfTau28_hez_final_NN.ptau` by power (28: `..._final.ptau`), as
 * snarkjs 0.7's README publishes them (node_modules/snarkjs/README.md, "Prepared (phase2) Ptau files for
 * bn128"; files at https://storage.googleapis.com/zkevm/ptau/). A supplied file is "public" only when its
 * own hash is the one pinned here for its power.
 */
export const PUBLIC_PTAU_BLAKE2B: Readonly<Record<number, string>> = {
  8: "d6a8fb3a04feb600096c3b791f936a578c4e664d262e4aa24beed1b7a9a96aa5eb72864d628db247e9293384b74b36ffb52ca8d148d6e1b8b51e279fdf57b583",
  9: "94f108a80e81b5d932d8e8c9e8fd7f46cf32457e31462deeeef37af1b71c2c1b3c71fb0d9b59c654ec266b042735f50311f9fd1d4cadce47ab234ad163157cb5",
  10: "6cfeb8cda92453099d20120bdd0e8a5c4e7706c2da9a8f09ccc157ed2464d921fd0437fb70db42104769efd7d6f3c1f964bcf448c455eab6f6c7d863e88a5849",
  11: "47c282116b892e5ac92ca238578006e31a47e7c7e70f0baa8b687f0a5203e28ea07bbbec765a98dcd654bad618475d4661bfaec3bd9ad2ed12e7abc251d94d33",
  12: "ded2694169b7b08e898f736d5de95af87c3f1a64594013351b1a796dbee393bd825f88f9468c84505ddd11eb0b1465ac9b43b9064aa8ec97f2b73e04758b8a4a",
  13: "58efc8bf2834d04768a3d7ffcd8e1e23d461561729beaac4e3e7a47829a1c9066d5320241e124a1a8e8aa6c75be0ba66f65bc8239a0542ed38e11276f6fdb4d9",
  14: "eeefbcf7c3803b523c94112023c7ff89558f9b8e0cf5d6cdcba3ade60f168af4a181c9c21774b94fbae6c90411995f7d854d02ebd93fb66043dbb06f17a831c1",
  15: "982372c867d229c236091f767e703253249a9b432c1710b4f326306bfa2428a17b06240359606cfe4d580b10a5a1f63fbed499527069c18ae17060472969ae6e",
  16: "6a6277a2f74e1073601b4f9fed6e1e55226917efb0f0db8a07d98ab01df1ccf43eb0e8c3159432acd4960e2f29fe84a4198501fa54c8dad9e43297453efec125",
  17: "6247a3433948b35fbfae414fa5a9355bfb45f56efa7ab4929e669264a0258976741dfbe3288bfb49828e5df02c2e633df38d2245e30162ae7e3bcca5b8b49345",
  18: "7e6a9c2e5f05179ddfc923f38f917c9e6831d16922a902b0b4758b8e79c2ab8a81bb5f29952e16ee6c5067ed044d7857b5de120a90704c1d3b637fd94b95b13e",
  19: "bca9d8b04242f175189872c42ceaa21e2951e0f0f272a0cc54fc37193ff6648600eaf1c555c70cdedfaf9fb74927de7aa1d33dc1e2a7f1a50619484989da0887",
  20: "89a66eb5590a1c94e3f1ee0e72acf49b1669e050bb5f93c73b066b564dca4e0c7556a52b323178269d64af325d8fdddb33da3a27c34409b821de82aa2bf1a27b",
  21: "9aef0573cef4ded9c4a75f148709056bf989f80dad96876aadeb6f1c6d062391f07a394a9e756d16f7eb233198d5b69407cca44594c763ab4a5b67ae73254678",
  22: "0d64f63dba1a6f11139df765cb690da69d9b2f469a1ddd0de5e4aa628abb28f787f04c6a5fb84a235ec5ea7f41d0548746653ecab0559add658a83502d1cb21b",
  23: "3063a0bd81d68711197c8820a92466d51aeac93e915f5136d74f63c394ee6d88c5e8016231ea6580bec02e25d491f319d92e77f5c7f46a9caa8f3b53c0ea544f",
  24: "fa404d140d5819d39984833ca5ec3632cd4995f81e82db402371a4de7c2eae8687c62bc632a95b0c6aadba3fb02680a94e09174b7233ccd26d78baca2647c733",
  25: "0377d860cdb09a8a31ea1b0b8c04335614c8206357181573bf294c25d5ca7dff72387224fbd868897e6769f7805b3dab02854aec6d69d7492883b5e4e5f35eeb",
  26: "418dee4a74b9592198bd8fd02ad1aea76f9cf3085f206dfd7d594c9e264ae919611b1459a1cc920c2f143417744ba9edd7b8d51e44be9452344a225ff7eead19",
  27: "10ffd99837c512ef99752436a54b9810d1ac8878d368fb4b806267bdd664b4abf276c9cd3c4b9039a1fa4315a0c326c0e8e9e8fe0eb588ffd4f9021bf7eae1a1",
  28: "55c77ce8562366c91e7cda394cf7b7c15a06c12d8c905e8b36ba9cf5e13eb37d1a429c589e8eaba4c591bc4b88a0e2828745a53e170eac300236f5c1a326f41a",
};

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

/** Reads the `.sha256` a completed local ceremony wrote beside its file and checks the file against it. */
async function checkedLocalPtauHash(path: string): Promise<string> {
  let expected: string | undefined;
  try {
    expected = (await readFile(`${path}.sha256`, "utf8")).trim().split(/\s+/)[0]?.toLowerCase();
  } catch (cause) {
    throw new PtauNotFoundError("no .sha256 beside the cached powers of tau", path, { cause });
  }
  const actual = await sha256File(path);
  if (expected !== actual)
    throw new PtauChecksumError(path, expected ?? "", actual, "the .sha256 this machine's ceremony wrote");
  return actual;
}

/** What a supplied ptau is checked against: the pinned public hashes, and the file the user trusts. */
export interface PtauTrust {
  /** STRATA_PTAU_TRUST: the blake2b-512 of a file the user trusts though it is not a public one. */
  trusted?: string;
  /** The public hashes by power (default `PUBLIC_PTAU_BLAKE2B`; tests inject their own). */
  pinned?: Readonly<Record<number, string>>;
}

/**
 * A user-supplied ptau file (STRATA_PTAU): it exists and is prepared, and its content is one the build may
 * trust, by its own hash and nothing lying beside it: the shipped development file (its pinned sha256,
 * kind `shipped`), the public ceremony's file of its power (its pinned blake2b-512, `public`), or the file
 * STRATA_PTAU_TRUST names (`file`). Anything else is refused with `PtauUntrustedError`.
 */
export async function inspectPtauFile(path: string, trust: PtauTrust = {}): Promise<PtauSource> {
  const { power, prepared } = await readPtauHeader(path);
  if (!prepared) throw new PtauNotPreparedError(path);
  const { sha256, blake2b512 } = await sha256AndBlake2bFile(path);
  const expected = (trust.pinned ?? PUBLIC_PTAU_BLAKE2B)[power];
  const source = { path, sha256, blake2b512, power };
  if (expected === blake2b512) return { kind: "public", ...source };
  if (sha256 === DEVELOPMENT_PTAU.sha256) return { kind: "shipped", ...source };
  if (trust.trusted !== undefined && trust.trusted.trim().toLowerCase() === blake2b512)
    return { kind: "file", ...source };
  throw new PtauUntrustedError(path, power, expected, blake2b512);
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
  return { kind: "local", path, sha256: await checkedLocalPtauHash(path), power: smallest };
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
