// The optimistic flow on a node, with the operators as separate processes: the same story as
// scripts/demo/optimistic-flow.ts, told from the users' side of the process boundary.
//
// The sequencer runs as `npm run sequencer` would run it (its own key, a free JSON-RPC port), the
// challenger as `npm run challenger` (its own key, a JSON log). This process plays only the users, and
// Mallory: it deposits through the bridge, sends signed transactions to the sequencer over JSON-RPC
// (SequencerClient), and learns everything else from Layer 1 and from the challenger's log.
//
// Part 1, an honest round trip: Alice and Bob deposit; the sequencer process pulls the deposits and
// commits them; it admits Alice's transfer and Bob's withdrawal and refuses a replay and an overdraft by
// name; it commits them. The challenger process re-executes both batches (its log says valid) and opens
// no game (Layer 1 holds none). The demo moves the chain's clock past the challenge window; the sequencer
// finalizes and withdraws its bonds; the bridge pays Bob's withdrawal once and refuses a second payout.
//
// Part 2, a defeated fraud: Mallory (this process, with the lying player of the in-process flow) commits
// a batch that lies from its fourth step on. The challenger process re-executes it, challenges it and
// bisects it against Mallory down to one step, which it proves on Layer 1: the batch is removed and
// Mallory's bond split between the challenger (which withdraws it) and the burn. The game is narrated
// from its Layer-1 events. The same invariants as in process close the flow.
import { readFile, stat } from "node:fs/promises";
import { Wallet } from "ethers";
import type { QueuedDeposit } from "../../../src/bridge/client";
import type { Deployment } from "../../../src/common/deployments";
import { StrataError } from "../../../src/common/errors";
import { pollUntil } from "../../../src/common/json-rpc";
import { withProgress } from "../../../src/common/progress";
import type { ChainFollower } from "../../../src/optimistic/chain-follower";
import { SequencerClient } from "../../../src/optimistic/rpc-server";
import type { Narrator } from "../../../src/demo/narrator";
import type {
  DemoWorld,
  FraudResult,
  OptimisticFlowResult,
  OptimisticFlowUsers,
  RoundTripResult,
} from "../optimistic-flow";
import {
  checkInvariants,
  closeChallengeWindow,
  commitMallorysLie,
  createDemoWorld,
  depositForFraud,
  depositForRoundTrip,
  finishRoundTrip,
  playOutGame,
  sayChallengerAgrees,
  sayChallengerDisagrees,
  sayInvariants,
  sendRoundTripTxs,
  settleFraud,
} from "../optimistic-flow";
import type { ServiceSet } from "../../../src/common/processes";
import { freePort, localAccountKey } from "../../../src/common/processes";

/** The demo plays the users and Mallory; the deployer only reads. */
export type OptimisticServicesParties = OptimisticFlowUsers;

/** The in-process flow's result, with the same meaning field by field. */
export type OptimisticServicesResult = OptimisticFlowResult;

export interface OptimisticServicesOptions {
  /** The local accounts whose keys the sequencer and the challenger run with (default 1 and 2). */
  sequencerAccount?: number;
  challengerAccount?: number;
  /** The sequencer's JSON-RPC port (default: a free one). */
  sequencerPort?: number;
  /** How long to wait for a service to do its part (default 60 s). */
  timeoutMs?: number;
}

/** A service did not do its part in time. */
export class ServiceTimeoutError extends StrataError {}

/** How often the demo looks again, and how often the challenger process plays a round. */
const POLL_MS = 250;
const CHALLENGER_POLL_MS = 500;
/** The sequencer commits a batch once its oldest transaction is this old. */
const MAX_BATCH_AGE_MS = 2000;

export async function runOptimisticServices(
  deployment: Deployment,
  parties: OptimisticServicesParties,
  say: Narrator,
  services: ServiceSet,
  options: OptimisticServicesOptions = {},
): Promise<OptimisticServicesResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const sequencerKey = localAccountKey(options.sequencerAccount ?? 1);
  const challengerKey = localAccountKey(options.challengerAccount ?? 2);
  const operators = {
    sequencer: new Wallet(sequencerKey).address,
    challenger: new Wallet(challengerKey).address,
  };
  const port = options.sequencerPort ?? (await freePort());
  const challengerPort = await freePort();
  const client = new SequencerClient(`http://127.0.0.1:${port}`);
  const w = await createDemoWorld(
    deployment,
    parties,
    [
      [operators.sequencer, "the sequencer"],
      [operators.challenger, "the challenger"],
    ],
    client,
  );
  const challengerLog = await ServiceLog.open(services.logFile("challenger"));
  try {
    // Both at once (each `hardhat run` takes a while); both settle before any failure is thrown, so that
    // the `finally` below stops whichever did start.
    const started = await withProgress(
      "starting the sequencer and the challenger (npm run sequencer, npm run challenger)",
      () =>
        Promise.allSettled([
          services.start("sequencer", {
            script: "sequencer.ts",
            url: `http://127.0.0.1:${port}`,
            env: {
              STRATA_PROPOSER_KEY: sequencerKey,
              STRATA_SEQUENCER_PORT: String(port),
              STRATA_MAX_BATCH_AGE_MS: String(MAX_BATCH_AGE_MS),
            },
          }),
          services.start("challenger", {
            script: "challenger.ts",
            url: `http://127.0.0.1:${challengerPort}`,
            // JSON at debug level: its verdict on every batch it reads is what the demo reports.
            env: {
              STRATA_CHALLENGER_KEY: challengerKey,
              STRATA_CHALLENGER_PORT: String(challengerPort),
              STRATA_POLL_MS: String(CHALLENGER_POLL_MS),
              STRATA_LOG_FORMAT: "json",
              STRATA_LOG_LEVEL: "debug",
            },
          }),
        ]),
      { hint: "each `hardhat run` loads the project, then rebuilds the rollup from Layer 1" },
    );
    for (const outcome of started) if (outcome.status === "rejected") throw outcome.reason;
    say.title(`Optimistic rollup on ${services.network}: the operators run as processes of their own`);
    say.note(
      `the sequencer (account #${options.sequencerAccount ?? 1}) serves JSON-RPC at ${client.url}; the ` +
        `challenger (account #${options.challengerAccount ?? 2}) follows Layer 1 and logs its verdicts`,
    );

    const o: Operators = { w, client, challengerLog, operators, timeoutMs, observer: await w.newFollower() };
    const roundTrip = await runRoundTrip(o, say);
    const fraud = await runDefeatedFraud(o, say);
    const invariants = await checkInvariants(w);
    sayInvariants(say, invariants);
    return { roundTrip, fraud, ...invariants };
  } finally {
    await Promise.all([services.stop("sequencer"), services.stop("challenger")]);
  }
}

/** What the demo sees of the operators: the sequencer's JSON-RPC, the challenger's log, Layer 1. */
interface Operators {
  w: DemoWorld;
  client: SequencerClient;
  challengerLog: ServiceLog;
  operators: { sequencer: string; challenger: string };
  timeoutMs: number;
  /** The demo's own node: it rebuilds Layer 2 from Layer 1, like Bob's wallet. */
  observer: ChainFollower;
}

// -------------------------------------------------------------------------------------------------
// Part 1: the honest round trip
// -------------------------------------------------------------------------------------------------

async function runRoundTrip(o: Operators, say: Narrator): Promise<RoundTripResult> {
  const { w, client, timeoutMs } = o;
  await untilDepositCommitted(o, await depositForRoundTrip(w, say));
  const first = await w.sayCommitted(say, "the sequencer pulls both deposits from the bridge's queue");
  const sent = await sendRoundTripTxs(w, say, (tx) => client.sendTransaction(tx));
  for (const { hash } of [sent.transfer, sent.withdraw])
    await client.waitForStatus(hash, "committed", { timeoutMs });
  const second = await w.sayCommitted(say, "the sequencer commits the transfer and the withdrawal");
  say.note(`Alice's transfer is now ${(await client.getReceipt(sent.transfer.hash))!.status}`);
  await checkInvariants(w);

  const verdicts = await challengerVerdicts(o, [first, second]);
  const gamesOpened = Number(await w.rollup.contract.gameCount());
  sayChallengerAgrees(say, [first, second], verdicts, gamesOpened);
  say.note(`(the verdicts from the challenger's log; Layer 1 holds ${gamesOpened} games)`);

  await closeChallengeWindow(w, say);
  const withdrawReceipt = await client.waitForStatus(sent.withdraw.hash, "final", { timeoutMs });
  await untilCreditWithdrawn(o, o.operators.sequencer);
  return finishRoundTrip(w, say, sent, withdrawReceipt, { batches: [first, second], verdicts, gamesOpened });
}

// -------------------------------------------------------------------------------------------------
// Part 2: a defeated fraud
// -------------------------------------------------------------------------------------------------

async function runDefeatedFraud(o: Operators, say: Narrator): Promise<FraudResult> {
  const { w, challengerLog, timeoutMs } = o;
  await untilDepositCommitted(o, await depositForFraud(w, say));
  await w.sayCommitted(say, "the sequencer commits Mallory's deposit");
  const lie = await commitMallorysLie(w, say);

  const challenge = await waitFor(
    `the challenger challenges batch ${lie.batchIndex}`,
    async () =>
      (await challengerLog.entries()).find((e) => e.message === "challenge" && e.batch === lie.batchIndex),
    (entry) => entry !== undefined,
    timeoutMs,
  );
  const [verdict] = await challengerVerdicts(o, [lie.batchIndex]);
  sayChallengerDisagrees(
    say,
    lie.batchIndex,
    { honest: String(challenge!.honest), claimed: String(challenge!.claimed) },
    verdict,
  );

  // Mallory plays her rounds from this process; the challenger process plays its own in between.
  await o.observer.sync();
  const honest = o.observer.trace(lie.batchIndex);
  const pause = () => new Promise<void>((resolve) => setTimeout(resolve, POLL_MS));
  const game = await playOutGame(w, say, lie, honest, pause, Math.ceil(timeoutMs / POLL_MS));

  const fraud = await settleFraud(w, say, lie, game, verdict, {
    challenger: await creditedTo(w, o.operators.challenger),
    mallory: await creditedTo(w, await w.s.mallory.getAddress()),
  });
  await untilCreditWithdrawn(o, o.operators.challenger);
  await game.narrate(await w.tape.read());
  return fraud;
}

// -------------------------------------------------------------------------------------------------
// Waiting for the services
// -------------------------------------------------------------------------------------------------

function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number) {
  return pollUntil(read, done, () => new ServiceTimeoutError(`${what}: not within ${timeoutMs / 1000} s`), {
    timeoutMs,
    pollMs: POLL_MS,
  });
}

/** Until a batch on Layer 1 has taken in `deposit` (and every deposit queued before it). */
async function untilDepositCommitted(o: Operators, deposit: QueuedDeposit): Promise<void> {
  await waitFor(
    `the sequencer commits deposit #${deposit.index}`,
    async () => {
      await o.observer.sync();
      return o.observer.tip.post.depositHead.toLowerCase();
    },
    (head) => head === deposit.head.toLowerCase(),
    o.timeoutMs,
  );
}

/** Until `account` has withdrawn every bond credited to it (the services do so every round). */
async function untilCreditWithdrawn(o: Operators, account: string): Promise<void> {
  await waitFor(
    `${o.w.nameOf(account)} withdraws its credit`,
    () => o.w.rollup.contract.credit(account),
    (credit) => credit === 0n,
    o.timeoutMs,
  );
}

/** The challenger's verdict on each batch, as its log reports them once it has read them. */
async function challengerVerdicts(o: Operators, batches: readonly number[]): Promise<string[]> {
  const verdictOf = (entries: readonly LogEntry[], index: number) =>
    entries.filter((e) => e.message === "batch read from Layer 1" && e.index === index).at(-1)?.verdict as
      string | undefined;
  const entries = await waitFor(
    `the challenger reads batches ${batches.join(", ")}`,
    () => o.challengerLog.entries(),
    (all) => batches.every((index) => verdictOf(all, index) !== undefined),
    o.timeoutMs,
  );
  return batches.map((index) => verdictOf(entries, index)!);
}

/** Every bond Layer 1 ever credited to `account` (withdrawn or not). */
async function creditedTo(w: DemoWorld, account: string): Promise<bigint> {
  const c = w.rollup.contract;
  const logs = await c.queryFilter(c.filters.BondCredited(account));
  return logs.reduce((total, log) => total + log.args.amount, 0n);
}

type LogEntry = { message?: unknown } & Record<string, unknown>;

/** A service's JSON log (STRATA_LOG_FORMAT=json), from where this run's lines begin. */
class ServiceLog {
  private constructor(
    private readonly file: string,
    private readonly from: number,
  ) {}

  static async open(file: string): Promise<ServiceLog> {
    return new ServiceLog(
      file,
      await stat(file).then(
        (s) => s.size,
        () => 0,
      ),
    );
  }

  async entries(): Promise<LogEntry[]> {
    let text: string;
    try {
      text = (await readFile(this.file)).subarray(this.from).toString();
    } catch {
      return [];
    }
    return text.split("\n").flatMap((line) => {
      if (!line.startsWith("{")) return [];
      try {
        return [JSON.parse(line) as LogEntry];
      } catch {
        return []; // a line still being written
      }
    });
  }
}
