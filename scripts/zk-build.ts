// `npm run zk:build [-- --profile test|default|all] [-- --ptau <file>]`: compiles circuits/main/batch.circom
// for each profile in circuits/profiles.json, runs the Groth16 setup and exports the Solidity verifiers
// into contracts/zk/generated/. Environment: STRATA_ZK_PROFILES=test,default (when no --profile),
// STRATA_PTAU=<prepared ptau> (when no --ptau; else a local one-party ceremony, cached).
// Does nothing for a profile whose build is up to date.
import { createLogger } from "../src/common/logger";
import { StrataError } from "../src/common/errors";
import { buildZk } from "../src/zk/build/pipeline";
import { terminateCurves } from "../src/zk/build/snarkjs";

interface Args {
  profiles: string[];
  ptau?: string;
}

function parseArgs(argv: readonly string[]): Args {
  const profiles: string[] = [];
  let ptau: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === "--profile" || flag === "--profiles") profiles.push(value());
    else if (flag === "--ptau") ptau = value();
    else usage(`unknown argument ${argv[i]}`);
  }
  const fromEnv = process.env.STRATA_ZK_PROFILES;
  return {
    profiles: profiles.length > 0 ? profiles : fromEnv ? [fromEnv] : ["all"],
    ptau: ptau ?? (process.env.STRATA_PTAU || undefined),
  };
}

function usage(problem: string): never {
  process.stderr.write(`zk-build: ${problem}\nusage: zk-build [--profile <name>|all]... [--ptau <file>]\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const logger = createLogger({ scope: "zk-build" });
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  try {
    const results = await buildZk({ profiles: args.profiles, ptau: args.ptau, logger });
    for (const r of results) {
      logger.info(
        r.status === "built"
          ? `profile ${r.profile}: built`
          : `profile ${r.profile}: up to date, nothing to do`,
        {
          constraints: r.manifest.constraints,
          ptauPower: r.manifest.ptau.power,
          verifier: r.verifierPath,
          ...r.timings,
        },
      );
    }
    logger.info("zk build finished", { seconds: (Date.now() - started) / 1000 });
  } catch (error) {
    if (!(error instanceof StrataError)) throw error;
    logger.error(error.message, { error: error.name });
    process.exitCode = 1;
  } finally {
    await terminateCurves();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
