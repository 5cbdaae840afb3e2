// End to end, Layer 3: Strata's optimistic rollup (its Bridge, OptimisticRollup, sequencer and challenger)
// deployed on the sidechain's own node (Anvil, chain 31338, a block every second) instead of Layer 1. The
// Layer 3's ETH is the sidechain's ERC-20 that stands for it (sETH, the ChildBridge's ChildToken of token
// id 0); here a TestToken stands in for it, since the ChildBridge that mints it is not part of this test.
// Honest path: users deposit sETH into the Layer 3, pay each other, withdraw; the batch is final once the
// Layer-3 challenge window has passed (in the sidechain's real time), and the Layer-3 bridge pays the sETH
// back on the sidechain, once. Under attack: a dishonest Layer-3 proposer's false batch is challenged by the
// honest challenger, which follows the sidechain, and removed. Invariants are checked after every step.
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { expect } from "chai";
import { JsonRpcProvider, parseEther } from "ethers";
import type { JsonRpcSigner } from "ethers";
import { ethers } from "hardhat";
import { TestToken__factory } from "../../typechain-types";
import type { TestToken } from "../../typechain-types";
import { assertBridgeSolvent } from "../../src/bridge/invariants";
import { WrongChainError, checkDeploymentOnChain } from "../../src/common/chain-identity";
import { ContractRevertError } from "../../src/common/errors";
import { ofType, readAllEvents, waitForEvent } from "../../src/common/events";
import { pollUntil } from "../../src/common/json-rpc";
import { ANVIL, freePort, stopGroup } from "../../src/common/processes";
import { commitLyingBatch, lyingPlayer } from "../../src/optimistic/adversaries";
import type { RollupTiming } from "../../src/optimistic/config";
import { assertBondsConserved, assertFinalBatchesValid, owedByRollup } from "../../src/optimistic/invariants";
import type { InProcessOptimisticStack } from "../../src/optimistic/stack";
import { startOptimisticStack } from "../../src/optimistic/stack";
import type { Layer3 } from "../../src/sidechain/layer3";
import { LAYER3_TOKEN, Layer3TokenMissingError, deployLayer3 } from "../../src/sidechain/layer3";
import { SIDECHAIN_CHAIN_ID, startSidechainNode } from "../../src/sidechain/node";
import {
  OptimisticWallet,
  WalletInsufficientFundsError,
  WalletWithdrawalAlreadyPaidError,
  WalletWithdrawalNotFinalError,
} from "../../src/wallet";
import { signedTransfer } from "../shared/transactions";

/**
 * Seconds, in the sidechain's real time: a window short enough to wait out in the test, clocks long enough
 * for both sides to answer with a block a second.
 */
const TIMING: RollupTiming = { challengeWindow: 10, inclusionWindow: 30, gameClock: 60 };
const GAME_STATUS = { open: 1n, challengerWon: 3n };
const PARTY = { proposer: 0n, challenger: 1n };
const S = LAYER3_TOKEN;

describe("e2e: Layer 3 (the optimistic rollup on the sidechain)", function () {
  this.timeout(110_000);

  let node: ChildProcess | undefined;
  let provider: JsonRpcProvider | undefined;
  let stack: InProcessOptimisticStack | undefined;
  let layer3: Layer3;
  let sETH: TestToken;
  let signers: JsonRpcSigner[];
  let alice: OptimisticWallet;
  let bob: OptimisticWallet;
  let mallory: OptimisticWallet;
  /** Measured, not asserted: printed once the suite is done. */
  const figures: Record<string, string> = {};

  before(async function () {
    // Anvil comes from an optional dependency that npm installs on Linux x64 only.
    if (!existsSync(ANVIL)) this.skip();
    const port = await freePort();
    node = await startSidechainNode(port);
    provider = new JsonRpcProvider(`http://127.0.0.1:${port}`, undefined, {
      cacheTimeout: -1,
      pollingInterval: 100,
    });
    signers = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => provider!.getSigner(i)));
    const [deployer, sequencer, challenger, aliceSigner, bobSigner, mallorySigner] = signers;
    // A stand-in for the ChildBridge's sETH: an ERC-20 on the sidechain, minted to the users here.
    sETH = await new TestToken__factory(deployer).deploy("Sidechain ETH (test stand-in)", "sETH");
    await sETH.waitForDeployment();
    for (const [user, amount] of [
      [aliceSigner, "10"],
      [bobSigner, "1"],
      [mallorySigner, "1"],
    ] as const) {
      await (await sETH.mint(user.address, parseEther(amount))).wait();
    }
    layer3 = await deployLayer3(deployer, { token: await sETH.getAddress(), timing: TIMING });
    stack = await startOptimisticStack(layer3.deployment, provider, {
      kind: "in-process",
      sequencer,
      challenger,
      serve: true,
      // Credit left on the rollup, so that the test can read what each side was paid.
      withdrawCredit: false,
      maxBatchAgeMs: 1_500,
      sequencerPollMs: 200,
      challengerPollMs: 300,
    });
    const open = (signer: JsonRpcSigner) =>
      OptimisticWallet.open({ signer, deployment: layer3.deployment, operatorUrl: stack!.urls.sequencer! });
    [alice, bob, mallory] = await Promise.all([aliceSigner, bobSigner, mallorySigner].map(open));
  });

  after(async function () {
    try {
      await stack?.stop();
    } finally {
      provider?.destroy();
      if (node) await stopGroup(node);
    }
    if (Object.keys(figures).length > 0) {
      console.log(
        "      [measure] Layer 3 on the sidechain: " +
          Object.entries(figures)
            .map(([k, v]) => `${k} ${v}`)
            .join("; "),
      );
    }
  });

  /** Bridge solvency in sETH, bond conservation, every final batch valid: on the sidechain. */
  async function checkInvariants(): Promise<void> {
    const { rollup, bridge } = stack!.context;
    const follower = await stack!.context.newFollower();
    await follower.sync();
    assertFinalBatchesValid(follower);
    await assertBondsConserved(rollup, provider!);
    const owed = await owedByRollup(follower, bridge.contract);
    await assertBridgeSolvent(bridge.contract, provider!, {
      rollups: [rollup.address],
      tokens: [await sETH.getAddress()],
      owed: () => owed.get(layer3.tokenId) ?? 0n,
    });
  }

  /** Waits until `wallet`'s Layer-3 balance of sETH is `amount` (the sequencer pulls deposits in its rounds). */
  async function waitForBalance(wallet: OptimisticWallet, amount: bigint): Promise<void> {
    await pollUntil(
      () => wallet.balance(S),
      (b) => b === amount,
      (b) => new Error(`the Layer-3 balance of ${wallet.address} stayed ${b}, not ${amount}`),
      { timeoutMs: 30_000, pollMs: 100 },
    );
  }

  describe("deployLayer3", function () {
    it("deploys the rollup and its bridge on the sidechain's chain (31338), where Layer 1's services refuse it", async function () {
      const { deployment } = layer3;
      expect(deployment.network).to.equal("layer3");
      expect(deployment.chainId).to.equal(SIDECHAIN_CHAIN_ID);
      expect((await provider!.getNetwork()).chainId).to.equal(BigInt(SIDECHAIN_CHAIN_ID));
      expect(deployment.chain!.genesisHash).to.equal((await provider!.getBlock(0))!.hash);
      for (const name of ["Bridge", "OneStepProver", "OptimisticRollup", S]) {
        expect(await provider!.getCode(deployment.contracts[name])).to.not.equal("0x", name);
      }
      // Layer-3 transactions are signed for the sidechain's chain id: a signature for Layer 1 is no use here.
      expect(BigInt(stack!.context.domain.domain.chainId!)).to.equal(BigInt(SIDECHAIN_CHAIN_ID));
      // Layer 1 (this process's Hardhat chain, 31337) does not hold the Layer 3: a service pointed there refuses.
      expect((await ethers.provider.getNetwork()).chainId).to.equal(31337n);
      const refused = await checkDeploymentOnChain(deployment, ethers.provider).catch((e: unknown) => e);
      expect(refused).to.be.instanceOf(WrongChainError);
      expect(layer3.tokenId).to.equal(1);
      const { bridge, rollup } = stack!.context;
      expect(await bridge.contract.tokenOf(rollup.address, layer3.tokenId)).to.equal(await sETH.getAddress());
    });

    it("refuses the sidechain's own coin: ETH on the Layer 3 is sETH alone", async function () {
      const { bridge, rollup } = stack!.context;
      const error = await bridge
        .depositEth(signers[3], { rollup: rollup.address, to: alice.owner, amount: parseEther("1") })
        .catch((e: unknown) => e);
      expect(error)
        .to.be.instanceOf(ContractRevertError)
        .and.have.property("errorName", "BridgeTokenNotAllowed");
      expect((await bridge.contract.asset(rollup.address, ethers.ZeroAddress)).allowed).to.equal(false);
    });

    it("throws Layer3TokenMissingError, before any transaction, for a token with no code on the sidechain", async function () {
      const deployer = signers[0];
      const nonce = await provider!.getTransactionCount(deployer.address);
      const stranger = "0x00000000000000000000000000000000000000aa";
      const error = await deployLayer3(deployer, { token: stranger }).catch((e: unknown) => e);
      expect(error)
        .to.be.instanceOf(Layer3TokenMissingError)
        .and.include({ token: stranger, chainId: 31338 });
      expect(await provider!.getTransactionCount(deployer.address)).to.equal(nonce);
    });
  });

  describe("the Layer 3 at work", function () {
    it("deposits sETH, pays on Layer 3, withdraws, and the Layer-3 bridge pays it back on the sidechain once", async function () {
      const { bridge, rollup } = stack!.context;
      const escrow = await bridge.contract.getAddress();
      const deposited = await alice.deposit({ amount: parseEther("5"), token: S });
      expect(deposited.tokenId).to.equal(layer3.tokenId);
      figures["deposit"] = `${deposited.gasUsed} gas`;
      await bob.deposit({ amount: parseEther("1"), token: S });
      expect(await sETH.balanceOf(alice.address)).to.equal(parseEther("5"));
      expect(await sETH.balanceOf(escrow)).to.equal(parseEther("6"));
      await waitForBalance(alice, parseEther("5"));
      await waitForBalance(bob, parseEther("1"));
      await checkInvariants();

      // Alice pays Bob 2 sETH in eight transfers, which the sequencer commits together.
      const { cursor: from } = await readAllEvents(stack!.sequencerEvents);
      let last = "";
      for (let i = 0; i < 8; i++) {
        last = (await alice.transfer({ to: bob.address, amount: parseEther("0.25"), token: S })).hash;
      }
      await alice.waitForReceipt(last, "committed", { timeoutMs: 30_000 });
      const { event: commit } = await waitForEvent(
        stack!.sequencerEvents,
        ofType("batchCommitted", (e) => e.txs.includes(last)),
        { from, timeoutMs: 5_000 },
      );
      figures["commit"] =
        `${commit.gasUsed} gas for ${commit.steps} steps (${commit.deposits} deposits), ` +
        `${BigInt(commit.gasUsed) / BigInt(commit.steps)} gas per step`;
      expect(await alice.balance(S)).to.equal(parseEther("3"));
      expect(await bob.balance(S)).to.equal(parseEther("3"));

      // Bob withdraws 2.5 sETH to his sidechain address: nothing is paid until the Layer-3 window has passed.
      const withdrawal = await bob.withdraw({ amount: parseEther("2.5"), token: S });
      const withdrawnAt = Date.now();
      await bob.waitForReceipt(withdrawal.hash, "committed", { timeoutMs: 30_000 });
      const early = await bob.finalizeWithdrawal(withdrawal.hash).catch((e: unknown) => e);
      expect(early).to.be.instanceOf(WalletWithdrawalNotFinalError);
      await bob.waitForReceipt(withdrawal.hash, "final", { timeoutMs: 60_000 });
      figures["withdrawal to final on Layer 3"] =
        `${((Date.now() - withdrawnAt) / 1000).toFixed(1)} s (window ${TIMING.challengeWindow} s)`;
      expect(await rollup.contract.gameCount()).to.equal(0n);

      const before = await sETH.balanceOf(bob.address);
      const paid = await bob.finalizeWithdrawal(withdrawal.hash);
      figures["finalizeWithdrawal"] = `${paid.gasUsed} gas`;
      expect(paid).to.include({ recipient: bob.address, tokenId: layer3.tokenId, amount: parseEther("2.5") });
      expect(await sETH.balanceOf(bob.address)).to.equal(before + parseEther("2.5"));
      expect(await sETH.balanceOf(escrow)).to.equal(parseEther("3.5"));
      const [finalized] = await bridge.contract.queryFilter(
        bridge.contract.filters.WithdrawalFinalized(rollup.address),
        paid.blockNumber,
        paid.blockNumber,
      );
      expect(finalized.args.recipient).to.equal(bob.address);
      expect(finalized.args.amount).to.equal(parseEther("2.5"));
      const again = await bob.finalizeWithdrawal(withdrawal.hash).catch((e: unknown) => e);
      expect(again).to.be.instanceOf(WalletWithdrawalAlreadyPaidError);
      expect(await bob.balance(S)).to.equal(parseEther("0.5"));
      await checkInvariants();
    });

    it("removes a dishonest Layer-3 proposer's false batch: the honest challenger follows the sidechain and wins", async function () {
      const { rollup, bridge, domain } = stack!.context;
      const [, , challengerSigner, aliceSigner, , mallorySigner] = signers;
      const { cursor } = await readAllEvents(stack!.challengerEvents);
      // Mallory has 1 sETH on Layer 3, sequenced and committed before she lies.
      await mallory.deposit({ amount: parseEther("1"), token: S });
      await waitForBalance(mallory, parseEther("1"));
      const malloryIndex = (await mallory.account(S))!.index;
      const follower = await stack!.context.newFollower();
      await pollUntil(
        async () => {
          await follower.sync();
          return follower.machineAfter(follower.tip.index)?.l2.account(malloryIndex)?.balance;
        },
        (b) => b === parseEther("1"),
        (b) => new Error(`Mallory's deposit is not in a committed batch (balance ${b})`),
        { timeoutMs: 30_000, pollMs: 200 },
      );

      // Her batch carries four of Alice's real transfers to Bob, and credits her 5 sETH after the second.
      const aliceAccount = (await alice.account(S))!;
      const bobIndex = (await bob.account(S))!.index;
      const txs = [];
      for (let i = 0; i < 4; i++) {
        txs.push(
          await signedTransfer(domain, aliceSigner, {
            from: aliceAccount.index,
            to: bobIndex,
            amount: parseEther("0.1"),
            nonce: aliceAccount.nonce + i,
          }),
        );
      }
      const bond = (await rollup.config()).proposerBond;
      const burnedBefore = await rollup.contract.burned();
      const lie = await commitLyingBatch({
        rollup,
        bridge,
        follower,
        signer: mallorySigner,
        txs,
        lieAt: 1,
        beneficiary: malloryIndex,
        amount: parseEther("5"),
      });
      const liar = lyingPlayer(
        { rollup, follower, signer: mallorySigner },
        new Map([[lie.batchIndex, lie.trace]]),
      );

      // The challenger's loop opens the game; Mallory defends her trace until the one-step proof ends it.
      const { event: challenged } = await waitForEvent(
        stack!.challengerEvents,
        ofType("challenged", (e) => e.batchIndex === lie.batchIndex),
        { from: cursor, timeoutMs: 20_000, what: "the challenge of the false batch" },
      );
      await pollUntil(
        async () => {
          await follower.sync();
          await liar.playAll();
          return (await rollup.contract.game(challenged.gameId)).status;
        },
        (status) => status !== GAME_STATUS.open,
        (status) => new Error(`the game is still ${status}`),
        { timeoutMs: 60_000, pollMs: 300 },
      );

      const game = await rollup.contract.game(challenged.gameId);
      expect(game.status).to.equal(GAME_STATUS.challengerWon);
      expect(game.challenger).to.equal(challengerSigner.address);
      const [resolved] = await rollup.contract.queryFilter(
        rollup.contract.filters.GameResolved(challenged.gameId),
      );
      expect(resolved.args.winner).to.equal(PARTY.challenger);
      const [removed] = await rollup.contract.queryFilter(
        rollup.contract.filters.BatchesRemoved(lie.batchIndex),
      );
      expect(removed.args.count).to.equal(1n);
      expect(await rollup.contract.batchCount()).to.equal(BigInt(lie.batchIndex));
      expect(await rollup.contract.credit(challengerSigner.address)).to.equal(bond + bond / 2n);
      expect(await rollup.contract.burned()).to.equal(burnedBefore + bond / 2n);
      expect(await rollup.contract.credit(mallorySigner.address)).to.equal(0n);

      // The 5 sETH she credited herself never existed: she cannot withdraw them, only her own 1.
      expect(await mallory.balance(S)).to.equal(parseEther("1"));
      const theft = await mallory.withdraw({ amount: parseEther("5"), token: S }).catch((e: unknown) => e);
      expect(theft).to.be.instanceOf(WalletInsufficientFundsError);
      await checkInvariants();
    });
  });
});
