// `npm run zk:operator -- --network localhost`: the zk operator (prover and sequencer) as a service.
// Serves JSON-RPC (zk_*, strata_health, strata_events) on STRATA_ZK_OPERATOR_PORT (default 8548), proves
// and submits batches with the profile STRATA_ZK_PROFILE (default "test", the one `deploy` used). Its
// journal lives in STRATA_DATA_DIR (default .strata/<network>); kill it at any point and start it again.
// Key: STRATA_ZK_OPERATOR_KEY, else Hardhat's account #3 on a local chain. The service itself is
// `runZkOperatorService` (src/zk/stack.ts), the same wiring as the in-process stack.
import { join } from "node:path";
import { Wallet } from "ethers";
import { ethers, network } from "hardhat";
import { readDeployment } from "../src/common/deployments";
import { runZkOperatorService, zkOperatorSettingsFromEnv } from "../src/zk/stack";
import { untilSignal } from "../src/common/service-main";

async function main(): Promise<void> {
  const settings = zkOperatorSettingsFromEnv(process.env);
  const signer = settings.key ? new Wallet(settings.key, ethers.provider) : (await ethers.getSigners())[3];
  await runZkOperatorService({
    deployment: readDeployment(network.name),
    signer,
    provider: ethers.provider,
    settings: { ...settings, dataDir: settings.dataDir ?? join(".strata", network.name) },
    until: untilSignal(),
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
