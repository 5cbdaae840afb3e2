import { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet, ZeroAddress, ZeroHash, concat, toBeHex } from "ethers";
import type { TypedDataDomain } from "ethers";
import type { ChildBridge } from "../../typechain-types";
import { EMPTY_QUEUE_HEAD } from "../../src/shared/deposit";
import type { DepositData } from "../../src/shared/types";
import { childTokenAddress } from "../../src/sidechain/child-bridge";
import type { StateSync, ValidatorSetSync } from "../../src/sidechain/state-sync";
import { childBridgeDomain, signStateSync } from "../../src/sidechain/state-sync";
import {
  EXACTLY_TWO_THIRDS,
  FIRST_SET,
  JUST_ABOVE,
  NEXT_SET,
  TOTAL_STAKE,
  big1,
  big2,
  childTokenOf,
  depositFor,
  deployChildBridgeFixture,
  fresh1,
  fresh2,
  mid,
  signSet,
  signSync,
  syncAfter,
  tiny,
  validatorWallet,
} from "./child-fixtures";

const ETH_ID = 0;
const TOKEN_ID = 3;

/** Everything a refused call must leave as it was. */
async function mirrorState(bridge: ChildBridge) {
  return Promise.all([
    bridge.syncedCount(),
    bridge.syncedHead(),
    bridge.validatorSetNonce(),
    bridge.totalStake(),
    bridge.burnCount(),
    bridge.childToken(ETH_ID),
    bridge.childToken(TOKEN_ID),
  ]);
}

/** Signatures of `wallets` on `sync` concatenated in the order given (not sorted, duplicates kept). */
async function rawSignatures(domain: TypedDataDomain, sync: StateSync, wallets: readonly Wallet[]) {
  return concat(
    await Promise.all(wallets.map(async (w) => (await signStateSync(w, domain, sync)).signature)),
  );
}

/** Where `wallet` falls among `wallets` once sorted by address. */
function positionOf(wallet: Wallet, wallets: readonly Wallet[]): number {
  return [...wallets]
    .map((w) => BigInt(w.address))
    .sort((a, b) => (a < b ? -1 : 1))
    .indexOf(BigInt(wallet.address));
}

/** The fixture after a first sync: Alice got 5 ETH-children and Bob 700 of token 3 (deposits 0 and 1). */
async function syncedFixture() {
  const f = await deployChildBridgeFixture();
  const deposits = [depositFor(f.alice.address, ETH_ID, 5n), depositFor(f.bob.address, TOKEN_ID, 700n)];
  const sync = syncAfter(0n, EMPTY_QUEUE_HEAD, deposits);
  await f.bridge.syncDeposits(sync, deposits, await signSync(f.domain, sync, JUST_ABOVE));
  return { ...f, deposits, sync };
}

describe("ChildBridge", function () {
  describe("constructor", function () {
    it("succeeds with the set's stakes, their total and nonce 0", async function () {
      const { bridge } = await loadFixture(deployChildBridgeFixture);
      for (let i = 0; i < FIRST_SET.validators.length; i++) {
        expect(await bridge.stakeOf(FIRST_SET.validators[i])).to.equal(FIRST_SET.stakes[i]);
      }
      expect(await bridge.stakeOf(fresh1.address)).to.equal(0n);
      expect(await bridge.totalStake()).to.equal(TOTAL_STAKE);
      expect(await bridge.validatorSetNonce()).to.equal(0n);
      expect(await bridge.syncedCount()).to.equal(0n);
      expect(await bridge.syncedHead()).to.equal(ZeroHash);
      await expect(bridge.deploymentTransaction())
        .to.emit(bridge, "ValidatorSetSynced")
        .withArgs(0n, 4n, TOTAL_STAKE);
    });

    it("succeeds with MAX_VALIDATORS validators", async function () {
      const validators = Array.from({ length: 128 }, (_, i) => toBeHex(i + 1, 20));
      const bridge = await ethers.deployContract("ChildBridge", [validators, validators.map(() => 2n)]);
      expect(await bridge.totalStake()).to.equal(256n);
      expect(await bridge.stakeOf(toBeHex(128, 20))).to.equal(2n);
    });

    it("reverts with ChildBridgeNoValidators when the set is empty", async function () {
      const factory = await ethers.getContractFactory("ChildBridge");
      await expect(factory.deploy([], [])).to.be.revertedWithCustomError(factory, "ChildBridgeNoValidators");
    });

    it("reverts with ChildBridgeTooManyValidators when the set holds more than 128", async function () {
      const factory = await ethers.getContractFactory("ChildBridge");
      const validators = Array.from({ length: 129 }, (_, i) => toBeHex(i + 1, 20));
      await expect(
        factory.deploy(
          validators,
          validators.map(() => 1n),
        ),
      )
        .to.be.revertedWithCustomError(factory, "ChildBridgeTooManyValidators")
        .withArgs(129n, 128n);
    });

    it("reverts with ChildBridgeValidatorSetLengthMismatch when stakes and validators differ in number", async function () {
      const factory = await ethers.getContractFactory("ChildBridge");
      await expect(factory.deploy(FIRST_SET.validators, FIRST_SET.stakes.slice(1)))
        .to.be.revertedWithCustomError(factory, "ChildBridgeValidatorSetLengthMismatch")
        .withArgs(4n, 3n);
    });

    it("reverts with ChildBridgeValidatorsNotAscending when the set is unordered, repeats one or holds address zero", async function () {
      const factory = await ethers.getContractFactory("ChildBridge");
      const [a, b] = FIRST_SET.validators;
      await expect(factory.deploy([b, a], [1n, 1n]))
        .to.be.revertedWithCustomError(factory, "ChildBridgeValidatorsNotAscending")
        .withArgs(1n, a);
      await expect(factory.deploy([a, a], [1n, 1n]))
        .to.be.revertedWithCustomError(factory, "ChildBridgeValidatorsNotAscending")
        .withArgs(1n, a);
      await expect(factory.deploy([ZeroAddress, a], [1n, 1n]))
        .to.be.revertedWithCustomError(factory, "ChildBridgeValidatorsNotAscending")
        .withArgs(0n, ZeroAddress);
    });

    it("reverts with ChildBridgeValidatorWithoutStake when a stake is zero", async function () {
      const factory = await ethers.getContractFactory("ChildBridge");
      await expect(factory.deploy(FIRST_SET.validators, [1n, 1n, 0n, 1n]))
        .to.be.revertedWithCustomError(factory, "ChildBridgeValidatorWithoutStake")
        .withArgs(2n, FIRST_SET.validators[2]);
    });
  });

  describe("syncDeposits", function () {
    it("succeeds and mints each deposit's amount of its child token to its owner", async function () {
      const { bridge, domain, alice, bob } = await loadFixture(deployChildBridgeFixture);
      const deposits = [
        depositFor(alice.address, ETH_ID, 5n),
        depositFor(bob.address, TOKEN_ID, 700n),
        depositFor(alice.address, ETH_ID, 2n),
      ];
      const sync = syncAfter(0n, EMPTY_QUEUE_HEAD, deposits);
      const tx = bridge.syncDeposits(sync, deposits, await signSync(domain, sync, JUST_ABOVE));

      await expect(tx).to.emit(bridge, "DepositsSynced").withArgs(0n, 3n, sync.head);
      await expect(tx).to.emit(bridge, "DepositMinted").withArgs(0n, alice.address, ETH_ID, 5n);
      await expect(tx).to.emit(bridge, "DepositMinted").withArgs(1n, bob.address, TOKEN_ID, 700n);
      await expect(tx).to.emit(bridge, "DepositMinted").withArgs(2n, alice.address, ETH_ID, 2n);
      await expect(tx)
        .to.emit(bridge, "ChildTokenCreated")
        .withArgs(ETH_ID, await bridge.childToken(ETH_ID));
      expect(await bridge.syncedCount()).to.equal(3n);
      expect(await bridge.syncedHead()).to.equal(sync.head);
      const eth = await childTokenOf(bridge, ETH_ID);
      const token = await childTokenOf(bridge, TOKEN_ID);
      expect(await eth.balanceOf(alice.address)).to.equal(7n);
      expect(await eth.balanceOf(bob.address)).to.equal(0n);
      expect(await token.balanceOf(bob.address)).to.equal(700n);
      expect(await eth.totalSupply()).to.equal(7n);
    });

    it("succeeds when a second sync continues from the stored count and head", async function () {
      const { bridge, domain, alice, bob, sync: first } = await loadFixture(syncedFixture);
      const deposits = [depositFor(bob.address, ETH_ID, 3n), depositFor(alice.address, TOKEN_ID, 1n)];
      const sync = syncAfter(first.count, first.head, deposits);
      await expect(bridge.syncDeposits(sync, deposits, await signSync(domain, sync, JUST_ABOVE)))
        .to.emit(bridge, "DepositsSynced")
        .withArgs(2n, 4n, sync.head)
        .and.to.emit(bridge, "DepositMinted")
        .withArgs(2n, bob.address, ETH_ID, 3n)
        .and.not.to.emit(bridge, "ChildTokenCreated");
      expect(await bridge.syncedCount()).to.equal(4n);
      expect(await bridge.syncedHead()).to.equal(sync.head);
      expect(await (await childTokenOf(bridge, ETH_ID)).balanceOf(bob.address)).to.equal(3n);
      expect(await (await childTokenOf(bridge, TOKEN_ID)).balanceOf(alice.address)).to.equal(1n);
    });

    it("reverts with ChildBridgeNoDeposits when no deposit is shown", async function () {
      const { bridge, domain } = await loadFixture(deployChildBridgeFixture);
      const sync = { count: 0n, head: EMPTY_QUEUE_HEAD };
      await expect(
        bridge.syncDeposits(sync, [], await signSync(domain, sync, JUST_ABOVE)),
      ).to.be.revertedWithCustomError(bridge, "ChildBridgeNoDeposits");
    });

    it("reverts with ChildBridgeSyncHeadMismatch when the deposits do not fold to the signed head", async function () {
      const { bridge, domain, alice } = await loadFixture(deployChildBridgeFixture);
      const deposits = [depositFor(alice.address, ETH_ID, 5n)];
      const sync = syncAfter(0n, EMPTY_QUEUE_HEAD, deposits);
      const inflated: DepositData[] = [{ ...deposits[0], amount: 5000n }];
      const before = await mirrorState(bridge);
      await expect(bridge.syncDeposits(sync, inflated, await signSync(domain, sync, JUST_ABOVE)))
        .to.be.revertedWithCustomError(bridge, "ChildBridgeSyncHeadMismatch")
        .withArgs(sync.head, syncAfter(0n, EMPTY_QUEUE_HEAD, inflated).head);
      expect(await mirrorState(bridge)).to.deep.equal(before);
    });

    it("reverts when a sync skips a deposit", async function () {
      const { bridge, domain, alice, bob } = await loadFixture(deployChildBridgeFixture);
      const queue = [
        depositFor(alice.address, ETH_ID, 5n),
        depositFor(bob.address, ETH_ID, 6n),
        depositFor(bob.address, ETH_ID, 7n),
      ];
      // The true head after three, with deposit 0 left out: two shown where three are signed.
      const all = syncAfter(0n, EMPTY_QUEUE_HEAD, queue);
      await expect(bridge.syncDeposits(all, queue.slice(1), await signSync(domain, all, JUST_ABOVE)))
        .to.be.revertedWithCustomError(bridge, "ChildBridgeSyncCountMismatch")
        .withArgs(3n, 2n);
      // The true head after two, with deposit 0 left out and deposit 2 in its place.
      const two = syncAfter(0n, EMPTY_QUEUE_HEAD, queue.slice(0, 2));
      await expect(
        bridge.syncDeposits(two, queue.slice(1), await signSync(domain, two, JUST_ABOVE)),
      ).to.be.revertedWithCustomError(bridge, "ChildBridgeSyncHeadMismatch");
      expect(await bridge.syncedCount()).to.equal(0n);
    });

    it("reverts with ChildBridgeSyncCountMismatch when an old range is replayed", async function () {
      const { bridge, domain, deposits, sync } = await loadFixture(syncedFixture);
      await expect(bridge.syncDeposits(sync, deposits, await signSync(domain, sync, JUST_ABOVE)))
        .to.be.revertedWithCustomError(bridge, "ChildBridgeSyncCountMismatch")
        .withArgs(2n, 4n);
      // The same deposits again from the start: they fold to the old head, not from the stored one.
      const again = { count: 4n, head: sync.head };
      await expect(
        bridge.syncDeposits(again, deposits, await signSync(domain, again, JUST_ABOVE)),
      ).to.be.revertedWithCustomError(bridge, "ChildBridgeSyncHeadMismatch");
    });

    it("reverts with ChildBridgeQuorumNotReached when the signers hold exactly 2/3 of the stake", async function () {
      const { bridge, domain, alice } = await loadFixture(deployChildBridgeFixture);
      const deposits = [depositFor(alice.address, ETH_ID, 5n)];
      const sync = syncAfter(0n, EMPTY_QUEUE_HEAD, deposits);
      const before = await mirrorState(bridge);
      await expect(bridge.syncDeposits(sync, deposits, await signSync(domain, sync, EXACTLY_TWO_THIRDS)))
        .to.be.revertedWithCustomError(bridge, "ChildBridgeQuorumNotReached")
        .withArgs(200n, TOTAL_STAKE);
      expect(await mirrorState(bridge)).to.deep.equal(before);
    });

    it("succeeds when the signers hold just above 2/3 of the stake (201 of 300)", async function () {
      const { bridge, domain, alice } = await loadFixture(deployChildBridgeFixture);
      const deposits = [depositFor(alice.address, ETH_ID, 5n)];
      const sync = syncAfter(0n, EMPTY_QUEUE_HEAD, deposits);
      await bridge.syncDeposits(sync, deposits, await signSync(domain, sync, JUST_ABOVE));
      expect(await (await childTokenOf(bridge, ETH_ID)).balanceOf(alice.address)).to.equal(5n);
    });

    it("reverts with QuorumSignersNotAscending when the signatures are unordered or one is repeated", async function () {
      const { bridge, domain, alice } = await loadFixture(deployChildBridgeFixture);
      const deposits = [depositFor(alice.address, ETH_ID, 5n)];
      const sync = syncAfter(0n, EMPTY_QUEUE_HEAD, deposits);
      const descending = [...JUST_ABOVE].sort((a, b) => (BigInt(a.address) > BigInt(b.address) ? -1 : 1));
      await expect(bridge.syncDeposits(sync, deposits, await rawSignatures(domain, sync, descending)))
        .to.be.revertedWithCustomError(bridge, "QuorumSignersNotAscending")
        .withArgs(1n, descending[1].address);
      // big1 and big2 (exactly 2/3) with big1's signature twice would be 300 if it counted twice.
      const repeated = [big1, big1, big2].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
      const twice = repeated[0] === repeated[1] ? 1 : 2;
      await expect(bridge.syncDeposits(sync, deposits, await rawSignatures(domain, sync, repeated)))
        .to.be.revertedWithCustomError(bridge, "QuorumSignersNotAscending")
        .withArgs(twice, big1.address);
      expect(await bridge.syncedCount()).to.equal(0n);
    });

    it("reverts with QuorumSignerWithoutStake when a non-validator signs", async function () {
      const { bridge, domain, alice } = await loadFixture(deployChildBridgeFixture);
      const deposits = [depositFor(alice.address, ETH_ID, 5n)];
      const sync = syncAfter(0n, EMPTY_QUEUE_HEAD, deposits);
      const stranger = validatorWallet("stranger");
      const signers = [...JUST_ABOVE, stranger];
      await expect(bridge.syncDeposits(sync, deposits, await signSync(domain, sync, signers)))
        .to.be.revertedWithCustomError(bridge, "QuorumSignerWithoutStake")
        .withArgs(positionOf(stranger, signers), stranger.address);
    });

    it("reverts with QuorumSignerWithoutStake when the signatures were made for another ChildBridge", async function () {
      const { bridge, alice } = await loadFixture(deployChildBridgeFixture);
      const deposits = [depositFor(alice.address, ETH_ID, 5n)];
      const sync = syncAfter(0n, EMPTY_QUEUE_HEAD, deposits);
      const { chainId } = await ethers.provider.getNetwork();
      const elsewhere = childBridgeDomain(chainId, "0x" + "42".repeat(20));
      // Each recovers, in this bridge's domain, to some address that holds no stake.
      await expect(
        bridge.syncDeposits(sync, deposits, await signSync(elsewhere, sync, JUST_ABOVE)),
      ).to.be.revertedWithCustomError(bridge, "QuorumSignerWithoutStake");
    });

    it("reverts with QuorumSignaturesMalformed when the signatures are not 64 bytes each", async function () {
      const { bridge, domain, alice } = await loadFixture(deployChildBridgeFixture);
      const deposits = [depositFor(alice.address, ETH_ID, 5n)];
      const sync = syncAfter(0n, EMPTY_QUEUE_HEAD, deposits);
      const signatures = concat([await signSync(domain, sync, JUST_ABOVE), "0x00"]);
      await expect(bridge.syncDeposits(sync, deposits, signatures))
        .to.be.revertedWithCustomError(bridge, "QuorumSignaturesMalformed")
        .withArgs(193n);
    });
  });

  describe("the trust assumption", function () {
    it("succeeds in minting a forged deposit when more than 2/3 of the stake signs it", async function () {
      // The coalition signs a head of its choosing over a deposit Layer 1 never saw: the bridge cannot
      // tell, and mints. This is what a sidechain's users trust its validators not to do.
      const { bridge, domain, carol } = await loadFixture(deployChildBridgeFixture);
      const forged = [depositFor(carol.address, ETH_ID, 10n ** 24n)];
      const sync = syncAfter(0n, EMPTY_QUEUE_HEAD, forged);
      await bridge.syncDeposits(sync, forged, await signSync(domain, sync, JUST_ABOVE));
      expect(await (await childTokenOf(bridge, ETH_ID)).balanceOf(carol.address)).to.equal(10n ** 24n);
    });

    it("reverts with ChildBridgeQuorumNotReached when a coalition of 2/3 or less signs a forged deposit", async function () {
      const { bridge, domain, carol } = await loadFixture(deployChildBridgeFixture);
      const forged = [depositFor(carol.address, ETH_ID, 10n ** 24n)];
      const sync = syncAfter(0n, EMPTY_QUEUE_HEAD, forged);
      for (const [coalition, signed] of [
        [EXACTLY_TWO_THIRDS, 200n],
        [[big1, mid, tiny], 200n],
        [[big2, mid], 199n],
      ] as const) {
        await expect(bridge.syncDeposits(sync, forged, await signSync(domain, sync, coalition)))
          .to.be.revertedWithCustomError(bridge, "ChildBridgeQuorumNotReached")
          .withArgs(signed, TOTAL_STAKE);
      }
      expect(await bridge.childToken(ETH_ID)).to.equal(ZeroAddress);
      expect(await bridge.syncedCount()).to.equal(0n);
    });
  });

  describe("syncValidators", function () {
    const NEXT: ValidatorSetSync = { nonce: 0n, validators: NEXT_SET.validators, stakes: NEXT_SET.stakes };

    it("succeeds and the new set's stakes replace the old ones", async function () {
      const { bridge, domain } = await loadFixture(deployChildBridgeFixture);
      await expect(bridge.syncValidators(NEXT, await signSet(domain, NEXT, JUST_ABOVE)))
        .to.emit(bridge, "ValidatorSetSynced")
        .withArgs(1n, 3n, 100n);
      expect(await bridge.validatorSetNonce()).to.equal(1n);
      expect(await bridge.totalStake()).to.equal(100n);
      expect(await bridge.stakeOf(fresh1.address)).to.equal(50n);
      expect(await bridge.stakeOf(fresh2.address)).to.equal(40n);
      expect(await bridge.stakeOf(big1.address)).to.equal(10n);
      expect(await bridge.stakeOf(big2.address)).to.equal(0n);
      expect(await bridge.stakeOf(tiny.address)).to.equal(0n);
    });

    it("succeeds and the new set signs the next state sync", async function () {
      const { bridge, domain, alice } = await loadFixture(deployChildBridgeFixture);
      await bridge.syncValidators(NEXT, await signSet(domain, NEXT, JUST_ABOVE));
      const deposits = [depositFor(alice.address, ETH_ID, 5n)];
      const sync = syncAfter(0n, EMPTY_QUEUE_HEAD, deposits);
      // 90 of 100: fresh1 and fresh2 alone.
      await bridge.syncDeposits(sync, deposits, await signSync(domain, sync, [fresh1, fresh2]));
      expect(await (await childTokenOf(bridge, ETH_ID)).balanceOf(alice.address)).to.equal(5n);
    });

    it("reverts when the old set signs after it was replaced", async function () {
      const { bridge, domain, alice } = await loadFixture(deployChildBridgeFixture);
      await bridge.syncValidators(NEXT, await signSet(domain, NEXT, JUST_ABOVE));
      const deposits = [depositFor(alice.address, ETH_ID, 5n)];
      const sync = syncAfter(0n, EMPTY_QUEUE_HEAD, deposits);
      const old = [big1, big2, mid, tiny];
      // The first of them (by address) that is not big1 counts for nothing now.
      const sorted = [...old].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
      const removed = sorted.findIndex((w) => w !== big1);
      await expect(bridge.syncDeposits(sync, deposits, await signSync(domain, sync, old)))
        .to.be.revertedWithCustomError(bridge, "QuorumSignerWithoutStake")
        .withArgs(removed, sorted[removed].address);
      // big1 stays, with 10 of 100 now: its signature alone is far from a quorum.
      await expect(bridge.syncDeposits(sync, deposits, await signSync(domain, sync, [big1])))
        .to.be.revertedWithCustomError(bridge, "ChildBridgeQuorumNotReached")
        .withArgs(10n, 100n);
      // And a signed set sync of the old set no longer replaces anything.
      const back: ValidatorSetSync = {
        nonce: 1n,
        validators: FIRST_SET.validators,
        stakes: FIRST_SET.stakes,
      };
      await expect(
        bridge.syncValidators(back, await signSet(domain, back, old)),
      ).to.be.revertedWithCustomError(bridge, "QuorumSignerWithoutStake");
      expect(await bridge.validatorSetNonce()).to.equal(1n);
    });

    it("reverts with ChildBridgeValidatorSetNonceMismatch when the nonce is not the mirror's", async function () {
      const { bridge, domain } = await loadFixture(deployChildBridgeFixture);
      const ahead = { ...NEXT, nonce: 1n };
      await expect(bridge.syncValidators(ahead, await signSet(domain, ahead, JUST_ABOVE)))
        .to.be.revertedWithCustomError(bridge, "ChildBridgeValidatorSetNonceMismatch")
        .withArgs(1n, 0n);
      // Once applied, the same signed sync cannot be replayed.
      const signatures = await signSet(domain, NEXT, JUST_ABOVE);
      await bridge.syncValidators(NEXT, signatures);
      await expect(bridge.syncValidators(NEXT, signatures))
        .to.be.revertedWithCustomError(bridge, "ChildBridgeValidatorSetNonceMismatch")
        .withArgs(0n, 1n);
    });

    it("reverts with ChildBridgeQuorumNotReached when 2/3 or less of the current stake signs", async function () {
      const { bridge, domain } = await loadFixture(deployChildBridgeFixture);
      const before = await mirrorState(bridge);
      await expect(bridge.syncValidators(NEXT, await signSet(domain, NEXT, EXACTLY_TWO_THIRDS)))
        .to.be.revertedWithCustomError(bridge, "ChildBridgeQuorumNotReached")
        .withArgs(200n, TOTAL_STAKE);
      expect(await mirrorState(bridge)).to.deep.equal(before);
    });

    it("reverts with QuorumSignerWithoutStake when the new set signs its own installation", async function () {
      const { bridge, domain } = await loadFixture(deployChildBridgeFixture);
      await expect(
        bridge.syncValidators(NEXT, await signSet(domain, NEXT, [fresh1, fresh2])),
      ).to.be.revertedWithCustomError(bridge, "QuorumSignerWithoutStake");
    });

    it("reverts with the constructor's errors when the new set is invalid", async function () {
      const { bridge, domain } = await loadFixture(deployChildBridgeFixture);
      const cases: [ValidatorSetSync, string][] = [
        [{ nonce: 0n, validators: [], stakes: [] }, "ChildBridgeNoValidators"],
        [{ ...NEXT, stakes: [1n] }, "ChildBridgeValidatorSetLengthMismatch"],
        [{ ...NEXT, validators: [...NEXT.validators].reverse() }, "ChildBridgeValidatorsNotAscending"],
        [{ ...NEXT, stakes: [1n, 0n, 1n] }, "ChildBridgeValidatorWithoutStake"],
      ];
      for (const [set, error] of cases) {
        await expect(
          bridge.syncValidators(set, await signSet(domain, set, JUST_ABOVE)),
        ).to.be.revertedWithCustomError(bridge, error);
      }
      expect(await bridge.validatorSetNonce()).to.equal(0n);
      expect(await bridge.totalStake()).to.equal(TOTAL_STAKE);
    });
  });

  describe("withdraw", function () {
    it("succeeds, burns the caller's child tokens and emits Burned with dense indices", async function () {
      const { bridge, alice, bob, carol } = await loadFixture(syncedFixture);
      const eth = await childTokenOf(bridge, ETH_ID);
      const token = await childTokenOf(bridge, TOKEN_ID);
      await expect(bridge.connect(alice).withdraw(ETH_ID, 2n, carol.address))
        .to.emit(bridge, "Burned")
        .withArgs(0n, alice.address, carol.address, ETH_ID, 2n);
      await expect(bridge.connect(bob).withdraw(TOKEN_ID, 700n, bob.address))
        .to.emit(bridge, "Burned")
        .withArgs(1n, bob.address, bob.address, TOKEN_ID, 700n);
      await expect(bridge.connect(alice).withdraw(ETH_ID, 3n, alice.address))
        .to.emit(bridge, "Burned")
        .withArgs(2n, alice.address, alice.address, ETH_ID, 3n);
      expect(await bridge.burnCount()).to.equal(3n);
      expect(await eth.balanceOf(alice.address)).to.equal(0n);
      expect(await eth.totalSupply()).to.equal(0n);
      expect(await token.balanceOf(bob.address)).to.equal(0n);
      expect(await token.totalSupply()).to.equal(0n);
    });

    it("reverts with ChildBridgeZeroAmount when the amount is zero", async function () {
      const { bridge, alice } = await loadFixture(syncedFixture);
      await expect(bridge.connect(alice).withdraw(ETH_ID, 0n, alice.address)).to.be.revertedWithCustomError(
        bridge,
        "ChildBridgeZeroAmount",
      );
    });

    it("reverts with ChildBridgeZeroRecipient when the recipient is address zero", async function () {
      const { bridge, alice } = await loadFixture(syncedFixture);
      await expect(bridge.connect(alice).withdraw(ETH_ID, 1n, ZeroAddress)).to.be.revertedWithCustomError(
        bridge,
        "ChildBridgeZeroRecipient",
      );
    });

    it("reverts with ChildBridgeUnknownToken when the token id has no child token", async function () {
      const { bridge, alice } = await loadFixture(syncedFixture);
      await expect(bridge.connect(alice).withdraw(7, 1n, alice.address))
        .to.be.revertedWithCustomError(bridge, "ChildBridgeUnknownToken")
        .withArgs(7);
    });

    it("reverts with ChildBridgeInsufficientBalance when the caller holds less than the amount", async function () {
      const { bridge, alice, bob } = await loadFixture(syncedFixture);
      const before = await mirrorState(bridge);
      await expect(bridge.connect(alice).withdraw(ETH_ID, 6n, alice.address))
        .to.be.revertedWithCustomError(bridge, "ChildBridgeInsufficientBalance")
        .withArgs(alice.address, ETH_ID, 5n, 6n);
      // Bob holds none of Alice's tokens and cannot burn them for himself.
      await expect(bridge.connect(bob).withdraw(ETH_ID, 1n, bob.address))
        .to.be.revertedWithCustomError(bridge, "ChildBridgeInsufficientBalance")
        .withArgs(bob.address, ETH_ID, 0n, 1n);
      expect(await mirrorState(bridge)).to.deep.equal(before);
      expect(await (await childTokenOf(bridge, ETH_ID)).balanceOf(alice.address)).to.equal(5n);
    });
  });
});

describe("ChildToken", function () {
  it("succeeds in saying what it stands for, at its CREATE2 address", async function () {
    const { bridge } = await loadFixture(syncedFixture);
    const eth = await childTokenOf(bridge, ETH_ID);
    const token = await childTokenOf(bridge, TOKEN_ID);
    expect([await eth.name(), await eth.symbol(), await eth.TOKEN_ID()]).to.deep.equal([
      "Strata Sidechain ETH",
      "sETH",
      0n,
    ]);
    expect([await token.name(), await token.symbol(), await token.TOKEN_ID()]).to.deep.equal([
      "Strata Sidechain Token 3",
      "sT3",
      3n,
    ]);
    expect(await eth.BRIDGE()).to.equal(await bridge.getAddress());
    expect(await token.getAddress()).to.equal(childTokenAddress(await bridge.getAddress(), TOKEN_ID));
    expect(await eth.getAddress()).to.equal(childTokenAddress(await bridge.getAddress(), ETH_ID));
  });

  describe("mint", function () {
    it("reverts with ChildTokenCallerNotBridge when anyone but the bridge mints", async function () {
      const { bridge, alice } = await loadFixture(syncedFixture);
      const eth = await childTokenOf(bridge, ETH_ID);
      await expect(eth.connect(alice).mint(alice.address, 1n))
        .to.be.revertedWithCustomError(eth, "ChildTokenCallerNotBridge")
        .withArgs(alice.address);
      expect(await eth.totalSupply()).to.equal(5n);
    });
  });

  describe("burn", function () {
    it("reverts with ChildTokenCallerNotBridge when anyone but the bridge burns, the holder included", async function () {
      const { bridge, alice, bob } = await loadFixture(syncedFixture);
      const eth = await childTokenOf(bridge, ETH_ID);
      for (const caller of [alice, bob]) {
        await expect(eth.connect(caller).burn(alice.address, 1n))
          .to.be.revertedWithCustomError(eth, "ChildTokenCallerNotBridge")
          .withArgs(caller.address);
      }
      expect(await eth.balanceOf(alice.address)).to.equal(5n);
    });
  });
});
