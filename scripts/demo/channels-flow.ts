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
// node`, Anvil.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { ContractTransactionReceipt, LogDescription, Provider, Signer } from "ethers";
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
import type { Narrator } from "./narrator";
import { rejectionName, revertName } from "./outcomes";
import { eth, short } from "./narrator";

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

const FUNDING: Record<Person, bigint> = {
  alice: parseEther("20"),
  bob: parseEther("20"),
  carol: parseEther("1"),
};
const DEFAULT_PAYMENTS = 1_000;
const DEFAULT_CHALLENGE_DURATION = 3_600;

// Part 1
const COOP_DEPOSITS: AliceBob = { alice: parseEther("10"), bob: parseEther("5") };
const ALICE_UNIT = parseEther("0.002");
const BOB_UNIT = parseEther("0.001");
// Part 2
const STALE_DEPOSITS: AliceBob = { alice: parseEther("5"), bob: parseEther("1") };
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
    const slack = await w.check();
    await w.sweep(say);
    return {
      accounts: { alice: w.address("alice"), bob: w.address("bob"), carol: w.address("carol") },
      channelIds: [...w.channelIds],
      cooperative,
      staleClose,
      multihop,
      invariants: { checks: w.checks, slack },
    };
  } finally {
    await w.close();
  }
}

// -------------------------------------------------------------------------------------------------
// Part 1: open → pay → finalize → close
// -------------------------------------------------------------------------------------------------

async function runCooperative(w: World, say: Narrator, payments: number): Promise<CooperativeResult> {
  say.title("Payment channels, part 1: open → deposit → pay → finalize → close");
  const alice = await w.startClient("alice", "cooperative");
  const bob = await w.startClient("bob", "cooperative");
  const ch = await w.open(alice, bob, [COOP_DEPOSITS.alice, COOP_DEPOSITS.bob], say);

  const depositGas = ch.depositGas;
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

  let aliceToBob = 0;
  let bobToAlice = 0;
  const started = performance.now();
  const all: Promise<SignedState>[] = [];
  for (let i = 0; i < payments; i++) {
    if (i % 4 === 3) {
      bobToAlice++;
      all.push(bob.client.pay(ch.channelId, BOB_UNIT));
    } else {
      aliceToBob++;
      all.push(alice.client.pay(ch.channelId, ALICE_UNIT));
    }
  }
  await Promise.all(all);
  const seconds = (performance.now() - started) / 1000;
  const perSecond = Math.round(payments / seconds);
  const latest = alice.client.latest(ch.channelId)!;
  say.say(
    "pay",
    `${payments.toLocaleString("en-US")} payments over the WebSocket ${ch.url} in ${seconds.toFixed(2)} s ` +
      `(${perSecond.toLocaleString("en-US")} payments/s): Alice → Bob ${aliceToBob} × ${eth(ALICE_UNIT)}, ` +
      `Bob → Alice ${bobToAlice} × ${eth(BOB_UNIT)}; now at v${latest.state.version}`,
  );
  say.note(
    `each one is signed by its proposer, checked and co-signed by the other side, and written to both ` +
      `stores before it counts (fsync batches: Alice ${alice.store.fsyncs}, Bob ${bob.store.fsyncs}); ` +
      `Layer 1 saw none of them`,
  );
  await w.check([latest]);
  say.note(
    `assertNewestStateCovered: the ${eth(await w.adjudicator.holdings(ch.channelId, ETH))} held cover ` +
      `v${latest.state.version}`,
  );

  const final = await alice.client.finalize(ch.channelId);
  const [finalAlice, finalBob] = final.state.allocations[0].balances;
  const bothHoldFinal = sameSigned(bob.client.latest(ch.channelId), final);
  say.say(
    "finalize",
    `Alice proposes the final state v${final.state.version} (Alice ${eth(finalAlice)}, Bob ${eth(finalBob)}); ` +
      `Bob checks it against his own latest state and co-signs`,
  );

  const before = await w.balances(["alice", "bob"]);
  const closed = await w.adjudicatorOf("alice").close(w.wallet("alice"), ch.params, final);
  const after = await w.balances(["alice", "bob"]);
  const paid: AliceBob = {
    alice: after.alice - before.alice + closed.fee,
    bob: after.bob - before.bob,
  };
  const holdingsAfter = await w.adjudicator.holdings(ch.channelId, ETH);
  say.say(
    "close",
    `Alice sends close with v${final.state.version} and both signatures, one transaction: Alice is paid ` +
      `${eth(paid.alice)}, Bob ${eth(paid.bob)}; the channel holds ${eth(holdingsAfter)}`,
    closed.gasUsed,
  );
  const gasTotal = depositGas.reduce((sum, g) => sum + g, 0n) + closed.gasUsed;
  say.note(
    `Layer-1 gas for the whole channel: ${gasTotal.toLocaleString("en-US")} (two deposits and one close), ` +
      `≈ ${(Number(gasTotal) / payments).toFixed(0)} per payment`,
  );

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
    channelId: ch.channelId,
    deposits: COOP_DEPOSITS,
    depositGas,
    retriedDepositRefused,
    payments: { total: payments, aliceToBob, bobToAlice, seconds, perSecond },
    finalVersion: final.state.version,
    finalBalances: { alice: finalAlice, bob: finalBob },
    bothHoldFinal,
    closeGas: closed.gasUsed,
    paid,
    holdingsAfter,
    storedVersion,
    fsyncs: { alice: alice.store.fsyncs, bob: bob.store.fsyncs },
  };
}

// -------------------------------------------------------------------------------------------------
// Part 2: a stale registration, refuted by Bob's watchtower while he is offline
// -------------------------------------------------------------------------------------------------

async function runStaleClose(w: World, say: Narrator): Promise<StaleCloseResult> {
  say.title("Payment channels, part 2: register a stale state → the watchtower refutes → conclude");
  const tower = await w.startWatchtower();
  say.note(
    `Bob's watchtower serves ${tower.url}, follows the adjudicator's challenge events from block ` +
      `${tower.fromBlock} and pays its own gas from ${short(await w.parties.watchtower.getAddress())}`,
  );
  const alice = await w.startClient("alice", "stale");
  const bob = await w.startClient("bob", "stale");
  const feed = new WatchtowerFeed(tower.url, w.logger);
  bob.client.onUpdate((e) => feed.push(bob.client.channel(e.channelId).params, e.signed));
  const ch = await w.open(alice, bob, [STALE_DEPOSITS.alice, STALE_DEPOSITS.bob], say);

  // DEMO ADVERSARY: Alice keeps her first co-signed state, in which she still has almost everything.
  const stale = await alice.client.pay(ch.channelId, STALE_UNIT);
  const rest: Promise<SignedState>[] = [];
  for (let i = 1; i < STALE_PAYMENTS; i++) rest.push(alice.client.pay(ch.channelId, STALE_UNIT));
  await Promise.all(rest);
  const newest = bob.client.latest(ch.channelId)!;
  const staleBalances = aliceBob(stale);
  const newestBalances = aliceBob(newest);
  say.say(
    "pay",
    `Alice pays Bob ${STALE_PAYMENTS} × ${eth(STALE_UNIT)}; she quietly keeps v${stale.state.version} ` +
      `(Alice ${eth(staleBalances.alice)}, Bob ${eth(staleBalances.bob)}), the newest is ` +
      `v${newest.state.version} (Alice ${eth(newestBalances.alice)}, Bob ${eth(newestBalances.bob)})`,
  );
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

  const registered = await w.adjudicatorOf("alice").register(w.wallet("alice"), ch.params, stale);
  const registration = w.event(registered, "ChallengeRegistered");
  const registeredVersion = registration.args.version as bigint;
  const finalizesAt = registration.args.finalizesAt as bigint;
  await w.tick();
  say.say(
    "register",
    `Alice registers v${registeredVersion}, which pays her ${eth(staleBalances.alice)} instead of ` +
      `${eth(newestBalances.alice)}: the window closes at ${finalizesAt} (in ${w.challengeDuration} s)`,
    registered.gasUsed,
  );
  await w.check();

  await w.advance(w.challengeDuration / 2);
  say.note(`evm_increaseTime ${w.challengeDuration / 2} s: half the window passes`);
  const decisions = await tower.tower.tick();
  const [refutation] = await w.adjudicator.contract.queryFilter(
    w.adjudicator.contract.filters.ChallengeRefuted(ch.channelId),
  );
  if (!refutation) throw new ChannelsFlowError("the watchtower did not refute the stale registration");
  const refuteReceipt = (await refutation.getTransactionReceipt())!;
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
  await w.check([newest]);
  say.say(
    "assertNewestStateCovered",
    `the ${eth(await w.adjudicator.holdings(ch.channelId, ETH))} the channel holds cover everything ` +
      `v${newest.state.version} allocates: the newest state can still be concluded in full`,
  );

  const staleRefuteRefused = await revertName(
    w.adjudicatorOf("alice").refute(w.wallet("alice"), ch.params, stale),
  );
  say.note(
    `Alice tries to bring v${stale.state.version} back with refute: reverts with ${staleRefuteRefused}`,
  );

  await w.advance(w.challengeDuration / 2 + 1);
  say.note(`evm_increaseTime ${w.challengeDuration / 2 + 1} s: the window closes`);
  const laterDecisions = await tower.tower.tick();
  say.note(
    `the watchtower's next round reads its own ChallengeRefuted(v${status.version}): ` +
      laterDecisions.map((d) => d.kind).join(", "),
  );

  const before = await w.balances(["alice", "bob"]);
  const concluded = await tower.adjudicator.conclude(w.parties.watchtower, ch.params, newest.state);
  const after = await w.balances(["alice", "bob"]);
  const paid: AliceBob = { alice: after.alice - before.alice, bob: after.bob - before.bob };
  const concludedVersion = w.event(concluded, "ChannelConcluded").args.version as bigint;
  const holdingsAfter = await w.adjudicator.holdings(ch.channelId, ETH);
  say.say(
    "conclude",
    `anyone may conclude once the window has closed; the watchtower does, with v${concludedVersion}: ` +
      `Alice is paid ${eth(paid.alice)}, Bob ${eth(paid.bob)} (offline all along)`,
    concluded.gasUsed,
  );
  say.note(
    `Alice's cheat got her nothing: ${eth(staleBalances.alice - paid.alice)} less than v${stale.state.version} ` +
      `promised her, and she paid the gas of her registration`,
  );
  await w.sayInvariants(say);
  await w.stopClient(alice);
  return {
    channelId: ch.channelId,
    deposits: STALE_DEPOSITS,
    payments: STALE_PAYMENTS,
    stale: { version: stale.state.version, balances: staleBalances },
    newest: { version: newest.state.version, balances: newestBalances },
    towerHeld,
    registeredVersion,
    registerGas: registered.gasUsed,
    decisions,
    laterDecisions,
    refutedBy: refuteReceipt.from,
    refuteGas: refuteReceipt.gasUsed,
    registeredAfterRefute: status.version,
    staleRefuteRefused,
    concludedVersion,
    concludeGas: concluded.gasUsed,
    paid,
    holdingsAfter,
  };
}

// -------------------------------------------------------------------------------------------------
// Part 3: A → B → C with one hashlock; B goes silent and the payment settles on Layer 1
// -------------------------------------------------------------------------------------------------

async function runMultihop(w: World, say: Narrator): Promise<MultihopResult> {
  say.title("Payment channels, part 3: lock A → B → C → register → reveal → conclude → unlock");
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

type Person = "alice" | "bob" | "carol";
const NAMES: Record<Person, string> = { alice: "Alice", bob: "Bob", carol: "Carol" };

/** A provider that also takes raw JSON-RPC calls (Hardhat's, or an ethers JsonRpcProvider). */
type RpcProvider = Provider & { send(method: string, params: unknown[]): Promise<unknown> };

/** One party's running channel client. */
interface RunningClient {
  person: Person;
  client: ChannelClient;
  store: ChannelStore;
  storePath: string;
  listener: Listener;
}

interface OpenChannel {
  params: ChannelParams;
  channelId: string;
  link: Connection;
  url: string;
  depositGas: bigint[];
}

interface RunningTower {
  tower: Watchtower;
  /** The adjudicator as the watchtower's account sends to it. */
  adjudicator: AdjudicatorClient;
  store: WatchtowerStore;
  url: string;
  fromBlock: number;
}

interface World {
  parties: ChannelsFlowParties;
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
  startClient(person: Person, part: string): Promise<RunningClient>;
  stopClient(c: RunningClient): Promise<void>;
  /** Stops the client, closes its store and reopens it from disk: the channel's latest version there. */
  stopAndReopen(c: RunningClient, channelId: string): Promise<bigint>;
  startWatchtower(): Promise<RunningTower>;
  /** `a` opens a channel with `b` over a WebSocket; both deposit their share in participant order. */
  open(a: RunningClient, b: RunningClient, deposits: [bigint, bigint], say: Narrator): Promise<OpenChannel>;
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

async function createWorld(
  deployment: Deployment,
  parties: ChannelsFlowParties,
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
  names.set((await parties.watchtower.getAddress()).toLowerCase(), "the watchtower");
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
      const reopened = await ChannelStore.open(c.storePath);
      try {
        return reopened.get(channelId)?.latest?.state.version ?? -1n;
      } finally {
        await reopened.close();
      }
    },

    async startWatchtower() {
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
      return { tower, adjudicator: towerAdjudicator, store, url: server.url, fromBlock };
    },

    async open(a, b, deposits, say) {
      const params: ChannelParams = {
        participants: [wallets[a.person].address, wallets[b.person].address],
        nonce: nonce++,
        challengeDuration,
      };
      const link = await a.client.connect(b.listener.url);
      const opened = await a.client.open(link, params, [{ asset: ETH, balances: [...deposits] }]);
      const channelId = opened.state.channelId;
      channelIds.push(channelId);
      const [na, nb] = [NAMES[a.person], NAMES[b.person]];
      say.say(
        "open",
        `${na} offers ${nb} channel ${short(channelId)} over ${b.listener.url} (challenge window ` +
          `${challengeDuration} s); both sign v0: ${na} ${eth(deposits[0])}, ${nb} ${eth(deposits[1])}`,
      );
      const depositGas: bigint[] = [];
      let held = 0n;
      for (const [party, amount] of [
        [a, deposits[0]],
        [b, deposits[1]],
      ] as const) {
        if (amount === 0n) continue;
        const receipt = await adjudicators[party.person].deposit(
          wallets[party.person],
          channelId,
          ETH,
          held,
          amount,
        );
        held += amount;
        depositGas.push(receipt.gasUsed);
        say.say(
          "deposit",
          `${NAMES[party.person]} deposits ${eth(amount)} with expectedHeld ${eth(held - amount)}: the ` +
            `channel holds ${eth(await adjudicator.holdings(channelId, ETH))}`,
          receipt.gasUsed,
        );
      }
      await w.tick();
      await w.check([opened]);
      return { params, channelId, link, url: b.listener.url, depositGas };
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
        accounts: Object.values(wallets).map((x) => x.address),
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

/** The ETH balances of a state, in participant order. */
function balancesOf(signed: SignedState): [bigint, bigint] {
  const [first, second] = signed.state.allocations[0].balances;
  return [first, second];
}

/** The balances of an Alice–Bob channel's state. */
function aliceBob(signed: SignedState): AliceBob {
  const [alice, bob] = balancesOf(signed);
  return { alice, bob };
}

function sameSigned(a: SignedState | undefined, b: SignedState): boolean {
  if (!a || a.state.version !== b.state.version) return false;
  const json = (s: SignedState) =>
    JSON.stringify(s, (_k, v: unknown) => (typeof v === "bigint" ? `${v}` : v));
  return json(a) === json(b);
}

const sum = (xs: bigint[]): bigint => xs.reduce((total, x) => total + x, 0n);
