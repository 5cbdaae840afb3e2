// The demo's zk flow on a `hardhat node` with the operator as its own process (`hardhat run
// scripts/zk-operator.ts`), run silently, its outcomes asserted as in test/e2e/demo-zk.test.ts (the shared
// expectations of test/e2e/demo-expectations/zk.ts): every batch is proven by the operator process and
// verified on Layer 1, the operator refuses bad spends by name over JSON-RPC, Bob's withdrawal is credited
// by the batch that verifies it and claimed exactly, a verifier node agrees with the root and the
// operator's balances; the operator process is killed with a spend accepted and unbatched, exodus pays
// every owner exactly their Layer-2 balance, Carol's deposit is refunded, a late batch is refused, the
// operator process started again on its journal refuses a transaction, and the escrow ends at zero.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { BridgeClient } from "../../src/bridge/client";
import { ZkChainFollower } from "../../src/zk/chain-follower";
import { ZkCrypto } from "../../src/zk/keys";
import { ZkRollupClient } from "../../src/zk/rollup-client";
import { ZK_OPERATOR_ACCOUNT, ZK_OPERATOR_SERVICE, runZkServices } from "../../scripts/demo/services/zk";
import { HARDHAT_NODE, servicePorts, useServicesStage } from "../helpers/demo-services";
import { recordNarration } from "./demo-expectations/narration";
import * as zk from "./demo-expectations/zk";

describe("e2e: demo zk flow with the operator as a process", function () {
  this.timeout(600_000);
  const stage = useServicesStage(HARDHAT_NODE);
  let operatorPort: number;
  let operatorAddress: string;
  let demo: zk.ZkDemoRun;

  before(async function () {
    const { provider, deployment, services, signers } = stage();
    const [alice, bob, carol, operator] = await signers(3, 4, 6, ZK_OPERATOR_ACCOUNT);
    operatorAddress = operator.address;
    [operatorPort] = await servicePorts(1);
    const { say, lines } = recordNarration();
    const result = await runZkServices(deployment, { alice, bob, carol }, say, services, { operatorPort });
    demo = {
      result,
      lines,
      provider,
      rollup: new ZkRollupClient(deployment.contracts.ZkRollup, provider),
      bridge: new BridgeClient(deployment.contracts.Bridge, provider),
      l1: { alice: alice.address, bob: bob.address, carol: carol.address },
    };
  });

  describe("deposit, transfer, prove, withdraw, claim", function () {
    zk.shouldProveEveryBatchAndPayBob(() => demo);

    it("has every batch sent by the operator process's account, not the demo's", async function () {
      const { rollup, provider } = demo;
      const follower = await ZkChainFollower.create(rollup, provider, await ZkCrypto.load());
      await follower.sync();
      for (const batch of follower.batches) {
        const tx = await provider.getTransaction(batch.transactionHash);
        expect(tx!.from).to.equal(operatorAddress);
      }
    });
  });

  describe("the operator process is killed: exodus", function () {
    zk.shouldExitEveryOwnerInExodus(() => demo);

    it("ran the operator as a process twice, on one port, and stopped it", function () {
      const log = readFileSync(stage().services.logFile(ZK_OPERATOR_SERVICE), "utf8");
      const served = log.split("\n").filter((l) => l.includes('"message":"serving JSON-RPC"'));
      expect(served).to.have.length(2);
      for (const line of served) expect(line).to.include(`127.0.0.1:${operatorPort}`);
      expect(demo.lines.join("\n")).to.include("SIGKILL");
    });
  });

  zk.shouldEndOwingNothing(() => demo);

  zk.shouldNarrateEveryStep(() => demo);
});
