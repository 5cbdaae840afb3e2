// The explorer's account view on the suite: Alice deposits ETH into the optimistic rollup for herself and
// for Bob, DemoTokens into the zk rollup, and asks the zk rollup for a forced withdrawal. Her page and
// Bob's must show Layer-1 balances, each deposit from the side it was seen (sent, received, self), the
// forced request with its deadline; a malformed address is a 400.
import { expect } from "chai";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress, parseEther } from "ethers";
import { BridgeClient } from "../../src/bridge/client";
import type { Deployment } from "../../src/common/deployments";
import { deploySuite } from "../../src/deploy/suite";
import type { AccountView } from "../../src/explorer/accounts";
import { accountRoutes } from "../../src/explorer/accounts";
import { ExplorerBadRequestError } from "../../src/explorer/route";
import { ownerOfAddress } from "../../src/shared/types";
import { ZkRollupClient } from "../../src/zk/rollup-client";
import { Bridge__factory, DemoToken__factory } from "../../typechain-types";
import { contextAt, readAt, routeAt } from "./context";

describe("explorer: accounts", function () {
  let deployment: Deployment;
  let alice: HardhatEthersSigner, bob: HardhatEthersSigner;
  const route = routeAt(accountRoutes, "/api/accounts/:address");
  const read = (address: string, d: Deployment = deployment) => readAt<AccountView>(route, d, { address });

  before(async function () {
    const [deployer, , , , a, b] = await ethers.getSigners();
    [alice, bob] = [a, b];
    deployment = await deploySuite(deployer, { network: "hardhat", local: true });
    const { Bridge, ZkRollup, OptimisticRollup, DemoToken } = deployment.contracts;
    await (await Bridge__factory.connect(Bridge, deployer).allowToken(ZkRollup, DemoToken)).wait();
    await (
      await DemoToken__factory.connect(DemoToken, deployer).transfer(alice.address, parseEther("50"))
    ).wait();
    const client = new BridgeClient(Bridge, ethers.provider);
    await client.depositEth(alice, {
      rollup: OptimisticRollup,
      to: ownerOfAddress(alice.address),
      amount: parseEther("1"),
    });
    await client.depositEth(alice, {
      rollup: OptimisticRollup,
      to: ownerOfAddress(bob.address),
      amount: parseEther("2"),
    });
    await client.depositErc20(alice, {
      rollup: ZkRollup,
      token: DemoToken,
      to: ownerOfAddress(alice.address),
      amount: parseEther("10"),
    });
  });

  it("shows an account's Layer-1 balances and its deposits across rollups, from each side", async function () {
    const view = await read(alice.address.toLowerCase());
    expect(view.address).to.equal(alice.address);
    expect(view.name).to.equal(null);
    expect(view.layer1.eth).to.equal((await ethers.provider.getBalance(alice.address)).toString());
    expect(view.layer1.demoToken).to.deep.equal({
      token: deployment.contracts.DemoToken,
      symbol: "SDT",
      balance: parseEther("40").toString(),
    });
    expect(view.deposits.map((d) => [d.rollupName, d.direction, d.symbol, d.amount])).to.deep.equal([
      ["OptimisticRollup", "self", "ETH", parseEther("1").toString()],
      ["OptimisticRollup", "sent", "ETH", parseEther("2").toString()],
      ["ZkRollup", "self", "SDT", parseEther("10").toString()],
    ]);
    expect(view.deposits[2]).to.include({ token: deployment.contracts.DemoToken, tokenId: 1, index: 0 });
    expect(view.withdrawals).to.deep.equal([]);
    expect(view.credits).to.deep.equal([]);
    expect(view.zk).to.deep.equal({
      forced: [],
      exits: [],
      tokens: {
        0: { token: ZeroAddress, symbol: "ETH", decimals: 18 },
        1: { token: deployment.contracts.DemoToken, symbol: "SDT", decimals: 18 },
      },
    });
    expect(view.tokens[deployment.contracts.DemoToken]).to.deep.equal({ symbol: "SDT", decimals: 18 });

    const bobs = await read(bob.address);
    expect(bobs.deposits.map((d) => [d.depositor, d.direction, d.amount])).to.deep.equal([
      [alice.address, "received", parseEther("2").toString()],
    ]);
    expect(bobs.layer1.demoToken!.balance).to.equal("0");
  });

  it("lists the account's zk forced withdrawal, waiting until its deadline", async function () {
    const rollup = new ZkRollupClient(deployment.contracts.ZkRollup, ethers.provider);
    const { exodusDelay } = await rollup.config();
    const { request, receipt } = await rollup.requestWithdrawal(alice, {
      account: 0,
      tokenId: 0,
      amount: parseEther("1"),
      ax: 1n,
      ay: 2n,
    });
    const view = await read(alice.address);
    expect(view.zk!.forced).to.have.length(1);
    expect(view.zk!.forced[0]).to.include({
      index: 0,
      requester: alice.address,
      status: "waiting",
      deadline: Number(request.requestedAt) + exodusDelay,
      tx: receipt.hash,
    });
    expect((await read(bob.address)).zk!.forced).to.deep.equal([]);
  });

  it("shows a contract of the deployment by name, and no zk part when the deployment has no zk rollup", async function () {
    const bridge = await read(deployment.contracts.Bridge);
    expect(bridge.name).to.equal("Bridge");
    expect(BigInt(bridge.layer1.eth)).to.equal(parseEther("3"));
    const { ZkRollup: _zk, ...others } = deployment.contracts;
    const withoutZk = await read(alice.address, { ...deployment, contracts: others });
    expect(withoutZk.zk).to.equal(null);
    expect(withoutZk.deposits).to.have.length(3);
  });

  it("answers 400 for a malformed address", async function () {
    for (const bad of ["", "alice", "0x1234", ZeroAddress + "0", "0x" + "g".repeat(40)]) {
      await expect(read(bad)).to.be.rejectedWith(ExplorerBadRequestError);
    }
    // rejected, not thrown: the server awaits the answer to map it to a 400
    const answer = route.read(await contextAt(deployment), { address: "0x12" }, new URLSearchParams());
    await expect(answer).to.be.rejectedWith(ExplorerBadRequestError);
  });
});
