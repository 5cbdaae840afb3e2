// Which chain a deployment, a data directory and a cursor belong to (src/common/chain-identity.ts), checked
// against Hardhat's in-process chain: the record a deploy leaves, each refusal by name with what differs and
// how to fix it, and the watch a running service keeps. (Resetting a node and redeploying at the same
// addresses is test/e2e/chain-identity.test.ts, against a `hardhat node`.)
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, Wallet } from "ethers";
import { ethers } from "hardhat";
import { DemoToken__factory } from "../../typechain-types";
import type { ChainIdentityError, VerifiedChain } from "../../src/common/chain-identity";
import {
  CHAIN_RECORD_FILE,
  ChainChangedError,
  ChainWatch,
  DataDirChainMismatchError,
  DeploymentNotOnChainError,
  WrongChainError,
  checkDataDirChain,
  checkDeploymentOnChain,
  cursorOnChain,
  recordDeploymentChain,
} from "../../src/common/chain-identity";
import type { Deployment } from "../../src/common/deployments";
import { createLogger } from "../../src/common/logger";
import { freePort } from "../../src/common/processes";
import { useTempDir } from "../helpers/temp-dir";

const provider = ethers.provider;

/** A deployment record of one DemoToken on the in-process chain, with the chain recorded as deploySuite does. */
async function deployToken(): Promise<Deployment> {
  const [deployer] = await ethers.getSigners();
  const token = await new DemoToken__factory(deployer).deploy(1000n);
  await token.waitForDeployment();
  return {
    network: "hardhat",
    chainId: Number((await provider.getNetwork()).chainId),
    deployedAt: new Date().toISOString(),
    deployer: deployer.address,
    contracts: { DemoToken: await token.getAddress() },
    chain: await recordDeploymentChain(provider),
  };
}

const otherHash = "0x" + "ab".repeat(32);

describe("chain identity", function () {
  let deployment: Deployment;
  const dir = useTempDir("strata-chain-identity-", []);

  before(async function () {
    deployment = await deployToken();
  });

  describe("recordDeploymentChain", function () {
    it("records the genesis hash and the block the deployment is complete at", async function () {
      const genesis = await provider.getBlock(0);
      const anchor = await provider.getBlock(deployment.chain!.block);
      expect(deployment.chain).to.deep.equal({
        genesisHash: genesis!.hash,
        block: anchor!.number,
        blockHash: anchor!.hash,
      });
      expect(await provider.getCode(deployment.contracts.DemoToken)).to.not.equal("0x");
    });
  });

  describe("checkDeploymentOnChain", function () {
    it("finds the deployment: the node's chain and the record's anchor", async function () {
      const verified = await checkDeploymentOnChain(deployment, provider);
      expect(verified.identity).to.deep.equal({ chainId: 31337, genesisHash: deployment.chain!.genesisHash });
      expect(verified.anchor).to.deep.equal({
        number: deployment.chain!.block,
        hash: deployment.chain!.blockHash,
      });
    });

    it("refuses with WrongChainError a record of another chain id", async function () {
      const error = await expect(
        checkDeploymentOnChain({ ...deployment, network: "sepolia", chainId: 11155111 }, provider),
      ).to.be.rejectedWith(WrongChainError);
      expect(error.message).to.equal(
        "the node is chain 31337, but the deployment record of sepolia is for chain 11155111: point the " +
          "service at that chain's node, or run `npm run deploy -- --network sepolia`",
      );
    });

    it("refuses with DeploymentNotOnChainError an address without code, naming the contract and the fix", async function () {
      const nowhere = Wallet.createRandom().address;
      const error = await expect(
        checkDeploymentOnChain(
          { ...deployment, network: "localhost", contracts: { ...deployment.contracts, Bridge: nowhere } },
          provider,
        ),
      ).to.be.rejectedWith(DeploymentNotOnChainError);
      expect(error.missing).to.deep.equal([`Bridge ${nowhere}`]);
      expect(error.message).to.equal(
        `no code at Bridge ${nowhere} on localhost: the node has no such deployment (was it restarted?); ` +
          "run `npm run deploy -- --network localhost`",
      );
    });

    it("refuses with DeploymentNotOnChainError a record whose anchor block is another chain's", async function () {
      const error = await expect(
        checkDeploymentOnChain(
          { ...deployment, chain: { ...deployment.chain!, blockHash: otherHash } },
          provider,
        ),
      ).to.be.rejectedWith(DeploymentNotOnChainError);
      expect(error.missing).to.deep.equal([]);
      expect(error.message).to.include(`at block ${deployment.chain!.block} (0xabababab…)`);
      expect(error.message).to.include("was it restarted?");
    });

    it("checks an older record without a chain identity by chain id and code, and says so", async function () {
      const lines: string[] = [];
      const logger = createLogger({ write: (line) => lines.push(line) });
      const legacy = { ...deployment, chain: undefined };
      const verified = await checkDeploymentOnChain(legacy, provider, { logger });
      expect(verified.anchor).to.equal(undefined);
      expect(lines.join("\n")).to.include("the deployment record has no chain identity");
      const nowhere = Wallet.createRandom().address;
      await expect(
        checkDeploymentOnChain({ ...legacy, contracts: { Adjudicator: nowhere } }, provider),
      ).to.be.rejectedWith(DeploymentNotOnChainError, `no code at Adjudicator ${nowhere}`);
    });
  });

  describe("checkDataDirChain", function () {
    let verified: VerifiedChain;
    beforeEach(async function () {
      verified = await checkDeploymentOnChain(deployment, provider);
    });

    it("records the chain in chain.json on a first start, and matches it on the next", async function () {
      expect(await checkDataDirChain(dir(), verified, provider)).to.equal("created");
      const record = JSON.parse(await readFile(join(dir(), CHAIN_RECORD_FILE), "utf8"));
      expect(record).to.include({
        network: "hardhat",
        chainId: 31337,
        genesisHash: deployment.chain!.genesisHash,
      });
      expect(record.deployment).to.deep.equal({
        block: deployment.chain!.block,
        blockHash: deployment.chain!.blockHash,
      });
      expect(await checkDataDirChain(dir(), verified, provider)).to.equal("matched");
    });

    it("refuses with DataDirChainMismatchError a directory of another genesis (a reset node)", async function () {
      await checkDataDirChain(
        dir(),
        { ...verified, identity: { ...verified.identity, genesisHash: otherHash } },
        provider,
      );
      const error = await expect(checkDataDirChain(dir(), verified, provider)).to.be.rejectedWith(
        DataDirChainMismatchError,
      );
      expect(error.message).to.match(
        new RegExp(
          `^data dir ${dir()} belongs to chain 31337 genesis 0xabababab… \\(deployment at block \\d+ 0x[0-9a-f]{8}…\\), ` +
            `but the node is chain 31337 genesis 0x[0-9a-f]{8}… .*: the node was reset or is another chain; ` +
            "remove the directory or set STRATA_DATA_DIR to another one$",
        ),
      );
    });

    it("refuses a directory of another deployment on the same chain (deployed again)", async function () {
      await checkDataDirChain(dir(), { ...verified, anchor: { number: 1, hash: otherHash } }, provider);
      await expect(checkDataDirChain(dir(), verified, provider)).to.be.rejectedWith(
        DataDirChainMismatchError,
        "the suite was deployed again",
      );
    });

    it("refuses a chain.json that is not a chain record, naming its path", async function () {
      await writeFile(join(dir(), CHAIN_RECORD_FILE), "{ nope");
      await expect(checkDataDirChain(dir(), verified, provider)).to.be.rejectedWith(
        DataDirChainMismatchError,
        `${join(dir(), CHAIN_RECORD_FILE)} is not a chain record`,
      );
    });
  });

  describe("cursorOnChain", function () {
    it("tells a cursor on the chain from one past its head and one of another hash", async function () {
      const head = await provider.getBlock("latest");
      expect((await cursorOnChain(provider, { block: head!.number, hash: head!.hash! })).state).to.equal(
        "same",
      );
      expect((await cursorOnChain(provider, { block: head!.number })).state).to.equal("same");
      expect(await cursorOnChain(provider, { block: head!.number + 40, hash: otherHash })).to.deep.include({
        state: "beyond-head",
        head: head!.number,
      });
      expect((await cursorOnChain(provider, { block: head!.number, hash: otherHash })).state).to.equal(
        "other-hash",
      );
    });
  });

  describe("ChainWatch", function () {
    it("reports nothing while the anchor is there, and a ChainChangedError once when it is not", async function () {
      const verified = await checkDeploymentOnChain(deployment, provider);
      const changes: ChainIdentityError[] = [];
      const steady = new ChainWatch(deployment, provider, verified, { onChange: (e) => changes.push(e) });
      await steady.check();
      await steady.check();
      expect(changes).to.deep.equal([]);

      const elsewhere = { ...verified, anchor: { number: verified.anchor!.number, hash: otherHash } };
      const watch = new ChainWatch(deployment, provider, elsewhere, { onChange: (e) => changes.push(e) });
      await watch.check();
      await watch.check();
      expect(changes).to.have.length(1);
      expect(changes[0]).to.be.instanceOf(ChainChangedError);
      expect(changes[0].message).to.include(`block ${verified.anchor!.number} of hardhat is`);
      expect(changes[0].message).to.include("not 0xabababab… (the node was reset or replaced)");
      expect(watch.change).to.equal(changes[0]);
    });

    it("takes a node that does not answer for an outage, not a change", async function () {
      const verified = await checkDeploymentOnChain(deployment, provider);
      const nowhere = new JsonRpcProvider(`http://127.0.0.1:${await freePort()}`, 31337, {
        staticNetwork: true,
      });
      const changes: ChainIdentityError[] = [];
      const watch = new ChainWatch(deployment, nowhere, verified, { onChange: (e) => changes.push(e) });
      try {
        await watch.check();
        await watch.check();
      } finally {
        nowhere.destroy();
      }
      expect(changes).to.deep.equal([]);
      expect(watch.change).to.equal(undefined);
    });
  });
});
