// End to end with real processes: a `hardhat node`, the suite deployed to it, and the optimistic stack
// started as processes (src/optimistic/stack.ts: `npm run sequencer` and `npm run challenger` as a user
// starts them). The handle answers exactly as the in-process stack's does (test/optimistic/
// stack-surface.ts), and as a stack in this process reading the same chain. Then users send transfers
// over JSON-RPC; the sequencer is killed with SIGKILL before it commits them, started again on the same
// journal, and commits every one of them exactly once.
import { expect } from "chai";
import { Wallet, parseEther } from "ethers";
import { ofType, waitForEvent } from "../../src/common/events";
import { localAccountKey } from "../../src/common/processes";
import { txHash } from "../../src/optimistic/chain-follower";
import type { OptimisticStack } from "../../src/optimistic/stack";
import { startOptimisticStack } from "../../src/optimistic/stack";
import { decodeTx } from "../../src/shared/codec";
import { ownerOfAddress } from "../../src/shared/types";
import { HARDHAT_NODE, useServicesStage } from "../helpers/demo-services";
import type { StackAnswers } from "../optimistic/stack-surface";
import {
  encodedTransfer,
  playStackScenario,
  shouldAnswerAsEveryMode,
  surfaceOf,
} from "../optimistic/stack-surface";

describe("e2e: the optimistic stack as processes", function () {
  this.timeout(300_000);
  const stage = useServicesStage(HARDHAT_NODE);
  let stack: OptimisticStack;
  let answers: StackAnswers;

  before(async function () {
    const { provider, deployment, services, signers } = stage();
    stack = await startOptimisticStack(deployment, provider, {
      kind: "processes",
      services,
      sequencerKey: localAccountKey(1),
      challengerKey: localAccountKey(2),
      // Long enough that the transfers below are still pending when the sequencer is killed.
      maxBatchAgeMs: 3_000,
      sequencerPollMs: 200,
      challengerPollMs: 200,
    });
    const [alice, bob] = await signers(3, 4);
    answers = await playStackScenario(stack, { alice, bob });
  });

  after(async function () {
    await stack?.stop();
  });

  shouldAnswerAsEveryMode(() => ({ stack, answers }), "processes");

  it("names its operators: the service accounts it started them with", function () {
    expect(stack.operators).to.deep.equal({
      sequencer: new Wallet(localAccountKey(1)).address,
      challenger: new Wallet(localAccountKey(2)).address,
    });
  });

  it("answers as a stack in this process answers, reading the same chain", async function () {
    const { provider, deployment, signers } = stage();
    const [sequencer, challenger, alice, bob] = await signers(7, 8, 3, 4);
    const here = await startOptimisticStack(deployment, provider, {
      kind: "in-process",
      sequencer,
      challenger,
      run: false,
    });
    try {
      for (const owner of [alice.address, bob.address].map(ownerOfAddress)) {
        const index = await stack.sequencer.findAccount(owner, 0);
        expect(index).to.not.equal(undefined);
        expect(await here.sequencer.findAccount(owner, 0)).to.equal(index);
        expect(await here.sequencer.getAccount(index!)).to.deep.equal(
          await stack.sequencer.getAccount(index!),
        );
      }
      expect(surfaceOf(here)).to.deep.equal(surfaceOf(stack));
    } finally {
      await here.stop();
    }
  });

  it("loses nothing and commits nothing twice when the sequencer is killed and restarted", async function () {
    const { signers } = stage();
    const [alice, bob] = await signers(3, 4);
    const { domain } = stack.context;
    const side = stack.sequencer;
    const aliceIndex = (await side.findAccount(ownerOfAddress(alice.address), 0))!;
    const bobIndex = (await side.findAccount(ownerOfAddress(bob.address), 0))!;
    const firstNonce = await side.getNonce(aliceIndex);
    const bobBefore = await side.getBalance(bobIndex);
    const sent: string[] = [];
    for (let i = 0; i < 4; i++) {
      const m = { from: aliceIndex, to: bobIndex, amount: parseEther("0.25"), nonce: firstNonce + i };
      const tx = await encodedTransfer(domain, alice, m);
      sent.push((await side.sendTransaction(tx)).hash);
      expect(sent[i]).to.equal(txHash(decodeTx(tx)));
    }
    await stack.restartSequencer();

    // The new process rebuilt from Layer 1 and its journal: its events start again, with all four pending.
    const { event: rebuilt } = await waitForEvent(stack.sequencerEvents, ofType("rebuilt"), {
      timeoutMs: 30_000,
    });
    expect(rebuilt.pending).to.equal(4);
    const receipts = [];
    for (const hash of sent)
      receipts.push(await side.waitForStatus(hash, "committed", { timeoutMs: 30_000, pollMs: 200 }));
    expect(receipts.map((r) => r.status)).to.deep.equal(Array(4).fill("committed"));
    expect(await side.getBalance(bobIndex)).to.equal(bobBefore + parseEther("1"));
    expect(await side.getNonce(aliceIndex)).to.equal(firstNonce + 4);

    // Layer 1 holds each of them exactly once.
    const follower = await stack.context.newFollower();
    await follower.sync();
    const onLayer1 = follower.batches.flatMap((b) => b.txs.map(txHash));
    for (const hash of sent) expect(onLayer1.filter((h) => h === hash)).to.have.length(1);
    expect((await stack.sequencerHealth()).status).to.equal("ok");
  });
});
