import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { keccak256 } from "ethers";
import { artifacts, ethers } from "hardhat";
import type { Deployment } from "../../src/common/deployments";
import { createLogger } from "../../src/common/logger";
import { deploySuite } from "../../src/deploy/suite";
import {
  checkZkVerifier,
  checkZkVerifierPin,
  loadZkBuild,
  ZkVerifierMismatchError,
  ZkVerifierPinMissingError,
} from "../../src/deploy/zk-verifier";
import { startZkOperatorService } from "../../src/zk/stack";

/** The suite deployed on the in-process chain with the `test` profile's verifier. */
async function deployed(): Promise<Deployment> {
  const [deployer] = await ethers.getSigners();
  return deploySuite(deployer!, { network: "hardhat", local: true });
}

/**
 * Another verifier, deployed beside the suite: the test-only `ZkVerifierStandIn`, which exists on every
 * checkout (the `default` profile's generated verifier is built only by the bench).
 */
async function otherVerifier(): Promise<string> {
  const contract = await ethers.deployContract("ZkVerifierStandIn");
  await contract.waitForDeployment();
  return contract.getAddress();
}

/** The deployed suite's record, naming `verifier` as its ZkVerifier (everything else as deployed). */
async function naming(verifier: Promise<string>): Promise<Deployment> {
  const deployment = await loadFixture(deployed);
  return { ...deployment, contracts: { ...deployment.contracts, ZkVerifier: await verifier } };
}

/** The build's own verifier again, at another address: a twin of the one the rollup calls. */
async function twinVerifier(): Promise<string> {
  return (await ethers.deployContract("ZkVerifierTest")).getAddress();
}

describe("checkZkVerifierPin (src/deploy/zk-verifier.ts): what a wallet checks without the build", function () {
  this.timeout(120_000);

  it("confirms the record's verifier: the pinned code at its address, and the one the rollup calls", async function () {
    const deployment = await loadFixture(deployed);
    const code = await ethers.provider.getCode(deployment.contracts.ZkVerifier!);
    expect(await checkZkVerifierPin(deployment, ethers.provider)).to.equal(keccak256(code));
  });

  it("refuses a record whose verifier address holds other code than it pins", async function () {
    const forged = await naming(otherVerifier());
    const error: ZkVerifierMismatchError = await expect(
      checkZkVerifierPin(forged, ethers.provider),
    ).to.be.rejectedWith(ZkVerifierMismatchError);
    expect(error.what).to.equal("pinned runtime code");
  });

  it("refuses a record naming a twin of the pinned verifier that the rollup does not call", async function () {
    const forged = await naming(twinVerifier());
    const error: ZkVerifierMismatchError = await expect(
      checkZkVerifierPin(forged, ethers.provider),
    ).to.be.rejectedWith(ZkVerifierMismatchError);
    expect(error.what).to.equal("rollup's verifier");
  });

  it("refuses a record that pins nothing (ZkVerifierPinMissingError)", async function () {
    const deployment = await loadFixture(deployed);
    await expect(
      checkZkVerifierPin({ ...deployment, zkVerifier: undefined }, ethers.provider),
    ).to.be.rejectedWith(ZkVerifierPinMissingError);
  });
});

describe("checkZkVerifier (src/deploy/zk-verifier.ts)", function () {
  this.timeout(120_000);

  it("pins the verifier in the deployment record and confirms it against the chain and the local build", async function () {
    const deployment = await loadFixture(deployed);
    const { manifest } = await loadZkBuild("test");
    const code = await ethers.provider.getCode(deployment.contracts.ZkVerifier!);
    expect(deployment.zkVerifier).to.deep.include({
      profile: "test",
      contract: "ZkVerifierTest",
      verificationKeySha256: manifest.verificationKeySha256,
      zkeySha256: manifest.zkeySha256,
      setup: manifest.setup.kind,
      runtimeCodeHash: keccak256(code),
    });
    expect(await checkZkVerifier(deployment, ethers.provider)).to.equal(keccak256(code));
  });

  it("refuses a deployment whose verifier is another contract, naming its runtime code", async function () {
    const forged = await naming(otherVerifier());
    const error: ZkVerifierMismatchError = await expect(
      checkZkVerifier(forged, ethers.provider),
    ).to.be.rejectedWith(ZkVerifierMismatchError);
    expect(error.what).to.equal("runtime code");
    expect(error.actual).to.equal(keccak256(await ethers.provider.getCode(forged.contracts.ZkVerifier)));
  });

  it("refuses a record whose verifier, the build's own code at another address, is not the one the rollup calls", async function () {
    const deployment = await loadFixture(deployed);
    const forged = await naming(twinVerifier());
    const error: ZkVerifierMismatchError = await expect(
      checkZkVerifier({ ...forged, zkVerifier: undefined }, ethers.provider),
    ).to.be.rejectedWith(ZkVerifierMismatchError);
    expect(error.what).to.equal("rollup's verifier");
    expect(error.actual).to.equal(deployment.contracts.ZkVerifier);
  });

  it("refuses a verifier that matches a stale artifact but not the build's verification key", async function () {
    const deployment = await loadFixture(deployed);
    const other = await otherVerifier();
    const forged = {
      ...deployment,
      zkVerifier: undefined,
      contracts: { ...deployment.contracts, ZkVerifier: other },
    };
    // An artifact that matches the deployed code but holds none of the build's key.
    const stale = (await artifacts.readArtifact("ZkVerifierStandIn")).deployedBytecode;
    const error: ZkVerifierMismatchError = await expect(
      checkZkVerifier(forged, ethers.provider, { profile: "test", deployedBytecode: stale }),
    ).to.be.rejectedWith(ZkVerifierMismatchError);
    expect(error.what).to.equal("verification key");
  });

  it("refuses a record that pins another verification key or other code than the chain holds", async function () {
    const deployment = await loadFixture(deployed);
    const pin = deployment.zkVerifier!;
    const otherKey = { ...deployment, zkVerifier: { ...pin, verificationKeySha256: "00".repeat(32) } };
    await expect(checkZkVerifier(otherKey, ethers.provider))
      .to.be.rejectedWith(ZkVerifierMismatchError)
      .and.eventually.include({ what: "pinned verification key" });
    const otherCode = { ...deployment, zkVerifier: { ...pin, runtimeCodeHash: keccak256("0x00") } };
    await expect(checkZkVerifier(otherCode, ethers.provider))
      .to.be.rejectedWith(ZkVerifierMismatchError)
      .and.eventually.include({ what: "pinned runtime code" });
  });

  it("keeps the zk operator from starting on a deployment whose verifier is not its build's", async function () {
    const deployment = await loadFixture(deployed);
    const forged = await naming(otherVerifier());
    const dataDir = await mkdtemp(join(tmpdir(), "strata-zk-verifier-"));
    const [, operator] = await ethers.getSigners();
    try {
      const start = (record: Deployment) =>
        startZkOperatorService({
          deployment: record,
          signer: operator!,
          provider: ethers.provider,
          settings: { host: "127.0.0.1", port: 0, profile: "test", maxBatchAgeMs: 60_000, dataDir },
          logger: createLogger({ level: "silent" }),
        });
      const error: ZkVerifierMismatchError = await expect(start(forged)).to.be.rejectedWith(
        ZkVerifierMismatchError,
      );
      expect(error.what).to.equal("runtime code");
      const honest = await start(deployment);
      await honest.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
