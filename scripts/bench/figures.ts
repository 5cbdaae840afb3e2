/** A flat set of measured figures: "<subsystem>.<thing>.<unit>" → number. */
export type Figures = Record<string, number>;

/** Runs `work` (which does `n` operations) `rounds` times after one warm-up; returns the median rate. */
export function medianRate(n: number, rounds: number, work: () => void): number {
  work();
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    work();
    rates.push(n / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  rates.sort((a, b) => a - b);
  return Math.round(rates[Math.floor(rates.length / 2)]);
}
