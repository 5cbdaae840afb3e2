// Whole-transaction gas of the bridge's entry points, in steady state (the rollup's queue, escrow and
// the depositor's token balance already exist), as a user pays it on a Hardhat chain.
//
// Finality comes from TestRollup, the test-only stand-in for a rollup, deployed here on the throwaway
// in-process chain only because no real rollup exists yet to measure against; its one view call costs
// what a real rollup's does (a cold call and two storage reads). `npm run deploy` never deploys it.
import { ethers } from "hardhat";
import { MaxUint256, parseEther } from "ethers";
import { Bridge__factory, TestRollup__factory, TestToken__factory } from "../../typechain-types";
import { createKeccakHasher } from "../../src/shared/hasher";
import { ownerOfAddress } from "../../src/shared/types";
import type { WithdrawalData } from "../../src/shared/types";
import { WithdrawalTree } from "../../src/shared/withdrawal";
import type { Figures } from "./figures";

/** A batch of 1,024 withdrawals: a depth-10 proof, as a busy rollup's batch would need. */
const BATCH_WITHDRAWALS = 1024;

async function gasOf(tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<number> {
  return Number((await (await tx).wait())!.gasUsed);
}

export async function benchBridge(): Promise<Figures> {
  const [owner, user, recipient] = await ethers.getSigners();
  const bridge = await new Bridge__factory(owner).deploy(owner.address);
  const rollup = await new TestRollup__factory(owner).deploy(await bridge.getAddress());
  const token = await new TestToken__factory(owner).deploy("Bench", "BEN");
  const rollupAddress = await rollup.getAddress();
  await bridge.registerRollup(rollupAddress);
  await bridge.allowToken(rollupAddress, await token.getAddress());
  await token.mint(user.address, parseEther("1000000"));
  await token.connect(user).approve(await bridge.getAddress(), MaxUint256);

  const to = ownerOfAddress(user.address);
  const asUser = bridge.connect(user);
  const depositEthFirst = await gasOf(asUser.depositEth(rollupAddress, to, { value: parseEther("1000") }));
  const depositEth = await gasOf(asUser.depositEth(rollupAddress, to, { value: parseEther("1") }));
  const tokenAddress = await token.getAddress();
  const depositErc20First = await gasOf(
    asUser.depositErc20(rollupAddress, tokenAddress, to, parseEther("1000")),
  );
  const depositErc20 = await gasOf(asUser.depositErc20(rollupAddress, tokenAddress, to, parseEther("1")));

  const withdrawals: WithdrawalData[] = Array.from({ length: BATCH_WITHDRAWALS }, (_, i) => ({
    recipient: recipient.address,
    tokenId: 0,
    amount: parseEther("0.001") + BigInt(i),
  }));
  const tree = new WithdrawalTree(await createKeccakHasher(), withdrawals);
  await rollup.setBatch(0, tree.root, true);
  const finalize = (i: number) => {
    const proof = tree.proof(i);
    return gasOf(asUser.finalizeWithdrawal(rollupAddress, 0, withdrawals[i], i, proof.siblings));
  };
  const finalizeNewWord = await finalize(0); // first paid leaf of its 256-leaf bitmap word
  const finalizeSameWord = await finalize(1); // a later leaf of the same word

  return {
    "bridge.depositEth.gas": depositEth,
    "bridge.depositEth.firstGas": depositEthFirst,
    "bridge.depositErc20.gas": depositErc20,
    "bridge.depositErc20.firstGas": depositErc20First,
    "bridge.finalizeWithdrawal.gas": finalizeNewWord,
    "bridge.finalizeWithdrawal.gasSameWord": finalizeSameWord,
    "bridge.finalizeWithdrawal.proofDepth": tree.depth,
  };
}
