// The demo's command line (`npm run demo -- <flow>… --network <name>`): flows in run order, each once,
// and a named usage error for anything else.
import { expect } from "chai";
import { DEMO_FLOWS, DemoUsageError, demoFlowsFrom, parseDemoArgs } from "../../src/demo/flows";

describe("demo: command line", function () {
  it("runs every flow on the in-process network by default, zk last", function () {
    expect(parseDemoArgs([])).to.deep.equal({ flows: [...DEMO_FLOWS], network: "hardhat", help: false });
    expect(DEMO_FLOWS[DEMO_FLOWS.length - 1]).to.equal("zk");
  });

  it("runs the named flows once each, in run order, on the named network", function () {
    expect(parseDemoArgs(["zk", "bridge", "zk", "--network", "localhost"])).to.deep.equal({
      flows: ["bridge", "zk"],
      network: "localhost",
      help: false,
    });
    expect(parseDemoArgs(["--network=anvil", "channels"]).network).to.equal("anvil");
    expect(parseDemoArgs(["all", "zk"]).flows).to.deep.equal([...DEMO_FLOWS]);
    expect(parseDemoArgs(["--help"]).help).to.equal(true);
  });

  it("refuses an unknown flow, an unknown option and a non-local network by name", function () {
    expect(() => parseDemoArgs(["rollups"])).to.throw(DemoUsageError, 'unknown flow "rollups"');
    expect(() => parseDemoArgs(["--fast"])).to.throw(DemoUsageError, "unknown option --fast");
    expect(() => parseDemoArgs(["--network"])).to.throw(DemoUsageError, "--network needs a value");
    expect(() => parseDemoArgs(["--network", "mainnet"])).to.throw(DemoUsageError, "not on mainnet");
  });

  it("reads the flows the CLI hands to scripts/demo.ts", function () {
    expect(demoFlowsFrom(undefined)).to.deep.equal([...DEMO_FLOWS]);
    expect(demoFlowsFrom("optimistic, channels")).to.deep.equal(["optimistic", "channels"]);
    expect(() => demoFlowsFrom("optimistic,plasma")).to.throw(DemoUsageError, '"plasma"');
  });
});
