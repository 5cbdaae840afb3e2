import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { MaxUint256, Wallet, id, keccak256, parseEther } from "ethers";
import type { BaseContract } from "ethers";
import type { Adjudicator, FeeOnTransferToken, RefusingToken, TestToken } from "../../typechain-types";
import {
  Adjudicator__factory,
  FeeOnTransferToken__factory,
  RefusingToken__factory,
  TestToken__factory,
} from "../../typechain-types";
import { ChannelDomain } from "../../src/channels/eip712";
import type { LocalPartySide } from "../../src/channels/stack";
import { ChannelsStack } from "../../src/channels/stack";
import type {
  Allocation,
  ChannelParams,
  ChannelState,
  CompactSignature,
  Lock,
  PendingLock,
} from "../../src/channels/types";
import { ETH, channelIdOf, stateOf } from "../../src/channels/types";
import type { Logger } from "../../src/common/logger";

export { stateOf };
import { expectRevertLeaving } from "../shared/reverts";

// ---------------------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------------------

export const DURATION = 3_600;
export const ONE = parseEther("1");
/** What every wallet starts with, in ETH and in each token. */
const FUNDING = parseEther("1000");

// ---------------------------------------------------------------------------------------------------------
// The world: an adjudicator (also the secret registry), three tokens and the channel parties
// ---------------------------------------------------------------------------------------------------------

export interface ChannelsFixture {
  /** Also the secret registry its locks settle against (`reveal`, `revealedAt`). */
  adjudicator: Adjudicator;
  token: TestToken;
  feeToken: FeeOnTransferToken;
  refusingToken: RefusingToken;
  /** Signs for this adjudicator on this chain. */
  domain: ChannelDomain;
  chainId: bigint;
  /** Sends settlement transactions when the test does not care who does (keeps payees' balances exact). */
  relayer: HardhatEthersSigner;
  alice: Wallet;
  bob: Wallet;
  carol: Wallet;
  /** Not a participant of any channel: a forger. */
  mallory: Wallet;
}

/** For `loadFixture`: deploys everything, funds the wallets with ETH and tokens, approves the adjudicator. */
export async function deployChannelsFixture(): Promise<ChannelsFixture> {
  const [relayer] = await ethers.getSigners();
  const adjudicator = await new Adjudicator__factory(relayer).deploy();
  const token = await new TestToken__factory(relayer).deploy("Test", "TST");
  const feeToken = await new FeeOnTransferToken__factory(relayer).deploy();
  const refusingToken = await new RefusingToken__factory(relayer).deploy();
  const [alice, bob, carol, mallory] = ["alice", "bob", "carol", "mallory"].map(
    (name) => new Wallet(id(`strata.channels.${name}`), ethers.provider),
  );
  const adjudicatorAddress = await adjudicator.getAddress();
  for (const wallet of [alice, bob, carol, mallory]) {
    await setBalance(wallet.address, FUNDING);
    for (const t of [token, feeToken, refusingToken]) {
      await (await t.mint(wallet.address, FUNDING)).wait();
      await (await t.connect(wallet).approve(adjudicatorAddress, MaxUint256)).wait();
    }
  }
  const { chainId } = await ethers.provider.getNetwork();
  const domain = new ChannelDomain(chainId, adjudicatorAddress);
  return {
    adjudicator,
    token,
    feeToken,
    refusingToken,
    domain,
    chainId,
    relayer,
    alice,
    bob,
    carol,
    mallory,
  };
}

/** Alice and Bob as in-process channel parties (their clients, stores and Layer-1 steps), on a fresh fixture. */
export interface AliceAndBob {
  f: ChannelsFixture;
  stack: ChannelsStack;
  alice: LocalPartySide;
  bob: LocalPartySide;
}

/**
 * Declares the calling suite's hooks: before each test, the fixture (`loadFixture`), a temporary directory
 * named `prefix…` for the parties' stores and an in-process `ChannelsStack` on the fixture's adjudicator
 * with Alice and Bob (rounds every 20 ms); after it, the stack stopped and the directory removed. Returns
 * the current test's parties (a suite's own hooks declared after this one run after it).
 */
export function useAliceAndBob(prefix: string, logger: Logger): () => AliceAndBob {
  let current: (AliceAndBob & { dir: string }) | undefined;
  beforeEach(async () => {
    const f = await loadFixture(deployChannelsFixture);
    const dir = await mkdtemp(join(tmpdir(), prefix));
    const stack = await ChannelsStack.start({
      adjudicator: f.adjudicator.target as string,
      provider: ethers.provider,
      dataDir: dir,
      placement: { kind: "in-process" },
      logger,
      pollMs: 20,
    });
    current = {
      f,
      dir,
      stack,
      alice: await stack.user("alice", f.alice),
      bob: await stack.user("bob", f.bob),
    };
  });
  afterEach(async () => {
    if (current === undefined) return;
    await current.stack.stop();
    await rm(current.dir, { recursive: true, force: true });
    current = undefined;
  });
  return () => {
    if (current === undefined) throw new Error("Alice and Bob exist only inside a test");
    return current;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Channels and states
// ---------------------------------------------------------------------------------------------------------

export function channelOf(members: Wallet[], overrides: Partial<ChannelParams> = {}): ChannelParams {
  return {
    participants: members.map((w) => w.address),
    nonce: 0n,
    challengeDuration: DURATION,
    ...overrides,
  };
}

export function eth(...balances: bigint[]): Allocation {
  return { asset: ETH, balances };
}

export function allocation(asset: string, ...balances: bigint[]): Allocation {
  return { asset, balances };
}

export function finalStateOf(
  params: ChannelParams,
  version: bigint,
  allocations: Allocation[],
): ChannelState {
  return stateOf(params, version, allocations, { isFinal: true });
}

/** Every signer's signature of `state`, in the order given (participant order for a valid set). */
export function signAll(domain: ChannelDomain, state: ChannelState, signers: Wallet[]): CompactSignature[] {
  return signers.map((w) => domain.sign(state, w.privateKey));
}

/** A secret and the lock on it, from participant `sender` to `receiver` of allocation `asset`. */
export function lockOn(
  secretName: string,
  deadline: bigint,
  amount: bigint,
  route: { asset?: number; sender: number; receiver: number },
): { secret: string; lock: Lock } {
  const secret = id(secretName);
  return {
    secret,
    lock: {
      hashlock: keccak256(secret),
      deadline,
      asset: route.asset ?? 0,
      sender: route.sender,
      receiver: route.receiver,
      amount,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------------------

/**
 * Each member deposits its amount of `asset` in participant order, with the race guard (`depositEth` for
 * ETH, `deposit` for a token).
 */
export async function fund(
  f: ChannelsFixture,
  params: ChannelParams,
  members: Wallet[],
  amounts: bigint[],
  asset: string = ETH,
): Promise<void> {
  const channelId = channelIdOf(params);
  for (let i = 0; i < members.length; i++) {
    const held = await f.adjudicator.holdings(channelId, asset);
    const adjudicator = f.adjudicator.connect(members[i]);
    const tx =
      asset === ETH
        ? adjudicator.depositEth(channelId, held, { value: amounts[i] })
        : adjudicator.deposit(channelId, asset, held, amounts[i]);
    await (await tx).wait();
  }
}

/** `state` registered (by the relayer) with everyone's signatures; returns when its window closes. */
export async function register(
  f: ChannelsFixture,
  params: ChannelParams,
  state: ChannelState,
  members: Wallet[],
): Promise<bigint> {
  await (
    await f.adjudicator.connect(f.relayer).register(params, state, signAll(f.domain, state, members))
  ).wait();
  return (await f.adjudicator.statusOf(channelIdOf(params))).finalizesAt;
}

export async function passWindow(finalizesAt: bigint): Promise<void> {
  if (BigInt(await time.latest()) < finalizesAt) await time.increaseTo(finalizesAt);
}

// ---------------------------------------------------------------------------------------------------------
// Properties and snapshots
// ---------------------------------------------------------------------------------------------------------

export function assetsOf(f: ChannelsFixture): Promise<string[]> {
  return Promise.all([ETH, f.token.getAddress(), f.feeToken.getAddress(), f.refusingToken.getAddress()]);
}

async function balanceOf(asset: string, account: string): Promise<bigint> {
  if (asset === ETH) return ethers.provider.getBalance(account);
  return TestToken__factory.connect(asset, ethers.provider).balanceOf(account);
}

/**
 * Payouts never exceed holdings: for every asset, the adjudicator holds exactly what its channels hold,
 * plus what it owes as credit, plus the amounts of locks recorded for `unlock`. A payout beyond a
 * channel's holdings would leave the adjudicator short of what the others are still owed.
 */
export async function assertSolvent(
  f: ChannelsFixture,
  channels: ChannelParams[],
  pendingLocks: PendingLock[] = [],
  extraAccounts: string[] = [],
): Promise<void> {
  const adjudicator = await f.adjudicator.getAddress();
  const accounts = [f.alice, f.bob, f.carol, f.mallory].map((w) => w.address).concat(extraAccounts);
  for (const asset of await assetsOf(f)) {
    let owed = 0n;
    for (const params of channels) owed += await f.adjudicator.holdings(channelIdOf(params), asset);
    for (const account of accounts) owed += await f.adjudicator.credits(asset, account);
    for (const l of pendingLocks) if (l.asset === asset) owed += l.amount;
    expect(await balanceOf(asset, adjudicator)).to.equal(owed, `adjudicator insolvent in ${asset}`);
  }
}

/** Everything a call could change about one channel and the parties' money, to compare across a revert. */
export async function snapshotOf(f: ChannelsFixture, channelId: string): Promise<unknown[]> {
  const adjudicator = await f.adjudicator.getAddress();
  const snapshot: unknown[] = [...(await f.adjudicator.statusOf(channelId))];
  for (const asset of await assetsOf(f)) {
    snapshot.push(
      await f.adjudicator.holdings(channelId, asset),
      await f.adjudicator.isConcluded(channelId, asset),
      await balanceOf(asset, adjudicator),
    );
    for (const w of [f.alice, f.bob, f.carol]) snapshot.push(await f.adjudicator.credits(asset, w.address));
  }
  return snapshot;
}

/** `send()` reverts with `contract`'s custom error `name(...args)` and leaves the channel as it was. */
export function expectRevert(
  f: ChannelsFixture,
  channelId: string,
  send: () => Promise<unknown>,
  name: string,
  args: unknown[],
  contract: BaseContract = f.adjudicator,
): Promise<void> {
  return expectRevertLeaving(() => snapshotOf(f, channelId), "the channel", send, contract, name, args);
}
