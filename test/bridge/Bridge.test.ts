import { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { AbiCoder, ZeroAddress, ZeroHash, keccak256, toBeHex, toUtf8Bytes, zeroPadValue } from "ethers";
import type { AddressLike, ContractTransactionResponse } from "ethers";
import type {
  Bridge,
  CreditRecipient,
  ReentrantRecipient,
  RefusingToken,
  RevertingRecipient,
  TestRollup,
} from "../../typechain-types";
import {
  FUNDED_ETH_A,
  FUNDED_ETH_B,
  FUNDED_FEE_TOKEN_SENT_A,
  FUNDED_TOKEN_A,
  INITIAL_TOKENS,
  deployBridgeFixture,
  deployFundedBridgeFixture,
} from "./fixtures";
import { createKeccakHasher } from "../../src/shared/hasher";
import type { WithdrawalData as WithdrawalLeaf } from "../../src/shared/types";
import { WithdrawalTree } from "../../src/shared/withdrawal";

const MAX_U128 = (1n << 128n) - 1n;
const ETH_ID = 0;
const TOKEN_ID = 1; // `token` in rollup A
const FEE_TOKEN_ID = 2; // `feeToken` in rollup A
const ATTACKER_TOKEN_ID = 3; // `attackerToken` in rollup A
const REFUSING_TOKEN_ID = 4; // `refusingToken` in rollup A (creditFixture)
/** CreditRecipient's modes, as its enum numbers them. */
const Mode = { Revert: 0, BurnGas: 1, Accept: 2 } as const;

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

interface ExpectedDeposit {
  from: string;
  to: string;
  tokenId: number;
  amount: bigint;
  timestamp: bigint;
}

/**
 * The queue head after `d` joins a queue whose head was `head`, recomputed as Deposit.chain does: the
 * keccak256's high 208 bits, the low 48 zero.
 */
function chainDeposit(head: string, d: ExpectedDeposit): string {
  const hash = keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["bytes32", "address", "bytes32", "uint32", "uint128", "uint64"],
      [head, d.from, d.to, d.tokenId, d.amount, d.timestamp],
    ),
  );
  return hash.slice(0, 54) + "0".repeat(12);
}

/** The Layer-2 owner of an Ethereum address: the address left-padded to 32 bytes. */
function ownerOf(address: string): string {
  return zeroPadValue(address, 32);
}

/** Pins the next block's timestamp so an event's timestamp and the head can be predicted. */
async function pinNextTimestamp(): Promise<bigint> {
  const timestamp = (await time.latest()) + 7;
  await time.setNextBlockTimestamp(timestamp);
  return BigInt(timestamp);
}

/** What `holder` has of `token` (address(0) is ETH). */
async function holdingOf(token: string, holder: AddressLike): Promise<bigint> {
  const address = await ethers.resolveAddress(holder);
  if (token === ZeroAddress) return ethers.provider.getBalance(address);
  return (await ethers.getContractAt("TestToken", token)).balanceOf(address);
}

async function escrowOf(bridge: Bridge, rollup: AddressLike, token: string): Promise<bigint> {
  return (await bridge.asset(rollup, token)).escrowed;
}

/**
 * Everything a reverted call must leave as it was: each rollup's queue and its asset entry for `token`,
 * and what each holder (the bridge by default) has of `token`.
 */
async function ledger(
  bridge: Bridge,
  token: string,
  rollups: AddressLike[],
  holders: AddressLike[] = [bridge],
) {
  const entries: unknown[] = [];
  for (const rollup of rollups) {
    const q = await bridge.depositQueue(rollup);
    const a = await bridge.asset(rollup, token);
    entries.push([q.count, q.head, a.listed, a.allowed, a.tokenId, a.escrowed]);
  }
  entries.push(await bridge.totalCredits(token));
  for (const holder of holders) entries.push(await holdingOf(token, holder));
  return entries;
}

/**
 * Property: the bridge holds exactly what the rollups' escrows of `token` and its unclaimed credits add
 * up to; when `creditors` are named, their credits are all the credits there are.
 */
async function expectEscrowBacked(
  bridge: Bridge,
  token: string,
  rollups: AddressLike[],
  creditors: AddressLike[] = [],
): Promise<void> {
  let total = 0n;
  for (const rollup of rollups) total += await escrowOf(bridge, rollup, token);
  const credited = await bridge.totalCredits(token);
  expect(await holdingOf(token, bridge)).to.equal(total + credited);
  if (creditors.length === 0) return;
  let sum = 0n;
  for (const creditor of creditors) sum += await bridge.credits(token, creditor);
  expect(sum).to.equal(credited);
}

/**
 * deployFundedBridgeFixture plus recipients that cannot take a push: `refusingToken` allowed in rollup A
 * (id 4) with 1000 escrowed by Alice and refusing Bob, and a CreditRecipient that reverts on ETH.
 */
async function creditFixture() {
  const f = await deployFundedBridgeFixture();
  const refusingToken: RefusingToken = await ethers.deployContract("RefusingToken");
  await f.bridge.allowToken(f.rollupA, refusingToken);
  await refusingToken.mint(f.alice.address, 1000n);
  await refusingToken.connect(f.alice).approve(f.bridge, 1000n);
  await f.bridge.connect(f.alice).depositErc20(f.rollupA, refusingToken, ownerOf(f.alice.address), 1000n);
  await refusingToken.setRefused(f.bob.address, true);
  const recipient: CreditRecipient = await ethers.deployContract("CreditRecipient");
  return { ...f, refusingToken, recipient };
}

/** Makes `leaves` batch `batchIndex` of `rollup` (final unless told otherwise) and returns its tree. */
async function publishBatch(
  rollup: TestRollup,
  batchIndex: number,
  leaves: WithdrawalLeaf[],
  isFinal = true,
): Promise<WithdrawalTree> {
  const tree = new WithdrawalTree(await createKeccakHasher(), leaves);
  await rollup.setBatch(batchIndex, tree.root, isFinal);
  return tree;
}

/** How many `eventName` events `contract` emitted in `tx`. */
async function countEvents(
  bridge: Bridge,
  tx: ContractTransactionResponse,
  eventName: string,
): Promise<number> {
  const receipt = await tx.wait();
  const bridgeAddress = await bridge.getAddress();
  return receipt!.logs.filter(
    (log) => log.address === bridgeAddress && bridge.interface.parseLog(log)?.name === eventName,
  ).length;
}

// ---------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------

type BridgeFixture = Awaited<ReturnType<typeof deployBridgeFixture>>;

/**
 * An owner-only call: sent by Alice (`send` gets the bridge connected as her) it reverts with
 * OwnableUnauthorizedAccount(alice), and `unchanged` asserts the state it would have changed.
 */
function itRefusesNonOwner(
  send: (asAlice: Bridge, f: BridgeFixture) => Promise<unknown>,
  unchanged: (f: BridgeFixture) => Promise<unknown>,
): void {
  it("reverts with OwnableUnauthorizedAccount when the caller is not the owner", async function () {
    const f = await loadFixture(deployBridgeFixture);
    await expect(send(f.bridge.connect(f.alice), f))
      .to.be.revertedWithCustomError(f.bridge, "OwnableUnauthorizedAccount")
      .withArgs(f.alice.address);
    await unchanged(f);
  });
}

describe("Bridge", function () {
  describe("registerRollup", function () {
    it("succeeds when the owner registers a new rollup: it gets a queue and ETH as token id 0", async function () {
      const { bridge, rollupC } = await loadFixture(deployBridgeFixture);
      expect(await bridge.isRegistered(rollupC)).to.equal(false);

      await expect(bridge.registerRollup(rollupC))
        .to.emit(bridge, "RollupRegistered")
        .withArgs(rollupC)
        .and.to.emit(bridge, "TokenAllowed")
        .withArgs(rollupC, ZeroAddress, ETH_ID);

      expect(await bridge.isRegistered(rollupC)).to.equal(true);
      const eth = await bridge.asset(rollupC, ZeroAddress);
      expect([eth.listed, eth.allowed, eth.tokenId, eth.escrowed]).to.deep.equal([true, true, 0n, 0n]);
      expect(await bridge.tokenOf(rollupC, ETH_ID)).to.equal(ZeroAddress);
      const queue = await bridge.depositQueue(rollupC);
      expect([queue.count, queue.head]).to.deep.equal([0n, ZeroHash]);
    });

    itRefusesNonOwner(
      (asAlice, f) => asAlice.registerRollup(f.rollupC),
      async (f) => expect(await f.bridge.isRegistered(f.rollupC)).to.equal(false),
    );

    it("reverts with BridgeRollupAlreadyRegistered when the rollup is already registered", async function () {
      const { bridge, rollupA } = await loadFixture(deployFundedBridgeFixture);
      const before = await ledger(bridge, ZeroAddress, [rollupA]);
      await expect(bridge.registerRollup(rollupA))
        .to.be.revertedWithCustomError(bridge, "BridgeRollupAlreadyRegistered")
        .withArgs(rollupA);
      // re-registering must not reset the queue or the escrow
      expect(await ledger(bridge, ZeroAddress, [rollupA])).to.deep.equal(before);
    });
  });

  describe("allowToken", function () {
    it("succeeds when the owner allows tokens: ids are assigned 1, 2, … per rollup", async function () {
      const { bridge, rollupB, token, feeToken } = await loadFixture(deployBridgeFixture);
      expect(await bridge.allowToken.staticCall(rollupB, token)).to.equal(1n);
      await expect(bridge.allowToken(rollupB, token))
        .to.emit(bridge, "TokenAllowed")
        .withArgs(rollupB, token, 1);
      await expect(bridge.allowToken(rollupB, feeToken))
        .to.emit(bridge, "TokenAllowed")
        .withArgs(rollupB, feeToken, 2);

      const t = await bridge.asset(rollupB, token);
      expect([t.listed, t.allowed, t.tokenId, t.escrowed]).to.deep.equal([true, true, 1n, 0n]);
      expect(await bridge.tokenOf(rollupB, 1)).to.equal(await token.getAddress());
      expect(await bridge.tokenOf(rollupB, 2)).to.equal(await feeToken.getAddress());
    });

    it("succeeds when a disallowed token is allowed again: it keeps its id and ids are never reused", async function () {
      const { bridge, rollupB, token, feeToken, attackerToken } = await loadFixture(deployBridgeFixture);
      await bridge.allowToken(rollupB, token);
      await bridge.allowToken(rollupB, feeToken);
      await bridge.disallowToken(rollupB, token);

      expect(await bridge.allowToken.staticCall(rollupB, token)).to.equal(1n);
      await expect(bridge.allowToken(rollupB, token))
        .to.emit(bridge, "TokenAllowed")
        .withArgs(rollupB, token, 1);
      await expect(bridge.allowToken(rollupB, attackerToken))
        .to.emit(bridge, "TokenAllowed")
        .withArgs(rollupB, attackerToken, 3);
      expect((await bridge.asset(rollupB, token)).allowed).to.equal(true);
    });

    it("succeeds when ETH is allowed again after being disallowed: it keeps id 0", async function () {
      const { bridge, rollupB, token } = await loadFixture(deployBridgeFixture);
      await bridge.disallowToken(rollupB, ZeroAddress);
      await expect(bridge.allowToken(rollupB, ZeroAddress))
        .to.emit(bridge, "TokenAllowed")
        .withArgs(rollupB, ZeroAddress, ETH_ID);
      await expect(bridge.allowToken(rollupB, token))
        .to.emit(bridge, "TokenAllowed")
        .withArgs(rollupB, token, 1);
    });

    it("succeeds when the same token is allowed in two rollups: each rollup numbers it on its own", async function () {
      const { bridge, rollupA, rollupB, feeToken } = await loadFixture(deployBridgeFixture);
      await expect(bridge.allowToken(rollupB, feeToken))
        .to.emit(bridge, "TokenAllowed")
        .withArgs(rollupB, feeToken, 1);
      expect((await bridge.asset(rollupA, feeToken)).tokenId).to.equal(BigInt(FEE_TOKEN_ID));
      expect((await bridge.asset(rollupB, feeToken)).tokenId).to.equal(1n);
    });

    itRefusesNonOwner(
      (asAlice, f) => asAlice.allowToken(f.rollupB, f.token),
      async (f) => expect((await f.bridge.asset(f.rollupB, f.token)).listed).to.equal(false),
    );

    it("reverts with BridgeRollupNotRegistered when the rollup is not registered", async function () {
      const { bridge, rollupC, token } = await loadFixture(deployBridgeFixture);
      await expect(bridge.allowToken(rollupC, token))
        .to.be.revertedWithCustomError(bridge, "BridgeRollupNotRegistered")
        .withArgs(rollupC);
      expect((await bridge.asset(rollupC, token)).listed).to.equal(false);
    });

    it("reverts with BridgeTokenAlreadyAllowed when the token is already allowed", async function () {
      const { bridge, rollupA, token } = await loadFixture(deployBridgeFixture);
      await expect(bridge.allowToken(rollupA, token))
        .to.be.revertedWithCustomError(bridge, "BridgeTokenAlreadyAllowed")
        .withArgs(rollupA, token);
      await expect(bridge.allowToken(rollupA, ZeroAddress))
        .to.be.revertedWithCustomError(bridge, "BridgeTokenAlreadyAllowed")
        .withArgs(rollupA, ZeroAddress);
    });
  });

  describe("disallowToken", function () {
    it("succeeds when the owner disallows a token: it stays listed under its id with its escrow", async function () {
      const { bridge, rollupA, token } = await loadFixture(deployFundedBridgeFixture);
      await expect(bridge.disallowToken(rollupA, token))
        .to.emit(bridge, "TokenDisallowed")
        .withArgs(rollupA, token, TOKEN_ID);
      const t = await bridge.asset(rollupA, token);
      expect([t.listed, t.allowed, t.tokenId, t.escrowed]).to.deep.equal([
        true,
        false,
        BigInt(TOKEN_ID),
        FUNDED_TOKEN_A,
      ]);
      expect(await bridge.tokenOf(rollupA, TOKEN_ID)).to.equal(await token.getAddress());
    });

    it("succeeds when the owner disallows ETH", async function () {
      const { bridge, rollupB } = await loadFixture(deployBridgeFixture);
      await expect(bridge.disallowToken(rollupB, ZeroAddress))
        .to.emit(bridge, "TokenDisallowed")
        .withArgs(rollupB, ZeroAddress, ETH_ID);
      expect((await bridge.asset(rollupB, ZeroAddress)).allowed).to.equal(false);
    });

    itRefusesNonOwner(
      (asAlice, f) => asAlice.disallowToken(f.rollupA, f.token),
      async (f) => expect((await f.bridge.asset(f.rollupA, f.token)).allowed).to.equal(true),
    );

    it("reverts with BridgeRollupNotRegistered when the rollup is not registered", async function () {
      const { bridge, rollupC } = await loadFixture(deployBridgeFixture);
      await expect(bridge.disallowToken(rollupC, ZeroAddress))
        .to.be.revertedWithCustomError(bridge, "BridgeRollupNotRegistered")
        .withArgs(rollupC);
    });

    it("reverts with BridgeTokenNotAllowed when the token was never listed in the rollup", async function () {
      const { bridge, rollupB, token } = await loadFixture(deployBridgeFixture);
      await expect(bridge.disallowToken(rollupB, token))
        .to.be.revertedWithCustomError(bridge, "BridgeTokenNotAllowed")
        .withArgs(rollupB, token);
      expect((await bridge.asset(rollupB, token)).listed).to.equal(false);
    });

    it("reverts with BridgeTokenNotAllowed when the token is already disallowed", async function () {
      const { bridge, rollupA, token } = await loadFixture(deployBridgeFixture);
      await bridge.disallowToken(rollupA, token);
      await expect(bridge.disallowToken(rollupA, token))
        .to.be.revertedWithCustomError(bridge, "BridgeTokenNotAllowed")
        .withArgs(rollupA, token);
    });
  });

  describe("depositEth", function () {
    it("succeeds when depositing ETH: the deposit is queued with every field and the value escrowed", async function () {
      const { bridge, rollupA, rollupB, alice, bob } = await loadFixture(deployBridgeFixture);
      const amount = ethers.parseEther("1.5");
      const to = ownerOf(bob.address);
      expect(await bridge.connect(alice).depositEth.staticCall(rollupA, to, { value: amount })).to.equal(0n);

      const timestamp = await pinNextTimestamp();
      const head = chainDeposit(ZeroHash, { from: alice.address, to, tokenId: ETH_ID, amount, timestamp });
      const tx = bridge.connect(alice).depositEth(rollupA, to, { value: amount });

      await expect(tx)
        .to.emit(bridge, "DepositQueued")
        .withArgs(rollupA, alice.address, 0, to, ETH_ID, amount, timestamp, head);
      await expect(tx).to.changeEtherBalances([alice, bridge], [-amount, amount]);
      const queue = await bridge.depositQueue(rollupA);
      expect([queue.count, queue.head]).to.deep.equal([1n, head]);
      expect(await escrowOf(bridge, rollupA, ZeroAddress)).to.equal(amount);
      expect(await escrowOf(bridge, rollupB, ZeroAddress)).to.equal(0n);
      await expectEscrowBacked(bridge, ZeroAddress, [rollupA, rollupB]);
    });

    it("succeeds when deposits follow each other: indices are dense per rollup, independent across rollups", async function () {
      const { bridge, rollupA, rollupB, alice, bob } = await loadFixture(deployBridgeFixture);
      // a zk owner is a hash mod 2^160 (docs/zk.md), left-padded like an address
      const zkOwner = zeroPadValue(
        toBeHex(BigInt(keccak256(toUtf8Bytes("a BabyJubJub public key"))) % (1n << 160n)),
        32,
      );
      const steps = [
        { rollup: rollupA, sender: alice, to: ownerOf(bob.address), amount: 1n, index: 0 },
        { rollup: rollupA, sender: bob, to: zkOwner, amount: 2n, index: 1 },
        { rollup: rollupB, sender: alice, to: ownerOf(alice.address), amount: 3n, index: 0 },
        { rollup: rollupA, sender: alice, to: ownerOf(alice.address), amount: 4n, index: 2 },
        { rollup: rollupB, sender: bob, to: zkOwner, amount: 5n, index: 1 },
      ];
      const heads = new Map<TestRollup, string>([
        [rollupA, ZeroHash],
        [rollupB, ZeroHash],
      ]);

      for (const s of steps) {
        const timestamp = await pinNextTimestamp();
        const d = { from: s.sender.address, to: s.to, tokenId: ETH_ID, amount: s.amount, timestamp };
        const head = chainDeposit(heads.get(s.rollup)!, d);
        heads.set(s.rollup, head);
        await expect(bridge.connect(s.sender).depositEth(s.rollup, s.to, { value: s.amount }))
          .to.emit(bridge, "DepositQueued")
          .withArgs(s.rollup, s.sender.address, s.index, s.to, ETH_ID, s.amount, timestamp, head);
      }

      const queueA = await bridge.depositQueue(rollupA);
      const queueB = await bridge.depositQueue(rollupB);
      expect([queueA.count, queueA.head]).to.deep.equal([3n, heads.get(rollupA)]);
      expect([queueB.count, queueB.head]).to.deep.equal([2n, heads.get(rollupB)]);
      expect(await escrowOf(bridge, rollupA, ZeroAddress)).to.equal(1n + 2n + 4n);
      expect(await escrowOf(bridge, rollupB, ZeroAddress)).to.equal(3n + 5n);
      await expectEscrowBacked(bridge, ZeroAddress, [rollupA, rollupB]);
    });

    it("reverts with BridgeZeroAmount when no ETH is sent", async function () {
      const { bridge, rollupA, alice } = await loadFixture(deployFundedBridgeFixture);
      const before = await ledger(bridge, ZeroAddress, [rollupA]);
      await expect(bridge.connect(alice).depositEth(rollupA, ownerOf(alice.address), { value: 0 }))
        .to.be.revertedWithCustomError(bridge, "BridgeZeroAmount")
        .withArgs();
      expect(await ledger(bridge, ZeroAddress, [rollupA])).to.deep.equal(before);
    });

    it("reverts with BridgeZeroRecipient when `to` is bytes32(0)", async function () {
      const { bridge, rollupA, alice } = await loadFixture(deployFundedBridgeFixture);
      const before = await ledger(bridge, ZeroAddress, [rollupA]);
      await expect(bridge.connect(alice).depositEth(rollupA, ZeroHash, { value: 1n }))
        .to.be.revertedWithCustomError(bridge, "BridgeZeroRecipient")
        .withArgs();
      expect(await ledger(bridge, ZeroAddress, [rollupA])).to.deep.equal(before);
    });

    it("reverts with BridgeRecipientNotOwnable when `to` has a bit above the low 160: no state change", async function () {
      const { bridge, rollupA, alice } = await loadFixture(deployFundedBridgeFixture);
      const before = await ledger(bridge, ZeroAddress, [rollupA]);
      for (const wide of [
        1n << 160n, // the lowest owner no account can hold
        (1n << 255n) | BigInt(alice.address), // an address with a stray high bit
        (1n << 256n) - 1n,
      ]) {
        const to = zeroPadValue(toBeHex(wide), 32);
        await expect(bridge.connect(alice).depositEth(rollupA, to, { value: 1n }))
          .to.be.revertedWithCustomError(bridge, "BridgeRecipientNotOwnable")
          .withArgs(to);
      }
      expect(await ledger(bridge, ZeroAddress, [rollupA])).to.deep.equal(before);
    });

    it("succeeds when `to` is the widest owner, 2^160 - 1", async function () {
      const { bridge, rollupA, alice } = await loadFixture(deployFundedBridgeFixture);
      const to = zeroPadValue(toBeHex((1n << 160n) - 1n), 32);
      await expect(bridge.connect(alice).depositEth(rollupA, to, { value: 3n }))
        .to.emit(bridge, "DepositQueued")
        .withArgs(rollupA, alice.address, 3n, to, ETH_ID, 3n, anyValue, anyValue);
      expect(await escrowOf(bridge, rollupA, ZeroAddress)).to.equal(FUNDED_ETH_A + 3n);
    });

    it("reverts with BridgeRollupNotRegistered when the rollup is not registered", async function () {
      const { bridge, rollupC, alice } = await loadFixture(deployFundedBridgeFixture);
      const before = await ledger(bridge, ZeroAddress, [rollupC]);
      await expect(bridge.connect(alice).depositEth(rollupC, ownerOf(alice.address), { value: 1n }))
        .to.be.revertedWithCustomError(bridge, "BridgeRollupNotRegistered")
        .withArgs(rollupC);
      expect(await ledger(bridge, ZeroAddress, [rollupC])).to.deep.equal(before);
    });

    it("reverts with BridgeTokenNotAllowed when ETH is disallowed for the rollup", async function () {
      const { bridge, rollupA, alice } = await loadFixture(deployFundedBridgeFixture);
      await bridge.disallowToken(rollupA, ZeroAddress);
      const before = await ledger(bridge, ZeroAddress, [rollupA]);
      await expect(bridge.connect(alice).depositEth(rollupA, ownerOf(alice.address), { value: 1n }))
        .to.be.revertedWithCustomError(bridge, "BridgeTokenNotAllowed")
        .withArgs(rollupA, ZeroAddress);
      expect(await ledger(bridge, ZeroAddress, [rollupA])).to.deep.equal(before);
    });

    it("reverts with BridgeAmountTooLarge when the value exceeds 2^128 - 1", async function () {
      const { bridge, rollupA, alice } = await loadFixture(deployFundedBridgeFixture);
      await setBalance(alice.address, 1n << 130n);
      const before = await ledger(bridge, ZeroAddress, [rollupA]);
      await expect(
        bridge.connect(alice).depositEth(rollupA, ownerOf(alice.address), { value: MAX_U128 + 1n }),
      )
        .to.be.revertedWithCustomError(bridge, "BridgeAmountTooLarge")
        .withArgs(MAX_U128 + 1n);
      expect(await ledger(bridge, ZeroAddress, [rollupA])).to.deep.equal(before);
    });

    it("reverts with BridgeEscrowOverflow when the escrow would exceed 2^128 - 1", async function () {
      const { bridge, rollupA, alice } = await loadFixture(deployBridgeFixture);
      await setBalance(alice.address, 1n << 130n);
      const to = ownerOf(alice.address);
      await bridge.connect(alice).depositEth(rollupA, to, { value: MAX_U128 });
      const before = await ledger(bridge, ZeroAddress, [rollupA]);
      await expect(bridge.connect(alice).depositEth(rollupA, to, { value: 1n }))
        .to.be.revertedWithCustomError(bridge, "BridgeEscrowOverflow")
        .withArgs(rollupA, ZeroAddress, MAX_U128, 1n);
      expect(await ledger(bridge, ZeroAddress, [rollupA])).to.deep.equal(before);
    });
  });

  describe("depositErc20", function () {
    it("succeeds when depositing an allowed token: it is pulled, escrowed and queued under its id", async function () {
      const { bridge, rollupA, rollupB, token, alice, bob } = await loadFixture(deployBridgeFixture);
      const amount = ethers.parseEther("250");
      const to = ownerOf(bob.address);
      expect(await bridge.connect(alice).depositErc20.staticCall(rollupA, token, to, amount)).to.equal(0n);

      const timestamp = await pinNextTimestamp();
      const head = chainDeposit(ZeroHash, { from: alice.address, to, tokenId: TOKEN_ID, amount, timestamp });
      const tx = bridge.connect(alice).depositErc20(rollupA, token, to, amount);

      await expect(tx)
        .to.emit(bridge, "DepositQueued")
        .withArgs(rollupA, alice.address, 0, to, TOKEN_ID, amount, timestamp, head);
      await expect(tx).to.changeTokenBalances(token, [alice, bridge], [-amount, amount]);
      const queue = await bridge.depositQueue(rollupA);
      expect([queue.count, queue.head]).to.deep.equal([1n, head]);
      expect(await escrowOf(bridge, rollupA, await token.getAddress())).to.equal(amount);
      expect(await escrowOf(bridge, rollupA, ZeroAddress)).to.equal(0n);
      await expectEscrowBacked(bridge, await token.getAddress(), [rollupA, rollupB]);
    });

    it("succeeds when ETH and token deposits interleave: they share the rollup's one queue", async function () {
      const { bridge, rollupA, token, alice, bob } = await loadFixture(deployBridgeFixture);
      const to = ownerOf(bob.address);
      let head = ZeroHash;

      let timestamp = await pinNextTimestamp();
      head = chainDeposit(head, { from: alice.address, to, tokenId: ETH_ID, amount: 10n, timestamp });
      await expect(bridge.connect(alice).depositEth(rollupA, to, { value: 10n }))
        .to.emit(bridge, "DepositQueued")
        .withArgs(rollupA, alice.address, 0, to, ETH_ID, 10n, timestamp, head);

      timestamp = await pinNextTimestamp();
      head = chainDeposit(head, { from: bob.address, to, tokenId: TOKEN_ID, amount: 20n, timestamp });
      await expect(bridge.connect(bob).depositErc20(rollupA, token, to, 20n))
        .to.emit(bridge, "DepositQueued")
        .withArgs(rollupA, bob.address, 1, to, TOKEN_ID, 20n, timestamp, head);

      const queue = await bridge.depositQueue(rollupA);
      expect([queue.count, queue.head]).to.deep.equal([2n, head]);
    });

    it("succeeds when the token takes a fee: escrow and event carry what arrived, 99% of the amount", async function () {
      const { bridge, rollupA, rollupB, feeToken, alice } = await loadFixture(deployBridgeFixture);
      const amount = 1_000_000n;
      const arrived = (amount * 99n) / 100n;
      const to = ownerOf(alice.address);

      const timestamp = await pinNextTimestamp();
      const head = chainDeposit(ZeroHash, {
        from: alice.address,
        to,
        tokenId: FEE_TOKEN_ID,
        amount: arrived,
        timestamp,
      });
      const tx = bridge.connect(alice).depositErc20(rollupA, feeToken, to, amount);

      await expect(tx)
        .to.emit(bridge, "DepositQueued")
        .withArgs(rollupA, alice.address, 0, to, FEE_TOKEN_ID, arrived, timestamp, head);
      await expect(tx).to.changeTokenBalances(feeToken, [alice, bridge], [-amount, arrived]);
      expect(await escrowOf(bridge, rollupA, await feeToken.getAddress())).to.equal(arrived);
      expect((await bridge.depositQueue(rollupA)).head).to.equal(head);
      await expectEscrowBacked(bridge, await feeToken.getAddress(), [rollupA, rollupB]);
    });

    it("reverts with BridgeUnexpectedEth when ETH is sent with a token deposit", async function () {
      const { bridge, rollupA, token, alice } = await loadFixture(deployFundedBridgeFixture);
      const tokenAddress = await token.getAddress();
      const before = [
        await ledger(bridge, tokenAddress, [rollupA], [bridge, alice]),
        await ledger(bridge, ZeroAddress, [rollupA]),
      ];
      await expect(
        bridge.connect(alice).depositErc20(rollupA, token, ownerOf(alice.address), 5n, { value: 1n }),
      )
        .to.be.revertedWithCustomError(bridge, "BridgeUnexpectedEth")
        .withArgs(1n);
      expect([
        await ledger(bridge, tokenAddress, [rollupA], [bridge, alice]),
        await ledger(bridge, ZeroAddress, [rollupA]),
      ]).to.deep.equal(before);
    });

    it("reverts with BridgeZeroAmount when the amount is zero", async function () {
      const { bridge, rollupA, token, alice } = await loadFixture(deployFundedBridgeFixture);
      const tokenAddress = await token.getAddress();
      const before = await ledger(bridge, tokenAddress, [rollupA], [bridge, alice]);
      await expect(bridge.connect(alice).depositErc20(rollupA, token, ownerOf(alice.address), 0n))
        .to.be.revertedWithCustomError(bridge, "BridgeZeroAmount")
        .withArgs();
      expect(await ledger(bridge, tokenAddress, [rollupA], [bridge, alice])).to.deep.equal(before);
    });

    it("reverts with BridgeZeroRecipient when `to` is bytes32(0)", async function () {
      const { bridge, rollupA, token, alice } = await loadFixture(deployFundedBridgeFixture);
      const tokenAddress = await token.getAddress();
      const before = await ledger(bridge, tokenAddress, [rollupA], [bridge, alice]);
      await expect(bridge.connect(alice).depositErc20(rollupA, token, ZeroHash, 5n))
        .to.be.revertedWithCustomError(bridge, "BridgeZeroRecipient")
        .withArgs();
      expect(await ledger(bridge, tokenAddress, [rollupA], [bridge, alice])).to.deep.equal(before);
    });

    it("reverts with BridgeRecipientNotOwnable when `to` has a bit above the low 160: nothing pulled", async function () {
      const { bridge, rollupA, token, alice } = await loadFixture(deployFundedBridgeFixture);
      const tokenAddress = await token.getAddress();
      const to = zeroPadValue(toBeHex(1n << 160n), 32);
      const before = await ledger(bridge, tokenAddress, [rollupA], [bridge, alice]);
      await expect(bridge.connect(alice).depositErc20(rollupA, token, to, 5n))
        .to.be.revertedWithCustomError(bridge, "BridgeRecipientNotOwnable")
        .withArgs(to);
      expect(await ledger(bridge, tokenAddress, [rollupA], [bridge, alice])).to.deep.equal(before);
    });

    it("reverts with BridgeRollupNotRegistered when the rollup is not registered", async function () {
      const { bridge, rollupC, token, alice } = await loadFixture(deployFundedBridgeFixture);
      const tokenAddress = await token.getAddress();
      const before = await ledger(bridge, tokenAddress, [rollupC], [bridge, alice]);
      await expect(bridge.connect(alice).depositErc20(rollupC, token, ownerOf(alice.address), 5n))
        .to.be.revertedWithCustomError(bridge, "BridgeRollupNotRegistered")
        .withArgs(rollupC);
      expect(await ledger(bridge, tokenAddress, [rollupC], [bridge, alice])).to.deep.equal(before);
    });

    it("reverts with BridgeTokenNotAllowed when the token is address(0), which only depositEth takes", async function () {
      const { bridge, rollupA, alice } = await loadFixture(deployFundedBridgeFixture);
      const before = await ledger(bridge, ZeroAddress, [rollupA]);
      await expect(bridge.connect(alice).depositErc20(rollupA, ZeroAddress, ownerOf(alice.address), 5n))
        .to.be.revertedWithCustomError(bridge, "BridgeTokenNotAllowed")
        .withArgs(rollupA, ZeroAddress);
      expect(await ledger(bridge, ZeroAddress, [rollupA])).to.deep.equal(before);
    });

    it("reverts with BridgeTokenNotAllowed when the token is allowed in another rollup only", async function () {
      const { bridge, rollupA, rollupB, token, alice } = await loadFixture(deployFundedBridgeFixture);
      const tokenAddress = await token.getAddress();
      const before = await ledger(bridge, tokenAddress, [rollupA, rollupB], [bridge, alice]);
      await expect(bridge.connect(alice).depositErc20(rollupB, token, ownerOf(alice.address), 5n))
        .to.be.revertedWithCustomError(bridge, "BridgeTokenNotAllowed")
        .withArgs(rollupB, token);
      expect(await ledger(bridge, tokenAddress, [rollupA, rollupB], [bridge, alice])).to.deep.equal(before);
    });

    it("reverts with BridgeTokenNotAllowed when the token has been disallowed", async function () {
      const { bridge, rollupA, token, alice } = await loadFixture(deployFundedBridgeFixture);
      await bridge.disallowToken(rollupA, token);
      const tokenAddress = await token.getAddress();
      const before = await ledger(bridge, tokenAddress, [rollupA], [bridge, alice]);
      await expect(bridge.connect(alice).depositErc20(rollupA, token, ownerOf(alice.address), 5n))
        .to.be.revertedWithCustomError(bridge, "BridgeTokenNotAllowed")
        .withArgs(rollupA, token);
      expect(await ledger(bridge, tokenAddress, [rollupA], [bridge, alice])).to.deep.equal(before);
    });

    it("reverts with BridgeAmountTooLarge when the amount exceeds 2^128 - 1", async function () {
      const { bridge, rollupA, token, alice } = await loadFixture(deployFundedBridgeFixture);
      await token.mint(alice.address, MAX_U128);
      const tokenAddress = await token.getAddress();
      const before = await ledger(bridge, tokenAddress, [rollupA], [bridge, alice]);
      await expect(bridge.connect(alice).depositErc20(rollupA, token, ownerOf(alice.address), MAX_U128 + 1n))
        .to.be.revertedWithCustomError(bridge, "BridgeAmountTooLarge")
        .withArgs(MAX_U128 + 1n);
      expect(await ledger(bridge, tokenAddress, [rollupA], [bridge, alice])).to.deep.equal(before);
    });

    it("reverts with BridgeEscrowOverflow when the escrow would exceed 2^128 - 1", async function () {
      const { bridge, rollupA, token, alice } = await loadFixture(deployBridgeFixture);
      const to = ownerOf(alice.address);
      await token.mint(alice.address, MAX_U128);
      await bridge.connect(alice).depositErc20(rollupA, token, to, MAX_U128);
      const tokenAddress = await token.getAddress();
      const before = await ledger(bridge, tokenAddress, [rollupA], [bridge, alice]);
      await expect(bridge.connect(alice).depositErc20(rollupA, token, to, 1n))
        .to.be.revertedWithCustomError(bridge, "BridgeEscrowOverflow")
        .withArgs(rollupA, token, MAX_U128, 1n);
      expect(await ledger(bridge, tokenAddress, [rollupA], [bridge, alice])).to.deep.equal(before);
    });

    it("reverts with ReentrancyGuardReentrantCall when the token re-enters depositErc20 from transferFrom", async function () {
      const { bridge, rollupA, attackerToken, alice } = await loadFixture(deployFundedBridgeFixture);
      const to = ownerOf(alice.address);
      // the token's transfer hook deposits again, hoping the balance check counts both arrivals twice
      await attackerToken.arm(
        bridge,
        bridge.interface.encodeFunctionData("depositErc20", [
          await rollupA.getAddress(),
          await attackerToken.getAddress(),
          to,
          100n,
        ]),
      );
      const tokenAddress = await attackerToken.getAddress();
      const before = await ledger(bridge, tokenAddress, [rollupA], [bridge, alice]);
      await expect(bridge.connect(alice).depositErc20(rollupA, attackerToken, to, 100n))
        .to.be.revertedWithCustomError(bridge, "ReentrancyGuardReentrantCall")
        .withArgs();
      expect(await ledger(bridge, tokenAddress, [rollupA], [bridge, alice])).to.deep.equal(before);
      expect((await bridge.asset(rollupA, attackerToken)).tokenId).to.equal(BigInt(ATTACKER_TOKEN_ID));
    });
  });

  describe("finalizeWithdrawal", function () {
    it("succeeds when an ETH withdrawal is proven into a final batch: the recipient is paid once", async function () {
      const { bridge, rollupA, rollupB, token, bob, stranger } = await loadFixture(deployFundedBridgeFixture);
      const amount = ethers.parseEther("2");
      const leaves: WithdrawalLeaf[] = [
        { recipient: bob.address, tokenId: ETH_ID, amount },
        { recipient: stranger.address, tokenId: TOKEN_ID, amount: 7n },
      ];
      const tree = await publishBatch(rollupA, 3, leaves);

      // anyone may call; the funds go to the leaf's recipient
      const tx = bridge
        .connect(stranger)
        .finalizeWithdrawal(rollupA, 3, leaves[0], 0, tree.proof(0).siblings);
      await expect(tx)
        .to.emit(bridge, "WithdrawalFinalized")
        .withArgs(rollupA, 3, 0, bob.address, ETH_ID, amount);
      await expect(tx).to.changeEtherBalances([bob, bridge], [amount, -amount]);

      expect(await bridge.isWithdrawalFinalized(rollupA, 3, 0)).to.equal(true);
      expect(await bridge.isWithdrawalFinalized(rollupA, 3, 1)).to.equal(false);
      expect(await escrowOf(bridge, rollupA, ZeroAddress)).to.equal(FUNDED_ETH_A - amount);
      expect(await escrowOf(bridge, rollupB, ZeroAddress)).to.equal(FUNDED_ETH_B);
      expect(await escrowOf(bridge, rollupA, await token.getAddress())).to.equal(FUNDED_TOKEN_A);
      await expectEscrowBacked(bridge, ZeroAddress, [rollupA, rollupB]);
    });

    it("succeeds when an ERC-20 withdrawal is proven into a final batch", async function () {
      const { bridge, rollupA, rollupB, token, bob } = await loadFixture(deployFundedBridgeFixture);
      const amount = ethers.parseEther("40");
      const leaves: WithdrawalLeaf[] = [
        { recipient: bob.address, tokenId: ETH_ID, amount: 1n },
        { recipient: bob.address, tokenId: TOKEN_ID, amount },
      ];
      const tree = await publishBatch(rollupA, 0, leaves);

      const tx = bridge.finalizeWithdrawal(rollupA, 0, leaves[1], 1, tree.proof(1).siblings);
      await expect(tx)
        .to.emit(bridge, "WithdrawalFinalized")
        .withArgs(rollupA, 0, 1, bob.address, TOKEN_ID, amount);
      await expect(tx).to.changeTokenBalances(token, [bob, bridge], [amount, -amount]);

      expect(await bridge.isWithdrawalFinalized(rollupA, 0, 1)).to.equal(true);
      expect(await bridge.isWithdrawalFinalized(rollupA, 0, 0)).to.equal(false);
      expect(await escrowOf(bridge, rollupA, await token.getAddress())).to.equal(FUNDED_TOKEN_A - amount);
      expect(await escrowOf(bridge, rollupA, ZeroAddress)).to.equal(FUNDED_ETH_A);
      await expectEscrowBacked(bridge, await token.getAddress(), [rollupA, rollupB]);
    });

    it("succeeds for every leaf of a batch, in any order", async function () {
      const { bridge, rollupA, rollupB, token, alice, bob, stranger } =
        await loadFixture(deployFundedBridgeFixture);
      const leaves: WithdrawalLeaf[] = [
        { recipient: alice.address, tokenId: ETH_ID, amount: 100n },
        { recipient: bob.address, tokenId: TOKEN_ID, amount: 200n },
        { recipient: stranger.address, tokenId: ETH_ID, amount: 300n },
        { recipient: bob.address, tokenId: ETH_ID, amount: 400n },
        { recipient: stranger.address, tokenId: TOKEN_ID, amount: 500n },
      ];
      const tree = await publishBatch(rollupA, 1, leaves);
      expect(tree.depth).to.equal(3);

      for (const i of [4, 0, 2, 1, 3]) {
        await expect(bridge.finalizeWithdrawal(rollupA, 1, leaves[i], i, tree.proof(i).siblings))
          .to.emit(bridge, "WithdrawalFinalized")
          .withArgs(rollupA, 1, i, leaves[i].recipient, leaves[i].tokenId, leaves[i].amount);
        expect(await bridge.isWithdrawalFinalized(rollupA, 1, i)).to.equal(true);
      }
      for (let i = 5; i < 8; i++) expect(await bridge.isWithdrawalFinalized(rollupA, 1, i)).to.equal(false);

      const tokenAddress = await token.getAddress();
      expect(await escrowOf(bridge, rollupA, ZeroAddress)).to.equal(FUNDED_ETH_A - 800n);
      expect(await escrowOf(bridge, rollupA, tokenAddress)).to.equal(FUNDED_TOKEN_A - 700n);
      expect(await token.balanceOf(bob.address)).to.equal(INITIAL_TOKENS + 200n);
      expect(await token.balanceOf(stranger.address)).to.equal(500n);
      await expectEscrowBacked(bridge, ZeroAddress, [rollupA, rollupB]);
      await expectEscrowBacked(bridge, tokenAddress, [rollupA, rollupB]);
    });

    it("succeeds at leaf indices ≥ 256: paying leaf 0 marks neither leaf 1 nor leaf 256", async function () {
      const { bridge, rollupA, rollupB, bob } = await loadFixture(deployFundedBridgeFixture);
      const leaves: WithdrawalLeaf[] = Array.from({ length: 300 }, (_, i) => ({
        recipient: bob.address,
        tokenId: ETH_ID,
        amount: 1000n + BigInt(i),
      }));
      const tree = await publishBatch(rollupA, 0, leaves);
      await publishBatch(rollupA, 1, leaves);
      expect(tree.depth).to.equal(9);
      const finalize = (i: number) =>
        bridge.finalizeWithdrawal(rollupA, 0, leaves[i], i, tree.proof(i).siblings);
      const paid = async (i: number, batchIndex = 0) => bridge.isWithdrawalFinalized(rollupA, batchIndex, i);

      await expect(finalize(0)).to.changeEtherBalance(bob, 1000n);
      expect(await paid(0)).to.equal(true);
      expect(await paid(1)).to.equal(false);
      expect(await paid(256)).to.equal(false);
      expect(await paid(0, 1)).to.equal(false); // same leaf, other batch
      expect(await bridge.isWithdrawalFinalized(rollupB, 0, 0)).to.equal(false); // other rollup

      await expect(finalize(256))
        .to.emit(bridge, "WithdrawalFinalized")
        .withArgs(rollupA, 0, 256, bob.address, ETH_ID, 1256n);
      expect(await paid(256)).to.equal(true);
      expect(await paid(257)).to.equal(false);
      expect(await paid(255)).to.equal(false);
      expect(await paid(1)).to.equal(false);

      await expect(finalize(299)).to.changeEtherBalance(bob, 1299n);
      await expect(finalize(1)).to.changeEtherBalance(bob, 1001n);
      for (const i of [0, 1, 256, 299]) expect(await paid(i)).to.equal(true);
      for (const i of [2, 255, 257, 298]) expect(await paid(i)).to.equal(false);
      await expect(finalize(256))
        .to.be.revertedWithCustomError(bridge, "BridgeWithdrawalAlreadyFinalized")
        .withArgs(rollupA, 0, 256);
      expect(await escrowOf(bridge, rollupA, ZeroAddress)).to.equal(
        FUNDED_ETH_A - 1000n - 1256n - 1299n - 1001n,
      );
    });

    it("succeeds when the token has been disallowed since: withdrawals are paid either way", async function () {
      const { bridge, rollupA, token, bob } = await loadFixture(deployFundedBridgeFixture);
      await bridge.disallowToken(rollupA, token);
      const leaves: WithdrawalLeaf[] = [{ recipient: bob.address, tokenId: TOKEN_ID, amount: 33n }];
      const tree = await publishBatch(rollupA, 0, leaves);
      await expect(
        bridge.finalizeWithdrawal(rollupA, 0, leaves[0], 0, tree.proof(0).siblings),
      ).to.changeTokenBalances(token, [bob, bridge], [33n, -33n]);
      expect(await escrowOf(bridge, rollupA, await token.getAddress())).to.equal(FUNDED_TOKEN_A - 33n);
    });

    it("succeeds when the token takes a fee: escrow falls by the amount, the recipient gets what arrives", async function () {
      const { bridge, rollupA, rollupB, feeToken, bob } = await loadFixture(deployFundedBridgeFixture);
      const feeTokenAddress = await feeToken.getAddress();
      const escrowBefore = await escrowOf(bridge, rollupA, feeTokenAddress);
      expect(escrowBefore).to.equal((FUNDED_FEE_TOKEN_SENT_A * 99n) / 100n);
      const amount = 10_000n;
      const leaves: WithdrawalLeaf[] = [{ recipient: bob.address, tokenId: FEE_TOKEN_ID, amount }];
      const tree = await publishBatch(rollupA, 0, leaves);

      await expect(
        bridge.finalizeWithdrawal(rollupA, 0, leaves[0], 0, tree.proof(0).siblings),
      ).to.changeTokenBalances(feeToken, [bob, bridge], [(amount * 99n) / 100n, -amount]);
      expect(await escrowOf(bridge, rollupA, feeTokenAddress)).to.equal(escrowBefore - amount);
      await expectEscrowBacked(bridge, feeTokenAddress, [rollupA, rollupB]);
    });

    describe("when the batch is not final", function () {
      it("reverts with BridgeBatchNotFinal when the root is set but the batch is not final", async function () {
        const { bridge, rollupA, bob } = await loadFixture(deployFundedBridgeFixture);
        const leaves: WithdrawalLeaf[] = [{ recipient: bob.address, tokenId: ETH_ID, amount: 1n }];
        const tree = await publishBatch(rollupA, 2, leaves, false);
        const before = await ledger(bridge, ZeroAddress, [rollupA], [bridge, bob]);
        await expect(bridge.finalizeWithdrawal(rollupA, 2, leaves[0], 0, tree.proof(0).siblings))
          .to.be.revertedWithCustomError(bridge, "BridgeBatchNotFinal")
          .withArgs(rollupA, 2);
        expect(await ledger(bridge, ZeroAddress, [rollupA], [bridge, bob])).to.deep.equal(before);
        expect(await bridge.isWithdrawalFinalized(rollupA, 2, 0)).to.equal(false);
      });

      it("reverts with BridgeBatchNotFinal when the batch is unknown", async function () {
        const { bridge, rollupA, bob } = await loadFixture(deployFundedBridgeFixture);
        const leaves: WithdrawalLeaf[] = [{ recipient: bob.address, tokenId: ETH_ID, amount: 1n }];
        const tree = new WithdrawalTree(await createKeccakHasher(), leaves);
        await expect(bridge.finalizeWithdrawal(rollupA, 9, leaves[0], 0, tree.proof(0).siblings))
          .to.be.revertedWithCustomError(bridge, "BridgeBatchNotFinal")
          .withArgs(rollupA, 9);
      });
    });

    describe("when the proof is forged", function () {
      async function forgeryFixture() {
        const f = await deployFundedBridgeFixture();
        const { rollupA, alice, bob } = f;
        const leaves: WithdrawalLeaf[] = [
          { recipient: bob.address, tokenId: ETH_ID, amount: 1000n },
          { recipient: alice.address, tokenId: ETH_ID, amount: 2000n },
          { recipient: bob.address, tokenId: TOKEN_ID, amount: 3000n },
          { recipient: alice.address, tokenId: TOKEN_ID, amount: 4000n },
        ];
        const tree = await publishBatch(rollupA, 0, leaves);
        return { ...f, leaves, tree };
      }

      /** Sends the forgery and checks it is refused as an invalid proof at `leafIndex`, paying nothing. */
      async function expectRefused(
        f: Awaited<ReturnType<typeof forgeryFixture>>,
        leaf: WithdrawalLeaf,
        leafIndex: number,
        proof: string[],
      ): Promise<void> {
        const { bridge, rollupA, token, alice, bob, stranger } = f;
        const tokenAddress = await token.getAddress();
        const holders = [bridge, alice, bob, stranger];
        const before = [
          await ledger(bridge, ZeroAddress, [rollupA], holders),
          await ledger(bridge, tokenAddress, [rollupA], holders),
        ];
        await expect(bridge.finalizeWithdrawal(rollupA, 0, leaf, leafIndex, proof))
          .to.be.revertedWithCustomError(bridge, "BridgeInvalidWithdrawalProof")
          .withArgs(rollupA, 0, leafIndex);
        expect([
          await ledger(bridge, ZeroAddress, [rollupA], holders),
          await ledger(bridge, tokenAddress, [rollupA], holders),
        ]).to.deep.equal(before);
        expect(await bridge.isWithdrawalFinalized(rollupA, 0, leafIndex)).to.equal(false);
      }

      it("reverts with BridgeInvalidWithdrawalProof when the amount is inflated", async function () {
        const f = await loadFixture(forgeryFixture);
        await expectRefused(f, { ...f.leaves[0], amount: 1001n }, 0, f.tree.proof(0).siblings);
      });

      it("reverts with BridgeInvalidWithdrawalProof when the recipient is swapped", async function () {
        const f = await loadFixture(forgeryFixture);
        await expectRefused(
          f,
          { ...f.leaves[0], recipient: f.stranger.address },
          0,
          f.tree.proof(0).siblings,
        );
      });

      it("reverts with BridgeInvalidWithdrawalProof when the token id is swapped", async function () {
        const f = await loadFixture(forgeryFixture);
        await expectRefused(f, { ...f.leaves[2], tokenId: ETH_ID }, 2, f.tree.proof(2).siblings);
      });

      it("reverts with BridgeInvalidWithdrawalProof when a sibling is wrong", async function () {
        const f = await loadFixture(forgeryFixture);
        const proof = f.tree.proof(1).siblings;
        proof[1] = keccak256(toUtf8Bytes("not the sibling"));
        await expectRefused(f, f.leaves[1], 1, proof);
      });

      it("reverts with BridgeInvalidWithdrawalProof when the leaf is claimed at another index", async function () {
        const f = await loadFixture(forgeryFixture);
        await expectRefused(f, f.leaves[0], 1, f.tree.proof(0).siblings);
      });

      it("reverts with BridgeInvalidWithdrawalProof when the index is out of range for the proof depth", async function () {
        const f = await loadFixture(forgeryFixture);
        // 4 = 0 mod 2^2: without the range check leaf 0's proof would verify at index 4 too
        await expectRefused(f, f.leaves[0], 4, f.tree.proof(0).siblings);
        // and leaf 0 is still payable once, at its own index
        await expect(
          f.bridge.finalizeWithdrawal(f.rollupA, 0, f.leaves[0], 0, f.tree.proof(0).siblings),
        ).to.changeEtherBalance(f.bob, 1000n);
      });

      it("reverts with BridgeInvalidWithdrawalProof when the proof is empty", async function () {
        const f = await loadFixture(forgeryFixture);
        await expectRefused(f, f.leaves[0], 0, []);
      });
    });

    it("reverts with BridgeWithdrawalAlreadyFinalized when the same withdrawal is paid a second time", async function () {
      const { bridge, rollupA, bob } = await loadFixture(deployFundedBridgeFixture);
      const leaves: WithdrawalLeaf[] = [
        { recipient: bob.address, tokenId: ETH_ID, amount: 5n },
        { recipient: bob.address, tokenId: ETH_ID, amount: 6n },
      ];
      const tree = await publishBatch(rollupA, 4, leaves);
      const proof = tree.proof(1).siblings;
      await bridge.finalizeWithdrawal(rollupA, 4, leaves[1], 1, proof);

      const before = await ledger(bridge, ZeroAddress, [rollupA], [bridge, bob]);
      await expect(bridge.finalizeWithdrawal(rollupA, 4, leaves[1], 1, proof))
        .to.be.revertedWithCustomError(bridge, "BridgeWithdrawalAlreadyFinalized")
        .withArgs(rollupA, 4, 1);
      expect(await ledger(bridge, ZeroAddress, [rollupA], [bridge, bob])).to.deep.equal(before);
      expect(await escrowOf(bridge, rollupA, ZeroAddress)).to.equal(FUNDED_ETH_A - 6n);
    });

    it("reverts with BridgeInsufficientEscrow when rollup B proves more ETH than its escrow while A holds plenty", async function () {
      const { bridge, rollupA, rollupB, bob } = await loadFixture(deployFundedBridgeFixture);
      const amount = FUNDED_ETH_B + 1n; // A's FUNDED_ETH_A would cover it many times over
      const leaves: WithdrawalLeaf[] = [{ recipient: bob.address, tokenId: ETH_ID, amount }];
      const tree = await publishBatch(rollupB, 0, leaves);

      const before = await ledger(bridge, ZeroAddress, [rollupA, rollupB], [bridge, bob]);
      await expect(bridge.finalizeWithdrawal(rollupB, 0, leaves[0], 0, tree.proof(0).siblings))
        .to.be.revertedWithCustomError(bridge, "BridgeInsufficientEscrow")
        .withArgs(rollupB, ETH_ID, FUNDED_ETH_B, amount);
      expect(await ledger(bridge, ZeroAddress, [rollupA, rollupB], [bridge, bob])).to.deep.equal(before);
      expect(await escrowOf(bridge, rollupA, ZeroAddress)).to.equal(FUNDED_ETH_A);
      expect(await bridge.isWithdrawalFinalized(rollupB, 0, 0)).to.equal(false);
    });

    it("reverts with BridgeInsufficientEscrow when rollup B proves a token it lists but A alone holds", async function () {
      const { bridge, rollupA, rollupB, token, bob } = await loadFixture(deployFundedBridgeFixture);
      await bridge.allowToken(rollupB, token); // id 1 in B too, with no escrow
      const leaves: WithdrawalLeaf[] = [{ recipient: bob.address, tokenId: 1, amount: 1n }];
      const tree = await publishBatch(rollupB, 0, leaves);

      const tokenAddress = await token.getAddress();
      const before = await ledger(bridge, tokenAddress, [rollupA, rollupB], [bridge, bob]);
      await expect(bridge.finalizeWithdrawal(rollupB, 0, leaves[0], 0, tree.proof(0).siblings))
        .to.be.revertedWithCustomError(bridge, "BridgeInsufficientEscrow")
        .withArgs(rollupB, 1, 0n, 1n);
      expect(await ledger(bridge, tokenAddress, [rollupA, rollupB], [bridge, bob])).to.deep.equal(before);
      expect(await escrowOf(bridge, rollupA, tokenAddress)).to.equal(FUNDED_TOKEN_A);
    });

    it("reverts with BridgeUnknownToken when the token id is not listed in the rollup", async function () {
      const { bridge, rollupA, bob } = await loadFixture(deployFundedBridgeFixture);
      const leaves: WithdrawalLeaf[] = [{ recipient: bob.address, tokenId: 9, amount: 1n }];
      const tree = await publishBatch(rollupA, 0, leaves);
      await expect(bridge.finalizeWithdrawal(rollupA, 0, leaves[0], 0, tree.proof(0).siblings))
        .to.be.revertedWithCustomError(bridge, "BridgeUnknownToken")
        .withArgs(rollupA, 9);
      expect(await bridge.isWithdrawalFinalized(rollupA, 0, 0)).to.equal(false);
    });

    it("reverts with BridgeUnknownToken when rollup B names a token id only rollup A has listed", async function () {
      const { bridge, rollupA, rollupB, token, bob } = await loadFixture(deployFundedBridgeFixture);
      const leaves: WithdrawalLeaf[] = [{ recipient: bob.address, tokenId: TOKEN_ID, amount: 1n }];
      const tree = await publishBatch(rollupB, 0, leaves);
      const tokenAddress = await token.getAddress();
      const before = await ledger(bridge, tokenAddress, [rollupA, rollupB], [bridge, bob]);
      await expect(bridge.finalizeWithdrawal(rollupB, 0, leaves[0], 0, tree.proof(0).siblings))
        .to.be.revertedWithCustomError(bridge, "BridgeUnknownToken")
        .withArgs(rollupB, TOKEN_ID);
      expect(await ledger(bridge, tokenAddress, [rollupA, rollupB], [bridge, bob])).to.deep.equal(before);
    });

    describe("when the recipient cannot receive", function () {
      it("succeeds crediting a contract that refuses ETH, beside an honest recipient paid directly", async function () {
        const { bridge, rollupA, rollupB, recipient, bob } = await loadFixture(creditFixture);
        const leaves: WithdrawalLeaf[] = [
          { recipient: await recipient.getAddress(), tokenId: ETH_ID, amount: 77n },
          { recipient: bob.address, tokenId: ETH_ID, amount: 33n },
        ];
        const tree = await publishBatch(rollupA, 0, leaves);

        const tx = await bridge.finalizeWithdrawal(rollupA, 0, leaves[0], 0, tree.proof(0).siblings);
        await expect(tx)
          .to.emit(bridge, "PayoutCredited")
          .withArgs(rollupA, ZeroAddress, recipient, 77n)
          .and.to.emit(bridge, "WithdrawalFinalized")
          .withArgs(rollupA, 0, 0, recipient, ETH_ID, 77n);
        await expect(tx).to.changeEtherBalances([recipient, bridge], [0n, 0n]);
        expect(await bridge.isWithdrawalFinalized(rollupA, 0, 0)).to.equal(true);
        expect(await bridge.credits(ZeroAddress, recipient)).to.equal(77n);
        expect(await bridge.totalCredits(ZeroAddress)).to.equal(77n);
        // the escrow paid at once: the credit is the bridge's debt to the recipient, no longer the rollup's
        expect(await escrowOf(bridge, rollupA, ZeroAddress)).to.equal(FUNDED_ETH_A - 77n);
        await expectEscrowBacked(bridge, ZeroAddress, [rollupA, rollupB], [recipient, bob]);

        // the honest recipient of the same batch is paid in its own finalizeWithdrawal, with no credit
        const honest = await bridge.finalizeWithdrawal(rollupA, 0, leaves[1], 1, tree.proof(1).siblings);
        await expect(honest).to.changeEtherBalances([bob, bridge], [33n, -33n]);
        expect(await countEvents(bridge, honest, "PayoutCredited")).to.equal(0);
        expect(await bridge.credits(ZeroAddress, bob)).to.equal(0n);
        await expectEscrowBacked(bridge, ZeroAddress, [rollupA, rollupB], [recipient, bob]);
      });

      it("succeeds crediting a contract that burns all the gas it is given: the payer's transaction still fits 200,000 gas", async function () {
        const { bridge, rollupA, rollupB, recipient, stranger } = await loadFixture(creditFixture);
        await recipient.setMode(Mode.BurnGas);
        const leaves: WithdrawalLeaf[] = [
          { recipient: await recipient.getAddress(), tokenId: ETH_ID, amount: 5n },
        ];
        const tree = await publishBatch(rollupA, 0, leaves);
        const tx = bridge
          .connect(stranger)
          .finalizeWithdrawal(rollupA, 0, leaves[0], 0, tree.proof(0).siblings, { gasLimit: 200_000 });
        await expect(tx).to.emit(bridge, "PayoutCredited").withArgs(rollupA, ZeroAddress, recipient, 5n);
        expect(await bridge.isWithdrawalFinalized(rollupA, 0, 0)).to.equal(true);
        expect(await bridge.credits(ZeroAddress, recipient)).to.equal(5n);
        await expectEscrowBacked(bridge, ZeroAddress, [rollupA, rollupB], [recipient]);
      });

      it("succeeds crediting a recipient the token refuses (a blocklist), beside one it pays", async function () {
        const { bridge, rollupA, rollupB, refusingToken, bob, stranger } = await loadFixture(creditFixture);
        const tokenAddress = await refusingToken.getAddress();
        const leaves: WithdrawalLeaf[] = [
          { recipient: bob.address, tokenId: REFUSING_TOKEN_ID, amount: 300n },
          { recipient: stranger.address, tokenId: REFUSING_TOKEN_ID, amount: 200n },
        ];
        const tree = await publishBatch(rollupA, 0, leaves);

        const tx = await bridge.finalizeWithdrawal(rollupA, 0, leaves[0], 0, tree.proof(0).siblings);
        await expect(tx)
          .to.emit(bridge, "PayoutCredited")
          .withArgs(rollupA, tokenAddress, bob.address, 300n)
          .and.to.emit(bridge, "WithdrawalFinalized")
          .withArgs(rollupA, 0, 0, bob.address, REFUSING_TOKEN_ID, 300n);
        await expect(tx).to.changeTokenBalances(refusingToken, [bob, bridge], [0n, 0n]);
        expect(await bridge.credits(tokenAddress, bob)).to.equal(300n);
        expect(await escrowOf(bridge, rollupA, tokenAddress)).to.equal(700n);
        await expectEscrowBacked(bridge, tokenAddress, [rollupA, rollupB], [bob, stranger]);

        const honest = bridge.finalizeWithdrawal(rollupA, 0, leaves[1], 1, tree.proof(1).siblings);
        await expect(honest).to.changeTokenBalances(refusingToken, [stranger, bridge], [200n, -200n]);
        expect(await bridge.credits(tokenAddress, stranger)).to.equal(0n);
        await expectEscrowBacked(bridge, tokenAddress, [rollupA, rollupB], [bob, stranger]);
      });

      it("reverts with BridgeWithdrawalAlreadyFinalized when a credited withdrawal is finalized again", async function () {
        const { bridge, rollupA, recipient } = await loadFixture(creditFixture);
        const leaves: WithdrawalLeaf[] = [
          { recipient: await recipient.getAddress(), tokenId: ETH_ID, amount: 9n },
        ];
        const tree = await publishBatch(rollupA, 0, leaves);
        await bridge.finalizeWithdrawal(rollupA, 0, leaves[0], 0, tree.proof(0).siblings);
        await recipient.setMode(Mode.Accept); // now it could take a push: it still gets none
        const before = await ledger(bridge, ZeroAddress, [rollupA], [bridge, recipient]);
        await expect(bridge.finalizeWithdrawal(rollupA, 0, leaves[0], 0, tree.proof(0).siblings))
          .to.be.revertedWithCustomError(bridge, "BridgeWithdrawalAlreadyFinalized")
          .withArgs(rollupA, 0, 0);
        expect(await ledger(bridge, ZeroAddress, [rollupA], [bridge, recipient])).to.deep.equal(before);
        expect(await bridge.credits(ZeroAddress, recipient)).to.equal(9n);
      });
    });

    it("reverts with BridgeZeroRecipient when the leaf pays address(0)", async function () {
      const { bridge, rollupA } = await loadFixture(deployFundedBridgeFixture);
      const leaves: WithdrawalLeaf[] = [{ recipient: ZeroAddress, tokenId: ETH_ID, amount: 1n }];
      const tree = await publishBatch(rollupA, 0, leaves);
      const before = await ledger(bridge, ZeroAddress, [rollupA]);
      await expect(bridge.finalizeWithdrawal(rollupA, 0, leaves[0], 0, tree.proof(0).siblings))
        .to.be.revertedWithCustomError(bridge, "BridgeZeroRecipient")
        .withArgs();
      expect(await ledger(bridge, ZeroAddress, [rollupA])).to.deep.equal(before);
      expect(await bridge.isWithdrawalFinalized(rollupA, 0, 0)).to.equal(false);
    });

    it("reverts with BridgeRollupNotRegistered when the rollup is not registered", async function () {
      const { bridge, rollupC, bob } = await loadFixture(deployFundedBridgeFixture);
      const leaves: WithdrawalLeaf[] = [{ recipient: bob.address, tokenId: ETH_ID, amount: 1n }];
      const tree = await publishBatch(rollupC, 0, leaves);
      const before = await ledger(bridge, ZeroAddress, [rollupC], [bridge, bob]);
      await expect(bridge.finalizeWithdrawal(rollupC, 0, leaves[0], 0, tree.proof(0).siblings))
        .to.be.revertedWithCustomError(bridge, "BridgeRollupNotRegistered")
        .withArgs(rollupC);
      expect(await ledger(bridge, ZeroAddress, [rollupC], [bridge, bob])).to.deep.equal(before);
    });

    describe("when the recipient re-enters", function () {
      async function reentrancyFixture() {
        const f = await deployFundedBridgeFixture();
        const attacker: ReentrantRecipient = await ethers.deployContract("ReentrantRecipient");
        const recipient = await attacker.getAddress();
        const leaves: WithdrawalLeaf[] = [
          { recipient, tokenId: ETH_ID, amount: ethers.parseEther("1") },
          { recipient, tokenId: ETH_ID, amount: ethers.parseEther("2") },
        ];
        const tree = await publishBatch(f.rollupA, 0, leaves);
        return { ...f, attacker, leaves, tree };
      }

      it("succeeds crediting it when it would re-enter for another valid leaf: PAYOUT_GAS leaves it no room, one payout", async function () {
        const { bridge, rollupA, rollupB, attacker, leaves, tree } = await loadFixture(reentrancyFixture);
        const innerCall = bridge.interface.encodeFunctionData("finalizeWithdrawal", [
          await rollupA.getAddress(),
          0,
          leaves[1],
          1,
          tree.proof(1).siblings,
        ]);
        await attacker.arm(bridge, innerCall);

        const tx = await bridge.finalizeWithdrawal(rollupA, 0, leaves[0], 0, tree.proof(0).siblings);
        await expect(tx).to.changeEtherBalances([attacker, bridge], [0n, 0n]);
        expect(await countEvents(bridge, tx, "WithdrawalFinalized")).to.equal(1);
        expect(await countEvents(bridge, tx, "PayoutCredited")).to.equal(1);
        expect(await attacker.reentered()).to.equal(false);
        expect(await bridge.isWithdrawalFinalized(rollupA, 0, 0)).to.equal(true);
        expect(await bridge.isWithdrawalFinalized(rollupA, 0, 1)).to.equal(false);
        expect(await bridge.credits(ZeroAddress, attacker)).to.equal(leaves[0].amount);
        expect(await escrowOf(bridge, rollupA, ZeroAddress)).to.equal(FUNDED_ETH_A - leaves[0].amount);

        // the inner call was valid on its own: made directly, it finalizes leaf 1 (credited as well)
        await bridge.finalizeWithdrawal(rollupA, 0, leaves[1], 1, tree.proof(1).siblings);
        expect(await bridge.credits(ZeroAddress, attacker)).to.equal(leaves[0].amount + leaves[1].amount);
        await expectEscrowBacked(bridge, ZeroAddress, [rollupA, rollupB], [attacker]);
      });

      it("succeeds crediting it once when it would re-enter for the same leaf", async function () {
        const { bridge, rollupA, attacker, leaves, tree } = await loadFixture(reentrancyFixture);
        const proof = tree.proof(0).siblings;
        const innerCall = bridge.interface.encodeFunctionData("finalizeWithdrawal", [
          await rollupA.getAddress(),
          0,
          leaves[0],
          0,
          proof,
        ]);
        await attacker.arm(bridge, innerCall);

        const tx = await bridge.finalizeWithdrawal(rollupA, 0, leaves[0], 0, proof);
        expect(await countEvents(bridge, tx, "WithdrawalFinalized")).to.equal(1);
        expect(await attacker.reentered()).to.equal(false);
        expect(await bridge.credits(ZeroAddress, attacker)).to.equal(leaves[0].amount);
        expect(await escrowOf(bridge, rollupA, ZeroAddress)).to.equal(FUNDED_ETH_A - leaves[0].amount);
      });
    });
  });

  describe("release", function () {
    it("succeeds when a registered rollup pays ETH out of its own escrow", async function () {
      const { bridge, rollupA, rollupB, bob } = await loadFixture(deployFundedBridgeFixture);
      const amount = ethers.parseEther("3");
      const tx = rollupA.release(bob.address, ETH_ID, amount);
      await expect(tx).to.emit(bridge, "Released").withArgs(rollupA, bob.address, ETH_ID, amount);
      await expect(tx).to.changeEtherBalances([bob, bridge], [amount, -amount]);
      expect(await escrowOf(bridge, rollupA, ZeroAddress)).to.equal(FUNDED_ETH_A - amount);
      expect(await escrowOf(bridge, rollupB, ZeroAddress)).to.equal(FUNDED_ETH_B);
      await expectEscrowBacked(bridge, ZeroAddress, [rollupA, rollupB]);
    });

    it("succeeds when a registered rollup pays a token out of its own escrow, all of it", async function () {
      const { bridge, rollupA, rollupB, token, bob } = await loadFixture(deployFundedBridgeFixture);
      const tx = rollupA.release(bob.address, TOKEN_ID, FUNDED_TOKEN_A);
      await expect(tx).to.emit(bridge, "Released").withArgs(rollupA, bob.address, TOKEN_ID, FUNDED_TOKEN_A);
      await expect(tx).to.changeTokenBalances(token, [bob, bridge], [FUNDED_TOKEN_A, -FUNDED_TOKEN_A]);
      expect(await escrowOf(bridge, rollupA, await token.getAddress())).to.equal(0n);
      await expectEscrowBacked(bridge, await token.getAddress(), [rollupA, rollupB]);
    });

    it("reverts with BridgeRollupNotRegistered when called by an externally owned account", async function () {
      const { bridge, rollupA, alice } = await loadFixture(deployFundedBridgeFixture);
      const before = await ledger(bridge, ZeroAddress, [rollupA]);
      await expect(bridge.connect(alice).release(alice.address, ETH_ID, 1n))
        .to.be.revertedWithCustomError(bridge, "BridgeRollupNotRegistered")
        .withArgs(alice.address);
      expect(await ledger(bridge, ZeroAddress, [rollupA])).to.deep.equal(before);
    });

    it("reverts with BridgeRollupNotRegistered when called by an unregistered contract", async function () {
      const { bridge, rollupA, rollupC, bob } = await loadFixture(deployFundedBridgeFixture);
      const before = await ledger(bridge, ZeroAddress, [rollupA, rollupC], [bridge, bob]);
      await expect(rollupC.release(bob.address, ETH_ID, 1n))
        .to.be.revertedWithCustomError(bridge, "BridgeRollupNotRegistered")
        .withArgs(rollupC);
      expect(await ledger(bridge, ZeroAddress, [rollupA, rollupC], [bridge, bob])).to.deep.equal(before);
    });

    it("reverts with BridgeInsufficientEscrow when rollup B releases more than its own escrow while A has funds", async function () {
      const { bridge, rollupA, rollupB, bob } = await loadFixture(deployFundedBridgeFixture);
      const amount = FUNDED_ETH_B + 1n;
      const before = await ledger(bridge, ZeroAddress, [rollupA, rollupB], [bridge, bob]);
      await expect(rollupB.release(bob.address, ETH_ID, amount))
        .to.be.revertedWithCustomError(bridge, "BridgeInsufficientEscrow")
        .withArgs(rollupB, ETH_ID, FUNDED_ETH_B, amount);
      expect(await ledger(bridge, ZeroAddress, [rollupA, rollupB], [bridge, bob])).to.deep.equal(before);
      expect(await escrowOf(bridge, rollupA, ZeroAddress)).to.equal(FUNDED_ETH_A);
    });

    it("reverts with BridgeZeroRecipient when paying address(0)", async function () {
      const { bridge, rollupA } = await loadFixture(deployFundedBridgeFixture);
      const before = await ledger(bridge, ZeroAddress, [rollupA]);
      await expect(rollupA.release(ZeroAddress, ETH_ID, 1n))
        .to.be.revertedWithCustomError(bridge, "BridgeZeroRecipient")
        .withArgs();
      expect(await ledger(bridge, ZeroAddress, [rollupA])).to.deep.equal(before);
    });

    it("reverts with BridgeUnknownToken when the token id is not listed in the calling rollup", async function () {
      const { bridge, rollupB, bob } = await loadFixture(deployFundedBridgeFixture);
      await expect(rollupB.release(bob.address, TOKEN_ID, 1n))
        .to.be.revertedWithCustomError(bridge, "BridgeUnknownToken")
        .withArgs(rollupB, TOKEN_ID);
    });

    it("succeeds crediting a recipient that refuses ETH (an exit to a reverting contract): escrow debited, one credit", async function () {
      const { bridge, rollupA, rollupB, bob } = await loadFixture(creditFixture);
      const refuser: RevertingRecipient = await ethers.deployContract("RevertingRecipient");
      const tx = await rollupA.release(refuser, ETH_ID, 5n);
      await expect(tx)
        .to.emit(bridge, "PayoutCredited")
        .withArgs(rollupA, ZeroAddress, refuser, 5n)
        .and.to.emit(bridge, "Released")
        .withArgs(rollupA, refuser, ETH_ID, 5n);
      await expect(tx).to.changeEtherBalances([refuser, bridge], [0n, 0n]);
      expect(await bridge.credits(ZeroAddress, refuser)).to.equal(5n);
      expect(await escrowOf(bridge, rollupA, ZeroAddress)).to.equal(FUNDED_ETH_A - 5n);

      // the honest recipient: paid in the release itself
      const honest = await rollupA.release(bob, ETH_ID, 6n);
      await expect(honest).to.changeEtherBalances([bob, bridge], [6n, -6n]);
      expect(await countEvents(bridge, honest, "PayoutCredited")).to.equal(0);
      await expectEscrowBacked(bridge, ZeroAddress, [rollupA, rollupB], [refuser, bob]);
    });

    it("succeeds crediting a recipient the token refuses", async function () {
      const { bridge, rollupA, rollupB, refusingToken, bob } = await loadFixture(creditFixture);
      const tokenAddress = await refusingToken.getAddress();
      await expect(rollupA.release(bob, REFUSING_TOKEN_ID, 10n))
        .to.emit(bridge, "PayoutCredited")
        .withArgs(rollupA, tokenAddress, bob.address, 10n);
      expect(await bridge.credits(tokenAddress, bob)).to.equal(10n);
      expect(await escrowOf(bridge, rollupA, tokenAddress)).to.equal(990n);
      await expectEscrowBacked(bridge, tokenAddress, [rollupA, rollupB], [bob]);
    });
  });

  describe("claimCredit", function () {
    /** creditFixture with 77 wei credited to `recipient` and 300 `refusingToken` credited to Bob. */
    async function creditedFixture() {
      const f = await creditFixture();
      const leaves: WithdrawalLeaf[] = [
        { recipient: await f.recipient.getAddress(), tokenId: ETH_ID, amount: 77n },
        { recipient: f.bob.address, tokenId: REFUSING_TOKEN_ID, amount: 300n },
      ];
      const tree = await publishBatch(f.rollupA, 0, leaves);
      await f.bridge.finalizeWithdrawal(f.rollupA, 0, leaves[0], 0, tree.proof(0).siblings);
      await f.bridge.finalizeWithdrawal(f.rollupA, 0, leaves[1], 1, tree.proof(1).siblings);
      return f;
    }

    it("succeeds paying an ETH credit once, to the address the credited contract names", async function () {
      const { bridge, rollupA, rollupB, recipient, stranger } = await loadFixture(creditedFixture);
      const tx = await recipient.claimFrom(bridge, ZeroAddress, stranger);
      await expect(tx)
        .to.emit(bridge, "CreditClaimed")
        .withArgs(ZeroAddress, recipient, stranger.address, 77n);
      await expect(tx).to.changeEtherBalances([stranger, bridge], [77n, -77n]);
      expect(await bridge.credits(ZeroAddress, recipient)).to.equal(0n);
      expect(await bridge.totalCredits(ZeroAddress)).to.equal(0n);
      await expectEscrowBacked(bridge, ZeroAddress, [rollupA, rollupB], [recipient]);

      // once
      await expect(recipient.claimFrom(bridge, ZeroAddress, stranger))
        .to.be.revertedWithCustomError(bridge, "BridgeNothingToClaim")
        .withArgs(ZeroAddress, recipient);
    });

    it("succeeds paying the credited contract itself with all the gas the claim has, where a push had PAYOUT_GAS", async function () {
      const { bridge, recipient } = await loadFixture(creditedFixture);
      await recipient.setMode(Mode.Accept);
      await expect(recipient.claimFrom(bridge, ZeroAddress, recipient)).to.changeEtherBalances(
        [recipient, bridge],
        [77n, -77n],
      );
    });

    it("succeeds paying a token credit to another address than the one the token refuses", async function () {
      const { bridge, rollupA, rollupB, refusingToken, bob, stranger } = await loadFixture(creditedFixture);
      const tokenAddress = await refusingToken.getAddress();
      const tx = bridge.connect(bob).claimCredit(refusingToken, stranger);
      await expect(tx)
        .to.emit(bridge, "CreditClaimed")
        .withArgs(tokenAddress, bob.address, stranger.address, 300n);
      await expect(tx).to.changeTokenBalances(refusingToken, [stranger, bridge], [300n, -300n]);
      expect(await bridge.credits(tokenAddress, bob)).to.equal(0n);
      await expectEscrowBacked(bridge, tokenAddress, [rollupA, rollupB], [bob]);
    });

    it("reverts with BridgeNothingToClaim when the caller has no credit (another's credit is not its)", async function () {
      const { bridge, recipient, stranger } = await loadFixture(creditedFixture);
      const before = await ledger(bridge, ZeroAddress, [], [bridge, recipient]);
      await expect(bridge.connect(stranger).claimCredit(ZeroAddress, stranger))
        .to.be.revertedWithCustomError(bridge, "BridgeNothingToClaim")
        .withArgs(ZeroAddress, stranger.address);
      expect(await ledger(bridge, ZeroAddress, [], [bridge, recipient])).to.deep.equal(before);
      expect(await bridge.credits(ZeroAddress, recipient)).to.equal(77n);
    });

    it("reverts with BridgePayoutFailed when `to` refuses the payment: the credit is kept", async function () {
      const { bridge, refusingToken, bob } = await loadFixture(creditedFixture);
      const tokenAddress = await refusingToken.getAddress();
      const before = await ledger(bridge, tokenAddress, [], [bridge, bob]);
      await expect(bridge.connect(bob).claimCredit(refusingToken, bob))
        .to.be.revertedWithCustomError(bridge, "BridgePayoutFailed")
        .withArgs(tokenAddress, bob.address, 300n);
      expect(await ledger(bridge, tokenAddress, [], [bridge, bob])).to.deep.equal(before);
      expect(await bridge.credits(tokenAddress, bob)).to.equal(300n);
    });

    it("reverts with BridgePayoutFailed when the credited contract still refuses ETH and names itself", async function () {
      const { bridge, recipient } = await loadFixture(creditedFixture);
      await expect(recipient.claimFrom(bridge, ZeroAddress, recipient))
        .to.be.revertedWithCustomError(bridge, "BridgePayoutFailed")
        .withArgs(ZeroAddress, recipient, 77n);
      expect(await bridge.credits(ZeroAddress, recipient)).to.equal(77n);
    });

    it("reverts with BridgeZeroRecipient when `to` is address(0)", async function () {
      const { bridge, refusingToken, bob } = await loadFixture(creditedFixture);
      await expect(bridge.connect(bob).claimCredit(refusingToken, ZeroAddress))
        .to.be.revertedWithCustomError(bridge, "BridgeZeroRecipient")
        .withArgs();
      expect(await bridge.credits(await refusingToken.getAddress(), bob)).to.equal(300n);
    });

    it("succeeds without the inner call when `to` re-enters to finalize a withdrawal: one payout", async function () {
      const { bridge, rollupA, rollupB, recipient } = await loadFixture(creditedFixture);
      const attacker: ReentrantRecipient = await ethers.deployContract("ReentrantRecipient");
      const leaves: WithdrawalLeaf[] = [
        { recipient: await attacker.getAddress(), tokenId: ETH_ID, amount: 4n },
      ];
      const tree = await publishBatch(rollupA, 1, leaves);
      const innerCall = bridge.interface.encodeFunctionData("finalizeWithdrawal", [
        await rollupA.getAddress(),
        1,
        leaves[0],
        0,
        tree.proof(0).siblings,
      ]);
      await attacker.arm(bridge, innerCall);

      const tx = await recipient.claimFrom(bridge, ZeroAddress, attacker);
      await expect(tx).to.changeEtherBalances([attacker, bridge], [77n, -77n]);
      expect(await attacker.reentered()).to.equal(false);
      expect(bridge.interface.parseError(await attacker.lastError())?.name).to.equal(
        "ReentrancyGuardReentrantCall",
      );
      expect(await bridge.isWithdrawalFinalized(rollupA, 1, 0)).to.equal(false);
      await expectEscrowBacked(bridge, ZeroAddress, [rollupA, rollupB], [recipient, attacker]);
    });
  });

  describe("views", function () {
    describe("depositQueue", function () {
      it("succeeds when the rollup has no deposits or is not registered: count 0, head 0", async function () {
        const { bridge, rollupB, rollupC } = await loadFixture(deployBridgeFixture);
        for (const rollup of [rollupB, rollupC]) {
          const queue = await bridge.depositQueue(rollup);
          expect([queue.count, queue.head]).to.deep.equal([0n, ZeroHash]);
        }
      });

      it("succeeds when deposits were made: it counts them all", async function () {
        const { bridge, rollupA, rollupB } = await loadFixture(deployFundedBridgeFixture);
        expect((await bridge.depositQueue(rollupA)).count).to.equal(3n);
        expect((await bridge.depositQueue(rollupB)).count).to.equal(1n);
      });
    });

    describe("depositHeadAt and depositQueuedAt", function () {
      /**
       * `n` 1-wei deposits into rollupB from Alice, mined in `blocks` blocks 7 seconds apart; returns the
       * head after each count.
       */
      async function depositMany(
        bridge: Bridge,
        rollup: TestRollup,
        n: number,
        blocks = 1,
      ): Promise<string[]> {
        const [, alice] = await ethers.getSigners();
        const to = zeroPadValue(alice.address, 32);
        await ethers.provider.send("evm_setAutomine", [false]);
        try {
          for (let b = 0; b < blocks; b++) {
            const share = Math.floor((n * (b + 1)) / blocks) - Math.floor((n * b) / blocks);
            for (let i = 0; i < share; i++) await bridge.connect(alice).depositEth(rollup, to, { value: 1n });
            await ethers.provider.send("evm_increaseTime", [7]);
            await ethers.provider.send("evm_mine", []);
          }
        } finally {
          await ethers.provider.send("evm_setAutomine", [true]);
        }
        const events = await bridge.queryFilter(bridge.filters.DepositQueued(rollup));
        return [ZeroHash, ...events.map((e) => e.args.head)];
      }

      it("succeeds for every count of the last 256: the head after that many deposits", async function () {
        const { bridge, rollupB } = await loadFixture(deployBridgeFixture);
        const heads = await depositMany(bridge, rollupB, 300);
        expect((await bridge.depositQueue(rollupB)).head).to.equal(heads[300]);
        for (const count of [45, 46, 100, 256, 299, 300]) {
          expect(await bridge.depositHeadAt(rollupB, count)).to.equal(heads[count]);
        }
      });

      it("succeeds for count 0 while the queue holds fewer than 256 deposits: the empty head", async function () {
        const { bridge, rollupB, rollupC } = await loadFixture(deployBridgeFixture);
        await depositMany(bridge, rollupB, 255);
        expect(await bridge.depositHeadAt(rollupB, 0)).to.equal(ZeroHash);
        expect(await bridge.depositHeadAt(rollupC, 0)).to.equal(ZeroHash);
      });

      it("reverts with BridgeDepositHeadForgotten when the count is older than the last 256", async function () {
        const { bridge, rollupB } = await loadFixture(deployBridgeFixture);
        await depositMany(bridge, rollupB, 300);
        await expect(bridge.depositHeadAt(rollupB, 44))
          .to.be.revertedWithCustomError(bridge, "BridgeDepositHeadForgotten")
          .withArgs(await rollupB.getAddress(), 44n, 45n);
        await expect(bridge.depositHeadAt(rollupB, 0))
          .to.be.revertedWithCustomError(bridge, "BridgeDepositHeadForgotten")
          .withArgs(await rollupB.getAddress(), 0n, 45n);
      });

      it("reverts with BridgeDepositCountAhead when the count is more than the queue holds", async function () {
        const { bridge, rollupA, rollupC } = await loadFixture(deployFundedBridgeFixture);
        await expect(bridge.depositHeadAt(rollupA, 4))
          .to.be.revertedWithCustomError(bridge, "BridgeDepositCountAhead")
          .withArgs(await rollupA.getAddress(), 4n, 3n);
        await expect(bridge.depositHeadAt(rollupC, 1))
          .to.be.revertedWithCustomError(bridge, "BridgeDepositCountAhead")
          .withArgs(await rollupC.getAddress(), 1n, 0n);
      });

      it("succeeds for each of the last 256 deposits: its own timestamp, kept beside the head after it", async function () {
        const { bridge, rollupB } = await loadFixture(deployBridgeFixture);
        const heads = await depositMany(bridge, rollupB, 300, 10);
        const events = await bridge.queryFilter(bridge.filters.DepositQueued(rollupB));
        expect(new Set(events.map((e) => e.args.timestamp)).size).to.equal(10);
        for (const index of [44, 45, 99, 100, 255, 256, 298, 299]) {
          expect(await bridge.depositQueuedAt(rollupB, index)).to.equal(events[index].args.timestamp);
        }
        // the timestamps share the heads' words and do not leak into them: a head's low 48 bits are zero
        for (const count of [45, 200, 300]) {
          const head = await bridge.depositHeadAt(rollupB, count);
          expect(head).to.equal(heads[count]);
          expect(BigInt(head) & ((1n << 48n) - 1n)).to.equal(0n);
          expect(head).to.not.equal(ZeroHash);
        }
      });

      it("reverts with BridgeDepositForgotten when the deposit is older than the last 256", async function () {
        const { bridge, rollupB } = await loadFixture(deployBridgeFixture);
        await depositMany(bridge, rollupB, 300);
        await expect(bridge.depositQueuedAt(rollupB, 43))
          .to.be.revertedWithCustomError(bridge, "BridgeDepositForgotten")
          .withArgs(await rollupB.getAddress(), 43n, 44n);
        await expect(bridge.depositQueuedAt(rollupB, 0))
          .to.be.revertedWithCustomError(bridge, "BridgeDepositForgotten")
          .withArgs(await rollupB.getAddress(), 0n, 44n);
      });

      it("reverts with BridgeDepositNotQueued when the deposit is not in the queue yet", async function () {
        const { bridge, rollupA, rollupC } = await loadFixture(deployFundedBridgeFixture);
        await expect(bridge.depositQueuedAt(rollupA, 3))
          .to.be.revertedWithCustomError(bridge, "BridgeDepositNotQueued")
          .withArgs(await rollupA.getAddress(), 3n, 3n);
        await expect(bridge.depositQueuedAt(rollupC, 0))
          .to.be.revertedWithCustomError(bridge, "BridgeDepositNotQueued")
          .withArgs(await rollupC.getAddress(), 0n, 0n);
      });
    });

    describe("asset", function () {
      it("succeeds when the token is unknown to the rollup: all zeroes", async function () {
        const { bridge, rollupB, rollupC, token } = await loadFixture(deployFundedBridgeFixture);
        for (const [rollup, t] of [
          [rollupB, token],
          [rollupC, token],
          [rollupC, ZeroAddress],
        ] as const) {
          const a = await bridge.asset(rollup, t);
          expect([a.listed, a.allowed, a.tokenId, a.escrowed]).to.deep.equal([false, false, 0n, 0n]);
        }
      });

      it("succeeds when the token is listed: its id and this rollup's escrow only", async function () {
        const { bridge, rollupA, rollupB } = await loadFixture(deployFundedBridgeFixture);
        const a = await bridge.asset(rollupA, ZeroAddress);
        const b = await bridge.asset(rollupB, ZeroAddress);
        expect([a.listed, a.allowed, a.tokenId, a.escrowed]).to.deep.equal([true, true, 0n, FUNDED_ETH_A]);
        expect([b.listed, b.allowed, b.tokenId, b.escrowed]).to.deep.equal([true, true, 0n, FUNDED_ETH_B]);
      });
    });

    describe("tokenOf", function () {
      it("succeeds when the id is listed: ETH is address(0), then the tokens in the order allowed", async function () {
        const { bridge, rollupA, token, feeToken, attackerToken } = await loadFixture(deployBridgeFixture);
        expect(await bridge.tokenOf(rollupA, ETH_ID)).to.equal(ZeroAddress);
        expect(await bridge.tokenOf(rollupA, TOKEN_ID)).to.equal(await token.getAddress());
        expect(await bridge.tokenOf(rollupA, FEE_TOKEN_ID)).to.equal(await feeToken.getAddress());
        expect(await bridge.tokenOf(rollupA, ATTACKER_TOKEN_ID)).to.equal(await attackerToken.getAddress());
      });

      it("reverts with BridgeUnknownToken when the id is not below the rollup's token count", async function () {
        const { bridge, rollupA, rollupB, rollupC } = await loadFixture(deployBridgeFixture);
        await expect(bridge.tokenOf(rollupA, 4))
          .to.be.revertedWithCustomError(bridge, "BridgeUnknownToken")
          .withArgs(rollupA, 4);
        await expect(bridge.tokenOf(rollupB, 1))
          .to.be.revertedWithCustomError(bridge, "BridgeUnknownToken")
          .withArgs(rollupB, 1);
        await expect(bridge.tokenOf(rollupC, 0))
          .to.be.revertedWithCustomError(bridge, "BridgeUnknownToken")
          .withArgs(rollupC, 0);
      });
    });

    describe("isRegistered", function () {
      it("succeeds when asked: true for registered rollups only", async function () {
        const { bridge, rollupA, rollupB, rollupC, alice } = await loadFixture(deployBridgeFixture);
        expect(await bridge.isRegistered(rollupA)).to.equal(true);
        expect(await bridge.isRegistered(rollupB)).to.equal(true);
        expect(await bridge.isRegistered(rollupC)).to.equal(false);
        expect(await bridge.isRegistered(alice.address)).to.equal(false);
      });
    });

    describe("isWithdrawalFinalized", function () {
      it("succeeds when nothing was paid: false everywhere", async function () {
        const { bridge, rollupA, rollupC } = await loadFixture(deployFundedBridgeFixture);
        expect(await bridge.isWithdrawalFinalized(rollupA, 0, 0)).to.equal(false);
        expect(await bridge.isWithdrawalFinalized(rollupA, 0, ethers.MaxUint256)).to.equal(false);
        expect(await bridge.isWithdrawalFinalized(rollupC, 7, 300)).to.equal(false);
      });
    });
  });
});
