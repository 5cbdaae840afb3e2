// Test adversaries for the optimistic rollup: proposers that lie and players that play badly. They
// use the same library as the honest agents, so each attack is real code against the real contracts.
import type { Signer } from "ethers";
import { hexlify, randomBytes } from "ethers";
import type { BridgeClient } from "../../src/bridge/client";
import type { ChainFollower } from "../../src/optimistic/chain-follower";
import { GamePlayer } from "../../src/optimistic/player";
import type { RollupClient } from "../../src/optimistic/rollup-client";
import type { Action, GameView, Party, Strategy } from "../../src/optimistic/solver";
import { decide } from "../../src/optimistic/solver";
import type { StepMachine, TraceState } from "../../src/optimistic/trace";
import { traceClaim } from "../../src/optimistic/trace";
import type { L2Tx } from "../../src/shared/types";
import { ZERO_BYTES32 } from "../../src/shared/types";
import type { Rng } from "../helpers/random";
import { depositsUpTo } from "../../src/shared/deposit";

export interface LyingBatch {
  batchIndex: number;
  /** The liar's own trace: what it will defend in any game. */
  trace: string[];
  /** The liar's state after the batch, to build more lies on. */
  machine: StepMachine;
}

export interface LieOptions {
  rollup: RollupClient;
  bridge: BridgeClient;
  follower: ChainFollower;
  signer: Signer;
  txs: L2Tx[];
  /** The step whose post-state is false (0-based): after it, the liar credits account `beneficiary`
   * with 1,000 wei it never had, and every later state follows from that lie. "everywhere": every
   * claim after the start is random. */
  lieAt: number | "everywhere";
  beneficiary?: number;
  /** Build on this earlier lie instead of the tip the follower knows. */
  on?: LyingBatch;
}

/** A proposer that commits a batch whose claim is false, bonded like an honest one. */
export async function commitLyingBatch(o: LieOptions): Promise<LyingBatch> {
  await o.follower.sync();
  const parentClaim = o.on ? o.on.trace[o.on.trace.length - 1] : o.follower.tip.claim;
  const machine = o.on ? o.on.machine.nextBatch() : o.follower.machineAfter(o.follower.tip.index)!;
  const trace = [machine.claim];
  for (const [i, tx] of o.txs.entries()) {
    machine.apply(tx);
    if (i === o.lieAt) {
      const index = o.beneficiary ?? 0;
      const account = machine.l2.account(index)!;
      machine.l2.setAccount(index, { ...account, balance: account.balance + 1000n });
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
  const consumed = depositsUpTo(queue, post.depositHead);
  const { batchIndex } = await o.rollup.commitBatch(
    o.signer,
    { parentClaim, txs: o.txs, post, pendingDeposits: queue.slice(consumed) },
    (await o.rollup.config()).proposerBond,
  );
  return { batchIndex, trace, machine };
}

/** A player that defends (or attacks) with its own lying trace, by the honest solver's rules. */
export function lyingPlayer(
  o: { rollup: RollupClient; follower: ChainFollower; signer: Signer },
  traces: Map<number, string[]>,
): GamePlayer {
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
 * Agrees or disagrees at random and claims random roots: moves that contradict its own earlier
 * claims. Still calls timeouts and steps when the honest solver would (it wants to win).
 */
export function erratic(rng: Rng): Strategy {
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
