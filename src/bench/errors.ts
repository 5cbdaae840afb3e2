// The bench's errors (`npm run bench`): an option names something that does not exist, or a measurement
// did not go as its setup says it must (a figure from it would be meaningless, so none is reported).
import { StrataError } from "../common/errors";

export class BenchError extends StrataError {}

/** STRATA_BENCH names a suite that does not exist. */
export class BenchConfigError extends BenchError {}

/** A measurement's run ended differently from its setup (a batch of the wrong size, a game not won). */
export class BenchRunError extends BenchError {}
