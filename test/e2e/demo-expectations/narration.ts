// What the demo's tests read from its narration: every line it printed, and the numbered steps among them
// ("  3. deposit            Alice deposits 5.0 ETH …  [gas 61,234]"), each named by its protocol verb.
import { expect } from "chai";
import { Narrator } from "../../../src/demo/narrator";

const STEP = /^\s*\d+\. (\S+)/;

/**
 * A narrator that keeps every line it is given, for a test to read; with STRATA_DEMO_TEST_NARRATE set it
 * also prints them.
 */
export function recordNarration(): { say: Narrator; lines: string[] } {
  const lines: string[] = [];
  const print = process.env.STRATA_DEMO_TEST_NARRATE !== undefined;
  const say = new Narrator((line) => {
    lines.push(line);
    if (print) console.log(line);
  });
  return { say, lines };
}

/** The numbered steps among the narrated lines. */
export function narratedSteps(lines: readonly string[]): string[] {
  return lines.filter((line) => STEP.test(line));
}

/** Asserts that the narration has a step for each of `verbs`. */
export function expectVerbsNarrated(lines: readonly string[], verbs: readonly string[]): void {
  const narrated = narratedSteps(lines).map((line) => STEP.exec(line)![1]);
  for (const verb of verbs) expect(narrated, verb).to.include(verb);
}

/** Asserts that every step narrated with one of `verbs` ends with the gas its transaction used. */
export function expectGasNarrated(lines: readonly string[], verbs: readonly string[]): void {
  for (const verb of verbs) {
    for (const line of narratedSteps(lines).filter((l) => new RegExp(`^\\s*\\d+\\. ${verb} `).test(l))) {
      expect(line, line).to.match(/\[gas [\d,]+\]$/);
    }
  }
}
