import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { publicInputs, ZkFeeRecipientError } from "../../src/zk/pubdata";
import { ZkState } from "../../src/zk/state";
import type { ZkTxRequest } from "../../src/zk/stf";
import { applyZkTx, ZkTxRefusedError } from "../../src/zk/stf";
import {
  assembleBatchWitness,
  buildBatchWitness,
  padWithNoops,
  rootPreimage,
  ZkBatchSizeError,
} from "../../src/zk/witness";
import type { TestCircuit } from "./circuits/harness";
import { batchMain, compileTestCircuit, readProfiles } from "./circuits/harness";
import { ZkWorld } from "./circuits/zk-world";

const BATCH_SIZE = 4;
const DEPTH = 2;
/** Who the batches' fees go to (any non-zero address). */
const FEE_RECIPIENT = "0x000000000000000000000000000000000000fee5";

describe("zk witness", function () {
  let world: ZkWorld;
  /** 0: alice (token 0, 1000), 1: bob (token 0, 50); nextIndex 2. */
  let funded: ZkState;

  before(async function () {
    world = await ZkWorld.create();
    funded = await world.state(DEPTH, [world.deposit("alice", 1000n, 0), world.deposit("bob", 50n, 1)]);
  });

  const mixedRequests = (): ZkTxRequest[] => [
    world.deposit("carol", 7n, 9), // names no open account: opens one at nextIndex 2
    world.transfer("alice", 0, 1, 300n, 0),
    world.withdraw("bob", 1, 20n, 0),
  ];

  describe("buildBatchWitness", function () {
    it("pads with noops and returns [oldRoot, newRoot, feeRecipient, ...slots] as the public inputs", function () {
      const witness = buildBatchWitness(funded, mixedRequests(), BATCH_SIZE, world.crypto, FEE_RECIPIENT);
      expect(witness.steps).to.have.length(BATCH_SIZE);
      expect(witness.txs).to.have.length(3);
      expect(witness.publicInputs).to.deep.equal(
        publicInputs(funded.root, witness.newState.root, FEE_RECIPIENT, witness.txs, BATCH_SIZE),
      );
      expect(witness.publicInputs[2]).to.equal(BigInt(FEE_RECIPIENT));
      expect(witness.input.feeRecipient).to.equal(BigInt(FEE_RECIPIENT).toString());
      expect(witness.publicInputs[3 + 3]).to.equal(0n);
    });

    it("throws ZkFeeRecipientError for the zero address (submitBatch refuses it), applying nothing", function () {
      const root = funded.root;
      expect(() =>
        buildBatchWitness(funded, mixedRequests(), BATCH_SIZE, world.crypto, ZeroAddress),
      ).to.throw(ZkFeeRecipientError);
      expect(funded.root).to.equal(root);
    });

    it("carries a deposit with the account it actually credited", function () {
      const witness = buildBatchWitness(funded, mixedRequests(), BATCH_SIZE, world.crypto, FEE_RECIPIENT);
      expect(witness.txs[0]).to.deep.include({ kind: "deposit", account: 2 });
    });

    it("leaves the pre-state untouched", function () {
      const root = funded.root;
      const witness = buildBatchWitness(funded, mixedRequests(), BATCH_SIZE, world.crypto, FEE_RECIPIENT);
      expect(funded.root).to.equal(root);
      expect(witness.newState.root).to.not.equal(root);
      expect(witness.newState.account(0)).to.deep.include({ balance: 700n, nonce: 1 });
    });

    it("gives every signal as decimal strings in the circuit's shapes", function () {
      const { input } = buildBatchWitness(funded, mixedRequests(), BATCH_SIZE, world.crypto, FEE_RECIPIENT);
      expect(input.oldRoot).to.equal(funded.root.toString());
      expect(input.slots).to.have.length(BATCH_SIZE);
      expect(input.aSiblings).to.have.length(BATCH_SIZE);
      for (const siblings of input.bSiblings as string[][]) expect(siblings).to.have.length(DEPTH);
      const values = Object.values(input).flat(2) as string[];
      for (const value of values) expect(value).to.match(/^\d+$/);
    });

    it("equals a witness assembled from steps applied one at a time", function () {
      const built = buildBatchWitness(funded, mixedRequests(), BATCH_SIZE, world.crypto, FEE_RECIPIENT);
      const working = funded.clone();
      const before = rootPreimage(working);
      const steps = mixedRequests().map((request) => applyZkTx(working, request, world.crypto));
      const assembled = assembleBatchWitness(
        before,
        padWithNoops(working, steps, BATCH_SIZE),
        working,
        FEE_RECIPIENT,
      );
      expect(assembled.input).to.deep.equal(built.input);
    });

    it("throws ZkBatchSizeError on more transactions than slots", function () {
      const requests = [0, 1, 2, 3, 4].map((i) => world.deposit("alice", 1n + BigInt(i), 0));
      expect(() => buildBatchWitness(funded, requests, BATCH_SIZE, world.crypto, FEE_RECIPIENT)).to.throw(
        ZkBatchSizeError,
      );
    });

    it("throws the refusal of an invalid transaction and leaves the pre-state untouched", function () {
      const root = funded.root;
      const requests = [world.deposit("carol", 7n, 2), world.transfer("alice", 0, 1, 5000n, 0)];
      expect(() => buildBatchWitness(funded, requests, BATCH_SIZE, world.crypto, FEE_RECIPIENT))
        .to.throw(ZkTxRefusedError)
        .with.property("reason", "InsufficientBalance");
      expect(funded.root).to.equal(root);
      expect(funded.nextIndex).to.equal(2);
    });
  });

  describe("against RollupBatch", function () {
    let small: TestCircuit;

    before(async function () {
      this.timeout(300_000);
      small = await compileTestCircuit(`rollup-batch-${BATCH_SIZE}x${DEPTH}`, batchMain(BATCH_SIZE, DEPTH));
    });

    it(`satisfies RollupBatch(${BATCH_SIZE}, ${DEPTH}) over three chained batches mixing every kind`, async function () {
      this.timeout(120_000);
      let state = await ZkState.create(DEPTH, world.domain);
      const batches: ZkTxRequest[][] = [
        [world.deposit("alice", 1000n, 0), world.deposit("bob", 50n, 1)],
        [
          world.transfer("alice", 0, 1, 300n, 0),
          world.deposit("bob", 5n, 1), // top-up
          world.withdraw("bob", 1, 355n, 0), // all of it
          world.deposit("carol", 10n ** 20n, 2, 7),
        ],
        [world.withdraw("carol", 2, 10n ** 20n, 0, { tokenId: 7 }), world.transfer("alice", 0, 1, 700n, 1)],
      ];
      for (const requests of batches) {
        const witness = buildBatchWitness(state, requests, BATCH_SIZE, world.crypto, FEE_RECIPIENT);
        expect(witness.publicInputs[0]).to.equal(state.root);
        await small.expectPass(witness.input);
        state = witness.newState;
      }
      expect(state.account(1)!.balance).to.equal(700n);
    });

    it("satisfies the test profile with one transaction of each kind and a noop", async function () {
      this.timeout(600_000);
      const { batchSize, depth } = readProfiles().test;
      const circuit = await compileTestCircuit("profile-test", batchMain(batchSize, depth));
      let state = await ZkState.create(depth, world.domain);
      const sequence: (ZkTxRequest | undefined)[] = [
        world.deposit("alice", 1000n, 0),
        world.deposit("bob", 1n, 1),
        world.transfer("alice", 0, 1, 10n, 0),
        world.withdraw("alice", 0, 990n, 1),
        undefined,
      ];
      for (const request of sequence) {
        const requests = request ? [request] : [];
        const witness = buildBatchWitness(state, requests, batchSize, world.crypto, FEE_RECIPIENT);
        await circuit.expectPass(witness.input);
        state = witness.newState;
      }
    });
  });
});
