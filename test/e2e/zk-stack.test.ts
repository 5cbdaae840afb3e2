// The zk stack's two modes hand back the same surface (src/zk/stack.ts): on one `hardhat node`, the operator
// as its own process (processes mode) and a second operator in this process (in-process mode) answer the
// same methods with the same answers about the same chain: accounts, receipts, health, the batches they
// read back from Layer 1. A spend one of them batches, the other reports verified in the same batch.
import { expect } from "chai";
import { parseEther } from "ethers";
import type { Published } from "../../src/common/events";
import { readAllEvents } from "../../src/common/events";
import { pollUntil } from "../../src/common/json-rpc";
import type { ZkOperatorEvent } from "../../src/zk/events";
import { zkPrivateKeyFromSeed } from "../../src/zk/keys";
import type { InProcessZkStack, ProcessZkStack, ZkStack } from "../../src/zk/stack";
import { ZK_STACK_SURFACE, startZkStack } from "../../src/zk/stack";
import { ZkWallet } from "../../src/zk/wallet";
import { HARDHAT_NODE, servicePorts, useServicesStage } from "../helpers/demo-services";

const ETH_ID = 0;

/** The batches a stack's operator read back from Layer 1, as its events say. */
async function verifiedBatches(stack: ZkStack) {
  const { events } = await readAllEvents(stack.events);
  return events
    .filter(
      (e): e is Published<Extract<ZkOperatorEvent, { type: "batchVerified" }>> => e.type === "batchVerified",
    )
    .map(({ seq: _seq, time: _time, ...e }) => e);
}

describe("e2e: the zk stack, in this process and as a process", function () {
  this.timeout(600_000);
  const stage = useServicesStage(HARDHAT_NODE);
  let processes: ProcessZkStack | undefined;
  let inProcess: InProcessZkStack | undefined;

  after(async function () {
    await inProcess?.stop();
    await processes?.stop();
  });

  it("answers the same methods with the same answers about the same chain", async function () {
    const { provider, deployment, services, signers } = stage();
    const [alice, bob, operator] = await signers(3, 4, 9);
    const [port] = await servicePorts(1);
    processes = await startZkStack({ deployment, provider, mode: { kind: "processes", services, port } });
    const { crypto, config, bridge, rollup } = processes;
    const aliceWallet = new ZkWallet(crypto, zkPrivateKeyFromSeed("alice"), alice.address, config.domain);
    const bobWallet = new ZkWallet(crypto, zkPrivateKeyFromSeed("bob"), bob.address, config.domain);
    const aliceDeposit = await aliceWallet.depositEth(bridge, alice, rollup.address, parseEther("2"));
    const bobDeposit = await bobWallet.depositEth(bridge, bob, rollup.address, parseEther("1"));
    await processes.waitForStatus(bobDeposit.deposit.head, "verified");

    inProcess = await startZkStack({
      deployment,
      provider,
      crypto,
      mode: { kind: "in-process", signer: operator },
    });
    const both: ZkStack[] = [processes, inProcess];
    expect(both.map((s) => s.mode)).to.deep.equal(["processes", "in-process"]);
    for (const stack of both) {
      for (const member of ZK_STACK_SURFACE)
        expect(stack[member], `${stack.mode} ${member}`).to.not.equal(undefined);
    }
    expect(inProcess.operatorAddress).to.equal(operator.address);
    expect(inProcess.profile).to.equal(processes.profile);
    expect(inProcess.config).to.deep.equal(processes.config);

    // The same answers about the same chain.
    const answers = async (stack: ZkStack) => ({
      alice: await stack.findAccount(aliceWallet.ownerHex, ETH_ID),
      bob: await stack.findAccount(bobWallet.ownerHex, ETH_ID),
      accounts: [await stack.account(0), await stack.account(1), await stack.account(2)],
      deposit: await stack.receipt(aliceDeposit.deposit.head),
      unknown: await stack.receipt(`0x${"ab".repeat(32)}`),
    });
    const expected = await answers(processes);
    expect(expected).to.deep.include({ alice: 0, bob: 1, unknown: undefined });
    expect(expected.deposit).to.deep.equal({
      hash: aliceDeposit.deposit.head.toLowerCase(),
      status: "verified",
      batchIndex: 1,
      slot: 0,
    });
    expect(await answers(inProcess)).to.deep.equal(expected);
    const [processHealth, inProcessHealth] = await Promise.all(both.map((s) => s.health()));
    expect(Object.keys(inProcessHealth).sort()).to.deep.equal(Object.keys(processHealth).sort());
    for (const health of [processHealth, inProcessHealth]) {
      expect(health).to.include({
        service: "zk-operator",
        status: "ok",
        lastBatch: 2,
        pending: 0,
        exodus: false,
      });
      expect(health.rollup).to.equal(rollup.address);
    }
    expect(await verifiedBatches(inProcess)).to.deep.equal(await verifiedBatches(processes));

    // A spend the in-process operator batches: the process reports it verified, in the same batch.
    const spend = aliceWallet.transfer({ from: 0, to: 1, amount: parseEther("0.5"), nonce: 0 });
    expect(await inProcess.send(spend.encoded)).to.deep.equal({ hash: spend.hash, status: "accepted" });
    const verified = await inProcess.waitForStatus(spend.hash, "verified");
    expect(verified).to.deep.equal({ hash: spend.hash, status: "verified", batchIndex: 3, slot: 0 });
    expect(await processes.waitForStatus(spend.hash, "verified", { timeoutMs: 30_000 })).to.deep.equal(
      verified,
    );
    // The process rebuilds its state right after it reads the batch: its account view follows at once.
    const seen = await pollUntil(
      () => processes!.account(0),
      (a) => a?.nonce === 1,
      () => new Error("the process never showed the spend"),
      { timeoutMs: 10_000, pollMs: 100 },
    );
    expect(seen).to.deep.equal(await inProcess.account(0));
    expect(seen).to.include({ balance: parseEther("1.5"), nonce: 1 });
  });
});
