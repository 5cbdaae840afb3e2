// End to end, a service as a user runs it: `npm run sequencer -- --network localhost` (npm → sh → hardhat →
// node) against a `hardhat node`, and what a user does to it:
//
// - `kill -9 <npm pid>` (and `kill <npm pid>`): before, the rest of the tree kept running, holding the port
//   and answering; now the service sees its launcher gone and stops, and the port is free within seconds.
// - a second sequencer on the same data directory: refused at once, by name, naming the holder.
// - the node reset under a running sequencer: it exits non-zero saying why (`ChainChangedError`).
// - the node without the deployment: it exits non-zero with `DeploymentNotOnChainError`, no stack trace.
//
// And in this process: a port in use and a locked data directory are found before any Layer-1 work.
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import type { Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, Wallet } from "ethers";
import { lockDataDir, lockPath, readLockHolder, DataDirLockedError } from "../../src/common/datadir";
import type { Deployment } from "../../src/common/deployments";
import { writeDeployment } from "../../src/common/deployments";
import { serviceHealth, JsonRpcClient } from "../../src/common/json-rpc";
import { createLogger } from "../../src/common/logger";
import type { StartOptions } from "../../src/common/processes";
import {
  ProcessExitedError,
  freePort,
  groupAlive,
  kill,
  localAccountKey,
  nodeReadiness,
  portFree,
  processEnded,
  serviceReadiness,
  startHardhat,
  startProcess,
} from "../../src/common/processes";
import { ServicePortError } from "../../src/common/service-main";
import { startChannelParty, startWatchtower } from "../../src/channels/stack";
import { deploySuite } from "../../src/deploy/suite";
import { optimisticContext, startSequencerService } from "../../src/optimistic/stack";
import { startZkOperatorService } from "../../src/zk/stack";

const quiet = createLogger({ level: "silent" });

async function within(ms: number, what: string, done: () => boolean | Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await done())) {
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Date.now() - started;
}

/** No line of `output` is a stack frame. */
function expectNoStack(output: string): void {
  expect(output).to.not.match(/^\s+at .+[:(]/m);
}

describe("e2e: a service as a user runs it (npm run sequencer)", function () {
  this.timeout(600_000);
  let node: ChildProcess;
  let provider: JsonRpcProvider;
  let dir: string;
  let url: string;
  let deployment: Deployment;
  const started: ChildProcess[] = [];

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), "strata-service-processes-"));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    node = await startHardhat(["node", "--port", String(port)], {}, nodeReadiness(port), 120_000);
    provider = new JsonRpcProvider(url, undefined, { cacheTimeout: -1 });
    deployment = await deploySuite(await provider.getSigner(0), { network: "localhost", local: true });
    writeDeployment(deployment, join(dir, "deployments"));
  });

  after(async function () {
    for (const child of started) kill(child, "SIGKILL");
    provider?.destroy();
    if (node) kill(node, "SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  const NPM_SEQUENCER = ["run", "sequencer", "--", "--network", "localhost"];
  const sequencerEnv = (dataDir: string, port: number) => ({
    STRATA_RPC_URL: url,
    STRATA_DEPLOYMENTS_DIR: join(dir, "deployments"),
    STRATA_DATA_DIR: dataDir,
    STRATA_SEQUENCER_PORT: String(port),
    STRATA_POLL_MS: "200",
    STRATA_LOG_LEVEL: "info",
  });

  /** `npm run sequencer -- --network localhost` on `port` with its data in `dataDir`, started as a user would. */
  async function npmSequencer(
    dataDir: string,
    port: number,
    options: StartOptions = {},
  ): Promise<ChildProcess> {
    const ready = serviceReadiness(`http://127.0.0.1:${port}`);
    const child = await startProcess("npm", NPM_SEQUENCER, sequencerEnv(dataDir, port), ready, {
      timeoutMs: 240_000,
      ...options,
    });
    started.push(child);
    return child;
  }

  /** The same, for a start that is to fail: its exit code and everything it printed, to its last line. */
  async function npmSequencerFailing(dataDir: string, port: number) {
    const error = await npmSequencer(dataDir, port).then(
      () => expect.fail("the sequencer started"),
      (e: unknown) => e,
    );
    if (!(error instanceof ProcessExitedError)) throw error;
    return { code: error.end.code, output: error.output };
  }

  describe("its process tree", function () {
    const dataDir = () => join(dir, "sequencer");
    let port: number;
    let npm: ChildProcess;

    before(async function () {
      port = await freePort();
      npm = await npmSequencer(dataDir(), port);
    });

    it("serves, and its data directory names the service process as the lock's holder", async function () {
      expect((await serviceHealth(new JsonRpcClient(`http://127.0.0.1:${port}`))).status).to.equal("ok");
      const holder = (await readLockHolder(lockPath(dataDir(), "sequencer")))!;
      expect(holder.service).to.equal("sequencer");
      expect(holder.pid).to.not.equal(npm.pid); // the node process at the bottom of npm → sh → hardhat → …
      process.kill(holder.pid, 0);
    });

    it("refuses a second sequencer on the same data directory at once, naming the lock and its holder", async function () {
      const holder = (await readLockHolder(lockPath(dataDir(), "sequencer")))!;
      const otherPort = await freePort();
      const { code, output } = await npmSequencerFailing(dataDir(), otherPort);
      expect(code).to.not.equal(0);
      expect(output).to.include("service failed error=DataDirLockedError: ");
      expect(output).to.include(`data dir ${dataDir()} is locked by sequencer (pid ${holder.pid}, since`);
      expect(output).to.not.include("rebuilt from Layer 1");
      expectNoStack(output);
      expect(await portFree(otherPort)).to.equal(true);
    });

    it("kill -9 <npm pid>: the whole tree stops within seconds, the port is free and the lock released", async function () {
      process.kill(npm.pid!, "SIGKILL");
      const ms = await within(10_000, "the tree gone and the port free", async () => {
        return !groupAlive(npm.pid!) && (await portFree(port));
      });
      expect(ms).to.be.lessThan(10_000);
      // It stopped, not died: it released its lock (a killed process leaves it, to be taken over).
      expect(existsSync(lockPath(dataDir(), "sequencer"))).to.equal(false);
    });

    it("kill <npm pid> (SIGTERM): the same", async function () {
      const again = await npmSequencer(dataDir(), port);
      process.kill(again.pid!, "SIGTERM");
      await within(10_000, "the tree gone and the port free", async () => {
        return !groupAlive(again.pid!) && (await portFree(port));
      });
      expect(existsSync(lockPath(dataDir(), "sequencer"))).to.equal(false);
    });
  });

  describe("every service's data directory, in this process", function () {
    it("refuses a second watchtower, zk operator or channel client on the same directory at once, naming the holder", async function () {
      const dataDir = join(dir, "shared");
      const tower = () =>
        startWatchtower({
          signer: new Wallet(localAccountKey(3), provider),
          adjudicator: deployment.contracts.Adjudicator,
          chainId: 31337n,
          dataDir,
          deployment,
          logger: quiet,
        });
      const zk = () =>
        startZkOperatorService({
          deployment,
          signer: new Wallet(localAccountKey(8), provider),
          provider,
          settings: { host: "127.0.0.1", port: 0, profile: "test", maxBatchAgeMs: 1000, dataDir },
          logger: quiet,
        });
      const wallet = new Wallet(localAccountKey(5), provider);
      const party = () =>
        startChannelParty({
          wallet,
          adjudicator: deployment.contracts.Adjudicator,
          chainId: 31337n,
          dataDir,
          deployment,
          logger: quiet,
        });
      const running = [await tower(), await zk(), await party()];
      try {
        const self = `pid ${process.pid}, this process`;
        await expect(tower()).to.be.rejectedWith(DataDirLockedError, `is locked by watchtower (${self}`);
        await expect(zk()).to.be.rejectedWith(DataDirLockedError, `is locked by zk-operator (${self}`);
        await expect(party()).to.be.rejectedWith(
          DataDirLockedError,
          `is locked by channel-client-${wallet.address.toLowerCase()} (${self}`,
        );
        // Each kind keeps a lock of its own name: they share the directory, as they do by default.
        expect(JSON.parse(readFileSync(join(dataDir, "chain.json"), "utf8")).deployment).to.deep.equal({
          block: deployment.chain!.block,
          blockHash: deployment.chain!.blockHash,
        });
      } finally {
        for (const service of running) await service.stop();
      }
    });
  });

  describe("its chain", function () {
    it("exits non-zero, saying why, when its node is reset under it", async function () {
      const port = await freePort();
      const log = join(dir, "sequencer-reset.log");
      const npm = await npmSequencer(join(dir, "sequencer-reset"), port, { logFile: log });
      await provider.send("hardhat_reset", []);
      const { code } = await processEnded(npm);
      expect(code).to.not.equal(0);
      const output = readFileSync(log, "utf8");
      expect(output).to.include("service failed error=ChainChangedError: ");
      expectNoStack(output);
      await within(10_000, "the tree gone and the port free", async () => {
        return !groupAlive(npm.pid!) && (await portFree(port));
      });
    });

    it("refuses to start on the node without its deployment: DeploymentNotOnChainError, no stack trace", async function () {
      const { code, output } = await npmSequencerFailing(join(dir, "sequencer-stale"), await freePort());
      expect(code).to.not.equal(0);
      expect(output).to.include("service failed error=DeploymentNotOnChainError: no code at Bridge ");
      expect(output).to.include("run `npm run deploy -- --network localhost`");
      expectNoStack(output);
    });
  });

  describe("in this process: what is found before any Layer-1 work", function () {
    let busy: Server;
    let busyPort: number;

    before(async function () {
      busyPort = await freePort();
      busy = createServer();
      await new Promise<void>((resolve) => busy.listen(busyPort, "127.0.0.1", resolve));
    });

    after(async function () {
      await new Promise((resolve) => busy.close(resolve));
    });

    it("a port in use: ServicePortError, before the deployment is even looked for (it is not on the node)", async function () {
      const signer = new Wallet(localAccountKey(1), provider);
      const error = await expect(
        startSequencerService(optimisticContext(deployment, provider), {
          signer,
          journalPath: join(dir, "busy-sequencer", "sequencer-journal.jsonl"),
          serve: { port: busyPort },
          logger: quiet,
        }),
      ).to.be.rejectedWith(ServicePortError);
      expect(error.message).to.equal(
        `sequencer cannot serve on 127.0.0.1:${busyPort}: the port is in use (another service, or an ` +
          "earlier sequencer still running, holds it); stop it or give sequencer another port",
      );
      await expect(
        startZkOperatorService({
          deployment,
          signer: new Wallet(localAccountKey(8), provider),
          provider,
          settings: {
            host: "127.0.0.1",
            port: busyPort,
            profile: "test",
            maxBatchAgeMs: 1000,
            dataDir: join(dir, "busy-zk"),
          },
          logger: quiet,
        }),
      ).to.be.rejectedWith(ServicePortError, `zk-operator cannot serve on 127.0.0.1:${busyPort}`);
      // Nothing was left holding the data directories.
      expect(existsSync(lockPath(join(dir, "busy-sequencer"), "sequencer"))).to.equal(false);
      expect(existsSync(lockPath(join(dir, "busy-zk"), "zk-operator"))).to.equal(false);
    });

    it("a locked data directory: DataDirLockedError, even with a node that does not answer", async function () {
      const nowhere = new JsonRpcProvider(`http://127.0.0.1:${await freePort()}`, 31337, {
        staticNetwork: true,
      });
      const lock = await lockDataDir(join(dir, "locked"), "sequencer");
      try {
        await expect(
          startSequencerService(optimisticContext(deployment, nowhere), {
            signer: new Wallet(localAccountKey(1), nowhere),
            journalPath: join(dir, "locked", "sequencer-journal.jsonl"),
            logger: quiet,
          }),
        ).to.be.rejectedWith(DataDirLockedError, `is locked by sequencer (pid ${process.pid}, this process`);
      } finally {
        await lock.release();
        nowhere.destroy();
      }
    });
  });
});
