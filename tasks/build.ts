// The build steps as tasks, and the build that the demo, the comparison and the bench run first:
//
//   npx hardhat zk-build [--profile test|default|all] [--ptau <file>|ceremony] [--ptau-trust <blake2b>]
//                                                                                  (npm run zk:build)
//
// builds each circuit profile of circuits/profiles.json (circuit, trusted setup, generated Solidity
// verifier in contracts/zk/generated/), doing nothing for a profile whose build is up to date. Its setup
// is a development one (one automatic contribution, a beacon, zkey verify); a multi-party one is
//
//   npx hardhat zk-setup init --profile P                  (the coordinator, after zk-build)
//   npx hardhat zk-setup contribute --profile P --name N   (each contributor, on their own machine)
//   npx hardhat zk-setup finalize --profile P --beacon <hex32 fixed in advance> [--iterations 10]
import { TASK_COMPILE } from "hardhat/builtin-tasks/task-names";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { strataTask } from "./strata-task";

/** Builds the zk `profiles` (cached), printing what each did. */
export async function buildZkProfiles(
  profiles: readonly string[],
  ptau: string | undefined,
  ptauTrust: string | undefined = process.env.STRATA_PTAU_TRUST || undefined,
): Promise<void> {
  const [{ buildZk }, { terminateCurves }, { createLogger }] = await Promise.all([
    import("../src/zk/build/pipeline"),
    import("../src/zk/build/snarkjs"),
    import("../src/common/logger"),
  ]);
  const logger = createLogger({ scope: "zk-build" });
  const started = Date.now();
  try {
    for (const r of await buildZk({ profiles, ptau, ptauTrust, logger })) {
      logger.info(r.status === "built" ? `profile ${r.profile}: built` : `profile ${r.profile}: up to date`, {
        constraints: r.manifest.constraints,
        ptauPower: r.manifest.ptau.power,
        verifier: r.verifierPath,
        ...r.timings,
      });
    }
    logger.info("zk build finished", { seconds: (Date.now() - started) / 1000 });
  } finally {
    await terminateCurves();
  }
}

/**
 * What the demo, the comparison and the bench need before they run: the contracts compiled. Hardhat's
 * compile step (hardhat.config.ts) builds the zk `test` profile first, from STRATA_PTAU; on a fresh clone
 * it says how long that takes.
 */
export async function compileFirst(hre: HardhatRuntimeEnvironment, ptau: string | undefined): Promise<void> {
  if (ptau !== undefined) process.env.STRATA_PTAU = ptau;
  console.log(
    "checking the zk build and compiling the contracts (a first run builds the circuit and says how long)",
  );
  await hre.run(TASK_COMPILE, { quiet: true });
}

strataTask("zkBuild", async (s) => {
  await buildZkProfiles(s.profile, s.ptau, s.ptauTrust);
});

/** Runs one ceremony step, then lets the process exit (snarkjs's curve keeps worker threads). */
async function ceremonyStep(run: (ceremony: typeof import("../src/zk/build/ceremony")) => Promise<unknown>) {
  const [ceremony, { terminateCurves }] = await Promise.all([
    import("../src/zk/build/ceremony"),
    import("../src/zk/build/snarkjs"),
  ]);
  try {
    await run(ceremony);
  } finally {
    await terminateCurves();
  }
}

strataTask("zkSetupInit", (s) =>
  ceremonyStep((c) =>
    c.initCeremony({ profile: s.profile, ptau: s.ptau, ptauTrust: s.ptauTrust, ceremonyDir: s.ceremonyDir }),
  ),
);

strataTask("zkSetupContribute", (s) =>
  ceremonyStep((c) => c.contributeCeremony({ profile: s.profile, name: s.name, ceremonyDir: s.ceremonyDir })),
);

strataTask("zkSetupFinalize", (s) =>
  ceremonyStep((c) =>
    c.finalizeCeremony({
      profile: s.profile,
      beacon: s.beacon,
      iterationsExp: s.iterations,
      ptau: s.ptau,
      ptauTrust: s.ptauTrust,
      ceremonyDir: s.ceremonyDir,
    }),
  ),
);
