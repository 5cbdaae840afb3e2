// End to end with ERC-20 channels: payments, a partial withdrawal paid on Layer 1 and then cleared, a
// top-up co-signed first and deposited after, and a cooperative close paying token balances exactly.
// Then a payee that reverts: a token that refuses transfers to Bob; the close credits him instead
// and he pulls his credit to another address.
import { expect } from "chai";
import { Wallet, parseEther } from "ethers";
import { balances, expectPaid, useChannelsWorld } from "./channels-world";

const T = (n: number) => parseEther(String(n));

describe("e2e: ERC-20 channels", function () {
  this.timeout(300_000);
  const newWorld = useChannelsWorld();

  it("pays, withdraws part on Layer 1, tops up and closes, paying token balances exactly", async () => {
    const { f, world, alice, bob } = await newWorld();
    const token = await f.token.getAddress();
    const { channelId, params } = await world.open(alice, bob, [{ asset: token, balances: [T(100), T(50)] }]);
    const start = await balances(f, token, [f.alice.address, f.bob.address]);

    await Promise.all(Array.from({ length: 300 }, () => alice.client.pay(channelId, T(0.1))));
    await world.check(bob.client.latest(channelId));

    // Alice withdraws 10: the co-signed state carries it, Layer 1 pays it, then both clear it.
    const withdrawal = await alice.client.withdraw(channelId, T(10));
    await alice.adjudicator.withdrawPartial(f.alice, params, withdrawal);
    await world.check(withdrawal, { withdrawalsPaid: true });
    const cleared = await alice.client.clearWithdrawals(channelId);
    expect(cleared.state.withdrawals).to.deep.equal([]);
    expect(await world.adjudicator.holdings(channelId, token)).to.equal(T(140));
    await world.check(cleared);

    // Bob tops up 20: the state crediting him is co-signed first, then he deposits.
    const topped = await bob.client.topUp(channelId, T(20));
    await bob.adjudicator.deposit(f.bob, channelId, token, T(140), T(20));
    await world.check(topped);

    await Promise.all(Array.from({ length: 100 }, () => bob.client.pay(channelId, T(0.05))));
    const final = await bob.client.finalize(channelId);
    expect(final.state.allocations[0].balances).to.deep.equal([T(100 - 30 - 10 + 5), T(50 + 30 + 20 - 5)]);
    await world.adjudicator.close(f.relayer, params, final);
    await expectPaid(
      f,
      token,
      start,
      new Map([
        [f.alice.address, T(10) + final.state.allocations[0].balances[0]],
        [f.bob.address, final.state.allocations[0].balances[1] - T(20)],
      ]),
    );
    expect(await world.adjudicator.holdings(channelId, token)).to.equal(0n);
    await world.check();
  });

  it("a payee the token refuses is credited, and pulls the credit to another address", async () => {
    const { f, world, alice, bob } = await newWorld();
    const token = await f.refusingToken.getAddress();
    const { channelId, params } = await world.open(alice, bob, [{ asset: token, balances: [T(10), T(10)] }]);
    await Promise.all(Array.from({ length: 50 }, () => alice.client.pay(channelId, T(0.1))));
    const final = await alice.client.finalize(channelId);
    await world.check(final);

    await (await f.refusingToken.setRefused(f.bob.address, true)).wait();
    const before = await balances(f, token, [f.alice.address]);
    await world.adjudicator.close(f.relayer, params, final);
    await expectPaid(f, token, before, new Map([[f.alice.address, T(5)]]));
    expect(await world.adjudicator.credits(token, f.bob.address)).to.equal(T(15));
    await world.check();

    const elsewhere = Wallet.createRandom().address;
    await bob.adjudicator.withdraw(f.bob, token, elsewhere);
    expect(await f.refusingToken.balanceOf(elsewhere)).to.equal(T(15));
    expect(await world.adjudicator.credits(token, f.bob.address)).to.equal(0n);
    await world.check();
  });
});
