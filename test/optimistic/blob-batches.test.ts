// Batches posted in blobs (issue 15): commitBatchBlobs records the blobs' versioned hashes and reads the
// payload's length from the header; a dispute's last step opens the disputed transaction's field elements
// with the point-evaluation precompile, so a proposer cannot claim a transaction its blobs do not hold.
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import type { ContractTransactionResponse } from "ethers";
import { AbiCoder, Wallet, ZeroHash, id, keccak256, toBeHex } from "ethers";
import { ethers } from "hardhat";
import { ContractRevertError } from "../../src/common/errors";
import { localAccountKey } from "../../src/common/processes";
import { RollupClient } from "../../src/optimistic/rollup-client";
import { encodeBlobs } from "../../src/da/codec";
import { Kzg } from "../../src/da/kzg";
import type { BlobStepProofArg, OpeningArg } from "../../src/optimistic/blob-batch";
import { BlobBatchData, applyBlobStep, traceBlobBatch } from "../../src/optimistic/blob-batch";
import type { StepMachine, TraceState } from "../../src/optimistic/trace";
import { traceClaim } from "../../src/optimistic/trace";
import { encodeTxs } from "../../src/shared/codec";
import { depositsUpTo } from "../../src/shared/deposit";
import type { L2Tx } from "../../src/shared/types";
import type { Players } from "./fixtures";
import {
  CHALLENGER_BOND,
  FORGING_AUTHORIZER,
  GameStatus,
  PROPOSER_BOND,
  Party,
  THEFT_STEP,
  assertBondsConserved,
  bisect,
  depositedFixture,
  firstBatchTxs,
  machineFrom,
} from "./fixtures";

type Fixture = Awaited<ReturnType<typeof depositedFixture>>;

const abi = AbiCoder.defaultAbiCoder();

/** Hardhat's account 1 (the fixture's proposer) as a wallet: a type-3 transaction is signed locally. */
function proposerWallet(): Wallet {
  return new Wallet(localAccountKey(1), ethers.provider);
}

/** A blob batch as its proposer built it: the blobs, its claimed step count, and its trace. */
interface BlobPlan {
  data: BlobBatchData;
  stepCount: number;
  claims: string[];
  post: TraceState;
}

function planBlobBatch(
  parent: StepMachine,
  data: BlobBatchData,
  stepCount: number,
  f: Fixture,
  honest = true,
) {
  const machine = machineFrom(parent, honest ? f.authorizer : FORGING_AUTHORIZER);
  const claims = traceBlobBatch(machine, data.payload, stepCount);
  return { data, stepCount, claims, post: machine.state } satisfies BlobPlan;
}

interface CommitBlobOptions {
  post?: TraceState;
  header?: OpeningArg;
  blobs?: readonly Uint8Array[];
  value?: bigint;
}

/** The proposer sends `commitBatchBlobs` for `plan` in a type-3 transaction carrying its blobs. */
async function commitBlobs(
  f: Fixture,
  kzg: Kzg,
  plan: BlobPlan,
  o: CommitBlobOptions = {},
): Promise<ContractTransactionResponse> {
  const post = o.post ?? plan.post;
  const queue = await f.bridgeClient.verifiedQueue(f.rollupAddress);
  return f.rollup
    .connect(proposerWallet())
    .commitBatchBlobs(
      f.genesis.claim,
      post,
      depositsUpTo(queue, post.depositHead),
      [],
      plan.stepCount,
      o.header ?? plan.data.header(),
      {
        type: 3,
        blobs: [...(o.blobs ?? plan.data.blobs)],
        kzg: kzg.ethersKzg(),
        maxFeePerBlobGas: 10n ** 10n,
        value: o.value ?? PROPOSER_BOND,
        ...(process.env.NOGAS ? {} : { gasLimit: 1_000_000n }),
      },
    );
}

/** The true one-step proof of step `index` of a blob batch whose honest machine starts at `parent`. */
function blobStepProof(
  f: Fixture,
  parent: StepMachine,
  data: BlobBatchData,
  index: number,
): BlobStepProofArg {
  const machine = machineFrom(parent, f.authorizer);
  for (let k = 0; k < index; k++) applyBlobStep(machine, data.payload);
  return data.stepProof(machine);
}

/** The true trace of a blob batch's claimed steps. */
function honestBlobTrace(f: Fixture, data: BlobBatchData, stepCount: number): string[] {
  return traceBlobBatch(machineFrom(f.genesis, f.authorizer), data.payload, stepCount);
}

/** Opens a game against batch 1 (built on genesis) by `challenger` believing `claims`. */
async function challengeFirst(f: Fixture, claims: readonly string[], stepCount: number, by = f.challenger) {
  const gameId = await f.rollup.gameCount();
  const mid = stepCount > 1 ? claims[Math.floor(stepCount / 2)] : ZeroHash;
  await f.rollup.connect(by).challenge(1n, f.genesis.state, mid, { value: CHALLENGER_BOND });
  return gameId;
}

/** Bisects game `gameId` and has a stranger prove its last step with the true blob proof. */
async function playOutBlob(f: Fixture, gameId: bigint, players: Players, data: BlobBatchData) {
  const game = await bisect(f, gameId, players);
  return f.rollup.connect(f.stranger).stepBlob(gameId, blobStepProof(f, f.genesis, data, Number(game.lo)));
}

describe("Blob batches", function () {
  let kzg: Kzg;

  before(async function () {
    this.timeout(120_000);
    kzg = await Kzg.load();
  });

  async function firstBatch() {
    const f = await loadFixture(depositedFixture);
    const txs = await firstBatchTxs(f);
    return { f, txs, data: BlobBatchData.ofTransactions(kzg, txs) };
  }

  describe("commitBatchBlobs", function () {
    it("records the blobs' versioned hashes and the payload length from the header, and announces both", async function () {
      const { f, txs, data } = await firstBatch();
      const plan = planBlobBatch(f.genesis, data, txs.length, f);
      const tx = await commitBlobs(f, kzg, plan);
      const length = encodeTxs(txs).length;
      const dataRoot = keccak256(abi.encode(["bytes32[]", "uint256"], [data.versionedHashes, length]));
      await expect(tx).to.emit(f.rollup, "BatchBlobs").withArgs(1n, data.versionedHashes, length);
      await expect(tx).to.emit(f.rollup, "BatchCommitted");
      const stored = await f.rollup.batch(1);
      expect(stored.inBlobs).to.equal(true);
      expect(stored.txRoot).to.equal(dataRoot);
      expect(stored.claim).to.equal(plan.claims[txs.length]);
      expect(stored.stepCount).to.equal(BigInt(txs.length));
      expect(plan.post.cursor).to.equal(BigInt(length));
      // the transaction's own versioned hashes are the ones recorded
      const sent = await ethers.provider.send("eth_getTransactionByHash", [tx.hash]);
      expect(sent.blobVersionedHashes).to.deep.equal(data.versionedHashes);
      await assertBondsConserved(f);
    });

    it("reverts with OptimisticNoBlobs when the transaction carries no blobs", async function () {
      const { f, txs, data } = await firstBatch();
      const plan = planBlobBatch(f.genesis, data, txs.length, f);
      await expect(
        f.rollup
          .connect(f.proposer)
          .commitBatchBlobs(f.genesis.claim, plan.post, 2, [], txs.length, data.header(), {
            value: PROPOSER_BOND,
          }),
      ).to.be.revertedWithCustomError(f.rollup, "OptimisticNoBlobs");
      expect(await f.rollup.batchCount()).to.equal(1n);
    });

    it("reverts with OptimisticBlobHeaderInvalid when the header is another element, or a forged value", async function () {
      const { f, txs, data } = await firstBatch();
      const plan = planBlobBatch(f.genesis, data, txs.length, f);
      const header = data.header();
      const notTheHeader = data.open(1);
      // a header claiming a longer payload than the blob holds: its opening cannot verify
      const longer = { ...header, value: toBeHex(BigInt(header.value) + (1n << 208n), 32) };
      for (const forged of [notTheHeader, longer]) {
        await expect(commitBlobs(f, kzg, plan, { header: forged }))
          .to.be.revertedWithCustomError(f.rollup, "OptimisticBlobHeaderInvalid")
          .withArgs(data.versionedHashes[0], forged.value);
      }
      expect(await f.rollup.batchCount()).to.equal(1n);
    });

    it("reverts with OptimisticBlobHeaderInvalid when the header, truly in the blob, is not one Layer 1 reads", async function () {
      const { f, txs, data } = await firstBatch();
      const plan = planBlobBatch(f.genesis, data, txs.length, f);
      // the same payload under a header that says version 1: its opening verifies, its version does not
      const blobs = encodeBlobs(encodeTxs(txs));
      blobs[0][1] = 1;
      const opened = kzg.openFieldElement(blobs[0], 0);
      const header = { value: toBeHex(opened.y, 32), commitment: opened.commitment, proof: opened.proof };
      await expect(commitBlobs(f, kzg, plan, { header, blobs }))
        .to.be.revertedWithCustomError(f.rollup, "OptimisticBlobHeaderInvalid")
        .withArgs(opened.versionedHash, header.value);
      expect(await f.rollup.batchCount()).to.equal(1n);
    });

    it("reverts with OptimisticDataNotRead when the post-state has not read the whole payload", async function () {
      const { f, txs, data } = await firstBatch();
      const plan = planBlobBatch(f.genesis, data, txs.length - 1, f); // one step short
      const length = encodeTxs(txs).length;
      await expect(commitBlobs(f, kzg, plan))
        .to.be.revertedWithCustomError(f.rollup, "OptimisticDataNotRead")
        .withArgs(length, length - 78);
    });

    it("reverts with OptimisticWrongBond without the bond", async function () {
      const { f, txs, data } = await firstBatch();
      const plan = planBlobBatch(f.genesis, data, txs.length, f);
      await expect(commitBlobs(f, kzg, plan, { value: 0n }))
        .to.be.revertedWithCustomError(f.rollup, "OptimisticWrongBond")
        .withArgs(PROPOSER_BOND, 0n);
    });
  });

  describe("stepBlob", function () {
    it("removes a forged batch: the honest challenger's step opens the theft from the blob and re-executes it", async function () {
      const { f, txs, data } = await firstBatch();
      const forged = planBlobBatch(f.genesis, data, txs.length, f, false);
      await commitBlobs(f, kzg, forged);
      const truth = honestBlobTrace(f, data, txs.length);
      expect(forged.claims[THEFT_STEP]).to.equal(truth[THEFT_STEP]);
      expect(forged.claims[THEFT_STEP + 1]).to.not.equal(truth[THEFT_STEP + 1]);
      const gameId = await challengeFirst(f, truth, txs.length);
      const players = {
        proposer: { signer: f.proposer, claims: forged.claims },
        challenger: { signer: f.challenger, claims: truth },
      };
      const step = await playOutBlob(f, gameId, players, data);
      await expect(step).to.emit(f.rollup, "GameResolved").withArgs(gameId, Party.Challenger, true);
      expect((await f.rollup.game(gameId)).lo).to.equal(BigInt(THEFT_STEP));
      await expect(step).to.emit(f.rollup, "BatchesRemoved").withArgs(1n, 1n, 1n);
      expect(await f.rollup.batchCount()).to.equal(1n);
      await assertBondsConserved(f);
    });

    it("keeps an honest batch: a griefer claiming the theft loses at the same step", async function () {
      const { f, txs, data } = await firstBatch();
      const honest = planBlobBatch(f.genesis, data, txs.length, f);
      await commitBlobs(f, kzg, honest);
      const forged = planBlobBatch(f.genesis, data, txs.length, f, false).claims;
      const gameId = await challengeFirst(f, forged, txs.length, f.griefer);
      const players = {
        proposer: { signer: f.proposer, claims: honest.claims },
        challenger: { signer: f.griefer, claims: forged },
      };
      await expect(playOutBlob(f, gameId, players, data))
        .to.emit(f.rollup, "GameResolved")
        .withArgs(gameId, Party.Proposer, true);
      expect((await f.rollup.game(gameId)).status).to.equal(GameStatus.ProposerWon);
      expect(await f.rollup.batchCount()).to.equal(2n);
      await assertBondsConserved(f);
    });

    it("removes a batch whose proposer claims a transaction its blob does not hold, and refuses its forged openings", async function () {
      const { f, txs, data } = await firstBatch();
      // The attacker posts the true transactions in the blob but runs its trace over a different one at
      // step 2: Alice "sends" Bob her whole deposit instead of what she signed.
      const claimedTxs: L2Tx[] = [...txs];
      const signedAmount = (txs[2] as Extract<L2Tx, { kind: "transfer" }>).amount;
      claimedTxs[2] = { ...(txs[2] as Extract<L2Tx, { kind: "transfer" }>), amount: signedAmount * 2n };
      const claimedData = BlobBatchData.ofTransactions(kzg, claimedTxs);
      const lie = planBlobBatch(f.genesis, claimedData, txs.length, f, false);
      await commitBlobs(f, kzg, { ...lie, data }); // the blob the rollup records holds the true transactions
      const truth = honestBlobTrace(f, data, txs.length);
      expect(lie.claims[3]).to.not.equal(truth[3]);
      const gameId = await challengeFirst(f, truth, txs.length);
      const players = {
        proposer: { signer: f.proposer, claims: lie.claims },
        challenger: { signer: f.challenger, claims: truth },
      };
      const game = await bisect(f, gameId, players);
      expect(game.lo).to.equal(2n);
      // The attacker proves step 2 with the elements of its own blob: they open against its commitment,
      // which is not the versioned hash the rollup recorded.
      const forgedProof = blobStepProof(f, f.genesis, claimedData, 2);
      const honestProof = blobStepProof(f, f.genesis, data, 2);
      await expect(
        f.rollup
          .connect(f.proposer)
          .stepBlob(gameId, { ...forgedProof, versionedHashes: data.versionedHashes }),
      ).to.be.revertedWithCustomError(f.prover, "BlobOpeningInvalid");
      // Its transaction's values under the true blob's commitment do not verify either.
      const swapped = forgedProof.openings.map((o, i) => ({ ...honestProof.openings[i], value: o.value }));
      expect(swapped.some((o, i) => o.value !== honestProof.openings[i].value)).to.equal(true);
      await expect(
        f.rollup.connect(f.proposer).stepBlob(gameId, { ...honestProof, openings: swapped }),
      ).to.be.revertedWithCustomError(f.prover, "BlobOpeningInvalid");
      // The true step decides: the challenger wins and the batch is removed.
      await expect(f.rollup.connect(f.stranger).stepBlob(gameId, honestProof))
        .to.emit(f.rollup, "GameResolved")
        .withArgs(gameId, Party.Challenger, true);
      expect(await f.rollup.batchCount()).to.equal(1n);
      await assertBondsConserved(f);
    });

    it("removes a batch claiming fewer steps than its payload holds: its last step cannot read to the end", async function () {
      const { f, txs, data } = await firstBatch();
      // The proposer drops the last transfer from its claim but says its post-state has read the payload.
      const short = planBlobBatch(f.genesis, data, txs.length - 1, f);
      const post = { ...short.post, cursor: BigInt(data.payload.length) };
      const claims = [...short.claims.slice(0, -1), traceClaim(post)];
      await commitBlobs(f, kzg, { ...short, post, claims });
      const truth = honestBlobTrace(f, data, txs.length - 1);
      const gameId = await challengeFirst(f, truth, txs.length - 1);
      const players = {
        proposer: { signer: f.proposer, claims },
        challenger: { signer: f.challenger, claims: truth },
      };
      await expect(playOutBlob(f, gameId, players, data))
        .to.emit(f.rollup, "GameResolved")
        .withArgs(gameId, Party.Challenger, true);
      expect(await f.rollup.batchCount()).to.equal(1n);
    });

    it("keeps a batch claiming more steps than its payload holds: a step past the end changes nothing", async function () {
      const { f, txs, data } = await firstBatch();
      const padded = planBlobBatch(f.genesis, data, txs.length + 2, f);
      await commitBlobs(f, kzg, padded);
      expect(padded.claims.at(-1)).to.equal(padded.claims[txs.length]);
      // A griefer disputes the last, empty step, claiming it changed the state.
      const lie = [...padded.claims.slice(0, -1), id("a state the step never leads to")];
      const gameId = await challengeFirst(f, lie, txs.length + 2, f.griefer);
      const players = {
        proposer: { signer: f.proposer, claims: padded.claims },
        challenger: { signer: f.griefer, claims: lie },
      };
      const game = await bisect(f, gameId, players);
      expect(game.lo).to.equal(BigInt(txs.length + 1));
      const proof = blobStepProof(f, f.genesis, data, Number(game.lo));
      expect(proof.openings).to.deep.equal([]);
      await expect(f.rollup.connect(f.stranger).stepBlob(gameId, proof))
        .to.emit(f.rollup, "GameResolved")
        .withArgs(gameId, Party.Proposer, true);
      expect(await f.rollup.batchCount()).to.equal(2n);
    });

    it("skips a payload's trailing bytes that are not a transaction, as the trace does", async function () {
      const { f, txs } = await firstBatch();
      const payload = new Uint8Array([...encodeTxs(txs), 0x02, 0xaa, 0xbb]); // a transfer cut short
      const data = new BlobBatchData(kzg, encodeBlobs(payload));
      const plan = planBlobBatch(f.genesis, data, txs.length + 1, f);
      expect(plan.post.cursor).to.equal(BigInt(payload.length));
      await commitBlobs(f, kzg, plan);
      const lie = [...plan.claims.slice(0, -1), id("a state the step never leads to")];
      const gameId = await challengeFirst(f, lie, txs.length + 1, f.griefer);
      const players = {
        proposer: { signer: f.proposer, claims: plan.claims },
        challenger: { signer: f.griefer, claims: lie },
      };
      const game = await bisect(f, gameId, players);
      expect(game.lo).to.equal(BigInt(txs.length));
      const proof = blobStepProof(f, f.genesis, data, txs.length);
      expect(proof.openings).to.have.length(1);
      await expect(f.rollup.connect(f.stranger).stepBlob(gameId, proof))
        .to.emit(f.rollup, "GameResolved")
        .withArgs(gameId, Party.Proposer, true);
    });

    it("reverts by name for the wrong data, the wrong number of openings, and the other kind of step", async function () {
      const { f, txs, data } = await firstBatch();
      const forged = planBlobBatch(f.genesis, data, txs.length, f, false);
      await commitBlobs(f, kzg, forged);
      const truth = honestBlobTrace(f, data, txs.length);
      const gameId = await challengeFirst(f, truth, txs.length);
      const players = {
        proposer: { signer: f.proposer, claims: forged.claims },
        challenger: { signer: f.challenger, claims: truth },
      };
      const game = await bisect(f, gameId, players);
      const proof = blobStepProof(f, f.genesis, data, Number(game.lo));
      await expect(f.rollup.stepBlob(gameId, { ...proof, payloadLength: proof.payloadLength + 1n }))
        .to.be.revertedWithCustomError(f.rollup, "OptimisticBlobDataMismatch")
        .withArgs(gameId);
      const oneTooMany = [...proof.openings, proof.openings[0]];
      await expect(f.rollup.stepBlob(gameId, { ...proof, openings: oneTooMany }))
        .to.be.revertedWithCustomError(f.prover, "OneStepWrongOpeningCount")
        .withArgs(proof.openings.length, oneTooMany.length);
      // The services' client names the prover's errors too, which the rollup lets through.
      const client = new RollupClient(f.rollupAddress, f.stranger);
      const refused = await client
        .stepBlob(f.stranger, gameId, { ...proof, openings: oneTooMany })
        .catch((error: unknown) => error);
      expect(refused)
        .to.be.instanceOf(ContractRevertError)
        .and.include({ errorName: "OneStepWrongOpeningCount" });
      const calldataStep = {
        transaction: "0x02",
        txProof: [],
        pre: proof.pre,
        witness: proof.witness,
      };
      await expect(f.rollup.step(gameId, calldataStep))
        .to.be.revertedWithCustomError(f.rollup, "OptimisticWrongDataMode")
        .withArgs(gameId, true);
      expect((await f.rollup.game(gameId)).status).to.equal(GameStatus.Open);
    });
  });
});
