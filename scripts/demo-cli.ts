// `npm run demo [-- <flow>…] [-- --network localhost|anvil]`: the demo's front door. Checks the zk build
// (on a fresh machine it builds the circuit first and says how long that takes), compiles the contracts,
// then runs scripts/demo.ts under Hardhat with the flows chosen here (`hardhat run` passes a script no
// arguments, so they travel in STRATA_DEMO_FLOWS).
//
//   npm run demo                              every flow, on Hardhat's in-process network
//   npm run demo -- zk                        one flow (bridge, optimistic, channels, zk)
//   npm run demo -- --network localhost       against `npm run node`, the operators as separate processes
//   npm run demo -- channels --network anvil  against `npm run anvil`
import { spawn } from "node:child_process";
import { join } from "node:path";
import { Progress } from "../src/common/progress";
import { DEMO_FLOWS, DemoUsageError, parseDemoArgs, type DemoArgs } from "../src/demo/flows";
import { HARDHAT, REPOSITORY } from "../src/common/processes";

const USAGE =
  "usage: npm run demo [-- <flow>…] [-- --network hardhat|localhost|anvil]\n" +
  `flows: ${DEMO_FLOWS.join(", ")} (default: all, in that order)\n`;

function parseArgs(argv: readonly string[]): DemoArgs {
  try {
    const args = parseDemoArgs(argv);
    if (args.help) {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    return args;
  } catch (error) {
    if (!(error instanceof DemoUsageError)) throw error;
    process.stderr.write(`demo: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
}

/** Runs a command with its output shown; resolves with its exit code. */
function run(command: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: REPOSITORY,
      env: { ...process.env, ...env },
      stdio: "inherit",
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}

/** Runs a quiet command under a progress indicator; prints its output only if it fails. */
function runQuietly(label: string, hint: string, command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const progress = Progress.start(label, { hint });
    const child = spawn(command, args, { cwd: REPOSITORY, stdio: "pipe" });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => {
      const seconds = progress.stop();
      if (code === 0) console.log(`${label}: done in ${seconds.toFixed(0)} s`);
      else process.stderr.write(output);
      resolve(code ?? 1);
    });
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  console.log(`Strata demo: ${args.flows.join(", ")} on ${args.network}`);
  console.log(
    "checking the zk build (the first run on a machine builds the circuit and its keys, and says how long)",
  );
  const tsNode = join(REPOSITORY, "node_modules", ".bin", "ts-node");
  let code = await run(tsNode, ["--transpile-only", "scripts/zk-build.ts", "--profile", "test"], {
    STRATA_LOG_LEVEL: process.env.STRATA_LOG_LEVEL ?? "info",
  });
  if (code !== 0) process.exit(code);
  code = await runQuietly("compiling the contracts", "the first time: about a minute", HARDHAT, [
    "compile",
    "--quiet",
  ]);
  if (code !== 0) process.exit(code);
  code = await run(HARDHAT, ["run", "--no-compile", "scripts/demo.ts", "--network", args.network], {
    STRATA_DEMO_FLOWS: args.flows.join(","),
  });
  process.exit(code);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
