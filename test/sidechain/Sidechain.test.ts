import { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { ZeroAddress, ZeroHash, concat, parseEther } from "ethers";
import type { Signer } from "ethers";
import { Sidechain__factory } from "../../typechain-types";
import type { Sidechain } from "../../typechain-types";
import type { Checkpoint } from "../../src/sidechain/checkpoint";
import { checkpointWithdrawalRoot, checkpointWithdrawalTree } from "../../src/sidechain/checkpoint";
import type { WithdrawalData } from "../../src/shared/types";
import { revertCheckerOf } from "../shared/reverts";
import {
  CONFIG,
  OTHER_ESCROW,
  SIDECHAIN_ESCROW,
  STAKES,
  TOTAL_STAKE,
  deployEmptySidechainFixture,
  deploySidechainFixture,
  nextCheckpoint,
  signAll,
  signPacked,
} from "./fixtures";

type Fixture = Awaited<ReturnType<typeof deploySidechainFixture>>;

/** Everything a refused call must leave as it was: the chain of checkpoints, the stakes, the ETH held. */
async function sidechainState(f: { sidechain: Sidechain }) {
  const { sidechain } = f;
  const [accounts, stakes] = await sidechain.validators();
  return [
    await sidechain.checkpointCount(),
    await sidechain.nextStartBlock(),
    await sidechain.totalStake(),
    await sidechain.burnedStake(),
    [...accounts],
    [...stakes],
    await ethers.provider.getBalance(sidechain),
  ];
}

const expectRevert = revertCheckerOf(
  sidechainState,
  (f: { sidechain: Sidechain }) => f.sidechain,
  "the sidechain",
);

/**
 * Property: the sidechain holds exactly the stake of its active and unbonding validators plus what was
 * burned, and its total stake is the active validators' stake.
 */
async function expectStakeBacked(sidechain: Sidechain, everyone: readonly Signer[]): Promise<void> {
  let bonded = 0n;
  let active = 0n;
  for (const s of everyone) {
    const v = await sidechain.validator(await s.getAddress());
    bonded += v.stake;
    if (v.status === 1n) active += v.stake;
  }
  expect(await ethers.provider.getBalance(sidechain)).to.equal(bonded + (await sidechain.burnedStake()));
  expect(await sidechain.totalStake()).to.equal(active);
}

/** The first checkpoint, listing `withdrawals`. */
async function firstCheckpoint(withdrawals: WithdrawalData[] = []): Promise<Checkpoint> {
  return nextCheckpoint(0n, -1n, await checkpointWithdrawalRoot(withdrawals));
}

const Status = { None: 0n, Active: 1n, Unbonding: 2n, Slashed: 3n } as const;

describe("Sidechain", function () {
  describe("constructor", function () {
    for (const [parameter, config, value] of [
      ["minStake", { ...CONFIG, minStake: 0n }, 0n],
      ["unbondingDelay", { ...CONFIG, unbondingDelay: 0 }, 0n],
      ["unbondingDelay", { ...CONFIG, unbondingDelay: 2 ** 40 }, 2n ** 40n],
      ["slashRewardBps", { ...CONFIG, slashRewardBps: 10_001 }, 10_001n],
    ] as const) {
      it(`reverts with ValidatorInvalidConfig when ${parameter} is ${value}`, async function () {
        const [owner] = await ethers.getSigners();
        const factory = new Sidechain__factory(owner);
        await expect(factory.deploy(config))
          .to.be.revertedWithCustomError(factory, "ValidatorInvalidConfig")
          .withArgs(parameter, value);
      });
    }

    it("succeeds with the local defaults, which it exposes", async function () {
      const { sidechain } = await loadFixture(deployEmptySidechainFixture);
      expect(await sidechain.MIN_STAKE()).to.equal(CONFIG.minStake);
      expect(await sidechain.UNBONDING_DELAY()).to.equal(CONFIG.unbondingDelay);
      expect(await sidechain.SLASH_REWARD_BPS()).to.equal(CONFIG.slashRewardBps);
      expect(await sidechain.MAX_VALIDATORS()).to.equal(128n);
      expect(await sidechain.checkpointCount()).to.equal(0n);
      expect(await sidechain.nextStartBlock()).to.equal(0n);
      expect(await sidechain.finalizedWithdrawalRoot(0)).to.equal(ZeroHash);
    });
  });

  describe("storage layout", function () {
    it("keeps the total stake, the checkpoint count and the next start block in one slot (one cold read per checkpoint)", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const checkpoint = await firstCheckpoint();
      await f.sidechain.submitCheckpoint(checkpoint, await signPacked([f.a, f.b, f.c], f.domain, checkpoint));
      // EIP712's two strings, ValidatorSet's mapping, array and burned stake, then the shared slot
      const word = BigInt(await ethers.provider.getStorage(f.sidechain, 5));
      const field = (offset: bigint, bits: bigint) => (word >> offset) & ((1n << bits) - 1n);
      expect(field(0n, 128n)).to.equal(TOTAL_STAKE);
      expect(field(128n, 64n)).to.equal(1n);
      expect(field(192n, 64n)).to.equal(checkpoint.endBlock + 1n);
    });
  });

  describe("stake", function () {
    it("succeeds when a new validator brings MIN_STAKE: it joins the active set", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const tx = await f.sidechain.connect(f.outsider).stake({ value: CONFIG.minStake });
      await expect(tx)
        .to.emit(f.sidechain, "ValidatorStaked")
        .withArgs(f.outsider.address, CONFIG.minStake, CONFIG.minStake);
      await expect(tx).to.changeEtherBalances([f.outsider, f.sidechain], [-CONFIG.minStake, CONFIG.minStake]);
      const v = await f.sidechain.validator(f.outsider.address);
      expect([v.stake, v.status, v.index]).to.deep.equal([CONFIG.minStake, Status.Active, 4n]);
      expect(await f.sidechain.totalStake()).to.equal(TOTAL_STAKE + CONFIG.minStake);
      const [accounts, stakes] = await f.sidechain.validators();
      expect(accounts).to.deep.equal([...f.validators, f.outsider].map((s) => s.address));
      expect(stakes).to.deep.equal([...STAKES, CONFIG.minStake]);
      await expectStakeBacked(f.sidechain, [...f.validators, f.outsider]);
    });

    it("succeeds when an active validator adds less than MIN_STAKE to its stake", async function () {
      const f = await loadFixture(deploySidechainFixture);
      await expect(f.sidechain.connect(f.c).stake({ value: 1n }))
        .to.emit(f.sidechain, "ValidatorStaked")
        .withArgs(f.c.address, 1n, STAKES[2] + 1n);
      expect(await f.sidechain.totalStake()).to.equal(TOTAL_STAKE + 1n);
      expect((await f.sidechain.validators())[0]).to.have.length(4);
    });

    it("reverts with ValidatorStakeTooLow when a new validator brings less than MIN_STAKE", async function () {
      const f = await loadFixture(deploySidechainFixture);
      await expectRevert(
        f,
        () => f.sidechain.connect(f.outsider).stake({ value: CONFIG.minStake - 1n }),
        "ValidatorStakeTooLow",
        [CONFIG.minStake - 1n, CONFIG.minStake],
      );
    });

    it("reverts with ValidatorZeroStake when nothing is sent", async function () {
      const f = await loadFixture(deploySidechainFixture);
      await expectRevert(f, () => f.sidechain.connect(f.a).stake(), "ValidatorZeroStake", []);
    });

    it("reverts with ValidatorUnbonding when the validator is unbonding", async function () {
      const f = await loadFixture(deploySidechainFixture);
      await f.sidechain.connect(f.a).unbond();
      await expectRevert(
        f,
        () => f.sidechain.connect(f.a).stake({ value: CONFIG.minStake }),
        "ValidatorUnbonding",
        [f.a.address],
      );
    });

    it("reverts with ValidatorSetFull when MAX_VALIDATORS are active", async function () {
      const f = await loadFixture(deploySidechainFixture);
      for (let i = 4; i < 128; i++) {
        const wallet = ethers.Wallet.createRandom(ethers.provider);
        await setBalance(wallet.address, parseEther("2"));
        await f.sidechain.connect(wallet).stake({ value: CONFIG.minStake });
      }
      expect((await f.sidechain.validators())[0]).to.have.length(128);
      await expectRevert(
        f,
        () => f.sidechain.connect(f.outsider).stake({ value: CONFIG.minStake }),
        "ValidatorSetFull",
        [128n],
      );
      // one leaves, one joins
      await f.sidechain.connect(f.a).unbond();
      await expect(f.sidechain.connect(f.outsider).stake({ value: CONFIG.minStake })).to.emit(
        f.sidechain,
        "ValidatorStaked",
      );
    });
  });

  describe("unbond", function () {
    it("succeeds when the validator is active: it leaves the set and the total stake at once", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const now = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(now);
      const withdrawableAt = now + CONFIG.unbondingDelay;
      await expect(f.sidechain.connect(f.a).unbond())
        .to.emit(f.sidechain, "ValidatorUnbonded")
        .withArgs(f.a.address, STAKES[0], withdrawableAt);
      const v = await f.sidechain.validator(f.a.address);
      expect([v.stake, v.status, v.withdrawableAt]).to.deep.equal([
        STAKES[0],
        Status.Unbonding,
        BigInt(withdrawableAt),
      ]);
      expect(await f.sidechain.totalStake()).to.equal(TOTAL_STAKE - STAKES[0]);
      // swap-remove: the last validator took A's place, and knows it
      const [accounts, stakes] = await f.sidechain.validators();
      expect(accounts).to.deep.equal([f.d.address, f.b.address, f.c.address]);
      expect(stakes).to.deep.equal([STAKES[3], STAKES[1], STAKES[2]]);
      expect((await f.sidechain.validator(f.d.address)).index).to.equal(0n);
      await expectStakeBacked(f.sidechain, f.validators);
    });

    it("reverts with ValidatorNotActive when the caller never staked", async function () {
      const f = await loadFixture(deploySidechainFixture);
      await expectRevert(f, () => f.sidechain.connect(f.outsider).unbond(), "ValidatorNotActive", [
        f.outsider.address,
      ]);
    });

    it("reverts with ValidatorNotActive when the validator is already unbonding", async function () {
      const f = await loadFixture(deploySidechainFixture);
      await f.sidechain.connect(f.a).unbond();
      await expectRevert(f, () => f.sidechain.connect(f.a).unbond(), "ValidatorNotActive", [f.a.address]);
    });
  });

  describe("withdrawStake", function () {
    it("reverts with ValidatorUnbondingNotOver until the delay has passed, then pays the stake back", async function () {
      const f = await loadFixture(deploySidechainFixture);
      await f.sidechain.connect(f.a).unbond();
      const { withdrawableAt } = await f.sidechain.validator(f.a.address);
      await time.setNextBlockTimestamp(withdrawableAt - 1n);
      await expectRevert(f, () => f.sidechain.connect(f.a).withdrawStake(), "ValidatorUnbondingNotOver", [
        f.a.address,
        withdrawableAt,
      ]);
      await time.setNextBlockTimestamp(withdrawableAt);
      const tx = await f.sidechain.connect(f.a).withdrawStake();
      await expect(tx).to.emit(f.sidechain, "StakeWithdrawn").withArgs(f.a.address, STAKES[0]);
      await expect(tx).to.changeEtherBalances([f.a, f.sidechain], [STAKES[0], -STAKES[0]]);
      const v = await f.sidechain.validator(f.a.address);
      expect([v.stake, v.status]).to.deep.equal([0n, Status.None]);
      await expectStakeBacked(f.sidechain, f.validators);
      // withdrawn: a validator like any new one
      await expect(f.sidechain.connect(f.a).stake({ value: CONFIG.minStake })).to.emit(
        f.sidechain,
        "ValidatorStaked",
      );
    });

    it("reverts with ValidatorNotUnbonding when the validator is active", async function () {
      const f = await loadFixture(deploySidechainFixture);
      await expectRevert(f, () => f.sidechain.connect(f.a).withdrawStake(), "ValidatorNotUnbonding", [
        f.a.address,
      ]);
    });

    it("reverts with ValidatorNotUnbonding when the stake was already withdrawn", async function () {
      const f = await loadFixture(deploySidechainFixture);
      await f.sidechain.connect(f.a).unbond();
      await time.increase(CONFIG.unbondingDelay);
      await f.sidechain.connect(f.a).withdrawStake();
      await expectRevert(f, () => f.sidechain.connect(f.a).withdrawStake(), "ValidatorNotUnbonding", [
        f.a.address,
      ]);
    });
  });

  describe("submitCheckpoint", function () {
    it("succeeds when more than two thirds of the stake signed: the root is final at once", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const checkpoint = await firstCheckpoint();
      const signatures = await signPacked([f.a, f.b, f.c], f.domain, checkpoint);
      await expect(f.sidechain.connect(f.outsider).submitCheckpoint(checkpoint, signatures))
        .to.emit(f.sidechain, "CheckpointSubmitted")
        .withArgs(
          0n,
          0n,
          checkpoint.endBlock,
          checkpoint.endBlockHash,
          checkpoint.withdrawalRoot,
          f.outsider.address,
          STAKES[0] + STAKES[1] + STAKES[2],
          TOTAL_STAKE,
        );
      expect(await f.sidechain.finalizedWithdrawalRoot(0)).to.equal(checkpoint.withdrawalRoot);
      expect(await f.sidechain.finalizedWithdrawalRoot(1)).to.equal(ZeroHash);
      expect(await f.sidechain.checkpointCount()).to.equal(1n);
      expect(await f.sidechain.nextStartBlock()).to.equal(checkpoint.endBlock + 1n);

      const second = nextCheckpoint(1n, checkpoint.endBlock, checkpoint.withdrawalRoot);
      await f.sidechain.submitCheckpoint(second, await signPacked([f.a, f.b, f.d], f.domain, second));
      expect(await f.sidechain.checkpointCount()).to.equal(2n);
      expect(await f.sidechain.nextStartBlock()).to.equal(second.endBlock + 1n);
    });

    it("reverts with SidechainQuorumNotReached when exactly two thirds signed, and succeeds one wei above", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const checkpoint = await firstCheckpoint();
      const signatures = await signPacked([f.a, f.b], f.domain, checkpoint);
      await expectRevert(
        f,
        () => f.sidechain.submitCheckpoint(checkpoint, signatures),
        "SidechainQuorumNotReached",
        [STAKES[0] + STAKES[1], TOTAL_STAKE],
      );
      await f.sidechain.connect(f.b).stake({ value: 1n }); // A + B now hold 2/3 of the stake plus a third of a wei
      await expect(f.sidechain.submitCheckpoint(checkpoint, signatures))
        .to.emit(f.sidechain, "CheckpointSubmitted")
        .withArgs(
          0n,
          0n,
          anyValue,
          anyValue,
          anyValue,
          anyValue,
          STAKES[0] + STAKES[1] + 1n,
          TOTAL_STAKE + 1n,
        );
    });

    it("reverts with SidechainQuorumNotReached when there is no validator at all", async function () {
      const f = await loadFixture(deployEmptySidechainFixture);
      const checkpoint = await firstCheckpoint();
      await expectRevert(
        f,
        () => f.sidechain.submitCheckpoint(checkpoint, "0x"),
        "SidechainQuorumNotReached",
        [0n, 0n],
      );
    });

    it("reverts with QuorumSignersNotAscending when the signers are out of order", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const checkpoint = await firstCheckpoint();
      const sorted = (await signAll([f.a, f.b, f.c], f.domain, checkpoint)).sort((x, y) =>
        BigInt(x.signer) < BigInt(y.signer) ? -1 : 1,
      );
      const descending = concat(sorted.map((s) => s.signature).reverse());
      await expectRevert(
        f,
        () => f.sidechain.submitCheckpoint(checkpoint, descending),
        "QuorumSignersNotAscending",
        [1n, sorted[1].signer],
      );
    });

    it("reverts with QuorumSignersNotAscending when one signature is sent twice", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const checkpoint = await firstCheckpoint();
      // A and B hold exactly two thirds: A's signature twice would make it more
      const [sa, sb] = await signAll([f.a, f.b], f.domain, checkpoint);
      const ordered = BigInt(sa.signer) < BigInt(sb.signer) ? [sa, sb] : [sb, sa];
      const twice = concat([ordered[0].signature, ordered[1].signature, ordered[1].signature]);
      await expectRevert(
        f,
        () => f.sidechain.submitCheckpoint(checkpoint, twice),
        "QuorumSignersNotAscending",
        [2n, ordered[1].signer],
      );
    });

    it("reverts with QuorumSignerWithoutStake when a non-validator signed", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const checkpoint = await firstCheckpoint();
      const signatures = await signPacked([f.a, f.b, f.c, f.outsider], f.domain, checkpoint);
      await expectRevert(
        f,
        () => f.sidechain.submitCheckpoint(checkpoint, signatures),
        "QuorumSignerWithoutStake",
        [anyValue, f.outsider.address],
      );
    });

    it("reverts with QuorumSignerWithoutStake when an unbonding validator signed: its stake no longer counts", async function () {
      const f = await loadFixture(deploySidechainFixture);
      await f.sidechain.connect(f.a).unbond(); // 4 ETH active: B and C (3 ETH) are a quorum without A
      const checkpoint = await firstCheckpoint();
      const signatures = await signPacked([f.a, f.b, f.c], f.domain, checkpoint);
      await expectRevert(
        f,
        () => f.sidechain.submitCheckpoint(checkpoint, signatures),
        "QuorumSignerWithoutStake",
        [anyValue, f.a.address],
      );
      await expect(
        f.sidechain.submitCheckpoint(checkpoint, await signPacked([f.b, f.c], f.domain, checkpoint)),
      ).to.emit(f.sidechain, "CheckpointSubmitted");
    });

    it("reverts with QuorumSignerWithoutStake when the signatures are for another Sidechain contract", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const checkpoint = await firstCheckpoint();
      const elsewhere = { ...f.domain, verifyingContract: await f.otherRollup.getAddress() };
      const signatures = await signPacked([f.a], elsewhere, checkpoint);
      // recovers to some address nobody staked with
      await expectRevert(
        f,
        () => f.sidechain.submitCheckpoint(checkpoint, signatures),
        "QuorumSignerWithoutStake",
        [0n, anyValue],
      );
    });

    it("reverts with QuorumSignaturesMalformed when the signatures are not 64 bytes each", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const checkpoint = await firstCheckpoint();
      const signatures = await signPacked([f.a, f.b, f.c], f.domain, checkpoint);
      await expectRevert(
        f,
        () => f.sidechain.submitCheckpoint(checkpoint, concat([signatures, "0x1b"])),
        "QuorumSignaturesMalformed",
        [3n * 64n + 1n],
      );
    });

    it("reverts with SidechainWrongNumber when the number is not checkpointCount()", async function () {
      const f = await loadFixture(deploySidechainFixture);
      for (const number of [1n, 5n]) {
        const checkpoint = { ...(await firstCheckpoint()), number };
        const signatures = await signPacked([f.a, f.b, f.c], f.domain, checkpoint);
        await expectRevert(
          f,
          () => f.sidechain.submitCheckpoint(checkpoint, signatures),
          "SidechainWrongNumber",
          [number, 0n],
        );
      }
      // the same checkpoint twice
      const checkpoint = await firstCheckpoint();
      const signatures = await signPacked([f.a, f.b, f.c], f.domain, checkpoint);
      await f.sidechain.submitCheckpoint(checkpoint, signatures);
      await expectRevert(
        f,
        () => f.sidechain.submitCheckpoint(checkpoint, signatures),
        "SidechainWrongNumber",
        [0n, 1n],
      );
    });

    it("reverts with SidechainWrongStartBlock when the range does not start after the last one", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const first = await firstCheckpoint();
      await f.sidechain.submitCheckpoint(first, await signPacked([f.a, f.b, f.c], f.domain, first));
      for (const startBlock of [first.endBlock, first.endBlock + 2n]) {
        const checkpoint = { ...nextCheckpoint(1n, first.endBlock, first.withdrawalRoot), startBlock };
        const signatures = await signPacked([f.a, f.b, f.c], f.domain, checkpoint);
        await expectRevert(
          f,
          () => f.sidechain.submitCheckpoint(checkpoint, signatures),
          "SidechainWrongStartBlock",
          [startBlock, first.endBlock + 1n],
        );
      }
    });

    it("reverts with SidechainInvalidBlockRange when the range ends before it starts, or at the last uint64", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const first = await firstCheckpoint();
      await f.sidechain.submitCheckpoint(first, await signPacked([f.a, f.b, f.c], f.domain, first));
      for (const endBlock of [first.endBlock, 2n ** 64n - 1n]) {
        const checkpoint = { ...nextCheckpoint(1n, first.endBlock, first.withdrawalRoot), endBlock };
        const signatures = await signPacked([f.a, f.b, f.c], f.domain, checkpoint);
        await expectRevert(
          f,
          () => f.sidechain.submitCheckpoint(checkpoint, signatures),
          "SidechainInvalidBlockRange",
          [first.endBlock + 1n, endBlock],
        );
      }
      // one block is a range
      const single = {
        ...nextCheckpoint(1n, first.endBlock, first.withdrawalRoot),
        endBlock: first.endBlock + 1n,
      };
      await f.sidechain.submitCheckpoint(single, await signPacked([f.a, f.b, f.c], f.domain, single));
      expect(await f.sidechain.nextStartBlock()).to.equal(first.endBlock + 2n);
    });

    it("reverts with SidechainZeroWithdrawalRoot when the withdrawal root is zero", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const checkpoint = nextCheckpoint(0n, -1n, ZeroHash);
      const signatures = await signPacked([f.a, f.b, f.c], f.domain, checkpoint);
      await expectRevert(
        f,
        () => f.sidechain.submitCheckpoint(checkpoint, signatures),
        "SidechainZeroWithdrawalRoot",
        [],
      );
    });
  });

  describe("slash", function () {
    /** Two different checkpoints numbered 0, and `signer`'s signatures of each. */
    async function equivocation(f: Fixture, signer: Signer) {
      const honest = await firstCheckpoint();
      const forged = await firstCheckpoint([{ recipient: f.attacker.address, tokenId: 0, amount: 1n }]);
      const [sigHonest] = await signAll([signer], f.domain, honest);
      const [sigForged] = await signAll([signer], f.domain, forged);
      return { honest, forged, sigHonest: sigHonest.signature, sigForged: sigForged.signature };
    }

    it("reverts with ValidatorSlashNumbersDiffer when the checkpoints have different numbers", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const a = await firstCheckpoint();
      const b = { ...a, number: 1n };
      const [sigA, sigB] = [(await signAll([f.a], f.domain, a))[0], (await signAll([f.a], f.domain, b))[0]];
      await expectRevert(
        f,
        () => f.sidechain.connect(f.outsider).slash(a, sigA.signature, b, sigB.signature),
        "ValidatorSlashNumbersDiffer",
        [0n, 1n],
      );
    });

    it("reverts with ValidatorSlashSameCheckpoint when both signatures are on one checkpoint", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const { honest, sigHonest } = await equivocation(f, f.a);
      await expectRevert(
        f,
        () => f.sidechain.connect(f.outsider).slash(honest, sigHonest, honest, sigHonest),
        "ValidatorSlashSameCheckpoint",
        [await f.sidechain.checkpointDigest(honest)],
      );
    });

    it("reverts with ValidatorSlashSignersDiffer when two validators signed one checkpoint each", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const { honest, sigHonest } = await equivocation(f, f.a);
      const { forged, sigForged } = await equivocation(f, f.b);
      await expectRevert(
        f,
        () => f.sidechain.connect(f.outsider).slash(honest, sigHonest, forged, sigForged),
        "ValidatorSlashSignersDiffer",
        [f.a.address, f.b.address],
      );
    });

    it("reverts with ValidatorSlashSignatureInvalid when a signature is not 64 bytes", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const { honest, forged, sigHonest, sigForged } = await equivocation(f, f.a);
      await expectRevert(
        f,
        () => f.sidechain.slash(honest, sigHonest, forged, concat([sigForged, "0x1b"])),
        "ValidatorSlashSignatureInvalid",
        [1n],
      );
      await expectRevert(
        f,
        () => f.sidechain.slash(honest, "0x" + "00".repeat(64), forged, sigForged),
        "ValidatorSlashSignatureInvalid",
        [0n],
      );
    });

    it("reverts with ValidatorNothingToSlash when the signer never staked", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const { honest, forged, sigHonest, sigForged } = await equivocation(f, f.outsider);
      await expectRevert(
        f,
        () => f.sidechain.slash(honest, sigHonest, forged, sigForged),
        "ValidatorNothingToSlash",
        [f.outsider.address],
      );
    });
  });

  describe("attacks", function () {
    it("a coalition with more than two thirds of the stake gets a forged withdrawal paid out of the sidechain's escrow, and nothing out of another rollup's (the trust assumption)", async function () {
      const f = await loadFixture(deploySidechainFixture);
      // A, B and C (5 of 6 ETH) list a withdrawal to the attacker that no one ever burned on the sidechain
      const stolen = parseEther("4");
      const forged: WithdrawalData[] = [
        { recipient: f.attacker.address, tokenId: 0, amount: stolen },
        { recipient: f.attacker.address, tokenId: 0, amount: OTHER_ESCROW },
      ];
      const tree = await checkpointWithdrawalTree(forged);
      const checkpoint = nextCheckpoint(0n, -1n, tree.root);
      await f.sidechain.submitCheckpoint(checkpoint, await signPacked([f.a, f.b, f.c], f.domain, checkpoint));

      const sidechain = await f.sidechain.getAddress();
      const pay = (rollup: string, leaf: number) =>
        f.bridge.finalizeWithdrawal(rollup, 0, forged[leaf], leaf, tree.proof(leaf).siblings);
      await expect(pay(sidechain, 0)).to.changeEtherBalances([f.attacker, f.bridge], [stolen, -stolen]);
      expect((await f.bridge.asset(sidechain, ZeroAddress)).escrowed).to.equal(SIDECHAIN_ESCROW - stolen);

      // the bridge pays a sidechain withdrawal out of the sidechain's escrow alone
      await expect(pay(sidechain, 1))
        .to.be.revertedWithCustomError(f.bridge, "BridgeInsufficientEscrow")
        .withArgs(sidechain, 0, SIDECHAIN_ESCROW - stolen, OTHER_ESCROW);
      // and the sidechain's checkpoint is no batch of another rollup
      const other = await f.otherRollup.getAddress();
      await expect(pay(other, 1))
        .to.be.revertedWithCustomError(f.bridge, "BridgeBatchNotFinal")
        .withArgs(other, 0);
      await f.otherRollup.setBatch(0, ZeroHash.replace(/0$/, "1"), true); // some unrelated final batch
      await expect(pay(other, 1))
        .to.be.revertedWithCustomError(f.bridge, "BridgeInvalidWithdrawalProof")
        .withArgs(other, 0, 1);
      expect((await f.bridge.asset(other, ZeroAddress)).escrowed).to.equal(OTHER_ESCROW);
      expect(await ethers.provider.getBalance(f.bridge)).to.equal(SIDECHAIN_ESCROW - stolen + OTHER_ESCROW);
    });

    it("a coalition with exactly two thirds of the stake, or less, cannot get a forged withdrawal accepted", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const forged: WithdrawalData[] = [
        { recipient: f.attacker.address, tokenId: 0, amount: SIDECHAIN_ESCROW },
      ];
      const tree = await checkpointWithdrawalTree(forged);
      const checkpoint = nextCheckpoint(0n, -1n, tree.root);
      for (const coalition of [
        [f.a, f.b],
        [f.a, f.c, f.d],
        [f.b, f.c],
      ]) {
        const signatures = await signPacked(coalition, f.domain, checkpoint);
        await expect(f.sidechain.submitCheckpoint(checkpoint, signatures)).to.be.revertedWithCustomError(
          f.sidechain,
          "SidechainQuorumNotReached",
        );
      }
      // nor pass a validator's signature off as a second one
      const [sa] = await signAll([f.a], f.domain, checkpoint);
      const [sb] = await signAll([f.b], f.domain, checkpoint);
      const low = BigInt(sa.signer) < BigInt(sb.signer) ? sa : sb;
      const high = low === sa ? sb : sa;
      await expect(
        f.sidechain.submitCheckpoint(checkpoint, concat([low.signature, high.signature, high.signature])),
      ).to.be.revertedWithCustomError(f.sidechain, "QuorumSignersNotAscending");

      await expect(f.bridge.finalizeWithdrawal(f.sidechain, 0, forged[0], 0, tree.proof(0).siblings))
        .to.be.revertedWithCustomError(f.bridge, "BridgeBatchNotFinal")
        .withArgs(await f.sidechain.getAddress(), 0);
      expect((await f.bridge.asset(f.sidechain, ZeroAddress)).escrowed).to.equal(SIDECHAIN_ESCROW);
    });

    it("an equivocating validator is slashed by a third party: reward paid, the rest burned, out of the set for good", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const honest = await firstCheckpoint();
      const forged = await firstCheckpoint([
        { recipient: f.a.address, tokenId: 0, amount: SIDECHAIN_ESCROW },
      ]);
      const [sigHonest] = await signAll([f.a], f.domain, honest);
      const [sigForged] = await signAll([f.a], f.domain, forged);
      // the honest checkpoint goes through; A's signature on the other one is the evidence
      await f.sidechain.submitCheckpoint(honest, await signPacked([f.a, f.b, f.c], f.domain, honest));

      const reward = (STAKES[0] * BigInt(CONFIG.slashRewardBps)) / 10_000n;
      const burned = STAKES[0] - reward;
      const tx = await f.sidechain
        .connect(f.outsider)
        .slash(honest, sigHonest.signature, forged, sigForged.signature);
      await expect(tx)
        .to.emit(f.sidechain, "ValidatorSlashed")
        .withArgs(f.a.address, f.outsider.address, 0n, reward, burned);
      await expect(tx).to.changeEtherBalances([f.outsider, f.sidechain, f.a], [reward, -reward, 0n]);
      const v = await f.sidechain.validator(f.a.address);
      expect([v.stake, v.status]).to.deep.equal([0n, Status.Slashed]);
      expect(await f.sidechain.burnedStake()).to.equal(burned);
      expect(await f.sidechain.totalStake()).to.equal(TOTAL_STAKE - STAKES[0]);
      expect((await f.sidechain.validators())[0]).to.not.include(f.a.address);
      await expectStakeBacked(f.sidechain, f.validators);

      // twice for one offence: nothing left
      await expectRevert(
        f,
        () => f.sidechain.connect(f.outsider).slash(forged, sigForged.signature, honest, sigHonest.signature),
        "ValidatorNothingToSlash",
        [f.a.address],
      );
      // nothing to withdraw, no way back in, no way to move what was burned
      await time.increase(CONFIG.unbondingDelay);
      await expectRevert(f, () => f.sidechain.connect(f.a).withdrawStake(), "ValidatorNotUnbonding", [
        f.a.address,
      ]);
      await expectRevert(f, () => f.sidechain.connect(f.a).unbond(), "ValidatorNotActive", [f.a.address]);
      await expectRevert(
        f,
        () => f.sidechain.connect(f.a).stake({ value: CONFIG.minStake }),
        "ValidatorWasSlashed",
        [f.a.address],
      );
      // its signature counts for nothing any more
      const next = nextCheckpoint(1n, honest.endBlock, honest.withdrawalRoot);
      await expect(f.sidechain.submitCheckpoint(next, await signPacked([f.a, f.b, f.c], f.domain, next)))
        .to.be.revertedWithCustomError(f.sidechain, "QuorumSignerWithoutStake")
        .withArgs(anyValue, f.a.address);
    });

    it("an equivocating validator is still slashed while unbonding, and not once it has withdrawn", async function () {
      const f = await loadFixture(deploySidechainFixture);
      const honest = await firstCheckpoint();
      const forged = await firstCheckpoint([{ recipient: f.b.address, tokenId: 0, amount: 1n }]);
      const [bHonest] = await signAll([f.b], f.domain, honest);
      const [bForged] = await signAll([f.b], f.domain, forged);
      const [cHonest] = await signAll([f.c], f.domain, honest);
      const [cForged] = await signAll([f.c], f.domain, forged);

      // B unbonds, hoping to leave before anyone notices
      await f.sidechain.connect(f.b).unbond();
      await time.increase(CONFIG.unbondingDelay - 5);
      const reward = (STAKES[1] * BigInt(CONFIG.slashRewardBps)) / 10_000n;
      await expect(
        f.sidechain.connect(f.outsider).slash(honest, bHonest.signature, forged, bForged.signature),
      )
        .to.emit(f.sidechain, "ValidatorSlashed")
        .withArgs(f.b.address, f.outsider.address, 0n, reward, STAKES[1] - reward);
      // its stake had already left the total
      expect(await f.sidechain.totalStake()).to.equal(TOTAL_STAKE - STAKES[1]);
      await time.increase(10);
      await expectRevert(f, () => f.sidechain.connect(f.b).withdrawStake(), "ValidatorNotUnbonding", [
        f.b.address,
      ]);

      // C unbonds and withdraws in time: nothing at stake any more
      await f.sidechain.connect(f.c).unbond();
      await time.increase(CONFIG.unbondingDelay);
      await f.sidechain.connect(f.c).withdrawStake();
      await expectRevert(
        f,
        () => f.sidechain.connect(f.outsider).slash(honest, cHonest.signature, forged, cForged.signature),
        "ValidatorNothingToSlash",
        [f.c.address],
      );
      await expectStakeBacked(f.sidechain, f.validators);
    });
  });
});
