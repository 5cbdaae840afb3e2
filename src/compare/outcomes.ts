// Checks a design's run against the workload before any of its figures is reported: every balance the
// workload implies, the withdrawal paid exactly (to the right recipient, and refused the second time),
// and for channels, no Layer-1 block while paying. A mismatch is a CompareOutcomeError. Pure.
import { CompareOutcomeError } from "./errors";
import type { DesignMeasurement } from "./types";

/** What is wrong with a design's outcomes (empty: nothing). */
export function outcomeProblems(m: DesignMeasurement): string[] {
  const problems: string[] = [];
  const { balances, withdrawal } = m.outcomes;
  if (balances.actual.length !== balances.expected.length) {
    problems.push(`${balances.actual.length} balances, ${balances.expected.length} expected`);
  }
  balances.expected.forEach((expected, u) => {
    if (balances.actual[u] !== expected) {
      problems.push(`user ${u} holds ${balances.actual[u]}, the workload says ${expected}`);
    }
  });
  if (withdrawal) {
    if (withdrawal.paid !== withdrawal.amount) {
      problems.push(
        `the withdrawal paid ${withdrawal.paid} to ${withdrawal.recipient}, not ${withdrawal.amount}`,
      );
    }
    if (withdrawal.secondAttempt === undefined)
      problems.push("a second payout of the withdrawal was not refused");
  }
  if (m.id === "channels" && m.outcomes.blocksDuringTransfers !== 0) {
    problems.push(
      `${m.outcomes.blocksDuringTransfers} Layer-1 blocks were mined during the channel payments`,
    );
  }
  return problems;
}

export function assertOutcomes(m: DesignMeasurement): void {
  const problems = outcomeProblems(m);
  if (problems.length > 0) {
    throw new CompareOutcomeError(`${m.label} did not deliver the workload: ${problems.join("; ")}`);
  }
}
