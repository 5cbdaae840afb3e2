// What the demo's zk flow must show wherever its operator runs: in this process (test/e2e/demo-zk.test.ts)
// or as a process of its own (test/e2e/demo-services-zk.test.ts). Each function declares the shared tests
// of one part in the calling suite; each test file adds what only its variant shows.
import { expect } from "chai";
import type { Provider } from "ethers";
import { ZeroAddress, parseEther } from "ethers";
import { BridgeClient } from "../../../src/bridge/client";
import type { Published } from "../../../src/common/events";
import { readAllEvents } from "../../../src/common/events";
import { ZkChainFollower } from "../../../src/zk/chain-follower";
import type { ZkOperatorEvent } from "../../../src/zk/events";
import { rootHex } from "../../../src/zk/events";
import { assertZkEscrowCovers } from "../../../src/zk/invariants";
import { ZkCrypto } from "../../../src/zk/keys";
import { ZkRollupClient } from "../../../src/zk/rollup-client";
import type { ZkStack } from "../../../src/zk/stack";
import type { ZkStoryResult } from "../../../src/demo/zk";
import { runZkStory } from "../../../src/demo/zk";
import type { DemoStage } from "../../helpers/demo-services";
import { expectVerbsNarrated, narratedSteps, recordNarration } from "./narration";

/** One run of the flow, as its tests read it: the result, the narration, and the chain it ran on. */
export interface ZkDemoRun {
  result: ZkStoryResult;
  lines: string[];
  provider: Provider;
  rollup: ZkRollupClient;
  bridge: BridgeClient;
  /** The users' Layer-1 addresses. */
  l1: Record<"alice" | "bob" | "carol", string>;
  /** The events of the operator running at the end (the one restarted after exodus), as its stack serves them. */
  events: Published<ZkOperatorEvent>[];
}

/** The events of one type. */
function only<T extends ZkOperatorEvent["type"]>(
  events: readonly Published<ZkOperatorEvent>[],
  type: T,
): Published<Extract<ZkOperatorEvent, { type: T }>>[] {
  return events.filter((e): e is Published<Extract<ZkOperatorEvent, { type: T }>> => e.type === type);
}

/** Part 1: deposit, transfer, prove, withdraw, claim. */
export function shouldProveEveryBatchAndPayBob(run: () => ZkDemoRun): void {
  it("proves and verifies one batch per transaction, deposits first", function () {
    const { result } = run();
    const { batches } = result.roundTrip;
    expect(result.config).to.deep.equal({ batchSize: 1, depth: 8, exodusDelay: 600 });
    expect(batches.map((b) => b.batchIndex)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(batches.map((b) => b.kinds)).to.deep.equal([
      ["deposit"],
      ["deposit"],
      ["transfer"],
      ["transfer"],
      ["withdraw"],
    ]);
    expect(batches.map((b) => b.pubdataBytes)).to.deep.equal([5, 5, 14, 14, 32]);
    for (const b of batches) {
      expect(b.provingMs).to.be.greaterThan(0);
      expect(b.gasUsed).to.be.greaterThan(200_000n); // the pairing check alone costs ~180k
    }
    expect(result.roundTrip.accounts).to.deep.equal({ alice: 0, bob: 1 });
  });

  it("refuses a replay, a spent nonce and an overdraft by name, changing nothing", function () {
    const { refusals, refusalsChangedNothing } = run().result.roundTrip;
    expect(refusals).to.deep.equal({
      replay: "Duplicate",
      staleNonce: "NonceMismatch",
      overdraft: "InsufficientBalance",
    });
    expect(refusalsChangedNothing).to.equal(true);
  });

  it("credits Bob's withdrawal in the verifying batch and pays it exactly once", function () {
    const { withdrawal } = run().result.roundTrip;
    expect(withdrawal.batchIndex).to.equal(5);
    expect(withdrawal.creditedInBatchBlock).to.equal(parseEther("1.5"));
    expect(withdrawal.paidToBob).to.equal(parseEther("1.5"));
    expect(withdrawal.secondClaimRefused).to.equal("ZkRollupNothingToClaim");
  });

  it("leaves the Layer-2 balances the spends say, and a verifier node agrees", function () {
    const { layer2, verifier, solvency } = run().result.roundTrip;
    // Alice 5 − 2 + 0.5, Bob 1 + 2 − 0.5 − 1.5.
    expect(layer2).to.deep.equal({ alice: parseEther("3.5"), bob: parseEther("1") });
    expect(verifier.batches).to.equal(5);
    expect(verifier.root).to.equal(verifier.onChainRoot);
    expect(verifier.operatorAgrees).to.equal(true);
    expect(solvency).to.deep.include({
      escrowed: parseEther("4.5"),
      balances: parseEther("4.5"),
      credits: 0n,
      queued: 0n,
    });
  });
}

/** Part 2: the operator stops, and exodus pays every owner from Layer 1 alone. */
export function shouldExitEveryOwnerInExodus(run: () => ZkDemoRun): void {
  it("refuses exodus before the delay and activates it after", function () {
    const { result } = run();
    const x = result.exodus;
    expect(x.unbatched.status).to.equal("accepted");
    expect(x.earlyActivationRefused).to.equal("ZkRollupExodusNotDue");
    expect(x.waited).to.be.at.least(x.exodusDelay);
    expect(x.rebuilt.exodus).to.equal(true);
    expect(x.rebuilt.root).to.equal(x.rebuilt.onChainRoot);
    expect(x.rebuilt.root).to.equal(result.roundTrip.verifier.root);
  });

  it("lets censored Alice ask Layer 1 for her whole balance; no batch carries it, so exodus comes due at its deadline", function () {
    const x = run().result.exodus;
    expect(x.forced).to.include({ index: 0, amount: parseEther("3.5"), consumed: 0 });
    expect(x.forced.requestGas).to.be.greaterThan(100_000n); // a Poseidon(3) and two fresh storage words
    // Her request is older than Carol's deposit: Carol activated once the request had waited the delay.
    expect(x.waited).to.be.at.least(x.exodusDelay);
  });

  it("pays each owner exactly the last verified Layer-2 balance, once", function () {
    const { exits, foreignExitRefused, secondExitRefused } = run().result.exodus;
    expect(exits.alice).to.include({ account: 0, balance: parseEther("3.5"), paid: parseEther("3.5") });
    expect(exits.bob).to.include({ account: 1, balance: parseEther("1"), paid: parseEther("1") });
    expect(foreignExitRefused).to.equal("ZkRollupInvalidExitProof");
    expect(secondExitRefused).to.equal("ZkRollupAlreadyExited");
  });

  it("credits Carol's unconsumed deposit back, and she claims it", function () {
    const { refund, carolDeposit } = run().result.exodus;
    expect(carolDeposit).to.equal(parseEther("1"));
    expect(refund.credited).to.equal(carolDeposit);
    expect(refund.paidToCarol).to.equal(carolDeposit);
  });

  it("accepts no batch and no transaction after exodus", async function () {
    const { result, rollup } = run();
    const x = result.exodus;
    expect(x.lateBatchRefused).to.equal("ZkRollupExodusActive");
    expect(x.lateTxRefused).to.equal("ExodusActive");
    // genesis + the five batches of part 1
    expect(x.batchCount).to.equal(6);
    expect(await rollup.batchCount()).to.equal(6);
    expect(await rollup.isExodus()).to.equal(true);
  });
}

/** The escrow invariant, and the end: everything paid out. */
export function shouldEndOwingNothing(run: () => ZkDemoRun): void {
  it("keeps the escrow covering what the rollup owes, and owes nothing at the end", async function () {
    const { result, provider, rollup, bridge, l1 } = run();
    expect(result.invariantChecks).to.be.greaterThan(10);
    expect(result.exodus.escrowAfter).to.equal(0n);
    const follower = await ZkChainFollower.create(rollup, provider, await ZkCrypto.load());
    const [eth] = await assertZkEscrowCovers(follower, bridge);
    expect(eth).to.deep.equal({ tokenId: 0, escrowed: 0n, balances: 0n, credits: 0n, queued: 0n });
    expect([...follower.exited].sort()).to.deep.equal([0, 1]);
    expect((await bridge.contract.asset(rollup.address, ZeroAddress)).escrowed).to.equal(0n);
    for (const who of [l1.alice, l1.bob, l1.carol]) expect(await rollup.creditOf(who, 0)).to.equal(0n);
  });
}

/** The narration: every protocol verb, and each verified batch with its proving time and gas. */
export function shouldNarrateEveryStep(run: () => ZkDemoRun): void {
  it("narrates every protocol verb, each batch with its proving time and gas", function () {
    const { lines } = run();
    expectVerbsNarrated(lines, [
      "deposit",
      "transfer",
      "withdraw",
      "submitBatch",
      "WithdrawalCredited",
      "claim",
      "sync",
      "stop",
      "requestWithdrawal",
      "activateExodus",
      "exit",
      "refundDeposits",
      "assertZkEscrowCovers",
    ]);
    const batches = narratedSteps(lines).filter((l) => /submitBatch\s+batch \d+:/.test(l));
    expect(batches).to.have.length(5);
    for (const line of batches) expect(line, line).to.match(/proved in [\d.]+ s.*\[gas [\d,]+\]$/);
  });
}

/** The restarted operator's events: what it read back from Layer 1, and what it refused. */
export function shouldPublishWhatTheOperatorDid(run: () => ZkDemoRun): void {
  it("has the restarted operator publish the history it read from Layer 1 and its refusal, proving nothing", function () {
    const { events, result, l1 } = run();
    expect(events.map((e) => e.seq)).to.deep.equal(events.map((_, i) => i + 1));
    const verified = only(events, "batchVerified");
    expect(verified.map((e) => [e.batchIndex, e.txs])).to.deep.equal([1, 2, 3, 4, 5].map((i) => [i, 1]));
    expect(verified.at(-1)!.newRoot).to.equal(rootHex(result.roundTrip.verifier.root));
    const [exodus, ...more] = only(events, "exodusActivated");
    expect(more).to.deep.equal([]);
    expect(exodus).to.include({ activatedBy: l1.carol, root: rootHex(result.exodus.rebuilt.root) });
    expect(only(events, "accountExited").map((e) => [e.account, e.owner, e.amount])).to.deep.equal([
      [0, l1.alice, parseEther("3.5").toString()],
      [1, l1.bob, parseEther("1").toString()],
    ]);
    expect(only(events, "stateRebuilt")[0]).to.include({ lastBatch: 5 });
    expect(only(events, "txRefused").map((e) => e.reason)).to.deep.equal(["ExodusActive"]);
    expect(only(events, "batchProving")).to.deep.equal([]);
    expect(only(events, "batchSubmitted")).to.deep.equal([]);
  });
}

/**
 * Declares the calling suite's hooks that run the flow on `stage` (Alice, Bob and Carol its accounts 3, 4 and 6)
 * against the stack `start` starts, and stop that stack after the suite; returns the run, with its stack.
 */
export function useZkDemo<S extends DemoStage, K extends ZkStack>(
  stage: () => S,
  start: (stage: S) => Promise<K>,
): () => ZkDemoRun & { stack: K } {
  let demo: (ZkDemoRun & { stack: K }) | undefined;
  let stack: K | undefined;
  before(async function () {
    const { provider, deployment, signers } = stage();
    const [alice, bob, carol] = await signers(3, 4, 6);
    const { say, lines } = recordNarration();
    stack = await start(stage());
    const result = await runZkStory(stack, { alice, bob, carol }, say);
    demo = {
      result,
      lines,
      stack,
      events: (await readAllEvents(stack.events)).events,
      provider,
      rollup: new ZkRollupClient(deployment.contracts.ZkRollup, provider),
      bridge: new BridgeClient(deployment.contracts.Bridge, provider),
      l1: { alice: alice.address, bob: bob.address, carol: carol.address },
    };
  });

  after(async function () {
    await stack?.stop();
  });

  return () => demo!;
}
