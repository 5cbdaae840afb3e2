import { expect } from "chai";
import { ethers } from "hardhat";
import { ChainChangedError } from "../../src/common/chain-identity";
import { ChainFollower } from "../../src/optimistic/chain-follower";
import { RollupClient } from "../../src/optimistic/rollup-client";
import type { ChainSwap } from "../helpers/chain-swap";
import { changingAfterLogs, swappableBlocks } from "../helpers/chain-swap";
import type { OptimisticFixture } from "./fixtures";
import { deployOptimisticFixture } from "./fixtures";

describe("ChainFollower", function () {
  let f: OptimisticFixture;

  before(async function () {
    f = await deployOptimisticFixture();
  });

  describe("sync", function () {
    const now: Record<ChainSwap, string> = { shrink: "gone", replace: "0x" };
    for (const how of ["shrink", "replace"] as const) {
      it(`throws ChainChangedError on the next sync when Layer 1 is swapped (${how}) between its read of the logs and its cursor`, async function () {
        const hooked = changingAfterLogs(ethers.provider);
        const follower = await ChainFollower.create(
          new RollupClient(f.rollupAddress, ethers.provider),
          hooked.provider,
          f.authorizer,
        );
        const told: ChainChangedError[] = [];
        follower.onChainChanged = (error) => told.push(error);
        const blocks = await swappableBlocks();
        try {
          hooked.after = () => blocks.swap(how);
          expect(await follower.sync()).to.deep.equal([]);
          expect(follower.syncedTo).to.equal(blocks.head.number);
          const { number, hash } = blocks.head;
          await expect(follower.sync()).to.be.rejectedWith(
            ChainChangedError,
            `the optimistic rollup's node read Layer 1 up to block ${number} (${hash.slice(0, 10)}…), ` +
              `which is now ${now[how]}`,
          );
          expect(told.map((e) => e.name)).to.deep.equal(["ChainChangedError"]);
          // Every later sync says so too: the check never turns itself off.
          await expect(follower.sync()).to.be.rejectedWith(ChainChangedError);
          expect(follower.syncedTo).to.equal(number);
        } finally {
          await blocks.restore();
        }
      });
    }
  });
});
