// The optimistic flow: the real optimistic rollup end to end, narrated, with the bridge on both ends.
//
// Part 1, an honest round trip: Alice and Bob deposit ETH through the bridge; the honest sequencer pulls
// the deposits, admits signed transfers and a withdrawal (refusing invalid ones by name) and commits
// batches; the challenger rebuilds every batch from Layer-1 calldata and agrees; the challenge window
// passes, the sequencer finalizes, and the bridge pays Bob's withdrawal once.
//
// Part 2, a defeated fraud: Mallory, bonded like any proposer, commits a batch that lies at a middle step
// (it credits her money she never had, then withdraws it). The honest challenger re-executes the batch,
// challenges it, bisects it against Mallory down to one step and proves that step on Layer 1: the batch
// is removed and Mallory's bond is split between the challenger and the burn.
//
// Only real contracts and the real agents of src/optimistic. It moves the chain's clock with
// evm_increaseTime / evm_mine, so it runs on any local chain: Hardhat in-process, `hardhat node`, Anvil.
// On a node, scripts/demo/services/optimistic.ts tells the same story with the sequencer and the
// challenger as separate processes; it reuses the users' steps exported here.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Provider, Result, Signer } from "ethers";
import { ZeroAddress, parseEther } from "ethers";
import type { Bridge } from "../../typechain-types";
import { Bridge__factory } from "../../typechain-types";
import type { QueuedDeposit } from "../../src/bridge/client";
import { BridgeClient } from "../../src/bridge/client";
import { assertBridgeSolvent } from "../../src/bridge/invariants";
import type { Deployment } from "../../src/common/deployments";
import { StrataError } from "../../src/common/errors";
import { ChainFollower } from "../../src/optimistic/chain-follower";
import { Challenger } from "../../src/optimistic/challenger";
import type { BondReport } from "../../src/optimistic/invariants";
import { assertBondsConserved, assertFinalBatchesValid, owedByRollup } from "../../src/optimistic/invariants";
import { TxJournal } from "../../src/optimistic/journal";
import { GamePlayer } from "../../src/optimistic/player";
import type { RollupConfig } from "../../src/optimistic/rollup-client";
import { RollupClient } from "../../src/optimistic/rollup-client";
import type { TxReceipt } from "../../src/optimistic/rpc-server";
import { Sequencer } from "../../src/optimistic/sequencer";
import type { Party, Strategy } from "../../src/optimistic/solver";
import { decide } from "../../src/optimistic/solver";
import type { StepMachine } from "../../src/optimistic/trace";
import { Eip712Authorizer } from "../../src/shared/authorizer";
import { bytesToHex } from "../../src/shared/bytes";
import { encodeTx } from "../../src/shared/codec";
import { L2Domain } from "../../src/shared/eip712";
import type { L2Tx, TransferTx, WithdrawTx, WithdrawalData } from "../../src/shared/types";
import { ownerOfAddress } from "../../src/shared/types";
import type { Narrator } from "../../src/demo/narrator";
import { refusal, revertName } from "../../src/demo/outcomes";
import { eth, short } from "../../src/demo/narrator";
import { depositsUpTo } from "../../src/shared/deposit";

export class DemoFlowError extends StrataError {}

/** Who plays: the deployer, the honest operators, two users and the adversary. */
export interface OptimisticFlowSigners {
  owner: Signer;
  sequencer: Signer;
  challenger: Signer;
  alice: Signer;
  bob: Signer;
  mallory: Signer;
}

/** The parties the demo plays itself when the operators run as separate processes. */
export type OptimisticFlowUsers = Pick<OptimisticFlowSigners, "owner" | "alice" | "bob" | "mallory">;

/** One move of the bisection game, as Layer 1 recorded it (`Moved`). */
export interface MoveRecord {
  mover: Party;
  agree: boolean;
  /** The disputed range after the move: both sides agree on the state after step `lo`. */
  lo: number;
  hi: number;
}

export interface RoundTripResult {
  /** Batch indices the sequencer committed (deposits, then the signed transactions). */
  batches: number[];
  /** The sequencer's named refusals. */
  replayRefused: string | undefined;
  overdraftRefused: string | undefined;
  /** Games the challenger opened against the honest batches (none). */
  gamesOpened: number;
  verdicts: string[];
  lastFinalized: number;
  withdrawal: WithdrawalData;
  paidToBob: bigint;
  secondPayoutRefused: string | undefined;
  layer2: { alice: bigint; bob: bigint };
  escrow: bigint;
}

export interface FraudResult {
  batchIndex: number;
  stepCount: number;
  /** The step after which Mallory's state is false (0-based). */
  lieAt: number;
  stolen: bigint;
  challengerVerdict: string;
  moves: MoveRecord[];
  /** The step proven on Layer 1, and who sent the proof. */
  steppedAt: number | undefined;
  stepSentBy: string | undefined;
  winner: Party | undefined;
  /** The rollup's batch count after the game: equal to `batchIndex` once the batch is removed. */
  batchCountAfter: number;
  bond: bigint;
  challengerCredit: bigint;
  malloryCredit: bigint;
  burned: bigint;
}

export interface OptimisticFlowResult {
  roundTrip: RoundTripResult;
  fraud: FraudResult;
  bonds: BondReport;
  owed: bigint;
  escrow: bigint;
}

const ALICE_DEPOSIT = parseEther("5");
const BOB_DEPOSIT = parseEther("1");
const TRANSFER = parseEther("2");
const OVERDRAFT = parseEther("9");
const WITHDRAWAL = parseEther("1.5");
const MALLORY_DEPOSIT = parseEther("0.01");
const MALLORY_TRANSFER = parseEther("0.001");
/** Mallory's batch: 7 transfers to Alice, then a withdrawal of the money the lie gave her. */
const LIE_TRANSFERS = 7;
const LIE_AT = 3;
const STOLEN = parseEther("4");
/** Rounds of play before the demo gives up on a game (a 1,024-step batch needs 10 moves). */
const MAX_ROUNDS = 40;

// -------------------------------------------------------------------------------------------------
// The flow
// -------------------------------------------------------------------------------------------------

export async function runOptimisticFlow(
  deployment: Deployment,
  signers: OptimisticFlowSigners,
  say: Narrator,
): Promise<OptimisticFlowResult> {
  const world = await createWorld(deployment, signers);
  try {
    const roundTrip = await runRoundTrip(world, say);
    const fraud = await runDefeatedFraud(world, say);
    const invariants = await checkInvariants(world);
    sayInvariants(say, invariants);
    return { roundTrip, fraud, ...invariants };
  } finally {
    await world.close();
  }
}

// -------------------------------------------------------------------------------------------------
// Part 1: the honest round trip
// -------------------------------------------------------------------------------------------------

async function runRoundTrip(w: World, say: Narrator): Promise<RoundTripResult> {
  const { rollup, sequencer, challenger } = w;
  await depositForRoundTrip(w, say);
  await sequencer.tick(true);
  const first = await w.sayCommitted(say, "the sequencer pulls both deposits from the bridge's queue");
  const sent = await sendRoundTripTxs(w, say, (tx) => sequencer.submit(tx));
  await sequencer.tick(true);
  const second = await w.sayCommitted(say, "the sequencer commits the transfer and the withdrawal");
  say.note(`Alice's transfer is now ${sequencer.receipt(sent.transfer.hash)!.status}`);
  await checkInvariants(w);

  await challenger.tick();
  const verdicts = [first, second].map((i) => w.challengerFollower.batches[i].verdict);
  const gamesOpened = Number(await rollup.contract.gameCount());
  sayChallengerAgrees(say, [first, second], verdicts, gamesOpened);

  await closeChallengeWindow(w, say);
  await sequencer.tick();
  return finishRoundTrip(w, say, sent, sequencer.receipt(sent.withdraw.hash)!, {
    batches: [first, second],
    verdicts,
    gamesOpened,
  });
}

/** Part 1's title and terms, then Alice's and Bob's deposits; returns Bob's (the last). */
export async function depositForRoundTrip(w: DemoWorld, say: Narrator): Promise<QueuedDeposit> {
  say.title("Optimistic rollup, part 1: deposit → commitBatch → finalize → finalizeWithdrawal");
  say.note(
    `bond ${eth(w.config.proposerBond)} per batch and per challenge; challenge window ${
      w.config.challengeWindow
    } s; game clock ${w.config.gameClock} s a side`,
  );
  await w.deposit("alice", ALICE_DEPOSIT, say);
  return w.deposit("bob", BOB_DEPOSIT, say);
}

/** What Alice and Bob sent the sequencer in part 1, and how it answered. */
export interface RoundTripTxs {
  aliceIndex: number;
  bobIndex: number;
  transfer: TxReceipt;
  withdraw: TxReceipt;
  replayRefused: string | undefined;
  overdraftRefused: string | undefined;
}

/**
 * Alice's signed transfer to Bob, the same transfer again (a replay), Bob's overdraft and Bob's
 * withdrawal, each handed to `submit` (the sequencer object, or its JSON-RPC client).
 */
export async function sendRoundTripTxs(
  w: DemoWorld,
  say: Narrator,
  submit: (encodedTx: string) => Promise<TxReceipt>,
): Promise<RoundTripTxs> {
  const aliceIndex = await w.accountIndex("alice");
  const bobIndex = await w.accountIndex("bob");
  say.note(`Alice's Layer-2 account is #${aliceIndex}, Bob's #${bobIndex}`);
  await checkInvariants(w);

  const signed = await w.signTransfer("alice", { to: bobIndex, amount: TRANSFER });
  const transfer = await submit(hexOf(signed));
  say.say(
    "transfer",
    `Alice signs ${eth(TRANSFER)} to Bob (EIP-712); the sequencer answers ${transfer.status}, tx ${short(
      transfer.hash,
    )}`,
  );
  const replayRefused = await refusal(submit(hexOf(signed)));
  say.note(`the same signed transfer sent again: refused, ${replayRefused}`);
  const overdraft = await w.signTransfer("bob", { to: aliceIndex, amount: OVERDRAFT });
  const overdraftRefused = await refusal(submit(hexOf(overdraft)));
  say.note(`Bob signs ${eth(OVERDRAFT)} to Alice, more than he has: refused, ${overdraftRefused}`);

  const bobAddress = await w.s.bob.getAddress();
  const withdraw = await submit(
    hexOf(await w.signWithdraw("bob", { recipient: bobAddress, amount: WITHDRAWAL })),
  );
  say.say("withdraw", `Bob signs a withdrawal of ${eth(WITHDRAWAL)} to his Layer-1 address`);
  return { aliceIndex, bobIndex, transfer, withdraw, replayRefused, overdraftRefused };
}

/** The challenger's verdict on the honest batches: it re-executed them and opened no game. */
export function sayChallengerAgrees(
  say: Narrator,
  batches: readonly number[],
  verdicts: readonly string[],
  gamesOpened: number,
): void {
  say.say(
    "sync",
    `the challenger reads batches ${batches[0]}-${batches[batches.length - 1]} back from their ` +
      `commitBatch calldata and re-executes them: ${verdicts.join(", ")}; ${
        gamesOpened === 0 ? "nothing to challenge" : `${gamesOpened} games`
      }`,
  );
}

/** Moves the chain's clock past the challenge window of every batch committed so far. */
export async function closeChallengeWindow(w: DemoWorld, say: Narrator): Promise<void> {
  await w.advanceTime(w.config.challengeWindow + 1);
  say.note(`evm_increaseTime ${w.config.challengeWindow + 1} s: the challenge window closes unchallenged`);
}

/** Narrates a `finalize` from its Layer-1 events: the batches, and the bonds credited back (and withdrawn). */
export function sayFinalized(w: DemoWorld, say: Narrator, events: readonly RollupEvent[]): number[] {
  const finalized = events.filter((e) => e.name === "BatchFinalized");
  if (finalized.length === 0) throw new DemoFlowError("no batch was finalized");
  const inFinalize = new Set(finalized.map((e) => e.transactionHash));
  const sum = (name: string, among: (e: RollupEvent) => boolean) =>
    events
      .filter((e) => e.name === name && among(e))
      .reduce((total, e) => total + (e.args.amount as bigint), 0n);
  const finalizer = finalized[0].from;
  const credited = sum("BondCredited", (e) => inFinalize.has(e.transactionHash));
  const withdrawn = sum("CreditWithdrawn", (e) => e.from.toLowerCase() === finalizer.toLowerCase());
  const indices = finalized.map((e) => Number(e.args.batchIndex));
  say.say(
    "finalize",
    `${w.nameOf(finalizer)} finalizes batches ${indices.join(", ")}; its bonds come back as credit ` +
      `(${eth(credited)})${withdrawn > 0n ? `, which it withdraws (${eth(withdrawn)})` : ""}`,
    finalized[0].gasUsed,
  );
  return indices;
}

/**
 * Part 1's end, once the sequencer has finalized the batch holding Bob's withdrawal (`withdrawal`, its
 * receipt): the finalize narrated from its Layer-1 events, Bob paid, and the round trip's result.
 */
export async function finishRoundTrip(
  w: DemoWorld,
  say: Narrator,
  sent: RoundTripTxs,
  withdrawal: TxReceipt,
  seen: Pick<RoundTripResult, "batches" | "verdicts" | "gamesOpened">,
): Promise<RoundTripResult> {
  sayFinalized(w, say, await w.tape.read());
  const lastFinalized = Number(await w.rollup.contract.lastFinalizedIndex());
  say.note(`Bob's withdrawal is now ${withdrawal.status}`);
  await checkInvariants(w);

  const paid = await payBobsWithdrawal(w, say, withdrawal.batchIndex!, sent);
  return {
    ...seen,
    replayRefused: sent.replayRefused,
    overdraftRefused: sent.overdraftRefused,
    lastFinalized,
    ...paid,
  };
}

/**
 * Bob's wallet rebuilds the batch holding his withdrawal from Layer 1 itself (it trusts no operator for
 * the proof), the bridge pays him once and refuses a second payout; then the balances.
 */
async function payBobsWithdrawal(
  w: DemoWorld,
  say: Narrator,
  batchIndex: number,
  accounts: { aliceIndex: number; bobIndex: number },
): Promise<Pick<RoundTripResult, "withdrawal" | "paidToBob" | "secondPayoutRefused" | "layer2" | "escrow">> {
  const { s, rollup } = w;
  const bobsNode = await w.newFollower();
  await bobsNode.sync();
  const bobAddress = await s.bob.getAddress();
  const leaf = bobsNode
    .withdrawalsOf(batchIndex)
    .findIndex((x) => x.recipient.toLowerCase() === bobAddress.toLowerCase() && x.amount === WITHDRAWAL);
  if (leaf < 0) throw new DemoFlowError(`batch ${batchIndex} owes Bob no withdrawal`);
  const withdrawal = bobsNode.withdrawalsOf(batchIndex)[leaf];
  const proof = bobsNode.withdrawalProof(batchIndex, leaf);
  const payout = () =>
    w.bridgeClient.finalizeWithdrawal(s.bob, { rollup: rollup.address, batchIndex, withdrawal, proof });
  const paid = await payout();
  // Read at the payout's block and the one before it: nothing else Bob does (or a cache) can blur it.
  const [before, after] = await Promise.all([
    w.provider.getBalance(bobAddress, paid.blockNumber - 1),
    w.provider.getBalance(bobAddress, paid.blockNumber),
  ]);
  const paidToBob = after + paid.gasUsed * paid.gasPrice - before;
  say.say(
    "finalizeWithdrawal",
    `Bob proves leaf ${leaf} of batch ${batchIndex} (depth-${proof.siblings.length} proof rebuilt from ` +
      `Layer 1); the bridge pays him ${eth(paidToBob)}`,
    paid.gasUsed,
  );
  const secondPayoutRefused = await revertName(payout());
  say.say("finalizeWithdrawal", `the same withdrawal again: refused, ${secondPayoutRefused}`);
  const { escrow } = await checkInvariants(w);

  const layer2 = {
    alice: await w.layer2.getBalance(accounts.aliceIndex),
    bob: await w.layer2.getBalance(accounts.bobIndex),
  };
  say.note(
    `balances: Layer 2 Alice ${eth(layer2.alice)}, Bob ${eth(layer2.bob)}; Bob received ${eth(
      paidToBob,
    )} on Layer 1; the rollup's escrow ${eth(escrow)}`,
  );
  return { withdrawal, paidToBob, secondPayoutRefused, layer2, escrow };
}

// -------------------------------------------------------------------------------------------------
// Part 2: a defeated fraud
// -------------------------------------------------------------------------------------------------

async function runDefeatedFraud(w: World, say: Narrator): Promise<FraudResult> {
  const { s, rollup, sequencer, challenger } = w;
  await depositForFraud(w, say);
  await sequencer.tick(true);
  await w.sayCommitted(say, "the sequencer commits Mallory's deposit");
  const lie = await commitMallorysLie(w, say);

  await challenger.tick();
  const judged = w.challengerFollower.batches[lie.batchIndex];
  sayChallengerDisagrees(
    say,
    lie.batchIndex,
    { honest: judged.honestClaim!, claimed: judged.claim },
    judged.verdict,
  );
  const honest = w.challengerFollower.trace(lie.batchIndex);
  const game = await playOutGame(w, say, lie, honest, () => challenger.tick(), MAX_ROUNDS);

  const [challengerCredit, malloryCredit] = await Promise.all([
    rollup.contract.credit(await s.challenger.getAddress()),
    rollup.contract.credit(await s.mallory.getAddress()),
  ]);
  return settleFraud(w, say, lie, game, judged.verdict, {
    challenger: challengerCredit,
    mallory: malloryCredit,
  });
}

/** Part 2's title and Mallory's deposit (she enters like anyone else). */
export async function depositForFraud(w: DemoWorld, say: Narrator): Promise<QueuedDeposit> {
  say.title("Optimistic rollup, part 2: a false batch → challenge → move … → step");
  return w.deposit("mallory", MALLORY_DEPOSIT, say);
}

/** Mallory's lying batch on Layer 1, her trace of it, and the node she plays the game from. */
export interface MalloryLie {
  batchIndex: number;
  stepCount: number;
  txs: L2Tx[];
  /** Mallory's claim after every step, which she defends. */
  trace: string[];
  follower: ChainFollower;
}

/**
 * Mallory signs small transfers to Alice and a withdrawal of money she lacks, and commits them, bonded,
 * as a batch whose claim lies from step LIE_AT on.
 */
export async function commitMallorysLie(w: DemoWorld, say: Narrator): Promise<MalloryLie> {
  const malloryIndex = await w.accountIndex("mallory");
  const aliceIndex = await w.accountIndex("alice");
  const txs: L2Tx[] = [];
  let nonce = await w.layer2.getNonce(malloryIndex);
  for (let i = 0; i < LIE_TRANSFERS; i++) {
    txs.push(await w.signTransfer("mallory", { to: aliceIndex, amount: MALLORY_TRANSFER, nonce: nonce++ }));
  }
  txs.push(
    await w.signWithdraw("mallory", { recipient: await w.s.mallory.getAddress(), amount: STOLEN, nonce }),
  );
  const follower = await w.newFollower();
  const lie = await commitLyingBatch({
    rollup: w.rollup,
    bridge: w.bridgeClient,
    follower,
    signer: w.s.mallory,
    txs,
    lieAt: LIE_AT,
    beneficiary: malloryIndex,
    amount: STOLEN,
  });
  const stepCount = txs.length;
  const committed = (await w.tape.read()).find((e) => e.name === "BatchCommitted");
  if (!committed) throw new DemoFlowError(`Mallory's batch ${lie.batchIndex} is not on Layer 1`);
  say.say(
    "commitBatch",
    `Mallory, bonded ${eth(w.config.proposerBond)} like any proposer, commits batch ${lie.batchIndex}: ` +
      `${LIE_TRANSFERS} transfers to Alice and a withdrawal of ${eth(STOLEN)}`,
    committed.gasUsed,
  );
  say.note(
    `the lie: after step ${LIE_AT} her state credits her ${eth(STOLEN)} she never had, so the withdrawal ` +
      `at step ${stepCount - 1} goes through; every claim from step ${LIE_AT + 1} on is false`,
  );
  return { batchIndex: lie.batchIndex, stepCount, txs, trace: lie.trace, follower };
}

/** The challenger's verdict on Mallory's batch: the honest claim it re-executed, not the claimed one. */
export function sayChallengerDisagrees(
  say: Narrator,
  batchIndex: number,
  claims: { honest: string; claimed: string },
  verdict: string,
): void {
  say.say(
    "sync",
    `the challenger re-executes batch ${batchIndex} from its calldata: it leads to ` +
      `${short(claims.honest)}, not the claimed ${short(claims.claimed)}: ${verdict}`,
  );
}

/**
 * Mallory defends her lie round by round; between her rounds `opponent` runs (the challenger's own
 * round in process, or a pause while the challenger process plays). Narrates the game from Layer 1
 * until it is resolved.
 */
export async function playOutGame(
  w: DemoWorld,
  say: Narrator,
  lie: MalloryLie,
  honest: readonly string[],
  opponent: () => Promise<void>,
  maxRounds: number,
): Promise<GameNarrator> {
  const liar = lyingPlayer(
    { rollup: w.rollup, follower: lie.follower, signer: w.s.mallory },
    new Map([[lie.batchIndex, lie.trace]]),
  );
  const game = new GameNarrator(w, say, {
    stepCount: lie.stepCount,
    kindOf: (step) => lie.txs[step].kind,
    claimed: lie.trace,
    honest,
  });
  await game.narrate(await w.tape.read());
  for (let round = 0; round < maxRounds && !game.over; round++) {
    await lie.follower.sync();
    await liar.playAll();
    await game.narrate(await w.tape.read());
    if (game.over) break;
    await opponent();
    await game.narrate(await w.tape.read());
  }
  if (!game.over) throw new DemoFlowError(`the game is still open after ${maxRounds} rounds`);
  return game;
}

/** What the game left behind: the batch count, the bonds credited and burned. */
export async function settleFraud(
  w: DemoWorld,
  say: Narrator,
  lie: MalloryLie,
  game: GameNarrator,
  challengerVerdict: string,
  credits: { challenger: bigint; mallory: bigint },
): Promise<FraudResult> {
  const [batchCountAfter, burned] = await Promise.all([
    w.rollup.contract.batchCount(),
    w.rollup.contract.burned(),
  ]);
  say.note(
    `credit: challenger ${eth(credits.challenger)} (its bond back + half of Mallory's), Mallory ` +
      `${eth(credits.mallory)}; burned ${eth(burned)}; the tip is batch ${batchCountAfter - 1n} again`,
  );
  return {
    batchIndex: lie.batchIndex,
    stepCount: lie.stepCount,
    lieAt: LIE_AT,
    stolen: STOLEN,
    challengerVerdict,
    moves: game.moves,
    steppedAt: game.steppedAt,
    stepSentBy: game.stepSentBy,
    winner: game.winner,
    batchCountAfter: Number(batchCountAfter),
    bond: w.config.proposerBond,
    challengerCredit: credits.challenger,
    malloryCredit: credits.mallory,
    burned,
  };
}

/** Turns the game's Layer-1 events into narrated steps, and records the moves. */
export class GameNarrator {
  readonly moves: MoveRecord[] = [];
  over = false;
  steppedAt: number | undefined;
  stepSentBy: string | undefined;
  winner: Party | undefined;
  private lo = 0;
  private hi: number;

  constructor(
    private readonly w: DemoWorld,
    private readonly say: Narrator,
    private readonly batch: {
      stepCount: number;
      kindOf: (step: number) => string;
      /** Mallory's claim after every step, and the honest one. */
      claimed: readonly string[];
      honest: readonly string[];
    },
  ) {
    this.hi = batch.stepCount;
  }

  async narrate(events: readonly RollupEvent[]): Promise<void> {
    // How a game ended comes first, then what it did to batches and bonds (same transaction).
    const first = (e: RollupEvent) => (e.name === "GameResolved" ? 0 : 1);
    const ordered = events
      .map((e, i) => ({ e, i }))
      .sort((a, b) =>
        a.e.transactionHash === b.e.transactionHash ? first(a.e) - first(b.e) || a.i - b.i : a.i - b.i,
      )
      .map(({ e }) => e);
    for (const e of ordered) {
      switch (e.name) {
        case "ChallengeOpened":
          this.say.say(
            "challenge",
            `the challenger bonds ${eth(this.w.config.challengerBond)} against batch ${e.args.batchIndex} ` +
              `(game ${e.args.gameId}), disputing steps (0, ${this.hi}]; it claims the state after step ` +
              `${Math.floor(this.hi / 2)}`,
            e.gasUsed,
          );
          break;
        case "Moved": {
          const mover = PARTIES[Number(e.args.mover)];
          const agree = e.args.agree as boolean;
          const mid = Math.floor((this.lo + this.hi) / 2);
          [this.lo, this.hi] = [Number(e.args.lo), Number(e.args.hi)];
          this.moves.push({ mover, agree, lo: this.lo, hi: this.hi });
          const next =
            this.hi - this.lo > 1
              ? `; ${nameOfParty(mover)} claims the state after step ${Math.floor((this.lo + this.hi) / 2)}`
              : ": one step left";
          this.say.say(
            "move",
            `${nameOfParty(mover)} ${agree ? "agrees with" : "disputes"} ${nameOfParty(
              mover === "proposer" ? "challenger" : "proposer",
            )}'s claim at step ${mid} → range (${this.lo}, ${this.hi}]${next}`,
            e.gasUsed,
          );
          break;
        }
        case "GameResolved": {
          this.over = true;
          this.winner = PARTIES[Number(e.args.winner)];
          const game = await this.w.rollup.contract.game(e.args.gameId);
          if (e.args.byStep) {
            this.steppedAt = Number(game.lo);
            this.stepSentBy = e.from;
            const at = this.steppedAt;
            this.say.say(
              "step",
              `${this.w.nameOf(e.from)} proves step ${at} (a ${this.batch.kindOf(at)}) on Layer 1: the ` +
                `OneStepProver re-executes it from the agreed state and gets ${short(
                  this.batch.honest[at + 1],
                )}, not Mallory's ${short(this.batch.claimed[at + 1])} → ${nameOfParty(this.winner)} wins`,
              e.gasUsed,
            );
          } else {
            this.say.say("timeout", `the side to move ran out of time → ${nameOfParty(this.winner)} wins`);
          }
          break;
        }
        case "BatchesRemoved":
          this.say.note(
            `batch ${e.args.fromIndex} removed (${plural(e.args.count, "batch")} in all), ` +
              `Mallory's ${eth(STOLEN)} withdrawal with it`,
          );
          break;
        case "BondCredited":
          this.say.note(`bond credited: ${eth(e.args.amount)} to ${this.w.nameOf(e.args.account)}`);
          break;
        case "BondBurned":
          this.say.note(`bond burned: ${eth(e.args.amount)}`);
          break;
        case "CreditWithdrawn":
          this.say.note(`credit withdrawn: ${eth(e.args.amount)} by ${this.w.nameOf(e.args.account)}`);
          break;
      }
    }
  }
}

const PARTIES: Party[] = ["proposer", "challenger"];
const nameOfParty = (p: Party): string => (p === "proposer" ? "Mallory" : "the challenger");

// -------------------------------------------------------------------------------------------------
// DEMO ADVERSARY: a lying proposer (the attack of test/optimistic/adversaries.ts, copied: scripts
// never import from test/)
// -------------------------------------------------------------------------------------------------

interface LyingBatch {
  batchIndex: number;
  /** The liar's own trace: the claim after every step, which it defends in any game. */
  trace: string[];
  machine: StepMachine;
}

interface LieOptions {
  rollup: RollupClient;
  bridge: BridgeClient;
  follower: ChainFollower;
  signer: Signer;
  txs: L2Tx[];
  /** After step `lieAt` (0-based), account `beneficiary` is credited `amount` it never had; every
   * later state follows from that lie. */
  lieAt: number;
  beneficiary: number;
  amount: bigint;
}

/** A proposer that commits a batch whose claim is false, bonded like an honest one. */
async function commitLyingBatch(o: LieOptions): Promise<LyingBatch> {
  await o.follower.sync();
  const parentClaim = o.follower.tip.claim;
  const machine = o.follower.machineAfter(o.follower.tip.index);
  if (!machine) throw new DemoFlowError(`the tip (batch ${o.follower.tip.index}) is not valid`);
  const trace = [machine.claim];
  for (const [i, tx] of o.txs.entries()) {
    machine.apply(tx);
    if (i === o.lieAt) {
      const account = machine.l2.account(o.beneficiary)!;
      machine.l2.setAccount(o.beneficiary, { ...account, balance: account.balance + o.amount });
    }
    trace.push(machine.claim);
  }
  const post = machine.state;
  const queue = await o.bridge.verifiedQueue(o.rollup.address);
  const consumed = depositsUpTo(queue, post.depositHead);
  const pendingDeposits = queue
    .slice(consumed)
    .map((d) => ({ from: d.from, to: d.to, tokenId: d.tokenId, amount: d.amount, timestamp: d.timestamp }));
  const { batchIndex } = await o.rollup.commitBatch(
    o.signer,
    { parentClaim, txs: o.txs, post, pendingDeposits },
    (await o.rollup.config()).proposerBond,
  );
  return { batchIndex, trace, machine };
}

/**
 * The liar defends its lying trace by the honest solver's rules, but never runs the one-step proof
 * itself: it knows Layer 1 would re-execute the step honestly.
 */
const liarStrategy: Strategy = (game, me, trace, now) => {
  const action = decide(game, me, trace, now);
  return action.kind === "step" ? { kind: "wait", reason: "a step on Layer 1 would expose the lie" } : action;
};

function lyingPlayer(
  o: { rollup: RollupClient; follower: ChainFollower; signer: Signer },
  traces: Map<number, string[]>,
): GamePlayer {
  return new GamePlayer({
    ...o,
    strategy: liarStrategy,
    traceFor: (batchIndex) => traces.get(batchIndex) ?? o.follower.trace(batchIndex),
  });
}

// -------------------------------------------------------------------------------------------------
// The world: contracts, agents, users
// -------------------------------------------------------------------------------------------------

type User = "alice" | "bob" | "mallory";

/** A provider that also takes raw JSON-RPC calls (Hardhat's, or an ethers JsonRpcProvider). */
type RpcProvider = Provider & { send(method: string, params: unknown[]): Promise<unknown> };

export interface RollupEvent {
  name: string;
  args: Result;
  transactionHash: string;
  /** Who sent the transaction that emitted it, and the gas it used. */
  from: string;
  gasUsed: bigint;
}

/** Reads the rollup's events since the last read: what Layer 1 says each agent just did. */
export class RollupTape {
  private next = 0;

  constructor(
    private readonly rollup: RollupClient,
    private readonly provider: Provider,
  ) {}

  async skipToNow(): Promise<void> {
    this.next = (await this.provider.getBlockNumber()) + 1;
  }

  async read(): Promise<RollupEvent[]> {
    const latest = await this.provider.getBlockNumber();
    if (latest < this.next) return [];
    const logs = await this.provider.getLogs({
      address: this.rollup.address,
      fromBlock: this.next,
      toBlock: latest,
    });
    this.next = latest + 1;
    const receipts = new Map<string, { from: string; gasUsed: bigint }>();
    const events: RollupEvent[] = [];
    for (const log of logs) {
      const parsed = this.rollup.contract.interface.parseLog(log);
      if (!parsed) continue;
      let receipt = receipts.get(log.transactionHash);
      if (!receipt) {
        const r = await this.provider.getTransactionReceipt(log.transactionHash);
        if (!r) throw new DemoFlowError(`no receipt for ${log.transactionHash}`);
        receipt = { from: r.from, gasUsed: r.gasUsed };
        receipts.set(log.transactionHash, receipt);
      }
      events.push({ name: parsed.name, args: parsed.args, transactionHash: log.transactionHash, ...receipt });
    }
    return events;
  }
}

/**
 * What the users see of the sequencer's Layer-2 state: the in-process sequencer, or its JSON-RPC client
 * (`SequencerClient` has exactly these methods).
 */
export interface Layer2View {
  findAccount(owner: string, tokenId: number): Promise<number | undefined>;
  getNonce(index: number): Promise<number>;
  getBalance(index: number): Promise<bigint>;
}

/** The users' side of the flow: Layer 1, the users' wallets and what they see of Layer 2. */
export interface DemoWorld {
  s: OptimisticFlowUsers;
  provider: RpcProvider;
  bridge: Bridge;
  bridgeClient: BridgeClient;
  rollup: RollupClient;
  config: RollupConfig;
  domain: L2Domain;
  tape: RollupTape;
  layer2: Layer2View;
  newFollower(): Promise<ChainFollower>;
  nameOf(address: string): string;
  /** The user's Layer-2 account index, as the sequencer knows it. */
  accountIndex(user: User): Promise<number>;
  deposit(user: User, amount: bigint, say: Narrator): Promise<QueuedDeposit>;
  signTransfer(user: User, m: { to: number; amount: bigint; nonce?: number }): Promise<TransferTx>;
  signWithdraw(user: User, m: { recipient: string; amount: bigint; nonce?: number }): Promise<WithdrawTx>;
  /** Narrates the batches committed since the last read; returns the last one's index. */
  sayCommitted(say: Narrator, what: string): Promise<number>;
  advanceTime(seconds: number): Promise<void>;
}

/** The in-process flow's world: the users' side plus the operators as objects. */
export interface World extends DemoWorld {
  s: OptimisticFlowSigners;
  sequencer: Sequencer;
  challenger: Challenger;
  challengerFollower: ChainFollower;
  close(): Promise<void>;
}

/**
 * The users' side, on any JSON-RPC node: `operators` names the operators' addresses in the narration,
 * `layer2` answers the users' questions about Layer 2.
 */
export async function createDemoWorld(
  deployment: Deployment,
  s: OptimisticFlowUsers,
  operators: ReadonlyArray<readonly [address: string, label: string]>,
  layer2: Layer2View,
): Promise<DemoWorld> {
  const rollupAddress = deployment.contracts.OptimisticRollup;
  if (!rollupAddress) throw new DemoFlowError("the deployment has no OptimisticRollup");
  const provider = s.owner.provider as RpcProvider | null;
  if (!provider || typeof provider.send !== "function") {
    throw new DemoFlowError("the optimistic flow needs a JSON-RPC provider (it moves the chain's clock)");
  }
  const bridge = Bridge__factory.connect(deployment.contracts.Bridge, s.owner);
  const bridgeClient = new BridgeClient(deployment.contracts.Bridge, s.owner);
  const rollup = new RollupClient(rollupAddress, s.owner);
  const config = await rollup.config();
  const { chainId } = await provider.getNetwork();
  const domain = new L2Domain(chainId, rollup.address);
  const authorizer = new Eip712Authorizer(domain);
  const tape = new RollupTape(rollup, provider);
  await tape.skipToNow();

  const names = new Map<string, string>();
  const users: Record<User, Signer> = { alice: s.alice, bob: s.bob, mallory: s.mallory };
  const labels: Array<readonly [string, string]> = [
    [await s.owner.getAddress(), "the deployer"],
    ...operators,
    [await s.alice.getAddress(), "Alice"],
    [await s.bob.getAddress(), "Bob"],
    [await s.mallory.getAddress(), "Mallory"],
  ];
  for (const [address, label] of labels) names.set(address.toLowerCase(), label);
  const nameOf = (address: string) => names.get(address.toLowerCase()) ?? short(address);
  const owners = {} as Record<User, string>;
  for (const user of Object.keys(users) as User[])
    owners[user] = ownerOfAddress(await users[user].getAddress());
  const accountIndex = async (user: User): Promise<number> => {
    const index = await layer2.findAccount(owners[user], 0);
    if (index === undefined) throw new DemoFlowError(`${user} has no Layer-2 account`);
    return index;
  };

  return {
    s,
    provider,
    bridge,
    bridgeClient,
    rollup,
    config,
    domain,
    tape,
    layer2,
    newFollower: () => ChainFollower.create(rollup, provider, authorizer),
    nameOf,
    accountIndex,
    async deposit(user, amount, say) {
      const { deposit, receipt } = await bridgeClient.depositEth(users[user], {
        rollup: rollup.address,
        to: owners[user],
        amount,
      });
      say.say(
        "deposit",
        `${nameOf(await users[user].getAddress())} escrows ${eth(amount)} in the bridge: deposit ` +
          `#${deposit.index} in the rollup's queue, head ${short(deposit.head)}`,
        receipt.gasUsed,
      );
      return deposit;
    },
    async signTransfer(user, m) {
      const from = await accountIndex(user);
      const nonce = m.nonce ?? (await layer2.getNonce(from));
      const signature = await domain.signTransfer(users[user], { from, to: m.to, amount: m.amount, nonce });
      return { kind: "transfer", from, to: m.to, amount: m.amount, signature };
    },
    async signWithdraw(user, m) {
      const from = await accountIndex(user);
      const nonce = m.nonce ?? (await layer2.getNonce(from));
      const signature = await domain.signWithdraw(users[user], {
        from,
        recipient: m.recipient,
        amount: m.amount,
        nonce,
      });
      return { kind: "withdraw", from, recipient: m.recipient, amount: m.amount, signature };
    },
    async sayCommitted(say, what) {
      const committed = (await tape.read()).filter((e) => e.name === "BatchCommitted");
      if (committed.length === 0) throw new DemoFlowError("no batch was committed");
      for (const e of committed) {
        say.say(
          "commitBatch",
          `${what}: batch ${e.args.batchIndex}, ${plural(e.args.stepCount, "step")}, claim ${short(
            e.args.claim,
          )}, ` + `bonded ${eth(config.proposerBond)} by ${nameOf(e.args.proposer)}`,
          e.gasUsed,
        );
      }
      return Number(committed[committed.length - 1].args.batchIndex);
    },
    async advanceTime(seconds) {
      await provider.send("evm_increaseTime", [seconds]);
      await provider.send("evm_mine", []);
    },
  };
}

/** The in-process world: the users' side, with the sequencer and the challenger as objects. */
export async function createWorld(deployment: Deployment, s: OptimisticFlowSigners): Promise<World> {
  let sequencer: Sequencer | undefined;
  const accountAt = (index: number) => {
    const account = sequencer?.account(index);
    if (!account) throw new DemoFlowError(`the sequencer has no account #${index}`);
    return account;
  };
  const base = await createDemoWorld(
    deployment,
    s,
    [
      [await s.sequencer.getAddress(), "the sequencer"],
      [await s.challenger.getAddress(), "the challenger"],
    ],
    {
      findAccount: async (owner, tokenId) => sequencer?.findAccount(owner, tokenId),
      getNonce: async (index) => accountAt(index).nonce,
      getBalance: async (index) => accountAt(index).balance,
    },
  );
  const dir = await mkdtemp(join(tmpdir(), "strata-demo-sequencer-"));
  const journal = await TxJournal.open(join(dir, "journal.jsonl"));
  sequencer = await Sequencer.start({
    rollup: base.rollup,
    bridge: base.bridgeClient,
    follower: await base.newFollower(),
    journal,
    signer: s.sequencer,
    maxBatchSteps: 64,
  });
  const challengerFollower = await base.newFollower();
  const challenger = new Challenger({
    rollup: base.rollup,
    follower: challengerFollower,
    signer: s.challenger,
  });

  return {
    ...base,
    s,
    sequencer,
    challenger,
    challengerFollower,
    async close() {
      await journal.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// -------------------------------------------------------------------------------------------------
// Invariants and helpers
// -------------------------------------------------------------------------------------------------

/** Every final batch valid, bonds conserved, and the bridge solvent for what Layer 2 owes. */
export async function checkInvariants(
  w: DemoWorld,
): Promise<{ bonds: BondReport; owed: bigint; escrow: bigint }> {
  const follower = await w.newFollower();
  await follower.sync();
  assertFinalBatchesValid(follower);
  const bonds = await assertBondsConserved(w.rollup, w.provider);
  const owed = (await owedByRollup(follower, w.bridge)).get(0) ?? 0n;
  await assertBridgeSolvent(w.bridge, w.provider, {
    rollups: [w.rollup.address],
    tokens: [ZeroAddress],
    owed: () => owed,
  });
  const escrow = (await w.bridge.asset(w.rollup.address, ZeroAddress)).escrowed;
  return { bonds, owed, escrow };
}

/** The closing checks, narrated. */
export function sayInvariants(
  say: Narrator,
  { bonds, owed, escrow }: { bonds: BondReport; owed: bigint; escrow: bigint },
): void {
  say.say(
    "assertBondsConserved",
    `the rollup holds ${eth(bonds.balance)} = locked ${eth(bonds.locked)} + credit ${eth(
      bonds.credited,
    )} + burned ${eth(bonds.burned)}`,
  );
  say.say(
    "assertBridgeSolvent",
    `the rollup's escrow ${eth(escrow)} covers everything its Layer-2 state owes (${eth(owed)})`,
  );
}

export const hexOf = (tx: L2Tx): string => bytesToHex(encodeTx(tx));

export const plural = (n: bigint | number, noun: string): string =>
  `${n} ${noun}${BigInt(n) === 1n ? "" : noun.endsWith("h") ? "es" : "s"}`;
