// The demo's channels story (src/demo/channels.ts) on a `hardhat node`, with Bob's channel client and his
// watchtower as separate processes (started as `npm run channel-client` / `npm run watchtower` start them, by the
// channels stack), run silently with its outcomes asserted as in test/e2e/demo-channels.test.ts (the shared
// expectations of test/e2e/demo-expectations/channels.ts): the payments cross the process boundary both ways
// (Bob's are asked of his process over JSON-RPC) and both stores end with the same final state; Bob's process
// deposits its own share; after Bob's process is stopped, the watchtower process (its own account) refutes Alice's
// stale registration on its own and the newest state concludes; Bob's process passes the multi-hop payment on;
// the adjudicator stays solvent and owes nothing at the end; and every service the story started has exited.
import { connect } from "node:net";
import { expect } from "chai";
import { startChannelsDemoStack } from "../../src/demo/channels";
import { HARDHAT_NODE, servicePorts, useServicesStage } from "../helpers/demo-services";
import * as channels from "./demo-expectations/channels";

describe("e2e: demo channels story with the operators as processes", function () {
  this.timeout(300_000);
  let ports: number[];
  const demo = channels.useChannelsDemo(
    useServicesStage(HARDHAT_NODE),
    async ({ deployment, provider, services }) => {
      ports = await servicePorts(3);
      const [bobPeer, bobRpc, watchtower] = ports;
      return startChannelsDemoStack(deployment, provider, services, {
        ports: {
          "channel-client-bob": { peer: bobPeer, rpc: bobRpc },
          "watchtower-bob": { rpc: watchtower },
        },
      });
    },
    { payments: 200 },
  );

  channels.shouldRunWithTheServiceAccounts(demo, "processes");

  it("says in its narration what runs where, never the demo's accounts", function () {
    const lead = demo().lines.find((l) => l.includes("run as separate processes"));
    expect(lead, "the narration says what runs where").to.not.equal(undefined);
  });

  it("lets Bob's process deposit its own share after Alice's", function () {
    expect(demo().result.cooperative.depositGas).to.have.length(2);
    const deposited = /\d+\. deposit\s+Bob's client process deposits 5\.0 ETH/;
    expect(demo().lines.some((l) => deposited.test(l))).to.equal(true);
  });

  channels.shouldTellTheChannelsStory(demo);

  it("stops every service it started: nothing listens on their ports any more", async function () {
    for (const p of ports) expect(await accepts(p), `port ${p}`).to.equal(false);
  });
});

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
