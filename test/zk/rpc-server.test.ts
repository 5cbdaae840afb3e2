import { expect } from "chai";
import { RpcError, TxRejectedError } from "../../src/common/json-rpc";
import type { RpcServer } from "../../src/common/json-rpc";
import { createLogger } from "../../src/common/logger";
import type { ZkAccountView, ZkOperatorApi, ZkTxReceipt, ZkTxStatus } from "../../src/zk/rpc-server";
import { ZkOperatorClient, ZkTxStatusTimeoutError, startZkRpcServer } from "../../src/zk/rpc-server";

const OWNER = "0x" + "00".repeat(12) + "ab".repeat(20);
const HASH = "0x" + "cd".repeat(32);
const TX_OVERDRAFT = "0x02dead";
const TX_CRASH = "0x02ff";

/** Test-only, in-memory stand-in for the operator. */
class FakeOperator implements ZkOperatorApi {
  readonly accounts = new Map<number, ZkAccountView>();
  readonly receipts = new Map<string, ZkTxReceipt>();
  readonly submitted: string[] = [];

  async submit(encodedTx: string): Promise<ZkTxReceipt> {
    if (encodedTx === TX_OVERDRAFT) {
      throw new TxRejectedError("InsufficientBalance", "transfer refused (InsufficientBalance): 1 < 2");
    }
    if (encodedTx === TX_CRASH) throw new Error("disk on fire at /var/secret/path");
    this.submitted.push(encodedTx);
    const receipt: ZkTxReceipt = { hash: HASH, status: "accepted" };
    this.receipts.set(HASH, receipt);
    return receipt;
  }

  account(index: number): ZkAccountView | undefined {
    return this.accounts.get(index);
  }

  findAccount(owner: string, tokenId: number): number | undefined {
    for (const a of this.accounts.values()) if (a.owner === owner && a.tokenId === tokenId) return a.index;
    return undefined;
  }

  receipt(hash: string): ZkTxReceipt | undefined {
    return this.receipts.get(hash);
  }

  advance(status: ZkTxStatus, batchIndex: number, slot?: number): void {
    this.receipts.set(HASH, { hash: HASH, status, batchIndex, slot });
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

async function expectRpcError(promise: Promise<unknown>, code: number): Promise<RpcError> {
  const error = await rejection(promise);
  expect(error).to.be.instanceOf(RpcError);
  expect((error as RpcError).code).to.equal(code);
  return error as RpcError;
}

describe("zk rpc-server", function () {
  let operator: FakeOperator;
  let server: RpcServer;
  let client: ZkOperatorClient;

  beforeEach(async function () {
    operator = new FakeOperator();
    operator.accounts.set(0, { index: 0, owner: OWNER, tokenId: 0, balance: 2n ** 100n + 7n, nonce: 4 });
    operator.accounts.set(1, { index: 1, owner: OWNER, tokenId: 1, balance: 0n, nonce: 0 });
    server = await startZkRpcServer(operator, { logger: createLogger({ level: "silent" }) });
    client = new ZkOperatorClient(server.url);
  });

  afterEach(async function () {
    await server.close();
  });

  describe("zk_sendTransaction", function () {
    it("returns the operator's receipt, with the hex lower-cased", async function () {
      expect(await client.sendTransaction("0x02AB01")).to.deep.equal({ hash: HASH, status: "accepted" });
      expect(operator.submitted).to.deep.equal(["0x02ab01"]);
    });

    it("throws TxRejectedError with the refusal's name when the operator refuses", async function () {
      const error = await rejection(client.sendTransaction(TX_OVERDRAFT));
      expect(error).to.be.instanceOf(TxRejectedError).and.have.property("reason", "InsufficientBalance");
    });

    it("answers -32602 for a transaction that is not hex", async function () {
      await expectRpcError(client.sendTransaction("0x2"), -32602);
      expect(operator.submitted).to.deep.equal([]);
    });

    it("answers -32603 without details when the operator fails", async function () {
      const error = await expectRpcError(client.sendTransaction(TX_CRASH), -32603);
      expect(error.message).to.equal("internal error");
    });
  });

  describe("zk_getAccount", function () {
    it("returns the account with its balance as a bigint", async function () {
      expect(await client.getAccount(0)).to.deep.equal(operator.accounts.get(0));
    });

    it("returns undefined for an index with no account", async function () {
      expect(await client.getAccount(7)).to.equal(undefined);
    });

    it("answers -32602 for a negative index", async function () {
      await expectRpcError(client.getAccount(-1), -32602);
    });
  });

  describe("zk_findAccount", function () {
    it("finds the account of an owner and token", async function () {
      expect(await client.findAccount(OWNER.toUpperCase().replace("0X", "0x"), 1)).to.equal(1);
      expect(await client.findAccount(OWNER, 5)).to.equal(undefined);
    });

    it("answers -32602 for an owner that is not bytes32 or a token id beyond u16", async function () {
      await expectRpcError(client.findAccount("0x1234", 0), -32602);
      await expectRpcError(client.findAccount(OWNER, 2 ** 16), -32602);
    });
  });

  describe("zk_getReceipt", function () {
    it("returns undefined for an unknown hash, the receipt once known", async function () {
      expect(await client.getReceipt(HASH)).to.equal(undefined);
      await client.sendTransaction("0x0201");
      operator.advance("verified", 3, 0);
      expect(await client.getReceipt(HASH.toUpperCase().replace("0X", "0x"))).to.deep.equal({
        hash: HASH,
        status: "verified",
        batchIndex: 3,
        slot: 0,
      });
    });
  });

  describe("waitForStatus", function () {
    it("resolves once the transaction reaches the status or a later one", async function () {
      await client.sendTransaction("0x0201");
      setTimeout(() => operator.advance("verified", 2, 0), 50);
      const receipt = await client.waitForStatus(HASH, "proven", { timeoutMs: 5000, pollMs: 10 });
      expect(receipt.status).to.equal("verified");
    });

    it("throws ZkTxStatusTimeoutError with the last receipt seen", async function () {
      await client.sendTransaction("0x0201");
      const error = await rejection(client.waitForStatus(HASH, "verified", { timeoutMs: 60, pollMs: 10 }));
      expect(error).to.be.instanceOf(ZkTxStatusTimeoutError);
      expect((error as ZkTxStatusTimeoutError).last?.status).to.equal("accepted");
    });
  });

  it("answers -32601 for a method it does not serve", async function () {
    await expectRpcError(client.call("strata_getNonce", [0]), -32601);
  });
});
