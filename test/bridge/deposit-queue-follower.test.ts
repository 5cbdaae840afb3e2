import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";
import { BridgeClient, DepositQueueFollower } from "../../src/bridge/client";
import { ownerOfAddress } from "../../src/shared/types";
import { deployBridgeFixture } from "./fixtures";

describe("DepositQueueFollower", function () {
  describe("sync", function () {
    it("follows one rollup's queue across syncs and equals the full verified read", async function () {
      const { bridge, rollupA, rollupB, alice, bob } = await loadFixture(deployBridgeFixture);
      const client = new BridgeClient(await bridge.getAddress(), ethers.provider);
      const follower = new DepositQueueFollower(client, await rollupA.getAddress());
      expect(await follower.sync()).to.deep.equal([]);

      const deposit = async (rollup: string, amount: bigint) =>
        client.depositEth(alice, { rollup, to: ownerOfAddress(bob.address), amount });
      await deposit(await rollupA.getAddress(), 1n);
      await deposit(await rollupB.getAddress(), 2n); // another rollup's queue: not followed
      expect((await follower.sync()).map((d) => d.amount)).to.deep.equal([1n]);

      await deposit(await rollupA.getAddress(), 3n);
      await deposit(await rollupA.getAddress(), 4n);
      const followed = await follower.sync();
      expect(followed.map((d) => d.amount)).to.deep.equal([1n, 3n, 4n]);
      expect(followed).to.deep.equal(await client.verifiedQueue(await rollupA.getAddress()));
      expect(await follower.sync()).to.equal(followed); // nothing new: the same list, no re-read
    });
  });
});
