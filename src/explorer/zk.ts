/**
 * The zk rollup as the explorer shows it: its verifier (and the build the deployment pinned it to), every
 * batch with its proof status and gas, the forced-withdrawal queue with each request's deadline, and
 * exodus (when it may start, when it started, who exited). Read from the rollup's getters, its events and
 * its `submitBatch` calldata, at `ctx.head`.
 */
import type { Log } from "ethers";
import { AbiCoder, getAddress, hexlify, id, keccak256 } from "ethers";
import type { ZkRollup } from "../../typechain-types";
import { ZkRollup__factory } from "../../typechain-types";
import type { ZkVerifierPin } from "../common/deployments";
import type { DepositData } from "../shared/types";
import { decodePubdata, publicInputs } from "../zk/pubdata";
import { ZkRollupClient } from "../zk/rollup-client";
import type { ZkBatchCalldata } from "../zk/rollup-client";
import type { ZkForcedRequest, ZkPublishedTx } from "../zk/types";
import { bridgeOf, tokensOf } from "./bridge";
import type { TokenInfo } from "./reads";
import { blockTime, receiptOf, tokenInfosOf, transactionOf } from "./reads";
import type { ExplorerContext, ExplorerRoute } from "./route";
import { ExplorerNotFoundError, deployed, indexParam } from "./route";

// -------------------------------------------------------------------------------------------------
// Views
// -------------------------------------------------------------------------------------------------

/** A deposit as a batch consumed it (or exodus refunded it). */
export interface ZkDepositView {
  from: string;
  to: string;
  tokenId: number;
  amount: string;
  timestamp: number;
}

/** One transaction of a batch, as its pubdata publishes it. */
export type ZkTxView =
  | { kind: "deposit"; account: number; deposit: ZkDepositView }
  | { kind: "refund"; deposit: ZkDepositView }
  | { kind: "transfer"; from: number; to: number; amount: string }
  | { kind: "withdraw"; from: number; recipient: string; tokenId: number; amount: string }
  | { kind: "forced"; request: number; account: number; tokenId: number; amount: string; effective: boolean };

/**
 * A batch's proof status. The rollup stores a batch only if its proof verifies, in the same transaction
 * (`submitBatch`), so every stored batch after genesis is `verified`; genesis (batch 0) needs no proof.
 */
export type ZkProofStatus =
  | { status: "genesis" }
  | {
      status: "verified";
      /** Always true: submitted and verified in one transaction, whose gas is the batch's `gasUsed`. */
      verifiedInSubmission: true;
    };

/** One batch in the list. */
export interface ZkBatchSummary {
  index: number;
  /** The rollup root after the batch (decimal: a field element), and as 32-byte hex. */
  root: string;
  rootHex: string;
  proof: ZkProofStatus;
  /** Transactions in its pubdata (0 for genesis). */
  txCount: number;
  depositsConsumed: number;
  /** The `submitBatch` transaction (null for genesis). */
  tx: string | null;
  block: number | null;
  timestamp: number | null;
  /** Gas of the `submitBatch` transaction: the proof's verification and the state update, together. */
  gasUsed: string | null;
}

/** What the verifier says of a batch's proof when asked again, on its own (`verifyProof` as a call). */
export interface ZkVerificationView {
  /** The verifier accepts the proof for the public inputs rebuilt from calldata and Layer-1 state. */
  accepted: boolean;
  /** eth_estimateGas of that call alone (intrinsic gas included): what verification costs by itself. */
  callGas: string | null;
}

/** One batch in full. */
export interface ZkBatchView extends ZkBatchSummary {
  oldRoot: string | null;
  /** Who sent `submitBatch`, and who is credited its forced-request fees (a public input of its proof). */
  submitter: string | null;
  feeRecipient: string | null;
  txs: ZkTxView[];
  deposits: ZkDepositView[];
  /** Withdrawals the batch credited to their recipients (to `claim`). */
  withdrawalsCredited: { recipient: string; tokenId: number; amount: string }[];
  /** Forced requests it consumed, in queue order. */
  forced: { index: number; effective: boolean }[];
  /** The proof's public inputs (decimal), as the contract rebuilt them. */
  publicInputs: string[];
  verification: ZkVerificationView | null;
  /** The rollup's tokens by id (0 is ETH). */
  tokens: Record<number, ZkTokenView>;
}

/** Where a forced withdrawal stands. */
export type ZkForcedStatus =
  /** carried by a batch (effective: its requester was credited; else nullified) */
  | "served"
  /** not carried yet, its deadline not reached */
  | "waiting"
  /** not carried, its deadline passed: anyone may start exodus */
  | "overdue"
  /** never carried; exodus refunded its fee */
  | "refunded"
  /** not carried, and exodus is on: it never will be (its fee can be refunded) */
  | "stranded";

export interface ZkForcedView {
  index: number;
  requester: string;
  account: number;
  /** Poseidon(ax, ay, requester) mod 2^160, as the contract computed it (hex). */
  owner: string;
  tokenId: number;
  amount: string;
  requestedAt: number;
  /** requestedAt + EXODUS_DELAY: when an uncarried request lets anyone start exodus. */
  deadline: number;
  status: ZkForcedStatus;
  /** The batch that carried it, and whether it was effective (null until served). */
  batchIndex: number | null;
  effective: boolean | null;
  tx: string;
}

export interface ZkExitView {
  accountIndex: number;
  owner: string;
  tokenId: number;
  balance: string;
  tx: string;
  block: number;
  timestamp: number;
}

export interface ZkExodusView {
  active: boolean;
  /** The activation, once it happened. */
  activated: { by: string; root: string; tx: string; block: number; timestamp: number } | null;
  /**
   * When exodus may start (Unix seconds), from the oldest deposit or forced request waiting unconsumed;
   * null when nothing waits (or exodus is on).
   */
  dueAt: number | null;
  /** What makes it due. */
  dueBecause: "deposit" | "forced" | null;
  /** Whether, at the head's time, anyone may start it now. */
  mayStartNow: boolean;
}

export interface ZkView {
  rollup: string;
  verifier: {
    address: string;
    /** The build the deployment record pinned it to (`zkVerifier`), or null for an older record. */
    pin: ZkVerifierPin | null;
    /** keccak256 of the verifier's code on chain, and whether it is the pinned one (null: no pin). */
    runtimeCodeHash: string;
    matchesPin: boolean | null;
  };
  config: { batchSize: number; depth: number; exodusDelay: number; forcedRequestFee: string };
  root: string;
  batchCount: number;
  lastBatchAt: number;
  depositsConsumed: number;
  exodus: ZkExodusView;
  batches: ZkBatchSummary[];
  forced: ZkForcedView[];
  exits: ZkExitView[];
  /** The rollup's tokens by id (0 is ETH): the Layer-1 token, its symbol and decimals. */
  tokens: Record<number, ZkTokenView>;
}

export interface ZkTokenView extends TokenInfo {
  token: string;
}

// -------------------------------------------------------------------------------------------------
// Pure derivations
// -------------------------------------------------------------------------------------------------

/** 32-byte hex of a field element. */
export function fieldHex(value: bigint): string {
  return "0x" + value.toString(16).padStart(64, "0");
}

function depositView(d: DepositData): ZkDepositView {
  return {
    from: d.from,
    to: d.to,
    tokenId: d.tokenId,
    amount: d.amount.toString(),
    timestamp: Number(d.timestamp),
  };
}

/** A published transaction as JSON. */
export function zkTxView(tx: ZkPublishedTx): ZkTxView {
  switch (tx.kind) {
    case "deposit":
      return { kind: "deposit", account: tx.account, deposit: depositView(tx.deposit) };
    case "refund":
      return { kind: "refund", deposit: depositView(tx.deposit) };
    case "transfer":
      return { kind: "transfer", from: tx.from, to: tx.to, amount: tx.amount.toString() };
    case "withdraw":
      return {
        kind: "withdraw",
        from: tx.from,
        recipient: tx.recipient,
        tokenId: tx.tokenId,
        amount: tx.amount.toString(),
      };
    case "forced":
      return {
        kind: "forced",
        request: tx.request.index,
        account: tx.request.account,
        tokenId: tx.request.tokenId,
        amount: tx.request.amount.toString(),
        effective: tx.effective,
      };
  }
}

/** Where a forced request stands, from what the chain says of it at time `now`. */
export function forcedStatus(r: {
  deadline: number;
  served: boolean;
  refunded: boolean;
  exodus: boolean;
  now: number;
}): ZkForcedStatus {
  if (r.served) return "served";
  if (r.refunded) return "refunded";
  if (r.exodus) return "stranded";
  return r.now >= r.deadline ? "overdue" : "waiting";
}

/**
 * When exodus may start, as `ZkExodus.activateExodus` decides it: EXODUS_DELAY after the oldest
 * unconsumed deposit or forced request, whichever comes first; null when neither waits.
 */
export function exodusDueAt(o: {
  oldestDepositAt: number | null;
  oldestForcedAt: number | null;
  exodusDelay: number;
}): { dueAt: number; because: "deposit" | "forced" } | null {
  const deposit = o.oldestDepositAt === null ? null : o.oldestDepositAt + o.exodusDelay;
  const forced = o.oldestForcedAt === null ? null : o.oldestForcedAt + o.exodusDelay;
  if (deposit === null && forced === null) return null;
  if (deposit === null || (forced !== null && forced < deposit)) return { dueAt: forced!, because: "forced" };
  return { dueAt: deposit, because: "deposit" };
}

// -------------------------------------------------------------------------------------------------
// Reads
// -------------------------------------------------------------------------------------------------

/** The rollup contract, and a client for its calldata decoding. */
function zkOf(ctx: ExplorerContext): { address: string; zk: ZkRollup; client: ZkRollupClient } {
  const address = getAddress(deployed(ctx, "ZkRollup"));
  return {
    address,
    zk: ZkRollup__factory.connect(address, ctx.provider),
    client: new ZkRollupClient(address, ctx.provider),
  };
}

async function configOf(ctx: ExplorerContext, zk: ZkRollup) {
  const blockTag = ctx.head.number;
  const [batchSize, depth, exodusDelay, forcedRequestFee, verifier] = await Promise.all([
    zk.BATCH_SIZE({ blockTag }),
    zk.DEPTH({ blockTag }),
    zk.EXODUS_DELAY({ blockTag }),
    zk.FORCED_REQUEST_FEE({ blockTag }),
    zk.VERIFIER({ blockTag }),
  ]);
  return {
    batchSize: Number(batchSize),
    depth: Number(depth),
    exodusDelay: Number(exodusDelay),
    forcedRequestFee,
    verifier: getAddress(verifier),
  };
}

/** A batch's `BatchVerified` log with its `submitBatch` calldata and receipt. */
interface BatchRecord {
  index: number;
  newRoot: bigint;
  log: Log;
  calldata: ZkBatchCalldata;
  submitter: string;
  gasUsed: bigint;
}

async function batchLogs(ctx: ExplorerContext, zk: ZkRollup) {
  const logs = await zk.queryFilter(zk.filters.BatchVerified(), 0, ctx.head.number);
  return logs.map((log) => ({ index: Number(log.args.batchIndex), newRoot: log.args.newRoot, log }));
}

async function batchRecord(
  ctx: ExplorerContext,
  client: ZkRollupClient,
  b: { index: number; newRoot: bigint; log: Log },
): Promise<BatchRecord> {
  const [tx, receipt] = await Promise.all([
    transactionOf(ctx, b.log.transactionHash),
    receiptOf(ctx, b.log.transactionHash, b.log.blockHash),
  ]);
  return {
    ...b,
    calldata: client.decodeSubmit(tx.data),
    submitter: getAddress(tx.from),
    gasUsed: receipt.gasUsed,
  };
}

function summaryOf(record: BatchRecord, txCount: number, timestamp: number): ZkBatchSummary {
  return {
    index: record.index,
    root: record.newRoot.toString(),
    rootHex: fieldHex(record.newRoot),
    proof: { status: "verified", verifiedInSubmission: true },
    txCount,
    depositsConsumed: record.calldata.consumedDeposits.length,
    tx: record.log.transactionHash,
    block: record.log.blockNumber,
    timestamp,
    gasUsed: record.gasUsed.toString(),
  };
}

/** Genesis (batch 0): the root before the first batch (or the current one, when there is none). */
async function genesisSummary(
  ctx: ExplorerContext,
  zk: ZkRollup,
  firstBatchBlock: number | null,
): Promise<ZkBatchSummary> {
  const root = await zk.root({ blockTag: firstBatchBlock === null ? ctx.head.number : firstBatchBlock - 1 });
  return {
    index: 0,
    root: root.toString(),
    rootHex: fieldHex(root),
    proof: { status: "genesis" },
    txCount: 0,
    depositsConsumed: 0,
    tx: null,
    block: null,
    timestamp: null,
    gasUsed: null,
  };
}

/** The forced requests each batch consumed: batch index → request indices, in order, with their effective bit. */
async function forcedConsumption(ctx: ExplorerContext, zk: ZkRollup, batchIndex?: number) {
  const logs = await zk.queryFilter(zk.filters.ForcedWithdrawalConsumed(batchIndex), 0, ctx.head.number);
  return logs.map((log) => ({
    batchIndex: Number(log.args.batchIndex),
    index: Number(log.args.index),
    effective: log.args.effective,
  }));
}

/** The forced requests consumed by `batchIndex`, as stored (what its pubdata's forced slots refer to). */
async function forcedRequestsOf(
  ctx: ExplorerContext,
  client: ZkRollupClient,
  consumed: readonly { batchIndex: number; index: number }[],
  batchIndex: number,
): Promise<ZkForcedRequest[]> {
  const indices = consumed.filter((c) => c.batchIndex === batchIndex).map((c) => c.index);
  return Promise.all(indices.map((i) => client.forcedRequest(i, ctx.head.number)));
}

async function readZk(ctx: ExplorerContext): Promise<ZkView> {
  const { address, zk, client } = zkOf(ctx);
  const blockTag = ctx.head.number;
  const [config, root, batchCount, lastBatchAt, depositsConsumed, exodus, logs, consumed] = await Promise.all(
    [
      configOf(ctx, zk),
      zk.root({ blockTag }),
      zk.batchCount({ blockTag }),
      zk.lastBatchAt({ blockTag }),
      zk.depositCount({ blockTag }),
      zk.isExodus({ blockTag }),
      batchLogs(ctx, zk),
      forcedConsumption(ctx, zk),
    ],
  );

  const genesis = await genesisSummary(ctx, zk, logs[0]?.log.blockNumber ?? null);
  const verified = await Promise.all(
    logs.map(async (b) => {
      const record = await batchRecord(ctx, client, b);
      const forced = await forcedRequestsOf(ctx, client, consumed, b.index);
      const txs = decodePubdata(record.calldata.pubdata, record.calldata.consumedDeposits, forced);
      return summaryOf(record, txs.length, await blockTime(ctx, b.log.blockHash));
    }),
  );
  const batches = [genesis, ...verified];

  const code = await ctx.provider.getCode(config.verifier, blockTag);
  const runtimeCodeHash = keccak256(code);
  const pin = ctx.deployment.zkVerifier ?? null;

  const [forced, exits, activated, exodusView, tokens] = await Promise.all([
    readForced(ctx, zk, client, consumed, config.exodusDelay, exodus),
    readExits(ctx, zk),
    zk.queryFilter(zk.filters.ExodusActivated(), 0, blockTag),
    readExodusDue(ctx, address, zk, config.exodusDelay, Number(depositsConsumed)),
    zkTokens(ctx, address),
  ]);
  const activation = activated[0];

  return {
    rollup: address,
    verifier: {
      address: config.verifier,
      pin,
      runtimeCodeHash,
      matchesPin: pin === null ? null : pin.runtimeCodeHash.toLowerCase() === runtimeCodeHash.toLowerCase(),
    },
    config: {
      batchSize: config.batchSize,
      depth: config.depth,
      exodusDelay: config.exodusDelay,
      forcedRequestFee: config.forcedRequestFee.toString(),
    },
    root: root.toString(),
    batchCount: Number(batchCount),
    lastBatchAt: Number(lastBatchAt),
    depositsConsumed: Number(depositsConsumed),
    exodus: {
      active: exodus,
      activated: activation
        ? {
            by: getAddress(activation.args.activatedBy),
            root: activation.args.root.toString(),
            tx: activation.transactionHash,
            block: activation.blockNumber,
            timestamp: await blockTime(ctx, activation.blockHash),
          }
        : null,
      dueAt: exodus || exodusView === null ? null : exodusView.dueAt,
      dueBecause: exodus || exodusView === null ? null : exodusView.because,
      mayStartNow: !exodus && exodusView !== null && ctx.head.timestamp >= exodusView.dueAt,
    },
    batches,
    forced,
    exits,
    tokens,
  };
}

/** The zk rollup's tokens by id, as the bridge lists them. */
export async function zkTokens(ctx: ExplorerContext, rollup: string): Promise<Record<number, ZkTokenView>> {
  const listed = await tokensOf(ctx, bridgeOf(ctx), rollup);
  const infos = await tokenInfosOf(ctx, listed.values());
  return Object.fromEntries([...listed].map(([id, token]) => [id, { token, ...infos[token] }]));
}

/** Every forced request, with its deadline and where it stands. */
export async function readForced(
  ctx: ExplorerContext,
  zk: ZkRollup,
  client: ZkRollupClient,
  consumed: readonly { batchIndex: number; index: number; effective: boolean }[],
  exodusDelay: number,
  exodus: boolean,
  requester?: string,
): Promise<ZkForcedView[]> {
  const blockTag = ctx.head.number;
  const [requested, refunded] = await Promise.all([
    zk.queryFilter(zk.filters.WithdrawalRequested(undefined, requester), 0, blockTag),
    zk.queryFilter(zk.filters.ForcedFeeRefunded(undefined, requester), 0, blockTag),
  ]);
  const refundedSet = new Set(refunded.map((log) => Number(log.args.index)));
  return Promise.all(
    requested.map(async (log) => {
      const index = Number(log.args.index);
      const r = await client.forcedRequest(index, blockTag);
      const served = consumed.find((c) => c.index === index);
      const deadline = Number(r.requestedAt) + exodusDelay;
      return {
        index,
        requester: getAddress(r.requester),
        account: r.account,
        owner: "0x" + r.owner.toString(16).padStart(40, "0"),
        tokenId: r.tokenId,
        amount: r.amount.toString(),
        requestedAt: Number(r.requestedAt),
        deadline,
        status: forcedStatus({
          deadline,
          served: served !== undefined,
          refunded: refundedSet.has(index),
          exodus,
          now: ctx.head.timestamp,
        }),
        batchIndex: served?.batchIndex ?? null,
        effective: served?.effective ?? null,
        tx: log.transactionHash,
      };
    }),
  );
}

/** Every exit in exodus (or those of one Layer-1 owner). */
export async function readExits(ctx: ExplorerContext, zk: ZkRollup, owner?: string): Promise<ZkExitView[]> {
  const logs = await zk.queryFilter(zk.filters.AccountExited(undefined, owner), 0, ctx.head.number);
  return Promise.all(
    logs.map(async (log) => ({
      accountIndex: Number(log.args.accountIndex),
      owner: getAddress(log.args.owner),
      tokenId: Number(log.args.tokenId),
      balance: log.args.balance.toString(),
      tx: log.transactionHash,
      block: log.blockNumber,
      timestamp: await blockTime(ctx, log.blockHash),
    })),
  );
}

/** When exodus may start: the oldest waiting deposit (from the bridge's queue) and forced request. */
async function readExodusDue(
  ctx: ExplorerContext,
  rollup: string,
  zk: ZkRollup,
  exodusDelay: number,
  depositsConsumed: number,
): Promise<{ dueAt: number; because: "deposit" | "forced" } | null> {
  const blockTag = ctx.head.number;
  const bridge = bridgeOf(ctx);
  const [queue, forced] = await Promise.all([
    bridge.depositQueue(rollup, { blockTag }),
    zk.forcedRequests({ blockTag }),
  ]);
  let oldestDepositAt: number | null = null;
  if (Number(queue.count) > depositsConsumed) {
    const logs = await bridge.queryFilter(bridge.filters.DepositQueued(rollup), 0, blockTag);
    const waiting = logs.find((log) => Number(log.args.index) === depositsConsumed);
    if (waiting) oldestDepositAt = Number(waiting.args.timestamp);
  }
  let oldestForcedAt: number | null = null;
  if (forced.consumed < forced.requested) {
    const [, , requestedAt] = await zk.forcedRequest(forced.consumed, { blockTag });
    oldestForcedAt = Number(requestedAt);
  }
  return exodusDueAt({ oldestDepositAt, oldestForcedAt, exodusDelay });
}

/** `/api/zk/batches/:index`: one batch in full, its proof checked again by the verifier. */
async function readBatch(ctx: ExplorerContext, index: number): Promise<ZkBatchView> {
  const { address, zk, client } = zkOf(ctx);
  const blockTag = ctx.head.number;
  const count = Number(await zk.batchCount({ blockTag }));
  if (index >= count)
    throw new ExplorerNotFoundError(`the zk rollup has no batch ${index} (it has ${count})`);
  const logs = await batchLogs(ctx, zk);
  if (index === 0) {
    const genesis = await genesisSummary(ctx, zk, logs[0]?.log.blockNumber ?? null);
    return {
      ...genesis,
      oldRoot: null,
      submitter: null,
      feeRecipient: null,
      txs: [],
      deposits: [],
      withdrawalsCredited: [],
      forced: [],
      publicInputs: [],
      verification: null,
      tokens: await zkTokens(ctx, address),
    };
  }
  const found = logs.find((b) => b.index === index);
  if (!found) throw new ExplorerNotFoundError(`no BatchVerified event for zk batch ${index}`);
  const record = await batchRecord(ctx, client, found);
  const consumed = await forcedConsumption(ctx, zk, index);
  const forcedRequests = await forcedRequestsOf(ctx, client, consumed, index);
  const txs = decodePubdata(record.calldata.pubdata, record.calldata.consumedDeposits, forcedRequests);
  // the root it started from: the previous batch's, or genesis's
  const previous = logs.find((b) => b.index === index - 1);
  const oldRoot = previous
    ? previous.newRoot
    : BigInt((await genesisSummary(ctx, zk, found.log.blockNumber)).root);
  const credited = await zk.queryFilter(zk.filters.WithdrawalCredited(index), 0, blockTag);
  const config = await configOf(ctx, zk);
  const inputs = publicInputs(oldRoot, record.newRoot, record.calldata.feeRecipient, txs, config.batchSize);
  return {
    ...summaryOf(record, txs.length, await blockTime(ctx, found.log.blockHash)),
    oldRoot: oldRoot.toString(),
    submitter: record.submitter,
    feeRecipient: record.calldata.feeRecipient,
    txs: txs.map(zkTxView),
    deposits: record.calldata.consumedDeposits.map(depositView),
    withdrawalsCredited: credited.map((log) => ({
      recipient: getAddress(log.args.recipient),
      tokenId: Number(log.args.tokenId),
      amount: log.args.amount.toString(),
    })),
    forced: consumed.map((c) => ({ index: c.index, effective: c.effective })),
    publicInputs: inputs.map(String),
    verification: await verifyAgain(ctx, config.verifier, record.calldata, inputs),
    tokens: await zkTokens(ctx, address),
  };
}

/**
 * Asks the verifier again, as a call of its own, whether it accepts the batch's proof for its public
 * inputs, and what that call costs: the part of the batch's gas that is verification.
 */
async function verifyAgain(
  ctx: ExplorerContext,
  verifier: string,
  calldata: ZkBatchCalldata,
  inputs: readonly bigint[],
): Promise<ZkVerificationView> {
  const n = inputs.length;
  const selector = id(`verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${n}])`).slice(0, 10);
  const { a, b, c } = calldata.proof;
  const args = AbiCoder.defaultAbiCoder().encode(
    ["uint256[2]", "uint256[2][2]", "uint256[2]", `uint256[${n}]`],
    [a, b, c, inputs],
  );
  const data = selector + args.slice(2);
  const answer = await ctx.provider.call({ to: verifier, data, blockTag: ctx.head.number });
  const accepted = hexlify(answer) === fieldHex(1n);
  let callGas: string | null = null;
  try {
    callGas = (await ctx.provider.estimateGas({ to: verifier, data, blockTag: ctx.head.number })).toString();
  } catch {
    callGas = null; // a node that cannot estimate at a past block: the acceptance still stands
  }
  return { accepted, callGas };
}

/** Async, so that a malformed parameter rejects (a 400) rather than throwing before the server awaits. */
export const zkRoutes: ExplorerRoute[] = [
  { path: "/api/zk", read: async (ctx) => readZk(ctx) },
  {
    path: "/api/zk/batches/:index",
    read: async (ctx, params) => readBatch(ctx, indexParam(params, "index")),
  },
];
