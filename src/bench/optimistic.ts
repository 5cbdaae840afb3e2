// Costs of the optimistic rollup on a local chain: the whole-transaction gas (from receipts and the
// sequencer's events) of committing a batch and of every transaction of a dispute over a full batch, and
// how fast the off-chain agents admit transactions and rebuild the chain from Layer-1 calldata.
//
// One world serves every measurement: the suite deployed by deploySuite, USERS Layer-2 accounts funded
// through the bridge (the first batch), the optimistic stack in this process with its loops off (the
// honest sequencer and the honest challenger, ticked by hand; src/optimistic/stack.ts), and the lying
// proposer of src/optimistic/adversaries.ts. Signing is done in advance and never measured. Needs no
// special RPC method (the windows are long enough that no clock moves).
import type { Provider, Signer } from "ethers";
import { Wallet, id, parseEther } from "ethers";
import type { Deployment } from "../common/deployments";
import type { Published } from "../common/events";
import { ofType, readAllEvents } from "../common/events";
import { createLogger } from "../common/logger";
import { localAccountKey } from "../common/processes";
import { startScratchBlobArchive } from "../da/archive";
import { blobCapacity } from "../da/codec";
import { Kzg } from "../da/kzg";
import { deploySuite } from "../deploy/suite";
import { commitLyingBatch, lyingPlayer, neverStep } from "../optimistic/adversaries";
import type { ChainFollower } from "../optimistic/chain-follower";
import type { RollupTiming } from "../optimistic/config";
import { DISPUTE_GAS_PER_SIDE } from "../optimistic/config";
import type { BatchCommittedEvent, SequencerEvent } from "../optimistic/events";
import type { Sequencer } from "../optimistic/sequencer";
import type {
  DataMode,
  InProcessOptimisticStack,
  OptimisticContext,
  OptimisticDataOptions,
} from "../optimistic/stack";
import { startOptimisticStack } from "../optimistic/stack";
import { MAX_STEPS } from "../optimistic/steps";
import type { StepMachine } from "../optimistic/trace";
import { bytesToHex } from "../shared/bytes";
import { TX_BYTES, encodeTx, encodeTxs } from "../shared/codec";
import type { L2Domain } from "../shared/eip712";
import { depositData } from "../shared/deposit";
import type { L2Tx, TransferTx, WithdrawTx } from "../shared/types";
import { ownerOfAddress } from "../shared/types";
import type { LocalChain } from "./chain";
import { BenchRunError } from "./errors";
import type { Figures } from "./figures";
import { median, medianRate, medianRateAsync } from "./figures";

/** Layer-2 users, each funded with FUNDING, paying each other AMOUNT per transfer. */
const USERS = 20;
const FUNDING = parseEther("10");
const AMOUNT = parseEther("0.001");
/** The sequencer commits BATCHES batches of BATCH_STEPS transfers after the funding batch. */
const BATCH_STEPS = 256;
const BATCHES = 4;
/** Disputes are over the largest batch; the proposer's state is false from the middle step on. */
const DISPUTED_STEPS = 1024;
const LIE_AT = DISPUTED_STEPS / 2 - 1;
/** More than enough rounds (each agent acting once) for a game of ⌈log2 MAX_STEPS⌉ moves and a step. */
const MAX_ROUNDS = 40;
/** Transfers in a full blob: 126,971 payload bytes / 78 bytes (1,627). */
const FULL_BLOB_TRANSFERS = Math.floor(blobCapacity(1) / TX_BYTES.transfer);
/** Transfers admitted per timed round, and timed rounds (after one warm-up). */
const ADMISSIONS = 2_000;
const ROUNDS = 3;
/** Windows long enough that nothing closes or times out while the bench runs. */
const TIMING: RollupTiming = { challengeWindow: 3_600, inclusionWindow: 1_800, gameClock: 1_800 };

const log = createLogger({ scope: "bench:optimistic" });

/**
 * Signers 0–4: the deployer, the depositor, the sequencer (proposer), the challenger, the liar. Two worlds:
 * batches as calldata (the figures without "Blob"), then a new deployment whose batches go in blobs.
 */
export async function benchOptimistic(chain: LocalChain): Promise<Figures> {
  const bench = await createBench(chain, "calldata");
  let calldata: Figures;
  try {
    const commit = await measureCommitBatch(bench);
    // Before any dispute, so that a fresh follower rebuilds exactly the committed batches.
    const rebuild = await measureRebuild(bench, "optimistic.rebuild.txPerSec");
    const admission = await measureAdmission(bench);
    const dispute = await measureDisputes(bench);
    calldata = { ...commit, ...dispute, ...admission, ...rebuild };
  } finally {
    await bench.stop();
  }
  return { ...calldata, ...(await benchBlobs(chain)) };
}

/** The same rollup with its batches in blobs, on a new deployment (so that nothing above is disturbed). */
async function benchBlobs(chain: LocalChain): Promise<Figures> {
  const bench = await createBench(chain, "blobs");
  try {
    const commit = await measureCommitBlob(bench);
    const rebuild = await measureRebuild(bench, "optimistic.rebuildBlob.txPerSec");
    const game = await playDispute(bench, async (s) => (await s.transfers(1))[0]);
    const step = game.find((t) => t.kind === "step");
    return {
      ...commit,
      ...rebuild,
      "optimistic.stepBlob.gas": gasOfKind(game, "step"),
      "optimistic.stepBlob.openings": step?.openings ?? 0,
      "optimistic.disputeBlob.totalGas": game.reduce((sum, t) => sum + t.gas, 0),
      "optimistic.disputeBlob.transactions": game.length,
    };
  } finally {
    await bench.stop();
  }
}

// -------------------------------------------------------------------------------------------------
// Measurements
// -------------------------------------------------------------------------------------------------

/** The sequencer commits BATCHES steady-state batches of BATCH_STEPS transfers; the median batch's gas. */
async function measureCommitBatch(b: Bench): Promise<Figures> {
  const { sequencer } = b;
  const signer = new TxSigner(b, (index) => sequencer.account(index)!.nonce);
  const gas: number[] = [];
  let calldataBytesPerTx = 0;
  for (let i = 0; i < BATCHES; i++) {
    const txs = await signer.transfers(BATCH_STEPS);
    for (const tx of txs) await sequencer.submit(hexOf(tx));
    const batch = await commitOne(sequencer);
    if (batch.steps !== BATCH_STEPS) {
      throw new BenchRunError(`batch ${batch.batchIndex} has ${batch.steps} steps, not ${BATCH_STEPS}`);
    }
    gas.push(Number(batch.gasUsed));
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
  const owingGas = Number((await commitOne(sequencer)).gasUsed);
  return {
    "optimistic.commitBatch.gas": batchGas,
    "optimistic.commitBatch.gasPerTx": Math.round(batchGas / BATCH_STEPS),
    "optimistic.commitBatch.gasPerTxOwingWithdrawals": Math.round(owingGas / BATCH_STEPS),
    "optimistic.commitBatch.calldataBytesPerTx": calldataBytesPerTx,
  };
}

/**
 * A full blob of transfers (FULL_BLOB_TRANSFERS, 78 bytes each) committed as one batch: its execution gas
 * and its blob gas per transfer.
 */
async function measureCommitBlob(b: Bench): Promise<Figures> {
  const { sequencer } = b;
  const signer = new TxSigner(b, (index) => sequencer.account(index)!.nonce);
  // A few more than a blob holds: the sequencer stops the batch at one blob.
  const txs = await signer.transfers(FULL_BLOB_TRANSFERS + 20);
  for (const tx of txs) await sequencer.submit(hexOf(tx));
  const batch = await commitOne(sequencer);
  if (batch.steps !== FULL_BLOB_TRANSFERS || batch.dataMode !== "blobs") {
    throw new BenchRunError(`batch ${batch.batchIndex} is ${batch.steps} steps in ${batch.dataMode}`);
  }
  const blobGas = Number(batch.blobGasUsed);
  log.info("commitBatchBlobs", { steps: batch.steps, gas: batch.gasUsed, blobGas });
  return {
    "optimistic.commitBlob.gas": Number(batch.gasUsed),
    "optimistic.commitBlob.gasPerTx": Math.round(Number(batch.gasUsed) / FULL_BLOB_TRANSFERS),
    "optimistic.commitBlob.blobGasPerTx": Math.round(blobGas / FULL_BLOB_TRANSFERS),
    "optimistic.commitBlob.transfersPerBlob": FULL_BLOB_TRANSFERS,
  };
}

/**
 * Fresh followers rebuild every committed batch from Layer 1 (calldata, or blobs from the archive, each
 * checked against its versioned hash): steps re-executed per second.
 */
async function measureRebuild(b: Bench, figure: string): Promise<Figures> {
  await b.node.sync();
  const { batches } = b.node;
  const steps = batches.reduce((sum, batch) => sum + batch.stepCount, 0);
  const followers = await Promise.all(Array.from({ length: ROUNDS + 1 }, () => b.context.newFollower()));
  const txPerSec = await medianRateAsync(steps, ROUNDS, async (round) => {
    const follower = followers[round];
    await follower.sync();
    if (follower.batches.length !== batches.length || follower.tip.verdict !== "valid") {
      throw new BenchRunError(`the rebuilt chain differs from the committed one`);
    }
  });
  log.info("rebuild", { batches: batches.length - 1, steps, txPerSec });
  return { [figure]: txPerSec };
}

/**
 * Admission throughput for pre-signed transfers at the tip: the pure path (signature check and state
 * update, `StepMachine.apply`), and the sequencer's `submit` (decoding, duplicate check, the same state
 * update, and the fsynced journal append), without the HTTP server.
 */
async function measureAdmission(b: Bench): Promise<Figures> {
  const { sequencer, node } = b;
  await node.sync();
  const machine = node.machineAfter(node.tip.index)!;
  const signer = new TxSigner(b, nonceIn(machine));
  const rounds: TransferTx[][] = [];
  for (let round = 0; round <= ROUNDS; round++) rounds.push(await signer.transfers(ADMISSIONS));

  const txPerSec = medianRate(ADMISSIONS, ROUNDS, (round) => {
    for (const tx of rounds[round]) {
      const outcome = machine.apply(tx);
      if (outcome.status === "rejected") throw new BenchRunError(`transfer rejected: ${outcome.reason}`);
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
  const recipient = b.addresses.challenger;
  const atWithdraw = await playDispute(b, (s) => s.withdraw(b.users[0], recipient));
  const deposit = await queueDeposit(b, b.users[1]);
  const atDeposit = await playDispute(b, async () => deposit);
  const game = await playDispute(b, async (s) => (await s.transfers(1))[0]);

  const moves = game.filter((t) => t.kind === "move").map((t) => t.gas);
  const gasPerSide = {
    challenger: gasFrom(game, b.addresses.challenger),
    proposer: gasFrom(game, b.addresses.liar),
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
  /** A step over blob data: the field elements it opened. */
  openings?: number;
}

/**
 * The liar (src/optimistic/adversaries.ts) commits DISPUTED_STEPS transfers from the tip with
 * `atLie(signer)` as step LIE_AT, and a false state from that step on; the honest challenger opens a game
 * and both play it out, the liar never paying for the step (`neverStep`), until the one-step proof
 * removes the batch. Returns every transaction of the game.
 */
async function playDispute(b: Bench, atLie: (signer: TxSigner) => Promise<L2Tx>): Promise<GameTx[]> {
  const { rollup, bridge } = b.context;
  const { liarFollower } = b;
  await liarFollower.sync();
  const signer = new TxSigner(b, nonceIn(liarFollower.machineAfter(liarFollower.tip.index)!));
  const txs = [
    ...(await signer.transfers(LIE_AT)),
    await atLie(signer),
    ...(await signer.transfers(DISPUTED_STEPS - LIE_AT - 1)),
  ];
  const lie = await commitLyingBatch({
    rollup,
    bridge,
    follower: liarFollower,
    signer: b.liar,
    txs,
    lieAt: LIE_AT,
    beneficiary: b.users[0].index,
    requireApplied: true,
    blobs: b.blobs,
  });
  const liar = lyingPlayer(
    { rollup, follower: liarFollower, signer: b.liar, strategy: neverStep },
    new Map([[lie.batchIndex, lie.trace]]),
  );

  const gameId = await rollup.contract.gameCount();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    await b.challenger.tick();
    await liarFollower.sync();
    await liar.playAll();
    const { status } = await rollup.game(gameId);
    if (status === "open") continue;
    if (status !== "challengerWon")
      throw new BenchRunError(`game ${gameId} ended ${status}, not challengerWon`);
    await rollup.withdrawCredit(b.challengerSigner);
    const game = await gameTransactions(b, gameId);
    log.info("dispute", { gameId, step: txs[LIE_AT].kind, gas: game.map((t) => t.gas).join(" ") });
    return game;
  }
  throw new BenchRunError(`game ${gameId} still open after ${MAX_ROUNDS} rounds`);
}

/** A deposit of AMOUNT into `user`'s account, queued on the bridge, as the step that applies it. */
async function queueDeposit(b: Bench, user: User): Promise<L2Tx> {
  const { deposit } = await b.context.bridge.depositEth(b.depositor, {
    rollup: b.context.rollup.address,
    to: ownerOfAddress(user.wallet.address),
    amount: AMOUNT,
  });
  return { kind: "deposit", accountHint: user.index, deposit: depositData(deposit) };
}

/**
 * Every transaction of game `gameId`, from the rollup's own events on Layer 1: each one's receipt gives
 * its sender and gas.
 */
async function gameTransactions(b: Bench, gameId: bigint): Promise<GameTx[]> {
  const c = b.context.rollup.contract;
  const kinds = new Map<string, GameTx["kind"]>();
  for (const event of await c.queryFilter(c.filters.ChallengeOpened(gameId))) {
    kinds.set(event.transactionHash, "challenge");
  }
  for (const event of await c.queryFilter(c.filters.Moved(gameId))) {
    kinds.set(event.transactionHash, "move");
  }
  for (const event of await c.queryFilter(c.filters.GameResolved(gameId))) {
    if (!event.args.byStep) throw new BenchRunError(`game ${gameId} was resolved on time, not by the step`);
    kinds.set(event.transactionHash, "step");
  }
  return Promise.all(
    [...kinds].map(async ([hash, kind]) => {
      const receipt = (await b.context.provider.getTransactionReceipt(hash))!;
      const tx = kind === "step" ? await b.context.provider.getTransaction(hash) : null;
      const parsed = tx ? c.interface.parseTransaction(tx) : null;
      const openings =
        parsed?.name === "stepBlob" ? { openings: (parsed.args[1].openings as unknown[]).length } : {};
      return { kind, from: receipt.from, gas: Number(receipt.gasUsed), ...openings };
    }),
  );
}

function gasOfKind(game: GameTx[], kind: GameTx["kind"]): number {
  const tx = game.find((t) => t.kind === kind);
  if (!tx) throw new BenchRunError(`the game has no ${kind} transaction`);
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
  stack: InProcessOptimisticStack;
  /** Set when its batches go in blobs: the KZG library and the archive the lie's blobs are published to. */
  blobs?: { kzg: Kzg; archiveUrl: string };
  /** Stops the stack (and the archive). */
  stop(): Promise<void>;
  context: OptimisticContext;
  domain: L2Domain;
  users: User[];
  depositor: Signer;
  challengerSigner: Signer;
  liar: Signer;
  addresses: { challenger: string; liar: string };
  /** The stack's sequencer and challenger, ticked by hand. */
  sequencer: Sequencer;
  challenger: InProcessOptimisticStack["parties"]["challenger"];
  /** The bench's own node (the committed chain as Layer 1 holds it), and the liar's. */
  node: ChainFollower;
  liarFollower: ChainFollower;
}

/**
 * Deploys the suite, funds USERS accounts through the bridge and has the sequencer commit them. With
 * blobs, a blob archive runs in this process (the bench's chain keeps no blobs) and the proposers sign
 * with their keys (a blob transaction is signed locally): Hardhat's accounts 2 and 4.
 */
async function createBench(chain: LocalChain, dataMode: DataMode): Promise<Bench> {
  const [deployer, depositor, hardhatProposer, challengerSigner, hardhatLiar] = chain.signers;
  const deployment = await deploySuite(deployer, {
    network: chain.network,
    local: true,
    optimisticTiming: TIMING,
  });
  const inBlobs = dataMode === "blobs";
  const proposer = inBlobs
    ? new Wallet(localAccountKey(2), chain.provider as unknown as Provider)
    : hardhatProposer;
  const liar = inBlobs ? new Wallet(localAccountKey(4), chain.provider as unknown as Provider) : hardhatLiar;
  const archive = inBlobs ? await startScratchBlobArchive(chain.provider) : undefined;
  const stack = await startHandDriven(deployment, chain, {
    sequencer: proposer,
    challenger: challengerSigner,
    maxBatchSteps: inBlobs ? MAX_STEPS : BATCH_STEPS,
    dataMode,
    blobArchiveUrl: archive?.url,
  });
  const context = stack.context;
  const { bridge, rollup } = context;

  // Fixed keys, so that signatures, and with them the calldata's gas, are the same on every run.
  const wallets = Array.from({ length: USERS }, (_, i) => new Wallet(id(`strata bench user ${i}`)));
  for (const wallet of wallets) {
    const to = ownerOfAddress(wallet.address);
    await bridge.depositEth(depositor, { rollup: rollup.address, to, amount: FUNDING });
  }
  const sequencer = stack.parties.sequencer;
  const funded = await commitOne(sequencer);
  const users = wallets.map((wallet) => ({
    wallet,
    index: sequencer.findAccount(ownerOfAddress(wallet.address), 0)!,
  }));
  log.info("funded", { users: USERS, batch: funded.batchIndex });

  return {
    stack,
    blobs: archive && { kzg: await Kzg.load(), archiveUrl: archive.url },
    async stop() {
      await stack.stop();
      await archive?.stop();
    },
    context,
    domain: context.domain,
    users,
    depositor,
    challengerSigner,
    liar,
    addresses: { challenger: await challengerSigner.getAddress(), liar: await liar.getAddress() },
    sequencer,
    challenger: stack.parties.challenger,
    node: await context.newFollower(),
    liarFollower: await context.newFollower(),
  };
}

/**
 * The optimistic stack in this process, as the bench and the comparison drive it: both loops off (the
 * caller ticks `parties.sequencer` and `parties.challenger`) and credit left on the rollup (nothing is
 * sent that the caller did not ask for), the sequencer's journal in a temporary directory.
 */
export function startHandDriven(
  deployment: Deployment,
  chain: LocalChain,
  o: { sequencer: Signer; challenger: Signer; maxBatchSteps?: number } & OptimisticDataOptions,
): Promise<InProcessOptimisticStack> {
  return startOptimisticStack(deployment, chain.provider, {
    kind: "in-process",
    ...o,
    run: false,
    withdrawCredit: false,
  });
}

/** Runs one round of `sequencer` (forced: it commits whatever is pending); what it published meanwhile. */
export async function sequencerRound(
  sequencer: Sequencer,
  force: boolean,
): Promise<Published<SequencerEvent>[]> {
  const from = sequencer.events.head;
  await sequencer.tick(force);
  return (await readAllEvents(sequencer.events, from)).events;
}

/** A forced round that must commit exactly one batch: its `batchCommitted` event. */
export async function commitOne(sequencer: Sequencer): Promise<BatchCommittedEvent> {
  const committed = (await sequencerRound(sequencer, true)).filter(ofType("batchCommitted"));
  if (committed.length !== 1)
    throw new BenchRunError(`a forced round committed ${committed.length} batches, not 1`);
  return committed[0];
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
