// Whole-transaction gas of the bridge's entry points, as a user pays it on a Hardhat chain, against the
// optimistic rollup deployed by deploySuite. Deposits are measured in steady state (the rollup's queue,
// escrow and the depositor's token balance already exist). Withdrawals are paid from a real final batch:
// the sequencer commits the deposits, then a batch that owes two withdrawals; the challenge window
// passes, the batch is finalized, and the bridge pays each withdrawal against its depth-10 proof.
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ethers } from "hardhat";
import { MaxUint256, parseEther } from "ethers";
import { Bridge__factory, DemoToken__factory } from "../../typechain-types";
import { BridgeClient } from "../../src/bridge/client";
import type { Deployment } from "../../src/common/deployments";
import { deploySuite } from "../../src/common/deploy-suite";
import type { ChainFollower } from "../../src/optimistic/chain-follower";
import { RollupClient } from "../../src/optimistic/rollup-client";
import { Eip712Authorizer } from "../../src/shared/authorizer";
import { bytesToHex } from "../../src/shared/bytes";
import { encodeTx } from "../../src/shared/codec";
import { L2Domain } from "../../src/shared/eip712";
import { ownerOfAddress } from "../../src/shared/types";
import type { Figures } from "./figures";
import { openSequencer } from "./optimistic";

async function gasOf(tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<number> {
  return Number((await (await tx).wait())!.gasUsed);
}

export async function benchBridge(): Promise<Figures> {
  const [owner, user, recipient, proposer] = await ethers.getSigners();
  const deployment = await deploySuite(owner, { network: "hardhat", local: true });
  const rollupAddress = deployment.contracts.OptimisticRollup;
  const bridge = Bridge__factory.connect(deployment.contracts.Bridge, owner);
  const token = DemoToken__factory.connect(deployment.contracts.DemoToken, owner);
  const tokenAddress = await token.getAddress();
  await (await bridge.allowToken(rollupAddress, tokenAddress)).wait();
  await (await token.transfer(user.address, parseEther("100000"))).wait();
  await (await token.connect(user).approve(await bridge.getAddress(), MaxUint256)).wait();

  const to = ownerOfAddress(user.address);
  const asUser = bridge.connect(user);
  const depositEthFirst = await gasOf(asUser.depositEth(rollupAddress, to, { value: parseEther("1000") }));
  const depositEth = await gasOf(asUser.depositEth(rollupAddress, to, { value: parseEther("1") }));
  const depositErc20First = await gasOf(
    asUser.depositErc20(rollupAddress, tokenAddress, to, parseEther("1000")),
  );
  const depositErc20 = await gasOf(asUser.depositErc20(rollupAddress, tokenAddress, to, parseEther("1")));

  const { batchIndex, follower } = await finalBatchOwingWithdrawals(deployment, {
    proposer,
    user,
    recipient,
  });
  const withdrawals = follower.withdrawalsOf(batchIndex);
  const finalize = (leafIndex: number) => {
    const proof = follower.withdrawalProof(batchIndex, leafIndex);
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
    "bridge.finalizeWithdrawal.proofDepth": follower.withdrawalProof(batchIndex, 0).siblings.length,
  };
}

/**
 * The sequencer commits the deposits queued so far (`user`'s account), then a batch of two withdrawals
 * from it to `recipient`; once the challenge window has passed it finalizes both. Returns the final
 * batch that owes the withdrawals, and the sequencer's view of Layer 1, which proves them.
 */
async function finalBatchOwingWithdrawals(
  deployment: Deployment,
  who: { proposer: HardhatEthersSigner; user: HardhatEthersSigner; recipient: HardhatEthersSigner },
): Promise<{ batchIndex: number; follower: ChainFollower }> {
  const rollup = new RollupClient(deployment.contracts.OptimisticRollup, who.proposer);
  const domain = new L2Domain(deployment.chainId, rollup.address);
  const { sequencer, follower, close } = await openSequencer({
    rollup,
    bridge: new BridgeClient(deployment.contracts.Bridge, who.proposer),
    authorizer: new Eip712Authorizer(domain),
    signer: who.proposer,
  });
  try {
    await sequencer.tick(true);
    const from = sequencer.findAccount(ownerOfAddress(who.user.address), 0)!;
    const recipient = who.recipient.address;
    for (let nonce = 0; nonce < 2; nonce++) {
      const amount = parseEther("0.001") * BigInt(nonce + 1);
      const signature = await domain.signWithdraw(who.user, { from, recipient, amount, nonce });
      await sequencer.submit(bytesToHex(encodeTx({ kind: "withdraw", from, recipient, amount, signature })));
    }
    await sequencer.tick(true);
    const batchIndex = follower.tip.index;
    await time.increase((await rollup.config()).challengeWindow + 1);
    await sequencer.tick();
    if (follower.lastFinalized < batchIndex) throw new Error(`batch ${batchIndex} was not finalized`);
    return { batchIndex, follower };
  } finally {
    await close();
  }
}
