// End to end: Alice and Bob open an ETH channel funded on Layer 1, make thousands of payments both ways
// over a localhost WebSocket (every one co-signed and stored by both), agree on a final state and close
// the channel on chain with it: each is paid exactly the final state's balance.
import { expect } from "chai";
import { parseEther } from "ethers";
import { ETH, totalOf } from "../../src/channels/types";
import { balances, expectPaid, useChannelsWorld } from "./channels-world";

const PAYMENTS = 2_000;

describe("e2e: a channel opened, used off-chain and closed cooperatively", function () {
  this.timeout(300_000);
  const newWorld = useChannelsWorld();

  it("pays out exactly the final co-signed state", async () => {
    const { f, world, alice, bob } = await newWorld();
    const { channelId } = await world.open(alice, bob, [
      { asset: ETH, balances: [parseEther("10"), parseEther("5")] },
    ]);
    expect(await world.adjudicator.holdings(channelId, ETH)).to.equal(parseEther("15"));

    const unit = parseEther("0.001");
    const payments: Promise<unknown>[] = [];
    for (let i = 0; i < PAYMENTS; i++) {
      payments.push(i % 4 === 3 ? bob.client.pay(channelId, unit) : alice.client.pay(channelId, unit * 2n));
    }
    await Promise.all(payments);
    await world.check(alice.client.latest(channelId));
    const final = await alice.client.finalize(channelId);
    expect(bob.client.latest(channelId)).to.deep.equal(final);
    const moved = unit * 2n * BigInt((PAYMENTS * 3) / 4) - unit * BigInt(PAYMENTS / 4);
    expect(final.state.allocations[0].balances).to.deep.equal([
      parseEther("10") - moved,
      parseEther("5") + moved,
    ]);
    expect(totalOf(final.state, 0)).to.equal(parseEther("15"));
    await world.check(final);

    const before = await balances(f, ETH, [f.alice.address, f.bob.address]);
    await world.adjudicator.close(f.relayer, alice.client.channel(channelId).params, final);
    await expectPaid(
      f,
      ETH,
      before,
      new Map([
        [f.alice.address, final.state.allocations[0].balances[0]],
        [f.bob.address, final.state.allocations[0].balances[1]],
      ]),
    );
    expect(await world.adjudicator.holdings(channelId, ETH)).to.equal(0n);
    await world.check();
  });
});
