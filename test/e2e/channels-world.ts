// The world of the payment-channel end-to-end scenarios: the Adjudicator (also the secret registry) deployed on
// Hardhat, funded wallets (test/channels/fixtures.ts), and for each party a real channel party of the
// channels stack (src/channels/stack.ts): its ChannelClient with its own durable store, talking to the others
// over localhost WebSockets, depositing its share of the channels it joins on its own. Clients read Layer-1
// time from the stack's clock, which the scenario moves with the chain.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { Wallet } from "ethers";
import { AdjudicatorClient } from "../../src/channels/adjudicator-client";
import type { SignedState } from "../../src/channels/channel";
import type { ChannelClient } from "../../src/channels/client";
import { assertAdjudicatorSolvent, assertNewestStateCovered } from "../../src/channels/invariants";
import type { ChannelParty } from "../../src/channels/party";
import type { LocalPartySide, RunningWatchtower } from "../../src/channels/stack";
import { ChannelsStack, startWatchtower } from "../../src/channels/stack";
import type { Allocation, ChannelParams } from "../../src/channels/types";
import { ETH } from "../../src/channels/types";
import { ofType, waitForEvent } from "../../src/common/events";
import { createLogger } from "../../src/common/logger";
import type { ChannelsFixture } from "../channels/fixtures";
import { deployChannelsFixture } from "../channels/fixtures";

export const CHALLENGE_DURATION = 600;
const logger = createLogger({
  scope: "e2e:channels",
  level: (process.env.STRATA_LOG_LEVEL as "info") ?? "warn",
});

export interface Party {
  name: string;
  wallet: Wallet;
  /** The party: its client, its store, its Layer-1 steps. */
  party: ChannelParty;
  client: ChannelClient;
  /** The adjudicator as the party's key sends to it. */
  adjudicator: AdjudicatorClient;
  side: LocalPartySide;
}

export interface OpenChannel {
  params: ChannelParams;
  channelId: string;
}

export class ChannelsWorld {
  readonly dir = mkdtempSync(join(tmpdir(), "strata-e2e-channels-"));
  private stack: ChannelsStack | undefined;
  private readonly parties: Party[] = [];
  private readonly channelIds: string[] = [];
  private readonly assets = new Set<string>([ETH]);
  private readonly towers: RunningWatchtower[] = [];
  private nonce = 1n;

  constructor(readonly f: ChannelsFixture) {}

  get adjudicator(): AdjudicatorClient {
    return new AdjudicatorClient(this.f.adjudicator.target as string, this.f.relayer);
  }

  /** Layer-1 time as the clients see it (seconds); `tick` keeps it on the chain's. */
  get now(): bigint {
    return this.stack?.clock.now() ?? 0n;
  }

  /** A party of the stack, in this process, with a client listening on a free localhost port. */
  async party(name: string, wallet: Wallet): Promise<Party> {
    const stack = await this.stackOf();
    const side = await stack.user(name, wallet);
    const party: Party = {
      name,
      wallet,
      party: side.party,
      client: side.party.client,
      adjudicator: side.party.adjudicator,
      side,
    };
    this.parties.push(party);
    await this.tick();
    return party;
  }

  /**
   * Opens a channel from `a` to `b`: `a` deposits its share, then `b` its own on its own once `a`'s is in
   * (the deposit-race guard's order), which the world learns from `b`'s `deposited` events.
   */
  async open(a: Party, b: Party, allocations: Allocation[]): Promise<OpenChannel> {
    const { params, channelId, opened } = await a.side.open(
      { address: b.wallet.address, url: b.side.peerUrl },
      allocations,
      {
        nonce: this.nonce++,
        challengeDuration: CHALLENGE_DURATION,
      },
    );
    this.channelIds.push(channelId);
    for (const allocation of allocations) {
      this.assets.add(allocation.asset);
      if (allocation.balances[1] === 0n) continue;
      const asset = allocation.asset.toLowerCase();
      await waitForEvent(
        b.party.events,
        ofType("deposited", (e) => e.channelId === channelId && e.asset === asset),
        { timeoutMs: 30_000, pollMs: 20, what: `${b.name}'s deposit of ${asset}` },
      );
    }
    await this.check(opened);
    return { params, channelId };
  }

  /** A watchtower with its own store, key and JSON-RPC endpoint, whose rounds the scenario runs (`tower.tick()`). */
  async watchtower(name: string, signer: Wallet) {
    const running = await startWatchtower({
      signer,
      adjudicator: this.f.adjudicator.target as string,
      chainId: this.f.chainId,
      dataDir: join(this.dir, name),
      fromBlock: await ethers.provider.getBlockNumber(),
      logger: logger.child(name),
      rounds: false,
    });
    this.towers.push(running);
    return { tower: running.tower, store: running.store, url: running.server.url };
  }

  /** Moves the chain's clock `seconds` ahead (one block) and the clients' with it. */
  async advance(seconds: number): Promise<void> {
    await time.increase(seconds);
    await this.tick();
  }

  async tick(): Promise<void> {
    await (await this.stackOf()).tick();
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
    await this.stack?.stop();
    for (const t of this.towers.splice(0)) await t.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async stackOf(): Promise<ChannelsStack> {
    this.stack ??= await ChannelsStack.start({
      adjudicator: this.f.adjudicator.target as string,
      provider: ethers.provider,
      dataDir: this.dir,
      placement: { kind: "in-process" },
      logger,
      pollMs: 50,
    });
    return this.stack;
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

/** A new world on the channels fixture, with Alice and Bob as its parties. */
export interface AliceAndBob {
  f: ChannelsFixture;
  world: ChannelsWorld;
  alice: Party;
  bob: Party;
}

/**
 * Declares the calling suite's hook that closes the world after each test, and returns the function a test
 * (or a beforeEach) calls for a new world with Alice and Bob.
 */
export function useChannelsWorld(): () => Promise<AliceAndBob> {
  let world: ChannelsWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });
  return async () => {
    const f = await loadFixture(deployChannelsFixture);
    world = new ChannelsWorld(f);
    return { f, world, alice: await world.party("alice", f.alice), bob: await world.party("bob", f.bob) };
  };
}
