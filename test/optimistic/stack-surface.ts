// What every optimistic stack must hand back, whichever mode started it (src/optimistic/stack.ts): one
// scenario played against the handle alone, recording what it answered, so that the tests of each mode
// (test/optimistic/stack.test.ts in this process, test/e2e/optimistic-process.test.ts as processes)
// assert the same answers.
import { expect } from "chai";
import type { Signer } from "ethers";
import { parseEther } from "ethers";
import { ofType, waitForEvent } from "../../src/common/events";
import type { AccountView } from "../../src/common/json-rpc";
import { RpcError, TxRejectedError, pollUntil } from "../../src/common/json-rpc";
import type { OptimisticStack } from "../../src/optimistic/stack";
import type { L2Domain } from "../../src/shared/eip712";
import { bytesToHex } from "../../src/shared/bytes";
import { encodeTx } from "../../src/shared/codec";
import { ownerOfAddress } from "../../src/shared/types";

/** The handle's members, whatever the mode (an in-process stack adds `parties`). */
export const STACK_SURFACE = [
  "challengerEvents",
  "challengerHealth",
  "context",
  "mode",
  "operators",
  "restartSequencer",
  "sequencer",
  "sequencerEvents",
  "sequencerHealth",
  "stop",
  "urls",
];

/** The sequencer's user surface (`SequencerSide`). */
export const SEQUENCER_SIDE = [
  "findAccount",
  "getAccount",
  "getBalance",
  "getNonce",
  "getReceipt",
  "sendTransaction",
  "waitForStatus",
];

/** The members of `stack`'s handle, and of its sequencer side, that are there in every mode. */
export function surfaceOf(stack: OptimisticStack): { stack: string[]; sequencer: string[] } {
  const side = stack.sequencer as unknown as Record<string, unknown>;
  return {
    stack: Object.keys(stack)
      .filter((key) => key !== "parties")
      .sort(),
    sequencer: SEQUENCER_SIDE.filter((name) => typeof side[name] === "function"),
  };
}

/** What the scenario saw: the same in every mode. */
export interface StackAnswers {
  balances: { alice: bigint; bob: bigint };
  aliceNonce: number;
  receiptStatus: string;
  replayRefused: string;
  unknownAccount: { code: number; account: AccountView | undefined };
  transferBatch: { steps: number; verdict: string; txs: number };
  health: {
    sequencer: { service: string; status: string; pending: number; headIsNumber: boolean };
    challenger: { service: string; status: string; openGames: number; headIsNumber: boolean };
  };
}

/**
 * Alice and Bob deposit through the bridge; once the sequencer holds both accounts, Alice sends Bob 2 ETH
 * and sends it again (a replay); the transfer's batch is read back through both services' events; both
 * answer their health. Needs the stack's loops running.
 */
export async function playStackScenario(
  stack: OptimisticStack,
  users: { alice: Signer; bob: Signer },
  timeoutMs = 60_000,
): Promise<StackAnswers> {
  const { bridge, rollup, domain } = stack.context;
  const [alice, bob] = [await users.alice.getAddress(), await users.bob.getAddress()];
  await bridge.depositEth(users.alice, {
    rollup: rollup.address,
    to: ownerOfAddress(alice),
    amount: parseEther("5"),
  });
  await bridge.depositEth(users.bob, {
    rollup: rollup.address,
    to: ownerOfAddress(bob),
    amount: parseEther("1"),
  });
  const side = stack.sequencer;
  // Until both deposits are in a batch (none pending), so that the transfer has a batch of its own.
  const { accounts } = await pollUntil(
    async () => ({
      accounts: [
        await side.findAccount(ownerOfAddress(alice), 0),
        await side.findAccount(ownerOfAddress(bob), 0),
      ],
      pending: (await stack.sequencerHealth()).pending,
    }),
    (seen) => seen.pending === 0 && seen.accounts.every((index) => index !== undefined),
    () => new Error("the sequencer never committed both deposits"),
    { timeoutMs, pollMs: 100 },
  );
  const [aliceIndex, bobIndex] = accounts as number[];

  const m = {
    from: aliceIndex,
    to: bobIndex,
    amount: parseEther("2"),
    nonce: await side.getNonce(aliceIndex),
  };
  const transfer = await encodedTransfer(domain, users.alice, m);
  const sent = await side.sendTransaction(transfer);
  expect(sent).to.include({ status: "soft-confirmed", outcome: "applied" });
  const replay: TxRejectedError = await expect(side.sendTransaction(transfer)).to.be.rejectedWith(
    TxRejectedError,
  );
  const unknown: RpcError = await expect(side.getBalance(99)).to.be.rejectedWith(RpcError);
  const committed = await side.waitForStatus(sent.hash, "committed", { timeoutMs, pollMs: 100 });
  expect(await side.getReceipt(sent.hash)).to.deep.equal(committed);

  const { event: batch } = await waitForEvent(
    stack.sequencerEvents,
    ofType("batchCommitted", (e) => e.txs.includes(sent.hash)),
    { timeoutMs, what: "the transfer's batchCommitted" },
  );
  expect(batch.batchIndex).to.equal(committed.batchIndex);
  const { event: read } = await waitForEvent(
    stack.challengerEvents,
    ofType("batchRead", (e) => e.batchIndex === committed.batchIndex),
    { timeoutMs, what: "the challenger's verdict on the transfer's batch" },
  );
  expect(read.l1TxHash).to.equal(batch.l1TxHash);

  const [sequencerHealth, challengerHealth] = await Promise.all([
    stack.sequencerHealth(),
    stack.challengerHealth(),
  ]);
  return {
    balances: { alice: await side.getBalance(aliceIndex), bob: await side.getBalance(bobIndex) },
    aliceNonce: await side.getNonce(aliceIndex),
    receiptStatus: committed.status,
    replayRefused: replay.reason,
    unknownAccount: { code: unknown.code, account: await side.getAccount(99) },
    transferBatch: { steps: batch.steps, verdict: read.verdict, txs: batch.txs.length },
    health: {
      sequencer: {
        service: sequencerHealth.service,
        status: sequencerHealth.status,
        pending: sequencerHealth.pending as number,
        headIsNumber: typeof sequencerHealth.layer1Head === "number",
      },
      challenger: {
        service: challengerHealth.service,
        status: challengerHealth.status,
        openGames: challengerHealth.openGames as number,
        headIsNumber: typeof challengerHealth.layer1Head === "number",
      },
    },
  };
}

/** What `playStackScenario` answers in every mode. */
export const EXPECTED_ANSWERS: StackAnswers = {
  balances: { alice: parseEther("3"), bob: parseEther("3") },
  aliceNonce: 1,
  receiptStatus: "committed",
  replayRefused: "Duplicate",
  unknownAccount: { code: -32001, account: undefined },
  transferBatch: { steps: 1, verdict: "valid", txs: 1 },
  health: {
    sequencer: { service: "sequencer", status: "ok", pending: 0, headIsNumber: true },
    challenger: { service: "challenger", status: "ok", openGames: 0, headIsNumber: true },
  },
};

/** A transfer `m` signed by `signer` in `domain`, encoded as a sequencer takes it. */
export async function encodedTransfer(
  domain: L2Domain,
  signer: Signer,
  m: { from: number; to: number; amount: bigint; nonce: number },
): Promise<string> {
  return bytesToHex(encodeTx({ kind: "transfer", ...m, signature: await domain.signTransfer(signer, m) }));
}

/**
 * Declares the tests every mode passes once `playStackScenario` has run on its stack: the same handle and the
 * same answers.
 */
export function shouldAnswerAsEveryMode(
  run: () => { stack: OptimisticStack; answers: StackAnswers },
  mode: OptimisticStack["mode"],
): void {
  it("hands back the handle every mode hands back", function () {
    const { stack } = run();
    expect(surfaceOf(stack)).to.deep.equal({ stack: STACK_SURFACE, sequencer: SEQUENCER_SIDE });
    expect(stack.mode).to.equal(mode);
  });

  it("answers as every mode answers", function () {
    expect(run().answers).to.deep.equal(EXPECTED_ANSWERS);
  });
}
