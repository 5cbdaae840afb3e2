/**
 * What both rollup operators serve over JSON-RPC (the optimistic sequencer as `strata_*`, the zk
 * operator as `zk_*`), written once: the methods a rollup user calls, and a client for them.
 *
 *   method                    params            result
 *   <prefix>_sendTransaction  [hex]             receipt               (-32000 when refused)
 *   <prefix>_getAccount       [index]           AccountView | null
 *   <prefix>_getBalance       [index]           decimal string        (-32001 when no account)
 *   <prefix>_getNonce         [index]           number                (-32001 when no account)
 *   <prefix>_findAccount      [owner, tokenId]  index | null
 *   <prefix>_getReceipt       [hash]            receipt | null
 *
 * A receipt is `{ hash, status }` plus the optional fields the rollup names (numbers or strings); its
 * status climbs the rollup's ladder (soft-confirmed → committed → final; accepted → proven → verified).
 * A refusal is -32000 with `data.reason` naming it, and the same name for the same mistake on both
 * rollups (`nonceRefusal`: a spend signed at another nonce than its account's is `NonceMismatch`, with
 * `data.expected` and `data.got`).
 */
import type { EventBase } from "./events";
import type { AccountView, RpcMethod, StatusReceipt, WaitForStatusOptions } from "./json-rpc";
import {
  BYTES32,
  HEX,
  RPC_ERROR_CODES,
  RpcFault,
  ServiceClient,
  TxRejectedError,
  accountToJson,
  decodeAccount,
  decodeBigint,
  expectParams,
  hexParam,
  indexParam,
  invalidParams,
  malformed,
  waitForStatusOf,
} from "./json-rpc";

/** What a rollup operator's server needs from the operator. */
export interface RollupOperatorApi<R> {
  /**
   * Accepts a transaction; throws `TxRejectedError` (reason: the refusal's name) for one it refuses.
   * `nonce`: the nonce its sender declares it signed at (only where the spec takes one).
   */
  submit(encodedTx: string, nonce?: number): Promise<R>;
  account(index: number): AccountView | undefined;
  findAccount(owner: string, tokenId: number): number | undefined;
  receipt(hash: string): R | undefined;
}

/**
 * The refusal of a spend from account `index` signed at nonce `got` when the account is at another one:
 * `NonceMismatch`, with the account, `expected` and `got` as its details. Undefined when the nonces agree
 * or the account is not open (the state transition then names that: `UnknownAccount`). Both rollups'
 * doors check it before the signature, so a wrong nonce is never reported as a bad signature.
 */
export function nonceRefusal(
  index: number,
  account: { nonce: number } | undefined,
  got: number,
): TxRejectedError | undefined {
  if (!account || account.nonce === got) return undefined;
  return new TxRejectedError(
    "NonceMismatch",
    `transaction refused (NonceMismatch): account ${index} is at nonce ${account.nonce}, the spend is signed at ${got}`,
    { details: { account: index, expected: account.nonce, got } },
  );
}

/** How one rollup names its methods and shapes its receipts. */
export interface RollupRpcSpec<S extends string, R extends StatusReceipt<S>> {
  /** The methods' prefix: `strata` or `zk`. */
  prefix: string;
  /** The status ladder, earliest first. */
  statuses: readonly S[];
  /** The receipt's optional fields and their JSON types. */
  receiptFields: { readonly [K in Exclude<keyof R, "hash" | "status">]-?: "number" | "string" };
  /** The largest token id, and its name in the -32602 message ("u32", "u16"). */
  maxTokenId: number;
  tokenIdType: string;
  /** The error `waitForStatus` throws when it gives up. */
  timeoutError(hash: string, status: S, last: R | undefined): Error;
  /**
   * Whether `sendTransaction` also takes `[hex, nonce]`: the nonce the spend is signed at, for a rollup
   * whose wire form does not carry it (optimistic; a zk request carries its own).
   */
  declaredNonce?: boolean;
}

function optionalFields<S extends string, R extends StatusReceipt<S>>(spec: RollupRpcSpec<S, R>) {
  return Object.entries(spec.receiptFields) as [string, "number" | "string"][];
}

/** A receipt as JSON: its hash, status and the spec's fields (absent ones left out by JSON). */
export function receiptToJson<S extends string, R extends StatusReceipt<S>>(
  spec: RollupRpcSpec<S, R>,
  receipt: R,
): Record<string, unknown> {
  const json: Record<string, unknown> = { hash: receipt.hash, status: receipt.status };
  for (const [name] of optionalFields(spec)) json[name] = (receipt as Record<string, unknown>)[name];
  return json;
}

/** The receipt in a `method` response; throws `RpcTransportError` if it is not one. */
export function decodeReceipt<S extends string, R extends StatusReceipt<S>>(
  spec: RollupRpcSpec<S, R>,
  value: unknown,
  method: string,
): R {
  const r = value as Record<string, unknown> | null;
  if (!r || typeof r !== "object" || typeof r.hash !== "string" || !spec.statuses.includes(r.status as S)) {
    throw malformed(method, "not a receipt");
  }
  const receipt: Record<string, unknown> = { hash: r.hash, status: r.status };
  for (const [name, type] of optionalFields(spec)) if (typeof r[name] === type) receipt[name] = r[name];
  return receipt as R;
}

/** The account `params` name, or the -32001 fault when none is open there. */
function existingAccount<R>(api: RollupOperatorApi<R>, params: unknown): AccountView {
  const index = indexParam(expectParams(params, 1)[0]);
  const account = api.account(index);
  if (!account) throw new RpcFault(RPC_ERROR_CODES.accountNotFound, `no account ${index}`, { index });
  return account;
}

/** `[hex]`, or `[hex, nonce]` where the spec takes a declared nonce. */
function sendParams(params: unknown, declaredNonce: boolean): { tx: string; nonce?: number } {
  if (declaredNonce && Array.isArray(params) && params.length === 2) {
    return { tx: hexParam(params[0], HEX, "transaction"), nonce: indexParam(params[1], "nonce") };
  }
  const [tx] = expectParams(params, 1);
  return { tx: hexParam(tx, HEX, "transaction") };
}

/** The methods, named `<prefix>_…`, in front of a `RollupOperatorApi`. */
export function rollupMethods<S extends string, R extends StatusReceipt<S>, Api extends RollupOperatorApi<R>>(
  spec: RollupRpcSpec<S, R>,
): Map<string, RpcMethod<Api>> {
  const { prefix } = spec;
  return new Map<string, RpcMethod<Api>>([
    [
      `${prefix}_sendTransaction`,
      async (api, params) => {
        const { tx, nonce } = sendParams(params, spec.declaredNonce ?? false);
        return receiptToJson(spec, await api.submit(tx, nonce));
      },
    ],
    [
      `${prefix}_getAccount`,
      (api, params) => {
        const account = api.account(indexParam(expectParams(params, 1)[0]));
        return account ? accountToJson(account) : null;
      },
    ],
    [`${prefix}_getBalance`, (api, params) => existingAccount(api, params).balance.toString()],
    [`${prefix}_getNonce`, (api, params) => existingAccount(api, params).nonce],
    [
      `${prefix}_findAccount`,
      (api, params) => {
        const [owner, tokenId] = expectParams(params, 2);
        const ownerHex = hexParam(owner, BYTES32, "owner");
        if (indexParam(tokenId, "tokenId") > spec.maxTokenId) {
          throw invalidParams(`tokenId must be a ${spec.tokenIdType}`);
        }
        return api.findAccount(ownerHex, tokenId as number) ?? null;
      },
    ],
    [
      `${prefix}_getReceipt`,
      (api, params) => {
        const receipt = api.receipt(hexParam(expectParams(params, 1)[0], BYTES32, "hash"));
        return receipt ? receiptToJson(spec, receipt) : null;
      },
    ],
  ]);
}

/**
 * A client of `rollupMethods`: throws `RpcError`, `TxRejectedError` or `RpcTransportError`. A rollup's
 * client extends it with its spec (and whatever else its operator serves).
 */
export abstract class RollupRpcClient<
  S extends string,
  R extends StatusReceipt<S>,
  E extends EventBase,
> extends ServiceClient<E> {
  protected abstract readonly spec: RollupRpcSpec<S, R>;

  private method(name: string): string {
    return `${this.spec.prefix}_${name}`;
  }

  sendTransaction(encodedTx: string): Promise<R> {
    return this.sendWith([encodedTx]);
  }

  /** `<prefix>_sendTransaction` with `params` (`[hex]`, or `[hex, nonce]` where the spec takes one). */
  protected async sendWith(params: readonly unknown[]): Promise<R> {
    const method = this.method("sendTransaction");
    return decodeReceipt(this.spec, await this.call(method, params), method);
  }

  async getAccount(index: number): Promise<AccountView | undefined> {
    const method = this.method("getAccount");
    const result = await this.call(method, [index]);
    return result === null ? undefined : decodeAccount(result, method);
  }

  /** Account `index`'s balance; throws `RpcError` -32001 when no account is open there. */
  async getBalance(index: number): Promise<bigint> {
    const method = this.method("getBalance");
    return decodeBigint(await this.call(method, [index]), method);
  }

  /** Account `index`'s nonce; throws `RpcError` -32001 when no account is open there. */
  async getNonce(index: number): Promise<number> {
    const method = this.method("getNonce");
    const nonce = await this.call(method, [index]);
    if (typeof nonce !== "number") throw malformed(method, "not a number");
    return nonce;
  }

  async findAccount(owner: string, tokenId: number): Promise<number | undefined> {
    const method = this.method("findAccount");
    const index = await this.call(method, [owner, tokenId]);
    if (index === null) return undefined;
    if (typeof index !== "number") throw malformed(method, "not an index");
    return index;
  }

  async getReceipt(hash: string): Promise<R | undefined> {
    const method = this.method("getReceipt");
    const result = await this.call(method, [hash]);
    return result === null ? undefined : decodeReceipt(this.spec, result, method);
  }

  /** Polls until the transaction reaches `status` or later; throws the spec's timeout error on timeout. */
  waitForStatus(hash: string, status: S, options: WaitForStatusOptions = {}): Promise<R> {
    return waitForStatusOf(
      () => this.getReceipt(hash),
      this.spec.statuses,
      status,
      (last) => this.spec.timeoutError(hash, status, last),
      options,
    );
  }
}
