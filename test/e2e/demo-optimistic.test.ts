// The demo's optimistic story (src/demo/optimistic.ts), run silently on the in-process network with the
// sequencer and the challenger in this process (their service loops running, as in their processes),
// with its outcomes asserted (not just that it printed): the honest round trip pays Bob once, the fraud is
// removed and paid for, and the invariants hold at the end.
import { useInProcessStage } from "../helpers/demo-services";
import * as optimistic from "./demo-expectations/optimistic";

describe("e2e: demo optimistic flow", function () {
  this.timeout(180_000);
  optimistic.shouldTellTheOptimisticStory(optimistic.useOptimisticDemo(useInProcessStage()));
});
