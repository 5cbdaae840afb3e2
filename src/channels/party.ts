import type { ContractTransactionReceipt, Provider, Wallet } from "ethers";
import { formatEther, keccak256 } from "ethers";
import { EventLog } from "../common/events";
import type { Logger } from "../common/logger";
import type { ChannelStatusView } from "./adjudicator-client";
import { AdjudicatorClient, stateFingerprint } from "./adjudicator-client";
import type { Channel, OpenPolicy, SignedState } from "./channel";
import { keySigner } from "./channel";
import { ChannelClient } from "./client";
import { ChannelDomain } from "./eip712";
import {
  ChallengeExpiredError,
  ChallengeOngoingError,
  ChannelConcludedError,
  ChannelUnderfundedError,
  InvalidPeerError,
  LocksPendingError,
  NoChallengeError,
  NoPendingLocksError,
  NothingToRefuteError,
  NothingToWithdrawError,
  PeerUrlUnknownError,
  RegisteredStateUnknownError,
  SecretTooLateError,
  StaleStateError,
  StateMismatchError,
  UnknownChannelError,
  UnknownSecretError,
} from "./errors";
import type { ChannelEvent } from "./events";
import {
  DEPOSIT_GAS,
  checkChallengeDuration,
  checkNonce,
  checkOpenFunds,
  checkPeer,
  feeReserveOf,
  layer1Balance,
} from "./opener";
import type { ChannelStore } from "./store";
import type { Listener, ListenOptions } from "./transport";
import type { Allocation, ChannelParams, ChannelState, Lock, PendingLock } from "./types";
import { ETH, totalOf } from "./types";
import { WatchtowerFeed } from "./watchtower-rpc";
import type { WatchtowerClient } from "./watchtower-rpc";
import { nextBlockTime } from "../common/layer1";

/**
 * One honest channel party: its `ChannelClient` (states, store, peers) and what it does on Layer 1 with
 * its own key: it deposits its share of every channel it opens, and of every channel it joins once the
 * participants before it have deposited theirs (the deposit-race guard's order); it closes a channel
 * cooperatively with the final state; and it hands every co-signed state to its watchtower, if it has
 * one. Without the peer it gets its money out on its own: `register` its latest state, `refute` an older
 * registration, `conclude` after the window, `unlock` the locks left (revealing their secrets), `withdraw`
 * a payout that could not be pushed; and it `resume`s a channel its store holds with a restarted peer.
 * Each of these checks on Layer 1 first what would make its transaction fail and refuses with a typed
 * error (a `ChannelRequestError`, src/channels/errors.ts) before sending anything. Everything it does is
 * published on `events` (src/channels/events.ts), the client's events and its Layer-1 steps in one
 * sequence.
 *
 * The channel-client service (`npx hardhat channel-client`, see party-rpc.ts) is one of these behind
 * JSON-RPC; the stack (stack.ts) runs one in-process or as that service.
 */
export interface ChannelPartyOptions {
  /** Its key: signs its states and pays its Layer-1 transactions (connected to the chain). */
  wallet: Wallet;
  /** The adjudicator's address. */
  adjudicator: string;
  /** The chain's id (with the adjudicator's address, the states' signing domain). */
  chainId: bigint;
  store: ChannelStore;
  logger?: Logger;
  /** Layer-1 time in seconds, for locks' deadlines (default: a `Layer1Clock` it polls itself). */
  now?: () => bigint;
  /** Deposit its share of each channel it joins once the participants before it have (default true). */
  fundJoined?: boolean;
  /** A watchtower (its URL or a client) that gets every state it co-signs. */
  watchtower?: string | WatchtowerClient;
  /** Whether to join a channel a peer offers (default: always). */
  openPolicy?: OpenPolicy;
  /** How often to look at a channel's holdings while waiting to deposit (default 500 ms). */
  pollMs?: number;
  /** Per-request timeout towards peers (default 30 s). */
  timeoutMs?: number;
}

/** Where a peer listens and who it is. */
export interface PeerRef {
  address: string;
  /** Its WebSocket URL (ws://…). */
  url: string;
}

export interface OpenOptions {
  /** Tells channels of the same participants apart. */
  nonce: bigint;
  /** Seconds a registered state can be refuted. */
  challengeDuration: number;
}

/** A Layer-1 transaction of a party: what the events carry, with the fee for balance arithmetic. */
export interface Layer1Receipt {
  l1TxHash: string;
  gasUsed: bigint;
  /** What the sender paid for it (wei). */
  fee: bigint;
  block: number;
}

export interface DepositReceipt extends Layer1Receipt {
  channelId: string;
  asset: string;
  amount: bigint;
  expectedHeld: bigint;
}

/** A channel this party opened: the peer co-signed v0 and this party deposited its share. */
export interface OpenedChannel {
  params: ChannelParams;
  channelId: string;
  /** The funding state, v0, co-signed. */
  opened: SignedState;
  /** Its own deposits (one per asset it funds). */
  deposits: DepositReceipt[];
}

export interface ClosedChannel extends Layer1Receipt {
  channelId: string;
  /** The final state the channel closed with. */
  final: SignedState;
}

/** This party registered its latest state on Layer 1 (`register`): a challenge window opened. */
export interface RegisteredChallenge extends Layer1Receipt {
  channelId: string;
  version: bigint;
  /** When the window closes (Layer-1 seconds): refutable until then, concludable from then. */
  finalizesAt: bigint;
}

/** This party replaced a registered state with its newer latest state (`refute`). */
export interface RefutedChallenge extends Layer1Receipt {
  channelId: string;
  /** The version that was registered. */
  registered: bigint;
  /** The version that is registered now (this party's latest). */
  version: bigint;
  finalizesAt: bigint;
}

/** This party concluded the channel after its window with the registered state (`conclude`). */
export interface ConcludedChannel extends Layer1Receipt {
  channelId: string;
  version: bigint;
  /** The state paid out. */
  state: ChannelState;
  /** Its locks, recorded for `unlock`. */
  pendingLocks: number;
}

/** A lock `unlock` settled: to its receiver (secret revealed in time) or back to its sender. */
export interface SettledLockPayout {
  hashlock: string;
  paidTo: string;
  asset: string;
  amount: bigint;
}

/** This party settled the locks it could of a concluded channel (`reveal`, then `unlock`). */
export interface UnlockedLocks extends Layer1Receipt {
  channelId: string;
  /** The secrets it revealed first (one transaction each). */
  revealed: (Layer1Receipt & { hashlock: string })[];
  settled: SettledLockPayout[];
  /** Locks still recorded (neither revealed in time nor past their deadline). */
  pending: number;
}

/** This party pulled its credit of one asset (a payout the adjudicator could not push). */
export interface WithdrawnCredit extends Layer1Receipt {
  asset: string;
  amount: bigint;
  to: string;
}

/** Layer-1 time as a party's client checks locks against it: the latest block's timestamp, polled. */
export class Layer1Clock {
  private latest = 0n;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly provider: Provider) {}

  /** Seconds (the latest block's timestamp when last read). */
  now(): bigint {
    return this.latest;
  }

  /** Reads the latest block's timestamp now. */
  async refresh(): Promise<bigint> {
    const block = await this.provider.getBlock("latest");
    const time = BigInt(block!.timestamp);
    if (time > this.latest) this.latest = time;
    return this.latest;
  }

  /** Reads it now, then every `pollMs` until `stop`. */
  async start(pollMs = 1000): Promise<void> {
    await this.refresh();
    this.timer ??= setInterval(() => void this.refresh().catch(() => undefined), pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

export class ChannelParty {
  readonly client: ChannelClient;
  readonly adjudicator: AdjudicatorClient;
  readonly domain: ChannelDomain;
  /** The client's events and this party's Layer-1 steps, in one sequence. */
  readonly events = new EventLog<ChannelEvent>();
  private readonly feed: WatchtowerFeed | undefined;
  private readonly clock: Layer1Clock | undefined;
  private readonly funding = new Set<Promise<void>>();
  private listener: Listener | undefined;
  private stopped = false;

  private constructor(private readonly o: ChannelPartyOptions) {
    this.domain = new ChannelDomain(o.chainId, o.adjudicator);
    this.adjudicator = new AdjudicatorClient(o.adjudicator, o.wallet);
    if (!o.now) this.clock = new Layer1Clock(o.wallet.provider!);
    this.client = ChannelClient.create({
      signer: keySigner(this.domain, o.wallet.privateKey),
      store: o.store,
      logger: o.logger,
      now: o.now ?? (() => this.clock!.now()),
      withdrawnVersion: (id) => this.adjudicator.withdrawnVersion(id),
      openPolicy: o.openPolicy,
      timeoutMs: o.timeoutMs,
      events: this.events,
    });
    if (o.watchtower !== undefined) {
      const feed = new WatchtowerFeed(o.watchtower, o.logger);
      this.feed = feed;
      this.client.onUpdate((e) => feed.push(this.client.channel(e.channelId).params, e.signed));
    }
    if (o.fundJoined ?? true) {
      this.events.subscribe((event) => {
        if (event.type === "channelJoined") this.fundJoined(event.channelId);
      });
    }
  }

  /** A party on `store` (the channels it holds come back with it); its clock runs if it keeps its own. */
  static async create(options: ChannelPartyOptions): Promise<ChannelParty> {
    const party = new ChannelParty(options);
    await party.clock?.start(options.pollMs ?? 1000);
    return party;
  }

  get address(): string {
    return this.o.wallet.address;
  }

  get wallet(): Wallet {
    return this.o.wallet;
  }

  get store(): ChannelStore {
    return this.o.store;
  }

  /** How often it looks at Layer 1 while it waits for something there (ms). */
  get pollMs(): number {
    return this.o.pollMs ?? 500;
  }

  /** Where peers connect, once it listens. */
  get peerUrl(): string | undefined {
    return this.listener?.url;
  }

  /** The watchtower it hands its states to, if any. */
  get watchtowerUrl(): string | undefined {
    return this.feed?.url;
  }

  /** Accepts peers' connections. */
  async listen(options: ListenOptions = {}): Promise<Listener> {
    this.listener = await this.client.listen(options);
    return this.listener;
  }

  // ---------------------------------------------------------------------------------------------
  // Channels
  // ---------------------------------------------------------------------------------------------

  /**
   * Opens a channel with `peer` (this party first among the participants): both sign v0 with
   * `allocations`, then this party deposits its share of each asset. The peer deposits its own. Before it
   * connects it checks what would otherwise fail on Layer 1 or lock the deposit in a channel nobody can
   * close: the peer (a valid address, not its own), the challenge duration, the nonce, and that its
   * balances cover its share of each asset and the fees.
   */
  async open(peer: PeerRef, allocations: Allocation[], options: OpenOptions): Promise<OpenedChannel> {
    checkPeer(peer, this.address);
    checkChallengeDuration(options.challengeDuration);
    checkNonce(options.nonce);
    const provider = this.o.wallet.provider!;
    const assets = [...new Set([ETH, ...allocations.map((a) => a.asset.toLowerCase())])];
    const held = await Promise.all(assets.map((a) => layer1Balance(provider, a, this.address)));
    const depositCount = BigInt(allocations.filter((a) => (a.balances[0] ?? 0n) > 0n).length);
    checkOpenFunds(
      allocations,
      0,
      new Map(assets.map((a, i) => [a, held[i]])),
      await feeReserveOf(provider, DEPOSIT_GAS * depositCount),
    );
    const params: ChannelParams = {
      participants: [this.address, peer.address],
      nonce: options.nonce,
      challengeDuration: options.challengeDuration,
    };
    const link = await this.client.connect(peer.url);
    const opened = await this.client.open(link, params, allocations, { peerUrl: peer.url });
    const channelId = opened.state.channelId.toLowerCase();
    const deposits: DepositReceipt[] = [];
    for (const allocation of allocations) {
      if (allocation.balances[0] === 0n) continue;
      deposits.push(await this.deposit(channelId, allocation.asset, 0n, allocation.balances[0]));
    }
    return { params, channelId, opened, deposits };
  }

  /** Deposits `amount` of `asset` into `channelId` if it holds exactly `expectedHeld`. */
  async deposit(
    channelId: string,
    asset: string,
    expectedHeld: bigint,
    amount: bigint,
  ): Promise<DepositReceipt> {
    const receipt = await this.adjudicator.deposit(this.o.wallet, channelId, asset, expectedHeld, amount);
    const deposit: DepositReceipt = {
      channelId: channelId.toLowerCase(),
      asset: asset.toLowerCase(),
      amount,
      expectedHeld,
      ...layer1(receipt),
    };
    this.events.publish({
      type: "deposited",
      channelId: deposit.channelId,
      asset: deposit.asset,
      amount: amount.toString(),
      expectedHeld: expectedHeld.toString(),
      l1TxHash: deposit.l1TxHash,
      gasUsed: deposit.gasUsed.toString(),
      block: deposit.block,
    });
    this.o.logger?.info("deposited", { channelId, asset, amount, tx: deposit.l1TxHash });
    return deposit;
  }

  pay(channelId: string, amount: bigint, options: { asset?: number } = {}): Promise<SignedState> {
    return this.client.pay(channelId, amount, options);
  }

  /** Locks `amount` for the peer under `hashlock` until `deadline` (Layer-1 seconds). */
  lock(
    channelId: string,
    lock: Pick<Lock, "hashlock" | "deadline" | "amount"> & { asset?: number },
  ): Promise<SignedState> {
    return this.client.lock(channelId, lock);
  }

  settle(channelId: string, hashlock: string, secret: string): Promise<SignedState> {
    return this.client.settle(channelId, hashlock, secret);
  }

  finalize(channelId: string): Promise<SignedState> {
    return this.client.finalize(channelId);
  }

  /** Finalizes (unless the latest state is final already) and closes on Layer 1 in one transaction. */
  async close(channelId: string): Promise<ClosedChannel> {
    const channel = this.client.channel(channelId);
    const latest = channel.latest;
    const final = latest?.state.isFinal ? latest : await this.client.finalize(channelId);
    const receipt = layer1(await this.adjudicator.close(this.o.wallet, channel.params, final));
    this.events.publish({
      type: "channelClosed",
      channelId: channel.id,
      version: final.state.version.toString(),
      l1TxHash: receipt.l1TxHash,
      gasUsed: receipt.gasUsed.toString(),
      block: receipt.block,
    });
    return { channelId: channel.id, final, ...receipt };
  }

  latest(channelId: string): SignedState | undefined {
    try {
      return this.client.latest(channelId);
    } catch (error) {
      if (error instanceof UnknownChannelError) return undefined;
      throw error;
    }
  }

  params(channelId: string): ChannelParams {
    return this.client.channel(channelId).params;
  }

  // ---------------------------------------------------------------------------------------------
  // Getting the money out without the peer: register, refute, conclude, unlock, withdraw; resume
  // ---------------------------------------------------------------------------------------------

  /**
   * Registers this party's latest co-signed state on Layer 1, opening its challenge window (the way out
   * when the peer does not co-sign a final state). Refused before any transaction when the channel
   * concluded, a challenge is already registered, the adjudicator saw a newer version, or the channel
   * does not hold what the state allocates.
   */
  async register(channelId: string): Promise<RegisteredChallenge> {
    const channel = this.client.channel(channelId);
    const latest = requireLatest(channel);
    const status = await this.adjudicator.status(channel.id);
    await this.requireNotConcluded(channel, status);
    if (status.phase === "challenged") {
      throw new ChallengeOngoingError(
        `channel ${channel.id} has v${status.version} registered until ${status.finalizesAt}: ` +
          `refute it if this party's is newer, or conclude it after`,
      );
    }
    if (latest.state.version < status.version) {
      throw new StaleStateError(
        `this party's latest state v${latest.state.version} is older than v${status.version}, the adjudicator's floor`,
      );
    }
    await this.requireCovered(latest.state, status.version !== 0n && latest.state.version === status.version);
    const receipt = await this.adjudicator.register(this.o.wallet, channel.params, latest);
    const finalizesAt = this.adjudicator.eventIn(receipt, "ChallengeRegistered").args.finalizesAt as bigint;
    const registered = {
      channelId: channel.id,
      version: latest.state.version,
      finalizesAt,
      ...layer1(receipt),
    };
    this.events.publish({
      type: "challengeRegistered",
      channelId: channel.id,
      version: registered.version.toString(),
      finalizesAt: finalizesAt.toString(),
      ...txFields(registered),
    });
    this.o.logger?.info("registered", { channelId: channel.id, version: registered.version, finalizesAt });
    return registered;
  }

  /**
   * Replaces a registered state older than this party's latest with the latest, within the window.
   * Refused before any transaction when nothing is registered, the window closed, the registered state is
   * as new as this party's, or the channel does not hold what the latest state allocates.
   */
  async refute(channelId: string): Promise<RefutedChallenge> {
    const channel = this.client.channel(channelId);
    const latest = requireLatest(channel);
    const status = await this.adjudicator.status(channel.id);
    await this.requireNotConcluded(channel, status);
    if (status.phase !== "challenged")
      throw new NoChallengeError(`no challenge is registered for ${channel.id}`);
    const now = await this.layer1Now();
    if (now >= status.finalizesAt) {
      throw new ChallengeExpiredError(
        `the window of ${channel.id} closed at ${status.finalizesAt} (Layer 1 is at ${now}): v${status.version} stands; conclude it`,
      );
    }
    if (latest.state.version <= status.version) {
      throw new NothingToRefuteError(
        `v${status.version} is registered; this party's latest is v${latest.state.version}, nothing newer`,
      );
    }
    await this.requireCovered(latest.state, false);
    const receipt = await this.adjudicator.refute(this.o.wallet, channel.params, latest);
    const refuted = {
      channelId: channel.id,
      registered: status.version,
      version: latest.state.version,
      finalizesAt: status.finalizesAt,
      ...layer1(receipt),
    };
    this.events.publish({
      type: "challengeRefuted",
      channelId: channel.id,
      registeredVersion: status.version.toString(),
      version: refuted.version.toString(),
      finalizesAt: status.finalizesAt.toString(),
      ...txFields(refuted),
    });
    this.o.logger?.info("refuted", {
      channelId: channel.id,
      registered: status.version,
      with: refuted.version,
    });
    return refuted;
  }

  /**
   * After the window, pays out the registered state (to everyone; its locks are recorded for `unlock`).
   * The registered state is this party's latest, or read back from the registration's calldata. Refused
   * before any transaction when nothing is registered, the window is open, or the channel concluded.
   */
  async conclude(channelId: string): Promise<ConcludedChannel> {
    const channel = this.client.channel(channelId);
    const status = await this.adjudicator.status(channel.id);
    await this.requireNotConcluded(channel, status);
    if (status.phase !== "challenged")
      throw new NoChallengeError(`no challenge is registered for ${channel.id}`);
    const now = await this.layer1Now();
    if (now < status.finalizesAt) {
      throw new ChallengeOngoingError(
        `the window of ${channel.id} closes at ${status.finalizesAt}, Layer 1 is at ${now}: conclude after`,
      );
    }
    const state = await this.registeredState(channel, status);
    const receipt = await this.adjudicator.conclude(this.o.wallet, channel.params, state);
    const concluded = {
      channelId: channel.id,
      version: state.version,
      state,
      pendingLocks: state.locks.length,
      ...layer1(receipt),
    };
    this.events.publish({
      type: "channelConcluded",
      channelId: channel.id,
      version: state.version.toString(),
      pendingLocks: state.locks.length,
      ...txFields(concluded),
    });
    this.o.logger?.info("concluded", {
      channelId: channel.id,
      version: state.version,
      locks: state.locks.length,
    });
    return concluded;
  }

  /**
   * Settles the locks of a concluded channel that can be settled: first reveals each of `secrets` (32-byte
   * preimages) not yet revealed, then `unlock`s — a lock revealed by its deadline pays its receiver, one
   * past its deadline returns to its sender. Refused before any transaction when the channel has no
   * pending locks, a secret opens none of them or comes too late, or nothing could be settled now.
   */
  async unlock(channelId: string, secrets: string[] = []): Promise<UnlockedLocks> {
    const channel = this.client.channel(channelId);
    const status = await this.adjudicator.status(channel.id);
    if (status.phase !== "concluded-with-locks")
      throw new NoPendingLocksError(`channel ${channel.id} has no locks waiting to be settled`);
    const locks = await this.adjudicator.recordedLocks(channel.params, channel.latest?.state);
    if (!locks) throw new RegisteredStateUnknownError(`cannot read back the locks ${channel.id} recorded`);
    const now = await this.layer1Now();
    const revealedAt = new Map<string, bigint>();
    for (const l of locks)
      revealedAt.set(l.hashlock.toLowerCase(), await this.adjudicator.revealedAt(l.hashlock));
    const reveals: { secret: string; hashlock: string }[] = [];
    for (const secret of secrets) {
      const hashlock = keccak256(secret).toLowerCase();
      const opened = locks.filter((l) => l.hashlock.toLowerCase() === hashlock);
      if (opened.length === 0)
        throw new UnknownSecretError(`the secret of ${hashlock} opens none of the pending locks`);
      if (revealedAt.get(hashlock) !== 0n || reveals.some((r) => r.hashlock === hashlock)) continue;
      const deadline = opened.reduce((max, l) => (l.deadline > max ? l.deadline : max), 0n);
      if (now + 1n > deadline) {
        throw new SecretTooLateError(
          `the lock ${hashlock} expired at ${deadline} (Layer 1 is at ${now}): it returns to its sender`,
        );
      }
      reveals.push({ secret, hashlock });
    }
    const settles = (l: PendingLock) => {
      const hashlock = l.hashlock.toLowerCase();
      const at = revealedAt.get(hashlock)!;
      return (
        (at !== 0n && at <= l.deadline) || reveals.some((r) => r.hashlock === hashlock) || now >= l.deadline
      );
    };
    if (!locks.some(settles)) {
      const next = locks.reduce((min, l) => (l.deadline < min ? l.deadline : min), locks[0].deadline);
      throw new LocksPendingError(
        `no lock of ${channel.id} can be settled yet: none was revealed in time, the first deadline is ${next} (Layer 1 is at ${now})`,
      );
    }
    const revealed: (Layer1Receipt & { hashlock: string })[] = [];
    for (const r of reveals) {
      revealed.push({
        hashlock: r.hashlock,
        ...layer1(await this.adjudicator.reveal(this.o.wallet, r.secret)),
      });
    }
    const receipt = await this.adjudicator.unlock(this.o.wallet, channel.id, locks);
    const settled = settledIn(this.adjudicator, receipt, locks);
    const unlocked = {
      channelId: channel.id,
      revealed,
      settled,
      pending: locks.length - settled.length,
      ...layer1(receipt),
    };
    this.events.publish({
      type: "locksUnlocked",
      channelId: channel.id,
      settled: settled.map((l) => ({ ...l, amount: l.amount.toString() })),
      pending: unlocked.pending,
      ...txFields(unlocked),
    });
    this.o.logger?.info("unlocked", {
      channelId: channel.id,
      settled: settled.length,
      pending: unlocked.pending,
    });
    return unlocked;
  }

  /**
   * Pulls this party's credit in each of the channel's assets to `to` (default: itself): the payouts of a
   * close, conclusion or unlock that the adjudicator could not push (a token refusing the transfer). Refused
   * before any transaction when there is no credit.
   */
  async withdraw(channelId: string, options: { to?: string } = {}): Promise<WithdrawnCredit[]> {
    const channel = this.client.channel(channelId);
    const to = (options.to ?? this.address).toLowerCase();
    const assets = [...new Set(requireLatest(channel).state.allocations.map((a) => a.asset.toLowerCase()))];
    const credits = await Promise.all(assets.map((a) => this.adjudicator.credits(a, this.address)));
    if (credits.every((c) => c === 0n)) {
      throw new NothingToWithdrawError(`${this.address} has no credit in the assets of ${channel.id}`);
    }
    const withdrawn: WithdrawnCredit[] = [];
    for (let i = 0; i < assets.length; i++) {
      if (credits[i] === 0n) continue;
      const receipt = layer1(await this.adjudicator.withdraw(this.o.wallet, assets[i], to));
      const credit = { asset: assets[i], amount: credits[i], to, ...receipt };
      withdrawn.push(credit);
      this.events.publish({
        type: "creditWithdrawn",
        channelId: channel.id,
        asset: credit.asset,
        amount: credit.amount.toString(),
        to,
        ...txFields(credit),
      });
      this.o.logger?.info("withdrew credit", { asset: credit.asset, amount: credit.amount, to });
    }
    return withdrawn;
  }

  /**
   * Reconnects to the peer of a channel the store holds (after a restart, or a lost connection) and
   * exchanges latest states with it, adopting the peer's if it is newer; then pays, locks and closes go on
   * as before. `url` is where the peer listens now (default: the one stored when this party opened the
   * channel); it is stored for next time. Refused when the channel concluded on Layer 1.
   */
  async resume(channelId: string, url?: string): Promise<SignedState | undefined> {
    const channel = this.client.channel(channelId);
    const peerUrl = url ?? this.o.store.get(channel.id)?.peerUrl;
    if (!peerUrl) {
      throw new PeerUrlUnknownError(
        `no URL is stored for the peer of ${channel.id} (it opened the channel): give one`,
      );
    }
    if (!/^wss?:\/\/./.test(peerUrl))
      throw new InvalidPeerError(`the peer's URL ${peerUrl} is not a ws:// or wss:// URL`);
    await this.requireNotConcluded(channel, await this.adjudicator.status(channel.id));
    const link = await this.client.connect(peerUrl);
    const latest = await this.client.sync(channel.id, link);
    await this.o.store.setPeerUrl(channel.id, peerUrl);
    this.events.publish({
      type: "channelResumed",
      channelId: channel.id,
      peerUrl,
      version: latest?.state.version.toString() ?? null,
    });
    this.o.logger?.info("resumed", { channelId: channel.id, peerUrl, version: latest?.state.version });
    return latest;
  }

  /** The channel's status on Layer 1, and what it holds of each asset of its latest state. */
  async chainStatus(channelId: string): Promise<ChainStatus> {
    const channel = this.client.channel(channelId);
    const status = await this.adjudicator.status(channel.id);
    const assets = (channel.latest?.state.allocations ?? []).map((a) => a.asset.toLowerCase());
    const [holdings, concluded] = await Promise.all([
      Promise.all(assets.map((a) => this.adjudicator.holdings(channel.id, a))),
      Promise.all(assets.map((a) => this.adjudicator.isConcluded(channel.id, a))),
    ]);
    const phase = status.phase === "open" && concluded.some(Boolean) ? "concluded" : status.phase;
    return {
      channelId: channel.id,
      phase,
      version: status.version,
      finalizesAt: status.finalizesAt,
      holdings: assets.map((asset, i) => ({ asset, held: holdings[i] })),
    };
  }

  /** Resolves once every state so far reached its watchtower and every deposit it started is done. */
  async settled(): Promise<void> {
    await Promise.all([...this.funding]);
    await this.feed?.flushed();
  }

  /** Stops: no more deposits, states handed to the watchtower first, then every connection closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clock?.stop();
    await this.feed?.flushed();
    await this.client.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Funding a joined channel
  // ---------------------------------------------------------------------------------------------

  /** The time a transaction sent now would be mined at: a local node's latest block can be minutes old. */
  private async layer1Now(): Promise<bigint> {
    return BigInt(await nextBlockTime(this.o.wallet.provider!));
  }

  /** Throws `ChannelConcludedError` when the channel closed or concluded on Layer 1. */
  private async requireNotConcluded(channel: Channel, status: ChannelStatusView): Promise<void> {
    const asset = channel.latest?.state.allocations[0]?.asset;
    if (
      status.phase === "concluded-with-locks" ||
      (asset !== undefined && (await this.adjudicator.isConcluded(channel.id, asset)))
    ) {
      throw new ChannelConcludedError(
        `channel ${channel.id} concluded on Layer 1${status.phase === "concluded-with-locks" ? "; its locks await unlock" : ""}`,
      );
    }
  }

  /** Throws `ChannelUnderfundedError` unless the channel holds what `state` allocates of every asset. */
  private async requireCovered(state: ChannelState, withdrawalsPaid: boolean): Promise<void> {
    for (let i = 0; i < state.allocations.length; i++) {
      const asset = state.allocations[i].asset;
      const paid = withdrawalsPaid
        ? state.withdrawals.filter((w) => w.asset === i).reduce((sum, w) => sum + w.amount, 0n)
        : 0n;
      const needed = totalOf(state, i) - paid;
      const held = await this.adjudicator.holdings(state.channelId, asset);
      if (held < needed) {
        throw new ChannelUnderfundedError(
          `channel ${state.channelId} holds ${asset === ETH ? `${formatEther(held)} ETH` : `${held} of ${asset}`}, ` +
            `v${state.version} allocates ${asset === ETH ? `${formatEther(needed)} ETH` : needed}: a deposit is missing`,
        );
      }
    }
  }

  /** The state registered for `channel`: this party's latest if it is that one, else read back from Layer 1. */
  private async registeredState(channel: Channel, status: ChannelStatusView): Promise<ChannelState> {
    const latest = channel.latest?.state;
    if (latest && latest.version === status.version) {
      const digest = this.domain.digest(latest);
      if ([false, true].some((paid) => stateFingerprint(digest, paid) === status.fingerprint)) return latest;
    }
    const state = await this.adjudicator.registeredState(channel.params, (s) => this.domain.digest(s));
    if (!state) {
      throw new RegisteredStateUnknownError(
        `v${status.version} is registered for ${channel.id} but could not be read back from Layer 1`,
      );
    }
    return state;
  }

  private fundJoined(channelId: string): void {
    const run = this.fundShare(channelId).finally(() => this.funding.delete(run));
    this.funding.add(run);
  }

  /** Deposits this party's share of each asset once the participants before it have deposited theirs. */
  private async fundShare(channelId: string): Promise<void> {
    const channel = this.client.channel(channelId);
    const funding = channel.latest!.state.allocations;
    for (const { asset, balances } of funding) {
      const amount = balances[channel.me];
      if (amount === 0n) continue;
      const expectedHeld = balances.slice(0, channel.me).reduce((sum, b) => sum + b, 0n);
      try {
        while (!this.stopped && (await this.adjudicator.holdings(channelId, asset)) < expectedHeld) {
          await new Promise((resolve) => setTimeout(resolve, this.o.pollMs ?? 500));
        }
        if (this.stopped) return;
        await this.deposit(channelId, asset, expectedHeld, amount);
      } catch (error) {
        this.o.logger?.error("deposit failed", { channelId, asset, error: String(error) });
        this.events.publish({
          type: "depositFailed",
          channelId,
          asset: asset.toLowerCase(),
          amount: amount.toString(),
          error: error instanceof Error ? error.name : String(error),
        });
      }
    }
  }
}

/** The channel as Layer 1 sees it (`channel_status`). */
export interface ChainStatus {
  channelId: string;
  /** `concluded`: closed or concluded, nothing left to unlock. */
  phase: ChannelStatusView["phase"] | "concluded";
  /** The registered version, the version floor, or the concluded version. */
  version: bigint;
  /** When a registered challenge's window closes (0: none). */
  finalizesAt: bigint;
  holdings: { asset: string; held: bigint }[];
}

function requireLatest(channel: Channel): SignedState {
  const latest = channel.latest;
  if (!latest) throw new StateMismatchError(`channel ${channel.id} has no co-signed state yet`);
  return latest;
}

/** What the Layer-1 events of a party carry of a receipt. */
function txFields(r: Layer1Receipt): { l1TxHash: string; gasUsed: string; block: number } {
  return { l1TxHash: r.l1TxHash, gasUsed: r.gasUsed.toString(), block: r.block };
}

/** The locks `receipt` (an `unlock`) settled, from its `LockSettled` events. */
function settledIn(
  adjudicator: AdjudicatorClient,
  receipt: ContractTransactionReceipt,
  locks: PendingLock[],
): SettledLockPayout[] {
  const left = [...locks];
  const settled: SettledLockPayout[] = [];
  for (const log of receipt.logs) {
    const parsed = adjudicator.contract.interface.parseLog(log);
    if (parsed?.name !== "LockSettled") continue;
    const hashlock = (parsed.args.hashlock as string).toLowerCase();
    const at = left.findIndex((l) => l.hashlock.toLowerCase() === hashlock);
    const [lock] = left.splice(at, 1);
    settled.push({
      hashlock,
      paidTo: (parsed.args.paidTo as string).toLowerCase(),
      asset: lock.asset.toLowerCase(),
      amount: lock.amount,
    });
  }
  return settled;
}

function layer1(receipt: { hash: string; gasUsed: bigint; fee: bigint; blockNumber: number }): Layer1Receipt {
  return {
    l1TxHash: receipt.hash.toLowerCase(),
    gasUsed: receipt.gasUsed,
    fee: receipt.fee,
    block: receipt.blockNumber,
  };
}
