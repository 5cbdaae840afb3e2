// Test-only, in-memory stand-ins for what a service's JSON-RPC front end serves (the sequencer's in
// test/optimistic/rpc-server.test.ts, the zk operator's in test/zk/rpc-server.test.ts): accounts and receipts
// in maps, and the transactions submitted, in order. Each fake adds how it admits a transaction.
import { expect } from "chai";
import type { AccountView } from "../../src/common/json-rpc";
import { RpcError } from "../../src/common/json-rpc";

/** Test-only: the accounts, receipts and submitted transactions a fake service reads and answers from. */
export class FakeLedger<R> {
  readonly accounts = new Map<number, AccountView>();
  readonly receipts = new Map<string, R>();
  readonly submitted: string[] = [];

  /** Runs before every read: a fake that fails on demand throws here. */
  protected beforeRead(): void {}

  account(index: number): AccountView | undefined {
    this.beforeRead();
    return this.accounts.get(index);
  }

  findAccount(owner: string, tokenId: number): number | undefined {
    this.beforeRead();
    for (const a of this.accounts.values()) if (a.owner === owner && a.tokenId === tokenId) return a.index;
    return undefined;
  }

  receipt(hash: string): R | undefined {
    this.beforeRead();
    return this.receipts.get(hash);
  }
}

/** Awaits `promise`'s rejection with an RpcError of `code`, and returns that error. */
export async function expectRpcError(promise: Promise<unknown>, code: number): Promise<RpcError> {
  const error: RpcError = await expect(promise).to.be.rejectedWith(RpcError);
  expect(error.code).to.equal(code);
  return error;
}
