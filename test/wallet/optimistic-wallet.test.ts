// The wallet on the optimistic rollup, every verb against the in-process stack (the sequencer and the
// challenger running, reached over JSON-RPC as a user reaches them): deposits of ETH and the DemoToken,
// transfers by address and by account, a withdrawal proven from the sequencer's answer, checked against
// Layer 1 and paid once, with the balances on both layers; then every mistake the wallet refuses, by
// name, with nothing sent on Layer 1.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import { ZeroAddress, parseEther } from "ethers";
import { ethers } from "hardhat";
import { DemoToken__factory } from "../../typechain-types";
import { freePort } from "../../src/common/processes";
import type { TransferResult } from "../../src/wallet";
import {
  OptimisticWallet,
  WalletAccountNotFoundError,
  WalletAddressError,
  WalletAmountError,
  WalletDeploymentError,
  WalletInsufficientFundsError,
  WalletNotAWithdrawalError,
  WalletOperatorError,
  WalletRecipientError,
  WalletUnknownTokenError,
  WalletUnknownTransactionError,
  WalletWithdrawalAlreadyPaidError,
  WalletWithdrawalNotFinalError,
} from "../../src/wallet";
import type { TxReceipt } from "../../src/optimistic/rpc-server";
import type { OptimisticWalletWorld } from "./worlds";
import {
  DEMO_TOKENS,
  createOptimisticWalletWorld,
  expectRefusedBeforeLayer1,
  feeOf,
  waitForBalance,
} from "./worlds";

describe("OptimisticWallet", function () {
  this.timeout(120_000);
  let w: OptimisticWalletWorld;
  let aliceSigner: HardhatEthersSigner;
  let bobSigner: HardhatEthersSigner;
  let carolSigner: HardhatEthersSigner;
  let alice: OptimisticWallet;
  let bob: OptimisticWallet;
  let carol: OptimisticWallet;
  let transfer: TransferResult<TxReceipt>;

  before(async function () {
    w = await createOptimisticWalletWorld();
    [, , , aliceSigner, bobSigner, carolSigner] = w.signers;
    [alice, bob, carol] = await Promise.all([aliceSigner, bobSigner, carolSigner].map((s) => w.open(s)));
  });

  after(async function () {
    await w.stop();
  });

  describe("deposit", function () {
    it("moves ETH and the DemoToken from Layer 1 into Layer-2 accounts", async function () {
      const token = DemoToken__factory.connect(w.deployment.contracts.DemoToken, ethers.provider);
      const ethBefore = await ethers.provider.getBalance(aliceSigner.address);

      const eth = await alice.deposit({ amount: parseEther("5") });
      expect(eth).to.include({ amount: parseEther("5"), tokenId: 0, owner: alice.owner, queueIndex: 0n });
      expect(await ethers.provider.getBalance(aliceSigner.address)).to.equal(
        ethBefore - parseEther("5") - (await feeOf(eth.l1TxHash)),
      );
      const erc20 = await alice.deposit({ amount: parseEther("100"), token: "DemoToken" });
      expect(erc20).to.include({ amount: parseEther("100"), tokenId: 1, queueIndex: 1n });
      expect(await token.balanceOf(aliceSigner.address)).to.equal(DEMO_TOKENS - parseEther("100"));
      expect(await token.balanceOf(alice.bridge)).to.equal(parseEther("100"));
      await bob.deposit({ amount: parseEther("1") });

      await waitForBalance(alice, parseEther("5"));
      await waitForBalance(alice, parseEther("100"), w.deployment.contracts.DemoToken);
      await waitForBalance(bob, parseEther("1"));
      expect(await alice.account()).to.deep.equal({
        index: 0,
        owner: alice.owner,
        tokenId: 0,
        balance: parseEther("5"),
        nonce: 0,
      });
      expect(await alice.accountOf(bobSigner.address)).to.include({ index: 2, balance: parseEther("1") });
      expect(await alice.nonce()).to.equal(0);
      expect(await carol.balance()).to.equal(0n);
      expect(await carol.account()).to.equal(undefined);
    });
  });

  describe("transfer", function () {
    it("pays another owner by address at the sender's nonce, then by account index", async function () {
      transfer = await alice.transfer({ to: bobSigner.address, amount: parseEther("2") });
      expect(transfer).to.include({ from: 0, to: 2, tokenId: 0, amount: parseEther("2"), nonce: 0 });
      expect(transfer.receipt).to.deep.equal({
        hash: transfer.hash,
        status: "soft-confirmed",
        outcome: "applied",
      });
      expect(await alice.balance()).to.equal(parseEther("3"));
      expect(await bob.balance()).to.equal(parseEther("3"));
      expect(await alice.nonce()).to.equal(1);

      const back = await bob.transfer({ to: 0, amount: parseEther("0.5") });
      expect(back).to.include({ from: 2, to: 0, nonce: 0 });
      expect(await alice.balance()).to.equal(parseEther("3.5"));
      expect(await bob.balance()).to.equal(parseEther("2.5"));
      expect((await bob.receipt(back.hash))?.hash).to.equal(back.hash);
    });
  });

  describe("withdraw, proveWithdrawal and finalizeWithdrawal", function () {
    it("pays a withdrawal on Layer 1 once its batch is final, exactly once", async function () {
      const withdrawal = await bob.withdraw({ amount: parseEther("1.5") });
      expect(withdrawal).to.include({
        from: 2,
        recipient: bobSigner.address,
        amount: parseEther("1.5"),
        nonce: 1,
      });
      expect(await bob.balance()).to.equal(parseEther("1"));
      await expectRefusedBeforeLayer1(
        bobSigner,
        () => bob.finalizeWithdrawal(withdrawal.hash),
        WalletWithdrawalNotFinalError,
      );

      expect((await bob.waitForReceipt(withdrawal.hash, "committed")).status).to.equal("committed");
      const notYet = await expectRefusedBeforeLayer1(
        bobSigner,
        () => bob.proveWithdrawal(withdrawal.hash),
        WalletWithdrawalNotFinalError,
      );
      expect(notYet.status).to.equal("committed");
      await w.passChallengeWindow();
      const final = await bob.waitForReceipt(withdrawal.hash, "final", { timeoutMs: 30_000 });
      expect(final.batchIndex).to.be.a("number");

      const proof = await bob.proveWithdrawal(withdrawal.hash);
      expect(proof).to.deep.include({
        hash: withdrawal.hash,
        batchIndex: final.batchIndex,
        withdrawal: { recipient: bobSigner.address, tokenId: 0, amount: parseEther("1.5") },
      });
      await bob.waitForReceipt(transfer.hash, "final");
      await expectRefusedBeforeLayer1(
        bobSigner,
        () => bob.proveWithdrawal(transfer.hash),
        WalletNotAWithdrawalError,
      );

      // Anyone may have the bridge pay it: Alice pays the gas, Bob gets the ETH.
      const bobBefore = await ethers.provider.getBalance(bobSigner.address);
      const paid = await alice.finalizeWithdrawal(withdrawal.hash);
      expect(paid).to.include({
        hash: withdrawal.hash,
        batchIndex: final.batchIndex,
        leafIndex: proof.leafIndex,
        recipient: bobSigner.address,
        tokenId: 0,
        amount: parseEther("1.5"),
      });
      expect(await ethers.provider.getBalance(bobSigner.address)).to.equal(bobBefore + parseEther("1.5"));
      await expectRefusedBeforeLayer1(
        aliceSigner,
        () => alice.finalizeWithdrawal(withdrawal.hash),
        WalletWithdrawalAlreadyPaidError,
      );
      await expectRefusedBeforeLayer1(
        bobSigner,
        () => bob.finalizeWithdrawal(proof),
        WalletWithdrawalAlreadyPaidError,
      );
      expect(await bob.balance()).to.equal(parseEther("1"));
    });
  });

  describe("refusals", function () {
    const nowhere = "0x" + "77".repeat(20);
    type Mistake = [
      what: string,
      signer: () => HardhatEthersSigner,
      act: () => Promise<unknown>,
      error: new (...a: never[]) => Error,
    ];
    const mistakes: Mistake[] = [
      ["a deposit of 0", () => aliceSigner, () => alice.deposit({ amount: 0n }), WalletAmountError],
      ["a negative deposit", () => aliceSigner, () => alice.deposit({ amount: -1n }), WalletAmountError],
      [
        "a deposit given as a number",
        () => aliceSigner,
        () => alice.deposit({ amount: 1 as never }),
        WalletAmountError,
      ],
      [
        "a deposit of 2^128",
        () => aliceSigner,
        () => alice.deposit({ amount: 2n ** 128n }),
        WalletAmountError,
      ],
      [
        "a deposit of more ETH than the signer holds",
        () => aliceSigner,
        () => alice.deposit({ amount: parseEther("100000000") }),
        WalletInsufficientFundsError,
      ],
      [
        "a deposit of more tokens than the signer holds",
        () => aliceSigner,
        () => alice.deposit({ amount: DEMO_TOKENS, token: "DemoToken" }),
        WalletInsufficientFundsError,
      ],
      [
        "a token the rollup does not list",
        () => aliceSigner,
        () => alice.deposit({ amount: 1n, token: nowhere }),
        WalletUnknownTokenError,
      ],
      [
        "a token name the deployment lacks",
        () => aliceSigner,
        () => alice.deposit({ amount: 1n, token: "Nope" }),
        WalletUnknownTokenError,
      ],
      [
        "a deposit to a malformed address",
        () => aliceSigner,
        () => alice.deposit({ amount: 1n, to: "0x1234" }),
        WalletAddressError,
      ],
      [
        "a deposit to a bytes32 that is no padded address",
        () => aliceSigner,
        () => alice.deposit({ amount: 1n, to: "0x" + "ff".repeat(32) }),
        WalletAddressError,
      ],
      [
        "a transfer of more than the balance",
        () => aliceSigner,
        () => alice.transfer({ to: 2, amount: parseEther("4") }),
        WalletInsufficientFundsError,
      ],
      [
        "a transfer to an owner without an account",
        () => aliceSigner,
        () => alice.transfer({ to: nowhere, amount: 1n }),
        WalletAccountNotFoundError,
      ],
      [
        "a transfer to an account that is not open",
        () => aliceSigner,
        () => alice.transfer({ to: 99, amount: 1n }),
        WalletAccountNotFoundError,
      ],
      [
        "a transfer to the sending account",
        () => aliceSigner,
        () => alice.transfer({ to: 0, amount: 1n }),
        WalletRecipientError,
      ],
      [
        "a transfer to an account of another token",
        () => aliceSigner,
        () => alice.transfer({ to: 1, amount: 1n }),
        WalletRecipientError,
      ],
      [
        "a transfer from a wallet with no account",
        () => carolSigner,
        () => carol.transfer({ to: 0, amount: 1n }),
        WalletAccountNotFoundError,
      ],
      ["a withdrawal of 0", () => bobSigner, () => bob.withdraw({ amount: 0n }), WalletAmountError],
      [
        "a withdrawal to no address",
        () => bobSigner,
        () => bob.withdraw({ amount: 1n, recipient: "bob" }),
        WalletAddressError,
      ],
      [
        "a withdrawal to the zero address",
        () => bobSigner,
        () => bob.withdraw({ amount: 1n, recipient: ZeroAddress }),
        WalletAddressError,
      ],
      [
        "a withdrawal of more than the balance",
        () => bobSigner,
        () => bob.withdraw({ amount: parseEther("1.01") }),
        WalletInsufficientFundsError,
      ],
      [
        "a withdrawal the sequencer never saw",
        () => bobSigner,
        () => bob.finalizeWithdrawal("0x" + "ab".repeat(32)),
        WalletUnknownTransactionError,
      ],
      ["a receipt of a malformed hash", () => bobSigner, () => bob.receipt("0x1234"), WalletAddressError],
    ];

    for (const [what, signer, act, error] of mistakes) {
      it(`refuses ${what} with ${error.name}, sending nothing`, async function () {
        const before = [await alice.account(), await bob.account()];
        await expectRefusedBeforeLayer1(signer(), act, error);
        expect([await alice.account(), await bob.account()]).to.deep.equal(before);
      });
    }

    it("refuses to deposit through an operator that is not the sequencer, or does not answer", async function () {
      const toChallenger = await w.open(aliceSigner, w.challengerUrl);
      const wrong = await expectRefusedBeforeLayer1(
        aliceSigner,
        () => toChallenger.deposit({ amount: 1n }),
        WalletOperatorError,
      );
      expect(wrong.message).to.contain("challenger");
      const silent = await w.open(aliceSigner, `http://127.0.0.1:${await freePort()}`);
      await expectRefusedBeforeLayer1(aliceSigner, () => silent.deposit({ amount: 1n }), WalletOperatorError);
      await expectRefusedBeforeLayer1(
        aliceSigner,
        () => silent.transfer({ to: 2, amount: 1n }),
        WalletOperatorError,
      );
    });

    it("refuses to open on a deployment record that does not fit the chain", async function () {
      const openWith = (deployment: typeof w.deployment) =>
        OptimisticWallet.open({ signer: aliceSigner, deployment, operatorUrl: w.sequencerUrl });
      const { OptimisticRollup: _dropped, ...others } = w.deployment.contracts;
      const cases = [
        { ...w.deployment, contracts: others },
        { ...w.deployment, chainId: 1 },
        { ...w.deployment, contracts: { ...w.deployment.contracts, OptimisticRollup: carolSigner.address } },
      ];
      for (const deployment of cases) {
        await expectRefusedBeforeLayer1(aliceSigner, () => openWith(deployment), WalletDeploymentError);
      }
    });
  });
});
