// The demo's command line (`npx hardhat demo [flows…] --network <name>`, its settings in src/config):
// flows in run order, each once, and a named error for anything else.
import { expect } from "chai";
import { ConfigError, loadSettings } from "../../src/config/load";
import { DEMO_FLOWS } from "../../src/demo/flows";

const demo = (flows: string[], network = "hardhat", env: NodeJS.ProcessEnv = {}) =>
  loadSettings("demo", { network, flags: { flows }, env });

describe("demo: command line", function () {
  it("runs every flow on the in-process network by default, zk last", function () {
    expect(demo([]).flows).to.deep.equal([...DEMO_FLOWS]);
    expect(DEMO_FLOWS[DEMO_FLOWS.length - 1]).to.equal("zk");
  });

  it("runs the named flows once each, in run order", function () {
    expect(demo(["zk", "bridge", "zk"], "localhost").flows).to.deep.equal(["bridge", "zk"]);
    expect(demo(["all", "zk"]).flows).to.deep.equal([...DEMO_FLOWS]);
    expect(demo([], "anvil", { STRATA_DEMO_FLOWS: "optimistic, channels" }).flows).to.deep.equal([
      "optimistic",
      "channels",
    ]);
    expect(demo(["zk"], "hardhat", { STRATA_DEMO_FLOWS: "bridge" }).flows, "the arguments win").to.deep.equal(
      ["zk"],
    );
  });

  it("tells the optimistic story with calldata, then blobs, by default; --data picks one mode", function () {
    expect(demo([]).data).to.equal("both");
    expect(loadSettings("demo", { network: "anvil", flags: { data: "blobs" }, env: {} }).data).to.equal(
      "blobs",
    );
    expect(demo([], "localhost", { STRATA_DEMO_DATA: "calldata" }).data).to.equal("calldata");
    expect(() => demo([], "hardhat", { STRATA_DEMO_DATA: "blob" })).to.throw(ConfigError, "STRATA_DEMO_DATA");
  });

  it("refuses an unknown flow and a non-local network by name", function () {
    expect(() => demo(["rollups"])).to.throw(
      ConfigError,
      '<flows> / STRATA_DEMO_FLOWS must be a comma-separated list of bridge, optimistic, channels, sidechain, zk (or all), got "rollups"',
    );
    expect(() => demo([], "mainnet")).to.throw(
      ConfigError,
      "--network mainnet: the demo moves the chain's clock",
    );
  });
});
