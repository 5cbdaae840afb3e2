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
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Provider, Result, Signer } from "ethers";
import { ZeroAddress, parseEther } from "ethers";
import type { Bridge } from "../../typechain-types";
import { Bridge__factory } from "../../typechain-types";
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
import type { Narrator } from "./narrator";
import { refusal, revertName } from "./outcomes";
import { eth, short } from "./narrator";
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
    const { bonds, owed, escrow } = await checkInvariants(world);
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
    return { roundTrip, fraud, bonds, owed, escrow };
  } finally {
    await world.close();
  }
}

// -------------------------------------------------------------------------------------------------
// Part 1: the honest round trip
// -------------------------------------------------------------------------------------------------

async function runRoundTrip(w: World, say: Narrator): Promise<RoundTripResult> {
  const { s, rollup, sequencer, challenger, config } = w;
  say.title("Optimistic rollup, part 1: deposit → commitBatch → finalize → finalizeWithdrawal");
  say.note(
    `bond ${eth(config.proposerBond)} per batch and per challenge; challenge window ${
      config.challengeWindow
    } s; game clock ${config.gameClock} s a side`,
  );

  await w.deposit("alice", ALICE_DEPOSIT, say);
  await w.deposit("bob", BOB_DEPOSIT, say);
  await sequencer.tick(true);
  const first = await w.sayCommitted(say, "the sequencer pulls both deposits from the bridge's queue");
  const aliceIndex = w.accountOf("alice");
  const bobIndex = w.accountOf("bob");
  say.note(`Alice's Layer-2 account is #${aliceIndex}, Bob's #${bobIndex}`);
  await checkInvariants(w);

  const transfer = await w.signTransfer("alice", { to: bobIndex, amount: TRANSFER });
  const accepted = await sequencer.submit(hexOf(transfer));
  say.say(
    "transfer",
    `Alice signs ${eth(TRANSFER)} to Bob (EIP-712); the sequencer answers ${accepted.status}, tx ${short(
      accepted.hash,
    )}`,
  );
  const replayRefused = await refusal(sequencer.submit(hexOf(transfer)));
  say.note(`the same signed transfer sent again: refused, ${replayRefused}`);
  const overdraft = await w.signTransfer("bob", { to: aliceIndex, amount: OVERDRAFT });
  const overdraftRefused = await refusal(sequencer.submit(hexOf(overdraft)));
  say.note(`Bob signs ${eth(OVERDRAFT)} to Alice, more than he has: refused, ${overdraftRefused}`);

  const withdraw = await w.signWithdraw("bob", { recipient: await s.bob.getAddress(), amount: WITHDRAWAL });
  const withdrawReceipt = await sequencer.submit(hexOf(withdraw));
  say.say("withdraw", `Bob signs a withdrawal of ${eth(WITHDRAWAL)} to his Layer-1 address`);
  await sequencer.tick(true);
  const second = await w.sayCommitted(say, "the sequencer commits the transfer and the withdrawal");
  say.note(`Alice's transfer is now ${sequencer.receipt(accepted.hash)!.status}`);
  await checkInvariants(w);

  await challenger.tick();
  const verdicts = [first, second].map((i) => w.challengerFollower.batches[i].verdict);
  const gamesOpened = Number(await rollup.contract.gameCount());
  say.say(
    "sync",
    `the challenger reads batches ${first}-${second} back from their commitBatch calldata and re-executes ` +
      `them: ${verdicts.join(", ")}; ${gamesOpened === 0 ? "nothing to challenge" : `${gamesOpened} games`}`,
  );

  await w.advanceTime(config.challengeWindow + 1);
  say.note(`evm_increaseTime ${config.challengeWindow + 1} s: the challenge window closes unchallenged`);
  await sequencer.tick();
  const finalized = (await w.tape.read()).filter((e) => e.name === "BatchFinalized");
  const lastFinalized = Number(await rollup.contract.lastFinalizedIndex());
  say.say(
    "finalize",
    `the sequencer finalizes batches ${finalized.map((e) => e.args.batchIndex).join(", ")}; its ` +
      `bonds come back as credit (${eth(await rollup.contract.credit(await s.sequencer.getAddress()))})`,
    finalized[0]?.gasUsed,
  );
  say.note(`Bob's withdrawal is now ${sequencer.receipt(withdrawReceipt.hash)!.status}`);
  await checkInvariants(w);

  // Bob's wallet rebuilds the batch from Layer 1 itself: it trusts no operator for the proof.
  const batchIndex = sequencer.receipt(withdrawReceipt.hash)!.batchIndex!;
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
  const before = await w.provider.getBalance(bobAddress);
  const paid = await payout();
  const paidToBob = (await w.provider.getBalance(bobAddress)) + paid.gasUsed * paid.gasPrice - before;
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
    alice: sequencer.account(aliceIndex)!.balance,
    bob: sequencer.account(bobIndex)!.balance,
  };
  say.note(
    `balances: Layer 2 Alice ${eth(layer2.alice)}, Bob ${eth(layer2.bob)}; Bob received ${eth(
      paidToBob,
    )} on Layer 1; the rollup's escrow ${eth(escrow)}`,
  );
  return {
    batches: [first, second],
    replayRefused,
    overdraftRefused,
    gamesOpened,
    verdicts,
    lastFinalized,
    withdrawal,
    paidToBob,
    secondPayoutRefused,
    layer2,
    escrow,
  };
}

// -------------------------------------------------------------------------------------------------
// Part 2: a defeated fraud
// -------------------------------------------------------------------------------------------------

async function runDefeatedFraud(w: World, say: Narrator): Promise<FraudResult> {
  const { s, rollup, sequencer, challenger, config } = w;
  say.title("Optimistic rollup, part 2: a false batch → challenge → move … → step");

  await w.deposit("mallory", MALLORY_DEPOSIT, say);
  await sequencer.tick(true);
  await w.sayCommitted(say, "the sequencer commits Mallory's deposit");
  const malloryIndex = w.accountOf("mallory");
  const aliceIndex = w.accountOf("alice");

  // Mallory's own signed transactions: small transfers to Alice, then a withdrawal of money she lacks.
  const txs: L2Tx[] = [];
  let nonce = sequencer.account(malloryIndex)!.nonce;
  for (let i = 0; i < LIE_TRANSFERS; i++) {
    txs.push(await w.signTransfer("mallory", { to: aliceIndex, amount: MALLORY_TRANSFER, nonce: nonce++ }));
  }
  txs.push(
    await w.signWithdraw("mallory", { recipient: await s.mallory.getAddress(), amount: STOLEN, nonce }),
  );
  const liarFollower = await w.newFollower();
  const lie = await commitLyingBatch({
    rollup,
    bridge: w.bridgeClient,
    follower: liarFollower,
    signer: s.mallory,
    txs,
    lieAt: LIE_AT,
    beneficiary: malloryIndex,
    amount: STOLEN,
  });
  const stepCount = txs.length;
  const committed = (await w.tape.read()).find((e) => e.name === "BatchCommitted")!;
  say.say(
    "commitBatch",
    `Mallory, bonded ${eth(config.proposerBond)} like any proposer, commits batch ${lie.batchIndex}: ` +
      `${LIE_TRANSFERS} transfers to Alice and a withdrawal of ${eth(STOLEN)}`,
    committed.gasUsed,
  );
  say.note(
    `the lie: after step ${LIE_AT} her state credits her ${eth(STOLEN)} she never had, so the withdrawal ` +
      `at step ${stepCount - 1} goes through; every claim from step ${LIE_AT + 1} on is false`,
  );

  await challenger.tick();
  const judged = w.challengerFollower.batches[lie.batchIndex];
  say.say(
    "sync",
    `the challenger re-executes batch ${lie.batchIndex} from its calldata: it leads to ` +
      `${short(judged.honestClaim!)}, not the claimed ${short(judged.claim)}: ${judged.verdict}`,
  );

  const liar = lyingPlayer(
    { rollup, follower: liarFollower, signer: s.mallory },
    new Map([[lie.batchIndex, lie.trace]]),
  );
  const game = new GameNarrator(w, say, {
    stepCount,
    kindOf: (step) => txs[step].kind,
    claimed: lie.trace,
    honest: w.challengerFollower.trace(lie.batchIndex),
  });
  await game.narrate(await w.tape.read());
  for (let round = 0; round < MAX_ROUNDS && !game.over; round++) {
    await liarFollower.sync();
    await liar.playAll();
    await game.narrate(await w.tape.read());
    if (game.over) break;
    await challenger.tick();
    await game.narrate(await w.tape.read());
  }
  if (!game.over) throw new DemoFlowError(`the game is still open after ${MAX_ROUNDS} rounds`);

  const challengerAddress = await s.challenger.getAddress();
  const malloryAddress = await s.mallory.getAddress();
  const [batchCountAfter, challengerCredit, malloryCredit, burned] = await Promise.all([
    rollup.contract.batchCount(),
    rollup.contract.credit(challengerAddress),
    rollup.contract.credit(malloryAddress),
    rollup.contract.burned(),
  ]);
  say.note(
    `credit: challenger ${eth(challengerCredit)} (its bond back + half of Mallory's), Mallory ` +
      `${eth(malloryCredit)}; burned ${eth(burned)}; the tip is batch ${batchCountAfter - 1n} again`,
  );
  return {
    batchIndex: lie.batchIndex,
    stepCount,
    lieAt: LIE_AT,
    stolen: STOLEN,
    challengerVerdict: judged.verdict,
    moves: game.moves,
    steppedAt: game.steppedAt,
    stepSentBy: game.stepSentBy,
    winner: game.winner,
    batchCountAfter: Number(batchCountAfter),
    bond: config.proposerBond,
    challengerCredit,
    malloryCredit,
    burned,
  };
}

/** Turns the game's Layer-1 events into narrated steps, and records the moves. */
class GameNarrator {
  readonly moves: MoveRecord[] = [];
  over = false;
  steppedAt: number | undefined;
  stepSentBy: string | undefined;
  winner: Party | undefined;
  private lo = 0;
  private hi: number;

  constructor(
    private readonly w: World,
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

interface RollupEvent {
  name: string;
  args: Result;
  transactionHash: string;
  /** Who sent the transaction that emitted it, and the gas it used. */
  from: string;
  gasUsed: bigint;
}

/** Reads the rollup's events since the last read: what Layer 1 says each agent just did. */
class RollupTape {
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

interface World {
  s: OptimisticFlowSigners;
  provider: RpcProvider;
  bridge: Bridge;
  bridgeClient: BridgeClient;
  rollup: RollupClient;
  config: RollupConfig;
  domain: L2Domain;
  sequencer: Sequencer;
  challenger: Challenger;
  challengerFollower: ChainFollower;
  tape: RollupTape;
  newFollower(): Promise<ChainFollower>;
  nameOf(address: string): string;
  accountOf(user: User): number;
  deposit(user: User, amount: bigint, say: Narrator): Promise<void>;
  signTransfer(user: User, m: { to: number; amount: bigint; nonce?: number }): Promise<TransferTx>;
  signWithdraw(user: User, m: { recipient: string; amount: bigint; nonce?: number }): Promise<WithdrawTx>;
  /** Narrates the batches committed since the last read; returns the last one's index. */
  sayCommitted(say: Narrator, what: string): Promise<number>;
  advanceTime(seconds: number): Promise<void>;
  close(): Promise<void>;
}

async function createWorld(deployment: Deployment, s: OptimisticFlowSigners): Promise<World> {
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
  const newFollower = () => ChainFollower.create(rollup, provider, authorizer);

  const dir = await mkdtemp(join(tmpdir(), "strata-demo-sequencer-"));
  const journal = await TxJournal.open(join(dir, "journal.jsonl"));
  const sequencer = await Sequencer.start({
    rollup,
    bridge: bridgeClient,
    follower: await newFollower(),
    journal,
    signer: s.sequencer,
    maxBatchSteps: 64,
  });
  const challengerFollower = await newFollower();
  const challenger = new Challenger({ rollup, follower: challengerFollower, signer: s.challenger });
  const tape = new RollupTape(rollup, provider);
  await tape.skipToNow();

  const names = new Map<string, string>();
  const users: Record<User, Signer> = { alice: s.alice, bob: s.bob, mallory: s.mallory };
  const labels: Array<[Signer, string]> = [
    [s.owner, "the deployer"],
    [s.sequencer, "the sequencer"],
    [s.challenger, "the challenger"],
    [s.alice, "Alice"],
    [s.bob, "Bob"],
    [s.mallory, "Mallory"],
  ];
  for (const [signer, label] of labels) names.set((await signer.getAddress()).toLowerCase(), label);
  const nameOf = (address: string) => names.get(address.toLowerCase()) ?? short(address);
  const ownerOf = async (user: User) => ownerOfAddress(await users[user].getAddress());
  const accountOf = (user: User, owner: string): number => {
    const index = sequencer.findAccount(owner, 0);
    if (index === undefined) throw new DemoFlowError(`${user} has no Layer-2 account`);
    return index;
  };
  const owners = {} as Record<User, string>;
  for (const user of Object.keys(users) as User[]) owners[user] = await ownerOf(user);
  const nonceOf = (user: User) => sequencer.account(accountOf(user, owners[user]))!.nonce;

  return {
    s,
    provider,
    bridge,
    bridgeClient,
    rollup,
    config,
    domain,
    sequencer,
    challenger,
    challengerFollower,
    tape,
    newFollower,
    nameOf,
    accountOf: (user) => accountOf(user, owners[user]),
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
    },
    async signTransfer(user, m) {
      const from = accountOf(user, owners[user]);
      const nonce = m.nonce ?? nonceOf(user);
      const signature = await domain.signTransfer(users[user], { from, to: m.to, amount: m.amount, nonce });
      return { kind: "transfer", from, to: m.to, amount: m.amount, signature };
    },
    async signWithdraw(user, m) {
      const from = accountOf(user, owners[user]);
      const nonce = m.nonce ?? nonceOf(user);
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
async function checkInvariants(w: World): Promise<{ bonds: BondReport; owed: bigint; escrow: bigint }> {
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

const hexOf = (tx: L2Tx): string => bytesToHex(encodeTx(tx));

const plural = (n: bigint | number, noun: string): string =>
  `${n} ${noun}${BigInt(n) === 1n ? "" : noun.endsWith("h") ? "es" : "s"}`;
