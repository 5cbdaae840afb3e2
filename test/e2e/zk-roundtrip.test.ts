// End to end, honest path with real proofs: users deposit ETH and the DemoToken through the bridge;
// the operator consumes the deposits, accepts signed transfers and withdrawals (refusing bad ones at its
// door, by name), and proves and submits each batch, which the generated Groth16 verifier checks on
// chain; the withdrawals are credited at once and claimed; a verifier node rebuilt from Layer 1 alone
// agrees with the contract's root and every balance. The solvency invariant is checked after every step.
// The operator's events tell each batch's way (batchProving → batchProved → batchSubmitted → batchVerified).
import { expect } from "chai";
import { refusal } from "../../src/common/outcomes";
import { ethers } from "hardhat";
import { parseEther } from "ethers";
import { ContractRevertError } from "../../src/common/errors";
import { readAllEvents } from "../../src/common/events";
import { DemoToken__factory } from "../../typechain-types";
import type { ZkOperator } from "../../src/zk/operator";
import type { ZkE2eWorld, ZkUser } from "./zk-world";
import { ETH_ID, TOKEN_ID, castOf, closeTestProver, createZkWorld } from "./zk-world";

describe("e2e: zk round trip", function () {
  this.timeout(600_000);
  let world: ZkE2eWorld;
  let operator: ZkOperator;
  let alice: ZkUser;
  let bob: ZkUser;
  let carol: ZkUser;

  before(async function () {
    world = await createZkWorld();
    operator = await world.startOperator();
    ({ alice, bob, carol } = castOf(world));
  });

  after(async function () {
    await world.cleanup();
    await closeTestProver();
  });

  it("deposits, transfers, withdraws with real proofs, and a verifier node agrees", async function () {
    const { bridgeClient, rollup } = world;
    const rollupAddress = rollup.address;

    // Deposits through the bridge: ETH for Alice and Bob, the DemoToken for Carol.
    const deposits = [
      await alice.wallet.depositEth(bridgeClient, alice.signer, rollupAddress, parseEther("5")),
      await bob.wallet.depositEth(bridgeClient, bob.signer, rollupAddress, parseEther("1")),
      await carol.wallet.depositErc20(
        bridgeClient,
        carol.signer,
        rollupAddress,
        world.token,
        parseEther("100"),
      ),
    ];
    await world.checkInvariants();
    await operator.tick(true);
    await world.checkInvariants();
    for (const { deposit } of deposits) {
      expect(operator.receipt(deposit.head)).to.include({ status: "verified" });
    }
    expect(await rollup.batchCount()).to.equal(4); // genesis + one batch per deposit (batch size 1)
    const aliceIndex = operator.findAccount(alice.wallet.ownerHex, ETH_ID)!;
    const bobIndex = operator.findAccount(bob.wallet.ownerHex, ETH_ID)!;
    const carolIndex = operator.findAccount(carol.wallet.ownerHex, TOKEN_ID)!;
    expect([aliceIndex, bobIndex, carolIndex]).to.deep.equal([0, 1, 2]);

    // A transfer, accepted at the door; bad ones are refused by name and change nothing.
    const transfer = alice.wallet.transfer({
      from: aliceIndex,
      to: bobIndex,
      amount: parseEther("2"),
      nonce: 0,
    });
    expect(await operator.submit(transfer.encoded)).to.deep.equal({
      hash: transfer.hash,
      status: "accepted",
    });
    const before = [operator.account(aliceIndex), operator.account(bobIndex)];
    expect(await refusal(operator.submit(transfer.encoded))).to.equal("Duplicate");
    const overdraft = bob.wallet.transfer({
      from: bobIndex,
      to: aliceIndex,
      amount: parseEther("9"),
      nonce: 0,
    });
    expect(await refusal(operator.submit(overdraft.encoded))).to.equal("InsufficientBalance");
    const stale = alice.wallet.transfer({ from: aliceIndex, to: bobIndex, amount: 1n, nonce: 0 });
    expect(await refusal(operator.submit(stale.encoded))).to.equal("NonceMismatch");
    const theft = bob.wallet.transfer({ from: aliceIndex, to: bobIndex, amount: 1n, nonce: 1 });
    expect(await refusal(operator.submit(theft.encoded))).to.equal("SignerNotOwner");
    const crossToken = carol.wallet.transfer({ from: carolIndex, to: aliceIndex, amount: 1n, nonce: 0 });
    expect(await refusal(operator.submit(crossToken.encoded))).to.equal("TokenMismatch");
    expect([operator.account(aliceIndex), operator.account(bobIndex)]).to.deep.equal(before);

    // Withdrawals: Bob's ETH and Carol's token.
    const bobOut = bob.wallet.withdraw({
      from: bobIndex,
      tokenId: ETH_ID,
      amount: parseEther("1.5"),
      nonce: 0,
    });
    const carolOut = carol.wallet.withdraw({
      from: carolIndex,
      tokenId: TOKEN_ID,
      amount: parseEther("40"),
      nonce: 0,
    });
    await operator.submit(bobOut.encoded);
    await operator.submit(carolOut.encoded);
    await world.checkInvariants();
    await operator.tick(true);
    await world.checkInvariants();
    for (const spend of [transfer, bobOut, carolOut]) {
      expect(operator.receipt(spend.hash)).to.include({ status: "verified" });
    }

    // Credited at once, claimed once.
    expect(await rollup.creditOf(bob.signer.address, ETH_ID)).to.equal(parseEther("1.5"));
    const ethBefore = await ethers.provider.getBalance(bob.signer.address);
    const claim = await rollup.claim(bob.signer, ETH_ID, bob.signer.address);
    const fee = claim.gasUsed * claim.gasPrice;
    expect(await ethers.provider.getBalance(bob.signer.address)).to.equal(
      ethBefore + parseEther("1.5") - fee,
    );
    const demo = DemoToken__factory.connect(world.token, ethers.provider);
    const tokenBefore = await demo.balanceOf(carol.signer.address);
    await rollup.claim(carol.signer, TOKEN_ID, carol.signer.address);
    expect(await demo.balanceOf(carol.signer.address)).to.equal(tokenBefore + parseEther("40"));
    await world.checkInvariants();
    await expect(rollup.claim(bob.signer, ETH_ID, bob.signer.address))
      .to.be.rejectedWith(ContractRevertError)
      .and.eventually.have.property("errorName", "ZkRollupNothingToClaim");

    // A verifier node rebuilt from Layer 1 alone agrees with the contract and the operator.
    const node = await world.verifierNode();
    expect(node.state.root).to.equal(await rollup.root());
    expect(node.lastBatch).to.equal(6);
    const expected = [
      { index: aliceIndex, balance: parseEther("3"), nonce: 1 },
      { index: bobIndex, balance: parseEther("1.5"), nonce: 1 },
      { index: carolIndex, balance: parseEther("60"), nonce: 1 },
    ];
    for (const { index, balance, nonce } of expected) {
      expect(node.state.account(index)).to.include({ balance, nonce });
      expect(operator.account(index)).to.deep.equal({ index, ...node.state.account(index)! });
    }

    // The operator told each batch's way as events, and they agree with Layer 1.
    const { events } = await readAllEvents(operator.events);
    const proved = events.flatMap((e) => (e.type === "batchProved" ? [e] : []));
    const submitted = events.flatMap((e) => (e.type === "batchSubmitted" ? [e] : []));
    expect(proved.map((e) => e.batchIndex)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    for (const [i, batch] of node.batches.entries()) {
      expect(submitted[i]).to.include({ batchIndex: batch.batchIndex, l1TxHash: batch.transactionHash });
      expect(proved[i].txs).to.equal(batch.txs.length);
    }
    const proving = proved.map((e) => e.provingMs);

    // Figures for the report (measured, not asserted).
    const transferBatch = node.batches[3];
    const submitGas = (await ethers.provider.getTransactionReceipt(transferBatch.transactionHash))!.gasUsed;
    console.log(
      `      [measure] submitBatch (real proof, one transfer): ${submitGas} gas; claim: ${claim.gasUsed} gas; ` +
        `proving per batch (warm): ${proving.join(", ")} ms`,
    );
  });
});
