// The bridge story: the Layer-1 bridge's own story, narrated, with both real rollups behind it.
//
// Part 1, in: the owner allows the DemoToken (SDT) for the optimistic rollup, and Alice deposits ETH and
// SDT into it (SDT for herself and for Bob: a deposit's `to` names the Layer-2 owner, not the payer). The
// rollup's queue grows by dense sequence numbers and a hash chain that BridgeClient.verifiedQueue rebuilds
// from the events; its escrow grows by exactly what it was sent, and the zk rollup's queue and escrow do
// not move (escrow is kept per rollup). Refusals change nothing: a token not allowed for that rollup, a
// contract that is no registered rollup, a zero amount, a zero owner. (The zk rollup's own deposits are
// the zk flow's story.)
//
// Part 2, out: through the optimistic rollup's real Sequencer (an optimistic stack in this process,
// src/optimistic/stack.ts, whose rounds the story plays), Alice sends Bob SDT on Layer 2 and Bob
// withdraws all of it. The bridge refuses to pay before the rollup calls the batch final; the challenge
// window passes, the sequencer finalizes, and finalizeWithdrawal pays Bob once, even after the owner
// disallowed SDT (that stops deposits, never withdrawals). Mallory's forged withdrawal (Bob's proof, her
// address, ten times the amount) and her release from the escrow are refused by name.
//
// assertBridgeSolvent (both rollups, both tokens, against what each rollup owes as read from Layer 1) is
// checked after each part. Only real contracts and services; it moves the chain's clock with
// evm_increaseTime / evm_mine, so it runs on any local chain: Hardhat in-process, `hardhat node`, Anvil.
import type { Provider, Signer } from "ethers";
import { ZeroAddress, ZeroHash, parseEther } from "ethers";
import type { DemoToken } from "../../typechain-types";
import { DemoToken__factory } from "../../typechain-types";
import type { DepositResult } from "../bridge/client";
import type { SolvencyReport } from "../bridge/invariants";
import { assertBridgeSolvent } from "../bridge/invariants";
import type { Deployment } from "../common/deployments";
import type { Placement } from "../common/processes";
import { withDecodedRevert } from "../common/errors";
import { assertFinalBatchesValid, owedByRollup } from "../optimistic/invariants";
import type { InProcessOptimisticStack } from "../optimistic/stack";
import { startOptimisticStack } from "../optimistic/stack";
import { depositsUpTo } from "../shared/deposit";
import type { WithdrawalData } from "../shared/types";
import { ownerOfAddress } from "../shared/types";
import { ZkChainFollower } from "../zk/chain-follower";
import { assertZkEscrowCovers } from "../zk/invariants";
import { ZkCrypto } from "../zk/keys";
import { ZkRollupClient } from "../zk/rollup-client";
import { signersAt } from "./flows";
import type { Narrator } from "./narrator";
import { eth, short } from "./narrator";
import type { OptimisticScene } from "./optimistic";
import {
  DemoFlowError,
  closeChallengeWindow,
  createOptimisticScene,
  hexOf,
  plural,
  sayFinalized,
} from "./optimistic";
import { revertName } from "../common/outcomes";

/**
 * Who plays: the owner allows tokens and hands out SDT, the sequencer runs the optimistic rollup, Alice
 * deposits, Bob withdraws, Mallory forges.
 */
export interface BridgeFlowParties {
  owner: Signer;
  sequencer: Signer;
  alice: Signer;
  bob: Signer;
  mallory: Signer;
}

export type RollupName = "optimistic" | "zk";

/** An amount of each token: ETH and SDT. */
export interface Holdings {
  eth: bigint;
  token: bigint;
}

/** A deposit as the bridge queued it (`DepositQueued`). */
export interface DepositRecord {
  rollup: RollupName;
  index: bigint;
  to: string;
  tokenId: number;
  amount: bigint;
  gasUsed: bigint;
}

export interface BridgeInResult {
  /** SDT's token id in the optimistic rollup (ids are per rollup; ETH is 0). */
  tokenId: number;
  deposits: DepositRecord[];
  /** Each queue after the deposits, and whether the events alone fold to its head. */
  queues: Record<RollupName, { count: bigint; head: string; rebuiltFromEvents: boolean }>;
  /** What each rollup's escrow grew by. */
  escrowGrowth: Record<RollupName, Holdings>;
  refusals: {
    tokenNotAllowed: string | undefined;
    notRegistered: string | undefined;
    zeroAmount: string | undefined;
    zeroRecipient: string | undefined;
  };
  /** Whether the refusals left both queues and every escrow as they were. */
  refusalsChangedNothing: boolean;
  solvency: SolvencyReport[];
}

export interface BridgeOutResult {
  batchIndex: number;
  leafIndex: number;
  withdrawal: WithdrawalData;
  notFinalRefused: string | undefined;
  disallowedDepositRefused: string | undefined;
  forgedRefused: string | undefined;
  /** What Bob's SDT balance grew by. */
  paidToBob: bigint;
  secondPayoutRefused: string | undefined;
  releaseRefused: string | undefined;
  /** SDT's token id in the optimistic rollup once allowed again. */
  tokenIdAfterReallow: number;
  /** SDT on Layer 2 at the end. */
  layer2: { alice: bigint; bob: bigint };
  /** The optimistic rollup's SDT escrow at the end. */
  escrow: bigint;
  solvency: SolvencyReport[];
}

export interface BridgeFlowResult {
  inbound: BridgeInResult;
  outbound: BridgeOutResult;
}

const HANDOUT = parseEther("1000");
const ETH_IN = parseEther("1");
const TOKENS_IN = parseEther("100");
const FOR_BOB = parseEther("20");
const TRANSFER = parseEther("30");
const WITHDRAWAL = FOR_BOB + TRANSFER;
const FORGED = 10n * WITHDRAWAL;

const sdt = (amount: bigint): string => eth(amount, "SDT");

// -------------------------------------------------------------------------------------------------
// The flow
// -------------------------------------------------------------------------------------------------

/**
 * The bridge flow of the demo (a `DemoRunner`): the story with the owner, the sequencer, Alice, Bob and
 * Mallory (accounts #0, #1, #3, #4 and #5 of `signers`). Its sequencer runs in this process wherever the
 * other flows' services run: the bridge is its subject.
 */
export async function runBridgeDemo(
  deployment: Deployment,
  _provider: Provider,
  placement: Placement,
  signers: readonly Signer[],
  say: Narrator,
): Promise<BridgeFlowResult> {
  const [owner, sequencer, alice, bob, mallory] = signersAt(signers, 0, 1, 3, 4, 5);
  if (placement.kind === "processes") {
    say.note("the bridge flow runs its sequencer in this process: the bridge is its subject");
  }
  return runBridgeStory(deployment, { owner, sequencer, alice, bob, mallory }, say);
}

export async function runBridgeStory(
  deployment: Deployment,
  parties: BridgeFlowParties,
  say: Narrator,
): Promise<BridgeFlowResult> {
  const { DemoToken: tokenAddress, ZkRollup: zkAddress, Adjudicator: adjudicator } = deployment.contracts;
  if (!tokenAddress || !zkAddress || !adjudicator) {
    throw new DemoFlowError("the bridge flow needs a local deployment: DemoToken, ZkRollup, Adjudicator");
  }
  // The optimistic rollup's side in this process, its rounds played by the story. The stack also builds
  // a challenger, which this story never runs: the owner's account.
  const stack = await startOptimisticStack(deployment, parties.owner.provider as Provider, {
    kind: "in-process",
    sequencer: parties.sequencer,
    challenger: parties.owner,
    run: false,
  });
  try {
    const w = await createOptimisticScene(stack, { ...parties });
    const crypto = await ZkCrypto.load();
    const zkRollup = new ZkRollupClient(zkAddress, w.provider);
    const address = {
      alice: await parties.alice.getAddress(),
      bob: await parties.bob.getAddress(),
      mallory: await parties.mallory.getAddress(),
    };
    const b: BridgeWorld = {
      w,
      stack,
      token: DemoToken__factory.connect(tokenAddress, parties.owner),
      tokenAddress,
      rollups: { optimistic: w.rollup.address, zk: zkAddress },
      zkRollup,
      crypto,
      unregistered: adjudicator,
      address,
      depositEth: (rollup, to, amount) => w.bridgeClient.depositEth(parties.alice, { rollup, to, amount }),
      depositErc20: (rollup, to, amount) =>
        w.bridgeClient.depositErc20(parties.alice, {
          rollup,
          token: tokenAddress,
          to,
          amount,
          approve: false,
        }),
    };
    const inbound = await runDeposits(b, say);
    const outbound = await runWithdrawal(b, say);
    return { inbound, outbound };
  } finally {
    await stack.stop();
  }
}

interface BridgeWorld {
  w: OptimisticScene;
  stack: InProcessOptimisticStack;
  token: DemoToken;
  tokenAddress: string;
  rollups: Record<RollupName, string>;
  zkRollup: ZkRollupClient;
  crypto: ZkCrypto;
  /** The payment channels' Adjudicator: a deployed contract, no registered rollup. */
  unregistered: string;
  address: Record<"alice" | "bob" | "mallory", string>;
  /** Alice's deposits, sent by BridgeClient. */
  depositEth(rollup: string, to: string, amount: bigint): Promise<DepositResult>;
  depositErc20(rollup: string, to: string, amount: bigint): Promise<DepositResult>;
}

// -------------------------------------------------------------------------------------------------
// Part 1: in
// -------------------------------------------------------------------------------------------------

async function runDeposits(b: BridgeWorld, say: Narrator): Promise<BridgeInResult> {
  const { w, token, rollups, address } = b;
  say.title("Bridge, part 1: allowToken → depositEth / depositErc20 → each rollup's queue and escrow");
  say.note(
    `the bridge serves OptimisticRollup ${short(rollups.optimistic)} and ZkRollup ${short(rollups.zk)}: ` +
      `a deposit queue each, and an escrow per (rollup, token); ETH is token id 0 in both`,
  );
  const escrowBefore = await escrows(b);
  const [alice, bob] = [ownerOfAddress(address.alice), ownerOfAddress(address.bob)];

  const handout = await (await token.transfer(address.alice, HANDOUT)).wait();
  say.say("transfer", `the deployer hands Alice ${sdt(HANDOUT)} (DemoToken) on Layer 1`, handout!.gasUsed);
  const approval = TOKENS_IN + FOR_BOB;
  const approved = await (
    await token.connect(w.users.alice).approve(w.bridgeClient.address, approval)
  ).wait();
  say.say(
    "approve",
    `Alice lets the bridge pull ${sdt(approval)}: depositErc20 takes tokens with transferFrom`,
    approved!.gasUsed,
  );

  const before = await bridgeState(b);
  const tokenNotAllowed = await revertName(b.depositErc20(rollups.optimistic, alice, TOKENS_IN));
  say.say(
    "depositErc20",
    `Alice sends ${sdt(TOKENS_IN)} into the optimistic rollup: refused, ${tokenNotAllowed} (the owner ` +
      `allows tokens rollup by rollup, and has not yet)`,
  );
  const notRegistered = await revertName(b.depositEth(b.unregistered, alice, ETH_IN));
  const zeroAmount = await revertName(b.depositEth(rollups.optimistic, alice, 0n));
  const zeroRecipient = await revertName(b.depositEth(rollups.optimistic, ZeroHash, ETH_IN));
  say.say(
    "depositEth",
    `into the Adjudicator (a contract, no registered rollup): refused, ${notRegistered}; 0 ETH: refused, ` +
      `${zeroAmount}; to the zero owner: refused, ${zeroRecipient}`,
  );
  const refusalsChangedNothing = (await bridgeState(b)) === before;
  say.note(`nothing changed: both queues and all four escrows are as they were`);

  const allowed = await (await w.bridge.allowToken(rollups.optimistic, b.tokenAddress)).wait();
  const tokenId = Number((await w.bridge.asset(rollups.optimistic, b.tokenAddress)).tokenId);
  say.say(
    "allowToken",
    `the owner allows SDT into the optimistic rollup: token id ${tokenId} there (ids are per rollup)`,
    allowed!.gasUsed,
  );

  const deposits: DepositRecord[] = [];
  const record = async (rollup: RollupName, what: string, sent: Promise<DepositResult>) => {
    const { deposit, receipt } = await sent;
    const { index, to, tokenId, amount, head } = deposit;
    deposits.push({ rollup, index, to, tokenId, amount, gasUsed: receipt.gasUsed });
    const verb = tokenId === 0 ? "depositEth" : "depositErc20";
    say.say(verb, `${what}: deposit #${index} of the ${rollup} queue, head ${short(head)}`, receipt.gasUsed);
  };
  await record(
    "optimistic",
    `Alice escrows ${eth(ETH_IN)} for herself`,
    b.depositEth(rollups.optimistic, alice, ETH_IN),
  );
  await record(
    "optimistic",
    `Alice escrows ${sdt(TOKENS_IN)} for herself (token id ${tokenId})`,
    b.depositErc20(rollups.optimistic, alice, TOKENS_IN),
  );
  await record(
    "optimistic",
    `Alice escrows ${sdt(FOR_BOB)} for Bob (\`to\` is Bob's Layer-2 owner; Alice pays)`,
    b.depositErc20(rollups.optimistic, bob, FOR_BOB),
  );
  const queues = {} as BridgeInResult["queues"];
  const escrowGrowth = {} as Record<RollupName, Holdings>;
  const escrowAfter = await escrows(b);
  for (const name of ["optimistic", "zk"] as const) {
    const rebuilt = await w.bridgeClient.verifiedQueue(rollups[name]);
    const { count, head } = await w.bridge.depositQueue(rollups[name]);
    queues[name] = { count, head, rebuiltFromEvents: (rebuilt.at(-1)?.head ?? ZeroHash) === head };
    const [after, before] = [escrowAfter[name], escrowBefore[name]];
    escrowGrowth[name] = { eth: after.eth - before.eth, token: after.token - before.token };
  }
  say.note(
    `optimistic queue: ${plural(queues.optimistic.count, "deposit")}, head ${short(queues.optimistic.head)}, ` +
      `the fold of its DepositQueued events; its escrow grew by exactly ${eth(escrowGrowth.optimistic.eth)} ` +
      `and ${sdt(escrowGrowth.optimistic.token)}`,
  );
  say.note(
    `zk queue: ${plural(queues.zk.count, "deposit")}; its escrow grew by ${eth(escrowGrowth.zk.eth)}: ` +
      `a deposit is escrowed for one rollup, and only that rollup can ever pay it out`,
  );
  const solvency = await saySolvent(b, say);
  return {
    tokenId,
    deposits,
    queues,
    escrowGrowth,
    refusals: { tokenNotAllowed, notRegistered, zeroAmount, zeroRecipient },
    refusalsChangedNothing,
    solvency,
  };
}

// -------------------------------------------------------------------------------------------------
// Part 2: out
// -------------------------------------------------------------------------------------------------

async function runWithdrawal(b: BridgeWorld, say: Narrator): Promise<BridgeOutResult> {
  const { w, token, tokenAddress, rollups, address } = b;
  const { side } = w;
  const rounds = (force?: boolean) => b.stack.parties.sequencer.tick(force);
  say.title("Bridge, part 2: withdraw → commitBatch → finalize → finalizeWithdrawal, paid once");
  const tokenId = Number((await w.bridge.asset(rollups.optimistic, tokenAddress)).tokenId);
  const accountOf = async (who: "alice" | "bob") => {
    const index = await side.findAccount(ownerOfAddress(address[who]), tokenId);
    if (index === undefined) throw new DemoFlowError(`${who} holds no SDT on Layer 2`);
    return index;
  };

  await rounds(true);
  await w.sayCommitted(say, "the sequencer pulls Alice's three deposits from the bridge's queue");
  const [aliceSdt, bobSdt] = [await accountOf("alice"), await accountOf("bob")];
  const balance = (index: number) => side.getBalance(index);
  const nonce = (index: number) => side.getNonce(index);
  say.note(
    `Layer 2: Alice's SDT account #${aliceSdt} holds ${sdt(await balance(aliceSdt))}, ` +
      `Bob's #${bobSdt} ${sdt(await balance(bobSdt))}`,
  );
  const transfer = { from: aliceSdt, to: bobSdt, amount: TRANSFER, nonce: await nonce(aliceSdt) };
  const signature = await w.domain.signTransfer(w.users.alice, transfer);
  const sent = await side.sendTransaction(hexOf({ kind: "transfer", ...transfer, signature }));
  say.say(
    "transfer",
    `Alice signs ${sdt(TRANSFER)} to Bob's SDT account; the sequencer answers ${sent.status}`,
  );
  const order = { from: bobSdt, recipient: address.bob, amount: WITHDRAWAL, nonce: await nonce(bobSdt) };
  const withdrawn = await side.sendTransaction(
    hexOf({ kind: "withdraw", ...order, signature: await w.domain.signWithdraw(w.users.bob, order) }),
  );
  say.say("withdraw", `Bob signs a withdrawal of all his ${sdt(WITHDRAWAL)} to his Layer-1 address`);
  await rounds(true);
  await w.sayCommitted(say, "the sequencer commits the transfer and the withdrawal");
  const batchIndex = (await side.getReceipt(withdrawn.hash))!.batchIndex!;

  // Bob's wallet rebuilds the batch from Layer 1 and proves his leaf; it trusts no operator.
  const node = await w.newFollower();
  await node.sync();
  const leaves = node.withdrawalsOf(batchIndex);
  const isBobs = (x: WithdrawalData) => x.recipient.toLowerCase() === address.bob.toLowerCase();
  const leafIndex = leaves.findIndex((x) => isBobs(x) && x.tokenId === tokenId);
  if (leafIndex < 0) throw new DemoFlowError(`batch ${batchIndex} owes Bob no SDT`);
  const withdrawal = leaves[leafIndex];
  const claim = {
    rollup: rollups.optimistic,
    batchIndex,
    withdrawal,
    proof: node.withdrawalProof(batchIndex, leafIndex),
  };
  const notFinalRefused = await revertName(w.bridgeClient.finalizeWithdrawal(w.users.bob, claim));
  say.say(
    "finalizeWithdrawal",
    `Bob proves leaf ${leafIndex} of batch ${batchIndex} at once: refused, ${notFinalRefused} (the bridge ` +
      `asks the rollup, which calls no batch final inside its challenge window)`,
  );

  await closeChallengeWindow(w, say);
  await rounds();
  sayFinalized(w, say, await w.tape.read());
  say.note(`Bob's withdrawal is now ${(await side.getReceipt(withdrawn.hash))!.status}`);

  const disallowed = await (await w.bridge.disallowToken(rollups.optimistic, tokenAddress)).wait();
  const disallowedDepositRefused = await revertName(
    b.depositErc20(rollups.optimistic, ownerOfAddress(address.alice), TOKENS_IN),
  );
  say.say(
    "disallowToken",
    `the owner stops SDT deposits into the optimistic rollup; Alice's next depositErc20: refused, ` +
      `${disallowedDepositRefused}`,
    disallowed!.gasUsed,
  );

  const forged = { ...withdrawal, recipient: address.mallory, amount: FORGED };
  const forgedRefused = await revertName(
    w.bridgeClient.finalizeWithdrawal(w.users.mallory, { ...claim, withdrawal: forged }),
  );
  say.say(
    "finalizeWithdrawal",
    `Mallory sends Bob's proof for a leaf paying ${sdt(FORGED)} to herself: refused, ${forgedRefused} ` +
      `(that leaf leads to another root)`,
  );
  const bobBefore = await token.balanceOf(address.bob);
  const paid = await w.bridgeClient.finalizeWithdrawal(w.users.bob, claim);
  const paidToBob = (await token.balanceOf(address.bob)) - bobBefore;
  say.say(
    "finalizeWithdrawal",
    `Bob's withdrawal is paid all the same (disallowing stops deposits, never withdrawals): the bridge ` +
      `sends him ${sdt(paidToBob)} from the optimistic rollup's escrow`,
    paid.gasUsed,
  );
  const secondPayoutRefused = await revertName(w.bridgeClient.finalizeWithdrawal(w.users.bob, claim));
  say.say("finalizeWithdrawal", `the same withdrawal again: refused, ${secondPayoutRefused}`);
  const releaseRefused = await revertName(
    withDecodedRevert(
      () => w.bridge.connect(w.users.mallory).release(address.mallory, tokenId, paidToBob),
      w.bridge.interface,
    ),
  );
  say.say(
    "release",
    `Mallory asks the bridge to release ${sdt(paidToBob)} to her: refused, ${releaseRefused} (only a ` +
      `registered rollup may release, and only from its own escrow)`,
  );

  const reallowed = await (await w.bridge.allowToken(rollups.optimistic, tokenAddress)).wait();
  const tokenIdAfterReallow = Number((await w.bridge.asset(rollups.optimistic, tokenAddress)).tokenId);
  say.say(
    "allowToken",
    `the owner allows SDT again: token id ${tokenIdAfterReallow}, as before (ids are never reused)`,
    reallowed!.gasUsed,
  );
  const layer2 = { alice: await balance(aliceSdt), bob: await balance(bobSdt) };
  const escrow = (await w.bridge.asset(rollups.optimistic, tokenAddress)).escrowed;
  say.note(
    `SDT on Layer 2: Alice ${sdt(layer2.alice)}, Bob ${sdt(layer2.bob)}; Bob received ${sdt(paidToBob)} on ` +
      `Layer 1; the optimistic rollup's SDT escrow ${sdt(escrow)}`,
  );
  const solvency = await saySolvent(b, say);
  const refusals = {
    notFinalRefused,
    disallowedDepositRefused,
    forgedRefused,
    secondPayoutRefused,
    releaseRefused,
  };
  return {
    batchIndex,
    leafIndex,
    withdrawal,
    ...refusals,
    paidToBob,
    tokenIdAfterReallow,
    layer2,
    escrow,
    solvency,
  };
}

// -------------------------------------------------------------------------------------------------
// Invariants and helpers
// -------------------------------------------------------------------------------------------------

/**
 * assertBridgeSolvent over both rollups and both tokens, each rollup's escrow checked against what it
 * owes as read from Layer 1: the optimistic rollup's balances, unpaid withdrawals and queued deposits
 * (every final batch valid), the zk rollup's balances, unclaimed credits and queued deposits
 * (assertZkEscrowCovers).
 */
async function saySolvent(b: BridgeWorld, say: Narrator): Promise<SolvencyReport[]> {
  const { w, rollups } = b;
  const node = await w.newFollower();
  await node.sync();
  assertFinalBatchesValid(node);
  const zkNode = await ZkChainFollower.create(b.zkRollup, w.provider, b.crypto);
  const zkOwed = await assertZkEscrowCovers(zkNode, w.bridgeClient);
  // The optimistic rollup also owes the deposits still queued for it: they will be credited on Layer 2.
  const optimisticOwed = await owedByRollup(node, w.bridge);
  const queue = await w.bridgeClient.verifiedQueue(rollups.optimistic);
  const applied = node.batches.filter((x) => x.verdict === "valid").at(-1)!.post.depositHead;
  for (const d of queue.slice(depositsUpTo(queue, applied))) {
    optimisticOwed.set(d.tokenId, (optimisticOwed.get(d.tokenId) ?? 0n) + d.amount);
  }
  const owedById: Record<string, Map<number, bigint>> = {
    [rollups.optimistic]: optimisticOwed,
    [rollups.zk]: new Map(zkOwed.map((r) => [r.tokenId, r.balances + r.credits + r.queued])),
  };
  const tokens = [ZeroAddress, b.tokenAddress];
  const owed = new Map<string, bigint>();
  for (const rollup of Object.values(rollups)) {
    for (const token of tokens) {
      const asset = await w.bridge.asset(rollup, token);
      owed.set(`${rollup}:${token}`, asset.listed ? (owedById[rollup].get(Number(asset.tokenId)) ?? 0n) : 0n);
    }
  }
  const reports = await assertBridgeSolvent(w.bridge, w.provider, {
    rollups: Object.values(rollups),
    tokens,
    owed: (rollup, token) => owed.get(`${rollup}:${token}`)!,
  });
  const [ether, sdtReport] = reports;
  const owes = (token: string, show: (x: bigint) => string) =>
    (["optimistic", "zk"] as const)
      .map((n) => `${n} ${show(owed.get(`${rollups[n]}:${token}`)!)}`)
      .join(", ");
  say.say(
    "assertBridgeSolvent",
    `the bridge holds ${eth(ether.held)} and ${sdt(sdtReport.held)}, escrowed ${eth(ether.escrowed)} and ` +
      `${sdt(sdtReport.escrowed)}; each escrow covers what its rollup owes (ETH: ${owes(ZeroAddress, eth)}; ` +
      `SDT: ${owes(b.tokenAddress, sdt)})`,
  );
  return reports;
}

/** Each rollup's escrow in ETH and SDT. */
async function escrows(b: BridgeWorld): Promise<Record<RollupName, Holdings>> {
  const of = async (rollup: string): Promise<Holdings> => ({
    eth: (await b.w.bridge.asset(rollup, ZeroAddress)).escrowed,
    token: (await b.w.bridge.asset(rollup, b.tokenAddress)).escrowed,
  });
  return { optimistic: await of(b.rollups.optimistic), zk: await of(b.rollups.zk) };
}

/** Both queues and every escrow, as one comparable string. */
async function bridgeState(b: BridgeWorld): Promise<string> {
  const queues = await Promise.all(Object.values(b.rollups).map((r) => b.w.bridge.depositQueue(r)));
  return JSON.stringify([queues.map((q) => [q.count, q.head]), await escrows(b)], (_k, v: unknown) =>
    typeof v === "bigint" ? v.toString() : v,
  );
}
