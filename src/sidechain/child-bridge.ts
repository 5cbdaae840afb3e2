/**
 * The sidechain's ChildBridge: deploying it, and a typed client for relayers (state syncs, validator-set
 * syncs), users (withdrawals, balances) and validators (the burns a checkpoint lists). Any ethers
 * runner: no Hardhat needed. See docs/sidechain.md.
 */
import type { ContractTransactionReceipt, Provider, Signer, TypedDataDomain } from "ethers";
import { AbiCoder, ZeroAddress, concat, getAddress, getCreate2Address, keccak256, toBeHex } from "ethers";
import type { ChildBridge } from "../../typechain-types";
import { ChildBridge__factory, ChildToken__factory } from "../../typechain-types";
import { ContractClient, MissingEventError } from "../common/contract-client";
import { StrataError } from "../common/errors";
import type { Logger } from "../common/logger";
import { depositData, foldDeposits } from "../shared/deposit";
import type { DepositData, WithdrawalData } from "../shared/types";
import { MAX_U128 } from "../shared/types";
import type { ValidatorSignature } from "./quorum";
import { packSignatures } from "./quorum";
import type { StateSync, ValidatorSetSync } from "./state-sync";
import { childBridgeDomain } from "./state-sync";

export { MissingEventError } from "../common/contract-client";

/** The most validators a set may hold (`ChildBridge.MAX_VALIDATORS`). */
export const MAX_VALIDATORS = 128;

/** A validator set the ChildBridge would refuse (checked before any transaction is sent). */
export class ValidatorSetInvalidError extends StrataError {}

/** A state sync whose deposits do not lead from the bridge's stored count and head to the signed ones. */
export class StateSyncMismatchError extends StrataError {}

/** A withdrawal the ChildBridge would refuse for its arguments alone (zero amount, zero recipient). */
export class ChildWithdrawalInvalidError extends StrataError {}

/** The ChildBridge's events its callers read out of their receipts. */
export type ChildBridgeEventName =
  "DepositsSynced" | "DepositMinted" | "ChildTokenCreated" | "ValidatorSetSynced" | "Burned";

/**
 * A burn on the sidechain, as a `Burned` event reports it: the withdrawal it owes on Layer 1 (the leaf of
 * a checkpoint's withdrawal tree) and where it sits.
 */
export interface ChildBurn extends WithdrawalData {
  /** The burn index (dense, from 0). */
  index: bigint;
  /** Who burned. */
  from: string;
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
}

export interface WithdrawOptions {
  tokenId: number;
  amount: bigint;
  /** The Layer-1 address the checkpoint pays. */
  recipient: string;
}

export interface ChildBridgeDeployOptions {
  /** The Layer-1 validator set, strictly ascending. */
  validators: readonly string[];
  /** Their stakes, each non-zero. */
  stakes: readonly bigint[];
  logger?: Logger;
}

/** What `deployChildBridge` deployed, by contract name. */
export interface ChildBridgeContracts {
  ChildBridge: string;
}

/**
 * Throws `ValidatorSetInvalidError` unless the ChildBridge takes `validators` and `stakes` as a set:
 * 1 to MAX_VALIDATORS validators, strictly ascending, as many stakes, each non-zero and within uint128.
 */
export function checkValidatorSet(validators: readonly string[], stakes: readonly bigint[]): void {
  if (validators.length === 0) throw new ValidatorSetInvalidError("a validator set needs a validator");
  if (validators.length > MAX_VALIDATORS) {
    throw new ValidatorSetInvalidError(
      `${validators.length} validators is more than the ${MAX_VALIDATORS} a set may hold`,
    );
  }
  if (stakes.length !== validators.length) {
    throw new ValidatorSetInvalidError(`${validators.length} validators but ${stakes.length} stakes`);
  }
  let previous = 0n;
  validators.forEach((validator, i) => {
    const at = BigInt(getAddress(validator));
    if (at <= previous) {
      throw new ValidatorSetInvalidError(`validator ${i} (${validator}) is not above the one before it`);
    }
    previous = at;
    if (stakes[i] <= 0n || stakes[i] > MAX_U128) {
      throw new ValidatorSetInvalidError(`validator ${i} (${validator}) has stake ${stakes[i]}`);
    }
  });
}

/**
 * Where the ChildBridge at `childBridge` creates (or created) the child token of `tokenId`: CREATE2 from
 * the bridge, salt the token id, so a wallet can list a child token before its first deposit.
 */
export function childTokenAddress(childBridge: string, tokenId: number): string {
  const initCode = concat([
    ChildToken__factory.bytecode,
    AbiCoder.defaultAbiCoder().encode(["uint32"], [tokenId]),
  ]);
  return getCreate2Address(childBridge, toBeHex(tokenId, 32), keccak256(initCode));
}

/** Deploys a ChildBridge mirroring `validators` and `stakes` (checked first). */
export async function deployChildBridge(
  deployer: Signer,
  options: ChildBridgeDeployOptions,
): Promise<ChildBridgeContracts> {
  checkValidatorSet(options.validators, options.stakes);
  const bridge = await new ChildBridge__factory(deployer).deploy(
    [...options.validators],
    [...options.stakes],
  );
  await bridge.waitForDeployment();
  const contracts = { ChildBridge: await bridge.getAddress() };
  options.logger?.info("deployed ChildBridge", {
    address: contracts.ChildBridge,
    validators: options.validators.length,
    totalStake: options.stakes.reduce((a, b) => a + b, 0n),
  });
  return contracts;
}

/** The ChildBridge seen from relayers, users and validators. */
export class ChildBridgeClient extends ContractClient<ChildBridge, ChildBridgeEventName> {
  constructor(address: string, runner: Signer | Provider) {
    super(ChildBridge__factory.connect(address, runner));
  }

  /** The bridge's EIP-712 domain (the sidechain's chain id, its address): read once, then kept. */
  domain(): Promise<TypedDataDomain> {
    return this.immutables(async (c) => childBridgeDomain((await c.eip712Domain()).chainId, this.address));
  }

  /**
   * Mints `deposits` (the Layer-1 queue's, from `syncedCount()` on) on the word of `signatures` on
   * `sync`. Throws `StateSyncMismatchError` before sending when they do not lead from the stored count
   * and head to `sync`; a quorum that falls short reverts (`ChildBridgeQuorumNotReached`).
   */
  async syncDeposits(
    signer: Signer,
    sync: StateSync,
    deposits: readonly DepositData[],
    signatures: readonly ValidatorSignature[],
  ): Promise<ContractTransactionReceipt> {
    if (deposits.length === 0) throw new StateSyncMismatchError("a state sync needs at least one deposit");
    const [count, head] = await Promise.all([this.syncedCount(), this.syncedHead()]);
    if (sync.count !== count + BigInt(deposits.length)) {
      throw new StateSyncMismatchError(
        `sync reaches ${sync.count} deposits, but ${count} are minted and ${deposits.length} shown`,
      );
    }
    const folded = foldDeposits(head, deposits);
    if (folded !== sync.head) {
      throw new StateSyncMismatchError(`the deposits fold to ${folded}, not the signed head ${sync.head}`);
    }
    const packed = packSignatures(signatures);
    return this.send(() =>
      this.contract.connect(signer).syncDeposits(sync, deposits.map(depositData), packed),
    );
  }

  /** Replaces the mirrored validator set by `set` on the word of the current set's `signatures`. */
  async syncValidators(
    signer: Signer,
    set: ValidatorSetSync,
    signatures: readonly ValidatorSignature[],
  ): Promise<ContractTransactionReceipt> {
    checkValidatorSet(set.validators, set.stakes);
    const packed = packSignatures(signatures);
    return this.send(() => this.contract.connect(signer).syncValidators(set, packed));
  }

  /** Burns `amount` of the signer's child token of `tokenId` for `recipient` on Layer 1. */
  async withdraw(
    signer: Signer,
    o: WithdrawOptions,
  ): Promise<{ burn: ChildBurn; receipt: ContractTransactionReceipt }> {
    if (o.amount <= 0n || o.amount > MAX_U128) {
      throw new ChildWithdrawalInvalidError(`cannot withdraw an amount of ${o.amount}`);
    }
    if (getAddress(o.recipient) === ZeroAddress) {
      throw new ChildWithdrawalInvalidError("a withdrawal needs a Layer-1 recipient");
    }
    const receipt = await this.send(() =>
      this.contract.connect(signer).withdraw(o.tokenId, o.amount, o.recipient),
    );
    const log = receipt.logs.find(
      (l) =>
        l.address.toLowerCase() === this.address.toLowerCase() &&
        this.contract.interface.parseLog(l)?.name === "Burned",
    );
    if (!log) throw new MissingEventError(`no Burned event in transaction ${receipt.hash}`);
    const args = this.contract.interface.parseLog(log)!.args;
    return {
      receipt,
      burn: {
        recipient: args.recipient as string,
        tokenId: Number(args.tokenId),
        amount: args.amount as bigint,
        index: args.index as bigint,
        from: args.from as string,
        blockNumber: receipt.blockNumber,
        logIndex: log.index,
        transactionHash: receipt.hash,
      },
    };
  }

  /**
   * The burns in sidechain blocks `fromBlock..toBlock`, in (block, log index) order: the leaves, in
   * order, of the withdrawal tree a checkpoint over those blocks commits to.
   */
  async readBurns(fromBlock: number, toBlock: number | "latest"): Promise<ChildBurn[]> {
    const logs = await this.contract.queryFilter(this.contract.filters.Burned(), fromBlock, toBlock);
    return logs
      .map((log) => ({
        recipient: log.args.recipient,
        tokenId: Number(log.args.tokenId),
        amount: log.args.amount,
        index: log.args.index,
        from: log.args.from,
        blockNumber: log.blockNumber,
        logIndex: log.index,
        transactionHash: log.transactionHash,
      }))
      .sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  }

  /** What `owner` holds of the child token of `tokenId` (0 before its first deposit). */
  async balanceOf(tokenId: number, owner: string): Promise<bigint> {
    const token = await this.childToken(tokenId);
    if (token === ZeroAddress) return 0n;
    return ChildToken__factory.connect(token, this.contract.runner).balanceOf(owner);
  }

  syncedCount(): Promise<bigint> {
    return this.contract.syncedCount();
  }

  syncedHead(): Promise<string> {
    return this.contract.syncedHead();
  }

  validatorSetNonce(): Promise<bigint> {
    return this.contract.validatorSetNonce();
  }

  stakeOf(validator: string): Promise<bigint> {
    return this.contract.stakeOf(validator);
  }

  totalStake(): Promise<bigint> {
    return this.contract.totalStake();
  }

  /** The child token of `tokenId`, or the zero address before its first deposit. */
  childToken(tokenId: number): Promise<string> {
    return this.contract.childToken(tokenId);
  }

  burnCount(): Promise<bigint> {
    return this.contract.burnCount();
  }

  stateSyncDigest(sync: StateSync): Promise<string> {
    return this.contract.stateSyncDigest(sync);
  }

  validatorSetSyncDigest(set: ValidatorSetSync): Promise<string> {
    return this.contract.validatorSetSyncDigest(set);
  }
}
