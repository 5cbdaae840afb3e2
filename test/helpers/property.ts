// Property tests on fast-check, replayable. Each property runs its own number of times with a fresh
// random seed; a failure reports fast-check's counterexample (shrunk for up to 30 s where the property allows it)
// with its seed and path, and the environment that replays exactly that case:
//
//   STRATA_FC_SEED=<seed> STRATA_FC_PATH=<path> npx hardhat test --no-compile <file> --grep <test>
//
// STRATA_FC_SEED alone reruns every property from that seed; STRATA_FC_RUNS=<n> makes every property
// run n times (more to search harder, 1 for a quick pass).
import fc from "fast-check";

export interface PropertyOptions {
  /** Runs when STRATA_FC_RUNS does not say otherwise. */
  runs: number;
  /**
   * Shrink a failure to a smaller counterexample (default true). Off for properties whose runs are
   * slow (a chain per run): the failure is reported at once, with its seed and path.
   */
  shrink?: boolean;
}

function envInteger(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got "${text}"`);
  return value;
}

/** The runs a property makes: its own, or STRATA_FC_RUNS when set. */
export function runsOf(options: PropertyOptions): number {
  return Math.max(1, envInteger("STRATA_FC_RUNS") ?? options.runs);
}

/**
 * How long a failure is shrunk before it is reported as it stands. Shrinking replays the property
 * hundreds of times; an asynchronous property whose body never waits on a timer (signing, hashing)
 * never lets mocha's timeout fire, so an unbounded shrink would hang the suite rather than fail it.
 */
const SHRINK_BUDGET_MS = 30_000;

/** The fast-check parameters of a property's search: its runs, and the seed and path to replay when given. */
export function propertyParameters<Ts>(options: PropertyOptions): fc.Parameters<Ts> {
  const runs = runsOf(options);
  const seed = envInteger("STRATA_FC_SEED");
  const path = process.env.STRATA_FC_PATH || undefined;
  return {
    numRuns: runs,
    ...(seed === undefined ? {} : { seed }),
    ...(seed !== undefined && path !== undefined ? { path } : {}),
    endOnFailure: true,
  };
}

/** The parameters that shrink a failure found by the search, from its seed and path, within the budget. */
function shrinkParameters<Ts>(found: fc.RunDetails<Ts>): fc.Parameters<Ts> {
  return {
    seed: found.seed,
    ...(found.counterexamplePath === null ? {} : { path: found.counterexamplePath }),
    interruptAfterTimeLimit: SHRINK_BUDGET_MS,
  };
}

/** A property that failed: fast-check's report, then how to replay it; `cause` is the failure itself. */
export class PropertyFailedError extends Error {
  constructor(
    report: string,
    readonly seed: number,
    readonly path: string | null,
    options: { cause?: unknown },
  ) {
    const replay = `STRATA_FC_SEED=${seed}` + (path === null ? "" : ` STRATA_FC_PATH=${path}`);
    super(`${report}\n\nReplay this case with ${replay}`, options);
    this.name = "PropertyFailedError";
  }
}

function throwOnFailure<Ts>(details: fc.RunDetails<Ts>): void {
  if (!details.failed) return;
  const report = fc.defaultReportMessage(details) ?? "property failed";
  throw new PropertyFailedError(report, details.seed, details.counterexamplePath, {
    cause: details.errorInstance,
  });
}

/**
 * The failure to report: the shrunk one when shrinking reproduced it (a property that depends on
 * anything outside its draws may not), else the one the search found.
 */
function reported<Ts>(found: fc.RunDetails<Ts>, shrunk: fc.RunDetails<Ts>): fc.RunDetails<Ts> {
  return shrunk.failed ? shrunk : found;
}

/**
 * Checks a synchronous property; throws `PropertyFailedError` (seed and path included) on a
 * counterexample, shrunk for at most `SHRINK_BUDGET_MS` unless the property says not to shrink.
 */
export function assertProperty<Ts>(property: fc.IProperty<Ts>, options: PropertyOptions): void {
  const found = fc.check(property, propertyParameters<Ts>(options));
  if (!found.failed || options.shrink === false) return throwOnFailure(found);
  throwOnFailure(reported(found, fc.check(property, shrinkParameters(found))));
}

/** `assertProperty` for an asynchronous property: rejects with `PropertyFailedError`. */
export async function assertAsyncProperty<Ts>(
  property: fc.IAsyncProperty<Ts>,
  options: PropertyOptions,
): Promise<void> {
  const found = await fc.check(property, propertyParameters<Ts>(options));
  if (!found.failed || options.shrink === false) return throwOnFailure(found);
  throwOnFailure(reported(found, await fc.check(property, shrinkParameters(found))));
}

/**
 * Values drawn one at a time inside a property, from fast-check's `fc.gen()`: for the tests whose
 * random choices depend on the state reached (a game's next move, a step that fits the accounts so
 * far), so they cannot all be laid out up front. The draws replay with the property's seed and path.
 */
export interface Draw {
  /** An integer in [0, n). */
  int(n: number): number;
  /** An unsigned 32-bit integer. */
  u32(): number;
  /** An unsigned integer of `bits` bits. */
  bigint(bits: number): bigint;
  /** An unsigned integer of `bits` bits, one time in four 0 and one in four the maximum. */
  edgy(bits: number): bigint;
  /** `bytes` uniformly random bytes as lower-case 0x hex (hash-like: two draws practically never meet). */
  hex(bytes: number): string;
  /** One of `items`. */
  pick<T>(items: readonly T[]): T;
}

/** Checks `body`, `options.runs` times, each run with its own draws. */
export function forAllDraws(options: PropertyOptions, body: (rng: Draw) => void): void {
  assertProperty(
    fc.property(fc.gen(), (g) => body(drawFrom(g))),
    options,
  );
}

/** `forAllDraws` for an asynchronous body. */
export function forAllDrawsAsync(
  options: PropertyOptions,
  body: (rng: Draw) => Promise<void>,
): Promise<void> {
  return assertAsyncProperty(
    fc.asyncProperty(fc.gen(), (g) => body(drawFrom(g))),
    options,
  );
}

/** `Draw` over a fast-check generator (the value of `fc.gen()`). */
export function drawFrom(g: fc.GeneratorValue): Draw {
  const bigint = (bits: number): bigint => g(fc.bigInt, { min: 0n, max: (1n << BigInt(bits)) - 1n });
  return {
    int: (n) => g(uniformIndex, n),
    u32: () => g(fc.nat, { max: 0xffffffff }),
    bigint,
    edgy: (bits) => g(edgyUint, bits),
    hex: (bytes) => g(uniformHexBytes, bytes),
    pick: (items) => items[g(uniformIndex, items.length)],
  };
}

/**
 * An index in [0, n), uniformly: a choice among cases (a scenario, a party, a branch) must not lean
 * towards the first and last ones as fast-check's integers do, or a run of a few hundred choices can
 * miss a case entirely. Edge values are drawn on purpose with `edgy`.
 */
const uniformIndex = (n: number): fc.Arbitrary<number> => fc.noBias(fc.integer({ min: 0, max: n - 1 }));

const uniformHexBytes = (bytes: number): fc.Arbitrary<string> => fc.noBias(hexBytes(bytes));

/** `bytes` random bytes as lower-case 0x hex (biased, as fast-check is, towards small and repeated values). */
export function hexBytes(bytes: number): fc.Arbitrary<string> {
  return fc
    .uint8Array({ minLength: bytes, maxLength: bytes })
    .map((b) => "0x" + Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex"));
}

/** An unsigned integer of `bits` bits, one time in four 0 and one in four the maximum. */
export function edgyUint(bits: number): fc.Arbitrary<bigint> {
  const max = (1n << BigInt(bits)) - 1n;
  return fc.oneof(
    { arbitrary: fc.constant(0n), weight: 1 },
    { arbitrary: fc.constant(max), weight: 1 },
    { arbitrary: fc.bigInt({ min: 0n, max }), weight: 2 },
  );
}

/** `edgyUint(bits)` as a number (bits ≤ 53). */
export function edgyNumber(bits: number): fc.Arbitrary<number> {
  return edgyUint(bits).map(Number);
}

/**
 * A fixed example of `arbitrary`, the same on every run: the data of a test that is not a property
 * (a batch to tamper with, a key to sign with), picked by `seed`.
 */
export function exampleOf<T>(arbitrary: fc.Arbitrary<T>, seed: number): T {
  return fc.sample(arbitrary, { seed, numRuns: 1 })[0];
}

/**
 * A `Draw` whose values `seed` fixes, the same on every run, uniform (no bias towards edges): for
 * fixture data outside any property (keys, stand-in proofs), where a run must not depend on chance.
 */
export function seededDraw(seed: number): Draw {
  let next = seed;
  const take = <T>(arbitrary: fc.Arbitrary<T>): T => exampleOf(fc.noBias(arbitrary), next++);
  const bigint = (bits: number): bigint => take(fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }));
  return {
    int: (n) => take(fc.integer({ min: 0, max: n - 1 })),
    u32: () => take(fc.nat({ max: 0xffffffff })),
    bigint,
    edgy: (bits) => take(edgyUint(bits)),
    hex: (bytes) => take(hexBytes(bytes)),
    pick: (items) => items[take(fc.integer({ min: 0, max: items.length - 1 }))],
  };
}
