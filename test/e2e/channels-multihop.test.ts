// End to end: a multi-hop hashlocked payment A → B → C that settles on Layer 1 when B goes silent.
// Carol picks a secret and tells Alice its hash; Alice locks X for Bob (deadline T_A), Bob locks X for
// Carol with an earlier deadline T_C < T_A. Then Bob goes silent. Carol cannot settle off-chain, so she
// registers the B–C state holding the lock, reveals the secret in the adjudicator before T_C,
// concludes and unlocks: X is hers. Later the A–B channel concludes on Layer 1 and its lock, whose
// secret was revealed in time, pays Bob.
import { expect } from "chai";
import { id, keccak256, parseEther } from "ethers";
import type { ContractTransactionReceipt } from "ethers";
import { TransportClosedError } from "../../src/channels/errors";
import { ETH, pendingLocksOf } from "../../src/channels/types";
import { CHALLENGE_DURATION, balances, useChannelsWorld } from "./channels-world";

const X = parseEther("0.3");

describe("e2e: a multi-hop hashlocked payment settles on Layer 1 when the middle hop goes silent", function () {
  this.timeout(300_000);
  const newWorld = useChannelsWorld();

  it("pays Carol from B–C by the revealed secret, and later Bob from A–B by the same secret", async () => {
    const { f, world, alice, bob } = await newWorld();
    const carol = await world.party("carol", f.carol);
    const ab = await world.open(alice, bob, [{ asset: ETH, balances: [parseEther("2"), parseEther("1")] }]);
    const bc = await world.open(bob, carol, [{ asset: ETH, balances: [parseEther("2"), 0n] }]);

    const secret = id("carol's invoice secret");
    const hashlock = keccak256(secret);
    const deadlineA = world.now + BigInt(6 * CHALLENGE_DURATION);
    const deadlineC = world.now + BigInt(3 * CHALLENGE_DURATION);
    await alice.client.lock(ab.channelId, { hashlock, deadline: deadlineA, amount: X });
    await bob.client.lock(bc.channelId, { hashlock, deadline: deadlineC, amount: X });
    const abState = alice.client.latest(ab.channelId)!;
    const bcState = carol.client.latest(bc.channelId)!;
    await world.check(abState);
    await world.check(bcState);

    // Bob goes silent: Carol's off-chain settlement cannot reach him.
    await bob.client.close();
    await expect(carol.client.settle(bc.channelId, hashlock, secret)).to.be.rejectedWith(
      TransportClosedError,
    );
    expect(carol.client.latest(bc.channelId)).to.deep.equal(bcState);

    // Carol goes to Layer 1: register, reveal before T_C, conclude after the window, unlock.
    const fees: ContractTransactionReceipt[] = [];
    const carolBefore = (await balances(f, ETH, [f.carol.address])).get(f.carol.address)!;
    fees.push(await carol.adjudicator.register(f.carol, bc.params, bcState));
    fees.push(await carol.adjudicator.reveal(f.carol, secret));
    await world.tick();
    expect(await carol.adjudicator.revealedAt(hashlock)).to.be.at.most(deadlineC);
    await world.check();
    await world.advance(CHALLENGE_DURATION + 1);
    const bobBefore = (await balances(f, ETH, [f.bob.address])).get(f.bob.address)!;
    fees.push(await carol.adjudicator.conclude(f.carol, bc.params, bcState.state));
    await world.check();
    fees.push(
      await carol.adjudicator.unlock(f.carol, bc.channelId, pendingLocksOf(bc.params, bcState.state)),
    );
    await world.check();
    const carolFees = fees.reduce((sum, r) => sum + r.fee, 0n);
    expect(
      (await balances(f, ETH, [f.carol.address])).get(f.carol.address)! - carolBefore + carolFees,
    ).to.equal(X);
    expect((await balances(f, ETH, [f.bob.address])).get(f.bob.address)! - bobBefore).to.equal(
      parseEther("2") - X,
    );
    expect(await world.adjudicator.holdings(bc.channelId, ETH)).to.equal(0n);

    // Later, A–B concludes on Layer 1 (Bob still silent): the lock pays Bob, its secret revealed in time.
    await alice.adjudicator.register(f.alice, ab.params, abState);
    await world.check(abState);
    await world.advance(CHALLENGE_DURATION + 1);
    expect(world.now).to.be.below(deadlineA);
    const before = await balances(f, ETH, [f.alice.address, f.bob.address]);
    await world.adjudicator.conclude(f.relayer, ab.params, abState.state);
    await world.adjudicator.unlock(f.relayer, ab.channelId, pendingLocksOf(ab.params, abState.state));
    const after = await balances(f, ETH, [f.alice.address, f.bob.address]);
    expect(after.get(f.alice.address)! - before.get(f.alice.address)!).to.equal(parseEther("2") - X);
    expect(after.get(f.bob.address)! - before.get(f.bob.address)!).to.equal(parseEther("1") + X);
    expect(await world.adjudicator.holdings(ab.channelId, ETH)).to.equal(0n);
    await world.check();
  });
});
