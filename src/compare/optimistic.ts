// The workload on the optimistic rollup (`npm run compare`), with the real bridge and the real
// Sequencer of the optimistic stack (src/optimistic/stack.ts, started as the bench starts it, driven round
// by round; what each round committed and finalized read from its events):
// - entry: each user deposits through the bridge; the sequencer commits the deposits as one batch; the
//   challenge window passes and the sequencer finalizes it;
// - transfers: each user signs (EIP-712) and hands its transfers to the sequencer, whose receipt is the
//   soft confirmation; it commits them; the window passes (the local chain's clock jumps over it) and
//   the sequencer finalizes: that is finality;
// - exit: the withdrawing user signs a withdrawal, the sequencer commits it; the user's own node rebuilds
//   the batch from Layer-1 calldata and asks the bridge to pay, which it refuses while the window is
//   open (the rollup names the second the window closes); after it, the bridge pays once.
// Each part is finalized on its own so that its finalize transaction is billed to it. The final Layer-2
// balances are read from a node that rebuilt the chain from Layer 1 alone.
//
// Data mode: calldata (the default), or blobs (issue 15): the sequencer posts each batch as a type-3
// transaction, signed locally (its key as an ethers Wallet), and publishes the blobs to a blob archive
// started in this process (Hardhat keeps no blobs); every node reads blob batches from that archive and
// checks them against the versioned hashes Layer 1 recorded. A batch takes up to MAX_STEPS transactions.
import type { Signer } from "ethers";
import { Wallet, formatEther } from "ethers";
import { sequencerRound, startHandDriven } from "../bench/optimistic";
import type { BridgeClient } from "../bridge/client";
import { ofType } from "../common/events";
import { ContractRevertError, withDecodedRevert } from "../common/errors";
import { revertName } from "../common/outcomes";
import { localAccountKey } from "../common/processes";
import { startScratchBlobArchive } from "../da/archive";
import type { ChainFollower } from "../optimistic/chain-follower";
import type { DataMode, InProcessOptimisticStack } from "../optimistic/stack";
import { MAX_STEPS } from "../optimistic/steps";
import type { RollupClient, RollupConfig } from "../optimistic/rollup-client";
import type { Sequencer } from "../optimistic/sequencer";
import { bytesToHex } from "../shared/bytes";
import { encodeTx } from "../shared/codec";
import type { L2Domain } from "../shared/eip712";
import type { L2Tx } from "../shared/types";
import { ownerOfAddress } from "../shared/types";
import type { CompareChain, Sample } from "./chain";
import {
  GAS_MONEY,
  PartLedger,
  blockNumber,
  fundedWallets,
  medianLatency,
  now,
  paidTo,
  timed,
} from "./chain";
import { skipTo } from "../bench/chain";
import { CompareOutcomeError } from "./errors";
import type { DesignMeasurement } from "./types";
import type { Workload } from "./workload";
import { balancesAfterWithdrawal } from "./workload";

const ETH_ID = 0;

/** What a user trusts, with the local run's challenge window. */
function trust(localWindowSeconds: number): string[] {
  return [
    "safety: one honest challenger (anyone, bonded) re-executes every batch from its Layer-1 calldata and " +
      `disputes a false one within the challenge window (7 days in production; ${localWindowSeconds} s in ` +
      "this local run)",
    "soft confirmations: the sequencer's word until its batch is on Layer 1; if it stops or censors, anyone " +
      "may propose batches themselves (bonded), rebuilding the state from Layer-1 calldata, and no batch may " +
      "skip a deposit older than the inclusion window (1 day); there is no Layer-1 queue that forces a " +
      "Layer-2 transfer or withdrawal in",
    "a disputed batch needs someone to defend it in time: its proposer, or, once the proposer has let half " +
      "its clock pass, any bonded defender (the challenger agent does it by default); a saboteur that takes " +
      "the defence over and throws it burns its bond and only delays the game",
  ];
}

export interface OptimisticRunOptions {
  /** How the sequencer posts its batches (default calldata). */
  dataMode?: DataMode;
}

/** The label of the optimistic rollup's row in each data mode. */
export const OPTIMISTIC_LABELS: Record<DataMode, string> = {
  calldata: "Optimistic rollup",
  blobs: "Optimistic rollup (blobs)",
};

/**
 * Signer 1 proposes (the sequencer; in blob mode its key as a Wallet, which signs blob transactions
 * locally); signer 2 is the stack's challenger, idle here (no batch is false).
 */
export async function runOptimistic(
  w: Workload,
  c: CompareChain,
  o: OptimisticRunOptions = {},
): Promise<DesignMeasurement> {
  const dataMode = o.dataMode ?? "calldata";
  const proposer = dataMode === "blobs" ? new Wallet(localAccountKey(1), c.provider) : c.signers[1];
  const archive = dataMode === "blobs" ? await startScratchBlobArchive(c.provider) : undefined;
  let stack: InProcessOptimisticStack;
  try {
    stack = await startHandDriven(c.deployment, c, {
      sequencer: proposer,
      challenger: c.signers[2],
      maxBatchSteps: MAX_STEPS,
      dataMode,
      blobArchiveUrl: archive?.url,
    });
  } catch (error) {
    await archive?.stop();
    throw error;
  }
  const { rollup, bridge, domain } = stack.context;
  const seq = stack.parties.sequencer;
  const config = await rollup.config();
  const wallets = await fundedWallets(c, "optimistic", w.users, w.funding + GAS_MONEY);
  const ledger = new PartLedger(c.provider);
  const nonces = wallets.map(() => 0);
  const send = async (tx: L2Tx) => {
    const receipt = await seq.submit(bytesToHex(encodeTx(tx)));
    if (receipt.status !== "soft-confirmed")
      throw new CompareOutcomeError(`the sequencer answered ${receipt.status}`);
  };

  try {
    // Entry: deposits through the bridge, committed and finalized.
    await ledger.during("entry", async () => {
      for (const x of wallets) {
        await bridge.depositEth(x, {
          rollup: rollup.address,
          to: ownerOfAddress(x.address),
          amount: w.funding,
        });
      }
      await finalizeTip(c, seq, config, await commitAll(seq));
    });
    const index = wallets.map((x) => {
      const found = seq.findAccount(ownerOfAddress(x.address), ETH_ID);
      if (found === undefined) throw new CompareOutcomeError(`no Layer-2 account for ${x.address}`);
      return found;
    });

    // Transfers: soft-confirmed one by one, committed, final once the window has passed.
    const soft: Sample[] = [];
    const sent: { at: number; block: number }[] = [];
    let blocksWhileSending = 0;
    let transferBatches = 0;
    const final = await ledger.during("transfers", async () => {
      const first = await blockNumber(c.provider);
      const run = await sendTransfers(c, w, domain, { wallets, index, nonces }, send);
      soft.push(...run.soft);
      sent.push(...run.sent);
      blocksWhileSending = (await blockNumber(c.provider)) - first;
      const committed = await commitAll(seq);
      transferBatches = committed.length;
      const settled = await finalizeTip(c, seq, config, committed);
      return sent.map((s) => ({
        ms: settled.at - s.at,
        blocks: settled.block - s.block,
        skippedSeconds: settled.skippedSeconds,
      }));
    });

    // Exit: one withdrawal, refused while the window is open, then paid once.
    const newFollower = () => stack.context.newFollower();
    const r: Rollup = { seq, rollup, bridge, domain, config, proposer, newFollower };
    const out = await ledger.during("exit", () => withdraw(w, c, r, { index, nonces, wallets }));
    const node = await newFollower();
    await node.sync();
    const state = node.machineAfter(node.tip.index)!.l2;
    return {
      id: "optimistic",
      label: OPTIMISTIC_LABELS[dataMode],
      gas: ledger.gas,
      blobGas: ledger.blobGas,
      transactions: ledger.transactions,
      soft: medianLatency(soft),
      final: medianLatency(final),
      withdrawal: out.latency,
      withdrawalWaitSeconds: out.waitSeconds,
      milestones: {
        soft: "the sequencer's receipt (soft-confirmed: a promise, no Layer-1 block yet)",
        final: "the batch finalized on Layer 1 once its challenge window passed (finalize)",
        withdrawal: "the bridge pays the withdrawal proven into the final batch (finalizeWithdrawal)",
      },
      parameters: {
        dataMode,
        maxBatchSteps: MAX_STEPS,
        challengeWindowSeconds: config.challengeWindow,
        proposerBond: `${formatEther(config.proposerBond)} ETH`,
      },
      pieces: { transferBatches },
      trust: trust(config.challengeWindow),
      outcomes: {
        balances: {
          held:
            dataMode === "blobs"
              ? "Layer-2 balances rebuilt from Layer 1 and the blobs it commits to; the withdrawal paid by the bridge"
              : "Layer-2 balances rebuilt from Layer-1 calldata alone; the withdrawal paid by the bridge",
          expected: balancesAfterWithdrawal(w),
          actual: index.map((i) => state.account(i)!.balance),
        },
        withdrawal: out.withdrawal,
        blocksDuringTransfers: blocksWhileSending,
      },
      notes: [
        `the ${w.transfers.length} transfers went into ${transferBatches} batch${transferBatches === 1 ? "" : "es"}`,
      ],
    };
  } finally {
    await stack.stop();
    await archive?.stop();
  }
}

export interface Rollup {
  seq: Sequencer;
  rollup: RollupClient;
  bridge: BridgeClient;
  domain: L2Domain;
  config: RollupConfig;
  proposer: Signer;
  /** A node that rebuilds the chain from Layer 1 (and, for blob batches, the archive). */
  newFollower(): Promise<ChainFollower>;
}

/** The workload's users on a rollup's Layer 2. */
export interface Users {
  wallets: readonly (Signer & { readonly address: string })[];
  /** Each user's Layer-2 account, and its next nonce. */
  index: number[];
  nonces: number[];
}

/**
 * Signs the workload's transfers, each by its payer at its next nonce, and hands them to `send` one by
 * one, each timed from hand-over to its receipt (the soft confirmation); when, and at which block, each
 * was sent.
 */
export async function sendTransfers(
  c: CompareChain,
  w: Workload,
  domain: L2Domain,
  { wallets, index, nonces }: Users,
  send: (tx: L2Tx) => Promise<void>,
): Promise<{ soft: Sample[]; sent: { at: number; block: number }[] }> {
  const soft: Sample[] = [];
  const sent: { at: number; block: number }[] = [];
  for (const t of w.transfers) {
    const from = index[t.from];
    const m = { from, to: index[t.to], amount: t.amount, nonce: nonces[t.from]++ };
    const signature = await domain.signTransfer(wallets[t.from], m);
    const { at, block, sample } = await timed(c.provider, () =>
      send({ kind: "transfer", from, to: m.to, amount: t.amount, signature }),
    );
    soft.push(sample);
    sent.push({ at, block });
  }
  return { soft, sent };
}

/** The withdrawal: signed, committed, refused inside the window, paid after it, refused a second time. */
async function withdraw(w: Workload, c: CompareChain, r: Rollup, { wallets, index, nonces }: Users) {
  const user = w.withdrawal.user;
  const wallet = wallets[user];
  const recipient = wallet.address;
  const first = await blockNumber(c.provider);
  const started = now();
  const m = { from: index[user], recipient, amount: w.withdrawal.amount, nonce: nonces[user]++ };
  const signature = await r.domain.signWithdraw(wallet, m);
  await r.seq.submit(bytesToHex(encodeTx({ kind: "withdraw", ...m, signature })));
  const committed = await commitAll(r.seq);
  const batch = tipOf(committed);

  // The user's own node rebuilds the batch from Layer 1 and proves the withdrawal into it.
  const node = await r.newFollower();
  await node.sync();
  const leaf = node
    .withdrawalsOf(batch.index)
    .findIndex((x) => x.recipient.toLowerCase() === recipient.toLowerCase() && x.amount === m.amount);
  if (leaf < 0) throw new CompareOutcomeError(`batch ${batch.index} owes ${recipient} no withdrawal`);
  const payout = () =>
    r.bridge.finalizeWithdrawal(wallet, {
      rollup: r.rollup.address,
      batchIndex: batch.index,
      withdrawal: node.withdrawalsOf(batch.index)[leaf],
      proof: node.withdrawalProof(batch.index, leaf),
    });
  const earlyAttempt = await revertName(payout());
  const closesAt = await windowCloses(r, batch.index);
  const settled = await finalizeTip(c, r.seq, r.config, committed);

  const { receipt: paidReceipt, paid } = await paidTo(c.provider, recipient, payout);
  const latency = {
    ms: now() - started,
    blocks: paidReceipt.blockNumber - first,
    skippedSeconds: settled.skippedSeconds,
  };
  return {
    latency,
    waitSeconds: closesAt - batch.committedAt,
    withdrawal: {
      recipient,
      amount: w.withdrawal.amount,
      paid,
      earlyAttempt,
      secondAttempt: await revertName(payout()),
    },
  };
}

/**
 * When the rollup says batch `batchIndex`'s window closes: its refusal to finalize it any earlier (asked
 * with eth_call, so the probe mines nothing and costs nothing).
 */
export async function windowCloses(r: Rollup, batchIndex: number): Promise<number> {
  const contract = r.rollup.contract.connect(r.proposer);
  try {
    await withDecodedRevert(() => contract.finalize.staticCall(batchIndex), contract.interface);
  } catch (error) {
    if (error instanceof ContractRevertError && error.errorName === "OptimisticChallengeWindowOpen") {
      return Number(error.errorArgs[1]);
    }
    throw error;
  }
  throw new CompareOutcomeError(`batch ${batchIndex} was finalized inside its challenge window`);
}

/** A batch the sequencer committed: its index, and when (its block's timestamp) its window opened. */
export interface Committed {
  index: number;
  committedAt: number;
}

/**
 * Commits everything the sequencer holds, deposits included (it pulls them from the bridge in its round),
 * a batch per round (a batch takes at most its maximum steps). Returns the batches, from its events.
 */
export async function commitAll(seq: Sequencer): Promise<Committed[]> {
  const committed: Committed[] = [];
  do {
    const events = await sequencerRound(seq, true);
    for (const { batchIndex } of events.filter(ofType("batchCommitted"))) {
      const read = events.find(ofType("batchRead", (e) => e.batchIndex === batchIndex));
      if (!read) throw new CompareOutcomeError(`batch ${batchIndex} was committed but never read back`);
      committed.push({ index: batchIndex, committedAt: read.committedAt });
    }
  } while (seq.pendingCount > 0);
  return committed;
}

export function tipOf(committed: readonly Committed[]): Committed {
  const tip = committed.at(-1);
  if (!tip) throw new CompareOutcomeError("the sequencer committed no batch");
  return tip;
}

/**
 * Moves the clock to the end of the window of the last batch `committed`; the sequencer's next round
 * finalizes it. Returns when (wall-clock) and in which block, and the chain seconds skipped.
 */
async function finalizeTip(
  c: CompareChain,
  seq: Sequencer,
  config: RollupConfig,
  committed: readonly Committed[],
): Promise<{ at: number; block: number; skippedSeconds: number }> {
  const tip = tipOf(committed);
  const skippedSeconds = await skipTo(c.provider, tip.committedAt + config.challengeWindow);
  const finalized = (await sequencerRound(seq, false)).filter(ofType("batchFinalized"));
  if (!finalized.some((e) => e.batchIndex >= tip.index)) {
    throw new CompareOutcomeError(`batch ${tip.index} is not final after its challenge window`);
  }
  return { at: now(), block: await blockNumber(c.provider), skippedSeconds };
}
