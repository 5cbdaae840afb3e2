import { expect } from "chai";
import { EventLog, EventTimeoutError, ofType, readAllEvents, waitForEvent } from "../../src/common/events";
import type { RpcServer } from "../../src/common/json-rpc";
import {
  JsonRpcClient,
  RPC_ERROR_CODES,
  RemoteEvents,
  RpcError,
  SERVICE_METHODS,
  serviceHealth,
  startJsonRpcServer,
} from "../../src/common/json-rpc";
import { createLogger } from "../../src/common/logger";

type TestEvent =
  { type: "built"; batchIndex: number; txs: number } | { type: "committed"; batchIndex: number };

describe("EventLog", function () {
  it("numbers events from 1 in publication order and stamps them with the clock", async function () {
    let now = 1_000;
    const log = new EventLog<TestEvent>({ now: () => now++ });
    log.publish({ type: "built", batchIndex: 0, txs: 3 });
    log.publish({ type: "committed", batchIndex: 0 });
    const page = await log.since(0);
    expect(page.events).to.deep.equal([
      { type: "built", batchIndex: 0, txs: 3, seq: 1, time: 1_000 },
      { type: "committed", batchIndex: 0, seq: 2, time: 1_001 },
    ]);
    expect(page).to.include({ next: 2, missed: 0 });
    expect(log.head).to.equal(2);
  });

  it("returns only events after the cursor, at most `limit`, and the cursor to go on from", async function () {
    const log = new EventLog<TestEvent>();
    for (let i = 0; i < 5; i++) log.publish({ type: "committed", batchIndex: i });
    const first = await log.since(1, 2);
    expect(first.events.map((e) => e.seq)).to.deep.equal([2, 3]);
    expect(first.next).to.equal(3);
    const rest = await log.since(first.next);
    expect(rest.events.map((e) => e.seq)).to.deep.equal([4, 5]);
    const none = await log.since(5);
    expect(none).to.deep.equal({ events: [], next: 5, missed: 0 });
  });

  it("tells a reader that fell behind its capacity how many events it missed", async function () {
    const log = new EventLog<TestEvent>({ capacity: 3 });
    for (let i = 0; i < 10; i++) log.publish({ type: "committed", batchIndex: i });
    const page = await log.since(2);
    expect(page.missed).to.equal(5); // events 3..7 are gone
    expect(page.events.map((e) => e.seq)).to.deep.equal([8, 9, 10]);
    const empty = new EventLog<TestEvent>({ capacity: 3 });
    expect(await empty.since(0)).to.deep.equal({ events: [], next: 0, missed: 0 });
  });

  it("tells subscribers of each event until they unsubscribe", function () {
    const log = new EventLog<TestEvent>();
    const seen: number[] = [];
    const stop = log.subscribe((e) => seen.push(e.seq));
    log.publish({ type: "committed", batchIndex: 0 });
    stop();
    log.publish({ type: "committed", batchIndex: 1 });
    expect(seen).to.deep.equal([1]);
  });
});

describe("waitForEvent", function () {
  it("resolves with the first matching event after the cursor, even one published later", async function () {
    const log = new EventLog<TestEvent>();
    log.publish({ type: "committed", batchIndex: 0 });
    setTimeout(() => log.publish({ type: "built", batchIndex: 1, txs: 2 }), 20);
    const { event, cursor } = await waitForEvent(log, ofType("built"), { pollMs: 5, timeoutMs: 2_000 });
    expect(event.txs).to.equal(2);
    expect(cursor).to.equal(2);
  });

  it("throws EventTimeoutError naming what it waited for", async function () {
    const log = new EventLog<TestEvent>();
    log.publish({ type: "committed", batchIndex: 0 });
    const wait = waitForEvent(
      log,
      ofType("committed", (e) => e.batchIndex === 7),
      {
        pollMs: 5,
        timeoutMs: 30,
        what: "batch 7 committed",
      },
    );
    await expect(wait).to.be.rejectedWith(EventTimeoutError, /no batch 7 committed within 30 ms/);
  });

  it("readAllEvents reads page by page to the head", async function () {
    const log = new EventLog<TestEvent>();
    for (let i = 0; i < 2_500; i++) log.publish({ type: "committed", batchIndex: i });
    const { events, cursor } = await readAllEvents(log, 100);
    expect(events).to.have.length(2_400);
    expect(cursor).to.equal(2_500);
  });
});

describe("the service convention (strata_health, strata_events)", function () {
  let server: RpcServer;
  let client: JsonRpcClient;
  const log = new EventLog<TestEvent>();
  let degraded = false;

  before(async function () {
    server = await startJsonRpcServer({}, new Map(), {
      logger: createLogger({ level: "silent" }),
      service: {
        name: "test-service",
        events: log,
        health: () => (degraded ? { status: "degraded", layer1: "unreachable" } : { head: log.head }),
      },
    });
    client = new JsonRpcClient(server.url);
  });

  after(async function () {
    await server.close();
  });

  it("answers strata_health with the service's name, status, uptime and details", async function () {
    log.publish({ type: "committed", batchIndex: 0 });
    const health = await serviceHealth(client);
    expect(health).to.include({ service: "test-service", status: "ok", head: 1 });
    expect(health.uptimeMs).to.be.at.least(0);
    degraded = true;
    expect(await serviceHealth(client)).to.include({ status: "degraded", layer1: "unreachable" });
    degraded = false;
  });

  it("serves the same pages over strata_events as the log itself, through RemoteEvents", async function () {
    log.publish({ type: "built", batchIndex: 1, txs: 4 });
    const remote = new RemoteEvents<TestEvent>(client);
    expect(await remote.since(0)).to.deep.equal(await log.since(0));
    expect(await remote.since(1, 1)).to.deep.equal(await log.since(1, 1));
    const { event } = await waitForEvent(remote, ofType("built"), { timeoutMs: 1_000 });
    expect(event.batchIndex).to.equal(1);
  });

  it("refuses a bad cursor with -32602 (invalid params)", async function () {
    for (const params of [[], [-1], ["0"], [0, 1.5], [0, 1, 2]]) {
      const error = await client.call(SERVICE_METHODS.events, params).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(params)).to.be.instanceOf(RpcError);
      expect((error as RpcError).code).to.equal(RPC_ERROR_CODES.invalidParams);
    }
  });
});
