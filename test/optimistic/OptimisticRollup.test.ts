import { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture, setStorageAt, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { AbiCoder, ZeroAddress, ZeroHash, hexlify, id, keccak256, parseEther, toBeHex } from "ethers";
import type { OptimisticRollup } from "../../typechain-types";
import { ChainFollower, txHash } from "../../src/optimistic/chain-follower";
import { RollupClient } from "../../src/optimistic/rollup-client";
import { MAX_STEPS } from "../../src/optimistic/steps";
import { WITHDRAWAL_DEPTH, traceClaim } from "../../src/optimistic/trace";
import { encodeTxs } from "../../src/shared/codec";
import { chainDeposit, depositData, depositsToCatchUp } from "../../src/shared/deposit";
import type { KeccakHasher } from "../../src/shared/hasher";
import { SparseMerkleTree } from "../../src/shared/merkle-tree";
import type { L2Tx } from "../../src/shared/types";
import { ownerOfAddress } from "../../src/shared/types";
import { hashWithdrawal } from "../../src/shared/withdrawal";
import fc from "fast-check";
import { assertAsyncProperty } from "../helpers/property";
import { delegateCode, fundedWallet } from "../shared/eip7702";
import { minedAt, revertCheckerOf } from "../shared/reverts";
import { signedTransfer } from "../shared/transactions";
import type { BatchPlan, Config, Game, OptimisticFixture, Players } from "./fixtures";
import {
  ALICE_DEPOSIT,
  BOB_DEPOSIT,
  BOB_WITHDRAWS,
  CHALLENGER_BOND,
  CHALLENGER_BURN,
  CHALLENGE_WINDOW,
  GAME_CLOCK,
  GameStatus,
  INCLUSION_WINDOW,
  PROPOSER_BOND,
  PROPOSER_BURN,
  Party,
  THEFT_STEP,
  assertBondsConserved,
  bisect,
  challengeBatch,
  commitArgs,
  commitPlan,
  decideMove,
  deployOptimisticFixture,
  depositEth,
  depositTx,
  depositedFixture,
  departingTrace,
  everyKindFixture,
  SECOND_BATCH_STEPS,
  firstBatchTxs,
  forgedBatchFixture,
  forgedGameFixture,
  honestBatchFixture,
  honestGameFixture,
  honestTrace,
  inventedTrace,
  planBatch,
  playMove,
  playOut,
  rollupConfig,
  rollupLedger,
  stepProof,
} from "./fixtures";

/** Trace.EMPTY_WITHDRAWAL_ROOT: the depth-11 zero subtree. */
const EMPTY_WITHDRAWAL_ROOT = "0xf8b13a49e282f609c317a833fb8d976d11517c571d1221a265d25af778ecf892";
const FIRST_BATCH_STEPS = 6n;

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

/**
 * `send()` reverts with `contract`'s custom error `name(...args)` and leaves the rollup's ledger (chain,
 * games, credit, burn, ETH, the bridge queue) exactly as it was.
 */
const expectRevert = revertCheckerOf(rollupLedger, (f: OptimisticFixture) => f.rollup, "the rollup");

/** The next transaction is mined at `timestamp` exactly. */
async function atTime(timestamp: bigint): Promise<void> {
  await time.setNextBlockTimestamp(timestamp);
}

async function closesAt(rollup: OptimisticRollup, batchIndex: bigint): Promise<bigint> {
  return (await rollup.batch(batchIndex)).committedAt + CHALLENGE_WINDOW;
}

/** A one-step batch on top of the honest first batch: Bob pays Alice back (nonce 2). */
async function oneStepPlan(f: Awaited<ReturnType<typeof honestBatchFixture>>): Promise<BatchPlan> {
  const tx = await signedTransfer(f.domain, f.bob, { from: 1, to: 0, amount: 1n, nonce: 2 });
  return planBatch(f.plan.end, [tx], f.authorizer);
}

/** `times` copies of one transaction (a transfer between accounts that do not exist: a no-op step). */
async function noOpSteps(f: OptimisticFixture, times: number): Promise<L2Tx[]> {
  const tx = await signedTransfer(f.domain, f.alice, { from: 0, to: 1, amount: 1n, nonce: 0 });
  return Array.from({ length: times }, () => tx);
}

/**
 * Forces batch `batchIndex`'s openGames counter to `value` in storage, as that many real challenges would
 * (too slow to send). Finds the `_batches` mapping's slot by the batch's claim; the counter is the word
 * after claim, txRoot, withdrawalRoot and the packed proposer ‖ committedAt ‖ stepCount ‖ epoch.
 */
async function forceOpenGames(rollup: OptimisticRollup, batchIndex: bigint, value: bigint): Promise<void> {
  const claim = (await rollup.batch(batchIndex)).claim;
  for (let slot = 0n; slot < 16n; slot++) {
    const base = BigInt(
      keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [batchIndex, slot])),
    );
    if ((await ethers.provider.getStorage(rollup, base)) !== claim) continue;
    await setStorageAt(await rollup.getAddress(), base + 4n, toBeHex(value, 32));
    expect((await rollup.batch(batchIndex)).openGames).to.equal(value);
    return;
  }
  throw new Error("batch storage not found");
}

/**
 * A liar's trace: the true start, the intermediate states `made` names (non-null) replaced by made-up
 * ones, and `last` (a false committed post-state) or the true end.
 */
function scrambledTrace(
  truth: readonly string[],
  made: ReadonlyArray<number | null>,
  last?: string,
): string[] {
  const n = truth.length - 1;
  return truth.map((claim, i) => {
    if (i === n) return last ?? claim;
    return i > 0 && made[i] !== null ? id(`scrambled ${made[i]}`) : claim;
  });
}

/** Which states of a `length`-claim trace a liar makes up (each one time in two), at least one. */
const scrambles = (length: number): fc.Arbitrary<Array<number | null>> =>
  fc
    .array(fc.option(fc.nat(), { freq: 2 }), { minLength: length, maxLength: length })
    .filter((made) => made.slice(1, -1).some((m) => m !== null));

/** The batch's withdrawal tree rebuilt from its withdrawals (hashWithdrawal leaves, depth 10). */
function withdrawalTreeOf(plan: BatchPlan): SparseMerkleTree<Uint8Array> {
  const tree = new SparseMerkleTree(plan.parent.l2.hasher as KeccakHasher, WITHDRAWAL_DEPTH);
  plan.end.withdrawals.forEach((w, i) => tree.update(i, tree.hasher.fromHex(hashWithdrawal(w))));
  return tree;
}

/** The honest challenger refutes the forged first batch by step (forgedGameFixture's game). */
async function refuteForgedBatch(f: Awaited<ReturnType<typeof forgedGameFixture>>) {
  return playOut(f, f.gameId, f.players, f.plan);
}

// ---------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------

describe("OptimisticRollup", function () {
  describe("constructor", function () {
    it("succeeds with the configured parameters and a final genesis batch", async function () {
      const f = await loadFixture(deployOptimisticFixture);
      const { rollup } = f;
      expect(await rollup.BRIDGE()).to.equal(await f.bridge.getAddress());
      expect(await rollup.PROVER()).to.equal(await f.prover.getAddress());
      expect(await rollup.CHALLENGE_WINDOW()).to.equal(CHALLENGE_WINDOW);
      expect(await rollup.INCLUSION_WINDOW()).to.equal(INCLUSION_WINDOW);
      expect(await rollup.GAME_CLOCK()).to.equal(GAME_CLOCK);
      expect(await rollup.PROPOSER_BOND()).to.equal(PROPOSER_BOND);
      expect(await rollup.CHALLENGER_BOND()).to.equal(CHALLENGER_BOND);
      expect(await rollup.BURN_PERCENT()).to.equal(50n);

      expect(await rollup.batchCount()).to.equal(1n);
      expect(await rollup.lastFinalizedIndex()).to.equal(0n);
      expect(await rollup.gameCount()).to.equal(0n);
      expect(await rollup.burned()).to.equal(0n);
      const genesis = await rollup.batch(0);
      expect(genesis.claim).to.equal(f.genesis.claim);
      expect(genesis.withdrawalRoot).to.equal(EMPTY_WITHDRAWAL_ROOT);
      expect(genesis.proposer).to.equal(ZeroAddress);
      expect(await rollup.domainSeparator()).to.equal(f.domain.separator);
      await assertBondsConserved(f);
    });

    /** Each nonsensical value of each parameter, and the value the error reports. */
    const invalid = (stranger: string): Array<[string, Partial<Config>, bigint]> => [
      ["bridge", { bridge: ZeroAddress }, 0n],
      ["bridge", { bridge: stranger }, BigInt(stranger)], // an account with no code
      ["prover", { prover: ZeroAddress }, 0n],
      ["prover", { prover: stranger }, BigInt(stranger)],
      ["challengeWindow", { challengeWindow: 0n }, 0n],
      ["challengeWindow", { challengeWindow: 1n << 40n }, 1n << 40n], // closing times would overflow
      ["inclusionWindow", { inclusionWindow: 0n }, 0n],
      ["gameClock", { gameClock: 0n }, 0n],
      ["gameClock", { gameClock: 1n << 40n }, 1n << 40n], // does not fit a game's uint40 clock
      ["proposerBond", { proposerBond: 0n }, 0n],
      ["proposerBond", { proposerBond: 1n }, 1n], // its burnt half rounds to nothing
      ["proposerBond", { proposerBond: 1n << 128n }, 1n << 128n],
      ["challengerBond", { challengerBond: 0n }, 0n],
      ["challengerBond", { challengerBond: 1n }, 1n],
      ["challengerBond", { challengerBond: 1n << 128n }, 1n << 128n],
    ];
    for (const [parameter, override, reported] of invalid("0x000000000000000000000000000000000000dEaD")) {
      it(`reverts with OptimisticInvalidConfig("${parameter}", ${reported}) when ${parameter} is ${
        Object.values(override)[0]
      }`, async function () {
        const { rollup, bridge, prover } = await loadFixture(deployOptimisticFixture);
        const config = rollupConfig(await bridge.getAddress(), await prover.getAddress(), override);
        const factory = await ethers.getContractFactory("OptimisticRollup");
        await expect(factory.deploy(config))
          .to.be.revertedWithCustomError(rollup, "OptimisticInvalidConfig")
          .withArgs(parameter, reported);
      });
    }

    it("succeeds at each parameter's bounds: the widest windows and clock, the smallest and largest bonds", async function () {
      const { bridge, prover } = await loadFixture(deployOptimisticFixture);
      const factory = await ethers.getContractFactory("OptimisticRollup");
      const config = (o: Partial<Config>) =>
        rollupConfig(bridge.target as string, prover.target as string, o);
      const widest = await factory.deploy(
        config({
          challengeWindow: (1n << 40n) - 1n,
          inclusionWindow: (1n << 64n) - 1n,
          gameClock: (1n << 40n) - 1n,
          proposerBond: (1n << 128n) - 1n,
          challengerBond: (1n << 128n) - 1n,
        }),
      );
      expect(await widest.CHALLENGE_WINDOW()).to.equal((1n << 40n) - 1n);
      expect(await widest.INCLUSION_WINDOW()).to.equal((1n << 64n) - 1n);
      expect(await widest.GAME_CLOCK()).to.equal((1n << 40n) - 1n);
      expect(await widest.PROPOSER_BOND()).to.equal((1n << 128n) - 1n);
      const narrowest = await factory.deploy(
        config({
          challengeWindow: 1n,
          inclusionWindow: 1n,
          gameClock: 1n,
          proposerBond: 2n,
          challengerBond: 2n,
        }),
      );
      expect(await narrowest.CHALLENGE_WINDOW()).to.equal(1n);
      expect(await narrowest.INCLUSION_WINDOW()).to.equal(1n);
      expect(await narrowest.GAME_CLOCK()).to.equal(1n);
      expect(await narrowest.PROPOSER_BOND()).to.equal(2n);
      expect(await narrowest.CHALLENGER_BOND()).to.equal(2n);
    });
  });

  describe("commitBatch", function () {
    it("succeeds when an EOA commits on the tip with the bond: the batch is stored and announced", async function () {
      const f = await loadFixture(depositedFixture);
      const plan = planBatch(f.genesis, await firstBatchTxs(f), f.authorizer);

      const args = await commitArgs(f, plan);
      const call = f.rollup.connect(f.proposer).commitBatch;
      expect(await call.staticCall(...args, { value: PROPOSER_BOND })).to.equal(1n);
      const tx = await commitPlan(f, f.proposer, plan);
      await expect(tx)
        .to.emit(f.rollup, "BatchCommitted")
        .withArgs(1n, f.proposer.address, plan.end.claim, plan.steps.root, FIRST_BATCH_STEPS, anyValue);
      await expect(tx).to.changeEtherBalances([f.proposer, f.rollup], [-PROPOSER_BOND, PROPOSER_BOND]);

      const event = (await tx.wait())!.logs.map((log) => f.rollup.interface.parseLog(log)).find(Boolean)!;
      const [accountsRoot, nextIndex, depositHead, withdrawalRoot, withdrawalCount, cursor] = event.args.post;
      expect({ accountsRoot, nextIndex, depositHead, withdrawalRoot, withdrawalCount, cursor }).to.deep.equal(
        plan.end.state,
      );
      expect(cursor).to.equal(BigInt(encodeTxs(plan.txs).length));
      expect(depositHead).to.equal(chainDeposit(chainDeposit(ZeroHash, f.aliceDeposit), f.bobDeposit));

      const stored = await f.rollup.batch(1);
      expect(stored.claim).to.equal(plan.end.claim);
      expect(stored.txRoot).to.equal(plan.steps.root);
      expect(stored.withdrawalRoot).to.equal(plan.end.state.withdrawalRoot);
      expect(stored.proposer).to.equal(f.proposer.address);
      expect(stored.committedAt).to.equal(await minedAt(tx));
      expect(stored.stepCount).to.equal(FIRST_BATCH_STEPS);
      expect(stored.openGames).to.equal(0n);
      expect(stored.epoch).to.equal(0n);
      expect(await f.rollup.batchCount()).to.equal(2n);
      expect(await f.rollup.lastFinalizedIndex()).to.equal(0n);
      await assertBondsConserved(f);
    });

    it("succeeds when the batch leaves newer deposits pending: they fold to the bridge's head", async function () {
      const f = await loadFixture(honestBatchFixture);
      const carolDeposit = await depositEth(f, f.carol, parseEther("3"));
      const plan = await oneStepPlan(f);

      const args = await commitArgs(f, plan);
      expect(args[3]).to.equal(2); // Alice's and Bob's deposits
      // Carol's deposit, left behind: the bridge keeps its timestamp beside the head after it
      expect(await f.bridge.depositQueuedAt(f.rollup, 2)).to.equal(carolDeposit.timestamp);
      await expect(commitPlan(f, f.otherProposer, plan))
        .to.emit(f.rollup, "BatchCommitted")
        .withArgs(2n, f.otherProposer.address, plan.end.claim, plan.steps.root, 1n, anyValue);
      expect(await f.rollup.batchCount()).to.equal(3n);
      await assertBondsConserved(f);
    });

    it("succeeds when the oldest pending deposit is one second short of due", async function () {
      const f = await loadFixture(honestBatchFixture);
      const carolDeposit = await depositEth(f, f.carol, parseEther("3"));
      await atTime(carolDeposit.timestamp + INCLUSION_WINDOW - 1n);
      await expect(commitPlan(f, f.proposer, await oneStepPlan(f))).to.emit(f.rollup, "BatchCommitted");
      expect(await f.rollup.batchCount()).to.equal(3n);
    });

    it("succeeds when the batch has MAX_STEPS (2048) steps: a full blob of transfers fits one batch", async function () {
      expect(MAX_STEPS).to.equal(2048);
      const f = await loadFixture(deployOptimisticFixture);
      const plan = planBatch(f.genesis, await noOpSteps(f, MAX_STEPS), f.authorizer);
      await expect(commitPlan(f, f.proposer, plan))
        .to.emit(f.rollup, "BatchCommitted")
        .withArgs(1n, f.proposer.address, plan.end.claim, plan.steps.root, 2048n, anyValue);
      expect((await f.rollup.batch(1)).stepCount).to.equal(2048n);
    });

    it("reverts with OptimisticProposerNotCodelessOrigin when a contract commits (the batch would not be calldata)", async function () {
      const f = await loadFixture(depositedFixture);
      const plan = planBatch(f.genesis, await firstBatchTxs(f), f.authorizer);
      // ReentrantRecipient forwards a payload when paid: here, the commitBatch call (the EOA check
      // comes first, so the missing bond does not matter).
      const relay = await ethers.deployContract("ReentrantRecipient");
      const payload = f.rollup.interface.encodeFunctionData("commitBatch", [...(await commitArgs(f, plan))]);
      await relay.arm(f.rollupAddress, payload);

      const before = await rollupLedger(f);
      await f.stranger.sendTransaction({ to: relay, value: 1n });
      expect(await relay.reentered()).to.equal(false);
      const error = f.rollup.interface.parseError(await relay.lastError());
      expect(error?.name).to.equal("OptimisticProposerNotCodelessOrigin");
      expect(error?.args[0]).to.equal(await relay.getAddress());
      expect(await rollupLedger(f)).to.equal(before);
    });

    it("reverts with OptimisticProposerNotCodelessOrigin when an EIP-7702 delegated EOA commits from its code behind decoy calldata", async function () {
      const f = await loadFixture(depositedFixture);
      const txs = await firstBatchTxs(f);
      const real = planBatch(f.genesis, txs, f.authorizer);
      const decoy = planBatch(f.genesis, txs.slice(0, 2), f.authorizer);
      const realCall = f.rollup.interface.encodeFunctionData("commitBatch", [...(await commitArgs(f, real))]);
      const decoyCall = f.rollup.interface.encodeFunctionData("commitBatch", [
        ...(await commitArgs(f, decoy)),
      ]);
      // What a follower reading the attacker's transaction would decode: a batch, but not the real one.
      const shown = new RollupClient(f.rollupAddress, ethers.provider).decodeCommit(decoyCall);
      expect(shown.txs.map(txHash)).to.deep.equal(txs.slice(0, 2).map(txHash));

      // Mallory delegates her EOA's code (a type-4 transaction with her authorization) and arms it with
      // the real call; then she sends the decoy to herself, and her code commits the real batch instead.
      const mallory = await fundedWallet(parseEther("10"));
      const smuggler = await ethers.deployContract("BatchSmugglingDelegate");
      await delegateCode(
        mallory,
        await smuggler.getAddress(),
        smuggler.interface.encodeFunctionData("arm", [f.rollupAddress, realCall]),
      );
      const before = await rollupLedger(f);
      await expect(mallory.sendTransaction({ to: mallory.address, data: decoyCall, value: PROPOSER_BOND }))
        .to.be.revertedWithCustomError(f.rollup, "OptimisticProposerNotCodelessOrigin")
        .withArgs(mallory.address);
      expect(await rollupLedger(f)).to.equal(before);

      // Beside it, an honest EOA commits the real batch as its top-level calldata, and a follower with only
      // Layer 1 rebuilds the state from it.
      await expect(commitPlan(f, f.proposer, real))
        .to.emit(f.rollup, "BatchCommitted")
        .withArgs(1n, f.proposer.address, real.end.claim, real.steps.root, 6n, anyValue);
      const follower = await ChainFollower.create(
        new RollupClient(f.rollupAddress, ethers.provider),
        ethers.provider,
        f.authorizer,
      );
      expect(await follower.sync()).to.deep.equal([1]);
      expect(follower.batches[1].verdict).to.equal("valid");
      expect(follower.batches[1].txs.map(txHash)).to.deep.equal(txs.map(txHash));
      expect(follower.batches[1].honestClaim).to.equal(real.end.claim);
      expect(follower.machineAfter(1)!.state.accountsRoot).to.equal(real.end.state.accountsRoot);
    });

    it("reverts with OptimisticWrongBond when the bond is not exactly PROPOSER_BOND", async function () {
      const f = await loadFixture(depositedFixture);
      const plan = planBatch(f.genesis, await firstBatchTxs(f), f.authorizer);
      for (const value of [0n, PROPOSER_BOND - 1n, PROPOSER_BOND * 2n]) {
        await expectRevert(f, () => commitPlan(f, f.proposer, plan, { value }), "OptimisticWrongBond", [
          PROPOSER_BOND,
          value,
        ]);
      }
    });

    it("reverts with OptimisticParentMismatch when the proposer did not build on the tip", async function () {
      const f = await loadFixture(honestBatchFixture);
      // a second proposer who missed batch 1 builds on genesis
      const stale = planBatch(f.genesis, await noOpSteps(f, 1), f.authorizer);
      await expectRevert(f, () => commitPlan(f, f.otherProposer, stale), "OptimisticParentMismatch", [
        1n,
        f.plan.end.claim,
        f.genesis.claim,
      ]);
    });

    it("reverts with OptimisticEmptyBatch when the batch has no transactions", async function () {
      const f = await loadFixture(deployOptimisticFixture);
      const plan = planBatch(f.genesis, await noOpSteps(f, 1), f.authorizer);
      await expectRevert(f, () => commitPlan(f, f.proposer, plan, { txs: "0x" }), "OptimisticEmptyBatch", []);
    });

    it("reverts with OptimisticBatchTooLarge when the batch has 2049 steps", async function () {
      const f = await loadFixture(deployOptimisticFixture);
      const plan = planBatch(f.genesis, await noOpSteps(f, 1), f.authorizer);
      const txs = hexlify(encodeTxs(await noOpSteps(f, MAX_STEPS + 1)));
      const post = { ...plan.end.state, cursor: BigInt((txs.length - 2) / 2) };
      await expectRevert(f, () => commitPlan(f, f.proposer, plan, { txs, post }), "OptimisticBatchTooLarge", [
        2049n,
        2048n,
      ]);
    });

    it("reverts with OptimisticDataNotRead when the post-state has not read the batch's bytes to their end", async function () {
      const f = await loadFixture(depositedFixture);
      const plan = planBatch(f.genesis, await firstBatchTxs(f), f.authorizer);
      const length = BigInt(encodeTxs(plan.txs).length);
      for (const cursor of [length - 78n, length + 1n, 0n]) {
        const post = { ...plan.end.state, cursor };
        await expectRevert(f, () => commitPlan(f, f.proposer, plan, { post }), "OptimisticDataNotRead", [
          length,
          cursor,
        ]);
      }
    });

    it("reverts with StepsMalformed when a transaction has an unknown kind", async function () {
      const f = await loadFixture(depositedFixture);
      const plan = planBatch(f.genesis, [depositTx(f.aliceDeposit, 0)], f.authorizer);
      const txs = hexlify(encodeTxs(plan.txs)) + "09" + "00".repeat(77);
      await expectRevert(f, () => commitPlan(f, f.proposer, plan, { txs }), "StepsMalformed", [85n]);
    });

    it("reverts with StepsMalformed when the last transaction is cut short", async function () {
      const f = await loadFixture(depositedFixture);
      const plan = planBatch(f.genesis, [depositTx(f.aliceDeposit, 0)], f.authorizer);
      const encoded = hexlify(encodeTxs([depositTx(f.aliceDeposit, 0), depositTx(f.bobDeposit, 0)]));
      const txs = encoded.slice(0, encoded.length - 2); // the second deposit lacks its last byte
      await expectRevert(f, () => commitPlan(f, f.proposer, plan, { txs }), "StepsMalformed", [85n]);
    });

    it("succeeds when it leaves young deposits behind: the batch names the count it consumed", async function () {
      const f = await loadFixture(depositedFixture);
      // the batch consumes Alice's deposit and does not show Bob's, still queued and young
      const plan = planBatch(f.genesis, [depositTx(f.aliceDeposit, 0)], f.authorizer);
      await expect(commitPlan(f, f.proposer, plan, { depositCount: 1 })).to.emit(f.rollup, "BatchCommitted");
      expect(await f.rollup.batchCount()).to.equal(2n);
    });

    it("reverts with OptimisticDepositQueueMismatch when the named count is not the post-state's", async function () {
      const f = await loadFixture(depositedFixture);
      // the batch consumes Alice's deposit but claims to have consumed both
      const plan = planBatch(f.genesis, [depositTx(f.aliceDeposit, 0)], f.authorizer);
      const head = (await f.bridge.depositQueue(f.rollup)).head;
      await expectRevert(
        f,
        () => commitPlan(f, f.proposer, plan, { depositCount: 2 }),
        "OptimisticDepositQueueMismatch",
        [head, chainDeposit(ZeroHash, f.aliceDeposit)],
      );
    });

    it("reverts with OptimisticDepositQueueMismatch when the post-state's deposit head is not the queue's", async function () {
      const f = await loadFixture(depositedFixture);
      const plan = planBatch(f.genesis, await firstBatchTxs(f), f.authorizer);
      const post = { ...plan.end.state, depositHead: id("a head the bridge never had") };
      const head = (await f.bridge.depositQueue(f.rollup)).head;
      await expectRevert(
        f,
        () => commitPlan(f, f.proposer, plan, { post, depositCount: 2 }),
        "OptimisticDepositQueueMismatch",
        [head, post.depositHead],
      );
    });

    it("reverts with OptimisticDepositDue when the oldest pending deposit is INCLUSION_WINDOW old", async function () {
      const f = await loadFixture(honestBatchFixture);
      const carolDeposit = await depositEth(f, f.carol, parseEther("3"));
      const plan = await oneStepPlan(f); // does not consume Carol's deposit
      const dueSince = carolDeposit.timestamp + INCLUSION_WINDOW;
      await atTime(dueSince);
      await expectRevert(f, () => commitPlan(f, f.proposer, plan), "OptimisticDepositDue", [
        carolDeposit.timestamp,
        dueSince,
      ]);
    });
  });

  describe("commitBatch against deposits queued after it was built", function () {
    // Regression (issue 14): a commit had to fold to the bridge's live head, so a 1-wei deposit landed
    // ahead of each commit made it revert. A batch now names the count it consumed.

    /** `n` 1-wei deposits by the griefer, mined in one block. */
    /** The griefer queues `n` 1-wei deposits in one transaction (test-only DepositFlood). */
    async function burst(f: OptimisticFixture, n: number): Promise<void> {
      const flood = await ethers.deployContract("DepositFlood");
      await flood
        .connect(f.griefer)
        .flood(f.bridge, f.rollupAddress, ownerOfAddress(f.griefer.address), n, { value: n });
    }

    /** Bob's transfer with `nonce`, planned on `parent`. */
    async function transferPlan(
      f: Awaited<ReturnType<typeof honestBatchFixture>>,
      parent: BatchPlan["end"],
      nonce: number,
    ): Promise<BatchPlan> {
      const tx = await signedTransfer(f.domain, f.bob, { from: 1, to: 0, amount: 1n, nonce });
      return planBatch(parent, [tx], f.authorizer);
    }

    it("succeeds three times in a row when a 1-wei deposit lands ahead of each commit", async function () {
      const f = await loadFixture(honestBatchFixture);
      let parent = f.plan.end;
      for (let i = 0; i < 3; i++) {
        const plan = await transferPlan(f, parent, 2 + i);
        const args = await commitArgs(f, plan); // built against the queue as it is now
        await depositEth(f, f.griefer, 1n); // the griefer's deposit lands first
        await expect(f.rollup.connect(f.proposer).commitBatch(...args, { value: PROPOSER_BOND }))
          .to.emit(f.rollup, "BatchCommitted")
          .withArgs(BigInt(2 + i), f.proposer.address, plan.end.claim, plan.steps.root, 1n, anyValue);
        parent = plan.end;
      }
      expect(await f.rollup.batchCount()).to.equal(5n);
      expect((await f.bridge.depositQueue(f.rollup)).count).to.equal(5n);
      await assertBondsConserved(f);
    });

    it("succeeds when a burst of 100 deposits lands ahead of the commit", async function () {
      const f = await loadFixture(honestBatchFixture);
      const plan = await transferPlan(f, f.plan.end, 2);
      const args = await commitArgs(f, plan);
      await burst(f, 100);
      await expect(f.rollup.connect(f.proposer).commitBatch(...args, { value: PROPOSER_BOND })).to.emit(
        f.rollup,
        "BatchCommitted",
      );
      expect(await f.rollup.batchCount()).to.equal(3n);
    });

    it("reverts with BridgeDepositHeadForgotten when 256 deposits land ahead of it", async function () {
      const f = await loadFixture(honestBatchFixture);
      const plan = await transferPlan(f, f.plan.end, 2);
      const args = await commitArgs(f, plan); // names count 2
      await burst(f, 256); // the bridge now remembers counts 3..258
      const before = await rollupLedger(f);
      await expect(f.rollup.connect(f.proposer).commitBatch(...args, { value: PROPOSER_BOND }))
        .to.be.revertedWithCustomError(f.bridge, "BridgeDepositHeadForgotten")
        .withArgs(f.rollupAddress, 2n, 3n);
      expect(await rollupLedger(f)).to.deep.equal(before);
      // the honest path beside it: rebuilt to consume the griefer's deposits first (as the sequencer
      // orders a batch), it names the live count and commits
      const queue = await f.bridgeClient.verifiedQueue(f.rollupAddress);
      const transfer = await signedTransfer(f.domain, f.bob, { from: 1, to: 0, amount: 1n, nonce: 2 });
      const rebuilt = planBatch(
        f.plan.end,
        [...queue.slice(2).map((d) => depositTx(depositData(d), 2)), transfer],
        f.authorizer,
      );
      const rebuiltArgs = await commitArgs(f, rebuilt);
      expect(rebuiltArgs[3]).to.equal(258);
      await expect(
        f.rollup.connect(f.proposer).commitBatch(...rebuiltArgs, { value: PROPOSER_BOND }),
      ).to.emit(f.rollup, "BatchCommitted");
    });

    // Without `catchUp`, a flood of more than MAX_STEPS + 256 deposits beyond the last consumed count
    // would halt the rollup for good: no batch could consume its way to a count the bridge remembers.
    it("commits a batch whose count the bridge has forgotten by showing the deposits after it (catchUp)", async function () {
      const f = await loadFixture(honestBatchFixture);
      const plan = await transferPlan(f, f.plan.end, 2); // consumes nothing: names count 2
      await burst(f, 256); // the bridge now remembers counts 3..258
      const queue = await f.bridgeClient.verifiedQueue(f.rollupAddress);
      const catchUp = depositsToCatchUp(queue, 2);
      expect(catchUp.length).to.equal(258 - 128 - 2); // shows deposits 2..129: count 130 is remembered
      // the attacker: a catch-up with one deposit altered folds to another head
      const forged = catchUp.map((d, i) => (i === 5 ? { ...d, amount: d.amount + 1n } : d));
      const before = await rollupLedger(f);
      await expect(commitPlan(f, f.proposer, plan, { catchUp: forged })).to.be.revertedWithCustomError(
        f.rollup,
        "OptimisticDepositQueueMismatch",
      );
      expect(await rollupLedger(f)).to.deep.equal(before);
      // and a catch-up cannot hide a due deposit: its first deposit's own time is the one checked
      await time.increase(INCLUSION_WINDOW);
      await expectRevert(f, () => commitPlan(f, f.proposer, plan, { catchUp }), "OptimisticDepositDue", [
        catchUp[0].timestamp,
        catchUp[0].timestamp + INCLUSION_WINDOW,
      ]);
      expect(await rollupLedger(f)).to.deep.equal(before);
    });

    it("commits with a catch-up while the deposits it shows are young", async function () {
      const f = await loadFixture(honestBatchFixture);
      const plan = await transferPlan(f, f.plan.end, 2);
      await burst(f, 256);
      const queue = await f.bridgeClient.verifiedQueue(f.rollupAddress);
      await expect(commitPlan(f, f.proposer, plan)).to.be.revertedWithCustomError(
        f.bridge,
        "BridgeDepositHeadForgotten",
      );
      await expect(commitPlan(f, f.proposer, plan, { catchUp: depositsToCatchUp(queue, 2) })).to.emit(
        f.rollup,
        "BatchCommitted",
      );
    });

    it("reverts with OptimisticDepositDue when a proposer names a smaller count to skip an overdue deposit", async function () {
      const f = await loadFixture(honestBatchFixture); // batch 1 consumed deposits 0 and 1
      const carolDeposit = await depositEth(f, f.carol, parseEther("3")); // deposit 2
      const dueSince = carolDeposit.timestamp + INCLUSION_WINDOW;
      await atTime(dueSince - 1n);
      await depositEth(f, f.griefer, 1n); // deposit 3, young: must not stand in for Carol's
      const plan = await oneStepPlan(f); // consumes nothing: names count 2, leaving Carol's behind
      await atTime(dueSince);
      await expectRevert(
        f,
        () => commitPlan(f, f.proposer, plan, { depositCount: 2 }),
        "OptimisticDepositDue",
        [carolDeposit.timestamp, dueSince],
      );
      // the honest path beside it: consuming both deposits, the batch commits
      const queue = await f.bridgeClient.verifiedQueue(f.rollupAddress);
      const transfer = await signedTransfer(f.domain, f.bob, { from: 1, to: 0, amount: 1n, nonce: 2 });
      const honest = planBatch(
        f.plan.end,
        [depositTx(depositData(queue[2]), 2), depositTx(depositData(queue[3]), 3), transfer],
        f.authorizer,
      );
      await expect(commitPlan(f, f.proposer, honest)).to.emit(f.rollup, "BatchCommitted");
    });

    it("reverts with OptimisticDepositDue when a batch leaves behind a deposit queued before the last commit", async function () {
      const f = await loadFixture(depositedFixture);
      // a batch that consumes neither deposit: deposit 0 is left behind, and its own timestamp counts
      const plan = planBatch(f.genesis, await noOpSteps(f, 1), f.authorizer);
      const dueSince = f.aliceDeposit.timestamp + INCLUSION_WINDOW;
      await atTime(dueSince - 1n);
      await expect(commitPlan(f, f.proposer, plan, { depositCount: 0 })).to.emit(f.rollup, "BatchCommitted");
      const next = planBatch(plan.end, await noOpSteps(f, 1), f.authorizer);
      await expectRevert(
        f,
        () => commitPlan(f, f.proposer, next, { depositCount: 0 }),
        "OptimisticDepositDue",
        [f.aliceDeposit.timestamp, dueSince],
      );
    });

    it("succeeds after a whole idle window when a griefer's deposit lands ahead of a commit that consumed all it saw", async function () {
      // Regression (issue 14): the age of a deposit the batch did not see was bounded by the rollup's last
      // commit, so after a window without commits a griefer's fresh deposit looked due and halted every
      // commit. The bridge now keeps each deposit's own timestamp.
      const f = await loadFixture(honestBatchFixture); // batch 1 consumed the whole queue (2 deposits)
      let parent = f.plan.end;
      await time.increase(INCLUSION_WINDOW * 2n); // no commit for two windows
      let consumed = 2;
      for (let i = 0; i < 3; i++) {
        // built against the queue as it is now, consuming all of it (the griefer's earlier deposit too)
        const queue = await f.bridgeClient.verifiedQueue(f.rollupAddress);
        const transfer = await signedTransfer(f.domain, f.bob, { from: 1, to: 0, amount: 1n, nonce: 2 + i });
        const seen = queue.slice(consumed).map((d) => depositTx(depositData(d), 2));
        const plan = planBatch(parent, [...seen, transfer], f.authorizer);
        const args = await commitArgs(f, plan);
        expect(args[3]).to.equal(queue.length);
        await depositEth(f, f.griefer, 1n); // the griefer's deposit lands first
        await expect(f.rollup.connect(f.proposer).commitBatch(...args, { value: PROPOSER_BOND }))
          .to.emit(f.rollup, "BatchCommitted")
          .withArgs(BigInt(2 + i), f.proposer.address, plan.end.claim, plan.steps.root, anyValue, anyValue);
        parent = plan.end;
        consumed = queue.length;
      }
      expect(await f.rollup.batchCount()).to.equal(5n);
      // forced inclusion still holds: once the griefer's last deposit (left behind) is INCLUSION_WINDOW
      // old, a batch that leaves it behind reverts
      const queue = await f.bridgeClient.verifiedQueue(f.rollupAddress);
      expect(queue.length).to.equal(consumed + 1);
      const dueSince = queue[consumed].timestamp + INCLUSION_WINDOW;
      await atTime(dueSince);
      const late = await transferPlan(f, parent, 5);
      await expectRevert(f, () => commitPlan(f, f.proposer, late), "OptimisticDepositDue", [
        queue[consumed].timestamp,
        dueSince,
      ]);
    });

    it("reverts with BridgeDepositCountAhead when the batch names more deposits than the queue holds", async function () {
      const f = await loadFixture(depositedFixture);
      const plan = planBatch(f.genesis, await firstBatchTxs(f), f.authorizer);
      const before = await rollupLedger(f);
      await expect(commitPlan(f, f.proposer, plan, { depositCount: 3 }))
        .to.be.revertedWithCustomError(f.bridge, "BridgeDepositCountAhead")
        .withArgs(f.rollupAddress, 3n, 2n);
      expect(await rollupLedger(f)).to.deep.equal(before);
    });
  });

  describe("commitBatch under a flood of due deposits", function () {
    this.timeout(600_000);
    // Regression: with more than MAX_STEPS deposits due, every batch used to revert (the fullest one
    // still left a due deposit behind), halting the rollup for good. A batch that is all deposits and
    // full may leave due deposits behind; any other batch may not.
    it("accepts a full batch of deposits that leaves due deposits behind, and the next batch drains them", async function () {
      const f = await loadFixture(deployOptimisticFixture);
      const total = MAX_STEPS + 3;
      // 2,051 deposits for Alice, a few hundred per transaction (test-only DepositFlood).
      const flood = await ethers.deployContract("DepositFlood");
      for (let queued = 0; queued < total;) {
        const count = Math.min(400, total - queued);
        await flood
          .connect(f.alice)
          .flood(f.bridge, f.rollupAddress, ownerOfAddress(f.alice.address), count, { value: count });
        queued += count;
      }
      const queue = await f.bridgeClient.verifiedQueue(f.rollupAddress);
      expect(queue.length).to.equal(total);
      await time.increase(INCLUSION_WINDOW + 1n);

      // Every deposit is Alice's: the first opens account 0, the others credit it.
      const asTxs = (from: number, to: number): L2Tx[] =>
        queue
          .slice(from, to)
          .map((d) =>
            depositTx(
              { from: d.from, to: d.to, tokenId: d.tokenId, amount: d.amount, timestamp: d.timestamp },
              0,
            ),
          );
      // One step short of full: refused, a due deposit is left behind.
      const short = planBatch(f.genesis, asTxs(0, MAX_STEPS - 1), f.authorizer);
      await expect(commitPlan(f, f.proposer, short)).to.be.revertedWithCustomError(
        f.rollup,
        "OptimisticDepositDue",
      );
      // Full of deposits: accepted although three due deposits remain.
      const full = planBatch(f.genesis, asTxs(0, MAX_STEPS), f.authorizer);
      await commitPlan(f, f.proposer, full);
      const rest = planBatch(full.end, asTxs(MAX_STEPS, total), f.authorizer);
      await commitPlan(f, f.proposer, rest);
      expect(await f.rollup.batchCount()).to.equal(3n);
      expect(rest.end.depositHead).to.equal(queue[total - 1].head);
    });
  });

  describe("challenge", function () {
    it("succeeds when bonded within the window: opens a game with the proposer to move", async function () {
      const f = await loadFixture(honestBatchFixture);
      const claims = honestTrace(f, f.plan);
      const call = f.rollup.connect(f.challenger).challenge;
      expect(await call.staticCall(1, f.genesis.state, claims[3], { value: CHALLENGER_BOND })).to.equal(0n);
      const tx = await call(1, f.genesis.state, claims[3], { value: CHALLENGER_BOND });
      await expect(tx).to.emit(f.rollup, "ChallengeOpened").withArgs(0n, 1n, f.challenger.address, claims[3]);
      await expect(tx).to.changeEtherBalances([f.challenger, f.rollup], [-CHALLENGER_BOND, CHALLENGER_BOND]);

      const game = await f.rollup.game(0);
      expect(game.batchIndex).to.equal(1n);
      expect(game.batchEpoch).to.equal(0n);
      expect(game.challenger).to.equal(f.challenger.address);
      expect(game.status).to.equal(GameStatus.Open);
      expect([game.lo, game.hi]).to.deep.equal([0n, FIRST_BATCH_STEPS]);
      expect(game.turn).to.equal(Party.Proposer);
      expect(game.hiClaimant).to.equal(Party.Proposer);
      expect(game.lastMoveAt).to.equal(await minedAt(tx));
      expect([game.proposerClock, game.challengerClock]).to.deep.equal([GAME_CLOCK, GAME_CLOCK]);
      expect(game.rootLo).to.equal(f.plan.claims[0]);
      expect(game.rootHi).to.equal(f.plan.end.claim);
      expect(game.midClaim).to.equal(claims[3]);
      expect((await f.rollup.batch(1)).openGames).to.equal(1n);
      expect(await f.rollup.gameCount()).to.equal(1n);
      await assertBondsConserved(f);
    });

    it("succeeds when the batch has one step: the midpoint claim is zero and the step is due at once", async function () {
      const f = await loadFixture(honestBatchFixture);
      const plan = await oneStepPlan(f);
      await commitPlan(f, f.proposer, plan);
      await f.rollup
        .connect(f.challenger)
        .challenge(2, f.plan.end.state, ZeroHash, { value: CHALLENGER_BOND });

      const game = await f.rollup.game(0);
      expect([game.lo, game.hi]).to.deep.equal([0n, 1n]);
      // the start of batch 2 is batch 1's accounts and deposits without its withdrawals
      const start = {
        ...f.plan.end.state,
        withdrawalRoot: EMPTY_WITHDRAWAL_ROOT,
        withdrawalCount: 0n,
        cursor: 0n,
      };
      expect(game.rootLo).to.equal(traceClaim(start));
      expect(game.rootLo).to.equal(plan.claims[0]);
      expect(game.rootHi).to.equal(plan.end.claim);
      await expect(f.rollup.connect(f.proposer).move(0, true, ZeroHash))
        .to.be.revertedWithCustomError(f.rollup, "OptimisticAwaitingStep")
        .withArgs(0n);
    });

    it("succeeds one second before the window closes", async function () {
      const f = await loadFixture(honestBatchFixture);
      await atTime((await closesAt(f.rollup, 1n)) - 1n);
      await challengeBatch(f, f.challenger, 1n, f.plan, honestTrace(f, f.plan));
      expect((await f.rollup.batch(1)).openGames).to.equal(1n);
    });

    it("reverts with OptimisticUnknownBatch when the batch is genesis or beyond the tip", async function () {
      const f = await loadFixture(honestBatchFixture);
      for (const batchIndex of [0n, 2n]) {
        await expectRevert(
          f,
          () =>
            f.rollup.connect(f.challenger).challenge(batchIndex, f.genesis.state, f.plan.claims[3], {
              value: CHALLENGER_BOND,
            }),
          "OptimisticUnknownBatch",
          [batchIndex],
        );
      }
    });

    it("reverts with OptimisticBatchAlreadyFinal when the batch is final", async function () {
      const f = await loadFixture(honestBatchFixture);
      await time.increaseTo(await closesAt(f.rollup, 1n));
      await f.rollup.finalize(1);
      await expectRevert(
        f,
        () => challengeBatch(f, f.challenger, 1n, f.plan, honestTrace(f, f.plan)),
        "OptimisticBatchAlreadyFinal",
        [1n],
      );
    });

    it("reverts with OptimisticChallengeWindowClosed when the window has closed", async function () {
      const f = await loadFixture(honestBatchFixture);
      const closedAt = await closesAt(f.rollup, 1n);
      await atTime(closedAt);
      await expectRevert(
        f,
        () => challengeBatch(f, f.challenger, 1n, f.plan, honestTrace(f, f.plan)),
        "OptimisticChallengeWindowClosed",
        [1n, closedAt],
      );
    });

    it("reverts with OptimisticWrongBond when the bond is not exactly CHALLENGER_BOND", async function () {
      const f = await loadFixture(honestBatchFixture);
      for (const value of [0n, CHALLENGER_BOND + 1n]) {
        await expectRevert(
          f,
          () => f.rollup.connect(f.challenger).challenge(1, f.genesis.state, f.plan.claims[3], { value }),
          "OptimisticWrongBond",
          [CHALLENGER_BOND, value],
        );
      }
    });

    it("reverts with OptimisticParentStateMismatch when the parent state is not the parent's claim", async function () {
      const f = await loadFixture(honestBatchFixture);
      await expectRevert(
        f,
        () =>
          f.rollup.connect(f.challenger).challenge(1, f.plan.end.state, f.plan.claims[3], {
            value: CHALLENGER_BOND,
          }),
        "OptimisticParentStateMismatch",
        [1n],
      );
    });

    it("reverts with OptimisticMissingClaim when a multi-step batch is challenged without a midpoint claim", async function () {
      const f = await loadFixture(honestBatchFixture);
      await expectRevert(
        f,
        () =>
          f.rollup.connect(f.challenger).challenge(1, f.genesis.state, ZeroHash, { value: CHALLENGER_BOND }),
        "OptimisticMissingClaim",
        [0n],
      );
    });

    it("reverts with OptimisticUnexpectedClaim when a one-step batch is challenged with a midpoint claim", async function () {
      const f = await loadFixture(honestBatchFixture);
      await commitPlan(f, f.proposer, await oneStepPlan(f));
      await expectRevert(
        f,
        () =>
          f.rollup
            .connect(f.challenger)
            .challenge(2, f.plan.end.state, id("mid"), { value: CHALLENGER_BOND }),
        "OptimisticUnexpectedClaim",
        [0n],
      );
    });

    it("succeeds for the honest challenger however many sybil games the proposer holds open", async function () {
      // The attack: the proposer of a false batch fills the batch's game slots with its own sybil
      // challengers (two real ones here; the counter is then forced to 65,535, the old uint16 cap, as
      // 65,533 more would leave it), keeps them alive on their clocks, and waits for the window to close.
      const f = await loadFixture(forgedBatchFixture);
      const forged = f.plan.claims;
      const sybils = [
        await challengeBatch(
          f,
          f.griefer,
          1n,
          f.plan,
          forged.map((c, i) => (i === 0 ? c : id(`sybil ${i}`))),
        ),
        await challengeBatch(
          f,
          f.carol,
          1n,
          f.plan,
          forged.map((c, i) => (i === 0 ? c : id(`sybil' ${i}`))),
        ),
      ];
      await forceOpenGames(f.rollup, 1n, 0xffffn);

      // The honest challenger still gets in (it reverted with OptimisticTooManyGames before)…
      const honest = honestTrace(f, f.plan);
      const gameId = await challengeBatch(f, f.challenger, 1n, f.plan, honest);
      expect((await f.rollup.batch(1n)).openGames).to.equal(0x10000n);
      // …and wins: the false batch and its descendant are removed, the proposer's bond goes to the winner.
      const players: Players = {
        proposer: { signer: f.proposer, claims: forged },
        challenger: { signer: f.challenger, claims: honest },
      };
      const tx = await playOut(f, gameId, players, f.plan);
      await expect(tx).to.emit(f.rollup, "GameResolved").withArgs(gameId, Party.Challenger, true);
      await expect(tx).to.emit(f.rollup, "BatchesRemoved").withArgs(1n, 2n, 1n);
      expect(await f.rollup.batchCount()).to.equal(1n);
      expect(await f.rollup.credit(f.challenger)).to.equal(CHALLENGER_BOND + PROPOSER_BOND - PROPOSER_BURN);
      // The sybils' games are moot: each gets its bond back by `cancel`, none can move.
      for (const sybil of sybils) {
        await expect(f.rollup.cancel(sybil)).to.emit(f.rollup, "GameCancelled").withArgs(sybil);
      }
      await assertBondsConserved(f);
    });

    it("succeeds when open games are beyond any fixed width: the counter has none to overflow", async function () {
      const f = await loadFixture(honestBatchFixture);
      await forceOpenGames(f.rollup, 1n, (1n << 128n) - 1n);
      const gameId = await challengeBatch(f, f.challenger, 1n, f.plan, honestTrace(f, f.plan));
      expect((await f.rollup.game(gameId)).status).to.equal(GameStatus.Open);
      expect((await f.rollup.batch(1n)).openGames).to.equal(1n << 128n);
    });
  });

  describe("move", function () {
    it("succeeds when the mover agrees: the dispute moves right and the mover's clock is charged", async function () {
      const f = await loadFixture(honestGameFixture);
      const truth = f.plan.claims;
      await atTime(f.openedAt + 100n);
      await expect(f.rollup.connect(f.proposer).move(f.gameId, true, truth[4]))
        .to.emit(f.rollup, "Moved")
        .withArgs(f.gameId, Party.Proposer, true, 3n, FIRST_BATCH_STEPS, truth[4]);

      const game = await f.rollup.game(f.gameId);
      expect([game.lo, game.hi]).to.deep.equal([3n, FIRST_BATCH_STEPS]);
      expect(game.rootLo).to.equal(truth[3]);
      expect(game.rootHi).to.equal(f.plan.end.claim);
      expect(game.hiClaimant).to.equal(Party.Proposer);
      expect(game.midClaim).to.equal(truth[4]);
      expect(game.turn).to.equal(Party.Challenger);
      expect(game.proposerClock).to.equal(GAME_CLOCK - 100n);
      expect(game.challengerClock).to.equal(GAME_CLOCK);
      expect(game.lastMoveAt).to.equal(f.openedAt + 100n);
    });

    it("succeeds when the mover disagrees: the disputed claim becomes rootHi, held by the other side", async function () {
      const f = await loadFixture(honestBatchFixture);
      const invented = inventedTrace(f.plan);
      const gameId = await challengeBatch(f, f.griefer, 1n, f.plan, invented);
      await expect(f.rollup.connect(f.proposer).move(gameId, false, f.plan.claims[1]))
        .to.emit(f.rollup, "Moved")
        .withArgs(gameId, Party.Proposer, false, 0n, 3n, f.plan.claims[1]);

      const game = await f.rollup.game(gameId);
      expect([game.lo, game.hi]).to.deep.equal([0n, 3n]);
      expect(game.rootLo).to.equal(f.plan.claims[0]);
      expect(game.rootHi).to.equal(invented[3]);
      expect(game.hiClaimant).to.equal(Party.Challenger);
      expect(game.turn).to.equal(Party.Challenger);
    });

    it("succeeds when the move leaves one step, with a zero claim", async function () {
      const f = await loadFixture(honestGameFixture);
      const truth = f.plan.claims;
      const forged = f.players.challenger.claims;
      await playMove(f, f.gameId, f.players); // proposer agrees with 3: [3, 6]
      await playMove(f, f.gameId, f.players); // griefer agrees with 4: [4, 6], claims its forged 5
      expect(forged[5]).to.not.equal(truth[5]);
      await expect(f.rollup.connect(f.proposer).move(f.gameId, false, ZeroHash))
        .to.emit(f.rollup, "Moved")
        .withArgs(f.gameId, Party.Proposer, false, 4n, 5n, ZeroHash);

      const game = await f.rollup.game(f.gameId);
      expect([game.lo, game.hi]).to.deep.equal([BigInt(THEFT_STEP), BigInt(THEFT_STEP + 1)]);
      expect(game.rootLo).to.equal(truth[THEFT_STEP]);
      expect(game.rootHi).to.equal(forged[THEFT_STEP + 1]);
      expect(game.hiClaimant).to.equal(Party.Challenger);
      expect(game.midClaim).to.equal(ZeroHash);
    });

    it("succeeds at the last second of the mover's clock, leaving it zero", async function () {
      const f = await loadFixture(honestGameFixture);
      await atTime(f.openedAt + GAME_CLOCK);
      await playMove(f, f.gameId, f.players);
      expect((await f.rollup.game(f.gameId)).proposerClock).to.equal(0n);
    });

    it("reverts with OptimisticUnknownGame when the game does not exist", async function () {
      const f = await loadFixture(honestGameFixture);
      await expectRevert(
        f,
        () => f.rollup.connect(f.proposer).move(1, true, id("x")),
        "OptimisticUnknownGame",
        [1n],
      );
    });

    it("reverts with OptimisticGameNotOpen when the game is resolved", async function () {
      const f = await loadFixture(honestGameFixture);
      await playOut(f, f.gameId, f.players, f.plan);
      await expectRevert(
        f,
        () => f.rollup.connect(f.challenger).move(f.gameId, true, ZeroHash),
        "OptimisticGameNotOpen",
        [f.gameId, GameStatus.ProposerWon],
      );
    });

    it("reverts with OptimisticGameMoot when the game's batch was removed by another game", async function () {
      const f = await loadFixture(forgedGameFixture);
      const other = await challengeBatch(f, f.griefer, 2n, f.descendant, inventedTrace(f.descendant));
      await refuteForgedBatch(f);
      await expectRevert(
        f,
        () => f.rollup.connect(f.otherProposer).move(other, true, ZeroHash),
        "OptimisticGameMoot",
        [other],
      );
    });

    it("reverts with OptimisticNotYourTurn when anyone but the side to move moves", async function () {
      const f = await loadFixture(honestGameFixture);
      for (const intruder of [f.griefer, f.stranger]) {
        await expectRevert(
          f,
          () => f.rollup.connect(intruder).move(f.gameId, true, f.plan.claims[4]),
          "OptimisticNotYourTurn",
          [f.gameId, f.proposer.address, intruder.address],
        );
      }
      await playMove(f, f.gameId, f.players);
      await expectRevert(
        f,
        () => f.rollup.connect(f.proposer).move(f.gameId, true, f.plan.claims[5]),
        "OptimisticNotYourTurn",
        [f.gameId, f.griefer.address, f.proposer.address],
      );
    });

    it("reverts with OptimisticAwaitingStep when one step is left", async function () {
      const f = await loadFixture(honestGameFixture);
      const game = await bisect(f, f.gameId, f.players);
      const mover = game.turn === Party.Proposer ? f.proposer : f.griefer;
      await expectRevert(
        f,
        () => f.rollup.connect(mover).move(f.gameId, true, ZeroHash),
        "OptimisticAwaitingStep",
        [f.gameId],
      );
    });

    it("reverts with OptimisticClockExpired when the mover's clock has run out", async function () {
      const f = await loadFixture(honestGameFixture);
      await atTime(f.openedAt + GAME_CLOCK + 1n);
      await expectRevert(f, () => playMove(f, f.gameId, f.players), "OptimisticClockExpired", [
        f.gameId,
        Party.Proposer,
      ]);
    });

    it("reverts with OptimisticMissingClaim when more than one step is left and the claim is zero", async function () {
      const f = await loadFixture(honestGameFixture);
      await expectRevert(
        f,
        () => f.rollup.connect(f.proposer).move(f.gameId, true, ZeroHash),
        "OptimisticMissingClaim",
        [f.gameId],
      );
    });

    it("reverts with OptimisticUnexpectedClaim when one step is left and the claim is not zero", async function () {
      const f = await loadFixture(honestGameFixture);
      await playMove(f, f.gameId, f.players);
      await playMove(f, f.gameId, f.players);
      await expectRevert(
        f,
        () => f.rollup.connect(f.proposer).move(f.gameId, false, f.plan.claims[5]),
        "OptimisticUnexpectedClaim",
        [f.gameId],
      );
    });
  });

  describe("step", function () {
    it("succeeds when the step refutes the challenger's claim: the proposer wins half the challenger's bond", async function () {
      const f = await loadFixture(honestGameFixture);
      await assertBondsConserved(f);
      const check = () => assertBondsConserved(f);
      const game = await bisect(f, f.gameId, f.players, check);
      expect([game.lo, game.hi]).to.deep.equal([BigInt(THEFT_STEP), BigInt(THEFT_STEP + 1)]);

      const tx = await f.rollup.connect(f.stranger).step(f.gameId, stepProof(f, f.plan, THEFT_STEP));
      await expect(tx).to.emit(f.rollup, "GameResolved").withArgs(f.gameId, Party.Proposer, true);
      await expect(tx)
        .to.emit(f.rollup, "BondCredited")
        .withArgs(f.proposer.address, CHALLENGER_BOND - CHALLENGER_BURN);
      await expect(tx).to.emit(f.rollup, "BondBurned").withArgs(CHALLENGER_BURN);
      await expect(tx).to.not.emit(f.rollup, "BatchesRemoved");

      expect((await f.rollup.game(f.gameId)).status).to.equal(GameStatus.ProposerWon);
      expect(await f.rollup.credit(f.proposer)).to.equal(CHALLENGER_BOND - CHALLENGER_BURN);
      expect(await f.rollup.credit(f.griefer)).to.equal(0n);
      expect(await f.rollup.burned()).to.equal(CHALLENGER_BURN);
      expect(await f.rollup.batchCount()).to.equal(2n);
      expect((await f.rollup.batch(1)).openGames).to.equal(0n);
      await check();
    });

    it("succeeds when the step confirms the challenger: the forged batch and its descendant are removed", async function () {
      const f = await loadFixture(forgedGameFixture);
      const check = () => assertBondsConserved(f);
      await check();
      const game = await bisect(f, f.gameId, f.players, check);
      expect([game.lo, game.hi]).to.deep.equal([BigInt(THEFT_STEP), BigInt(THEFT_STEP + 1)]);
      expect(game.hiClaimant).to.equal(Party.Challenger);

      const winnings = CHALLENGER_BOND + PROPOSER_BOND - PROPOSER_BURN;
      const burnt = PROPOSER_BURN + PROPOSER_BOND; // half the liar's bond + the descendant's whole bond
      const tx = await f.rollup.connect(f.stranger).step(f.gameId, stepProof(f, f.plan, THEFT_STEP));
      await expect(tx).to.emit(f.rollup, "GameResolved").withArgs(f.gameId, Party.Challenger, true);
      await expect(tx).to.emit(f.rollup, "BatchesRemoved").withArgs(1n, 2n, 1n);
      await expect(tx).to.emit(f.rollup, "BondCredited").withArgs(f.challenger.address, winnings);
      await expect(tx).to.emit(f.rollup, "BondBurned").withArgs(burnt);
      await check();

      expect((await f.rollup.game(f.gameId)).status).to.equal(GameStatus.ChallengerWon);
      expect(await f.rollup.batchCount()).to.equal(1n);
      expect(await f.rollup.credit(f.challenger)).to.equal(winnings);
      expect(await f.rollup.credit(f.proposer)).to.equal(0n);
      expect(await f.rollup.credit(f.otherProposer)).to.equal(0n);
      expect(await f.rollup.burned()).to.equal(burnt);
      await expect(f.rollup.batch(1))
        .to.be.revertedWithCustomError(f.rollup, "OptimisticUnknownBatch")
        .withArgs(1n);

      // the honest batch replaces the forged one at index 1, in the next epoch; the deposits are still owed
      const honest = planBatch(f.genesis, f.plan.txs, f.authorizer);
      await commitPlan(f, f.otherProposer, honest);
      const replaced = await f.rollup.batch(1);
      expect(replaced.claim).to.equal(honest.end.claim);
      expect(replaced.epoch).to.equal(1n);
      await check();
    });

    it("succeeds for each of two challengers: the dishonest one loses, the honest one still wins", async function () {
      const f = await loadFixture(forgedBatchFixture);
      const check = () => assertBondsConserved(f);
      const againstGriefer: Players = {
        proposer: { signer: f.proposer, claims: f.plan.claims },
        challenger: { signer: f.griefer, claims: inventedTrace(f.plan) },
      };
      const againstChallenger: Players = {
        proposer: { signer: f.proposer, claims: f.plan.claims },
        challenger: { signer: f.challenger, claims: honestTrace(f, f.plan) },
      };
      const lost = await challengeBatch(f, f.griefer, 1n, f.plan, againstGriefer.challenger.claims);
      const won = await challengeBatch(f, f.challenger, 1n, f.plan, againstChallenger.challenger.claims);
      expect((await f.rollup.batch(1)).openGames).to.equal(2n);
      await check();

      // the made-up trace loses at the first step, which both sides' claims reach
      await expect(playOut(f, lost, againstGriefer, f.plan, check))
        .to.emit(f.rollup, "GameResolved")
        .withArgs(lost, Party.Proposer, true);
      expect((await f.rollup.batch(1)).openGames).to.equal(1n);
      expect(await f.rollup.batchCount()).to.equal(3n);
      await check();

      await expect(playOut(f, won, againstChallenger, f.plan, check))
        .to.emit(f.rollup, "GameResolved")
        .withArgs(won, Party.Challenger, true);
      await check();

      expect(await f.rollup.credit(f.griefer)).to.equal(0n);
      expect(await f.rollup.credit(f.proposer)).to.equal(CHALLENGER_BOND - CHALLENGER_BURN);
      expect(await f.rollup.credit(f.challenger)).to.equal(CHALLENGER_BOND + PROPOSER_BOND - PROPOSER_BURN);
      expect(await f.rollup.burned()).to.equal(CHALLENGER_BURN + PROPOSER_BURN + PROPOSER_BOND);
      expect(await f.rollup.batchCount()).to.equal(1n);
    });

    it("succeeds on a one-step batch: the game starts at its step", async function () {
      const f = await loadFixture(honestBatchFixture);
      const plan = await oneStepPlan(f);
      await commitPlan(f, f.proposer, plan);
      const gameId = await challengeBatch(f, f.griefer, 2n, plan, inventedTrace(plan));
      await expect(f.rollup.step(gameId, stepProof(f, plan, 0)))
        .to.emit(f.rollup, "GameResolved")
        .withArgs(gameId, Party.Proposer, true);
      await assertBondsConserved(f);
    });

    it("succeeds over MAX_STEPS steps: eleven moves, then the last step refutes the proposer", async function () {
      const f = await loadFixture(deployOptimisticFixture);
      const plan = planBatch(f.genesis, await noOpSteps(f, MAX_STEPS), f.authorizer);
      const post = { ...plan.end.state, withdrawalCount: 1n }; // a withdrawal the steps never made
      await commitPlan(f, f.proposer, plan, { post });
      const players: Players = {
        proposer: {
          signer: f.proposer,
          claims: departingTrace(plan.claims, MAX_STEPS - 1, traceClaim(post)),
        },
        challenger: { signer: f.challenger, claims: plan.claims },
      };
      const gameId = await challengeBatch(f, f.challenger, 1n, plan, plan.claims);
      let moves = 0;
      const game = await bisect(f, gameId, players, async () => void moves++);
      expect(moves).to.equal(11);
      expect([game.lo, game.hi]).to.deep.equal([2047n, 2048n]);
      await expect(f.rollup.step(gameId, stepProof(f, plan, MAX_STEPS - 1)))
        .to.emit(f.rollup, "GameResolved")
        .withArgs(gameId, Party.Challenger, true);
      expect(await f.rollup.batchCount()).to.equal(1n);
      await assertBondsConserved(f);
    });

    it("succeeds for the honest proposer against challengers claiming random states", async function () {
      const { length } = (await loadFixture(everyKindFixture)).second.claims;
      await assertAsyncProperty(
        fc.asyncProperty(scrambles(length), async (made) => {
          const f = await loadFixture(everyKindFixture);
          await commitPlan(f, f.proposer, f.second);
          const claims = scrambledTrace(f.second.claims, made);
          const players: Players = {
            proposer: { signer: f.proposer, claims: f.second.claims },
            challenger: { signer: f.griefer, claims },
          };
          const gameId = await challengeBatch(f, f.griefer, 2n, f.second, claims);
          await expect(playOut(f, gameId, players, f.second))
            .to.emit(f.rollup, "GameResolved")
            .withArgs(gameId, Party.Proposer, true);
          await assertBondsConserved(f);
        }),
        { runs: 6 },
      );
    });

    it("succeeds for the honest challenger against proposers claiming random states", async function () {
      const { length } = (await loadFixture(everyKindFixture)).second.claims;
      await assertAsyncProperty(
        fc.asyncProperty(scrambles(length), async (made) => {
          const f = await loadFixture(everyKindFixture);
          const truth = f.second.end.state;
          const post = { ...truth, withdrawalCount: truth.withdrawalCount + 1n };
          await commitPlan(f, f.proposer, f.second, { post });
          const lies = scrambledTrace(f.second.claims, made, traceClaim(post));
          const players: Players = {
            proposer: { signer: f.proposer, claims: lies },
            challenger: { signer: f.challenger, claims: f.second.claims },
          };
          const gameId = await challengeBatch(f, f.challenger, 2n, f.second, f.second.claims);
          await expect(playOut(f, gameId, players, f.second))
            .to.emit(f.rollup, "GameResolved")
            .withArgs(gameId, Party.Challenger, true);
          await assertBondsConserved(f);
        }),
        { runs: 6 },
      );
    });

    SECOND_BATCH_STEPS.forEach((kind, k) => {
      it(`succeeds for the honest proposer when the challenger's trace departs at step ${k}: ${kind}`, async function () {
        const f = await loadFixture(everyKindFixture);
        await commitPlan(f, f.proposer, f.second);
        const players: Players = {
          proposer: { signer: f.proposer, claims: f.second.claims },
          challenger: { signer: f.griefer, claims: departingTrace(f.second.claims, k) },
        };
        const gameId = await challengeBatch(f, f.griefer, 2n, f.second, players.challenger.claims);
        await expect(playOut(f, gameId, players, f.second))
          .to.emit(f.rollup, "GameResolved")
          .withArgs(gameId, Party.Proposer, true);
        expect((await f.rollup.game(gameId)).lo).to.equal(BigInt(k));
        expect(await f.rollup.batchCount()).to.equal(3n);
        await assertBondsConserved(f);
      });

      it(`succeeds for the honest challenger when the proposer's trace departs at step ${k}: ${kind}`, async function () {
        const f = await loadFixture(everyKindFixture);
        const truth = f.second.end.state;
        const post = { ...truth, withdrawalCount: truth.withdrawalCount + 1n }; // owes a withdrawal too many
        await commitPlan(f, f.proposer, f.second, { post });
        const players: Players = {
          proposer: { signer: f.proposer, claims: departingTrace(f.second.claims, k, traceClaim(post)) },
          challenger: { signer: f.challenger, claims: f.second.claims },
        };
        const gameId = await challengeBatch(f, f.challenger, 2n, f.second, f.second.claims);
        await expect(playOut(f, gameId, players, f.second))
          .to.emit(f.rollup, "GameResolved")
          .withArgs(gameId, Party.Challenger, true);
        expect((await f.rollup.game(gameId)).lo).to.equal(BigInt(k));
        expect(await f.rollup.batchCount()).to.equal(2n);
        await assertBondsConserved(f);
      });
    });

    it("reverts with OptimisticUnknownGame when the game does not exist", async function () {
      const f = await loadFixture(honestGameFixture);
      await expectRevert(f, () => f.rollup.step(7, stepProof(f, f.plan, 0)), "OptimisticUnknownGame", [7n]);
    });

    it("reverts with OptimisticGameNotOpen when the game is resolved", async function () {
      const f = await loadFixture(honestGameFixture);
      await playOut(f, f.gameId, f.players, f.plan);
      await expectRevert(
        f,
        () => f.rollup.step(f.gameId, stepProof(f, f.plan, THEFT_STEP)),
        "OptimisticGameNotOpen",
        [f.gameId, GameStatus.ProposerWon],
      );
    });

    it("reverts with OptimisticGameMoot when the game's batch was removed", async function () {
      const f = await loadFixture(forgedGameFixture);
      const other = await challengeBatch(f, f.carol, 1n, f.plan, honestTrace(f, f.plan));
      const players = { ...f.players, challenger: { ...f.players.challenger, signer: f.carol } };
      const game = await bisect(f, other, players);
      await refuteForgedBatch(f);
      await expectRevert(
        f,
        () => f.rollup.step(other, stepProof(f, f.plan, Number(game.lo))),
        "OptimisticGameMoot",
        [other],
      );
    });

    it("reverts with OptimisticNotOneStep when more than one step is in dispute", async function () {
      const f = await loadFixture(honestGameFixture);
      await expectRevert(f, () => f.rollup.step(f.gameId, stepProof(f, f.plan, 0)), "OptimisticNotOneStep", [
        f.gameId,
        0n,
        FIRST_BATCH_STEPS,
      ]);
    });

    it("reverts with OptimisticClockExpired when the side to move has run out of time", async function () {
      const f = await loadFixture(honestGameFixture);
      const game = await bisect(f, f.gameId, f.players);
      await atTime(game.lastMoveAt + GAME_CLOCK + 1n); // the griefer's clock is still full
      await expectRevert(
        f,
        () => f.rollup.step(f.gameId, stepProof(f, f.plan, THEFT_STEP)),
        "OptimisticClockExpired",
        [f.gameId, game.turn],
      );
    });

    it("reverts with OptimisticStepNotInBatch when the transaction is not the batch's step lo", async function () {
      const f = await loadFixture(honestGameFixture);
      await bisect(f, f.gameId, f.players);
      const proof = stepProof(f, f.plan, THEFT_STEP);
      const next = f.plan.steps.proof(THEFT_STEP + 1);
      const forgedTx = await signedTransfer(f.domain, f.proposer, { from: 0, to: 1, amount: 1n, nonce: 1 });
      const variants = [
        { ...proof, ...next }, // step lo + 1 with its own valid path
        { ...proof, transaction: hexlify(encodeTxs([forgedTx])) }, // a transaction the batch never had
        { ...proof, txProof: proof.txProof.slice(1) }, // a path of the wrong length
      ];
      for (const variant of variants) {
        await expectRevert(f, () => f.rollup.step(f.gameId, variant), "OptimisticStepNotInBatch", [
          f.gameId,
          BigInt(THEFT_STEP),
        ]);
      }
    });

    it("reverts with OptimisticPreStateMismatch when the pre-state is not the agreed rootLo", async function () {
      const f = await loadFixture(honestGameFixture);
      await bisect(f, f.gameId, f.players);
      const proof = stepProof(f, f.plan, THEFT_STEP);
      const stale = stepProof(f, f.plan, THEFT_STEP - 1).pre;
      await expectRevert(
        f,
        () => f.rollup.step(f.gameId, { ...proof, pre: stale }),
        "OptimisticPreStateMismatch",
        [f.gameId],
      );
    });

    it("reverts with the prover's OneStepBadAccountProof when the witness is not in the pre-state", async function () {
      const f = await loadFixture(honestGameFixture);
      await bisect(f, f.gameId, f.players);
      const proof = stepProof(f, f.plan, THEFT_STEP);
      const first = {
        ...proof.witness.first,
        leaf: { ...proof.witness.first.leaf, balance: parseEther("100") },
      };
      await expectRevert(
        f,
        () => f.rollup.step(f.gameId, { ...proof, witness: { ...proof.witness, first } }),
        "OneStepBadAccountProof",
        [0n],
        f.prover,
      );
    });
  });

  describe("timeout", function () {
    it("succeeds when the proposer's clock ran out: the challenger wins and the batches are removed", async function () {
      const f = await loadFixture(forgedGameFixture);
      await atTime(f.openedAt + GAME_CLOCK + 1n);
      const tx = await f.rollup.connect(f.stranger).timeout(f.gameId);
      await expect(tx).to.emit(f.rollup, "GameResolved").withArgs(f.gameId, Party.Challenger, false);
      await expect(tx).to.emit(f.rollup, "BatchesRemoved").withArgs(1n, 2n, 1n);
      expect((await f.rollup.game(f.gameId)).status).to.equal(GameStatus.ChallengerWon);
      expect(await f.rollup.credit(f.challenger)).to.equal(CHALLENGER_BOND + PROPOSER_BOND - PROPOSER_BURN);
      expect(await f.rollup.batchCount()).to.equal(1n);
      await assertBondsConserved(f);
    });

    it("succeeds when the challenger's clock ran out: the proposer wins", async function () {
      const f = await loadFixture(honestGameFixture);
      const moved = await minedAt(await playMove(f, f.gameId, f.players));
      await atTime(moved + GAME_CLOCK + 1n);
      await expect(f.rollup.connect(f.stranger).timeout(f.gameId))
        .to.emit(f.rollup, "GameResolved")
        .withArgs(f.gameId, Party.Proposer, false);
      expect((await f.rollup.game(f.gameId)).status).to.equal(GameStatus.ProposerWon);
      expect(await f.rollup.credit(f.proposer)).to.equal(CHALLENGER_BOND - CHALLENGER_BURN);
      expect((await f.rollup.batch(1)).openGames).to.equal(0n);
      await assertBondsConserved(f);
    });

    it("reverts with OptimisticClockRunning until the side to move has used up its own remaining time", async function () {
      const f = await loadFixture(honestGameFixture);
      await atTime(f.openedAt + 100n);
      await playMove(f, f.gameId, f.players); // the proposer spent 100 s: 200 s left
      await atTime(f.openedAt + 150n);
      await playMove(f, f.gameId, f.players); // the griefer spent 50 s: back to the proposer
      const expiresAt = f.openedAt + 150n + GAME_CLOCK - 100n;

      await atTime(expiresAt);
      await expectRevert(f, () => f.rollup.timeout(f.gameId), "OptimisticClockRunning", [
        f.gameId,
        expiresAt,
      ]);
      await atTime(expiresAt + 1n);
      await expect(f.rollup.timeout(f.gameId))
        .to.emit(f.rollup, "GameResolved")
        .withArgs(f.gameId, Party.Challenger, false);
    });

    it("reverts with OptimisticUnknownGame when the game does not exist", async function () {
      const f = await loadFixture(honestGameFixture);
      await expectRevert(f, () => f.rollup.timeout(5), "OptimisticUnknownGame", [5n]);
    });

    it("reverts with OptimisticGameNotOpen when the game is resolved", async function () {
      const f = await loadFixture(honestGameFixture);
      await atTime(f.openedAt + GAME_CLOCK + 1n);
      await f.rollup.timeout(f.gameId);
      await expectRevert(f, () => f.rollup.timeout(f.gameId), "OptimisticGameNotOpen", [
        f.gameId,
        GameStatus.ChallengerWon,
      ]);
    });

    it("reverts with OptimisticGameMoot when the game's batch was removed", async function () {
      const f = await loadFixture(forgedGameFixture);
      const other = await challengeBatch(f, f.griefer, 2n, f.descendant, inventedTrace(f.descendant));
      await refuteForgedBatch(f);
      await time.increase(GAME_CLOCK * 2n);
      await expectRevert(f, () => f.rollup.timeout(other), "OptimisticGameMoot", [other]);
    });
  });

  describe("cancel", function () {
    it("succeeds when the game's batch was removed as a descendant: the challenger gets its bond back", async function () {
      const f = await loadFixture(forgedGameFixture);
      const other = await challengeBatch(f, f.griefer, 2n, f.descendant, inventedTrace(f.descendant));
      await refuteForgedBatch(f);
      await assertBondsConserved(f);

      const tx = await f.rollup.connect(f.stranger).cancel(other);
      await expect(tx).to.emit(f.rollup, "GameCancelled").withArgs(other);
      await expect(tx).to.emit(f.rollup, "BondCredited").withArgs(f.griefer.address, CHALLENGER_BOND);
      expect((await f.rollup.game(other)).status).to.equal(GameStatus.Cancelled);
      expect(await f.rollup.credit(f.griefer)).to.equal(CHALLENGER_BOND);
      await assertBondsConserved(f);
    });

    it("succeeds when a new batch has taken the removed batch's index (the game was on the old epoch)", async function () {
      const f = await loadFixture(forgedGameFixture);
      const other = await challengeBatch(f, f.carol, 1n, f.plan, honestTrace(f, f.plan));
      await refuteForgedBatch(f);
      await commitPlan(f, f.otherProposer, planBatch(f.genesis, f.plan.txs, f.authorizer));
      expect(await f.rollup.batchCount()).to.equal(2n);

      await expect(f.rollup.cancel(other)).to.emit(f.rollup, "GameCancelled").withArgs(other);
      expect(await f.rollup.credit(f.carol)).to.equal(CHALLENGER_BOND);
      expect((await f.rollup.batch(1)).openGames).to.equal(0n);
      await assertBondsConserved(f);
    });

    it("reverts with OptimisticGameNotMoot when the game's batch is still in the chain", async function () {
      const f = await loadFixture(honestGameFixture);
      await expectRevert(f, () => f.rollup.cancel(f.gameId), "OptimisticGameNotMoot", [f.gameId]);
    });

    it("reverts with OptimisticUnknownGame when the game does not exist", async function () {
      const f = await loadFixture(honestGameFixture);
      await expectRevert(f, () => f.rollup.cancel(1), "OptimisticUnknownGame", [1n]);
    });

    it("reverts with OptimisticGameNotOpen when the game was already cancelled or won", async function () {
      const f = await loadFixture(forgedGameFixture);
      const other = await challengeBatch(f, f.griefer, 2n, f.descendant, inventedTrace(f.descendant));
      await refuteForgedBatch(f);
      await f.rollup.cancel(other);
      await expectRevert(f, () => f.rollup.cancel(other), "OptimisticGameNotOpen", [
        other,
        GameStatus.Cancelled,
      ]);
      await expectRevert(f, () => f.rollup.cancel(f.gameId), "OptimisticGameNotOpen", [
        f.gameId,
        GameStatus.ChallengerWon,
      ]);
    });
  });

  describe("defend", function () {
    /** When a third party may take over game `gameId`'s defending side: half the side's clock unplayed. */
    async function defenceOpensAt(f: OptimisticFixture, gameId: bigint): Promise<bigint> {
      const game = await f.rollup.game(gameId);
      return game.lastMoveAt + game.proposerClock / 2n;
    }

    /** `signer` takes over the defending side once it may, and makes the move its trace `claims` calls for. */
    async function takeOver(
      f: OptimisticFixture,
      gameId: bigint,
      signer: OptimisticFixture["carol"],
      claims: readonly string[],
    ) {
      await atTime(await defenceOpensAt(f, gameId));
      const { agree, claim } = decideMove(await f.rollup.game(gameId), claims);
      return f.rollup.connect(signer).defend(gameId, agree, claim, { value: CHALLENGER_BOND });
    }

    it("succeeds when a true batch's proposer is offline: a third party defends, wins, and the batch is final", async function () {
      // The attack: a griefer challenges the honest first batch and its proposer never answers. Before,
      // the proposer's clock ran out and the true batch was removed with its users' transactions.
      const f = await loadFixture(honestGameFixture);
      const tx = await takeOver(f, f.gameId, f.carol, f.plan.claims);
      await expect(tx).to.emit(f.rollup, "DefenderJoined").withArgs(f.gameId, f.carol.address);
      await expect(tx).to.emit(f.rollup, "Moved");
      await expect(tx).to.changeEtherBalances([f.carol, f.rollup], [-CHALLENGER_BOND, CHALLENGER_BOND]);
      expect(await f.rollup.defender(f.gameId)).to.equal(f.carol.address);
      await assertBondsConserved(f);

      const players: Players = { ...f.players, proposer: { signer: f.carol, claims: f.plan.claims } };
      const step = await playOut(f, f.gameId, players, f.plan, () => assertBondsConserved(f));
      await expect(step).to.emit(f.rollup, "GameResolved").withArgs(f.gameId, Party.Proposer, true);
      await expect(step).to.not.emit(f.rollup, "BatchesRemoved");
      const game = await f.rollup.game(f.gameId);
      expect(game.proposerMoves).to.equal(0n);
      // The defender made every move of the winning side: its bond back and all the winnings.
      expect(await f.rollup.credit(f.carol)).to.equal(CHALLENGER_BOND + CHALLENGER_BOND - CHALLENGER_BURN);
      expect(await f.rollup.credit(f.proposer)).to.equal(0n);
      expect(await f.rollup.credit(f.griefer)).to.equal(0n);
      await assertBondsConserved(f);

      await time.increaseTo(await closesAt(f.rollup, 1n));
      await expect(f.rollup.finalize(1)).to.emit(f.rollup, "BatchFinalized").withArgs(1n);
      expect(await f.rollup.finalizedWithdrawalRoot(1)).to.equal(f.plan.end.state.withdrawalRoot);
      expect(await f.rollup.credit(f.proposer)).to.equal(PROPOSER_BOND);
      await assertBondsConserved(f);
    });

    it("succeeds when the proposer is offline and no one defends: the true batch is lost on time", async function () {
      // The same game without a defender: what the defence is for.
      const f = await loadFixture(honestGameFixture);
      await atTime(f.openedAt + GAME_CLOCK + 1n);
      await expect(f.rollup.timeout(f.gameId)).to.emit(f.rollup, "BatchesRemoved").withArgs(1n, 1n, 1n);
      await assertBondsConserved(f);
    });

    it("succeeds when the proposer moved first: the winnings are split between its moves and the defender's", async function () {
      const f = await loadFixture(honestGameFixture);
      await playMove(f, f.gameId, f.players); // the proposer's move, then it goes offline
      await playMove(f, f.gameId, f.players); // the griefer's answer
      await takeOver(f, f.gameId, f.stranger, f.plan.claims);
      const players: Players = { ...f.players, proposer: { signer: f.stranger, claims: f.plan.claims } };
      await expect(playOut(f, f.gameId, players, f.plan))
        .to.emit(f.rollup, "GameResolved")
        .withArgs(f.gameId, Party.Proposer, true);

      const game = await f.rollup.game(f.gameId);
      expect(game.proposerMoves).to.equal(1n);
      expect(game.defenderMoves).to.be.greaterThan(0n);
      const winnings = CHALLENGER_BOND - CHALLENGER_BURN;
      const toDefender = (winnings * game.defenderMoves) / (game.defenderMoves + game.proposerMoves);
      expect(toDefender).to.be.greaterThan(0n).and.lessThan(winnings);
      expect(await f.rollup.credit(f.stranger)).to.equal(CHALLENGER_BOND + toDefender);
      expect(await f.rollup.credit(f.proposer)).to.equal(winnings - toDefender);
      expect(await f.rollup.burned()).to.equal(CHALLENGER_BURN);
      await assertBondsConserved(f);
    });

    /** Checks that game `gameId` is back as `before` (read just before a takeover), `elapsed` seconds overdue. */
    async function expectRestored(f: OptimisticFixture, gameId: bigint, before: Game, elapsed: bigint) {
      const game = await f.rollup.game(gameId);
      expect(game.status).to.equal(GameStatus.Open);
      expect([game.lo, game.hi, game.turn, game.hiClaimant]).to.deep.equal([
        before.lo,
        before.hi,
        before.turn,
        before.hiClaimant,
      ]);
      expect([game.rootLo, game.rootHi, game.midClaim]).to.deep.equal([
        before.rootLo,
        before.rootHi,
        before.midClaim,
      ]);
      expect([game.proposerClock, game.challengerClock]).to.deep.equal([
        before.proposerClock,
        before.challengerClock,
      ]);
      expect([game.proposerMoves, game.defenderMoves]).to.deep.equal([before.proposerMoves, 0n]);
      expect(BigInt(await time.latest()) - game.lastMoveAt).to.equal(elapsed);
      expect(await f.rollup.defender(gameId)).to.equal(ZeroAddress);
    }

    it("succeeds for the challenger when a 'defender' takes up a false batch: it loses its bond, the proposer then its batch", async function () {
      // The attack: the forging proposer goes silent and its accomplice defends the false claim.
      const f = await loadFixture(forgedGameFixture);
      const before = await f.rollup.game(f.gameId);
      const elapsed = (await defenceOpensAt(f, f.gameId)) - before.lastMoveAt;
      await takeOver(f, f.gameId, f.griefer, f.plan.claims);
      const players: Players = { ...f.players, proposer: { signer: f.griefer, claims: f.plan.claims } };
      const step = await playOut(f, f.gameId, players, f.plan, () => assertBondsConserved(f));
      // The accomplice lost its own bond (all of it burned); the game goes on.
      await expect(step)
        .to.emit(f.rollup, "DefenderLost")
        .withArgs(f.gameId, f.griefer.address, 0n, before.hi);
      await expect(step).to.not.emit(f.rollup, "GameResolved");
      await expect(step).to.not.emit(f.rollup, "BatchesRemoved");
      expect(await f.rollup.batchCount()).to.equal(3n);
      expect(await f.rollup.credit(f.challenger)).to.equal(0n);
      expect(await f.rollup.credit(f.griefer)).to.equal(0n);
      expect(await f.rollup.burned()).to.equal(CHALLENGER_BOND);
      await expectRestored(f, f.gameId, before, elapsed);
      await assertBondsConserved(f);

      // No one defends the false batch again: its proposer's own clock runs out, and the batch goes.
      const game = await f.rollup.game(f.gameId);
      await atTime(game.lastMoveAt + game.proposerClock + 1n);
      const timeout = await f.rollup.connect(f.stranger).timeout(f.gameId);
      await expect(timeout).to.emit(f.rollup, "GameResolved").withArgs(f.gameId, Party.Challenger, false);
      await expect(timeout).to.emit(f.rollup, "BatchesRemoved").withArgs(1n, 2n, 1n);
      expect(await f.rollup.batchCount()).to.equal(1n);
      // The challenger has its bond back and the batch's, less the burnt half; the accomplice's is burned.
      expect(await f.rollup.credit(f.challenger)).to.equal(CHALLENGER_BOND + PROPOSER_BOND - PROPOSER_BURN);
      expect(await f.rollup.credit(f.griefer)).to.equal(0n);
      expect(await f.rollup.burned()).to.equal(PROPOSER_BURN + PROPOSER_BOND + CHALLENGER_BOND);
      await assertBondsConserved(f);
    });

    it("succeeds for a true batch whose defence a saboteur takes over and throws by a wrong move: only its bond is lost", async function () {
      // The attack: the griefer challenges the true batch, then takes its defence over itself the moment it
      // opens (before any honest defender) and plays it to lose. Before, the true batch and every batch
      // after it were removed, and the proposer was locked out of its own game.
      const f = await loadFixture(honestGameFixture);
      const before = await f.rollup.game(f.gameId);
      const opensAt = await defenceOpensAt(f, f.gameId);
      const thrown = inventedTrace(f.plan);
      await takeOver(f, f.gameId, f.griefer, thrown);
      const saboteur: Players = { ...f.players, proposer: { signer: f.griefer, claims: thrown } };
      const step = await playOut(f, f.gameId, saboteur, f.plan, () => assertBondsConserved(f));
      await expect(step)
        .to.emit(f.rollup, "DefenderLost")
        .withArgs(f.gameId, f.griefer.address, 0n, before.hi);
      // The whole bond is burned: none goes back to the griefer, whose sybil the saboteur is.
      await expect(step).to.emit(f.rollup, "BondBurned").withArgs(CHALLENGER_BOND);
      await expect(step).to.not.emit(f.rollup, "BondCredited");
      await expect(step).to.not.emit(f.rollup, "BatchesRemoved");
      expect(await f.rollup.batchCount()).to.equal(2n);
      await expectRestored(f, f.gameId, before, opensAt - before.lastMoveAt);
      await assertBondsConserved(f);

      // The side is vacant again and the defence open at once: an honest defender takes it and wins.
      expect(await defenceOpensAt(f, f.gameId)).to.be.at.most(BigInt(await time.latest()));
      const { agree, claim } = decideMove(await f.rollup.game(f.gameId), f.plan.claims);
      await expect(f.rollup.connect(f.carol).defend(f.gameId, agree, claim, { value: CHALLENGER_BOND }))
        .to.emit(f.rollup, "DefenderJoined")
        .withArgs(f.gameId, f.carol.address);
      await assertBondsConserved(f);
      const honest: Players = { ...f.players, proposer: { signer: f.carol, claims: f.plan.claims } };
      const win = await playOut(f, f.gameId, honest, f.plan, () => assertBondsConserved(f));
      await expect(win).to.emit(f.rollup, "GameResolved").withArgs(f.gameId, Party.Proposer, true);
      expect(await f.rollup.credit(f.carol)).to.equal(CHALLENGER_BOND + CHALLENGER_BOND - CHALLENGER_BURN);
      // The griefer lost its challenge bond and the saboteur's bond: the attack cost it 2 bonds.
      expect(await f.rollup.credit(f.griefer)).to.equal(0n);
      expect(await f.rollup.burned()).to.equal(CHALLENGER_BOND + CHALLENGER_BURN);
      await assertBondsConserved(f);
      await time.increaseTo(await closesAt(f.rollup, 1n));
      await expect(f.rollup.finalize(1)).to.emit(f.rollup, "BatchFinalized").withArgs(1n);
      await assertBondsConserved(f);
    });

    it("succeeds for a true batch whose saboteur defender lets its clock run out: the proposer returns and wins", async function () {
      const f = await loadFixture(honestGameFixture);
      const before = await f.rollup.game(f.gameId);
      const opensAt = await defenceOpensAt(f, f.gameId);
      await takeOver(f, f.gameId, f.stranger, f.plan.claims); // a sybil of the griefer, honest-looking
      await playMove(f, f.gameId, f.players); // the griefer's answer; its sybil never moves again
      const game = await f.rollup.game(f.gameId);
      const expiresAt = game.lastMoveAt + game.proposerClock;
      await atTime(expiresAt);
      await expectRevert(f, () => f.rollup.timeout(f.gameId), "OptimisticClockRunning", [
        f.gameId,
        expiresAt,
      ]);
      await atTime(expiresAt + 1n);
      const timeout = await f.rollup.connect(f.griefer).timeout(f.gameId);
      await expect(timeout)
        .to.emit(f.rollup, "DefenderLost")
        .withArgs(f.gameId, f.stranger.address, 0n, before.hi);
      await expect(timeout).to.not.emit(f.rollup, "GameResolved");
      await expect(timeout).to.not.emit(f.rollup, "BatchesRemoved");
      await expect(timeout).to.emit(f.rollup, "BondBurned").withArgs(CHALLENGER_BOND);
      expect(await f.rollup.credit(f.griefer)).to.equal(0n);
      expect(await f.rollup.credit(f.stranger)).to.equal(0n);
      await expectRestored(f, f.gameId, before, opensAt - before.lastMoveAt);
      await assertBondsConserved(f);

      // The sybil holds nothing any more; the proposer, back online, plays its own side again and wins.
      const { agree, claim } = decideMove(await f.rollup.game(f.gameId), f.plan.claims);
      await expectRevert(
        f,
        () => f.rollup.connect(f.stranger).move(f.gameId, agree, claim),
        "OptimisticNotYourTurn",
        [f.gameId, f.proposer.address, f.stranger.address],
      );
      const win = await playOut(f, f.gameId, f.players, f.plan, () => assertBondsConserved(f));
      await expect(win).to.emit(f.rollup, "GameResolved").withArgs(f.gameId, Party.Proposer, true);
      expect(await f.rollup.credit(f.proposer)).to.equal(CHALLENGER_BOND - CHALLENGER_BURN);
      expect(await f.rollup.credit(f.griefer)).to.equal(0n);
      expect(await f.rollup.credit(f.stranger)).to.equal(0n);
      expect(await f.rollup.burned()).to.equal(CHALLENGER_BOND + CHALLENGER_BURN);
      expect(await f.rollup.batchCount()).to.equal(2n);
      await assertBondsConserved(f);
    });

    it("succeeds for every move at which the proposer goes silent: the honest side wins, split move for move", async function () {
      let covered = 0n;
      for (let proposerMoves = 0n; ; proposerMoves++) {
        const f = await loadFixture(honestGameFixture);
        let game = await f.rollup.game(f.gameId);
        let played = 0n;
        while (played < proposerMoves && game.hi - game.lo > 1n) {
          await playMove(f, f.gameId, f.players);
          game = await f.rollup.game(f.gameId);
          if (game.turn === Party.Challenger && game.hi - game.lo > 1n) {
            await playMove(f, f.gameId, f.players);
            game = await f.rollup.game(f.gameId);
          }
          played++;
        }
        if (played < proposerMoves || game.hi - game.lo === 1n) break; // no proposer move left to take over
        await takeOver(f, f.gameId, f.carol, f.plan.claims);
        const players: Players = { ...f.players, proposer: { signer: f.carol, claims: f.plan.claims } };
        await playOut(f, f.gameId, players, f.plan, () => assertBondsConserved(f));
        game = await f.rollup.game(f.gameId);
        expect(game.status).to.equal(GameStatus.ProposerWon);
        expect(game.proposerMoves).to.equal(proposerMoves);
        const winnings = CHALLENGER_BOND - CHALLENGER_BURN;
        const toDefender = (winnings * game.defenderMoves) / (game.defenderMoves + game.proposerMoves);
        expect(await f.rollup.credit(f.carol)).to.equal(CHALLENGER_BOND + toDefender);
        expect(await f.rollup.credit(f.proposer)).to.equal(winnings - toDefender);
        await assertBondsConserved(f);
        covered++;
      }
      expect(covered).to.be.greaterThan(1n); // the proposer silent from the start, and after one move at least
    });

    it("reverts with OptimisticDefenceNotOpen until the proposer has left half its remaining clock unplayed", async function () {
      const f = await loadFixture(honestGameFixture);
      const opensAt = await defenceOpensAt(f, f.gameId);
      expect(opensAt).to.equal(f.openedAt + GAME_CLOCK / 2n);
      await atTime(opensAt - 1n);
      const { agree, claim } = decideMove(await f.rollup.game(f.gameId), f.plan.claims);
      const defend = () =>
        f.rollup.connect(f.carol).defend(f.gameId, agree, claim, { value: CHALLENGER_BOND });
      await expectRevert(f, defend, "OptimisticDefenceNotOpen", [f.gameId, opensAt]);
      // Meanwhile the proposer plays its own game, and the half is counted from its remaining clock anew.
      await playMove(f, f.gameId, f.players);
      await playMove(f, f.gameId, f.players);
      const game = await f.rollup.game(f.gameId);
      expect(await defenceOpensAt(f, f.gameId)).to.equal(game.lastMoveAt + game.proposerClock / 2n);
    });

    it("reverts with OptimisticProposerMustMove when the batch's proposer calls it", async function () {
      const f = await loadFixture(honestGameFixture);
      await atTime(await defenceOpensAt(f, f.gameId));
      const { agree, claim } = decideMove(await f.rollup.game(f.gameId), f.plan.claims);
      await expectRevert(
        f,
        () => f.rollup.connect(f.proposer).defend(f.gameId, agree, claim, { value: CHALLENGER_BOND }),
        "OptimisticProposerMustMove",
        [f.gameId],
      );
    });

    it("reverts with OptimisticNotYourTurn when it is the challenger's turn", async function () {
      const f = await loadFixture(honestGameFixture);
      await playMove(f, f.gameId, f.players);
      await atTime(await defenceOpensAt(f, f.gameId));
      await expectRevert(
        f,
        () => f.rollup.connect(f.carol).defend(f.gameId, true, id("x"), { value: CHALLENGER_BOND }),
        "OptimisticNotYourTurn",
        [f.gameId, f.griefer.address, f.carol.address],
      );
    });

    it("reverts with OptimisticWrongBond when the bond is not exactly CHALLENGER_BOND", async function () {
      const f = await loadFixture(honestGameFixture);
      await atTime(await defenceOpensAt(f, f.gameId));
      const { agree, claim } = decideMove(await f.rollup.game(f.gameId), f.plan.claims);
      for (const value of [0n, CHALLENGER_BOND - 1n, CHALLENGER_BOND + 1n]) {
        await expectRevert(
          f,
          () => f.rollup.connect(f.carol).defend(f.gameId, agree, claim, { value }),
          "OptimisticWrongBond",
          [CHALLENGER_BOND, value],
        );
      }
    });

    it("reverts with OptimisticAlreadyDefended when the side has a defender, who alone moves for it", async function () {
      const f = await loadFixture(honestGameFixture);
      await takeOver(f, f.gameId, f.carol, f.plan.claims);
      await playMove(f, f.gameId, f.players); // the griefer's answer
      await atTime(await defenceOpensAt(f, f.gameId));
      const { agree, claim } = decideMove(await f.rollup.game(f.gameId), f.plan.claims);
      await expectRevert(
        f,
        () => f.rollup.connect(f.stranger).defend(f.gameId, agree, claim, { value: CHALLENGER_BOND }),
        "OptimisticAlreadyDefended",
        [f.gameId, f.carol.address],
      );
      // The proposer, back online, no longer plays the side: its defender does.
      await expectRevert(
        f,
        () => f.rollup.connect(f.proposer).move(f.gameId, agree, claim),
        "OptimisticNotYourTurn",
        [f.gameId, f.carol.address, f.proposer.address],
      );
      await expect(f.rollup.connect(f.carol).move(f.gameId, agree, claim)).to.emit(f.rollup, "Moved");
      expect((await f.rollup.game(f.gameId)).defenderMoves).to.equal(2n);
    });

    it("reverts with OptimisticClockExpired when the side's clock has run out", async function () {
      const f = await loadFixture(honestGameFixture);
      await atTime(f.openedAt + GAME_CLOCK + 1n);
      const { agree, claim } = decideMove(await f.rollup.game(f.gameId), f.plan.claims);
      await expectRevert(
        f,
        () => f.rollup.connect(f.carol).defend(f.gameId, agree, claim, { value: CHALLENGER_BOND }),
        "OptimisticClockExpired",
        [f.gameId, Party.Proposer],
      );
    });

    it("reverts with OptimisticUnknownGame when the game does not exist", async function () {
      const f = await loadFixture(honestGameFixture);
      await expectRevert(
        f,
        () => f.rollup.connect(f.carol).defend(7, true, id("x"), { value: CHALLENGER_BOND }),
        "OptimisticUnknownGame",
        [7n],
      );
      await expect(f.rollup.defender(7)).to.be.revertedWithCustomError(f.rollup, "OptimisticUnknownGame");
    });

    it("succeeds at cancel: a moot game returns the defender's bond beside the challenger's", async function () {
      // A second game against the forged batch, where its proposer is silent and a defender stands in;
      // then the honest challenger's game removes the batch, and the second game is moot.
      const f = await loadFixture(forgedGameFixture);
      const wrong = f.plan.claims.map((c, i) => (i === 0 ? c : id(`wrong ${i}`)));
      const other = await challengeBatch(f, f.griefer, 1n, f.plan, wrong);
      await takeOver(f, other, f.carol, f.plan.claims);
      await expect(refuteForgedBatch(f)).to.emit(f.rollup, "BatchesRemoved").withArgs(1n, 2n, 1n);
      await assertBondsConserved(f);
      const tx = await f.rollup.cancel(other);
      await expect(tx).to.emit(f.rollup, "GameCancelled").withArgs(other);
      await expect(tx).to.emit(f.rollup, "BondCredited").withArgs(f.griefer.address, CHALLENGER_BOND);
      await expect(tx).to.emit(f.rollup, "BondCredited").withArgs(f.carol.address, CHALLENGER_BOND);
      expect(await f.rollup.credit(f.carol)).to.equal(CHALLENGER_BOND);
      await assertBondsConserved(f);
    });
  });

  describe("finalize", function () {
    it("succeeds when the window has passed with no game open: the proposer's bond is credited", async function () {
      const f = await loadFixture(honestBatchFixture);
      await atTime(await closesAt(f.rollup, 1n));
      const tx = await f.rollup.connect(f.stranger).finalize(1);
      await expect(tx).to.emit(f.rollup, "BatchFinalized").withArgs(1n);
      await expect(tx).to.emit(f.rollup, "BondCredited").withArgs(f.proposer.address, PROPOSER_BOND);
      expect(await f.rollup.lastFinalizedIndex()).to.equal(1n);
      expect(await f.rollup.credit(f.proposer)).to.equal(PROPOSER_BOND);
      await assertBondsConserved(f);
    });

    it("succeeds for every batch up to the index, in order, crediting each proposer", async function () {
      const f = await loadFixture(honestBatchFixture);
      await commitPlan(f, f.otherProposer, await oneStepPlan(f));
      await time.increaseTo(await closesAt(f.rollup, 2n));
      const tx = await f.rollup.finalize(2);
      await expect(tx).to.emit(f.rollup, "BatchFinalized").withArgs(1n);
      await expect(tx).to.emit(f.rollup, "BatchFinalized").withArgs(2n);
      expect(await f.rollup.lastFinalizedIndex()).to.equal(2n);
      expect(await f.rollup.credit(f.proposer)).to.equal(PROPOSER_BOND);
      expect(await f.rollup.credit(f.otherProposer)).to.equal(PROPOSER_BOND);
      await assertBondsConserved(f);
    });

    it("succeeds after the proposer won every game against the batch", async function () {
      const f = await loadFixture(honestGameFixture);
      await playOut(f, f.gameId, f.players, f.plan);
      await time.increaseTo(await closesAt(f.rollup, 1n));
      await expect(f.rollup.finalize(1)).to.emit(f.rollup, "BatchFinalized").withArgs(1n);
      expect(await f.rollup.credit(f.proposer)).to.equal(PROPOSER_BOND + CHALLENGER_BOND - CHALLENGER_BURN);
      await assertBondsConserved(f);
    });

    it("reverts with OptimisticUnknownBatch when the batch is beyond the tip", async function () {
      const f = await loadFixture(honestBatchFixture);
      await time.increaseTo(await closesAt(f.rollup, 1n));
      await expectRevert(f, () => f.rollup.finalize(2), "OptimisticUnknownBatch", [2n]);
    });

    it("reverts with OptimisticBatchAlreadyFinal when the batch is genesis or already final", async function () {
      const f = await loadFixture(honestBatchFixture);
      await expectRevert(f, () => f.rollup.finalize(0), "OptimisticBatchAlreadyFinal", [0n]);
      await time.increaseTo(await closesAt(f.rollup, 1n));
      await f.rollup.finalize(1);
      await expectRevert(f, () => f.rollup.finalize(1), "OptimisticBatchAlreadyFinal", [1n]);
    });

    it("reverts with OptimisticChallengeWindowOpen when the window has not passed", async function () {
      const f = await loadFixture(honestBatchFixture);
      const closes = await closesAt(f.rollup, 1n);
      await atTime(closes - 1n);
      await expectRevert(f, () => f.rollup.finalize(1), "OptimisticChallengeWindowOpen", [1n, closes]);
    });

    it("reverts with OptimisticChallengeWindowOpen for a later batch, finalizing none of the earlier ones", async function () {
      const f = await loadFixture(honestBatchFixture);
      await time.increase(CHALLENGE_WINDOW / 2n);
      await commitPlan(f, f.otherProposer, await oneStepPlan(f));
      await time.increaseTo(await closesAt(f.rollup, 1n)); // batch 1 could be final on its own
      await expectRevert(f, () => f.rollup.finalize(2), "OptimisticChallengeWindowOpen", [
        2n,
        await closesAt(f.rollup, 2n),
      ]);
    });

    it("reverts with OptimisticGamesOpen when a game against the batch is still open", async function () {
      const f = await loadFixture(honestGameFixture);
      await time.increaseTo(await closesAt(f.rollup, 1n));
      await expectRevert(f, () => f.rollup.finalize(1), "OptimisticGamesOpen", [1n, 1n]);
    });
  });

  describe("finalizedWithdrawalRoot", function () {
    it("succeeds for genesis at once: the empty tree's root, never zero", async function () {
      const { rollup } = await loadFixture(deployOptimisticFixture);
      expect(await rollup.finalizedWithdrawalRoot(0)).to.equal(EMPTY_WITHDRAWAL_ROOT);
    });

    it("succeeds with zero before finality and the batch's withdrawal root after", async function () {
      const f = await loadFixture(honestBatchFixture);
      expect(await f.rollup.finalizedWithdrawalRoot(1)).to.equal(ZeroHash);
      expect(await f.rollup.finalizedWithdrawalRoot(2)).to.equal(ZeroHash);
      await time.increaseTo(await closesAt(f.rollup, 1n));
      await f.rollup.finalize(1);

      const tree = withdrawalTreeOf(f.plan);
      expect(f.plan.end.withdrawals).to.deep.equal([
        { recipient: f.bob.address, tokenId: 0, amount: BOB_WITHDRAWS },
      ]);
      expect(await f.rollup.finalizedWithdrawalRoot(1)).to.equal(tree.rootHex);
    });

    it("succeeds as the bridge's source: a withdrawal proven into a final batch is paid once", async function () {
      const f = await loadFixture(honestBatchFixture);
      const withdrawal = f.plan.end.withdrawals[0];
      const siblings = withdrawalTreeOf(f.plan).proof(0).siblings;
      const pay = () => f.bridge.connect(f.stranger).finalizeWithdrawal(f.rollup, 1, withdrawal, 0, siblings);

      await expect(pay())
        .to.be.revertedWithCustomError(f.bridge, "BridgeBatchNotFinal")
        .withArgs(f.rollupAddress, 1n);
      await time.increaseTo(await closesAt(f.rollup, 1n));
      await f.rollup.finalize(1);

      const tx = await pay();
      await expect(tx)
        .to.emit(f.bridge, "WithdrawalFinalized")
        .withArgs(f.rollupAddress, 1n, 0n, f.bob.address, 0n, BOB_WITHDRAWS);
      await expect(tx).to.changeEtherBalances([f.bob, f.bridge], [BOB_WITHDRAWS, -BOB_WITHDRAWS]);
      await expect(pay())
        .to.be.revertedWithCustomError(f.bridge, "BridgeWithdrawalAlreadyFinalized")
        .withArgs(f.rollupAddress, 1n, 0n);
      // the rest of the deposits stays escrowed for Layer 2: the theft attempt took nothing
      expect((await f.bridge.asset(f.rollup, ZeroAddress)).escrowed).to.equal(
        ALICE_DEPOSIT + BOB_DEPOSIT - BOB_WITHDRAWS,
      );
    });
  });

  describe("withdrawCredit", function () {
    it("succeeds when the caller has credit: pays all of it and zeroes it", async function () {
      const f = await loadFixture(honestGameFixture);
      await playOut(f, f.gameId, f.players, f.plan);
      await time.increaseTo(await closesAt(f.rollup, 1n));
      await f.rollup.finalize(1);
      const owed = PROPOSER_BOND + CHALLENGER_BOND - CHALLENGER_BURN;

      const tx = await f.rollup.connect(f.proposer).withdrawCredit();
      await expect(tx).to.emit(f.rollup, "CreditWithdrawn").withArgs(f.proposer.address, owed);
      await expect(tx).to.changeEtherBalances([f.proposer, f.rollup], [owed, -owed]);
      expect(await f.rollup.credit(f.proposer)).to.equal(0n);
      // what is left is exactly what was burned
      expect(await ethers.provider.getBalance(f.rollup)).to.equal(await f.rollup.burned());
      await assertBondsConserved(f);
    });

    it("reverts with OptimisticNoCredit when the caller has no credit", async function () {
      const f = await loadFixture(honestBatchFixture);
      await expectRevert(f, () => f.rollup.connect(f.stranger).withdrawCredit(), "OptimisticNoCredit", [
        f.stranger.address,
      ]);
    });

    it("reverts with OptimisticNoCredit when the credit was already withdrawn", async function () {
      const f = await loadFixture(honestBatchFixture);
      await time.increaseTo(await closesAt(f.rollup, 1n));
      await f.rollup.finalize(1);
      await f.rollup.connect(f.proposer).withdrawCredit();
      await expectRevert(f, () => f.rollup.connect(f.proposer).withdrawCredit(), "OptimisticNoCredit", [
        f.proposer.address,
      ]);
    });

    it("reverts with OptimisticEthTransferFailed when the creditor refuses ETH", async function () {
      const f = await loadFixture(depositedFixture);
      // A codeless EOA commits, then delegates its code (EIP-7702) to one that refuses ETH.
      const proposer = await fundedWallet(parseEther("10"));
      const address = proposer.address;
      const plan = planBatch(f.genesis, await firstBatchTxs(f), f.authorizer);
      await f.rollup.connect(proposer).commitBatch(...(await commitArgs(f, plan)), { value: PROPOSER_BOND });
      await time.increaseTo(await closesAt(f.rollup, 1n));
      await f.rollup.finalize(1);
      await delegateCode(proposer, await (await ethers.deployContract("RevertingRecipient")).getAddress());

      const before = await rollupLedger(f, [address]);
      await expect(f.rollup.connect(proposer).withdrawCredit())
        .to.be.revertedWithCustomError(f.rollup, "OptimisticEthTransferFailed")
        .withArgs(address, PROPOSER_BOND);
      expect(await rollupLedger(f, [address])).to.equal(before);
      expect(await f.rollup.credit(address)).to.equal(PROPOSER_BOND);
    });
  });

  describe("batch", function () {
    it("reverts with OptimisticUnknownBatch when the index is beyond the tip", async function () {
      const f = await loadFixture(honestBatchFixture);
      await expect(f.rollup.batch(2))
        .to.be.revertedWithCustomError(f.rollup, "OptimisticUnknownBatch")
        .withArgs(2n);
    });
  });

  describe("game", function () {
    it("reverts with OptimisticUnknownGame when the id was never issued", async function () {
      const f = await loadFixture(honestGameFixture);
      await expect(f.rollup.game(1))
        .to.be.revertedWithCustomError(f.rollup, "OptimisticUnknownGame")
        .withArgs(1n);
    });
  });

  describe("domainSeparator", function () {
    it("succeeds with the Layer-2 signing domain the wallets sign for", async function () {
      const f = await loadFixture(deployOptimisticFixture);
      expect(await f.rollup.domainSeparator()).to.equal(f.domain.separator);
    });
  });
});
