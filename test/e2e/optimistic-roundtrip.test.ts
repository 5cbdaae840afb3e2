// End to end, honest path: users deposit ETH through the bridge; the sequencer pulls the deposits,
// admits signed transfers and a withdrawal, and commits batches; the challenger rebuilds every batch
// from Layer-1 calldata and finds nothing to dispute; the window passes, the batches are finalized, and
// the bridge pays the withdrawal once. Invariants are checked after every step.
import { expect } from "chai";
import { parseEther } from "ethers";
import { ethers } from "hardhat";
import { ContractRevertError } from "../../src/common/errors";
import { TxRejectedError } from "../../src/optimistic/rpc-server";
import { ownerOfAddress } from "../../src/shared/types";
import type { World } from "../optimistic/world";
import {
  createWorld,
  depositEth,
  hexOf,
  passChallengeWindow,
  signedTransfer,
  signedWithdraw,
} from "../optimistic/world";

describe("e2e: optimistic round trip", function () {
  let world: World;

  before(async function () {
    world = await createWorld();
  });

  after(async function () {
    await world.cleanup();
  });

  it("deposits, transfers, commits, finalizes and pays a withdrawal once", async function () {
    const [, , , alice, bob] = world.signers;
    const { sequencer, challenger, bridgeClient, rollup } = world;

    await depositEth(world, alice, parseEther("5"));
    await depositEth(world, bob, parseEther("1"));
    await sequencer.tick(true);
    await world.checkInvariants();
    const aliceIndex = sequencer.findAccount(ownerOfAddress(alice.address), 0)!;
    const bobIndex = sequencer.findAccount(ownerOfAddress(bob.address), 0)!;
    expect(sequencer.account(aliceIndex)!.balance).to.equal(parseEther("5"));

    const transfer = await signedTransfer(world, alice, {
      from: aliceIndex,
      to: bobIndex,
      amount: parseEther("2"),
      nonce: 0,
    });
    const receipt = await sequencer.submit(hexOf(transfer));
    expect(receipt.status).to.equal("soft-confirmed");
    // A replay of the same signed transfer is refused at the door.
    await expect(sequencer.submit(hexOf(transfer))).to.be.rejectedWith(TxRejectedError);
    const overdraft = await signedTransfer(world, bob, {
      from: bobIndex,
      to: aliceIndex,
      amount: parseEther("9"),
      nonce: 0,
    });
    const refused = await sequencer.submit(hexOf(overdraft)).catch((e: TxRejectedError) => e);
    expect(refused).to.be.instanceOf(TxRejectedError).and.have.property("reason", "InsufficientBalance");

    const withdrawal = await signedWithdraw(world, bob, {
      from: bobIndex,
      recipient: bob.address,
      amount: parseEther("1.5"),
      nonce: 0,
    });
    const withdrawalReceipt = await sequencer.submit(hexOf(withdrawal));
    await sequencer.tick(true);
    await world.checkInvariants();
    expect(sequencer.receipt(receipt.hash)!.status).to.equal("committed");

    await challenger.tick();
    expect(await rollup.contract.gameCount()).to.equal(0n);

    await passChallengeWindow();
    await sequencer.tick();
    const final = sequencer.receipt(withdrawalReceipt.hash)!;
    expect(final.status).to.equal("final");
    await world.checkInvariants();

    const follower = await world.newFollower();
    await follower.sync();
    const batchIndex = final.batchIndex!;
    const [owed] = follower.withdrawalsOf(batchIndex);
    expect(owed).to.deep.equal({ recipient: bob.address, tokenId: 0, amount: parseEther("1.5") });
    const proof = follower.withdrawalProof(batchIndex, 0);
    const before = await ethers.provider.getBalance(bob.address);
    await bridgeClient.finalizeWithdrawal(alice, {
      rollup: rollup.address,
      batchIndex,
      withdrawal: owed,
      proof,
    });
    expect(await ethers.provider.getBalance(bob.address)).to.equal(before + parseEther("1.5"));
    await world.checkInvariants();

    const again = await bridgeClient
      .finalizeWithdrawal(alice, { rollup: rollup.address, batchIndex, withdrawal: owed, proof })
      .catch((e: ContractRevertError) => e);
    expect(again)
      .to.be.instanceOf(ContractRevertError)
      .and.have.property("errorName", "BridgeWithdrawalAlreadyFinalized");

    // The proposer's bonds come back once its batches are final.
    const bond = (await rollup.config()).proposerBond;
    expect(await rollup.contract.credit(world.proposer.address)).to.equal(2n * bond);
  });
});
