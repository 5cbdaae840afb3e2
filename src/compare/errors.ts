// The comparison's errors (`npm run compare`): a bad option, and a design whose run did not deliver what
// the workload asked for (a balance, a payout, a refusal that should have happened). A failed outcome
// stops the run: a figure from a run that did not do the work is not reported.
import { StrataError } from "../common/errors";

export class CompareError extends StrataError {}

/** An option is out of range or names something that does not exist. */
export class CompareConfigError extends CompareError {}

/** A design's run ended differently from what the workload implies. */
export class CompareOutcomeError extends CompareError {}
