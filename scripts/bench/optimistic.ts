// Costs of the optimistic rollup on Hardhat's in-process chain: the whole-transaction gas (from receipts)
// of committing a batch and of every transaction of a dispute over a full batch, and how fast the
// off-chain agents admit transactions and rebuild the chain from Layer-1 calldata.
//
// One world serves every measurement: the suite deployed by deploySuite, USERS Layer-2 accounts funded
// through the bridge (the first batch), the honest sequencer, the honest challenger, and a proposer that
// lies. Signing is done in advance and never measured.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ethers } from "hardhat";
import type { Signer } from "ethers";
import { Wallet, id, parseEther } from "ethers";
import { BridgeClient } from "../../src/bridge/client";
import { deploySuite } from "../../src/common/deploy-suite";
import { createLogger } from "../../src/common/logger";
import { ChainFollower } from "../../src/optimistic/chain-follower";
import { Challenger } from "../../src/optimistic/challenger";
import type { RollupTiming } from "../../src/optimistic/config";
import { DISPUTE_GAS_PER_SIDE } from "../../src/optimistic/config";
import { TxJournal } from "../../src/optimistic/journal";
import { GamePlayer } from "../../src/optimistic/player";
import { RollupClient } from "../../src/optimistic/rollup-client";
import { Sequencer } from "../../src/optimistic/sequencer";
import type { Strategy } from "../../src/optimistic/solver";
import { decide } from "../../src/optimistic/solver";
import { MAX_STEPS } from "../../src/optimistic/steps";
import type { StepMachine } from "../../src/optimistic/trace";
import type { Authorizer } from "../../src/shared/authorizer";
import { Eip712Authorizer } from "../../src/shared/authorizer";
import { bytesToHex } from "../../src/shared/bytes";
import { encodeTx, encodeTxs } from "../../src/shared/codec";
import { L2Domain } from "../../src/shared/eip712";
import type { DepositData, L2Tx, TransferTx, WithdrawTx } from "../../src/shared/types";
import { ownerOfAddress } from "../../src/shared/types";
import type { Figures } from "./figures";
import { median, medianRate, medianRateAsync } from "./figures";
import { depositsUpTo } from "../../src/shared/deposit";

/** Layer-2 users, each funded with FUNDING, paying each other AMOUNT per transfer. */
const USERS = 20;
const FUNDING = parseEther("10");
const AMOUNT = parseEther("0.001");
/** The sequencer commits BATCHES batches of BATCH_STEPS transfers after the funding batch. */
const BATCH_STEPS = 256;
const BATCHES = 4;
/** Disputes are over the largest batch; the proposer's state is false from the middle step on. */
const DISPUTED_STEPS = MAX_STEPS;
const LIE_AT = DISPUTED_STEPS / 2 - 1;
/** More than enough rounds (each agent acting once) for a game of ⌈log2 MAX_STEPS⌉ moves and a step. */
const MAX_ROUNDS = 40;
/** Transfers admitted per timed round, and timed rounds (after one warm-up). */
const ADMISSIONS = 2_000;
const ROUNDS = 3;
/** Windows long enough that nothing closes or times out while the bench runs. */
const TIMING: RollupTiming = { challengeWindow: 3_600, inclusionWindow: 1_800, gameClock: 1_800 };

const log = createLogger({ scope: "bench:optimistic" });

export async function benchOptimistic(): Promise<Figures> {
  const bench = await createBench();
  try {
    const commit = await measureCommitBatch(bench);
    // Before any dispute, so that a fresh follower rebuilds exactly the committed batches.
    const rebuild = await measureRebuild(bench);
    const admission = await measureAdmission(bench);
    const dispute = await measureDisputes(bench);
    return { ...commit, ...dispute, ...admission, ...rebuild };
  } finally {
    await bench.sequencer.close();
  }
}

// -------------------------------------------------------------------------------------------------
// Measurements
// -------------------------------------------------------------------------------------------------

/** The sequencer commits BATCHES steady-state batches of BATCH_STEPS transfers; the median batch's gas. */
async function measureCommitBatch(b: Bench): Promise<Figures> {
  const { sequencer, follower } = b.sequencer;
  const signer = new TxSigner(b, (index) => sequencer.account(index)!.nonce);
  const gas: number[] = [];
  let calldataBytesPerTx = 0;
  for (let i = 0; i < BATCHES; i++) {
    const txs = await signer.transfers(BATCH_STEPS);
    for (const tx of txs) await sequencer.submit(hexOf(tx));
    await sequencer.tick(true);
    if (follower.tip.stepCount !== BATCH_STEPS) {
      throw new Error(`batch ${follower.tip.index} has ${follower.tip.stepCount} steps, not ${BATCH_STEPS}`);
    }
    gas.push(await gasUsed(follower.tip.transactionHash));
    calldataBytesPerTx = encodeTxs(txs).length / BATCH_STEPS;
  }
  log.info("commitBatch", { batches: BATCHES, steps: BATCH_STEPS, gas: gas.join(" ") });
  const batchGas = median(gas);

  // A batch that owes a withdrawal also stores its withdrawal root (one more storage slot).
  const user = b.users[0];
  const owing: L2Tx[] = [
    ...(await signer.transfers(BATCH_STEPS - 1)),
    await signer.withdraw(user, user.wallet.address),
  ];
  for (const tx of owing) await sequencer.submit(hexOf(tx));
  await sequencer.tick(true);
  const owingGas = await gasUsed(follower.tip.transactionHash);
  return {
    "optimistic.commitBatch.gas": batchGas,
    "optimistic.commitBatch.gasPerTx": Math.round(batchGas / BATCH_STEPS),
    "optimistic.commitBatch.gasPerTxOwingWithdrawals": Math.round(owingGas / BATCH_STEPS),
    "optimistic.commitBatch.calldataBytesPerTx": calldataBytesPerTx,
  };
}

/** Fresh followers rebuild every committed batch from Layer-1 calldata: steps re-executed per second. */
async function measureRebuild(b: Bench): Promise<Figures> {
  const { batches } = b.sequencer.follower;
  const steps = batches.reduce((sum, batch) => sum + batch.stepCount, 0);
  const followers = await Promise.all(Array.from({ length: ROUNDS + 1 }, () => b.newFollower()));
  const txPerSec = await medianRateAsync(steps, ROUNDS, async (round) => {
    const follower = followers[round];
    await follower.sync();
    if (follower.batches.length !== batches.length || follower.tip.verdict !== "valid") {
      throw new Error(`the rebuilt chain differs from the committed one`);
    }
  });
  log.info("rebuild", { batches: batches.length - 1, steps, txPerSec });
  return { "optimistic.rebuild.txPerSec": txPerSec };
}

/**
 * Admission throughput for pre-signed transfers at the tip: the pure path (signature check and state
 * update, `StepMachine.apply`), and the sequencer's `submit` (decoding, duplicate check, the same state
 * update, and the fsynced journal append), without the HTTP server.
 */
async function measureAdmission(b: Bench): Promise<Figures> {
  const { sequencer, follower } = b.sequencer;
  const machine = follower.machineAfter(follower.tip.index)!;
  const signer = new TxSigner(b, nonceIn(machine));
  const rounds: TransferTx[][] = [];
  for (let round = 0; round <= ROUNDS; round++) rounds.push(await signer.transfers(ADMISSIONS));

  const txPerSec = medianRate(ADMISSIONS, ROUNDS, (round) => {
    for (const tx of rounds[round]) {
      const outcome = machine.apply(tx);
      if (outcome.status === "rejected") throw new Error(`transfer rejected: ${outcome.reason}`);
    }
  });
  const encoded = rounds.map((txs) => txs.map(hexOf));
  const submitPerSec = await medianRateAsync(ADMISSIONS, ROUNDS, async (round) => {
    for (const tx of encoded[round]) await sequencer.submit(tx);
  });
  log.info("admission", { txPerSec, submitPerSec });
  return {
    "optimistic.sequencer.txPerSec": txPerSec,
    "optimistic.sequencer.submitPerSec": submitPerSec,
  };
}

/**
 * Three games over a DISPUTED_STEPS-step batch whose proposer lies from step LIE_AT on, so that the
 * one-step proof re-executes a withdrawal, a deposit, then a transfer. The transfer game, the headline,
 * runs last so that it is in the same steady state as the others: bonds already burned once, and the
 * challenger's winnings withdrawn after each game.
 */
async function measureDisputes(b: Bench): Promise<Figures> {
  const recipient = b.challengerSigner.address;
  const atWithdraw = await playDispute(b, (s) => s.withdraw(b.users[0], recipient));
  const deposit = await queueDeposit(b, b.users[1]);
  const atDeposit = await playDispute(b, async () => deposit);
  const game = await playDispute(b, async (s) => (await s.transfers(1))[0]);

  const moves = game.filter((t) => t.kind === "move").map((t) => t.gas);
  const gasPerSide = {
    challenger: gasFrom(game, b.challengerSigner.address),
    proposer: gasFrom(game, b.liar.address),
  };
  for (const [side, gas] of Object.entries(gasPerSide)) {
    if (BigInt(gas) > DISPUTE_GAS_PER_SIDE) {
      log.warn(`the ${side} spent more than DISPUTE_GAS_PER_SIDE: bonds are sized too small`, {
        gas,
        DISPUTE_GAS_PER_SIDE,
      });
    }
  }
  return {
    "optimistic.challenge.gas": gasOfKind(game, "challenge"),
    "optimistic.move.gas": Math.max(...moves),
    "optimistic.move.gasMedian": median(moves),
    "optimistic.step.gas": gasOfKind(game, "step"),
    "optimistic.step.gasWithdraw": gasOfKind(atWithdraw, "step"),
    "optimistic.step.gasDeposit": gasOfKind(atDeposit, "step"),
    "optimistic.dispute.totalGas": game.reduce((sum, t) => sum + t.gas, 0),
    "optimistic.dispute.transactions": game.length,
    "optimistic.dispute.gasPerSide.challenger": gasPerSide.challenger,
    "optimistic.dispute.gasPerSide.proposer": gasPerSide.proposer,
  };
}

// -------------------------------------------------------------------------------------------------
// The dispute
// -------------------------------------------------------------------------------------------------

/** One transaction of a game, as its receipt reports it. */
interface GameTx {
  kind: "challenge" | "move" | "step";
  from: string;
  gas: number;
}

/**
 * The liar commits DISPUTED_STEPS transfers from the tip with `atLie(signer)` as step LIE_AT, and a
 * false state from that step on; the honest challenger opens a game and both play it out, until the
 * one-step proof removes the batch. Returns every transaction of the game.
 */
async function playDispute(b: Bench, atLie: (signer: TxSigner) => Promise<L2Tx>): Promise<GameTx[]> {
  const { rollup, liarFollower } = b;
  await liarFollower.sync();
  const signer = new TxSigner(b, nonceIn(liarFollower.machineAfter(liarFollower.tip.index)!));
  const txs = [
    ...(await signer.transfers(LIE_AT)),
    await atLie(signer),
    ...(await signer.transfers(DISPUTED_STEPS - LIE_AT - 1)),
  ];
  const lie = await commitLyingBatch(b, txs);
  const liar = new GamePlayer({
    rollup,
    follower: liarFollower,
    signer: b.liar,
    traceFor: (batchIndex) => (batchIndex === lie.batchIndex ? lie.trace : liarFollower.trace(batchIndex)),
    strategy: neverStep,
  });

  const gameId = await rollup.contract.gameCount();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    await b.challenger.tick();
    await liarFollower.sync();
    await liar.playAll();
    const { status } = await rollup.game(gameId);
    if (status === "open") continue;
    if (status !== "challengerWon") throw new Error(`game ${gameId} ended ${status}, not challengerWon`);
    await rollup.withdrawCredit(b.challengerSigner);
    const game = await gameTransactions(b, gameId);
    log.info("dispute", { gameId, step: txs[LIE_AT].kind, gas: game.map((t) => t.gas).join(" ") });
    return game;
  }
  throw new Error(`game ${gameId} still open after ${MAX_ROUNDS} rounds`);
}

/**
 * The liar plays by the honest rules on its own (lying) trace, which tell it that the step would confirm
 * its side; but it knows better than to pay for the step that removes its batch, so the challenger
 * runs it, as DISPUTE_GAS_PER_SIDE assumes.
 */
const neverStep: Strategy = (game, me, trace, now) => {
  const action = decide(game, me, trace, now);
  return action.kind === "step" ? { kind: "wait", reason: "the step would convict me" } : action;
};

/** Commits `txs` on the tip as the liar, crediting a user 1,000 wei it never had after step LIE_AT. */
async function commitLyingBatch(b: Bench, txs: L2Tx[]): Promise<{ batchIndex: number; trace: string[] }> {
  const { rollup, liarFollower: follower } = b;
  const machine = follower.machineAfter(follower.tip.index)!;
  const trace = [machine.claim];
  for (const [step, tx] of txs.entries()) {
    const outcome = machine.apply(tx);
    if (outcome.status === "rejected") throw new Error(`step ${step} rejected: ${outcome.reason}`);
    if (step === LIE_AT) {
      const index = b.users[0].index;
      const account = machine.l2.account(index)!;
      machine.l2.setAccount(index, { ...account, balance: account.balance + 1000n });
    }
    trace.push(machine.claim);
  }
  const queue = await b.bridge.verifiedQueue(rollup.address);
  const consumed = depositsUpTo(queue, machine.depositHead);
  const { batchIndex } = await rollup.commitBatch(
    b.liar,
    {
      parentClaim: follower.tip.claim,
      txs,
      post: machine.state,
      pendingDeposits: queue.slice(consumed).map(depositData),
    },
    (await rollup.config()).proposerBond,
  );
  return { batchIndex, trace };
}

/** A deposit of AMOUNT into `user`'s account, queued on the bridge, as the step that applies it. */
async function queueDeposit(b: Bench, user: User): Promise<L2Tx> {
  const { deposit } = await b.bridge.depositEth(b.depositor, {
    rollup: b.rollup.address,
    to: ownerOfAddress(user.wallet.address),
    amount: AMOUNT,
  });
  return { kind: "deposit", accountHint: user.index, deposit: depositData(deposit) };
}

/** Every transaction of game `gameId`, from its events: each one's receipt gives its sender and gas. */
async function gameTransactions(b: Bench, gameId: bigint): Promise<GameTx[]> {
  const c = b.rollup.contract;
  const kinds = new Map<string, GameTx["kind"]>();
  for (const event of await c.queryFilter(c.filters.ChallengeOpened(gameId))) {
    kinds.set(event.transactionHash, "challenge");
  }
  for (const event of await c.queryFilter(c.filters.Moved(gameId))) {
    kinds.set(event.transactionHash, "move");
  }
  for (const event of await c.queryFilter(c.filters.GameResolved(gameId))) {
    if (!event.args.byStep) throw new Error(`game ${gameId} was resolved on time, not by the step`);
    kinds.set(event.transactionHash, "step");
  }
  return Promise.all(
    [...kinds].map(async ([hash, kind]) => {
      const receipt = (await ethers.provider.getTransactionReceipt(hash))!;
      return { kind, from: receipt.from, gas: Number(receipt.gasUsed) };
    }),
  );
}

function gasOfKind(game: GameTx[], kind: GameTx["kind"]): number {
  const tx = game.find((t) => t.kind === kind);
  if (!tx) throw new Error(`the game has no ${kind} transaction`);
  return tx.gas;
}

function gasFrom(game: GameTx[], address: string): number {
  return game
    .filter((t) => t.from.toLowerCase() === address.toLowerCase())
    .reduce((sum, t) => sum + t.gas, 0);
}

// -------------------------------------------------------------------------------------------------
// The world
// -------------------------------------------------------------------------------------------------

interface User {
  wallet: Wallet;
  /** Its ETH account on Layer 2. */
  index: number;
}

interface Bench {
  rollup: RollupClient;
  bridge: BridgeClient;
  domain: L2Domain;
  users: User[];
  depositor: HardhatEthersSigner;
  challengerSigner: HardhatEthersSigner;
  liar: HardhatEthersSigner;
  sequencer: BenchSequencer;
  challenger: Challenger;
  liarFollower: ChainFollower;
  newFollower(): Promise<ChainFollower>;
}

/** Deploys the suite, funds USERS accounts through the bridge and has the sequencer commit them. */
async function createBench(): Promise<Bench> {
  const [deployer, depositor, proposer, challengerSigner, liar] = await ethers.getSigners();
  const deployment = await deploySuite(deployer, {
    network: "hardhat",
    local: true,
    optimisticTiming: TIMING,
  });
  const rollup = new RollupClient(deployment.contracts.OptimisticRollup, deployer);
  const bridge = new BridgeClient(deployment.contracts.Bridge, deployer);
  const domain = new L2Domain(deployment.chainId, rollup.address);
  const authorizer = new Eip712Authorizer(domain);
  const newFollower = () => ChainFollower.create(rollup, ethers.provider, authorizer);

  // Fixed keys, so that signatures, and with them the calldata's gas, are the same on every run.
  const wallets = Array.from({ length: USERS }, (_, i) => new Wallet(id(`strata bench user ${i}`)));
  for (const wallet of wallets) {
    const to = ownerOfAddress(wallet.address);
    await bridge.depositEth(depositor, { rollup: rollup.address, to, amount: FUNDING });
  }
  const sequencer = await openSequencer({
    rollup,
    bridge,
    authorizer,
    signer: proposer,
    maxBatchSteps: BATCH_STEPS,
  });
  await sequencer.sequencer.tick(true);
  const users = wallets.map((wallet) => ({
    wallet,
    index: sequencer.sequencer.findAccount(ownerOfAddress(wallet.address), 0)!,
  }));
  log.info("funded", { users: USERS, batch: sequencer.follower.tip.index });

  return {
    rollup,
    bridge,
    domain,
    users,
    depositor,
    challengerSigner,
    liar,
    sequencer,
    challenger: new Challenger({ rollup, follower: await newFollower(), signer: challengerSigner }),
    liarFollower: await newFollower(),
    newFollower,
  };
}

export interface BenchSequencer {
  sequencer: Sequencer;
  /** The sequencer's own view of Layer 1: its tip is the batch last committed. */
  follower: ChainFollower;
  /** Closes the journal and removes its directory. */
  close(): Promise<void>;
}

/** An honest sequencer started from Layer 1, with its journal in a temporary directory. */
export async function openSequencer(o: {
  rollup: RollupClient;
  bridge: BridgeClient;
  authorizer: Authorizer;
  signer: Signer;
  maxBatchSteps?: number;
}): Promise<BenchSequencer> {
  const dir = mkdtempSync(join(tmpdir(), "strata-bench-"));
  const journal = await TxJournal.open(join(dir, "journal.jsonl"));
  const { authorizer, ...options } = o;
  const follower = await ChainFollower.create(o.rollup, o.signer.provider!, authorizer);
  const sequencer = await Sequencer.start({ ...options, follower, journal });
  return {
    sequencer,
    follower,
    async close() {
      await journal.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Signs the users' Layer-2 transactions, each at its sender's next nonce after those `nonceOf` gives. */
class TxSigner {
  private readonly nonces = new Map<number, number>();
  private turn = 0;

  constructor(
    private readonly b: Bench,
    private readonly nonceOf: (index: number) => number,
  ) {}

  /** `count` transfers of AMOUNT around the ring of users: each pays the next. */
  async transfers(count: number): Promise<TransferTx[]> {
    const { users, domain } = this.b;
    const txs: TransferTx[] = [];
    for (let i = 0; i < count; i++, this.turn++) {
      const from = users[this.turn % users.length];
      const to = users[(this.turn + 1) % users.length];
      const m = { from: from.index, to: to.index, amount: AMOUNT, nonce: this.nextNonce(from.index) };
      const signature = await domain.signTransfer(from.wallet, m);
      txs.push({ kind: "transfer", from: m.from, to: m.to, amount: m.amount, signature });
    }
    return txs;
  }

  /** A withdrawal of AMOUNT from `user` to `recipient` on Layer 1. */
  async withdraw(user: User, recipient: string): Promise<WithdrawTx> {
    const m = { from: user.index, recipient, amount: AMOUNT, nonce: this.nextNonce(user.index) };
    const signature = await this.b.domain.signWithdraw(user.wallet, m);
    return { kind: "withdraw", from: m.from, recipient, amount: AMOUNT, signature };
  }

  private nextNonce(index: number): number {
    const nonce = this.nonces.get(index) ?? this.nonceOf(index);
    this.nonces.set(index, nonce + 1);
    return nonce;
  }
}

/** Nonces as `machine` holds them. */
function nonceIn(machine: StepMachine): (index: number) => number {
  return (index) => machine.l2.account(index)!.nonce;
}

function hexOf(tx: L2Tx): string {
  return bytesToHex(encodeTx(tx));
}

function depositData(d: DepositData): DepositData {
  return { from: d.from, to: d.to, tokenId: d.tokenId, amount: d.amount, timestamp: d.timestamp };
}

async function gasUsed(transactionHash: string): Promise<number> {
  return Number((await ethers.provider.getTransactionReceipt(transactionHash))!.gasUsed);
}
