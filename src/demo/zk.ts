// The zk story: Strata's zk rollup end to end, narrated, told once against a `ZkStack` (src/zk/stack.ts):
// the operator in this process, or the `zk-operator` service as a process of its own reached over
// JSON-RPC. The real ZkRollup behind the bridge with its profile's generated Groth16 verifier, a real
// ZkOperator with one warm snarkjs prover, real BabyJubJub wallets, and verifier nodes that rebuild the
// state from Layer 1 alone.
//
// Part 1, deposit → transfer → submitBatch → claim: Alice and Bob make BabyJubJub keys and deposit ETH
// through the bridge to their owner hashes. The operator consumes the deposits, admits signed transfers
// (refusing a replay, a replayed nonce and an overdraft by name) and Bob's withdrawal, and proves each
// batch; the contract verifies every proof, and the verified batch credits Bob's withdrawal at once (no
// waiting period): Bob claims it. A verifier node rebuilt from Layer-1 calldata alone agrees with the root
// and with the operator's balances. Each batch's proving time is the one the operator published
// (its `batchProved` event), read from its events wherever it runs.
//
// Part 2, the operator stops → exodus: the operator accepts a transfer from Alice and is killed before it
// batches it. Alice, censored, asks Layer 1 itself for a forced withdrawal of her whole balance
// (`requestWithdrawal`): the next batch must carry it, or exodus comes due at its deadline. Carol deposits,
// and no operator is left to consume her deposit nor Alice's request. Once they have waited the exodus
// delay, Carol switches exodus on; each owner exits with a Merkle proof built from a state rebuilt
// from Layer 1 and gets exactly their Layer-2 balance; Carol's deposit is credited back and claimed.
// Anyone may submit a batch, so Alice proves her own transfer on a prover of her own and offers it:
// refused. The operator starts again on its journal, reads ExodusActivated from Layer 1 and refuses Bob's
// next transfer by name.
//
// assertZkEscrowCovers is checked after every step. The story moves the chain's clock with
// evm_increaseTime / evm_mine, so it runs on any local chain: Hardhat in-process, `hardhat node`, Anvil.
import { performance } from "node:perf_hooks";
import type { ContractTransactionReceipt, Signer } from "ethers";
import { parseEther } from "ethers";
import type { BridgeClient } from "../bridge/client";
import { StrataError } from "../common/errors";
import type { EventSource } from "../common/events";
import { readAllEvents } from "../common/events";
import type { Deployment } from "../common/deployments";
import type { RpcProvider } from "../common/layer1";
import type { Placement } from "../common/processes";
import { createLogger } from "../common/logger";
import type { LogLevel, Logger } from "../common/logger";
import { Progress } from "../common/progress";
import { floorFloat40 } from "../shared/float40";
import type { Account } from "../shared/types";
import { proveOwnBatch } from "../zk/adversaries";
import { ZkChainFollower } from "../zk/chain-follower";
import type { ZkOperatorEvent } from "../zk/events";
import { accountsOf, buildExitProof } from "../zk/exit";
import type { ZkSolvencyReport } from "../zk/invariants";
import { assertZkEscrowCovers, unconsumedDeposits } from "../zk/invariants";
import type { ZkCrypto } from "../zk/keys";
import { generateZkPrivateKey } from "../zk/keys";
import { ZkProver } from "../zk/prover";
import { encodePubdata } from "../zk/pubdata";
import type { ZkExitProof, ZkRollupClient, ZkRollupConfig } from "../zk/rollup-client";
import { depositData } from "../shared/deposit";
import type { ZkAccountView } from "../zk/rpc-server";
import type { ZkStack } from "../zk/stack";
import { startZkStack } from "../zk/stack";
import type { ZkPublishedTx } from "../zk/types";
import type { ZkSignedSpend } from "../zk/wallet";
import { ZkWallet } from "../zk/wallet";
import { signersAt } from "./flows";
import type { Narrator } from "./narrator";
import { eth, short } from "./narrator";
import { refusal, revertName } from "../common/outcomes";

export class ZkStoryError extends StrataError {}

/** The users: whoever runs the operator, they deposit, claim and exit. */
export interface ZkUsers {
  alice: Signer;
  bob: Signer;
  carol: Signer;
}

/** A batch the contract verified, as a verifier node read it back from Layer 1. */
export interface ZkBatchRecord {
  batchIndex: number;
  kinds: ZkPublishedTx["kind"][];
  /** Witness plus Groth16 proof on the operator's warm prover, in milliseconds (its `batchProved` event). */
  provingMs: number;
  /** `submitBatch`: pubdata, deposits and the on-chain proof check. */
  gasUsed: bigint;
  pubdataBytes: number;
}

export interface ZkRoundTripResult {
  accounts: { alice: number; bob: number };
  deposits: { alice: bigint; bob: bigint };
  depositGas: bigint[];
  /** The operator's named refusals (`TxRejectedError.reason`). */
  refusals: { replay: string | undefined; staleNonce: string | undefined; overdraft: string | undefined };
  /** Whether a refused transaction left both accounts as they were. */
  refusalsChangedNothing: boolean;
  batches: ZkBatchRecord[];
  withdrawal: {
    amount: bigint;
    batchIndex: number;
    /** Bob's credit read at the very block of the batch that verified his withdrawal. */
    creditedInBatchBlock: bigint;
    paidToBob: bigint;
    claimGas: bigint;
    secondClaimRefused: string | undefined;
  };
  /** Layer-2 balances at the end of part 1. */
  layer2: { alice: bigint; bob: bigint };
  /** A fresh verifier node rebuilt from Layer-1 calldata alone. */
  verifier: { batches: number; root: bigint; onChainRoot: bigint; operatorAgrees: boolean };
  solvency: ZkSolvencyReport;
}

export interface ZkExitRecord {
  account: number;
  /** The Layer-2 balance in the state rebuilt from Layer 1 (the last verified root). */
  balance: bigint;
  /** What `exit` paid the owner's Layer-1 address (its fee added back). */
  paid: bigint;
  gasUsed: bigint;
}

export interface ZkExodusResult {
  /** Alice's forced-withdrawal request, which no batch carried: its number, amount, gas and deadline. */
  forced: { index: number; amount: bigint; requestGas: bigint; dueAt: number; consumed: number };
  carolDeposit: bigint;
  carolDepositGas: bigint;
  /** A transfer the operator accepted before it was killed: never batched. */
  unbatched: { amount: bigint; status: string };
  /** `activateExodus` before the delay: the error's name. */
  earlyActivationRefused: string | undefined;
  exodusDelay: number;
  /** Seconds between Carol's deposit and the activation (≥ the delay). */
  waited: number;
  activateGas: bigint;
  /** The verifier node rebuilt after activation: it saw ExodusActivated, and its root is the contract's. */
  rebuilt: { exodus: boolean; root: bigint; onChainRoot: bigint };
  exits: { alice: ZkExitRecord; bob: ZkExitRecord };
  foreignExitRefused: string | undefined;
  secondExitRefused: string | undefined;
  refund: { credited: bigint; paidToCarol: bigint; refundGas: bigint; claimGas: bigint };
  /** A batch Alice proved from the last verified state and offered after exodus: the error's name. */
  lateBatchRefused: string | undefined;
  /** The restarted operator's answer to a transaction after exodus. */
  lateTxRefused: string | undefined;
  batchCount: number;
  escrowAfter: bigint;
  solvency: ZkSolvencyReport;
}

/** What the story yields, wherever the operator runs. */
export interface ZkStoryResult {
  rollup: string;
  config: { batchSize: number; depth: number; exodusDelay: number };
  roundTrip: ZkRoundTripResult;
  exodus: ZkExodusResult;
  /** Times assertZkEscrowCovers held. */
  invariantChecks: number;
}

const ETH_ID = 0;

// Part 1
const ALICE_DEPOSIT = parseEther("5");
const BOB_DEPOSIT = parseEther("1");
const TRANSFER = parseEther("2");
const TRANSFER_BACK = parseEther("0.5");
const STALE = parseEther("1");
const OVERDRAFT = parseEther("9");
const WITHDRAWAL = parseEther("1.5");
// Part 2
const CAROL_DEPOSIT = parseEther("1");
const UNBATCHED = parseEther("0.1");

/**
 * The zk flow of the demo (a `DemoRunner`): starts the zk stack on `placement` (in process, the operator
 * is account #8 of `signers`; its circuit profile `profile`, default STRATA_ZK_PROFILE or "test"), runs
 * the story with Alice, Bob and Carol (#3, #4 and #6), and stops it.
 */
export async function runZkDemo(
  deployment: Deployment,
  provider: RpcProvider,
  placement: Placement,
  signers: readonly Signer[],
  say: Narrator,
  profile = process.env.STRATA_ZK_PROFILE,
): Promise<ZkStoryResult> {
  const [alice, bob, carol, operator] = signersAt(signers, 3, 4, 6, 8);
  const stack = await startZkStack({
    deployment,
    provider,
    profile,
    mode: placement.kind === "processes" ? placement : { kind: "in-process", signer: operator },
  });
  try {
    return await runZkStory(stack, { alice, bob, carol }, say);
  } finally {
    await stack.stop();
  }
}

/** Parts 1 and 2 against `stack`, which the caller started and stops. */
export async function runZkStory(stack: ZkStack, users: ZkUsers, say: Narrator): Promise<ZkStoryResult> {
  const stage = await createStage(stack, users, say);
  const w = createWorld(stage);
  const roundTrip = await runRoundTrip(w, say);
  const exodus = await runExodus(w, say, roundTrip.accounts);
  const { config } = stage;
  return {
    rollup: stage.rollup.address,
    config: { batchSize: config.batchSize, depth: config.depth, exodusDelay: config.exodusDelay },
    roundTrip,
    exodus,
    invariantChecks: w.checks,
  };
}

// -------------------------------------------------------------------------------------------------
// Part 1: deposit → transfer → submitBatch → claim
// -------------------------------------------------------------------------------------------------

async function runRoundTrip(w: World, say: Narrator): Promise<ZkRoundTripResult> {
  const { stack, rollup } = w;
  say.title("zk rollup, part 1: deposit → transfer → submitBatch (proof verified) → withdraw → claim");

  const aliceDeposit = await w.deposit("alice", ALICE_DEPOSIT, say);
  const bobDeposit = await w.deposit("bob", BOB_DEPOSIT, say);
  await w.check();
  const depositBatches = await w.runOperator(
    say,
    "the operator pulls both deposits from the bridge's queue, in order",
    [aliceDeposit.head, bobDeposit.head],
  );
  const alice = await w.account("alice");
  const bob = await w.account("bob");
  say.note(
    `Alice's Layer-2 account is #${alice} (${eth(await w.balance(alice))}), Bob's #${bob} ` +
      `(${eth(await w.balance(bob))})`,
  );
  say.note(
    `each submitBatch carries a 256-byte Groth16 proof; the contract checks it (pairing precompile) ` +
      `against [old root, new root, one slot per transaction] that it rebuilds from the pubdata`,
  );
  await w.sayInvariants(say);

  // Transfers at the door: accepted, or refused by name with nothing changed.
  const transfer = await w.transfer("alice", alice, bob, TRANSFER);
  const accepted = await stack.send(transfer.encoded);
  say.say(
    "transfer",
    `Alice signs ${eth(TRANSFER)} to Bob (EdDSA-Poseidon, nonce ${transfer.request.nonce}); the operator ` +
      `checks it against its state and answers ${accepted.status}, tx ${short(accepted.hash)}`,
  );
  const snapshot = async () =>
    JSON.stringify([await stack.account(alice), await stack.account(bob)], bigintJson);
  const before = await snapshot();
  const replay = await refusal(stack.send(transfer.encoded));
  say.note(`the same signed transfer sent again: refused, ${replay}`);
  const stale = w.wallets.alice.transfer({ from: alice, to: bob, amount: STALE, nonce: 0 });
  const staleNonce = await refusal(stack.send(stale.encoded));
  say.note(`a new transfer of ${eth(STALE)} signed at Alice's spent nonce 0: refused, ${staleNonce}`);
  const overdraft = await w.transfer("bob", bob, alice, OVERDRAFT);
  const overdraftRefused = await refusal(stack.send(overdraft.encoded));
  say.note(
    `Bob signs ${eth(OVERDRAFT)} to Alice, more than his ${eth(await w.balance(bob))}: refused, ` +
      `${overdraftRefused}`,
  );
  const refusalsChangedNothing = (await snapshot()) === before;

  const back = await w.transfer("bob", bob, alice, TRANSFER_BACK);
  await w.send(back);
  say.say(
    "transfer",
    `Bob signs ${eth(TRANSFER_BACK)} back to Alice (nonce ${back.request.nonce}): accepted`,
  );
  const withdraw = w.wallets.bob.withdraw({
    from: bob,
    tokenId: ETH_ID,
    amount: WITHDRAWAL,
    nonce: await w.nonce(bob),
  });
  await w.send(withdraw);
  say.say(
    "withdraw",
    `Bob signs a withdrawal of ${eth(WITHDRAWAL)} to his Layer-1 address ${short(w.wallets.bob.l1Address)} ` +
      `(nonce ${withdraw.request.nonce}): accepted`,
  );
  await w.check();
  const spendBatches = await w.runOperator(
    say,
    "the operator proves the three spends",
    [transfer, back, withdraw].map((spend) => spend.hash),
  );

  // Credited by the very transaction that verified the batch: no waiting period.
  const node = await w.node();
  const located = node.locate(withdraw.hash)!;
  const withdrawBatch = node.batches[located.batchIndex - 1];
  const bobAddress = w.wallets.bob.l1Address;
  const creditedInBatchBlock = await rollup.contract.creditOf(bobAddress, ETH_ID, {
    blockTag: withdrawBatch.blockNumber,
  });
  say.say(
    "WithdrawalCredited",
    `batch ${located.batchIndex} verified and, in the same transaction (block ${withdrawBatch.blockNumber}), ` +
      `credited Bob ${eth(creditedInBatchBlock)}: the proof already vouches for it, nothing to wait for`,
  );
  const bobL1Before = await w.provider.getBalance(bobAddress);
  const claimed = await rollup.claim(w.users.bob, ETH_ID, bobAddress);
  const paidToBob = (await w.provider.getBalance(bobAddress)) + fee(claimed) - bobL1Before;
  say.say(
    "claim",
    `Bob claims: the bridge pays him ${eth(paidToBob)} on Layer 1 (his balance grew by exactly that, ` +
      `the claim's fee added back)`,
    claimed.gasUsed,
  );
  const secondClaimRefused = await revertName(rollup.claim(w.users.bob, ETH_ID, bobAddress));
  say.note(`Bob claims again: refused, ${secondClaimRefused}`);
  await w.sayInvariants(say);

  // A verifier node: Layer 1 only, no operator.
  const started = performance.now();
  const verifier = await w.node();
  const rebuildMs = performance.now() - started;
  const onChainRoot = await rollup.root();
  let operatorAgrees = true;
  for (const i of [alice, bob]) {
    operatorAgrees &&= sameAccount(await stack.account(i), i, verifier.state.account(i));
  }
  say.say(
    "sync",
    `a verifier node replays batches 1-${verifier.lastBatch} from their submitBatch calldata and the ` +
      `bridge's deposits in ${Math.round(rebuildMs)} ms: root ${short(hex(verifier.state.root))}, the ` +
      `contract's ${short(hex(onChainRoot))}; ${operatorAgrees ? "every balance equals" : "balances differ from"} ` +
      `the operator's`,
  );
  const layer2 = { alice: verifier.state.account(alice)!.balance, bob: verifier.state.account(bob)!.balance };
  say.note(
    `Layer 2: Alice ${eth(layer2.alice)}, Bob ${eth(layer2.bob)}; Bob received ${eth(paidToBob)} on Layer 1`,
  );
  const solvency = await w.sayInvariants(say);

  return {
    accounts: { alice, bob },
    deposits: { alice: ALICE_DEPOSIT, bob: BOB_DEPOSIT },
    depositGas: [aliceDeposit.receipt.gasUsed, bobDeposit.receipt.gasUsed],
    refusals: { replay, staleNonce, overdraft: overdraftRefused },
    refusalsChangedNothing,
    batches: [...depositBatches, ...spendBatches],
    withdrawal: {
      amount: WITHDRAWAL,
      batchIndex: located.batchIndex,
      creditedInBatchBlock,
      paidToBob,
      claimGas: claimed.gasUsed,
      secondClaimRefused,
    },
    layer2,
    verifier: { batches: verifier.lastBatch, root: verifier.state.root, onChainRoot, operatorAgrees },
    solvency,
  };
}

// -------------------------------------------------------------------------------------------------
// Part 2: the operator stops → exodus
// -------------------------------------------------------------------------------------------------

async function runExodus(
  w: World,
  say: Narrator,
  accounts: { alice: number; bob: number },
): Promise<ZkExodusResult> {
  const { stack, rollup, config, users } = w;
  const { alice, bob } = accounts;
  say.title(
    "zk rollup, part 2: the operator stops → requestWithdrawal → activateExodus → exit → refundDeposits → claim",
  );

  const unbatched = await w.transfer("alice", alice, bob, UNBATCHED);
  // An operator service proves what it accepts within a second or so: it is killed at once, and Layer 1
  // must show that no batch got through.
  const batchesBefore = await rollup.batchCount();
  const accepted = await stack.send(unbatched.encoded);
  await stack.kill();
  if ((await rollup.batchCount()) !== batchesBefore) {
    throw new ZkStoryError("the operator submitted a batch before it was killed");
  }
  say.say(
    "stop",
    `Alice signs ${eth(UNBATCHED)} to Bob and the operator answers ${accepted.status}, then ` +
      `${stack.words.killed}: her transfer will never be batched`,
  );

  // Censored, Alice asks Layer 1 itself: a request no batch may skip, with a deadline.
  const verified = (await w.node()).state.account(alice)!.balance;
  const { Ax: ax, Ay: ay } = w.wallets.alice.key.publicKey;
  const { request: forcedRequest, receipt: requested } = await rollup.requestWithdrawal(users.alice, {
    account: alice,
    tokenId: ETH_ID,
    amount: floorFloat40(verified),
    ax,
    ay,
  });
  const forcedDueAt = Number(forcedRequest.requestedAt) + config.exodusDelay;
  say.say(
    "requestWithdrawal",
    `Alice, censored, asks Layer 1 itself for a forced withdrawal of her whole ${eth(forcedRequest.amount)} ` +
      `from account #${alice} (request #${forcedRequest.index}, owner hash of her key and her address): ` +
      `the next batch must carry it, or anyone may switch exodus on at ${forcedDueAt}`,
    requested.gasUsed,
  );
  const carolDeposit = await w.deposit("carol", CAROL_DEPOSIT, say);
  say.note("no operator is left to consume Carol's deposit, nor to carry Alice's request");
  await w.sayInvariants(say);

  const pending = (await unconsumedDeposits(await w.node(), w.bridge)).map(depositData);
  // The oldest of what waits: Alice's request came before Carol's deposit.
  const dueAt = Math.min(forcedDueAt, Number(pending[0].timestamp) + config.exodusDelay);
  const earlyActivationRefused = await revertName(rollup.activateExodus(users.carol, pending));
  say.note(
    `Carol tries activateExodus at once: refused, ${earlyActivationRefused} (due at ${dueAt}, ` +
      `${dueAt - (await w.now())} s from now)`,
  );
  await w.advance(config.exodusDelay);
  say.note(
    `evm_increaseTime ${config.exodusDelay} s: Alice's request and Carol's deposit have waited the exodus delay`,
  );
  const activated = await rollup.activateExodus(users.carol, pending);
  const activatedAt = (await w.provider.getBlock(activated.blockNumber))!.timestamp;
  const waited = Number(BigInt(activatedAt) - pending[0].timestamp);
  const { consumed: forcedConsumed } = await rollup.forcedRequests();
  say.say(
    "activateExodus",
    `Carol (anyone could) switches exodus on ${waited} s after her deposit, with Alice's request still ` +
      `unconsumed (${forcedConsumed} of ${forcedRequest.index + 1} carried): the root is final, no batch ` +
      `is accepted any more`,
    activated.gasUsed,
  );
  await w.sayInvariants(say);

  // Every owner exits with a proof from a state rebuilt from Layer 1 alone.
  const node = await w.node();
  const onChainRoot = await rollup.root();
  say.say(
    "sync",
    `a fresh verifier node rebuilds the state from Layer 1 (${node.lastBatch} batches): exodus ` +
      `${node.exodus ? "on" : "off"}, root ${short(hex(node.state.root))} = the contract's ` +
      `${short(hex(onChainRoot))}`,
  );
  const exits = {} as Record<"alice" | "bob", ZkExitRecord>;
  let foreignExitRefused: string | undefined;
  const proofs = {} as Record<"alice" | "bob", ZkExitProof>;
  for (const person of ["alice", "bob"] as const) {
    const wallet = w.wallets[person];
    const [index] = accountsOf(node.state, wallet.signer, w.crypto);
    if (index === undefined) throw new ZkStoryError(`${NAMES[person]} holds no account`);
    const proof = buildExitProof(node.state, index, wallet.signer, w.crypto);
    proofs[person] = proof;
    if (person === "alice") {
      foreignExitRefused = await revertName(rollup.exit(users.bob, proof));
      say.note(
        `Bob sends Alice's exit proof from his own address: refused, ${foreignExitRefused} (the owner hash ` +
          `binds the caller's address)`,
      );
    }
    const before = await w.provider.getBalance(wallet.l1Address);
    const exited = await rollup.exit(users[person], proof);
    const paid = (await w.provider.getBalance(wallet.l1Address)) + fee(exited) - before;
    exits[person] = { account: index, balance: proof.balance, paid, gasUsed: exited.gasUsed };
    say.say(
      "exit",
      `${NAMES[person]} proves account #${index} (balance ${eth(proof.balance)}, nonce ${proof.nonce}) with ` +
        `${proof.siblings.length} Poseidon siblings against the last root; the bridge pays ` +
        `${short(wallet.l1Address)} ${eth(paid)}`,
      exited.gasUsed,
    );
    await w.check();
  }
  say.note(
    `Alice's accepted transfer of ${eth(UNBATCHED)} was never verified, so it never happened, nor was her ` +
      `forced withdrawal: censored, she still leaves with her whole last verified balance`,
  );
  const secondExitRefused = await revertName(rollup.exit(users.alice, proofs.alice));
  say.note(`Alice exits a second time: refused, ${secondExitRefused}`);
  await w.sayInvariants(say);

  // Carol's deposit was never consumed: credited back, then claimed.
  const carolAddress = w.wallets.carol.l1Address;
  const queued = (await unconsumedDeposits(node, w.bridge)).map(depositData);
  const refunded = await rollup.refundDeposits(users.carol, queued, queued.length);
  const credited = await rollup.creditOf(carolAddress, ETH_ID);
  say.say(
    "refundDeposits",
    `${queued.length} deposit never consumed: Carol's ${eth(CAROL_DEPOSIT)} is credited back to ` +
      `${short(carolAddress)} (${eth(credited)})`,
    refunded.gasUsed,
  );
  const carolBefore = await w.provider.getBalance(carolAddress);
  const claimed = await rollup.claim(users.carol, ETH_ID, carolAddress);
  const paidToCarol = (await w.provider.getBalance(carolAddress)) + fee(claimed) - carolBefore;
  say.say("claim", `Carol claims: the bridge pays her ${eth(paidToCarol)}`, claimed.gasUsed);
  await w.sayInvariants(say);

  // Nothing moves the root any more: neither a batch Alice proves herself nor the operator.
  const request = { tx: unbatched.request.tx, signer: unbatched.request.signer };
  const own = await w.proveAsAlice(node.lastBatch + 1, (prover) =>
    proveOwnBatch(node, [request], {
      prover,
      crypto: w.crypto,
      bridge: w.bridge,
      batchSize: config.batchSize,
      feeRecipient: w.wallets.alice.l1Address,
    }),
  );
  const lateBatchRefused = await revertName(rollup.submitBatch(users.alice, own.calldata));
  say.say(
    "submitBatch",
    `anyone may submit a batch, and Alice tries it on a prover of her own: her accepted transfer, proven ` +
      `from the last verified state (${(own.provingMs / 1000).toFixed(1)} s) and offered as batch ` +
      `${node.lastBatch + 1}: refused, ${lateBatchRefused}`,
  );
  await stack.restart();
  w.watch.restarted();
  const late = await w.transfer("bob", bob, alice, UNBATCHED);
  const lateTxRefused = await refusal(stack.send(late.encoded));
  say.note(`${stack.words.restarted}; a new transfer from Bob: refused, ${lateTxRefused}`);
  const solvency = await w.sayInvariants(say);
  const escrowAfter = solvency.escrowed;

  return {
    forced: {
      index: forcedRequest.index,
      amount: forcedRequest.amount,
      requestGas: requested.gasUsed,
      dueAt: forcedDueAt,
      consumed: forcedConsumed,
    },
    carolDeposit: CAROL_DEPOSIT,
    carolDepositGas: carolDeposit.receipt.gasUsed,
    unbatched: { amount: UNBATCHED, status: accepted.status },
    earlyActivationRefused,
    exodusDelay: config.exodusDelay,
    waited,
    activateGas: activated.gasUsed,
    rebuilt: { exodus: node.exodus, root: node.state.root, onChainRoot },
    exits,
    foreignExitRefused,
    secondExitRefused,
    refund: { credited, paidToCarol, refundGas: refunded.gasUsed, claimGas: claimed.gasUsed },
    lateBatchRefused,
    lateTxRefused,
    batchCount: await rollup.batchCount(),
    escrowAfter,
    solvency,
  };
}

// -------------------------------------------------------------------------------------------------
// The stage: the stack, the users' wallets, the clock
// -------------------------------------------------------------------------------------------------

type Person = "alice" | "bob" | "carol";
const NAMES: Record<Person, string> = { alice: "Alice", bob: "Bob", carol: "Carol" };

/** What the story plays on. */
interface Stage {
  stack: ZkStack;
  users: ZkUsers;
  provider: RpcProvider;
  /** Views, and the users' transactions (each sent with its own signer). */
  rollup: ZkRollupClient;
  bridge: BridgeClient;
  config: ZkRollupConfig;
  crypto: ZkCrypto;
  wallets: Record<Person, ZkWallet>;
}

/** Gives each user a BabyJubJub wallet; narrates the parties. */
async function createStage(stack: ZkStack, users: ZkUsers, say: Narrator): Promise<Stage> {
  const provider = stack.provider as RpcProvider;
  if (typeof provider.send !== "function") {
    throw new ZkStoryError("the zk story needs a JSON-RPC provider (it moves the chain's clock)");
  }
  const { rollup, config, crypto } = stack;
  say.title("zk rollup: the parties");
  say.note(
    `ZkRollup ${rollup.address}: batches of ${config.batchSize} transaction${config.batchSize === 1 ? "" : "s"}, ` +
      `${2 ** config.depth} accounts (depth ${config.depth}), exodus delay ${config.exodusDelay} s`,
  );
  for (const line of stack.about) say.note(line);
  const wallets = {} as Record<Person, ZkWallet>;
  for (const person of Object.keys(NAMES) as Person[]) {
    const l1 = await users[person].getAddress();
    wallets[person] = new ZkWallet(crypto, generateZkPrivateKey(), l1, config.domain);
    say.note(
      `${NAMES[person]} makes a BabyJubJub key; the Layer-2 owner is Poseidon(Ax, Ay, ${short(l1)}) ` +
        `mod 2^160 = ${short(`0x${wallets[person].owner.toString(16).padStart(40, "0")}`)}`,
    );
  }
  return { stack, users, provider, rollup, bridge: stack.bridge, config, crypto, wallets };
}

/** The level of the story's own loggers (quiet unless STRATA_LOG_LEVEL says otherwise). */
function storyLogger(): Logger {
  return createLogger({
    scope: "demo:zk",
    level: (process.env.STRATA_LOG_LEVEL as LogLevel | undefined) ?? "error",
  });
}

// -------------------------------------------------------------------------------------------------
// Proving, as the operator's events tell it
// -------------------------------------------------------------------------------------------------

/** The progress line while a batch is proven. */
export function provingLabel(batchIndex: number, profile: string): string {
  return `proving batch ${batchIndex} (Groth16, ${profile} profile)`;
}

/** How long a proof usually takes (README "zk bench"), for the progress line. */
export function provingHint(profile: string): string | undefined {
  return { test: "usually 2–4 s", default: "usually 6–12 s" }[profile];
}

/**
 * The operator's proving as its events tell it (`batchProving`, `batchProved`: the same events from an
 * operator in this process and over `strata_events`): the proving time of each batch, and the progress
 * line naming the batch being proven while the story waits.
 */
class ProvingWatch {
  private readonly times = new Map<number, number>();
  private cursor = 0;

  constructor(
    private readonly source: () => EventSource<ZkOperatorEvent>,
    readonly profile: string,
  ) {}

  /** The proving time of batch `batchIndex`, once the operator has published it. */
  provingMs(batchIndex: number): number | undefined {
    return this.times.get(batchIndex);
  }

  /** The operator was restarted: its events begin again from the first. */
  restarted(): void {
    this.cursor = 0;
  }

  /** Runs `work` under a progress line naming the batch being proven, from `batchIndex` on. */
  async during<T>(batchIndex: number, work: () => Promise<T>): Promise<T> {
    const progress = Progress.start(provingLabel(batchIndex, this.profile), {
      hint: provingHint(this.profile),
    });
    let done = false;
    const follow = (async () => {
      while (!done) {
        await this.read(progress).catch(() => undefined); // the final read below must succeed
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    try {
      return await work();
    } finally {
      done = true;
      await follow;
      progress.stop();
      await this.read();
    }
  }

  private async read(progress?: Progress): Promise<void> {
    const { events, cursor } = await readAllEvents(this.source(), this.cursor);
    this.cursor = cursor;
    for (const event of events) {
      if (event.type === "batchProving") progress?.update(provingLabel(event.batchIndex, this.profile));
      if (event.type === "batchProved") this.times.set(event.batchIndex, event.provingMs);
    }
  }
}

// -------------------------------------------------------------------------------------------------
// The world: the stage, and what the story does with it
// -------------------------------------------------------------------------------------------------

interface World extends Stage {
  watch: ProvingWatch;
  readonly checks: number;
  account(person: Person): Promise<number>;
  balance(index: number): Promise<bigint>;
  nonce(index: number): Promise<number>;
  /** `person` signs `amount` from their account `from` to account `to`, at `from`'s current nonce. */
  transfer(person: Person, from: number, to: number, amount: bigint): Promise<ZkSignedSpend>;
  deposit(
    person: Person,
    amount: bigint,
    say: Narrator,
  ): Promise<{ head: string; receipt: ContractTransactionReceipt }>;
  /** Hands a signed spend to the operator; it must be accepted. */
  send(spend: ZkSignedSpend): Promise<void>;
  /**
   * Waits until the operator has `hashes` (and whatever it holds before them) verified, under a progress
   * line; narrates each batch it proved and the contract verified.
   */
  runOperator(say: Narrator, why: string, hashes: readonly string[]): Promise<ZkBatchRecord[]>;
  /** Alice loads a prover of the rollup's profile and proves with it, under a progress line. */
  proveAsAlice<T>(batchIndex: number, prove: (prover: ZkProver) => Promise<T>): Promise<T>;
  /** A fresh verifier node, synced: Layer 1 only. */
  node(): Promise<ZkChainFollower>;
  now(): Promise<number>;
  advance(seconds: number): Promise<void>;
  check(): Promise<ZkSolvencyReport>;
  sayInvariants(say: Narrator): Promise<ZkSolvencyReport>;
}

function createWorld(stage: Stage): World {
  const { stack, rollup, provider, crypto, bridge, wallets, users, config } = stage;
  const logger = storyLogger();
  const watch = new ProvingWatch(() => stack.events, stack.profile);
  /** Layer-2 account → who holds it. */
  const names = new Map<number, string>();
  let checks = 0;
  let lastBatchSeen = 0;

  const account = async (index: number) => {
    const a = await stack.account(index);
    if (!a) throw new ZkStoryError(`no account #${index}`);
    return a;
  };
  const node = async () => {
    const follower = await ZkChainFollower.create(rollup, provider, crypto, logger);
    await follower.sync();
    return follower;
  };

  const w: World = {
    ...stage,
    watch,
    get checks() {
      return checks;
    },

    async account(person) {
      const index = await stack.findAccount(wallets[person].ownerHex, ETH_ID);
      if (index === undefined) throw new ZkStoryError(`${NAMES[person]} holds no account`);
      return index;
    },
    balance: async (index) => (await account(index)).balance,
    nonce: async (index) => (await account(index)).nonce,
    transfer: async (person, from, to, amount) =>
      wallets[person].transfer({ from, to, amount, nonce: (await account(from)).nonce }),

    async deposit(person, amount, say) {
      const { deposit, receipt } = await wallets[person].depositEth(
        bridge,
        users[person],
        rollup.address,
        amount,
      );
      say.say(
        "deposit",
        `${NAMES[person]} deposits ${eth(amount)} through the bridge to that owner; queue head now ` +
          `${short(deposit.head)}`,
        receipt.gasUsed,
      );
      return { head: deposit.head, receipt };
    },

    async send(spend) {
      const receipt = await stack.send(spend.encoded);
      if (receipt.status !== "accepted") throw new ZkStoryError(`spend ${spend.hash} is ${receipt.status}`);
    },

    async runOperator(say, why, hashes) {
      await watch.during(lastBatchSeen + 1, async () => {
        for (const hash of hashes) {
          try {
            await stack.waitForStatus(hash, "verified");
          } catch (error) {
            throw new ZkStoryError(`the operator did not get ${hash} verified`, { cause: error });
          }
        }
      });
      const verifier = await node();
      const fresh = verifier.batches.slice(lastBatchSeen);
      lastBatchSeen = verifier.lastBatch;
      for (const person of Object.keys(NAMES) as Person[]) {
        const index = await stack.findAccount(wallets[person].ownerHex, ETH_ID);
        if (index !== undefined) names.set(index, NAMES[person]);
      }
      say.note(`${why}: ${fresh.length} batch${fresh.length === 1 ? "" : "es"} of ${config.batchSize}`);
      const records: ZkBatchRecord[] = [];
      for (const batch of fresh) {
        const provingMs = watch.provingMs(batch.batchIndex);
        if (provingMs === undefined) {
          throw new ZkStoryError(
            `Layer 1 verified batch ${batch.batchIndex}, which the operator never proved`,
          );
        }
        const receipt = await provider.getTransactionReceipt(batch.transactionHash);
        const record: ZkBatchRecord = {
          batchIndex: batch.batchIndex,
          kinds: batch.txs.map((t) => t.kind),
          provingMs,
          gasUsed: receipt!.gasUsed,
          pubdataBytes: encodePubdata(batch.txs).length,
        };
        records.push(record);
        say.say(
          "submitBatch",
          `batch ${batch.batchIndex}: ${batch.txs.map((t) => describe(t, names)).join("; ")} — proved in ` +
            `${(record.provingMs / 1000).toFixed(1)} s, ${record.pubdataBytes} bytes of pubdata; the ` +
            `contract verifies the proof: root ${short(hex(batch.oldRoot))} → ${short(hex(batch.newRoot))}`,
          record.gasUsed,
        );
      }
      await w.check();
      return records;
    },

    async proveAsAlice(batchIndex, prove) {
      const progress = Progress.start(provingLabel(batchIndex, stack.profile), {
        hint: provingHint(stack.profile),
      });
      const prover = await ZkProver.load({ profile: stack.profile, logger });
      try {
        return await prove(prover);
      } finally {
        progress.stop();
        await prover.close();
      }
    },

    node,

    async now() {
      return (await provider.getBlock("latest"))!.timestamp;
    },

    async advance(seconds) {
      await provider.send("evm_increaseTime", [seconds]);
      await provider.send("evm_mine", []);
    },

    async check() {
      const [ether] = await assertZkEscrowCovers(await node(), bridge);
      checks++;
      return ether;
    },

    async sayInvariants(say) {
      const r = await w.check();
      say.say(
        "assertZkEscrowCovers",
        `the bridge escrows ${eth(r.escrowed)} for the rollup ≥ Layer-2 balances ${eth(r.balances)} + ` +
          `unclaimed credits ${eth(r.credits)} + queued deposits ${eth(r.queued)} (checked ${checks} times)`,
      );
      return r;
    },
  };
  return w;
}

// -------------------------------------------------------------------------------------------------
// Helpers
// -------------------------------------------------------------------------------------------------

/** A published transaction in words. */
function describe(tx: ZkPublishedTx, names: Map<number, string>): string {
  const who = (i: number) => `#${i}${names.has(i) ? ` (${names.get(i)})` : ""}`;
  switch (tx.kind) {
    case "deposit":
      return `deposit of ${eth(tx.deposit.amount)} into ${who(tx.account)}`;
    case "refund":
      return `deposit of ${eth(tx.deposit.amount)} refunded (every account is open)`;
    case "transfer":
      return `transfer ${who(tx.from)} → ${who(tx.to)} ${eth(tx.amount)}`;
    case "withdraw":
      return `withdrawal of ${eth(tx.amount)} from ${who(tx.from)} to ${short(tx.recipient)}`;
    case "forced":
      return tx.effective
        ? `forced withdrawal of ${eth(tx.request.amount)} from ${who(tx.request.account)} to ${short(tx.request.requester)}`
        : `forced withdrawal request ${tx.request.index} from ${who(tx.request.account)}, nullified`;
  }
}

/** Whether the operator's view of account `index` is the verified state's. */
function sameAccount(view: ZkAccountView | undefined, index: number, account: Account | undefined): boolean {
  return (
    view !== undefined &&
    account !== undefined &&
    view.index === index &&
    view.owner.toLowerCase() === account.owner.toLowerCase() &&
    view.tokenId === account.tokenId &&
    view.balance === account.balance &&
    view.nonce === account.nonce
  );
}

function fee(receipt: ContractTransactionReceipt): bigint {
  return receipt.gasUsed * receipt.gasPrice;
}

const hex = (x: bigint): string => `0x${x.toString(16).padStart(64, "0")}`;

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
