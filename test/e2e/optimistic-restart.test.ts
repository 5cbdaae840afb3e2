// End to end, crash and restart: the sequencer's only durable state is its journal, everything else is
// rebuilt from Layer 1. Killed (a) between admitting transactions and committing them, (b) after a
// commit landed on Layer 1 but before the journal was compacted, (c) in the middle of writing a journal
// line — each time the restarted sequencer loses nothing and commits nothing twice. Invariants are
// checked after every phase.
import { expect } from "chai";
import { appendFile, readFile } from "node:fs/promises";
import { parseEther } from "ethers";
import { txHash } from "../../src/optimistic/chain-follower";
import { TxJournal } from "../../src/common/journal";
import type { Sequencer } from "../../src/optimistic/sequencer";
import { StepMachine } from "../../src/optimistic/trace";
import type { TransferTx } from "../../src/shared/types";
import { ownerOfAddress } from "../../src/shared/types";
import type { World } from "../optimistic/world";
import { depositEth, hexOf } from "../optimistic/world";
import { FundedWorld } from "../helpers/optimistic-world";

/** The transactions the journal file holds, in order. */
async function journalled(world: World): Promise<string[]> {
  const text = await readFile(world.journalPath, "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const { tx } = JSON.parse(line) as { tx: string };
      return tx;
    });
}

describe("e2e: optimistic restart", function () {
  let funded: FundedWorld;
  let world: World;
  let aliceIndex: number;
  let bobIndex: number;
  /** Every journal opened during a test: a killed sequencer's file is closed afterwards, as the OS would. */
  const opened: TxJournal[] = [];
  const open = TxJournal.open.bind(TxJournal);

  beforeEach(async function () {
    TxJournal.open = async (...args) => {
      const journal = await open(...args);
      opened.push(journal);
      return journal;
    };
    funded = await FundedWorld.create({ sequenced: true });
    ({ world, aliceIndex, bobIndex } = funded);
    await world.checkInvariants();
  });

  afterEach(async function () {
    TxJournal.open = open;
    await Promise.all(opened.splice(0).map((journal) => journal.close()));
    await world.cleanup();
  });

  /** Signs `n` transfers from alice to bob at consecutive nonces and submits them to `sequencer`. */
  async function submitTransfers(sequencer: Sequencer, n: number): Promise<TransferTx[]> {
    const txs: TransferTx[] = [];
    for (let i = 0; i < n; i++) {
      const tx = await funded.transfer(parseEther("0.1") * BigInt(funded.nonce + 1));
      expect((await sequencer.submit(hexOf(tx))).status).to.equal("soft-confirmed");
      txs.push(tx);
    }
    return txs;
  }

  /** What alice and bob hold after `sent` transfers: every balance recomputed from the amounts. */
  function expectedBalances(sent: readonly TransferTx[]): { alice: bigint; bob: bigint } {
    const total = sent.reduce((sum, tx) => sum + tx.amount, 0n);
    return { alice: parseEther("10") - total, bob: parseEther("1") + total };
  }

  /** Re-applies every batch read back from Layer 1 to a genesis machine of its own. */
  async function replayLayer1(): Promise<StepMachine> {
    const follower = await world.newFollower();
    await follower.sync();
    let machine = await StepMachine.genesis(world.authorizer);
    for (const batch of follower.batches.slice(1)) {
      machine = machine.nextBatch(); // each batch reads its own data from its start
      for (const tx of batch.txs) expect(machine.apply(tx).status).to.equal("applied");
    }
    expect(machine.claim).to.equal(follower.tip.claim);
    return machine;
  }

  it("(a) re-admits journalled transactions, in order, when killed before committing them", async function () {
    const [, , , , , carol] = world.signers;
    const sent = await submitTransfers(world.sequencer, 4);
    await depositEth(world, carol, parseEther("3"));
    await world.sequencer.tick(); // pulls carol's deposit into the soft state; nothing due yet
    expect(world.sequencer.pendingCount).to.equal(5);
    const soft = world.sequencer.account(aliceIndex);
    // Killed: the Sequencer object is dropped without committing; Layer 1 never saw the transfers.
    expect(await world.rollup.contract.batchCount()).to.equal(2n);

    const restarted = await world.startSequencer();
    await world.checkInvariants();
    expect(restarted.pendingCount).to.equal(5);
    for (const tx of sent) expect(restarted.receipt(txHash(tx))).to.include({ status: "soft-confirmed" });
    expect(restarted.account(aliceIndex)).to.deep.equal(soft);

    await restarted.tick(true);
    await world.checkInvariants();
    const steps = sent.map((tx) => {
      const receipt = restarted.receipt(txHash(tx))!;
      expect(receipt).to.include({ status: "committed", batchIndex: 2 });
      return receipt.step!;
    });
    expect(steps).to.deep.equal([...steps].sort((a, b) => a - b));
    expect(new Set(steps).size).to.equal(4);
    expect(restarted.pendingCount).to.equal(0);
    expect(await journalled(world)).to.deep.equal([]);

    const replay = await replayLayer1();
    expect(Number(await world.rollup.contract.batchCount())).to.equal(3);
    const expected = expectedBalances(sent);
    expect(replay.l2.account(aliceIndex)).to.include({ balance: expected.alice, nonce: 4 });
    expect(replay.l2.account(bobIndex)!.balance).to.equal(expected.bob);
    const carolIndex = replay.l2.findAccount(ownerOfAddress(carol.address), 0)!;
    expect(replay.l2.account(carolIndex)!.balance).to.equal(parseEther("3"));
    expect(replay.l2.nextIndex).to.equal(3);
  });

  describe("(b) killed after the commit landed on Layer 1, before the journal was compacted", function () {
    let committed: TransferTx[];

    beforeEach(async function () {
      committed = await submitTransfers(world.sequencer, 3);
      // The crash: the commit transaction is mined, then the process dies before `retain` runs.
      const journal = opened[opened.length - 1]; // the running sequencer's
      expect(journal.entries()).to.deep.equal(committed.map(hexOf));
      journal.retain = () => Promise.reject(new Error("killed before compacting the journal"));
      await expect(world.sequencer.tick(true)).to.be.rejectedWith("killed before compacting the journal");
      expect(await world.rollup.contract.batchCount()).to.equal(3n);
      expect(await journalled(world)).to.deep.equal(committed.map(hexOf));
      await world.checkInvariants();
    });

    it("loses nothing and commits nothing twice after a restart", async function () {
      const restarted = await world.startSequencer();
      await world.checkInvariants();
      expect(restarted.pendingCount).to.equal(0);
      committed.forEach((tx, step) =>
        expect(restarted.receipt(txHash(tx))).to.include({ status: "committed", batchIndex: 2, step }),
      );

      const fresh = await submitTransfers(restarted, 2);
      await restarted.tick(true);
      await world.checkInvariants();
      const follower = await world.newFollower();
      await follower.sync();
      expect(follower.batches.map((b) => b.stepCount)).to.deep.equal([0, 2, 3, 2]);
      expect(follower.batches[3].txs.map(txHash)).to.deep.equal(fresh.map(txHash));
      committed.forEach((tx, step) =>
        expect(restarted.receipt(txHash(tx))).to.include({ status: "committed", batchIndex: 2, step }),
      );
      fresh.forEach((tx, step) =>
        expect(restarted.receipt(txHash(tx))).to.include({ status: "committed", batchIndex: 3, step }),
      );

      const replay = await replayLayer1();
      const expected = expectedBalances([...committed, ...fresh]);
      for (const view of [replay.l2, { account: (i: number) => restarted.account(i) }]) {
        expect(view.account(aliceIndex)).to.include({ balance: expected.alice, nonce: 5 });
        expect(view.account(bobIndex)!.balance).to.equal(expected.bob);
      }

      // A second restart still finds nothing to re-admit.
      const again = await world.startSequencer();
      expect(again.pendingCount).to.equal(0);
      await again.tick(true);
      expect(await world.rollup.contract.batchCount()).to.equal(4n);
      await world.checkInvariants();
    });

    it("drops the already-committed transactions from the journal at the next commit", async function () {
      const restarted = await world.startSequencer();
      await submitTransfers(restarted, 2);
      await restarted.tick(true);
      expect(await journalled(world)).to.deep.equal([]);
    });
  });

  it("(c) drops a torn last journal line on restart, keeping every whole line", async function () {
    const sent = await submitTransfers(world.sequencer, 2);
    // Killed while writing a third line: part of it reached the file, without its newline.
    const torn = await funded.transfer(1000n);
    const line = JSON.stringify({ tx: hexOf(torn) });
    await appendFile(world.journalPath, line.slice(0, line.length - 7));

    const restarted = await world.startSequencer();
    await world.checkInvariants();
    expect(restarted.pendingCount).to.equal(2);
    expect(restarted.receipt(txHash(torn))).to.equal(undefined);
    for (const tx of sent) expect(restarted.receipt(txHash(tx))).to.include({ status: "soft-confirmed" });
    expect(await readFile(world.journalPath, "utf8")).to.equal(
      sent.map((tx) => JSON.stringify({ tx: hexOf(tx) }) + "\n").join(""),
    );

    // The torn transaction was never acknowledged; its sender submits it again and it goes through.
    expect((await restarted.submit(hexOf(torn))).status).to.equal("soft-confirmed");
    expect(await journalled(world)).to.deep.equal([...sent, torn].map(hexOf));
    await restarted.tick(true);
    await world.checkInvariants();
    [...sent, torn].forEach((tx, step) =>
      expect(restarted.receipt(txHash(tx))).to.include({ status: "committed", batchIndex: 2, step }),
    );
    expect(await journalled(world)).to.deep.equal([]);
    const replay = await replayLayer1();
    const expected = expectedBalances([...sent, torn]);
    expect(replay.l2.account(aliceIndex)).to.include({ balance: expected.alice, nonce: 3 });
    expect(replay.l2.account(bobIndex)!.balance).to.equal(expected.bob);
  });
});
