// The sequencer against the in-process chain: what it refuses at the door (and that a refusal changes
// nothing), how a receipt moves from soft-confirmed to final, when it cuts a batch, how it pulls
// deposits, its JSON-RPC front end, and how it rebases when another proposer commits on the tip.
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseEther } from "ethers";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { createLogger } from "../../src/common/logger";
import { txHash } from "../../src/optimistic/chain-follower";
import { TxJournal } from "../../src/common/journal";
import { RpcError, SequencerClient, TxRejectedError, startRpcServer } from "../../src/optimistic/rpc-server";
import type { RpcServer } from "../../src/optimistic/rpc-server";
import { Sequencer } from "../../src/optimistic/sequencer";
import { bytesToHex } from "../../src/shared/bytes";
import { encodeTx } from "../../src/shared/codec";
import type { DepositTx, L2Tx, TransferTx } from "../../src/shared/types";
import { ownerOfAddress } from "../../src/shared/types";
import type { World } from "./world";
import { TIMING, depositEth, hexOf, passChallengeWindow, signedTransfer, signedWithdraw } from "./world";
import { FundedWorld } from "../helpers/optimistic-world";
import { depositsUpTo } from "../../src/shared/deposit";

const silent = createLogger({ level: "silent" });

describe("Sequencer", function () {
  let world: World;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let carol: HardhatEthersSigner;
  let dave: HardhatEthersSigner;
  let aliceIndex: number;
  let bobIndex: number;
  const ownJournals: TxJournal[] = [];

  beforeEach(async function () {
    ({ world, alice, bob, aliceIndex, bobIndex } = await FundedWorld.create({ sequenced: true }));
    [, , , , , carol, dave] = world.signers;
  });

  afterEach(async function () {
    await Promise.all(ownJournals.splice(0).map((j) => j.close()));
    await world.cleanup();
  });

  /** A second sequencer on the same chain (same proposer), with its own journal and batch limits. */
  async function startOwnSequencer(o: {
    maxBatchSteps?: number;
    maxBatchAgeMs?: number;
  }): Promise<Sequencer> {
    const journal = await TxJournal.open(join(dirname(world.journalPath), `own-${ownJournals.length}.jsonl`));
    ownJournals.push(journal);
    return Sequencer.start({
      rollup: world.rollup,
      bridge: world.bridgeClient,
      follower: await world.newFollower(),
      journal,
      signer: world.proposer,
      ...o,
    });
  }

  /** `amount` wei from alice to bob at `nonce`. */
  const aliceToBob = (amount: bigint, nonce: number) =>
    signedTransfer(world, alice, { from: aliceIndex, to: bobIndex, amount, nonce });

  /** Alice's transfers of 1 and 2 ETH to Bob (nonces 0 and 1), both submitted to the running sequencer. */
  async function submitTwo(): Promise<[TransferTx, TransferTx]> {
    const txs: [TransferTx, TransferTx] = [
      await aliceToBob(parseEther("1"), 0),
      await aliceToBob(parseEther("2"), 1),
    ];
    for (const tx of txs) await world.sequencer.submit(hexOf(tx));
    return txs;
  }

  /**
   * Dave, another proposer, commits a valid batch on the tip: every deposit still queued (in queue
   * order, hinted at its owner's account), then `txs`, built on a machine of his own follower.
   */
  async function commitAsDave(txs: L2Tx[]): Promise<number> {
    const { rollup, bridgeClient } = world;
    const follower = await world.newFollower();
    await follower.sync();
    const machine = follower.machineAfter(follower.tip.index)!;
    const queue = await bridgeClient.verifiedQueue(rollup.address);
    const consumed = depositsUpTo(queue, machine.depositHead);
    const batch: L2Tx[] = [];
    for (const d of queue.slice(consumed)) {
      batch.push({
        kind: "deposit",
        accountHint: machine.l2.findAccount(d.to, d.tokenId) ?? machine.l2.nextIndex,
        deposit: { from: d.from, to: d.to, tokenId: d.tokenId, amount: d.amount, timestamp: d.timestamp },
      });
      machine.apply(batch[batch.length - 1]);
    }
    for (const tx of txs) {
      expect(machine.apply(tx).status).to.equal("applied");
      batch.push(tx);
    }
    const { batchIndex } = await rollup.commitBatch(
      dave,
      {
        parentClaim: follower.tip.claim,
        txs: batch,
        post: machine.state,
        depositCount: queue.length,
        catchUp: [],
      },
      (await rollup.config()).proposerBond,
    );
    return batchIndex;
  }

  /** Every batch on Layer 1, read back by a fresh node. */
  async function batchesOnL1() {
    const follower = await world.newFollower();
    await follower.sync();
    return follower.batches;
  }

  describe("submit", function () {
    /** What a refusal must leave untouched. */
    async function snapshot(sequencer: Sequencer) {
      return {
        alice: sequencer.account(aliceIndex),
        bob: sequencer.account(bobIndex),
        next: sequencer.account(2),
        pending: sequencer.pendingCount,
        journal: await readFile(world.journalPath, "utf8"),
      };
    }

    /** Submits `encoded` after one admitted transfer; expects the refusal `reason` and no change at all. */
    async function expectRefused(encoded: () => Promise<string>, reason: string): Promise<void> {
      const { sequencer } = world;
      await sequencer.submit(hexOf(await aliceToBob(parseEther("1"), 0)));
      const before = await snapshot(sequencer);
      expect(before.pending).to.equal(1);
      const error = await expect(sequencer.submit(await encoded())).to.be.rejectedWith(TxRejectedError);
      expect(error).to.have.property("reason", reason);
      expect(await snapshot(sequencer)).to.deep.equal(before);
    }

    it("admits a valid transfer: soft-confirmed, applied to the soft state, journalled", async function () {
      const { sequencer } = world;
      const tx = await aliceToBob(parseEther("2"), 0);
      const receipt = await sequencer.submit(hexOf(tx));
      expect(receipt).to.deep.equal({ hash: txHash(tx), status: "soft-confirmed", outcome: "applied" });
      expect(sequencer.account(aliceIndex)).to.include({ balance: parseEther("8"), nonce: 1 });
      expect(sequencer.account(bobIndex)).to.include({ balance: parseEther("3"), nonce: 0 });
      expect(sequencer.pendingCount).to.equal(1);
      expect(await readFile(world.journalPath, "utf8")).to.equal(JSON.stringify({ tx: hexOf(tx) }) + "\n");
    });

    for (const [name, encoded] of [
      ["a truncated transaction", "0x02ab"],
      ["an empty transaction", "0x"],
      ["non-hex", "0xzz"],
      ["an unknown kind byte", "0x09" + "00".repeat(77)],
    ] as const) {
      it(`refuses ${name} as Malformed, changing nothing`, async function () {
        await expectRefused(async () => encoded, "Malformed");
      });
    }

    it("refuses a valid transaction with trailing bytes as Malformed, changing nothing", async function () {
      await expectRefused(async () => hexOf(await aliceToBob(1000n, 1)) + "00", "Malformed");
    });

    it("refuses a deposit as DepositNotAllowed, changing nothing", async function () {
      const deposit: DepositTx = {
        kind: "deposit",
        accountHint: aliceIndex,
        deposit: {
          from: alice.address,
          to: ownerOfAddress(alice.address),
          tokenId: 0,
          amount: 1n,
          timestamp: 1n,
        },
      };
      await expectRefused(async () => bytesToHex(encodeTx(deposit)), "DepositNotAllowed");
    });

    it("refuses a transaction it already admitted as Duplicate, changing nothing", async function () {
      await expectRefused(async () => hexOf(await aliceToBob(parseEther("1"), 0)), "Duplicate");
    });

    it("refuses a transaction already committed as Duplicate", async function () {
      const tx = await aliceToBob(parseEther("1"), 0);
      await world.sequencer.submit(hexOf(tx));
      await world.sequencer.tick(true);
      const error = await expect(world.sequencer.submit(hexOf(tx))).to.be.rejectedWith(TxRejectedError);
      expect(error).to.have.property("reason", "Duplicate");
      expect(world.sequencer.pendingCount).to.equal(0);
    });

    it("refuses a transfer signed by someone else than the owner as BadSignature, changing nothing", async function () {
      const forged = signedTransfer(world, bob, { from: aliceIndex, to: bobIndex, amount: 1000n, nonce: 1 });
      await expectRefused(async () => hexOf(await forged), "BadSignature");
    });

    it("refuses a transfer signed at a future nonce as BadSignature, changing nothing", async function () {
      await expectRefused(async () => hexOf(await aliceToBob(1000n, 2)), "BadSignature");
    });

    it("refuses a new transfer signed at a used nonce as BadSignature, changing nothing", async function () {
      await expectRefused(async () => hexOf(await aliceToBob(1000n, 0)), "BadSignature");
    });

    it("refuses an overdraft as InsufficientBalance, changing nothing", async function () {
      const overdraft = signedTransfer(world, bob, {
        from: bobIndex,
        to: aliceIndex,
        amount: parseEther("3"),
        nonce: 0,
      });
      await expectRefused(async () => hexOf(await overdraft), "InsufficientBalance");
    });

    it("refuses a withdrawal above the balance as InsufficientBalance, changing nothing", async function () {
      const tx = signedWithdraw(world, bob, {
        from: bobIndex,
        recipient: bob.address,
        amount: parseEther("5"),
        nonce: 0,
      });
      await expectRefused(async () => hexOf(await tx), "InsufficientBalance");
    });

    it("refuses a transfer from an unknown account as UnknownAccount, changing nothing", async function () {
      const tx = signedTransfer(world, carol, { from: 99, to: bobIndex, amount: 1000n, nonce: 0 });
      await expectRefused(async () => hexOf(await tx), "UnknownAccount");
    });

    it("refuses a transfer to an unknown account as UnknownAccount, changing nothing", async function () {
      await expectRefused(
        async () =>
          hexOf(await signedTransfer(world, alice, { from: aliceIndex, to: 2, amount: 1000n, nonce: 1 })),
        "UnknownAccount",
      );
    });

    it("admits the sender's next transaction after a refusal", async function () {
      await expectRefused(async () => hexOf(await aliceToBob(parseEther("100"), 1)), "InsufficientBalance");
      const receipt = await world.sequencer.submit(hexOf(await aliceToBob(parseEther("1"), 1)));
      expect(receipt.status).to.equal("soft-confirmed");
      expect(world.sequencer.account(aliceIndex)).to.include({ balance: parseEther("8"), nonce: 2 });
    });
  });

  describe("receipt", function () {
    it("goes soft-confirmed → committed → final as the batch is committed and finalized", async function () {
      const { sequencer } = world;
      const [first, second] = await submitTwo();
      expect(sequencer.receipt(txHash(second))).to.deep.equal({
        hash: txHash(second),
        status: "soft-confirmed",
      });

      await sequencer.tick(true);
      await world.checkInvariants();
      expect(sequencer.receipt(txHash(first))).to.deep.equal({
        hash: txHash(first),
        status: "committed",
        batchIndex: 2,
        step: 0,
      });
      expect(sequencer.receipt(txHash(second))).to.include({ status: "committed", batchIndex: 2, step: 1 });
      expect(sequencer.pendingCount).to.equal(0);

      await passChallengeWindow();
      await sequencer.tick();
      expect(sequencer.receipt(txHash(first))).to.include({ status: "final", batchIndex: 2, step: 0 });
      expect(sequencer.receipt(txHash(second))).to.include({ status: "final", batchIndex: 2, step: 1 });
      expect(Number(await world.rollup.contract.lastFinalizedIndex())).to.equal(2);
      await world.checkInvariants();
    });

    it("finalizes on an idle chain once the window has passed, without waiting for a new block", async function () {
      // A local node mines only when a transaction arrives: the latest block stays old while time passes.
      // The clock moves (the pending block's time), no block is mined: the batch is due all the same.
      const { sequencer } = world;
      const [first] = await submitTwo();
      await sequencer.tick(true);
      const before = await ethers.provider.getBlockNumber();
      await ethers.provider.send("evm_increaseTime", [TIMING.challengeWindow + 1]);
      expect(await ethers.provider.getBlockNumber()).to.equal(before);

      await sequencer.tick();
      expect(sequencer.receipt(txHash(first))).to.include({ status: "final", batchIndex: 2 });
      expect(Number(await world.rollup.contract.lastFinalizedIndex())).to.equal(2);
    });

    it("finds a receipt whatever the case of the hash", async function () {
      const tx = await aliceToBob(parseEther("1"), 0);
      await world.sequencer.submit(hexOf(tx));
      const upper = "0x" + txHash(tx).slice(2).toUpperCase();
      expect(world.sequencer.receipt(upper)).to.include({ hash: txHash(tx), status: "soft-confirmed" });
    });

    it("is undefined for a transaction the sequencer never admitted", async function () {
      const refused = await aliceToBob(parseEther("100"), 0);
      await expect(world.sequencer.submit(hexOf(refused))).to.be.rejectedWith(TxRejectedError);
      expect(world.sequencer.receipt(txHash(refused))).to.equal(undefined);
      expect(world.sequencer.receipt("0x" + "11".repeat(32))).to.equal(undefined);
    });
  });

  describe("tick", function () {
    it("cuts batches of maxBatchSteps, oldest first, and leaves a young remainder pending", async function () {
      const sequencer = await startOwnSequencer({ maxBatchSteps: 3, maxBatchAgeMs: 3_600_000 });
      const txs: TransferTx[] = [];
      for (let nonce = 0; nonce < 7; nonce++) {
        txs.push(await aliceToBob(1000n + BigInt(nonce), nonce));
        await sequencer.submit(hexOf(txs[nonce]));
      }
      await sequencer.tick();
      await sequencer.tick();
      expect(sequencer.pendingCount).to.equal(1);
      await sequencer.tick(); // one young step pending: not due
      expect(sequencer.pendingCount).to.equal(1);
      let batches = await batchesOnL1();
      expect(batches.map((b) => b.stepCount)).to.deep.equal([0, 2, 3, 3]);
      expect(batches.slice(2).flatMap((b) => b.txs.map(txHash))).to.deep.equal(txs.slice(0, 6).map(txHash));
      expect(sequencer.receipt(txHash(txs[6]))).to.include({ status: "soft-confirmed" });

      await sequencer.tick(true);
      batches = await batchesOnL1();
      expect(batches.map((b) => b.stepCount)).to.deep.equal([0, 2, 3, 3, 1]);
      expect(sequencer.receipt(txHash(txs[6]))).to.include({ status: "committed", batchIndex: 4, step: 0 });
      await world.checkInvariants();
    });

    it("cuts a batch once the oldest pending step is maxBatchAgeMs old, and not before", async function () {
      const sequencer = await startOwnSequencer({ maxBatchSteps: 64, maxBatchAgeMs: 400 });
      await sequencer.submit(hexOf(await aliceToBob(1000n, 0)));
      await sequencer.submit(hexOf(await aliceToBob(2000n, 1)));
      await sequencer.tick();
      expect(sequencer.pendingCount).to.equal(2);
      expect(await world.rollup.contract.batchCount()).to.equal(2n);

      await new Promise((resolve) => setTimeout(resolve, 450));
      await sequencer.tick();
      expect(sequencer.pendingCount).to.equal(0);
      const batches = await batchesOnL1();
      expect(batches.map((b) => b.stepCount)).to.deep.equal([0, 2, 2]);
      await world.checkInvariants();
    });

    it("pulls deposits in queue order, crediting an existing owner's account and opening new ones", async function () {
      const { sequencer, bridgeClient, rollup } = world;
      await depositEth(world, carol, parseEther("3"));
      await depositEth(world, alice, parseEther("2"));
      await depositEth(world, bob, 500n);
      await sequencer.tick(true);
      await world.checkInvariants();

      const queue = await bridgeClient.verifiedQueue(rollup.address);
      const [, , batch] = await batchesOnL1();
      expect(batch.txs.map((t) => (t as DepositTx).deposit.to)).to.deep.equal(
        queue.slice(2).map((d) => d.to),
      );
      expect(batch.txs.map((t) => (t as DepositTx).deposit.amount)).to.deep.equal([
        parseEther("3"),
        parseEther("2"),
        500n,
      ]);
      const carolIndex = sequencer.findAccount(ownerOfAddress(carol.address), 0)!;
      expect(carolIndex).to.equal(2);
      expect(batch.txs.map((t) => (t as DepositTx).accountHint)).to.deep.equal([
        carolIndex,
        aliceIndex,
        bobIndex,
      ]);
      expect(sequencer.account(aliceIndex)!.balance).to.equal(parseEther("12"));
      expect(sequencer.account(bobIndex)!.balance).to.equal(parseEther("1") + 500n);
      expect(sequencer.account(carolIndex)!.balance).to.equal(parseEther("3"));
      expect(sequencer.account(3)).to.equal(undefined);
    });

    it("pulls each deposit once across ticks", async function () {
      const { sequencer } = world;
      await depositEth(world, carol, parseEther("3"));
      await sequencer.tick(); // pulled, not yet due
      expect(sequencer.pendingCount).to.equal(1);
      await sequencer.tick();
      expect(sequencer.pendingCount).to.equal(1);
      await sequencer.tick(true);
      await sequencer.tick(true);
      const batches = await batchesOnL1();
      expect(batches.map((b) => b.stepCount)).to.deep.equal([0, 2, 1]);
      const carolIndex = sequencer.findAccount(ownerOfAddress(carol.address), 0)!;
      expect(sequencer.account(carolIndex)!.balance).to.equal(parseEther("3"));
    });

    it("rebases when another proposer commits on the tip, and its pending transactions still commit", async function () {
      const { sequencer } = world;
      const [t1, t2] = await submitTwo();
      await depositEth(world, carol, parseEther("3"));
      await sequencer.tick(); // pulls carol's deposit into the soft state; nothing due yet
      expect(sequencer.pendingCount).to.equal(3);

      // Dave, another proposer, commits carol's deposit on the tip first: a valid deposits-only batch.
      const batchIndex = await commitAsDave([]);
      expect(batchIndex).to.equal(2);
      await world.checkInvariants();

      await sequencer.tick(true);
      await world.checkInvariants();
      const batches = await batchesOnL1();
      expect(batches.map((b) => b.proposer)).to.deep.equal([
        batches[0].proposer,
        world.proposer.address,
        dave.address,
        world.proposer.address,
      ]);
      expect(batches.every((b) => b.verdict === "valid")).to.equal(true);
      expect(batches[3].txs.map(txHash)).to.deep.equal([txHash(t1), txHash(t2)]);
      expect(sequencer.receipt(txHash(t1))).to.include({ status: "committed", batchIndex: 3, step: 0 });
      expect(sequencer.receipt(txHash(t2))).to.include({ status: "committed", batchIndex: 3, step: 1 });
      expect(sequencer.pendingCount).to.equal(0);
      const carolIndex = sequencer.findAccount(ownerOfAddress(carol.address), 0)!;
      expect(sequencer.account(carolIndex)!.balance).to.equal(parseEther("3"));
      expect(sequencer.account(aliceIndex)).to.include({ balance: parseEther("7"), nonce: 2 });
      expect(sequencer.account(bobIndex)!.balance).to.equal(parseEther("4"));
      expect(sequencer.account(3)).to.equal(undefined);
    });
    it("does not commit twice a pending transaction another proposer committed first", async function () {
      const { sequencer } = world;
      const [t1, t2] = await submitTwo();
      // Dave got t1 (say, from the mempool of the RPC) and includes it in his own batch.
      expect(await commitAsDave([t1])).to.equal(2);

      await sequencer.tick(true);
      await world.checkInvariants();
      const batches = await batchesOnL1();
      expect(batches.map((b) => b.txs.map(txHash))).to.deep.equal([
        [],
        batches[1].txs.map(txHash),
        [txHash(t1)],
        [txHash(t2)],
      ]);
      expect(sequencer.receipt(txHash(t1))).to.include({ status: "committed", batchIndex: 2, step: 0 });
      expect(sequencer.receipt(txHash(t2))).to.include({ status: "committed", batchIndex: 3, step: 0 });
      expect(sequencer.account(aliceIndex)).to.include({ balance: parseEther("7"), nonce: 2 });
      expect(sequencer.account(bobIndex)!.balance).to.equal(parseEther("4"));
    });

    it("compacts from the journal a pending transaction another proposer committed first", async function () {
      const [t1] = await submitTwo();
      await commitAsDave([t1]);
      await world.sequencer.tick(true);
      expect(await readFile(world.journalPath, "utf8")).to.equal("");
    });

    it("drops a pending transaction that no longer applies after a rebase, and commits the rest", async function () {
      const { sequencer } = world;
      const [t1, t2] = await submitTwo();
      // Alice also signed a different transfer at nonce 0, and Dave commits that one first.
      const rival = await aliceToBob(parseEther("5"), 0);
      expect(await commitAsDave([rival])).to.equal(2);

      await sequencer.tick(true);
      await world.checkInvariants();
      const batches = await batchesOnL1();
      expect(batches[3].txs.map(txHash)).to.deep.equal([txHash(t2)]);
      expect(sequencer.receipt(txHash(t1))).to.equal(undefined);
      expect(sequencer.receipt(txHash(rival))).to.include({ status: "committed", batchIndex: 2, step: 0 });
      expect(sequencer.receipt(txHash(t2))).to.include({ status: "committed", batchIndex: 3, step: 0 });
      expect(sequencer.account(aliceIndex)).to.include({ balance: parseEther("3"), nonce: 2 });
    });
  });

  describe("served by startRpcServer", function () {
    let server: RpcServer;
    let client: SequencerClient;

    beforeEach(async function () {
      server = await startRpcServer(world.sequencer, { port: 0, logger: silent });
      client = new SequencerClient(server.url);
    });

    afterEach(async function () {
      await server.close();
    });

    it("serves sendTransaction, getBalance, getNonce and getReceipt end to end", async function () {
      expect(await client.getBalance(aliceIndex)).to.equal(parseEther("10"));
      expect(await client.getNonce(aliceIndex)).to.equal(0);

      const tx = await aliceToBob(parseEther("2"), 0);
      const receipt = await client.sendTransaction(hexOf(tx));
      expect(receipt).to.include({ hash: txHash(tx), status: "soft-confirmed", outcome: "applied" });
      expect(await client.getBalance(aliceIndex)).to.equal(parseEther("8"));
      expect(await client.getBalance(bobIndex)).to.equal(parseEther("3"));
      expect(await client.getNonce(aliceIndex)).to.equal(1);
      expect(await client.getReceipt(txHash(tx))).to.include({ status: "soft-confirmed" });

      await world.sequencer.tick(true);
      expect(await client.getReceipt(txHash(tx))).to.include({ status: "committed", batchIndex: 2, step: 0 });
      await passChallengeWindow();
      await world.sequencer.tick();
      const final = await client.waitForStatus(txHash(tx), "final", { timeoutMs: 2_000, pollMs: 10 });
      expect(final).to.include({ status: "final", batchIndex: 2, step: 0 });
      await world.checkInvariants();
    });

    it("decodes a refusal as TxRejectedError with its reason, and the refusal changes nothing", async function () {
      const overdraft = await signedTransfer(world, bob, {
        from: bobIndex,
        to: aliceIndex,
        amount: parseEther("3"),
        nonce: 0,
      });
      const refused = await expect(client.sendTransaction(hexOf(overdraft))).to.be.rejectedWith(
        TxRejectedError,
      );
      expect(refused).to.have.property("reason", "InsufficientBalance");
      expect(await client.getBalance(bobIndex)).to.equal(parseEther("1"));
      expect(await client.getNonce(bobIndex)).to.equal(0);
      expect(await client.getReceipt(txHash(overdraft))).to.equal(undefined);

      const malformed = await expect(client.sendTransaction("0x02ab")).to.be.rejectedWith(TxRejectedError);
      expect(malformed).to.have.property("reason", "Malformed");

      const tx = await aliceToBob(1000n, 0);
      await client.sendTransaction(hexOf(tx));
      const duplicate = await expect(client.sendTransaction(hexOf(tx))).to.be.rejectedWith(TxRejectedError);
      expect(duplicate).to.have.property("reason", "Duplicate");
      expect(world.sequencer.pendingCount).to.equal(1);
    });

    it("answers -32001 for the balance of an unknown account and null for an unknown receipt", async function () {
      const error = await expect(client.getBalance(99)).to.be.rejectedWith(RpcError);
      expect(error).to.have.property("code", -32001);
      expect(await client.getReceipt("0x" + "11".repeat(32))).to.equal(undefined);
      expect(await client.findAccount(ownerOfAddress(bob.address), 0)).to.equal(bobIndex);
    });
  });
});
