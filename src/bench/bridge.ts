// Whole-transaction gas of the bridge's entry points, as a user pays it on a local chain, against the
// optimistic rollup deployed by deploySuite. Deposits are measured in steady state (the rollup's queue,
// escrow and the depositor's token balance already exist). Withdrawals are paid from a real final batch:
// the sequencer commits the deposits, then a batch that owes two withdrawals; the challenge window
// passes (evm_setNextBlockTimestamp, evm_mine), the batch is finalized, and the bridge pays each
// withdrawal against its depth-10 proof from the user's own node.
import type { Signer } from "ethers";
import { MaxUint256, parseEther } from "ethers";
import { Bridge__factory, DemoToken__factory } from "../../typechain-types";
import type { Deployment } from "../common/deployments";
import { ofType } from "../common/events";
import { deploySuite } from "../deploy/suite";
import type { ChainFollower } from "../optimistic/chain-follower";
import { bytesToHex } from "../shared/bytes";
import { encodeTx } from "../shared/codec";
import { ownerOfAddress } from "../shared/types";
import type { LocalChain } from "./chain";
import { gasOf, increaseTime } from "./chain";
import type { Figures } from "./figures";
import { BenchRunError } from "./errors";
import { commitOne, sequencerRound, startHandDriven } from "./optimistic";

/** Signers 0–4: the owner (deployer), the user, the withdrawals' recipient, the proposer, an idle challenger. */
export async function benchBridge(chain: LocalChain): Promise<Figures> {
  const [owner, user, recipient, proposer, challenger] = chain.signers;
  const deployment = await deploySuite(owner, { network: chain.network, local: true });
  const rollupAddress = deployment.contracts.OptimisticRollup;
  const bridge = Bridge__factory.connect(deployment.contracts.Bridge, owner);
  const token = DemoToken__factory.connect(deployment.contracts.DemoToken, owner);
  const tokenAddress = await token.getAddress();
  const userAddress = await user.getAddress();
  await (await bridge.allowToken(rollupAddress, tokenAddress)).wait();
  await (await token.transfer(userAddress, parseEther("100000"))).wait();
  await (await token.connect(user).approve(await bridge.getAddress(), MaxUint256)).wait();

  const to = ownerOfAddress(userAddress);
  const asUser = bridge.connect(user);
  const depositEthFirst = await gasOf(asUser.depositEth(rollupAddress, to, { value: parseEther("1000") }));
  const depositEth = await gasOf(asUser.depositEth(rollupAddress, to, { value: parseEther("1") }));
  const depositErc20First = await gasOf(
    asUser.depositErc20(rollupAddress, tokenAddress, to, parseEther("1000")),
  );
  const depositErc20 = await gasOf(asUser.depositErc20(rollupAddress, tokenAddress, to, parseEther("1")));

  const { batchIndex, node } = await finalBatchOwingWithdrawals(deployment, chain, {
    proposer,
    challenger,
    user,
    recipient: await recipient.getAddress(),
  });
  const withdrawals = node.withdrawalsOf(batchIndex);
  const finalize = (leafIndex: number) => {
    const proof = node.withdrawalProof(batchIndex, leafIndex);
    return gasOf(
      asUser.finalizeWithdrawal(rollupAddress, batchIndex, withdrawals[leafIndex], leafIndex, proof.siblings),
    );
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
    "bridge.finalizeWithdrawal.proofDepth": node.withdrawalProof(batchIndex, 0).siblings.length,
  };
}

/**
 * The sequencer commits the deposits queued so far (`user`'s account), then a batch of two withdrawals
 * from it to `recipient`; once the challenge window has passed it finalizes both. Returns the final
 * batch that owes the withdrawals, and the user's own node (Layer 1 alone), which proves them.
 */
async function finalBatchOwingWithdrawals(
  deployment: Deployment,
  chain: LocalChain,
  who: { proposer: Signer; challenger: Signer; user: Signer; recipient: string },
): Promise<{ batchIndex: number; node: ChainFollower }> {
  const stack = await startHandDriven(deployment, chain, {
    sequencer: who.proposer,
    challenger: who.challenger,
  });
  const { rollup, domain } = stack.context;
  const { sequencer } = stack.parties;
  try {
    await commitOne(sequencer);
    const from = sequencer.findAccount(ownerOfAddress(await who.user.getAddress()), 0)!;
    const recipient = who.recipient;
    for (let nonce = 0; nonce < 2; nonce++) {
      const amount = parseEther("0.001") * BigInt(nonce + 1);
      const signature = await domain.signWithdraw(who.user, { from, recipient, amount, nonce });
      await sequencer.submit(bytesToHex(encodeTx({ kind: "withdraw", from, recipient, amount, signature })));
    }
    const { batchIndex } = await commitOne(sequencer);
    await increaseTime(chain.provider, (await rollup.config()).challengeWindow + 1);
    const finalized = (await sequencerRound(sequencer, false)).filter(ofType("batchFinalized"));
    if (!finalized.some((e) => e.batchIndex >= batchIndex)) {
      throw new BenchRunError(`batch ${batchIndex} was not finalized`);
    }
    const node = await stack.context.newFollower();
    await node.sync();
    return { batchIndex, node };
  } finally {
    await stack.stop();
  }
}
