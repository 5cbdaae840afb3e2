// The explorer's shared Layer-1 reads (src/explorer/reads.ts): what each answers on the in-process chain,
// the typed error for what Layer 1 lacks, and that an answer fixed by a hash is read from the node once.
import { expect } from "chai";
import { ZeroAddress, ZeroHash } from "ethers";
import { ethers } from "hardhat";
import type { RpcProvider } from "../../src/common/layer1";
import {
  ExplorerReadError,
  blockTime,
  receiptOf,
  tokenInfoOf,
  tokenInfosOf,
  transactionOf,
} from "../../src/explorer/reads";
import type { ExplorerContext } from "../../src/explorer/route";

/** A context at the newest block whose provider counts the node's answers to `getBlock`. */
async function countingContext(): Promise<{ ctx: ExplorerContext; blockReads: () => number }> {
  const block = (await ethers.provider.getBlock("latest"))!;
  let reads = 0;
  const provider = new Proxy(ethers.provider, {
    get(target, name, receiver) {
      if (name === "getBlock") {
        return (...args: Parameters<typeof target.getBlock>) => {
          reads++;
          return target.getBlock(...args);
        };
      }
      const value = Reflect.get(target, name, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    ctx: {
      provider: provider as unknown as RpcProvider,
      deployment: {
        network: "hardhat",
        chainId: 31337,
        deployedAt: "",
        deployer: ZeroAddress,
        contracts: {},
      },
      head: { number: block.number, hash: block.hash!, timestamp: block.timestamp },
    },
    blockReads: () => reads,
  };
}

describe("explorer shared reads", function () {
  it("reads a block's time by hash and by number, once each", async function () {
    const [signer] = await ethers.getSigners();
    await (await signer.sendTransaction({ to: signer.address, value: 1n })).wait();
    const { ctx, blockReads } = await countingContext();
    const head = (await ethers.provider.getBlock(ctx.head.number))!;
    expect(await blockTime(ctx, head.hash!)).to.equal(head.timestamp);
    expect(await blockTime(ctx, head.hash!)).to.equal(head.timestamp);
    expect(blockReads()).to.equal(1);
    expect(await blockTime(ctx, ctx.head.number)).to.equal(head.timestamp);
    expect(await blockTime(ctx, ctx.head.number)).to.equal(head.timestamp);
    expect(blockReads()).to.equal(2);
  });

  it("names a missing block, or one past the head, with an ExplorerReadError", async function () {
    const { ctx } = await countingContext();
    const unknown = "0x" + "ab".repeat(32);
    await expect(blockTime(ctx, unknown)).to.be.rejectedWith(ExplorerReadError, `no block ${unknown}`);
    await expect(blockTime(ctx, ctx.head.number + 1)).to.be.rejectedWith(ExplorerReadError, "past the head");
  });

  it("reads a transaction and its receipt, and names a missing one", async function () {
    const [signer, other] = await ethers.getSigners();
    const sent = await signer.sendTransaction({ to: other.address, value: 7n });
    const mined = (await sent.wait())!;
    const { ctx } = await countingContext();
    const tx = await transactionOf(ctx, sent.hash);
    expect(tx.from).to.equal(signer.address);
    expect(tx.value).to.equal(7n);
    const receipt = await receiptOf(ctx, sent.hash, mined.blockHash);
    expect(receipt.gasUsed).to.equal(21_000n);
    await expect(transactionOf(ctx, ZeroHash)).to.be.rejectedWith(ExplorerReadError, "no transaction");
    await expect(receiptOf(ctx, ZeroHash, mined.blockHash)).to.be.rejectedWith(
      ExplorerReadError,
      "no receipt",
    );
    await expect(receiptOf(ctx, sent.hash, ZeroHash)).to.be.rejectedWith(ExplorerReadError, "reorganized");
  });

  it("reads ETH and an ERC-20's metadata; a contract without it has none", async function () {
    const [signer] = await ethers.getSigners();
    const token = await (await ethers.getContractFactory("DemoToken")).deploy(1_000n);
    const address = await token.getAddress();
    const { ctx } = await countingContext();
    expect(await tokenInfoOf(ctx, ZeroAddress)).to.deep.equal({ symbol: "ETH", decimals: 18 });
    const infos = await tokenInfosOf(ctx, [address, address, signer.address]);
    expect(infos[address]).to.deep.equal({
      symbol: await token.symbol(),
      decimals: Number(await token.decimals()),
    });
    expect(infos[signer.address]).to.deep.equal({ symbol: null, decimals: null });
  });
});
