import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { createLogger } from "../../src/common/logger";
import {
  contributeCeremony,
  finalizeCeremony,
  initCeremony,
  TRANSCRIPT_FILE,
  ZkCeremonyError,
  type CeremonyTranscript,
} from "../../src/zk/build/ceremony";
import { ZkSetupVerifyError } from "../../src/zk/build/errors";
import { sha256File } from "../../src/zk/build/hash";
import type { BuildManifest } from "../../src/zk/build/manifest";
import { buildZk } from "../../src/zk/build/pipeline";
import { DEVELOPMENT_PTAU } from "../../src/zk/build/ptau";
import { verifyZkey } from "../../src/zk/build/setup";
import { snarkjs, terminateCurves, type VerificationKey } from "../../src/zk/build/snarkjs";
import { SNARK_SCALAR_FIELD } from "../../src/zk/domain";
import { ZkProver } from "../../src/zk/prover";
import { callArgs, deployVerifier } from "./fixtures/verifier";
import { createToyWorkspace, type ToyWorkspace } from "./fixtures/workspace";

const quiet = createLogger({ level: "silent" });

/** The fee recipient every toy batch names (a public input the toy circuit only squares). */
const FEE_RECIPIENT = 0xfeen;

/** What the toy RollupBatch(2, 2) computes: oldRoot folded through each slot twice (x → x² + slot). */
function toyBatch(oldRoot: bigint, slots: readonly bigint[]) {
  let root = oldRoot;
  for (const slot of slots) for (let d = 0; d < 2; d++) root = (root * root + slot) % SNARK_SCALAR_FIELD;
  return { oldRoot, newRoot: root, feeRecipient: FEE_RECIPIENT, slots };
}

/** Flips one byte in the middle of section `id` of a zkey (sections: u32 id, u64 size, then the data). */
async function flipInSection(path: string, id: number): Promise<void> {
  const bytes = await readFile(path);
  let at = 12;
  for (let i = 0; i < bytes.readUInt32LE(8); i++) {
    const size = Number(bytes.readBigUInt64LE(at + 4));
    if (bytes.readUInt32LE(at) === id) {
      bytes[at + 12 + Math.floor(size / 2)] ^= 0x01;
      await writeFile(path, bytes);
      return;
    }
    at += 12 + size;
  }
  throw new Error(`no section ${id} in ${path}`);
}

/** The beacon fixed in advance (in a real ceremony: e.g. the hash of a Layer-1 block announced beforehand). */
const BEACON = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";

describe("zk-setup: a multi-party phase-2 ceremony (src/zk/build/ceremony.ts)", function () {
  this.timeout(300_000);
  let ws: ToyWorkspace;
  let development: BuildManifest;
  let ceremonyDir: string;
  let developmentVkey: VerificationKey;

  before(async function () {
    ws = await createToyWorkspace();
    [{ manifest: development }] = (await buildZk({
      ...ws.layout,
      profiles: ["test"],
      logger: quiet,
    })) as unknown as [{ manifest: BuildManifest }];
    developmentVkey = JSON.parse(
      await readFile(join(ws.buildDir, "test", "verification_key.json"), "utf8"),
    ) as VerificationKey;
  });
  after(async function () {
    await terminateCurves();
    await ws.remove();
  });

  const options = () => ({ ...ws.layout, profile: "test", ceremonyDir, logger: quiet });
  /** Each test runs its own ceremony, in its own directory. */
  let ceremonies = 0;
  beforeEach(() => {
    ceremonyDir = join(ws.root, `ceremony-${++ceremonies}`);
  });

  it("finalizes two named contributions and a beacon into a verified build whose verifier accepts a real proof", async function () {
    await initCeremony(options());
    const alice = await contributeCeremony({ ...options(), name: "alice" });
    const bob = await contributeCeremony({ ...options(), name: "bob" });
    expect(alice.hash).to.match(/^[0-9a-f]{128}$/);
    expect(bob.hash).to.not.equal(alice.hash);
    const transcript = JSON.parse(
      await readFile(join(ceremonyDir, TRANSCRIPT_FILE), "utf8"),
    ) as CeremonyTranscript;
    expect(transcript.contributions.map((c) => c.name)).to.deep.equal(["alice", "bob"]);
    expect(transcript.contributions[1]!.zkeySha256).to.equal(
      await sha256File(join(ceremonyDir, "0002.zkey")),
    );

    const final = await finalizeCeremony({ ...options(), beacon: BEACON, iterationsExp: 10 });
    expect(final.setup).to.deep.include({ kind: "ceremony", contributions: [alice, bob] });
    expect(final.setup.beacon).to.include({ value: BEACON, iterationsExp: 10 });
    expect(final.key, "the same circuit as the build").to.equal(development.key);
    const dir = join(ws.buildDir, "test");
    expect(final.zkeySha256).to.equal(await sha256File(join(dir, "batch.zkey")));
    expect(final.verificationKeySha256).to.equal(await sha256File(join(dir, "verification_key.json")));
    expect(final.verificationKeySha256).to.not.equal(development.verificationKeySha256);
    const [again] = await buildZk({ ...ws.layout, profiles: ["test"], logger: quiet });
    expect(again!.status, "a later zk-build keeps the ceremony's build").to.equal("up-to-date");
    expect(again!.manifest.setup.kind).to.equal("ceremony");

    const prover = await ZkProver.load({ ...ws.layout, profile: "test", logger: quiet });
    try {
      const proved = await prover.prove(toyBatch(3n, [1n, 0n]));
      const verifier = await deployVerifier(join(ws.verifierDir, "ZkVerifierTest.sol"), "ZkVerifierTest");
      expect(await verifier.verifyProof(...callArgs(proved.solidity))).to.equal(true);
      expect(
        await snarkjs.groth16.verify(developmentVkey, proved.publicSignals.map(String), proved.proof),
        "the development build's key does not verify the ceremony's proofs",
      ).to.equal(false);
    } finally {
      await prover.close();
    }
  });

  it("refuses a contribution that was tampered with: finalize fails zkey verify by name and keeps the build", async function () {
    await initCeremony(options());
    await contributeCeremony({ ...options(), name: "alice" });
    await contributeCeremony({ ...options(), name: "mallory" });
    // Mallory hands on a zkey whose proving key is not the one her contribution made, and a transcript to match.
    const forged = join(ceremonyDir, "0002.zkey");
    await flipInSection(forged, 9);
    const path = join(ceremonyDir, TRANSCRIPT_FILE);
    const transcript = JSON.parse(await readFile(path, "utf8")) as CeremonyTranscript;
    transcript.contributions[1]!.zkeySha256 = await sha256File(forged);
    await writeFile(path, JSON.stringify(transcript));
    const before = await readFile(join(ws.buildDir, "test", "manifest.json"), "utf8");

    const error: ZkSetupVerifyError = await expect(
      finalizeCeremony({ ...options(), beacon: BEACON, iterationsExp: 10 }),
    ).to.be.rejectedWith(ZkSetupVerifyError);
    expect(error.reason).to.equal("H section does not match");
    expect(await readFile(join(ws.buildDir, "test", "manifest.json"), "utf8")).to.equal(before);
  });

  it("refuses a zkey swapped behind the transcript's back, a beacon that is not hex, and an init over a ceremony", async function () {
    await initCeremony(options());
    await contributeCeremony({ ...options(), name: "alice" });
    await flipInSection(join(ceremonyDir, "0001.zkey"), 9);
    await expect(contributeCeremony({ ...options(), name: "bob" })).to.be.rejectedWith(
      ZkCeremonyError,
      /is not the transcript's/,
    );
    await expect(finalizeCeremony({ ...options(), beacon: "not hex", iterationsExp: 10 })).to.be.rejectedWith(
      ZkCeremonyError,
      /beacon must be/,
    );
    await expect(initCeremony(options()), "init over a ceremony with contributions").to.be.rejectedWith(
      ZkCeremonyError,
      /a ceremony with 1 contribution\(s\) is in/,
    );
  });

  it("verifyZkey (the build's zkey verify) passes the honest zkey and refuses a tampered one by name", async function () {
    const dir = join(ws.buildDir, "test");
    const reporter = { logger: quiet };
    const r1cs = join(dir, "batch.r1cs");
    await verifyZkey({ r1cs }, DEVELOPMENT_PTAU.path, join(dir, "batch.zkey"), reporter);
    const tampered = join(ws.root, "tampered.zkey");
    await writeFile(tampered, await readFile(join(dir, "batch.zkey")));
    await flipInSection(tampered, 9);
    const error: ZkSetupVerifyError = await expect(
      verifyZkey({ r1cs }, DEVELOPMENT_PTAU.path, tampered, reporter),
    ).to.be.rejectedWith(ZkSetupVerifyError);
    expect(error.zkey).to.equal(tampered);
  });
});
