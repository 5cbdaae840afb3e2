// End to end, under attack: a proposer that lies at the first, a middle or the last step (or
// everywhere), a challenger that disputes an honest batch, a side that stalls, two challengers on one
// batch, and a batch that skips a due deposit. In every case the honest side wins, bonds move as
// specified, a false batch is removed with everything built on it, and the honest chain continues.
import { expect } from "chai";
import { parseEther, toBeArray } from "ethers";
import { bytesToHex } from "../../src/shared/bytes";
import { decodeTxs, encodeTxs } from "../../src/shared/codec";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ContractRevertError } from "../../src/common/errors";
import { Challenger } from "../../src/optimistic/challenger";
import { GamePlayer } from "../../src/optimistic/player";
import { corruptTrace, lyingPlayer, stall } from "../../src/optimistic/adversaries";
import type { ChainFollower } from "../../src/optimistic/chain-follower";
import { FundedWorld } from "../helpers/optimistic-world";
import type { World } from "../optimistic/world";
import { depositEth, hexOf, passChallengeWindow, TIMING } from "../optimistic/world";

const GAME_STATUS = { open: 1n, proposerWon: 2n, challengerWon: 3n, cancelled: 4n };

describe("e2e: optimistic fraud", function () {
  let funded: FundedWorld;
  let world: World;
  let mallory: HardhatEthersSigner;
  let bob: HardhatEthersSigner;

  beforeEach(async function () {
    funded = await FundedWorld.create({ sequenced: true });
    ({ world, bob, mallory } = funded);
  });

  afterEach(async function () {
    await world.cleanup();
  });

  /** `signer` disputes batch `batchIndex` at its first step, claiming `claim`, with the challenger bond. */
  async function challengeWith(
    signer: HardhatEthersSigner,
    follower: ChainFollower,
    batchIndex: number,
    claim: string,
  ): Promise<void> {
    const { rollup } = world;
    await rollup.challenge(
      signer,
      batchIndex,
      follower.parentState(batchIndex),
      claim,
      (await rollup.config()).challengerBond,
    );
  }

  /** Plays rounds of every agent until no game is open (at most `rounds`). */
  async function playOut(
    players: Array<{ tick(): Promise<unknown> } | GamePlayer>,
    rounds = 60,
  ): Promise<void> {
    for (let round = 0; round < rounds; round++) {
      for (const p of players) {
        if (p instanceof GamePlayer) {
          await p.playAll();
        } else {
          await p.tick();
        }
      }
      const count = await world.rollup.contract.gameCount();
      let open = false;
      for (let id = 0n; id < count; id++)
        open ||= (await world.rollup.contract.game(id)).status === GAME_STATUS.open;
      if (!open) return;
      await world.checkInvariants();
    }
    throw new Error("games still open after every round");
  }

  async function lieAndLose(lieAt: number | "everywhere", steps: number): Promise<void> {
    const { rollup, challenger } = world;
    const txs = await funded.transfers(steps);
    const lie = await funded.lie({ txs, lieAt });
    const liar = funded.liar([lie]);
    const bond = (await rollup.config()).proposerBond;
    const burnedBefore = await rollup.contract.burned();

    await playOut([challenger, { tick: () => lie.follower.sync() }, liar]);

    const game = await rollup.contract.game(0);
    expect(game.status).to.equal(GAME_STATUS.challengerWon);
    expect(await rollup.contract.batchCount()).to.equal(BigInt(lie.batchIndex));
    expect(await rollup.contract.credit(world.challengerSigner.address)).to.equal(bond + bond / 2n);
    expect(await rollup.contract.burned()).to.equal(burnedBefore + bond / 2n);
    expect(await rollup.contract.credit(mallory.address)).to.equal(0n);
    await world.checkInvariants();

    // The honest chain continues: the same transfers, sequenced honestly, stand.
    for (const tx of txs) await world.sequencer.submit(hexOf(tx));
    await world.sequencer.tick(true);
    await world.challenger.tick();
    expect(await rollup.contract.gameCount()).to.equal(1n);
    expect(world.sequencer.account(funded.bobIndex)!.balance).to.equal(
      parseEther("1") + txs.reduce((sum, tx) => sum + tx.amount, 0n),
    );
    await passChallengeWindow();
    await world.sequencer.tick();
    expect(await rollup.contract.lastFinalizedIndex()).to.equal(BigInt(lie.batchIndex));
    await world.checkInvariants();
  }

  // A float40 amount has several encodings; the rollup's Steps root is over the bytes the calldata holds. A
  // node that rebuilt the batch by re-encoding what it decoded built its Merkle paths over other leaves, so
  // its one-step proof was refused (OptimisticStepNotInBatch) and the lie outlived the challenger's clock.
  it("removes a lie whose calldata writes an amount in another float40 encoding: the proof is over Layer 1's bytes", async function () {
    const { rollup, challenger } = world;
    const txs = await funded.transfers(6, 1000n);
    const calldata = encodeTxs(txs);
    // step 0's amount, 1000 = 1000·10^0, written as 100·10^1 (kind 1 byte, from and to 4 bytes each)
    calldata.set(toBeArray((1n << 35n) | 100n), 1 + 4 + 4);
    expect(bytesToHex(calldata)).to.not.equal(bytesToHex(encodeTxs(txs)));
    expect(decodeTxs(calldata)).to.deep.equal(txs);
    const lie = await funded.lie({ txs, lieAt: 3, calldata });
    await playOut([challenger, { tick: () => lie.follower.sync() }, funded.liar([lie])]);
    const game = await rollup.contract.game(0);
    expect(game.status).to.equal(GAME_STATUS.challengerWon);
    expect(game.lo).to.equal(3n);
    expect(await rollup.contract.batchCount()).to.equal(BigInt(lie.batchIndex));
    await world.checkInvariants();
  });

  const LIES: Array<{ where: string; lieAt: number | "everywhere"; steps: number }> = [
    { where: "at its first step", lieAt: 0, steps: 9 },
    { where: "at a middle step", lieAt: 6, steps: 13 },
    { where: "at its last step", lieAt: 15, steps: 16 },
    { where: "everywhere", lieAt: "everywhere", steps: 7 },
  ];
  for (const { where, lieAt, steps } of LIES) {
    it(`removes a batch that lies ${where}`, async function () {
      await lieAndLose(lieAt, steps);
    });
  }

  it("removes the batches built on a false batch, and burns their bonds", async function () {
    const { rollup } = world;
    const lie = await funded.lie({ txs: await funded.transfers(4), lieAt: 1 });
    const child = await funded.lie({
      txs: await funded.transfers(2),
      lieAt: "everywhere",
      on: lie,
      follower: lie.follower,
    });
    expect(child.batchIndex).to.equal(lie.batchIndex + 1);
    const liar = funded.liar([lie, child]);
    const bond = (await rollup.config()).proposerBond;

    await playOut([world.challenger, { tick: () => lie.follower.sync() }, liar]);

    expect(await rollup.contract.batchCount()).to.equal(BigInt(lie.batchIndex));
    // Half the false batch's bond, plus the whole bond of the batch built on it.
    expect(await rollup.contract.burned()).to.equal(bond / 2n + bond);
    await world.checkInvariants();
  });

  it("lets the proposer win against a challenger that disputes an honest batch", async function () {
    const { rollup, sequencer } = world;
    for (const tx of await funded.transfers(11)) await sequencer.submit(hexOf(tx));
    await sequencer.tick(true);
    const batchIndex = Number(await rollup.contract.batchCount()) - 1;
    const griefer = new Challenger({ rollup, follower: await world.newFollower(), signer: mallory });
    await griefer.tick();
    const follower = await world.newFollower();
    await follower.sync();
    const honest = follower.trace(batchIndex);
    const wrong = corruptTrace(honest, 4);
    await challengeWith(mallory, follower, batchIndex, wrong[Math.floor((honest.length - 1) / 2)]);
    const grieferPlayer = lyingPlayer({ rollup, follower, signer: mallory }, new Map([[batchIndex, wrong]]));
    const bond = (await rollup.config()).challengerBond;
    const creditBefore = await rollup.contract.credit(world.proposer.address);

    await playOut([{ tick: () => follower.sync() }, grieferPlayer, sequencer]);

    expect((await rollup.contract.game(0)).status).to.equal(GAME_STATUS.proposerWon);
    expect(await rollup.contract.batchCount()).to.equal(BigInt(batchIndex + 1));
    expect((await rollup.contract.credit(world.proposer.address)) - creditBefore).to.equal(bond / 2n);
    await passChallengeWindow();
    await sequencer.tick();
    expect(await rollup.contract.lastFinalizedIndex()).to.equal(BigInt(batchIndex));
    await world.checkInvariants();
  });

  it("lets an honest challenger win on time against a liar that stalls", async function () {
    const { rollup } = world;
    const lie = await funded.lie({ txs: await funded.transfers(8), lieAt: 3 });
    await world.challenger.tick();
    const staller = new GamePlayer({ rollup, follower: lie.follower, signer: mallory, strategy: stall });
    await staller.playAll();
    await world.challenger.tick();
    expect((await rollup.contract.game(0)).status).to.equal(GAME_STATUS.open);

    await time.increase(TIMING.gameClock + 1);
    await world.challenger.tick();
    const game = await rollup.contract.game(0);
    expect(game.status).to.equal(GAME_STATUS.challengerWon);
    expect(await rollup.contract.batchCount()).to.equal(BigInt(lie.batchIndex));
    await world.checkInvariants();
  });

  it("lets an honest challenger win while a dishonest one loses against the same false batch", async function () {
    const { rollup } = world;
    const lie = await funded.lie({ txs: await funded.transfers(10), lieAt: 5 });
    // Mallory's accomplice challenges first, with a trace that agrees with the lie, and plays to lose.
    const accomplice = world.signers[6];
    const accompliceFollower = await world.newFollower();
    await accompliceFollower.sync();
    await challengeWith(accomplice, accompliceFollower, lie.batchIndex, lie.trace[5]);
    const accomplicePlayer = lyingPlayer(
      { rollup, follower: accompliceFollower, signer: accomplice },
      new Map([[lie.batchIndex, lie.trace]]),
    );
    const liar = funded.liar([lie]);

    await playOut([
      { tick: () => accompliceFollower.sync() },
      accomplicePlayer,
      { tick: () => lie.follower.sync() },
      liar,
      world.challenger,
    ]);

    expect(await rollup.contract.batchCount()).to.equal(BigInt(lie.batchIndex));
    const statuses = [(await rollup.contract.game(0)).status, (await rollup.contract.game(1)).status];
    // The honest game removed the batch; the colluders' game, stuck on a false agreed state that no
    // one can step from, became moot and was cancelled (the accomplice only got its bond back).
    expect(statuses).to.deep.equal([GAME_STATUS.cancelled, GAME_STATUS.challengerWon]);
    const bond = (await rollup.config()).proposerBond;
    expect(await rollup.contract.credit(world.challengerSigner.address)).to.equal(bond + bond / 2n);
    expect(await rollup.contract.credit(accomplice.address)).to.equal(bond);
    await world.checkInvariants();
  });

  it("keeps the sequencer defending and finalizing while a false batch sits on the tip", async function () {
    const { rollup, sequencer } = world;
    for (const tx of await funded.transfers(6)) await sequencer.submit(hexOf(tx));
    await sequencer.tick(true);
    const honestIndex = Number(await rollup.contract.batchCount()) - 1;
    // A griefer disputes the honest batch while an accomplice stacks a false batch on top of it.
    const follower = await world.newFollower();
    await follower.sync();
    const wrong = corruptTrace(follower.trace(honestIndex), 2);
    await challengeWith(mallory, follower, honestIndex, wrong[3]);
    const lie = await funded.lie({ txs: await funded.transfers(2), lieAt: 0 });
    const griefer = lyingPlayer({ rollup, follower, signer: mallory }, new Map([[honestIndex, wrong]]));

    for (let round = 0; round < 12; round++) {
      await follower.sync();
      await griefer.playAll();
      await sequencer.tick(); // never throws: it does not build on the false tip, and it defends
    }
    expect((await rollup.contract.game(0)).status).to.equal(GAME_STATUS.proposerWon);
    expect(await rollup.contract.batchCount()).to.equal(BigInt(lie.batchIndex + 1)); // no one challenged the lie yet
    // The challenger disputes the lie; the liar stalls and loses on time; the chain is honest again.
    await world.challenger.tick();
    await time.increase(TIMING.gameClock + 1);
    await world.challenger.tick();
    expect(await rollup.contract.batchCount()).to.equal(BigInt(lie.batchIndex));
    await passChallengeWindow();
    await sequencer.tick();
    expect(await rollup.contract.lastFinalizedIndex()).to.equal(BigInt(honestIndex));
    await world.checkInvariants();
  });

  it("refuses a batch that skips a due deposit", async function () {
    await depositEth(world, bob, parseEther("2"));
    await time.increase(TIMING.inclusionWindow + 1);
    const error = await funded.lie({ txs: await funded.transfers(2), lieAt: -1 }).catch((e: unknown) => e);
    expect(error)
      .to.be.instanceOf(ContractRevertError)
      .and.have.property("errorName", "OptimisticDepositDue");
    // The honest sequencer includes it.
    await world.sequencer.tick(true);
    expect(world.sequencer.account(funded.bobIndex)!.balance).to.equal(parseEther("3"));
    await world.checkInvariants();
  });
});
