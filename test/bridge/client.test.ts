import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";
import { ZeroAddress, toBeHex, zeroPadValue } from "ethers";
import type { TestRollup } from "../../typechain-types";
import { BridgeClient, BridgeRecipientNotOwnableError, checkDepositRecipient } from "../../src/bridge/client";
import { ContractRevertError } from "../../src/common/errors";
import { ownerOfAddress } from "../../src/shared/types";
import { deployBridgeFixture, deployFundedBridgeFixture } from "./fixtures";

/** What a refused deposit must leave as it was: the rollup's queue, its ETH and token escrow, the sender's nonce. */
async function snapshot(
  client: BridgeClient,
  rollup: TestRollup,
  token: string,
  sender: string,
): Promise<unknown[]> {
  const q = await client.contract.depositQueue(rollup);
  return [
    q.count,
    q.head,
    (await client.contract.asset(rollup, ZeroAddress)).escrowed,
    (await client.contract.asset(rollup, token)).escrowed,
    await ethers.provider.getTransactionCount(sender),
  ];
}

describe("BridgeClient", function () {
  describe("checkDepositRecipient", function () {
    it("succeeds for every owner that fits 160 bits: an address left-padded, a zk owner hash mod 2^160", function () {
      expect(() => checkDepositRecipient(ownerOfAddress("0x" + "ff".repeat(20)))).to.not.throw();
      expect(() => checkDepositRecipient(zeroPadValue(toBeHex(12345n), 32))).to.not.throw();
    });

    it("throws BridgeRecipientNotOwnableError for a word with a bit above the low 160, or no 32-byte word", function () {
      for (const to of [
        zeroPadValue(toBeHex(1n << 160n), 32),
        "0x" + "ff".repeat(32),
        "0x" + "ff".repeat(20), // an address: not a bytes32 owner
        "0x" + "00".repeat(31) + "0g",
      ]) {
        expect(() => checkDepositRecipient(to), to)
          .to.throw(BridgeRecipientNotOwnableError)
          .with.property("to", to);
      }
    });
  });

  describe("depositEth", function () {
    it("throws BridgeRecipientNotOwnableError before sending when `to` no key can spend: nothing sent", async function () {
      const { bridge, rollupA, token, alice } = await loadFixture(deployBridgeFixture);
      const client = new BridgeClient(await bridge.getAddress(), ethers.provider);
      const tokenAddress = await token.getAddress();
      const to = zeroPadValue(toBeHex(1n << 160n), 32);
      const before = await snapshot(client, rollupA, tokenAddress, alice.address);
      let thrown: unknown;
      try {
        await client.depositEth(alice, { rollup: await rollupA.getAddress(), to, amount: 1n });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).to.be.instanceOf(BridgeRecipientNotOwnableError);
      expect(await snapshot(client, rollupA, tokenAddress, alice.address)).to.deep.equal(before);
    });

    it("succeeds for the widest owner, 2^160 - 1, as the bridge does", async function () {
      const { bridge, rollupA, alice } = await loadFixture(deployBridgeFixture);
      const client = new BridgeClient(await bridge.getAddress(), ethers.provider);
      const to = zeroPadValue(toBeHex((1n << 160n) - 1n), 32);
      const { deposit } = await client.depositEth(alice, {
        rollup: await rollupA.getAddress(),
        to,
        amount: 7n,
      });
      expect(deposit.to).to.equal(to);
      expect(deposit.amount).to.equal(7n);
    });
  });

  describe("depositErc20", function () {
    it("throws BridgeRecipientNotOwnableError before approving or sending: nothing sent", async function () {
      const { bridge, rollupA, token, alice } = await loadFixture(deployBridgeFixture);
      const client = new BridgeClient(await bridge.getAddress(), ethers.provider);
      const tokenAddress = await token.getAddress();
      const to = "0x01" + "00".repeat(31);
      const before = await snapshot(client, rollupA, tokenAddress, alice.address);
      let thrown: unknown;
      try {
        await client.depositErc20(alice, {
          rollup: await rollupA.getAddress(),
          token: tokenAddress,
          to,
          amount: 5n,
        });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).to.be.instanceOf(BridgeRecipientNotOwnableError);
      expect(await snapshot(client, rollupA, tokenAddress, alice.address)).to.deep.equal(before);
    });
  });

  describe("claimCredit", function () {
    it("succeeds pulling the signer's credit to another address, once; then reverts with BridgeNothingToClaim", async function () {
      const { bridge, rollupA, alice, bob, stranger } = await loadFixture(deployFundedBridgeFixture);
      const client = new BridgeClient(await bridge.getAddress(), ethers.provider);
      // a token with a blocklist refuses Bob: a release to him is credited
      const refusing = await ethers.deployContract("RefusingToken");
      await bridge.allowToken(rollupA, refusing);
      await refusing.mint(alice.address, 50n);
      await refusing.connect(alice).approve(bridge, 50n);
      await bridge.connect(alice).depositErc20(rollupA, refusing, ownerOfAddress(alice.address), 50n);
      await refusing.setRefused(bob.address, true);
      const tokenId = (await bridge.asset(rollupA, refusing)).tokenId;
      await rollupA.release(bob.address, tokenId, 20n);
      const tokenAddress = await refusing.getAddress();
      expect(await bridge.credits(tokenAddress, bob.address)).to.equal(20n);

      await client.claimCredit(bob, tokenAddress, stranger.address);
      expect(await refusing.balanceOf(stranger.address)).to.equal(20n);
      expect(await bridge.credits(tokenAddress, bob.address)).to.equal(0n);
      let thrown: unknown;
      try {
        await client.claimCredit(bob, tokenAddress, stranger.address);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).to.be.instanceOf(ContractRevertError);
      expect((thrown as ContractRevertError).errorName).to.equal("BridgeNothingToClaim");
    });
  });
});
