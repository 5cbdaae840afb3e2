import { expect } from "chai";
import { createHash } from "node:crypto";
import { FakeLedger, expectRpcError } from "../helpers/fake-services";
import { createLogger } from "../../src/common/logger";
import {
  MAX_BODY_BYTES,
  RpcTransportError,
  SequencerClient,
  TxRejectedError,
  TxStatusTimeoutError,
  startRpcServer,
} from "../../src/optimistic/rpc-server";
import type {
  RpcServer,
  SequencerApi,
  TxReceipt,
  TxStatus,
  WithdrawalProofAnswer,
} from "../../src/optimistic/rpc-server";
import { nonceRefusal } from "../../src/common/rollup-rpc";

const OWNER = "0x" + "00".repeat(12) + "ab".repeat(20);
const HASH_UNKNOWN = "0x" + "11".repeat(32);
/** Test-only: a transaction the fake refuses, and one that makes it crash. */
const TX_NONCE_TOO_LOW = "0x02dead";
const TX_CRASH = "0x02ff";

/** Test-only, in-memory stand-in for the sequencer: accounts and receipts in maps. */
class FakeSequencer extends FakeLedger<TxReceipt> implements SequencerApi {
  /** When set, the next read throws a plain Error (an internal failure). */
  crashNextRead = false;
  /** The nonce declared with each submitted transaction, in order. */
  readonly declared: (number | undefined)[] = [];
  readonly proofs = new Map<string, WithdrawalProofAnswer>();

  async submit(encodedTx: string, nonce?: number): Promise<TxReceipt> {
    if (encodedTx === TX_NONCE_TOO_LOW) throw new TxRejectedError("nonce-too-low", "nonce 3 is below 4");
    if (encodedTx === TX_CRASH) throw new Error("disk on fire at /var/secret/path");
    const wrongNonce = nonce === undefined ? undefined : nonceRefusal(0, this.accounts.get(0), nonce);
    if (wrongNonce) throw wrongNonce;
    this.submitted.push(encodedTx);
    this.declared.push(nonce);
    const hash = "0x" + createHash("sha256").update(encodedTx).digest("hex");
    const receipt: TxReceipt = { hash, status: "soft-confirmed", step: this.submitted.length };
    this.receipts.set(hash, receipt);
    return receipt;
  }

  withdrawalProof(hash: string): WithdrawalProofAnswer | undefined {
    return this.proofs.get(hash);
  }

  advance(hash: string, status: TxStatus, batchIndex = 0): void {
    this.receipts.set(hash, { ...this.receipts.get(hash)!, status, batchIndex, outcome: "applied" });
  }

  protected override beforeRead(): void {
    if (!this.crashNextRead) return;
    this.crashNextRead = false;
    throw new Error("index corrupted at /var/secret/path");
  }
}

describe("rpc-server", () => {
  let sequencer: FakeSequencer;
  let server: RpcServer;
  let client: SequencerClient;
  let logLines: string[];

  /** POSTs a raw body and returns the HTTP status and the parsed JSON (undefined when empty). */
  const post = async (body: string, contentType = "application/json") => {
    const response = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": contentType },
      body,
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as any) : undefined };
  };

  /** POSTs `body`, expects a single answer of `error` with a null id, and returns the HTTP status. */
  const expectNullIdError = async (body: string, error: { code: number; message: string }) => {
    const { status, json } = await post(body);
    expect(json).to.deep.equal({ jsonrpc: "2.0", id: null, error });
    return status;
  };

  beforeEach(async () => {
    sequencer = new FakeSequencer();
    sequencer.accounts.set(0, { index: 0, owner: OWNER, tokenId: 0, balance: 2n ** 100n + 7n, nonce: 4 });
    sequencer.accounts.set(1, { index: 1, owner: OWNER, tokenId: 5, balance: 0n, nonce: 0 });
    logLines = [];
    const logger = createLogger({ level: "debug", format: "json", write: (l) => logLines.push(l) });
    server = await startRpcServer(sequencer, { port: 0, logger });
    client = new SequencerClient(server.url);
  });

  afterEach(async () => {
    await server.close();
  });

  describe("startRpcServer", () => {
    it("listens on a free port when port is 0", () => {
      expect(server.port).to.be.greaterThan(0);
      expect(server.url).to.equal(`http://127.0.0.1:${server.port}`);
    });

    it("stops accepting connections when closed", async () => {
      await server.close();
      await expect(client.getNonce(0)).to.be.rejectedWith(RpcTransportError);
      server = await startRpcServer(sequencer, { logger: createLogger({ level: "silent" }) });
    });
  });

  describe("strata_sendTransaction", () => {
    it("returns the sequencer's receipt when the transaction is accepted", async () => {
      const receipt = await client.sendTransaction("0x02AB01");
      expect(sequencer.submitted).to.deep.equal(["0x02ab01"]);
      expect(receipt).to.deep.equal(sequencer.receipts.get(receipt.hash));
      expect(receipt.status).to.equal("soft-confirmed");
    });

    it("throws TxRejectedError with the reason when the sequencer refuses the transaction", async () => {
      const error: TxRejectedError = await expect(
        client.sendTransaction(TX_NONCE_TOO_LOW),
      ).to.be.rejectedWith(TxRejectedError);
      expect(error.reason).to.equal("nonce-too-low");
      expect(error.message).to.equal("nonce 3 is below 4");
    });

    it("answers -32000 with data.reason when the transaction is refused", async () => {
      const { json } = await post(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 7,
          method: "strata_sendTransaction",
          params: [TX_NONCE_TOO_LOW],
        }),
      );
      expect(json).to.deep.equal({
        jsonrpc: "2.0",
        id: 7,
        error: { code: -32000, message: "nonce 3 is below 4", data: { reason: "nonce-too-low" } },
      });
    });

    it("passes the declared nonce on, and refuses a wrong one as NonceMismatch with expected and got", async () => {
      await client.sendTransaction("0x0201", 4);
      await client.sendTransaction("0x0202");
      expect(sequencer.declared).to.deep.equal([4, undefined]);
      const error: TxRejectedError = await expect(client.sendTransaction("0x0203", 6)).to.be.rejectedWith(
        TxRejectedError,
      );
      expect(error.reason).to.equal("NonceMismatch");
      expect(error.details).to.deep.equal({ account: 0, expected: 4, got: 6 });
      const { json } = await post(
        JSON.stringify({ jsonrpc: "2.0", id: 8, method: "strata_sendTransaction", params: ["0x0203", 3] }),
      );
      expect(json.error.data).to.deep.equal({ account: 0, expected: 4, got: 3, reason: "NonceMismatch" });
      await expectRpcError(client.call("strata_sendTransaction", ["0x0203", -1]), -32602);
      await expectRpcError(client.call("strata_sendTransaction", ["0x0203", 1, 2]), -32602);
      expect(sequencer.submitted).to.deep.equal(["0x0201", "0x0202"]);
    });

    it("throws -32602 when the transaction is not well-formed hex", async () => {
      for (const bad of ["", "0x", "0x123", "02ab", "0xzz", 42, null]) {
        await expectRpcError(client.call("strata_sendTransaction", [bad]), -32602);
      }
      await expectRpcError(client.call("strata_sendTransaction", []), -32602);
      await expectRpcError(client.call("strata_sendTransaction", ["0x02", "0x02"]), -32602);
      expect(sequencer.submitted).to.deep.equal([]);
    });
  });

  describe("strata_getAccount", () => {
    it("round-trips an account with a balance above 2^53 when it exists", async () => {
      expect(await client.getAccount(0)).to.deep.equal(sequencer.accounts.get(0));
    });

    it("returns undefined when there is no account at the index", async () => {
      expect(await client.getAccount(9)).to.equal(undefined);
    });

    it("throws -32602 when the index is not a non-negative safe integer", async () => {
      for (const bad of [-1, 1.5, 2 ** 53, "1", null, true]) {
        await expectRpcError(client.call("strata_getAccount", [bad]), -32602);
      }
      await expectRpcError(client.call("strata_getAccount", { index: 0 } as never), -32602);
    });
  });

  describe("strata_getBalance and strata_getNonce", () => {
    it("return the balance as a bigint and the nonce when the account exists", async () => {
      expect(await client.getBalance(0)).to.equal(2n ** 100n + 7n);
      expect(await client.getNonce(0)).to.equal(4);
      expect(await client.getBalance(1)).to.equal(0n);
    });

    it("throw -32001 naming the index when there is no account", async () => {
      const balance = await expectRpcError(client.getBalance(7), -32001);
      expect(balance.message).to.equal("no account 7");
      expect(balance.data).to.deep.equal({ index: 7 });
      const nonce = await expectRpcError(client.getNonce(7), -32001);
      expect(nonce.message).to.equal("no account 7");
    });

    it("throw -32602 when the index is invalid", async () => {
      await expectRpcError(client.getBalance(-3), -32602);
      await expectRpcError(client.getNonce(0.5), -32602);
    });
  });

  describe("strata_findAccount", () => {
    it("returns the index when the owner holds an account for the token", async () => {
      expect(await client.findAccount(OWNER, 5)).to.equal(1);
      expect(await client.findAccount(OWNER.toUpperCase().replace("0X", "0x"), 0)).to.equal(0);
    });

    it("returns undefined when the owner has no account for the token", async () => {
      expect(await client.findAccount(OWNER, 6)).to.equal(undefined);
    });

    it("throws -32602 when the owner or the token id is invalid", async () => {
      await expectRpcError(client.findAccount("0x" + "ab".repeat(20), 0), -32602);
      await expectRpcError(client.findAccount("0x" + "zz".repeat(32), 0), -32602);
      await expectRpcError(client.findAccount(OWNER, -1), -32602);
      await expectRpcError(client.findAccount(OWNER, 2 ** 32), -32602);
      await expectRpcError(client.call("strata_findAccount", [OWNER]), -32602);
    });
  });

  describe("strata_getReceipt", () => {
    it("round-trips a receipt with its batch, step and outcome", async () => {
      const { hash } = await client.sendTransaction("0x0201");
      sequencer.advance(hash, "committed", 3);
      expect(await client.getReceipt(hash)).to.deep.equal(sequencer.receipts.get(hash));
      expect((await client.getReceipt(hash))?.batchIndex).to.equal(3);
    });

    it("returns undefined when the hash is unknown", async () => {
      expect(await client.getReceipt(HASH_UNKNOWN)).to.equal(undefined);
    });

    it("throws -32602 when the hash is not 32 bytes of hex", async () => {
      await expectRpcError(client.getReceipt("0x1234"), -32602);
    });
  });

  describe("strata_getWithdrawalProof", () => {
    const RECIPIENT = "0x" + "ef".repeat(20);
    const SIBLING = "0x" + "12".repeat(32);

    it("round-trips a ready proof with an amount above 2^53", async () => {
      const ready: WithdrawalProofAnswer = {
        hash: HASH_UNKNOWN,
        state: "ready",
        status: "final",
        batchIndex: 3,
        leafIndex: 1,
        withdrawal: { recipient: RECIPIENT, tokenId: 2, amount: 2n ** 70n + 1n },
        siblings: [SIBLING, SIBLING],
      };
      sequencer.proofs.set(HASH_UNKNOWN, ready);
      expect(await client.getWithdrawalProof(HASH_UNKNOWN.toUpperCase().replace("0X", "0x"))).to.deep.equal(
        ready,
      );
      const { json } = await post(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "strata_getWithdrawalProof",
          params: [HASH_UNKNOWN],
        }),
      );
      expect(json.result.withdrawal.amount).to.equal((2n ** 70n + 1n).toString());
    });

    it("answers pending and none as they are, and undefined for an unknown transaction", async () => {
      const answers: WithdrawalProofAnswer[] = [
        { hash: HASH_UNKNOWN, state: "pending", status: "committed", batchIndex: 2 },
        { hash: HASH_UNKNOWN, state: "none", status: "final", batchIndex: 2 },
      ];
      for (const answer of answers) {
        sequencer.proofs.set(HASH_UNKNOWN, answer);
        expect(await client.getWithdrawalProof(HASH_UNKNOWN)).to.deep.equal(answer);
      }
      expect(await client.getWithdrawalProof("0x" + "22".repeat(32))).to.equal(undefined);
    });

    it("throws -32602 when the hash is not 32 bytes of hex", async () => {
      await expectRpcError(client.getWithdrawalProof("0x1234"), -32602);
      await expectRpcError(client.call("strata_getWithdrawalProof", []), -32602);
    });
  });

  describe("SequencerClient.waitForStatus", () => {
    it("resolves when the transaction reaches the status later", async () => {
      const { hash } = await client.sendTransaction("0x0201");
      setTimeout(() => sequencer.advance(hash, "committed", 1), 60);
      const receipt = await client.waitForStatus(hash, "committed", { timeoutMs: 5_000, pollMs: 10 });
      expect(receipt.status).to.equal("committed");
    });

    it("accepts a later status than the one asked for", async () => {
      const { hash } = await client.sendTransaction("0x0201");
      sequencer.advance(hash, "final", 1);
      expect((await client.waitForStatus(hash, "committed", { pollMs: 10 })).status).to.equal("final");
      expect((await client.waitForStatus(hash, "soft-confirmed", { pollMs: 10 })).status).to.equal("final");
    });

    it("throws TxStatusTimeoutError when the status is not reached in time", async () => {
      const { hash } = await client.sendTransaction("0x0201");
      const error: TxStatusTimeoutError = await expect(
        client.waitForStatus(hash, "final", { timeoutMs: 80, pollMs: 10 }),
      ).to.be.rejectedWith(TxStatusTimeoutError);
      expect(error.last?.status).to.equal("soft-confirmed");
    });
  });

  describe("protocol errors", () => {
    it("answers -32601 when the method is unknown", async () => {
      await expectRpcError(client.call("strata_nope", []), -32601);
      await expectRpcError(client.call("__proto__", []), -32601);
      await expectRpcError(client.call("toString", []), -32601);
    });

    it("answers -32700 with a null id when the body is not JSON", async () => {
      const status = await expectNullIdError('{"jsonrpc":"2.0",', { code: -32700, message: "parse error" });
      expect(status).to.equal(200);
    });

    it("answers -32600 when the request object is invalid", async () => {
      const invalid = [
        { id: 1, method: "strata_getNonce", params: [0] },
        { jsonrpc: "1.0", id: 1, method: "strata_getNonce", params: [0] },
        { jsonrpc: "2.0", id: 1, method: 5 },
        { jsonrpc: "2.0", id: { a: 1 }, method: "strata_getNonce", params: [0] },
        { jsonrpc: "2.0", id: 1, method: "strata_getNonce", params: 0 },
        "strata_getNonce",
      ];
      for (const request of invalid) {
        const { json } = await post(JSON.stringify(request));
        expect(json.error.code, JSON.stringify(request)).to.equal(-32600);
      }
    });

    it("answers 405 with -32600 when the HTTP method is not POST", async () => {
      const response = await fetch(server.url);
      expect(response.status).to.equal(405);
      expect(((await response.json()) as any).error.code).to.equal(-32600);
    });

    it("answers 415 with -32600 when the body is not declared as JSON", async () => {
      const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "strata_getNonce", params: [0] });
      const { status, json } = await post(body, "text/plain");
      expect(status).to.equal(415);
      expect(json.error.code).to.equal(-32600);
    });

    it("answers 413 with -32600 when the body exceeds 64 KiB, then keeps serving", async () => {
      const tx = "0x" + "ab".repeat(MAX_BODY_BYTES / 2);
      const { status, json } = await post(
        JSON.stringify({ jsonrpc: "2.0", id: 1, method: "strata_sendTransaction", params: [tx] }),
      );
      expect(status).to.equal(413);
      expect(json.error.code).to.equal(-32600);
      await expectRpcError(client.sendTransaction(tx), -32600);
      expect(sequencer.submitted).to.deep.equal([]);
      expect(await client.getNonce(0)).to.equal(4);
    });

    it("accepts a body just under the cap", async () => {
      const envelope = JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "strata_sendTransaction",
        params: ["0x"],
      });
      const room = MAX_BODY_BYTES - envelope.length;
      const tx = "0x" + "ab".repeat(Math.floor(room / 2));
      expect((await client.sendTransaction(tx)).status).to.equal("soft-confirmed");
    });
  });

  describe("internal errors", () => {
    it("answers -32603 without leaking details and logs the error when the sequencer throws", async () => {
      const { json } = await post(
        JSON.stringify({ jsonrpc: "2.0", id: 3, method: "strata_sendTransaction", params: [TX_CRASH] }),
      );
      expect(json).to.deep.equal({
        jsonrpc: "2.0",
        id: 3,
        error: { code: -32603, message: "internal error" },
      });
      const logged = logLines.map((l) => JSON.parse(l)).find((l) => l.message === "request failed");
      expect(logged.level).to.equal("error");
      expect(logged.error).to.contain("disk on fire");
    });

    it("keeps serving when a read throws", async () => {
      sequencer.crashNextRead = true;
      const error = await expectRpcError(client.getAccount(0), -32603);
      expect(error.message).to.equal("internal error");
      expect(error.data).to.equal(undefined);
      expect(await client.getAccount(0)).to.deep.equal(sequencer.accounts.get(0));
      expect((await client.sendTransaction("0x0201")).status).to.equal("soft-confirmed");
    });
  });

  describe("batch requests", () => {
    it("answers each request by id, skips notifications and reports invalid members", async () => {
      const batch = [
        { jsonrpc: "2.0", id: 1, method: "strata_getBalance", params: [0] },
        { jsonrpc: "2.0", method: "strata_sendTransaction", params: ["0x0201"] },
        { jsonrpc: "2.0", id: "b", method: "strata_nope", params: [] },
        1,
        { jsonrpc: "2.0", id: 4, method: "strata_getNonce", params: [9] },
        { jsonrpc: "2.0", id: 5, method: "strata_sendTransaction", params: [TX_NONCE_TOO_LOW] },
      ];
      const { status, json } = await post(JSON.stringify(batch));
      expect(status).to.equal(200);
      expect(json).to.deep.equal([
        { jsonrpc: "2.0", id: 1, result: (2n ** 100n + 7n).toString() },
        { jsonrpc: "2.0", id: "b", error: { code: -32601, message: "method not found: strata_nope" } },
        { jsonrpc: "2.0", id: null, error: { code: -32600, message: "invalid request" } },
        { jsonrpc: "2.0", id: 4, error: { code: -32001, message: "no account 9", data: { index: 9 } } },
        {
          jsonrpc: "2.0",
          id: 5,
          error: { code: -32000, message: "nonce 3 is below 4", data: { reason: "nonce-too-low" } },
        },
      ]);
      expect(sequencer.submitted).to.deep.equal(["0x0201"]);
    });

    it("answers a single -32600 when the batch is empty", async () => {
      await expectNullIdError("[]", { code: -32600, message: "empty batch" });
    });

    it("answers with no content when every member is a notification", async () => {
      const batch = [
        { jsonrpc: "2.0", method: "strata_sendTransaction", params: ["0x0201"] },
        { jsonrpc: "2.0", method: "strata_nope" },
      ];
      const { status, json } = await post(JSON.stringify(batch));
      expect(status).to.equal(204);
      expect(json).to.equal(undefined);
      expect(sequencer.submitted).to.deep.equal(["0x0201"]);
    });
  });
});
