import { expect } from "chai";
import { ethers } from "hardhat";
import { parseEther } from "ethers";
import { ChainChangedError } from "../../src/common/chain-identity";
import { readAllEvents } from "../../src/common/events";
import type { DepositData } from "../../src/shared/types";
import {
  ZkChainFollower,
  ZkChainMismatchError,
  refundedDeposits,
  replayPublishedTx,
} from "../../src/zk/chain-follower";
import { rootHex } from "../../src/zk/events";
import type { ZkOperator } from "../../src/zk/operator";
import type { ZkRollupConfig } from "../../src/zk/rollup-client";
import { ZkRollupClient } from "../../src/zk/rollup-client";
import type { ZkSignedSpend } from "../../src/zk/wallet";
import type { ZkE2eWorld, ZkUser } from "../e2e/zk-world";
import type { ChainSwap } from "../helpers/chain-swap";
import { changingAfterLogs, swappableBlocks } from "../helpers/chain-swap";
import { ETH_ID, castOf, closeTestProver, createZkWorld, fund, fundAndStart } from "../e2e/zk-world";

/** A rollup client that misreports the domain: a node built on it cannot reproduce any root. */
class WrongDomainClient extends ZkRollupClient {
  override async config(): Promise<ZkRollupConfig> {
    const config = await super.config();
    return { ...config, domain: config.domain + 1n };
  }
}

/** An amount that is no float40 (2^35 + 1 wei): the circuit cannot carry it, the contract refunds it. */
const UNCARRIABLE = (1n << 35n) + 1n;

describe("ZkChainFollower", function () {
  this.timeout(300_000);
  let world: ZkE2eWorld;
  let operator: ZkOperator;
  let alice: ZkUser;
  let bob: ZkUser;
  let uncarried: DepositData;
  let spends: ZkSignedSpend[];
  /** A node synced after the deposits only, then again at the end. */
  let early: ZkChainFollower;

  // Batches: 1 Alice's deposit (+ the refunded uncarriable one, slotless), 2 Bob's deposit, 3 a transfer,
  // 4 Bob's withdrawal.
  before(async function () {
    world = await createZkWorld();
    ({ alice, bob } = castOf(world));
    const rollup = world.rollup.address;
    await fund(world, [{ user: alice, amount: parseEther("4") }]);
    const refused = await world.bridgeClient.depositEth(alice.signer, {
      rollup,
      to: alice.wallet.ownerHex,
      amount: UNCARRIABLE,
    });
    uncarried = refused.deposit;
    operator = await fundAndStart(world, [{ user: bob, amount: parseEther("1") }]);
    early = await world.verifierNode();
    spends = [
      alice.wallet.transfer({ from: 0, to: 1, amount: parseEther("1.5"), nonce: 0 }),
      bob.wallet.withdraw({ from: 1, tokenId: ETH_ID, amount: parseEther("2"), nonce: 0 }),
    ];
    for (const spend of spends) await operator.submit(spend.encoded);
    await operator.tick(true);
  });

  after(async function () {
    await world.cleanup();
    await closeTestProver();
  });

  describe("sync", function () {
    it("rebuilds every batch from Layer 1 and reaches the contract's root", async function () {
      const node = await world.verifierNode();
      expect(node.lastBatch).to.equal(4);
      expect(node.state.root).to.equal(await world.rollup.root());
      expect(node.batches.map((b) => b.txs.map((t) => t.kind))).to.deep.equal([
        ["deposit"],
        ["deposit"],
        ["transfer"],
        ["withdraw"],
      ]);
      expect(node.state.account(0)).to.include({ balance: parseEther("2.5"), nonce: 1 });
      expect(node.state.account(1)).to.include({ balance: parseEther("0.5"), nonce: 1 });
      expect(node.depositHead).to.equal(await world.rollup.depositHead());
    });

    it("records the deposits a batch consumed and refunded", async function () {
      const node = await world.verifierNode();
      expect(node.batches[0].consumed).to.have.length(2);
      expect(refundedDeposits(node.batches[0])).to.deep.equal([
        {
          from: uncarried.from,
          to: uncarried.to,
          tokenId: uncarried.tokenId,
          amount: uncarried.amount,
          timestamp: uncarried.timestamp,
        },
      ]);
      expect(await world.rollup.creditOf(alice.signer.address, ETH_ID)).to.equal(UNCARRIABLE);
    });

    it("records the withdrawals a batch credited", async function () {
      const node = await world.verifierNode();
      expect(node.batches[3].withdrawals).to.deep.equal([
        {
          kind: "withdraw",
          from: 1,
          recipient: bob.signer.address,
          tokenId: ETH_ID,
          amount: parseEther("2"),
        },
      ]);
    });

    it("locates every transaction by its hash: a spend's signed message, a deposit's queue head", async function () {
      const node = await world.verifierNode();
      expect(node.locate(spends[0].hash)).to.deep.equal({ batchIndex: 3, slot: 0 });
      expect(node.locate(spends[1].hash)).to.deep.equal({ batchIndex: 4, slot: 0 });
      const queue = await world.bridgeClient.verifiedQueue(world.rollup.address);
      expect(node.locate(queue[0].head)).to.deep.equal({ batchIndex: 1, slot: 0 });
      expect(node.locate(queue[2].head)).to.deep.equal({ batchIndex: 2, slot: 0 });
      expect(node.locate(queue[1].head)).to.equal(undefined); // refunded: it took no slot
    });

    it("reads only new events on a later sync and ends where a fresh node does", async function () {
      expect(early.lastBatch).to.equal(2);
      expect(await early.sync()).to.deep.equal([3, 4]);
      expect(await early.sync()).to.deep.equal([]);
      const fresh = await world.verifierNode();
      expect(early.state.root).to.equal(fresh.state.root);
    });

    it("publishes one batchVerified per batch it rebuilt, in order, and none again on a later sync", async function () {
      const node = await world.verifierNode();
      const { events, cursor } = await readAllEvents(node.events);
      expect(events.map(({ seq: _s, time: _t, ...e }) => e)).to.deep.equal(
        node.batches.map((b) => ({
          type: "batchVerified",
          batchIndex: b.batchIndex,
          txs: b.txs.length,
          newRoot: rootHex(b.newRoot),
          l1TxHash: b.transactionHash,
          blockNumber: b.blockNumber,
        })),
      );
      await node.sync();
      expect((await node.events.since(cursor)).events).to.deep.equal([]);
    });

    it("throws ZkChainMismatchError when it cannot reproduce the roots", async function () {
      const lying = new WrongDomainClient(world.rollup.address, ethers.provider);
      const node = await ZkChainFollower.create(lying, ethers.provider, world.crypto);
      await expect(node.sync()).to.be.rejectedWith(ZkChainMismatchError);
    });

    // shrink: the contract's root at the block it read to is asked of a chain without it (this sync
    // says why); replace: the next sync finds the block it read to under another hash.
    const failing: Record<ChainSwap, "same" | "next"> = { shrink: "same", replace: "next" };
    for (const [how, which] of Object.entries(failing) as [ChainSwap, "same" | "next"][]) {
      it(`throws ChainChangedError on the ${which} sync when Layer 1 is swapped (${how}) between its read of the logs and its cursor`, async function () {
        const hooked = changingAfterLogs(ethers.provider);
        const node = await ZkChainFollower.create(world.rollup, hooked.provider, world.crypto);
        const told: ChainChangedError[] = [];
        node.onChainChanged = (error) => told.push(error);
        const blocks = await swappableBlocks();
        try {
          hooked.after = () => blocks.swap(how);
          const { number, hash } = blocks.head;
          const said = `the zk rollup's node read Layer 1 up to block ${number} (${hash.slice(0, 10)}…)`;
          if (which === "next") {
            expect(await node.sync()).to.deep.equal([1, 2, 3, 4]);
            await expect(node.sync()).to.be.rejectedWith(ChainChangedError, `${said}, which is now 0x`);
          } else {
            await expect(node.sync()).to.be.rejectedWith(ChainChangedError, `${said}, which is now gone`);
          }
          expect(told.map((e) => e.name)).to.deep.equal(["ChainChangedError"]);
          // The check never turns itself off: every later sync says so too, or reads nothing new.
          await expect(node.sync()).to.be.rejectedWith(ChainChangedError);
        } finally {
          await blocks.restore();
        }
      });
    }
  });

  describe("replayPublishedTx", function () {
    it("throws ZkChainMismatchError for a spend the state cannot carry", async function () {
      const node = await world.verifierNode();
      const state = node.state.clone();
      const overdraft = { kind: "transfer" as const, from: 1, to: 0, amount: parseEther("9") };
      expect(() => replayPublishedTx(state, overdraft, world.crypto, new Map())).to.throw(
        ZkChainMismatchError,
      );
      const unknown = { kind: "transfer" as const, from: 7, to: 0, amount: 1n };
      expect(() => replayPublishedTx(state, unknown, world.crypto, new Map())).to.throw(ZkChainMismatchError);
      expect(state.root).to.equal(node.state.root);
    });
  });
});
