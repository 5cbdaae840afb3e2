// The world of the payment-channel end-to-end scenarios: the Adjudicator (also the secret registry) deployed on
// Hardhat, funded wallets (test/channels/fixtures.ts), and for each party a real ChannelClient with its
// own durable store, talking to the others over localhost WebSockets. Clients read Layer-1 time from a
// shared clock the scenario moves with the chain.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { Wallet } from "ethers";
import { AdjudicatorClient } from "../../src/channels/adjudicator-client";
import type { SignedState } from "../../src/channels/channel";
import { keySigner } from "../../src/channels/channel";
import { ChannelClient } from "../../src/channels/client";
import { assertAdjudicatorSolvent, assertNewestStateCovered } from "../../src/channels/invariants";
import { ChannelStore } from "../../src/channels/store";
import type { Connection, Listener } from "../../src/channels/transport";
import type { Allocation, ChannelParams } from "../../src/channels/types";
import { ETH } from "../../src/channels/types";
import { Watchtower, WatchtowerStore, serveWatchtower } from "../../src/channels/watchtower";
import { createLogger } from "../../src/common/logger";
import type { ChannelsFixture } from "../channels/fixtures";

export const CHALLENGE_DURATION = 600;
const logger = createLogger({
  scope: "e2e:channels",
  level: (process.env.STRATA_LOG_LEVEL as "info") ?? "warn",
});

export interface Party {
  name: string;
  wallet: Wallet;
  client: ChannelClient;
  store: ChannelStore;
  listener: Listener;
  adjudicator: AdjudicatorClient;
}

export interface OpenChannel {
  params: ChannelParams;
  channelId: string;
  /** The proposer's link to the other party. */
  link: Connection;
}

export class ChannelsWorld {
  readonly dir = mkdtempSync(join(tmpdir(), "strata-e2e-channels-"));
  /** Layer-1 time as the clients see it (seconds); `tick` keeps it on the chain's. */
  now = 0n;
  private readonly parties: Party[] = [];
  private readonly channelIds: string[] = [];
  private readonly assets = new Set<string>([ETH]);
  private readonly towers: { tower: Watchtower; store: WatchtowerStore; close(): Promise<void> }[] = [];
  private nonce = 1n;

  constructor(readonly f: ChannelsFixture) {}

  get adjudicator(): AdjudicatorClient {
    return new AdjudicatorClient(this.f.adjudicator.target as string, this.f.relayer);
  }

  /** A party with a client listening on a free localhost port. */
  async party(name: string, wallet: Wallet): Promise<Party> {
    const store = await ChannelStore.open(join(this.dir, name, "channels.jsonl"));
    const adjudicator = new AdjudicatorClient(this.f.adjudicator.target as string, wallet);
    const client = ChannelClient.create({
      signer: keySigner(this.f.domain, wallet.privateKey),
      store,
      now: () => this.now,
      withdrawnVersion: (id) => adjudicator.withdrawnVersion(id),
      logger: logger.child(name),
    });
    const listener = await client.listen();
    const party = { name, wallet, client, store, listener, adjudicator };
    this.parties.push(party);
    await this.tick();
    return party;
  }

  /** Opens a channel from `a` to `b` and funds it on Layer 1 in participant order (the deposit-race guard). */
  async open(a: Party, b: Party, allocations: Allocation[]): Promise<OpenChannel> {
    const params: ChannelParams = {
      participants: [a.wallet.address, b.wallet.address],
      nonce: this.nonce++,
      challengeDuration: CHALLENGE_DURATION,
    };
    const link = await a.client.connect(b.listener.url);
    const opened = await a.client.open(link, params, allocations);
    const channelId = opened.state.channelId;
    this.channelIds.push(channelId);
    for (const allocation of allocations) {
      this.assets.add(allocation.asset);
      let held = 0n;
      for (const [i, party] of [a, b].entries()) {
        const amount = allocation.balances[i];
        if (amount > 0n)
          await party.adjudicator.deposit(party.wallet, channelId, allocation.asset, held, amount);
        held += amount;
      }
    }
    await this.check(opened);
    return { params, channelId, link };
  }

  /** A watchtower for `party`, with its own store, key and HTTP endpoint. */
  async watchtower(name: string, signer: Wallet) {
    const store = await WatchtowerStore.open(join(this.dir, name, "tower.jsonl"));
    const tower = new Watchtower({
      adjudicator: new AdjudicatorClient(this.f.adjudicator.target as string, signer),
      signer,
      store,
      domain: this.f.domain,
      fromBlock: await ethers.provider.getBlockNumber(),
      logger: logger.child(name),
    });
    const server = await serveWatchtower(tower, store);
    const entry = { tower, store, url: server.url, close: () => server.close().then(() => store.close()) };
    this.towers.push(entry);
    return entry;
  }

  /** Moves the chain's clock `seconds` ahead (one block) and the clients' with it. */
  async advance(seconds: number): Promise<void> {
    await time.increase(seconds);
    await this.tick();
  }

  async tick(): Promise<void> {
    this.now = BigInt(await time.latest());
  }

  /**
   * The invariants, after every step: the adjudicator owns at least what it owes (payouts never exceed
   * holdings), and `newest` (when given: the newest co-signed state of a live channel) is covered.
   */
  async check(newest?: SignedState, options: { withdrawalsPaid?: boolean } = {}): Promise<void> {
    await assertAdjudicatorSolvent(this.adjudicator, ethers.provider, {
      channelIds: this.channelIds,
      assets: [...this.assets],
      accounts: this.parties.map((p) => p.wallet.address),
    });
    if (newest) await assertNewestStateCovered(this.adjudicator, newest, options);
  }

  async close(): Promise<void> {
    for (const p of this.parties.splice(0)) {
      await p.client.close();
      await p.store.close().catch(() => undefined);
    }
    for (const t of this.towers.splice(0)) await t.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `party`'s balance of `asset` (ETH or an ERC-20). */
export async function balanceOf(f: ChannelsFixture, asset: string, account: string): Promise<bigint> {
  if (asset === ETH) return ethers.provider.getBalance(account);
  return (await ethers.getContractAt("IERC20", asset)).balanceOf(account);
}

/** Expects `party`'s balances of `asset` to have moved by exactly `deltas` between two readings. */
export async function expectPaid(
  f: ChannelsFixture,
  asset: string,
  before: Map<string, bigint>,
  expected: Map<string, bigint>,
): Promise<void> {
  for (const [account, delta] of expected) {
    expect((await balanceOf(f, asset, account)) - before.get(account)!, `paid to ${account}`).to.equal(delta);
  }
}

/** Balances of `asset` now, for `expectPaid`. */
export async function balances(
  f: ChannelsFixture,
  asset: string,
  accounts: string[],
): Promise<Map<string, bigint>> {
  const entries = await Promise.all(accounts.map(async (a) => [a, await balanceOf(f, asset, a)] as const));
  return new Map(entries);
}
