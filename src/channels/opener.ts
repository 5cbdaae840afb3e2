/**
 * The opener's job of a channel client (`npx hardhat channel-client`, role `open`): open a channel with a
 * peer, deposit its share, wait until the channel is funded, make N payments of one amount to the peer,
 * then close cooperatively on Layer 1 with the final state.
 *
 * Two rules make it safe to run, and to run again:
 * - Nothing is spent before everything is checked (`validateOpenerPlan`): the amounts, the number of
 *   payments and that they fit in the deposit, the peer's address and URL, the challenge duration, and
 *   that the opener's Layer-1 balance covers its deposit and its fees. A plan that cannot work is a typed
 *   error (src/channels/errors.ts) before the first Layer-1 transaction.
 * - It resumes (`findResumable`): when the party's store already holds an open channel it opened with that
 *   peer on this adjudicator (a crash, a restart), it reconnects to the peer, catches up with the peer's
 *   newest state, deposits its share only if that deposit never landed, makes the payments still missing
 *   (the plan's count less those the latest state's version says were made) and closes that channel.
 *
 * The checks that any channel opening needs (`checkPeer`, `checkChallengeDuration`, `checkNonce`,
 * `checkOpenFunds`) are also the ones `ChannelParty.open` runs before it connects.
 */
import type { Provider } from "ethers";
import { Contract, ZeroAddress, formatEther, isAddress } from "ethers";
import type { Logger } from "../common/logger";
import type { SignedState } from "./channel";
import { sameAddress } from "./channel";
import { ChannelDomain } from "./eip712";
import {
  ChallengeDurationError,
  ChallengeOngoingError,
  InsufficientFundsError,
  InvalidNonceError,
  InvalidPeerError,
  PaymentCountError,
  PlanAmountError,
  PlanExceedsDepositError,
  ResumeMismatchError,
} from "./errors";
import type { ChannelParty, ClosedChannel, PeerRef } from "./party";
import type { StoredChannel } from "./store";
import type { Allocation, ChannelState } from "./types";
import { ETH, MAX_CHALLENGE_DURATION } from "./types";

/** What the opener is asked to do; amounts in wei of ether. */
export interface OpenerPlan {
  /** The peer's address and where it listens (ws://…). */
  peer: PeerRef;
  /** What the opener deposits. */
  deposit: bigint;
  /** What the peer deposits (default 0). */
  peerDeposit?: bigint;
  /** How many payments to make. */
  payments: number;
  /** Each payment. */
  amount: bigint;
  /** Seconds a registered state can be refuted. */
  challengeDuration: number;
  /** A new channel's nonce (default: milliseconds since the epoch). */
  nonce?: bigint;
}

/** The channel the opener carries on with, as its store holds it. */
export interface ResumableChannel {
  channelId: string;
  latest: SignedState;
  /** Whether its deposit landed (the channel holds ether). */
  funded: boolean;
  /** Where its peer listened when it opened it. */
  peerUrl?: string;
}

/** What the checks need to know besides the plan, read before anything is sent. */
export interface OpenerFacts {
  /** The opener's address. */
  address: string;
  /** Its Layer-1 ether balance. */
  balance: bigint;
  /** What its Layer-1 transactions may cost at most (wei). */
  feeReserve: bigint;
  /** The channel it resumes, if its store holds one. */
  resuming?: ResumableChannel;
}

export interface OpenerResult {
  channelId: string;
  /** Whether it carried on with a channel its store held. */
  resumed: boolean;
  /** Payments this run made (those an earlier run made are not counted). */
  paid: number;
  closed: ClosedChannel;
}

/** Gas the opener's own Layer-1 transactions take at most: one deposit and one close. */
export const OPENER_GAS = 250_000n;
/** Gas of one deposit (an ERC-20's approval included). */
export const DEPOSIT_GAS = 120_000n;
/** How many payments are in flight at once. */
const PIPELINE = 256;
const MAX_UINT256 = 2n ** 256n - 1n;
const MAX_UINT64 = 2n ** 64n - 1n;
const ERC20_BALANCE = ["function balanceOf(address owner) view returns (uint256)"];

// -------------------------------------------------------------------------------------------------
// Checks (pure)
// -------------------------------------------------------------------------------------------------

/** The peer is a non-zero address other than `me`, listening at a ws:// or wss:// URL. */
export function checkPeer(peer: PeerRef, me: string): void {
  if (typeof peer.address !== "string" || !isAddress(peer.address))
    throw new InvalidPeerError(`the peer's address ${String(peer.address)} is not an address`);
  if (sameAddress(peer.address, ZeroAddress))
    throw new InvalidPeerError("the peer's address is the zero address");
  if (sameAddress(peer.address, me))
    throw new InvalidPeerError(`the peer's address ${peer.address} is this party's own`);
  let url: URL | undefined;
  try {
    url = new URL(peer.url);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "ws:" && url.protocol !== "wss:"))
    throw new InvalidPeerError(`the peer's URL ${String(peer.url)} is not a ws:// or wss:// URL`);
}

/** A whole number of seconds from 1 to `MAX_CHALLENGE_DURATION` (what the adjudicator accepts). */
export function checkChallengeDuration(seconds: number): void {
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_CHALLENGE_DURATION) {
    throw new ChallengeDurationError(
      `the challenge duration must be a whole number of seconds from 1 to ${MAX_CHALLENGE_DURATION}, not ${seconds}`,
    );
  }
}

export function checkNonce(nonce: bigint): void {
  if (nonce < 0n || nonce > MAX_UINT64)
    throw new InvalidNonceError(`the nonce ${nonce} does not fit in uint64`);
}

/**
 * What this party deposits when it opens with `allocations` (as participant `me`) is covered by what it
 * holds on Layer 1 (`balances` by asset, ether included) with `feeReserve` of ether left for the fees.
 */
export function checkOpenFunds(
  allocations: Allocation[],
  me: number,
  balances: ReadonlyMap<string, bigint>,
  feeReserve: bigint,
): void {
  for (const a of allocations) {
    for (const b of a.balances)
      if (b < 0n || b > MAX_UINT256) throw new PlanAmountError(`a balance of ${b} is not a uint256`);
  }
  const needs = new Map<string, bigint>([[ETH, feeReserve]]);
  for (const a of allocations) {
    const asset = a.asset.toLowerCase();
    needs.set(asset, (needs.get(asset) ?? 0n) + (a.balances[me] ?? 0n));
  }
  for (const [asset, need] of needs) {
    const has = balances.get(asset) ?? 0n;
    if (has < need) {
      const what = asset === ETH ? `${formatEther(need)} ETH (fees included)` : `${need} of token ${asset}`;
      throw new InsufficientFundsError(
        `the deposit needs ${what}, the account holds ${asset === ETH ? `${formatEther(has)} ETH` : has}`,
      );
    }
  }
}

/** Payments the opener made in a channel whose latest state is `state` (each payment is one version; finalizing one more). */
export function paymentsMadeIn(state: ChannelState): number {
  return Number(state.isFinal ? state.version - 1n : state.version);
}

/** Throws the first thing wrong with `plan`, given `facts`; nothing is sent before this passes. */
export function validateOpenerPlan(plan: OpenerPlan, facts: OpenerFacts): void {
  checkPeer(plan.peer, facts.address);
  const peerDeposit = plan.peerDeposit ?? 0n;
  if (typeof plan.deposit !== "bigint" || plan.deposit <= 0n)
    throw new PlanAmountError(`the deposit must be more than 0 wei, not ${String(plan.deposit)}`);
  if (typeof peerDeposit !== "bigint" || peerDeposit < 0n)
    throw new PlanAmountError(`the peer's deposit must be 0 or more, not ${String(peerDeposit)}`);
  if (plan.deposit + peerDeposit > MAX_UINT256)
    throw new PlanAmountError("the deposits do not fit in uint256");
  if (typeof plan.amount !== "bigint" || plan.amount <= 0n)
    throw new PlanAmountError(`a payment must be more than 0 wei, not ${String(plan.amount)}`);
  if (!Number.isSafeInteger(plan.payments) || plan.payments < 1)
    throw new PaymentCountError(`the number of payments must be a whole number from 1, not ${plan.payments}`);
  if (BigInt(plan.payments) * plan.amount > plan.deposit) {
    throw new PlanExceedsDepositError(
      `${plan.payments} payments of ${formatEther(plan.amount)} ETH are ${formatEther(BigInt(plan.payments) * plan.amount)} ETH, more than the deposit of ${formatEther(plan.deposit)} ETH`,
    );
  }
  checkChallengeDuration(plan.challengeDuration);
  if (plan.nonce !== undefined) checkNonce(plan.nonce);

  const resuming = facts.resuming;
  if (resuming) {
    const { state } = resuming.latest;
    const held = state.allocations[0].balances.reduce((sum, b) => sum + b, 0n);
    if (held !== plan.deposit + peerDeposit) {
      throw new ResumeMismatchError(
        `the store holds open channel ${resuming.channelId} with ${plan.peer.address} funded with ${formatEther(held)} ETH, ` +
          `not the plan's ${formatEther(plan.deposit + peerDeposit)} ETH: run the same plan to finish it, or close it first`,
      );
    }
    const left = Math.max(0, plan.payments - paymentsMadeIn(state));
    const mine = state.allocations[0].balances[0];
    if (!state.isFinal && BigInt(left) * plan.amount > mine) {
      throw new PlanExceedsDepositError(
        `channel ${resuming.channelId} at v${state.version} leaves the opener ${formatEther(mine)} ETH, ` +
          `less than the ${left} payments of ${formatEther(plan.amount)} ETH still to make`,
      );
    }
  }
  const deposit = resuming?.funded ? 0n : plan.deposit;
  checkOpenFunds(
    [{ asset: ETH, balances: [deposit, 0n] }],
    0,
    new Map([[ETH, facts.balance]]),
    facts.feeReserve,
  );
}

// -------------------------------------------------------------------------------------------------
// Reading what the checks need
// -------------------------------------------------------------------------------------------------

/** What `gas` may cost now: the fee per gas a transaction would offer (max fee, else gas price). */
export async function feeReserveOf(provider: Provider, gas: bigint): Promise<bigint> {
  const fee = await provider.getFeeData();
  return (fee.maxFeePerGas ?? fee.gasPrice ?? 0n) * gas;
}

/** `account`'s Layer-1 balance of `asset` (address(0): ether). */
export async function layer1Balance(provider: Provider, asset: string, account: string): Promise<bigint> {
  if (sameAddress(asset, ETH)) return provider.getBalance(account);
  const token = new Contract(asset, ERC20_BALANCE, provider);
  return (await token.balanceOf(account)) as bigint;
}

/**
 * The channel with `peer` that this party opened and its store holds, still open on this adjudicator,
 * that the opener should carry on with (the newest, if several); undefined if there is none. Channels
 * whose states were signed for another adjudicator or chain, that concluded, or that Layer 1 does not
 * know although payments were made in them (a reset chain) are passed over. A channel under a challenge
 * is an error: it is settled on chain, not by paying on.
 */
export async function findResumable(
  party: ChannelParty,
  peer: string,
  logger?: Logger,
): Promise<ResumableChannel | undefined> {
  const candidates = party.store
    .all()
    .filter(
      (c): c is StoredChannel & { latest: SignedState } =>
        c.me === 0 &&
        c.latest !== undefined &&
        c.params.participants.length === 2 &&
        typeof peer === "string" &&
        sameAddress(c.params.participants[1], peer) &&
        c.latest.state.allocations.length === 1 &&
        sameAddress(c.latest.state.allocations[0].asset, ETH) &&
        signedHere(party.domain, c.params.participants, c.latest),
    )
    .sort((a, b) => (a.params.nonce > b.params.nonce ? -1 : a.params.nonce < b.params.nonce ? 1 : 0));
  for (const c of candidates) {
    if (await party.adjudicator.isConcluded(c.id, ETH)) continue;
    const status = await party.adjudicator.status(c.id);
    if (status.phase === "concluded-with-locks") continue;
    if (status.phase === "challenged") {
      throw new ChallengeOngoingError(
        `channel ${c.id} with ${peer} has v${status.version} registered on Layer 1 until ${status.finalizesAt}: ` +
          `refute or conclude it (channel_refute / channel_conclude) before opening another`,
      );
    }
    const held = await party.adjudicator.holdings(c.id, ETH);
    if (held === 0n && c.latest.state.version > 0n) {
      logger?.warn("passing over a stored channel Layer 1 does not know", {
        channelId: c.id,
        version: c.latest.state.version,
      });
      continue;
    }
    return { channelId: c.id, latest: c.latest, funded: held > 0n, peerUrl: c.peerUrl };
  }
  return undefined;
}

/** Whether every participant signed `signed` under `domain` (this chain and adjudicator). */
function signedHere(domain: ChannelDomain, participants: string[], signed: SignedState): boolean {
  const digest = domain.digest(signed.state);
  return participants.every((p, i) => {
    const sig = signed.sigs[i];
    const signer = sig ? ChannelDomain.recoverDigest(digest, sig) : undefined;
    return signer !== undefined && sameAddress(signer, p);
  });
}

// -------------------------------------------------------------------------------------------------
// The job
// -------------------------------------------------------------------------------------------------

/**
 * Checks `plan`, then opens (or resumes) the channel with the peer, deposits, waits until the channel
 * holds both deposits, pays, and closes on Layer 1. Logs its progress on `logger` (the close is the
 * caller's to report, from the result).
 */
export async function runOpener(
  party: ChannelParty,
  plan: OpenerPlan,
  logger?: Logger,
): Promise<OpenerResult> {
  const provider = party.wallet.provider!;
  const resuming = await findResumable(party, plan.peer.address, logger);
  const [balance, feeReserve] = await Promise.all([
    provider.getBalance(party.address),
    feeReserveOf(provider, OPENER_GAS),
  ]);
  validateOpenerPlan(plan, { address: party.address, balance, feeReserve, resuming });
  const peerDeposit = plan.peerDeposit ?? 0n;

  let channelId: string;
  if (resuming) {
    channelId = resuming.channelId;
    const latest = await party.resume(channelId, plan.peer.url);
    logger?.info("resuming channel", {
      channelId,
      version: latest?.state.version ?? 0n,
      made: latest ? paymentsMadeIn(latest.state) : 0,
      of: plan.payments,
    });
    if (!resuming.funded) await party.deposit(channelId, ETH, 0n, plan.deposit);
  } else {
    const opened = await party.open(plan.peer, [{ asset: ETH, balances: [plan.deposit, peerDeposit] }], {
      nonce: plan.nonce ?? BigInt(Date.now()),
      challengeDuration: plan.challengeDuration,
    });
    channelId = opened.channelId;
  }
  await untilFunded(party, channelId, plan.deposit + peerDeposit, logger);

  const latest = party.latest(channelId)!;
  const left = latest.state.isFinal ? 0 : Math.max(0, plan.payments - paymentsMadeIn(latest.state));
  const start = Date.now();
  for (let done = 0; done < left;) {
    const batch = Math.min(PIPELINE, left - done);
    await Promise.all(Array.from({ length: batch }, () => party.pay(channelId, plan.amount)));
    done += batch;
    logger?.info("paid", { done: plan.payments - left + done, of: plan.payments });
  }
  if (left > 0) {
    logger?.info("payments done", {
      payments: left,
      perSec: Math.round((left * 1000) / Math.max(1, Date.now() - start)),
    });
  }

  const closed = await party.close(channelId);
  return { channelId, resumed: resuming !== undefined, paid: left, closed };
}

/** Waits until the channel holds `total` ether (both deposits), saying so every 10 s meanwhile. */
async function untilFunded(
  party: ChannelParty,
  channelId: string,
  total: bigint,
  logger?: Logger,
): Promise<void> {
  let said = Date.now();
  for (;;) {
    const held = await party.adjudicator.holdings(channelId, ETH);
    if (held >= total) break;
    if (Date.now() - said >= 10_000) {
      logger?.info("waiting for the peer's deposit", {
        channelId,
        held: formatEther(held),
        of: formatEther(total),
      });
      said = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, party.pollMs));
  }
  logger?.info("channel funded", { channelId, held: formatEther(total) });
}
