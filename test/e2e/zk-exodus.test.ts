// End to end, the way out: the operator stops while a deposit waits; after the exodus delay a stranger
// activates exodus; every owner exits once with a proof from the exodus-proof builder (a verifier node
// rebuilt from Layer 1) and gets exactly their balance; an exit twice and an exit by a non-owner revert
// by name; the unconsumed deposit is credited back once; no batch is accepted after that (one Alice proved
// on her own prover before exodus: src/zk/adversaries.ts). The solvency invariant is checked after every step.
import { expect } from "chai";
import { revertName } from "../../src/common/outcomes";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionReceipt } from "ethers";
import { parseEther } from "ethers";
import { TxRejectedError } from "../../src/common/json-rpc";
import type { DepositData } from "../../src/shared/types";
import { DemoToken__factory } from "../../typechain-types";
import { proveOwnBatch } from "../../src/zk/adversaries";
import type { ZkChainFollower } from "../../src/zk/chain-follower";
import { ZkExitProofError, accountsOf, buildExitProof } from "../../src/zk/exit";
import { unconsumedDeposits } from "../../src/zk/invariants";
import type { ZkOperator } from "../../src/zk/operator";
import type { ZkBatchCalldata } from "../../src/zk/rollup-client";
import { depositData } from "../../src/shared/deposit";
import type { ZkE2eWorld, ZkUser } from "./zk-world";
import { ETH_ID, TOKEN_ID, castOf, closeTestProver, createZkWorld, fundAndStart } from "./zk-world";

function fee(receipt: ContractTransactionReceipt): bigint {
  return receipt.gasUsed * receipt.gasPrice;
}

describe("e2e: zk exodus", function () {
  this.timeout(600_000);
  let world: ZkE2eWorld;
  let operator: ZkOperator;
  let alice: ZkUser;
  let bob: ZkUser;
  let carol: ZkUser;
  let dave: ZkUser;
  let waiting: DepositData;
  let preProven: ZkBatchCalldata;
  let node: ZkChainFollower;

  before(async function () {
    world = await createZkWorld();
    ({ alice, bob, carol, dave } = castOf(world));
    operator = await fundAndStart(world, [
      { user: alice, amount: parseEther("3") },
      { user: bob, amount: parseEther("100"), token: world.token },
      { user: carol, amount: parseEther("1") },
    ]);
    const transfer = alice.wallet.transfer({ from: 0, to: 2, amount: parseEther("1"), nonce: 0 });
    await operator.submit(transfer.encoded);
    await operator.tick(true);
    await world.checkInvariants();
  });

  after(async function () {
    await world.cleanup();
    await closeTestProver();
  });

  it("lets every owner exit once, refunds the waiting deposit, and accepts no batch after", async function () {
    const { rollup, bridgeClient, signers } = world;
    const stranger = signers[9];

    // A batch Alice proves while the rollup still runs, kept back (she will offer it after exodus).
    node = await world.verifierNode();
    const spend = alice.wallet.transfer({ from: 0, to: 2, amount: parseEther("0.5"), nonce: 1 });
    const own = await proveOwnBatch(node, [{ tx: spend.request.tx, signer: spend.request.signer }], {
      prover: world.prover,
      crypto: world.crypto,
      bridge: bridgeClient,
      batchSize: 1,
      feeRecipient: alice.signer.address,
    });

    // The operator stops; Dave's deposit waits.
    waiting = depositData(
      (await dave.wallet.depositEth(bridgeClient, dave.signer, rollup.address, parseEther("2"))).deposit,
    );
    await world.checkInvariants();
    preProven = { ...own.calldata, catchUp: [] };
    expect(await revertName(rollup.activateExodus(stranger, [waiting]))).to.equal("ZkRollupExodusNotDue");
    await time.increase((await rollup.config()).exodusDelay);
    await rollup.activateExodus(stranger, [waiting]);
    expect(await rollup.isExodus()).to.equal(true);
    await world.checkInvariants();

    // Every owner exits once with a proof built from Layer 1 alone; a stranger cannot use it.
    node = await world.verifierNode();
    expect(node.exodus).to.equal(true);
    const aliceProof = buildExitProof(node.state, 0, alice.wallet.signer, world.crypto);
    expect(await revertName(rollup.exit(stranger, aliceProof))).to.equal("ZkRollupInvalidExitProof");
    expect(() => buildExitProof(node.state, 0, bob.wallet.signer, world.crypto)).to.throw(ZkExitProofError);
    await world.checkInvariants();
    const demo = DemoToken__factory.connect(world.token, ethers.provider);
    const exits: { user: ZkUser; tokenId: number; balance: bigint }[] = [
      { user: alice, tokenId: ETH_ID, balance: parseEther("2") },
      { user: bob, tokenId: TOKEN_ID, balance: parseEther("100") },
      { user: carol, tokenId: ETH_ID, balance: parseEther("2") },
    ];
    let exitGas = 0n;
    for (const { user, tokenId, balance } of exits) {
      const [index] = accountsOf(node.state, user.wallet.signer, world.crypto);
      const exitProof = buildExitProof(node.state, index, user.wallet.signer, world.crypto);
      expect(exitProof).to.include({ balance, tokenId });
      const address = user.signer.address;
      const held = () => (tokenId === ETH_ID ? ethers.provider.getBalance(address) : demo.balanceOf(address));
      const before = await held();
      const receipt = await rollup.exit(user.signer, exitProof);
      exitGas = receipt.gasUsed;
      expect((await held()) - before).to.equal(balance - (tokenId === ETH_ID ? fee(receipt) : 0n));
      await world.checkInvariants();
    }
    // Twice: refused by name.
    expect(await revertName(rollup.exit(alice.signer, aliceProof))).to.equal("ZkRollupAlreadyExited");
    await world.checkInvariants();

    // The deposit that waited is credited back once, and claimed.
    const pending = (await unconsumedDeposits(node, bridgeClient)).map(depositData);
    expect(pending).to.deep.equal([waiting]);
    await rollup.refundDeposits(stranger, pending, 1);
    expect(await rollup.creditOf(dave.signer.address, ETH_ID)).to.equal(parseEther("2"));
    await world.checkInvariants();
    // Again: the rollup's count has moved past it, so the list now runs past the queue's end.
    expect(await revertName(rollup.refundDeposits(stranger, pending, 1))).to.equal("BridgeDepositCountAhead");
    expect(await revertName(rollup.refundDeposits(stranger, [], 1))).to.equal("ZkRollupInvalidRefundCount");
    const daveBefore = await ethers.provider.getBalance(dave.signer.address);
    const claim = await rollup.claim(dave.signer, ETH_ID, dave.signer.address);
    expect(await ethers.provider.getBalance(dave.signer.address)).to.equal(
      daveBefore + parseEther("2") - fee(claim),
    );
    await world.checkInvariants();

    // No batch after exodus: the contract refuses one proven before, the operator takes nothing.
    expect(await revertName(rollup.submitBatch(world.operatorSigner, preProven))).to.equal(
      "ZkRollupExodusActive",
    );
    const late = carol.wallet.transfer({ from: 2, to: 0, amount: 1n, nonce: 0 });
    await operator.tick(true);
    await expect(operator.submit(late.encoded))
      .to.be.rejectedWith(TxRejectedError)
      .and.eventually.have.property("reason", "ExodusActive");
    expect(await rollup.batchCount()).to.equal(5);
    await world.checkInvariants();

    // Everything escrowed for the rollup has been paid out.
    const eth = await bridgeClient.contract.asset(rollup.address, ethers.ZeroAddress);
    const token = await bridgeClient.contract.asset(rollup.address, world.token);
    expect([eth.escrowed, token.escrowed]).to.deep.equal([0n, 0n]);
    console.log(`      [measure] exit: ${exitGas} gas`);
  });
});
