// End to end with batches posted in blobs (issue 15), on the in-process chain with a blob archive in this
// process (Hardhat keeps no blobs): the sequencer posts and publishes, every node reads each batch from the
// archive and checks it against the versioned hashes Layer 1 recorded, a withdrawal is paid from a blob
// batch, and a lie posted in blobs is removed by the challenger's one-step proof over the blob.
import { expect } from "chai";
import { Wallet, parseEther } from "ethers";
import { localAccountKey } from "../../src/common/processes";
import { publishTransactionBlobs } from "../../src/da/archive";
import { BlobNotFoundError } from "../../src/da/errors";
import { Kzg } from "../../src/da/kzg";
import { BlobBatchData } from "../../src/optimistic/blob-batch";
import { depositsUpTo } from "../../src/shared/deposit";
import { ethers } from "hardhat";
import type { Published } from "../../src/common/events";
import { ChainFollower, NoBlobSourceError, txHash } from "../../src/optimistic/chain-follower";
import type { BatchCommittedEvent } from "../../src/optimistic/events";
import { StepMachine } from "../../src/optimistic/trace";
import { FundedWorld } from "../helpers/optimistic-world";
import type { World } from "../optimistic/world";
import { hexOf, passChallengeWindow, signedWithdraw } from "../optimistic/world";

const GAME_STATUS = { open: 1n, proposerWon: 2n, challengerWon: 3n };

describe("e2e: optimistic rollup with batches in blobs", function () {
  let funded: FundedWorld;
  let world: World;

  beforeEach(async function () {
    funded = await FundedWorld.create({ sequenced: true, dataMode: "blobs" });
    world = funded.world;
  });

  afterEach(async function () {
    await world.cleanup();
  });

  it("posts in blobs, every node rebuilds from the archive, and a withdrawal is paid from a blob batch", async function () {
    const { sequencer, challenger, rollup, bridgeClient } = world;
    const { bob, alice } = funded;
    const transfers = await funded.transfers(5);
    for (const tx of transfers) await sequencer.submit(hexOf(tx));
    const withdrawal = await signedWithdraw(world, bob, {
      from: funded.bobIndex,
      recipient: bob.address,
      amount: parseEther("0.5"),
      nonce: 0,
    });
    const receipt = await sequencer.submit(hexOf(withdrawal));
    const cursor = sequencer.events.head;
    await sequencer.tick(true);

    // The batch went in blobs, and its blob gas was paid.
    const committed = sequencer.events
      .page(cursor)
      .events.filter((e): e is Published<BatchCommittedEvent> => e.type === "batchCommitted");
    expect(committed).to.have.length(1);
    expect(committed[0]).to.include({ dataMode: "blobs", steps: 6 });
    expect(BigInt(committed[0].blobGasUsed!)).to.equal(131_072n);
    const batchIndex = committed[0].batchIndex;
    expect((await rollup.contract.batch(batchIndex)).inBlobs).to.equal(true);

    // A new node reads it from the archive and agrees with the sequencer.
    const follower = await world.newFollower();
    await follower.sync();
    const read = follower.batches[batchIndex];
    expect(read.verdict).to.equal("valid");
    expect(read.blobs!.versionedHashes).to.have.length(1);
    expect(read.txs.map((tx) => txHash(tx))).to.deep.equal(
      [...transfers, withdrawal].map((tx) => txHash(tx)),
    );
    const { owner, balance, nonce } = sequencer.account(funded.bobIndex)!;
    expect(balance).to.equal(parseEther("1") + 5n * 1000n + 10n - parseEther("0.5"));
    expect(follower.machineAfter(batchIndex)!.l2.account(funded.bobIndex)).to.include({
      owner,
      balance,
      nonce,
    });

    // A node with no blob source cannot read it, and says why.
    const blind = new ChainFollower(rollup, ethers.provider, await StepMachine.genesis(world.authorizer));
    await expect(blind.sync()).to.be.rejectedWith(NoBlobSourceError);

    await challenger.tick();
    expect(await rollup.contract.gameCount()).to.equal(0n);
    await passChallengeWindow();
    await sequencer.tick();
    expect(sequencer.receipt(receipt.hash)!.status).to.equal("final");

    const final = await world.newFollower();
    await final.sync();
    const [owed] = final.withdrawalsOf(batchIndex);
    expect(owed).to.deep.equal({ recipient: bob.address, tokenId: 0, amount: parseEther("0.5") });
    const before = await ethers.provider.getBalance(bob.address);
    await bridgeClient.finalizeWithdrawal(alice, {
      rollup: rollup.address,
      batchIndex,
      withdrawal: owed,
      proof: final.withdrawalProof(batchIndex, 0),
    });
    expect(await ethers.provider.getBalance(bob.address)).to.equal(before + parseEther("0.5"));
    await world.checkInvariants();
  });

  it("removes a lie posted in blobs: the challenger's step opens the disputed transfer from the blob", async function () {
    const { rollup, challenger } = world;
    const txs = await funded.transfers(7);
    const lie = await funded.lie({ txs, lieAt: 4 });
    expect((await rollup.contract.batch(lie.batchIndex)).inBlobs).to.equal(true);
    const liar = funded.liar([lie]);
    const cursor = challenger.events.head;
    for (let round = 0; round < 30; round++) {
      await challenger.tick();
      await lie.follower.sync();
      await liar.playAll();
      if ((await rollup.contract.game(0).catch(() => undefined))?.status === GAME_STATUS.challengerWon) break;
    }
    const game = await rollup.contract.game(0);
    expect(game.status).to.equal(GAME_STATUS.challengerWon);
    expect(game.lo).to.equal(4n);
    await challenger.tick(); // its node reads the step, whoever sent it
    const events = challenger.events.page(cursor).events;
    expect(events.some((e) => e.type === "stepProved")).to.equal(true);
    expect(await rollup.contract.batchCount()).to.equal(BigInt(lie.batchIndex));
    await world.checkInvariants();

    // The honest sequencer commits again at the removed batch's index: a new node reads the whole history
    // in one sync, each batch from its own blobs (the lie's and the honest one's share an index).
    for (const tx of txs) await world.sequencer.submit(hexOf(tx));
    await world.sequencer.tick(true);
    const rebuilt = await world.newFollower();
    await rebuilt.sync();
    expect(rebuilt.batches).to.have.length(lie.batchIndex + 1);
    expect(rebuilt.tip.verdict).to.equal("valid");
    expect(rebuilt.tip.txs.map((tx) => txHash(tx))).to.deep.equal(txs.map((tx) => txHash(tx)));
  });

  it("keeps the blobs of a commit the archive did not take, and publishes them when it restarts", async function () {
    const { rollup, archive } = world;
    const batches = await rollup.contract.batchCount();
    const txs = await funded.transfers(2);
    for (const tx of txs) await world.sequencer.submit(hexOf(tx));
    await archive!.pause();
    // The commit lands; its blobs cannot be published, and the sequencer's own node cannot read past it.
    await expect(world.sequencer.tick(true)).to.be.rejected;
    expect(await rollup.contract.batchCount()).to.equal(batches + 1n);
    // It crashes, the archive comes back, and the restarted sequencer publishes the spooled blobs first.
    await archive!.resume();
    const restarted = await world.startSequencer();
    expect(restarted.receipt(txHash(txs[1]))).to.include({ status: "committed" });
    const fresh = await world.newFollower();
    await fresh.sync();
    expect(fresh.tip.verdict).to.equal("valid");
    expect(fresh.tip.txs.map((tx) => txHash(tx))).to.deep.equal(txs.map((tx) => txHash(tx)));
  });

  it("applies nothing of a read whose blobs are not available yet, and reads it all once they are", async function () {
    const { rollup, bridgeClient } = world;
    const txs = await funded.transfers(3);
    // The proposer's key commits in blobs and publishes nothing (yet).
    const node = await world.newFollower();
    await node.sync();
    const machine = node.machineAfter(node.tip.index)!;
    for (const tx of txs) machine.apply(tx);
    const kzg = await Kzg.load();
    const data = BlobBatchData.ofTransactions(kzg, txs);
    const queue = await bridgeClient.verifiedQueue(rollup.address);
    const proposer = new Wallet(localAccountKey(1), ethers.provider);
    const { receipt } = await rollup.commitBatchBlobs(
      proposer,
      {
        parentClaim: node.tip.claim,
        data,
        stepCount: txs.length,
        post: machine.state,
        depositCount: depositsUpTo(queue, machine.depositHead),
        catchUp: [],
      },
      (await rollup.config()).proposerBond,
      kzg,
    );
    const fresh = await world.newFollower();
    await expect(fresh.sync()).to.be.rejectedWith(BlobNotFoundError);
    expect(fresh.batches).to.have.length(1); // nothing applied, not even the batches before it
    await publishTransactionBlobs(world.blobArchiveUrl!, ethers.provider, kzg, receipt.hash, data.blobs);
    await fresh.sync();
    expect(fresh.batches).to.have.length(node.batches.length + 1);
    expect(fresh.tip.verdict).to.equal("valid");
  });
});
