// Measured figures and how the bench takes them: medians of rounds after a warm-up.
/** A flat set of measured figures: "<subsystem>.<thing>.<unit>" → number. */
export type Figures = Record<string, number>;

/** The middle value (the mean of the two middle ones for an even count), rounded to an integer. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return Math.round(sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2);
}

/**
 * Runs `work` (which does `n` operations) `rounds` times after one warm-up; returns the median rate.
 * `work` is told its round (0 is the warm-up), so each round can take its own inputs.
 */
export function medianRate(n: number, rounds: number, work: (round: number) => void): number {
  work(0);
  const rates: number[] = [];
  for (let r = 1; r <= rounds; r++) {
    const start = process.hrtime.bigint();
    work(r);
    rates.push(rateSince(start, n));
  }
  return median(rates);
}

/** `medianRate` for asynchronous work. */
export async function medianRateAsync(
  n: number,
  rounds: number,
  work: (round: number) => Promise<void>,
): Promise<number> {
  await work(0);
  const rates: number[] = [];
  for (let r = 1; r <= rounds; r++) {
    const start = process.hrtime.bigint();
    await work(r);
    rates.push(rateSince(start, n));
  }
  return median(rates);
}

function rateSince(start: bigint, n: number): number {
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}
