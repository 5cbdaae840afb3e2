import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress } from "ethers";
import { encodeFloat40 } from "../../src/shared/float40";
import { slotElement } from "../../src/zk/pubdata";
import type { ZkForcedRequest } from "../../src/zk/types";
import { revertCheckerOf } from "../shared/reverts";
import type { ZkFixture } from "./fixtures";
import {
  ALICE_DEPOSIT,
  DEPTH,
  ETH_ID,
  EXODUS_DELAY,
  FORCED_REQUEST_FEE,
  deployZkFixture,
  depositedFixture,
  prepareBatch,
  randomProof,
  submit,
  zkLedger,
} from "./fixtures";

const expectRevert = revertCheckerOf(zkLedger, (f: ZkFixture) => f.rollup, "the rollup");

/** Request `index` as the contract stored it (read back through its view). */
async function storedRequest(f: ZkFixture, index: number): Promise<ZkForcedRequest> {
  const [, requester, requestedAt] = await f.rollup.forcedRequest(index);
  const event = (await f.rollup.queryFilter(f.rollup.filters.WithdrawalRequested(index)))[0];
  const { account, owner, tokenId, amount } = event.args;
  return { index, requester, account: Number(account), owner, tokenId: Number(tokenId), amount, requestedAt };
}

/**
 * Asks for `amount` wei of account 0's ETH with Alice's key, paying `value`; sent by Alice, or by `signer`
 * (whose address makes another owner hash).
 */
function ask(f: ZkFixture, value: bigint, amount = 1n, signer = f.users.alice.signer) {
  const { alice } = f.users;
  return f.rollup
    .connect(signer)
    .requestWithdrawal(0, ETH_ID, encodeFloat40(amount), alice.ax, alice.ay, { value });
}

describe("ZkRollup forced withdrawals (request queue)", function () {
  const AMOUNT = 5n * 10n ** 18n;

  it("stores a request with the caller's owner hash, in order, and emits WithdrawalRequested", async function () {
    const f = await loadFixture(deployZkFixture);
    const alice = f.users.alice;
    await expect(
      f.rollup
        .connect(alice.signer)
        .requestWithdrawal(0, 0, encodeFloat40(AMOUNT), alice.ax, alice.ay, { value: FORCED_REQUEST_FEE }),
    )
      .to.emit(f.rollup, "WithdrawalRequested")
      .withArgs(0, alice.signer.address, 0, alice.owner, 0, AMOUNT);
    const [slot, requester] = await f.rollup.forcedRequest(0);
    const request = {
      index: 0,
      requester,
      account: 0,
      owner: alice.owner,
      tokenId: 0,
      amount: AMOUNT,
      requestedAt: 0n,
    };
    expect(slot).to.equal(slotElement({ kind: "forced", request, effective: false }));
    expect(await f.rollup.forcedRequests()).to.deep.equal([1n, 0n]);
  });

  it("refuses a request no circuit can carry, by name, and stores nothing", async function () {
    const f = await loadFixture(deployZkFixture);
    const { signer, ax, ay } = f.users.alice;
    const r = f.rollup.connect(signer);
    await expect(
      r.requestWithdrawal(2 ** Number(DEPTH), 0, encodeFloat40(AMOUNT), ax, ay, {
        value: FORCED_REQUEST_FEE,
      }),
    ).to.be.revertedWithCustomError(f.rollup, "ZkRollupAccountIndexOutOfRange");
    await expect(
      r.requestWithdrawal(0, 0, 0, ax, ay, { value: FORCED_REQUEST_FEE }),
    ).to.be.revertedWithCustomError(f.rollup, "ZkRollupInvalidForcedAmount");
    const nonCanonical = (1n << 35n) + 50n; // 50·10^1 packed with exponent 1: canonical is 500·10^0
    await expect(
      r.requestWithdrawal(0, 0, nonCanonical, ax, ay, { value: FORCED_REQUEST_FEE }),
    ).to.be.revertedWithCustomError(f.rollup, "ZkRollupInvalidForcedAmount");
    expect(await f.rollup.forcedRequests()).to.deep.equal([0n, 0n]);
  });

  it("switches on exodus once a request waited EXODUS_DELAY unconsumed (no deposit waiting), not before", async function () {
    const f = await loadFixture(deployZkFixture);
    const { signer, ax, ay } = f.users.alice;
    await expect(f.rollup.activateExodus([])).to.be.revertedWithCustomError(
      f.rollup,
      "ZkRollupNothingWaiting",
    );
    await (
      await f.rollup
        .connect(signer)
        .requestWithdrawal(0, 0, encodeFloat40(AMOUNT), ax, ay, { value: FORCED_REQUEST_FEE })
    ).wait();
    const [, , requestedAt] = await f.rollup.forcedRequest(0);
    await expect(f.rollup.activateExodus([]))
      .to.be.revertedWithCustomError(f.rollup, "ZkRollupExodusNotDue")
      .withArgs(requestedAt + EXODUS_DELAY);
    await time.increaseTo(requestedAt + EXODUS_DELAY);
    await expect(f.rollup.connect(f.stranger).activateExodus([])).to.emit(f.rollup, "ExodusActivated");
    await expect(
      f.rollup
        .connect(signer)
        .requestWithdrawal(0, 0, encodeFloat40(AMOUNT), ax, ay, { value: FORCED_REQUEST_FEE }),
    ).to.be.revertedWithCustomError(f.rollup, "ZkRollupExodusActive");
  });

  it("reverts with ZkRollupForcedRequestMissing a batch carrying a request nobody made", async function () {
    const f = await loadFixture(deployZkFixture);
    const proof = randomProof(f.rng);
    await expect(f.rollup.connect(f.operator).submitBatch(1n, f.operator.address, proof, "0x0401", [], []))
      .to.be.revertedWithCustomError(f.rollup, "ZkRollupForcedRequestMissing")
      .withArgs(0);
  });

  it("consumes requests in order: an effective one credits its requester, who claims; a nullified one credits nothing", async function () {
    const f = await loadFixture(depositedFixture);
    const { alice, bob } = f.users;
    const amount = ALICE_DEPOSIT / 3n;
    await (await ask(f, FORCED_REQUEST_FEE, amount)).wait();
    // Bob names Alice's account with Alice's key: his address makes another owner hash.
    await (await ask(f, FORCED_REQUEST_FEE, amount, bob.signer)).wait();
    const [mine, his] = [await storedRequest(f, 0), await storedRequest(f, 1)];
    expect(his.owner).to.not.equal(alice.owner);
    const batch = await prepareBatch(f, f.model, [
      { kind: "forced", request: mine, effective: true },
      { kind: "forced", request: his, effective: false },
    ]);
    const tx = submit(f, batch);
    await expect(tx).to.emit(f.rollup, "ForcedWithdrawalConsumed").withArgs(2, 0, true);
    await expect(tx).to.emit(f.rollup, "ForcedWithdrawalConsumed").withArgs(2, 1, false);
    await expect(tx)
      .to.emit(f.rollup, "WithdrawalCredited")
      .withArgs(2, alice.signer.address, ETH_ID, amount);
    expect(await f.rollup.forcedRequests()).to.deep.equal([2n, 2n]);
    expect(await f.rollup.creditOf(alice.signer.address, ETH_ID)).to.equal(amount);
    expect(await f.rollup.creditOf(bob.signer.address, ETH_ID)).to.equal(0n);
    await expect(f.rollup.connect(alice.signer).claim(ETH_ID, alice.signer.address)).to.changeEtherBalance(
      alice.signer,
      amount,
    );
    // Consumed: no longer a reason for exodus.
    await time.increase(10n * EXODUS_DELAY);
    await expect(f.rollup.activateExodus([])).to.be.revertedWithCustomError(
      f.rollup,
      "ZkRollupNothingWaiting",
    );
  });

  it("reverts with ZkRollupInvalidEffectiveByte an effective byte other than 0 or 1, changing nothing", async function () {
    const f = await loadFixture(depositedFixture);
    await (await ask(f, FORCED_REQUEST_FEE)).wait();
    const batch = await prepareBatch(f, f.model, [
      { kind: "forced", request: await storedRequest(f, 0), effective: true },
    ]);
    await expectRevert(
      f,
      () => submit(f, { ...batch, pubdata: "0x0402" }),
      "ZkRollupInvalidEffectiveByte",
      [0, 2],
    );
  });

  it("reverts with ZkRollupForcedRequestMissing a batch carrying more requests than are waiting, changing nothing", async function () {
    const f = await loadFixture(depositedFixture);
    await (await ask(f, FORCED_REQUEST_FEE)).wait();
    const request = await storedRequest(f, 0);
    const batch = await prepareBatch(f, f.model, [{ kind: "forced", request, effective: true }]);
    await expectRevert(
      f,
      () => submit(f, { ...batch, pubdata: "0x04010401" }),
      "ZkRollupForcedRequestMissing",
      [1],
    );
  });

  it("reverts with ZkRollupInvalidProof a batch whose proof was made for another request's slot", async function () {
    const f = await loadFixture(depositedFixture);
    await (await ask(f, FORCED_REQUEST_FEE)).wait();
    const stored = await storedRequest(f, 0);
    // The stand-in verifier accepts the inputs of a request for 2 wei: the contract puts the stored one in.
    const batch = await prepareBatch(f, f.model, [
      { kind: "forced", request: { ...stored, amount: 2n }, effective: true },
    ]);
    await expectRevert(f, () => submit(f, batch), "ZkRollupInvalidProof", [
      f.firstBatch.newRoot,
      batch.newRoot,
    ]);
  });

  describe("the forced-request fee", function () {
    it("is held by the rollup, then credited to the fee recipient the batch's proof names (not its sender), who claims it", async function () {
      const f = await loadFixture(depositedFixture);
      const { alice, carol } = f.users;
      const cold = carol.signer; // the operator's cold address
      await expect(ask(f, FORCED_REQUEST_FEE)).to.changeEtherBalances(
        [alice.signer, f.rollup],
        [-FORCED_REQUEST_FEE, FORCED_REQUEST_FEE],
      );
      await (await ask(f, FORCED_REQUEST_FEE, 2n)).wait();
      const batch = await prepareBatch(
        f,
        f.model,
        [
          { kind: "forced", request: await storedRequest(f, 0), effective: true },
          { kind: "forced", request: await storedRequest(f, 1), effective: true },
        ],
        { feeRecipient: cold.address },
      );
      // a stranger relays the proof-carrying batch: the recipient its proof names is paid, not the sender
      await expect(submit(f, batch, f.stranger))
        .to.emit(f.rollup, "FeeCredited")
        .withArgs(cold.address, 2n * FORCED_REQUEST_FEE);
      expect(await f.rollup.feeCreditOf(cold.address)).to.equal(2n * FORCED_REQUEST_FEE);
      expect(await f.rollup.feeCreditOf(f.stranger.address)).to.equal(0n);
      expect(await f.rollup.feeCreditOf(f.operator.address)).to.equal(0n);
      expect(await f.rollup.feeCreditOf(alice.signer.address)).to.equal(0n);
      const to = f.users.bob.signer.address;
      const claim = f.rollup.connect(cold).claimFees(to);
      await expect(claim)
        .to.emit(f.rollup, "FeeClaimed")
        .withArgs(cold.address, to, 2n * FORCED_REQUEST_FEE);
      await expect(claim).to.changeEtherBalances(
        [f.rollup, to],
        [-2n * FORCED_REQUEST_FEE, 2n * FORCED_REQUEST_FEE],
      );
      expect(await ethers.provider.getBalance(f.rollup)).to.equal(0n);
      await expectRevert(f, () => f.rollup.connect(cold).claimFees(to), "ZkRollupNoFeeCredit", [
        cold.address,
      ]);
    });

    it("cannot be taken by a copier: the batch's calldata naming another recipient reverts with ZkRollupInvalidProof, changing nothing", async function () {
      const f = await loadFixture(depositedFixture);
      await (await ask(f, FORCED_REQUEST_FEE)).wait();
      // the stand-in verifier accepts this proof for exactly the public inputs naming the operator
      const batch = await prepareBatch(f, f.model, [
        { kind: "forced", request: await storedRequest(f, 0), effective: true },
      ]);
      expect(batch.inputs[2]).to.equal(BigInt(f.operator.address));
      const root = await f.rollup.root();
      // the copier sends the operator's calldata first, with its own address as the recipient
      await expectRevert(
        f,
        () => submit(f, { ...batch, feeRecipient: f.stranger.address }, f.stranger),
        "ZkRollupInvalidProof",
        [root, batch.newRoot],
      );
      // the operator's original lands, and credits the operator
      await expect(submit(f, batch))
        .to.emit(f.rollup, "FeeCredited")
        .withArgs(f.operator.address, FORCED_REQUEST_FEE);
      expect(await f.rollup.feeCreditOf(f.stranger.address)).to.equal(0n);
      expect(await f.rollup.root()).to.equal(batch.newRoot);
    });

    it("reverts with ZkRollupZeroRecipient a batch naming the zero address, even one its proof is for and carrying no request", async function () {
      const f = await loadFixture(depositedFixture);
      const batch = await prepareBatch(f, f.model, []);
      const zeroInputs = batch.inputs.map((x, i) => (i === 2 ? 0n : x));
      await (await f.verifier.accept(batch.proof, zeroInputs)).wait();
      await expectRevert(
        f,
        () => submit(f, { ...batch, feeRecipient: ZeroAddress }),
        "ZkRollupZeroRecipient",
        [],
      );
    });

    it("reverts with ZkRollupWrongForcedFee when the request pays no fee, too little or too much, storing nothing", async function () {
      const f = await loadFixture(depositedFixture);
      for (const value of [0n, FORCED_REQUEST_FEE - 1n, FORCED_REQUEST_FEE + 1n]) {
        await expectRevert(f, () => ask(f, value), "ZkRollupWrongForcedFee", [FORCED_REQUEST_FEE, value]);
      }
      expect(await f.rollup.forcedRequests()).to.deep.equal([0n, 0n]);
    });

    it("is refunded to the requester when exodus starts before a batch carries the request", async function () {
      const f = await loadFixture(depositedFixture);
      const { alice, bob } = f.users;
      await expectRevert(f, () => f.rollup.refundForcedFees(1), "ZkRollupExodusNotActive", []);
      await (await ask(f, FORCED_REQUEST_FEE)).wait();
      const [, , requestedAt] = await f.rollup.forcedRequest(0);
      await time.increaseTo(requestedAt + EXODUS_DELAY);
      await (await f.rollup.connect(f.stranger).activateExodus([])).wait();
      for (const count of [0, 2]) {
        await expectRevert(f, () => f.rollup.refundForcedFees(count), "ZkRollupInvalidRefundCount", [
          count,
          1,
        ]);
      }
      const refund = await f.rollup.connect(f.stranger).refundForcedFees(1);
      await expect(refund)
        .to.emit(f.rollup, "FeeCredited")
        .withArgs(alice.signer.address, FORCED_REQUEST_FEE);
      // Told apart from a carried request: no batch consumed it.
      await expect(refund).to.emit(f.rollup, "ForcedFeeRefunded").withArgs(0n, alice.signer.address);
      await expect(refund).to.not.emit(f.rollup, "ForcedWithdrawalConsumed");
      expect(await f.rollup.forcedRequests()).to.deep.equal([1n, 1n]);
      await expectRevert(f, () => f.rollup.refundForcedFees(1), "ZkRollupInvalidRefundCount", [1, 0]);
      await expectRevert(
        f,
        () => f.rollup.connect(alice.signer).claimFees(ZeroAddress),
        "ZkRollupZeroRecipient",
        [],
      );
      await expect(f.rollup.connect(alice.signer).claimFees(bob.signer.address)).to.changeEtherBalances(
        [f.rollup, bob.signer],
        [-FORCED_REQUEST_FEE, FORCED_REQUEST_FEE],
      );
    });
  });
});
