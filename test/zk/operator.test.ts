import { expect } from "chai";
import { ethers } from "hardhat";
import { ZeroAddress, parseEther } from "ethers";
import type { Published } from "../../src/common/events";
import { readAllEvents } from "../../src/common/events";
import { TxRejectedError } from "../../src/common/json-rpc";
import { createLogger } from "../../src/common/logger";
import type { ZkOperatorEvent } from "../../src/zk/events";
import { rootHex } from "../../src/zk/events";
import type { ZkPendingItem } from "../../src/zk/batching";
import { isBatchDue, selectBatch } from "../../src/zk/batching";
import { ZkOperator, ZkOperatorConfigError } from "../../src/zk/operator";
import type { ZkProver } from "../../src/zk/prover";
import { ZkChainFollower } from "../../src/zk/chain-follower";
import { ZkOperatorClient, serveZkOperator } from "../../src/zk/rpc-server";
import type { ZkE2eWorld, ZkUser } from "../e2e/zk-world";
import {
  ETH_ID,
  TOKEN_ID,
  castOf,
  closeTestProver,
  createAliceAndBobWorld,
  createZkWorld,
  fundAndStart,
} from "../e2e/zk-world";

type Item = ZkPendingItem & { name: string };

const deposit = (name: string, seenAt = 0, takesSlot = true): Item => ({
  kind: "deposit",
  takesSlot,
  seenAt,
  name,
});
const spend = (name: string, seenAt = 0): Item => ({ kind: "spend", takesSlot: true, seenAt, name });
const names = (items: readonly Item[]) => items.map((i) => i.name);

describe("ZkOperator", function () {
  describe("selectBatch", function () {
    it("puts deposits first, in queue order, then spends in acceptance order", function () {
      const batch = selectBatch([deposit("d1"), deposit("d2")], [spend("s1"), spend("s2")], 3);
      expect(names(batch)).to.deep.equal(["d1", "d2", "s1"]);
    });

    it("lets a deposit the circuit cannot carry ride along without a slot", function () {
      const batch = selectBatch([deposit("d1"), deposit("bad", 0, false), deposit("d2")], [spend("s1")], 2);
      expect(names(batch)).to.deep.equal(["d1", "bad", "d2"]);
    });

    it("stops the deposits at the first one that finds no slot, never skipping it", function () {
      const batch = selectBatch([deposit("d1"), deposit("d2"), deposit("bad", 0, false)], [spend("s1")], 1);
      expect(names(batch)).to.deep.equal(["d1"]);
    });

    it("takes slotless deposits alone when nothing else is pending", function () {
      expect(names(selectBatch([deposit("bad", 0, false)], [], 1))).to.deep.equal(["bad"]);
    });
  });

  describe("isBatchDue", function () {
    const rules = { batchSize: 4, maxBatchAgeMs: 1000 };

    it("is not due when nothing is pending, even forced", function () {
      expect(isBatchDue([], rules, 10_000, true)).to.equal(false);
    });

    it("is due once a full batch of slots waits", function () {
      const items = [spend("a", 0), spend("b", 0), spend("c", 0), spend("d", 0)];
      expect(isBatchDue(items, rules, 1)).to.equal(true);
      expect(isBatchDue(items.slice(1), rules, 1)).to.equal(false);
    });

    it("does not count slotless deposits towards a full batch", function () {
      const items = [spend("a"), spend("b"), spend("c"), deposit("bad", 0, false)];
      expect(isBatchDue(items, rules, 1)).to.equal(false);
    });

    it("is due once the oldest item has waited the maximum age", function () {
      const items = [spend("a", 500), spend("b", 900)];
      expect(isBatchDue(items, rules, 1499)).to.equal(false);
      expect(isBatchDue(items, rules, 1500)).to.equal(true);
    });

    it("is due at once when forced", function () {
      expect(isBatchDue([spend("a", 0)], rules, 0, true)).to.equal(true);
    });
  });

  describe("submit (the door)", function () {
    this.timeout(300_000);
    let world: ZkE2eWorld;
    let operator: ZkOperator;
    let alice: ZkUser;
    let bob: ZkUser;
    let carol: ZkUser;

    // Deposits pulled from the bridge are applied to the operator's soft state at once, so the door can
    // be tested without proving anything: accounts 0 (Alice, ETH), 1 (Bob, ETH), 2 (Carol, token).
    before(async function () {
      world = await createZkWorld();
      ({ alice, bob, carol } = castOf(world));
      const fundings = [
        { user: alice, amount: parseEther("5") },
        { user: bob, amount: parseEther("1") },
        { user: carol, amount: parseEther("10"), token: world.token },
      ];
      operator = await fundAndStart(world, fundings, { prove: false });
    });

    after(async function () {
      await world.cleanup();
      await closeTestProver();
    });

    it("finds the accounts the pending deposits open", function () {
      expect(operator.findAccount(alice.wallet.ownerHex, ETH_ID)).to.equal(0);
      expect(operator.findAccount(bob.wallet.ownerHex, ETH_ID)).to.equal(1);
      expect(operator.findAccount(carol.wallet.ownerHex, TOKEN_ID)).to.equal(2);
      expect(operator.findAccount(carol.wallet.ownerHex, ETH_ID)).to.equal(undefined);
      expect(operator.pendingCount).to.equal(3);
    });

    it("accepts a valid spend, journals it, and reports it accepted", async function () {
      const spend = alice.wallet.transfer({ from: 0, to: 1, amount: parseEther("1"), nonce: 0 });
      expect(await operator.submit(spend.encoded)).to.deep.equal({ hash: spend.hash, status: "accepted" });
      expect(operator.receipt(spend.hash)).to.deep.equal({ hash: spend.hash, status: "accepted" });
      expect(world.journals[0].entries()).to.deep.equal([spend.encoded]);
      expect(operator.account(0)).to.include({ balance: parseEther("4"), nonce: 1 });
      expect(operator.account(1)).to.include({ balance: parseEther("2") });
    });

    const refusals: [string, string, () => string][] = [
      ["Malformed", "bytes that are no request", () => "0x0102"],
      [
        "Malformed",
        "a truncated request",
        () => alice.wallet.transfer({ from: 0, to: 1, amount: 1n, nonce: 1 }).encoded.slice(0, -2),
      ],
      [
        "Duplicate",
        "a spend already accepted",
        () => alice.wallet.transfer({ from: 0, to: 1, amount: parseEther("1"), nonce: 0 }).encoded,
      ],
      [
        "NonceMismatch",
        "a nonce ahead of the account's",
        () => alice.wallet.transfer({ from: 0, to: 1, amount: 1n, nonce: 5 }).encoded,
      ],
      [
        "UnknownAccount",
        "a transfer to no account",
        () => alice.wallet.transfer({ from: 0, to: 9, amount: 1n, nonce: 1 }).encoded,
      ],
      [
        "SelfTransfer",
        "a transfer to itself",
        () => alice.wallet.transfer({ from: 0, to: 0, amount: 1n, nonce: 1 }).encoded,
      ],
      [
        "TokenMismatch",
        "a transfer across tokens",
        () => alice.wallet.transfer({ from: 0, to: 2, amount: 1n, nonce: 1 }).encoded,
      ],
      [
        "TokenMismatch",
        "a withdrawal of another token",
        () => alice.wallet.withdraw({ from: 0, tokenId: TOKEN_ID, amount: 1n, nonce: 1 }).encoded,
      ],
      [
        "SignerNotOwner",
        "a spend signed by another key",
        () => bob.wallet.transfer({ from: 0, to: 1, amount: 1n, nonce: 1 }).encoded,
      ],
      [
        "InsufficientBalance",
        "an overdraft",
        () => bob.wallet.transfer({ from: 1, to: 0, amount: parseEther("3"), nonce: 0 }).encoded,
      ],
      [
        "ZeroAmount",
        "a withdrawal of nothing",
        () => bob.wallet.withdraw({ from: 1, tokenId: ETH_ID, amount: 0n, nonce: 0 }).encoded,
      ],
      [
        "BadSignature",
        "a forged signature",
        () => forgeSignature(alice.wallet.transfer({ from: 0, to: 1, amount: 1n, nonce: 1 }).encoded),
      ],
    ];
    for (const [reason, what, build] of refusals) {
      it(`refuses ${what} with ${reason} and changes nothing`, async function () {
        const before = [0, 1, 2].map((i) => operator.account(i));
        const journalled = world.journals[0].entries();
        const pending = operator.pendingCount;
        await expect(operator.submit(build()))
          .to.be.rejectedWith(TxRejectedError)
          .and.eventually.have.property("reason", reason);
        expect([0, 1, 2].map((i) => operator.account(i))).to.deep.equal(before);
        expect(world.journals[0].entries()).to.deep.equal(journalled);
        expect(operator.pendingCount).to.equal(pending);
      });
    }

    /** Starts an operator on this world with a stand-in prover of `nPublic` public inputs. */
    async function startWith(nPublic: number, feeRecipient?: string): Promise<ZkOperator> {
      return ZkOperator.start({
        rollup: world.rollup,
        bridge: world.bridgeClient,
        follower: await ZkChainFollower.create(world.rollup, ethers.provider, world.crypto),
        journal: world.journals[0],
        prover: { nPublic } as unknown as ZkProver,
        crypto: world.crypto,
        signer: world.operatorSigner,
        feeRecipient,
      });
    }

    it("(start) refuses a prover whose circuit has another batch size", async function () {
      await expect(startWith(3 + 4)).to.be.rejectedWith(ZkOperatorConfigError);
    });

    it("(start) refuses a fee recipient that is the zero address or no address", async function () {
      const { batchSize } = await world.rollup.config();
      for (const feeRecipient of [ZeroAddress, "0x1234"]) {
        await expect(startWith(3 + batchSize, feeRecipient)).to.be.rejectedWith(
          ZkOperatorConfigError,
          /fee recipient/,
        );
      }
    });
  });

  describe("events", function () {
    this.timeout(300_000);
    let world: ZkE2eWorld;
    let operator: ZkOperator;
    let alice: ZkUser;
    let events: Published<ZkOperatorEvent>[];
    const of = <T extends ZkOperatorEvent["type"]>(type: T) =>
      events.filter((e): e is Published<Extract<ZkOperatorEvent, { type: T }>> => e.type === type);

    // Two deposits (batches 1 and 2), then a transfer accepted and its replay refused (batch 3).
    before(async function () {
      ({ world, operator, alice } = await createAliceAndBobWorld(parseEther("2"), parseEther("1")));
      const transfer = alice.wallet.transfer({ from: 0, to: 1, amount: parseEther("0.5"), nonce: 0 });
      await operator.submit(transfer.encoded);
      await expect(operator.submit(transfer.encoded)).to.be.rejectedWith(TxRejectedError);
      await operator.tick(true);
      events = (await readAllEvents(operator.events)).events;
    });

    after(async function () {
      await world.cleanup();
      await closeTestProver();
    });

    it("publishes batchProving → batchProved → batchSubmitted → batchVerified per batch, agreeing with Layer 1", async function () {
      const node = await world.verifierNode();
      expect(node.lastBatch).to.equal(3);
      const way = events
        .filter((e) => ["batchProving", "batchProved", "batchSubmitted", "batchVerified"].includes(e.type))
        .map((e) => `${e.type} ${(e as { batchIndex: number }).batchIndex}`);
      expect(way).to.deep.equal(
        [1, 2, 3].flatMap((i) => [
          `batchProving ${i}`,
          `batchProved ${i}`,
          `batchSubmitted ${i}`,
          `batchVerified ${i}`,
        ]),
      );
      for (const batch of node.batches) {
        const at = (e: { batchIndex: number }) => e.batchIndex === batch.batchIndex;
        const proving = of("batchProving").find(at)!;
        const proved = of("batchProved").find(at)!;
        const submitted = of("batchSubmitted").find(at)!;
        const verified = of("batchVerified").find(at)!;
        const receipt = (await ethers.provider.getTransactionReceipt(batch.transactionHash))!;
        expect(proving).to.deep.include({ txs: batch.txs.length, hashes: batch.hashes });
        expect(proved.txs).to.equal(batch.txs.length);
        expect(proved.provingMs).to.be.greaterThan(0);
        expect(submitted).to.include({
          txs: batch.txs.length,
          l1TxHash: batch.transactionHash,
          gasUsed: receipt.gasUsed.toString(),
          newRoot: rootHex(batch.newRoot),
        });
        expect(verified).to.include({
          txs: batch.txs.length,
          l1TxHash: batch.transactionHash,
          blockNumber: batch.blockNumber,
          newRoot: rootHex(batch.newRoot),
        });
        expect(proving.seq).to.be.lessThan(proved.seq);
        expect(proved.time).to.be.at.least(proving.time);
      }
    });

    it("publishes the deposits it pulled once each, the spend it accepted and the replay it refused", async function () {
      const queue = await world.bridgeClient.verifiedQueue(world.rollup.address);
      expect(of("depositPulled").map((e) => [e.hash, e.account, e.tokenId, e.amount])).to.deep.equal([
        [queue[0].head.toLowerCase(), 0, ETH_ID, parseEther("2").toString()],
        [queue[1].head.toLowerCase(), 1, ETH_ID, parseEther("1").toString()],
      ]);
      const transfer = alice.wallet.transfer({ from: 0, to: 1, amount: parseEther("0.5"), nonce: 0 });
      expect(of("txAccepted").map(({ seq: _s, time: _t, ...e }) => e)).to.deep.equal([
        { type: "txAccepted", hash: transfer.hash, kind: "transfer", from: 0, nonce: 0 },
      ]);
      expect(of("txRefused").map(({ seq: _s, time: _t, ...e }) => e)).to.deep.equal([
        { type: "txRefused", hash: transfer.hash, reason: "Duplicate" },
      ]);
      // Rebuilt on start and after each batch; nothing waits at the end.
      expect(of("stateRebuilt").map((e) => e.lastBatch)).to.deep.equal([0, 1, 2, 3]);
      expect(of("stateRebuilt").at(-1)!.pending).to.equal(0);
      expect(events.map((e) => e.seq)).to.deep.equal(events.map((_, i) => i + 1));
    });

    it("serves the same events over strata_events, and its health", async function () {
      const server = await serveZkOperator(operator, { logger: createLogger({ level: "silent" }) });
      try {
        const client = new ZkOperatorClient(server.url);
        expect((await readAllEvents(client.events)).events).to.deep.equal(events);
        const health = await client.health();
        expect(health).to.include({
          service: "zk-operator",
          status: "ok",
          rollup: world.rollup.address,
          operator: world.operatorSigner.address,
          lastBatch: 3,
          pending: 0,
          exodus: false,
          l1Head: await ethers.provider.getBlockNumber(),
        });
      } finally {
        await server.close();
      }
    });
  });
});

/** The same request with the signature's S changed (still a valid encoding). */
function forgeSignature(encoded: string): string {
  // S is the third 32-byte word after the body: flip its last byte.
  const bytes = Buffer.from(encoded.slice(2), "hex");
  const sEnd = bytes.length - 20 - 64; // before Ax, Ay, l1Address
  bytes[sEnd - 1] ^= 1;
  return "0x" + bytes.toString("hex");
}
