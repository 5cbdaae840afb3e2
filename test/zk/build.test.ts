import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFile, copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { createLogger } from "../../src/common/logger";
import {
  PtauChecksumError,
  PtauNotFoundError,
  PtauNotPreparedError,
  PtauTooSmallError,
  PtauUntrustedError,
  ZkArtifactsMissingError,
  ZkConfigError,
} from "../../src/zk/build/errors";
import { sha256AndBlake2bFile, sha256File } from "../../src/zk/build/hash";
import {
  buildZk,
  estimateBuildSeconds,
  type ProfileBuildResult,
  type ZkBuildOptions,
} from "../../src/zk/build/pipeline";
import {
  DEVELOPMENT_PTAU,
  inspectDevelopmentPtau,
  inspectPtauFile,
  PUBLIC_PTAU_BLAKE2B,
  parsePtauChoice,
  ptauKindFor,
  readPtauHeader,
  requiredPower,
} from "../../src/zk/build/ptau";
import type { ZkBuildStepEvent } from "../../src/zk/build/progress";
import { terminateCurves } from "../../src/zk/build/snarkjs";
import { ZkProver } from "../../src/zk/prover";
import {
  createToyWorkspace,
  deadPid,
  makeTinyPtau,
  recordingLogger,
  type ToyWorkspace,
} from "./fixtures/workspace";

const quiet = createLogger({ level: "silent" });

/** The steps of a development setup, in order (a build runs them after the compile). */
const SETUP_STEPS = [
  "compile",
  "groth16 setup",
  "zkey contribute",
  "zkey beacon",
  "zkey verify",
  "export verification key",
];

async function blake2b(path: string): Promise<string> {
  return (await sha256AndBlake2bFile(path)).blake2b512;
}

/** STRATA_PTAU=`path` with STRATA_PTAU_TRUST naming it (a test's own one-party file). */
async function trusting(path: string): Promise<Partial<ZkBuildOptions>> {
  return { ptau: path, ptauTrust: await blake2b(path) };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function build(ws: ToyWorkspace, options: Partial<ZkBuildOptions> = {}): Promise<ProfileBuildResult> {
  const [result] = await buildZk({ ...ws.layout, profiles: ["test"], logger: quiet, ...options });
  return result!;
}

/** Runs a build in a child process, freezes it when step `freezeAt` starts and kills it there (a crash). */
async function killBuildAt(ws: ToyWorkspace, freezeAt: string): Promise<void> {
  const options = JSON.stringify({ ...ws.layout, profiles: ["test"] });
  const child = spawn(
    process.execPath,
    ["-r", "ts-node/register", join(__dirname, "fixtures", "run-build.ts"), options, freezeAt],
    {
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    },
  );
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.on("message", (message: { frozenAt?: string }) => {
      if (message.frozenAt === freezeAt) child.kill("SIGKILL");
    });
    child.on("exit", (_code, signal) =>
      signal === "SIGKILL" ? resolve() : reject(new Error(`the build was not killed:\n${output}`)),
    );
  });
}

describe("zk build pipeline (npm run zk:build)", function () {
  this.timeout(300_000);
  after(terminateCurves);

  describe("buildZk with a local ceremony (STRATA_PTAU=ceremony)", function () {
    let ws: ToyWorkspace;
    let first: ProfileBuildResult;
    let printed: string[];
    /** The steps the first build told `onStep` it finished. */
    let done: string[];

    before(async function () {
      ws = await createToyWorkspace();
      const { logger, lines } = recordingLogger();
      done = [];
      const onStep = (e: ZkBuildStepEvent) => e.type === "stepDone" && done.push(e.step);
      [first] = (await buildZk({ ...ws.layout, profiles: ["test"], ptau: "ceremony", logger, onStep })) as [
        ProfileBuildResult,
      ];
      printed = lines;
    });
    after(async () => ws.remove());

    it("builds the toy profile end to end: wrapper, r1cs, wasm, zkey, verification key and manifest", async function () {
      expect(first.status).to.equal("built");
      const dir = join(ws.buildDir, "test");
      for (const file of [
        "batch.circom",
        "batch.r1cs",
        "batch.sym",
        "batch_js/batch.wasm",
        "batch.zkey",
        "verification_key.json",
        "manifest.json",
      ]) {
        expect(await exists(join(dir, file)), file).to.equal(true);
      }
      const wrapper = await readFile(join(dir, "batch.circom"), "utf8");
      expect(wrapper).to.contain('include "../../main/batch.circom";');
      expect(wrapper).to.contain(
        "component main {public [oldRoot, newRoot, feeRecipient, slots]} = RollupBatch(2, 2);",
      );
      const vkey = JSON.parse(await readFile(join(dir, "verification_key.json"), "utf8")) as {
        nPublic: number;
      };
      expect(vkey.nPublic).to.equal(5);
      expect(first.manifest.nPublic).to.equal(5);
      for (const step of ["compile", "ptau", "setup", "contribute", "export", "total"])
        expect(first.timings).to.have.property(step);
    });

    it("exports the Solidity verifier renamed to ZkVerifierTest with a generated header", async function () {
      const source = await readFile(join(ws.verifierDir, "ZkVerifierTest.sol"), "utf8");
      expect(source.split("\n")[1]).to.equal(
        "// generated from circuits/main/batch.circom (profile test) by npx hardhat zk-build (src/zk/build/); do not edit",
      );
      expect(source).to.match(/\bcontract ZkVerifierTest\b/);
      expect(source).not.to.contain("Groth16Verifier");
      expect(source).to.contain("uint[5] calldata _pubSignals");
    });

    it("runs a local ceremony (new, contribute, beacon, prepare phase 2) at the smallest power and caches it", async function () {
      const ptau = join(ws.ptauCacheDir, `pot${first.manifest.ptau.power}.ptau`);
      expect(first.manifest.ptau.kind).to.equal("local");
      expect(first.manifest.ptau.power).to.equal(first.manifest.ptau.requiredPower);
      expect(first.manifest.ptau.requiredPower).to.equal(
        requiredPower({ nConstraints: first.manifest.constraints, nPubInputs: 5, nOutputs: 0 }),
      );
      expect(await readPtauHeader(ptau)).to.deep.equal({ power: first.manifest.ptau.power, prepared: true });
      const sidecar = await readFile(`${ptau}.sha256`, "utf8");
      expect(sidecar.split(/\s+/)[0]).to.equal(await sha256File(ptau));
      // The warning a person reads: a one-party ceremony is for local use only.
      expect(printed.some((l) => l.includes("LOCAL ONE-PARTY"))).to.equal(true);
      expect(done).to.deep.equal([
        "compile",
        "ptau new",
        "ptau contribute",
        "ptau beacon",
        "ptau prepare phase2",
        ...SETUP_STEPS.slice(1),
      ]);
    });

    it("does nothing on a second run with nothing changed", async function () {
      const zkey = join(ws.buildDir, "test", "batch.zkey");
      const before = (await stat(zkey)).mtimeMs;
      const steps: string[] = [];
      const started = Date.now();
      const [again] = await buildZk({
        ...ws.layout,
        profiles: ["test"],
        logger: quiet,
        onStep: (e) => steps.push(e.step),
      });
      expect(again!.status).to.equal("up-to-date");
      expect(again!.verifierExported).to.equal(false);
      expect(Date.now() - started).to.be.below(5_000);
      expect((await stat(zkey)).mtimeMs).to.equal(before);
      expect(steps, "no step ran").to.deep.equal([]);
    });

    it("reuses the cached ceremony for another profile that fits it", async function () {
      const ptauBefore = await readdir(ws.ptauCacheDir);
      const [other] = await buildZk({ ...ws.layout, profiles: ["default"], ptau: "ceremony", logger: quiet });
      expect(other!.status).to.equal("built");
      expect(other!.manifest.verifierContract).to.equal("ZkVerifierDefault");
      expect(other!.manifest.ptau.sha256).to.equal(first.manifest.ptau.sha256);
      expect(await readdir(ws.ptauCacheDir)).to.deep.equal(ptauBefore);
    });

    it("re-exports the verifier when the generated directory lost it", async function () {
      await rm(join(ws.verifierDir, "ZkVerifierTest.sol"));
      const again = await build(ws);
      expect(again.status).to.equal("up-to-date");
      expect(again.verifierExported).to.equal(true);
      expect(await readFile(join(ws.verifierDir, "ZkVerifierTest.sol"), "utf8")).to.contain(
        "contract ZkVerifierTest",
      );
    });

    it("rebuilds when a circuit library source changes", async function () {
      await appendFile(join(ws.root, "circuits", "lib", "toy-step.circom"), "\n// touched\n");
      const again = await build(ws);
      expect(again.status).to.equal("built");
      expect(again.manifest.key).not.to.equal(first.manifest.key);
      expect((await build(ws)).status).to.equal("up-to-date");
    });

    it("rebuilds when a profile's parameters change", async function () {
      const profiles = join(ws.root, "circuits", "profiles.json");
      await writeFile(
        profiles,
        JSON.stringify({ test: { batchSize: 3, depth: 2 }, default: { batchSize: 2, depth: 3 } }),
      );
      const again = await build(ws);
      expect(again.status).to.equal("built");
      expect(again.manifest.nPublic).to.equal(6);
    });

    it("does not trust a build whose output differs from its manifest", async function () {
      const zkey = join(ws.buildDir, "test", "batch.zkey");
      const bytes = await readFile(zkey);
      bytes[bytes.length - 1] ^= 1;
      await writeFile(zkey, bytes);
      await expect(ZkProver.load({ ...ws.layout, profile: "test", logger: quiet })).to.be.rejectedWith(
        ZkArtifactsMissingError,
      );
      expect((await build(ws)).status).to.equal("built");
    });

    it("rejects an unknown profile with ZkConfigError", async function () {
      await expect(buildZk({ ...ws.layout, profiles: ["nope"], logger: quiet })).to.be.rejectedWith(
        ZkConfigError,
      );
    });
  });

  describe("the shipped development powers of tau (circuits/ptau/, the default)", function () {
    let ws: ToyWorkspace;
    before(async () => (ws = await createToyWorkspace()));
    after(async () => ws.remove());
    beforeEach(async () => rm(ws.buildDir, { recursive: true, force: true }));

    it("is the project's power-14 file, prepared for phase 2, with the sha256 pinned in the code", async function () {
      const shipped = await inspectDevelopmentPtau();
      expect(shipped).to.deep.equal({
        kind: "shipped",
        path: DEVELOPMENT_PTAU.path,
        sha256: DEVELOPMENT_PTAU.sha256,
        power: 14,
      });
      expect(await readPtauHeader(DEVELOPMENT_PTAU.path)).to.deep.equal({ power: 14, prepared: true });
    });

    it("serves a build with no STRATA_PTAU: no ceremony, and the log names it as one-party with its hash", async function () {
      const { logger, lines } = recordingLogger();
      const steps: string[] = [];
      const [result] = await buildZk({
        ...ws.layout,
        profiles: ["test"],
        logger,
        onStep: (e) => e.type === "stepDone" && steps.push(e.step),
      });
      expect(result!.status).to.equal("built");
      expect(result!.manifest.ptau).to.deep.include({
        kind: "shipped",
        sha256: DEVELOPMENT_PTAU.sha256,
        power: 14,
      });
      expect(steps).to.deep.equal(SETUP_STEPS);
      expect(result!.manifest.setup.kind).to.equal("development");
      expect(result!.manifest.setup.contributions).to.have.length(1);
      expect(result!.manifest.setup.beacon.iterationsExp).to.equal(10);
      expect(result!.manifest.setup.beacon.value).to.match(/^[0-9a-f]{64}$/);
      expect(result!.manifest.zkeySha256).to.equal(await sha256File(join(ws.buildDir, "test", "batch.zkey")));
      expect(result!.manifest.verificationKeySha256).to.equal(
        await sha256File(join(ws.buildDir, "test", "verification_key.json")),
      );
      expect(await exists(ws.ptauCacheDir), "no local ceremony ran").to.equal(false);
      const said = lines.find((l) => l.includes("ONE-PARTY DEVELOPMENT"));
      expect(said, "the build says which ptau it trusts").to.be.a("string");
      expect(said).to.contain(`sha256=${DEVELOPMENT_PTAU.sha256}`);
      expect(said).to.match(/^WARN/);
    });

    it("refuses a tampered shipped file with PtauChecksumError, before any setup", async function () {
      const tampered = join(ws.root, "tampered.ptau");
      await copyFile(DEVELOPMENT_PTAU.path, tampered);
      const bytes = await readFile(tampered);
      bytes[bytes.length - 100] ^= 1;
      await writeFile(tampered, bytes);
      const steps: string[] = [];
      const error: PtauChecksumError = await expect(
        build(ws, { developmentPtau: tampered, onStep: (e) => steps.push(e.step) }),
      ).to.be.rejectedWith(PtauChecksumError);
      expect(error.expected).to.equal(DEVELOPMENT_PTAU.sha256);
      expect(error.actual).to.equal(await sha256File(tampered));
      expect(error.message).to.contain("pinned in src/zk/build/ptau.ts");
      expect(
        steps.filter((s) => s !== "compile"),
        "no setup step ran",
      ).to.deep.equal([]);
      expect(await exists(join(ws.buildDir, "test"))).to.equal(false);
    });

    it("refuses it even when a .sha256 beside it vouches for the tampered content", async function () {
      const tampered = join(ws.root, "vouched.ptau");
      await copyFile(DEVELOPMENT_PTAU.path, tampered);
      await appendFile(tampered, Buffer.from([0]));
      await writeFile(`${tampered}.sha256`, `${await sha256File(tampered)}  vouched.ptau\n`);
      await expect(build(ws, { developmentPtau: tampered })).to.be.rejectedWith(PtauChecksumError);
    });

    it("refuses a missing shipped file with PtauNotFoundError, naming the other choices", async function () {
      const error: PtauNotFoundError = await expect(
        build(ws, { developmentPtau: join(ws.root, "absent.ptau") }),
      ).to.be.rejectedWith(PtauNotFoundError);
      expect(error.message).to.contain("STRATA_PTAU=ceremony");
    });

    it("keeps a build made from it with no STRATA_PTAU, and rebuilds it with a local ceremony for STRATA_PTAU=ceremony", async function () {
      expect((await build(ws)).manifest.ptau.kind).to.equal("shipped");
      expect((await build(ws)).status).to.equal("up-to-date");
      const again = await build(ws, { ptau: "ceremony" });
      expect(again.status).to.equal("built");
      expect(again.manifest.ptau.kind).to.equal("local");
      expect((await build(ws, { ptau: "ceremony" })).status).to.equal("up-to-date");
      expect((await build(ws)).status, "no STRATA_PTAU: a local build still serves").to.equal("up-to-date");
    });
  });

  describe("the pinned public powers of tau (a supplied STRATA_PTAU)", function () {
    let ws: ToyWorkspace;
    /** The shipped development file's blake2b-512, computed here: injected as if it were the public file. */
    let devBlake2b: string;
    before(async function () {
      ws = await createToyWorkspace();
      devBlake2b = await blake2b(DEVELOPMENT_PTAU.path);
    });
    after(async () => ws.remove());
    beforeEach(async () => rm(ws.buildDir, { recursive: true, force: true }));

    it("pins the published blake2b-512 of the Hermez files of power 8 to 28", function () {
      expect(Object.keys(PUBLIC_PTAU_BLAKE2B).map(Number)).to.deep.equal(
        Array.from({ length: 21 }, (_, i) => i + 8),
      );
      for (const hash of Object.values(PUBLIC_PTAU_BLAKE2B)) expect(hash).to.match(/^[0-9a-f]{128}$/);
      // node_modules/snarkjs/README.md, powersOfTau28_hez_final_14.ptau
      expect(PUBLIC_PTAU_BLAKE2B[14]).to.equal(
        "eeefbcf7c3803b523c94112023c7ff89558f9b8e0cf5d6cdcba3ade60f168af4a181c9c21774b94fbae6c90411995f7d854d02ebd93fb66043dbb06f17a831c1",
      );
    });

    it("hashes a real file with blake2b-512, streamed, as b2sum does", async function () {
      const bytes = await readFile(DEVELOPMENT_PTAU.path);
      expect(devBlake2b).to.equal(createHash("blake2b512").update(bytes).digest("hex"));
      expect(devBlake2b).to.not.equal(PUBLIC_PTAU_BLAKE2B[14]);
    });

    it("accepts a file whose blake2b-512 is the one pinned for its power as public, and builds with it", async function () {
      const pinned = { 14: devBlake2b };
      expect(await inspectPtauFile(DEVELOPMENT_PTAU.path, { pinned })).to.include({
        kind: "public",
        power: 14,
        blake2b512: devBlake2b,
      });
      const result = await build(ws, { ptau: DEVELOPMENT_PTAU.path, publicPtau: pinned });
      expect(result.manifest.ptau).to.include({ kind: "public", blake2b512: devBlake2b, power: 14 });
      expect(
        (await inspectPtauFile(DEVELOPMENT_PTAU.path)).kind,
        "with the real table, the shipped file is what it is",
      ).to.equal("shipped");
    });

    it("refuses a tampered copy by name, saying the hash expected and the one found", async function () {
      const tampered = join(ws.root, "powersOfTau28_hez_final_14.ptau");
      await copyFile(DEVELOPMENT_PTAU.path, tampered);
      const bytes = await readFile(tampered);
      bytes[bytes.length - 100] ^= 1;
      await writeFile(tampered, bytes);
      const found = await blake2b(tampered);
      for (const pinned of [PUBLIC_PTAU_BLAKE2B, { 14: devBlake2b }]) {
        const error: PtauUntrustedError = await expect(
          build(ws, { ptau: tampered, publicPtau: pinned }),
        ).to.be.rejectedWith(PtauUntrustedError);
        expect(error.expected).to.equal(pinned[14]);
        expect(error.actual).to.equal(found);
        expect(error.message).to.contain(`powersOfTau28_hez_final_14.ptau has ${pinned[14]}`);
      }
      expect(await exists(join(ws.buildDir, "test"))).to.equal(false);
    });

    it("refuses it even when a .sha256 beside it matches the tampered content", async function () {
      const tampered = join(ws.root, "vouched-public.ptau");
      await copyFile(DEVELOPMENT_PTAU.path, tampered);
      const bytes = await readFile(tampered);
      bytes[bytes.length - 200] ^= 1;
      await writeFile(tampered, bytes);
      await writeFile(`${tampered}.sha256`, `${await sha256File(tampered)}  vouched-public.ptau\n`);
      await expect(build(ws, { ptau: tampered, publicPtau: { 14: devBlake2b } })).to.be.rejectedWith(
        PtauUntrustedError,
      );
    });
  });

  describe("ptauKindFor (which powers of tau a build uses)", function () {
    it("is the shipped file by default when the circuit fits it, else a local ceremony", function () {
      expect(ptauKindFor(parsePtauChoice(undefined), 14)).to.equal("shipped");
      expect(ptauKindFor(parsePtauChoice(""), 8)).to.equal("shipped");
      expect(ptauKindFor(parsePtauChoice(undefined), 15)).to.equal("local");
      expect(ptauKindFor(parsePtauChoice(undefined), 16)).to.equal("local");
    });

    it("is a local ceremony for STRATA_PTAU=ceremony, and the file for any other value", function () {
      expect(parsePtauChoice("ceremony")).to.deep.equal({ kind: "ceremony" });
      expect(ptauKindFor(parsePtauChoice("ceremony"), 10)).to.equal("local");
      expect(parsePtauChoice(" /p/pot16.ptau ")).to.deep.equal({ kind: "file", path: "/p/pot16.ptau" });
      expect(ptauKindFor(parsePtauChoice("/p/pot16.ptau"), 16)).to.equal("file");
    });
  });

  describe("atomicity", function () {
    let ws: ToyWorkspace;
    beforeEach(async () => (ws = await createToyWorkspace()));
    afterEach(async () => ws.remove());

    it("does not trust a half-written build directory without a manifest", async function () {
      await build(ws);
      await rm(join(ws.buildDir, "test", "manifest.json"));
      await expect(ZkProver.load({ ...ws.layout, profile: "test", logger: quiet })).to.be.rejectedWith(
        ZkArtifactsMissingError,
      );
      const again = await build(ws);
      expect(again.status).to.equal("built");
      expect(await exists(join(ws.buildDir, "test", "manifest.json"))).to.equal(true);
    });

    it("leaves nothing a later run trusts when killed mid-setup, and the next run cleans up and rebuilds", async function () {
      await killBuildAt(ws, "groth16 setup");
      const left = await readdir(ws.buildDir);
      expect(left).not.to.include("test");
      const temps = left.filter((name) => name.startsWith(".tmp-test-"));
      expect(temps).to.have.length(1);
      expect(await exists(join(ws.buildDir, temps[0]!, "batch.r1cs"))).to.equal(true);
      expect(await exists(join(ws.buildDir, temps[0]!, "manifest.json"))).to.equal(false);
      await expect(ZkProver.load({ ...ws.layout, profile: "test", logger: quiet })).to.be.rejectedWith(
        ZkArtifactsMissingError,
      );

      const again = await build(ws);
      expect(again.status).to.equal("built");
      expect((await readdir(ws.buildDir)).filter((name) => name.startsWith("."))).to.deep.equal([]);
    });

    it("keeps the previous build in place when a rebuild is killed", async function () {
      const previous = await build(ws);
      await appendFile(join(ws.root, "circuits", "main", "batch.circom"), "\n// touched\n");
      await killBuildAt(ws, "zkey contribute");
      const manifest = JSON.parse(await readFile(join(ws.buildDir, "test", "manifest.json"), "utf8")) as {
        key: string;
      };
      expect(manifest.key).to.equal(previous.manifest.key);
      expect((await build(ws)).status).to.equal("built");
    });

    it("removes the leftovers of dead runs, not of live ones", async function () {
      await mkdir(ws.buildDir, { recursive: true });
      const dead = join(ws.buildDir, `.tmp-test-${deadPid()}-0badc0de`);
      const live = join(ws.buildDir, `.tmp-test-${process.pid}-0badc0de`);
      await mkdir(dead);
      await mkdir(live);
      await build(ws);
      expect(await exists(dead)).to.equal(false);
      expect(await exists(live)).to.equal(true);
    });

    it("ignores a local ptau whose ceremony did not finish (no .sha256 beside it)", async function () {
      const { manifest } = await build(ws, { ptau: "ceremony" });
      const ptau = join(ws.ptauCacheDir, `pot${manifest.ptau.power}.ptau`);
      await rm(`${ptau}.sha256`);
      await writeFile(ptau, "half-written");
      await rm(join(ws.buildDir, "test"), { recursive: true });
      const again = await build(ws, { ptau: "ceremony" });
      expect(again.manifest.ptau.sha256).to.equal(await sha256File(ptau));
      expect((await readPtauHeader(ptau)).prepared).to.equal(true);
    });
  });

  describe("a supplied powers of tau (STRATA_PTAU)", function () {
    let ws: ToyWorkspace;
    let ptauDir: string;
    let ptau6: string;

    before(async function () {
      ws = await createToyWorkspace();
      ptauDir = join(ws.root, "ptau");
      await mkdir(ptauDir);
      ptau6 = await makeTinyPtau(ptauDir, 6);
    });
    after(async () => ws.remove());
    beforeEach(async () => rm(ws.buildDir, { recursive: true, force: true }));

    it("builds with a file STRATA_PTAU_TRUST names, runs no ceremony, and records its hashes", async function () {
      const result = await build(ws, await trusting(ptau6));
      expect(result.status).to.equal("built");
      expect(result.manifest.ptau).to.include({
        kind: "file",
        power: 6,
        sha256: await sha256File(ptau6),
        blake2b512: await blake2b(ptau6),
      });
      expect(await exists(ws.ptauCacheDir)).to.equal(false);
      expect((await build(ws, await trusting(ptau6))).status).to.equal("up-to-date");
      expect((await build(ws)).status, "no STRATA_PTAU: the supplied one still serves").to.equal(
        "up-to-date",
      );
    });

    it("rebuilds when another ptau is supplied, telling onStep of each long step, started then done", async function () {
      await build(ws, await trusting(ptau6));
      const other = await makeTinyPtau(ptauDir, 7);
      const steps: string[] = [];
      const result = await build(ws, {
        ...(await trusting(other)),
        onStep: (e) => steps.push(`${e.profile} ${e.step}: ${e.type}`),
      });
      expect(result.status).to.equal("built");
      expect(result.manifest.ptau.power).to.equal(7);
      expect(steps).to.deep.equal(
        SETUP_STEPS.flatMap((step) => [`test ${step}: stepStarted`, `test ${step}: stepDone`]),
      );
      expect(
        (await build(ws, { ...(await trusting(other)), onStep: (e) => steps.push(e.step) })).status,
      ).to.equal("up-to-date");
      expect(steps, "an up-to-date build runs no step").to.have.length(2 * SETUP_STEPS.length);
    });

    it("refuses a file that is neither public nor trusted with PtauUntrustedError, whatever .sha256 vouches for it", async function () {
      await writeFile(`${ptau6}.sha256`, `${await sha256File(ptau6)}  tiny6_final.ptau\n`);
      try {
        const error: PtauUntrustedError = await expect(build(ws, { ptau: ptau6 })).to.be.rejectedWith(
          PtauUntrustedError,
        );
        expect(error.power).to.equal(6);
        expect(error.expected, "no public file of power 6 is pinned").to.equal(undefined);
        expect(error.actual).to.equal(await blake2b(ptau6));
        expect(error.message).to.contain(`STRATA_PTAU_TRUST=${await blake2b(ptau6)}`);
        await expect(
          build(ws, { ptau: ptau6, ptauTrust: "ab".repeat(64) }),
          "a trust naming another file",
        ).to.be.rejectedWith(PtauUntrustedError);
      } finally {
        await rm(`${ptau6}.sha256`);
      }
      expect(await exists(join(ws.buildDir, "test"))).to.equal(false);
    });

    it("rejects a ptau too small for the circuit with PtauTooSmallError", async function () {
      const small = await makeTinyPtau(ptauDir, 3);
      const error: PtauTooSmallError = await expect(build(ws, await trusting(small))).to.be.rejectedWith(
        PtauTooSmallError,
      );
      expect(error.power).to.equal(3);
      expect(error.requiredPower).to.be.greaterThan(3);
      expect(await exists(join(ws.buildDir, "test"))).to.equal(false);
    });

    it("rejects a ptau not prepared for phase 2 with PtauNotPreparedError", async function () {
      const raw = await makeTinyPtau(ptauDir, 6, false);
      await expect(build(ws, { ptau: raw })).to.be.rejectedWith(PtauNotPreparedError);
    });

    it("rejects a missing ptau with PtauNotFoundError", async function () {
      await expect(build(ws, { ptau: join(ptauDir, "absent.ptau") })).to.be.rejectedWith(PtauNotFoundError);
    });
  });
});

describe("zk build time estimate", function () {
  it("grows with the constraints and adds a local ceremony only when one must run", function () {
    const test = estimateBuildSeconds(15_267, 14, false);
    expect(test).to.be.within(60, 120); // measured: ~83 s on 2 cores with a prepared ptau
    expect(estimateBuildSeconds(59_502, 16, false)).to.be.greaterThan(test);
    expect(estimateBuildSeconds(15_267, 14, true) - test).to.be.within(240, 360); // measured: ~5 min
  });
});
