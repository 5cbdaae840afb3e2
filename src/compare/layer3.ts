// The workload on Layer 3 (`npm run compare`), for real: Strata's optimistic rollup deployed on the
// sidechain's own node (deployLayer3, src/sidechain/layer3.ts), its sequencer and challenger in this
// process against that node, the sidechain's four validators as in src/compare/sidechain.ts.
// - entry: each user deposits its funding into the sidechain on Layer 1 and the validators mint it as
//   sETH; the Layer 3 is deployed on the sidechain (it takes sETH, which the first deposit created); each
//   user deposits its sETH into the Layer-3 bridge, and the Layer-3 sequencer commits the deposits;
// - transfers: EIP-712-signed transfers (the Layer-3 domain: chain 31338) to the Layer-3 sequencer, whose
//   receipt is the soft confirmation; it commits them on the sidechain (sidechain gas); the Layer-3 window
//   passes in the sidechain's real time (LAYER3_TIMING: 10 s, as in test/e2e/layer3.test.ts) and the
//   sequencer finalizes the batch on the sidechain; a transfer is final on Layer 1 once a checkpoint
//   covering that finalize is accepted there;
// - exit: user 0 signs a Layer-3 withdrawal to its sidechain address; the Layer-3 bridge refuses to pay it
//   inside the window, pays the sETH on the sidechain after it; then the user burns it on the ChildBridge
//   and Layer 1's bridge pays it once a checkpoint covers the burn: both hops, one after the other.
// Layer-1 gas is what Layer 1 mined during each part: the users' deposits and exit, and the checkpoints.
import { createLogger } from "../common/logger";
import type { Logger } from "../common/logger";
import { revertName } from "../common/outcomes";
import { sequencerRound } from "../bench/optimistic";
import { ofType } from "../common/events";
import type { RollupTiming } from "../optimistic/config";
import type { InProcessOptimisticStack } from "../optimistic/stack";
import { startOptimisticStack } from "../optimistic/stack";
import { MAX_STEPS } from "../optimistic/steps";
import { bytesToHex } from "../shared/bytes";
import { encodeTx } from "../shared/codec";
import type { L2Tx } from "../shared/types";
import { ownerOfAddress } from "../shared/types";
import { deployLayer3 } from "../sidechain/layer3";
import type { CompareChain, Sample } from "./chain";
import { PartLedger, blockNumber, medianLatency, now } from "./chain";
import { CompareOutcomeError } from "./errors";
import type { Committed, Rollup } from "./optimistic";
import { commitAll, sendTransfers, tipOf, windowCloses } from "./optimistic";
import type { SidechainWorld } from "./sidechain";
import {
  SIDECHAIN_TRUST,
  depositIntoSidechain,
  exitSidechain,
  sETHOf,
  sidechainUsers,
  startSidechainWorld,
  waitFor,
  waitForCheckpoint,
  worldOn,
} from "./sidechain";
import type { DesignMeasurement } from "./types";
import type { Workload } from "./workload";
import { balancesAfterWithdrawal } from "./workload";

/** The Layer 3's windows, in the sidechain's real time (a block a second): short enough to wait out. */
export const LAYER3_TIMING: RollupTiming = { challengeWindow: 10, inclusionWindow: 30, gameClock: 60 };

const LAYER3_TRUST = [
  "safety: the sidechain's stake (more than 2/3 honest) and one honest Layer-3 challenger. The challenger, " +
    "following the sidechain, disputes a false Layer-3 batch within the challenge window (7 days in " +
    `production; ${LAYER3_TIMING.challengeWindow} s in this local run): that protects users against the ` +
    "Layer-3 sequencer only, and its transactions must be included by the sidechain within the window",
  "everything beneath is the sidechain's: the Layer 3's escrow is a balance of sETH on the sidechain's " +
    "ledger, which validators holding more than 2/3 of the stake can forge, and no Layer-3 fraud proof " +
    "reaches Layer 1",
  ...SIDECHAIN_TRUST.slice(1),
];

export async function runLayer3(w: Workload, c: CompareChain, logger?: Logger): Promise<DesignMeasurement> {
  const quiet = logger ?? createLogger({ scope: "compare:layer3", level: "warn" });
  const world = await startSidechainWorld(worldOn(c, quiet));
  let stack: InProcessOptimisticStack | undefined;
  try {
    const users = await sidechainUsers(c, world, "layer3", w);
    const ledger = new PartLedger(c.provider);

    // Entry: Layer 1 → sidechain (state sync), the Layer 3 deployed on sETH, sidechain → Layer 3.
    const entered = await ledger.during("entry", async () => {
      await depositIntoSidechain(world, users.layer1, w.funding);
      const token = await sETHOf(world.ctx);
      const layer3 = await deployLayer3(world.deployer, {
        token: await token.getAddress(),
        timing: LAYER3_TIMING,
        logger: quiet,
      });
      const [sequencer, challenger] = [1, 2].map((i) => world.provider.getSigner(i));
      stack = await startOptimisticStack(layer3.deployment, world.provider, {
        kind: "in-process",
        sequencer: await sequencer,
        challenger: await challenger,
        maxBatchSteps: MAX_STEPS,
        run: false,
        withdrawCredit: false,
        logger: quiet,
      });
      const { bridge, rollup } = stack.context;
      for (const x of users.sidechain) {
        await bridge.depositErc20(x, {
          rollup: rollup.address,
          token: await token.getAddress(),
          to: ownerOfAddress(x.address),
          amount: w.funding,
        });
      }
      await commitAll(stack.parties.sequencer);
      return { token, tokenId: layer3.tokenId, stack };
    });
    const { token, tokenId } = entered;
    const l3 = entered.stack;
    const seq = l3.parties.sequencer;
    const { rollup, bridge, domain } = l3.context;
    const config = await rollup.config();
    const index = users.sidechain.map((x) => {
      const found = seq.findAccount(ownerOfAddress(x.address), tokenId);
      if (found === undefined) throw new CompareOutcomeError(`no Layer-3 account for ${x.address}`);
      return found;
    });
    const nonces = users.sidechain.map(() => 0);
    const send = async (tx: L2Tx) => {
      const receipt = await seq.submit(bytesToHex(encodeTx(tx)));
      if (receipt.status !== "soft-confirmed")
        throw new CompareOutcomeError(`the Layer-3 sequencer answered ${receipt.status}`);
    };

    // Transfers: soft-confirmed by the Layer-3 sequencer, committed and finalized on the sidechain,
    // final on Layer 1 once a checkpoint covers the finalize.
    const soft: Sample[] = [];
    let blocksWhileSending = 0;
    let transferBatches = 0;
    const final = await ledger.during("transfers", async () => {
      const first = await blockNumber(c.provider);
      const { soft: samples, sent } = await sendTransfers(
        c,
        w,
        domain,
        { wallets: users.sidechain, index, nonces },
        send,
      );
      soft.push(...samples);
      blocksWhileSending = (await blockNumber(c.provider)) - first;
      const committed = await commitAll(seq);
      transferBatches = committed.length;
      const settled = await finalizeOnLayer1(world, seq, committed);
      return sent.map((s) => ({ ms: settled.at - s.at, blocks: settled.block - s.block }));
    });

    // Exit: Layer 3 → sidechain (after the Layer-3 window), then sidechain → Layer 1 (after a checkpoint).
    const who = w.withdrawal.user;
    const r: Rollup = {
      seq,
      rollup,
      bridge,
      domain,
      config,
      proposer: await world.provider.getSigner(1),
      newFollower: () => l3.context.newFollower(),
    };
    const out = await ledger.during("exit", async () => {
      const started = { at: now(), block: await blockNumber(c.provider) };
      const wallet = users.sidechain[who];
      const recipient = wallet.address;
      const m = { from: index[who], recipient, amount: w.withdrawal.amount, nonce: nonces[who]++ };
      const signature = await domain.signWithdraw(wallet, m);
      await send({ kind: "withdraw", ...m, signature });
      const committed = await commitAll(seq);
      const batch = tipOf(committed);
      const node = await r.newFollower();
      await node.sync();
      const leaf = node
        .withdrawalsOf(batch.index)
        .findIndex((x) => x.recipient.toLowerCase() === recipient.toLowerCase() && x.amount === m.amount);
      if (leaf < 0) throw new CompareOutcomeError(`Layer-3 batch ${batch.index} owes ${recipient} nothing`);
      const payout = () =>
        bridge.finalizeWithdrawal(wallet, {
          rollup: rollup.address,
          batchIndex: batch.index,
          withdrawal: node.withdrawalsOf(batch.index)[leaf],
          proof: node.withdrawalProof(batch.index, leaf),
        });
      const earlyAttempt = await revertName(payout());
      const closesAt = await windowCloses(r, batch.index);
      await waitFinalOnSidechain(seq, batch);
      const before = await token.balanceOf(recipient);
      await payout();
      const paidOnSidechain = (await token.balanceOf(recipient)) - before;
      if (paidOnSidechain !== w.withdrawal.amount) {
        throw new CompareOutcomeError(
          `the Layer-3 bridge paid ${paidOnSidechain}, not ${w.withdrawal.amount}`,
        );
      }
      const secondOnSidechain = await revertName(payout());
      const exit = await exitSidechain(
        world,
        { layer1: users.layer1[who], sidechain: wallet },
        w.withdrawal.amount,
        started,
      );
      return {
        exit,
        waitSeconds: closesAt - batch.committedAt,
        earlyAttempt,
        secondOnSidechain,
      };
    });
    const node = await r.newFollower();
    await node.sync();
    const state = node.machineAfter(node.tip.index)!.l2;

    return {
      id: "layer3",
      label: "Layer 3 (optimistic, on the sidechain)",
      gas: ledger.gas,
      blobGas: ledger.blobGas,
      transactions: ledger.transactions,
      soft: medianLatency(soft),
      final: medianLatency(final),
      withdrawal: out.exit.latency,
      withdrawalWaitSeconds: out.waitSeconds + out.exit.waitSeconds,
      milestones: {
        soft: "the Layer-3 sequencer's receipt (no block on either chain yet)",
        final:
          "the Layer-3 batch finalized on the sidechain after its window, and a checkpoint covering that " +
          "block accepted on Layer 1",
        withdrawal:
          "the Layer-3 bridge pays sETH on the sidechain after the window; the user burns it, and Layer 1 " +
          "pays once a checkpoint covers the burn",
      },
      parameters: {
        layer3ChallengeWindowSeconds: config.challengeWindow,
        layer3ChainId: Number((await world.provider.getNetwork()).chainId),
        validators: world.stack.validators.length,
      },
      pieces: { transferBatches },
      trust: LAYER3_TRUST,
      outcomes: {
        balances: {
          held:
            "Layer-3 balances rebuilt from the sidechain's calldata alone; the withdrawal paid on the sidechain " +
            "by the Layer-3 bridge, then on Layer 1 on a checkpoint's word",
          expected: balancesAfterWithdrawal(w),
          actual: index.map((i) => state.account(i)!.balance),
        },
        withdrawal: { ...out.exit.withdrawal, earlyAttempt: out.earlyAttempt },
        blocksDuringTransfers: blocksWhileSending,
      },
      notes: [
        `the ${w.transfers.length} transfers went into ${transferBatches} Layer-3 batch` +
          `${transferBatches === 1 ? "" : "es"}, committed on the sidechain (its gas, not Layer 1's)`,
        `the Layer-3 bridge refused the payout inside the window (${out.earlyAttempt ?? "no refusal"}) and ` +
          `a second one after it (${out.secondOnSidechain ?? "not refused"}); Layer 1 refused a second exit ` +
          `(${out.exit.withdrawal.secondAttempt ?? "not refused"})`,
      ],
    };
  } finally {
    await stack?.stop();
    await world.stop();
  }
}

/** Polls the Layer-3 sequencer's rounds until it has finalized `batch` (its window runs in real time). */
async function waitFinalOnSidechain(
  seq: InProcessOptimisticStack["parties"]["sequencer"],
  batch: Committed,
): Promise<void> {
  await waitFor(async () => {
    const finalized = (await sequencerRound(seq, false)).filter(ofType("batchFinalized"));
    return finalized.some((e) => e.batchIndex >= batch.index) ? true : undefined;
  }, `Layer-3 batch ${batch.index} final on the sidechain`);
}

/**
 * Waits for the last batch `committed` to be final on the sidechain, then for a checkpoint covering the
 * sidechain block that finalized it to be accepted on Layer 1: when (wall-clock), and in which Layer-1 block.
 */
async function finalizeOnLayer1(
  world: SidechainWorld,
  seq: InProcessOptimisticStack["parties"]["sequencer"],
  committed: readonly Committed[],
): Promise<{ at: number; block: number }> {
  await waitFinalOnSidechain(seq, tipOf(committed));
  const finalizedIn = await world.provider.getBlockNumber();
  const block = await waitForCheckpoint(world.ctx, finalizedIn);
  return { at: now(), block };
}
