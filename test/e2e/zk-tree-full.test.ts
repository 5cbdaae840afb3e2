// End to end on the `tiny` circuit profile (a depth-2 accounts tree: 4 accounts), with real proofs: an
// attacker fills the accounts tree with 1-wei deposits to owners nobody holds a key for. Before, the next
// deposit for a new owner could never be carried and stopped the queue until exodus: the rollup was over.
// Now the operator carries it as a refund slot, which the proof allows only when every account is open,
// the contract credits it back to its depositor, and the queue goes on: a top-up of an open account after
// it is carried, and nothing waits for exodus. An operator that claims a refund while the tree has room
// has no proof for it.
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { hexlify, parseEther, randomBytes, zeroPadValue } from "ethers";
import { revertName } from "../../src/common/outcomes";
import { proveOwnBatch } from "../../src/zk/adversaries";
import { depositData } from "../../src/shared/deposit";
import { refundedDeposits } from "../../src/zk/chain-follower";
import { unconsumedDeposits } from "../../src/zk/invariants";
import type { ZkOperator } from "../../src/zk/operator";
import { PUBDATA_KIND } from "../../src/zk/types";
import type { ZkE2eWorld } from "./zk-world";
import { ETH_ID, castOf, closeTestProver, createZkWorld, fund } from "./zk-world";

/** An owner hash nobody holds the key of (below 2^160, as the bridge requires). */
const strangerOwner = (): string => zeroPadValue(hexlify(randomBytes(20)), 32);

describe("e2e: a full accounts tree (tiny profile, 4 accounts)", function () {
  this.timeout(600_000);
  let world: ZkE2eWorld;
  let operator: ZkOperator;

  before(async function () {
    world = await createZkWorld({ profile: "tiny" });
  });

  after(async function () {
    await world.cleanup();
    await closeTestProver();
  });

  /** Lets the operator pull what Layer 1 queued and prove batches until nothing is pending. */
  async function proveAll(): Promise<void> {
    do await operator.tick(true);
    while (operator.pendingCount > 0);
  }

  it("a forged refund while the tree has room has no proof (ZkRollupInvalidProof, nothing changes)", async function () {
    const { bob } = castOf(world);
    await fund(world, [{ user: bob, amount: parseEther("1") }]);
    const node = await world.verifierNode();
    const [queued] = await unconsumedDeposits(node, world.bridgeClient);
    // A real proof of Bob's deposit into account 0, its pubdata turned into a refund of it.
    const { calldata } = await proveOwnBatch(
      node,
      [{ tx: { kind: "deposit", account: 0, deposit: depositData(queued) } }],
      {
        prover: world.prover,
        crypto: world.crypto,
        bridge: world.bridgeClient,
        batchSize: 1,
        consumed: [queued],
        feeRecipient: world.operatorSigner.address,
      },
    );
    const forged = { ...calldata, pubdata: Uint8Array.of(PUBDATA_KIND.refund) };
    const root = await world.rollup.root();
    expect(await revertName(world.rollup.submitBatch(world.operatorSigner, forged))).to.equal(
      "ZkRollupInvalidProof",
    );
    expect(await world.rollup.root()).to.equal(root);
    expect(await world.rollup.creditOf(bob.signer.address, ETH_ID)).to.equal(0n);
  });

  it("Mallory fills the tree; Alice's deposit for a new account is refunded in its turn; the queue goes on", async function () {
    const { alice, bob } = castOf(world);
    const mallory = world.signers[9];
    const rollup = world.rollup.address;
    // Bob's deposit (above) takes account 0; Mallory's three 1-wei deposits to strangers take the rest.
    for (let i = 0; i < 3; i++) {
      await world.bridgeClient.depositEth(mallory, { rollup, to: strangerOwner(), amount: 1n });
    }
    await fund(world, [
      { user: alice, amount: parseEther("2") }, // a new owner: no account left for her
      { user: bob, amount: parseEther("0.5") }, // an open account's top-up: still carried
    ]);
    operator = await world.startOperator();
    await proveAll();

    const node = await world.verifierNode();
    expect(node.state.isFull).to.equal(true);
    expect(node.state.account(0)?.balance).to.equal(parseEther("1.5"));
    expect(node.state.accounts.findAccount(alice.wallet.ownerHex, ETH_ID)).to.equal(undefined);
    const refunds = node.batches.filter((b) => b.txs.some((tx) => tx.kind === "refund"));
    expect(refunds).to.have.length(1);
    expect(refundedDeposits(refunds[0]).map((d) => [d.from, d.amount])).to.deep.equal([
      [alice.signer.address, parseEther("2")],
    ]);
    expect(await unconsumedDeposits(node, world.bridgeClient)).to.have.length(0);

    // Alice takes her deposit back on Layer 1.
    expect(await world.rollup.creditOf(alice.signer.address, ETH_ID)).to.equal(parseEther("2"));
    const before = await world.deployer.provider.getBalance(alice.signer.address);
    const receipt = await world.rollup.claim(alice.signer, ETH_ID, alice.signer.address);
    const after = await world.deployer.provider.getBalance(alice.signer.address);
    expect(after - before + receipt.gasUsed * receipt.gasPrice).to.equal(parseEther("2"));
    await world.checkInvariants();

    // Nothing waits: the full tree cannot be turned into an exodus.
    const { exodusDelay } = await world.rollup.config();
    await time.increase(Number(exodusDelay) + 1);
    expect(await revertName(world.rollup.activateExodus(world.signers[8], []))).to.equal(
      "ZkRollupNothingWaiting",
    );
  });

  it("a later deposit for a new owner is refunded too, and Bob's withdrawal is still carried", async function () {
    const { bob, carol } = castOf(world);
    await fund(world, [{ user: carol, amount: parseEther("1") }]);
    const out = bob.wallet.withdraw({ from: 0, tokenId: ETH_ID, amount: parseEther("0.5"), nonce: 0 });
    await operator.submit(out.encoded);
    await proveAll();
    expect(operator.receipt(out.hash)).to.include({ status: "verified" });
    expect(await world.rollup.creditOf(carol.signer.address, ETH_ID)).to.equal(parseEther("1"));
    expect(await world.rollup.creditOf(bob.signer.address, ETH_ID)).to.equal(parseEther("0.5"));
    await world.checkInvariants();
  });
});
