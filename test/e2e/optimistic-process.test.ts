// End to end with real processes: a `hardhat node`, the suite deployed to it, and the sequencer
// started as `npm run sequencer` would start it. Users deposit and send transfers over JSON-RPC; the
// sequencer is killed with SIGKILL before it commits them, started again on the same journal, and
// commits every one of them exactly once.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, parseEther } from "ethers";
import { BridgeClient } from "../../src/bridge/client";
import { deploySuite } from "../../src/common/deploy-suite";
import { writeDeployment } from "../../src/common/deployments";
import { SequencerClient } from "../../src/optimistic/rpc-server";
import { bytesToHex } from "../../src/shared/bytes";
import { encodeTx } from "../../src/shared/codec";
import { L2Domain } from "../../src/shared/eip712";
import { ownerOfAddress } from "../../src/shared/types";
import { kill, nodeReadiness, serviceReadiness, startHardhat } from "../../src/common/processes";

describe("e2e: the sequencer as a process, killed and restarted", function () {
  this.timeout(180_000);
  const port = 8600 + Math.floor(Math.random() * 300);
  const rpcPort = port + 400;
  const dir = mkdtempSync(join(tmpdir(), "strata-process-"));
  const env = {
    STRATA_RPC_URL: `http://127.0.0.1:${port}`,
    STRATA_DEPLOYMENTS_DIR: join(dir, "deployments"),
    STRATA_DATA_DIR: join(dir, "data"),
    STRATA_SEQUENCER_PORT: String(rpcPort),
    STRATA_MAX_BATCH_AGE_MS: "500",
    STRATA_LOG_LEVEL: "info",
  };
  const children: ChildProcess[] = [];

  after(function () {
    for (const child of children) kill(child, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("loses nothing and commits nothing twice", async function () {
    children.push(await startHardhat(["node", "--port", String(port)], env, nodeReadiness(port)));
    const provider = new JsonRpcProvider(env.STRATA_RPC_URL);
    const [deployer, alice, bob] = await Promise.all([0, 5, 6].map((i) => provider.getSigner(i)));
    const deployment = await deploySuite(deployer, { network: "localhost", local: true });
    writeDeployment(deployment, env.STRATA_DEPLOYMENTS_DIR);
    const rollup = deployment.contracts.OptimisticRollup;
    const bridge = new BridgeClient(deployment.contracts.Bridge, provider);
    await bridge.depositEth(alice, { rollup, to: ownerOfAddress(alice.address), amount: parseEther("3") });
    await bridge.depositEth(bob, { rollup, to: ownerOfAddress(bob.address), amount: parseEther("1") });

    const sequencerArgs = ["run", "scripts/sequencer.ts", "--network", "localhost"];
    let sequencer = await startHardhat(sequencerArgs, env, serviceReadiness(`http://127.0.0.1:${rpcPort}`));
    children.push(sequencer);
    const client = new SequencerClient(`http://127.0.0.1:${rpcPort}`);
    let aliceIndex: number | undefined;
    while (aliceIndex === undefined) aliceIndex = await client.findAccount(ownerOfAddress(alice.address), 0);
    const bobIndex = (await client.findAccount(ownerOfAddress(bob.address), 0))!;

    const domain = new L2Domain(deployment.chainId, rollup);
    const hashes: string[] = [];
    for (let nonce = 0; nonce < 4; nonce++) {
      const m = { from: aliceIndex, to: bobIndex, amount: parseEther("0.25"), nonce };
      const tx = { kind: "transfer" as const, ...m, signature: await domain.signTransfer(alice, m) };
      hashes.push((await client.sendTransaction(bytesToHex(encodeTx(tx)))).hash);
    }
    kill(sequencer, "SIGKILL");

    sequencer = await startHardhat(sequencerArgs, env, serviceReadiness(`http://127.0.0.1:${rpcPort}`));
    children.push(sequencer);
    const receipts = [];
    for (const hash of hashes) {
      receipts.push(await client.waitForStatus(hash, "committed", { timeoutMs: 30_000, pollMs: 200 }));
    }
    expect(receipts.map((r) => r.status)).to.deep.equal(Array(4).fill("committed"));
    expect(await client.getBalance(bobIndex)).to.equal(parseEther("2"));
    expect(await client.getNonce(aliceIndex)).to.equal(4);
    kill(sequencer, "SIGTERM");
  });
});
