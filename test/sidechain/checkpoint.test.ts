import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";
import { TypedDataEncoder, ZeroHash, keccak256, parseEther, toUtf8Bytes, verifyTypedData } from "ethers";
import type { Checkpoint } from "../../src/sidechain/checkpoint";
import {
  CHECKPOINT_TYPES,
  checkpointDigest,
  checkpointWithdrawalRoot,
  checkpointWithdrawalTree,
  signCheckpoint,
} from "../../src/sidechain/checkpoint";
import { packSignatures } from "../../src/sidechain/quorum";
import { createKeccakHasher } from "../../src/shared/hasher";
import type { WithdrawalData } from "../../src/shared/types";
import { WithdrawalTree } from "../../src/shared/withdrawal";
import { SIDECHAIN_ESCROW, deploySidechainFixture, nextCheckpoint } from "./fixtures";

const MAX_U64 = 2n ** 64n - 1n;

describe("checkpoint (TypeScript ↔ Sidechain.sol)", function () {
  it("names the EIP-712 type the contract hashes", function () {
    expect(TypedDataEncoder.from(CHECKPOINT_TYPES).encodeType("Checkpoint")).to.equal(
      "Checkpoint(uint64 number,uint64 startBlock,uint64 endBlock,bytes32 endBlockHash,bytes32 withdrawalRoot)",
    );
  });

  it("computes the digest Sidechain.checkpointDigest computes", async function () {
    const { sidechain, domain } = await loadFixture(deploySidechainFixture);
    const checkpoints: Checkpoint[] = [
      nextCheckpoint(0n, -1n, keccak256(toUtf8Bytes("root"))),
      nextCheckpoint(7n, 12345n, ZeroHash),
      {
        number: MAX_U64,
        startBlock: MAX_U64 - 1n,
        endBlock: MAX_U64,
        endBlockHash: "0x" + "ff".repeat(32),
        withdrawalRoot: "0x" + "01".repeat(32),
      },
    ];
    for (const c of checkpoints) {
      expect(checkpointDigest(domain, c)).to.equal(await sidechain.checkpointDigest(c));
    }
    // each field counts
    const base = checkpoints[0];
    const digests = new Set(
      [
        base,
        { ...base, number: 1n },
        { ...base, startBlock: 1n },
        { ...base, endBlock: 11n },
        { ...base, endBlockHash: ZeroHash },
        { ...base, withdrawalRoot: ZeroHash },
      ].map((c) => checkpointDigest(domain, c)),
    );
    expect(digests.size).to.equal(6);
  });

  it("signs in the compact form the contract recovers: a TypeScript-signed checkpoint is accepted", async function () {
    const { sidechain, domain, a, b, c } = await loadFixture(deploySidechainFixture);
    const checkpoint = nextCheckpoint(0n, -1n, await checkpointWithdrawalRoot([]));
    const signatures = await Promise.all([a, b, c].map((s) => signCheckpoint(s, domain, checkpoint)));
    for (const [i, s] of signatures.entries()) {
      expect(ethers.dataLength(s.signature)).to.equal(64);
      expect(s.signer).to.equal([a, b, c][i].address);
      expect(verifyTypedData(domain, CHECKPOINT_TYPES, checkpoint, s.signature)).to.equal(s.signer);
    }
    await expect(sidechain.submitCheckpoint(checkpoint, packSignatures(signatures))).to.emit(
      sidechain,
      "CheckpointSubmitted",
    );
    expect(await sidechain.finalizedWithdrawalRoot(0)).to.equal(checkpoint.withdrawalRoot);
  });

  it("builds the withdrawal root whose proofs the Bridge pays", async function () {
    const f = await loadFixture(deploySidechainFixture);
    const withdrawals: WithdrawalData[] = [
      { recipient: f.user.address, tokenId: 0, amount: parseEther("1") },
      { recipient: f.outsider.address, tokenId: 0, amount: parseEther("0.5") },
      { recipient: f.user.address, tokenId: 0, amount: 3n },
    ];
    const root = await checkpointWithdrawalRoot(withdrawals);
    expect(root).to.equal(new WithdrawalTree(await createKeccakHasher(), withdrawals).root);
    const tree = await checkpointWithdrawalTree(withdrawals);
    const checkpoint = nextCheckpoint(0n, -1n, root);
    const signatures = await Promise.all([f.a, f.b, f.c].map((s) => signCheckpoint(s, f.domain, checkpoint)));
    await f.sidechain.submitCheckpoint(checkpoint, packSignatures(signatures));

    let paid = 0n;
    for (const [i, w] of withdrawals.entries()) {
      await expect(
        f.bridge.finalizeWithdrawal(f.sidechain, 0, w, i, tree.proof(i).siblings),
      ).to.changeEtherBalance(w.recipient, w.amount);
      paid += w.amount;
    }
    expect((await f.bridge.asset(f.sidechain, ethers.ZeroAddress)).escrowed).to.equal(
      SIDECHAIN_ESCROW - paid,
    );
  });

  it("gives a checkpoint with no withdrawals a non-zero root (zero would read as not final)", async function () {
    expect(await checkpointWithdrawalRoot([])).to.not.equal(ZeroHash);
  });
});
