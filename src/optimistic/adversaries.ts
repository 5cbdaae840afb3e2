// The optimistic rollup's adversaries, next to the honest agents they attack: a proposer that commits a
// false batch (bonded like an honest one), players that defend a lying trace, stall or play erratically.
// Each is a strategy over the real library (RollupClient, ChainFollower, GamePlayer, the solver), so an
// attack is real code against the real contracts. The tests, the demo and the bench all use these.
import type { Signer } from "ethers";
import { hexlify, randomBytes } from "ethers";
import type { BridgeClient } from "../bridge/client";
import { StrataError } from "../common/errors";
import type { Logger } from "../common/logger";
import { bytesToHex } from "../shared/bytes";
import { decodeTxs, encodeTxs } from "../shared/codec";
import { depositsToCatchUp, depositsUpTo } from "../shared/deposit";
import type { L2Tx } from "../shared/types";
import { ZERO_BYTES32 } from "../shared/types";
import type { RpcProvider } from "../common/layer1";
import { publishTransactionBlobs } from "../da/archive";
import type { Kzg } from "../da/kzg";
import { BlobBatchData } from "./blob-batch";
import type { ChainFollower } from "./chain-follower";
import { GamePlayer } from "./player";
import type { RollupClient } from "./rollup-client";
import type { Action, GameView, Party, Strategy } from "./solver";
import { decide } from "./solver";
import type { StepMachine, TraceState } from "./trace";
import { traceClaim } from "./trace";

export class AdversaryError extends StrataError {}

/** The randomness an erratic player draws from (test/helpers/random.ts's `Rng` is one). */
export interface AdversaryRng {
  /** A uniform integer in [0, n). */
  int(n: number): number;
  /** Lower-case 0x hex of `bytes` random bytes. */
  hex(bytes: number): string;
}

// -------------------------------------------------------------------------------------------------
// A lying proposer
// -------------------------------------------------------------------------------------------------

export interface LyingBatch {
  batchIndex: number;
  /** The liar's own trace: its claim after every step, which it will defend in any game. */
  trace: string[];
  /** The liar's state after the batch, to build more lies on. */
  machine: StepMachine;
}

export interface LieOptions {
  rollup: RollupClient;
  bridge: BridgeClient;
  /** The liar's own node: the lie is built on its tip (synced first). */
  follower: ChainFollower;
  signer: Signer;
  txs: L2Tx[];
  /**
   * The step whose post-state is false (0-based): after it, the liar credits account `beneficiary`
   * with `amount` it never had, and every later state follows from that lie. "everywhere": every claim
   * after the start is random. A step outside the batch (e.g. -1): no lie in the state at all.
   */
  lieAt: number | "everywhere";
  /** The account the lie credits (default 0). */
  beneficiary?: number;
  /** What the lie credits it (default 1,000 wei). */
  amount?: bigint;
  /** Build on this earlier lie instead of the tip the follower knows. */
  on?: LyingBatch;
  /** Refuse (AdversaryError) a batch in which a transaction is rejected: the lie is in the state only. */
  requireApplied?: boolean;
  /**
   * Post the batch in blobs (the signer must sign locally), publishing them to the archive if given: the lie
   * is then in the claim about honest blobs, and the dispute's step opens the blobs.
   */
  blobs?: { kzg: Kzg; archiveUrl?: string };
  /**
   * Post these bytes as the batch's calldata instead of `encodeTxs(txs)`: another encoding of the same
   * transactions (an amount has several float40 encodings), so that a node which re-encodes what it read
   * builds proofs Layer 1 does not accept. Refused (AdversaryError) unless it decodes to `txs`.
   */
  calldata?: Uint8Array;
}

/** A proposer that commits a batch whose claim is false, bonded like an honest one. */
export async function commitLyingBatch(o: LieOptions): Promise<LyingBatch> {
  await o.follower.sync();
  const parentClaim = o.on ? o.on.trace[o.on.trace.length - 1] : o.follower.tip.claim;
  const machine = o.on ? o.on.machine.nextBatch() : o.follower.machineAfter(o.follower.tip.index);
  if (!machine)
    throw new AdversaryError(`the tip (batch ${o.follower.tip.index}) is not valid: no state to lie on`);
  const trace = [machine.claim];
  for (const [step, tx] of o.txs.entries()) {
    const outcome = machine.apply(tx);
    if (o.requireApplied && outcome.status === "rejected") {
      throw new AdversaryError(`step ${step} of the lie is rejected: ${outcome.reason}`);
    }
    if (step === o.lieAt) {
      const index = o.beneficiary ?? 0;
      const account = machine.l2.account(index);
      if (!account) throw new AdversaryError(`no account ${index} to credit`);
      machine.l2.setAccount(index, { ...account, balance: account.balance + (o.amount ?? 1000n) });
    }
    trace.push(machine.claim);
  }
  let post: TraceState = machine.state;
  if (o.lieAt === "everywhere") {
    post = { ...post, accountsRoot: hexlify(randomBytes(32)) };
    for (let i = 1; i < trace.length; i++) trace[i] = hexlify(randomBytes(32));
    trace[trace.length - 1] = traceClaim(post);
  }
  const queue = await o.bridge.verifiedQueue(o.rollup.address);
  const depositCount = depositsUpTo(queue, post.depositHead);
  const catchUp = depositsToCatchUp(queue, depositCount);
  const bond = (await o.rollup.config()).proposerBond;
  if (!o.blobs) {
    if (o.calldata && bytesToHex(encodeTxs(decodeTxs(o.calldata))) !== bytesToHex(encodeTxs(o.txs))) {
      throw new AdversaryError("the calldata given does not decode to the batch's transactions");
    }
    const { batchIndex } = await o.rollup.commitBatch(
      o.signer,
      { parentClaim, txs: o.txs, post, depositCount, catchUp },
      bond,
      o.calldata,
    );
    return { batchIndex, trace, machine };
  }
  const { kzg, archiveUrl } = o.blobs;
  const data = BlobBatchData.ofTransactions(kzg, o.txs);
  const { batchIndex, receipt } = await o.rollup.commitBatchBlobs(
    o.signer,
    { parentClaim, data, stepCount: o.txs.length, post, depositCount, catchUp },
    bond,
    kzg,
  );
  if (archiveUrl) {
    await publishTransactionBlobs(
      archiveUrl,
      o.signer.provider as RpcProvider,
      kzg,
      receipt.hash,
      data.blobs,
    );
  }
  return { batchIndex, trace, machine };
}

// -------------------------------------------------------------------------------------------------
// Players that play badly
// -------------------------------------------------------------------------------------------------

export interface LyingPlayerOptions {
  rollup: RollupClient;
  follower: ChainFollower;
  signer: Signer;
  /** How it decides on its lying trace (default: the honest solver's rules, `decide`). */
  strategy?: Strategy;
  logger?: Logger;
}

/**
 * A player that defends (or attacks) with its own lying trace for the batches in `traces` (the honest
 * trace for any other), by `o.strategy` (default: the honest solver's rules).
 */
export function lyingPlayer(o: LyingPlayerOptions, traces: ReadonlyMap<number, string[]>): GamePlayer {
  return new GamePlayer({
    ...o,
    traceFor: (batchIndex) => traces.get(batchIndex) ?? o.follower.trace(batchIndex),
  });
}

/** A trace equal to `honest` up to step `from`, then wrong at every later step (the end included). */
export function corruptTrace(honest: readonly string[], from: number): string[] {
  return honest.map((claim, i) => (i >= from ? hexlify(randomBytes(32)) : claim));
}

/** Never moves: loses on time. */
export const stall: Strategy = () => ({ kind: "wait", reason: "stalling" });

/**
 * Plays by the honest rules on its (lying) trace, which tell it that the one-step proof would confirm its
 * side; but it knows better than to pay for the step that convicts it (Layer 1 re-executes the step
 * honestly), so its opponent runs it. The demo's Mallory and the bench's liar.
 */
export const neverStep: Strategy = (game, me, trace, now) => {
  const action = decide(game, me, trace, now);
  return action.kind === "step" ? { kind: "wait", reason: "a step on Layer 1 would expose the lie" } : action;
};

/**
 * Agrees or disagrees at random and claims random roots: moves that contradict its own earlier
 * claims. Still calls timeouts and steps when the honest solver would (it wants to win).
 */
export function erratic(rng: AdversaryRng): Strategy {
  return (game: GameView, me: Party, trace: readonly string[], now: number): Action => {
    const honest = decide(game, me, trace, now);
    if (honest.kind !== "move") return honest;
    const agree = rng.int(2) === 0;
    const [lo, hi] = agree
      ? [Math.floor((game.lo + game.hi) / 2), game.hi]
      : [game.lo, Math.floor((game.lo + game.hi) / 2)];
    return { kind: "move", agree, claim: hi - lo > 1 ? rng.hex(32) : ZERO_BYTES32 };
  };
}
