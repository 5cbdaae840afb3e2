// The explorer's server against a "node" (the in-process Hardhat network over HTTP JSON-RPC): Layer-1
// transactions decoded by name with their gas; 404s and 400s for what names nothing; the status it pushes
// (head, node down and back, a service down and back, the newest deployment record followed and checked);
// the web application served for every page path.
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEther, zeroPadValue } from "ethers";
import { ethers } from "hardhat";
import { Bridge__factory } from "../../typechain-types";
import type { Deployment } from "../../src/common/deployments";
import { writeDeployment } from "../../src/common/deployments";
import { EventLog } from "../../src/common/events";
import type { RpcServer } from "../../src/common/json-rpc";
import { startJsonRpcServer } from "../../src/common/json-rpc";
import { createLogger } from "../../src/common/logger";
import { deploySuite } from "../../src/deploy/suite";
import type { Explorer } from "../../src/explorer/explorer";
import { EXPLORER_WEB_DIST, startExplorer } from "../../src/explorer/explorer";
import type { BlocksView, TxView } from "../../src/explorer/layer1";
import { buildExplorerWeb } from "../../src/explorer/web-build";
import { RpcForwarder } from "../helpers/rpc-forwarder";

async function get<T>(explorer: Explorer, path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${explorer.url}${path}`);
  return { status: response.status, body: (await response.json()) as T };
}

/** A test-only service: a JSON-RPC server with `strata_health` and `strata_events`, on a port it keeps. */
async function startFakeService(events: EventLog<{ type: string }>, port = 0): Promise<RpcServer> {
  return startJsonRpcServer({}, new Map(), {
    port,
    service: { name: "fake", events },
    logger: createLogger({ level: "silent" }),
  });
}

describe("explorer: the server", function () {
  let dir = "";
  const tmp = () => dir;
  const node = new RpcForwarder();
  let deployment: Deployment;
  let explorer: Explorer;
  let service: RpcServer | undefined;
  const serviceEvents = new EventLog<{ type: string }>();
  let servicePort: number;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), "strata-explorer-"));
    const [deployer] = await ethers.getSigners();
    deployment = await deploySuite(deployer!, { network: "hardhat", local: true });
    writeDeployment(deployment, join(tmp(), "a"));
    await node.open();
    await buildExplorerWeb();
    service = await startFakeService(serviceEvents);
    servicePort = service.port;
    explorer = await startExplorer({
      rpcUrl: node.url,
      deployment: { kind: "files", network: "hardhat", dirs: [join(tmp(), "a"), join(tmp(), "b")] },
      services: [{ name: "fake", url: service.url, expected: true }],
      pollMs: 50,
      servicePollMs: 100,
    });
  });

  after(async function () {
    await explorer?.stop();
    await service?.close();
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe("Layer 1", function () {
    it("lists a deposit in its block, decoded by name, with its gas", async function () {
      const [, alice] = await ethers.getSigners();
      const bridge = Bridge__factory.connect(deployment.contracts.Bridge!, alice);
      const tx = await bridge.depositEth(
        deployment.contracts.OptimisticRollup!,
        zeroPadValue(alice!.address, 32),
        {
          value: parseEther("1"),
        },
      );
      const receipt = (await tx.wait())!;
      await explorer.until((s) => (s.head?.number ?? 0) >= receipt.blockNumber);

      const { body } = await get<BlocksView>(explorer, "/api/blocks?count=5");
      const listed = body.blocks.find((b) => b.number === receipt.blockNumber)!.strata;
      expect(listed).to.have.length(1);
      expect(listed[0]).to.include({
        hash: receipt.hash,
        contract: "Bridge",
        method: "depositEth",
        gasUsed: receipt.gasUsed.toString(),
        value: parseEther("1").toString(),
        status: 1,
      });

      const view = (await get<TxView>(explorer, `/api/tx/${receipt.hash}`)).body;
      expect(view.args.map((a) => a.name)).to.deep.equal(["rollup", "to"]);
      expect(view.events.map((e) => `${e.contract}.${e.name}`)).to.include("Bridge.DepositQueued");
      const queued = view.events.find((e) => e.name === "DepositQueued")!;
      expect(queued.fields.find((f) => f.name === "amount")?.value).to.equal(parseEther("1").toString());
    });

    it("names the deployment's creation transactions by what they created", async function () {
      const { body } = await get<BlocksView>(explorer, "/api/blocks?count=100");
      const created = body.blocks.flatMap((b) => b.strata).filter((t) => t.method === "deploy");
      expect(created.map((t) => t.contract)).to.include.members([
        "Bridge",
        "OptimisticRollup",
        "ZkRollup",
        "Adjudicator",
      ]);
    });

    it("answers 404 for a transaction or a block that is not there, and 400 for a malformed one", async function () {
      const missing = await get<{ error: string }>(explorer, `/api/tx/0x${"ab".repeat(32)}`);
      expect(missing.status).to.equal(404);
      expect(missing.body.error).to.equal("not-found");
      expect((await get(explorer, "/api/blocks/99999999")).status).to.equal(404);
      const malformed = await get<{ error: string; message: string }>(explorer, "/api/tx/0x12");
      expect(malformed.status).to.equal(400);
      expect(malformed.body.message).to.match(/hash must be 32 bytes/);
      expect((await get(explorer, "/api/blocks/seven")).status).to.equal(400);
      expect((await get(explorer, "/api/nothing/here")).status).to.equal(404);
      expect((await get(explorer, "/api/tx/%E0")).status).to.equal(400);
    });

    it("answers a request it cannot parse with a 400, and goes on serving", async function () {
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = connect(explorer.port, "127.0.0.1", () =>
          socket.end("GET //[ HTTP/1.1\r\nHost: x\r\n\r\n"),
        );
        let text = "";
        socket.on("data", (chunk) => (text += chunk));
        socket.on("end", () => resolve(text));
        socket.on("error", reject);
      });
      expect(reply).to.match(/^HTTP\/1\.1 400/);
      expect((await get(explorer, "/api/blocks?count=1")).status).to.equal(200);
    });
  });

  describe("the web application", function () {
    it("is served for every page path, its router drawing the page or its not-found page", async function () {
      for (const path of ["/", "/blocks/1", "/optimistic/games/7", "/no/such/page"]) {
        const response = await fetch(`${explorer.url}${path}`);
        expect(response.status, path).to.equal(200);
        expect(await response.text(), path).to.contain('<div id="app">');
      }
      expect(EXPLORER_WEB_DIST).to.match(/web\/explorer\/dist$/);
    });
  });

  describe("status", function () {
    it("pushes the status as Server-Sent Events: now, then at each new head", async function () {
      const response = await fetch(`${explorer.url}/api/stream`);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      const read = async (until: (t: string) => boolean) => {
        while (!until(text)) text += decoder.decode((await reader.read()).value);
      };
      await read((t) => t.includes("\n\n"));
      const first = JSON.parse(text.split("data: ")[1]!.split("\n")[0]!) as { head: { number: number } };
      await ethers.provider.send("evm_mine", []);
      // Other changes (a service's poll) may push a status at the same head first: read on to the new head.
      const heads = () =>
        text
          .split("data: ")
          .slice(1)
          .map((d) => (JSON.parse(d.split("\n")[0]!) as { head: { number: number } }).head.number);
      await read(() => heads().some((n) => n > first.head.number));
      expect(heads().find((n) => n > first.head.number)).to.equal(first.head.number + 1);
      await reader.cancel();
    });

    it("says when the node stops answering, answers views 503 meanwhile, and recovers when it is back", async function () {
      await node.close();
      const down = await explorer.until((s) => !s.node.up);
      expect(down.node.problem).to.be.a("string");
      const refused = await get<{ error: string }>(explorer, "/api/blocks");
      expect(refused.status).to.equal(503);
      expect(refused.body.error).to.equal("unavailable");
      await node.open();
      await explorer.until((s) => s.node.up);
      expect((await get(explorer, "/api/blocks")).status).to.equal(200);
    });

    it("starts while the node is down, says so, and reads it once it answers", async function () {
      const late = new RpcForwarder();
      await late.open();
      await late.close();
      const second = await startExplorer({
        rpcUrl: late.url,
        deployment: { kind: "record", deployment },
        pollMs: 50,
      });
      try {
        expect(second.status().node.up).to.equal(false);
        expect((await get(second, "/api/blocks")).status).to.equal(503);
        await late.open();
        await second.until((s) => s.node.up && s.deployment !== null && !s.deployment.problem);
        expect((await get(second, "/api/blocks?count=1")).status).to.equal(200);
      } finally {
        await second.stop();
        await late.close();
      }
    });

    it("reads a service's typed events, says when it is unreachable, and recovers when it is back", async function () {
      serviceEvents.publish({ type: "batchCommitted" });
      let status = await explorer.until((s) =>
        s.services[0]!.events.some((e) => e.type === "batchCommitted"),
      );
      expect(status.services[0]).to.include({ name: "fake", up: true, seen: true });
      await service!.close();
      status = await explorer.until((s) => !s.services[0]!.up);
      expect(status.services[0]!.problem).to.match(/cannot reach/);
      service = await startFakeService(serviceEvents, servicePort);
      serviceEvents.publish({ type: "batchFinalized" });
      status = await explorer.until(
        (s) => s.services[0]!.up && s.services[0]!.events.some((e) => e.type === "batchFinalized"),
      );
      expect(status.services[0]!.events.map((e) => e.type)).to.deep.equal([
        "batchCommitted",
        "batchFinalized",
      ]);
    });

    it("watches the services a demo lists while their processes run, not those a killed demo left behind", async function () {
      const gone = spawnSync(process.execPath, ["-e", "0"]).pid!;
      const file = join(tmp(), "services.json");
      writeFileSync(
        file,
        JSON.stringify([
          { name: "left-behind", url: "http://127.0.0.1:9", pid: gone },
          { name: "running", url: service!.url, pid: process.pid },
        ]),
      );
      const reader = await startExplorer({
        rpcUrl: node.url,
        deployment: { kind: "record", deployment },
        serviceFiles: [file],
        pollMs: 50,
        servicePollMs: 50,
      });
      try {
        const status = await reader.until((s) => s.services.some((v) => v.up));
        expect(status.services.map((v) => v.name)).to.deep.equal(["running"]);
        // The demo stops it: it leaves the list, and the explorer stops watching it.
        writeFileSync(file, "[]");
        await reader.until((s) => s.services.length === 0);
      } finally {
        await reader.stop();
      }
    });

    it("follows the newest deployment record, and says when the node does not hold it", async function () {
      expect(explorer.status().deployment?.source).to.equal(join(tmp(), "a", "hardhat.json"));
      const elsewhere: Deployment = {
        ...deployment,
        deployedAt: new Date().toISOString(),
        contracts: { Bridge: `0x${"11".repeat(20)}` },
      };
      mkdirSync(join(tmp(), "b"), { recursive: true });
      // A newer record, written after the first: its file is the newest.
      await new Promise((resolve) => setTimeout(resolve, 20));
      writeFileSync(join(tmp(), "b", "hardhat.json"), JSON.stringify(elsewhere));
      const status = await explorer.until((s) => s.deployment?.source === join(tmp(), "b", "hardhat.json"));
      expect(status.deployment!.problem).to.match(/no code at Bridge/);
      const refused = await get<{ error: string; message: string }>(explorer, "/api/blocks");
      expect(refused.status).to.equal(503);
      expect(refused.body.message).to.match(/no code at Bridge/);
      // Deployed again (a newer record that the node holds): followed, and views are served again.
      await new Promise((resolve) => setTimeout(resolve, 20));
      writeDeployment({ ...deployment, deployedAt: new Date().toISOString() }, join(tmp(), "b"));
      await explorer.until(
        (s) => s.deployment?.source === join(tmp(), "b", "hardhat.json") && !s.deployment.problem,
      );
      expect((await get(explorer, "/api/blocks")).status).to.equal(200);
    });
  });
});
