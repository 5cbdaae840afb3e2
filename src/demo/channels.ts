// The channels story: Strata's payment channels end to end, narrated, written once against the channels
// stack (src/channels/stack.ts). Bob's channel client and his watchtower run where the stack puts them (in
// this process, or as separate processes started as `npm run channel-client` and `npm run watchtower`
// start them); Alice and Carol are the users this process plays, each a channel party of its own with its
// own key and durable store. The real Adjudicator is also the secret registry of the locks.
//
// Part 1, open → pay → close: Alice opens an ETH channel with Bob and deposits; Bob's client deposits its
// share on its own once Alice's is in (a retried deposit of Alice's is refused by the race guard). They
// exchange many payments both ways off-chain (each co-signed by both and stored on disk by both before it
// counts); Alice proposes the final state, Bob's client co-signs, she closes on Layer 1 in one transaction
// that pays each exactly the final balances. Both clients stop; their stores, read from disk, hold the
// same final state.
//
// Part 2, a stale registration defeated: Bob's client starts again on its store, handing every state it
// co-signs to his watchtower (JSON-RPC `wt_submitStates`). Alice pays Bob for a while but keeps her first
// co-signed state (she is the stale-state party of src/channels/adversaries.ts). Bob goes offline; Alice
// registers the old state; the watchtower reads ChallengeRegistered and refutes with Bob's newest state
// within the window; the window passes and the newest state is what concludes. What the watchtower did is
// read from its typed events (challengeSeen, stateRefuted, challengeIgnored), never from its log.
//
// Part 3, a multi-hop payment A → B → C: Alice pays Carol through Bob with one hashlock (A–B's lock has a
// later deadline than B–C's). Bob goes silent, so Carol goes to Layer 1: she registers B–C, reveals the
// secret on the adjudicator before her deadline, concludes and unlocks; later A–B concludes and its lock,
// whose secret was revealed in time, pays Bob.
//
// The invariants of src/channels/invariants.ts are checked after every step. The story moves the chain's
// clock with evm_increaseTime / evm_mine, so it runs on any local chain: Hardhat in-process, `hardhat
// node`, Anvil.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { ContractTransactionReceipt, LogDescription, Signer } from "ethers";
import { Wallet, hexlify, keccak256, parseEther, randomBytes } from "ethers";
import { AdjudicatorClient } from "../channels/adjudicator-client";
import { StaleStateParty } from "../channels/adversaries";
import type { SignedState } from "../channels/channel";
import { channelHashingReady } from "../channels/eip712";
import type { ChannelEvent, WatchtowerEvent } from "../channels/events";
import { decisionsFrom } from "../channels/events";
import { assertAdjudicatorSolvent, assertNewestStateCovered } from "../channels/invariants";
import type { OpenedChannel } from "../channels/party";
import type {
  ChannelPartySide,
  ChannelsPlacement,
  LocalPartySide,
  RpcProvider,
  WatchtowerSide,
} from "../channels/stack";
import { ChannelsStack } from "../channels/stack";
import { ETH, pendingLocksOf } from "../channels/types";
import type { Decision } from "../channels/watchtower";
import type { Deployment } from "../common/deployments";
import { StrataError } from "../common/errors";
import type { EventSource, Published } from "../common/events";
import { ofType, readAllEvents, waitForEvent } from "../common/events";
import type { LogLevel, Logger } from "../common/logger";
import { createLogger } from "../common/logger";
import type { Placement, ServiceSet } from "../common/processes";
import { localAccountKey } from "../common/processes";
import { LOCAL_ACCOUNTS } from "../config/table";
import { signersAt } from "./flows";
import type { Narrator } from "./narrator";
import { eth, short } from "./narrator";
import { rejectionName, revertName } from "../common/outcomes";

export class ChannelsStoryError extends StrataError {}

/** The accounts that fund the users' channel keys (the demo's unlocked accounts, not exportable). */
export interface ChannelsStoryFunders {
  alice: Signer;
  carol: Signer;
}

/**
 * The local accounts (indices of the node's default accounts) Bob's client and his watchtower sign with:
 * the channel-client's and the watchtower's defaults (src/config/table.ts).
 */
export const CHANNELS_SERVICE_ACCOUNTS = {
  bob: LOCAL_ACCOUNTS.channelClient,
  watchtower: LOCAL_ACCOUNTS.watchtower,
} as const;

export interface ChannelsStoryOptions {
  /** Off-chain payments in part 1 (default 1,000; one in four goes from Bob to Alice). */
  payments?: number;
  /** Seconds a registered state can be refuted (default 3,600). */
  challengeDuration?: number;
  /** The keys of Bob's client and his watchtower (default: the local accounts CHANNELS_SERVICE_ACCOUNTS). */
  keys?: { bob?: string; watchtower?: string };
  /** How long to wait for a party or the watchtower to act (default 60 s). */
  timeoutMs?: number;
}

/** Two amounts, by who receives them. */
export interface AliceBob {
  alice: bigint;
  bob: bigint;
}

export interface CooperativeResult {
  channelId: string;
  deposits: AliceBob;
  depositGas: bigint[];
  /** The custom error Alice's retried deposit (same `expectedHeld`) reverted with. */
  retriedDepositRefused: string | undefined;
  payments: { total: number; aliceToBob: number; bobToAlice: number; seconds: number; perSecond: number };
  finalVersion: bigint;
  finalBalances: AliceBob;
  /** Bob's store, read from disk once his client stopped, holds exactly Alice's final state, both signatures. */
  bothHoldFinal: boolean;
  closeGas: bigint;
  /** What `close` paid each (the sender's fee added back). */
  paid: AliceBob;
  holdingsAfter: bigint;
  /** The channel's latest version in each store, reopened from disk after the clients stopped. */
  storedVersion: AliceBob;
  /** fsync batches of each client's store. */
  fsyncs: { alice: number; bob: number };
}

export interface StaleCloseResult {
  channelId: string;
  deposits: AliceBob;
  payments: number;
  /** What dishonest Alice kept, and the newest state both signed. */
  stale: { version: bigint; balances: AliceBob };
  newest: { version: bigint; balances: AliceBob };
  /** The version Bob's watchtower held when Bob went offline. */
  towerHeld: bigint;
  registeredVersion: bigint;
  registerGas: bigint;
  /** The watchtower's decisions on the registration, and on the refutation it then read (its own). */
  decisions: Decision[];
  laterDecisions: Decision[];
  refutedBy: string;
  refuteGas: bigint;
  /** The version registered on chain once the watchtower refuted. */
  registeredAfterRefute: bigint;
  /** The custom error Alice's attempt to bring her old state back reverted with. */
  staleRefuteRefused: string | undefined;
  concludedVersion: bigint;
  concludeGas: bigint;
  paid: AliceBob;
  holdingsAfter: bigint;
}

export interface MultihopResult {
  amount: bigint;
  hashlock: string;
  /** Lock deadlines (Layer-1 seconds): B–C's earlier than A–B's. */
  deadlines: { ab: bigint; bc: bigint };
  /** Why Carol's off-chain settlement with silent Bob failed (the error's name). */
  offChainSettleError: string | undefined;
  revealedAt: bigint;
  bc: {
    channelId: string;
    registerGas: bigint;
    revealGas: bigint;
    concludeGas: bigint;
    unlockGas: bigint;
    /** Bob's balance in B–C, paid by `conclude`. */
    paidToBob: bigint;
    /** Carol's gain over the whole settlement, her fees added back: the lock. */
    paidToCarol: bigint;
    lockPaidTo: string;
    holdingsAfter: bigint;
  };
  ab: {
    channelId: string;
    registerGas: bigint;
    concludeGas: bigint;
    unlockGas: bigint;
    /** When A–B concluded (Layer-1 seconds): before its lock's deadline. */
    concludedAt: bigint;
    paidToAlice: bigint;
    /** What A–B paid Bob: his balance by `conclude`, then the lock by `unlock`. */
    paidToBob: bigint;
    lockPaidTo: string;
    holdingsAfter: bigint;
  };
}

export interface ChannelsStoryResult {
  /** Where Bob's client and his watchtower ran. */
  placement: ChannelsPlacement["kind"];
  /** The channel keys of the parties (the channels' participants), and the watchtower's account. */
  accounts: { alice: string; bob: string; carol: string; watchtower: string };
  channelIds: string[];
  cooperative: CooperativeResult;
  staleClose: StaleCloseResult;
  multihop: MultihopResult;
  /** Invariant checks run, and the adjudicator's ETH beyond what it owes at the end. */
  invariants: { checks: number; slack: bigint };
}

// Alice's key holds more than her deposits: a node may check the funds of a retried deposit (refused by
// the race guard) before it runs it, and Anvil does.
const FUNDING = { alice: parseEther("30"), carol: parseEther("1") };
export const DEFAULT_PAYMENTS = 1_000;
const DEFAULT_CHALLENGE_DURATION = 3_600;
const POLL_MS = 200;

/** The parts' titles. */
export const TITLES = {
  cooperative: "Payment channels, part 1: open → deposit → pay → finalize → close",
  staleClose: "Payment channels, part 2: register a stale state → the watchtower refutes → conclude",
  multihop: "Payment channels, part 3: lock A → B → C → register → reveal → conclude → unlock",
};

// Part 1
export const COOP_DEPOSITS: AliceBob = { alice: parseEther("10"), bob: parseEther("5") };
const ALICE_UNIT = parseEther("0.002");
const BOB_UNIT = parseEther("0.001");
// Part 2
export const STALE_DEPOSITS: AliceBob = { alice: parseEther("5"), bob: parseEther("1") };
const STALE_PAYMENTS = 20;
const STALE_UNIT = parseEther("0.05");
// Part 3
const HOP_AMOUNT = parseEther("0.3");
const AB_DEPOSITS: AliceBob = { alice: parseEther("2"), bob: parseEther("1") };
const BC_DEPOSIT = parseEther("2");

// -------------------------------------------------------------------------------------------------
// The stack the story runs on
// -------------------------------------------------------------------------------------------------

/**
 * Starts the channels stack for the story on `provider` against `deployment`'s adjudicator: in this
 * process, or (given `services`) with Bob's client and watchtower as processes of `services`. Its stores
 * live in a fresh directory, removed by `stop`.
 */
export async function startChannelsDemoStack(
  deployment: Deployment,
  provider: RpcProvider,
  services?: ServiceSet,
  options: { ports?: Record<string, { peer?: number; rpc?: number }>; logger?: Logger } = {},
): Promise<{ stack: ChannelsStack; stop(): Promise<void> }> {
  const adjudicator = deployment.contracts.Adjudicator;
  if (!adjudicator) throw new ChannelsStoryError("the deployment has no Adjudicator");
  if (services) await mkdir(services.dataDir, { recursive: true });
  const dataDir = await mkdtemp(
    join(services?.dataDir ?? tmpdir(), services ? "channels-" : "strata-demo-channels-"),
  );
  const stack = await ChannelsStack.start({
    adjudicator,
    provider,
    dataDir,
    placement: services ? { kind: "processes", services, ports: options.ports } : { kind: "in-process" },
    logger: options.logger ?? demoLogger(),
    pollMs: POLL_MS,
  });
  return {
    stack,
    stop: async () => {
      await stack.stop();
      if (!services) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function demoLogger(): Logger {
  return createLogger({
    scope: "demo:channels",
    level: (process.env.STRATA_LOG_LEVEL as LogLevel | undefined) ?? "warn",
  });
}

// -------------------------------------------------------------------------------------------------
// The story
// -------------------------------------------------------------------------------------------------

export async function runChannelsStory(
  stack: ChannelsStack,
  funders: ChannelsStoryFunders,
  say: Narrator,
  options: ChannelsStoryOptions = {},
): Promise<ChannelsStoryResult> {
  const w = await World.create(stack, funders, options, say);
  try {
    const cooperative = await runCooperative(w, say, options.payments ?? DEFAULT_PAYMENTS);
    const staleClose = await runStaleClose(w, say);
    const multihop = await runMultihop(w, say);
    const slack = await w.check();
    await w.sweep(say);
    return {
      placement: stack.placement,
      accounts: {
        alice: w.alice.address,
        bob: w.bobAddress,
        carol: w.carol.address,
        watchtower: w.towerAddress,
      },
      channelIds: [...w.channelIds],
      cooperative,
      staleClose,
      multihop,
      invariants: { checks: w.checks, slack },
    };
  } finally {
    await w.stopAll();
  }
}

/**
 * The channels flow of the demo (a `DemoRunner`): starts the story's stack on `placement` (as processes,
 * Bob's client and watchtower), runs the story with Alice and Carol (accounts #3 and #6 of `signers`)
 * funding the parties, and stops it.
 */
export async function runChannelsDemo(
  deployment: Deployment,
  provider: RpcProvider,
  placement: Placement,
  signers: readonly Signer[],
  say: Narrator,
  options: ChannelsStoryOptions = {},
): Promise<ChannelsStoryResult> {
  const [alice, carol] = signersAt(signers, 3, 6);
  const services = placement.kind === "processes" ? placement.services : undefined;
  const { stack, stop } = await startChannelsDemoStack(deployment, provider, services);
  try {
    return await runChannelsStory(stack, { alice, carol }, say, options);
  } finally {
    await stop();
  }
}

// -------------------------------------------------------------------------------------------------
// Part 1: open → pay → finalize → close
// -------------------------------------------------------------------------------------------------

async function runCooperative(w: World, say: Narrator, payments: number): Promise<CooperativeResult> {
  say.title(TITLES.cooperative);
  const bob = await w.startBob();
  say.note(
    w.asProcesses
      ? `Bob's channel client serves ${bob.peerUrl} from its own process (npm run channel-client, ` +
          `STRATA_CHANNEL_ROLE=listen): it joins the channels peers open and deposits its share once the ` +
          `opener's is in. Alice's client runs in this process`
      : `Bob's channel client listens at ${bob.peerUrl}: it joins the channels peers open and deposits its ` +
          `share once the opener's is in`,
  );
  const alice = await w.startUser("alice");
  const ch = await w.open(alice, bob, COOP_DEPOSITS, say);

  const retriedDepositRefused = await revertName(
    alice.party.deposit(ch.channelId, ETH, 0n, COOP_DEPOSITS.alice),
  );
  say.note(
    `Alice's deposit sent again with the same expectedHeld (${eth(0n)}) reverts with ` +
      `${retriedDepositRefused}: the channel holds ${eth(COOP_DEPOSITS.alice + COOP_DEPOSITS.bob)} now, ` +
      `so a retried deposit cannot fund the channel twice`,
  );

  const paid = await payMany(w, ch, alice, bob, payments, say);
  const [aliceStats, bobStats] = [await alice.stats(), await bob.stats()];
  say.note(
    `each one is signed by its proposer, checked and co-signed by the other side, and written to both ` +
      `stores before it counts (fsync batches: Alice ${aliceStats.fsyncs}, Bob ${bobStats.fsyncs}); ` +
      `Layer 1 saw none of them`,
  );
  const closed = await finalizeAndClose(w, ch, alice, payments, say);

  await alice.stop();
  await bob.stop();
  const bobStored = await bob.storedLatest(ch.channelId);
  const storedVersion: AliceBob = {
    alice: (await alice.storedLatest(ch.channelId))?.state.version ?? -1n,
    bob: bobStored?.state.version ?? -1n,
  };
  const bothHoldFinal = sameSigned(bobStored, closed.final);
  say.note(
    `both clients stopped${w.asProcesses ? " (Bob's process by SIGTERM)" : ""}; their stores reopened from ` +
      `disk hold v${storedVersion.alice} (Alice) and v${storedVersion.bob} (Bob` +
      `${bothHoldFinal ? ": the same final state, both signatures" : ""})`,
  );
  await w.sayInvariants(say);
  return {
    channelId: ch.channelId,
    deposits: COOP_DEPOSITS,
    depositGas: ch.depositGas,
    retriedDepositRefused,
    payments: paid,
    finalVersion: closed.final.state.version,
    finalBalances: closed.finalBalances,
    bothHoldFinal,
    closeGas: closed.closeGas,
    paid: closed.paid,
    holdingsAfter: closed.holdingsAfter,
    storedVersion,
    fsyncs: { alice: aliceStats.fsyncs, bob: bobStats.fsyncs },
  };
}

/** Part 1's payments, pipelined over the channel's WebSocket: one in four from Bob to Alice. */
async function payMany(
  w: World,
  ch: OpenChannel,
  alice: ChannelPartySide,
  bob: ChannelPartySide,
  total: number,
  say: Narrator,
): Promise<CooperativeResult["payments"]> {
  let aliceToBob = 0;
  let bobToAlice = 0;
  const started = performance.now();
  const all: Promise<SignedState>[] = [];
  for (let i = 0; i < total; i++) {
    if (i % 4 === 3) {
      bobToAlice++;
      all.push(bob.pay(ch.channelId, BOB_UNIT));
    } else {
      aliceToBob++;
      all.push(alice.pay(ch.channelId, ALICE_UNIT));
    }
  }
  await Promise.all(all);
  const seconds = (performance.now() - started) / 1000;
  const perSecond = Math.round(total / seconds);
  const latest = (await alice.latest(ch.channelId))!;
  say.say(
    "pay",
    `${total.toLocaleString("en-US")} payments over the WebSocket ${ch.url} in ${seconds.toFixed(2)} s ` +
      `(${perSecond.toLocaleString("en-US")} payments/s): Alice → Bob ${aliceToBob} × ${eth(ALICE_UNIT)}, ` +
      `Bob → Alice ${bobToAlice} × ${eth(BOB_UNIT)}${w.asProcesses ? " (asked of his process over JSON-RPC)" : ""}; ` +
      `now at v${latest.state.version}`,
  );
  await w.check([latest]);
  say.note(
    `assertNewestStateCovered: the ${eth(await w.adjudicator.holdings(ch.channelId, ETH))} held cover ` +
      `v${latest.state.version}`,
  );
  return { total, aliceToBob, bobToAlice, seconds, perSecond };
}

/** What part 1's close settled. */
interface Closed {
  final: SignedState;
  finalBalances: AliceBob;
  closeGas: bigint;
  paid: AliceBob;
  holdingsAfter: bigint;
}

/** Alice proposes the final state (Bob's client checks and co-signs it) and closes the channel on Layer 1 with it. */
async function finalizeAndClose(
  w: World,
  ch: OpenChannel,
  alice: LocalPartySide,
  payments: number,
  say: Narrator,
): Promise<Closed> {
  const final = await alice.finalize(ch.channelId);
  const finalBalances = aliceBob(final);
  say.say(
    "finalize",
    `Alice proposes the final state v${final.state.version} (Alice ${eth(finalBalances.alice)}, Bob ` +
      `${eth(finalBalances.bob)}); Bob checks it against his own latest state and co-signs`,
  );

  const before = { alice: await w.balanceOf(alice.address), bob: await w.balanceOf(w.bobAddress) };
  const closed = await alice.close(ch.channelId);
  const paid: AliceBob = {
    alice: (await w.balanceOf(alice.address)) - before.alice + closed.fee,
    bob: (await w.balanceOf(w.bobAddress)) - before.bob,
  };
  const holdingsAfter = await w.adjudicator.holdings(ch.channelId, ETH);
  say.say(
    "close",
    `Alice sends close with v${final.state.version} and both signatures, one transaction: Alice is paid ` +
      `${eth(paid.alice)}, Bob ${eth(paid.bob)}; the channel holds ${eth(holdingsAfter)}`,
    closed.gasUsed,
  );
  const gasTotal = sum(ch.depositGas) + closed.gasUsed;
  say.note(
    `Layer-1 gas for the whole channel: ${gasTotal.toLocaleString("en-US")} (two deposits and one close), ` +
      `≈ ${(Number(gasTotal) / payments).toFixed(0)} per payment`,
  );
  return { final, finalBalances, closeGas: closed.gasUsed, paid, holdingsAfter };
}

// -------------------------------------------------------------------------------------------------
// Part 2: a stale registration, refuted by Bob's watchtower while he is offline
// -------------------------------------------------------------------------------------------------

async function runStaleClose(w: World, say: Narrator): Promise<StaleCloseResult> {
  say.title(TITLES.staleClose);
  const tower = await w.startWatchtower();
  say.note(
    `Bob's watchtower serves ${tower.url} ${w.asProcesses ? "from its own process (npm run watchtower)" : "in this process"}, ` +
      `follows the adjudicator's challenge events from block ${tower.fromBlock} every ${POLL_MS} ms and pays ` +
      `its own gas from ${short(tower.address)}`,
  );
  const bob = await w.startBob(tower);
  say.note(
    `Bob's client ${w.asProcesses ? "process " : ""}starts again on its store at ${bob.peerUrl}, now with its ` +
      `watchtower: it hands every state it co-signs to it (wt_submitStates)`,
  );
  const alice = await w.startUser("alice");
  const cheat = new StaleStateParty(alice.party);
  const ch = await w.open(alice, bob, STALE_DEPOSITS, say);

  // DEMO ADVERSARY: Alice keeps her first co-signed state, in which she still has almost everything.
  const { stale, newest } = await cheat.payKeepingFirst(ch.channelId, STALE_PAYMENTS, STALE_UNIT);
  const [s, n] = [aliceBob(stale), aliceBob(newest)];
  say.say(
    "pay",
    `Alice pays Bob ${STALE_PAYMENTS} × ${eth(STALE_UNIT)}; she quietly keeps v${stale.state.version} ` +
      `(Alice ${eth(s.alice)}, Bob ${eth(s.bob)}), the newest is v${newest.state.version} (Alice ` +
      `${eth(n.alice)}, Bob ${eth(n.bob)})`,
  );
  await w.waitFor(
    tower.events,
    ofType(
      "statesReceived",
      (e) => e.channelId === ch.channelId && BigInt(e.heldVersion) >= newest.state.version,
    ),
    `the watchtower holding v${newest.state.version} of ${ch.channelId}`,
  );
  const towerHeld = (await tower.held(ch.channelId)) ?? -1n;
  say.say(
    "guard",
    `Bob's client posted each co-signed state to the watchtower as it came (Alice's client posted none); ` +
      `it checked both signatures, and wt_channel ${short(ch.channelId)} answers v${towerHeld}`,
  );
  await w.check([newest]);

  await bob.stop();
  say.note(
    w.asProcesses
      ? "Bob goes offline: his client process gets SIGTERM and exits"
      : "Bob goes offline (his client stops)",
  );
  const registration = await cheat.registerStale(ch.channelId);
  await w.tick();
  say.say(
    "register",
    `Alice registers v${registration.version}, which pays her ${eth(s.alice)} instead of ${eth(n.alice)}: ` +
      `the window closes at ${registration.finalizesAt} (in ${w.challengeDuration} s)`,
    registration.receipt.gasUsed,
  );
  await w.check();

  await w.advance(w.challengeDuration / 2);
  say.note(`evm_increaseTime ${w.challengeDuration / 2} s: half the window passes`);
  await tower.caughtUp();
  const seen = await towerEventsOf(tower, ch.channelId);
  const decisions = decisionsFrom(seen, "registered");
  const refuted = seen.find((e) => e.type === "stateRefuted");
  if (!refuted || refuted.type !== "stateRefuted") {
    throw new ChannelsStoryError(
      `the watchtower did not refute the registration of v${registration.version}`,
    );
  }
  const refuteReceipt = (await w.provider.getTransactionReceipt(refuted.l1TxHash))!;
  const refutedAt = BigInt((await w.provider.getBlock(refuted.block))!.timestamp);
  const status = await w.adjudicator.status(ch.channelId);
  say.say(
    "refute",
    `the watchtower${w.asProcesses ? " process, on its own," : "'s round"} finds ` +
      `ChallengeRegistered(v${refuted.registeredVersion}) for ${short(ch.channelId)}; it holds ` +
      `v${refuted.refutedWith}, so it refutes with it (both signatures, its account ` +
      `${short(refuteReceipt.from)} paying) ${registration.finalizesAt - refutedAt} s before the window ` +
      `closes: v${status.version} is registered now, the window still closes at ${status.finalizesAt}`,
    BigInt(refuted.gasUsed),
  );
  await w.check([newest]);
  say.say(
    "assertNewestStateCovered",
    `the ${eth(await w.adjudicator.holdings(ch.channelId, ETH))} the channel holds cover everything ` +
      `v${newest.state.version} allocates: the newest state can still be concluded in full`,
  );
  const staleRefuteRefused = await revertName(cheat.refuteWithStale(ch.channelId));
  say.note(
    `Alice tries to bring v${stale.state.version} back with refute: reverts with ${staleRefuteRefused}`,
  );

  await w.tick();
  const rest = Number(status.finalizesAt - w.now) + 1;
  await w.advance(rest);
  say.note(`evm_increaseTime ${rest} s: the window closes`);
  await tower.caughtUp();
  const laterDecisions = decisionsFrom(await towerEventsOf(tower, ch.channelId), "refuted");
  say.note(
    `the watchtower's next round reads its own ChallengeRefuted(v${status.version}): ` +
      laterDecisions.map((d) => d.kind).join(", "),
  );

  say.note("the watchtower only refutes, and Bob is offline: Alice, who wants her money out, concludes");
  const before = { alice: await w.balanceOf(alice.address), bob: await w.balanceOf(w.bobAddress) };
  const concluded = await alice.party.adjudicator.conclude(alice.party.wallet, ch.params, newest.state);
  const paid: AliceBob = {
    alice: (await w.balanceOf(alice.address)) - before.alice + concluded.fee,
    bob: (await w.balanceOf(w.bobAddress)) - before.bob,
  };
  const concludedVersion = w.event(concluded, "ChannelConcluded").args.version as bigint;
  const holdingsAfter = await w.adjudicator.holdings(ch.channelId, ETH);
  say.say(
    "conclude",
    `anyone may conclude once the window has closed; Alice does, with v${concludedVersion}: ` +
      `Alice is paid ${eth(paid.alice)}, Bob ${eth(paid.bob)} (offline all along)`,
    concluded.gasUsed,
  );
  say.note(
    `Alice's cheat got her nothing: ${eth(s.alice - paid.alice)} less than v${stale.state.version} ` +
      `promised her, and she paid the gas of her registration`,
  );
  await tower.caughtUp();
  const conclusion = (await towerEventsOf(tower, ch.channelId)).find((e) => e.type === "channelConcluded");
  if (conclusion?.type === "channelConcluded") {
    say.note(`the watchtower reads ChannelConcluded(v${conclusion.version}): the dispute is over`);
  }
  await w.sayInvariants(say);
  await alice.stop();
  await tower.stop();
  say.note(`the watchtower${w.asProcesses ? " process is stopped (SIGTERM)" : " stops"}: its part is done`);
  return {
    channelId: ch.channelId,
    deposits: STALE_DEPOSITS,
    payments: STALE_PAYMENTS,
    stale: { version: stale.state.version, balances: s },
    newest: { version: newest.state.version, balances: n },
    towerHeld,
    registeredVersion: registration.version,
    registerGas: registration.receipt.gasUsed,
    decisions,
    laterDecisions,
    refutedBy: refuteReceipt.from,
    refuteGas: BigInt(refuted.gasUsed),
    registeredAfterRefute: status.version,
    staleRefuteRefused,
    concludedVersion,
    concludeGas: concluded.gasUsed,
    paid,
    holdingsAfter,
  };
}

/** The watchtower's events about `channelId`, all it holds. */
async function towerEventsOf(
  tower: WatchtowerSide,
  channelId: string,
): Promise<Published<WatchtowerEvent>[]> {
  const { events } = await readAllEvents(tower.events);
  return events.filter((e) => e.channelId === channelId.toLowerCase());
}

// -------------------------------------------------------------------------------------------------
// Part 3: A → B → C with one hashlock; B goes silent and the payment settles on Layer 1
// -------------------------------------------------------------------------------------------------

async function runMultihop(w: World, say: Narrator): Promise<MultihopResult> {
  say.title(TITLES.multihop);
  const alice = await w.startUser("alice");
  const bob = await w.startBob();
  const carol = await w.startUser("carol");
  say.note(
    `Bob, the middle hop, runs his channel client ${w.asProcesses ? "as its own process again" : "again"}; ` +
      `Alice and Carol run theirs in this process, each with its own store and WebSocket listener`,
  );
  const ab = await w.open(alice, bob, AB_DEPOSITS, say);
  const bc = await w.open(bob, carol, { alice: BC_DEPOSIT, bob: 0n }, say);

  const secret = hexlify(randomBytes(32));
  const hashlock = keccak256(secret);
  say.note(
    `Carol picks a secret and sends Alice its hash ${short(hashlock)} with her invoice for ${eth(HOP_AMOUNT)}`,
  );
  await w.tick();
  const d = BigInt(w.challengeDuration);
  const deadlines = { ab: w.now + 6n * d, bc: w.now + 3n * d };
  const abState = await alice.lock(ab.channelId, { hashlock, deadline: deadlines.ab, amount: HOP_AMOUNT });
  say.say(
    "lock",
    `Alice locks ${eth(HOP_AMOUNT)} for Bob on A–B (v${abState.state.version}) under that hash, deadline ` +
      `${deadlines.ab} (now + ${6n * d} s)`,
  );
  await bob.lock(bc.channelId, { hashlock, deadline: deadlines.bc, amount: HOP_AMOUNT });
  const bcState = (await carol.latest(bc.channelId))!;
  say.say(
    "lock",
    `Bob locks ${eth(HOP_AMOUNT)} for Carol on B–C (v${bcState.state.version}), same hash, earlier deadline ` +
      `${deadlines.bc} (now + ${3n * d} s): once Carol reveals, Bob still has time to claim from Alice`,
  );
  await w.check([abState, bcState]);
  say.note(
    `assertNewestStateCovered: A–B holds ${eth(await w.adjudicator.holdings(ab.channelId, ETH))}, B–C ` +
      `${eth(await w.adjudicator.holdings(bc.channelId, ETH))}: each covers its newest state, lock included`,
  );

  await bob.stop();
  const offChainSettleError = await rejectionName(carol.settle(bc.channelId, hashlock, secret));
  say.note(
    `Bob goes silent. Carol offers him the secret to settle B–C off-chain: ${offChainSettleError}; ` +
      `she still holds v${(await carol.latest(bc.channelId))!.state.version} with the lock`,
  );

  // Carol settles B–C on Layer 1.
  const { adjudicator: carolL1, wallet: carolKey } = carol.party;
  const carolFees: bigint[] = [];
  const carolBefore = await w.balanceOf(carol.address);
  const bcRegistered = await carolL1.register(carolKey, bc.params, bcState);
  carolFees.push(bcRegistered.fee);
  const [bcBob, bcCarol] = bcState.state.allocations[0].balances;
  say.say(
    "register",
    `Carol registers B–C v${bcState.state.version} (Bob ${eth(bcBob)}, Carol ${eth(bcCarol)}, ` +
      `${eth(HOP_AMOUNT)} locked for her)`,
    bcRegistered.gasUsed,
  );
  const revealed = await carolL1.reveal(carolKey, secret);
  carolFees.push(revealed.fee);
  const revealedAt = await w.adjudicator.revealedAt(hashlock);
  say.say(
    "reveal",
    `Carol reveals the secret on the adjudicator at ${revealedAt}, ${deadlines.bc - revealedAt} s before ` +
      `B–C's deadline; it is public now`,
    revealed.gasUsed,
  );
  await w.check();
  await w.advance(w.challengeDuration + 1);
  say.note(`evm_increaseTime ${w.challengeDuration + 1} s: B–C's window closes, nobody refuted`);
  const bobBefore = await w.balanceOf(w.bobAddress);
  const bcConcluded = await carolL1.conclude(carolKey, bc.params, bcState.state);
  carolFees.push(bcConcluded.fee);
  const bcPaidToBob = (await w.balanceOf(w.bobAddress)) - bobBefore;
  say.say(
    "conclude",
    `Carol concludes B–C: Bob is paid his ${eth(bcPaidToBob)}; the lock is recorded for unlock`,
    bcConcluded.gasUsed,
  );
  await w.check();
  const bcUnlocked = await carolL1.unlock(carolKey, bc.channelId, pendingLocksOf(bc.params, bcState.state));
  carolFees.push(bcUnlocked.fee);
  const bcLockPaidTo = w.event(bcUnlocked, "LockSettled").args.paidTo as string;
  const paidToCarol = (await w.balanceOf(carol.address)) - carolBefore + sum(carolFees);
  say.say(
    "unlock",
    `Carol unlocks: the secret was revealed before the deadline, so the lock pays ${w.nameOf(bcLockPaidTo)}; ` +
      `Carol is ${eth(paidToCarol)} richer, her gas aside`,
    bcUnlocked.gasUsed,
  );
  const bcHoldingsAfter = await w.adjudicator.holdings(bc.channelId, ETH);
  await w.check([abState]);

  // Later Alice wants the rest of her money out of A–B; Bob is still silent.
  const { adjudicator: aliceL1, wallet: aliceKey } = alice.party;
  const aliceFees: bigint[] = [];
  const before = { alice: await w.balanceOf(alice.address), bob: await w.balanceOf(w.bobAddress) };
  const abRegistered = await aliceL1.register(aliceKey, ab.params, abState);
  aliceFees.push(abRegistered.fee);
  const [abAlice, abBob] = abState.state.allocations[0].balances;
  say.say(
    "register",
    `Bob is still silent, so Alice registers A–B v${abState.state.version} (Alice ${eth(abAlice)}, Bob ` +
      `${eth(abBob)}, ${eth(HOP_AMOUNT)} locked for Bob)`,
    abRegistered.gasUsed,
  );
  await w.advance(w.challengeDuration + 1);
  say.note(`evm_increaseTime ${w.challengeDuration + 1} s: A–B's window closes`);
  const abConcluded = await aliceL1.conclude(aliceKey, ab.params, abState.state);
  aliceFees.push(abConcluded.fee);
  const concludedAt = BigInt((await w.provider.getBlock(abConcluded.blockNumber))!.timestamp);
  say.say(
    "conclude",
    `Alice concludes A–B at ${concludedAt}, before the lock's deadline ${deadlines.ab}: balances paid, ` +
      `the lock recorded`,
    abConcluded.gasUsed,
  );
  await w.check();
  const abUnlocked = await aliceL1.unlock(aliceKey, ab.channelId, pendingLocksOf(ab.params, abState.state));
  aliceFees.push(abUnlocked.fee);
  const abLockPaidTo = w.event(abUnlocked, "LockSettled").args.paidTo as string;
  const abPaidToAlice = (await w.balanceOf(alice.address)) - before.alice + sum(aliceFees);
  const abPaidToBob = (await w.balanceOf(w.bobAddress)) - before.bob;
  say.say(
    "unlock",
    `Alice unlocks: the same secret, revealed in time on the same adjudicator, pays the lock to ` +
      `${w.nameOf(abLockPaidTo)}. A–B paid Alice ${eth(abPaidToAlice)} and Bob ${eth(abPaidToBob)}`,
    abUnlocked.gasUsed,
  );
  say.note(
    `net: Alice paid ${eth(HOP_AMOUNT)}, Carol received it, Bob passed it on without ever being online ` +
      `for the settlement`,
  );
  const abHoldingsAfter = await w.adjudicator.holdings(ab.channelId, ETH);
  await w.sayInvariants(say);
  await alice.stop();
  await carol.stop();
  return {
    amount: HOP_AMOUNT,
    hashlock,
    deadlines,
    offChainSettleError,
    revealedAt,
    bc: {
      channelId: bc.channelId,
      registerGas: bcRegistered.gasUsed,
      revealGas: revealed.gasUsed,
      concludeGas: bcConcluded.gasUsed,
      unlockGas: bcUnlocked.gasUsed,
      paidToBob: bcPaidToBob,
      paidToCarol,
      lockPaidTo: bcLockPaidTo,
      holdingsAfter: bcHoldingsAfter,
    },
    ab: {
      channelId: ab.channelId,
      registerGas: abRegistered.gasUsed,
      concludeGas: abConcluded.gasUsed,
      unlockGas: abUnlocked.gasUsed,
      concludedAt,
      paidToAlice: abPaidToAlice,
      paidToBob: abPaidToBob,
      lockPaidTo: abLockPaidTo,
      holdingsAfter: abHoldingsAfter,
    },
  };
}

// -------------------------------------------------------------------------------------------------
// The world: the stack, the users' keys, names, the clock and the invariants
// -------------------------------------------------------------------------------------------------

/** A channel of the story: its fixed part, its funding state, and the gas of both deposits. */
interface OpenChannel extends Omit<OpenedChannel, "deposits"> {
  url: string;
  depositGas: bigint[];
}

class World {
  readonly channelIds: string[] = [];
  checks = 0;
  now = 0n;
  private nonce = 1n;
  private readonly names = new Map<string, string>();
  private readonly running = new Set<ChannelPartySide | WatchtowerSide>();
  readonly adjudicator: AdjudicatorClient;

  private constructor(
    private readonly stack: ChannelsStack,
    private readonly funders: ChannelsStoryFunders,
    readonly alice: Wallet,
    readonly carol: Wallet,
    private readonly keys: { bob: string; watchtower: string },
    readonly challengeDuration: number,
    readonly timeoutMs: number,
  ) {
    this.adjudicator = new AdjudicatorClient(stack.adjudicator, stack.provider);
    this.names.set(alice.address.toLowerCase(), "Alice");
    this.names.set(carol.address.toLowerCase(), "Carol");
    this.names.set(this.bobAddress.toLowerCase(), "Bob");
    this.names.set(this.towerAddress.toLowerCase(), "the watchtower");
  }

  static async create(
    stack: ChannelsStack,
    funders: ChannelsStoryFunders,
    options: ChannelsStoryOptions,
    say: Narrator,
  ): Promise<World> {
    await channelHashingReady;
    const provider = stack.provider;
    const keys = {
      bob: options.keys?.bob ?? localAccountKey(CHANNELS_SERVICE_ACCOUNTS.bob),
      watchtower: options.keys?.watchtower ?? localAccountKey(CHANNELS_SERVICE_ACCOUNTS.watchtower),
    };
    say.title("Payment channels: the parties");
    say.note(`Adjudicator ${stack.adjudicator} (also the secret registry of the locks)`);
    // Users' clients sign states many times a second, so each holds its key: a fresh one per user, funded
    // from the user's Layer-1 account (the accounts the demo gets are unlocked, not exportable).
    const users = {} as Record<"alice" | "carol", Wallet>;
    for (const person of ["alice", "carol"] as const) {
      const wallet = new Wallet(hexlify(randomBytes(32)), provider);
      await (await funders[person].sendTransaction({ to: wallet.address, value: FUNDING[person] })).wait();
      users[person] = wallet;
      say.note(
        `${person === "alice" ? "Alice" : "Carol"}'s channel client signs with ${wallet.address}, funded with ` +
          `${eth(FUNDING[person])} from ${short(await funders[person].getAddress())}`,
      );
    }
    const w = new World(
      stack,
      funders,
      users.alice,
      users.carol,
      keys,
      options.challengeDuration ?? DEFAULT_CHALLENGE_DURATION,
      options.timeoutMs ?? 60_000,
    );
    say.note(
      stack.placement === "processes"
        ? `Bob's channel client and Bob's watchtower run as separate processes (npm run channel-client, npm ` +
            `run watchtower), signing with ${short(w.bobAddress)} and ${short(w.towerAddress)}; this process ` +
            `plays Alice and Carol, and talks to Bob's services over JSON-RPC`
        : `Bob's channel client and Bob's watchtower run in this process too, signing with ` +
            `${short(w.bobAddress)} and ${short(w.towerAddress)}`,
    );
    await w.tick();
    return w;
  }

  get provider(): RpcProvider {
    return this.stack.provider;
  }

  /** Whether Bob's client and watchtower run as processes. */
  get asProcesses(): boolean {
    return this.stack.placement === "processes";
  }

  get bobAddress(): string {
    return new Wallet(this.keys.bob).address;
  }

  get towerAddress(): string {
    return new Wallet(this.keys.watchtower).address;
  }

  nameOf(address: string): string {
    return this.names.get(address.toLowerCase()) ?? short(address);
  }

  balanceOf(address: string): Promise<bigint> {
    return this.provider.getBalance(address);
  }

  startUser(person: "alice" | "carol"): Promise<LocalPartySide> {
    return this.track(this.stack.user(person, person === "alice" ? this.alice : this.carol));
  }

  startBob(watchtower?: WatchtowerSide): Promise<ChannelPartySide> {
    return this.track(this.stack.party("bob", this.keys.bob, { watchtower }));
  }

  startWatchtower(): Promise<WatchtowerSide> {
    return this.track(this.stack.watchtower("bob", this.keys.watchtower));
  }

  /**
   * `a` opens a channel with `b` and deposits its share; `b`'s client deposits its own on its own, after
   * `a`'s (the deposit-race guard's order), which the story learns from `b`'s `deposited` event.
   */
  async open(
    a: ChannelPartySide,
    b: ChannelPartySide,
    deposits: AliceBob,
    say: Narrator,
  ): Promise<OpenChannel> {
    const [na, nb] = [this.nameOf(a.address), this.nameOf(b.address)];
    const opened = await a.open(
      { address: b.address, url: b.peerUrl },
      [{ asset: ETH, balances: [deposits.alice, deposits.bob] }],
      {
        nonce: this.nonce++,
        challengeDuration: this.challengeDuration,
      },
    );
    const channelId = opened.channelId;
    this.channelIds.push(channelId);
    say.say(
      "open",
      `${na} offers ${nb} channel ${short(channelId)} over ${b.peerUrl} (challenge window ` +
        `${this.challengeDuration} s); both sign v0: ${na} ${eth(deposits.alice)}, ${nb} ${eth(deposits.bob)}`,
    );
    const depositGas: bigint[] = [];
    for (const deposit of opened.deposits) {
      say.say(
        "deposit",
        `${na} deposits ${eth(deposit.amount)} with expectedHeld ${eth(deposit.expectedHeld)}: the channel ` +
          `holds ${eth(await this.adjudicator.holdings(channelId, ETH))}`,
        deposit.gasUsed,
      );
      depositGas.push(deposit.gasUsed);
    }
    if (deposits.bob > 0n) {
      const { event } = await this.waitFor(
        b.events,
        (e) => (e.type === "deposited" || e.type === "depositFailed") && e.channelId === channelId,
        `${nb}'s deposit into ${channelId}`,
      );
      if (event.type !== "deposited") {
        throw new ChannelsStoryError(
          `${nb}'s client could not deposit its share: ${(event as { error?: string }).error}`,
        );
      }
      const client = b.placement === "process" ? `${nb}'s client process` : `${nb}'s client`;
      say.say(
        "deposit",
        `${client} deposits ${eth(BigInt(event.amount))} on its own with expectedHeld ` +
          `${eth(BigInt(event.expectedHeld))}, once it sees ${na}'s: the channel holds ` +
          `${eth(await this.adjudicator.holdings(channelId, ETH))}`,
        BigInt(event.gasUsed),
      );
      depositGas.push(BigInt(event.gasUsed));
    }
    await this.tick();
    await this.check([opened.opened]);
    return { params: opened.params, channelId, opened: opened.opened, url: b.peerUrl, depositGas };
  }

  /** The first event of `source` that `match`es, within the story's timeout. */
  async waitFor<E extends ChannelEvent | WatchtowerEvent>(
    source: EventSource<E>,
    match: (event: Published<E>) => boolean,
    what: string,
  ): Promise<{ event: Published<E>; cursor: number }> {
    return waitForEvent(source, match, { timeoutMs: this.timeoutMs, pollMs: 50, what });
  }

  event(receipt: ContractTransactionReceipt, name: string): LogDescription {
    for (const log of receipt.logs) {
      const parsed = this.adjudicator.contract.interface.parseLog(log);
      if (parsed?.name === name) return parsed;
    }
    throw new ChannelsStoryError(`no ${name} event in ${receipt.hash}`);
  }

  /** Reads Layer-1 time, for the story and for this process's parties. */
  async tick(): Promise<void> {
    this.now = await this.stack.tick();
  }

  async advance(seconds: number): Promise<void> {
    await this.provider.send("evm_increaseTime", [seconds]);
    await this.provider.send("evm_mine", []);
    await this.tick();
  }

  /** Payouts never exceed holdings; each of `newest` (live channels' newest states) is covered. */
  async check(newest: SignedState[] = []): Promise<bigint> {
    const slack = await assertAdjudicatorSolvent(this.adjudicator, this.provider, {
      channelIds: this.channelIds,
      assets: [ETH],
      accounts: [this.alice.address, this.bobAddress, this.carol.address, this.towerAddress],
    });
    for (const signed of newest) await assertNewestStateCovered(this.adjudicator, signed);
    this.checks++;
    return slack.get(ETH)!;
  }

  async sayInvariants(say: Narrator): Promise<void> {
    const slack = await this.check();
    const owned = await this.provider.getBalance(this.stack.adjudicator);
    const n = this.channelIds.length;
    say.say(
      "assertAdjudicatorSolvent",
      `the adjudicator owns ${eth(owned)} and owes ${eth(owned - slack)} (the holdings of ` +
        `${n === 1 ? "its channel" : `its ${n} channels`} and credits): payouts never exceeded holdings ` +
        `(checked ${this.checks} times so far)`,
    );
  }

  /** Sends what is left in the users' keys back to the accounts that funded them. */
  async sweep(say: Narrator): Promise<void> {
    const fees = await this.provider.getFeeData();
    const maxFeePerGas = fees.maxFeePerGas ?? fees.gasPrice ?? 0n;
    const maxPriorityFeePerGas = fees.maxPriorityFeePerGas ?? maxFeePerGas;
    for (const [wallet, funder] of [
      [this.alice, this.funders.alice],
      [this.carol, this.funders.carol],
    ] as const) {
      const balance = await this.balanceOf(wallet.address);
      const cost = 21_000n * maxFeePerGas;
      if (balance <= cost) continue;
      await (
        await wallet.sendTransaction({
          to: await funder.getAddress(),
          value: balance - cost,
          gasLimit: 21_000n,
          maxFeePerGas,
          maxPriorityFeePerGas,
        })
      ).wait();
    }
    say.note("the users' channel keys send what they hold back to the accounts that funded them");
  }

  /** Stops whatever the story started and is still running. */
  async stopAll(): Promise<void> {
    for (const side of [...this.running]) await side.stop().catch(() => undefined);
    this.running.clear();
  }

  private async track<T extends ChannelPartySide | WatchtowerSide>(started: Promise<T>): Promise<T> {
    const side = await started;
    this.running.add(side);
    return side;
  }
}

// -------------------------------------------------------------------------------------------------
// Helpers
// -------------------------------------------------------------------------------------------------

/** The balances of an Alice–Bob channel's state. */
function aliceBob(signed: SignedState): AliceBob {
  const [alice, bob] = signed.state.allocations[0].balances;
  return { alice, bob };
}

function sameSigned(a: SignedState | undefined, b: SignedState): boolean {
  if (!a || a.state.version !== b.state.version) return false;
  const json = (s: SignedState) =>
    JSON.stringify(s, (_k, v: unknown) => (typeof v === "bigint" ? `${v}` : v));
  return json(a) === json(b);
}

const sum = (xs: bigint[]): bigint => xs.reduce((total, x) => total + x, 0n);
