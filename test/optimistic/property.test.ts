// Property: for random batches and every dishonest strategy on either side, the honest party always
// wins, the chain ends in the honest state, and bridge solvency and bond conservation hold after every
// round of play. On fast-check: a failing case prints its seed and path (test/helpers/property.ts).
import { expect } from "chai";
import { Wallet, parseEther } from "ethers";
import { ethers } from "hardhat";
import { localAccountKey } from "../../src/common/processes";
import { publishTransactionBlobs } from "../../src/da/archive";
import { Kzg } from "../../src/da/kzg";
import { BlobBatchData } from "../../src/optimistic/blob-batch";
import type { DataMode } from "../../src/optimistic/stack";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { GamePlayer } from "../../src/optimistic/player";
import type { Strategy } from "../../src/optimistic/solver";
import { decide, openingClaim } from "../../src/optimistic/solver";
import type { L2Tx } from "../../src/shared/types";
import { ownerOfAddress } from "../../src/shared/types";
import { depositsUpTo } from "../../src/shared/deposit";
import fc from "fast-check";
import type { Draw } from "../helpers/property";
import { assertAsyncProperty, drawFrom } from "../helpers/property";
import { commitLyingBatch, corruptTrace, erratic, stall } from "../../src/optimistic/adversaries";
import type { World } from "./world";
import {
  createWorld,
  depositEth,
  passChallengeWindow,
  signedTransfer,
  signedWithdraw,
  TIMING,
} from "./world";

/**
 * Runs of each (side, strategy) pair: 2 × 6 pairs with batches as calldata, the 12 worlds the property always
 * built, and 1 × 6 with batches in blobs (each blob step opens field elements: about 2 s of KZG work).
 */
const RUNS: Record<DataMode, number> = { calldata: 2, blobs: 1 };
const OPEN = 1n;

interface Actor {
  signer: HardhatEthersSigner;
  index: number;
  nonce: number;
}

/** A random batch: mostly valid transfers and withdrawals, some overdrafts and stale nonces. */
async function randomBatch(world: World, rng: Draw, actors: Actor[]): Promise<L2Tx[]> {
  const txs: L2Tx[] = [];
  const n = 1 + rng.int(24);
  for (let i = 0; i < n; i++) {
    const from = actors[rng.int(actors.length)];
    const to = actors[(actors.indexOf(from) + 1 + rng.int(actors.length - 1)) % actors.length];
    const roll = rng.int(10);
    const amount = roll === 0 ? parseEther("100") : BigInt(1 + rng.int(1_000_000));
    const nonce = roll === 1 ? from.nonce + 3 : from.nonce;
    if (roll > 1) from.nonce++;
    txs.push(
      rng.int(5) === 0
        ? await signedWithdraw(world, from.signer, {
            from: from.index,
            recipient: from.signer.address,
            amount,
            nonce,
          })
        : await signedTransfer(world, from.signer, { from: from.index, to: to.index, amount, nonce }),
    );
  }
  return txs;
}

/** The dishonest side's strategies: the honest solver's moves on a lying trace, random moves, none. */
const STRATEGIES: Array<{ name: string; strategy: (rng: Draw) => Strategy }> = [
  { name: "consistent", strategy: () => decide },
  { name: "erratic", strategy: (rng) => erratic(rng) },
  { name: "stalling", strategy: () => stall },
];

/** Rounds of every player until no game is open; when a round changes nothing, time passes a clock. */
async function playToEnd(
  world: World,
  players: GamePlayer[],
  syncs: Array<() => Promise<unknown>>,
): Promise<void> {
  for (let round = 0; round < 80; round++) {
    for (const sync of syncs) await sync();
    let acted = false;
    for (const p of players) {
      for (const action of (await p.playAll()).values()) acted ||= action.kind !== "wait";
    }
    await world.checkInvariants();
    const count = await world.rollup.contract.gameCount();
    let open = false;
    for (let id = 0n; id < count; id++) open ||= (await world.rollup.contract.game(id)).status === OPEN;
    if (!open) return;
    if (!acted) await time.increase(TIMING.gameClock + 1);
  }
  throw new Error("games still open after 80 rounds");
}

describe("property: the honest side always wins", function () {
  for (const dataMode of ["calldata", "blobs"] as const)
    for (const { name, strategy: strategyOf } of STRATEGIES)
      for (const lyingProposer of [true, false]) {
        const side = lyingProposer
          ? `the honest challenger wins against a lying proposer playing ${name}`
          : `the honest proposer wins against a challenger disputing with a wrong trace, playing ${name}`;
        it(`${side} (batches as ${dataMode})`, async function () {
          await assertAsyncProperty(
            fc.asyncProperty(fc.gen(), (g) =>
              honestSideWins(drawFrom(g), dataMode, lyingProposer, name, strategyOf),
            ),
            { runs: RUNS[dataMode], shrink: false },
          );
        });
      }
});

/** One world: a random batch, a dishonest side playing `strategyOf`, played to the end. */
async function honestSideWins(
  rng: Draw,
  dataMode: DataMode,
  lyingProposer: boolean,
  name: string,
  strategyOf: (rng: Draw) => Strategy,
): Promise<void> {
  const world = await createWorld({ dataMode });
  // A blob transaction is signed locally: Mallory's and the proposer's keys (Hardhat's accounts 8 and 1).
  const inBlobs = dataMode === "blobs";
  const blobs = inBlobs ? { kzg: await Kzg.load(), archiveUrl: world.blobArchiveUrl } : undefined;
  try {
    const users = world.signers.slice(3, 7);
    for (const user of users) await depositEth(world, user, parseEther("1") + BigInt(rng.int(1_000_000)));
    await world.sequencer.tick(true);
    const actors = users.map((signer) => ({
      signer,
      index: world.sequencer.findAccount(ownerOfAddress(signer.address), 0)!,
      nonce: 0,
    }));
    const txs = await randomBatch(world, rng, actors);
    const { rollup, bridgeClient } = world;
    const mallory = world.signers[8];
    const malloryFollower = await world.newFollower();
    const strategy = strategyOf(rng);

    let batchIndex: number;
    if (lyingProposer) {
      const lieAt = rng.int(3) === 0 ? "everywhere" : rng.int(txs.length);
      const lie = await commitLyingBatch({
        rollup,
        bridge: bridgeClient,
        follower: malloryFollower,
        signer: inBlobs ? new Wallet(localAccountKey(8), ethers.provider) : mallory,
        txs,
        lieAt,
        blobs,
      });
      batchIndex = lie.batchIndex;
      expect((await rollup.contract.batch(batchIndex)).inBlobs).to.equal(inBlobs);
      const liar = new GamePlayer({
        rollup,
        follower: malloryFollower,
        signer: mallory,
        strategy,
        traceFor: () => lie.trace,
      });
      await playToEnd(
        world,
        [world.challenger.player, liar],
        [() => world.challenger.tick(), () => malloryFollower.sync()],
      );
      expect((await rollup.contract.game(0)).status, `${name} liar`).to.equal(3n); // ChallengerWon
      expect(await rollup.contract.batchCount()).to.equal(BigInt(batchIndex));
    } else {
      // The honest proposer (the sequencer's key) commits; mallory disputes it with a wrong trace.
      const follower = await world.newFollower();
      await follower.sync();
      const machine = follower.machineAfter(follower.tip.index)!;
      for (const tx of txs) machine.apply(tx);
      const queue = await bridgeClient.verifiedQueue(rollup.address);
      const depositCount = depositsUpTo(queue, machine.depositHead);
      const bond = (await rollup.config()).proposerBond;
      const batch = { parentClaim: follower.tip.claim, post: machine.state, depositCount, catchUp: [] };
      if (blobs) {
        const proposer = new Wallet(localAccountKey(1), ethers.provider);
        const data = BlobBatchData.ofTransactions(blobs.kzg, txs);
        const committed = await rollup.commitBatchBlobs(
          proposer,
          { ...batch, data, stepCount: txs.length },
          bond,
          blobs.kzg,
        );
        await publishTransactionBlobs(
          blobs.archiveUrl!,
          ethers.provider,
          blobs.kzg,
          committed.receipt.hash,
          data.blobs,
        );
        batchIndex = committed.batchIndex;
      } else {
        ({ batchIndex } = await rollup.commitBatch(world.proposer, { ...batch, txs }, bond));
      }
      expect((await rollup.contract.batch(batchIndex)).inBlobs).to.equal(inBlobs);
      await malloryFollower.sync();
      const wrong = corruptTrace(malloryFollower.trace(batchIndex), 1 + rng.int(txs.length));
      await rollup.challenge(
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
        strategy,
        traceFor: () => wrong,
      });
      await playToEnd(
        world,
        [world.sequencer.player, griefer],
        [() => world.sequencer.tick(), () => malloryFollower.sync()],
      );
      expect((await rollup.contract.game(0)).status, `${name} challenger`).to.equal(2n); // ProposerWon
      await passChallengeWindow();
      await world.sequencer.tick();
      expect(await rollup.contract.lastFinalizedIndex()).to.equal(BigInt(batchIndex));
    }

    // The chain ends in the honest state: every batch in it is valid, the tip included.
    const judge = await world.newFollower();
    await judge.sync();
    expect(judge.batches.every((b) => b.verdict === "valid")).to.equal(true);
    await world.checkInvariants();
  } finally {
    await world.cleanup();
  }
}
