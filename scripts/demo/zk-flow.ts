// The zk flow: Strata's zk rollup end to end, narrated. The real ZkRollup behind the bridge with its
// profile's generated Groth16 verifier, a real ZkOperator (its journal in a temporary directory, one warm
// snarkjs prover), real BabyJubJub wallets, and verifier nodes that rebuild the state from Layer 1 alone.
//
// Part 1, deposit → transfer → submitBatch → claim: Alice and Bob make BabyJubJub keys and deposit ETH
// through the bridge to their owner hashes. The operator consumes the deposits, admits signed transfers
// (refusing a replay, a replayed nonce and an overdraft by name) and Bob's withdrawal, and proves each
// batch; the contract verifies every proof, and the verified batch credits Bob's withdrawal at once (no
// waiting period): Bob claims it. A verifier node rebuilt from Layer-1 calldata alone agrees with the root.
//
// Part 2, the operator stops → exodus: the operator accepts a transfer from Alice and stops before
// batching it; Carol deposits, and no operator is left to consume her deposit. Once it has waited the
// exodus delay, Carol switches exodus on; each owner exits with a Merkle proof built from a state rebuilt
// from Layer 1 and gets exactly their Layer-2 balance; Carol's deposit is credited back and claimed; a
// batch offered after that is refused, and so is a transaction sent to the operator.
//
// The story (`runZkStory`) is told against a `ZkOperatorSide`: here a ZkOperator in this process; in
// scripts/demo/services/zk.ts the `zk:operator` service as its own process, reached over JSON-RPC. While
// the operator proves, a progress line says which batch (on a terminal, after 1.5 s).
//
// assertZkEscrowCovers is checked after every step. The flow moves the chain's clock with
// evm_increaseTime / evm_mine, so it runs on any local chain: Hardhat in-process, `hardhat node`, Anvil.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { ContractTransactionReceipt, Provider, Signer } from "ethers";
import { parseEther } from "ethers";
import { BridgeClient } from "../../src/bridge/client";
import type { Deployment } from "../../src/common/deployments";
import { StrataError } from "../../src/common/errors";
import type { LogFields, LogLevel, Logger } from "../../src/common/logger";
import { createLogger } from "../../src/common/logger";
import { Progress } from "../../src/common/progress";
import { TxJournal } from "../../src/optimistic/journal";
import type { DepositData } from "../../src/shared/types";
import { ZkChainFollower } from "../../src/zk/chain-follower";
import { accountsOf, buildExitProof } from "../../src/zk/exit";
import type { ZkSolvencyReport } from "../../src/zk/invariants";
import { assertZkEscrowCovers, unconsumedDeposits } from "../../src/zk/invariants";
import { ZkCrypto, generateZkPrivateKey } from "../../src/zk/keys";
import { ZkOperator } from "../../src/zk/operator";
import type { ZkProof } from "../../src/zk/prover";
import { ZkProver } from "../../src/zk/prover";
import { encodePubdata } from "../../src/zk/pubdata";
import type { ZkExitProof, ZkRollupConfig } from "../../src/zk/rollup-client";
import { ZkRollupClient, toProofArg } from "../../src/zk/rollup-client";
import type { ZkAccountView, ZkTxReceipt } from "../../src/zk/rpc-server";
import type { Account } from "../../src/shared/types";
import type { ZkPublishedTx } from "../../src/zk/types";
import type { ZkSignedSpend } from "../../src/zk/wallet";
import { ZkWallet } from "../../src/zk/wallet";
import type { RollupBatchInput } from "../../src/zk/witness";
import { buildBatchWitness } from "../../src/zk/witness";
import type { Narrator } from "../../src/demo/narrator";
import { refusal, revertName } from "../../src/demo/outcomes";
import { eth, short } from "../../src/demo/narrator";

export class ZkFlowError extends StrataError {}

/** The Layer-1 accounts that play: the operator sends `submitBatch`; the users deposit, claim and exit. */
export interface ZkFlowParties {
  operator: Signer;
  alice: Signer;
  bob: Signer;
  carol: Signer;
}

/** The users alone: whoever runs the operator, they deposit, claim and exit. */
export type ZkUsers = Omit<ZkFlowParties, "operator">;

export interface ZkFlowOptions {
  /** The circuit profile the deployed rollup verifies (default "test", as deploySuite deploys). */
  profile?: string;
  /** A warm prover for that profile, owned by the caller; by default the flow loads one and closes it. */
  prover?: ZkProver;
}

/** A batch the contract verified, as a verifier node read it back from Layer 1. */
export interface ZkBatchRecord {
  batchIndex: number;
  kinds: ZkPublishedTx["kind"][];
  /** Witness plus Groth16 proof on the operator's warm prover, in milliseconds (as the operator logs it). */
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
  carolDeposit: bigint;
  carolDepositGas: bigint;
  /** A transfer the operator accepted before it stopped: never batched. */
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
  /** A batch proven from the last verified state, offered after exodus: the error's name. */
  lateBatchRefused: string | undefined;
  /** The operator's answer to a transaction after exodus. */
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

export interface ZkFlowResult extends ZkStoryResult {
  proverLoadMs: number;
}

/**
 * The operator as the story needs it: a ZkOperator in this process, or the `zk:operator` service over
 * JSON-RPC (scripts/demo/services/zk.ts). Reads answer from the operator's soft state.
 */
export interface ZkOperatorSide {
  /** Hands it a signed spend: accepted, or a `TxRejectedError` naming the refusal. */
  submit(encodedTx: string): Promise<ZkTxReceipt>;
  account(index: number): Promise<ZkAccountView | undefined>;
  findAccount(owner: string, tokenId: number): Promise<number | undefined>;
  receipt(hash: string): Promise<ZkTxReceipt | undefined>;
  /**
   * Returns once each of `hashes` (spends, and deposits by their queue head) is in a batch the contract
   * verified and the watch holds that batch's proving time: in this process it runs the operator's
   * rounds; a service proves by itself, and this waits for it.
   */
  settle(hashes: readonly string[]): Promise<void>;
  /** Stops it for good: what it accepted and did not batch is never batched. */
  stop(): Promise<void>;
  /** After exodus: it runs again and reads Layer 1, so it answers the next transaction. */
  resume(): Promise<void>;
  /** Proves a batch on a prover of the rollup's profile (the batch offered after exodus). */
  prove(input: RollupBatchInput): Promise<ZkProof>;
  /** Sends the batch offered after exodus (anyone may submit a batch: the proof is what counts). */
  lateSubmitter: Signer;
  /** What the narration says where the two differ. */
  words: {
    /** "…, then <stopped>". */
    stopped: string;
    /** "<lateBatch>: Alice's accepted transfer, proven … and offered as batch n: refused, …". */
    lateBatch: string;
    /** "<resumed>; a new transfer from Bob: refused, …". */
    resumed: string;
  };
  /** Stops whatever it started; idempotent. */
  close(): Promise<void>;
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

// -------------------------------------------------------------------------------------------------
// The flow
// -------------------------------------------------------------------------------------------------

export async function runZkFlow(
  deployment: Deployment,
  parties: ZkFlowParties,
  say: Narrator,
  options: ZkFlowOptions = {},
): Promise<ZkFlowResult> {
  const stage = await createZkStage(deployment, parties, say);
  const watch = new ZkProvingWatch(options.profile ?? "test");
  const { side, proverLoadMs } = await startOperatorHere(stage, parties.operator, watch, options, say);
  try {
    const story = await runZkStory(stage, side, watch, say);
    return { ...story, proverLoadMs };
  } finally {
    await side.close();
  }
}

/** Parts 1 and 2 against `operator`, which the caller closes. */
export async function runZkStory(
  stage: ZkStage,
  operator: ZkOperatorSide,
  watch: ZkProvingWatch,
  say: Narrator,
): Promise<ZkStoryResult> {
  const w = createWorld(stage, operator, watch);
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
  const { operator, rollup } = w;
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
  const transfer = w.wallets.alice.transfer({
    from: alice,
    to: bob,
    amount: TRANSFER,
    nonce: await w.nonce(alice),
  });
  const accepted = await operator.submit(transfer.encoded);
  say.say(
    "transfer",
    `Alice signs ${eth(TRANSFER)} to Bob (EdDSA-Poseidon, nonce ${transfer.request.nonce}); the operator ` +
      `checks it against its state and answers ${accepted.status}, tx ${short(accepted.hash)}`,
  );
  const snapshot = async () =>
    JSON.stringify([await operator.account(alice), await operator.account(bob)], bigintJson);
  const before = await snapshot();
  const replay = await refusal(operator.submit(transfer.encoded));
  say.note(`the same signed transfer sent again: refused, ${replay}`);
  const stale = w.wallets.alice.transfer({ from: alice, to: bob, amount: STALE, nonce: 0 });
  const staleNonce = await refusal(operator.submit(stale.encoded));
  say.note(`a new transfer of ${eth(STALE)} signed at Alice's spent nonce 0: refused, ${staleNonce}`);
  const overdraft = w.wallets.bob.transfer({
    from: bob,
    to: alice,
    amount: OVERDRAFT,
    nonce: await w.nonce(bob),
  });
  const overdraftRefused = await refusal(operator.submit(overdraft.encoded));
  say.note(
    `Bob signs ${eth(OVERDRAFT)} to Alice, more than his ${eth(await w.balance(bob))}: refused, ` +
      `${overdraftRefused}`,
  );
  const refusalsChangedNothing = (await snapshot()) === before;

  const back = w.wallets.bob.transfer({
    from: bob,
    to: alice,
    amount: TRANSFER_BACK,
    nonce: await w.nonce(bob),
  });
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
    operatorAgrees &&= sameAccount(await operator.account(i), i, verifier.state.account(i));
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
  const { operator, rollup, config, users } = w;
  const { alice, bob } = accounts;
  say.title("zk rollup, part 2: the operator stops → activateExodus → exit → refundDeposits → claim");

  const unbatched = w.wallets.alice.transfer({
    from: alice,
    to: bob,
    amount: UNBATCHED,
    nonce: await w.nonce(alice),
  });
  // An operator service proves what it accepts within a second or so: it is stopped at once, and Layer 1
  // must show that no batch got through.
  const batchesBefore = await rollup.batchCount();
  const accepted = await operator.submit(unbatched.encoded);
  await operator.stop();
  if ((await rollup.batchCount()) !== batchesBefore) {
    throw new ZkFlowError("the operator submitted a batch before it stopped");
  }
  say.say(
    "stop",
    `Alice signs ${eth(UNBATCHED)} to Bob and the operator answers ${accepted.status}, then ` +
      `${operator.words.stopped}: her transfer will never be batched`,
  );
  const carolDeposit = await w.deposit("carol", CAROL_DEPOSIT, say);
  say.note("no operator is left to consume Carol's deposit");
  await w.sayInvariants(say);

  const pending = (await unconsumedDeposits(await w.node(), w.bridge)).map(plainDeposit);
  const dueAt = Number(pending[0].timestamp) + config.exodusDelay;
  const earlyActivationRefused = await revertName(rollup.activateExodus(users.carol, pending));
  say.note(
    `Carol tries activateExodus at once: refused, ${earlyActivationRefused} (due at ${dueAt}, ` +
      `${dueAt - (await w.now())} s from now)`,
  );
  await w.advance(config.exodusDelay);
  say.note(`evm_increaseTime ${config.exodusDelay} s: Carol's deposit has waited the exodus delay`);
  const activated = await rollup.activateExodus(users.carol, pending);
  const activatedAt = (await w.provider.getBlock(activated.blockNumber))!.timestamp;
  const waited = Number(BigInt(activatedAt) - pending[0].timestamp);
  say.say(
    "activateExodus",
    `Carol (anyone could) switches exodus on ${waited} s after her deposit: the root is final, no batch ` +
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
    if (index === undefined) throw new ZkFlowError(`${NAMES[person]} holds no account`);
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
    `Alice's accepted transfer of ${eth(UNBATCHED)} was never verified, so it never happened: she ` +
      `exits with her last verified balance`,
  );
  const secondExitRefused = await revertName(rollup.exit(users.alice, proofs.alice));
  say.note(`Alice exits a second time: refused, ${secondExitRefused}`);
  await w.sayInvariants(say);

  // Carol's deposit was never consumed: credited back, then claimed.
  const carolAddress = w.wallets.carol.l1Address;
  const queued = (await unconsumedDeposits(node, w.bridge)).map(plainDeposit);
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

  // Nothing moves the root any more: neither a proven batch nor the operator.
  const request = { tx: unbatched.request.tx, signer: unbatched.request.signer };
  const witness = buildBatchWitness(node.state, [request], config.batchSize, w.crypto);
  const proof = await w.watch.during(node.lastBatch + 1, () => operator.prove(witness.input));
  const lateBatchRefused = await revertName(
    rollup.submitBatch(operator.lateSubmitter, {
      newRoot: witness.newState.root,
      proof: toProofArg(proof.solidity),
      pubdata: encodePubdata(witness.txs),
      consumedDeposits: [],
      pendingDeposits: (await unconsumedDeposits(node, w.bridge)).map(plainDeposit),
    }),
  );
  say.say(
    "submitBatch",
    `${operator.words.lateBatch}: Alice's accepted transfer, proven from the last verified state ` +
      `(${(proof.provingMs / 1000).toFixed(1)} s) and offered as batch ${node.lastBatch + 1}: refused, ` +
      `${lateBatchRefused}`,
  );
  await operator.resume();
  const late = w.wallets.bob.transfer({
    from: bob,
    to: alice,
    amount: UNBATCHED,
    nonce: await w.nonce(bob),
  });
  const lateTxRefused = await refusal(operator.submit(late.encoded));
  say.note(`${operator.words.resumed}; a new transfer from Bob: refused, ${lateTxRefused}`);
  const solvency = await w.sayInvariants(say);
  const escrowAfter = solvency.escrowed;

  return {
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
// The stage: the rollup, the users' wallets, the clock
// -------------------------------------------------------------------------------------------------

type Person = "alice" | "bob" | "carol";
const NAMES: Record<Person, string> = { alice: "Alice", bob: "Bob", carol: "Carol" };

/** A provider that also takes raw JSON-RPC calls (Hardhat's, or an ethers JsonRpcProvider). */
type RpcProvider = Provider & { send(method: string, params: unknown[]): Promise<unknown> };

/** What the story plays on, whoever runs the operator. */
export interface ZkStage {
  users: ZkUsers;
  provider: RpcProvider;
  /** Views, and the users' transactions (each sent with its own signer). */
  rollup: ZkRollupClient;
  bridge: BridgeClient;
  config: ZkRollupConfig;
  crypto: ZkCrypto;
  wallets: Record<Person, ZkWallet>;
}

/** Reads the rollup and gives each user a BabyJubJub wallet; narrates both. */
export async function createZkStage(deployment: Deployment, users: ZkUsers, say: Narrator): Promise<ZkStage> {
  const address = deployment.contracts.ZkRollup;
  const bridgeAddress = deployment.contracts.Bridge;
  if (!address || !bridgeAddress) throw new ZkFlowError("the deployment has no ZkRollup or no Bridge");
  const provider = users.alice.provider as RpcProvider | null;
  if (!provider || typeof provider.send !== "function") {
    throw new ZkFlowError("the zk flow needs a JSON-RPC provider (it moves the chain's clock)");
  }
  const rollup = new ZkRollupClient(address, provider);
  const config = await rollup.config();
  const crypto = await ZkCrypto.load();

  say.title("zk rollup: the parties");
  say.note(
    `ZkRollup ${address}: batches of ${config.batchSize} transaction${config.batchSize === 1 ? "" : "s"}, ` +
      `${2 ** config.depth} accounts (depth ${config.depth}), exodus delay ${config.exodusDelay} s`,
  );
  const wallets = {} as Record<Person, ZkWallet>;
  for (const person of Object.keys(NAMES) as Person[]) {
    const l1 = await users[person].getAddress();
    wallets[person] = new ZkWallet(crypto, generateZkPrivateKey(), l1, config.domain);
    say.note(
      `${NAMES[person]} makes a BabyJubJub key; the Layer-2 owner is Poseidon(Ax, Ay, ${short(l1)}) ` +
        `mod 2^160 = ${short(`0x${wallets[person].owner.toString(16).padStart(40, "0")}`)}`,
    );
  }
  return {
    users,
    provider,
    rollup,
    bridge: new BridgeClient(bridgeAddress, provider),
    config,
    crypto,
    wallets,
  };
}

/** The level of the demo's own loggers (quiet unless STRATA_LOG_LEVEL says otherwise). */
export function demoLogger(scope: string): Logger {
  return createLogger({ scope, level: (process.env.STRATA_LOG_LEVEL as LogLevel | undefined) ?? "error" });
}

// -------------------------------------------------------------------------------------------------
// Proving, as the operator reports it
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
 * The operator's proving as its log reports it ("proving batch", "proved batch": the same events in this
 * process and in the service's log): the proving time of each batch, and the progress line that names
 * the batch being proven while the demo waits.
 */
export class ZkProvingWatch {
  private readonly times = new Map<number, number>();
  private progress: Progress | undefined;

  constructor(readonly profile: string) {}

  /** One event of the operator's log. */
  observe(message: string, fields: LogFields = {}): void {
    const batchIndex = Number(fields.batchIndex);
    if (message === "proving batch") this.progress?.update(provingLabel(batchIndex, this.profile));
    if (message === "proved batch") this.times.set(batchIndex, Number(fields.provingMs));
  }

  /** `base`, also feeding this watch. */
  logger(base: Logger): Logger {
    return {
      ...base,
      info: (message, fields) => {
        this.observe(message, fields);
        base.info(message, fields);
      },
    };
  }

  /** The proving time of batch `batchIndex`, once the operator has reported it. */
  provingMs(batchIndex: number): number | undefined {
    return this.times.get(batchIndex);
  }

  /** Runs `work` under a progress line naming the batch being proven, from `batchIndex` on. */
  async during<T>(batchIndex: number, work: () => Promise<T>): Promise<T> {
    const progress = Progress.start(provingLabel(batchIndex, this.profile), {
      hint: provingHint(this.profile),
    });
    this.progress = progress;
    try {
      return await work();
    } finally {
      progress.stop();
      this.progress = undefined;
    }
  }
}

// -------------------------------------------------------------------------------------------------
// The operator in this process
// -------------------------------------------------------------------------------------------------

async function startOperatorHere(
  stage: ZkStage,
  signer: Signer,
  watch: ZkProvingWatch,
  options: ZkFlowOptions,
  say: Narrator,
): Promise<{ side: ZkOperatorSide; proverLoadMs: number }> {
  const { rollup, provider, crypto } = stage;
  const base = demoLogger("demo:zk");
  const loadStarted = performance.now();
  const prover = options.prover ?? (await ZkProver.load({ profile: watch.profile, logger: base }));
  const proverLoadMs = Math.round(performance.now() - loadStarted);
  const ownProver = options.prover === undefined;
  say.note(
    `the operator's warm prover holds the "${prover.profile}" circuit and proving key ` +
      `(${ownProver ? `loaded in ${proverLoadMs} ms` : "given"}); each batch gets a real Groth16 proof`,
  );

  const dir = await mkdtemp(join(tmpdir(), "strata-demo-zk-"));
  const journal = await TxJournal.open(join(dir, "journal.jsonl"), { logger: base });
  const close = async () => {
    await journal.close();
    await rm(dir, { recursive: true, force: true });
    if (ownProver) await prover.close();
  };
  let operator: ZkOperator;
  try {
    operator = await ZkOperator.start({
      rollup: new ZkRollupClient(rollup.address, signer),
      bridge: new BridgeClient(stage.bridge.address, signer),
      follower: await ZkChainFollower.create(rollup, provider, crypto, base),
      journal,
      prover,
      crypto,
      signer,
      maxBatchAgeMs: 60_000,
      logger: watch.logger(base),
    });
  } catch (error) {
    await close();
    throw error;
  }
  say.note(
    `the operator (${short(await signer.getAddress())}) journals accepted spends in ${dir} and ` +
      `rebuilds everything else from Layer 1`,
  );
  let closed = false;
  const side: ZkOperatorSide = {
    submit: (encodedTx) => operator.submit(encodedTx),
    account: async (index) => operator.account(index),
    findAccount: async (owner, tokenId) => operator.findAccount(owner, tokenId),
    receipt: async (hash) => operator.receipt(hash),
    settle: () => operator.tick(true),
    stop: () => operator.stop(),
    resume: () => operator.tick(true),
    prove: (input) => prover.prove(input),
    lateSubmitter: signer,
    words: {
      stopped: "it stops",
      lateBatch: "the operator comes back",
      resumed: "the operator reads ExodusActivated from Layer 1",
    },
    async close() {
      if (closed) return;
      closed = true;
      await operator.stop().catch(() => undefined);
      await close();
    },
  };
  return { side, proverLoadMs };
}

// -------------------------------------------------------------------------------------------------
// The world: the stage, the operator, and what the story does with them
// -------------------------------------------------------------------------------------------------

interface World extends ZkStage {
  operator: ZkOperatorSide;
  watch: ZkProvingWatch;
  readonly checks: number;
  account(person: Person): Promise<number>;
  balance(index: number): Promise<bigint>;
  nonce(index: number): Promise<number>;
  deposit(
    person: Person,
    amount: bigint,
    say: Narrator,
  ): Promise<{ head: string; receipt: ContractTransactionReceipt }>;
  /** Hands a signed spend to the operator; it must be accepted. */
  send(spend: ZkSignedSpend): Promise<void>;
  /**
   * Has the operator batch `hashes` (and whatever it holds before them), under a progress line; narrates
   * each batch it proved and the contract verified.
   */
  runOperator(say: Narrator, why: string, hashes: readonly string[]): Promise<ZkBatchRecord[]>;
  /** A fresh verifier node, synced: Layer 1 only. */
  node(): Promise<ZkChainFollower>;
  now(): Promise<number>;
  advance(seconds: number): Promise<void>;
  check(): Promise<ZkSolvencyReport>;
  sayInvariants(say: Narrator): Promise<ZkSolvencyReport>;
}

function createWorld(stage: ZkStage, operator: ZkOperatorSide, watch: ZkProvingWatch): World {
  const { rollup, provider, crypto, bridge, wallets, users, config } = stage;
  const logger = demoLogger("demo:zk");
  /** Layer-2 account → who holds it. */
  const names = new Map<number, string>();
  let checks = 0;
  let lastBatchSeen = 0;

  const account = async (index: number) => {
    const a = await operator.account(index);
    if (!a) throw new ZkFlowError(`no account #${index}`);
    return a;
  };
  const node = async () => {
    const follower = await ZkChainFollower.create(rollup, provider, crypto, logger);
    await follower.sync();
    return follower;
  };

  const w: World = {
    ...stage,
    operator,
    watch,
    get checks() {
      return checks;
    },

    async account(person) {
      const index = await operator.findAccount(wallets[person].ownerHex, ETH_ID);
      if (index === undefined) throw new ZkFlowError(`${NAMES[person]} holds no account`);
      return index;
    },
    balance: async (index) => (await account(index)).balance,
    nonce: async (index) => (await account(index)).nonce,

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
      const receipt = await operator.submit(spend.encoded);
      if (receipt.status !== "accepted") throw new ZkFlowError(`spend ${spend.hash} is ${receipt.status}`);
    },

    async runOperator(say, why, hashes) {
      await watch.during(lastBatchSeen + 1, () => operator.settle(hashes));
      for (const hash of hashes) {
        const receipt = await operator.receipt(hash);
        if (receipt?.status !== "verified") throw new ZkFlowError(`${hash} is ${receipt?.status}`);
      }
      const verifier = await node();
      const fresh = verifier.batches.slice(lastBatchSeen);
      lastBatchSeen = verifier.lastBatch;
      for (const person of Object.keys(NAMES) as Person[]) {
        const index = await operator.findAccount(wallets[person].ownerHex, ETH_ID);
        if (index !== undefined) names.set(index, NAMES[person]);
      }
      say.note(`${why}: ${fresh.length} batch${fresh.length === 1 ? "" : "es"} of ${config.batchSize}`);
      const records: ZkBatchRecord[] = [];
      for (const batch of fresh) {
        const provingMs = watch.provingMs(batch.batchIndex);
        if (provingMs === undefined) {
          throw new ZkFlowError(
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
    case "transfer":
      return `transfer ${who(tx.from)} → ${who(tx.to)} ${eth(tx.amount)}`;
    case "withdraw":
      return `withdrawal of ${eth(tx.amount)} from ${who(tx.from)} to ${short(tx.recipient)}`;
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

function plainDeposit(d: DepositData): DepositData {
  return { from: d.from, to: d.to, tokenId: d.tokenId, amount: d.amount, timestamp: d.timestamp };
}

function fee(receipt: ContractTransactionReceipt): bigint {
  return receipt.gasUsed * receipt.gasPrice;
}

const hex = (x: bigint): string => `0x${x.toString(16).padStart(64, "0")}`;

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
