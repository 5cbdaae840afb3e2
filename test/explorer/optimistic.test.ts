// The explorer's optimistic-rollup views: the pure history functions on hand-made events, then the routes
// against a real fraud played on the in-process chain (a lying batch of Mallory's, challenged by the real
// challenger, bisected to a one-step proof) and an honest batch going through its window to finality.
import { expect } from "chai";
import { id } from "ethers";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { BatchView, GameView, OptimisticSummaryView } from "../../src/explorer/optimistic";
import { optimisticRoutes } from "../../src/explorer/optimistic";
import type { RollupLog, TxRef } from "../../src/explorer/optimistic-history";
import { batchState, gameClocks, rollupHistory } from "../../src/explorer/optimistic-history";
import type { ExplorerContext } from "../../src/explorer/route";
import { ExplorerBadRequestError, ExplorerNotFoundError } from "../../src/explorer/route";
import type { Deployment } from "../../src/common/deployments";
import { corruptTrace, lyingPlayer } from "../../src/optimistic/adversaries";
import { GamePlayer } from "../../src/optimistic/player";
import { defenceOpensAt, openingClaim } from "../../src/optimistic/solver";
import { FundedWorld } from "../helpers/optimistic-world";
import type { World } from "../optimistic/world";
import { hexOf, passChallengeWindow, TIMING } from "../optimistic/world";

const ZERO = "0x" + "00".repeat(32);
const root = (n: number) => "0x" + n.toString(16).padStart(64, "0");
const addr = (n: number) => "0x" + n.toString(16).padStart(40, "0");

/** A transaction of block `block` at time `t`, its hash named by `tag`. */
function tx(tag: number, t: number): TxRef {
  return { hash: root(0x1000 + tag), from: addr(9), gasUsed: "21000", blockNumber: tag, time: t };
}

function committed(index: number, steps: number, at: TxRef): RollupLog {
  return {
    tx: at,
    name: "BatchCommitted",
    batchIndex: index,
    proposer: addr(1),
    claim: root(index),
    txRoot: root(100 + index),
    stepCount: steps,
    stateRoot: root(200 + index),
  };
}

describe("explorer: optimistic", function () {
  describe("rollupHistory", function () {
    it("narrows a game's range move by move, with each side's clock, down to one step", function () {
      const logs: RollupLog[] = [
        committed(1, 13, tx(1, 1000)),
        {
          tx: tx(2, 1010),
          name: "ChallengeOpened",
          gameId: 0,
          batchIndex: 1,
          challenger: addr(2),
          midClaim: root(6),
        },
        // proposer judges step 6: disagrees, range [0, 6), claims step 3
        {
          tx: tx(3, 1030),
          name: "Moved",
          gameId: 0,
          mover: "proposer",
          agree: false,
          lo: 0,
          hi: 6,
          claim: root(3),
        },
        // challenger agrees with step 3: range [3, 6), claims step 4
        {
          tx: tx(4, 1035),
          name: "Moved",
          gameId: 0,
          mover: "challenger",
          agree: true,
          lo: 3,
          hi: 6,
          claim: root(4),
        },
        {
          tx: tx(5, 1100),
          name: "Moved",
          gameId: 0,
          mover: "proposer",
          agree: true,
          lo: 4,
          hi: 6,
          claim: root(5),
        },
        {
          tx: tx(6, 1101),
          name: "Moved",
          gameId: 0,
          mover: "challenger",
          agree: false,
          lo: 4,
          hi: 5,
          claim: ZERO,
        },
        { tx: tx(7, 1120), name: "BondBurned", amount: "50" },
        { tx: tx(7, 1120), name: "BatchesRemoved", fromIndex: 1, count: 1, epoch: 1 },
        { tx: tx(7, 1120), name: "BondCredited", account: addr(2), amount: "150" },
        { tx: tx(7, 1120), name: "GameResolved", gameId: 0, winner: "challenger", byStep: true },
      ];
      const { batches, games } = rollupHistory(logs, 300);
      const g = games[0];
      expect(g.steps).to.equal(13);
      expect(g.openingClaim).to.equal(root(6));
      const moves = g.entries.filter((e) => e.kind === "move");
      expect(moves.map((m) => [m.n, m.mover, m.judged, m.lo, m.hi, m.claimAt])).to.deep.equal([
        [0, "proposer", 6, 0, 6, 3],
        [1, "challenger", 3, 3, 6, 4],
        [2, "proposer", 4, 4, 6, 5],
        [3, "challenger", 5, 4, 5, null],
      ]);
      expect(moves[3].claim).to.equal(null);
      // Each side's clock ran only while it was to move: proposer 20 s + 65 s, challenger 5 s + 1 s.
      expect(moves.map((m) => m.clocks)).to.deep.equal([
        { proposer: 280, challenger: 300 },
        { proposer: 280, challenger: 295 },
        { proposer: 215, challenger: 295 },
        { proposer: 215, challenger: 294 },
      ]);
      expect([g.lo, g.hi, g.turn, g.lastMoveAt]).to.deep.equal([4, 5, "proposer", 1101]);
      expect(g.status).to.equal("challengerWon");
      expect(g.resolved!.payout).to.deep.equal({
        credits: [{ account: addr(2), amount: "150" }],
        burned: "50",
      });
      expect(g.removed).to.deep.equal({ fromIndex: 1, count: 1 });
      expect(batches[0].removed).to.deep.include({ fromIndex: 1, count: 1, byGame: 0 });
    });

    it("tells apart two commits at one index by epoch, and marks blob batches", function () {
      const logs: RollupLog[] = [
        committed(1, 2, tx(1, 1000)),
        committed(2, 3, tx(2, 1001)),
        { tx: tx(3, 1002), name: "BatchesRemoved", fromIndex: 1, count: 2, epoch: 1 },
        committed(1, 4, tx(4, 1003)),
        { tx: tx(4, 1003), name: "BatchBlobs", batchIndex: 1, blobs: 1 },
        { tx: tx(5, 3000), name: "BatchFinalized", batchIndex: 1 },
      ];
      const { batches } = rollupHistory(logs, 300);
      expect(
        batches.map((b) => [b.index, b.epoch, b.dataMode, b.removed !== null, b.finalized !== null]),
      ).to.deep.equal([
        [1, 0, "calldata", true, false],
        [2, 0, "calldata", true, false],
        [1, 1, "blobs", false, true],
      ]);
      // Removed by no game's resolution (none in the same transaction).
      expect(batches[1].removed!.byGame).to.equal(null);
    });

    it("puts a game back as it stood before a defender took over when the defender loses", function () {
      const logs: RollupLog[] = [
        committed(1, 8, tx(1, 1000)),
        {
          tx: tx(2, 1000),
          name: "ChallengeOpened",
          gameId: 0,
          batchIndex: 1,
          challenger: addr(2),
          midClaim: root(4),
        },
        // the proposer stays silent for 200 s; a defender takes the side over with its move
        {
          tx: tx(3, 1200),
          name: "Moved",
          gameId: 0,
          mover: "proposer",
          agree: true,
          lo: 4,
          hi: 8,
          claim: root(6),
        },
        { tx: tx(3, 1200), name: "DefenderJoined", gameId: 0, defender: addr(7) },
        {
          tx: tx(4, 1210),
          name: "Moved",
          gameId: 0,
          mover: "challenger",
          agree: true,
          lo: 6,
          hi: 8,
          claim: root(7),
        },
        { tx: tx(5, 1400), name: "BondBurned", amount: "100" },
        { tx: tx(5, 1400), name: "DefenderLost", gameId: 0, defender: addr(7), lo: 0, hi: 8 },
      ];
      const g = rollupHistory(logs, 300).games[0];
      expect(g.entries.map((e) => e.kind)).to.deep.equal(["move", "defenderJoined", "move", "defenderLost"]);
      expect([g.lo, g.hi, g.turn, g.defender, g.status]).to.deep.equal([0, 8, "proposer", null, "open"]);
      // Both clocks as at the takeover; the proposer's pending move as overdue as it was (200 s).
      expect(g.clocks).to.deep.equal({ proposer: 300, challenger: 300 });
      expect(g.lastMoveAt).to.equal(1400 - 200);
    });
  });

  describe("batchState", function () {
    const b = { finalized: null, removed: null, committedAt: 1000 };
    it("is challengeable before the window's end and committed from it, until finalized", function () {
      expect(batchState(b, 1999, 1000)).to.equal("challengeable");
      expect(batchState(b, 2000, 1000)).to.equal("committed");
      expect(batchState({ ...b, finalized: tx(1, 2001) }, 2001, 1000)).to.equal("final");
    });
    it("is removed once removed, whatever the time", function () {
      const removed = { tx: tx(1, 1500), fromIndex: 1, count: 1, byGame: 0 };
      expect(batchState({ ...b, removed }, 1500, 1000)).to.equal("removed");
    });
  });

  describe("gameClocks", function () {
    it("runs only the clock of the side to move of an open game", function () {
      const g = {
        status: "open" as const,
        turn: "challenger" as const,
        clocks: { proposer: 250, challenger: 300 },
        lastMoveAt: 1000,
      };
      expect(gameClocks(g, 1100)).to.deep.equal({
        proposer: { left: 250, toMove: false, deadline: null },
        challenger: { left: 200, toMove: true, deadline: 1300 },
      });
      expect(gameClocks(g, 1400).challenger.left).to.equal(0);
      expect(gameClocks({ ...g, status: "challengerWon" }, 1100).challenger).to.deep.equal({
        left: 300,
        toMove: false,
        deadline: null,
      });
    });
  });

  describe("routes on a played fraud", function () {
    let funded: FundedWorld;
    let world: World;
    let deployment: Deployment;

    beforeEach(async function () {
      funded = await FundedWorld.create({ sequenced: true });
      world = funded.world;
      deployment = world.stack.context.deployment;
    });

    afterEach(async function () {
      await world.cleanup();
    });

    async function context(d: Deployment = deployment): Promise<ExplorerContext> {
      const block = (await ethers.provider.getBlock("latest"))!;
      return {
        provider: ethers.provider,
        deployment: d,
        head: { number: block.number, hash: block.hash!, timestamp: block.timestamp },
      };
    }

    async function read<T>(path: string, params: Record<string, string> = {}, query = ""): Promise<T> {
      const route = optimisticRoutes.find((r) => r.path === path)!;
      return (await route.read(await context(), params, new URLSearchParams(query))) as T;
    }

    /** Plays every agent's rounds until no game is open. */
    async function playOut(players: Array<{ tick(): Promise<unknown> } | GamePlayer>): Promise<void> {
      for (let round = 0; round < 60; round++) {
        for (const p of players) await (p instanceof GamePlayer ? p.playAll() : p.tick());
        const count = await world.rollup.contract.gameCount();
        let open = false;
        for (let id = 0n; id < count; id++) open ||= (await world.rollup.game(id)).status === "open";
        if (!open) return;
      }
      throw new Error("games still open after every round");
    }

    it("shows a lying batch challenged, bisected to one step, lost and removed, then its index taken by an honest batch", async function () {
      const { rollup, challenger, challengerSigner } = world;
      const config = await rollup.config();
      const txs = await funded.transfers(13);
      const lie = await funded.lie({ txs, lieAt: 6 });

      let summary = await read<OptimisticSummaryView>("/api/optimistic");
      const lieRow = summary.batches.find((b) => b.index === lie.batchIndex)!;
      expect(lieRow).to.deep.include({ state: "challengeable", steps: 13, dataMode: "calldata", epoch: 0 });
      expect(lieRow.proposer).to.equal(funded.mallory.address);
      expect(lieRow.challengeWindowEndsAt).to.equal(lieRow.committedAt + TIMING.challengeWindow);
      const [commitLog] = await rollup.contract.queryFilter(
        rollup.contract.filters.BatchCommitted(lie.batchIndex),
      );
      const commitReceipt = (await commitLog.getTransactionReceipt())!;
      expect(lieRow.commit!.hash).to.equal(commitReceipt.hash);
      expect(BigInt(lieRow.commit!.gasUsed)).to.equal(commitReceipt.gasUsed);
      expect(summary.batches[0]).to.deep.include({ index: 0, state: "final" });

      await playOut([challenger, { tick: () => lie.follower.sync() }, funded.liar([lie])]);

      const game = await read<GameView>("/api/optimistic/games/:id", { id: "0" });
      expect(game).to.deep.include({
        status: "challengerWon",
        batchIndex: lie.batchIndex,
        steps: 13,
        turn: null,
      });
      expect(game.challenger).to.equal(challengerSigner.address);
      expect(game.proposer).to.equal(funded.mallory.address);
      // The range narrows move by move, each move halving it (rounding either way), to the lying step.
      const moves = game.history.filter((e) => e.kind === "move");
      // 13 steps take 3 or 4 halvings, by the path: 13 → 6 → 3 → 1, or 13 → 7 → 4 → 2 → 1.
      expect(moves.length).to.be.within(3, 4);
      let [lo, hi] = [game.start.lo, game.start.hi];
      expect([lo, hi]).to.deep.equal([0, 13]);
      moves.forEach((m, n) => {
        expect(m.n).to.equal(n);
        expect(m.mover).to.equal(n % 2 === 0 ? "proposer" : "challenger");
        expect(m.judged).to.equal(Math.floor((lo + hi) / 2));
        expect([m.lo, m.hi]).to.deep.equal(m.agree ? [m.judged, hi] : [lo, m.judged]);
        expect(BigInt(m.tx.gasUsed) > 0n).to.equal(true);
        [lo, hi] = [m.lo, m.hi];
      });
      expect(game.range).to.deep.equal({ lo: 6, hi: 7 });
      expect([lo, hi]).to.deep.equal([6, 7]);
      // The replayed clocks are Layer 1's own.
      const onChain = await rollup.game(0n);
      expect(moves[moves.length - 1].clocks).to.deep.equal(onChain.clocks);
      expect(game.clocks.proposer).to.deep.equal({
        left: onChain.clocks.proposer,
        toMove: false,
        deadline: null,
      });
      // The verdict: step 6 re-executed, the challenger won, its bond back plus half the lying batch's bond.
      expect(game.verdict).to.deep.include({
        byStep: true,
        step: 6,
        winner: "challenger",
        winnerAddress: challengerSigner.address,
      });
      expect(game.payout).to.deep.equal({
        credits: [
          {
            account: challengerSigner.address,
            amount: (config.challengerBond + config.proposerBond / 2n).toString(),
          },
        ],
        burned: (config.proposerBond / 2n).toString(),
      });
      expect(game.removed).to.deep.equal([{ index: lie.batchIndex, epoch: 0 }]);
      expect(game.batchState).to.equal("removed");

      const removed = await read<BatchView>("/api/optimistic/batches/:index", {
        index: String(lie.batchIndex),
      });
      expect(removed).to.deep.include({ state: "removed", epoch: 0, openGames: 0 });
      expect(removed.removed).to.deep.include({ fromIndex: lie.batchIndex, count: 1, byGame: 0 });
      expect(removed.removed!.tx.hash).to.equal(game.verdict!.tx.hash);
      expect(removed.games.map((g) => [g.id, g.status, g.winner, g.lo, g.hi])).to.deep.equal([
        [0, "challengerWon", "challenger", 6, 7],
      ]);
      summary = await read<OptimisticSummaryView>("/api/optimistic");
      expect(summary.games.map((g) => [g.id, g.status, g.moves])).to.deep.equal([
        [0, "challengerWon", moves.length],
      ]);
      expect(summary.batchCount).to.equal(lie.batchIndex);

      // The honest sequencer commits the same transfers at the freed index: a new commit (epoch 1), open to
      // challenge; then the window passes (committed), and it is finalized (final).
      for (const t of txs) await world.sequencer.submit(hexOf(t));
      await world.sequencer.tick(true);
      let honest = await read<BatchView>("/api/optimistic/batches/:index", { index: String(lie.batchIndex) });
      expect(honest).to.deep.include({ state: "challengeable", epoch: 1, removed: null, finalized: null });
      expect(honest.proposer).to.equal(world.proposer.address);
      expect(honest.otherCommits.map((b) => [b.epoch, b.state])).to.deep.equal([[0, "removed"]]);
      const earlier = await read<BatchView>(
        "/api/optimistic/batches/:index",
        { index: String(lie.batchIndex) },
        "epoch=0",
      );
      expect(earlier).to.deep.include({ state: "removed", epoch: 0 });

      await passChallengeWindow();
      honest = await read<BatchView>("/api/optimistic/batches/:index", { index: String(lie.batchIndex) });
      expect(honest.state).to.equal("committed");
      await world.sequencer.tick();
      honest = await read<BatchView>("/api/optimistic/batches/:index", { index: String(lie.batchIndex) });
      expect(honest.state).to.equal("final");
      expect(honest.finalized!.from).to.equal(world.proposer.address);
      summary = await read<OptimisticSummaryView>("/api/optimistic");
      expect(summary.lastFinalizedIndex).to.equal(lie.batchIndex);
      expect(summary.batches.filter((b) => b.index === lie.batchIndex).map((b) => b.state)).to.deep.equal([
        "removed",
        "final",
      ]);
    });

    it("runs only the clock of the side to move, and shows a stalling liar losing on time", async function () {
      const { rollup, challenger, challengerSigner } = world;
      const lie = await funded.lie({ txs: await funded.transfers(8), lieAt: 3 });
      await challenger.tick();
      let game = await read<GameView>("/api/optimistic/games/:id", { id: "0" });
      expect(game).to.deep.include({
        status: "open",
        turn: "proposer",
        history: [],
        verdict: null,
        payout: null,
      });
      expect(game.range).to.deep.equal({ lo: 0, hi: 8 });
      expect(game.start).to.deep.include({ lo: 0, hi: 8, claimAt: 4 });
      expect(game.clocks.proposer).to.deep.include({
        toMove: true,
        deadline: game.opened.time + TIMING.gameClock,
      });
      expect(game.clocks.challenger).to.deep.equal({ left: TIMING.gameClock, toMove: false, deadline: null });

      await time.increase(100);
      game = await read<GameView>("/api/optimistic/games/:id", { id: "0" });
      expect(game.clocks.proposer.left).to.equal(TIMING.gameClock - (game.now - game.opened.time));
      expect(game.clocks.proposer.left < TIMING.gameClock).to.equal(true);

      await time.increase(TIMING.gameClock);
      await challenger.tick();
      game = await read<GameView>("/api/optimistic/games/:id", { id: "0" });
      expect(game.verdict).to.deep.include({ byStep: false, step: null, winner: "challenger" });
      expect(game.verdict!.winnerAddress).to.equal(challengerSigner.address);
      expect(game.verdict!.tx.from).to.equal(challengerSigner.address);
      expect(game.removed).to.deep.equal([{ index: lie.batchIndex, epoch: 0 }]);
      expect(game.clocks.proposer.toMove).to.equal(false);
      expect((await rollup.game(0n)).status).to.equal("challengerWon");
    });

    it("shows a challenger that disputes an honest batch losing to the proposer, who is paid half its bond", async function () {
      const { rollup, sequencer } = world;
      const config = await rollup.config();
      for (const t of await funded.transfers(11)) await sequencer.submit(hexOf(t));
      await sequencer.tick(true);
      const batchIndex = Number(await rollup.contract.batchCount()) - 1;
      const follower = await world.newFollower();
      await follower.sync();
      const wrong = corruptTrace(follower.trace(batchIndex), 4);
      await rollup.challenge(
        funded.mallory,
        batchIndex,
        follower.parentState(batchIndex),
        wrong[5],
        config.challengerBond,
      );
      const griefer = lyingPlayer(
        { rollup, follower, signer: funded.mallory },
        new Map([[batchIndex, wrong]]),
      );

      await playOut([{ tick: () => follower.sync() }, griefer, sequencer]);

      const game = await read<GameView>("/api/optimistic/games/:id", { id: "0" });
      expect(game.status).to.equal("proposerWon");
      expect(game.verdict).to.deep.include({
        byStep: true,
        winner: "proposer",
        winnerAddress: world.proposer.address,
      });
      expect(game.verdict!.step).to.equal(game.range.lo);
      expect(game.range.hi - game.range.lo).to.equal(1);
      expect(game.payout).to.deep.equal({
        credits: [{ account: world.proposer.address, amount: (config.challengerBond / 2n).toString() }],
        burned: (config.challengerBond / 2n).toString(),
      });
      expect(game.removed).to.deep.equal([]);
      expect(game.batchState).to.equal("challengeable");
      const batch = await read<BatchView>("/api/optimistic/batches/:index", { index: String(batchIndex) });
      expect(batch.games.map((g) => [g.id, g.winner])).to.deep.equal([[0, "proposer"]]);
    });

    it("shows a defender taking the proposer's side over, losing on time, and the game put back as before", async function () {
      const { rollup, sequencer } = world;
      const config = await rollup.config();
      for (const t of await funded.transfers(5)) await sequencer.submit(hexOf(t));
      await sequencer.tick(true);
      const batchIndex = Number(await rollup.contract.batchCount()) - 1;
      const [mallory, sybil] = [world.signers[8], world.signers[9]];
      const follower = await world.newFollower();
      await follower.sync();
      const wrong = corruptTrace(follower.trace(batchIndex), 2);
      const { gameId } = await rollup.challenge(
        mallory,
        batchIndex,
        follower.parentState(batchIndex),
        openingClaim(wrong),
        config.challengerBond,
      );
      // The sybil takes the silent proposer's side over as soon as it may, then never moves again.
      await time.setNextBlockTimestamp(defenceOpensAt(await rollup.game(gameId)));
      await rollup.defend(sybil, gameId, true, id("sabotage"), config.challengerBond);
      const griefer = new GamePlayer({ rollup, follower, signer: mallory, traceFor: () => wrong });
      await follower.sync();
      await griefer.playAll();
      let game = await read<GameView>("/api/optimistic/games/:id", { id: gameId.toString() });
      expect(game.defender).to.equal(sybil.address);
      expect(game.bonds.defender).to.equal(config.challengerBond.toString());
      expect(game.history.map((e) => e.kind)).to.deep.equal(["move", "defenderJoined", "move"]);
      expect(game.turn).to.equal("proposer");

      await time.increase(TIMING.gameClock + 1);
      await rollup.timeout(world.signers[7], gameId);
      game = await read<GameView>("/api/optimistic/games/:id", { id: gameId.toString() });
      expect(game.history.map((e) => e.kind)).to.deep.equal([
        "move",
        "defenderJoined",
        "move",
        "defenderLost",
      ]);
      const lost = game.history[3];
      if (lost.kind !== "defenderLost") throw new Error("not a lost defence");
      // The replayed restoration is Layer 1's own: the range, both clocks and the overdue move's deadline.
      const onChain = await rollup.game(gameId);
      expect([lost.lo, lost.hi]).to.deep.equal([onChain.lo, onChain.hi]);
      expect([game.range.lo, game.range.hi]).to.deep.equal([0, 5]);
      expect(lost.clocks).to.deep.equal(onChain.clocks);
      expect(game).to.deep.include({
        status: "open",
        turn: "proposer",
        defender: null,
        verdict: null,
        payout: null,
      });
      expect(game.clocks.proposer.deadline).to.equal(onChain.lastMoveAt + onChain.clocks.proposer);
    });

    it("answers 404 for an unknown batch, game or epoch, or no rollup, and 400 for a malformed one", async function () {
      const batchRoute = "/api/optimistic/batches/:index";
      const gameRoute = "/api/optimistic/games/:id";
      const fails = (p: Promise<unknown>) =>
        p.then(
          () => expect.fail("answered"),
          (e: unknown) => e,
        );
      expect(await fails(read(batchRoute, { index: "99" }))).to.be.instanceOf(ExplorerNotFoundError);
      expect(await fails(read(batchRoute, { index: "1" }, "epoch=3"))).to.be.instanceOf(
        ExplorerNotFoundError,
      );
      expect(await fails(read(gameRoute, { id: "0" }))).to.be.instanceOf(ExplorerNotFoundError);
      expect(await fails(read(batchRoute, { index: "one" }))).to.be.instanceOf(ExplorerBadRequestError);
      expect(await fails(read(batchRoute, { index: "-1" }))).to.be.instanceOf(ExplorerBadRequestError);
      expect(await fails(read(batchRoute, { index: "1" }, "epoch=x"))).to.be.instanceOf(
        ExplorerBadRequestError,
      );
      expect(await fails(read(gameRoute, { id: "0x1" }))).to.be.instanceOf(ExplorerBadRequestError);
      const { OptimisticRollup: _, ...others } = deployment.contracts;
      const ctx = await context({ ...deployment, contracts: others });
      expect(await fails(optimisticRoutes[0].read(ctx, {}, new URLSearchParams()))).to.be.instanceOf(
        ExplorerNotFoundError,
      );
      // Batch 1 (the deposits) is there: the same routes answer for it.
      const batch = await read<BatchView>(batchRoute, { index: "1" });
      expect(batch).to.deep.include({ index: 1, state: "challengeable", proposer: world.proposer.address });
      await time.increase(TIMING.challengeWindow);
      expect((await read<BatchView>(batchRoute, { index: "1" })).state).to.equal("committed");
    });
  });
  describe("routes on a rollup posting in blobs", function () {
    it("tells a batch posted in blobs by its BatchBlobs event", async function () {
      const funded = await FundedWorld.create({ sequenced: true, dataMode: "blobs" });
      try {
        const block = (await ethers.provider.getBlock("latest"))!;
        const ctx: ExplorerContext = {
          provider: ethers.provider,
          deployment: funded.world.stack.context.deployment,
          head: { number: block.number, hash: block.hash!, timestamp: block.timestamp },
        };
        const batch = (await optimisticRoutes[1].read(
          ctx,
          { index: "1" },
          new URLSearchParams(),
        )) as BatchView;
        expect(batch).to.deep.include({ index: 1, dataMode: "blobs", state: "challengeable" });
        expect((await funded.world.rollup.contract.batch(1)).inBlobs).to.equal(true);
      } finally {
        await funded.world.cleanup();
      }
    });
  });
});
