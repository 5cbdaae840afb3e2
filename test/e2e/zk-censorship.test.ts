// End to end through the zk stack (src/zk/stack.ts): an honest operator carries Alice's forced-withdrawal
// request in its next batch, also across a crash and restart (requests live on Layer 1, not in its
// journal), and she claims it. Then a censoring operator (a test-only stand-in, `CensoringOperator`
// below: it proves Bob's spends with real proofs and leaves Alice out) ignores both her signed Layer-2
// withdrawal and her Layer-1 request; batches keep landing, the request's deadline passes, a stranger
// starts exodus, and Alice exits with her whole balance.
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionReceipt } from "ethers";
import { parseEther } from "ethers";
import { revertName } from "../../src/common/outcomes";
import { floorFloat40 } from "../../src/shared/float40";
import { proveOwnBatch } from "../../src/zk/adversaries";
import type { ZkChainFollower } from "../../src/zk/chain-follower";
import type { ZkSignedRequest } from "../../src/zk/codec";
import { buildExitProof } from "../../src/zk/exit";
import type { ZkOperator } from "../../src/zk/operator";
import { forcedRequestId } from "../../src/zk/pubdata";
import type { ZkForcedRequest } from "../../src/zk/types";
import type { ZkE2eWorld, ZkUser } from "./zk-world";
import { ETH_ID, closeTestProver, createAliceAndBobWorld } from "./zk-world";

function fee(receipt: ContractTransactionReceipt): bigint {
  return receipt.gasUsed * receipt.gasPrice;
}

/**
 * Test-only stand-in for a censoring operator: it takes every signed spend, but proves (real proofs, one
 * batch per spend) only those not from the `censored` account, and never carries a forced withdrawal.
 */
class CensoringOperator {
  readonly inbox: ZkSignedRequest[] = [];

  constructor(
    private readonly world: ZkE2eWorld,
    private readonly node: ZkChainFollower,
    private readonly censored: number,
  ) {}

  submit(request: ZkSignedRequest): void {
    this.inbox.push(request);
  }

  /** Proves and submits the next spend it does not censor (if any). */
  async tick(): Promise<void> {
    const next = this.inbox.findIndex((r) => r.tx.from !== this.censored);
    if (next < 0) return;
    const [request] = this.inbox.splice(next, 1);
    const { prover, crypto, bridgeClient: bridge } = this.world;
    const batch = await proveOwnBatch(this.node, [{ tx: request.tx, signer: request.signer }], {
      prover,
      crypto,
      bridge,
      batchSize: 1,
      feeRecipient: this.world.operatorSigner.address,
    });
    await this.world.rollup.submitBatch(this.world.operatorSigner, batch.calldata);
    await this.node.sync();
  }
}

describe("e2e: zk censorship (forced withdrawals through the stack)", function () {
  this.timeout(600_000);
  let world: ZkE2eWorld;
  let operator: ZkOperator;
  let alice: ZkUser;
  let bob: ZkUser;

  before(async function () {
    ({ world, operator, alice, bob } = await createAliceAndBobWorld(parseEther("5"), parseEther("1")));
  });

  after(async function () {
    await world.cleanup();
    await closeTestProver();
  });

  function request(amount: bigint): Promise<ZkForcedRequest> {
    const { Ax: ax, Ay: ay } = alice.wallet.key.publicKey;
    const sent = world.rollup.requestWithdrawal(alice.signer, {
      account: 0,
      tokenId: ETH_ID,
      amount,
      ax,
      ay,
    });
    return sent.then(({ request: r }) => r);
  }

  /** Alice claims her whole credit; her Layer-1 balance grows by `amount` less the fee. */
  async function claim(amount: bigint): Promise<void> {
    expect(await world.rollup.creditOf(alice.signer.address, ETH_ID)).to.equal(amount);
    const before = await ethers.provider.getBalance(alice.signer.address);
    const receipt = await world.rollup.claim(alice.signer, ETH_ID, alice.signer.address);
    expect(await ethers.provider.getBalance(alice.signer.address)).to.equal(before + amount - fee(receipt));
  }

  it("an honest operator carries Alice's request in its next batch, earning its fee; she claims", async function () {
    const r = await request(parseEther("1"));
    await operator.tick(true);
    expect(operator.receipt(forcedRequestId(r.index))).to.deep.include({ status: "verified" });
    expect(await world.rollup.forcedRequests()).to.deep.equal({ requested: 1, consumed: 1 });
    // its batch names its own address as the fee recipient (the default), bound by the proof
    const { forcedRequestFee } = await world.rollup.config();
    expect(await world.rollup.feeCreditOf(world.operatorSigner.address)).to.equal(forcedRequestFee);
    expect(operator.account(0)!.balance).to.equal(parseEther("4"));
    await world.checkInvariants();
    await claim(parseEther("1"));
  });

  it("a restarted operator carries a request made before its crash (it reads Layer 1, not its journal)", async function () {
    const r = await request(parseEther("0.5"));
    operator = await world.startOperator(); // kills the running one first, as a crash would
    expect(operator.receipt(forcedRequestId(r.index))).to.deep.include({ status: "accepted" });
    await operator.tick(true);
    expect(operator.receipt(forcedRequestId(r.index))).to.deep.include({ status: "verified" });
    expect(operator.account(0)!.balance).to.equal(parseEther("3.5"));
    await world.checkInvariants();
    await claim(parseEther("0.5"));
  });

  it("a forced withdrawal goes ahead of a spend accepted before it, which then no longer applies", async function () {
    const spend = alice.wallet.withdraw({ from: 0, tokenId: ETH_ID, amount: parseEther("3"), nonce: 0 });
    await operator.submit(spend.encoded);
    const r = await request(parseEther("1"));
    await operator.tick(true);
    // The request took its slot first; 2.5 ETH left, the 3-ETH withdrawal was dropped.
    expect(operator.receipt(forcedRequestId(r.index))).to.deep.include({ status: "verified" });
    expect(operator.receipt(spend.hash)).to.equal(undefined);
    expect(operator.account(0)!.balance).to.equal(parseEther("2.5"));
    await world.checkInvariants();
    await claim(parseEther("1"));
  });

  it("a censoring operator ignores her withdrawal and her request; past the deadline, exodus, and she exits with everything", async function () {
    await world.stack!.stop();
    const node = await world.verifierNode();
    const censor = new CensoringOperator(world, node, 0);
    const start = node.lastBatch;
    const balance = node.state.account(0)!.balance;
    expect(balance).to.equal(parseEther("2.5"));

    const withdrawal = alice.wallet.withdraw({ from: 0, tokenId: ETH_ID, amount: balance, nonce: 0 });
    censor.submit(withdrawal.request);
    censor.submit(bob.wallet.transfer({ from: 1, to: 0, amount: parseEther("0.25"), nonce: 0 }).request);
    await censor.tick();
    const r = await request(floorFloat40(node.state.account(0)!.balance));
    censor.submit(bob.wallet.transfer({ from: 1, to: 0, amount: parseEther("0.25"), nonce: 1 }).request);
    await censor.tick();
    // Batches land; Alice's request and withdrawal do not.
    expect(node.lastBatch).to.equal(start + 2);
    expect(await world.rollup.forcedRequests()).to.deep.equal({ requested: 4, consumed: 3 });
    expect(censor.inbox.map((s) => s.tx.from)).to.deep.equal([0]);
    const [stranger] = world.signers.slice(8);
    expect(await revertName(world.rollup.activateExodus(stranger, []))).to.equal("ZkRollupExodusNotDue");

    await time.increaseTo(r.requestedAt + BigInt((await world.rollup.config()).exodusDelay));
    await world.rollup.activateExodus(stranger, []);
    await node.sync();
    const whole = parseEther("3");
    const proof = buildExitProof(node.state, 0, alice.wallet.signer, world.crypto);
    expect(proof.balance).to.equal(whole);
    const before = await ethers.provider.getBalance(alice.signer.address);
    const exit = await world.rollup.exit(alice.signer, proof);
    expect(await ethers.provider.getBalance(alice.signer.address)).to.equal(before + whole - fee(exit));
    await world.checkInvariants();
  });
});
