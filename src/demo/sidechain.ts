// The sidechain story: a chain with its own validators, and a Layer 3 (Strata's optimistic rollup) on top
// of it, told once against the sidechain's composition root (src/sidechain/stack.ts). The sidechain is
// its own chain, so its node is always a real process (Anvil on its own port, chain 31338, a block a
// second); its four validators run in this process in both placements for now (the `validator` task that
// runs each as a process of its own is not on this branch yet). The story plays only the users and the
// adversaries, and learns what the validators did from their typed events (src/sidechain/events.ts) and
// from both chains.
//
// Part 1, Layer 1 → sidechain → Layer 3 and back: the Sidechain contract is deployed on Layer 1 and
// registered with the Bridge, four validators stake, the ChildBridge is deployed on the sidechain. Alice
// deposits ETH into the sidechain on Layer 1, and the validators mint it as sETH once more than 2/3 of the
// stake signed the state sync; she pays Bob on the sidechain (an ERC-20 transfer: its soft confirmation is
// the sidechain's block). A Layer 3 is deployed on the sidechain (deployLayer3, sETH its token) and its
// sequencer and challenger run against the sidechain's node; Alice deposits sETH there, pays Bob, withdraws;
// once the Layer-3 window has passed, the Layer-3 bridge pays her sETH on the sidechain; she burns it on the
// ChildBridge; once a checkpoint covers the burn, the Bridge pays her ETH on Layer 1, once. Every hop is
// timed; the exit from Layer 3 takes the sum of both hops.
//
// Part 2, the line between a sidechain and a rollup: three of four validators (more than 2/3 of the stake)
// sign a checkpoint with a withdrawal that never happened and take the escrow; the honest validator can
// only raise `checkpointDisowned`. The same lie on an optimistic rollup on Layer 1 (a fresh one registered
// with the demo's Bridge: the demo's own may hold blob batches no Hardhat node keeps) is challenged and
// removed, and its proposer's bond is lost. Two of four (exactly 1/2) are refused, and an equivocating
// validator is slashed by a bystander. The theft comes after Part 1's exit: it drains the escrow.
//
// Checked along the way: the sidechain's escrow on Layer 1 backs every sETH (until the theft, after which
// the story shows it does not), the Layer-3 bridge holds what the Layer 3 owes, every final Layer-3 batch is
// valid, its bonds are conserved.
import { mkdtemp, rm } from "node:fs/promises";
import type { ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Provider, Signer } from "ethers";
import { JsonRpcProvider, Wallet, ZeroAddress, parseEther } from "ethers";
import { ChildToken__factory } from "../../typechain-types";
import { assertBridgeSolvent } from "../bridge/invariants";
import { recordDeploymentChain } from "../common/chain-identity";
import type { Deployment } from "../common/deployments";
import { writeDeployment } from "../common/deployments";
import { ContractRevertError } from "../common/errors";
import type { Published } from "../common/events";
import { ofType, readAllEvents, waitForEvent } from "../common/events";
import { pollUntil } from "../common/json-rpc";
import type { RpcProvider } from "../common/layer1";
import { rejectionName, revertName } from "../common/outcomes";
import type { Placement } from "../common/processes";
import { ANVIL, freePort, localAccountKey, stopGroup } from "../common/processes";
import { DEMO_USER_ACCOUNTS } from "../config/table";
import { commitLyingBatch, lyingPlayer, neverStep } from "../optimistic/adversaries";
import type { RollupTiming } from "../optimistic/config";
import { LOCAL_TIMING, PRODUCTION_TIMING } from "../optimistic/config";
import { deployOptimisticRollup } from "../optimistic/deploy";
import { assertBondsConserved, assertFinalBatchesValid, owedByRollup } from "../optimistic/invariants";
import type { OptimisticStack } from "../optimistic/stack";
import { startOptimisticStack } from "../optimistic/stack";
import type { L2Tx } from "../shared/types";
import { ownerOfAddress } from "../shared/types";
import { exitForged, forgeCheckpoint, submitForgedCheckpoint } from "../sidechain/adversaries";
import {
  LOCAL_VALIDATOR_STAKE,
  SIDECHAIN_NETWORK,
  bootstrapSidechain,
  sidechainDeployments,
} from "../sidechain/bootstrap";
import type { SidechainContext } from "../sidechain/chains";
import { sidechainContext } from "../sidechain/chains";
import { signCheckpoint } from "../sidechain/checkpoint";
import type { ValidatorEvent } from "../sidechain/events";
import { exitBurn } from "../sidechain/exits";
import type { Layer3 } from "../sidechain/layer3";
import { LAYER3_TOKEN, deployLayer3, layer3ExitTime } from "../sidechain/layer3";
import { SIDECHAIN_BLOCK_TIME_S, SIDECHAIN_CHAIN_ID, startSidechainNode } from "../sidechain/node";
import type { SidechainStack } from "../sidechain/stack";
import type { SidechainStackMode } from "../sidechain/stack";
import { LOCAL_CHECKPOINT_RULE, startSidechainStack } from "../sidechain/stack";
import { OptimisticWallet } from "../wallet";
import { signersAt } from "./flows";
import type { Narrator } from "./narrator";
import { eth, short } from "./narrator";
import {
  DEMO_TUNING,
  DemoFlowError,
  OPTIMISTIC_SERVICE_ACCOUNTS,
  ServiceTimeoutError,
  plural,
} from "./optimistic";
import { createOptimisticScene } from "./optimistic";

/** The local accounts the sidechain's validators stake and sign with (funded on Layer 1 if need be). */
export const SIDECHAIN_VALIDATOR_ACCOUNTS = [10, 11, 12, 13] as const;

/**
 * The Layer 3's windows, in the sidechain's real time (a block a second): a challenge window short enough
 * to wait out in the demo, clocks long enough for both sides to answer.
 */
export const DEMO_LAYER3_TIMING: RollupTiming = { challengeWindow: 10, inclusionWindow: 30, gameClock: 60 };

const ALICE_DEPOSIT = parseEther("2");
const TO_BOB = parseEther("0.5");
const LAYER3_DEPOSIT = parseEther("1");
const BOB_LAYER3_DEPOSIT = parseEther("0.1");
const LAYER3_TRANSFER = parseEther("0.25");
const LAYER3_WITHDRAWAL = parseEther("0.5");
const MALLORY_DEPOSIT = parseEther("0.01");
const MALLORY_WITHDRAWAL = parseEther("0.001");
const POLL_MS = 200;
const S = LAYER3_TOKEN;

export interface SidechainStoryOptions {
  /** How long to wait for a service to do its part (default 60 s). */
  timeoutMs?: number;
  /** The sidechain node's port (default: a free one). */
  sidechainPort?: number;
}

/** The sidechain's escrow on Layer 1, and the sETH the sidechain holds (its ChildToken's supply). */
export interface Backing {
  escrow: bigint;
  supply: bigint;
}

/** Milliseconds each hop took, measured on this machine (narrated, never asserted). */
export interface HopTimes {
  layer1ToSidechain: number;
  sidechainTransfer: number;
  sidechainToLayer3: number;
  layer3ToSidechain: number;
  sidechainToLayer1: number;
  layer3ToLayer1: number;
}

export interface SidechainRoundTrip {
  /** The Layer-1 Sidechain contract. */
  sidechainContract: string;
  validators: string[];
  /** Where the validators ran. */
  validatorsPlacement: Placement["kind"];
  totalStake: bigint;
  /** sETH minted to Alice, and how many validators signed the state sync that minted it. */
  minted: bigint;
  stateSyncSigners: number;
  /** sETH on the sidechain after Alice paid Bob. */
  sidechain: { alice: bigint; bob: bigint };
  /** The Layer 3: its token id, the balances after Alice paid Bob, what its bridge paid Alice on the sidechain. */
  layer3: {
    tokenId: number;
    alice: bigint;
    bob: bigint;
    earlyPayoutRefused: string | undefined;
    paidOnSidechain: bigint;
    secondPayoutRefused: string | undefined;
  };
  burned: bigint;
  /** The exit before any checkpoint covered the burn, refused by name. */
  notCheckpointedRefused: string | undefined;
  checkpointNumber: number;
  checkpointSigners: number;
  /** What the Bridge paid Alice on Layer 1, and a second exit's refusal. */
  paidOnLayer1: bigint;
  secondExitRefused: string | undefined;
  backing: Backing;
  times: HopTimes;
}

export interface SidechainTheft {
  coalition: string[];
  honest: string;
  signedStake: bigint;
  totalStake: bigint;
  stolen: bigint;
  /** What the coalition's address received on Layer 1. */
  thiefPaid: bigint;
  backingBefore: Backing;
  backingAfter: Backing;
  /** The honest validator's alarm. */
  alarm: { number: number; accepted: string; computed: string | null; why: string };
}

export interface RollupLieDefeated {
  batchIndex: number;
  claimed: bigint;
  challenged: boolean;
  /** Whether the one-step proof ended the game (not a clock). */
  byStep: boolean;
  winner: string | undefined;
  removed: boolean;
  bond: bigint;
  /** Bonds credited in the game. */
  malloryCredit: bigint;
  challengerCredit: bigint;
  burned: bigint;
  /** The rollup's escrow before and after: the lie took nothing. */
  escrowBefore: bigint;
  escrowAfter: bigint;
}

export interface SidechainSlash {
  validator: string;
  bystander: string;
  reward: bigint;
  burned: bigint;
  /** What the bystander's Layer-1 balance grew by (gas paid back in). */
  bystanderPaid: bigint;
  stakeBefore: bigint;
  stakeAfter: bigint;
  status: string;
  totalStakeAfter: bigint;
  burnedStake: bigint;
}

export interface SidechainFlowResult {
  roundTrip: SidechainRoundTrip;
  theft: SidechainTheft;
  rollupLie: RollupLieDefeated;
  minority: {
    refused: string | undefined;
    signedStake: bigint;
    totalStake: bigint;
    escrowUnchanged: boolean;
  };
  slash: SidechainSlash;
}

/** The sidechain's side of the story: both chains, the validators, the users on each chain. */
interface Scene {
  ctx: SidechainContext;
  layer1: RpcProvider;
  sidechain: JsonRpcProvider;
  sidechainUrl: string;
  sETH: string;
  keys: string[];
  validatorAddresses: string[];
  l1: { owner: Signer; alice: Signer; bob: Signer; mallory: Signer; carol: Signer };
  sc: { deployer: Signer; alice: Signer; bob: Signer; sequencer: Signer; challenger: Signer };
  timeoutMs: number;
  dataDir: string;
  /** Where the validator processes read both deployment records (as processes only). */
  placement: Placement;
  deploymentsDir?: string;
  stack?: SidechainStack;
  layer3Stack?: OptimisticStack;
}

// -------------------------------------------------------------------------------------------------
// The flow
// -------------------------------------------------------------------------------------------------

/**
 * The sidechain flow of the demo (a `DemoRunner`): starts the sidechain's node, bootstraps the sidechain
 * against the deployment's Bridge (its owner, account #0 of `signers`, registers it), runs the
 * validators (accounts #10-#13) and the Layer 3, tells both parts with Alice, Bob, Mallory and Carol (#3 to
 * #6; the optimistic rollup's sequencer and challenger #1 and #2), and stops everything it started.
 */
export async function runSidechainDemo(
  deployment: Deployment,
  provider: RpcProvider,
  placement: Placement,
  signers: readonly Signer[],
  say: Narrator,
  options: SidechainStoryOptions = {},
): Promise<SidechainFlowResult | undefined> {
  if (!existsSync(ANVIL)) {
    // The sidechain is a chain of its own: without its node there is no flow, and the demo goes on.
    say.title("Sidechain: skipped");
    say.note(
      `the sidechain's node is Anvil, which npm installs on Linux x64 only (@foundry-rs/anvil-linux-amd64); ` +
        `there is none at ${ANVIL}`,
    );
    return undefined;
  }
  const bridge = deployment.contracts.Bridge;
  if (!bridge) throw new DemoFlowError("the sidechain flow needs the deployment's Bridge");
  const { alice, bob, mallory, carol } = DEMO_USER_ACCOUNTS;
  const [owner, aliceL1, bobL1, malloryL1, carolL1] = signersAt(signers, 0, alice, bob, mallory, carol);
  const port = options.sidechainPort ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  say.title("Sidechain: its own chain, its own validators, a Layer 3 on top");
  let node: ChildProcess | undefined;
  let sidechain: JsonRpcProvider | undefined;
  let scene: Scene | undefined;
  const dataDir = await mkdtemp(join(tmpdir(), "strata-demo-sidechain-"));
  try {
    node = await startSidechainNode(port);
    // cacheTimeout -1: ethers would otherwise answer a nonce from its cache and reuse it.
    sidechain = new JsonRpcProvider(url, undefined, { cacheTimeout: -1, pollingInterval: 100 });
    say.say(
      "startNode",
      `the sidechain's node: Anvil at ${url}, chain ${SIDECHAIN_CHAIN_ID}, a block every ` +
        `${SIDECHAIN_BLOCK_TIME_S} s whether or not there are transactions (its own block producer)`,
    );
    const keys = SIDECHAIN_VALIDATOR_ACCOUNTS.map(localAccountKey);
    const sc = {
      deployer: await sidechain.getSigner(0),
      sequencer: await sidechain.getSigner(OPTIMISTIC_SERVICE_ACCOUNTS.sequencer),
      challenger: await sidechain.getSigner(OPTIMISTIC_SERVICE_ACCOUNTS.challenger),
      alice: await sidechain.getSigner(alice),
      bob: await sidechain.getSigner(bob),
    };
    const addresses = await bootstrapSidechain({
      layer1Deployer: owner,
      sidechainDeployer: sc.deployer,
      bridge,
      validators: keys.map((key) => new Wallet(key, provider)),
      // Anvil as Layer 1 unlocks 10 accounts: the validators' are funded by the deployer.
      fund: true,
    });
    const ctx = sidechainContext(provider, sidechain, addresses);
    // As processes, each validator reads Layer 1's record (with the Sidechain) and the sidechain's own.
    let deploymentsDir: string | undefined;
    if (placement.kind === "processes") {
      deploymentsDir = join(placement.services.dataDir, "sidechain-deployments");
      const records = await sidechainDeployments(deployment, addresses, sidechain, {
        deployer: await owner.getAddress(),
      });
      writeDeployment(records.layer1, deploymentsDir);
      writeDeployment(records.sidechain, deploymentsDir);
    }
    scene = {
      placement,
      deploymentsDir,
      ctx,
      layer1: provider,
      sidechain,
      sidechainUrl: url,
      sETH: ZeroAddress,
      keys,
      validatorAddresses: keys.map((key) => new Wallet(key).address),
      l1: { owner, alice: aliceL1, bob: bobL1, mallory: malloryL1, carol: carolL1 },
      sc,
      timeoutMs: options.timeoutMs ?? 60_000,
      dataDir,
    };
    const roundTrip = await runRoundTrip(scene, placement, say);
    const theft = await runQuorumTheft(scene, say);
    const rollupLie = await runRollupLie(deployment, scene, signers, say, theft.stolen);
    const minority = await runMinority(scene, say);
    const slash = await runSlash(scene, say);
    sayLine(say);
    return { roundTrip, theft, rollupLie, minority, slash };
  } finally {
    try {
      await scene?.layer3Stack?.stop();
      await scene?.stack?.stop();
    } finally {
      sidechain?.destroy();
      if (node) await stopGroup(node);
      await rm(dataDir, { recursive: true, force: true });
    }
  }
}

/** The validators `keys` as the demo's placement runs them: in this process, or each a `validator` process. */
function validatorsMode(s: Scene, keys: string[]): SidechainStackMode {
  return s.placement.kind === "processes"
    ? {
        kind: "processes",
        services: s.placement.services,
        keys,
        sidechainUrl: s.sidechainUrl,
        sidechainNetwork: SIDECHAIN_NETWORK,
        deploymentsDir: s.deploymentsDir,
        rule: LOCAL_CHECKPOINT_RULE,
        pollMs: 250,
      }
    : { kind: "in-process", keys, rule: LOCAL_CHECKPOINT_RULE, pollMs: 250, dataDir: s.dataDir };
}

// -------------------------------------------------------------------------------------------------
// Part 1: Layer 1 → sidechain → Layer 3 and back
// -------------------------------------------------------------------------------------------------

async function runRoundTrip(s: Scene, placement: Placement, say: Narrator): Promise<SidechainRoundTrip> {
  const { ctx } = s;
  const [validators, totalStake, mirrored] = await Promise.all([
    ctx.root.validators(),
    ctx.root.totalStake(),
    ctx.child.totalStake(),
  ]);
  say.say(
    "register",
    `Sidechain ${short(ctx.root.address)} on Layer 1, registered with the Bridge as a "rollup": its own ` +
      `deposit queue and escrow there`,
  );
  say.say(
    "stake",
    `${plural(validators.length, "validator")} (accounts #${SIDECHAIN_VALIDATOR_ACCOUNTS.join(", #")}) stake ` +
      `${eth(LOCAL_VALIDATOR_STAKE)} each on Layer 1: ${eth(totalStake)} in all; a quorum is more than 2/3 of it`,
  );
  say.say(
    "deploy",
    `ChildBridge ${short(ctx.child.address)} on the sidechain, mirroring the set that staked (${eth(mirrored)})`,
  );
  s.stack = await startSidechainStack(ctx, validatorsMode(s, s.keys));
  say.say(
    "startValidators",
    `the four validators start ${
      placement.kind === "processes" ? "as processes (`npx hardhat validator`)" : "in this process"
    }, each following both chains: a checkpoint every ` +
      `${LOCAL_CHECKPOINT_RULE.span} sidechain blocks, ${LOCAL_CHECKPOINT_RULE.confirmations} blocks after its end`,
  );
  if (placement.kind === "processes") {
    say.note(
      "the Layer 3's operators and, in part 2, the optimistic rollup's run in this process (the Layer 3's " +
        "chain has no Hardhat network to start them on); the sidechain's node is a process of its own either way",
    );
  }

  // Layer 1 → the sidechain.
  const [alice, bob] = [await s.sc.alice.getAddress(), await s.sc.bob.getAddress()];
  const aliceL1 = await s.l1.alice.getAddress();
  const depositAt = Date.now();
  const { deposit, receipt } = await ctx.bridge.depositEth(s.l1.alice, {
    rollup: ctx.root.address,
    to: ownerOfAddress(alice),
    amount: ALICE_DEPOSIT,
  });
  say.say(
    "depositEth",
    `Alice escrows ${eth(ALICE_DEPOSIT)} for her sidechain address: deposit #${deposit.index} of the ` +
      `sidechain's queue on Layer 1`,
    receipt.gasUsed,
  );
  await until(
    s,
    "the validators mint Alice's deposit",
    () => ctx.child.balanceOf(0, alice),
    (b) => b === ALICE_DEPOSIT,
  );
  const layer1ToSidechain = Date.now() - depositAt;
  const { event: synced, proposer } = await validatorEvent(
    s,
    "depositsSynced",
    (e) => e.count > Number(deposit.index),
  );
  s.sETH = await ctx.child.childToken(0);
  say.say(
    "syncDeposits",
    `${nameOfValidator(s, proposer)} proposes the state sync of ${depositRange(synced.fromCount, synced.count)}; ` +
      `${synced.signers.length} of ${s.keys.length} validators signed it (more than 2/3 of the stake): the ` +
      `ChildBridge mints ${seth(ALICE_DEPOSIT)} (ChildToken ${short(s.sETH)}) to Alice, ` +
      `${seconds(layer1ToSidechain)} after her deposit`,
    BigInt(synced.gasUsed),
  );
  if (synced.fromCount === 0)
    say.note("(the first deposit of token id 0 also creates its ChildToken: most of that gas)");
  await checkBacked(s, say);

  // A payment on the sidechain: an ERC-20 transfer, confirmed by the sidechain's block.
  const token = ChildToken__factory.connect(s.sETH, s.sc.alice);
  const sentAt = Date.now();
  const paid = await (await token.transfer(bob, TO_BOB)).wait();
  const sidechainTransfer = Date.now() - sentAt;
  const sidechainBalances = { alice: await token.balanceOf(alice), bob: await token.balanceOf(bob) };
  say.say(
    "transfer",
    `Alice pays Bob ${seth(TO_BOB)} on the sidechain: in block ${paid!.blockNumber} after ` +
      `${seconds(sidechainTransfer)}; that block is its soft confirmation (the validators' checkpoint makes it ` +
      `count on Layer 1)`,
    paid!.gasUsed,
  );

  // The sidechain → Layer 3.
  const layer3 = await deployLayer3(s.sc.deployer, { token: s.sETH, timing: DEMO_LAYER3_TIMING });
  const c3 = layer3.deployment.contracts;
  say.say(
    "deployLayer3",
    `a Layer 3 on the sidechain: Bridge ${short(c3.Bridge)}, OptimisticRollup ${short(c3.OptimisticRollup)}, ` +
      `sETH its token (id ${layer3.tokenId}); the sidechain's own coin is refused (no Layer-1 escrow backs it)`,
  );
  s.layer3Stack = await startOptimisticStack(layer3.deployment, s.sidechain, {
    kind: "in-process",
    sequencer: s.sc.sequencer,
    challenger: s.sc.challenger,
    serve: true,
    maxBatchAgeMs: 1_500,
    sequencerPollMs: POLL_MS,
    challengerPollMs: 300,
  });
  say.note(
    `its sequencer and challenger run in this process against the sidechain's node, the Layer-1 code ` +
      `unchanged; challenge window ${DEMO_LAYER3_TIMING.challengeWindow} s of the sidechain's time`,
  );
  const open = (signer: Signer) =>
    OptimisticWallet.open({
      signer,
      deployment: layer3.deployment,
      operatorUrl: s.layer3Stack!.urls.sequencer!,
    });
  const [aliceL3, bobL3] = [await open(s.sc.alice), await open(s.sc.bob)];
  const layer3DepositAt = Date.now();
  const aliceIn = await aliceL3.deposit({ amount: LAYER3_DEPOSIT, token: S });
  say.say(
    "depositErc20",
    `Alice escrows ${seth(LAYER3_DEPOSIT)} in the Layer-3 bridge on the sidechain (after approving it)`,
    aliceIn.gasUsed,
  );
  await bobL3.deposit({ amount: BOB_LAYER3_DEPOSIT, token: S });
  await until(
    s,
    "the Layer-3 sequencer credits Alice",
    () => aliceL3.balance(S),
    (b) => b === LAYER3_DEPOSIT,
  );
  const sidechainToLayer3 = Date.now() - layer3DepositAt;
  await until(
    s,
    "the Layer-3 sequencer credits Bob",
    () => bobL3.balance(S),
    (b) => b === BOB_LAYER3_DEPOSIT,
  );
  say.say(
    "commitBatch",
    `the Layer-3 sequencer pulls the deposits (Bob brought ${seth(BOB_LAYER3_DEPOSIT)} of his own): Alice holds ` +
      `${seth(LAYER3_DEPOSIT)} on Layer 3, ${seconds(sidechainToLayer3)} after her deposit`,
  );
  await checkLayer3(s, layer3);

  const paidOnL3 = await aliceL3.transfer({ to: bob, amount: LAYER3_TRANSFER, token: S });
  await aliceL3.waitForReceipt(paidOnL3.hash, "committed", { timeoutMs: s.timeoutMs });
  const onLayer3 = { alice: await aliceL3.balance(S), bob: await bobL3.balance(S) };
  say.say(
    "transfer",
    `Alice pays Bob ${seth(LAYER3_TRANSFER)} on Layer 3, committed in a Layer-3 batch on the sidechain: Alice ` +
      `${seth(onLayer3.alice)}, Bob ${seth(onLayer3.bob)}`,
  );
  const withdrawal = await aliceL3.withdraw({ amount: LAYER3_WITHDRAWAL, token: S });
  const withdrawnAt = Date.now();
  await aliceL3.waitForReceipt(withdrawal.hash, "committed", { timeoutMs: s.timeoutMs });
  const earlyPayoutRefused = await rejectionName(aliceL3.finalizeWithdrawal(withdrawal.hash));
  say.say(
    "withdraw",
    `Alice withdraws ${seth(LAYER3_WITHDRAWAL)} from Layer 3 to her sidechain address; asked at once, her ` +
      `wallet refuses: ${earlyPayoutRefused} (the Layer-3 window is open)`,
  );
  await aliceL3.waitForReceipt(withdrawal.hash, "final", { timeoutMs: s.timeoutMs });
  const before = await token.balanceOf(alice);
  const payout = await aliceL3.finalizeWithdrawal(withdrawal.hash);
  const paidOnSidechain = (await token.balanceOf(alice)) - before;
  const layer3ToSidechain = Date.now() - withdrawnAt;
  say.say(
    "finalizeWithdrawal",
    `the window passed unchallenged and the sequencer finalized; the Layer-3 bridge pays Alice ` +
      `${seth(paidOnSidechain)} on the sidechain, ${seconds(layer3ToSidechain)} after she withdrew`,
    payout.gasUsed,
  );
  const secondPayoutRefused = await rejectionName(aliceL3.finalizeWithdrawal(withdrawal.hash));
  say.say("finalizeWithdrawal", `the same Layer-3 withdrawal again: refused, ${secondPayoutRefused}`);
  await checkLayer3(s, layer3);

  // The sidechain → Layer 1.
  const burnedAt = Date.now();
  const { burn, receipt: burnt } = await ctx.child.withdraw(s.sc.alice, {
    tokenId: 0,
    amount: paidOnSidechain,
    recipient: aliceL1,
  });
  say.say(
    "withdraw",
    `Alice burns ${seth(burn.amount)} on the ChildBridge for her Layer-1 address (burn #${burn.index}, ` +
      `sidechain block ${burn.blockNumber})`,
    burnt.gasUsed,
  );
  const notCheckpointedRefused = await rejectionName(exitBurn(ctx, s.l1.alice, burn));
  say.say(
    "finalizeWithdrawal",
    `her exit at once: refused, ${notCheckpointedRefused} (no checkpoint covers it yet)`,
  );
  await until(
    s,
    "a checkpoint over the burn's block",
    () => ctx.root.nextStartBlock(),
    (next) => next > BigInt(burn.blockNumber),
  );
  const { receipt: exited, exit } = await exitBurn(ctx, s.l1.alice, burn);
  const sidechainToLayer1 = Date.now() - burnedAt;
  const number = Number(exit.checkpoint.number);
  const { event: submitted, proposer: checkpointProposer } = await validatorEvent(
    s,
    "checkpointSubmitted",
    (e) => e.number === number,
  );
  say.say(
    "submitCheckpoint",
    `${nameOfValidator(s, checkpointProposer)} proposes checkpoint ${number} (sidechain blocks ${submitted.startBlock}-` +
      `${submitted.endBlock}, ${plural(submitted.withdrawals, "withdrawal")}); ${submitted.signers.length} of ` +
      `${s.keys.length} signed it (${eth(BigInt(submitted.signedStake))} of ${eth(BigInt(submitted.totalStake))}); ` +
      `Layer 1 accepts it, final at once (no window: nothing to challenge)`,
    BigInt(submitted.gasUsed),
  );
  const paidOnLayer1 = await paidTo(s.layer1, aliceL1, exited, true);
  say.say(
    "finalizeWithdrawal",
    `Alice proves her burn into checkpoint ${number}'s withdrawal root; the Bridge pays her ` +
      `${eth(paidOnLayer1)} from the sidechain's escrow, ${seconds(sidechainToLayer1)} after the burn`,
    exited.gasUsed,
  );
  const secondExitRefused = await revertName(exitBurn(ctx, s.l1.alice, burn));
  say.say("finalizeWithdrawal", `the same exit again: refused, ${secondExitRefused}`);
  const backing = await checkBacked(s, say);

  const times: HopTimes = {
    layer1ToSidechain,
    sidechainTransfer,
    sidechainToLayer3,
    layer3ToSidechain,
    sidechainToLayer1,
    layer3ToLayer1: layer3ToSidechain + sidechainToLayer1,
  };
  sayTimes(say, times);
  return {
    sidechainContract: ctx.root.address,
    validators: s.validatorAddresses,
    validatorsPlacement: s.placement.kind,
    totalStake,
    minted: ALICE_DEPOSIT,
    stateSyncSigners: synced.signers.length,
    sidechain: sidechainBalances,
    layer3: {
      tokenId: layer3.tokenId,
      alice: onLayer3.alice,
      bob: onLayer3.bob,
      earlyPayoutRefused,
      paidOnSidechain,
      secondPayoutRefused,
    },
    burned: burn.amount,
    notCheckpointedRefused,
    checkpointNumber: number,
    checkpointSigners: submitted.signers.length,
    paidOnLayer1,
    secondExitRefused,
    backing,
    times,
  };
}

function sayTimes(say: Narrator, t: HopTimes): void {
  say.title("Sidechain: what each hop took (measured here), and what Layer 3 inherits");
  say.note(`Layer 1 → sidechain (the validators' state sync): ${seconds(t.layer1ToSidechain)}`);
  say.note(`a payment on the sidechain (soft confirmation: its block): ${seconds(t.sidechainTransfer)}`);
  say.note(`sidechain → Layer 3 (the Layer-3 sequencer's inclusion): ${seconds(t.sidechainToLayer3)}`);
  say.note(
    `Layer 3 → sidechain (the Layer-3 challenge window, ${DEMO_LAYER3_TIMING.challengeWindow} s here): ` +
      `${seconds(t.layer3ToSidechain)}`,
  );
  say.note(`sidechain → Layer 1 (until a checkpoint covers the burn): ${seconds(t.sidechainToLayer1)}`);
  say.note(
    `Layer 3 → Layer 1: ${seconds(t.layer3ToLayer1)}, the sum of both hops (the burn can only follow the payout)`,
  );
  const interval =
    (LOCAL_CHECKPOINT_RULE.span + LOCAL_CHECKPOINT_RULE.confirmations) * SIDECHAIN_BLOCK_TIME_S;
  const local = layer3ExitTime({
    challengeWindow: DEMO_LAYER3_TIMING.challengeWindow,
    checkpointInterval: interval,
  });
  const production = layer3ExitTime({
    challengeWindow: PRODUCTION_TIMING.challengeWindow,
    checkpointInterval: 30 * 60,
  });
  say.note(
    `layer3ExitTime: here at worst ${local.layer3} s + ${local.sidechain} s = ${local.total} s; with production ` +
      `settings (a ${PRODUCTION_TIMING.challengeWindow / 86_400}-day window, checkpoints every ~30 min) ` +
      `${(production.total / 86_400).toFixed(2)} days`,
  );
  say.note(
    "Layer 3 inherits its host's security, not Layer 1's: its fraud proof guards against its own sequencer, " +
      "but its escrow is sETH on the sidechain's ledger, which is whatever more than 2/3 of the validators' stake " +
      "signs. Part 2 shows what that stake can do.",
  );
}

// -------------------------------------------------------------------------------------------------
// Part 2: the line between a sidechain and a rollup
// -------------------------------------------------------------------------------------------------

async function runQuorumTheft(s: Scene, say: Narrator): Promise<SidechainTheft> {
  const { ctx } = s;
  say.title("Sidechain, part 2: more than 2/3 of the stake lies → Layer 1 pays");
  // Validators #10-#12 stop running the honest software; #13 keeps running it (same journal).
  await s.stack!.stop();
  s.stack = await startSidechainStack(ctx, validatorsMode(s, [s.keys[3]]));
  const coalition = s.keys.slice(0, 3).map((key) => new Wallet(key, s.layer1));
  const honest = s.validatorAddresses[3];
  say.note(
    `${coalition.map((v) => nameOfValidator(s, v.address)).join(", ")} stop running the honest validator and ` +
      `form a coalition (3/4 of the stake); ${nameOfValidator(s, honest)} alone keeps running it`,
  );
  const backingBefore = await backing(s);
  const stolen = backingBefore.escrow;
  const thief = Wallet.createRandom().address;
  const forged = await forgeCheckpoint(ctx, [{ recipient: thief, tokenId: 0, amount: stolen }]);
  const receipt = await submitForgedCheckpoint(ctx, coalition, coalition[0], forged);
  const event = ctx.root.contract.interface.parseLog(
    receipt.logs.find((l) => l.address.toLowerCase() === ctx.root.address.toLowerCase())!,
  )!;
  const [signedStake, totalStake] = [event.args.signedStake as bigint, event.args.totalStake as bigint];
  say.say(
    "submitCheckpoint",
    `the coalition signs checkpoint ${forged.checkpoint.number} listing a withdrawal of ${eth(stolen)} to its ` +
      `fresh address, a burn that never happened; ${eth(signedStake)} of ${eth(totalStake)} signed: Layer 1 ` +
      `checks the signatures, never the sidechain's history, and accepts it`,
    receipt.gasUsed,
  );
  const paid = await exitForged(ctx, coalition[0], forged, 0);
  const thiefPaid = await s.layer1.getBalance(thief);
  const backingAfter = await backing(s);
  say.say(
    "finalizeWithdrawal",
    `the Bridge pays the coalition ${eth(thiefPaid)} out of the sidechain's escrow: ${eth(backingAfter.escrow)} ` +
      `now backs the ${seth(backingAfter.supply)} still on the sidechain (Bob's, Alice's, the Layer-3 bridge's)`,
    paid.gasUsed,
  );
  const { event: alarm } = await waitForEvent(
    s.stack.validators[0].events,
    ofType<ValidatorEvent, "checkpointDisowned">(
      "checkpointDisowned",
      (e) => BigInt(e.number) === forged.checkpoint.number,
    ),
    { timeoutMs: s.timeoutMs, pollMs: POLL_MS, what: "the honest validator's alarm" },
  );
  say.say(
    "checkpointDisowned",
    `the honest validator disowns checkpoint ${alarm.number} (accepted as ${short(alarm.accepted)}): ` +
      `${alarm.why}. It raises the alarm, and that is all it can do: no window, no proof on Layer 1 can ` +
      `undo an accepted checkpoint`,
  );
  say.note(
    `the check that held after every step of part 1 now fails: escrow ${eth(backingAfter.escrow)} < ` +
      `${seth(backingAfter.supply)} owed`,
  );
  return {
    coalition: coalition.map((v) => v.address),
    honest,
    signedStake,
    totalStake,
    stolen,
    thiefPaid,
    backingBefore,
    backingAfter,
    alarm: { number: alarm.number, accepted: alarm.accepted, computed: alarm.computed, why: alarm.why },
  };
}

/**
 * The same lie on an optimistic rollup on Layer 1 (one of its own, registered with the demo's Bridge):
 * Mallory, bonded, commits a batch that credits her what the coalition took and withdraws it; the
 * challenger (running) re-executes it, challenges and wins.
 */
async function runRollupLie(
  deployment: Deployment,
  s: Scene,
  signers: readonly Signer[],
  say: Narrator,
  claimed: bigint,
): Promise<RollupLieDefeated> {
  say.title("Beside it, the same lie on an optimistic rollup → challenge → removed");
  const [owner, sequencer, challenger, alice, bob, mallory] = signersAt(
    signers,
    0,
    OPTIMISTIC_SERVICE_ACCOUNTS.sequencer,
    OPTIMISTIC_SERVICE_ACCOUNTS.challenger,
    DEMO_USER_ACCOUNTS.alice,
    DEMO_USER_ACCOUNTS.bob,
    DEMO_USER_ACCOUNTS.mallory,
  );
  // A rollup of its own, registered with the demo's Bridge: the demo's OptimisticRollup may hold the
  // optimistic flow's blob batches, which Hardhat does not keep once that flow's blob archive stops, so no
  // node could read it again here. Same contracts, same code, a clean history.
  const contracts = await deployOptimisticRollup(owner, {
    bridge: deployment.contracts.Bridge,
    timing: LOCAL_TIMING,
  });
  const own: Deployment = {
    network: deployment.network,
    chainId: deployment.chainId,
    deployedAt: new Date().toISOString(),
    deployer: await owner.getAddress(),
    contracts: { Bridge: deployment.contracts.Bridge, ...contracts },
    chain: await recordDeploymentChain(s.layer1),
  };
  say.say(
    "register",
    `an OptimisticRollup ${short(contracts.OptimisticRollup)} of its own, registered with the same Bridge ` +
      `(the same contracts as the optimistic flow's; a history no other flow wrote)`,
  );
  const stack = await startOptimisticStack(own, s.layer1, {
    kind: "in-process",
    sequencer,
    challenger,
    ...DEMO_TUNING,
  });
  try {
    const w = await createOptimisticScene(stack, { owner, alice, bob, mallory });
    const { rollup } = w;
    const deposit = await w.deposit("mallory", MALLORY_DEPOSIT, say);
    const follower = await w.newFollower();
    await until(
      s,
      `the sequencer commits Mallory's deposit #${deposit.index}`,
      async () => {
        await follower.sync();
        return follower.tip.post.depositHead.toLowerCase();
      },
      (head) => head === deposit.head.toLowerCase(),
    );
    await w.sayCommitted(say, "the sequencer commits Mallory's deposit");
    const escrowBefore = (await w.bridge.asset(rollup.address, ZeroAddress)).escrowed;
    const malloryAddress = await mallory.getAddress();
    const malloryIndex = await w.accountIndex("mallory");
    let nonce = await w.side.getNonce(malloryIndex);
    const txs: L2Tx[] = [];
    for (let i = 0; i < 3; i++) {
      txs.push(
        await w.signWithdraw("mallory", {
          recipient: malloryAddress,
          amount: MALLORY_WITHDRAWAL,
          nonce: nonce++,
        }),
      );
    }
    txs.push(await w.signWithdraw("mallory", { recipient: malloryAddress, amount: claimed, nonce }));
    const { cursor } = await readAllEvents(stack.challengerEvents);
    const lie = await commitLyingBatch({
      rollup,
      bridge: w.bridgeClient,
      follower,
      signer: mallory,
      txs,
      lieAt: 1,
      beneficiary: malloryIndex,
      amount: claimed,
    });
    const bond = w.config.proposerBond;
    const burnedBefore = await rollup.contract.burned();
    const [committed] = await w.tape
      .read()
      .then((events) => events.filter((e) => e.name === "BatchCommitted"));
    say.say(
      "commitBatch",
      `Mallory, bonded ${eth(bond)}, commits batch ${lie.batchIndex}: its state credits her ${eth(claimed)} she ` +
        `never had after step 1, and step 3 withdraws it (the coalition's lie, told to a rollup)`,
      committed?.gasUsed,
    );
    const { event: challenged } = await waitForEvent(
      stack.challengerEvents,
      ofType("challenged", (e) => e.batchIndex === lie.batchIndex),
      {
        from: cursor,
        timeoutMs: s.timeoutMs,
        pollMs: POLL_MS,
        what: `a challenge of batch ${lie.batchIndex}`,
      },
    );
    say.say(
      "challenge",
      `the challenger re-executes batch ${lie.batchIndex} from the data on Layer 1: it leads to ` +
        `${short(challenged.honest)}, not the claimed ${short(challenged.claimed)}; it bonds and opens game ` +
        `${challenged.gameId}`,
    );
    const liar = lyingPlayer(
      { rollup, follower, signer: mallory, strategy: neverStep },
      new Map([[lie.batchIndex, lie.trace]]),
    );
    await pollUntil(
      async () => {
        await follower.sync();
        await liar.playAll();
        return rollup.contract.game(challenged.gameId);
      },
      (g) => g.status !== 1n,
      () => new ServiceTimeoutError(`game ${challenged.gameId} is still open after ${s.timeoutMs / 1000} s`),
      { timeoutMs: s.timeoutMs, pollMs: POLL_MS },
    );
    const [resolved] = await rollup.contract.queryFilter(
      rollup.contract.filters.GameResolved(challenged.gameId),
    );
    const removedLogs = await rollup.contract.queryFilter(
      rollup.contract.filters.BatchesRemoved(lie.batchIndex),
    );
    // How the game went, as the challenger's node saw it on Layer 1.
    const { event: end } = await waitForEvent(
      stack.challengerEvents,
      ofType("gameResolved", (e) => e.gameId === challenged.gameId),
      { from: cursor, timeoutMs: s.timeoutMs, pollMs: POLL_MS, what: `the end of game ${challenged.gameId}` },
    );
    const gameEvents = (await readAllEvents(stack.challengerEvents, cursor)).events;
    const moves = gameEvents.filter((e) => e.type === "gameMoved" && e.gameId === challenged.gameId).length;
    const proved = gameEvents.find((e) => e.type === "stepProved" && e.gameId === challenged.gameId);
    const creditIn = async (account: string) => {
      const logs = await rollup.contract.queryFilter(
        rollup.contract.filters.BondCredited(account),
        resolved.blockNumber,
      );
      return logs
        .filter((l) => l.blockNumber === resolved.blockNumber)
        .reduce((t, l) => t + l.args.amount, 0n);
    };
    const [malloryCredit, challengerCredit] = [
      await creditIn(malloryAddress),
      await creditIn(stack.operators.challenger),
    ];
    const burned = (await rollup.contract.burned()) - burnedBefore;
    const winner = Number(resolved.args.winner) === 1 ? "challenger" : "proposer";
    if (removedLogs.length === 0) throw new DemoFlowError(`batch ${lie.batchIndex} was not removed`);
    const ended = await resolved.getTransactionReceipt();
    const escrowAfter = (await w.bridge.asset(rollup.address, ZeroAddress)).escrowed;
    say.say(
      "step",
      `Mallory defends her lie for ${plural(moves, "move")} of the bisection; ` +
        (end.byStep && proved?.type === "stepProved"
          ? `the challenger proves step ${proved.step} on Layer 1, where the OneStepProver re-executes it`
          : "the side to move runs out of time") +
        ` → the ${winner} wins, batch ${lie.batchIndex} is removed with the ${eth(claimed)} withdrawal in it`,
      ended.gasUsed,
    );
    say.note(
      `Mallory's bond is lost: the challenger is credited ${eth(challengerCredit)} (its bond back + half of ` +
        `hers), ${eth(burned)} is burned, Mallory ${eth(malloryCredit)}; the rollup's escrow ${eth(escrowAfter)} ` +
        `is untouched: one honest challenger beats any number of liars`,
    );
    return {
      batchIndex: lie.batchIndex,
      claimed,
      challenged: true,
      byStep: end.byStep,
      winner,
      removed: removedLogs.length > 0,
      bond,
      malloryCredit,
      challengerCredit,
      burned,
      escrowBefore,
      escrowAfter,
    };
  } finally {
    await stack.stop();
  }
}

async function runMinority(s: Scene, say: Narrator): Promise<SidechainFlowResult["minority"]> {
  const { ctx } = s;
  say.title("Sidechain: 2/3 of the stake or less cannot; an equivocator is slashed");
  const before = await backing(s);
  const forged = await forgeCheckpoint(ctx, [
    { recipient: Wallet.createRandom().address, tokenId: 0, amount: parseEther("1") },
  ]);
  const pair = s.keys.slice(0, 2).map((key) => new Wallet(key, s.layer1));
  const error = await submitForgedCheckpoint(ctx, pair, pair[0], forged).catch((e: unknown) => e);
  if (!(error instanceof ContractRevertError)) {
    throw new DemoFlowError("two of four validators got a checkpoint accepted", { cause: error });
  }
  const [signedStake, totalStake] = error.errorArgs as [bigint, bigint];
  say.say(
    "submitCheckpoint",
    `two of the four (${eth(signedStake)} of ${eth(totalStake)}, exactly 1/2) sign the same kind of lie: ` +
      `refused, ${error.errorName}; nothing is paid`,
  );
  const after = await backing(s);
  return {
    refused: error.errorName,
    signedStake,
    totalStake,
    escrowUnchanged: after.escrow === before.escrow,
  };
}

async function runSlash(s: Scene, say: Narrator): Promise<SidechainSlash> {
  const { ctx } = s;
  const equivocator = new Wallet(s.keys[0], s.layer1);
  const domain = await ctx.root.domain();
  const a = await forgeCheckpoint(ctx, [
    { recipient: Wallet.createRandom().address, tokenId: 0, amount: 1n },
  ]);
  const b = await forgeCheckpoint(ctx, [
    { recipient: Wallet.createRandom().address, tokenId: 0, amount: 2n },
  ]);
  const [signatureA, signatureB] = [
    await signCheckpoint(equivocator, domain, a.checkpoint),
    await signCheckpoint(equivocator, domain, b.checkpoint),
  ];
  say.say(
    "sign",
    `${nameOfValidator(s, equivocator.address)} signs two different checkpoints numbered ${a.checkpoint.number} ` +
      `(withdrawal roots ${short(a.checkpoint.withdrawalRoot)} and ${short(b.checkpoint.withdrawalRoot)})`,
  );
  const stakeBefore = (await ctx.root.validator(equivocator.address)).stake;
  const bystander = await s.l1.carol.getAddress();
  const receipt = await ctx.root.slash(s.l1.carol, {
    a: a.checkpoint,
    signatureA: signatureA.signature,
    b: b.checkpoint,
    signatureB: signatureB.signature,
  });
  const log = receipt.logs
    .filter((l) => l.address.toLowerCase() === ctx.root.address.toLowerCase())
    .map((l) => ctx.root.contract.interface.parseLog(l))
    .find((e) => e?.name === "ValidatorSlashed")!;
  const [reward, burned] = [log.args.reward as bigint, log.args.burned as bigint];
  const bystanderPaid = await paidTo(s.layer1, bystander, receipt, true);
  const after = await ctx.root.validator(equivocator.address);
  const [totalStakeAfter, burnedStake] = await Promise.all([ctx.root.totalStake(), ctx.root.burnedStake()]);
  say.say(
    "slash",
    `Carol, a bystander, shows both signatures to Layer 1: she is paid ${eth(reward)} of its ${eth(stakeBefore)} ` +
      `stake, ${eth(burned)} is burned; the validator is ${after.status}, its stake ${eth(after.stake)}, and the ` +
      `active stake ${eth(totalStakeAfter)}`,
    receipt.gasUsed,
  );
  return {
    validator: equivocator.address,
    bystander,
    reward,
    burned,
    bystanderPaid,
    stakeBefore,
    stakeAfter: after.stake,
    status: after.status,
    totalStakeAfter,
    burnedStake,
  };
}

function sayLine(say: Narrator): void {
  say.note(
    "the line: a rollup's batch is checked against data Layer 1 holds, so one honest challenger defeats a lie; " +
      "a sidechain's checkpoint is believed because more than 2/3 of the stake signed it, so such a majority can " +
      "take the escrow, and an honest minority can only raise the alarm. Slashing punishes equivocation, not a " +
      "lie told consistently.",
  );
}

// -------------------------------------------------------------------------------------------------
// Invariants and helpers
// -------------------------------------------------------------------------------------------------

async function backing(s: Scene): Promise<Backing> {
  const escrow = (await s.ctx.bridge.contract.asset(s.ctx.root.address, ZeroAddress)).escrowed;
  const supply =
    s.sETH === ZeroAddress ? 0n : await ChildToken__factory.connect(s.sETH, s.sidechain).totalSupply();
  return { escrow, supply };
}

/** The sidechain's escrow on Layer 1 covers every sETH on the sidechain (what honest validators keep). */
async function checkBacked(s: Scene, say: Narrator): Promise<Backing> {
  const b = await backing(s);
  if (b.escrow < b.supply) {
    throw new DemoFlowError(`the sidechain's escrow ${b.escrow} does not back the ${b.supply} sETH it holds`);
  }
  say.say(
    "assertSidechainBacked",
    `the sidechain's escrow on Layer 1, ${eth(b.escrow)}, backs the ${seth(b.supply)} on the sidechain`,
  );
  return b;
}

/** On the Layer 3: every final batch valid, bonds conserved, its bridge holding what it owes in sETH. */
async function checkLayer3(s: Scene, layer3: Layer3): Promise<void> {
  const { rollup, bridge } = s.layer3Stack!.context;
  const follower = await s.layer3Stack!.context.newFollower();
  await follower.sync();
  assertFinalBatchesValid(follower);
  await assertBondsConserved(rollup, s.sidechain);
  const owed = await owedByRollup(follower, bridge.contract);
  await assertBridgeSolvent(bridge.contract, s.sidechain, {
    rollups: [rollup.address],
    tokens: [s.sETH],
    owed: () => owed.get(layer3.tokenId) ?? 0n,
  });
}

/** What `account` received in `receipt`'s block (adding back the gas when it sent the transaction). */
async function paidTo(
  provider: Provider,
  account: string,
  receipt: { blockNumber: number; gasUsed: bigint; gasPrice: bigint },
  sentIt: boolean,
): Promise<bigint> {
  const [before, after] = await Promise.all([
    provider.getBalance(account, receipt.blockNumber - 1),
    provider.getBalance(account, receipt.blockNumber),
  ]);
  return after - before + (sentIt ? receipt.gasUsed * receipt.gasPrice : 0n);
}

/** The first event of `type` any running validator published that matches, and who published it. */
async function validatorEvent<T extends ValidatorEvent["type"]>(
  s: Scene,
  type: T,
  where: (e: Published<Extract<ValidatorEvent, { type: T }>>) => boolean,
): Promise<{ event: Published<Extract<ValidatorEvent, { type: T }>>; proposer: string }> {
  const found = await pollUntil(
    async () => {
      for (const v of s.stack!.validators) {
        for (const e of (await readAllEvents(v.events)).events) {
          if (e.type === type && where(e as Published<Extract<ValidatorEvent, { type: T }>>)) {
            return { event: e as Published<Extract<ValidatorEvent, { type: T }>>, proposer: v.address };
          }
        }
      }
      return undefined;
    },
    (x) => x !== undefined,
    () => new ServiceTimeoutError(`no validator published ${type} within ${s.timeoutMs / 1000} s`),
    { timeoutMs: s.timeoutMs, pollMs: POLL_MS },
  );
  return found!;
}

function until<T>(s: Scene, what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  return pollUntil(read, done, () => new ServiceTimeoutError(`${what}: not within ${s.timeoutMs / 1000} s`), {
    timeoutMs: s.timeoutMs,
    pollMs: POLL_MS,
  });
}

function nameOfValidator(s: Scene, address: string): string {
  const i = s.validatorAddresses.findIndex((a) => a.toLowerCase() === address.toLowerCase());
  return i < 0 ? short(address) : `validator #${SIDECHAIN_VALIDATOR_ACCOUNTS[i]}`;
}

const depositRange = (from: number, to: number): string =>
  to - from === 1 ? `deposit #${from}` : `deposits #${from}-#${to - 1}`;
const seth = (amount: bigint): string => eth(amount, "sETH");
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
