import { expect } from "chai";
import { PRODUCTION_TIMING } from "../../src/optimistic/config";
import { layer3ExitTime } from "../../src/sidechain/layer3";

describe("layer3ExitTime", function () {
  it("adds the sidechain's checkpoint wait to the Layer-3 challenge window: neither hop shortens the other", function () {
    const halfAnHour = 30 * 60;
    const exit = layer3ExitTime({
      challengeWindow: PRODUCTION_TIMING.challengeWindow,
      checkpointInterval: halfAnHour,
    });
    expect(exit).to.deep.equal({
      layer3: 7 * 24 * 60 * 60,
      sidechain: halfAnHour,
      total: 7 * 24 * 60 * 60 + halfAnHour,
    });
  });
});
