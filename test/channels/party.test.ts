import { expect } from "chai";
import { parseEther } from "ethers";
import { ethers } from "hardhat";
import type { ChannelEvent } from "../../src/channels/events";
import { ChannelPartyClient, serveChannelParty } from "../../src/channels/party-rpc";
import type { LocalPartySide } from "../../src/channels/stack";
import { ETH } from "../../src/channels/types";
import type { Published } from "../../src/common/events";
import { ofType, readAllEvents, waitForEvent } from "../../src/common/events";
import type { RpcServer } from "../../src/common/json-rpc";
import { RpcError, TxRejectedError } from "../../src/common/json-rpc";
import { createLogger } from "../../src/common/logger";
import type { ChannelsFixture } from "./fixtures";
import { useAliceAndBob } from "./fixtures";

const logger = createLogger({ level: "warn" });

describe("ChannelParty and its JSON-RPC service", function () {
  this.timeout(120_000);
  let f: ChannelsFixture;
  let alice: LocalPartySide;
  let bob: LocalPartySide;
  let server: RpcServer;
  let rpc: ChannelPartyClient;

  const parties = useAliceAndBob("strata-channel-party-", logger);
  beforeEach(async () => {
    ({ f, alice, bob } = parties());
    server = await serveChannelParty(alice.party, { logger });
    rpc = new ChannelPartyClient(server.url);
  });
  afterEach(async () => server.close());

  /** Alice (over her JSON-RPC) opens a 3 ETH / 1 ETH channel with Bob; Bob deposits his share on his own. */
  async function openOverRpc() {
    const opened = await rpc.open(
      { address: bob.address, url: bob.peerUrl },
      [{ asset: ETH, balances: [parseEther("3"), parseEther("1")] }],
      { nonce: 1n, challengeDuration: 600 },
    );
    await waitForEvent(
      bob.events,
      ofType("deposited", (e) => e.channelId === opened.channelId),
      { timeoutMs: 20_000, pollMs: 20 },
    );
    return opened;
  }

  it("channel_open: both sign v0, the opener deposits first and the peer deposits its own share after it", async () => {
    const opened = await openOverRpc();
    expect(opened.opened.state.version).to.equal(0n);
    expect(opened.deposits).to.have.length(1);
    expect(opened.deposits[0]).to.include({ amount: parseEther("3"), expectedHeld: 0n });
    expect(await f.adjudicator.holdings(opened.channelId, ETH)).to.equal(parseEther("4"));
    const deposited = (await readAllEvents(bob.events)).events.find((e) => e.type === "deposited")!;
    expect(deposited).to.deep.include({
      type: "deposited",
      channelId: opened.channelId,
      asset: ETH,
      amount: parseEther("1").toString(),
      expectedHeld: parseEther("3").toString(),
    });
    const receipt = (await ethers.provider.getTransactionReceipt(
      (deposited as { l1TxHash: string }).l1TxHash,
    ))!;
    expect(receipt.from).to.equal(f.bob.address);
    expect(deposited).to.include({ gasUsed: receipt.gasUsed.toString(), block: receipt.blockNumber });
  });

  it("channel_pay / channel_latest / channel_close: pays, reads and closes on Layer 1, publishing channelClosed", async () => {
    const { channelId } = await openOverRpc();
    const paid = await rpc.pay(channelId, parseEther("0.5"));
    expect(paid.state.allocations[0].balances).to.deep.equal([parseEther("2.5"), parseEther("1.5")]);
    expect(await rpc.latest(channelId)).to.deep.equal(paid);
    expect(await bob.latest(channelId)).to.deep.equal(paid);
    const bobBefore = await ethers.provider.getBalance(f.bob.address);
    const closed = await rpc.close(channelId);
    expect(closed.final.state).to.include({ version: 2n, isFinal: true });
    expect((await ethers.provider.getBalance(f.bob.address)) - bobBefore).to.equal(parseEther("1.5"));
    expect(await f.adjudicator.holdings(channelId, ETH)).to.equal(0n);
    const events = (await readAllEvents(rpc.events)).events;
    const strip = ({ seq: _s, time: _t, ...e }: Published<ChannelEvent>) => e;
    expect(strip(events.at(-1)!)).to.deep.equal({
      type: "channelClosed",
      channelId,
      version: "2",
      l1TxHash: closed.l1TxHash,
      gasUsed: closed.gasUsed.toString(),
      block: closed.block,
    });
  });

  it("refuses a step the party refuses with -32000 and the refusal's name as data.reason", async () => {
    const { channelId } = await openOverRpc();
    const overdraft = await expect(rpc.pay(channelId, parseEther("5"))).to.be.rejectedWith(TxRejectedError);
    expect(overdraft.reason).to.equal("InsufficientBalanceError");
    const unknown = await expect(rpc.pay(`0x${"ab".repeat(32)}`, 1n)).to.be.rejectedWith(TxRejectedError);
    expect(unknown.reason).to.equal("UnknownChannelError");
    await bob.stop();
    const offline = await expect(rpc.pay(channelId, 1n)).to.be.rejectedWith(TxRejectedError);
    expect(offline.reason).to.equal("TransportClosedError");
  });

  it("answers -32602 for malformed params, null for a channel it does not hold", async () => {
    for (const [method, params] of [
      ["channel_pay", ["0x12", "1"]],
      ["channel_pay", [`0x${"ab".repeat(32)}`, 1]],
      [
        "channel_open",
        [{ peer: bob.address, url: "http://nope", allocations: [], nonce: "1", challengeDuration: 60 }],
      ],
      ["channel_latest", []],
    ] as const) {
      const error = await expect(rpc.call(method, [...params])).to.be.rejectedWith(RpcError);
      expect(error.code, method).to.equal(-32602);
    }
    expect(await rpc.latest(`0x${"cd".repeat(32)}`)).to.equal(undefined);
  });

  it("answers strata_health with its address, where peers connect, its channels and its store's fsyncs", async () => {
    await openOverRpc();
    const health = await rpc.health();
    expect(health).to.include({
      address: alice.address.toLowerCase(),
      peerUrl: alice.peerUrl,
      watchtowerUrl: null,
      channels: 1,
    });
    expect(health.fsyncs).to.be.greaterThan(0);
  });
});
