/**
 * The explorer's views of the sidechain (docs/sidechain.md), read from Layer 1's `Sidechain` contract:
 * the validators and their stake, the quorum a checkpoint needs (more than 2/3 of the active stake), every
 * accepted checkpoint with who signed it, and every slashing with its evidence. Layer 1 checks who signed a
 * checkpoint, never what it says: these views show exactly what Layer 1 knows.
 *
 * When the explorer is also given the sidechain's own node (`SidechainSource`), `/api/sidechain` adds what
 * the sidechain's `ChildBridge` shows: its head, the state syncs it received and the withdrawals it burned,
 * each with the checkpoint that covers it, and the range of the next checkpoint.
 *
 * The Layer 3 (docs/layer3.md) is Strata's optimistic rollup deployed on the sidechain: its record is its
 * own (network `layer3`, on the sidechain's chain) and nothing on Layer 1 or in the sidechain's record
 * points to it, so the explorer shows it only when given it (`Layer3Source`). `/api/layer3` shows what is
 * the Layer 3's own: where it lives, the sETH its bridge escrows (backed by the sidechain's validators, not
 * by Layer 1), its batches and challenge window; `layer3Routes` mounts any Layer-1 route set (the
 * optimistic rollup's) on it, under `/api/layer3/…`, read at the sidechain's head with the Layer-3 record.
 */
import type { TypedDataDomain } from "ethers";
import { Interface, getAddress, getBytes, hexlify, recoverAddress } from "ethers";
import type { Sidechain } from "../../typechain-types";
import {
  Bridge__factory,
  ChildBridge__factory,
  OptimisticRollup__factory,
  Sidechain__factory,
} from "../../typechain-types";
import type { Deployment } from "../common/deployments";
import { StrataError } from "../common/errors";
import type { RpcProvider } from "../common/layer1";
import type { Checkpoint } from "../sidechain/checkpoint";
import { checkpointDigest, checkpointDomain } from "../sidechain/checkpoint";
import { LAYER3_TOKEN } from "../sidechain/layer3";
import { LOCAL_CHECKPOINT_RULE } from "../sidechain/stack";
import { blockTime, receiptOf, transactionOf } from "./reads";
import type { ExplorerContext, ExplorerRoute } from "./route";
import { ExplorerNotFoundError, deployed, indexParam } from "./route";
import type {
  CheckpointFieldsView,
  EquivocationView,
  Layer3View,
  SidechainChainView,
  SidechainCheckpointView,
  SidechainValidatorStatus,
  SidechainValidatorView,
  SidechainView,
  SlashingView,
} from "./sidechain-views";

export type * from "./sidechain-views";

/**
 * What the explorer may be given besides Layer 1 to show the sidechain's own chain: the sidechain node's
 * provider and the sidechain's deployment record (`deployments/sidechain.json`, holding `ChildBridge`).
 * The composition root passes it with `withSidechainSources(sidechainRoutes, { sidechain: { provider:
 * new JsonRpcProvider(url), deployment } })`, which adds it to the context every route reads with.
 */
export interface SidechainSource {
  sidechain?: { provider: RpcProvider; deployment: Deployment };
}

/** How many checkpoints, state syncs and burns one answer lists in full (the newest). */
export const LIST_LIMIT = 50;

// -------------------------------------------------------------------------------------------------
// Pure parts
// -------------------------------------------------------------------------------------------------

/** The least stake that is more than two thirds of `total` (`Quorum.isSupermajority`: `signed * 3 > total * 2`). */
export function quorumStake(total: bigint): bigint {
  return (total * 2n) / 3n + 1n;
}

/** `part / whole` in basis points, rounded down (0 when `whole` is 0). */
export function shareBps(part: bigint, whole: bigint): number {
  return whole === 0n ? 0 : Number((part * 10_000n) / whole);
}

/** `ISidechain.Status` as the explorer names it: `None` for an address that staked once is `withdrawn`. */
export function validatorStatus(status: bigint): SidechainValidatorStatus {
  switch (status) {
    case 1n:
      return "active";
    case 2n:
      return "unbonding";
    case 3n:
      return "slashed";
    default:
      return "withdrawn";
  }
}

/** The signers of packed 64-byte compact signatures on `digest` (`Quorum.sol`'s packing), in order. */
export function recoverSigners(packed: string, digest: string): { address: string; signature: string }[] {
  const bytes = getBytes(packed);
  const signers: { address: string; signature: string }[] = [];
  for (let offset = 0; offset + 64 <= bytes.length; offset += 64) {
    const signature = hexlify(bytes.slice(offset, offset + 64));
    signers.push({ address: recoverAddress(digest, signature), signature });
  }
  return signers;
}

/** The number of the accepted checkpoint whose range holds sidechain block `block`, or null. */
export function coveringCheckpoint(
  block: number,
  checkpoints: readonly { number: number; startBlock: number; endBlock: number }[],
): number | null {
  const c = checkpoints.find((c) => c.startBlock <= block && block <= c.endBlock);
  return c ? c.number : null;
}

/**
 * One validator's view from its record at the head and its last `ValidatorUnbonded` (its block's time) and
 * `StakeWithdrawn` (the amount). Those are shown only while they describe where it stands: a validator
 * that withdrew and staked again is active, with no unbond time.
 */
export function validatorView(
  address: string,
  record: { stake: bigint; withdrawableAt: bigint; status: bigint },
  totalActive: bigint,
  last: { unbondedAt: number | null; withdrawn: bigint | null },
): SidechainValidatorView {
  const status = validatorStatus(record.status);
  const left = status === "unbonding" || status === "withdrawn";
  return {
    address,
    status,
    stake: record.stake.toString(),
    shareBps: status === "active" ? shareBps(record.stake, totalActive) : 0,
    unbondedAt: left ? last.unbondedAt : null,
    withdrawableAt: status === "unbonding" ? Number(record.withdrawableAt) : null,
    withdrawn: status === "withdrawn" && last.withdrawn !== null ? last.withdrawn.toString() : null,
  };
}

/** Active first, then unbonding, withdrawn and slashed; within each, the largest stake first, then by address. */
export function sortValidators(views: readonly SidechainValidatorView[]): SidechainValidatorView[] {
  const rank = { active: 0, unbonding: 1, withdrawn: 2, slashed: 3 } as const;
  return [...views].sort(
    (a, b) =>
      rank[a.status] - rank[b.status] ||
      (BigInt(b.stake) > BigInt(a.stake) ? 1 : BigInt(b.stake) < BigInt(a.stake) ? -1 : 0) ||
      (a.address.toLowerCase() < b.address.toLowerCase() ? -1 : 1),
  );
}

function fields(c: Checkpoint): CheckpointFieldsView {
  return {
    number: Number(c.number),
    startBlock: Number(c.startBlock),
    endBlock: Number(c.endBlock),
    endBlockHash: c.endBlockHash,
    withdrawalRoot: c.withdrawalRoot,
  };
}

function sameCheckpoint(a: CheckpointFieldsView, b: CheckpointFieldsView): boolean {
  return (
    a.number === b.number &&
    a.startBlock === b.startBlock &&
    a.endBlock === b.endBlock &&
    a.endBlockHash.toLowerCase() === b.endBlockHash.toLowerCase() &&
    a.withdrawalRoot.toLowerCase() === b.withdrawalRoot.toLowerCase()
  );
}

function checkpointOf(args: {
  number: bigint;
  startBlock: bigint;
  endBlock: bigint;
  endBlockHash: string;
  withdrawalRoot: string;
}): Checkpoint {
  return {
    number: args.number,
    startBlock: args.startBlock,
    endBlock: args.endBlock,
    endBlockHash: args.endBlockHash,
    withdrawalRoot: args.withdrawalRoot,
  };
}

// -------------------------------------------------------------------------------------------------
// Reading Layer 1
// -------------------------------------------------------------------------------------------------

const sidechainInterface = new Interface(Sidechain__factory.abi);

/** The `Sidechain` contract at the head, or a 404 when the deployment has none. */
function sidechainAt(ctx: ExplorerContext): Sidechain {
  return Sidechain__factory.connect(deployed(ctx, "Sidechain"), ctx.provider);
}

/** The EIP-712 domain the `Sidechain` contract's checkpoints are signed in. */
async function domainOf(ctx: ExplorerContext, sidechain: Sidechain) {
  return checkpointDomain((await ctx.provider.getNetwork()).chainId, await sidechain.getAddress());
}

/** The `CheckpointSubmitted` logs up to the head (only checkpoint `number`'s, if given), newest first. */
async function checkpointLogs(ctx: ExplorerContext, sidechain: Sidechain, number?: number) {
  const logs = await sidechain.queryFilter(sidechain.filters.CheckpointSubmitted(number), 0, ctx.head.number);
  return logs.reverse();
}

type CheckpointLog = Awaited<ReturnType<typeof checkpointLogs>>[number];

/** An accepted checkpoint in full: its event, its transaction's signers and gas, its block's time. */
async function describeCheckpoint(
  ctx: ExplorerContext,
  sidechain: Sidechain,
  domain: TypedDataDomain,
  log: CheckpointLog,
): Promise<SidechainCheckpointView> {
  const { args } = log;
  const checkpoint = checkpointOf(args);
  const digest = checkpointDigest(domain, checkpoint);
  const [tx, receipt, time] = await Promise.all([
    transactionOf(ctx, log.transactionHash),
    receiptOf(ctx, log.transactionHash, log.blockHash),
    blockTime(ctx, log.blockHash),
  ]);
  // The signers are in the calldata only: the event carries the stake they held, not who they are.
  const call = sidechainInterface.parseTransaction({ data: tx.data });
  const recovered = call?.name === "submitCheckpoint" ? recoverSigners(call.args[1] as string, digest) : [];
  const signers = await Promise.all(
    recovered.map(async ({ address, signature }) => {
      // The stake it held when the checkpoint was checked: at the end of the submission's block.
      const record = await sidechain.validator(address, { blockTag: log.blockNumber });
      return {
        address,
        stake: record.stake.toString(),
        shareBps: shareBps(record.stake, args.totalStake),
        signature,
      };
    }),
  );
  return {
    ...fields(checkpoint),
    digest,
    signers,
    signedStake: args.signedStake.toString(),
    totalStake: args.totalStake.toString(),
    signedBps: shareBps(args.signedStake, args.totalStake),
    submitter: getAddress(args.proposer),
    tx: log.transactionHash,
    block: log.blockNumber,
    gasUsed: receipt.gasUsed.toString(),
    time,
  };
}

async function readSlashings(
  ctx: ExplorerContext,
  sidechain: Sidechain,
  checkpoints: readonly CheckpointFieldsView[],
): Promise<SlashingView[]> {
  const logs = await sidechain.queryFilter(sidechain.filters.ValidatorSlashed(), 0, ctx.head.number);
  const domain = await domainOf(ctx, sidechain);
  const views = await Promise.all(
    logs.map(async (log): Promise<SlashingView> => {
      const [tx, time] = await Promise.all([
        transactionOf(ctx, log.transactionHash),
        blockTime(ctx, log.blockHash),
      ]);
      const call = sidechainInterface.parseTransaction({ data: tx.data });
      let evidence: EquivocationView | null = null;
      if (call?.name === "slash") {
        const a = checkpointOf(call.args[0]);
        const b = checkpointOf(call.args[2]);
        const accepted = checkpoints.find((c) => c.number === Number(a.number));
        evidence = {
          a: { ...fields(a), digest: checkpointDigest(domain, a), signature: call.args[1] as string },
          b: { ...fields(b), digest: checkpointDigest(domain, b), signature: call.args[3] as string },
          accepted: !accepted
            ? null
            : sameCheckpoint(accepted, fields(a))
              ? "a"
              : sameCheckpoint(accepted, fields(b))
                ? "b"
                : null,
        };
      }
      return {
        validator: getAddress(log.args.validator),
        slasher: getAddress(log.args.slasher),
        number: Number(log.args.number),
        reward: log.args.reward.toString(),
        burned: log.args.burned.toString(),
        evidence,
        tx: log.transactionHash,
        block: log.blockNumber,
        time,
      };
    }),
  );
  return views.sort((a, b) => b.block - a.block);
}

async function readValidators(
  ctx: ExplorerContext,
  sidechain: Sidechain,
  totalActive: bigint,
): Promise<SidechainValidatorView[]> {
  const range = [0, ctx.head.number] as const;
  const [staked, unbonded, withdrawn] = await Promise.all([
    sidechain.queryFilter(sidechain.filters.ValidatorStaked(), ...range),
    sidechain.queryFilter(sidechain.filters.ValidatorUnbonded(), ...range),
    sidechain.queryFilter(sidechain.filters.StakeWithdrawn(), ...range),
  ]);
  // The last event of each kind per validator (logs come in chain order).
  const lastUnbond = new Map(unbonded.map((l) => [getAddress(l.args.validator), l]));
  const lastWithdrawal = new Map(withdrawn.map((l) => [getAddress(l.args.validator), l]));
  const addresses = [...new Set(staked.map((l) => getAddress(l.args.validator)))];
  const views = await Promise.all(
    addresses.map(async (address): Promise<SidechainValidatorView> => {
      const record = await sidechain.validator(address, { blockTag: ctx.head.number });
      const unbond = lastUnbond.get(address);
      return validatorView(address, record, totalActive, {
        unbondedAt: unbond ? await blockTime(ctx, unbond.blockHash) : null,
        withdrawn: lastWithdrawal.get(address)?.args.amount ?? null,
      });
    }),
  );
  return sortValidators(views);
}

// -------------------------------------------------------------------------------------------------
// Reading the sidechain's own node
// -------------------------------------------------------------------------------------------------

/** The sidechain's node could not be read (unreachable, or not the chain of the record). */
export class SidechainChainError extends StrataError {}

/** How long the sidechain's node has to answer before the view says it does not. */
export const SIDECHAIN_READ_TIMEOUT_MS = 5_000;

/**
 * The sidechain's chain view, or what kept it from being read within `SIDECHAIN_READ_TIMEOUT_MS`: the
 * Layer-1 view stands without the sidechain's node, so its node being down or wrong is said, not thrown.
 */
async function readChainOrProblem(
  ...args: Parameters<typeof readChain>
): Promise<{ chain: SidechainChainView | null; problem: string | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new SidechainChainError(
            `the sidechain's node did not answer within ${SIDECHAIN_READ_TIMEOUT_MS} ms`,
          ),
        ),
      SIDECHAIN_READ_TIMEOUT_MS,
    );
  });
  try {
    return { chain: await Promise.race([readChain(...args), timeout]), problem: null };
  } catch (error) {
    return { chain: null, problem: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

async function readChain(
  source: NonNullable<SidechainSource["sidechain"]>,
  checkpoints: readonly CheckpointFieldsView[],
  nextNumber: number,
  nextStartBlock: number,
): Promise<SidechainChainView> {
  const { provider, deployment } = source;
  const address = deployment.contracts.ChildBridge;
  if (!address) throw new SidechainChainError("the sidechain's deployment record has no ChildBridge");
  const child = ChildBridge__factory.connect(address, provider);
  const head = await provider.getBlock("latest");
  if (!head?.hash) throw new SidechainChainError("the sidechain's node has no latest block");
  if ((await provider.getCode(address, head.number)) === "0x") {
    throw new SidechainChainError(`the sidechain's node has no ChildBridge at ${address} (another chain?)`);
  }
  const at = { blockTag: head.number };
  const [network, syncedCount, syncedHead, mirrorNonce, mirrorStake, burnCount, syncs, burns] =
    await Promise.all([
      provider.getNetwork(),
      child.syncedCount(at),
      child.syncedHead(at),
      child.validatorSetNonce(at),
      child.totalStake(at),
      child.burnCount(at),
      child.queryFilter(child.filters.DepositsSynced(), 0, head.number),
      child.queryFilter(child.filters.Burned(), 0, head.number),
    ]);
  const { span, confirmations } = LOCAL_CHECKPOINT_RULE;
  const dueEndBlock = nextStartBlock + span - 1;
  return {
    chainId: Number(network.chainId),
    head: { number: head.number, hash: head.hash, timestamp: head.timestamp },
    childBridge: getAddress(address),
    syncedCount: Number(syncedCount),
    syncedHead,
    mirrorNonce: Number(mirrorNonce),
    mirrorStake: mirrorStake.toString(),
    burnCount: Number(burnCount),
    stateSyncs: syncs
      .slice(-LIST_LIMIT)
      .map((l) => ({
        fromCount: Number(l.args.fromCount),
        count: Number(l.args.count),
        head: l.args.head,
        tx: l.transactionHash,
        block: l.blockNumber,
      }))
      .reverse(),
    burns: burns
      .slice(-LIST_LIMIT)
      .map((l) => ({
        index: Number(l.args.index),
        from: getAddress(l.args.from),
        recipient: getAddress(l.args.recipient),
        tokenId: Number(l.args.tokenId),
        amount: l.args.amount.toString(),
        tx: l.transactionHash,
        block: l.blockNumber,
        checkpoint: coveringCheckpoint(l.blockNumber, checkpoints),
      }))
      .reverse(),
    nextCheckpoint: {
      number: nextNumber,
      startBlock: nextStartBlock,
      span,
      confirmations,
      dueEndBlock,
      dueAtBlock: dueEndBlock + confirmations,
      blocksSoFar: Math.max(0, head.number - nextStartBlock + 1),
    },
  };
}

// -------------------------------------------------------------------------------------------------
// Routes
// -------------------------------------------------------------------------------------------------

/** `/api/sidechain`: the whole of what Layer 1 knows of the sidechain, and its own chain when given. */
export async function readSidechain(
  ctx: ExplorerContext & SidechainSource,
  before?: number,
): Promise<SidechainView> {
  const sidechain = sidechainAt(ctx);
  const at = { blockTag: ctx.head.number };
  const [minStake, unbondingDelay, slashRewardBps, maxValidators, total, burned, count, nextStart] =
    await Promise.all([
      sidechain.MIN_STAKE(at),
      sidechain.UNBONDING_DELAY(at),
      sidechain.SLASH_REWARD_BPS(at),
      sidechain.MAX_VALIDATORS(at),
      sidechain.totalStake(at),
      sidechain.burnedStake(at),
      sidechain.checkpointCount(at),
      sidechain.nextStartBlock(at),
    ]);
  const [validators, logs, domain] = await Promise.all([
    readValidators(ctx, sidechain, total),
    checkpointLogs(ctx, sidechain),
    domainOf(ctx, sidechain),
  ]);
  const accepted = logs.map((log) => fields(checkpointOf(log.args)));
  const shown = logs
    .filter((log) => before === undefined || Number(log.args.number) < before)
    .slice(0, LIST_LIMIT);
  const [checkpoints, slashings, chain] = await Promise.all([
    Promise.all(shown.map((log) => describeCheckpoint(ctx, sidechain, domain, log))),
    readSlashings(ctx, sidechain, accepted),
    ctx.sidechain ? readChainOrProblem(ctx.sidechain, accepted, Number(count), Number(nextStart)) : null,
  ]);
  return {
    address: getAddress(await sidechain.getAddress()),
    config: {
      minStake: minStake.toString(),
      unbondingDelay: Number(unbondingDelay),
      slashRewardBps: Number(slashRewardBps),
      maxValidators: Number(maxValidators),
    },
    validators,
    totalActiveStake: total.toString(),
    quorumStake: quorumStake(total).toString(),
    burnedStake: burned.toString(),
    checkpointCount: Number(count),
    nextStartBlock: Number(nextStart),
    checkpoints,
    slashings,
    chain: chain?.chain ?? null,
    chainProblem: chain?.problem ?? null,
  };
}

/** `/api/sidechain/checkpoints/:number`: one accepted checkpoint in full; 404 for one not accepted. */
export async function readSidechainCheckpoint(
  ctx: ExplorerContext,
  number: number,
): Promise<SidechainCheckpointView> {
  const sidechain = sidechainAt(ctx);
  const [log] = await checkpointLogs(ctx, sidechain, number);
  if (!log) throw new ExplorerNotFoundError(`the sidechain has no accepted checkpoint ${number}`);
  return describeCheckpoint(ctx, sidechain, await domainOf(ctx, sidechain), log);
}

export const sidechainRoutes: ExplorerRoute[] = [
  {
    path: "/api/sidechain",
    read: async (ctx, _params, query) =>
      readSidechain(
        ctx,
        query.has("before") ? indexParam({ before: query.get("before")! }, "before") : undefined,
      ),
  },
  {
    path: "/api/sidechain/checkpoints/:number",
    read: async (ctx, params) => readSidechainCheckpoint(ctx, indexParam(params, "number")),
  },
  // Only when the explorer is given a Layer 3 (see Layer3Source); a 404 otherwise.
  { path: "/api/layer3", read: async (ctx) => readLayer3(ctx) },
];

// -------------------------------------------------------------------------------------------------
// Layer 3
// -------------------------------------------------------------------------------------------------

/**
 * What the explorer may be given to show the Layer 3: the sidechain node's provider and the Layer-3
 * deployment record (`deployments/layer3.json`: `Bridge`, `OneStepProver`, `OptimisticRollup`, `sETH`).
 * Passed as `SidechainSource` is, with `withSidechainSources(routes, { layer3: { provider, deployment } })`.
 */
export interface Layer3Source {
  layer3?: { provider: RpcProvider; deployment: Deployment };
}

/** The context a Layer-1 route reads the Layer 3 with: the sidechain's node at its head, the Layer-3 record. */
export async function layer3Context(ctx: ExplorerContext & Layer3Source): Promise<ExplorerContext> {
  if (!ctx.layer3) throw new ExplorerNotFoundError("this explorer is not given a Layer 3");
  const block = await ctx.layer3.provider.getBlock("latest");
  if (!block?.hash) throw new ExplorerNotFoundError("the Layer 3's node has no latest block");
  return {
    provider: ctx.layer3.provider,
    deployment: ctx.layer3.deployment,
    head: { number: block.number, hash: block.hash, timestamp: block.timestamp },
  };
}

/**
 * The routes of `routes` under `from` (a Layer-1 route set, e.g. the optimistic rollup's under
 * `/api/optimistic`) mounted on the Layer 3, under `/api/layer3` (`/api/optimistic/batches/:index` becomes
 * `/api/layer3/optimistic/batches/:index`, clear of `/api/layer3` itself), each read of the sidechain's
 * node at its head with the Layer-3 record. A 404 when the explorer is not given a Layer 3.
 */
export function layer3Routes(routes: readonly ExplorerRoute[], from: string): ExplorerRoute[] {
  return routes
    .filter((r) => r.path === from || r.path.startsWith(`${from}/`))
    .map((r) => ({
      path: `/api/layer3${r.path.slice("/api".length)}`,
      read: async (ctx, params, query) => r.read(await layer3Context(ctx), params, query),
    }));
}

/** `/api/layer3`: the Layer 3's own figures; a 404 when the explorer is not given one. */
export async function readLayer3(ctx: ExplorerContext & Layer3Source): Promise<Layer3View> {
  const l3 = await layer3Context(ctx);
  const bridgeAddress = deployed(l3, "Bridge");
  const rollupAddress = deployed(l3, "OptimisticRollup");
  const tokenAddress = deployed(l3, LAYER3_TOKEN);
  const bridge = Bridge__factory.connect(bridgeAddress, l3.provider);
  const rollup = OptimisticRollup__factory.connect(rollupAddress, l3.provider);
  const at = { blockTag: l3.head.number };
  const [network, asset, queue, batchCount, lastFinalized, gameCount, window] = await Promise.all([
    l3.provider.getNetwork(),
    bridge.asset(rollupAddress, tokenAddress, at),
    bridge.depositQueue(rollupAddress, at),
    rollup.batchCount(at),
    rollup.lastFinalizedIndex(at),
    rollup.gameCount(at),
    rollup.CHALLENGE_WINDOW(at),
  ]);
  return {
    chainId: Number(network.chainId),
    head: l3.head,
    bridge: getAddress(bridgeAddress),
    rollup: getAddress(rollupAddress),
    oneStepProver: getAddress(deployed(l3, "OneStepProver")),
    token: {
      address: getAddress(tokenAddress),
      tokenId: Number(asset.tokenId),
      allowed: asset.allowed,
      escrowed: asset.escrowed.toString(),
    },
    depositCount: Number(queue.count),
    batchCount: Number(batchCount),
    lastFinalizedIndex: Number(lastFinalized),
    gameCount: Number(gameCount),
    challengeWindow: Number(window),
  };
}

/**
 * `routes` reading with `sources` added to their context: how the composition root gives the explorer the
 * sidechain's node and the Layer 3 without changing the route contract, e.g.
 * `withSidechainSources([...sidechainRoutes, ...layer3Routes(optimisticRoutes, "/api/optimistic")],
 * { sidechain: { provider, deployment: sidechainRecord }, layer3: { provider, deployment: layer3Record } })`.
 */
export function withSidechainSources(
  routes: readonly ExplorerRoute[],
  sources: SidechainSource & Layer3Source,
): ExplorerRoute[] {
  return routes.map((r) => ({
    path: r.path,
    read: (ctx, params, query) => r.read({ ...ctx, ...sources } as ExplorerContext, params, query),
  }));
}
