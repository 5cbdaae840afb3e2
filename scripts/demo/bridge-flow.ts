// The bridge flow: deposits into a rollup's queue, the Layer-2 state an operator rebuilds from Layer-1
// events alone, signed Layer-2 transfers and withdrawals, and the bridge paying a withdrawal once its
// rollup calls the batch final.
//
// Until the optimistic and zk rollups land (issues 3 and 4), finality here comes from TestRollup, the
// test-only stand-in whose batches are final when told so. The flow deploys it on Hardhat's throwaway
// in-process chain only and says so in its output; `npm run deploy` never deploys it.
import type { Signer } from "ethers";
import { ZeroAddress, parseEther } from "ethers";
import { Bridge__factory, DemoToken__factory, TestRollup__factory } from "../../typechain-types";
import { BridgeClient } from "../../src/bridge/client";
import { assertBridgeSolvent } from "../../src/bridge/invariants";
import type { Deployment } from "../../src/common/deployments";
import { ContractRevertError } from "../../src/common/errors";
import { Eip712Authorizer } from "../../src/shared/authorizer";
import { L2Domain } from "../../src/shared/eip712";
import { L2State } from "../../src/shared/state";
import { applyTransaction, withdrawalOf } from "../../src/shared/stf";
import { ownerOfAddress } from "../../src/shared/types";
import { WithdrawalTree } from "../../src/shared/withdrawal";
import type { Narrator } from "./narrator";
import { eth, short } from "./narrator";

export interface BridgeFlowResult {
  paidToBob: bigint;
  replayReason: string | undefined;
  refusedBeforeFinal: string | undefined;
  refusedSecondPayout: string | undefined;
  escrowLeft: { eth: bigint; token: bigint };
  layer2Left: { eth: bigint; token: bigint };
}

async function revertName(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    if (error instanceof ContractRevertError) return error.errorName;
    throw error;
  }
}

export async function runBridgeFlow(
  deployment: Deployment,
  signers: { owner: Signer; alice: Signer; bob: Signer },
  say: Narrator,
): Promise<BridgeFlowResult> {
  const { owner, alice, bob } = signers;
  const provider = owner.provider!;
  const bridge = Bridge__factory.connect(deployment.contracts.Bridge, owner);
  const token = DemoToken__factory.connect(deployment.contracts.DemoToken, owner);
  const tokenAddress = deployment.contracts.DemoToken;
  const client = new BridgeClient(deployment.contracts.Bridge, provider);
  const [aliceAddress, bobAddress] = [await alice.getAddress(), await bob.getAddress()];
  say.title("Bridge: deposit → Layer-2 state → withdraw → finalize");

  const rollup = await new TestRollup__factory(owner).deploy(deployment.contracts.Bridge);
  const rollupAddress = await rollup.getAddress();
  await (await bridge.registerRollup(rollupAddress)).wait();
  await (await bridge.allowToken(rollupAddress, tokenAddress)).wait();
  say.say(
    "registerRollup",
    `rollup ${short(rollupAddress)} gets its own escrow and queue; SDT is token id 1`,
  );
  say.note("(TestRollup is a TEST-ONLY stand-in for a rollup's finality rule, until the real rollups land)");
  await (await token.transfer(bobAddress, parseEther("500"))).wait();

  const aliceDeposit = await client.depositEth(alice, {
    rollup: rollupAddress,
    to: ownerOfAddress(aliceAddress),
    amount: parseEther("5"),
  });
  say.say("depositEth", `Alice queues ${eth(parseEther("5"))} as deposit #0`, aliceDeposit.receipt.gasUsed);
  const bobDeposit = await client.depositErc20(bob, {
    rollup: rollupAddress,
    token: tokenAddress,
    to: ownerOfAddress(bobAddress),
    amount: parseEther("300"),
  });
  say.say(
    "depositErc20",
    `Bob queues ${eth(parseEther("300"), "SDT")} as deposit #1`,
    bobDeposit.receipt.gasUsed,
  );
  const bobEthDeposit = await client.depositEth(bob, {
    rollup: rollupAddress,
    to: ownerOfAddress(bobAddress),
    amount: parseEther("1"),
  });
  say.say("depositEth", `Bob queues ${eth(parseEther("1"))} as deposit #2`, bobEthDeposit.receipt.gasUsed);

  // The operator rebuilds the state from the bridge's events alone, checked against the queue head.
  const { chainId } = await provider.getNetwork();
  const domain = new L2Domain(chainId, rollupAddress);
  const authorizer = new Eip712Authorizer(domain);
  const state = await L2State.keccak(32);
  const deposits = await client.verifiedQueue(rollupAddress);
  for (const deposit of deposits) {
    const accountHint = state.findAccount(deposit.to, deposit.tokenId) ?? state.nextIndex;
    applyTransaction(state, { kind: "deposit", accountHint, deposit }, authorizer);
  }
  say.say(
    "apply deposits",
    `${deposits.length} deposits, queue head ${short(deposits.at(-1)!.head)} verified`,
  );
  say.note(
    `Layer-2 state root ${short(state.stateRoot)}, ${state.nextIndex} accounts (depth-32 keccak tree)`,
  );

  const aliceEth = state.findAccount(ownerOfAddress(aliceAddress), 0)!;
  const bobEth = state.findAccount(ownerOfAddress(bobAddress), 0)!;
  const transfer = { from: aliceEth, to: bobEth, amount: parseEther("1.5"), nonce: 0 };
  const signature = await domain.signTransfer(alice, transfer);
  applyTransaction(state, { kind: "transfer", ...transfer, signature }, authorizer);
  say.say(
    "transfer",
    `Alice pays Bob ${eth(transfer.amount)} on Layer 2, signed with EIP-712; no Layer-1 gas`,
  );
  const replay = applyTransaction(state, { kind: "transfer", ...transfer, signature }, authorizer);
  const replayReason = replay.status === "rejected" ? replay.reason : undefined;
  say.note(`the same signed transfer replayed: rejected (${replayReason}), state unchanged`);

  const withdraw = { from: bobEth, recipient: bobAddress, amount: parseEther("2"), nonce: 0 };
  const withdrawSig = await domain.signWithdraw(bob, withdraw);
  const outcome = applyTransaction(
    state,
    { kind: "withdraw", ...withdraw, signature: withdrawSig },
    authorizer,
  );
  const tree = new WithdrawalTree(state.hasher, [withdrawalOf(outcome)!]);
  say.say(
    "withdraw",
    `Bob signs a withdrawal of ${eth(withdraw.amount)}; batch withdrawal root ${short(tree.root)}`,
  );

  const finalize = () =>
    client.finalizeWithdrawal(bob, {
      rollup: rollupAddress,
      batchIndex: 0,
      withdrawal: tree.withdrawals[0],
      proof: tree.proof(0),
    });
  await (await rollup.setBatch(0, tree.root, false)).wait();
  const refusedBeforeFinal = await revertName(finalize());
  say.say("finalizeWithdrawal", `before the rollup calls batch 0 final: refused with ${refusedBeforeFinal}`);

  await (await rollup.setBatch(0, tree.root, true)).wait();
  const before = await provider.getBalance(bobAddress);
  const receipt = await finalize();
  const paidToBob = (await provider.getBalance(bobAddress)) + receipt.gasUsed * receipt.gasPrice - before;
  say.say("finalizeWithdrawal", `batch 0 final: Bob is paid ${eth(paidToBob)}`, receipt.gasUsed);
  const refusedSecondPayout = await revertName(finalize());
  say.say("finalizeWithdrawal", `the same withdrawal again: refused with ${refusedSecondPayout}`);

  let layer2Eth = 0n;
  let layer2Token = 0n;
  for (const [, account] of state.entries()) {
    if (account.tokenId === 0) layer2Eth += account.balance;
    else layer2Token += account.balance;
  }
  await assertBridgeSolvent(bridge, provider, {
    rollups: [rollupAddress],
    tokens: [ZeroAddress, tokenAddress],
    owed: (_rollup, t) => (t === ZeroAddress ? layer2Eth : layer2Token),
  });
  const escrowLeft = {
    eth: (await bridge.asset(rollupAddress, ZeroAddress)).escrowed,
    token: (await bridge.asset(rollupAddress, tokenAddress)).escrowed,
  };
  say.say(
    "assertBridgeSolvent",
    `escrow ${eth(escrowLeft.eth)} + ${eth(escrowLeft.token, "SDT")} covers Layer 2`,
  );
  return {
    paidToBob,
    replayReason,
    refusedBeforeFinal,
    refusedSecondPayout,
    escrowLeft,
    layer2Left: { eth: layer2Eth, token: layer2Token },
  };
}
