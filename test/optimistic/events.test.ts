// The optimistic rollup's service events (src/optimistic/events.ts) against the in-process chain: the
// sequencer publishes what it admits, refuses, commits and finalizes, with the fields Layer 1 holds; the
// challenger publishes its verdict on every batch and, for a false batch, the whole bisection game in
// order, so that the game can be drawn from its events alone (and the sequencer's stream draws the same).
import { expect } from "chai";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Published } from "../../src/common/events";
import { readAllEvents } from "../../src/common/events";
import { TxRejectedError } from "../../src/common/json-rpc";
import { createLogger } from "../../src/common/logger";
import { neverStep } from "../../src/optimistic/adversaries";
import { Challenger } from "../../src/optimistic/challenger";
import { txHash } from "../../src/optimistic/chain-follower";
import type { ChallengerEvent, OptimisticEvent, SequencerEvent } from "../../src/optimistic/events";
import type { World } from "./world";
import { hexOf, passChallengeWindow } from "./world";
import { FundedWorld } from "../helpers/optimistic-world";

const DECIMAL = /^\d+$/;

/** The events of one type, narrowed. */
function only<T extends OptimisticEvent["type"]>(
  events: readonly Published<OptimisticEvent>[],
  type: T,
): Published<Extract<OptimisticEvent, { type: T }>>[] {
  return events.filter((e) => e.type === type) as Published<Extract<OptimisticEvent, { type: T }>>[];
}

/** A game as an explorer draws it from one stream: the range after each transaction, and who sent it. */
function drawGame(events: readonly Published<OptimisticEvent>[]) {
  const drawn: Array<[string, string, number, number]> = [];
  for (const e of events) {
    if (e.type === "gameOpened") drawn.push(["open", "challenger", 0, e.steps]);
    if (e.type === "gameMoved") drawn.push([e.agree ? "agree" : "disagree", e.as, e.lo, e.hi]);
    if (e.type === "stepProved") drawn.push(["step", e.by, e.step, e.step + 1]);
    if (e.type === "gameResolved") drawn.push(["resolved", e.winner, 0, 0]);
  }
  return drawn;
}

describe("optimistic service events", function () {
  let funded: FundedWorld;
  let world: World;
  let mallory: HardhatEthersSigner;

  beforeEach(async function () {
    funded = await FundedWorld.create({ sequenced: false });
    ({ world, mallory } = funded);
  });

  afterEach(async function () {
    await world.cleanup();
  });

  describe("Sequencer", function () {
    it("publishes the deposits it pulls and the batch it commits, with the fields Layer 1 holds", async function () {
      const { sequencer } = world;
      const from = sequencer.events.head;
      await sequencer.tick(true);
      const { events } = await readAllEvents(sequencer.events, from);

      const follower = await world.newFollower();
      await follower.sync();
      const [genesis, batch] = follower.batches;
      const receipt = (await ethers.provider.getTransactionReceipt(batch.transactionHash))!;
      const [pulled] = only(events, "depositsPulled");
      const [committed] = only(events, "batchCommitted");
      expect(pulled).to.include({ first: 0, count: 2, pending: 2 });
      expect(committed).to.deep.include({
        type: "batchCommitted",
        batchIndex: 1,
        steps: 2,
        txs: batch.txs.map(txHash),
        deposits: 2,
        parentClaim: genesis.claim,
        claim: batch.claim,
        bond: (await world.rollup.config()).proposerBond.toString(),
        l1TxHash: batch.transactionHash,
        gasUsed: receipt.gasUsed.toString(),
      });
      // What its own node then read back, passed on: the batch, valid.
      const types = events.map((e) => e.type);
      expect(types.indexOf("depositsPulled")).to.be.lessThan(types.indexOf("batchCommitted"));
      const read = only(events, "batchRead").find((e) => e.batchIndex === 1);
      expect(read).to.include({ verdict: "valid", steps: 2, l1TxHash: batch.transactionHash });
      expect(read!.seq).to.be.greaterThan(committed.seq);
    });

    it("publishes what it admits and refuses at its door, and the batches it finalizes", async function () {
      const { sequencer } = world;
      await funded.sequenceDeposits();
      const { aliceIndex } = funded;
      const from = sequencer.events.head;
      const tx = await funded.transfer(1000n);
      await sequencer.submit(hexOf(tx));
      await expect(sequencer.submit(hexOf(tx))).to.be.rejectedWith(TxRejectedError);
      await expect(sequencer.submit("0x02ab")).to.be.rejectedWith(TxRejectedError);
      await sequencer.tick(true);
      await passChallengeWindow();
      await sequencer.tick();
      const { events } = await readAllEvents(sequencer.events, from);

      expect(only(events, "txAccepted").map(({ seq: _s, time: _t, ...e }) => e)).to.deep.equal([
        { type: "txAccepted", hash: txHash(tx), kind: "transfer", from: aliceIndex, pending: 1 },
      ]);
      expect(only(events, "txRefused").map((e) => [e.hash, e.reason])).to.deep.equal([
        [txHash(tx), "Duplicate"],
        [null, "Malformed"],
      ]);
      const [finalized] = only(events, "batchFinalized");
      const c = world.rollup.contract;
      const [log] = await c.queryFilter(c.filters.BatchFinalized(2n));
      expect(finalized).to.include({ fromIndex: 1, batchIndex: 2, l1TxHash: log.transactionHash });
      const receipt = (await ethers.provider.getTransactionReceipt(log.transactionHash))!;
      expect(finalized.gasUsed).to.equal(receipt.gasUsed.toString());
      expect(finalized.seq).to.be.greaterThan(only(events, "batchCommitted")[0].seq);
    });
  });

  describe("Challenger", function () {
    it("logs each batch's verdict at INFO, a false one as a warning that it challenges", async function () {
      await funded.sequenceDeposits();
      const lie = await funded.lie({ txs: await funded.transfers(8, 1000n), lieAt: 3 });
      const lines: { level: string; message: string }[] = [];
      const logger = createLogger({
        level: "info",
        format: "json",
        write: (line) => void lines.push(JSON.parse(line) as { level: string; message: string }),
      });
      const challenger = new Challenger({
        rollup: world.rollup,
        follower: await world.newFollower(),
        signer: world.challengerSigner,
        logger,
      });
      await challenger.tick();

      const verdicts = lines.filter((l) => /^batch \d/.test(l.message));
      expect(verdicts.map((l) => l.level)).to.deep.equal(["info", "warn"]);
      expect(verdicts[0].message).to.equal("batch 1 valid");
      expect(verdicts[1].message).to.match(
        new RegExp(
          `^batch ${lie.batchIndex} INVALID: claim 0x[0-9a-f]{8}… ≠ 0x[0-9a-f]{8}… computed, challenging$`,
        ),
      );
      expect(verdicts[1].message).to.include(lie.trace[8].slice(0, 10));
    });

    it("publishes its verdicts and the whole game against a false batch, in order", async function () {
      const { sequencer, challenger, rollup } = world;
      await funded.sequenceDeposits();
      // Mallory lies after step 3 (0-based) of 8, and defends her lie but never runs the step herself.
      const lie = await funded.lie({ txs: await funded.transfers(8, 1000n), lieAt: 3 });
      const judge = await world.newFollower();
      await judge.sync();
      const honest = judge.trace(lie.batchIndex);
      const liar = funded.liar([lie], neverStep);
      for (let round = 0; round < 12 && (await rollup.contract.batchCount()) > lie.batchIndex; round++) {
        await challenger.tick();
        await lie.follower.sync();
        await liar.playAll();
      }
      await challenger.tick(); // reads how the game ended
      await sequencer.tick();
      const { events } = await readAllEvents<ChallengerEvent>(challenger.events);

      expect(events.map((e) => e.type)).to.deep.equal([
        "batchRead",
        "batchRead",
        "challenged",
        "gameOpened",
        "gameMoved",
        "gameMoved",
        "gameMoved",
        "stepProved",
        "gameResolved",
        "batchesRemoved",
      ]);
      const verdicts = only(events, "batchRead").map((e) => [
        e.batchIndex,
        e.verdict,
        e.claim,
        e.honestClaim,
      ]);
      expect(verdicts).to.deep.equal([
        [1, "valid", verdicts[0][2], verdicts[0][2]],
        [2, "invalid", lie.trace[8], honest[8]],
      ]);
      const [challenged] = only(events, "challenged");
      expect(challenged).to.include({
        gameId: "0",
        batchIndex: 2,
        steps: 8,
        claimed: lie.trace[8],
        honest: honest[8],
        midClaim: honest[4],
      });
      const [opened] = only(events, "gameOpened");
      expect(opened).to.include({
        gameId: "0",
        batchIndex: 2,
        steps: 8,
        at: 4,
        midClaim: honest[4],
        by: world.challengerSigner.address,
        l1TxHash: challenged.l1TxHash,
        gasUsed: challenged.gasUsed,
      });

      // Drawn from the events alone: the range narrows to the step Mallory lied at, which is proved.
      expect(
        only(events, "gameMoved").map((e) => [e.as, e.by, e.agree, e.at, e.lo, e.hi, e.claim]),
      ).to.deep.equal([
        ["proposer", mallory.address, false, 4, 0, 4, lie.trace[2]],
        ["challenger", world.challengerSigner.address, true, 2, 2, 4, honest[3]],
        ["proposer", mallory.address, true, 3, 3, 4, "0x" + "00".repeat(32)],
      ]);
      expect(only(events, "stepProved")[0]).to.include({
        gameId: "0",
        step: lie.trace.findIndex((claim, i) => claim !== honest[i]) - 1,
        by: world.challengerSigner.address,
      });
      expect(only(events, "gameResolved")[0]).to.include({ gameId: "0", winner: "challenger", byStep: true });
      expect(only(events, "batchesRemoved")[0]).to.include({ fromIndex: 2, count: 1 });
      for (const e of events) if ("gasUsed" in e) expect(e.gasUsed).to.match(DECIMAL);

      // The sequencer's node saw the same game, move by move.
      const sequencerEvents = (await readAllEvents<SequencerEvent>(sequencer.events)).events;
      expect(drawGame(sequencerEvents)).to.deep.equal(drawGame(events));
      expect(drawGame(events)).to.deep.equal([
        ["open", "challenger", 0, 8],
        ["disagree", "proposer", 0, 4],
        ["agree", "challenger", 2, 4],
        ["agree", "proposer", 3, 4],
        ["step", world.challengerSigner.address, 3, 4],
        ["resolved", "challenger", 0, 0],
      ]);
    });

    it("publishes a false batch it read too late, instead of challenging it", async function () {
      const { challenger, rollup } = world;
      await funded.sequenceDeposits();
      const late = await funded.lie({ txs: [await funded.transfer(1n)], lieAt: 0 });
      await passChallengeWindow();
      await challenger.tick();
      const { events } = await readAllEvents<ChallengerEvent>(challenger.events);
      expect(only(events, "falseBatchPastWindow").map((e) => e.batchIndex)).to.deep.equal([late.batchIndex]);
      expect(only(events, "challenged")).to.deep.equal([]);
      expect(await rollup.contract.gameCount()).to.equal(0n);
    });
  });
});
