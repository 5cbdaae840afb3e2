/**
 * The sequencer's JSON-RPC 2.0 endpoint over HTTP, and a client for it.
 *
 *   method                     params            result
 *   strata_sendTransaction     [hex, nonce?]     TxReceipt             (-32000 when refused)
 *   strata_getAccount          [index]           AccountView | null
 *   strata_getBalance          [index]           decimal string        (-32001 when no account)
 *   strata_getNonce            [index]           number                (-32001 when no account)
 *   strata_findAccount         [owner, tokenId]  index | null
 *   strata_getReceipt          [hash]            TxReceipt | null
 *   strata_getWithdrawalProof  [hash]            WithdrawalProofAnswer | null (null: an unknown transaction)
 *
 * `strata_sendTransaction`'s optional `nonce` is the nonce the spend is signed at (a batch does not carry
 * it): given, a spend signed at another nonce than its account's is refused as `NonceMismatch` (data:
 * `account`, `expected`, `got`) before its signature is checked, as the zk operator refuses it; without
 * it, such a spend cannot be told from a forged one and is refused as `BadSignature`.
 *
 * `strata_getWithdrawalProof` answers what `Bridge.finalizeWithdrawal` needs once the transaction's batch
 * is final (`state: "ready"`: batch, leaf, withdrawal, siblings), `state: "pending"` before (with the
 * receipt's status), and `state: "none"` for a final transaction that owes nothing on Layer 1 (not a
 * withdrawal). A user checks the proof against `finalizedWithdrawalRoot` on Layer 1 before sending it.
 *
 * Balances travel as decimal strings; hex is lower-cased before it reaches the sequencer. The HTTP
 * plumbing (POST only, 64 KiB bodies, batches in order) is `src/common/json-rpc.ts`.
 */
import type {
  AccountView,
  JsonRpcClientOptions,
  RpcServer,
  RpcServerOptions,
  StatusReceipt,
  WaitForStatusOptions,
} from "../common/json-rpc";
import {
  BYTES32,
  RPC_ERROR_CODES,
  RpcError,
  RpcFault,
  TxRejectedError,
  decodeBigint,
  expectParams,
  hexParam,
  malformed,
  ReceiptStatusTimeoutError,
  startJsonRpcServer,
} from "../common/json-rpc";
import type { RollupOperatorApi, RollupRpcSpec } from "../common/rollup-rpc";
import { RollupRpcClient, rollupMethods } from "../common/rollup-rpc";
import type { WithdrawalData } from "../shared/types";
import { MAX_U32 } from "../shared/types";
import type { ChainFollower } from "./chain-follower";
import type { SequencerEvent } from "./events";

export {
  MAX_BODY_BYTES,
  RPC_ERROR_CODES,
  RpcError,
  RpcTransportError,
  TxRejectedError,
} from "../common/json-rpc";
export type { AccountView, RpcServer, RpcServerOptions, WaitForStatusOptions } from "../common/json-rpc";

/** How far a transaction has got: sequenced, in a batch on Layer 1, past the challenge window. */
export type TxStatus = "soft-confirmed" | "committed" | "final";
/** Every status, each later one implying the earlier. */
export const TX_STATUSES: readonly TxStatus[] = ["soft-confirmed", "committed", "final"];

export interface TxReceipt extends StatusReceipt<TxStatus> {
  batchIndex?: number;
  step?: number;
  outcome?: string;
}

/** Where a transaction's withdrawal stands, as `strata_getWithdrawalProof` answers. */
export type WithdrawalProofAnswer =
  /** Its batch is not final yet (or it has no batch): no proof can be paid. */
  | { hash: string; state: "pending"; status: Exclude<TxStatus, "final">; batchIndex?: number }
  /** Final, and it owes nothing on Layer 1: not a withdrawal (or one its batch refused). */
  | { hash: string; state: "none"; status: "final"; batchIndex: number }
  /** Final: what `Bridge.finalizeWithdrawal` takes (the leaf's siblings bottom-up). */
  | {
      hash: string;
      state: "ready";
      status: "final";
      batchIndex: number;
      leafIndex: number;
      withdrawal: WithdrawalData;
      siblings: string[];
    };

/** What the server needs from the sequencer. */
export interface SequencerApi extends RollupOperatorApi<TxReceipt> {
  /** `nonce`: the nonce the spend is signed at, when its sender declares it (see the header). */
  submit(encodedTx: string, nonce?: number): Promise<TxReceipt>;
  /** Where transaction `hash`'s withdrawal stands; undefined for an unknown transaction. */
  withdrawalProof(hash: string): WithdrawalProofAnswer | undefined;
}

/**
 * Where the withdrawal of the transaction `receipt` describes stands, from `follower`'s batches: the
 * proof once its batch is final. A sequencer answers `withdrawalProof` with it.
 */
export function withdrawalProofOf(
  follower: ChainFollower,
  receipt: TxReceipt | undefined,
): WithdrawalProofAnswer | undefined {
  if (!receipt) return undefined;
  const { hash, status, batchIndex, step } = receipt;
  if (status !== "final") {
    return batchIndex === undefined
      ? { hash, state: "pending", status }
      : { hash, state: "pending", status, batchIndex };
  }
  const batch = follower.batches[batchIndex!];
  const leafIndex = batch?.withdrawalSteps?.indexOf(step!) ?? -1;
  if (leafIndex < 0) return { hash, state: "none", status, batchIndex: batchIndex! };
  const { siblings } = follower.withdrawalProof(batchIndex!, leafIndex);
  const withdrawal = batch.withdrawals![leafIndex];
  return { hash, state: "ready", status, batchIndex: batchIndex!, leafIndex, withdrawal, siblings };
}

/** `waitForStatus` gave up; `last` is the receipt it saw last, if any. */
export class TxStatusTimeoutError extends ReceiptStatusTimeoutError<TxStatus, TxReceipt> {}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

const SPEC: RollupRpcSpec<TxStatus, TxReceipt> = {
  prefix: "strata",
  statuses: TX_STATUSES,
  receiptFields: { batchIndex: "number", step: "number", outcome: "string" },
  maxTokenId: MAX_U32,
  tokenIdType: "u32",
  timeoutError: (hash, status, last) => new TxStatusTimeoutError(hash, status, last),
  declaredNonce: true,
};

function withdrawalProofToJson(answer: WithdrawalProofAnswer): Record<string, unknown> {
  if (answer.state !== "ready") return { ...answer };
  const { withdrawal } = answer;
  return { ...answer, withdrawal: { ...withdrawal, amount: withdrawal.amount.toString() } };
}

const METHODS = rollupMethods<TxStatus, TxReceipt, SequencerApi>(SPEC).set(
  "strata_getWithdrawalProof",
  (api, params) => {
    const answer = api.withdrawalProof(hexParam(expectParams(params, 1)[0], BYTES32, "hash"));
    return answer ? withdrawalProofToJson(answer) : null;
  },
);

/** Starts the JSON-RPC server in front of `api`; resolves once it is listening. */
export function startRpcServer(api: SequencerApi, options: RpcServerOptions = {}): Promise<RpcServer> {
  return startJsonRpcServer(api, METHODS, options);
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

export type SequencerClientOptions = JsonRpcClientOptions;

/**
 * The sequencer as its users see it, wherever it runs: `SequencerClient` over JSON-RPC, or
 * `LocalSequencerClient` in this process. The same calls, the same results, the same errors.
 */
export interface SequencerSide {
  /** `nonce`: the nonce the spend is signed at (a wrong one is then refused as `NonceMismatch`). */
  sendTransaction(encodedTx: string, nonce?: number): Promise<TxReceipt>;
  getAccount(index: number): Promise<AccountView | undefined>;
  getBalance(index: number): Promise<bigint>;
  getNonce(index: number): Promise<number>;
  findAccount(owner: string, tokenId: number): Promise<number | undefined>;
  getReceipt(hash: string): Promise<TxReceipt | undefined>;
  getWithdrawalProof(hash: string): Promise<WithdrawalProofAnswer | undefined>;
  waitForStatus(hash: string, status: TxStatus, options?: WaitForStatusOptions): Promise<TxReceipt>;
}

const PROOF_STATES = ["pending", "none", "ready"] as const;

/** A `strata_getWithdrawalProof` result; throws `RpcTransportError` if it is not one. */
function decodeWithdrawalProof(value: unknown): WithdrawalProofAnswer {
  const method = "strata_getWithdrawalProof";
  const a = value as Record<string, unknown> | null;
  if (
    !a ||
    typeof a !== "object" ||
    typeof a.hash !== "string" ||
    !PROOF_STATES.includes(a.state as (typeof PROOF_STATES)[number]) ||
    !TX_STATUSES.includes(a.status as TxStatus) ||
    (a.state === "pending") === (a.status === "final") ||
    (a.batchIndex !== undefined && typeof a.batchIndex !== "number")
  ) {
    throw malformed(method, "not a withdrawal proof answer");
  }
  if (a.state !== "ready") return a as WithdrawalProofAnswer;
  const w = a.withdrawal as Record<string, unknown> | null;
  if (
    typeof a.batchIndex !== "number" ||
    typeof a.leafIndex !== "number" ||
    !Array.isArray(a.siblings) ||
    !a.siblings.every((x) => typeof x === "string" && BYTES32.test(x)) ||
    !w ||
    typeof w.recipient !== "string" ||
    typeof w.tokenId !== "number"
  ) {
    throw malformed(method, "not a withdrawal proof");
  }
  return {
    hash: a.hash,
    state: "ready",
    status: "final",
    batchIndex: a.batchIndex,
    leafIndex: a.leafIndex,
    withdrawal: { recipient: w.recipient, tokenId: w.tokenId, amount: decodeBigint(w.amount, method) },
    siblings: a.siblings as string[],
  };
}

/** A client for `startRpcServer`: throws `RpcError`, `TxRejectedError` or `RpcTransportError`. */
export class SequencerClient
  extends RollupRpcClient<TxStatus, TxReceipt, SequencerEvent>
  implements SequencerSide
{
  protected readonly spec = SPEC;

  override sendTransaction(encodedTx: string, nonce?: number): Promise<TxReceipt> {
    return this.sendWith(nonce === undefined ? [encodedTx] : [encodedTx, nonce]);
  }

  async getWithdrawalProof(hash: string): Promise<WithdrawalProofAnswer | undefined> {
    const result = await this.call("strata_getWithdrawalProof", [hash]);
    return result === null ? undefined : decodeWithdrawalProof(result);
  }
}

/**
 * `SequencerClient` without the wire: each call runs the server's own method on the sequencer in this
 * process (the same parameter checks, the same JSON results, the same errors: `TxRejectedError` for a
 * refusal, `RpcError` with the server's code for a fault). `api` is read at every call, so the client
 * follows a sequencer that was restarted. An unexpected error is thrown as it is (the server would
 * answer -32603 "internal error").
 */
export class LocalSequencerClient extends SequencerClient {
  constructor(private readonly api: () => SequencerApi) {
    super("in-process:sequencer");
  }

  override async call(method: string, params: readonly unknown[]): Promise<unknown> {
    const handler = METHODS.get(method);
    if (!handler) throw new RpcError(RPC_ERROR_CODES.methodNotFound, `method not found: ${method}`);
    let result: unknown;
    try {
      result = await handler(this.api(), JSON.parse(JSON.stringify(params)));
    } catch (error) {
      if (error instanceof RpcFault) throw new RpcError(error.code, error.message, error.data);
      if (error instanceof TxRejectedError) {
        throw new TxRejectedError(error.reason, error.message, error.details && { details: error.details });
      }
      throw error;
    }
    return result === undefined ? null : (JSON.parse(JSON.stringify(result)) as unknown);
  }
}
