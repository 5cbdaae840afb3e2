// The demo's channels flow on a `hardhat node`, with Bob's channel client and his watchtower as separate
// processes (started as `npm run channel-client` / `npm run watchtower` start them), run silently with its
// outcomes asserted as in test/e2e/demo-channels.test.ts (the shared expectations of
// test/e2e/demo-expectations/channels.ts): the payments cross the process boundary and both stores end
// with the same final state; Bob's process deposits its own share; after Bob's process is stopped, the
// watchtower process (its own account) refutes Alice's stale registration on its own and the newest state
// concludes; the multi-hop payment settles on Layer 1; the adjudicator stays solvent and owes nothing at
// the end; and every service the flow started has exited.
import { connect } from "node:net";
import { expect } from "chai";
import { Wallet } from "ethers";
import { AdjudicatorClient } from "../../src/channels/adjudicator-client";
import { localAccountKey } from "../../src/common/processes";
import type { ChannelsServicesResult } from "../../scripts/demo/services/channels";
import { CHANNELS_SERVICE_ACCOUNTS, runChannelsServices } from "../../scripts/demo/services/channels";
import { HARDHAT_NODE, servicePorts, useServicesStage } from "../helpers/demo-services";
import * as channels from "./demo-expectations/channels";
import { recordNarration } from "./demo-expectations/narration";

const PAYMENTS = 200;

describe("e2e: demo channels flow with the operators as processes", function () {
  this.timeout(300_000);
  const stage = useServicesStage(HARDHAT_NODE);
  let ports: { bobClient: number; watchtower: number };
  let demo: channels.ChannelsDemoRun<ChannelsServicesResult>;

  before(async function () {
    const { provider, deployment, services, signers } = stage();
    const [alice, bob, carol] = await signers(3, 4, 6);
    const [bobClient, watchtower] = await servicePorts(2);
    ports = { bobClient, watchtower };
    const { say, lines } = recordNarration();
    const result = await runChannelsServices(deployment, { alice, bob, carol }, say, services, {
      payments: PAYMENTS,
      ports,
    });
    demo = {
      result,
      lines,
      provider,
      adjudicator: new AdjudicatorClient(deployment.contracts.Adjudicator, provider),
      payments: PAYMENTS,
    };
  });

  it("runs Bob's client and the watchtower with the service accounts, never the demo's", function () {
    const key = (i: number) => new Wallet(localAccountKey(i)).address;
    expect(demo.result.accounts.bobClient).to.equal(key(CHANNELS_SERVICE_ACCOUNTS.bobClient));
    expect(demo.result.accounts.watchtower).to.equal(key(CHANNELS_SERVICE_ACCOUNTS.watchtower));
    const lead = demo.lines.find((l) => l.includes("run as separate processes"));
    expect(lead, "the narration says what runs where").to.not.equal(undefined);
  });

  describe("open, pay, close with Bob's client as a process", function () {
    channels.shouldOpenPayAndClose(() => demo);

    it("lets Bob's process deposit its own share after Alice's", function () {
      expect(demo.result.cooperative.depositGas).to.have.length(2);
      const deposited = /\d+\. deposit\s+Bob's client process deposits 5\.0 ETH/;
      expect(demo.lines.some((l) => deposited.test(l))).to.equal(true);
    });

    it("makes every payment from Alice: Bob's process only answers", function () {
      const { payments } = demo.result.cooperative;
      expect(payments).to.include({ aliceToBob: PAYMENTS, bobToAlice: 0 });
    });
  });

  describe("a stale registration defeated by the watchtower process", function () {
    channels.shouldDefeatTheStaleRegistration(() => demo);

    it("hands all of Bob's states to the watchtower from his process", function () {
      const s = demo.result.staleClose;
      expect(s.newest.version).to.equal(BigInt(s.payments));
    });

    it("has the watchtower process refute from its own account after Bob's process stopped", function () {
      expect(demo.result.staleClose.refutedBy).to.equal(demo.result.accounts.watchtower);
    });
  });

  describe("a multi-hop payment settled on Layer 1", function () {
    channels.shouldSettleTheMultihopPayment(() => demo);
  });

  channels.shouldKeepTheAdjudicatorSolvent(() => demo);

  it("stops every service it started: nothing listens on their ports any more", async function () {
    for (const p of Object.values(ports)) expect(await accepts(p), `port ${p}`).to.equal(false);
  });

  channels.shouldNarrateEveryStep(() => demo);
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
