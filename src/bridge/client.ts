import type { ContractTransactionReceipt, ContractTransactionResponse, Provider, Signer } from "ethers";
import { MaxUint256 } from "ethers";
import type { Bridge } from "../../typechain-types";
import { Bridge__factory } from "../../typechain-types";
import { ensureAllowance } from "../common/erc20";
import { ContractClient, MissingEventError } from "../common/contract-client";
import { StrataError } from "../common/errors";
import type { MerkleProof } from "../shared/merkle-tree";
import { foldDeposits, EMPTY_QUEUE_HEAD } from "../shared/deposit";
import type { DepositData, WithdrawalData } from "../shared/types";

/** A deposit as the bridge's `DepositQueued` event reports it. */
export interface QueuedDeposit extends DepositData {
  rollup: string;
  /** Sequence number in the rollup's queue. */
  index: bigint;
  /** Queue head after this deposit. */
  head: string;
  blockNumber: number;
  transactionHash: string;
}

export interface DepositResult {
  deposit: QueuedDeposit;
  receipt: ContractTransactionReceipt;
}

export interface DepositEthOptions {
  rollup: string;
  /** bytes32 Layer-2 owner (see `ownerOfAddress`): its upper 96 bits must be zero. */
  to: string;
  amount: bigint;
}

export interface DepositErc20Options extends DepositEthOptions {
  token: string;
  /** Approve the bridge first if the allowance is short (default true). */
  approve?: boolean;
}

export interface FinalizeWithdrawalOptions {
  rollup: string;
  batchIndex: bigint | number;
  withdrawal: WithdrawalData;
  proof: MerkleProof;
}

export class QueueMismatchError extends StrataError {}

/**
 * A deposit's `to` that no key can ever spend: not a 32-byte word, or one with bits above the low 160
 * (every Layer-2 owner, an address or a zk owner hash mod 2^160, fits 160 bits). The bridge refuses the
 * same word with `BridgeRecipientNotOwnable`; this is thrown before any transaction is sent.
 */
export class BridgeRecipientNotOwnableError extends StrataError {
  constructor(readonly to: string) {
    super(`deposit recipient ${to} is no Layer-2 owner (a 32-byte word whose upper 96 bits are zero)`);
  }
}

/** Throws `BridgeRecipientNotOwnableError` unless `to` is a bytes32 word a Layer-2 owner can be. */
export function checkDepositRecipient(to: string): void {
  if (typeof to !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(to) || BigInt(to) >> 160n !== 0n) {
    throw new BridgeRecipientNotOwnableError(String(to));
  }
}
export { MissingEventError } from "../common/contract-client";

/** The bridge, seen from Layer-2 users and operators. Takes any ethers runner: no Hardhat needed. */
export class BridgeClient extends ContractClient<Bridge> {
  constructor(address: string, runner: Signer | Provider) {
    super(Bridge__factory.connect(address, runner));
  }

  /** Deposits ETH for a Layer-2 owner; resolves once mined, with the queued deposit as the bridge saw it. */
  async depositEth(signer: Signer, o: DepositEthOptions): Promise<DepositResult> {
    checkDepositRecipient(o.to);
    return this.deposit(() => this.contract.connect(signer).depositEth(o.rollup, o.to, { value: o.amount }));
  }

  /** Deposits an ERC-20, approving the bridge first unless told not to. */
  async depositErc20(signer: Signer, o: DepositErc20Options): Promise<DepositResult> {
    checkDepositRecipient(o.to);
    if (o.approve ?? true) await ensureAllowance(signer, o.token, this.address, o.amount, MaxUint256);
    return this.deposit(() => this.contract.connect(signer).depositErc20(o.rollup, o.token, o.to, o.amount));
  }

  /** Pays a withdrawal proven into a final batch (to its recipient, whoever sends this). */
  async finalizeWithdrawal(
    signer: Signer,
    o: FinalizeWithdrawalOptions,
  ): Promise<ContractTransactionReceipt> {
    return this.send(() =>
      this.contract
        .connect(signer)
        .finalizeWithdrawal(o.rollup, o.batchIndex, o.withdrawal, o.proof.index, o.proof.siblings),
    );
  }

  /** Pulls the signer's credit of `token` (address(0) is ETH: payouts it could not take) to `to`. */
  async claimCredit(signer: Signer, token: string, to: string): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).claimCredit(token, to));
  }

  /** Every deposit queued for `rollup` in the block range, in queue order. */
  async queuedDeposits(
    rollup: string,
    fromBlock = 0,
    toBlock: number | "latest" = "latest",
  ): Promise<QueuedDeposit[]> {
    const logs = await this.contract.queryFilter(
      this.contract.filters.DepositQueued(rollup),
      fromBlock,
      toBlock,
    );
    return logs
      .map((log) => ({
        rollup: log.args.rollup,
        from: log.args.from,
        index: log.args.index,
        to: log.args.to,
        tokenId: Number(log.args.tokenId),
        amount: log.args.amount,
        timestamp: log.args.timestamp,
        head: log.args.head,
        blockNumber: log.blockNumber,
        transactionHash: log.transactionHash,
      }))
      .sort((a, b) => (a.index < b.index ? -1 : 1));
  }

  /**
   * Rebuilds `rollup`'s queue from its events alone and checks it against the contract's head: what an
   * operator does before trusting the events it will apply. Returns the deposits.
   */
  async verifiedQueue(rollup: string): Promise<QueuedDeposit[]> {
    const [deposits, queue] = await Promise.all([
      this.queuedDeposits(rollup),
      this.contract.depositQueue(rollup),
    ]);
    if (BigInt(deposits.length) !== queue.count) {
      throw new QueueMismatchError(
        `queue has ${queue.count} deposits but ${deposits.length} events were found`,
      );
    }
    const head = foldDeposits(EMPTY_QUEUE_HEAD, deposits);
    if (head !== queue.head) {
      throw new QueueMismatchError(`events fold to ${head} but the bridge's head is ${queue.head}`);
    }
    return deposits;
  }

  /** Sends a deposit; resolves once mined, with the `DepositQueued` it emitted. */
  private async deposit(call: () => Promise<ContractTransactionResponse>): Promise<DepositResult> {
    const receipt = await this.send(call);
    const event = this.findEvent(receipt, "DepositQueued");
    if (!event) throw new MissingEventError(`transaction ${receipt.hash} queued no deposit`);
    const a = event.args;
    return {
      receipt,
      deposit: {
        rollup: a.rollup,
        from: a.from,
        index: a.index,
        to: a.to,
        tokenId: Number(a.tokenId),
        amount: a.amount,
        timestamp: a.timestamp,
        head: a.head,
        blockNumber: receipt.blockNumber,
        transactionHash: receipt.hash,
      },
    };
  }
}

/**
 * One rollup's deposit queue, followed incrementally: each sync reads only the new `DepositQueued`
 * events, checks that each one extends the chain of heads, and checks the result against the bridge's
 * own head at the same block. What a long-running operator uses instead of `verifiedQueue`, which
 * reads the whole history every time.
 */
export class DepositQueueFollower {
  private readonly known: QueuedDeposit[] = [];
  private nextBlock = 0;

  constructor(
    private readonly client: BridgeClient,
    private readonly rollup: string,
  ) {}

  /** Every deposit queued so far, in queue order, verified. */
  async sync(): Promise<readonly QueuedDeposit[]> {
    const provider = this.client.contract.runner!.provider!;
    const latest = await provider.getBlockNumber();
    if (latest < this.nextBlock) return this.known;
    const fresh = await this.client.queuedDeposits(this.rollup, this.nextBlock, latest);
    let head = this.known.length > 0 ? this.known[this.known.length - 1].head : EMPTY_QUEUE_HEAD;
    for (const deposit of fresh) {
      head = foldDeposits(head, [deposit]);
      if (head !== deposit.head) {
        throw new QueueMismatchError(`deposit ${deposit.index} does not extend the queue's chain of heads`);
      }
    }
    const queue = await this.client.contract.depositQueue(this.rollup, { blockTag: latest });
    if (queue.head !== head || queue.count !== BigInt(this.known.length + fresh.length)) {
      throw new QueueMismatchError(
        `events up to block ${latest} do not reach the bridge's head ${queue.head}`,
      );
    }
    this.known.push(...fresh);
    this.nextBlock = latest + 1;
    return this.known;
  }
}
