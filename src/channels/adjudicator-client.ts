import type { ContractTransactionReceipt, Provider, Result, Signer } from "ethers";
import { AbiCoder, ZeroAddress, keccak256 } from "ethers";
import type { Adjudicator } from "../../typechain-types";
import { Adjudicator__factory } from "../../typechain-types";
import { ensureAllowance } from "../common/erc20";
import { ContractClient } from "../common/contract-client";
import type { SignedState } from "./channel";
import type { ChannelParams, ChannelState, PendingLock } from "./types";
import { channelIdOf, pendingLocksOf } from "./types";

/**
 * The `Adjudicator` (which is also the secret registry of its channels' locks) as the channel clients and
 * the watchtower see it: any ethers runner, no Hardhat. Every transaction resolves once mined; a revert throws
 * `ContractRevertError` whose `errorName` is the contract's custom error (`AdjudicatorStaleVersion`…).
 */

/** A challenge seen on chain: a registration, or a refutation that replaced the registered state. */
export interface ChallengeEvent {
  kind: "registered" | "refuted";
  channelId: string;
  version: bigint;
  /** When the window closes (a refutation keeps the registration's; read from `statusOf` for those). */
  finalizesAt: bigint;
  blockNumber: number;
  /** The transaction that emitted it. */
  txHash: string;
}

/** A channel concluded on chain (`ChannelConcluded`): the version it paid out. */
export interface ConcludedEvent {
  channelId: string;
  version: bigint;
  blockNumber: number;
  txHash: string;
}

/** The channel's status slot: what is registered, the version floor, or what concluded. */
export interface ChannelStatusView {
  phase: "open" | "challenged" | "concluded-with-locks";
  version: bigint;
  finalizesAt: bigint;
  /**
   * Of the registered state (`stateFingerprint` of its digest), or of the locks still to settle
   * (`locksFingerprint`); 0 when the channel is open.
   */
  fingerprint: bigint;
}

/** A lock `unlock` settled (`LockSettled`): who was paid, the receiver or the sender. */
export interface SettledLock {
  hashlock: string;
  paidTo: string;
  blockNumber: number;
}

/** `finalizesAt` of a channel concluded with locks still to settle (ChannelStatusLib.CONCLUDED, 2^32 - 1). */
export const CONCLUDED = 2n ** 32n - 1n;
const LOW_160_BITS = (1n << 160n) - 1n;
/** XORed into the fingerprint of a registered state whose withdrawals were already paid (Solidity's tag). */
const WITHDRAWALS_PAID_TAG = 1n;
const PENDING_LOCKS = [
  "tuple(bytes32 hashlock, uint64 deadline, address asset, address sender, address receiver, uint256 amount)[]",
];

/** How the adjudicator fingerprints a registered state: the low 160 bits of its EIP-712 digest (tagged if its withdrawals were paid). */
export function stateFingerprint(digest: string, withdrawalsPaid = false): bigint {
  const fingerprint = BigInt(digest) & LOW_160_BITS;
  return withdrawalsPaid ? fingerprint ^ WITHDRAWALS_PAID_TAG : fingerprint;
}

/** How the adjudicator fingerprints the locks a channel left for `unlock`: keccak256(abi.encode(locks)), low 160 bits. */
export function locksFingerprint(locks: PendingLock[]): bigint {
  return BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(PENDING_LOCKS, [locks]))) & LOW_160_BITS;
}

/** A `Channel.State` as ethers decodes it from calldata, in the TypeScript model's types. */
export function stateFromResult(r: Result): ChannelState {
  return {
    channelId: String(r.channelId).toLowerCase(),
    version: BigInt(r.version),
    isFinal: Boolean(r.isFinal),
    allocations: [...r.allocations].map((a: Result) => ({
      asset: String(a.asset).toLowerCase(),
      balances: [...a.balances].map((b) => BigInt(b)),
    })),
    locks: [...r.locks].map((l: Result) => ({
      hashlock: String(l.hashlock).toLowerCase(),
      deadline: BigInt(l.deadline),
      asset: Number(l.asset),
      sender: Number(l.sender),
      receiver: Number(l.receiver),
      amount: BigInt(l.amount),
    })),
    withdrawals: [...r.withdrawals].map((w: Result) => ({
      asset: Number(w.asset),
      participant: Number(w.participant),
      amount: BigInt(w.amount),
    })),
  };
}
/** A `Channel.Params` as ethers decodes it from calldata, in the TypeScript model's types. */
export function paramsFromResult(r: Result): ChannelParams {
  return {
    participants: [...r.participants].map((p) => String(p).toLowerCase()),
    nonce: BigInt(r.nonce),
    challengeDuration: Number(r.challengeDuration),
  };
}

/** The adjudicator's functions whose calldata carries a channel's parameters and a state. */
export type StateCallName = "register" | "refute" | "conclude" | "close" | "withdrawPartial";
const STATE_CALLS: readonly string[] = ["register", "refute", "conclude", "close", "withdrawPartial"];

/** A call to the adjudicator that carried a channel's parameters and a state, read back from its calldata. */
export interface StateCall {
  name: StateCallName;
  params: ChannelParams;
  state: ChannelState;
}

/**
 * The parameters and state sent in transaction `tx`, if it called `adjudicator` directly with one of
 * `register`, `refute`, `conclude`, `close` or `withdrawPartial`; undefined otherwise (another function,
 * another contract, or a contract wallet's call).
 */
export function stateCallOf(
  adjudicator: string,
  tx: { to: string | null; data: string; value: bigint },
): StateCall | undefined {
  if (tx.to?.toLowerCase() !== adjudicator.toLowerCase()) return undefined;
  const call = Adjudicator__factory.createInterface().parseTransaction({ data: tx.data, value: tx.value });
  if (!call || !STATE_CALLS.includes(call.name)) return undefined;
  return {
    name: call.name as StateCallName,
    params: paramsFromResult(call.args[0] as Result),
    state: stateFromResult(call.args[1] as Result),
  };
}

export class AdjudicatorClient extends ContractClient<Adjudicator> {
  constructor(address: string, runner: Signer | Provider) {
    super(Adjudicator__factory.connect(address, runner));
  }

  // ---------------------------------------------------------------------------------------------
  // Transactions
  // ---------------------------------------------------------------------------------------------

  /**
   * Deposits `amount` of `asset` if the channel holds exactly `expectedHeld`: ETH with `depositEth`, a token
   * with `deposit` (approving it first).
   */
  async deposit(
    signer: Signer,
    channelId: string,
    asset: string,
    expectedHeld: bigint,
    amount: bigint,
  ): Promise<ContractTransactionReceipt> {
    if (asset === ZeroAddress) {
      return this.send(() =>
        this.contract.connect(signer).depositEth(channelId, expectedHeld, { value: amount }),
      );
    }
    await ensureAllowance(signer, asset, this.address, amount);
    return this.send(() => this.contract.connect(signer).deposit(channelId, asset, expectedHeld, amount));
  }

  close(signer: Signer, params: ChannelParams, signed: SignedState): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).close(params, signed.state, signed.sigs));
  }

  register(signer: Signer, params: ChannelParams, signed: SignedState): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).register(params, signed.state, signed.sigs));
  }

  refute(signer: Signer, params: ChannelParams, signed: SignedState): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).refute(params, signed.state, signed.sigs));
  }

  conclude(signer: Signer, params: ChannelParams, state: ChannelState): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).conclude(params, state));
  }

  unlock(signer: Signer, channelId: string, locks: PendingLock[]): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).unlock(channelId, locks));
  }

  withdrawPartial(
    signer: Signer,
    params: ChannelParams,
    signed: SignedState,
  ): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).withdrawPartial(params, signed.state, signed.sigs));
  }

  /** Pulls the signer's credit of `asset` (payouts that could not be pushed) to `to`. */
  withdraw(signer: Signer, asset: string, to: string): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).withdraw(asset, to));
  }

  /** Reveals `secret` (bytes32) in the adjudicator, the registry its channels' locks settle against. */
  reveal(signer: Signer, secret: string): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).reveal(secret));
  }

  // ---------------------------------------------------------------------------------------------
  // Views
  // ---------------------------------------------------------------------------------------------

  holdings(channelId: string, asset: string): Promise<bigint> {
    return this.contract.holdings(channelId, asset);
  }

  credits(asset: string, account: string): Promise<bigint> {
    return this.contract.credits(asset, account);
  }

  /** When the secret of `hashlock` was revealed (block timestamp), or 0. */
  revealedAt(hashlock: string): Promise<bigint> {
    return this.contract.revealedAt(hashlock);
  }

  async status(channelId: string): Promise<ChannelStatusView> {
    const [version, finalizesAt, fingerprint] = await this.contract.statusOf(channelId);
    const phase =
      finalizesAt === 0n ? "open" : finalizesAt === CONCLUDED ? "concluded-with-locks" : "challenged";
    return { phase, version, finalizesAt, fingerprint };
  }

  /** Whether the channel has concluded (closed or concluded) with `asset` in its final state. */
  isConcluded(channelId: string, asset: string): Promise<boolean> {
    return this.contract.isConcluded(channelId, asset);
  }

  /**
   * The state passed to `register`, `refute`, `conclude` or `close` in transaction `txHash`, read from its
   * calldata; undefined if that transaction did not call this adjudicator directly (a contract wallet's).
   */
  async stateSentIn(txHash: string): Promise<ChannelState | undefined> {
    const tx = await this.contract.runner?.provider?.getTransaction(txHash);
    if (!tx) return undefined;
    const call = stateCallOf(this.address, tx);
    return call && call.name !== "withdrawPartial" ? call.state : undefined;
  }

  /**
   * The state registered for the channel of `params` now, as sent in the registration or refutation that
   * put it there (checked against the status's fingerprint); undefined if none is registered or it cannot
   * be read back.
   */
  async registeredState(
    params: ChannelParams,
    digestOf: (state: ChannelState) => string,
  ): Promise<ChannelState | undefined> {
    const id = channelIdOf(params);
    const status = await this.status(id);
    if (status.phase !== "challenged") return undefined;
    const c = this.contract;
    const [registered, refuted] = await Promise.all([
      c.queryFilter(c.filters.ChallengeRegistered(id)),
      c.queryFilter(c.filters.ChallengeRefuted(id)),
    ]);
    const candidates = [...registered, ...refuted]
      .filter((e) => e.args.version === status.version)
      .sort((a, b) => b.blockNumber - a.blockNumber || b.index - a.index);
    for (const event of candidates) {
      const state = await this.stateSentIn(event.transactionHash);
      if (!state) continue;
      const fingerprint = stateFingerprint(digestOf(state));
      if (status.fingerprint === fingerprint || status.fingerprint === (fingerprint ^ WITHDRAWALS_PAID_TAG))
        return state;
    }
    return undefined;
  }

  /**
   * The locks the channel of `params` still holds for `unlock`, in the order `unlock` takes them: those of
   * the state it concluded with (read from the conclusion's calldata, else `concluded` if it is that
   * version), less the ones settled since; checked against the status's fingerprint. Undefined when it
   * holds none, or they cannot be read back.
   */
  async recordedLocks(params: ChannelParams, concluded?: ChannelState): Promise<PendingLock[] | undefined> {
    const id = channelIdOf(params);
    const status = await this.status(id);
    if (status.phase !== "concluded-with-locks") return undefined;
    const c = this.contract;
    const conclusions = await c.queryFilter(c.filters.ChannelConcluded(id));
    const conclusion = conclusions.at(-1);
    if (!conclusion) return undefined;
    let state = await this.stateSentIn(conclusion.transactionHash);
    if (!state && concluded?.version === status.version) state = concluded;
    if (!state) return undefined;
    const settled = await this.settledLocks(id, conclusion.blockNumber);
    const locks = pendingLocksOf(params, state);
    for (const { hashlock } of settled) {
      const at = locks.findIndex((l) => l.hashlock.toLowerCase() === hashlock);
      if (at !== -1) locks.splice(at, 1);
    }
    return locksFingerprint(locks) === status.fingerprint ? locks : undefined;
  }

  /** The locks `unlock` settled for the channel from block `fromBlock` on, in chain order. */
  async settledLocks(channelId: string, fromBlock = 0): Promise<SettledLock[]> {
    const c = this.contract;
    const events = await c.queryFilter(c.filters.LockSettled(channelId), fromBlock);
    return events.map((e) => ({
      hashlock: e.args.hashlock.toLowerCase(),
      paidTo: e.args.paidTo.toLowerCase(),
      blockNumber: e.blockNumber,
    }));
  }

  /** The highest version whose withdrawals Layer 1 paid (`PartialWithdrawal`), if any. */
  async withdrawnVersion(channelId: string): Promise<bigint | undefined> {
    const events = await this.contract.queryFilter(this.contract.filters.PartialWithdrawal(channelId));
    return events.reduce<bigint | undefined>(
      (max, e) => (max === undefined || e.args.version > max ? e.args.version : max),
      undefined,
    );
  }

  /**
   * Registrations and refutations in blocks [fromBlock, toBlock], in chain order, from the logs (any
   * JSON-RPC node). A refutation's window end is read from the channel's status.
   */
  async challengeEvents(fromBlock: number, toBlock: number): Promise<ChallengeEvent[]> {
    const c = this.contract;
    const [registered, refuted] = await Promise.all([
      c.queryFilter(c.filters.ChallengeRegistered(), fromBlock, toBlock),
      c.queryFilter(c.filters.ChallengeRefuted(), fromBlock, toBlock),
    ]);
    const events: (ChallengeEvent & { logIndex: number })[] = registered.map((e) => ({
      kind: "registered",
      channelId: e.args.channelId.toLowerCase(),
      version: e.args.version,
      finalizesAt: e.args.finalizesAt,
      blockNumber: e.blockNumber,
      txHash: e.transactionHash.toLowerCase(),
      logIndex: e.index,
    }));
    for (const e of refuted) {
      const channelId = e.args.channelId.toLowerCase();
      const { finalizesAt } = await this.status(channelId);
      events.push({
        kind: "refuted",
        channelId,
        version: e.args.version,
        finalizesAt,
        blockNumber: e.blockNumber,
        txHash: e.transactionHash.toLowerCase(),
        logIndex: e.index,
      });
    }
    events.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
    return events.map(({ logIndex: _, ...event }) => event);
  }

  /** Conclusions (`ChannelConcluded`) in blocks [fromBlock, toBlock], in chain order. */
  async concludedEvents(fromBlock: number, toBlock: number): Promise<ConcludedEvent[]> {
    const c = this.contract;
    const events = await c.queryFilter(c.filters.ChannelConcluded(), fromBlock, toBlock);
    return events.map((e) => ({
      channelId: e.args.channelId.toLowerCase(),
      version: e.args.version,
      blockNumber: e.blockNumber,
      txHash: e.transactionHash.toLowerCase(),
    }));
  }
}
