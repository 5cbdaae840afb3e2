import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { AddressLike, ContractTransactionResponse } from "ethers";
import { hexlify, id, parseEther } from "ethers";
import type { Bridge, OneStepProver, OptimisticRollup } from "../../typechain-types";
import type { IOptimisticRollup } from "../../typechain-types/contracts/optimistic/OptimisticRollup";
import { BridgeClient } from "../../src/bridge/client";
import { StepsTree } from "../../src/optimistic/steps";
import type { TraceState } from "../../src/optimistic/trace";
import { StepMachine, traceBatch } from "../../src/optimistic/trace";
import type { Authorizer } from "../../src/shared/authorizer";
import { Eip712Authorizer } from "../../src/shared/authorizer";
import { encodeTxs } from "../../src/shared/codec";
import { EMPTY_QUEUE_HEAD, depositsUpTo } from "../../src/shared/deposit";
import { L2Domain } from "../../src/shared/eip712";
import type { KeccakHasher } from "../../src/shared/hasher";
import type { DepositData, DepositTx, L2Tx } from "../../src/shared/types";
import { ZERO_BYTES32, ownerOfAddress } from "../../src/shared/types";
import { signedTransfer, signedWithdraw } from "../shared/transactions";

// ---------------------------------------------------------------------------------------------------------
// Parameters: small windows so that tests travel in time cheaply
// ---------------------------------------------------------------------------------------------------------

export const CHALLENGE_WINDOW = 1000n;
export const INCLUSION_WINDOW = 500n;
export const GAME_CLOCK = 300n;
export const PROPOSER_BOND = parseEther("1");
export const CHALLENGER_BOND = parseEther("0.5");
/** Half of a loser's bond is burned (BURN_PERCENT = 50). */
export const PROPOSER_BURN = PROPOSER_BOND / 2n;
export const CHALLENGER_BURN = CHALLENGER_BOND / 2n;

/** `IOptimisticRollup.Party`, as the contract returns it. */
export const Party = { Proposer: 0n, Challenger: 1n } as const;
/** `IOptimisticRollup.GameStatus`, as the contract returns it. */
export const GameStatus = { None: 0n, Open: 1n, ProposerWon: 2n, ChallengerWon: 3n, Cancelled: 4n } as const;

export type Config = IOptimisticRollup.ConfigStruct;
export type StepProof = IOptimisticRollup.StepProofStruct;
export type Game = IOptimisticRollup.GameStructOutput;

/** The rollup's configuration with the test windows and bonds; `overrides` replace single fields. */
export function rollupConfig(bridge: string, prover: string, overrides: Partial<Config> = {}): Config {
  return {
    bridge,
    prover,
    challengeWindow: CHALLENGE_WINDOW,
    inclusionWindow: INCLUSION_WINDOW,
    gameClock: GAME_CLOCK,
    proposerBond: PROPOSER_BOND,
    challengerBond: CHALLENGER_BOND,
    ...overrides,
  };
}

/**
 * A lying state transition function: it approves every signature, so a machine run with it applies
 * thefts the one-step prover rejects. The dishonest proposer and the dishonest challenger use it.
 */
export const FORGING_AUTHORIZER: Authorizer = {
  authorizeTransfer: () => true,
  authorizeWithdraw: () => true,
};

// ---------------------------------------------------------------------------------------------------------
// Deployment
// ---------------------------------------------------------------------------------------------------------

/**
 * A bridge (owned by `owner`), the one-step prover and an optimistic rollup registered with the bridge.
 * `genesis` is the Layer-2 machine before batch 1. Machines returned by fixtures are never applied to
 * (plans clone them), so `loadFixture` may hand the same objects to every test.
 */
export async function deployOptimisticFixture() {
  const [owner, proposer, otherProposer, challenger, griefer, alice, bob, carol, stranger] =
    await ethers.getSigners();

  const bridge: Bridge = await ethers.deployContract("Bridge", [owner.address]);
  const prover: OneStepProver = await ethers.deployContract("OneStepProver");
  const config = rollupConfig(await bridge.getAddress(), await prover.getAddress());
  const rollup: OptimisticRollup = await ethers.deployContract("OptimisticRollup", [config]);
  const rollupAddress = await rollup.getAddress();
  await bridge.registerRollup(rollupAddress);

  const { chainId } = await ethers.provider.getNetwork();
  const domain = new L2Domain(chainId, rollupAddress);
  const authorizer = new Eip712Authorizer(domain);
  const genesis = await StepMachine.genesis(authorizer);

  return {
    bridge,
    bridgeClient: new BridgeClient(await bridge.getAddress(), owner),
    prover,
    rollup,
    rollupAddress,
    domain,
    authorizer,
    genesis,
    owner,
    proposer,
    otherProposer,
    challenger,
    griefer,
    alice,
    bob,
    carol,
    stranger,
    /** Everyone who may ever hold credit in the rollup. */
    bondHolders: [proposer, otherProposer, challenger, griefer, alice, bob, carol, stranger],
  };
}

export type OptimisticFixture = Awaited<ReturnType<typeof deployOptimisticFixture>>;

// ---------------------------------------------------------------------------------------------------------
// Layer 2: deposits and signed transactions
// ---------------------------------------------------------------------------------------------------------

/** Deposits `amount` wei for `user`'s own Layer-2 account; returns the deposit as the bridge queued it. */
export async function depositEth(
  f: OptimisticFixture,
  user: HardhatEthersSigner,
  amount: bigint,
): Promise<DepositData> {
  const { deposit } = await f.bridgeClient.depositEth(user, {
    rollup: f.rollupAddress,
    to: ownerOfAddress(user.address),
    amount,
  });
  return toDepositData(deposit);
}

function toDepositData(d: DepositData): DepositData {
  return { from: d.from, to: d.to, tokenId: d.tokenId, amount: d.amount, timestamp: d.timestamp };
}

export function depositTx(deposit: DepositData, accountHint: number): DepositTx {
  return { kind: "deposit", accountHint, deposit };
}

// ---------------------------------------------------------------------------------------------------------
// Batches
// ---------------------------------------------------------------------------------------------------------

/** A batch as its proposer built it: the transactions, their commitment and the proposer's trace. */
export interface BatchPlan {
  /** The machine after the parent batch; never applied to. */
  parent: StepMachine;
  txs: L2Tx[];
  steps: StepsTree;
  /** The proposer's claim after each step; claims[0] is the batch's start. */
  claims: string[];
  /** The proposer's machine after the last step: its `state` is the post-state committed. */
  end: StepMachine;
}

/** A fresh machine with `machine`'s accounts and deposit head (no withdrawals), run with `rules`. */
export function machineFrom(machine: StepMachine, rules: Authorizer): StepMachine {
  return new StepMachine(machine.l2.clone(), machine.depositHead, rules);
}

/** Runs `txs` on top of `parent` with `rules` (honest: the fixture's authorizer; liar: FORGING_AUTHORIZER). */
export function planBatch(parent: StepMachine, txs: L2Tx[], rules: Authorizer): BatchPlan {
  const end = machineFrom(parent, rules);
  const claims = traceBatch(end, txs);
  const steps = new StepsTree(parent.l2.hasher as KeccakHasher, txs);
  return { parent, txs, steps, claims, end };
}

/** The true trace of `plan`'s transactions, whatever its proposer claimed. */
export function honestTrace(f: OptimisticFixture, plan: BatchPlan): string[] {
  return traceBatch(machineFrom(plan.parent, f.authorizer), plan.txs);
}

/**
 * A trace that follows `truth` up to the state after `k` steps and makes up every later one; its last
 * claim is `last` when given (a liar's committed post-state).
 */
export function departingTrace(truth: readonly string[], k: number, last?: string): string[] {
  const n = truth.length - 1;
  return truth.map((claim, i) => (i <= k ? claim : i === n && last ? last : id(`invented state ${i}`)));
}

/** A trace that agrees on the start and makes up every later state. */
export function inventedTrace(plan: BatchPlan): string[] {
  return departingTrace(plan.claims, 0);
}

/** How many deposits of the rollup's queue lead to `depositHead`. */
export async function depositCountOf(f: OptimisticFixture, depositHead: string): Promise<number> {
  const queue = await f.bridgeClient.verifiedQueue(f.rollupAddress);
  const consumed = depositsUpTo(queue, depositHead);
  if (depositHead !== EMPTY_QUEUE_HEAD && consumed === 0) throw new Error("head not in the bridge queue");
  return consumed;
}

export interface CommitOverrides {
  parentClaim?: string;
  txs?: string;
  post?: TraceState;
  depositCount?: number;
  catchUp?: DepositData[];
  value?: bigint;
}

/** The arguments of `commitBatch` for `plan`: with the count of deposits its post-state consumed, unless overridden. */
export async function commitArgs(f: OptimisticFixture, plan: BatchPlan, o: CommitOverrides = {}) {
  const post = o.post ?? plan.end.state;
  return [
    o.parentClaim ?? plan.parent.claim,
    o.txs ?? hexlify(encodeTxs(plan.txs)),
    post,
    o.depositCount ?? (await depositCountOf(f, post.depositHead)),
    o.catchUp ?? [],
  ] as const;
}

/** `proposer` commits `plan` on the tip with PROPOSER_BOND (unless overridden). */
export async function commitPlan(
  f: OptimisticFixture,
  proposer: HardhatEthersSigner,
  plan: BatchPlan,
  o: CommitOverrides = {},
): Promise<ContractTransactionResponse> {
  const args = await commitArgs(f, plan, o);
  return f.rollup.connect(proposer).commitBatch(...args, { value: o.value ?? PROPOSER_BOND });
}

/** The true one-step proof of step `index` of `plan`: the honest state before it and what it reads. */
export function stepProof(f: OptimisticFixture, plan: BatchPlan, index: number): StepProof {
  const machine = machineFrom(plan.parent, f.authorizer);
  for (const tx of plan.txs.slice(0, index)) machine.apply(tx);
  return {
    ...plan.steps.proof(index),
    pre: machine.state,
    witness: machine.witness(plan.txs[index]),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Games
// ---------------------------------------------------------------------------------------------------------

/** One side of a game: who signs its moves and the trace it believes (or pretends to). */
export interface Player {
  signer: HardhatEthersSigner;
  claims: readonly string[];
}

export interface Players {
  proposer: Player;
  challenger: Player;
}

export const midpoint = (lo: bigint, hi: bigint): bigint => (lo + hi) / 2n;

/** The claim a player makes at `index`, zero when one step is left (`hi - lo == 1`). */
function claimAt(claims: readonly string[], lo: bigint, hi: bigint): string {
  return hi - lo > 1n ? claims[Number(midpoint(lo, hi))] : ZERO_BYTES32;
}

/** A player's move: agree iff the claim under judgement is its own; then claim its own new midpoint. */
export function decideMove(game: Game, claims: readonly string[]): { agree: boolean; claim: string } {
  const mid = midpoint(game.lo, game.hi);
  const agree = claims[Number(mid)] === game.midClaim;
  const [lo, hi] = agree ? [mid, game.hi] : [game.lo, mid];
  return { agree, claim: claimAt(claims, lo, hi) };
}

/** `challenger` challenges batch `batchIndex` (built as `plan`) believing `claims`; returns the game id. */
export async function challengeBatch(
  f: OptimisticFixture,
  challenger: HardhatEthersSigner,
  batchIndex: bigint,
  plan: BatchPlan,
  claims: readonly string[],
): Promise<bigint> {
  const gameId = await f.rollup.gameCount();
  const n = BigInt(plan.txs.length);
  await f.rollup
    .connect(challenger)
    .challenge(batchIndex, plan.parent.state, claimAt(claims, 0n, n), { value: CHALLENGER_BOND });
  return gameId;
}

/** The side to move plays one move by its trace. */
export async function playMove(f: OptimisticFixture, gameId: bigint, players: Players) {
  const game = await f.rollup.game(gameId);
  const player = game.turn === Party.Proposer ? players.proposer : players.challenger;
  const { agree, claim } = decideMove(game, player.claims);
  return f.rollup.connect(player.signer).move(gameId, agree, claim);
}

/** Both sides move by their traces until one step is left; `afterEach` runs after every move. */
export async function bisect(
  f: OptimisticFixture,
  gameId: bigint,
  players: Players,
  afterEach: () => Promise<void> = async () => {},
): Promise<Game> {
  for (;;) {
    const game = await f.rollup.game(gameId);
    if (game.hi - game.lo === 1n) return game;
    await playMove(f, gameId, players);
    await afterEach();
  }
}

/** Both sides bisect by their traces, then anyone (`stepper`) proves the last step with the true proof. */
export async function playOut(
  f: OptimisticFixture,
  gameId: bigint,
  players: Players,
  plan: BatchPlan,
  afterEach: () => Promise<void> = async () => {},
): Promise<ContractTransactionResponse> {
  const game = await bisect(f, gameId, players, afterEach);
  return f.rollup.connect(f.stranger).step(gameId, stepProof(f, plan, Number(game.lo)));
}

// ---------------------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------------------

/**
 * Bond conservation: the rollup holds exactly the bonds still locked (live batches, open games' challengers
 * and defenders) + unwithdrawn credit + burned.
 */
export async function assertBondsConserved(f: OptimisticFixture): Promise<void> {
  const { rollup } = f;
  const live = (await rollup.batchCount()) - 1n - (await rollup.lastFinalizedIndex());
  let gameBonds = 0n;
  for (let i = 0n; i < (await rollup.gameCount()); i++) {
    const game = await rollup.game(i);
    if (game.status !== GameStatus.Open) continue;
    gameBonds++;
    if (game.defenderMoves !== 0n) gameBonds++;
  }
  let credits = 0n;
  for (const holder of f.bondHolders) credits += await rollup.credit(holder);
  const locked = live * PROPOSER_BOND + gameBonds * CHALLENGER_BOND;
  expect(await ethers.provider.getBalance(rollup)).to.equal(
    locked + credits + (await rollup.burned()),
    "rollup balance ≠ locked bonds + credit + burned",
  );
}

/** Everything a reverted call must leave as it was: the chain, every game, credit, burn and ETH. */
export async function rollupLedger(f: OptimisticFixture, extra: AddressLike[] = []): Promise<string> {
  const { rollup } = f;
  const count = await rollup.batchCount();
  const batches = [];
  for (let i = 0n; i < count; i++) batches.push(await rollup.batch(i));
  const games = [];
  for (let i = 0n; i < (await rollup.gameCount()); i++) {
    games.push({ game: await rollup.game(i), defender: await rollup.defender(i) });
  }
  const credits = [];
  for (const account of [...f.bondHolders, ...extra]) credits.push(await rollup.credit(account));
  const snapshot = {
    batches,
    games,
    credits,
    lastFinalized: await rollup.lastFinalizedIndex(),
    burned: await rollup.burned(),
    balance: await ethers.provider.getBalance(rollup),
    queue: await f.bridge.depositQueue(rollup),
  };
  return JSON.stringify(snapshot, (_key, value) => (typeof value === "bigint" ? value.toString() : value));
}

// ---------------------------------------------------------------------------------------------------------
// Scenario fixtures
// ---------------------------------------------------------------------------------------------------------

export const ALICE_DEPOSIT = parseEther("2");
export const BOB_DEPOSIT = parseEther("1");
export const ALICE_TO_BOB = parseEther("0.5");
export const BOB_WITHDRAWS = parseEther("0.25");
export const STOLEN = parseEther("1");
export const BOB_TO_ALICE = parseEther("0.1");
/** The step of the first batch where the liar's trace and the true one part. */
export const THEFT_STEP = 4;

/** Alice (account 0) and Bob (account 1) deposit; the batch that consumes their deposits is below. */
export async function depositedFixture() {
  const f = await deployOptimisticFixture();
  const aliceDeposit = await depositEth(f, f.alice, ALICE_DEPOSIT);
  const bobDeposit = await depositEth(f, f.bob, BOB_DEPOSIT);
  return { ...f, aliceDeposit, bobDeposit };
}

/**
 * The six steps of the first batch: both deposits, a transfer, Bob's withdrawal, then the proposer's
 * attempt to withdraw Alice's funds to itself with its own signature (step THEFT_STEP: the true STF
 * rejects it, the forging one applies it), then a transfer back.
 */
export async function firstBatchTxs(f: Awaited<ReturnType<typeof depositedFixture>>): Promise<L2Tx[]> {
  return [
    depositTx(f.aliceDeposit, 0),
    depositTx(f.bobDeposit, 0),
    await signedTransfer(f.domain, f.alice, { from: 0, to: 1, amount: ALICE_TO_BOB, nonce: 0 }),
    await signedWithdraw(f.domain, f.bob, {
      from: 1,
      recipient: f.bob.address,
      amount: BOB_WITHDRAWS,
      nonce: 0,
    }),
    await signedWithdraw(f.domain, f.proposer, {
      from: 0,
      recipient: f.proposer.address,
      amount: STOLEN,
      nonce: 1,
    }),
    await signedTransfer(f.domain, f.bob, { from: 1, to: 0, amount: BOB_TO_ALICE, nonce: 1 }),
  ];
}

/** An honest proposer committed the first batch (index 1): the theft attempt changed nothing. */
export async function honestBatchFixture() {
  const f = await depositedFixture();
  const plan = planBatch(f.genesis, await firstBatchTxs(f), f.authorizer);
  await commitPlan(f, f.proposer, plan);
  const committedAt = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  return { ...f, plan, committedAt };
}

/**
 * A dishonest proposer committed the first batch (index 1) with its forged post-state (the theft
 * applied), and `otherProposer` built batch 2 on that lie: the forged batch's descendant.
 */
export async function forgedBatchFixture() {
  const f = await depositedFixture();
  const plan = planBatch(f.genesis, await firstBatchTxs(f), FORGING_AUTHORIZER);
  await commitPlan(f, f.proposer, plan);
  const descendantTxs = [
    await signedTransfer(f.domain, f.bob, { from: 1, to: 0, amount: BOB_TO_ALICE, nonce: 2 }),
  ];
  const descendant = planBatch(plan.end, descendantTxs, f.authorizer);
  await commitPlan(f, f.otherProposer, descendant);
  return { ...f, plan, descendant };
}

/** A griefer challenged the honest first batch claiming the theft went through (the forging trace). */
export async function honestGameFixture() {
  const f = await honestBatchFixture();
  const forged = planBatch(f.genesis, f.plan.txs, FORGING_AUTHORIZER).claims;
  const players: Players = {
    proposer: { signer: f.proposer, claims: f.plan.claims },
    challenger: { signer: f.griefer, claims: forged },
  };
  const gameId = await challengeBatch(f, f.griefer, 1n, f.plan, forged);
  return { ...f, players, gameId, openedAt: BigInt(await time.latest()) };
}

/** An honest challenger challenged the forged first batch with the true trace. */
export async function forgedGameFixture() {
  const f = await forgedBatchFixture();
  const players: Players = {
    proposer: { signer: f.proposer, claims: f.plan.claims },
    challenger: { signer: f.challenger, claims: honestTrace(f, f.plan) },
  };
  const gameId = await challengeBatch(f, f.challenger, 1n, f.plan, players.challenger.claims);
  return { ...f, players, gameId, openedAt: BigInt(await time.latest()) };
}

/** What each step of `everyKindFixture`'s second batch exercises in the one-step prover. */
export const SECOND_BATCH_STEPS = [
  "a deposit crediting an open account",
  "a deposit opening an account",
  "a transfer",
  "a withdrawal",
  "a transfer with a bad signature",
  "a second withdrawal",
  "a transfer to an unknown account",
] as const;

/**
 * The honest first batch is committed; Alice tops up and Carol deposits, and `second` is planned (not
 * committed) on top: one step of each kind the one-step prover knows, valid and rejected.
 */
export async function everyKindFixture() {
  const f = await honestBatchFixture();
  const topUp = await depositEth(f, f.alice, parseEther("0.5"));
  const carolDeposit = await depositEth(f, f.carol, parseEther("1"));
  const txs: L2Tx[] = [
    depositTx(topUp, 0),
    depositTx(carolDeposit, 0),
    await signedTransfer(f.domain, f.alice, { from: 0, to: 2, amount: parseEther("0.3"), nonce: 1 }),
    await signedWithdraw(f.domain, f.carol, {
      from: 2,
      recipient: f.carol.address,
      amount: parseEther("0.2"),
      nonce: 0,
    }),
    await signedTransfer(f.domain, f.stranger, { from: 1, to: 0, amount: parseEther("0.1"), nonce: 2 }),
    await signedWithdraw(f.domain, f.bob, {
      from: 1,
      recipient: f.bob.address,
      amount: parseEther("0.1"),
      nonce: 2,
    }),
    await signedTransfer(f.domain, f.alice, { from: 0, to: 9, amount: 1n, nonce: 2 }),
  ];
  const second = planBatch(f.plan.end, txs, f.authorizer);
  expect(second.claims.length).to.equal(SECOND_BATCH_STEPS.length + 1);
  return { ...f, second };
}
