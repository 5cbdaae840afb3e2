// What the demo's zk flow must show wherever its operator runs: in this process (test/e2e/demo-zk.test.ts)
// or as a process of its own (test/e2e/demo-services-zk.test.ts). Each function declares the shared tests
// of one part in the calling suite; each test file adds what only its variant shows.
import { expect } from "chai";
import type { Provider } from "ethers";
import { ZeroAddress, parseEther } from "ethers";
import type { BridgeClient } from "../../../src/bridge/client";
import { ZkChainFollower } from "../../../src/zk/chain-follower";
import { assertZkEscrowCovers } from "../../../src/zk/invariants";
import { ZkCrypto } from "../../../src/zk/keys";
import type { ZkRollupClient } from "../../../src/zk/rollup-client";
import type { ZkStoryResult } from "../../../scripts/demo/zk-flow";
import { expectVerbsNarrated, narratedSteps } from "./narration";

/** One run of the flow, as its tests read it: the result, the narration, and the chain it ran on. */
export interface ZkDemoRun {
  result: ZkStoryResult;
  lines: string[];
  provider: Provider;
  rollup: ZkRollupClient;
  bridge: BridgeClient;
  /** The users' Layer-1 addresses. */
  l1: Record<"alice" | "bob" | "carol", string>;
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
