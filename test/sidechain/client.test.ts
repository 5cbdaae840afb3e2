import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";
import { ZeroHash } from "ethers";
import { ContractRevertError } from "../../src/common/errors";
import { QuorumError } from "../../src/sidechain/quorum";
import { signCheckpoint } from "../../src/sidechain/checkpoint";
import {
  CheckpointInvalidError,
  EquivocationInvalidError,
  SidechainClient,
} from "../../src/sidechain/sidechain-client";
import { CONFIG, STAKES, TOTAL_STAKE, deploySidechainFixture, nextCheckpoint, signAll } from "./fixtures";

async function clientFixture() {
  const f = await deploySidechainFixture();
  const client = new SidechainClient(await f.sidechain.getAddress(), ethers.provider);
  return { ...f, client };
}

/** `call` rejects with `ContractRevertError` named `name`, carrying `args`. */
async function expectRevertNamed(call: Promise<unknown>, name: string, args: unknown[]): Promise<void> {
  let thrown: unknown;
  try {
    await call;
  } catch (e) {
    thrown = e;
  }
  expect(thrown).to.be.instanceOf(ContractRevertError);
  expect((thrown as ContractRevertError).errorName).to.equal(name);
  expect((thrown as ContractRevertError).errorArgs).to.deep.equal(args);
}

/** `call` rejects with `type` before sending anything from `sender`. */
async function expectThrownBeforeSending(
  call: () => Promise<unknown>,
  type: new (...args: never[]) => Error,
  sender: string,
): Promise<void> {
  const nonce = await ethers.provider.getTransactionCount(sender);
  let thrown: unknown;
  try {
    await call();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).to.be.instanceOf(type);
  expect(await ethers.provider.getTransactionCount(sender)).to.equal(nonce);
}

describe("SidechainClient", function () {
  it("reads the configuration, the domain and the validator set", async function () {
    const { client, domain, validators } = await loadFixture(clientFixture);
    expect(await client.config()).to.deep.equal({
      minStake: CONFIG.minStake,
      unbondingDelay: BigInt(CONFIG.unbondingDelay),
      slashRewardBps: CONFIG.slashRewardBps,
      maxValidators: 128,
    });
    expect(await client.domain()).to.deep.equal(domain);
    expect(await client.validators()).to.deep.equal(
      validators.map((v, i) => ({ address: v.address, stake: STAKES[i] })),
    );
    expect(await client.totalStake()).to.equal(TOTAL_STAKE);
    expect(await client.validator(validators[0].address)).to.deep.equal({
      address: validators[0].address,
      stake: STAKES[0],
      withdrawableAt: 0n,
      status: "active",
    });
  });

  describe("stake, unbond, withdrawStake", function () {
    it("succeeds through the whole cycle, and names the contract's refusals", async function () {
      const { client, outsider } = await loadFixture(clientFixture);
      await expectRevertNamed(client.stake(outsider, 1n), "ValidatorStakeTooLow", [1n, CONFIG.minStake]);
      await client.stake(outsider, CONFIG.minStake);
      expect((await client.validator(outsider.address)).status).to.equal("active");
      await client.unbond(outsider);
      const { status, withdrawableAt } = await client.validator(outsider.address);
      expect(status).to.equal("unbonding");
      await expectRevertNamed(client.withdrawStake(outsider), "ValidatorUnbondingNotOver", [
        outsider.address,
        withdrawableAt,
      ]);
      await time.increaseTo(withdrawableAt);
      const before = await ethers.provider.getBalance(outsider);
      const receipt = await client.withdrawStake(outsider);
      expect(await ethers.provider.getBalance(outsider)).to.equal(
        before + CONFIG.minStake - receipt.gasUsed * receipt.gasPrice,
      );
      expect((await client.validator(outsider.address)).status).to.equal("none");
    });
  });

  describe("submitCheckpoint", function () {
    it("succeeds with the signatures packed for it, and returns the stake behind them", async function () {
      const { client, domain, a, b, c, outsider } = await loadFixture(clientFixture);
      const checkpoint = nextCheckpoint(0n, -1n, "0x" + "11".repeat(32));
      // unordered: the client packs them
      const signatures = await signAll([c, a, b], domain, checkpoint);
      const result = await client.submitCheckpoint(outsider, checkpoint, signatures);
      expect([result.signedStake, result.totalStake]).to.deep.equal([
        STAKES[0] + STAKES[1] + STAKES[2],
        TOTAL_STAKE,
      ]);
      expect(await client.checkpointCount()).to.equal(1n);
      expect(await client.nextStartBlock()).to.equal(checkpoint.endBlock + 1n);
      expect(await client.finalizedWithdrawalRoot(0)).to.equal(checkpoint.withdrawalRoot);
    });

    it("rejects with ContractRevertError SidechainQuorumNotReached when two thirds or less signed", async function () {
      const { client, domain, a, b, outsider } = await loadFixture(clientFixture);
      const checkpoint = nextCheckpoint(0n, -1n, "0x" + "11".repeat(32));
      await expectRevertNamed(
        client.submitCheckpoint(outsider, checkpoint, await signAll([a, b], domain, checkpoint)),
        "SidechainQuorumNotReached",
        [STAKES[0] + STAKES[1], TOTAL_STAKE],
      );
    });

    it("throws CheckpointInvalidError or QuorumError before sending anything", async function () {
      const { client, domain, a, b, c, outsider } = await loadFixture(clientFixture);
      const zeroRoot = nextCheckpoint(0n, -1n, ZeroHash);
      const backwards = { ...nextCheckpoint(0n, -1n, "0x" + "11".repeat(32)), endBlock: 0n, startBlock: 1n };
      for (const checkpoint of [zeroRoot, backwards]) {
        const signatures = await signAll([a, b, c], domain, checkpoint);
        await expectThrownBeforeSending(
          () => client.submitCheckpoint(outsider, checkpoint, signatures),
          CheckpointInvalidError,
          outsider.address,
        );
      }
      const checkpoint = nextCheckpoint(0n, -1n, "0x" + "11".repeat(32));
      const signA = await signCheckpoint(a, domain, checkpoint);
      await expectThrownBeforeSending(
        () => client.submitCheckpoint(outsider, checkpoint, [signA, signA]),
        QuorumError,
        outsider.address,
      );
    });
  });

  describe("slash", function () {
    it("succeeds on an equivocation, and throws EquivocationInvalidError before sending for different numbers", async function () {
      const { client, domain, a, outsider } = await loadFixture(clientFixture);
      const one = nextCheckpoint(0n, -1n, "0x" + "11".repeat(32));
      const other = nextCheckpoint(0n, -1n, "0x" + "22".repeat(32));
      const [sigOne] = await signAll([a], domain, one);
      const [sigOther] = await signAll([a], domain, other);
      const later = { ...other, number: 1n };
      const [sigLater] = await signAll([a], domain, later);
      await expectThrownBeforeSending(
        () =>
          client.slash(outsider, {
            a: one,
            signatureA: sigOne.signature,
            b: later,
            signatureB: sigLater.signature,
          }),
        EquivocationInvalidError,
        outsider.address,
      );
      await expectRevertNamed(
        client.slash(outsider, {
          a: one,
          signatureA: sigOne.signature,
          b: one,
          signatureB: sigOne.signature,
        }),
        "ValidatorSlashSameCheckpoint",
        [await client.checkpointDigest(one)],
      );
      const receipt = await client.slash(outsider, {
        a: one,
        signatureA: sigOne.signature,
        b: other,
        signatureB: sigOther.signature,
      });
      expect(client.eventIn(receipt, "ValidatorSlashed").args.validator).to.equal(a.address);
      expect((await client.validator(a.address)).status).to.equal("slashed");
      expect(await client.burnedStake()).to.equal(
        STAKES[0] - (STAKES[0] * BigInt(CONFIG.slashRewardBps)) / 10_000n,
      );
    });
  });
});
