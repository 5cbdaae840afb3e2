// The optimistic story: the real optimistic rollup end to end, narrated, with the bridge on both ends,
// told once against an `OptimisticStack` (src/optimistic/stack.ts): the sequencer and the challenger in
// this process, or as processes of their own (`npm run sequencer`, `npm run challenger`) reached over
// JSON-RPC. Either way both run their service loops; the story plays only the users and Mallory, and
// learns what the services did from their typed events (src/optimistic/events.ts) and from Layer 1.
//
// Part 1, an honest round trip: Alice and Bob deposit ETH through the bridge; the sequencer pulls the
// deposits and commits them; it admits Alice's transfer and Bob's withdrawal and refuses a replay and an
// overdraft by name; it commits them. The challenger re-executes both batches (its batchRead events say
// valid) and opens no game (Layer 1 holds none). The story moves the chain's clock past the challenge
// window; the sequencer finalizes and withdraws its bonds; the bridge pays Bob's withdrawal once and
// refuses a second payout.
//
// Part 2, a defeated fraud: Mallory, bonded like any proposer, commits a batch that lies from its fourth
// step on (it credits her money she never had, then withdraws it), with the lying proposer of
// src/optimistic/adversaries.ts. The challenger re-executes it, challenges it and bisects it against
// Mallory (who defends her lie, but never runs the one-step proof that convicts her) down to one step,
// which it proves on Layer 1: the batch is removed and Mallory's bond split between the challenger (which
// withdraws it) and the burn. The game is narrated from the challenger's events alone.
//
// Where the batches go (`dataMode`, the demo's `--data`): as calldata, in EIP-4844 blobs, or both (the
// default: part 1 in calldata, then the sequencer restarted to post in blobs for part 2, Mallory's lie in
// blobs too). A blob batch is narrated with its blob gas beside its execution gas, and the step against a
// lie in blobs opens the disputed transaction from the blob with the point-evaluation precompile. Hardhat
// keeps no blobs: there the story runs a blob archive (in this process, or as the `blob-archive` process
// beside the other services) that the sequencer publishes to and every node reads from; Anvil serves its
// own (docs/blobs.md).
//
// Bonds conserved, every final batch valid and the bridge solvent are checked along the way and at the
// end. It moves the chain's clock with evm_increaseTime / evm_mine, so it runs on any local chain:
// Hardhat in-process, `hardhat node`, Anvil.
import type { Provider, Result, Signer } from "ethers";
import { Wallet, ZeroAddress, parseEther } from "ethers";
import type { Bridge } from "../../typechain-types";
import { Bridge__factory } from "../../typechain-types";
import type { BridgeClient, QueuedDeposit } from "../bridge/client";
import { assertBridgeSolvent } from "../bridge/invariants";
import type { Deployment } from "../common/deployments";
import { StrataError } from "../common/errors";
import type { EventSource, Published } from "../common/events";
import { ofType, readAllEvents, waitForEvent } from "../common/events";
import { pollUntil } from "../common/json-rpc";
import type { RpcProvider as NodeProvider } from "../common/layer1";
import { readLogsFrom, transactionSenders } from "../common/layer1";
import type { Placement } from "../common/processes";
import { freePort, localAccountKey } from "../common/processes";
import { DEMO_USER_ACCOUNTS } from "../config/table";
import { BLOB_ARCHIVE_SERVICE, startScratchBlobArchive } from "../da/archive";
import { nodeClient, nodeServesBlobs } from "../da/sources";
import { GAS_PER_BLOB } from "../da/codec";
import { BlobNotFoundError } from "../da/errors";
import { Kzg } from "../da/kzg";
import { withProgress } from "../common/progress";
import { commitLyingBatch, lyingPlayer, neverStep } from "../optimistic/adversaries";
import type { ChainFollower } from "../optimistic/chain-follower";
import type {
  ChallengerEvent,
  CreditWithdrawnEvent,
  GameMovedEvent,
  SequencerEvent,
  StepProvedEvent,
} from "../optimistic/events";
import type { BondReport } from "../optimistic/invariants";
import { assertBondsConserved, assertFinalBatchesValid, owedByRollup } from "../optimistic/invariants";
import type { RollupClient, RollupConfig } from "../optimistic/rollup-client";
import type { SequencerSide, TxReceipt } from "../optimistic/rpc-server";
import type { Party } from "../optimistic/solver";
import type { DataMode, OptimisticStack, OptimisticTuning } from "../optimistic/stack";
import { startOptimisticStack } from "../optimistic/stack";
import { bytesToHex } from "../shared/bytes";
import { encodeTx } from "../shared/codec";
import type { L2Domain } from "../shared/eip712";
import type { L2Tx, TransferTx, WithdrawTx, WithdrawalData } from "../shared/types";
import { ownerOfAddress } from "../shared/types";
import type { DemoDataMode } from "./flows";
import { DemoAccountsError, signersAt } from "./flows";
import type { Narrator } from "./narrator";
import { eth, short } from "./narrator";
import { refusal, revertName } from "../common/outcomes";

export class DemoFlowError extends StrataError {}

/** A service did not do its part in time. */
export class ServiceTimeoutError extends DemoFlowError {}

/** Who plays in the story: the deployer (who only reads), two users and the adversary. */
export interface OptimisticUsers {
  owner: Signer;
  alice: Signer;
  bob: Signer;
  mallory: Signer;
}

/** One move of the bisection game, as the challenger's events drew it (`gameMoved`). */
export interface MoveRecord {
  mover: Party;
  agree: boolean;
  /** The disputed range after the move: both sides agree on the state after step `lo`. */
  lo: number;
  hi: number;
}

/** Where a committed batch's transactions went, from its Layer-1 events and receipt. */
export interface BatchData {
  inBlobs: boolean;
  /** Blobs it carried (0 for calldata). */
  blobs: number;
  /** Blob gas its commit paid for (EIP-4844: GAS_PER_BLOB per blob), beside `gasUsed`, its execution gas. */
  blobGasUsed: bigint;
  gasUsed: bigint;
  /** The payload's length in bytes (blob batches). */
  payloadLength?: number;
}

export interface RoundTripResult {
  /** Batch indices the sequencer committed (deposits, then the signed transactions). */
  batches: number[];
  /** Where each of `batches` went. */
  batchData: BatchData[];
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
  /** Where Mallory's lying batch went. */
  batchData: BatchData;
  stepCount: number;
  /** The step after which Mallory's state is false (0-based). */
  lieAt: number;
  stolen: bigint;
  challengerVerdict: string;
  moves: MoveRecord[];
  /** The step proven on Layer 1, and who sent the proof. */
  steppedAt: number | undefined;
  stepSentBy: string | undefined;
  /**
   * The rollup function that proved it (`step` for calldata, `stepBlob` for blobs) and, for `stepBlob`,
   * how many field elements it opened with the point-evaluation precompile: read from its transaction.
   */
  stepFunction: string | undefined;
  stepOpenings: number;
  winner: Party | undefined;
  /** The rollup's batch count after the game: equal to `batchIndex` once the batch is removed. */
  batchCountAfter: number;
  bond: bigint;
  /** Every bond Layer 1 credited to each (withdrawn or not). */
  challengerCredit: bigint;
  malloryCredit: bigint;
  burned: bigint;
}

export interface OptimisticStoryResult {
  dataMode: DemoDataMode;
  roundTrip: RoundTripResult;
  fraud: FraudResult;
  bonds: BondReport;
  owed: bigint;
  escrow: bigint;
}

export interface OptimisticStoryOptions {
  /** How long to wait for a service to do its part (default 60 s). */
  timeoutMs?: number;
  /** As processes: the sequencer's port (default: a free one). */
  sequencerPort?: number;
  /** Where the batches go (default `both`, as `npm run demo`): see DEMO_DATA_MODES (./flows.ts). */
  dataMode?: DemoDataMode;
  /**
   * A blob archive the caller runs (and keeps after the story, e.g. to read the blob batches again): the
   * story uses it instead of starting its own (default: its own on Hardhat, none on Anvil).
   */
  blobArchiveUrl?: string;
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
/** How often the story looks again, and plays Mallory's round. */
const POLL_MS = 250;

// -------------------------------------------------------------------------------------------------
// The stack the demo runs the story against
// -------------------------------------------------------------------------------------------------

/** How the demo's services run: a batch once its oldest transaction is 2 s old, the challenger every 0.5 s. */
export const DEMO_TUNING: Required<OptimisticTuning> = {
  maxBatchSteps: 256,
  maxBatchAgeMs: 2_000,
  sequencerPollMs: 250,
  challengerPollMs: 500,
};

/** The local accounts whose keys the services run with as processes: the in-process signers' too. */
export const OPTIMISTIC_SERVICE_ACCOUNTS = { sequencer: 1, challenger: 2 } as const;

/**
 * Starts the sequencer and the challenger for the demo: in this process (with `signers`' accounts
 * `OPTIMISTIC_SERVICE_ACCOUNTS`; a sequencer posting in blobs signs locally with its account's key), or as
 * processes of `placement.services`. `blobArchiveUrl`: where both read blob batches (and the sequencer
 * publishes them).
 */
async function startOptimisticDemoStack(
  deployment: Deployment,
  provider: NodeProvider,
  placement: Placement,
  signers: readonly Signer[],
  o: { dataMode: DataMode; blobArchiveUrl?: string; sequencerPort?: number },
): Promise<OptimisticStack> {
  const data = { dataMode: o.dataMode, blobArchiveUrl: o.blobArchiveUrl };
  if (placement.kind === "in-process") {
    const { sequencer, challenger } = OPTIMISTIC_SERVICE_ACCOUNTS;
    const [sequencerSigner, challengerSigner] = signersAt(signers, sequencer, challenger);
    return startOptimisticStack(deployment, provider, {
      kind: "in-process",
      sequencer:
        o.dataMode === "blobs" ? await localWallet(sequencerSigner, sequencer, provider) : sequencerSigner,
      challenger: challengerSigner,
      ...data,
      ...DEMO_TUNING,
    });
  }
  return withProgress(
    `starting the sequencer (posting ${o.dataMode === "blobs" ? "in blobs" : "calldata"}) and the challenger ` +
      `(npm run sequencer, npm run challenger)`,
    () =>
      startOptimisticStack(deployment, provider, {
        kind: "processes",
        services: placement.services,
        sequencerKey: localAccountKey(OPTIMISTIC_SERVICE_ACCOUNTS.sequencer),
        challengerKey: localAccountKey(OPTIMISTIC_SERVICE_ACCOUNTS.challenger),
        sequencerPort: o.sequencerPort,
        ...data,
        ...DEMO_TUNING,
      }),
    { hint: "each `hardhat run` loads the project, then rebuilds the rollup from Layer 1" },
  );
}

/**
 * The local wallet of `signer`'s account, default account `index` of the local chains' mnemonic: a blob
 * transaction is signed locally (a node's `eth_sendTransaction` takes no blobs).
 */
async function localWallet(signer: Signer, index: number, provider: Provider): Promise<Wallet> {
  const wallet = new Wallet(localAccountKey(index), provider);
  const address = await signer.getAddress();
  if (address.toLowerCase() !== wallet.address.toLowerCase()) {
    throw new DemoAccountsError(
      `account #${index} is ${address}, not the default mnemonic's ${wallet.address}: blob batches are ` +
        `signed locally, with the default accounts' keys`,
    );
  }
  return wallet;
}

/** Where the story's blob batches are kept and read, and how it says so. */
interface BlobStore {
  /** The blob archive's URL; undefined when the node serves its own blobs (Anvil). */
  url?: string;
  /** For the narration. */
  where: string;
  stop(): Promise<void>;
}

/**
 * Where this chain's blobs can be read: Anvil serves the blobs it mined (`anvil_getBlobByHash`); Hardhat
 * keeps none, so a blob archive is started, in this process or as the `blob-archive` process of
 * `placement.services`.
 */
async function startBlobStore(provider: NodeProvider, placement: Placement): Promise<BlobStore> {
  const client = await nodeClient(provider);
  if (await nodeServesBlobs(provider)) {
    return { where: "Anvil's own blob API (anvil_getBlobByHash)", stop: async () => undefined };
  }
  if (placement.kind === "in-process") {
    const archive = await startScratchBlobArchive(provider);
    return {
      url: archive.url,
      where: `the blob archive at ${archive.url} (in this process: ${client} keeps no blobs)`,
      stop: () => archive.stop(),
    };
  }
  const { services } = placement;
  const port = await freePort();
  const spec = { task: "blob-archive", flags: { port: String(port) }, url: `http://127.0.0.1:${port}` };
  await withProgress(`starting the blob archive (${services.commandFor(spec)})`, () =>
    services.start(BLOB_ARCHIVE_SERVICE, spec),
  );
  return {
    url: spec.url,
    where: `the blob archive at ${spec.url} (${services.commandFor(spec)}: ${client} keeps no blobs)`,
    stop: () => services.stop(BLOB_ARCHIVE_SERVICE),
  };
}

// -------------------------------------------------------------------------------------------------
// The story
// -------------------------------------------------------------------------------------------------

/**
 * The optimistic flow of the demo (a `DemoRunner`): starts the demo's stack on `placement` (and, for blob
 * batches on Hardhat, a blob archive), runs parts 1 and 2 against it with the owner (account #0 of
 * `signers`), Alice, Bob and Mallory (#3 to #5), and stops what it started. With `dataMode` `both` the
 * stack is restarted between the parts, its sequencer posting in blobs from then on.
 */
export async function runOptimisticDemo(
  deployment: Deployment,
  provider: NodeProvider,
  placement: Placement,
  signers: readonly Signer[],
  say: Narrator,
  options: OptimisticStoryOptions = {},
): Promise<OptimisticStoryResult> {
  const dataMode = options.dataMode ?? "both";
  const timeoutMs = options.timeoutMs ?? 60_000;
  const [owner, alice, bob, signer5] = signersAt(signers, 0, 3, 4, DEMO_USER_ACCOUNTS.mallory);
  const blobs =
    dataMode === "calldata"
      ? undefined
      : options.blobArchiveUrl
        ? {
            url: options.blobArchiveUrl,
            where: `the blob archive at ${options.blobArchiveUrl}`,
            stop: async () => {},
          }
        : await startBlobStore(provider, placement);
  const start = (mode: DataMode) =>
    startOptimisticDemoStack(deployment, provider, placement, signers, {
      dataMode: mode,
      blobArchiveUrl: blobs?.url,
      sequencerPort: options.sequencerPort,
    });
  let stack: OptimisticStack | undefined;
  try {
    // Mallory posts her lie in blobs with her own key.
    const mallory = blobs ? await localWallet(signer5, DEMO_USER_ACCOUNTS.mallory, provider) : signer5;
    const users = { owner, alice, bob, mallory };
    const first: DataMode = dataMode === "blobs" ? "blobs" : "calldata";
    stack = await start(first);
    let w = await createOptimisticScene(stack, users, timeoutMs, { mode: first, blobs });
    sayStage(w, say);
    const roundTrip = await runRoundTrip(w, say);
    if (dataMode === "both") {
      await stack.stop();
      stack = await start("blobs");
      w = await createOptimisticScene(stack, users, timeoutMs, { mode: "blobs", blobs });
      say.title("Optimistic rollup: the same rollup, its batches now in blobs (EIP-4844)");
      say.note("the sequencer and the challenger restart; the sequencer now posts every batch in blobs");
      sayDataMode(w, say);
    }
    const fraud = await runDefeatedFraud(w, say);
    const invariants = await checkInvariants(w);
    sayInvariants(say, invariants);
    return { dataMode, roundTrip, fraud, ...invariants };
  } finally {
    await stack?.stop();
    await blobs?.stop();
  }
}

/** Where the operators run, and where the batches go. */
function sayStage(w: StoryScene, say: Narrator): void {
  const { stack } = w;
  if (stack.mode === "processes") {
    say.title(
      `Optimistic rollup on ${stack.context.deployment.network}: the operators run as processes of their own`,
    );
    say.note(
      `the sequencer (account #${OPTIMISTIC_SERVICE_ACCOUNTS.sequencer}) serves JSON-RPC at ` +
        `${stack.urls.sequencer}; the challenger (account #${OPTIMISTIC_SERVICE_ACCOUNTS.challenger}) follows ` +
        `Layer 1 and serves its events at ${stack.urls.challenger}`,
    );
  }
  sayDataMode(w, say);
}

function sayDataMode(w: StoryScene, say: Narrator): void {
  if (w.dataMode === "calldata") {
    say.note("batches go as calldata: each commitBatch carries its transactions in its own input");
    return;
  }
  say.note(
    "batches go in blobs (EIP-4844): each commitBatchBlobs is a type-3 transaction whose blobs carry the " +
      "transactions; the rollup records their versioned hashes (BLOBHASH)",
  );
  say.note(
    `every node reads them from ${w.blobs!.where}, each blob checked against its versioned hash on Layer 1`,
  );
}

// -------------------------------------------------------------------------------------------------
// Part 1: the honest round trip
// -------------------------------------------------------------------------------------------------

async function runRoundTrip(w: StoryScene, say: Narrator): Promise<RoundTripResult> {
  const { side, timeoutMs } = w;
  await untilDepositCommitted(w, await depositForRoundTrip(w, say));
  const first = await w.sayCommitted(say, "the sequencer pulls both deposits from the bridge's queue");
  const sent = await sendRoundTripTxs(w, say);
  for (const { hash } of [sent.transfer, sent.withdraw])
    await side.waitForStatus(hash, "committed", { timeoutMs });
  const second = await w.sayCommitted(say, "the sequencer commits the transfer and the withdrawal");
  say.note(`Alice's transfer is now ${(await side.getReceipt(sent.transfer.hash))!.status}`);
  await checkInvariants(w);

  const verdicts = await challengerVerdicts(w, [first, second]);
  const gamesOpened = Number(await w.rollup.contract.gameCount());
  sayChallengerAgrees(w, say, [first, second], verdicts, gamesOpened);
  say.note(`(the verdicts from the challenger's batchRead events; Layer 1 holds ${gamesOpened} games)`);

  await closeChallengeWindow(w, say);
  const withdrawReceipt = await side.waitForStatus(sent.withdraw.hash, "final", { timeoutMs });
  await untilCreditWithdrawn(w, w.stack.sequencerEvents, w.sequencerCursor, "the sequencer");
  const batchData = [first, second].map((index) => w.committed.get(index)!);
  return finishRoundTrip(w, say, sent, withdrawReceipt, {
    batches: [first, second],
    batchData,
    verdicts,
    gamesOpened,
  });
}

/** Part 1's title and terms, then Alice's and Bob's deposits; returns Bob's (the last). */
async function depositForRoundTrip(w: StoryScene, say: Narrator): Promise<QueuedDeposit> {
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
interface RoundTripTxs {
  aliceIndex: number;
  bobIndex: number;
  transfer: TxReceipt;
  withdraw: TxReceipt;
  replayRefused: string | undefined;
  overdraftRefused: string | undefined;
}

/** Alice's signed transfer to Bob, the same transfer again (a replay), Bob's overdraft and Bob's withdrawal. */
async function sendRoundTripTxs(w: StoryScene, say: Narrator): Promise<RoundTripTxs> {
  const submit = (encoded: string) => w.side.sendTransaction(encoded);
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

  const bobAddress = await w.users.bob.getAddress();
  const withdraw = await submit(
    hexOf(await w.signWithdraw("bob", { recipient: bobAddress, amount: WITHDRAWAL })),
  );
  say.say("withdraw", `Bob signs a withdrawal of ${eth(WITHDRAWAL)} to his Layer-1 address`);
  return { aliceIndex, bobIndex, transfer, withdraw, replayRefused, overdraftRefused };
}

/** The challenger's verdict on the honest batches: it re-executed them and opened no game. */
function sayChallengerAgrees(
  w: OptimisticScene,
  say: Narrator,
  batches: readonly number[],
  verdicts: readonly string[],
  gamesOpened: number,
): void {
  say.say(
    "sync",
    `the challenger reads batches ${batches[0]}-${batches[batches.length - 1]} back from ` +
      `${dataSource(w, batches[batches.length - 1])} and re-executes them: ${verdicts.join(", ")}; ${
        gamesOpened === 0 ? "nothing to challenge" : `${gamesOpened} games`
      }`,
  );
}

/** Moves the chain's clock past the challenge window of every batch committed so far. */
export async function closeChallengeWindow(w: OptimisticScene, say: Narrator): Promise<void> {
  await w.advanceTime(w.config.challengeWindow + 1);
  say.note(`evm_increaseTime ${w.config.challengeWindow + 1} s: the challenge window closes unchallenged`);
}

/** Narrates a `finalize` from its Layer-1 events: the batches, and the bonds credited back (and withdrawn). */
export function sayFinalized(w: OptimisticScene, say: Narrator, events: readonly RollupEvent[]): number[] {
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
async function finishRoundTrip(
  w: StoryScene,
  say: Narrator,
  sent: RoundTripTxs,
  withdrawal: TxReceipt,
  seen: Pick<RoundTripResult, "batches" | "batchData" | "verdicts" | "gamesOpened">,
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
  w: StoryScene,
  say: Narrator,
  batchIndex: number,
  accounts: { aliceIndex: number; bobIndex: number },
): Promise<Pick<RoundTripResult, "withdrawal" | "paidToBob" | "secondPayoutRefused" | "layer2" | "escrow">> {
  const { users, rollup } = w;
  const bobsNode = await w.newFollower();
  await bobsNode.sync();
  const bobAddress = await users.bob.getAddress();
  const leaf = bobsNode
    .withdrawalsOf(batchIndex)
    .findIndex((x) => x.recipient.toLowerCase() === bobAddress.toLowerCase() && x.amount === WITHDRAWAL);
  if (leaf < 0) throw new DemoFlowError(`batch ${batchIndex} owes Bob no withdrawal`);
  const withdrawal = bobsNode.withdrawalsOf(batchIndex)[leaf];
  const proof = bobsNode.withdrawalProof(batchIndex, leaf);
  const payout = () =>
    w.bridgeClient.finalizeWithdrawal(users.bob, { rollup: rollup.address, batchIndex, withdrawal, proof });
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
    alice: await w.side.getBalance(accounts.aliceIndex),
    bob: await w.side.getBalance(accounts.bobIndex),
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

async function runDefeatedFraud(w: StoryScene, say: Narrator): Promise<FraudResult> {
  say.title("Optimistic rollup, part 2: a false batch → challenge → move … → step");
  await untilDepositCommitted(w, await w.deposit("mallory", MALLORY_DEPOSIT, say));
  await w.sayCommitted(say, "the sequencer commits Mallory's deposit");
  const lie = await commitMallorysLie(w, say);

  const { event: challenged } = await waitForEvent(
    w.stack.challengerEvents,
    ofType("challenged", (e) => e.batchIndex === lie.batchIndex),
    {
      from: w.challengerCursor,
      timeoutMs: w.timeoutMs,
      pollMs: POLL_MS,
      what: `a challenge of batch ${lie.batchIndex}`,
    },
  );
  const [verdict] = await challengerVerdicts(w, [lie.batchIndex]);
  say.say(
    "sync",
    `the challenger re-executes batch ${lie.batchIndex} from ${dataSource(w, lie.batchIndex, "its")}: it leads to ` +
      `${short(challenged.honest)}, not the claimed ${short(challenged.claimed)}: ${verdict}`,
  );

  const game = await playOutGame(w, say, lie, challenged);
  const [batchCountAfter, burned] = await Promise.all([
    w.rollup.contract.batchCount(),
    w.rollup.contract.burned(),
  ]);
  const credits = {
    challenger: await creditedTo(w, w.stack.operators.challenger),
    mallory: await creditedTo(w, await w.users.mallory.getAddress()),
  };
  // It withdraws in the round that won, so from the challenge on (before its node read how the game ended).
  await untilCreditWithdrawn(w, w.stack.challengerEvents, challenged.seq, "the challenger");
  sayBonds(w, say, await w.tape.read());
  say.note(
    `credit: challenger ${eth(credits.challenger)} (its bond back + half of Mallory's), Mallory ` +
      `${eth(credits.mallory)}; burned ${eth(burned)}; the tip is batch ${batchCountAfter - 1n} again`,
  );
  return {
    batchIndex: lie.batchIndex,
    batchData: w.committed.get(lie.batchIndex)!,
    stepCount: lie.stepCount,
    lieAt: LIE_AT,
    stolen: STOLEN,
    challengerVerdict: verdict,
    moves: game.moves,
    steppedAt: game.steppedAt,
    stepSentBy: game.stepSentBy,
    stepFunction: game.stepFunction,
    stepOpenings: game.stepOpenings,
    winner: game.winner,
    batchCountAfter: Number(batchCountAfter),
    bond: w.config.proposerBond,
    challengerCredit: credits.challenger,
    malloryCredit: credits.mallory,
    burned,
  };
}

/** Mallory's lying batch on Layer 1, her trace of it, and the node she plays the game from. */
interface MalloryLie {
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
async function commitMallorysLie(w: StoryScene, say: Narrator): Promise<MalloryLie> {
  const malloryIndex = await w.accountIndex("mallory");
  const aliceIndex = await w.accountIndex("alice");
  const txs: L2Tx[] = [];
  let nonce = await w.side.getNonce(malloryIndex);
  for (let i = 0; i < LIE_TRANSFERS; i++) {
    txs.push(await w.signTransfer("mallory", { to: aliceIndex, amount: MALLORY_TRANSFER, nonce: nonce++ }));
  }
  txs.push(
    await w.signWithdraw("mallory", { recipient: await w.users.mallory.getAddress(), amount: STOLEN, nonce }),
  );
  const follower = await w.newFollower();
  const blobs = w.dataMode === "blobs" ? { kzg: await Kzg.load(), archiveUrl: w.blobs?.url } : undefined;
  const lie = await commitLyingBatch({
    rollup: w.rollup,
    bridge: w.bridgeClient,
    follower,
    signer: w.users.mallory,
    txs,
    lieAt: LIE_AT,
    beneficiary: malloryIndex,
    amount: STOLEN,
    blobs,
  });
  const stepCount = txs.length;
  const committed = (await w.readCommitted()).get(lie.batchIndex);
  if (!committed) throw new DemoFlowError(`Mallory's batch ${lie.batchIndex} is not on Layer 1`);
  say.say(
    commitVerb(committed),
    `Mallory, bonded ${eth(w.config.proposerBond)} like any proposer, commits batch ${lie.batchIndex}: ` +
      `${LIE_TRANSFERS} transfers to Alice and a withdrawal of ${eth(STOLEN)}${inBlobsText(committed)}`,
    committed.gasUsed,
    committed.inBlobs ? committed.blobGasUsed : undefined,
  );
  say.note(
    `the lie: after step ${LIE_AT} her state credits her ${eth(STOLEN)} she never had, so the withdrawal ` +
      `at step ${stepCount - 1} goes through; every claim from step ${LIE_AT + 1} on is false`,
  );
  return { batchIndex: lie.batchIndex, stepCount, txs, trace: lie.trace, follower };
}

/** How the game went, as the challenger's events told it. */
interface GameRecord {
  moves: MoveRecord[];
  steppedAt: number | undefined;
  stepSentBy: string | undefined;
  stepFunction: string | undefined;
  stepOpenings: number;
  winner: Party | undefined;
}

/**
 * Mallory defends her lie round by round (the lying player of src/optimistic/adversaries.ts, who never
 * runs the step that convicts her) while the challenger plays its own rounds; the game is narrated from
 * the challenger's events (which show both sides' moves: its node reads every move on Layer 1) until it
 * is resolved and the batch is removed.
 */
async function playOutGame(
  w: StoryScene,
  say: Narrator,
  lie: MalloryLie,
  challenged: Published<Extract<ChallengerEvent, { type: "challenged" }>>,
): Promise<GameRecord> {
  const liar = lyingPlayer(
    { rollup: w.rollup, follower: lie.follower, signer: w.users.mallory, strategy: neverStep },
    new Map([[lie.batchIndex, lie.trace]]),
  );
  const honest = (await w.observe()).trace(lie.batchIndex);
  const record: GameRecord = {
    moves: [],
    steppedAt: undefined,
    stepSentBy: undefined,
    stepFunction: undefined,
    stepOpenings: 0,
    winner: undefined,
  };
  const gameId = challenged.gameId;
  let cursor = challenged.seq;
  let step: StepProvedEvent | undefined;
  let over = false;
  const narrate = async (e: Published<ChallengerEvent>) => {
    if (!("gameId" in e) || e.gameId !== gameId) {
      if (e.type === "batchesRemoved" && e.fromIndex <= lie.batchIndex) {
        say.note(
          `batch ${e.fromIndex} removed (${plural(e.count, "batch")} in all), Mallory's ${eth(STOLEN)} withdrawal with it`,
        );
        over = record.winner !== undefined;
      }
      return;
    }
    switch (e.type) {
      case "gameOpened":
        say.say(
          "challenge",
          `the challenger bonds ${eth(w.config.challengerBond)} against batch ${e.batchIndex} (game ${e.gameId}), ` +
            `disputing steps (0, ${e.steps}]; it claims the state after step ${e.at}`,
          BigInt(e.gasUsed),
        );
        break;
      case "gameMoved":
        record.moves.push({ mover: e.as, agree: e.agree, lo: e.lo, hi: e.hi });
        sayMove(say, e);
        break;
      case "stepProved":
        step = e;
        break;
      case "gameResolved":
        record.winner = e.winner;
        if (e.byStep && step) {
          record.steppedAt = step.step;
          record.stepSentBy = step.by;
          const at = step.step;
          const proof = await readStepProof(w, step.l1TxHash);
          record.stepFunction = proof.name;
          record.stepOpenings = proof.openings;
          const opened =
            proof.name === "stepBlob"
              ? `with stepBlob: the transaction is in no calldata, so it opens the ${plural(
                  proof.openings,
                  "field element",
                )} of the blob that hold it with the point-evaluation precompile (0x0A) against the ` +
                `batch's versioned hash; the OneStepProver `
              : `; the OneStepProver `;
          say.say(
            proof.name,
            `${w.nameOf(step.by)} proves step ${at} (a ${lie.txs[at].kind}) on Layer 1 ${opened}` +
              `re-executes it from the agreed state and gets ${short(honest[at + 1])}, not Mallory's ` +
              `${short(lie.trace[at + 1])} → ${nameOfParty(e.winner)} wins`,
            BigInt(step.gasUsed),
          );
        } else {
          say.say(
            "timeout",
            `the side to move ran out of time → ${nameOfParty(e.winner)} wins`,
            BigInt(e.gasUsed),
          );
        }
        break;
    }
  };
  const deadline = Date.now() + w.timeoutMs;
  while (!over) {
    if (Date.now() > deadline) {
      throw new ServiceTimeoutError(
        `the game against batch ${lie.batchIndex} is still open after ${w.timeoutMs / 1000} s`,
      );
    }
    await lie.follower.sync();
    await liar.playAll();
    const { events, cursor: next } = await readAllEvents(w.stack.challengerEvents, cursor);
    cursor = next;
    for (const e of events) await narrate(e);
    if (!over) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return record;
}

function sayMove(say: Narrator, e: GameMovedEvent): void {
  const next =
    e.hi - e.lo > 1
      ? `; ${nameOfParty(e.as)} claims the state after step ${Math.floor((e.lo + e.hi) / 2)}`
      : ": one step left";
  say.say(
    "move",
    `${nameOfParty(e.as)} ${e.agree ? "agrees with" : "disputes"} ${nameOfParty(
      e.as === "proposer" ? "challenger" : "proposer",
    )}'s claim at step ${e.at} → range (${e.lo}, ${e.hi}]${next}`,
    BigInt(e.gasUsed),
  );
}

/** What the game did to bonds, from Layer 1: credited, burned, withdrawn. */
function sayBonds(w: StoryScene, say: Narrator, events: readonly RollupEvent[]): void {
  for (const e of events) {
    if (e.name === "BondCredited")
      say.note(`bond credited: ${eth(e.args.amount)} to ${w.nameOf(e.args.account)}`);
    if (e.name === "BondBurned") say.note(`bond burned: ${eth(e.args.amount)}`);
    if (e.name === "CreditWithdrawn") {
      say.note(`credit withdrawn: ${eth(e.args.amount)} by ${w.nameOf(e.args.account)}`);
    }
  }
}

const nameOfParty = (p: Party): string => (p === "proposer" ? "Mallory" : "the challenger");

/** Which rollup function the step transaction `hash` called, and how many field elements it opened. */
async function readStepProof(w: StoryScene, hash: string): Promise<{ name: string; openings: number }> {
  const tx = await w.provider.getTransaction(hash);
  const call = tx && w.rollup.contract.interface.parseTransaction({ data: tx.data, value: tx.value });
  if (!call) throw new DemoFlowError(`the step transaction ${hash} is not a call of the rollup`);
  return { name: call.name, openings: call.name === "stepBlob" ? call.args.proof.openings.length : 0 };
}

/** Where a node read batch `index`'s transactions from, for the narration. */
function dataSource(w: OptimisticScene, index: number, their = "their"): string {
  return w.committed.get(index)?.inBlobs
    ? `${their} blobs (each checked against its versioned hash on Layer 1)`
    : `${their} commitBatch calldata`;
}

/** The rollup function that committed a batch: the verb the narration names it by. */
const commitVerb = (data: BatchData): string => (data.inBlobs ? "commitBatchBlobs" : "commitBatch");

/** ", in 2 blobs (1,234 payload bytes), not calldata" for a blob batch. */
function inBlobsText(data: BatchData): string {
  return data.inBlobs
    ? `, in ${plural(data.blobs, "blob")} (${data.payloadLength!.toLocaleString("en-US")} payload bytes), ` +
        `not calldata: it pays blob gas beside its execution gas`
    : "";
}

// -------------------------------------------------------------------------------------------------
// Waiting for the services
// -------------------------------------------------------------------------------------------------

function waitFor<T>(w: StoryScene, what: string, read: () => Promise<T>, done: (value: T) => boolean) {
  return pollUntil(read, done, () => new ServiceTimeoutError(`${what}: not within ${w.timeoutMs / 1000} s`), {
    timeoutMs: w.timeoutMs,
    pollMs: POLL_MS,
  });
}

/** Until a batch on Layer 1 has taken in `deposit` (and every deposit queued before it). */
async function untilDepositCommitted(w: StoryScene, deposit: QueuedDeposit): Promise<void> {
  await waitFor(
    w,
    `the sequencer commits deposit #${deposit.index}`,
    async () => (await w.observe()).tip.post.depositHead.toLowerCase(),
    (head) => head === deposit.head.toLowerCase(),
  );
}

/** Until the service whose events are `source` publishes, after event `from`, that it withdrew its credit. */
async function untilCreditWithdrawn(
  w: StoryScene,
  source: EventSource<SequencerEvent> | EventSource<ChallengerEvent>,
  from: number,
  who: string,
): Promise<void> {
  await waitForEvent<SequencerEvent | ChallengerEvent, Published<CreditWithdrawnEvent>>(
    source,
    ofType<SequencerEvent | ChallengerEvent, "creditWithdrawn">("creditWithdrawn"),
    { from, timeoutMs: w.timeoutMs, pollMs: POLL_MS, what: `${who} withdrawing its credit` },
  );
}

/** The challenger's verdict on each batch, from its batchRead events (its latest on each). */
async function challengerVerdicts(w: StoryScene, batches: readonly number[]): Promise<string[]> {
  const verdicts = new Map<number, string>();
  await waitFor(
    w,
    `the challenger reads batches ${batches.join(", ")}`,
    async () => {
      const { events } = await readAllEvents(w.stack.challengerEvents, w.verdictCursor);
      for (const e of events) if (e.type === "batchRead") verdicts.set(e.batchIndex, e.verdict);
      w.verdictCursor = events.at(-1)?.seq ?? w.verdictCursor;
      return verdicts;
    },
    (seen) => batches.every((index) => seen.has(index)),
  );
  return batches.map((index) => verdicts.get(index)!);
}

/** Every bond Layer 1 ever credited to `account` (withdrawn or not). */
async function creditedTo(w: StoryScene, account: string): Promise<bigint> {
  const c = w.rollup.contract;
  const logs = await c.queryFilter(c.filters.BondCredited(account));
  return logs.reduce((total, log) => total + log.args.amount, 0n);
}

// -------------------------------------------------------------------------------------------------
// The scene: Layer 1, the users' wallets and what they see of Layer 2
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

/** Reads the rollup's events since the last read: what Layer 1 says each party just did. */
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
    const range = await readLogsFrom(this.provider, this.rollup.address, this.next);
    if (!range) return [];
    this.next = range.toBlock + 1;
    const senderOf = transactionSenders(this.provider, (hash) => new DemoFlowError(`no receipt for ${hash}`));
    const events: RollupEvent[] = [];
    for (const log of range.logs) {
      const parsed = this.rollup.contract.interface.parseLog(log);
      if (!parsed) continue;
      const { transactionHash } = log;
      events.push({
        name: parsed.name,
        args: parsed.args,
        transactionHash,
        ...(await senderOf(transactionHash)),
      });
    }
    return events;
  }
}

/** The users' side of an optimistic story: Layer 1, their wallets, and the sequencer as they see it. */
export interface OptimisticScene {
  stack: OptimisticStack;
  users: OptimisticUsers;
  provider: RpcProvider;
  bridge: Bridge;
  bridgeClient: BridgeClient;
  rollup: RollupClient;
  config: RollupConfig;
  domain: L2Domain;
  tape: RollupTape;
  /** The sequencer's user surface. */
  side: SequencerSide;
  newFollower(): Promise<ChainFollower>;
  nameOf(address: string): string;
  /** The user's Layer-2 account index, as the sequencer knows it. */
  accountIndex(user: User): Promise<number>;
  deposit(user: User, amount: bigint, say: Narrator): Promise<QueuedDeposit>;
  signTransfer(user: User, m: { to: number; amount: bigint; nonce?: number }): Promise<TransferTx>;
  signWithdraw(user: User, m: { recipient: string; amount: bigint; nonce?: number }): Promise<WithdrawTx>;
  /** Where each batch committed since the scene began went (filled as the story reads Layer 1). */
  committed: Map<number, BatchData>;
  /** Reads the rollup's events since the last read; returns (and records) the batches committed among them. */
  readCommitted(): Promise<Map<number, BatchData>>;
  /** Narrates the batches committed since the last read; returns the last one's index. */
  sayCommitted(say: Narrator, what: string): Promise<number>;
  advanceTime(seconds: number): Promise<void>;
}

/** The scene of this story: also its own node, and how far it has read each service's events. */
interface StoryScene extends OptimisticScene {
  timeoutMs: number;
  /** How the stack's sequencer posts, and where blob batches are read. */
  dataMode: DataMode;
  blobs?: BlobStore;
  /** The story's own node (it rebuilds Layer 2 from Layer 1, like Bob's wallet), synced. */
  observe(): Promise<ChainFollower>;
  sequencerCursor: number;
  challengerCursor: number;
  verdictCursor: number;
}

/** The users' side of `stack`, on any JSON-RPC node; the operators named in the narration. */
export async function createOptimisticScene(
  stack: OptimisticStack,
  users: OptimisticUsers,
): Promise<OptimisticScene>;
export async function createOptimisticScene(
  stack: OptimisticStack,
  users: OptimisticUsers,
  timeoutMs: number,
  data?: { mode: DataMode; blobs?: BlobStore },
): Promise<StoryScene>;
export async function createOptimisticScene(
  stack: OptimisticStack,
  users: OptimisticUsers,
  timeoutMs = 60_000,
  data: { mode: DataMode; blobs?: BlobStore } = { mode: "calldata" },
): Promise<StoryScene> {
  const { context } = stack;
  const provider = users.owner.provider as RpcProvider | null;
  if (!provider || typeof provider.send !== "function") {
    throw new DemoFlowError("the optimistic story needs a JSON-RPC provider (it moves the chain's clock)");
  }
  const bridge = Bridge__factory.connect(context.bridge.address, users.owner);
  const { rollup, domain, bridge: bridgeClient } = context;
  const config = await rollup.config();
  const tape = new RollupTape(rollup, provider);
  await tape.skipToNow();
  const side = stack.sequencer;

  const names = new Map<string, string>();
  const wallets: Record<User, Signer> = { alice: users.alice, bob: users.bob, mallory: users.mallory };
  const labels: Array<readonly [string, string]> = [
    [await users.owner.getAddress(), "the deployer"],
    [stack.operators.sequencer, "the sequencer"],
    [stack.operators.challenger, "the challenger"],
    [await users.alice.getAddress(), "Alice"],
    [await users.bob.getAddress(), "Bob"],
    [await users.mallory.getAddress(), "Mallory"],
  ];
  for (const [address, label] of labels) names.set(address.toLowerCase(), label);
  const nameOf = (address: string) => names.get(address.toLowerCase()) ?? short(address);
  const owners = {} as Record<User, string>;
  for (const user of Object.keys(wallets) as User[])
    owners[user] = ownerOfAddress(await wallets[user].getAddress());
  const accountIndex = async (user: User): Promise<number> => {
    const index = await side.findAccount(owners[user], 0);
    if (index === undefined) throw new DemoFlowError(`${user} has no Layer-2 account`);
    return index;
  };
  const observer = await context.newFollower();
  const committed = new Map<number, BatchData>();
  const readCommittedEvents = async () => {
    const events = await tape.read();
    const fresh: { index: number; batch: BatchData; args: Result }[] = [];
    for (const e of events.filter((e) => e.name === "BatchCommitted")) {
      // A blob batch's BatchBlobs is in the same transaction as its BatchCommitted.
      const blobs = events.find(
        (b) =>
          b.name === "BatchBlobs" &&
          b.transactionHash === e.transactionHash &&
          b.args.batchIndex === e.args.batchIndex,
      );
      const count = blobs ? (blobs.args.versionedHashes as string[]).length : 0;
      const batch: BatchData = {
        inBlobs: blobs !== undefined,
        blobs: count,
        // EIP-4844: every blob costs GAS_PER_BLOB (2^17) blob gas, whatever it holds.
        blobGasUsed: BigInt(count * GAS_PER_BLOB),
        gasUsed: e.gasUsed,
        ...(blobs ? { payloadLength: Number(blobs.args.payloadLength) } : {}),
      };
      fresh.push({ index: Number(e.args.batchIndex), batch, args: e.args });
      committed.set(Number(e.args.batchIndex), batch);
    }
    return fresh;
  };
  const readCommitted = async () =>
    new Map((await readCommittedEvents()).map(({ index, batch }) => [index, batch]));
  const [sequencerCursor, challengerCursor] = await Promise.all([
    readAllEvents(stack.sequencerEvents).then((r) => r.cursor),
    readAllEvents(stack.challengerEvents).then((r) => r.cursor),
  ]);

  return {
    stack,
    users,
    provider,
    bridge,
    bridgeClient,
    rollup,
    config,
    domain,
    tape,
    side,
    timeoutMs,
    dataMode: data.mode,
    blobs: data.blobs,
    committed,
    readCommitted,
    sequencerCursor,
    challengerCursor,
    verdictCursor: challengerCursor,
    newFollower: () => context.newFollower(),
    async observe() {
      // The sequencer publishes a blob batch's blobs to the archive just after it commits it: a look in
      // between finds the batch on Layer 1 but not its blobs yet, and reads it on a later look.
      await observer.sync().catch((error: unknown) => {
        if (!(error instanceof BlobNotFoundError)) throw error;
      });
      return observer;
    },
    nameOf,
    accountIndex,
    async deposit(user, amount, say) {
      const { deposit, receipt } = await bridgeClient.depositEth(wallets[user], {
        rollup: rollup.address,
        to: owners[user],
        amount,
      });
      say.say(
        "deposit",
        `${nameOf(await wallets[user].getAddress())} escrows ${eth(amount)} in the bridge: deposit ` +
          `#${deposit.index} in the rollup's queue, head ${short(deposit.head)}`,
        receipt.gasUsed,
      );
      return deposit;
    },
    async signTransfer(user, m) {
      const from = await accountIndex(user);
      const nonce = m.nonce ?? (await side.getNonce(from));
      const signature = await domain.signTransfer(wallets[user], { from, to: m.to, amount: m.amount, nonce });
      return { kind: "transfer", from, to: m.to, amount: m.amount, signature };
    },
    async signWithdraw(user, m) {
      const from = await accountIndex(user);
      const nonce = m.nonce ?? (await side.getNonce(from));
      const signature = await domain.signWithdraw(wallets[user], {
        from,
        recipient: m.recipient,
        amount: m.amount,
        nonce,
      });
      return { kind: "withdraw", from, recipient: m.recipient, amount: m.amount, signature };
    },
    async sayCommitted(say, what) {
      const fresh = await readCommittedEvents();
      if (fresh.length === 0) throw new DemoFlowError("no batch was committed");
      for (const { index, batch, args } of fresh) {
        say.say(
          commitVerb(batch),
          `${what}: batch ${index}, ${plural(args.stepCount, "step")}, claim ${short(args.claim)}, ` +
            `bonded ${eth(config.proposerBond)} by ${nameOf(args.proposer)}${inBlobsText(batch)}`,
          batch.gasUsed,
          batch.inBlobs ? batch.blobGasUsed : undefined,
        );
      }
      return fresh[fresh.length - 1].index;
    },
    async advanceTime(seconds) {
      await provider.send("evm_increaseTime", [seconds]);
      await provider.send("evm_mine", []);
    },
  };
}

// -------------------------------------------------------------------------------------------------
// Invariants and helpers
// -------------------------------------------------------------------------------------------------

/** Every final batch valid, bonds conserved, and the bridge solvent for what Layer 2 owes. */
export async function checkInvariants(
  w: OptimisticScene,
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
