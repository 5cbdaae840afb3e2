import type { ContractTransactionReceipt, Provider, Signer } from "ethers";
import { ZeroAddress } from "ethers";
import type { Adjudicator } from "../../typechain-types";
import { Adjudicator__factory } from "../../typechain-types";
import { ensureAllowance } from "../common/erc20";
import { ContractClient } from "../common/contract-client";
import type { SignedState } from "./channel";
import type { ChannelParams, ChannelState, PendingLock } from "./types";

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
}

const CONCLUDED = 2n ** 32n - 1n;
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
    const [version, finalizesAt] = await this.contract.statusOf(channelId);
    const phase =
      finalizesAt === 0n ? "open" : finalizesAt === CONCLUDED ? "concluded-with-locks" : "challenged";
    return { phase, version, finalizesAt };
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
