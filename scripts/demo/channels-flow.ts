// The channels flow: Strata's payment channels end to end, narrated. The real Adjudicator (also the secret
// registry of the locks), a real ChannelClient per party with its own durable store, talking to its peer
// over a localhost WebSocket, and a real watchtower behind its HTTP endpoint.
//
// Part 1, open → pay → close: Alice and Bob open an ETH channel and fund it in participant order (the
// deposit-race guard refuses a retried deposit), exchange many payments both ways off-chain (each one
// co-signed by both and stored on disk by both before it counts), agree on a final state and close the
// channel on Layer 1 in one transaction that pays each exactly the final balances.
//
// Part 2, a stale registration defeated: Alice pays Bob for a while but keeps her first co-signed state,
// in which she still had more. Bob hands every state to his watchtower and goes offline; Alice registers
// the old state; the watchtower reads ChallengeRegistered and refutes with Bob's newest state within the
// window; the window passes and the newest state is what concludes.
//
// Part 3, a multi-hop payment A → B → C: Alice pays Carol through Bob with one hashlock (A–B's lock has a
// later deadline than B–C's). Bob goes silent, so Carol goes to Layer 1: she registers B–C, reveals the
// secret on the adjudicator before her deadline, concludes and unlocks; later A–B concludes and its lock,
// whose secret was revealed in time, pays Bob.
//
// The invariants of src/channels/invariants.ts are checked after every part. The flow moves the chain's
// clock with evm_increaseTime / evm_mine, so it runs on any local chain: Hardhat in-process, `hardhat
// node`, Anvil. On a node, scripts/demo/services/channels.ts tells the same three parts with Bob's channel
// client and his watchtower as separate processes, built from the steps this file exports.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type {
  ContractTransactionReceipt,
  LogDescription,
  Provider,
  Signer,
  TransactionReceipt,
} from "ethers";
import { Wallet, hexlify, keccak256, parseEther, randomBytes } from "ethers";
import { AdjudicatorClient } from "../../src/channels/adjudicator-client";
import type { SignedState } from "../../src/channels/channel";
import { keySigner } from "../../src/channels/channel";
import { ChannelClient } from "../../src/channels/client";
import { ChannelDomain, channelHashingReady } from "../../src/channels/eip712";
import { assertAdjudicatorSolvent, assertNewestStateCovered } from "../../src/channels/invariants";
import { ChannelStore } from "../../src/channels/store";
import type { Connection, Listener } from "../../src/channels/transport";
import type { ChannelParams } from "../../src/channels/types";
import { ETH, pendingLocksOf } from "../../src/channels/types";
import type { Decision } from "../../src/channels/watchtower";
import { Watchtower, WatchtowerFeed, WatchtowerStore, serveWatchtower } from "../../src/channels/watchtower";
import type { Deployment } from "../../src/common/deployments";
import { StrataError } from "../../src/common/errors";
import type { LogLevel, Logger } from "../../src/common/logger";
import { createLogger } from "../../src/common/logger";
import type { Narrator } from "../../src/demo/narrator";
import { rejectionName, revertName } from "../../src/demo/outcomes";
import { eth, short } from "../../src/demo/narrator";

export class ChannelsFlowError extends StrataError {}

/** The Layer-1 accounts that play: the three users fund their clients' keys; the watchtower pays its own gas. */
export interface ChannelsFlowParties {
  alice: Signer;
  bob: Signer;
  carol: Signer;
  watchtower: Signer;
}

export interface ChannelsFlowOptions {
  /** Off-chain payments in part 1 (default 1,000; one in four goes from Bob to Alice). */
  payments?: number;
  /** Seconds a registered state can be refuted (default 3,600). */
  challengeDuration?: number;
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
  /** The custom error a retried deposit (same `expectedHeld`) reverted with. */
  retriedDepositRefused: string | undefined;
  payments: { total: number; aliceToBob: number; bobToAlice: number; seconds: number; perSecond: number };
  finalVersion: bigint;
  finalBalances: AliceBob;
  /** Bob's client holds exactly the final state Alice's holds, both signatures included. */
  bothHoldFinal: boolean;
  closeGas: bigint;
  /** What `close` paid each (the sender's fee added back). */
  paid: AliceBob;
  holdingsAfter: bigint;
  /** The channel's latest version in each store, reopened from disk after the clients stopped. */
  storedVersion: AliceBob;
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
  /** The watchtower's round after the registration, and its next round (its own refutation). */
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

export interface ChannelsFlowResult {
  /** The addresses of the parties' channel keys (the channels' participants). */
  accounts: { alice: string; bob: string; carol: string };
  channelIds: string[];
  cooperative: CooperativeResult;
  staleClose: StaleCloseResult;
  multihop: MultihopResult;
  /** Invariant checks run, and the adjudicator's ETH beyond what it owes at the end. */
  invariants: { checks: number; slack: bigint };
}

// Alice's key holds more than her deposits: a node may check the funds of a retried deposit (refused by
// the race guard) before it runs it, and Anvil does.
const FUNDING: Record<Person, bigint> = {
  alice: parseEther("30"),
  bob: parseEther("20"),
  carol: parseEther("1"),
};
export const DEFAULT_PAYMENTS = 1_000;
const DEFAULT_CHALLENGE_DURATION = 3_600;

/** The parts' titles, the same whether the operators run in this process or as services. */
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
// The flow
// -------------------------------------------------------------------------------------------------

export async function runChannelsFlow(
  deployment: Deployment,
  parties: ChannelsFlowParties,
  say: Narrator,
  options: ChannelsFlowOptions = {},
): Promise<ChannelsFlowResult> {
  const w = await createWorld(deployment, parties, options, say);
  try {
    const cooperative = await runCooperative(w, say, options.payments ?? DEFAULT_PAYMENTS);
    const staleClose = await runStaleClose(w, say);
    const multihop = await runMultihop(w, say);
    return await finishFlow(w, say, { cooperative, staleClose, multihop });
  } finally {
    await w.close();
  }
}

/**
 * The flow's end: a last invariant check and the channel keys swept back to their funders; the result,
 * from the parts' results and the world.
 */
export async function finishFlow<Parts extends object>(
  w: World,
  say: Narrator,
  parts: Parts,
): Promise<Parts & Pick<ChannelsFlowResult, "accounts" | "channelIds" | "invariants">> {
  const slack = await w.check();
  await w.sweep(say);
  return {
    accounts: { alice: w.address("alice"), bob: w.address("bob"), carol: w.address("carol") },
    channelIds: [...w.channelIds],
    ...parts,
    invariants: { checks: w.checks, slack },
  };
}

// -------------------------------------------------------------------------------------------------
// Part 1: open → pay → finalize → close
// -------------------------------------------------------------------------------------------------

async function runCooperative(w: World, say: Narrator, payments: number): Promise<CooperativeResult> {
  say.title(TITLES.cooperative);
  const alice = await w.startClient("alice", "cooperative");
  const bob = await w.startClient("bob", "cooperative");
  const ch = await w.open(alice, bob, [COOP_DEPOSITS.alice, COOP_DEPOSITS.bob], say);

  const retriedDepositRefused = await revertName(
    w
      .adjudicatorOf("bob")
      .deposit(w.wallet("bob"), ch.channelId, ETH, COOP_DEPOSITS.alice, COOP_DEPOSITS.bob),
  );
  say.note(
    `Bob's deposit sent again with the same expectedHeld (${eth(COOP_DEPOSITS.alice)}) reverts with ` +
      `${retriedDepositRefused}: the channel holds ${eth(COOP_DEPOSITS.alice + COOP_DEPOSITS.bob)} now, ` +
      `so a retried deposit cannot fund the channel twice`,
  );

  const paymentsMade = await payMany(
    w,
    ch,
    alice.client,
    bob.client,
    payments,
    () =>
      `each one is signed by its proposer, checked and co-signed by the other side, and written to both ` +
      `stores before it counts (fsync batches: Alice ${alice.store.fsyncs}, Bob ${bob.store.fsyncs}); ` +
      `Layer 1 saw none of them`,
    say,
  );
  const closed = await finalizeAndClose(w, ch, alice.client, () => w.balanceOf("bob"), payments, say);
  const bothHoldFinal = sameSigned(bob.client.latest(ch.channelId), closed.final);

  const storedVersion: AliceBob = {
    alice: await w.stopAndReopen(alice, ch.channelId),
    bob: await w.stopAndReopen(bob, ch.channelId),
  };
  say.note(
    `both clients stopped; their stores reopened from disk hold v${storedVersion.alice} (Alice) and ` +
      `v${storedVersion.bob} (Bob)`,
  );
  await w.sayInvariants(say);
  return {
    ...cooperativeResult(ch, closed, {
      retriedDepositRefused,
      payments: paymentsMade,
      bothHoldFinal,
      storedVersion,
    }),
    fsyncs: { alice: alice.store.fsyncs, bob: bob.store.fsyncs },
  };
}

/** Part 1's result, from its channel, its close and what the flow saw; Bob's fsyncs are the caller's. */
export function cooperativeResult(
  ch: OpenChannel,
  closed: Closed,
  seen: Pick<CooperativeResult, "retriedDepositRefused" | "payments" | "bothHoldFinal" | "storedVersion">,
): Omit<CooperativeResult, "fsyncs"> {
  return {
    channelId: ch.channelId,
    deposits: COOP_DEPOSITS,
    depositGas: ch.depositGas,
    finalVersion: closed.final.state.version,
    finalBalances: closed.finalBalances,
    closeGas: closed.closeGas,
    paid: closed.paid,
    holdingsAfter: closed.holdingsAfter,
    ...seen,
  };
}

/**
 * Part 1's payments: `total` of them pipelined over the channel's WebSocket, one in four from Bob to Alice
 * when `bob` is a client this process drives (else all from Alice); then how they were stored
 * (`stored()`), and the newest state's cover checked.
 */
export async function payMany(
  w: World,
  ch: OpenChannel,
  alice: ChannelClient,
  bob: ChannelClient | undefined,
  total: number,
  stored: () => string,
  say: Narrator,
): Promise<CooperativeResult["payments"]> {
  let aliceToBob = 0;
  let bobToAlice = 0;
  const started = performance.now();
  const all: Promise<SignedState>[] = [];
  for (let i = 0; i < total; i++) {
    if (bob && i % 4 === 3) {
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
  const latest = alice.latest(ch.channelId)!;
  const back = bobToAlice === 0 ? "" : `, Bob → Alice ${bobToAlice} × ${eth(BOB_UNIT)}`;
  say.say(
    "pay",
    `${total.toLocaleString("en-US")} payments over the WebSocket ${ch.url} in ${seconds.toFixed(2)} s ` +
      `(${perSecond.toLocaleString("en-US")} payments/s): Alice → Bob ${aliceToBob} × ${eth(ALICE_UNIT)}` +
      `${back}; now at v${latest.state.version}`,
  );
  say.note(stored());
  await w.check([latest]);
  say.note(
    `assertNewestStateCovered: the ${eth(await w.adjudicator.holdings(ch.channelId, ETH))} held cover ` +
      `v${latest.state.version}`,
  );
  return { total, aliceToBob, bobToAlice, seconds, perSecond };
}

/** What part 1's close settled. */
export interface Closed {
  final: SignedState;
  finalBalances: AliceBob;
  closeGas: bigint;
  paid: AliceBob;
  holdingsAfter: bigint;
}

/**
 * Alice proposes the final state (Bob's client checks and co-signs it) and closes the channel on Layer 1
 * with it; `bobBalance` reads the Layer-1 balance Bob is paid to.
 */
export async function finalizeAndClose(
  w: World,
  ch: OpenChannel,
  alice: ChannelClient,
  bobBalance: () => Promise<bigint>,
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

  const before = { alice: await w.balanceOf("alice"), bob: await bobBalance() };
  const closed = await w.adjudicatorOf("alice").close(w.wallet("alice"), ch.params, final);
  const paid: AliceBob = {
    alice: (await w.balanceOf("alice")) - before.alice + closed.fee,
    bob: (await bobBalance()) - before.bob,
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
    `Bob's watchtower serves ${tower.url}, follows the adjudicator's challenge events from block ` +
      `${tower.fromBlock} and pays its own gas from ${short(tower.address)}`,
  );
  const alice = await w.startClient("alice", "stale");
  const bob = await w.startClient("bob", "stale");
  const feed = new WatchtowerFeed(tower.url, w.logger);
  bob.client.onUpdate((e) => feed.push(bob.client.channel(e.channelId).params, e.signed));
  const ch = await w.open(alice, bob, [STALE_DEPOSITS.alice, STALE_DEPOSITS.bob], say);

  const { stale, newest } = await payKeepingStale(alice.client, ch.channelId, say);
  await feed.flushed();
  const towerHeld = tower.store.get(ch.channelId)?.latest.state.version ?? -1n;
  say.say(
    "guard",
    `Bob's client posted each co-signed state to the watchtower as it came; it checked both signatures ` +
      `and holds v${towerHeld}`,
  );
  await w.check([newest]);

  await bob.client.close();
  say.note("Bob goes offline (his client stops)");
  const registration = await registerStale(w, ch, stale, newest, say);

  await w.advance(w.challengeDuration / 2);
  say.note(`evm_increaseTime ${w.challengeDuration / 2} s: half the window passes`);
  const decisions = await tower.tower.tick();
  const refuteReceipt = await refutationOf(w, ch.channelId);
  if (!refuteReceipt) throw new ChannelsFlowError("the watchtower did not refute the stale registration");
  const status = await w.adjudicator.status(ch.channelId);
  for (const d of decisions) {
    say.say(
      "refute",
      `the watchtower's round finds ChallengeRegistered(v${d.registered}) for ${short(d.channelId)}; it ` +
        `holds v${d.held}, so it refutes with it (both signatures): v${status.version} is registered now, ` +
        `the window still closes at ${status.finalizesAt}`,
      refuteReceipt.gasUsed,
    );
  }
  const staleRefuteRefused = await checkRefuted(w, ch, stale, newest, say);

  await w.advance(w.challengeDuration / 2 + 1);
  say.note(`evm_increaseTime ${w.challengeDuration / 2 + 1} s: the window closes`);
  const laterDecisions = await tower.tower.tick();
  say.note(
    `the watchtower's next round reads its own ChallengeRefuted(v${status.version}): ` +
      laterDecisions.map((d) => d.kind).join(", "),
  );

  const concluded = await concludeNewest(
    w,
    ch,
    { stale, newest },
    {
      name: "the watchtower",
      conclude: () => tower.adjudicator.conclude(tower.signer, ch.params, newest.state),
    },
    () => w.balanceOf("bob"),
    say,
  );
  await w.stopClient(alice);
  return {
    ...staleCloseResult(ch, { stale, newest }, registration, refuteReceipt, {
      towerHeld,
      registeredAfterRefute: status.version,
      staleRefuteRefused,
      ...concluded,
    }),
    decisions,
    laterDecisions,
  };
}

/**
 * Part 2's result, from its channel, its states, the registration, the refutation and what the flow saw;
 * the watchtower's decisions are the caller's (a watchtower in this process).
 */
export function staleCloseResult(
  ch: OpenChannel,
  { stale, newest }: StaleAndNewest,
  registration: { version: bigint; gasUsed: bigint },
  refutation: TransactionReceipt,
  seen: Pick<
    StaleCloseResult,
    | "towerHeld"
    | "registeredAfterRefute"
    | "staleRefuteRefused"
    | "concludedVersion"
    | "concludeGas"
    | "paid"
    | "holdingsAfter"
  >,
): Omit<StaleCloseResult, "decisions" | "laterDecisions"> {
  return {
    channelId: ch.channelId,
    deposits: STALE_DEPOSITS,
    payments: STALE_PAYMENTS,
    stale: { version: stale.state.version, balances: aliceBob(stale) },
    newest: { version: newest.state.version, balances: aliceBob(newest) },
    registeredVersion: registration.version,
    registerGas: registration.gasUsed,
    refutedBy: refutation.from,
    refuteGas: refutation.gasUsed,
    ...seen,
  };
}

/** Part 2's states: the one dishonest Alice keeps, and the newest both signed. */
export interface StaleAndNewest {
  stale: SignedState;
  newest: SignedState;
}

/** Alice pays Bob STALE_PAYMENTS times, keeping her first co-signed state. */
export async function payKeepingStale(
  alice: ChannelClient,
  channelId: string,
  say: Narrator,
): Promise<StaleAndNewest> {
  // DEMO ADVERSARY: Alice keeps her first co-signed state, in which she still has almost everything.
  const stale = await alice.pay(channelId, STALE_UNIT);
  const rest: Promise<SignedState>[] = [];
  for (let i = 1; i < STALE_PAYMENTS; i++) rest.push(alice.pay(channelId, STALE_UNIT));
  await Promise.all(rest);
  const newest = alice.latest(channelId)!;
  const [s, n] = [aliceBob(stale), aliceBob(newest)];
  say.say(
    "pay",
    `Alice pays Bob ${STALE_PAYMENTS} × ${eth(STALE_UNIT)}; she quietly keeps v${stale.state.version} ` +
      `(Alice ${eth(s.alice)}, Bob ${eth(s.bob)}), the newest is v${newest.state.version} (Alice ` +
      `${eth(n.alice)}, Bob ${eth(n.bob)})`,
  );
  return { stale, newest };
}

/** DEMO ADVERSARY: Alice registers her stale state while Bob is offline. */
export async function registerStale(
  w: World,
  ch: OpenChannel,
  stale: SignedState,
  newest: SignedState,
  say: Narrator,
): Promise<{ version: bigint; finalizesAt: bigint; gasUsed: bigint }> {
  const registered = await w.adjudicatorOf("alice").register(w.wallet("alice"), ch.params, stale);
  const registration = w.event(registered, "ChallengeRegistered");
  const version = registration.args.version as bigint;
  const finalizesAt = registration.args.finalizesAt as bigint;
  await w.tick();
  say.say(
    "register",
    `Alice registers v${version}, which pays her ${eth(aliceBob(stale).alice)} instead of ` +
      `${eth(aliceBob(newest).alice)}: the window closes at ${finalizesAt} (in ${w.challengeDuration} s)`,
    registered.gasUsed,
  );
  await w.check();
  return { version, finalizesAt, gasUsed: registered.gasUsed };
}

/** The receipt of the refutation of `channelId`'s registration (whoever sent it), if there is one yet. */
export async function refutationOf(w: World, channelId: string): Promise<TransactionReceipt | undefined> {
  const [refutation] = await w.adjudicator.contract.queryFilter(
    w.adjudicator.contract.filters.ChallengeRefuted(channelId),
  );
  return refutation ? ((await refutation.getTransactionReceipt()) ?? undefined) : undefined;
}

/** After the refutation: the newest state is covered, and Alice cannot bring her stale one back. */
export async function checkRefuted(
  w: World,
  ch: OpenChannel,
  stale: SignedState,
  newest: SignedState,
  say: Narrator,
): Promise<string | undefined> {
  await w.check([newest]);
  say.say(
    "assertNewestStateCovered",
    `the ${eth(await w.adjudicator.holdings(ch.channelId, ETH))} the channel holds cover everything ` +
      `v${newest.state.version} allocates: the newest state can still be concluded in full`,
  );
  const refused = await revertName(w.adjudicatorOf("alice").refute(w.wallet("alice"), ch.params, stale));
  say.note(`Alice tries to bring v${stale.state.version} back with refute: reverts with ${refused}`);
  return refused;
}

/** Who concludes part 2's channel once its window has closed. */
export interface Concluder {
  name: string;
  conclude(): Promise<ContractTransactionReceipt>;
  /** Set when Alice sends it: her fee is added back to what she was paid. */
  alice?: boolean;
}

/** The newest state concludes; what each was paid (`bobBalance` reads Bob's Layer-1 balance). */
export async function concludeNewest(
  w: World,
  ch: OpenChannel,
  { stale, newest }: StaleAndNewest,
  by: Concluder,
  bobBalance: () => Promise<bigint>,
  say: Narrator,
): Promise<Pick<StaleCloseResult, "concludedVersion" | "concludeGas" | "paid" | "holdingsAfter">> {
  const before = { alice: await w.balanceOf("alice"), bob: await bobBalance() };
  const concluded = await by.conclude();
  const paid: AliceBob = {
    alice: (await w.balanceOf("alice")) - before.alice + (by.alice ? concluded.fee : 0n),
    bob: (await bobBalance()) - before.bob,
  };
  const concludedVersion = w.event(concluded, "ChannelConcluded").args.version as bigint;
  const holdingsAfter = await w.adjudicator.holdings(ch.channelId, ETH);
  say.say(
    "conclude",
    `anyone may conclude once the window has closed; ${by.name} does, with v${concludedVersion}: ` +
      `Alice is paid ${eth(paid.alice)}, Bob ${eth(paid.bob)} (offline all along)`,
    concluded.gasUsed,
  );
  say.note(
    `Alice's cheat got her nothing: ${eth(aliceBob(stale).alice - paid.alice)} less than ` +
      `v${stale.state.version} promised her, and she paid the gas of her registration`,
  );
  await w.sayInvariants(say);
  return { concludedVersion, concludeGas: concluded.gasUsed, paid, holdingsAfter };
}

// -------------------------------------------------------------------------------------------------
// Part 3: A → B → C with one hashlock; B goes silent and the payment settles on Layer 1
// -------------------------------------------------------------------------------------------------

/** Part 3; `intro` (if any) is noted under the title. */
export async function runMultihop(w: World, say: Narrator, intro?: string): Promise<MultihopResult> {
  say.title(TITLES.multihop);
  if (intro !== undefined) say.note(intro);
  const alice = await w.startClient("alice", "multihop");
  const bob = await w.startClient("bob", "multihop");
  const carol = await w.startClient("carol", "multihop");
  const ab = await w.open(alice, bob, [AB_DEPOSITS.alice, AB_DEPOSITS.bob], say);
  const bc = await w.open(bob, carol, [BC_DEPOSIT, 0n], say);

  const secret = hexlify(randomBytes(32));
  const hashlock = keccak256(secret);
  say.note(
    `Carol picks a secret and sends Alice its hash ${short(hashlock)} with her invoice for ${eth(HOP_AMOUNT)}`,
  );
  const d = BigInt(w.challengeDuration);
  const deadlines = { ab: w.now + 6n * d, bc: w.now + 3n * d };
  await alice.client.lock(ab.channelId, { hashlock, deadline: deadlines.ab, amount: HOP_AMOUNT });
  const abState = alice.client.latest(ab.channelId)!;
  say.say(
    "lock",
    `Alice locks ${eth(HOP_AMOUNT)} for Bob on A–B (v${abState.state.version}) under that hash, deadline ` +
      `${deadlines.ab} (now + ${6n * d} s)`,
  );
  await bob.client.lock(bc.channelId, { hashlock, deadline: deadlines.bc, amount: HOP_AMOUNT });
  const bcState = carol.client.latest(bc.channelId)!;
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

  await bob.client.close();
  const offChainSettleError = await rejectionName(carol.client.settle(bc.channelId, hashlock, secret));
  say.note(
    `Bob goes silent. Carol offers him the secret to settle B–C off-chain: ${offChainSettleError}; ` +
      `she still holds v${carol.client.latest(bc.channelId)!.state.version} with the lock`,
  );

  // Carol settles B–C on Layer 1.
  const carolFees: bigint[] = [];
  const carolBefore = await w.balanceOf("carol");
  const bcRegistered = await w.adjudicatorOf("carol").register(w.wallet("carol"), bc.params, bcState);
  carolFees.push(bcRegistered.fee);
  say.say(
    "register",
    `Carol registers B–C v${bcState.state.version} (Bob ${eth(balancesOf(bcState)[0])}, Carol ` +
      `${eth(balancesOf(bcState)[1])}, ${eth(HOP_AMOUNT)} locked for her)`,
    bcRegistered.gasUsed,
  );
  const revealed = await w.adjudicatorOf("carol").reveal(w.wallet("carol"), secret);
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
  const bobBefore = await w.balanceOf("bob");
  const bcConcluded = await w.adjudicatorOf("carol").conclude(w.wallet("carol"), bc.params, bcState.state);
  carolFees.push(bcConcluded.fee);
  const bcPaidToBob = (await w.balanceOf("bob")) - bobBefore;
  say.say(
    "conclude",
    `Carol concludes B–C: Bob is paid his ${eth(bcPaidToBob)}; the lock is recorded for unlock`,
    bcConcluded.gasUsed,
  );
  await w.check();
  const bcUnlocked = await w
    .adjudicatorOf("carol")
    .unlock(w.wallet("carol"), bc.channelId, pendingLocksOf(bc.params, bcState.state));
  carolFees.push(bcUnlocked.fee);
  const bcLockPaidTo = w.event(bcUnlocked, "LockSettled").args.paidTo as string;
  const paidToCarol = (await w.balanceOf("carol")) - carolBefore + sum(carolFees);
  say.say(
    "unlock",
    `Carol unlocks: the secret was revealed before the deadline, so the lock pays ${w.nameOf(bcLockPaidTo)}; ` +
      `Carol is ${eth(paidToCarol)} richer, her gas aside`,
    bcUnlocked.gasUsed,
  );
  const bcHoldingsAfter = await w.adjudicator.holdings(bc.channelId, ETH);
  await w.check([abState]);

  // Later Alice wants the rest of her money out of A–B; Bob is still silent.
  const aliceFees: bigint[] = [];
  const before = await w.balances(["alice", "bob"]);
  const abRegistered = await w.adjudicatorOf("alice").register(w.wallet("alice"), ab.params, abState);
  aliceFees.push(abRegistered.fee);
  say.say(
    "register",
    `Bob is still silent, so Alice registers A–B v${abState.state.version} (Alice ` +
      `${eth(balancesOf(abState)[0])}, Bob ${eth(balancesOf(abState)[1])}, ${eth(HOP_AMOUNT)} locked for Bob)`,
    abRegistered.gasUsed,
  );
  await w.advance(w.challengeDuration + 1);
  say.note(`evm_increaseTime ${w.challengeDuration + 1} s: A–B's window closes`);
  const abConcluded = await w.adjudicatorOf("alice").conclude(w.wallet("alice"), ab.params, abState.state);
  aliceFees.push(abConcluded.fee);
  const concludedAt = BigInt((await w.provider.getBlock(abConcluded.blockNumber))!.timestamp);
  say.say(
    "conclude",
    `Alice concludes A–B at ${concludedAt}, before the lock's deadline ${deadlines.ab}: balances paid, ` +
      `the lock recorded`,
    abConcluded.gasUsed,
  );
  await w.check();
  const abUnlocked = await w
    .adjudicatorOf("alice")
    .unlock(w.wallet("alice"), ab.channelId, pendingLocksOf(ab.params, abState.state));
  aliceFees.push(abUnlocked.fee);
  const abLockPaidTo = w.event(abUnlocked, "LockSettled").args.paidTo as string;
  const after = await w.balances(["alice", "bob"]);
  const abPaidToAlice = after.alice - before.alice + sum(aliceFees);
  const abPaidToBob = after.bob - before.bob;
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
  await w.stopClient(alice);
  await w.stopClient(carol);
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
// The world: the adjudicator, the parties' keys and clients, the watchtower, the clock
// -------------------------------------------------------------------------------------------------

export type Person = "alice" | "bob" | "carol";
const NAMES: Record<Person, string> = { alice: "Alice", bob: "Bob", carol: "Carol" };

/** A provider that also takes raw JSON-RPC calls (Hardhat's, or an ethers JsonRpcProvider). */
type RpcProvider = Provider & { send(method: string, params: unknown[]): Promise<unknown> };

/** One party's running channel client. */
export interface RunningClient {
  person: Person;
  client: ChannelClient;
  store: ChannelStore;
  storePath: string;
  listener: Listener;
}

/** A channel a client of this process opened: its funding state v0, and the gas of its deposits so far. */
export interface OpenChannel {
  params: ChannelParams;
  channelId: string;
  opened: SignedState;
  link: Connection;
  url: string;
  depositGas: bigint[];
}

/** A peer's channel client as the opener sees it: who it is and where it listens. */
export interface Peer {
  name: string;
  address: string;
  url: string;
}

interface RunningTower {
  tower: Watchtower;
  /** Its Layer-1 account, which pays for refutations. */
  signer: Signer;
  address: string;
  /** The adjudicator as the watchtower's account sends to it. */
  adjudicator: AdjudicatorClient;
  store: WatchtowerStore;
  url: string;
  fromBlock: number;
}

/** The accounts that fund the parties' channel keys; a watchtower only where it runs in this process. */
export type WorldParties = Omit<ChannelsFlowParties, "watchtower"> & { watchtower?: Signer };

export interface World {
  parties: WorldParties;
  provider: RpcProvider;
  /** Read-only: views and events. */
  adjudicator: AdjudicatorClient;
  challengeDuration: number;
  logger: Logger;
  /** Layer-1 time as the clients see it (seconds); `tick` keeps it on the chain's. */
  readonly now: bigint;
  readonly checks: number;
  readonly channelIds: readonly string[];
  wallet(person: Person): Wallet;
  address(person: Person): string;
  adjudicatorOf(person: Person): AdjudicatorClient;
  nameOf(address: string): string;
  /** Names a party's Layer-1 account that is not one of this process's channel keys, and checks its credits. */
  know(address: string, name: string): void;
  startClient(person: Person, part: string): Promise<RunningClient>;
  stopClient(c: RunningClient): Promise<void>;
  /** Stops the client, closes its store and reopens it from disk: the channel's latest version there. */
  stopAndReopen(c: RunningClient, channelId: string): Promise<bigint>;
  startWatchtower(): Promise<RunningTower>;
  /** `a` opens a channel with `b` over a WebSocket; both deposit their share in participant order. */
  open(a: RunningClient, b: RunningClient, deposits: [bigint, bigint], say: Narrator): Promise<OpenChannel>;
  /** `a` connects to `peer` and both sign the funding state v0 (nobody has deposited yet). */
  offer(a: RunningClient, peer: Peer, deposits: [bigint, bigint], say: Narrator): Promise<OpenChannel>;
  /** `person` deposits `amount` when the channel holds `expectedHeld`; returns the gas. */
  deposit(
    person: Person,
    channelId: string,
    expectedHeld: bigint,
    amount: bigint,
    say: Narrator,
  ): Promise<bigint>;
  event(receipt: ContractTransactionReceipt, name: string): LogDescription;
  balanceOf(person: Person): Promise<bigint>;
  balances<P extends Person>(people: P[]): Promise<Record<P, bigint>>;
  tick(): Promise<void>;
  advance(seconds: number): Promise<void>;
  /** Payouts never exceed holdings; each of `newest` (live channels' newest states) is covered. */
  check(newest?: SignedState[]): Promise<bigint>;
  sayInvariants(say: Narrator): Promise<void>;
  /** Sends what is left in the channel keys back to the accounts that funded them. */
  sweep(say: Narrator): Promise<void>;
  close(): Promise<void>;
}

export async function createWorld(
  deployment: Deployment,
  parties: WorldParties,
  options: ChannelsFlowOptions,
  say: Narrator,
): Promise<World> {
  const address = deployment.contracts.Adjudicator;
  if (!address) throw new ChannelsFlowError("the deployment has no Adjudicator");
  const provider = parties.alice.provider as RpcProvider | null;
  if (!provider || typeof provider.send !== "function") {
    throw new ChannelsFlowError("the channels flow needs a JSON-RPC provider (it moves the chain's clock)");
  }
  await channelHashingReady;
  const { chainId } = await provider.getNetwork();
  const domain = new ChannelDomain(chainId, address);
  const challengeDuration = options.challengeDuration ?? DEFAULT_CHALLENGE_DURATION;
  const logger = createLogger({
    scope: "demo:channels",
    level: (process.env.STRATA_LOG_LEVEL as LogLevel | undefined) ?? "warn",
  });
  const dir = await mkdtemp(join(tmpdir(), "strata-demo-channels-"));
  const adjudicator = new AdjudicatorClient(address, provider);

  // Channel clients sign states many times a second, so each holds its key: a fresh one per party,
  // funded from the party's Layer-1 account (the accounts the demo gets are unlocked, not exportable).
  const wallets = {} as Record<Person, Wallet>;
  const funders: Record<Person, Signer> = { alice: parties.alice, bob: parties.bob, carol: parties.carol };
  say.title("Payment channels: the parties");
  say.note(`Adjudicator ${address} (also the secret registry of the locks)`);
  for (const person of Object.keys(NAMES) as Person[]) {
    const wallet = new Wallet(hexlify(randomBytes(32)), provider);
    await (await funders[person].sendTransaction({ to: wallet.address, value: FUNDING[person] })).wait();
    wallets[person] = wallet;
    say.note(
      `${NAMES[person]}'s channel client signs with ${wallet.address}, funded with ${eth(FUNDING[person])} ` +
        `from ${short(await funders[person].getAddress())}`,
    );
  }
  const names = new Map<string, string>();
  for (const person of Object.keys(NAMES) as Person[])
    names.set(wallets[person].address.toLowerCase(), NAMES[person]);
  if (parties.watchtower) names.set((await parties.watchtower.getAddress()).toLowerCase(), "the watchtower");
  const accounts = Object.values(wallets).map((x) => x.address);
  const adjudicators = {} as Record<Person, AdjudicatorClient>;
  for (const person of Object.keys(NAMES) as Person[]) {
    adjudicators[person] = new AdjudicatorClient(address, wallets[person]);
  }

  let now = 0n;
  let checks = 0;
  let nonce = 1n;
  const channelIds: string[] = [];
  const running = new Set<RunningClient>();
  const towers: { store: WatchtowerStore; close(): Promise<void> }[] = [];
  const nameOf = (a: string) => names.get(a.toLowerCase()) ?? short(a);
  const balanceOf = (person: Person) => provider.getBalance(wallets[person].address);

  const w: World = {
    parties,
    provider,
    adjudicator,
    challengeDuration,
    logger,
    get now() {
      return now;
    },
    get checks() {
      return checks;
    },
    channelIds,
    wallet: (person) => wallets[person],
    address: (person) => wallets[person].address,
    adjudicatorOf: (person) => adjudicators[person],
    nameOf,
    know(a, name) {
      names.set(a.toLowerCase(), name);
      accounts.push(a);
    },

    async startClient(person, part) {
      const storePath = join(dir, part, `${person}.jsonl`);
      const store = await ChannelStore.open(storePath, { logger });
      const client = ChannelClient.create({
        signer: keySigner(domain, wallets[person].privateKey),
        store,
        now: () => now,
        withdrawnVersion: (id) => adjudicators[person].withdrawnVersion(id),
        logger: logger.child(`${person}:${part}`),
      });
      const listener = await client.listen();
      const c: RunningClient = { person, client, store, storePath, listener };
      running.add(c);
      await w.tick();
      return c;
    },

    async stopClient(c) {
      if (!running.delete(c)) return;
      await c.client.close();
      await c.store.close();
    },

    async stopAndReopen(c, channelId) {
      await w.stopClient(c);
      return (await storedLatest(c.storePath, channelId))?.state.version ?? -1n;
    },

    async startWatchtower() {
      if (!parties.watchtower)
        throw new ChannelsFlowError("no watchtower account to run one in this process");
      const store = await WatchtowerStore.open(join(dir, "watchtower", "tower.jsonl"), { logger });
      const fromBlock = await provider.getBlockNumber();
      const towerAdjudicator = new AdjudicatorClient(address, parties.watchtower);
      const tower = new Watchtower({
        adjudicator: towerAdjudicator,
        signer: parties.watchtower,
        store,
        domain,
        fromBlock,
        logger: logger.child("watchtower"),
      });
      const server = await serveWatchtower(tower, store, { logger });
      towers.push({ store, close: () => server.close() });
      return {
        tower,
        signer: parties.watchtower,
        address: await parties.watchtower.getAddress(),
        adjudicator: towerAdjudicator,
        store,
        url: server.url,
        fromBlock,
      };
    },

    async open(a, b, deposits, say) {
      const peer = { name: NAMES[b.person], address: wallets[b.person].address, url: b.listener.url };
      const ch = await w.offer(a, peer, deposits, say);
      let held = 0n;
      for (const [party, amount] of [
        [a, deposits[0]],
        [b, deposits[1]],
      ] as const) {
        if (amount === 0n) continue;
        ch.depositGas.push(await w.deposit(party.person, ch.channelId, held, amount, say));
        held += amount;
      }
      await w.tick();
      await w.check([ch.opened]);
      return ch;
    },

    async offer(a, peer, deposits, say) {
      const params: ChannelParams = {
        participants: [wallets[a.person].address, peer.address],
        nonce: nonce++,
        challengeDuration,
      };
      const link = await a.client.connect(peer.url);
      const opened = await a.client.open(link, params, [{ asset: ETH, balances: [...deposits] }]);
      const channelId = opened.state.channelId;
      channelIds.push(channelId);
      const na = NAMES[a.person];
      say.say(
        "open",
        `${na} offers ${peer.name} channel ${short(channelId)} over ${peer.url} (challenge window ` +
          `${challengeDuration} s); both sign v0: ${na} ${eth(deposits[0])}, ${peer.name} ${eth(deposits[1])}`,
      );
      return { params, channelId, opened, link, url: peer.url, depositGas: [] };
    },

    async deposit(person, channelId, expectedHeld, amount, say) {
      const receipt = await adjudicators[person].deposit(
        wallets[person],
        channelId,
        ETH,
        expectedHeld,
        amount,
      );
      say.say(
        "deposit",
        `${NAMES[person]} deposits ${eth(amount)} with expectedHeld ${eth(expectedHeld)}: the channel holds ` +
          `${eth(await adjudicator.holdings(channelId, ETH))}`,
        receipt.gasUsed,
      );
      return receipt.gasUsed;
    },

    event(receipt, name) {
      for (const log of receipt.logs) {
        const parsed = adjudicator.contract.interface.parseLog(log);
        if (parsed?.name === name) return parsed;
      }
      throw new ChannelsFlowError(`no ${name} event in ${receipt.hash}`);
    },

    balanceOf,
    async balances<P extends Person>(people: P[]) {
      const out = {} as Record<P, bigint>;
      for (const person of people) out[person] = await balanceOf(person);
      return out;
    },

    async tick() {
      now = BigInt((await provider.getBlock("latest"))!.timestamp);
    },

    async advance(seconds) {
      await provider.send("evm_increaseTime", [seconds]);
      await provider.send("evm_mine", []);
      await w.tick();
    },

    async check(newest = []) {
      const slack = await assertAdjudicatorSolvent(adjudicator, provider, {
        channelIds,
        assets: [ETH],
        accounts,
      });
      for (const signed of newest) await assertNewestStateCovered(adjudicator, signed);
      checks++;
      return slack.get(ETH)!;
    },

    async sayInvariants(say) {
      const slack = await w.check();
      const owned = await provider.getBalance(address);
      say.say(
        "assertAdjudicatorSolvent",
        `the adjudicator owns ${eth(owned)} and owes ${eth(owned - slack)} (the holdings of ` +
          `${channelIds.length === 1 ? "its channel" : `its ${channelIds.length} channels`} and credits): ` +
          `payouts never exceeded holdings (checked ${checks} times so far)`,
      );
    },

    async sweep(say) {
      const fees = await provider.getFeeData();
      const maxFeePerGas = fees.maxFeePerGas ?? fees.gasPrice ?? 0n;
      const maxPriorityFeePerGas = fees.maxPriorityFeePerGas ?? maxFeePerGas;
      for (const person of Object.keys(NAMES) as Person[]) {
        const balance = await balanceOf(person);
        const cost = 21_000n * maxFeePerGas;
        if (balance <= cost) continue;
        await (
          await wallets[person].sendTransaction({
            to: await funders[person].getAddress(),
            value: balance - cost,
            gasLimit: 21_000n,
            maxFeePerGas,
            maxPriorityFeePerGas,
          })
        ).wait();
      }
      say.note("the channel keys send what they hold back to the accounts that funded them");
    },

    async close() {
      for (const c of [...running]) await w.stopClient(c).catch(() => undefined);
      for (const t of towers.splice(0)) {
        await t.close();
        await t.store.close();
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  return w;
}

// -------------------------------------------------------------------------------------------------
// Helpers
// -------------------------------------------------------------------------------------------------

/** The latest state of `channelId` in the channel store at `path` (a stopped client's, read from disk). */
export async function storedLatest(path: string, channelId: string): Promise<SignedState | undefined> {
  const store = await ChannelStore.open(path);
  try {
    return store.get(channelId)?.latest;
  } finally {
    await store.close();
  }
}

/** The ETH balances of a state, in participant order. */
function balancesOf(signed: SignedState): [bigint, bigint] {
  const [first, second] = signed.state.allocations[0].balances;
  return [first, second];
}

/** The balances of an Alice–Bob channel's state. */
export function aliceBob(signed: SignedState): AliceBob {
  const [alice, bob] = balancesOf(signed);
  return { alice, bob };
}

export function sameSigned(a: SignedState | undefined, b: SignedState): boolean {
  if (!a || a.state.version !== b.state.version) return false;
  const json = (s: SignedState) =>
    JSON.stringify(s, (_k, v: unknown) => (typeof v === "bigint" ? `${v}` : v));
  return json(a) === json(b);
}

export const sum = (xs: bigint[]): bigint => xs.reduce((total, x) => total + x, 0n);
