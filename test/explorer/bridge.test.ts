// The explorer's bridge view on a real flow: users deposit into the optimistic rollup, the sequencer
// consumes the deposits and commits a batch with a withdrawal, the window passes, the bridge pays it;
// an ERC-20 deposit waits in the zk rollup's queue. At each stage `/api/bridge` must show the queue
// (consumed vs pending), the escrow per token, and the withdrawal pending, then finalizable, then paid.
import { expect } from "chai";
import { ZeroAddress, parseEther } from "ethers";
import type { Deployment } from "../../src/common/deployments";
import type { BridgeRollupView, BridgeView } from "../../src/explorer/bridge";
import { bridgeRoutes } from "../../src/explorer/bridge";
import { ExplorerNotFoundError } from "../../src/explorer/route";
import { contextAt } from "./context";
import { ownerOfAddress } from "../../src/shared/types";
import { DemoToken__factory } from "../../typechain-types";
import type { World } from "../optimistic/world";
import { createWorld, depositEth, hexOf, passChallengeWindow, signedWithdraw } from "../optimistic/world";

describe("explorer: bridge", function () {
  let world: World;
  let deployment: Deployment;

  const route = bridgeRoutes.find((r) => r.path === "/api/bridge")!;
  const read = async () =>
    (await route.read(await contextAt(deployment), {}, new URLSearchParams())) as BridgeView;
  const rollupNamed = (view: BridgeView, name: string): BridgeRollupView => {
    const found = view.rollups.find((r) => r.name === name);
    if (!found) throw new Error(`no ${name} in the view`);
    return found;
  };

  before(async function () {
    world = await createWorld();
    deployment = world.stack.context.deployment;
  });

  after(async function () {
    await world.cleanup();
  });

  it("lists every registered rollup by name, with its queue, escrow and withdrawals through a round trip", async function () {
    const [, , , alice, bob, carol] = world.signers;
    const { sequencer, bridgeClient, rollup } = world;
    const optimisticAddress = rollup.address;

    let view = await read();
    expect(view.bridge).to.equal(deployment.contracts.Bridge);
    expect(view.rollups.map((r) => r.name)).to.deep.equal(["OptimisticRollup", "ZkRollup"]);
    expect(rollupNamed(view, "OptimisticRollup").address).to.equal(optimisticAddress);
    expect(rollupNamed(view, "OptimisticRollup").queue).to.include({ length: 0, consumed: 0, pending: 0 });

    // deposits: queued, not consumed
    await depositEth(world, alice, parseEther("5"));
    await depositEth(world, bob, parseEther("1"));
    view = await read();
    let optimistic = rollupNamed(view, "OptimisticRollup");
    expect(optimistic.queue).to.include({ length: 2, consumed: 0, pending: 2 });
    expect(optimistic.queue.recent.map((d) => [d.index, d.depositor, d.amount, d.consumed])).to.deep.equal([
      [1, bob.address, parseEther("1").toString(), false],
      [0, alice.address, parseEther("5").toString(), false],
    ]);
    expect(optimistic.queue.recent[1]).to.include({
      recipient: ownerOfAddress(alice.address),
      token: ZeroAddress,
      symbol: "ETH",
      tokenId: 0,
    });
    expect(optimistic.escrow).to.deep.equal([
      { token: ZeroAddress, tokenId: 0, symbol: "ETH", allowed: true, escrowed: parseEther("6").toString() },
    ]);

    // the sequencer consumes both deposits
    await sequencer.tick(true);
    const aliceIndex = sequencer.findAccount(ownerOfAddress(alice.address), 0)!;
    const bobIndex = sequencer.findAccount(ownerOfAddress(bob.address), 0)!;
    expect(aliceIndex).to.not.equal(bobIndex);
    optimistic = rollupNamed(await read(), "OptimisticRollup");
    expect(optimistic.queue).to.include({ length: 2, consumed: 2, pending: 0 });
    expect(optimistic.queue.recent.map((d) => d.consumed)).to.deep.equal([true, true]);

    // Bob withdraws 0.5 ETH: a committed batch holds it, not final yet
    const withdrawal = await signedWithdraw(world, bob, {
      from: bobIndex,
      recipient: bob.address,
      amount: parseEther("0.5"),
      nonce: 0,
    });
    const submitted = await sequencer.submit(hexOf(withdrawal));
    await sequencer.tick(true);
    const batchIndex = sequencer.receipt(submitted.hash)!.batchIndex!;
    optimistic = rollupNamed(await read(), "OptimisticRollup");
    expect(optimistic.withdrawals.pendingSource).to.equal("optimistic-batches");
    expect(optimistic.withdrawals.pending).to.have.length(1);
    expect(optimistic.withdrawals.pending[0]).to.include({
      kind: "batch",
      status: "awaiting-finality",
      batchIndex,
      withdrawals: 1,
      paid: 0,
    });
    expect(optimistic.withdrawals.paid).to.deep.equal([]);

    // the window passes and the batch is finalized: the withdrawal can be paid
    await passChallengeWindow();
    await sequencer.tick();
    optimistic = rollupNamed(await read(), "OptimisticRollup");
    expect(optimistic.withdrawals.pending[0]).to.include({ status: "finalizable", batchIndex });

    // anyone pays it; it leaves the pending list, appears as paid, and leaves the escrow
    const follower = await world.newFollower();
    await follower.sync();
    const [owed] = follower.withdrawalsOf(batchIndex);
    const paid = await bridgeClient.finalizeWithdrawal(alice, {
      rollup: optimisticAddress,
      batchIndex,
      withdrawal: owed,
      proof: follower.withdrawalProof(batchIndex, 0),
    });
    optimistic = rollupNamed(await read(), "OptimisticRollup");
    expect(optimistic.withdrawals.pending).to.deep.equal([]);
    expect(optimistic.withdrawals.paid).to.have.length(1);
    expect(optimistic.withdrawals.paid[0]).to.include({
      rollup: optimisticAddress,
      kind: "withdrawal",
      recipient: bob.address,
      token: ZeroAddress,
      symbol: "ETH",
      amount: parseEther("0.5").toString(),
      batchIndex,
      leafIndex: 0,
      credited: false,
      tx: paid.hash,
      block: paid.blockNumber,
    });
    expect(optimistic.escrow[0].escrowed).to.equal(parseEther("5.5").toString());

    // an ERC-20 deposit into the zk rollup: its own escrow, with the token's symbol; nothing consumed
    const bridge = world.bridge;
    await (await bridge.allowToken(deployment.contracts.ZkRollup, deployment.contracts.DemoToken)).wait();
    const token = DemoToken__factory.connect(deployment.contracts.DemoToken, world.signers[0]);
    await (await token.transfer(carol.address, parseEther("100"))).wait();
    const deposit = await bridgeClient.depositErc20(carol, {
      rollup: deployment.contracts.ZkRollup,
      token: deployment.contracts.DemoToken,
      to: ownerOfAddress(carol.address),
      amount: parseEther("40"),
    });
    view = await read();
    const zk = rollupNamed(view, "ZkRollup");
    expect(zk.queue).to.include({ length: 1, consumed: 0, pending: 1 });
    expect(zk.queue.recent[0]).to.include({
      index: 0,
      depositor: carol.address,
      token: deployment.contracts.DemoToken,
      tokenId: 1,
      symbol: "SDT",
      amount: parseEther("40").toString(),
      consumed: false,
      tx: deposit.receipt.hash,
    });
    expect(zk.escrow.map((e) => [e.symbol, e.escrowed])).to.deep.equal([
      ["ETH", "0"],
      ["SDT", parseEther("40").toString()],
    ]);
    expect(view.tokens).to.deep.equal({
      [ZeroAddress]: { symbol: "ETH", decimals: 18 },
      [deployment.contracts.DemoToken]: { symbol: "SDT", decimals: 18 },
    });
    expect(zk.withdrawals).to.deep.equal({ pendingSource: "zk-credits", pending: [], paid: [] });
    // escrow is per rollup: the optimistic rollup's is untouched
    expect(rollupNamed(view, "OptimisticRollup").escrow.map((e) => e.escrowed)).to.deep.equal([
      parseEther("5.5").toString(),
    ]);
  });

  it("answers not-found for a deployment without a bridge", async function () {
    const { Bridge: _bridge, ...others } = deployment.contracts;
    const ctx = { ...(await contextAt(deployment)), deployment: { ...deployment, contracts: others } };
    await expect(route.read(ctx, {}, new URLSearchParams())).to.be.rejectedWith(ExplorerNotFoundError);
  });
});
