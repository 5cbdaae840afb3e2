// The demo's zk story (src/demo/zk.ts) on a `hardhat node` against the zk stack in its processes mode (the
// operator as its own process, `hardhat zk-operator`), run silently, its outcomes asserted as in test/e2e/demo-zk.test.ts (the shared
// expectations of test/e2e/demo-expectations/zk.ts): every batch is proven by the operator process and
// verified on Layer 1, the operator refuses bad spends by name over JSON-RPC, Bob's withdrawal is credited
// by the batch that verifies it and claimed exactly, a verifier node agrees with the root and the
// operator's balances; the operator process is killed with a spend accepted and unbatched, exodus pays
// every owner exactly their Layer-2 balance, Carol's deposit is refunded, a late batch is refused, the
// operator process started again on its journal refuses a transaction, and the escrow ends at zero.
import { expect } from "chai";
import { ZkChainFollower } from "../../src/zk/chain-follower";
import { ZkCrypto } from "../../src/zk/keys";
import { ZK_OPERATOR_ACCOUNT, startZkStack } from "../../src/zk/stack";
import { HARDHAT_NODE, servicePorts, useServicesStage } from "../helpers/demo-services";
import * as zk from "./demo-expectations/zk";

describe("e2e: demo zk flow with the operator as a process", function () {
  this.timeout(600_000);
  let operatorPort: number;
  let operatorAddress: string;
  const demo = zk.useZkDemo(
    useServicesStage(HARDHAT_NODE),
    async ({ deployment, provider, services, signers }) => {
      [operatorAddress] = (await signers(ZK_OPERATOR_ACCOUNT)).map((s) => s.address);
      [operatorPort] = await servicePorts(1);
      return startZkStack({
        deployment,
        provider,
        mode: { kind: "processes", services, port: operatorPort },
      });
    },
  );

  describe("deposit, transfer, prove, withdraw, claim", function () {
    zk.shouldProveEveryBatchAndPayBob(demo);

    it("has every batch sent by the operator process's account, not the demo's", async function () {
      const { rollup, provider } = demo();
      const follower = await ZkChainFollower.create(rollup, provider, await ZkCrypto.load());
      await follower.sync();
      for (const batch of follower.batches) {
        const tx = await provider.getTransaction(batch.transactionHash);
        expect(tx!.from).to.equal(operatorAddress);
      }
    });
  });

  describe("the operator process is killed: exodus", function () {
    zk.shouldExitEveryOwnerInExodus(demo);

    it("ran the operator as a process twice, on one port, and killed the first", async function () {
      const { stack, lines } = demo();
      const { starts } = stack;
      expect(starts).to.have.length(2);
      for (const start of starts) expect(start.url).to.equal(`http://127.0.0.1:${operatorPort}`);
      expect(starts[0].pid).to.not.equal(starts[1].pid);
      expect(starts[1].startedAt).to.be.greaterThan(starts[0].startedAt);
      expect(lines.join("\n")).to.include("SIGKILL");
      // The one answering now is the second, and it knows exodus is on.
      const health = await stack.health();
      expect(health).to.include({ service: "zk-operator", startedAt: starts[1].startedAt, exodus: true });
      expect(String(health.operator)).to.equal(operatorAddress);
    });
  });

  zk.shouldEndOwingNothing(demo);

  zk.shouldPublishWhatTheOperatorDid(demo);

  zk.shouldNarrateEveryStep(demo);
});
