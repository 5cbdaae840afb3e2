// The demo's zk flow, run silently on the in-process network with real proofs (the `test` profile: one
// transaction per batch), with its outcomes asserted (not just that it printed): every batch is proven
// and verified on chain, the operator refuses bad spends by name, Bob's withdrawal is credited by the
// batch that verifies it and claimed exactly, a verifier node rebuilt from Layer 1 agrees with the root;
// in exodus every owner exits with exactly their Layer-2 balance, Carol's deposit is refunded, a late
// batch is refused, and the escrow covers what the rollup owes throughout and ends at zero.
import { expect } from "chai";
import { ZeroAddress, parseEther } from "ethers";
import { ethers } from "hardhat";
import { BridgeClient } from "../../src/bridge/client";
import { deploySuite } from "../../src/common/deploy-suite";
import { ZkChainFollower } from "../../src/zk/chain-follower";
import { assertZkEscrowCovers } from "../../src/zk/invariants";
import { ZkCrypto } from "../../src/zk/keys";
import { ZkRollupClient } from "../../src/zk/rollup-client";
import { Narrator } from "../../scripts/demo/narrator";
import type { ZkFlowResult } from "../../scripts/demo/zk-flow";
import { runZkFlow } from "../../scripts/demo/zk-flow";

describe("e2e: demo zk flow", function () {
  this.timeout(600_000);
  let result: ZkFlowResult;
  let rollup: ZkRollupClient;
  let bridge: BridgeClient;
  let lines: string[];
  const l1 = {} as Record<"alice" | "bob" | "carol", string>;

  before(async function () {
    const signers = await ethers.getSigners();
    const [owner, alice, bob, carol, operator] = [signers[0], signers[3], signers[4], signers[6], signers[8]];
    Object.assign(l1, { alice: alice.address, bob: bob.address, carol: carol.address });
    const deployment = await deploySuite(owner, { network: "hardhat", local: true });
    rollup = new ZkRollupClient(deployment.contracts.ZkRollup, ethers.provider);
    bridge = new BridgeClient(deployment.contracts.Bridge, ethers.provider);
    lines = [];
    result = await runZkFlow(
      deployment,
      { operator, alice, bob, carol },
      new Narrator((line) => lines.push(line)),
    );
  });

  describe("deposit, transfer, prove, withdraw, claim", function () {
    it("proves and verifies one batch per transaction, deposits first", function () {
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
      const { refusals, refusalsChangedNothing } = result.roundTrip;
      expect(refusals).to.deep.equal({
        replay: "Duplicate",
        staleNonce: "NonceMismatch",
        overdraft: "InsufficientBalance",
      });
      expect(refusalsChangedNothing).to.equal(true);
    });

    it("credits Bob's withdrawal in the verifying batch and pays it exactly once", function () {
      const { withdrawal } = result.roundTrip;
      expect(withdrawal.batchIndex).to.equal(5);
      expect(withdrawal.creditedInBatchBlock).to.equal(parseEther("1.5"));
      expect(withdrawal.paidToBob).to.equal(parseEther("1.5"));
      expect(withdrawal.secondClaimRefused).to.equal("ZkRollupNothingToClaim");
    });

    it("leaves the Layer-2 balances the spends say, and a verifier node agrees", function () {
      const { layer2, verifier, solvency } = result.roundTrip;
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
  });

  describe("the operator stops: exodus", function () {
    it("refuses exodus before the delay and activates it after", function () {
      const x = result.exodus;
      expect(x.unbatched.status).to.equal("accepted");
      expect(x.earlyActivationRefused).to.equal("ZkRollupExodusNotDue");
      expect(x.waited).to.be.at.least(x.exodusDelay);
      expect(x.rebuilt.exodus).to.equal(true);
      expect(x.rebuilt.root).to.equal(x.rebuilt.onChainRoot);
      expect(x.rebuilt.root).to.equal(result.roundTrip.verifier.root);
    });

    it("pays each owner exactly the last verified Layer-2 balance, once", function () {
      const { exits, foreignExitRefused, secondExitRefused } = result.exodus;
      expect(exits.alice).to.include({ account: 0, balance: parseEther("3.5"), paid: parseEther("3.5") });
      expect(exits.bob).to.include({ account: 1, balance: parseEther("1"), paid: parseEther("1") });
      expect(foreignExitRefused).to.equal("ZkRollupInvalidExitProof");
      expect(secondExitRefused).to.equal("ZkRollupAlreadyExited");
    });

    it("credits Carol's unconsumed deposit back, and she claims it", function () {
      const { refund, carolDeposit } = result.exodus;
      expect(carolDeposit).to.equal(parseEther("1"));
      expect(refund.credited).to.equal(carolDeposit);
      expect(refund.paidToCarol).to.equal(carolDeposit);
    });

    it("accepts no batch and no transaction after exodus", async function () {
      const x = result.exodus;
      expect(x.lateBatchRefused).to.equal("ZkRollupExodusActive");
      expect(x.lateTxRefused).to.equal("ExodusActive");
      // genesis + the five batches of part 1
      expect(x.batchCount).to.equal(6);
      expect(await rollup.batchCount()).to.equal(6);
      expect(await rollup.isExodus()).to.equal(true);
    });
  });

  it("keeps the escrow covering what the rollup owes, and owes nothing at the end", async function () {
    expect(result.invariantChecks).to.be.greaterThan(10);
    expect(result.exodus.escrowAfter).to.equal(0n);
    expect(result.exodus.solvency).to.deep.include({ balances: 0n, credits: 0n, queued: 0n });
    const node = await ZkChainFollower.create(rollup, ethers.provider, await ZkCrypto.load());
    const [eth] = await assertZkEscrowCovers(node, bridge);
    expect(eth).to.deep.equal({ tokenId: 0, escrowed: 0n, balances: 0n, credits: 0n, queued: 0n });
    expect([...node.exited].sort()).to.deep.equal([0, 1]);
    expect((await bridge.contract.asset(rollup.address, ZeroAddress)).escrowed).to.equal(0n);
    for (const who of Object.values(l1)) expect(await rollup.creditOf(who, 0)).to.equal(0n);
  });

  it("narrates every protocol verb, with gas on the Layer-1 steps", function () {
    const steps = lines.filter((line) => /^\s*\d+\. /.test(line));
    const verbs = steps.map((line) => /^\s*\d+\. (\S+)/.exec(line)![1]);
    for (const verb of [
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
    ]) {
      expect(verbs, verb).to.include(verb);
    }
    for (const verb of ["deposit", "claim", "activateExodus", "exit", "refundDeposits"]) {
      for (const line of steps.filter((l) => new RegExp(`^\\s*\\d+\\. ${verb} `).test(l))) {
        expect(line, line).to.match(/\[gas [\d,]+\]$/);
      }
    }
    // Every verified batch is narrated with its proving time and gas.
    const batches = steps.filter((l) => /submitBatch\s+batch \d+:/.test(l));
    expect(batches).to.have.length(5);
    for (const line of batches) expect(line, line).to.match(/proved in [\d.]+ s.*\[gas [\d,]+\]$/);
  });
});
