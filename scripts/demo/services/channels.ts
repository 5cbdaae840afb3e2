// The channels flow on a node, with the operators as separate processes: the same three parts as
// scripts/demo/channels-flow.ts, the same verbs and refusals, but Bob's channel client and Bob's
// watchtower are services started exactly as `npm run channel-client` and `npm run watchtower` start
// them, and this process plays the users (Alice, the cheat of part 2, and the parties of part 3).
//
// Part 1, open → pay → close: Bob's client runs as its own process (STRATA_CHANNEL_ROLE=listen). Alice's
// client, here, opens a channel with it over its WebSocket and deposits; Bob's process deposits its share
// on its own once Alice's is in (a retried deposit of Alice's is refused by the race guard). Alice makes
// many payments, each co-signed by Bob's process and stored by both before it counts; she proposes the
// final state, Bob's process co-signs, she closes on Layer 1. Bob's process is stopped (SIGTERM) and its
// store, read from disk, holds the same final state as Alice's.
//
// Part 2, a stale registration defeated: the watchtower runs as its own process; Bob's client process
// starts again with STRATA_WATCHTOWER_URL, so every state it co-signs reaches the watchtower from his
// process (Alice's client posts nothing). Alice pays Bob but keeps her first state; Bob goes offline
// (SIGTERM); Alice registers the old state; the watchtower process sees ChallengeRegistered and refutes
// with Bob's newest state on its own, within the window; the window closes and the newest state concludes.
//
// Part 3, a multi-hop payment A → B → C settled on Layer 1 when Bob goes silent, runs as in the
// in-process flow, with every party's client in this process: the channel-client service answers a peer
// and deposits its share, but cannot pass a hashlocked payment on to a next hop (the narration says so).
//
// The invariants of src/channels/invariants.ts are checked after every part. Accounts: the demo's
// parties fund fresh channel keys (as in the in-process flow); Bob's client process signs with the local
// account CHANNELS_SERVICE_ACCOUNTS.bobClient and the watchtower with CHANNELS_SERVICE_ACCOUNTS.watchtower,
// which the demo never uses itself.
import { mkdir, mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import type { Signer, TransactionReceipt } from "ethers";
import { Wallet } from "ethers";
import type { Deployment } from "../../../src/common/deployments";
import { StrataError } from "../../../src/common/errors";
import { pollUntil } from "../../../src/common/json-rpc";
import { withProgress } from "../../../src/common/progress";
import { ETH } from "../../../src/channels/types";
import type {
  AliceBob,
  CooperativeResult,
  MultihopResult,
  OpenChannel,
  RunningClient,
  StaleCloseResult,
  World,
} from "../channels-flow";
import {
  COOP_DEPOSITS,
  DEFAULT_PAYMENTS,
  STALE_DEPOSITS,
  TITLES,
  checkRefuted,
  concludeNewest,
  cooperativeResult,
  createWorld,
  finalizeAndClose,
  finishFlow,
  payKeepingStale,
  payMany,
  refutationOf,
  registerStale,
  runMultihop,
  sameSigned,
  staleCloseResult,
  storedLatest,
} from "../channels-flow";
import type { Narrator } from "../../../src/demo/narrator";
import { eth, short } from "../../../src/demo/narrator";
import { revertName } from "../../../src/demo/outcomes";
import type { ServiceSet } from "../../../src/common/processes";
import { freePort, localAccountKey } from "../../../src/common/processes";

export class ChannelsServicesError extends StrataError {}

/**
 * The demo's own accounts: each funds a fresh channel key (Bob's funds his key of part 3, where his
 * client runs in this process).
 */
export interface ChannelsServicesParties {
  alice: Signer;
  bob: Signer;
  carol: Signer;
}

/** The local accounts (indices of the node's default accounts) the services sign with by default. */
export const CHANNELS_SERVICE_ACCOUNTS = { bobClient: 5, watchtower: 7 } as const;

export interface ChannelsServicesOptions {
  /** Off-chain payments in part 1 (default 1,000, all from Alice: Bob's process only answers). */
  payments?: number;
  /** Seconds a registered state can be refuted (default 3,600). */
  challengeDuration?: number;
  /** The local accounts the services sign with (default CHANNELS_SERVICE_ACCOUNTS). */
  accounts?: { bobClient?: number; watchtower?: number };
  /** The services' ports (default: free ones). */
  ports?: { bobClient?: number; watchtower?: number };
  /** How long to wait for a service to act (default 60 s). */
  timeoutMs?: number;
}

export interface ChannelsServicesResult {
  /** The channel keys of the parties this process plays; Bob's of part 3 is `bob`. */
  accounts: { alice: string; bob: string; carol: string; bobClient: string; watchtower: string };
  channelIds: string[];
  /** As in the in-process flow, without Bob's fsync count (his store is his process's). */
  cooperative: Omit<CooperativeResult, "fsyncs">;
  /** As in the in-process flow, without the watchtower's decisions (they are its process's). */
  staleClose: Omit<StaleCloseResult, "decisions" | "laterDecisions">;
  multihop: MultihopResult;
  invariants: { checks: number; slack: bigint };
}

const BOB_CLIENT = "channel-client-bob";
const WATCHTOWER = "watchtower";
const POLL_MS = 200;

export async function runChannelsServices(
  deployment: Deployment,
  parties: ChannelsServicesParties,
  say: Narrator,
  services: ServiceSet,
  options: ChannelsServicesOptions = {},
): Promise<ChannelsServicesResult> {
  const w = await createWorld(deployment, parties, options, say);
  let ops: Operators | undefined;
  try {
    ops = await Operators.create(w, deployment, services, options);
    say.note(
      `Bob's channel client (parts 1 and 2) and Bob's watchtower (part 2) run as separate processes on ` +
        `${services.network}, signing with ${short(ops.bobClient)} (account ` +
        `#${ops.accounts.bobClient}) and ${short(ops.watchtower)} (account #${ops.accounts.watchtower}); ` +
        `their logs are ${services.logFile(BOB_CLIENT)} and ${services.logFile(WATCHTOWER)}. Bob's key ` +
        `above is his in part 3, where his client runs in this process`,
    );
    const cooperative = await runCooperative(w, ops, say, options.payments ?? DEFAULT_PAYMENTS);
    const staleClose = await runStaleClose(w, ops, say);
    const multihop = await runMultihop(
      w,
      say,
      `what runs where: the channel-client service answers a peer and deposits its share, but cannot pass ` +
        `a hashlocked payment on to a next hop, so here Bob (the middle hop) and Carol run their channel ` +
        `clients in this process, each with its own store and WebSocket listener, as Alice does`,
    );
    const result = await finishFlow(w, say, { cooperative, staleClose, multihop });
    return {
      ...result,
      accounts: { ...result.accounts, bobClient: ops.bobClient, watchtower: ops.watchtower },
    };
  } finally {
    await ops?.stop();
    await w.close();
  }
}

// -------------------------------------------------------------------------------------------------
// Part 1: open → pay → finalize → close, Bob's client a process
// -------------------------------------------------------------------------------------------------

async function runCooperative(
  w: World,
  ops: Operators,
  say: Narrator,
  payments: number,
): Promise<ChannelsServicesResult["cooperative"]> {
  say.title(TITLES.cooperative);
  const bobUrl = await ops.startBobClient();
  say.note(
    `Bob's channel client serves ${bobUrl} from its own process (npm run channel-client, ` +
      `STRATA_CHANNEL_ROLE=listen): it joins the channels peers open and deposits its share once the ` +
      `opener's is in. Alice's client runs in this process`,
  );
  const alice = await w.startClient("alice", "cooperative");
  const ch = await openWithBobClient(w, ops, alice, bobUrl, COOP_DEPOSITS, say);

  const retriedDepositRefused = await revertName(
    w.adjudicatorOf("alice").deposit(w.wallet("alice"), ch.channelId, ETH, 0n, COOP_DEPOSITS.alice),
  );
  say.note(
    `Alice's deposit sent again with the same expectedHeld (${eth(0n)}) reverts with ` +
      `${retriedDepositRefused}: the channel holds ${eth(COOP_DEPOSITS.alice + COOP_DEPOSITS.bob)} now, ` +
      `so a retried deposit cannot fund the channel twice`,
  );

  const paymentsMade = await payMany(
    w,
    ch,
    alice.client,
    undefined,
    payments,
    () =>
      `each one is signed by Alice, checked and co-signed by Bob's process at the other end of the ` +
      `WebSocket, and written to both stores before it counts (Alice's fsync batches: ` +
      `${alice.store.fsyncs}); Bob's process only answers, so all of them go Alice → Bob. Layer 1 saw ` +
      `none of them`,
    say,
  );
  const closed = await finalizeAndClose(w, ch, alice.client, ops.bobBalance, payments, say);

  const aliceStored = await w.stopAndReopen(alice, ch.channelId);
  await ops.stopBobClient();
  const bobStored = await storedLatest(ops.bobStorePath, ch.channelId);
  const storedVersion: AliceBob = { alice: aliceStored, bob: bobStored?.state.version ?? -1n };
  const bothHoldFinal = sameSigned(bobStored, closed.final);
  say.note(
    `both clients stopped (Bob's process by SIGTERM); their stores reopened from disk hold ` +
      `v${storedVersion.alice} (Alice) and v${storedVersion.bob} (Bob's, written by his process` +
      `${bothHoldFinal ? ": the same final state, both signatures" : ""})`,
  );
  await w.sayInvariants(say);
  return cooperativeResult(ch, closed, {
    retriedDepositRefused,
    payments: paymentsMade,
    bothHoldFinal,
    storedVersion,
  });
}

/**
 * Alice offers Bob's client process a channel and deposits her share; Bob's process deposits his on its
 * own, after hers (the deposit-race guard's order).
 */
async function openWithBobClient(
  w: World,
  ops: Operators,
  alice: RunningClient,
  url: string,
  deposits: AliceBob,
  say: Narrator,
): Promise<OpenChannel> {
  const peer = { name: "Bob", address: ops.bobClient, url };
  const ch = await w.offer(alice, peer, [deposits.alice, deposits.bob], say);
  ch.depositGas.push(await w.deposit("alice", ch.channelId, 0n, deposits.alice, say));
  const total = deposits.alice + deposits.bob;
  await pollUntil(
    () => w.adjudicator.holdings(ch.channelId, ETH),
    (held) => held >= total,
    (held) =>
      new ChannelsServicesError(
        `Bob's client process did not deposit its share within ${ops.timeoutMs / 1000} s: the channel ` +
          `holds ${eth(held)} (see ${ops.services.logFile(BOB_CLIENT)})`,
      ),
    { timeoutMs: ops.timeoutMs, pollMs: POLL_MS },
  );
  const receipt = await depositBy(w, ch.channelId, ops.bobClient);
  ch.depositGas.push(receipt.gasUsed);
  say.say(
    "deposit",
    `Bob's client process deposits ${eth(deposits.bob)} on its own with expectedHeld ` +
      `${eth(deposits.alice)}, once it sees Alice's: the channel holds ` +
      `${eth(await w.adjudicator.holdings(ch.channelId, ETH))}`,
    receipt.gasUsed,
  );
  await w.tick();
  await w.check([ch.opened]);
  return ch;
}

/** The receipt of `from`'s deposit into `channelId`, read from the adjudicator's Deposited events. */
async function depositBy(w: World, channelId: string, from: string): Promise<TransactionReceipt> {
  const c = w.adjudicator.contract;
  for (const event of await c.queryFilter(c.filters.Deposited(channelId))) {
    const receipt = await event.getTransactionReceipt();
    if (receipt.from.toLowerCase() === from.toLowerCase()) return receipt;
  }
  throw new ChannelsServicesError(`no deposit by ${from} into ${channelId}`);
}

// -------------------------------------------------------------------------------------------------
// Part 2: a stale registration, refuted by the watchtower process while Bob's process is stopped
// -------------------------------------------------------------------------------------------------

async function runStaleClose(
  w: World,
  ops: Operators,
  say: Narrator,
): Promise<ChannelsServicesResult["staleClose"]> {
  say.title(TITLES.staleClose);
  const tower = await ops.startWatchtower();
  say.note(
    `Bob's watchtower serves ${tower.url} from its own process (npm run watchtower), follows the ` +
      `adjudicator's challenge events from block ${tower.fromBlock} every ${POLL_MS} ms and pays its own ` +
      `gas from ${short(ops.watchtower)}`,
  );
  const bobUrl = await ops.startBobClient(tower.url);
  say.note(
    `Bob's client process starts again on its store at ${bobUrl}, now with STRATA_WATCHTOWER_URL: it ` +
      `hands every state it co-signs to the watchtower`,
  );
  const alice = await w.startClient("alice", "stale");
  const ch = await openWithBobClient(w, ops, alice, bobUrl, STALE_DEPOSITS, say);

  const { stale, newest } = await payKeepingStale(alice.client, ch.channelId, say);
  const towerHeld = await pollUntil(
    () => heldByWatchtower(tower.url, ch.channelId),
    (held) => held === newest.state.version,
    (held) =>
      new ChannelsServicesError(
        `the watchtower holds v${held} of ${ch.channelId}, not v${newest.state.version}: Bob's client ` +
          `process did not hand it his states (see ${ops.services.logFile(BOB_CLIENT)})`,
      ),
    { timeoutMs: ops.timeoutMs, pollMs: POLL_MS },
  );
  say.say(
    "guard",
    `Bob's client process posted each co-signed state to the watchtower process as it came (Alice's ` +
      `client posted none); it checked both signatures, and GET /channels/${short(ch.channelId)} answers ` +
      `v${towerHeld}`,
  );
  await w.check([newest]);

  await ops.stopBobClient();
  say.note("Bob goes offline: his client process gets SIGTERM and exits");
  const registration = await registerStale(w, ch, stale, newest, say);

  const refuteReceipt = await pollUntil(
    () => refutationOf(w, ch.channelId),
    (receipt) => receipt !== undefined,
    () =>
      new ChannelsServicesError(
        `the watchtower process did not refute the registration of v${registration.version} within ` +
          `${ops.timeoutMs / 1000} s (see ${ops.services.logFile(WATCHTOWER)})`,
      ),
    { timeoutMs: ops.timeoutMs, pollMs: POLL_MS },
  );
  const refutedAt = BigInt((await w.provider.getBlock(refuteReceipt!.blockNumber))!.timestamp);
  const status = await w.adjudicator.status(ch.channelId);
  say.say(
    "refute",
    `the watchtower process, on its own, finds ChallengeRegistered(v${registration.version}) for ` +
      `${short(ch.channelId)}; it holds v${towerHeld}, so it refutes with it (both signatures, its account ` +
      `${short(refuteReceipt!.from)} paying) ${registration.finalizesAt - refutedAt} s before the window closes: ` +
      `v${status.version} is registered now, the window still closes at ${status.finalizesAt}`,
    refuteReceipt!.gasUsed,
  );
  const staleRefuteRefused = await checkRefuted(w, ch, stale, newest, say);

  await w.tick();
  const rest = Number(status.finalizesAt - w.now) + 1;
  await w.advance(rest);
  say.note(`evm_increaseTime ${rest} s: the window closes`);
  say.note("the watchtower only refutes, and Bob is offline: Alice, who wants her money out, concludes");
  const concluded = await concludeNewest(
    w,
    ch,
    { stale, newest },
    {
      name: "Alice",
      alice: true,
      conclude: () => w.adjudicatorOf("alice").conclude(w.wallet("alice"), ch.params, newest.state),
    },
    ops.bobBalance,
    say,
  );
  await w.stopClient(alice);
  await ops.stopWatchtower();
  say.note("the watchtower process is stopped (SIGTERM): its part is done");
  return staleCloseResult(ch, { stale, newest }, registration, refuteReceipt!, {
    towerHeld,
    registeredAfterRefute: status.version,
    staleRefuteRefused,
    ...concluded,
  });
}

/** The version a watchtower holds for `channelId` (GET /channels/<id>), or -1 if it guards none. */
async function heldByWatchtower(url: string, channelId: string): Promise<bigint> {
  const response = await fetch(`${url}/channels/${channelId}`);
  if (response.status === 404) return -1n;
  const body = (await response.json()) as { version?: string };
  if (!response.ok || body.version === undefined) {
    throw new ChannelsServicesError(`the watchtower at ${url} answered HTTP ${response.status}`);
  }
  return BigInt(body.version);
}

// -------------------------------------------------------------------------------------------------
// The services: Bob's channel client and his watchtower, as processes
// -------------------------------------------------------------------------------------------------

class Operators {
  private constructor(
    private readonly w: World,
    private readonly adjudicator: string,
    readonly services: ServiceSet,
    /** The services' own data directory (their stores), fresh for this run. */
    private readonly dataDir: string,
    readonly accounts: { bobClient: number; watchtower: number },
    private readonly ports: { bobClient?: number; watchtower?: number },
    readonly timeoutMs: number,
  ) {}

  static async create(
    w: World,
    deployment: Deployment,
    services: ServiceSet,
    options: ChannelsServicesOptions,
  ): Promise<Operators> {
    const address = deployment.contracts.Adjudicator;
    if (!address) throw new ChannelsServicesError("the deployment has no Adjudicator");
    await mkdir(services.dataDir, { recursive: true });
    const dataDir = await mkdtemp(join(services.dataDir, "channels-"));
    const accounts = { ...CHANNELS_SERVICE_ACCOUNTS, ...options.accounts };
    const ops = new Operators(
      w,
      address,
      services,
      dataDir,
      accounts,
      options.ports ?? {},
      options.timeoutMs ?? 60_000,
    );
    w.know(ops.bobClient, "Bob");
    w.know(ops.watchtower, "the watchtower");
    return ops;
  }

  get bobClient(): string {
    return new Wallet(localAccountKey(this.accounts.bobClient)).address;
  }

  get watchtower(): string {
    return new Wallet(localAccountKey(this.accounts.watchtower)).address;
  }

  /** Bob's client process keeps its states here (see scripts/channel-client.ts). */
  get bobStorePath(): string {
    return join(this.dataDir, `channels-${this.bobClient.toLowerCase()}.jsonl`);
  }

  /** The Layer-1 balance Bob's process is paid to. */
  readonly bobBalance = (): Promise<bigint> => this.w.provider.getBalance(this.bobClient);

  /** Starts Bob's listening client (handing its states to `watchtowerUrl`, if given); its WebSocket URL. */
  async startBobClient(watchtowerUrl?: string): Promise<string> {
    const port = this.ports.bobClient ?? (await freePort());
    await withProgress("starting Bob's channel client (npm run channel-client)", () =>
      this.services.start(BOB_CLIENT, {
        script: "channel-client.ts",
        env: {
          ...this.common(),
          STRATA_CHANNEL_ROLE: "listen",
          STRATA_CHANNEL_KEY: localAccountKey(this.accounts.bobClient),
          STRATA_CHANNEL_HOST: "127.0.0.1",
          STRATA_CHANNEL_PORT: String(port),
          STRATA_WATCHTOWER_URL: watchtowerUrl ?? "",
        },
        ready: "serving",
      }),
    );
    return `ws://127.0.0.1:${port}`;
  }

  stopBobClient(): Promise<void> {
    return this.services.stop(BOB_CLIENT);
  }

  /** Starts the watchtower, following the adjudicator from the current block. */
  async startWatchtower(): Promise<{ url: string; fromBlock: number }> {
    const port = this.ports.watchtower ?? (await freePort());
    const fromBlock = await this.w.provider.getBlockNumber();
    await withProgress("starting the watchtower (npm run watchtower)", () =>
      this.services.start(WATCHTOWER, {
        script: "watchtower.ts",
        env: {
          ...this.common(),
          STRATA_WATCHTOWER_KEY: localAccountKey(this.accounts.watchtower),
          STRATA_WATCHTOWER_HOST: "127.0.0.1",
          STRATA_WATCHTOWER_PORT: String(port),
          STRATA_FROM_BLOCK: String(fromBlock),
          STRATA_POLL_MS: String(POLL_MS),
        },
        ready: "watchtower ready",
      }),
    );
    return { url: `http://127.0.0.1:${port}`, fromBlock };
  }

  stopWatchtower(): Promise<void> {
    return this.services.stop(WATCHTOWER);
  }

  async stop(): Promise<void> {
    await this.stopBobClient();
    await this.stopWatchtower();
  }

  /** What both services share: this run's adjudicator and stores, and logs at info (their ready lines). */
  private common(): Record<string, string> {
    return { STRATA_ADJUDICATOR: this.adjudicator, STRATA_DATA_DIR: this.dataDir, STRATA_LOG_LEVEL: "info" };
  }
}
