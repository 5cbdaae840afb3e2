import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { concat, hexlify } from "ethers";
import { ethers } from "hardhat";
import { MAX_U32, TX_BYTES, createKeccakHasher, encodeTx, encodeTxs } from "../../src/shared";
import type { KeccakHasher, L2Tx } from "../../src/shared";
import { MAX_STEPS, StepsError, StepsTree } from "../../src/optimistic/steps";
import type { StepsHarness } from "../../typechain-types";
import fc from "fast-check";
// Transactions of any kind with random fields: the step commitment only hashes bytes, never judges them.
import { anyDepositTx, anyTransferTx, anyTx, anyWithdrawTx } from "../helpers/arbitraries";
import { assertAsyncProperty, assertProperty, exampleOf } from "../helpers/property";

/** One transaction of each kind, then random ones: every batch mixes deposits, transfers and withdrawals. */
function batchOf(count: number): fc.Arbitrary<L2Tx[]> {
  const head = [anyDepositTx, anyTransferTx, anyWithdrawTx].slice(0, count);
  return fc
    .tuple(
      fc.tuple(...head),
      fc.array(anyTx, { minLength: count - head.length, maxLength: count - head.length }),
    )
    .map(([first, rest]) => [...first, ...rest]);
}

/** The steps a test proves in a batch: all of them, or the ends and a sample of a long batch. */
function probedIndices(count: number): fc.Arbitrary<number[]> {
  if (count <= 100) return fc.constant(Array.from({ length: count }, (_, i) => i));
  return fc
    .array(fc.integer({ min: 0, max: count - 1 }), { minLength: 12, maxLength: 12 })
    .map((sample) => [0, 1, count - 2, count - 1, ...sample]);
}

/** Runs of a property over batches of `count` steps: more for small batches, one for the longest. */
const runsFor = (count: number): number => (count <= 8 ? 4 : count <= 100 ? 2 : 1);

async function deployHarnessFixture() {
  const harness: StepsHarness = await ethers.deployContract("StepsHarness");
  return { harness };
}

describe("Steps (StepsHarness ↔ StepsTree)", function () {
  let keccak: KeccakHasher;

  before(async function () {
    keccak = await createKeccakHasher();
  });

  describe("commit", function () {
    for (const count of [1, 2, 3, 5, 8, 100, MAX_STEPS]) {
      it(`equals StepsTree's root and count when the batch has ${count} mixed transaction(s)`, async function () {
        const { harness } = await loadFixture(deployHarnessFixture);
        await assertAsyncProperty(
          fc.asyncProperty(batchOf(count), async (txs) => {
            const tree = new StepsTree(keccak, txs);
            const [root, committed, deposits] = await harness.commit(encodeTxs(txs));
            expect(root).to.equal(tree.root);
            expect(committed).to.equal(BigInt(count)).and.to.equal(BigInt(tree.count));
            expect(deposits).to.equal(BigInt(txs.filter((tx) => tx.kind === "deposit").length));
          }),
          { runs: runsFor(count) },
        );
      });
    }

    it("returns (0, 0) when the input is empty", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      const [root, count] = await harness.commit("0x");
      expect(root).to.equal(ethers.ZeroHash);
      expect(count).to.equal(0n);
    });

    it("returns the transaction's own hash as the root when the batch has one step", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      await assertAsyncProperty(
        fc.asyncProperty(anyTx, async (tx) => {
          const [root] = await harness.commit(encodeTx(tx));
          expect(root).to.equal(ethers.keccak256(encodeTx(tx)));
        }),
        { runs: 10 },
      );
    });

    it("differs when two transactions swap places", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      await assertAsyncProperty(
        fc.asyncProperty(batchOf(5), async (txs) => {
          const swapped = [txs[1], txs[0], ...txs.slice(2)];
          const [root] = await harness.commit(encodeTxs(txs));
          const [swappedRoot] = await harness.commit(encodeTxs(swapped));
          expect(swappedRoot).to.not.equal(root);
          expect(swappedRoot).to.equal(new StepsTree(keccak, swapped).root);
        }),
        { runs: 5 },
      );
    });

    for (const kindByte of [0x00, 0x04, 0x09, 0xff]) {
      it(`reverts with StepsMalformed(offset) when a transaction has the unknown kind byte 0x${kindByte.toString(16).padStart(2, "0")}`, async function () {
        const { harness } = await loadFixture(deployHarnessFixture);
        const txs = exampleOf(batchOf(4), 120 + kindByte);
        const unknown = encodeTx(txs[3]);
        unknown[0] = kindByte;
        const offset = encodeTxs(txs.slice(0, 3)).length;
        await expect(harness.commit(concat([encodeTxs(txs.slice(0, 3)), unknown])))
          .to.be.revertedWithCustomError(harness, "StepsMalformed")
          .withArgs(offset);
      });
    }

    it("reverts with StepsMalformed(0) when the very first byte is not a kind", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      const txs = exampleOf(batchOf(3), 130);
      await expect(harness.commit(concat(["0x07", encodeTxs(txs)])))
        .to.be.revertedWithCustomError(harness, "StepsMalformed")
        .withArgs(0);
    });

    for (const kind of ["deposit", "transfer", "withdraw"] as const) {
      it(`reverts with StepsMalformed(offset) when the last transaction, a ${kind}, is truncated`, async function () {
        const { harness } = await loadFixture(deployHarnessFixture);
        const txs = [
          ...exampleOf(batchOf(3), 140),
          exampleOf(batchOf(3), 141).find((tx) => tx.kind === kind)!,
        ];
        const encoded = encodeTxs(txs);
        const offset = encoded.length - TX_BYTES[kind];
        for (const missing of [1, TX_BYTES[kind] - 1]) {
          await expect(harness.commit(encoded.subarray(0, encoded.length - missing)))
            .to.be.revertedWithCustomError(harness, "StepsMalformed")
            .withArgs(offset);
        }
      });
    }
  });

  describe("contains", function () {
    for (const count of [1, 2, 3, 5, 8, 100, MAX_STEPS]) {
      it(`is true for every StepsTree proof when the batch has ${count} step(s)`, async function () {
        const { harness } = await loadFixture(deployHarnessFixture);
        await assertAsyncProperty(
          fc.asyncProperty(batchOf(count), probedIndices(count), async (txs, indices) => {
            const tree = new StepsTree(keccak, txs);
            for (const index of indices) {
              const { transaction, txProof } = tree.proof(index);
              expect(txProof).to.have.length(tree.depth);
              expect(
                await harness.contains(tree.root, count, index, transaction, txProof),
                `step ${index}`,
              ).to.equal(true);
            }
          }),
          { runs: count <= 8 ? 2 : 1 },
        );
      });
    }

    /** A batch of five steps (depth 3, three zero leaves of padding) and its tree. */
    async function fiveStepFixture() {
      const { harness } = await deployHarnessFixture();
      const tree = new StepsTree(keccak, exampleOf(batchOf(5), 210));
      return { harness, tree, root: tree.root, count: tree.count };
    }

    it("is false when the proof is shown at another step's index", async function () {
      const { harness, tree, root, count } = await loadFixture(fiveStepFixture);
      for (let index = 0; index < count; index++) {
        const { transaction, txProof } = tree.proof(index);
        for (let other = 0; other < count; other++) {
          if (other === index) continue;
          expect(
            await harness.contains(root, count, other, transaction, txProof),
            `${index} at ${other}`,
          ).to.equal(false);
        }
      }
    });

    it("is false when the proof is one sibling short or one sibling long", async function () {
      const { harness, tree, root, count } = await loadFixture(fiveStepFixture);
      const { transaction, txProof } = tree.proof(2);
      const short = txProof.slice(0, -1);
      const long = [...txProof, ethers.ZeroHash];
      expect(await harness.contains(root, count, 2, transaction, short)).to.equal(false);
      expect(await harness.contains(root, count, 2, transaction, long)).to.equal(false);
    });

    it("is false when one byte of the transaction is tampered with", async function () {
      const { harness, tree, root, count } = await loadFixture(fiveStepFixture);
      const { transaction, txProof } = tree.proof(3);
      for (const at of [0, 1, (transaction.length - 2) / 2 - 1]) {
        const tampered = ethers.getBytes(transaction);
        tampered[at] ^= 0x01;
        expect(await harness.contains(root, count, 3, tampered, txProof), `byte ${at}`).to.equal(false);
      }
    });

    it("is false when the index is at or past the step count, even inside the padded tree", async function () {
      const { harness, tree, root, count } = await loadFixture(fiveStepFixture);
      const { transaction, txProof } = tree.proof(4);
      for (const index of [count, count + 1, 7, 8, MAX_U32]) {
        expect(await harness.contains(root, count, index, transaction, txProof), `index ${index}`).to.equal(
          false,
        );
      }
    });

    it("is false when a padding leaf is claimed as a step: zero bytes hash to no leaf", async function () {
      const { harness, tree, root, count } = await loadFixture(fiveStepFixture);
      // Step 5 is a zero leaf; its path is step 4's with the sibling at level 0 being step 4's leaf.
      const { transaction, txProof } = tree.proof(4);
      const paddingPath = [ethers.keccak256(transaction), ...txProof.slice(1)];
      expect(await harness.contains(root, count + 1, 5, "0x", paddingPath)).to.equal(false);
    });
  });

  describe("depthOf", function () {
    const expected: [number, number][] = [
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 2],
      [4, 2],
      [5, 3],
      [8, 3],
      [9, 4],
      [1023, 10],
      [1024, 10],
      [1025, 11],
    ];
    for (const [count, depth] of expected) {
      it(`is ${depth} when the batch has ${count} step(s)`, async function () {
        const { harness } = await loadFixture(deployHarnessFixture);
        expect(await harness.depthOf(count)).to.equal(BigInt(depth));
      });
    }

    it("equals StepsTree.depth for every batch size from 1 to 40", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      for (let count = 1; count <= 40; count++) {
        const tree = new StepsTree(keccak, exampleOf(batchOf(count), 300 + count));
        expect(await harness.depthOf(count), `count ${count}`).to.equal(BigInt(tree.depth));
      }
    });
  });
});

describe("StepsTree", function () {
  let keccak: KeccakHasher;

  before(async function () {
    keccak = await createKeccakHasher();
  });

  describe("constructor", function () {
    it("throws StepsError when the batch is empty or longer than MAX_STEPS", function () {
      expect(() => new StepsTree(keccak, [])).to.throw(StepsError);
      expect(() => new StepsTree(keccak, exampleOf(batchOf(MAX_STEPS + 1), 400))).to.throw(StepsError);
    });
  });

  describe("proof", function () {
    it("throws StepsError when the index is not a step of the batch", function () {
      const tree = new StepsTree(keccak, exampleOf(batchOf(3), 401));
      for (const index of [-1, 3, 4, 1.5]) expect(() => tree.proof(index), `${index}`).to.throw(StepsError);
    });

    it("carries the step's transaction exactly as encodeTx encodes it", function () {
      assertProperty(
        fc.property(batchOf(6), (txs) => {
          const tree = new StepsTree(keccak, txs);
          txs.forEach((tx, index) => expect(tree.proof(index).transaction).to.equal(hexlify(encodeTx(tx))));
        }),
        { runs: 20 },
      );
    });
  });
});
