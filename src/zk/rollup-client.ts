/**
 * The zk rollup contract seen from its operator, verifier nodes and users: `submitBatch`, `claim`,
 * `requestWithdrawal` (the forced-withdrawal queue), `activateExodus`, `exit`, `refundDeposits`, the views, and `submitBatch` calldata decoded back into the
 * batch Layer 1 holds. Any ethers runner: no Hardhat needed. Every transaction resolves once mined; a
 * revert throws `ContractRevertError` with the custom error's name (`ZkRollupInvalidProof`, …).
 */
import type { ContractTransactionReceipt, Provider, Signer } from "ethers";
import { getAddress, getBytes, hexlify } from "ethers";
import type { ZkRollup } from "../../typechain-types";
import { IBridge__factory, ZkRollup__factory } from "../../typechain-types";
import { ContractClient } from "../common/contract-client";
import type { ErrorDecoder } from "../common/errors";
import { StrataError } from "../common/errors";
import type { DepositData } from "../shared/types";
import { decodeFloat40, encodeFloat40 } from "../shared/float40";
import type { SolidityProof } from "./prover";
import type { ZkForcedRequest } from "./types";
import { SLOT_BITS, SLOT_OFFSET } from "./types";

/** A transaction is not a call to `submitBatch`, or a receipt lacks the event it must hold. */
export class ZkNotABatchError extends StrataError {}

/** A Groth16 proof as `submitBatch` takes it. */
export interface ZkProofArg {
  a: [bigint, bigint];
  b: [[bigint, bigint], [bigint, bigint]];
  c: [bigint, bigint];
}

/** What `submitBatch` is called with: a batch as any node reads it back from Layer-1 calldata. */
export interface ZkBatchCalldata {
  newRoot: bigint;
  /**
   * Who is credited the fees of the forced requests the batch carries: a public input of its proof, so
   * only the prover chooses it (a checksummed Layer-1 address, never zero).
   */
  feeRecipient: string;
  proof: ZkProofArg;
  pubdata: Uint8Array;
  consumedDeposits: DepositData[];
  /**
   * Usually empty: the deposits queued right after the consumed ones, shown only when the bridge has
   * forgotten the head the consumed ones reach (`depositsToCatchUp`); checked, never consumed.
   */
  catchUp: DepositData[];
}

/** A deposit as the contract takes it (`Deposit.Data`): its five fields, none of what a queue adds. */

/** An account's exit in exodus, as `exit` takes it (`IZkRollup.ExitProof`). */
export interface ZkExitProof {
  accountIndex: number;
  tokenId: number;
  balance: bigint;
  nonce: number;
  ax: bigint;
  ay: bigint;
  nextIndex: number;
  siblings: bigint[];
}

/** A forced withdrawal as `requestWithdrawal` takes it (the amount unpacked: a float40 value). */
export interface ZkForcedRequestArgs {
  account: number;
  tokenId: number;
  amount: bigint;
  /** The requester's BabyJubJub public key (its owner hash is computed with the sender's address). */
  ax: bigint;
  ay: bigint;
}

/** The rollup's immutable parameters. */
export interface ZkRollupConfig {
  batchSize: number;
  depth: number;
  exodusDelay: number;
  /** Wei a forced-withdrawal request pays (`FORCED_REQUEST_FEE`), to the operator that carries it. */
  forcedRequestFee: bigint;
  /** chainId · 2^160 + address: what roots and signatures are bound to. */
  domain: bigint;
  bridge: string;
}

/** What the `BatchVerified` event itself carries (it is lean: the rest follows from calldata). */
export interface ZkBatchVerifiedEvent {
  batchIndex: number;
  newRoot: bigint;
}

/**
 * A verified batch's roots, deposit head and size: the event's batch number and new root, with the old
 * root (the previous batch's new root), the deposit head (the consumed deposits of its calldata folded
 * on to the previous head) and the transaction count (its pubdata) a node derives (`ZkChainFollower`).
 */
export interface ZkBatchVerified extends ZkBatchVerifiedEvent {
  oldRoot: bigint;
  depositHead: string;
  txCount: number;
}

/** The Solidity proof's `a`, `b`, `c` (without its public inputs). */
export function toProofArg(proof: SolidityProof): ZkProofArg {
  return { a: proof.a, b: proof.b, c: proof.c };
}

function plainDeposit(d: {
  from: string;
  to: string;
  tokenId: bigint | number;
  amount: bigint;
  timestamp: bigint;
}) {
  return { from: d.from, to: d.to, tokenId: Number(d.tokenId), amount: d.amount, timestamp: d.timestamp };
}

/** The bridge's errors, which the rollup lets through (`BridgeDepositCountAhead`, `BridgeDepositHeadForgotten`, …). */
const BRIDGE_ERRORS = IBridge__factory.createInterface();

export class ZkRollupClient extends ContractClient<ZkRollup> {
  constructor(address: string, runner: Signer | Provider) {
    super(ZkRollup__factory.connect(address, runner));
  }

  /** The rollup's own errors, then the bridge's: its deposit checks revert in the bridge by name. */
  protected override errorDecoder(): ErrorDecoder {
    const own = this.contract.interface;
    return { parseError: (data) => own.parseError(data) ?? BRIDGE_ERRORS.parseError(data) };
  }

  /** The rollup's parameters: immutable, so read once and kept. */
  config(): Promise<ZkRollupConfig> {
    return this.immutables(async (c) => {
      const [batchSize, depth, exodusDelay, forcedRequestFee, domain, bridge] = await Promise.all([
        c.BATCH_SIZE(),
        c.DEPTH(),
        c.EXODUS_DELAY(),
        c.FORCED_REQUEST_FEE(),
        c.DOMAIN(),
        c.BRIDGE(),
      ]);
      return {
        batchSize: Number(batchSize),
        depth: Number(depth),
        exodusDelay: Number(exodusDelay),
        forcedRequestFee,
        domain,
        bridge,
      };
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Transactions
  // ---------------------------------------------------------------------------------------------

  /** Submits a proven batch; returns its number and the receipt. */
  async submitBatch(
    signer: Signer,
    b: ZkBatchCalldata,
  ): Promise<{ batchIndex: number; receipt: ContractTransactionReceipt }> {
    const receipt = await this.send(() =>
      this.contract
        .connect(signer)
        .submitBatch(b.newRoot, b.feeRecipient, b.proof, hexlify(b.pubdata), b.consumedDeposits, b.catchUp),
    );
    const event = this.batchVerifiedLog(receipt);
    return { batchIndex: Number(event.args.batchIndex), receipt };
  }

  /** Pays the signer's whole credit of `tokenId` to `to`. */
  claim(signer: Signer, tokenId: number, to: string): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).claim(tokenId, to));
  }

  /**
   * Asks for a forced withdrawal (the signer is the requester, credited if it is effective), paying the
   * rollup's `forcedRequestFee`; returns the request as stored, and the receipt. `amount` must be a
   * float40 value (`encodeFloat40` packs it).
   */
  async requestWithdrawal(
    signer: Signer,
    args: ZkForcedRequestArgs,
  ): Promise<{ request: ZkForcedRequest; receipt: ContractTransactionReceipt }> {
    const { forcedRequestFee } = await this.config();
    const receipt = await this.send(() =>
      this.contract
        .connect(signer)
        .requestWithdrawal(args.account, args.tokenId, encodeFloat40(args.amount), args.ax, args.ay, {
          value: forcedRequestFee,
        }),
    );
    const event = this.eventIn(receipt, "WithdrawalRequested");
    return { request: await this.forcedRequest(Number(event.args.index)), receipt };
  }

  /**
   * Starts exodus. `waiting` is usually empty (the contract reads the first waiting deposit's time from
   * the bridge); else deposits not yet consumed, from the first, in queue order, up to a count the bridge
   * remembers (`depositsToCatchUp` of them, or all of them).
   */
  activateExodus(signer: Signer, waiting: readonly DepositData[] = []): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).activateExodus([...waiting]));
  }

  /** Pays the signer's whole fee credit (forced-request fees earned, or refunded in exodus) to `to`. */
  claimFees(signer: Signer, to: string): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).claimFees(to));
  }

  /** In exodus, credits the next `count` waiting forced requests' fees back to their requesters. */
  refundForcedFees(signer: Signer, count: number): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).refundForcedFees(count));
  }

  /** Exits an account in exodus; the signer must be its Layer-1 owner. */
  exit(signer: Signer, proof: ZkExitProof): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).exit(proof));
  }

  /** Refunds the first `count` of the never-consumed `deposits`, in exodus. */
  refundDeposits(
    signer: Signer,
    deposits: readonly DepositData[],
    count: number,
  ): Promise<ContractTransactionReceipt> {
    return this.send(() => this.contract.connect(signer).refundDeposits([...deposits], count));
  }

  // ---------------------------------------------------------------------------------------------
  // Views
  // ---------------------------------------------------------------------------------------------

  root(blockTag?: number): Promise<bigint> {
    return this.contract.root({ blockTag });
  }

  depositHead(blockTag?: number): Promise<string> {
    return this.contract.depositHead({ blockTag });
  }

  /** How many deposits of the bridge's queue batches consumed (or exodus refunded). */
  async depositCount(blockTag?: number): Promise<number> {
    return Number(await this.contract.depositCount({ blockTag }));
  }

  async batchCount(): Promise<number> {
    return Number(await this.contract.batchCount());
  }

  isExodus(): Promise<boolean> {
    return this.contract.isExodus();
  }

  creditOf(account: string, tokenId: number): Promise<bigint> {
    return this.contract.creditOf(account, tokenId);
  }

  /** What `account` may pull with `claimFees`, in wei. */
  feeCreditOf(account: string): Promise<bigint> {
    return this.contract.feeCreditOf(account);
  }

  hasExited(accountIndex: number): Promise<boolean> {
    return this.contract.hasExited(accountIndex);
  }

  /** How many forced withdrawals were requested, and how many batches consumed. */
  async forcedRequests(blockTag?: number): Promise<{ requested: number; consumed: number }> {
    const [requested, consumed] = await this.contract.forcedRequests({ blockTag });
    return { requested: Number(requested), consumed: Number(consumed) };
  }

  /** Forced request `index` as stored (its fields read back from its slot element). */
  async forcedRequest(index: number, blockTag?: number): Promise<ZkForcedRequest> {
    const [slot, requester, requestedAt] = await this.contract.forcedRequest(index, { blockTag });
    return forcedRequestOfSlot(index, slot, requester, requestedAt);
  }

  /** The forced requests no batch consumed yet, oldest first: what the next batches must carry. */
  async pendingForcedRequests(blockTag?: number): Promise<ZkForcedRequest[]> {
    const { requested, consumed } = await this.forcedRequests(blockTag);
    const indices = Array.from({ length: requested - consumed }, (_, k) => consumed + k);
    return Promise.all(indices.map((i) => this.forcedRequest(i, blockTag)));
  }

  /** Decodes a `submitBatch` transaction's input: the batch exactly as Layer 1 holds it. */
  decodeSubmit(input: string): ZkBatchCalldata {
    const parsed = this.contract.interface.parseTransaction({ data: input });
    if (!parsed || parsed.name !== "submitBatch") {
      throw new ZkNotABatchError("transaction input is not a call to submitBatch");
    }
    const [newRoot, feeRecipient, proof, pubdata, consumed, catchUp] = parsed.args;
    const n = (x: unknown) => BigInt(x as bigint);
    return {
      newRoot: n(newRoot),
      feeRecipient: getAddress(feeRecipient as string),
      proof: {
        a: [n(proof.a[0]), n(proof.a[1])],
        b: [
          [n(proof.b[0][0]), n(proof.b[0][1])],
          [n(proof.b[1][0]), n(proof.b[1][1])],
        ],
        c: [n(proof.c[0]), n(proof.c[1])],
      },
      pubdata: getBytes(pubdata),
      consumedDeposits: (consumed as Parameters<typeof plainDeposit>[0][]).map(plainDeposit),
      catchUp: (catchUp as Parameters<typeof plainDeposit>[0][]).map(plainDeposit),
    };
  }

  /** The `BatchVerified` event of a `submitBatch` receipt. */
  batchVerifiedIn(receipt: ContractTransactionReceipt): ZkBatchVerifiedEvent {
    const { args } = this.batchVerifiedLog(receipt);
    return { batchIndex: Number(args.batchIndex), newRoot: args.newRoot };
  }

  /** The `BatchVerified` log of a `submitBatch` receipt; throws `ZkNotABatchError` if it has none. */
  private batchVerifiedLog(receipt: ContractTransactionReceipt) {
    const event = this.findEvent(receipt, "BatchVerified");
    if (!event) throw new ZkNotABatchError(`no BatchVerified event in transaction ${receipt.hash}`);
    return event;
  }
}

/** A stored request's fields, from its slot element (`kind + a·2^2 + owner·2^34 + token·2^194 + amount·2^210`). */
function forcedRequestOfSlot(
  index: number,
  slot: bigint,
  requester: string,
  requestedAt: bigint,
): ZkForcedRequest {
  const field = (name: keyof typeof SLOT_BITS) =>
    (slot >> BigInt(SLOT_OFFSET[name])) & ((1n << BigInt(SLOT_BITS[name])) - 1n);
  return {
    index,
    requester,
    account: Number(field("a")),
    owner: field("b"),
    tokenId: Number(field("token")),
    amount: decodeFloat40(field("amount")),
    requestedAt,
  };
}
