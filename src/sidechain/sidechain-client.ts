import type { ContractTransactionReceipt, Provider, Signer, TypedDataDomain } from "ethers";
import type { Sidechain } from "../../typechain-types";
import { Sidechain__factory } from "../../typechain-types";
import { ContractClient } from "../common/contract-client";
import { StrataError } from "../common/errors";
import type { Checkpoint } from "./checkpoint";
import { checkpointDomain } from "./checkpoint";
import type { ValidatorSignature } from "./quorum";
import { compactSignature, packSignatures } from "./quorum";

export { MissingEventError } from "../common/contract-client";

/** The `Sidechain` events its clients read out of their own receipts. */
export type SidechainEventName =
  "ValidatorStaked" | "ValidatorUnbonded" | "StakeWithdrawn" | "ValidatorSlashed" | "CheckpointSubmitted";

/** Where a validator stands (`ISidechain.Status`). */
export type ValidatorStatus = "none" | "active" | "unbonding" | "slashed";
const STATUSES: ValidatorStatus[] = ["none", "active", "unbonding", "slashed"];

export interface ValidatorView {
  address: string;
  stake: bigint;
  /** Unbonding: the block time from which `withdrawStake` pays. */
  withdrawableAt: bigint;
  status: ValidatorStatus;
}

/** The validator set's parameters, fixed at deployment. */
export interface ValidatorSetConfig {
  minStake: bigint;
  unbondingDelay: bigint;
  slashRewardBps: number;
  maxValidators: number;
}

/** Proof that one validator signed two different checkpoints with one number. */
export interface Equivocation {
  a: Checkpoint;
  /** The validator's signature of `a`, in any form ethers reads (sent in 64-byte compact form). */
  signatureA: string;
  b: Checkpoint;
  signatureB: string;
}

export interface CheckpointSubmission {
  receipt: ContractTransactionReceipt;
  /** The stake that signed it, and the active stake at the time. */
  signedStake: bigint;
  totalStake: bigint;
}

/** A checkpoint the contract would refuse whoever signed it; thrown before any transaction is sent. */
export class CheckpointInvalidError extends StrataError {}
/** Two checkpoints that prove no offence; thrown before any transaction is sent. */
export class EquivocationInvalidError extends StrataError {}

/** Throws `CheckpointInvalidError` for a checkpoint that breaks a rule the contract checks on its own. */
export function checkCheckpoint(c: Checkpoint): void {
  if (c.endBlock < c.startBlock) {
    throw new CheckpointInvalidError(
      `checkpoint ${c.number} ends at ${c.endBlock}, before its start ${c.startBlock}`,
    );
  }
  if (BigInt(c.withdrawalRoot) === 0n) {
    throw new CheckpointInvalidError(`checkpoint ${c.number} has a zero withdrawal root`);
  }
}

/**
 * The Layer-1 `Sidechain` contract, seen by validators, proposers and watchers: staking, checkpoints and
 * slashing. Takes any ethers runner: no Hardhat needed. Reverts come back as `ContractRevertError` named
 * after the contract's custom error (`SidechainQuorumNotReached`, `QuorumSignersNotAscending`, …).
 */
export class SidechainClient extends ContractClient<Sidechain, SidechainEventName> {
  private domainRead?: Promise<TypedDataDomain>;

  constructor(address: string, runner: Signer | Provider) {
    super(Sidechain__factory.connect(address, runner));
  }

  // ---------------------------------------------------------------------------------------------
  // Transactions
  // ---------------------------------------------------------------------------------------------

  /** Stakes `amount` wei for the signer (joining the active set, or adding to its stake). */
  stake(signer: Signer, amount: bigint): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).stake({ value: amount }));
  }

  /** Takes the signer out of the active set; its stake is withdrawable after the unbonding delay. */
  unbond(signer: Signer): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).unbond());
  }

  /** Pays the signer's stake back once its unbonding delay has passed. */
  withdrawStake(signer: Signer): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).withdrawStake());
  }

  /** Slashes the validator behind `evidence`; the signer is paid the reward. */
  async slash(signer: Signer, evidence: Equivocation): Promise<ContractTransactionReceipt> {
    if (evidence.a.number !== evidence.b.number) {
      throw new EquivocationInvalidError(
        `checkpoints ${evidence.a.number} and ${evidence.b.number} have different numbers`,
      );
    }
    const a = compactSignature(evidence.signatureA);
    const b = compactSignature(evidence.signatureB);
    return this.send(() => this.contract.connect(signer).slash(evidence.a, a, evidence.b, b));
  }

  /**
   * Submits `checkpoint` with `signatures` (packed here: compact, by signer, each once). Resolves once
   * mined, with the stake that signed it. Send only the signatures a quorum needs (`selectQuorum`).
   */
  async submitCheckpoint(
    signer: Signer,
    checkpoint: Checkpoint,
    signatures: readonly ValidatorSignature[],
  ): Promise<CheckpointSubmission> {
    checkCheckpoint(checkpoint);
    const packed = packSignatures(signatures);
    const receipt = await this.send(() => this.contract.connect(signer).submitCheckpoint(checkpoint, packed));
    const event = this.eventIn(receipt, "CheckpointSubmitted");
    return { receipt, signedStake: event.args.signedStake, totalStake: event.args.totalStake };
  }

  // ---------------------------------------------------------------------------------------------
  // Views
  // ---------------------------------------------------------------------------------------------

  /** The EIP-712 domain checkpoints for this contract are signed in, as the contract states it. */
  domain(): Promise<TypedDataDomain> {
    this.domainRead ??= this.contract
      .eip712Domain()
      .then(({ chainId, verifyingContract }) => checkpointDomain(chainId, verifyingContract));
    return this.domainRead;
  }

  config(): Promise<ValidatorSetConfig> {
    return this.immutables(async (c) => {
      const [minStake, unbondingDelay, slashRewardBps, maxValidators] = await Promise.all([
        c.MIN_STAKE(),
        c.UNBONDING_DELAY(),
        c.SLASH_REWARD_BPS(),
        c.MAX_VALIDATORS(),
      ]);
      return {
        minStake,
        unbondingDelay,
        slashRewardBps: Number(slashRewardBps),
        maxValidators: Number(maxValidators),
      };
    });
  }

  checkpointCount(): Promise<bigint> {
    return this.contract.checkpointCount();
  }

  nextStartBlock(): Promise<bigint> {
    return this.contract.nextStartBlock();
  }

  checkpointDigest(checkpoint: Checkpoint): Promise<string> {
    return this.contract.checkpointDigest(checkpoint);
  }

  /** The withdrawal root of checkpoint `number` if it was accepted, else the zero hash. */
  finalizedWithdrawalRoot(number: bigint | number): Promise<string> {
    return this.contract.finalizedWithdrawalRoot(number);
  }

  /** The stake of the active set: a quorum is more than two thirds of it. */
  totalStake(): Promise<bigint> {
    return this.contract.totalStake();
  }

  burnedStake(): Promise<bigint> {
    return this.contract.burnedStake();
  }

  async validator(address: string): Promise<ValidatorView> {
    const v = await this.contract.validator(address);
    return { address, stake: v.stake, withdrawableAt: v.withdrawableAt, status: STATUSES[Number(v.status)] };
  }

  /** The active set: each validator's address and stake. */
  async validators(): Promise<{ address: string; stake: bigint }[]> {
    const [accounts, stakes] = await this.contract.validators();
    return accounts.map((address, i) => ({ address, stake: stakes[i] }));
  }
}
