import { expect } from "chai";
import { EventLog, readAllEvents } from "../../src/common/events";
import { TxRejectedError } from "../../src/common/json-rpc";
import type { RpcServer } from "../../src/common/json-rpc";
import { createLogger } from "../../src/common/logger";
import { FakeLedger, expectRpcError } from "../helpers/fake-services";
import type { ZkOperatorEvent } from "../../src/zk/events";
import type { ZkOperatorService, ZkTxReceipt, ZkTxStatus } from "../../src/zk/rpc-server";
import { ZkOperatorClient, ZkTxStatusTimeoutError, serveZkOperator } from "../../src/zk/rpc-server";

const OWNER = "0x" + "00".repeat(12) + "ab".repeat(20);
const HASH = "0x" + "cd".repeat(32);
const TX_OVERDRAFT = "0x02dead";
const TX_CRASH = "0x02ff";

/** Test-only, in-memory stand-in for the operator. */
class FakeOperator extends FakeLedger<ZkTxReceipt> implements ZkOperatorService {
  readonly events = new EventLog<ZkOperatorEvent>();
  l1Head: number | null = 42;

  async health() {
    return { status: this.l1Head === null ? ("degraded" as const) : ("ok" as const), l1Head: this.l1Head };
  }

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

  advance(status: ZkTxStatus, batchIndex: number, slot?: number): void {
    this.receipts.set(HASH, { hash: HASH, status, batchIndex, slot });
  }
}

describe("zk rpc-server", function () {
  let operator: FakeOperator;
  let server: RpcServer;
  let client: ZkOperatorClient;

  beforeEach(async function () {
    operator = new FakeOperator();
    operator.accounts.set(0, { index: 0, owner: OWNER, tokenId: 0, balance: 2n ** 100n + 7n, nonce: 4 });
    operator.accounts.set(1, { index: 1, owner: OWNER, tokenId: 1, balance: 0n, nonce: 0 });
    server = await serveZkOperator(operator, { logger: createLogger({ level: "silent" }) });
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
      await expect(client.sendTransaction(TX_OVERDRAFT))
        .to.be.rejectedWith(TxRejectedError)
        .and.eventually.have.property("reason", "InsufficientBalance");
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

  describe("zk_getBalance and zk_getNonce", function () {
    it("answer as strata_getBalance and strata_getNonce do: a bigint above 2^53 and the nonce", async function () {
      expect(await client.getBalance(0)).to.equal(2n ** 100n + 7n);
      expect(await client.getNonce(0)).to.equal(4);
      expect(await client.getBalance(1)).to.equal(0n);
    });

    it("answer -32001 naming the index when there is no account, -32602 for a bad index", async function () {
      const error = await expectRpcError(client.getBalance(7), -32001);
      expect(error.message).to.equal("no account 7");
      expect(error.data).to.deep.equal({ index: 7 });
      await expectRpcError(client.getNonce(7), -32001);
      await expectRpcError(client.getNonce(-1), -32602);
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
      const error = (await expect(
        client.waitForStatus(HASH, "verified", { timeoutMs: 60, pollMs: 10 }),
      ).to.be.rejectedWith(ZkTxStatusTimeoutError)) as ZkTxStatusTimeoutError;
      expect(error.last?.status).to.equal("accepted");
    });
  });

  describe("strata_events", function () {
    it("serves the operator's events by cursor, exactly as its log holds them", async function () {
      operator.events.publish({ type: "txAccepted", hash: HASH, kind: "transfer", from: 0, nonce: 4 });
      operator.events.publish({ type: "batchProving", batchIndex: 1, txs: 1, hashes: [HASH] });
      operator.events.publish({ type: "batchProved", batchIndex: 1, txs: 1, provingMs: 1234 });
      const all = (await readAllEvents(operator.events)).events;
      expect((await readAllEvents(client.events)).events).to.deep.equal(all);
      expect(await client.events.since(1, 1)).to.deep.equal({ events: [all[1]], next: 2, missed: 0 });
      expect(await client.events.since(3)).to.deep.equal({ events: [], next: 3, missed: 0 });
    });

    it("answers -32602 for a cursor that is not a non-negative integer", async function () {
      await expectRpcError(client.call("strata_events", [-1]), -32602);
      await expectRpcError(client.call("strata_events", ["0"]), -32602);
    });
  });

  describe("strata_health", function () {
    it("names the zk-operator service with the operator's details, degraded without Layer 1", async function () {
      expect(await client.health()).to.include({ service: "zk-operator", status: "ok", l1Head: 42 });
      operator.l1Head = null;
      expect(await client.health()).to.include({ service: "zk-operator", status: "degraded", l1Head: null });
    });
  });

  it("answers -32601 for a method it does not serve", async function () {
    await expectRpcError(client.call("strata_getNonce", [0]), -32601);
  });
});
