// The demo's channels story (src/demo/channels.ts), run silently on the in-process network with Bob's client
// and his watchtower in this process (fewer payments than the demo), with its outcomes asserted (not just that
// it printed): the cooperative close pays exactly the final balances, the stale registration is refuted by the
// watchtower and the newest version concludes, the multi-hop lock pays Carol on B–C and Bob on A–B, and the
// invariants hold at the end. The same expectations run against processes in demo-services-channels.test.ts.
import { expect } from "chai";
import { startChannelsDemoStack } from "../../src/demo/channels";
import { useInProcessStage } from "../helpers/demo-services";
import * as channels from "./demo-expectations/channels";

describe("e2e: demo channels story", function () {
  this.timeout(300_000);
  const demo = channels.useChannelsDemo(
    useInProcessStage(),
    ({ deployment, provider }) => startChannelsDemoStack(deployment, provider),
    { payments: 200, challengeDuration: 3_600 },
  );

  channels.shouldRunWithTheServiceAccounts(demo, "in-process");

  it("narrates that Bob's client deposits its own share", function () {
    const deposited = /\d+\. deposit\s+Bob's client deposits 5\.0 ETH on its own/;
    expect(demo().lines.some((l) => deposited.test(l))).to.equal(true);
  });

  channels.shouldTellTheChannelsStory(demo);
});
