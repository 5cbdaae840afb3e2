// The secret registry as the Adjudicator inherits it: the adjudicator is the registry of its channels' locks.
import { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { id, keccak256 } from "ethers";
import { Adjudicator__factory } from "../../typechain-types";

async function registryFixture() {
  const [deployer, revealer] = await ethers.getSigners();
  const registry = await new Adjudicator__factory(deployer).deploy();
  return { registry: registry.connect(revealer) };
}

const SECRET = id("strata.channels.secret");
const HASHLOCK = keccak256(SECRET);

describe("SecretRegistry", function () {
  describe("reveal", function () {
    it("succeeds recording the block's timestamp and emitting SecretRevealed", async function () {
      const { registry } = await loadFixture(registryFixture);
      const at = BigInt(await time.latest()) + 7n;
      await time.setNextBlockTimestamp(at);
      await expect(registry.reveal(SECRET)).to.emit(registry, "SecretRevealed").withArgs(HASHLOCK, SECRET);
      expect(await registry.revealedAt(HASHLOCK)).to.equal(at);
    });

    it("returns the hashlock keccak256(secret)", async function () {
      const { registry } = await loadFixture(registryFixture);
      expect(await registry.reveal.staticCall(SECRET)).to.equal(HASHLOCK);
    });

    it("reverts with SecretRegistryAlreadyRevealed when the secret was revealed before, keeping the first time", async function () {
      const { registry } = await loadFixture(registryFixture);
      await registry.reveal(SECRET);
      const first = await registry.revealedAt(HASHLOCK);
      await time.increase(100);
      await expect(registry.reveal(SECRET))
        .to.be.revertedWithCustomError(registry, "SecretRegistryAlreadyRevealed")
        .withArgs(HASHLOCK, first);
      expect(await registry.revealedAt(HASHLOCK)).to.equal(first);
    });
  });

  describe("revealedAt", function () {
    it("is zero for a hashlock whose secret was never revealed", async function () {
      const { registry } = await loadFixture(registryFixture);
      expect(await registry.revealedAt(HASHLOCK)).to.equal(0n);
    });
  });
});
