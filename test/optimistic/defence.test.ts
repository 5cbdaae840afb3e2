// The honest challenger defends a valid batch whose proposer has gone offline: end to end, in process
// (the stack's challenger and its node, Mallory's player on her own node). Mallory challenges the honest
// proposer's batch with a wrong trace; the proposer never answers; the challenger's player takes the
// proposer's side over once half its clock is unplayed, plays it with its own bond and wins; the batch
// survives and is finalized. Bond conservation and bridge solvency are checked after every round.
import { expect } from "chai";
import type { Signer } from "ethers";
import { id, parseEther } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { readAllEvents } from "../../src/common/events";
import type { ChallengerEvent } from "../../src/optimistic/events";
import { corruptTrace } from "../../src/optimistic/adversaries";
import { GamePlayer } from "../../src/optimistic/player";
import { defenceOpensAt, openingClaim } from "../../src/optimistic/solver";
import { ownerOfAddress } from "../../src/shared/types";
import type { World } from "./world";
import { createWorld, depositEth, passChallengeWindow, signedTransfer, TIMING } from "./world";

const OPEN = 1n;
const PROPOSER_WON = 2n;

describe("Challenger", function () {
  this.timeout(120_000);

  describe("defend", function () {
    let world: World | undefined;
    afterEach(() => world?.cleanup());

    /** The honest proposer commits a valid batch of transfers; returns its index. */
    async function commitValidBatch(w: World): Promise<number> {
      const [alice, bob] = w.signers.slice(3, 5);
      for (const user of [alice, bob]) await depositEth(w, user, parseEther("1"));
      await w.sequencer.tick(true);
      const from = w.sequencer.findAccount(ownerOfAddress(alice.address), 0)!;
      const to = w.sequencer.findAccount(ownerOfAddress(bob.address), 0)!;
      const txs = [];
      for (let nonce = 0; nonce < 5; nonce++) {
        txs.push(await signedTransfer(w, alice, { from, to, amount: 1000n + BigInt(nonce), nonce }));
      }
      const follower = await w.newFollower();
      await follower.sync();
      const machine = follower.machineAfter(follower.tip.index)!;
      for (const tx of txs) machine.apply(tx);
      const { batchIndex } = await w.rollup.commitBatch(
        w.proposer,
        // Alice's and Bob's deposits are the only ones queued, and the first batch consumed both.
        { parentClaim: follower.tip.claim, txs, post: machine.state, depositCount: 2, catchUp: [] },
        (await w.rollup.config()).proposerBond,
      );
      return batchIndex;
    }

    /**
     * Rounds of the challenger agent and Mallory's player (the proposer is never ticked: it is offline),
     * checking the invariants after each, until game `gameId` ends; a round where no one acts lets 10 s
     * pass, far less than a clock.
     */
    async function playUntilResolved(
      w: World,
      gameId: bigint,
      malloryFollower: Awaited<ReturnType<typeof challengeWithWrongTrace>>["malloryFollower"],
      griefer: GamePlayer,
    ): Promise<void> {
      for (let round = 0; round < 200; round++) {
        await w.challenger.tick();
        await malloryFollower.sync();
        let acted = false;
        for (const action of (await griefer.playAll()).values()) acted ||= action.kind !== "wait";
        await w.checkInvariants();
        if ((await w.rollup.contract.game(gameId)).status !== OPEN) return;
        if (!acted) await time.increase(10);
      }
    }

    /** `mallory` challenges valid batch `batchIndex` with a trace wrong from step 2, and plays it by that trace. */
    async function challengeWithWrongTrace(w: World, mallory: Signer, batchIndex: number) {
      const { rollup } = w;
      const malloryFollower = await w.newFollower();
      await malloryFollower.sync();
      const wrong = corruptTrace(malloryFollower.trace(batchIndex), 2);
      const { gameId } = await rollup.challenge(
        mallory,
        batchIndex,
        malloryFollower.parentState(batchIndex),
        openingClaim(wrong),
        (await rollup.config()).challengerBond,
      );
      const griefer = new GamePlayer({
        rollup,
        follower: malloryFollower,
        signer: mallory,
        traceFor: () => wrong,
      });
      return { gameId, malloryFollower, griefer };
    }

    it("stands in for an offline proposer of a valid batch, wins with its own bond, and the batch is final", async function () {
      const w = (world = await createWorld());
      const batchIndex = await commitValidBatch(w);
      const { rollup } = w;
      const config = await rollup.config();

      // Mallory challenges the valid batch with a wrong trace and plays it honestly-looking to the end.
      const mallory = w.signers[8];
      const { gameId, malloryFollower, griefer } = await challengeWithWrongTrace(w, mallory, batchIndex);

      // The proposer (the sequencer's key) is offline: it is never ticked. Rounds of the challenger and
      // Mallory; a round where no one acts lets 10 s pass, far less than a clock.
      const { events } = w.challenger;
      const before = await rollup.contract.credit(w.challengerSigner);
      await playUntilResolved(w, gameId, malloryFollower, griefer);

      const game = await rollup.contract.game(gameId);
      expect(game.status, "the proposer's side won").to.equal(PROPOSER_WON);
      expect(await rollup.contract.defender(gameId)).to.equal(w.challengerSigner.address);
      expect(game.proposerMoves).to.equal(0n);
      // The defender made every move of the winning side: its bond back and the winner's share.
      const burnt = config.challengerBond / 2n;
      expect((await rollup.contract.credit(w.challengerSigner)) - before).to.equal(
        config.challengerBond + config.challengerBond - burnt,
      );
      expect(await rollup.contract.credit(w.proposer)).to.equal(0n);
      const seen = (await readAllEvents<ChallengerEvent>(events)).events;
      const defended = seen.flatMap((e) => (e.type === "gameDefended" ? [e] : []));
      expect(defended.map((e) => [e.type, e.gameId])).to.deep.equal([["gameDefended", gameId.toString()]]);
      // It stood in only once the proposer had left half its clock unplayed (its first move was due at once).
      const [opened] = seen.flatMap((e) =>
        e.type === "gameOpened" && e.gameId === gameId.toString() ? [e] : [],
      );
      const timestampOf = async (hash: string) =>
        (await w.challengerSigner.provider.getBlock(
          (await w.challengerSigner.provider.getTransactionReceipt(hash))!.blockNumber,
        ))!.timestamp;
      const waited = (await timestampOf(defended[0].l1TxHash)) - (await timestampOf(opened.l1TxHash));
      expect(waited)
        .to.be.at.least(TIMING.gameClock / 2)
        .and.below(TIMING.gameClock);

      // The batch survives: after its window it is final, and its proposer's bond comes back.
      await passChallengeWindow();
      await rollup.finalize(w.challengerSigner, batchIndex);
      expect(await rollup.contract.lastFinalizedIndex()).to.equal(BigInt(batchIndex));
      expect(await rollup.contract.credit(w.proposer)).to.equal(config.proposerBond * BigInt(batchIndex));
      await w.checkInvariants();
    });

    it("times out a saboteur who took the defence over first and stalls it, then defends the batch and wins", async function () {
      // The attack: Mallory challenges the valid batch and her sybil takes its defence over the moment it
      // opens (before the challenger looks), then never moves again. Before, its clock ran out and the
      // valid batch was removed; now the sybil loses only its bond and the game is restored for a defender.
      const w = (world = await createWorld());
      const batchIndex = await commitValidBatch(w);
      const { rollup } = w;
      const config = await rollup.config();
      const [mallory, sybil] = [w.signers[8], w.signers[9]];
      const { gameId, malloryFollower, griefer } = await challengeWithWrongTrace(w, mallory, batchIndex);

      // The sybil takes the side over the moment it may, agreeing with Mallory's false midpoint and
      // claiming a made-up state; then it never moves again (no one can prove a step from its false start).
      const opened = await rollup.game(gameId);
      await time.setNextBlockTimestamp(defenceOpensAt(opened));
      await rollup.defend(sybil, gameId, true, id("sabotage"), config.challengerBond);
      expect(await rollup.contract.defender(gameId)).to.equal(sybil.address);

      const { events } = w.challenger;
      const before = await rollup.contract.credit(w.challengerSigner);
      await playUntilResolved(w, gameId, malloryFollower, griefer);

      const game = await rollup.contract.game(gameId);
      expect(game.status, "the proposer's side won").to.equal(PROPOSER_WON);
      expect(await rollup.contract.defender(gameId)).to.equal(w.challengerSigner.address);
      const burnt = config.challengerBond / 2n;
      // The challenger won Mallory's bond as the side's only mover; her sybil's bond was burned whole.
      expect((await rollup.contract.credit(w.challengerSigner)) - before).to.equal(
        config.challengerBond + config.challengerBond - burnt,
      );
      expect(await rollup.contract.credit(mallory)).to.equal(0n);
      expect(await rollup.contract.credit(sybil)).to.equal(0n);
      const seen = (await readAllEvents<ChallengerEvent>(events)).events;
      const lost = seen.flatMap((e) => (e.type === "defenderLost" ? [e] : []));
      expect(lost.map((e) => [e.gameId, e.defender, e.lo, e.hi])).to.deep.equal([
        [gameId.toString(), sybil.address, 0, 5],
      ]);
      // The challenger's own player timed the sybil out (its clock ran out on its move), then defended.
      // The restored game was the opening one: the range (0, 5], the proposer to move.
      expect(lost[0].by).to.equal(w.challengerSigner.address);
      const defended = seen.flatMap((e) => (e.type === "gameDefended" ? [e.defender] : []));
      expect(defended).to.deep.equal([sybil.address, w.challengerSigner.address]);

      await passChallengeWindow();
      await rollup.finalize(w.challengerSigner, batchIndex);
      expect(await rollup.contract.lastFinalizedIndex()).to.equal(BigInt(batchIndex));
      await w.checkInvariants();
    });
  });
});
