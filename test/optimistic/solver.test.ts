// The solver, without a chain: games built by hand, traces of made-up claims. Then the property the
// dispute game rests on: simulated against a referee that plays DisputeGame.sol's move/step/timeout
// rules, the honest side wins every game, whatever the other side's trace or strategy, in at most
// ⌈log2 n⌉ moves.
import { expect } from "chai";
import type { Action, GameStatus, GameView, Party, Strategy } from "../../src/optimistic/solver";
import {
  decide,
  decideDefence,
  defenceOpensAt,
  isOutOfTime,
  openingClaim,
  other,
} from "../../src/optimistic/solver";
import { ZERO_BYTES32 } from "../../src/shared/types";
import { erratic, stall } from "../../src/optimistic/adversaries";
import fc from "fast-check";
import type { Draw } from "../helpers/property";
import { assertProperty, drawFrom, runsOf } from "../helpers/property";

const CLOCK = 300;
const START = 10_000;

/** A distinct claim per (index, salt): the honest trace uses salt 0, lies other salts. */
const claimOf = (i: number, salt = 0) =>
  "0xab" + salt.toString(16).padStart(6, "0") + (i + 1).toString(16).padStart(56, "0");

/** A trace of `steps` steps: claims[0] is the start. */
const traceOf = (steps: number, salt = 0) => Array.from({ length: steps + 1 }, (_, i) => claimOf(i, salt));

/** An open game over `trace`, the proposer to move and holding the end; fields overridable. */
function gameView(trace: readonly string[], overrides: Partial<GameView> = {}): GameView {
  const lo = overrides.lo ?? 0;
  const hi = overrides.hi ?? trace.length - 1;
  return {
    id: 7n,
    batchIndex: 3,
    challenger: "0x" + "cc".repeat(20),
    status: "open",
    lo,
    hi,
    turn: "proposer",
    hiClaimant: "proposer",
    rootLo: trace[lo],
    rootHi: trace[hi],
    midClaim: hi - lo > 1 ? trace[Math.floor((lo + hi) / 2)] : ZERO_BYTES32,
    lastMoveAt: START,
    clocks: { proposer: CLOCK, challenger: CLOCK },
    defender: null,
    moot: false,
    ...overrides,
  };
}

describe("solver", () => {
  const honest = traceOf(16);
  const lie = traceOf(16, 1);

  describe("decide", () => {
    for (const status of ["proposerWon", "challengerWon", "cancelled"] as GameStatus[]) {
      it(`waits when the game is over (${status}), even if the batch is moot or a clock ran out`, () => {
        const game = gameView(honest, { status, moot: true, turn: "challenger" });
        const action = decide(game, "proposer", honest, START + CLOCK + 1_000);
        expect(action).to.deep.equal({ kind: "wait", reason: `the game is over (${status})` });
      });
    }

    for (const me of ["proposer", "challenger"] as Party[]) {
      it(`cancels as the ${me} when the batch is moot, before any timeout or move`, () => {
        const game = gameView(honest, { moot: true, turn: other(me) });
        expect(decide(game, me, [], START + CLOCK + 1)).to.deep.equal({ kind: "cancel" });
        expect(decide(gameView(honest, { moot: true, turn: me }), me, [], START)).to.deep.equal({
          kind: "cancel",
        });
      });

      it(`claims a timeout as the ${me} when the opponent is out of time`, () => {
        const game = gameView(honest, { turn: other(me) });
        expect(decide(game, me, honest, START + CLOCK + 1)).to.deep.equal({ kind: "timeout" });
      });

      it(`claims a timeout as the ${me} when the opponent is out of time at one step`, () => {
        const game = gameView(honest, { lo: 4, hi: 5, turn: other(me), hiClaimant: me });
        expect(decide(game, me, honest, START + CLOCK + 1)).to.deep.equal({ kind: "timeout" });
      });

      it(`waits as the ${me} when it is out of time itself`, () => {
        const game = gameView(honest, { turn: me });
        const action = decide(game, me, honest, START + CLOCK + 1);
        expect(action).to.deep.equal({ kind: "wait", reason: "out of time" });
      });
    }

    it("does not call a timeout while the opponent's clock has not run out (the boundary)", () => {
      const game = gameView(honest, { turn: "challenger" });
      expect(decide(game, "proposer", honest, START + CLOCK)).to.include({ kind: "wait" });
    });

    it("measures the time against the clock of the side to move, not the other's", () => {
      const game = gameView(honest, { turn: "challenger", clocks: { proposer: 10, challenger: 500 } });
      expect(decide(game, "proposer", honest, START + 400)).to.include({ kind: "wait" });
      expect(decide(game, "proposer", honest, START + 501)).to.deep.equal({ kind: "timeout" });
    });

    describe("at one step", () => {
      it("steps as the hiClaimant when the trace confirms rootHi", () => {
        const game = gameView(honest, { lo: 9, hi: 10, hiClaimant: "proposer", turn: "proposer" });
        expect(decide(game, "proposer", honest, START)).to.deep.equal({ kind: "step", index: 9 });
      });

      it("steps as the disputer when the trace denies rootHi", () => {
        const game = gameView(honest, { lo: 9, hi: 10, rootHi: lie[10], hiClaimant: "proposer" });
        expect(decide(game, "challenger", honest, START)).to.deep.equal({ kind: "step", index: 9 });
      });

      it("steps whoever's turn it is (anyone may run the one-step proof)", () => {
        for (const turn of ["proposer", "challenger"] as Party[]) {
          const game = gameView(honest, { lo: 0, hi: 1, turn, hiClaimant: "challenger" });
          expect(decide(game, "challenger", honest, START)).to.deep.equal({ kind: "step", index: 0 });
        }
      });

      it("waits as the hiClaimant when the trace denies rootHi", () => {
        const game = gameView(honest, { lo: 9, hi: 10, rootHi: lie[10], hiClaimant: "challenger" });
        expect(decide(game, "challenger", honest, START)).to.deep.equal({
          kind: "wait",
          reason: "the step would not confirm my side",
        });
      });

      it("waits as the disputer when the trace confirms rootHi", () => {
        const game = gameView(honest, { lo: 15, hi: 16, hiClaimant: "challenger", turn: "proposer" });
        expect(decide(game, "proposer", honest, START)).to.include({ kind: "wait" });
      });

      it("compares claims case-insensitively", () => {
        const game = gameView(honest, { lo: 2, hi: 3, rootHi: honest[3].toUpperCase().replace("0X", "0x") });
        expect(decide(game, "proposer", honest, START)).to.deep.equal({ kind: "step", index: 2 });
      });
    });

    describe("on my turn", () => {
      it("agrees when midClaim matches the trace, moving right and claiming the new midpoint", () => {
        // [0, 16]: mid 8 agreed → [8, 16], new mid 12.
        const game = gameView(honest, { turn: "challenger" });
        expect(decide(game, "challenger", honest, START)).to.deep.equal({
          kind: "move",
          agree: true,
          claim: honest[12],
        });
      });

      it("disagrees when midClaim differs from the trace, moving left and claiming the new midpoint", () => {
        // [0, 16]: mid 8 disputed → [0, 8], new mid 4.
        const game = gameView(honest, { midClaim: lie[8] });
        expect(decide(game, "proposer", honest, START)).to.deep.equal({
          kind: "move",
          agree: false,
          claim: honest[4],
        });
      });

      it("claims trace[floor((lo + hi) / 2)] of the new range when the range is odd", () => {
        // [3, 10]: mid 6; agree → [6, 10] claims 8; disagree → [3, 6] claims 4.
        const agreed = gameView(honest, { lo: 3, hi: 10 });
        expect(decide(agreed, "proposer", honest, START)).to.deep.equal({
          kind: "move",
          agree: true,
          claim: honest[8],
        });
        const disputed = gameView(honest, { lo: 3, hi: 10, midClaim: lie[6] });
        expect(decide(disputed, "proposer", honest, START)).to.deep.equal({
          kind: "move",
          agree: false,
          claim: honest[4],
        });
      });

      it("claims zero when the new range is one step", () => {
        // [4, 6]: mid 5; agree → [5, 6], disagree → [4, 5]: both one step.
        expect(decide(gameView(honest, { lo: 4, hi: 6 }), "proposer", honest, START)).to.deep.equal({
          kind: "move",
          agree: true,
          claim: ZERO_BYTES32,
        });
        const disputed = gameView(honest, { lo: 4, hi: 6, midClaim: lie[5] });
        expect(decide(disputed, "proposer", honest, START)).to.deep.equal({
          kind: "move",
          agree: false,
          claim: ZERO_BYTES32,
        });
      });

      it("claims a midpoint after agreeing and zero after disagreeing when three steps remain", () => {
        // [0, 3]: mid 1; agree → [1, 3] claims 2; disagree → [0, 1].
        expect(decide(gameView(honest, { hi: 3 }), "proposer", honest, START)).to.deep.equal({
          kind: "move",
          agree: true,
          claim: honest[2],
        });
        const disputed = gameView(honest, { hi: 3, midClaim: lie[1] });
        expect(decide(disputed, "proposer", honest, START)).to.deep.equal({
          kind: "move",
          agree: false,
          claim: ZERO_BYTES32,
        });
      });

      it("judges midClaim against the trace, not against rootLo or rootHi", () => {
        // The opponent's ends are wrong but its midpoint is right: agree with the midpoint.
        const game = gameView(honest, { rootHi: lie[16], midClaim: honest[8] });
        expect(decide(game, "proposer", honest, START)).to.include({ kind: "move", agree: true });
      });
    });

    it("waits on the opponent's turn while more than one step remains", () => {
      const game = gameView(honest, { turn: "challenger", midClaim: lie[8] });
      expect(decide(game, "proposer", honest, START)).to.deep.equal({
        kind: "wait",
        reason: "the opponent's turn",
      });
    });
  });

  describe("decideDefence", () => {
    // The proposer's side holds the honest end; the challenger claims a lie at the midpoint.
    const disputed = () => gameView(honest, { midClaim: lie[8] });
    const opensAt = START + CLOCK / 2;

    it("waits while the proposer may still move: less than half its remaining clock unplayed", () => {
      expect(defenceOpensAt(disputed())).to.equal(opensAt);
      expect(decideDefence(disputed(), honest, opensAt - 1)).to.deep.include({ kind: "wait" });
    });

    it("defends as the honest proposer would move once half the clock is unplayed", () => {
      expect(decideDefence(disputed(), honest, opensAt)).to.deep.equal({
        kind: "defend",
        agree: false,
        claim: honest[4],
      });
    });

    it("counts the half from the side's remaining clock, not the full one", () => {
      const game = gameView(honest, { midClaim: lie[8], clocks: { proposer: 40, challenger: CLOCK } });
      expect(decideDefence(game, honest, START + 19)).to.deep.include({ kind: "wait" });
      expect(decideDefence(game, honest, START + 20)).to.deep.include({ kind: "defend" });
    });

    it("waits when the proposer's side is false by its trace: at rootHi or at rootLo", () => {
      const falseEnd = gameView(lie, { midClaim: honest[8], rootLo: honest[0] });
      expect(decideDefence(falseEnd, honest, opensAt)).to.deep.equal({
        kind: "wait",
        reason: "the proposer's side is false",
      });
      const falseStart = gameView(honest, { lo: 4, rootLo: lie[4], midClaim: lie[10] });
      expect(decideDefence(falseStart, honest, opensAt)).to.deep.include({ kind: "wait" });
    });

    it("defends a side that disputes the challenger's end: the side holds the truth by disputing it", () => {
      const game = gameView(honest, { hi: 8, rootHi: lie[8], hiClaimant: "challenger", midClaim: lie[4] });
      expect(decideDefence(game, honest, opensAt)).to.deep.equal({
        kind: "defend",
        agree: false,
        claim: honest[2],
      });
    });

    it("waits when the side already has a defender, on the challenger's turn, or when the clock ran out", () => {
      expect(
        decideDefence(
          gameView(honest, { midClaim: lie[8], defender: "0x" + "dd".repeat(20) }),
          honest,
          opensAt,
        ),
      ).to.deep.equal({ kind: "wait", reason: "already defended" });
      expect(
        decideDefence(gameView(honest, { midClaim: lie[8], turn: "challenger" }), honest, opensAt),
      ).to.deep.equal({ kind: "wait", reason: "the challenger's turn" });
      expect(decideDefence(disputed(), honest, START + CLOCK + 1)).to.deep.equal({
        kind: "wait",
        reason: "too late to defend",
      });
    });

    it("times out a defender that let the side's clock run out, whatever it played, and only then", () => {
      // A saboteur took the side over and stalls it with a false claim: timing it out restores the game.
      const stalled = gameView(honest, {
        rootHi: lie[16],
        midClaim: lie[8],
        defender: "0x" + "dd".repeat(20),
      });
      expect(decideDefence(stalled, honest, START + CLOCK)).to.deep.equal({
        kind: "wait",
        reason: "the proposer's side is false",
      });
      expect(decideDefence(stalled, honest, START + CLOCK + 1)).to.deep.equal({ kind: "timeout" });
      // Without a defender, timing the proposer out would remove the batch: the watcher never does.
      const vacant = gameView(honest, { midClaim: lie[8] });
      expect(decideDefence(vacant, honest, START + CLOCK + 1)).to.deep.include({ kind: "wait" });
      // On the challenger's turn the side is not the one out of time.
      const theirs = gameView(honest, {
        midClaim: lie[8],
        turn: "challenger",
        defender: "0x" + "dd".repeat(20),
      });
      expect(decideDefence(theirs, honest, START + CLOCK + 1)).to.deep.include({ kind: "wait" });
    });

    it("runs the step that makes the side win at one step, whoever's turn it is", () => {
      const game = gameView(honest, { lo: 5, hi: 6, turn: "challenger" });
      expect(decideDefence(game, honest, START + 1)).to.deep.equal({ kind: "step", index: 5 });
    });

    it("waits for a game that is over or moot", () => {
      expect(decideDefence(gameView(honest, { status: "proposerWon" }), honest, opensAt)).to.deep.include({
        kind: "wait",
      });
      expect(decideDefence(gameView(honest, { moot: true }), honest, opensAt)).to.deep.include({
        kind: "wait",
      });
    });
  });

  describe("openingClaim", () => {
    it("is zero for a one-step batch", () => {
      expect(openingClaim(traceOf(1))).to.equal(ZERO_BYTES32);
    });

    it("is the state after step 1 for a two-step batch", () => {
      expect(openingClaim(traceOf(2))).to.equal(claimOf(1));
    });

    it("is the state after step 1 for a three-step batch (the floor of 3 / 2)", () => {
      expect(openingClaim(traceOf(3))).to.equal(claimOf(1));
    });

    it("is the state after step 512 for a 1024-step batch", () => {
      expect(openingClaim(traceOf(1024))).to.equal(claimOf(512));
    });
  });

  describe("isOutOfTime", () => {
    it("is false up to and including lastMoveAt + the mover's clock, true after", () => {
      const game = gameView(honest, { turn: "challenger", clocks: { proposer: 5, challenger: 50 } });
      expect(isOutOfTime(game, START + 50)).to.equal(false);
      expect(isOutOfTime(game, START + 51)).to.equal(true);
    });
  });

  describe("other", () => {
    it("swaps the two parties", () => {
      expect(other("proposer")).to.equal("challenger");
      expect(other("challenger")).to.equal("proposer");
    });
  });

  describe("the bisection game (property)", () => {
    it("the honest side wins every game, in at most ⌈log2 n⌉ moves, whatever the other side plays", () => {
      const GAMES = { runs: 400 };
      const tally = new Map<string, number>();
      assertProperty(
        fc.property(fc.gen(), (g) => {
          const rng = drawFrom(g);
          const steps = rng.int(4) === 0 ? 1 + rng.int(1024) : 1 + rng.int(20);
          const honestSide: Party = rng.int(2) === 0 ? "proposer" : "challenger";
          const truth = randomHonestTrace(rng, steps);
          const liar = randomLie(rng, truth, honestSide === "challenger");
          const [name, strategy] = randomAdversary(rng);
          const label = `${steps} steps, honest ${honestSide}, adversary ${name}`;
          const result = playGame({ rng, truth, liar, honestSide, adversary: strategy, label });
          expect(result.winner, label).to.equal(honestSide);
          expect(result.moves, label).to.be.at.most(Math.ceil(Math.log2(steps)));
          const key = `${name}/${result.by}`;
          tally.set(key, (tally.get(key) ?? 0) + 1);
        }),
        GAMES,
      );
      // The property was exercised both ways: games ended by the step and on time (when runs allow).
      const runs = runsOf(GAMES);
      const byStep = [...tally].filter(([k]) => k.endsWith("/step")).reduce((n, [, v]) => n + v, 0);
      const byTime = [...tally].filter(([k]) => k.endsWith("/timeout")).reduce((n, [, v]) => n + v, 0);
      expect(byStep + byTime).to.equal(runs);
      if (runs >= 100) {
        expect(byStep).to.be.greaterThan(runs / 4);
        expect(byTime).to.be.greaterThan(runs / 20);
      }
    });

    it("an honest challenger's game against a lie at step k narrows to exactly step k - 1", () => {
      assertProperty(
        fc.property(
          fc
            .integer({ min: 1, max: 1024 })
            .chain((steps) => fc.tuple(fc.constant(steps), fc.integer({ min: 1, max: steps }), fc.gen())),
          ([steps, k, g]) => {
            const rng = drawFrom(g);
            const truth = randomHonestTrace(rng, steps, 0);
            const liar = truth.map((c, i) => (i >= k ? claimOf(i, 9) : c));
            const label = `${steps} steps, lie from step ${k}`;
            const result = playGame({ rng, truth, liar, honestSide: "challenger", adversary: decide, label });
            expect(result, label).to.deep.include({ winner: "challenger", by: "step", steppedAt: k - 1 });
          },
        ),
        { runs: 100 },
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The referee: DisputeGame.sol's rules, in memory
// ---------------------------------------------------------------------------------------------

interface Outcome {
  winner: Party;
  by: "step" | "timeout";
  moves: number;
  steppedAt?: number;
}

/** An honest trace: random claims, one time in five equal to the one before (a refused transaction). */
function randomHonestTrace(rng: Draw, steps: number, repeatOneIn = 5): string[] {
  const trace = [rng.hex(32)];
  for (let i = 1; i <= steps; i++) {
    trace.push(repeatOneIn > 0 && rng.int(repeatOneIn) === 0 ? trace[i - 1] : rng.hex(32));
  }
  return trace;
}

/**
 * A lying trace: wrong from some step on, wrong at scattered steps, wrong everywhere, or (for a
 * challenger only) the truth itself. A lying proposer's end claim is always wrong: that is the lie.
 */
function randomLie(rng: Draw, truth: readonly string[], liarProposes: boolean): string[] {
  const n = truth.length - 1;
  let lie: string[];
  switch (rng.int(liarProposes ? 3 : 4)) {
    case 0: {
      const from = 1 + rng.int(n);
      lie = truth.map((c, i) => (i >= from ? rng.hex(32) : c));
      break;
    }
    case 1:
      lie = truth.map((c) => (rng.int(3) === 0 ? rng.hex(32) : c));
      break;
    case 2:
      lie = truth.map(() => rng.hex(32));
      break;
    default:
      lie = truth.slice();
  }
  if (liarProposes && lie[n] === truth[n]) lie[n] = rng.hex(32);
  return lie;
}

/** Anything at all, legal or not: the referee refuses what the contract would revert. */
function chaos(rng: Draw): Strategy {
  return (game) => {
    const span = game.hi - game.lo;
    switch (rng.int(6)) {
      case 0:
        return {
          kind: "move",
          agree: rng.int(2) === 0,
          claim: rng.int(4) === 0 ? ZERO_BYTES32 : rng.hex(32),
        };
      case 1:
        return { kind: "step", index: game.lo + rng.int(span + 1) - (rng.int(4) === 0 ? 1 : 0) };
      case 2:
        return { kind: "timeout" };
      case 3:
        return { kind: "cancel" };
      default:
        return { kind: "wait", reason: "chaos" };
    }
  };
}

/** Plays honestly for a while, then stops answering. */
function quitter(rng: Draw): Strategy {
  let movesLeft = rng.int(6);
  return (game, me, trace, now) => {
    const action = decide(game, me, trace, now);
    if (action.kind !== "move") return action;
    return movesLeft-- > 0 ? action : { kind: "wait", reason: "quit" };
  };
}

function randomAdversary(rng: Draw): [string, Strategy] {
  const all: [string, () => Strategy][] = [
    ["liar", () => decide],
    ["erratic", () => erratic(rng)],
    ["stall", () => stall],
    ["chaos", () => chaos(rng)],
    ["quitter", () => quitter(rng)],
  ];
  const [name, make] = all[rng.int(all.length)];
  return [name, make()];
}

/**
 * Plays one game to the end. The challenger opens with its opening claim (an erratic or chaotic one
 * with a random claim). Each round the side to move acts first, then the other; when a round changes
 * nothing, the clock jumps past the mover's time. Asserts the invariants the contract's @dev relies on
 * after every accepted action: rootLo is always true, rootHi is true exactly when the honest side
 * holds it.
 */
function playGame(o: {
  rng: Draw;
  truth: readonly string[];
  liar: readonly string[];
  honestSide: Party;
  adversary: Strategy;
  /** Names the case in a failure message. */
  label: string;
}): Outcome {
  const { rng, truth, liar, honestSide } = o;
  const n = truth.length - 1;
  const traceOfSide = (side: Party) => (side === honestSide ? truth : liar);
  const strategyOf = (side: Party): Strategy => (side === honestSide ? decide : o.adversary);
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

  let now = START;
  const opening =
    honestSide === "challenger" || o.adversary === decide || n === 1
      ? openingClaim(traceOfSide("challenger"))
      : rng.hex(32);
  const g: GameView = {
    id: 0n,
    batchIndex: 1,
    challenger: "0x" + "cc".repeat(20),
    status: "open",
    lo: 0,
    hi: n,
    turn: "proposer",
    hiClaimant: "proposer",
    rootLo: truth[0], // the contract derives it from the parent's (final or agreed) state
    rootHi: traceOfSide("proposer")[n],
    midClaim: opening,
    lastMoveAt: now,
    clocks: { proposer: CLOCK, challenger: CLOCK },
    defender: null,
    moot: false,
  };
  let moves = 0;
  let outcome: Outcome | undefined;

  const checkInvariants = () => {
    expect(same(g.rootLo, truth[g.lo]), `${o.label}: rootLo at ${g.lo} is true`).to.equal(true);
    expect(
      same(g.rootHi, truth[g.hi]),
      `${o.label}: rootHi at ${g.hi} is true iff the honest side holds it`,
    ).to.equal(g.hiClaimant === honestSide);
  };

  const timeLeft = (): number | undefined => {
    const left = g.clocks[g.turn] - (now - g.lastMoveAt);
    return left < 0 ? undefined : left;
  };

  /** Applies `action` by `by` as the contract would; false when the contract would revert (or wait). */
  const apply = (by: Party, action: Action): boolean => {
    switch (action.kind) {
      case "wait":
      case "cancel": // the batch is live: OptimisticGameNotMoot
      case "defend": // the game's own sides never defend: OptimisticProposerMustMove, NotYourTurn
        return false;
      case "timeout":
        if (now <= g.lastMoveAt + g.clocks[g.turn]) return false; // OptimisticClockRunning
        outcome = { winner: other(g.turn), by: "timeout", moves };
        return true;
      case "move": {
        if (g.hi - g.lo === 1 || by !== g.turn) return false; // AwaitingStep, NotYourTurn
        const left = timeLeft();
        if (left === undefined) return false; // ClockExpired
        const mid = Math.floor((g.lo + g.hi) / 2);
        const [lo, hi] = action.agree ? [mid, g.hi] : [g.lo, mid];
        if (hi - lo > 1 !== (action.claim !== ZERO_BYTES32)) return false; // Missing/UnexpectedClaim
        if (action.agree) {
          g.rootLo = g.midClaim;
        } else {
          g.rootHi = g.midClaim;
          g.hiClaimant = other(by);
        }
        g.lo = lo;
        g.hi = hi;
        g.midClaim = action.claim;
        g.clocks[by] = left;
        g.turn = other(by);
        g.lastMoveAt = now;
        moves++;
        return true;
      }
      case "step": {
        if (g.hi - g.lo !== 1 || timeLeft() === undefined) return false; // NotOneStep, ClockExpired
        if (action.index !== g.lo) return false; // StepNotInBatch
        // Nobody can produce a pre-state for a false rootLo; from a true one, execution gives the truth.
        if (!same(g.rootLo, truth[g.lo])) return false; // PreStateMismatch
        const post = truth[g.lo + 1];
        const winner = same(post, g.rootHi) ? g.hiClaimant : other(g.hiClaimant);
        outcome = { winner, by: "step", moves, steppedAt: g.lo };
        return true;
      }
    }
  };

  checkInvariants();
  for (let round = 0; round < 200 && !outcome; round++) {
    let changed = false;
    for (const side of [g.turn, other(g.turn)]) {
      if (outcome) break;
      const view: GameView = { ...g, clocks: { ...g.clocks } };
      if (apply(side, strategyOf(side)(view, side, traceOfSide(side), now))) {
        changed = true;
        if (!outcome) checkInvariants();
      }
    }
    now += changed ? 1 + rng.int(10) : g.clocks[g.turn] + 1;
  }
  if (!outcome) throw new Error(`${o.label}: the game did not end within 200 rounds`);
  return outcome;
}
