// The workload on the sidechain (`npm run compare`), for real: the sidechain is its own node (Anvil on its
// own port, chain 31338, a block a second: src/sidechain/node.ts), Layer 1 is the comparison's chain, and
// four validators (local accounts #10-#13, 10 ETH of stake each) run in this process (startSidechainStack,
// LOCAL_CHECKPOINT_RULE: a checkpoint every 8 sidechain blocks, 2 blocks after its end), following both.
// - entry: each user deposits its funding into the sidechain's queue on Layer 1's Bridge; the validators
//   attest the deposits (state sync) and the ChildBridge mints sETH (the ChildToken of token id 0);
// - transfers: plain ERC-20 transfers of sETH between the users, signed and sent to the sidechain's node
//   (sidechain gas, paid in the sidechain's own coin); soft confirmation = the sidechain block that holds
//   the transfer; final = the checkpoint covering that block accepted on Layer 1. The part runs until the
//   last transfer is final, so the checkpoints it bills are those that made its transfers final;
// - exit: user 0 burns its withdrawal on the ChildBridge; the bridge refuses to pay it before a checkpoint
//   covers the burn; once one is accepted, `exitBurn` proves the burn into it and the bridge pays, once.
// Checkpoints are periodic, not per transaction: every Layer-1 transaction mined during a part (the
// checkpoints the validators submit, the users' deposits and exit) is billed to it, as for every design.
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import type { Signer } from "ethers";
import { JsonRpcProvider, Wallet, parseUnits } from "ethers";
import type { ChildToken } from "../../typechain-types";
import { Bridge__factory, ChildToken__factory } from "../../typechain-types";
import type { RpcProvider } from "../bench/chain";
import { setBalance } from "../bench/chain";
import { median } from "../bench/figures";
import { withDecodedRevert } from "../common/errors";
import type { Logger } from "../common/logger";
import { createLogger } from "../common/logger";
import { revertName } from "../common/outcomes";
import { ANVIL, freePort, localAccountKey, stopGroup } from "../common/processes";
import { ownerOfAddress } from "../shared/types";
import { LOCAL_VALIDATOR_STAKE, bootstrapSidechain } from "../sidechain/bootstrap";
import type { SidechainContext } from "../sidechain/chains";
import { sidechainContext } from "../sidechain/chains";
import type { ChildBurn } from "../sidechain/child-bridge";
import { checkpointCovering, exitBurn } from "../sidechain/exits";
import { SIDECHAIN_BLOCK_TIME_S, SIDECHAIN_CHAIN_ID, startSidechainNode } from "../sidechain/node";
import type { SidechainStack } from "../sidechain/stack";
import { LOCAL_CHECKPOINT_RULE, startSidechainStack } from "../sidechain/stack";
import type { CompareChain, Sample } from "./chain";
import { GAS_MONEY, PartLedger, blockNumber, fundedWallets, medianLatency, now, paidTo } from "./chain";
import { CompareConfigError, CompareOutcomeError } from "./errors";
import type { DesignMeasurement, Latency } from "./types";
import type { Workload } from "./workload";
import { balancesAfterWithdrawal } from "./workload";

/** The validators: local accounts #10-#13 (funded on Hardhat's and Anvil's chains alike). */
export const COMPARE_VALIDATOR_KEYS = [10, 11, 12, 13].map(localAccountKey);
/** The sidechain's coin each user holds there to pay its gas (it is not Layer-1 ETH). */
const SIDECHAIN_GAS_MONEY = 100n * 10n ** 18n;
/** How often the runner polls both chains for what the validators did. */
const POLL_MS = 100;
/** The longest a state sync or a checkpoint may take before the run gives up. */
const WAIT_MS = 120_000;
const ETH_ID = 0;
/** The fees a transfer offers on the sidechain (its base fee starts at 1 gwei on a local node). */
const TRANSFER_MAX_FEE = parseUnits("50", "gwei");
const TRANSFER_PRIORITY_FEE = parseUnits("1", "gwei");

export const SIDECHAIN_TRUST = [
  "safety: more than 2/3 of the validators' stake is honest. Layer 1 checks their signatures on each " +
    "checkpoint, never the sidechain's history: validators holding more than 2/3 of the stake can sign a " +
    "checkpoint paying a withdrawal that never happened and take the escrow, or a state sync minting sETH " +
    "never deposited (the quorum theft in test/e2e/sidechain.test.ts); an equivocating validator is slashed",
  "liveness: the same quorum, to attest deposits (state sync) and to checkpoint burns; without it nothing " +
    "enters or leaves, and there is no Layer-1 escape hatch",
];

/** Whether the sidechain's node can run here (Anvil comes from an optional, Linux x64-only dependency). */
export function sidechainAvailable(): boolean {
  return existsSync(ANVIL);
}

/** A sidechain beside the comparison's Layer 1: its node, both sides' contracts, its running validators. */
export interface SidechainWorld {
  ctx: SidechainContext;
  /** The sidechain's node (cacheTimeout -1: every read asks the node). */
  provider: JsonRpcProvider;
  /** The sidechain's account #0 (it deployed the ChildBridge). */
  deployer: Signer;
  stack: SidechainStack;
  stop(): Promise<void>;
}

/** Where a sidechain is set up: Layer 1's node, its bridge, and the bridge's owner (who registers the sidechain). */
export interface SidechainWorldOptions {
  layer1: RpcProvider;
  layer1Deployer: Signer;
  bridge: string;
  logger?: Logger;
}

/**
 * Starts a sidechain node, deploys both sides (bootstrapSidechain: the `Sidechain` registered with
 * `bridge`, four validators staked, the ChildBridge) and starts the four validators in this process.
 */
export async function startSidechainWorld(o: SidechainWorldOptions): Promise<SidechainWorld> {
  if (!sidechainAvailable()) {
    throw new CompareConfigError(`the sidechain's node is Anvil, and there is none at ${ANVIL}`);
  }
  const port = await freePort();
  const node: ChildProcess = await startSidechainNode(port);
  const provider = new JsonRpcProvider(`http://127.0.0.1:${port}`, undefined, {
    cacheTimeout: -1,
    pollingInterval: POLL_MS,
  });
  let stack: SidechainStack | undefined;
  const stopNode = async () => {
    provider.destroy();
    await stopGroup(node);
  };
  try {
    const deployer = new Wallet(localAccountKey(0), provider);
    const addresses = await bootstrapSidechain({
      layer1Deployer: o.layer1Deployer,
      sidechainDeployer: deployer,
      bridge: o.bridge,
      validators: COMPARE_VALIDATOR_KEYS.map((key) => new Wallet(key, o.layer1)),
      fund: true,
      logger: o.logger,
    });
    const ctx = sidechainContext(o.layer1, provider, addresses);
    stack = await startSidechainStack(ctx, {
      kind: "in-process",
      keys: COMPARE_VALIDATOR_KEYS,
      rule: LOCAL_CHECKPOINT_RULE,
      pollMs: 200,
      logger: o.logger,
    });
    const running = stack;
    return {
      ctx,
      provider,
      deployer,
      stack: running,
      async stop() {
        try {
          await running.stop();
        } finally {
          await stopNode();
        }
      },
    };
  } catch (error) {
    await stack?.stop();
    await stopNode();
    throw error;
  }
}

/** The comparison's Layer 1 as a sidechain's: its provider, the suite's bridge, signer 0 (the bridge's owner). */
export function worldOn(c: CompareChain, logger: Logger): SidechainWorldOptions {
  return { layer1: c.provider, layer1Deployer: c.signers[0], bridge: c.deployment.contracts.Bridge, logger };
}

/** Polls `read` until it gives something other than undefined (at most WAIT_MS). */
export async function waitFor<T>(
  read: () => Promise<T | undefined>,
  what: string,
  pollMs = POLL_MS,
): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new CompareOutcomeError(`${what}: not within ${WAIT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Until the ChildBridge has minted the first `count` deposits of the sidechain's queue. */
export function waitForStateSync(ctx: SidechainContext, count: number): Promise<true> {
  return waitFor(
    async () => ((await ctx.child.syncedCount()) >= BigInt(count) ? true : undefined),
    `the validators' state sync of ${count} deposits`,
  );
}

/** Until an accepted checkpoint covers sidechain block `block`; the Layer-1 block that accepted it. */
export function waitForCheckpoint(ctx: SidechainContext, block: number, pollMs = POLL_MS): Promise<number> {
  return waitFor(
    async () => {
      if ((await ctx.root.nextStartBlock()) <= BigInt(block)) return undefined;
      return ctx.layer1.getBlockNumber();
    },
    `a checkpoint covering sidechain block ${block}`,
    pollMs,
  );
}

/** The sidechain's sETH (the ChildToken of token id 0), once the first deposit created it. */
export async function sETHOf(ctx: SidechainContext): Promise<ChildToken> {
  const token = await ctx.child.childToken(ETH_ID);
  return ChildToken__factory.connect(token, ctx.sidechain);
}

/** Users with deterministic keys: funded on Layer 1 (their funding and gas) and with gas on the sidechain. */
export async function sidechainUsers(
  c: CompareChain,
  world: SidechainWorld,
  design: string,
  w: Workload,
): Promise<{ layer1: Wallet[]; sidechain: Wallet[] }> {
  const layer1 = await fundedWallets(c, design, w.users, w.funding + GAS_MONEY);
  const sidechain = layer1.map((x) => new Wallet(x.privateKey, world.provider));
  for (const x of sidechain) await setBalance(world.provider, x.address, SIDECHAIN_GAS_MONEY);
  return { layer1, sidechain };
}

/** Each user deposits `amount` into the sidechain on Layer 1; resolves once the validators have minted it all. */
export async function depositIntoSidechain(
  world: SidechainWorld,
  users: readonly Wallet[],
  amount: bigint,
): Promise<void> {
  const { ctx } = world;
  const before = Number(await ctx.child.syncedCount());
  for (const x of users) {
    await ctx.bridge.depositEth(x, { rollup: ctx.root.address, to: ownerOfAddress(x.address), amount });
  }
  await waitForStateSync(ctx, before + users.length);
}

/**
 * Burns `amount` of `user`'s sETH for its own Layer-1 address, probes the bridge before any checkpoint
 * covers the burn (a call: nothing mined), waits for one, pays it with `exitBurn`, and tries a second
 * payout. What it measured, and when the checkpoint that made it payable was accepted.
 */
export async function exitSidechain(
  world: SidechainWorld,
  user: { layer1: Wallet; sidechain: Wallet },
  amount: bigint,
  started: { at: number; block: number },
): Promise<{
  latency: Latency;
  waitSeconds: number;
  burn: ChildBurn;
  withdrawal: NonNullable<DesignMeasurement["outcomes"]["withdrawal"]>;
}> {
  const { ctx } = world;
  const recipient = user.layer1.address;
  const { burn } = await ctx.child.withdraw(user.sidechain, { tokenId: ETH_ID, amount, recipient });
  const earlyAttempt = await refusedBeforeCheckpoint(world, user.layer1, burn);
  const acceptedIn = await waitForCheckpoint(ctx, burn.blockNumber);
  const checkpoint = await checkpointCovering(ctx, burn.blockNumber);
  if (!checkpoint) throw new CompareOutcomeError(`no checkpoint covers the burn ${burn.index}`);
  // The contract's own wait: the root is final in the block that accepted it (no window).
  const finalAtAcceptance = await ctx.root.contract.finalizedWithdrawalRoot(checkpoint.number, {
    blockTag: acceptedIn,
  });
  if (finalAtAcceptance.toLowerCase() !== checkpoint.withdrawalRoot.toLowerCase()) {
    throw new CompareOutcomeError(
      `checkpoint ${checkpoint.number} was not final in the block that accepted it`,
    );
  }
  const { receipt, paid } = await paidTo(ctx.layer1, recipient, async () => {
    return (await exitBurn(ctx, user.layer1, burn)).receipt;
  });
  return {
    latency: { ms: now() - started.at, blocks: receipt.blockNumber - started.block, skippedSeconds: 0 },
    waitSeconds: 0,
    burn,
    withdrawal: {
      recipient,
      amount,
      paid,
      earlyAttempt,
      secondAttempt: await revertName(exitBurn(ctx, user.layer1, burn)),
    },
  };
}

/**
 * The bridge's refusal to pay `burn` before a checkpoint covers it: a call (nothing mined) of
 * `finalizeWithdrawal` on the checkpoint that will cover it, with the burn as its only leaf.
 */
async function refusedBeforeCheckpoint(
  world: SidechainWorld,
  user: Wallet,
  burn: ChildBurn,
): Promise<string | undefined> {
  const { ctx } = world;
  const bridge = Bridge__factory.connect(ctx.bridge.address, user);
  const next = await ctx.root.checkpointCount();
  if ((await ctx.root.nextStartBlock()) > BigInt(burn.blockNumber)) {
    throw new CompareOutcomeError(`a checkpoint covered the burn ${burn.index} before the probe`);
  }
  const leaf = { recipient: burn.recipient, tokenId: burn.tokenId, amount: burn.amount };
  return revertName(
    withDecodedRevert(
      () => bridge.finalizeWithdrawal.staticCall(ctx.root.address, next, leaf, 0, []),
      bridge.interface,
    ),
  );
}

/** Runs the workload on the sidechain (see the header). */
export async function runSidechain(
  w: Workload,
  c: CompareChain,
  logger?: Logger,
): Promise<DesignMeasurement> {
  const world = await startSidechainWorld(
    worldOn(c, logger ?? createLogger({ scope: "compare:sidechain", level: "warn" })),
  );
  try {
    const { ctx } = world;
    const users = await sidechainUsers(c, world, "sidechain", w);
    const ledger = new PartLedger(c.provider);

    // Entry: deposits on Layer 1, minted on the sidechain once the validators attest them.
    await ledger.during("entry", () => depositIntoSidechain(world, users.layer1, w.funding));
    const token = await sETHOf(ctx);

    // Transfers: every user signs its transfers (its nonces in order; signing is not timed, as for the
    // other designs), then they are sent one after another without waiting; soft = the sidechain block
    // that holds the transfer, final = the checkpoint covering that block accepted on Layer 1.
    const soft: Sample[] = [];
    const final: Sample[] = [];
    const sidechainGas: number[] = [];
    const sidechainBlocks = new Set<number>();
    const signed = await signTransfers(world, token, users.sidechain, w);
    const firstBlock = await blockNumber(c.provider);
    let blocksWhileSending = 0;
    let checkpointsDuringTransfers = 0;
    await ledger.during("transfers", async () => {
      const checkpointsBefore = await ctx.root.checkpointCount();
      const sent: { at: number; block: number; wait: Promise<{ blockNumber: number; gasUsed: bigint }> }[] =
        [];
      for (const raw of signed) {
        const block = await blockNumber(c.provider);
        const at = now();
        const hash = (await world.provider.send("eth_sendRawTransaction", [raw])) as string;
        sent.push({ at, block, wait: receiptOf(world.provider.waitForTransaction(hash)) });
      }
      const included: { blockNumber: number }[] = [];
      await Promise.all(
        sent.map(async (s, k) => {
          const receipt = await s.wait;
          soft[k] = { ms: now() - s.at, blocks: (await blockNumber(c.provider)) - s.block };
          included[k] = receipt;
          sidechainGas[k] = Number(receipt.gasUsed);
          sidechainBlocks.add(receipt.blockNumber);
        }),
      );
      blocksWhileSending = (await blockNumber(c.provider)) - firstBlock;
      // Final: each block's checkpoint, in order; a transfer is final once its block is covered on Layer 1.
      const coveredAt = new Map<number, { at: number; block: number }>();
      for (const b of [...sidechainBlocks].sort((x, y) => x - y)) {
        const block = await waitForCheckpoint(ctx, b);
        coveredAt.set(b, { at: now(), block });
      }
      sent.forEach((s, k) => {
        const covered = coveredAt.get(included[k].blockNumber)!;
        final[k] = { ms: covered.at - s.at, blocks: covered.block - s.block };
      });
      checkpointsDuringTransfers = Number((await ctx.root.checkpointCount()) - checkpointsBefore);
    });

    // Exit: user 0 burns, waits for a checkpoint over the burn, and is paid on Layer 1 once.
    const who = w.withdrawal.user;
    const started = { at: now(), block: await blockNumber(c.provider) };
    const out = await ledger.during("exit", () =>
      exitSidechain(
        world,
        { layer1: users.layer1[who], sidechain: users.sidechain[who] },
        w.withdrawal.amount,
        started,
      ),
    );
    const actual = await Promise.all(users.sidechain.map((x) => token.balanceOf(x.address)));

    return {
      id: "sidechain",
      label: "Sidechain",
      gas: ledger.gas,
      blobGas: ledger.blobGas,
      transactions: ledger.transactions,
      soft: medianLatency(soft),
      final: medianLatency(final),
      withdrawal: out.latency,
      withdrawalWaitSeconds: out.waitSeconds,
      milestones: {
        soft: "the sidechain block that holds the transfer (the sidechain's own consensus; no Layer-1 block)",
        final: "a checkpoint covering that block, signed by more than 2/3 of the stake, accepted on Layer 1",
        withdrawal: "the burn on the sidechain, then exitBurn on Layer 1 once a checkpoint covers it",
      },
      parameters: {
        validators: COMPARE_VALIDATOR_KEYS.length,
        stakePerValidator: `${Number(LOCAL_VALIDATOR_STAKE / 10n ** 18n)} ETH`,
        sidechainChainId: SIDECHAIN_CHAIN_ID,
        sidechainBlockSeconds: SIDECHAIN_BLOCK_TIME_S,
        checkpointSpanBlocks: LOCAL_CHECKPOINT_RULE.span,
        checkpointConfirmations: LOCAL_CHECKPOINT_RULE.confirmations,
      },
      pieces: {
        sidechainGasPerTransfer: median(sidechainGas),
        sidechainBlocksForTransfers: sidechainBlocks.size,
        checkpointsDuringTransfers,
      },
      trust: SIDECHAIN_TRUST,
      outcomes: {
        balances: {
          held: "sETH balances on the sidechain's ledger (as its validators attest it); the burn paid by Layer 1's bridge on a checkpoint's word",
          expected: balancesAfterWithdrawal(w),
          actual,
        },
        withdrawal: out.withdrawal,
        blocksDuringTransfers: blocksWhileSending,
      },
      notes: [
        `the ${w.transfers.length} transfers went into ${sidechainBlocks.size} sidechain block` +
          `${sidechainBlocks.size === 1 ? "" : "s"} (${median(sidechainGas).toLocaleString("en-US")} sidechain gas ` +
          `each, paid in the sidechain's coin); Layer 1 saw ${checkpointsDuringTransfers} checkpoint` +
          `${checkpointsDuringTransfers === 1 ? "" : "s"} while they ran, whose cost does not grow with the ` +
          "transfers: it is per checkpoint interval, so its share per transfer falls as traffic grows",
      ],
    };
  } finally {
    await world.stop();
  }
}

/** Each of the workload's transfers as a signed sETH `transfer` on the sidechain, in the workload's order. */
async function signTransfers(
  world: SidechainWorld,
  token: ChildToken,
  users: readonly Wallet[],
  w: Workload,
): Promise<string[]> {
  const chainId = (await world.provider.getNetwork()).chainId;
  const to = await token.getAddress();
  const nonces = await Promise.all(users.map((x) => world.provider.getTransactionCount(x.address)));
  const signed: string[] = [];
  for (const t of w.transfers) {
    signed.push(
      await users[t.from].signTransaction({
        type: 2,
        chainId,
        nonce: nonces[t.from]++,
        to,
        data: token.interface.encodeFunctionData("transfer", [users[t.to].address, t.amount]),
        gasLimit: 100_000,
        maxFeePerGas: TRANSFER_MAX_FEE,
        maxPriorityFeePerGas: TRANSFER_PRIORITY_FEE,
      }),
    );
  }
  return signed;
}

/** A sidechain receipt, or a run error if the transaction was dropped. */
async function receiptOf<T>(wait: Promise<T | null>): Promise<T> {
  const receipt = await wait;
  if (!receipt) throw new CompareOutcomeError("a sidechain transaction was dropped");
  return receipt;
}
