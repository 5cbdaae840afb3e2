/**
 * `npm run zk:build`: for each profile, the wrapper main → circom2 → Groth16 setup (on the shipped
 * development powers of tau, a supplied one, or one made by a local ceremony) → verification key and
 * Solidity verifier. Cached by a key over every input; built in a temporary directory and moved into
 * place with its manifest written last.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createLogger, type Logger } from "../../common/logger";
import { removeStaleTemps, replaceDir, tempPath, writeFileAtomic } from "./atomic";
import { GENERATED_BY, compileCircuit, wrapperSource } from "./circom";
import {
  cacheKey,
  checkBuild,
  collectInputs,
  hashOutputs,
  trackedName,
  type BuildInputs,
  type BuildManifest,
} from "./manifest";
import {
  fromRoot,
  isInside,
  MAIN_NAME,
  profileDir,
  profileFiles,
  resolveLayout,
  verifierContractName,
  type ProfileFiles,
  type ZkLayout,
  type ZkLayoutOptions,
} from "./layout";
import { readProfiles, selectProfiles, type ZkProfile } from "./profiles";
import { runStep, type BuildReporter, type ZkBuildStepEvent } from "./progress";
import {
  assertPtauFits,
  DEVELOPMENT_PTAU,
  ensureLocalPtau,
  findCachedPtau,
  inspectDevelopmentPtau,
  inspectPtauFile,
  parsePtauChoice,
  PTAU_CEREMONY,
  ptauKindFor,
  requiredPower,
  type PtauChoice,
  type PtauSource,
} from "./ptau";
import { renderVerifier, runGroth16Setup } from "./setup";
import { snarkjs } from "./snarkjs";

export interface ZkBuildOptions extends ZkLayoutOptions {
  /** Profile names, or "all" (the default). Comma-separated lists are accepted. */
  profiles?: readonly string[];
  /**
   * STRATA_PTAU: a prepared powers-of-tau file (taken only when it is a pinned public one, the shipped
   * one, or the one `ptauTrust` names; else `PtauUntrustedError`), or `ceremony` for a local one-party
   * ceremony (run once and cached). Unset: the shipped development file (circuits/ptau/) when the circuit fits it, else a
   * local ceremony.
   */
  ptau?: string;
  /**
   * STRATA_PTAU_TRUST: the blake2b-512 of a supplied ptau that is neither a pinned public file nor the
   * shipped one, which the user trusts anyway (its makers could forge proofs). Unset: such a file is refused.
   */
  ptauTrust?: string;
  /** The pinned public ptau hashes by power (default `PUBLIC_PTAU_BLAKE2B`; for tests). */
  publicPtau?: Readonly<Record<number, string>>;
  /** Where the shipped development ptau is (default circuits/ptau/; its sha256 is pinned regardless). */
  developmentPtau?: string;
  logger?: Logger;
  /** Told when each long step starts and ends (the typed form of the step lines in the log). */
  onStep?: (event: ZkBuildStepEvent & { profile: string }) => void;
}

export interface ProfileBuildResult {
  profile: string;
  status: "built" | "up-to-date";
  /** The Solidity verifier was (re)written into the verifier directory. */
  verifierExported: boolean;
  dir: string;
  verifierPath: string;
  manifest: BuildManifest;
  /** Seconds per step of this run (empty when up to date). */
  timings: Record<string, number>;
}

/** Builds the selected profiles in order; returns what each one did. */
export async function buildZk(options: ZkBuildOptions = {}): Promise<ProfileBuildResult[]> {
  const logger = options.logger ?? createLogger({ scope: "zk-build" });
  const layout = resolveLayout(options);
  const profiles = selectProfiles(await readProfiles(layout), options.profiles);
  const ptau = await planPtau(options);
  if (ptau.supplied) {
    const { kind, path, power, blake2b512 } = ptau.supplied;
    const fields = { path, power, blake2b512 };
    if (kind === "public")
      logger.info("using a pinned public powers of tau (Hermez, 54 contributions)", fields);
    else if (kind === "shipped") logger.warn("using the shipped ONE-PARTY development powers of tau", fields);
    else
      logger.warn(
        "using a powers of tau trusted by STRATA_PTAU_TRUST, not a public one: its makers could forge proofs",
        fields,
      );
  }
  await mkdir(layout.buildDir, { recursive: true });
  const removed = [
    ...(await removeStaleTemps(layout.buildDir)),
    ...(await removeStaleTemps(layout.verifierDir)),
  ];
  if (removed.length > 0) {
    logger.info("removed leftovers of an interrupted build", { entries: removed.join(",") });
  }
  const results: ProfileBuildResult[] = [];
  for (const profile of profiles) {
    results.push(
      await buildProfile(layout, profile, ptau, {
        logger: logger.child(profile.name),
        onStep: options.onStep && ((event) => options.onStep!({ ...event, profile: profile.name })),
      }),
    );
  }
  return results;
}

/** The powers of tau a build was asked for, and the supplied file (checked once for all profiles). */
export interface PtauPlan {
  choice: PtauChoice;
  supplied?: PtauSource;
  developmentPath: string;
}

/** Reads STRATA_PTAU (and STRATA_PTAU_TRUST) as a plan, checking a supplied file once. */
export async function planPtau(
  options: Pick<ZkBuildOptions, "ptau" | "ptauTrust" | "publicPtau" | "developmentPtau">,
): Promise<PtauPlan> {
  const choice = parsePtauChoice(options.ptau);
  return {
    choice,
    supplied:
      choice.kind === "file"
        ? await inspectPtauFile(choice.path, { trusted: options.ptauTrust, pinned: options.publicPtau })
        : undefined,
    developmentPath: options.developmentPtau ?? DEVELOPMENT_PTAU.path,
  };
}

async function buildProfile(
  layout: ZkLayout,
  profile: ZkProfile,
  ptau: PtauPlan,
  reporter: BuildReporter,
): Promise<ProfileBuildResult> {
  const { logger } = reporter;
  const contract = verifierContractName(profile.name);
  const files = profileFiles(profileDir(layout, profile.name), contract);
  const inputs = await collectInputs(layout, profile);
  const key = cacheKey(inputs);
  const current = await checkBuild(files, {
    key,
    ptauSha256: ptau.supplied?.sha256,
    ptauKind: ptau.choice.kind === "ceremony" ? "local" : undefined,
  });
  if (current.manifest && !current.problem) {
    const verifierExported = await exportVerifier(layout, files, contract, logger);
    logger.info("up to date", {
      dir: fromRoot(layout, files.dir),
      key: key.slice(0, 16),
      ptau: current.manifest.ptau.kind,
      ptauSha256: current.manifest.ptau.sha256,
    });
    return result(layout, profile, files, current.manifest, "up-to-date", verifierExported, {});
  }
  logger.info("building (the first time, or after the circuits changed; an estimate follows the compile)", {
    reason: current.problem,
    batchSize: profile.batchSize,
    depth: profile.depth,
  });
  const tmp = profileFiles(tempPath(layout.buildDir, "tmp", profile.name), contract);
  try {
    const { manifest, timings } = await buildInto(layout, profile, tmp, inputs, key, ptau, reporter);
    await replaceDir(tmp.dir, files.dir);
    await exportVerifier(layout, files, contract, logger);
    logger.info("built", { dir: fromRoot(layout, files.dir), ...timings });
    return result(layout, profile, files, manifest, "built", true, timings);
  } finally {
    await rm(tmp.dir, { recursive: true, force: true });
  }
}

/** Everything of one build, inside `files.dir`; the manifest is the last file written. */
async function buildInto(
  layout: ZkLayout,
  profile: ZkProfile,
  files: ProfileFiles,
  inputs: BuildInputs,
  key: string,
  plan: PtauPlan,
  reporter: BuildReporter,
): Promise<{ manifest: BuildManifest; timings: Record<string, number> }> {
  const { logger } = reporter;
  const started = Date.now();
  await mkdir(files.dir, { recursive: true });
  await writeFile(files.wrapper, wrapperSource(layout, files.dir, profile));
  const compile = await runStep(reporter, "compile", () => compileCircuit(layout, files, logger));
  const info = await snarkjs.r1cs.info(files.r1cs);
  const power = requiredPower(info);
  logger.info("circuit size", { constraints: info.nConstraints, requiredPower: power });
  const ceremony =
    ptauKindFor(plan.choice, power) === "local" &&
    (await findCachedPtau(layout.ptauCacheDir, power)) === undefined;
  const estimate = estimateBuildSeconds(info.nConstraints, power, ceremony);
  logger.info(`expect about ${Math.ceil(estimate / 60)} min on 2 cores (less on a faster machine)`, {
    setupSeconds: estimate - (ceremony ? ceremonySeconds(power) : 0),
    ...(ceremony ? { localCeremonySeconds: ceremonySeconds(power) } : {}),
  });
  const ptauStarted = Date.now();
  const ptau = await choosePtau(layout, plan, power, reporter);
  assertPtauFits(ptau, power);
  const ptauSeconds = seconds(ptauStarted);
  const { timings: setup, record } = await runGroth16Setup(files, ptau.path, reporter);
  await writeFile(
    files.verifier,
    await renderVerifier(files.zkey, verifierContractName(profile.name), header(layout, profile)),
  );
  const timings = { compile: compile.seconds, ptau: ptauSeconds, ...setup, total: seconds(started) };
  const outputs = await hashOutputs(files);
  const manifest: BuildManifest = {
    format: inputs.format,
    key,
    inputs,
    constraints: info.nConstraints,
    nPublic: info.nPubInputs + info.nOutputs,
    ptau: {
      kind: ptau.kind,
      sha256: ptau.sha256,
      ...(ptau.blake2b512 ? { blake2b512: ptau.blake2b512 } : {}),
      power: ptau.power,
      requiredPower: power,
    },
    setup: record,
    zkeySha256: outputs[trackedName(files, files.zkey)]!,
    verificationKeySha256: outputs[trackedName(files, files.vkey)]!,
    verifierContract: verifierContractName(profile.name),
    files: outputs,
    timings,
    builtAt: new Date().toISOString(),
  };
  await writeFile(files.manifest, JSON.stringify(manifest, null, 2) + "\n");
  return { manifest, timings };
}

/** The powers of tau this build trusts, said in the log: what it is, its power and its sha256. */
export async function choosePtau(
  layout: ZkLayout,
  plan: PtauPlan,
  power: number,
  reporter: BuildReporter,
): Promise<PtauSource> {
  const { logger } = reporter;
  const kind = ptauKindFor(plan.choice, power);
  if (kind === "file") return plan.supplied!;
  if (kind === "shipped") {
    const shipped = await inspectDevelopmentPtau(plan.developmentPath);
    logger.warn(
      "using the shipped ONE-PARTY DEVELOPMENT powers of tau (circuits/ptau/README.md): its maker could forge " +
        "proofs, so it is for development and tests only, never for anything that guards value (STRATA_PTAU=" +
        `<file> from a public multi-party ceremony, or STRATA_PTAU=${PTAU_CEREMONY} for your own)`,
      { path: shownPath(layout, shipped.path), power: shipped.power, sha256: shipped.sha256 },
    );
    return shipped;
  }
  if (plan.choice.kind === "default") {
    logger.info("the circuit is bigger than the shipped development powers of tau: a local one is needed", {
      requiredPower: power,
      shippedPower: DEVELOPMENT_PTAU.power,
    });
  }
  const local = await ensureLocalPtau(layout.ptauCacheDir, power, reporter);
  logger.info("using a local one-party powers of tau, made on this machine", {
    path: shownPath(layout, local.path),
    power: local.power,
    sha256: local.sha256,
  });
  return local;
}

/** A path as the log shows it: relative to rootDir when inside it. */
function shownPath(layout: ZkLayout, path: string): string {
  return isInside(layout.rootDir, path) ? fromRoot(layout, path) : path;
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 100) / 10;
}

/**
 * The generated verifier's header line. Not an input of the cache key: a build made before a change of
 * this text is reused, and keeps the text it was made with.
 */
export function header(layout: ZkLayout, profile: ZkProfile): string {
  const source = fromRoot(layout, join(layout.circuitsDir, "main", `${MAIN_NAME}.circom`));
  return `generated from ${source} (profile ${profile.name}) by ${GENERATED_BY}; do not edit`;
}

/** Copies the build's verifier into the verifier directory unless an identical one is there. */
export async function exportVerifier(
  layout: ZkLayout,
  files: ProfileFiles,
  contract: string,
  logger: Logger,
): Promise<boolean> {
  const source = await readFile(files.verifier, "utf8");
  const target = join(layout.verifierDir, `${contract}.sol`);
  const existing = await readFile(target, "utf8").catch(() => undefined);
  if (existing === source) return false;
  await writeFileAtomic(target, source);
  logger.info(existing === undefined ? "exported the verifier" : "re-exported the verifier", {
    path: fromRoot(layout, target),
  });
  return true;
}

function result(
  layout: ZkLayout,
  profile: ZkProfile,
  files: ProfileFiles,
  manifest: BuildManifest,
  status: ProfileBuildResult["status"],
  verifierExported: boolean,
  timings: Record<string, number>,
): ProfileBuildResult {
  const verifierPath = join(layout.verifierDir, `${manifest.verifierContract}.sol`);
  return { profile: profile.name, status, verifierExported, dir: files.dir, verifierPath, manifest, timings };
}

/**
 * What the rest of a build takes on the 2-core machines this project is measured on: the Groth16 setup
 * and contribution grow with the constraints (~5 ms each, measured at 15k and 60k; the beacon costs about
 * what the contribution does and `zkey verify` from the initial zkey a few seconds: +5 s), and a local
 * ceremony roughly doubles per power of two (measured: 2^12 ≈ 1 min, 2^14 ≈ 5 min, 2^16 > 20 min).
 */
export function estimateBuildSeconds(constraints: number, power: number, ceremony: boolean): number {
  return Math.round(constraints * 0.005 + 15 + (ceremony ? ceremonySeconds(power) : 0));
}

function ceremonySeconds(power: number): number {
  return Math.round(60 * 2.24 ** Math.max(0, power - 12));
}
