/**
 * A multi-party phase-2 ceremony for one profile (`npx hardhat zk-setup <step> --profile P`), run in a
 * directory that passes from hand to hand (default `circuits/build/ceremony/<profile>/`):
 *
 *   init        the circuit's initial zkey `0000.zkey` from the profile's build (its r1cs) and the ptau
 *   contribute  `--name alice`: the latest `NNNN.zkey` → the next, with fresh entropy, on the machine of
 *               whoever runs it; its contribution hash goes to `transcript.json`
 *   finalize    `--beacon <hex fixed in advance> --iterations N`: the beacon, then `zkey verify` of the
 *               result against the r1cs and the ptau (from scratch), then the verification key and the
 *               Solidity verifier, installed as the profile's build with a manifest saying `ceremony`
 *
 * The result is sound if any one contributor destroyed their entropy, and the beacon (a value nobody could
 * know before the last contribution, e.g. a future block hash) keeps the last contributor from choosing
 * the outcome. Every snarkjs step is snarkjs's own (zKey.newZKey, contribute, beacon, verifyFromR1cs).
 */
import { copyFile, cp, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createLogger, type Logger } from "../../common/logger";
import { replaceDir, tempPath, writeFileAtomic } from "./atomic";
import { ZkError } from "./errors";
import { sha256File } from "./hash";
import {
  fromRoot,
  profileDir,
  profileFiles,
  resolveLayout,
  verifierContractName,
  type ProfileFiles,
  type ZkLayout,
} from "./layout";
import {
  cacheKey,
  checkBuild,
  collectInputs,
  hashOutputs,
  trackedName,
  type BuildManifest,
} from "./manifest";
import { choosePtau, exportVerifier, header, planPtau, type ZkBuildOptions } from "./pipeline";
import { readProfiles, selectProfiles, type ZkProfile } from "./profiles";
import type { BuildReporter, ZkBuildStepEvent } from "./progress";
import { assertPtauFits, type PtauSource } from "./ptau";
import {
  applyBeacon,
  contributeZkey,
  exportVerificationKey,
  newZkey,
  renderVerifier,
  verifyZkey,
  type SetupContribution,
  type SetupRecord,
} from "./setup";

/** A ceremony step cannot run: no ceremony, a stale one, a file that is not the transcript's, a bad beacon. */
export class ZkCeremonyError extends ZkError {}

/** The ceremony's record, `transcript.json` beside its zkeys. */
export interface CeremonyTranscript {
  profile: string;
  /** The build (cache key) and the r1cs the ceremony is for: a changed circuit needs a new ceremony. */
  key: string;
  r1csSha256: string;
  ptau: Pick<PtauSource, "kind" | "sha256" | "blake2b512" | "power">;
  /** sha256 of `0000.zkey`. */
  initialSha256: string;
  /** Contribution i + 1 made `NNNN.zkey` (N = i + 1) from the one before. */
  contributions: (SetupContribution & { zkeySha256: string; at: string })[];
}

export interface CeremonyOptions extends Pick<
  ZkBuildOptions,
  "ptau" | "ptauTrust" | "publicPtau" | "developmentPtau" | keyof ZkLayout
> {
  profile: string;
  /** Default `<buildDir>/ceremony/<profile>`. */
  ceremonyDir?: string;
  logger?: Logger;
  onStep?: (event: ZkBuildStepEvent) => void;
}

export const TRANSCRIPT_FILE = "transcript.json";
/** The beacon's hash iterations: 2^exp, snarkjs accepts 10 to 63. */
export const MIN_BEACON_ITERATIONS_EXP = 10;
export const MAX_BEACON_ITERATIONS_EXP = 63;

function zkeyName(index: number): string {
  return `${String(index).padStart(4, "0")}.zkey`;
}

interface Context {
  layout: ZkLayout;
  profile: ZkProfile;
  dir: string;
  build: ProfileFiles;
  reporter: BuildReporter;
}

async function context(options: CeremonyOptions): Promise<Context> {
  const layout = resolveLayout(options);
  const [profile] = selectProfiles(await readProfiles(layout), [options.profile]);
  const logger = options.logger ?? createLogger({ scope: "zk-setup" });
  return {
    layout,
    profile: profile!,
    dir: options.ceremonyDir ?? join(layout.buildDir, "ceremony", profile!.name),
    build: profileFiles(profileDir(layout, profile!.name), verifierContractName(profile!.name)),
    reporter: { logger: logger.child(profile!.name), onStep: options.onStep },
  };
}

/** The profile's current build (its manifest and r1cs), refused when missing or stale. */
async function currentBuild(ctx: Context): Promise<BuildManifest> {
  const key = cacheKey(await collectInputs(ctx.layout, ctx.profile));
  const { manifest, problem } = await checkBuild(ctx.build, { key });
  if (!manifest || problem) {
    throw new ZkCeremonyError(
      `the ${ctx.profile.name} build is missing or stale (${problem ?? "no manifest"}): run ` +
        `\`npm run zk:build -- --profile ${ctx.profile.name}\` first (the ceremony sets up its r1cs)`,
    );
  }
  return manifest;
}

async function readTranscript(dir: string): Promise<CeremonyTranscript> {
  try {
    return JSON.parse(await readFile(join(dir, TRANSCRIPT_FILE), "utf8")) as CeremonyTranscript;
  } catch (cause) {
    throw new ZkCeremonyError(`no ceremony in ${dir}: run \`zk-setup init\` first`, { cause });
  }
}

/** The latest zkey of the ceremony, checked against the transcript (a swapped file is refused by name). */
async function latestZkey(
  dir: string,
  transcript: CeremonyTranscript,
): Promise<{ path: string; index: number }> {
  const index = transcript.contributions.length;
  const path = join(dir, zkeyName(index));
  const expected = index === 0 ? transcript.initialSha256 : transcript.contributions[index - 1]!.zkeySha256;
  const actual = await sha256File(path).catch((cause: unknown) => {
    throw new ZkCeremonyError(`the ceremony's latest zkey ${path} is missing`, { cause });
  });
  if (actual !== expected) {
    throw new ZkCeremonyError(
      `${path} is not the transcript's: sha256 ${actual}, the transcript says ${expected}`,
    );
  }
  return { path, index };
}

/** The ptau the ceremony must use: resolved as a build would, and the transcript's when there is one. */
async function ceremonyPtau(
  ctx: Context,
  options: CeremonyOptions,
  manifest: BuildManifest,
): Promise<PtauSource> {
  const ptau = await choosePtau(
    ctx.layout,
    await planPtau(options),
    manifest.ptau.requiredPower,
    ctx.reporter,
  );
  assertPtauFits(ptau, manifest.ptau.requiredPower);
  return ptau;
}

/**
 * `zk-setup init`: `0000.zkey` from the profile's r1cs and the ptau, and an empty transcript. Refuses to
 * start over a ceremony that already has contributions.
 */
export async function initCeremony(options: CeremonyOptions): Promise<CeremonyTranscript> {
  const ctx = await context(options);
  const manifest = await currentBuild(ctx);
  const started = await readTranscript(ctx.dir).catch(() => undefined);
  if (started && started.contributions.length > 0) {
    throw new ZkCeremonyError(
      `a ceremony with ${started.contributions.length} contribution(s) is in ${ctx.dir}: finalize it, or move ` +
        "it away (or give another --ceremony-dir) to start a new one",
    );
  }
  const ptau = await ceremonyPtau(ctx, options, manifest);
  await rm(ctx.dir, { recursive: true, force: true });
  await mkdir(ctx.dir, { recursive: true });
  const initial = join(ctx.dir, zkeyName(0));
  await newZkey(ctx.build.r1cs, ptau.path, initial, ctx.reporter);
  await copyFile(ctx.build.r1cs, join(ctx.dir, "circuit.r1cs"));
  const transcript: CeremonyTranscript = {
    profile: ctx.profile.name,
    key: manifest.key,
    r1csSha256: manifest.files[trackedName(ctx.build, ctx.build.r1cs)]!,
    ptau: { kind: ptau.kind, sha256: ptau.sha256, blake2b512: ptau.blake2b512, power: ptau.power },
    initialSha256: await sha256File(initial),
    contributions: [],
  };
  await writeFileAtomic(join(ctx.dir, TRANSCRIPT_FILE), JSON.stringify(transcript, null, 2) + "\n");
  ctx.reporter.logger.info("ceremony started: pass the directory to the first contributor", {
    dir: ctx.dir,
    ptau: ptau.kind,
  });
  return transcript;
}

/**
 * `zk-setup contribute --name <who>`: the latest zkey → the next, with `entropy` (default 64 fresh random
 * bytes, never written down). Needs only the ceremony directory: a contributor runs it on their machine.
 */
export async function contributeCeremony(
  options: CeremonyOptions & { name: string; entropy?: string },
): Promise<SetupContribution> {
  const ctx = await context(options);
  if (!options.name.trim()) throw new ZkCeremonyError("a contribution needs a --name");
  const transcript = await readTranscript(ctx.dir);
  const latest = await latestZkey(ctx.dir, transcript);
  const next = join(ctx.dir, zkeyName(latest.index + 1));
  const tmp = `${next}.tmp`;
  const { contribution } = await contributeZkey(
    latest.path,
    tmp,
    options.name,
    ctx.reporter,
    options.entropy,
  );
  await rename(tmp, next);
  transcript.contributions.push({
    ...contribution,
    zkeySha256: await sha256File(next),
    at: new Date().toISOString(),
  });
  await writeFileAtomic(join(ctx.dir, TRANSCRIPT_FILE), JSON.stringify(transcript, null, 2) + "\n");
  ctx.reporter.logger.info("contributed: publish your contribution hash, then pass the directory on", {
    index: latest.index + 1,
    ...contribution,
  });
  return contribution;
}

/**
 * `zk-setup finalize --beacon <hex> --iterations <exp>`: the beacon on the latest zkey, `zkey verify` of
 * the result against the profile's r1cs and the ptau (the initial zkey made again, not trusted from the
 * directory), then the verification key and the verifier, installed as the profile's build (its
 * manifest: `setup.kind` `ceremony`, the named contributions and the beacon). Throws `ZkSetupVerifyError`
 * when the chain of contributions does not verify.
 */
export async function finalizeCeremony(
  options: CeremonyOptions & { beacon: string; iterationsExp: number },
): Promise<BuildManifest> {
  const ctx = await context(options);
  const beacon = options.beacon.replace(/^0x/i, "").toLowerCase();
  if (!/^([0-9a-f]{2}){1,255}$/.test(beacon)) {
    throw new ZkCeremonyError(`the beacon must be 1 to 255 bytes of hex, got "${options.beacon}"`);
  }
  const exp = options.iterationsExp;
  if (!Number.isInteger(exp) || exp < MIN_BEACON_ITERATIONS_EXP || exp > MAX_BEACON_ITERATIONS_EXP) {
    throw new ZkCeremonyError(
      `--iterations is the exponent of the beacon's hash iterations, ${MIN_BEACON_ITERATIONS_EXP} to ` +
        `${MAX_BEACON_ITERATIONS_EXP}, got ${exp}`,
    );
  }
  const transcript = await readTranscript(ctx.dir);
  if (transcript.contributions.length === 0) {
    throw new ZkCeremonyError("the ceremony has no contribution yet: run `zk-setup contribute --name <who>`");
  }
  const manifest = await currentBuild(ctx);
  if (
    manifest.key !== transcript.key ||
    manifest.files[trackedName(ctx.build, ctx.build.r1cs)] !== transcript.r1csSha256
  ) {
    throw new ZkCeremonyError(
      `the ${ctx.profile.name} circuit changed since the ceremony started: start a new one with \`zk-setup init\``,
    );
  }
  const ptau = await ceremonyPtau(ctx, options, manifest);
  if (ptau.sha256 !== transcript.ptau.sha256) {
    throw new ZkCeremonyError(
      `the ceremony started from the powers of tau with sha256 ${transcript.ptau.sha256}, this one has ` +
        `${ptau.sha256}: give the same STRATA_PTAU`,
    );
  }
  const latest = await latestZkey(ctx.dir, transcript);
  const tmp = profileFiles(tempPath(ctx.layout.buildDir, "tmp", ctx.profile.name), manifest.verifierContract);
  await cp(ctx.build.dir, tmp.dir, { recursive: true });
  try {
    const started = Date.now();
    const applied = await applyBeacon(latest.path, tmp.zkey, beacon, exp, ctx.reporter);
    const verify = await verifyZkey({ r1cs: ctx.build.r1cs }, ptau.path, tmp.zkey, ctx.reporter);
    const exported = await exportVerificationKey(tmp.zkey, tmp.vkey, ctx.reporter);
    await writeFile(
      tmp.verifier,
      await renderVerifier(tmp.zkey, manifest.verifierContract, header(ctx.layout, ctx.profile)),
    );
    const setup: SetupRecord = {
      kind: "ceremony",
      contributions: transcript.contributions.map(({ name, hash }) => ({ name, hash })),
      beacon: applied.beacon,
    };
    const files = await hashOutputs(tmp);
    const final: BuildManifest = {
      ...manifest,
      ptau: {
        ...manifest.ptau,
        kind: ptau.kind,
        sha256: ptau.sha256,
        blake2b512: ptau.blake2b512,
        power: ptau.power,
      },
      setup,
      zkeySha256: files[trackedName(tmp, tmp.zkey)]!,
      verificationKeySha256: files[trackedName(tmp, tmp.vkey)]!,
      files,
      timings: {
        beacon: applied.seconds,
        verify,
        export: exported,
        total: Math.round((Date.now() - started) / 100) / 10,
      },
      builtAt: new Date().toISOString(),
    };
    await writeFile(tmp.manifest, JSON.stringify(final, null, 2) + "\n");
    await replaceDir(tmp.dir, ctx.build.dir);
    await exportVerifier(ctx.layout, ctx.build, manifest.verifierContract, ctx.reporter.logger);
    ctx.reporter.logger.info("ceremony finalized and installed as the profile's build", {
      dir: fromRoot(ctx.layout, ctx.build.dir),
      contributions: setup.contributions.map((c) => c.name).join(","),
      verificationKeySha256: final.verificationKeySha256,
    });
    return final;
  } finally {
    await rm(tmp.dir, { recursive: true, force: true });
  }
}
