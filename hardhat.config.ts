import { subtask, task } from "hardhat/config";
import { TASK_COMPILE, TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";
import { HARDFORK } from "./src/config/hardfork";
import { anvilUrlFrom, rpcUrlFrom } from "./src/config/table";
import "./tasks";

const SOLC_VERSION = "0.8.37";

// Hardhat downloads solc by default, which fails offline (HH502). Serve the pinned solcjs build
// from the npm `solc` package instead; its version must equal SOLC_VERSION exactly.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version(),
  };
});

/**
 * The circuit profiles the tests deploy and prove with (circuits/profiles.json): `test`, and `tiny`
 * (4 accounts) for the tests that fill the accounts tree.
 */
const TEST_ZK_PROFILES = ["test", "tiny"];

// Every compile (`hardhat compile`, and `hardhat test` / `hardhat run` unless --no-compile) first builds
// the zk `test` and `tiny` profiles through the pipeline `npm run zk:build` runs, so that their generated
// verifiers (contracts/zk/generated/ZkVerifierTest.sol, ZkVerifierTiny.sol) exist before solc runs and a fresh clone's `npx hardhat
// test` passes. The build is cached by a hash of its inputs: when it is up to date this only checks
// hashes (about a second). STRATA_PTAU names a prepared powers of tau (and STRATA_PTAU_TRUST, when it
// is not a pinned public one, its blake2b-512), as for `npm run zk:build`;
// without it the one-party development ptau shipped in circuits/ptau/ (STRATA_PTAU=ceremony: a local
// ceremony, run once and cached). Other profiles (the bench's) stay explicit.
task(TASK_COMPILE, async (args, _hre, runSuper) => {
  // Loaded here, not at the top: every Hardhat command reads this file, and only compiles need snarkjs.
  const [{ buildZk }, { terminateCurves }, { createLogger }] = await Promise.all([
    import("./src/zk/build/pipeline"),
    import("./src/zk/build/snarkjs"),
    import("./src/common/logger"),
  ]);
  try {
    await buildZk({
      profiles: TEST_ZK_PROFILES,
      ptau: process.env.STRATA_PTAU || undefined,
      ptauTrust: process.env.STRATA_PTAU_TRUST || undefined,
      logger: createLogger({ scope: "zk-build" }),
    });
  } finally {
    await terminateCurves();
  }
  return runSuper(args);
});

const config: HardhatUserConfig = {
  solidity: {
    compilers: [
      {
        version: SOLC_VERSION,
        settings: { evmVersion: HARDFORK, optimizer: { enabled: true, runs: 10_000 } },
      },
    ],
    overrides: {
      // The rollup fits EIP-170's 24,576 bytes only when tuned a little more for size (10,000 runs: 25.2 kB).
      "contracts/optimistic/OptimisticRollup.sol": {
        version: SOLC_VERSION,
        settings: { evmVersion: HARDFORK, optimizer: { enabled: true, runs: 2_000 } },
      },
    },
  },
  networks: {
    hardhat: { hardfork: HARDFORK },
    // STRATA_RPC_URL, STRATA_ANVIL_URL / STRATA_ANVIL_PORT (src/config/table.ts; the tasks check them).
    localhost: { url: rpcUrlFrom(process.env) },
    anvil: { url: anvilUrlFrom(process.env) },
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    offline: true,
    currency: "USD",
  },
  mocha: { timeout: 120_000 },
};

export default config;
