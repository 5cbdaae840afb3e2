import type { Provider, Wallet } from "ethers";
import { EventLog } from "../common/events";
import type { Logger } from "../common/logger";
import { AdjudicatorClient } from "./adjudicator-client";
import type { OpenPolicy, SignedState } from "./channel";
import { keySigner } from "./channel";
import { ChannelClient } from "./client";
import { ChannelDomain } from "./eip712";
import { UnknownChannelError } from "./errors";
import type { ChannelEvent } from "./events";
import type { ChannelStore } from "./store";
import type { Listener, ListenOptions } from "./transport";
import type { Allocation, ChannelParams, Lock } from "./types";
import { WatchtowerFeed } from "./watchtower-rpc";
import type { WatchtowerClient } from "./watchtower-rpc";

/**
 * One honest channel party: its `ChannelClient` (states, store, peers) and what it does on Layer 1 with
 * its own key: it deposits its share of every channel it opens, and of every channel it joins once the
 * participants before it have deposited theirs (the deposit-race guard's order); it closes a channel
 * cooperatively with the final state; and it hands every co-signed state to its watchtower, if it has
 * one. Everything it does is published on `events` (src/channels/events.ts), the client's events and
 * its Layer-1 steps in one sequence.
 *
 * The channel-client service (scripts/channel-client.ts, see party-rpc.ts) is one of these behind
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
   * `allocations`, then this party deposits its share of each asset. The peer deposits its own.
   */
  async open(peer: PeerRef, allocations: Allocation[], options: OpenOptions): Promise<OpenedChannel> {
    const params: ChannelParams = {
      participants: [this.address, peer.address],
      nonce: options.nonce,
      challengeDuration: options.challengeDuration,
    };
    const link = await this.client.connect(peer.url);
    const opened = await this.client.open(link, params, allocations);
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

function layer1(receipt: { hash: string; gasUsed: bigint; fee: bigint; blockNumber: number }): Layer1Receipt {
  return {
    l1TxHash: receipt.hash.toLowerCase(),
    gasUsed: receipt.gasUsed,
    fee: receipt.fee,
    block: receipt.blockNumber,
  };
}
