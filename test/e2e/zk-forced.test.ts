// End to end, forced withdrawals with real proofs (the `test` profile: one slot per batch): Alice asks
// Layer 1 for a withdrawal and the next batch must carry it, in order: effective (she is credited and
// claims) or nullified (another owner's account, too much: nothing credited, the queue moves on). A
// prover cannot publish a request with the wrong effective bit, nor skip to a later request: the contract
// rebuilds the slot from its own queue and the proof fails. A request left waiting EXODUS_DELAY lets
// anyone start exodus, and Alice exits with her whole balance. Mallory naming Alice's account with
// Alice's public key gets an owner hash of his own address: nullified, nothing paid to him. A copier who
// sends the operator's batch first with itself as the fee recipient has no valid proof: the recipient is
// a public input, so the operator's original lands and the operator is paid.
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionReceipt } from "ethers";
import { parseEther } from "ethers";
import { revertName } from "../../src/common/outcomes";
import { encodeFloat40 } from "../../src/shared/float40";
import { proveOwnBatch } from "../../src/zk/adversaries";
import type { OwnBatch } from "../../src/zk/adversaries";
import type { ZkChainFollower } from "../../src/zk/chain-follower";
import { buildExitProof } from "../../src/zk/exit";
import { encodePubdata } from "../../src/zk/pubdata";
import type { ZkForcedRequest } from "../../src/zk/types";
import type { ZkE2eWorld, ZkUser } from "./zk-world";
import { ETH_ID, closeTestProver, createAliceAndBobWorld } from "./zk-world";

function fee(receipt: ContractTransactionReceipt): bigint {
  return receipt.gasUsed * receipt.gasPrice;
}

describe("e2e: zk forced withdrawals", function () {
  this.timeout(600_000);
  let world: ZkE2eWorld;
  let alice: ZkUser;
  let node: ZkChainFollower;

  before(async function () {
    ({ world, alice } = await createAliceAndBobWorld(parseEther("5"), parseEther("1")));
    node = await world.verifierNode();
  });

  after(async function () {
    await world.cleanup();
    await closeTestProver();
  });

  /** Everything the rollup stores, as one string: equal before and after a reverted call. */
  const ledger = () =>
    world.ledger([alice.signer.address, world.operatorSigner.address, world.signers[7].address]);

  /** `user` asks for `amount` of ETH out of account `account`, with `key`'s public key (default its own). */
  function request(
    user: ZkUser,
    account: number,
    amount: bigint,
    key: ZkUser = user,
  ): Promise<ZkForcedRequest> {
    const { Ax: ax, Ay: ay } = key.wallet.key.publicKey;
    const sent = world.rollup.requestWithdrawal(user.signer, { account, tokenId: ETH_ID, amount, ax, ay });
    return sent.then(({ request: r }) => r);
  }

  /** A batch carrying `r` on the verified state, with a real proof (the state decides `effective`). */
  function proveForced(r: ZkForcedRequest): Promise<OwnBatch> {
    const { prover, crypto, bridgeClient: bridge } = world;
    const tx = { kind: "forced" as const, request: r, effective: false };
    const feeRecipient = world.operatorSigner.address;
    return proveOwnBatch(node, [{ tx }], { prover, crypto, bridge, batchSize: 1, feeRecipient });
  }

  function submit(b: OwnBatch) {
    return world.rollup.submitBatch(world.operatorSigner, b.calldata);
  }

  it("refuses by name a request no batch could carry, and stores nothing", async function () {
    const { depth } = await world.rollup.config();
    const { Ax, Ay } = alice.wallet.key.publicKey;
    const c = world.rollup.contract.connect(alice.signer);
    const before = await ledger();
    await expect(
      c.requestWithdrawal(2 ** depth, ETH_ID, encodeFloat40(1n), Ax, Ay, {
        value: (await world.rollup.config()).forcedRequestFee,
      }),
    )
      .to.be.revertedWithCustomError(c, "ZkRollupAccountIndexOutOfRange")
      .withArgs(2 ** depth, 2 ** depth);
    await expect(
      c.requestWithdrawal(0, ETH_ID, 0, Ax, Ay, { value: (await world.rollup.config()).forcedRequestFee }),
    )
      .to.be.revertedWithCustomError(c, "ZkRollupInvalidForcedAmount")
      .withArgs(0);
    const nonCanonical = (1n << 35n) + 50n; // 50·10^1: canonical is 500·10^0
    await expect(
      c.requestWithdrawal(0, ETH_ID, nonCanonical, Ax, Ay, {
        value: (await world.rollup.config()).forcedRequestFee,
      }),
    )
      .to.be.revertedWithCustomError(c, "ZkRollupInvalidForcedAmount")
      .withArgs(nonCanonical);
    expect(await ledger()).to.equal(before);
  });

  it("carries Alice's request in the next batch: effective, she is credited and claims", async function () {
    const { Ax, Ay } = alice.wallet.key.publicKey;
    const sent = world.rollup.contract
      .connect(alice.signer)
      .requestWithdrawal(0, ETH_ID, encodeFloat40(parseEther("2")), Ax, Ay, {
        value: (await world.rollup.config()).forcedRequestFee,
      });
    const requested = (await (await sent).wait())!;
    const r = await world.rollup.forcedRequest(0);
    expect(r).to.include({ index: 0, account: 0, owner: alice.wallet.owner, amount: parseEther("2") });
    const batch = await proveForced(r);
    expect(batch.witness.txs).to.deep.equal([{ kind: "forced", request: r, effective: true }]);
    const { receipt } = await submit(batch);
    expect(world.rollup.eventIn(receipt, "ForcedWithdrawalConsumed").args.effective).to.equal(true);
    expect(await world.rollup.creditOf(alice.signer.address, ETH_ID)).to.equal(parseEther("2"));
    expect(await world.rollup.forcedRequests()).to.deep.equal({ requested: 1, consumed: 1 });
    await node.sync();
    expect(node.state.account(0)!.balance).to.equal(parseEther("3"));
    expect(node.pendingForced).to.deep.equal([]);
    await world.checkInvariants();

    const balance = await ethers.provider.getBalance(alice.signer.address);
    const claim = await world.rollup.claim(alice.signer, ETH_ID, alice.signer.address);
    expect(await ethers.provider.getBalance(alice.signer.address)).to.equal(
      balance + parseEther("2") - fee(claim),
    );
    await world.checkInvariants();
    console.log(`      [measure] requestWithdrawal: ${requested.gasUsed} gas`);
  });

  it("nullifies a request for another owner's account (Mallory with Alice's key) or too much: nothing paid, the queue moves on", async function () {
    const mallory: ZkUser = world.user(world.signers[9], "mallory");
    const stolen = await request(mallory, 0, parseEther("1"), alice);
    expect(stolen.owner).to.not.equal(alice.wallet.owner);
    const tooMuch = await request(alice, 0, parseEther("10"));
    for (const r of [stolen, tooMuch]) {
      const batch = await proveForced(r);
      expect(batch.witness.txs).to.deep.equal([{ kind: "forced", request: r, effective: false }]);
      await submit(batch);
      await node.sync();
      expect(node.state.account(0)!.balance).to.equal(parseEther("3"));
      await world.checkInvariants();
    }
    expect(await world.rollup.forcedRequests()).to.deep.equal({ requested: 3, consumed: 3 });
    expect(await world.rollup.creditOf(mallory.signer.address, ETH_ID)).to.equal(0n);
    expect(await world.rollup.creditOf(alice.signer.address, ETH_ID)).to.equal(0n);
    expect(await revertName(world.rollup.claim(mallory.signer, ETH_ID, mallory.signer.address))).to.equal(
      "ZkRollupNothingToClaim",
    );
  });

  it("pays the operator, not a copier who sends its batch first naming itself as the fee recipient (invalid proof)", async function () {
    const copier = world.signers[7];
    const operator = world.operatorSigner.address;
    const { forcedRequestFee } = await world.rollup.config();
    expect(forcedRequestFee).to.be.gt(0n);
    // more than Alice holds: nullified, and its fee is paid all the same
    const r = await request(alice, 0, parseEther("10"));
    const built = await proveForced(r);
    expect(built.calldata.feeRecipient).to.equal(operator);
    expect(built.witness.publicInputs[2]).to.equal(BigInt(operator));
    const operatorCredit = await world.rollup.feeCreditOf(operator);
    const before = await ledger();
    // The copier reads the operator's pending submitBatch, swaps in its own address, and outbids it.
    const stolen = { ...built.calldata, feeRecipient: copier.address };
    expect(await revertName(world.rollup.submitBatch(copier, stolen))).to.equal("ZkRollupInvalidProof");
    expect(await ledger()).to.equal(before);
    // The operator's original lands, and the operator is credited the fee.
    const { receipt } = await submit(built);
    const credited = world.rollup.eventIn(receipt, "FeeCredited");
    expect([credited.args.account, credited.args.amount]).to.deep.equal([operator, forcedRequestFee]);
    expect(await world.rollup.feeCreditOf(operator)).to.equal(operatorCredit + forcedRequestFee);
    expect(await world.rollup.feeCreditOf(copier.address)).to.equal(0n);
    expect(await world.rollup.forcedRequests()).to.deep.equal({ requested: 4, consumed: 4 });
    // A verifier node reads the recipient back from the calldata.
    await node.sync();
    expect(node.batches.at(-1)!.feeRecipient).to.equal(operator);
    await world.checkInvariants();
  });

  it("refuses a batch that publishes the request with the wrong effective bit, or skips to a later one (invalid proof)", async function () {
    const first = await request(alice, 0, parseEther("1"));
    const second = await request(alice, 0, parseEther("0.5"));
    const honest = await proveForced(first);
    const before = await ledger();
    const flipped = encodePubdata([{ kind: "forced", request: first, effective: false }]);
    expect(
      await revertName(
        world.rollup.submitBatch(world.operatorSigner, { ...honest.calldata, pubdata: flipped }),
      ),
    ).to.equal("ZkRollupInvalidProof");
    // A batch proven for the second request: the contract puts the first one in its slot.
    const skipping = await proveForced(second);
    expect(await revertName(submit(skipping))).to.equal("ZkRollupInvalidProof");
    expect(await ledger()).to.equal(before);
    await world.checkInvariants();
  });

  it("lets anyone start exodus once a request waited EXODUS_DELAY, not before; Alice exits with her whole balance", async function () {
    const [stranger] = world.signers.slice(8);
    const waiting = await world.rollup.forcedRequest((await world.rollup.forcedRequests()).consumed);
    const { exodusDelay } = await world.rollup.config();
    expect(await revertName(world.rollup.activateExodus(stranger, []))).to.equal("ZkRollupExodusNotDue");
    await time.increaseTo(waiting.requestedAt + BigInt(exodusDelay));
    await world.rollup.activateExodus(stranger, []);
    await node.sync();
    expect(node.exodus).to.equal(true);
    const proof = buildExitProof(node.state, 0, alice.wallet.signer, world.crypto);
    expect(proof.balance).to.equal(parseEther("3"));
    const balance = await ethers.provider.getBalance(alice.signer.address);
    const exit = await world.rollup.exit(alice.signer, proof);
    expect(await ethers.provider.getBalance(alice.signer.address)).to.equal(
      balance + parseEther("3") - fee(exit),
    );
    await world.checkInvariants();
    console.log(`      [measure] exit: ${exit.gasUsed} gas`);
  });

  it("refuses a request once exodus is on, by name", async function () {
    const { Ax, Ay } = alice.wallet.key.publicKey;
    const c = world.rollup.contract.connect(alice.signer);
    await expect(
      c.requestWithdrawal(0, ETH_ID, encodeFloat40(1n), Ax, Ay, {
        value: (await world.rollup.config()).forcedRequestFee,
      }),
    ).to.be.revertedWithCustomError(c, "ZkRollupExodusActive");
  });
});
