// The wallet on the zk rollup, every verb against the in-process operator served over JSON-RPC, with
// real Groth16 proofs: deposits, a transfer to an owner, a
// withdrawal claimed once its batch verified, a forced withdrawal asked on Layer 1 carried and claimed;
// then the operator stops dead (Alice, censored, asks Layer 1 again), a deposit waits out the exodus
// delay, and the wallets activate exodus, exit with proofs they build from Layer 1 alone and get a
// never-consumed deposit refunded and claimed. Balances on both layers throughout; the zk-specific
// mistakes refused by name, with nothing sent on Layer 1.
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import { parseEther } from "ethers";
import { ethers } from "hardhat";
import type { ZkRollupWallet } from "../../src/wallet";
import {
  WalletAccountNotFoundError,
  WalletAddressError,
  WalletAmountError,
  WalletDeploymentError,
  WalletExodusError,
  WalletInsufficientFundsError,
  WalletKeyError,
  WalletNothingToClaimError,
  WalletOperatorError,
} from "../../src/wallet";
import { ZkRollupWallet as Wallet } from "../../src/wallet";
import { closeTestProver } from "../e2e/zk-world";
import type { ZkWalletWorld } from "./worlds";
import { createZkWalletWorld, expectRefusedBeforeLayer1, feeOf } from "./worlds";

describe("ZkRollupWallet", function () {
  this.timeout(600_000);
  let w: ZkWalletWorld;
  let signers: {
    alice: HardhatEthersSigner;
    bob: HardhatEthersSigner;
    carol: HardhatEthersSigner;
    dave: HardhatEthersSigner;
  };
  let alice: ZkRollupWallet;
  let bob: ZkRollupWallet;
  let carol: ZkRollupWallet;
  let dave: ZkRollupWallet;

  before(async function () {
    w = await createZkWalletWorld();
    const [, , , , a, b, c, d] = w.world.signers;
    signers = { alice: a, bob: b, carol: c, dave: d };
    // Alice's key is derived from her Layer-1 signer; the others' from their names.
    alice = await w.open(a);
    [bob, carol, dave] = await Promise.all([w.open(b, "bob"), w.open(c, "carol"), w.open(d, "dave")]);
  });

  after(async function () {
    await w.stop();
    await closeTestProver();
  });

  it("derives the same key from the same signer, and refuses a key that is not 32 bytes", async function () {
    const again = await w.open(signers.alice);
    expect(again.owner).to.equal(alice.owner);
    expect(BigInt(alice.owner) >> 160n).to.equal(0n);
    expect(alice.owner).to.not.equal((await w.open(signers.alice, "alice")).owner);
    await expectRefusedBeforeLayer1(
      signers.alice,
      () =>
        Wallet.open({
          signer: signers.alice,
          deployment: w.world.deployment,
          operatorUrl: w.url,
          zkKey: "0x1234",
        }),
      WalletKeyError,
    );
  });

  it("refuses, before Layer 1, a deployment whose rollup proves with another verifier than the record pins", async function () {
    // The attack: a record (handed to a user, say) that names a verifier with other code than it pins, or
    // a twin of the pinned verifier that the rollup does not call. The wallet opens nothing on it.
    const standIn = await ethers.deployContract("ZkVerifierStandIn");
    const twin = await ethers.deployContract("ZkVerifierTest");
    for (const verifier of [standIn, twin]) {
      const deployment = {
        ...w.world.deployment,
        contracts: { ...w.world.deployment.contracts, ZkVerifier: await verifier.getAddress() },
      };
      await expectRefusedBeforeLayer1(
        signers.alice,
        () => Wallet.open({ signer: signers.alice, deployment, operatorUrl: w.url, crypto: w.world.crypto }),
        WalletDeploymentError,
      );
    }
  });

  it("deposits ETH into accounts the operator opens when it proves the deposits", async function () {
    const before = await ethers.provider.getBalance(signers.alice.address);
    const deposit = await alice.deposit({ amount: parseEther("5") });
    expect(deposit).to.include({ amount: parseEther("5"), tokenId: 0, owner: alice.owner });
    expect(await ethers.provider.getBalance(signers.alice.address)).to.equal(
      before - parseEther("5") - (await feeOf(deposit.l1TxHash)),
    );
    await bob.deposit({ amount: parseEther("1") });
    await w.operator.tick(true);
    expect((await alice.receipt(deposit.head))?.status).to.equal("verified");
    expect(await alice.account()).to.deep.equal({
      index: 0,
      owner: alice.owner,
      tokenId: 0,
      balance: parseEther("5"),
      nonce: 0,
    });
    expect(await bob.balance()).to.equal(parseEther("1"));
    expect(await carol.balance()).to.equal(0n);
  });

  it("transfers to an owner and withdraws; the verified withdrawal is claimed once", async function () {
    const transfer = await alice.transfer({ to: bob.owner, amount: parseEther("2") });
    expect(transfer).to.include({ from: 0, to: 1, nonce: 0 });
    expect(transfer.receipt).to.deep.equal({ hash: transfer.hash, status: "accepted" });
    const withdrawal = await bob.withdraw({ amount: parseEther("1.5") });
    expect(withdrawal).to.include({ from: 1, recipient: signers.bob.address, nonce: 0 });
    expect(await alice.balance()).to.equal(parseEther("3"));
    expect(await bob.balance()).to.equal(parseEther("1.5"));
    expect(await bob.nonce()).to.equal(1);
    await expectRefusedBeforeLayer1(signers.bob, () => bob.claim(), WalletNothingToClaimError);

    await w.operator.tick(true);
    expect((await bob.waitForReceipt(withdrawal.hash, "verified")).status).to.equal("verified");
    expect((await alice.receipt(transfer.hash))?.status).to.equal("verified");
    expect(await bob.credit()).to.equal(parseEther("1.5"));
    const before = await ethers.provider.getBalance(signers.bob.address);
    const claimed = await bob.claim();
    expect(claimed).to.include({ amount: parseEther("1.5"), tokenId: 0, to: signers.bob.address });
    expect(await ethers.provider.getBalance(signers.bob.address)).to.equal(
      before + parseEther("1.5") - (await feeOf(claimed.l1TxHash)),
    );
    await expectRefusedBeforeLayer1(signers.bob, () => bob.claim(), WalletNothingToClaimError);
  });

  it("refuses what the zk rollup cannot carry, by name, before Layer 1", async function () {
    const notFloat40 = 2n ** 35n + 1n;
    const amount = await expectRefusedBeforeLayer1(
      signers.alice,
      () => alice.deposit({ amount: notFloat40 }),
      WalletAmountError,
    );
    expect(amount.message).to.contain("the nearest below is 34359738367");
    await expectRefusedBeforeLayer1(
      signers.alice,
      () => alice.transfer({ to: 1, amount: notFloat40 }),
      WalletAmountError,
    );
    await expectRefusedBeforeLayer1(
      signers.alice,
      () => alice.transfer({ to: signers.bob.address, amount: 1n }),
      WalletAddressError,
    );
    await expectRefusedBeforeLayer1(
      signers.alice,
      () => alice.deposit({ amount: 1n, to: "0x" + "ff".repeat(32) }),
      WalletAddressError,
    );
    await expectRefusedBeforeLayer1(signers.alice, () => alice.exit(), WalletExodusError);
    await expectRefusedBeforeLayer1(signers.alice, () => alice.activateExodus(), WalletExodusError);
    await expectRefusedBeforeLayer1(signers.alice, () => alice.refundDeposits(), WalletExodusError);
  });

  it("forces a withdrawal on Layer 1, refused by name before Layer 1 when it cannot be carried; the operator carries it", async function () {
    const notFloat40 = 2n ** 35n + 1n;
    await expectRefusedBeforeLayer1(
      signers.alice,
      () => alice.forceWithdraw({ amount: notFloat40 }),
      WalletAmountError,
    );
    await expectRefusedBeforeLayer1(
      signers.alice,
      () => alice.forceWithdraw({ amount: 0n }),
      WalletAmountError,
    );
    const over = await expectRefusedBeforeLayer1(
      signers.alice,
      () => alice.forceWithdraw({ amount: parseEther("4") }),
      WalletInsufficientFundsError,
    );
    expect([over.have, over.need]).to.deep.equal([parseEther("3"), parseEther("4")]);
    await expectRefusedBeforeLayer1(signers.dave, () => dave.forceWithdraw(), WalletAccountNotFoundError);

    const forced = await alice.forceWithdraw({ amount: parseEther("1") });
    expect(forced.request).to.include({
      account: 0,
      tokenId: 0,
      amount: parseEther("1"),
      requester: signers.alice.address,
    });
    expect(forced.dueAt).to.equal(Number(forced.request.requestedAt) + alice.config.exodusDelay);
    await w.operator.tick(true);
    expect(await alice.balance()).to.equal(parseEther("2"));
    const before = await ethers.provider.getBalance(signers.alice.address);
    const claimed = await alice.claim();
    expect(claimed.amount).to.equal(parseEther("1"));
    expect(await ethers.provider.getBalance(signers.alice.address)).to.equal(
      before + parseEther("1") - (await feeOf(claimed.l1TxHash)),
    );
  });

  it("leaves by exodus once the operator stops: activate when due, exit, refund and claim", async function () {
    const carolDeposit = await carol.deposit({ amount: parseEther("1") });
    await w.world.stack!.kill();
    await w.closeServer();
    // Censored (the operator is gone): Alice asks Layer 1 for her whole balance, which no batch carries.
    const forced = await alice.forceWithdraw();
    expect(forced.request.amount).to.equal(parseEther("2"));
    await expectRefusedBeforeLayer1(signers.dave, () => dave.deposit({ amount: 1n }), WalletOperatorError);

    const early = await expectRefusedBeforeLayer1(
      signers.dave,
      () => dave.activateExodus(),
      WalletExodusError,
    );
    expect(early.message).to.contain("not due");
    await time.increase(alice.config.exodusDelay);
    const activated = await dave.activateExodus();
    expect(activated).to.include({ pendingDeposits: 1, pendingForced: 1 });
    await expectRefusedBeforeLayer1(signers.dave, () => dave.activateExodus(), WalletExodusError);

    for (const [wallet, signer, balance] of [
      [alice, signers.alice, parseEther("2")],
      [bob, signers.bob, parseEther("1.5")],
    ] as const) {
      const before = await ethers.provider.getBalance(signer.address);
      const exited = await wallet.exit();
      expect(exited).to.include({ tokenId: 0, amount: balance });
      expect(await ethers.provider.getBalance(signer.address)).to.equal(
        before + balance - (await feeOf(exited.l1TxHash)),
      );
      await expectRefusedBeforeLayer1(signer, () => wallet.exit(), WalletExodusError);
    }
    await expectRefusedBeforeLayer1(signers.dave, () => dave.exit(), WalletAccountNotFoundError);

    expect((await carol.refundDeposits()).refunded).to.equal(1);
    await expectRefusedBeforeLayer1(signers.carol, () => carol.refundDeposits(), WalletExodusError);
    expect(await carol.credit()).to.equal(carolDeposit.amount);
    const before = await ethers.provider.getBalance(signers.carol.address);
    const claimed = await carol.claim();
    expect(await ethers.provider.getBalance(signers.carol.address)).to.equal(
      before + parseEther("1") - (await feeOf(claimed.l1TxHash)),
    );
  });
});
