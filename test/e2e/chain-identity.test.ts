// End to end, services tied to their chain, against a `hardhat node` reset (`hardhat_reset`) and restarted
// under them, in the order a user met it:
//
// 1. The services run (sequencer, challenger, zk operator, watchtower, a channel client) and the node is
//    reset: each one halts (its loop ends; every call, health included, is refused by name: `ChainChanged`).
//    Before, a running sequencer kept answering `soft-confirmed` on a chain that no longer had its rollup,
//    and a channel client's JSON-RPC went on answering.
// 2. Started against the reset node with the old deployment record, each refuses to start with
//    `DeploymentNotOnChainError` saying what to run. Before: `could not decode result data … BAD_DATA`
//    (the sequencer, the zk operator), the same error once a second for ever (the challenger), `ready`
//    (the watchtower).
// 3. The reported bug: the suite redeployed at the same addresses, the chain at block ~12, the watchtower
//    started on its old store (cursor 57). Before, it said `ready … cursor=57` and never refuted a stale
//    registration at block ~14. Two ways to get there:
//    - `hardhat_reset`, then the same deploy: the node rebuilds the very same blocks 0-12 (same genesis,
//      same hashes: its clock restarts too), so the directory's chain matches, and the cursor past the
//      head is what changed: the watchtower rescans and refutes.
//    - the node restarted (a new genesis): the old directory is refused by name
//      (`DataDirChainMismatchError`; an older store without a chain record: `CursorNotOnChainError`), and
//      on a fresh directory the watchtower refutes.
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, Wallet } from "ethers";
import type { SignedState } from "../../src/channels/channel";
import { keySigner } from "../../src/channels/channel";
import { AdjudicatorClient } from "../../src/channels/adjudicator-client";
import { ChannelDomain } from "../../src/channels/eip712";
import { ChannelPartyClient } from "../../src/channels/party-rpc";
import type { RunningWatchtower } from "../../src/channels/stack";
import { startChannelParty, startWatchtower } from "../../src/channels/stack";
import type { ChannelParams } from "../../src/channels/types";
import { ETH, channelIdOf, stateOf } from "../../src/channels/types";
import { WatchtowerClient } from "../../src/channels/watchtower-rpc";
import {
  CHAIN_RECORD_FILE,
  ChainChangedError,
  CursorNotOnChainError,
  DataDirChainMismatchError,
  DeploymentNotOnChainError,
} from "../../src/common/chain-identity";
import type { Deployment } from "../../src/common/deployments";
import { ofType, waitForEvent } from "../../src/common/events";
import { TxRejectedError } from "../../src/common/json-rpc";
import { createLogger } from "../../src/common/logger";
import { freePort, kill, localAccountKey, nodeReadiness, startHardhat } from "../../src/common/processes";
import { deploySuite } from "../../src/deploy/suite";
import { SequencerClient } from "../../src/optimistic/rpc-server";
import type { SequencerService } from "../../src/optimistic/stack";
import { optimisticContext, startChallengerService, startSequencerService } from "../../src/optimistic/stack";
import { ZkOperatorClient } from "../../src/zk/rpc-server";
import { startZkOperatorService } from "../../src/zk/stack";

const quiet = createLogger({ level: "silent" });
/** Fast checks, so that a halt shows within a second. */
const CHECK_MS = 200;

/** The error `promise` rejects with (handled at once, so that several may be awaited one after another). */
function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: Error) => error,
  );
}

/** Resolves with `promise`'s value, or rejects after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms),
    ),
  ]);
}

describe("e2e: services tied to their chain (a hardhat node reset under them)", function () {
  this.timeout(600_000);
  let node: ChildProcess;
  let provider: JsonRpcProvider;
  let dir: string;
  let before_: Deployment;
  const dirs = {
    sequencer: () => join(dir, "sequencer"),
    watchtower: () => join(dir, "watchtower"),
    zk: () => join(dir, "zk-operator"),
  };
  const signer = (account: number) => new Wallet(localAccountKey(account), provider);

  let port: number;
  const startNode = () => startHardhat(["node", "--port", String(port)], {}, nodeReadiness(port), 120_000);

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), "strata-chain-identity-e2e-"));
    port = await freePort();
    node = await startNode();
    provider = new JsonRpcProvider(`http://127.0.0.1:${port}`, undefined, {
      cacheTimeout: -1,
      pollingInterval: 100,
    });
    before_ = await deploySuite(await provider.getSigner(0), { network: "localhost", local: true });
  });

  after(async function () {
    provider?.destroy();
    if (node) kill(node, "SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  const startSequencer = (deployment: Deployment, dataDir = dirs.sequencer()) =>
    startSequencerService(optimisticContext(deployment, provider), {
      signer: signer(1),
      journalPath: join(dataDir, "sequencer-journal.jsonl"),
      serve: { port: 0 },
      pollMs: 200,
      chainCheckMs: CHECK_MS,
      logger: quiet,
    });
  const startChallenger = (deployment: Deployment) =>
    startChallengerService(optimisticContext(deployment, provider), {
      signer: signer(2),
      serve: { port: 0 },
      pollMs: 200,
      chainCheckMs: CHECK_MS,
      logger: quiet,
    });
  const startTower = (deployment: Deployment | undefined, dataDir = dirs.watchtower()) =>
    startWatchtower({
      signer: signer(3),
      adjudicator: before_.contracts.Adjudicator,
      chainId: 31337n,
      dataDir,
      deployment,
      pollMs: 100,
      chainCheckMs: CHECK_MS,
      logger: quiet,
    });
  const startZkOperator = (deployment: Deployment, dataDir = dirs.zk()) =>
    startZkOperatorService({
      deployment,
      signer: signer(8),
      provider,
      settings: { host: "127.0.0.1", port: 0, profile: "test", maxBatchAgeMs: 5_000, dataDir },
      chainCheckMs: CHECK_MS,
      logger: quiet,
    });

  it("halts every running service when its node is reset: every call refused by name, health says why", async function () {
    const sequencer = await startSequencer(before_);
    const challenger = await startChallenger(before_);
    const tower = await startTower(before_);
    const zk = await startZkOperator(before_);
    const party = await startChannelParty({
      wallet: signer(9),
      adjudicator: before_.contracts.Adjudicator,
      chainId: 31337n,
      dataDir: join(dir, "channel-client"),
      deployment: before_,
      rpc: { port: 0 },
      chainCheckMs: CHECK_MS,
      logger: quiet,
    });
    const running: { stop(): Promise<void> }[] = [sequencer, challenger, tower, zk, party];
    try {
      const sequencerClient = new SequencerClient(sequencer.server!.url);
      // Serving: a malformed transaction is refused for what it is.
      await expect(sequencerClient.sendTransaction("0x00"))
        .to.be.rejectedWith(TxRejectedError)
        .then((e) => {
          expect(e.reason).to.equal("Malformed");
        });
      expect((await sequencerClient.health()).status).to.equal("ok");

      // The watchtower reads on to block 57, as in the report.
      await provider.send("hardhat_mine", ["0x" + (57 - (await provider.getBlockNumber())).toString(16)]);
      await within(
        (async () => {
          while ((tower.tower.cursor ?? 0) < 57) await new Promise((r) => setTimeout(r, 50));
        })(),
        30_000,
        "the watchtower's cursor at 57",
      );
      expect(tower.store.blockCursor).to.deep.equal({
        block: 57,
        hash: (await provider.getBlock(57))!.hash,
      });

      await provider.send("hardhat_reset", []);
      const services: [string, { halted: Promise<Error> }][] = [
        ["sequencer", sequencer],
        ["challenger", challenger],
        ["watchtower", tower],
        ["zk-operator", zk],
        ["channel-client", party],
      ];
      for (const [name, service] of services) {
        const why = await within(service.halted, 10_000, `${name} halted`);
        expect(why, name).to.be.instanceOf(ChainChangedError);
        expect(why.message, name).to.match(/Layer 1 (changed under the service|was reset or reorganized)/);
      }

      // Every call, health included, is refused by the halt's name; nothing is soft-confirmed any more.
      const refusals = [
        sequencerClient.sendTransaction("0x00"),
        sequencerClient.health(),
        new ZkOperatorClient(zk.server.url).health(),
        new ZkOperatorClient(zk.server.url).getAccount(0),
        new WatchtowerClient(tower.server.url).health(),
        new WatchtowerClient(tower.server.url).channels(),
        new ChannelPartyClient(party.rpc!.url).health(),
        new ChannelPartyClient(party.rpc!.url).latest(`0x${"ab".repeat(32)}`),
      ];
      for (const error of await Promise.all(refusals.map(rejection))) {
        expect(error).to.be.instanceOf(TxRejectedError);
        expect((error as TxRejectedError).reason).to.equal("ChainChanged");
        expect(error.message).to.match(/has halted: ChainChangedError: /);
      }
    } finally {
      for (const service of running) await service.stop();
    }
  });

  it("refuses to start any service on the reset node with the old record: DeploymentNotOnChainError and what to run", async function () {
    const fix =
      "the node has no such deployment (was it restarted?); run `npm run deploy -- --network localhost`";
    const fresh = (name: string) => join(dir, `fresh-${name}`);
    const refusals = [
      startSequencer(before_, fresh("sequencer")),
      startChallenger(before_),
      startTower(before_, fresh("watchtower")),
      startZkOperator(before_, fresh("zk")),
    ];
    const everyContract = Object.entries(before_.contracts).map(([name, address]) => `${name} ${address}`);
    for (const error of await Promise.all(refusals.map(rejection))) {
      expect(error).to.be.instanceOf(DeploymentNotOnChainError);
      expect((error as DeploymentNotOnChainError).missing).to.have.members(everyContract);
      expect(error.message).to.match(
        /^no code at Bridge 0x[0-9a-fA-F]{40}, OneStepProver 0x[0-9a-fA-F]{40}, OptimisticRollup 0x[0-9a-fA-F]{40} and 7 more on localhost; it was deployed on genesis .* at block 12 .*, but the node .* its block 12 is not there: /,
      );
      expect(error.message).to.include(fix);
    }
    // Given only the adjudicator's address (STRATA_ADJUDICATOR), the watchtower says the same of it.
    await expect(startTower(undefined, fresh("watchtower-by-address"))).to.be.rejectedWith(
      DeploymentNotOnChainError,
      `no code at Adjudicator ${before_.contracts.Adjudicator}`,
    );
  });

  /** Alice and Bob's channel on `deployment`'s adjudicator, funded with 100 wei, and their co-signed states. */
  async function channelOf(deployment: Deployment, nonce: bigint) {
    const adjudicator = deployment.contracts.Adjudicator;
    const domain = new ChannelDomain(31337n, adjudicator);
    const [alice, bob] = [localAccountKey(5), localAccountKey(6)].map((key) => keySigner(domain, key));
    const params: ChannelParams = {
      participants: [alice.address, bob.address],
      nonce,
      challengeDuration: 600,
    };
    const channelId = channelIdOf(params);
    const cosigned = (version: bigint): SignedState => {
      const state = stateOf(params, version, [{ asset: ETH, balances: [100n - version, version] }]);
      return { state, sigs: [alice.sign(state), bob.sign(state)] };
    };
    const aliceL1 = signer(5);
    const client = new AdjudicatorClient(adjudicator, aliceL1);
    await client.deposit(aliceL1, channelId, ETH, 0n, 100n);
    return { params, channelId, cosigned, aliceL1, client };
  }

  /**
   * Bob's watchtower holds v9; Alice registers her stale v3 at a block below the old cursor (57); the
   * watchtower refutes it with v9.
   */
  async function expectStaleRegistrationRefuted(
    tower: RunningWatchtower,
    deployment: Deployment,
    nonce: bigint,
  ) {
    const { params, channelId, cosigned, aliceL1, client } = await channelOf(deployment, nonce);
    await tower.tower.guard(params, cosigned(9n));
    const registered = await client.register(aliceL1, params, cosigned(3n));
    expect(registered.blockNumber).to.be.lessThan(57);
    const { event } = await waitForEvent(
      tower.tower.events,
      ofType("stateRefuted", (e) => e.channelId === channelId),
      { timeoutMs: 30_000 },
    );
    expect(event).to.include({ registeredVersion: "3", refutedWith: "9" });
    expect((await client.status(channelId)).version).to.equal(9n);
  }

  describe("the watchtower after hardhat_reset and the same deploy: the same blocks 0-12", function () {
    let again: Deployment;

    before(async function () {
      again = await deploySuite(await provider.getSigner(0), { network: "localhost", local: true });
    });

    it("is the story as reported: the same addresses, the chain far below the old cursor", async function () {
      expect(again.contracts).to.deep.equal(before_.contracts);
      expect(again.chain).to.deep.equal(before_.chain);
      expect(await provider.getBlockNumber()).to.be.lessThan(57);
    });

    it("rescans from its first block (the directory's chain matches: its cursor's blocks were replaced) and refutes", async function () {
      const lines: string[] = [];
      const logger = createLogger({ level: "info", write: (line) => lines.push(line) });
      const tower = await startWatchtower({
        signer: signer(3),
        adjudicator: again.contracts.Adjudicator,
        chainId: 31337n,
        dataDir: dirs.watchtower(),
        deployment: again,
        pollMs: 100,
        chainCheckMs: CHECK_MS,
        logger,
      });
      try {
        await expectStaleRegistrationRefuted(tower, again, 1n);
        expect(lines.join("\n")).to.match(
          /rescanning: its cursor's block is not on the chain any more why=its cursor is block 57, but the chain's head is block \d+/,
        );
      } finally {
        await tower.stop();
      }
    });
  });

  describe("the watchtower after the node is restarted and the suite deployed again", function () {
    let restarted: Deployment;
    /** A sequencer that ran on the node before it was restarted. */
    let through: SequencerService;
    let outage: { ok: boolean; reason?: string };

    before(async function () {
      through = await startSequencer(before_, join(dir, "sequencer-through-restart"));
      kill(node, "SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, 4 * CHECK_MS));
      outage = { ok: through.lifecycle.phase === "serving" };
      node = await startNode();
      restarted = await deploySuite(await provider.getSigner(0), { network: "localhost", local: true });
    });

    after(async function () {
      await through?.stop();
    });

    it("a sequencer that ran through the restart takes the outage for one, then halts once the new node answers", async function () {
      expect(outage.ok, "still serving during the outage").to.equal(true);
      const why = await within(through.halted, 10_000, "the sequencer halted");
      expect(why).to.be.instanceOf(ChainChangedError);
      expect(why.message).to.include(`block ${before_.chain!.block} of localhost is`);
    });

    it("is the story as reported: the same addresses on a new genesis", async function () {
      expect(restarted.contracts).to.deep.equal(before_.contracts);
      expect(restarted.chain!.genesisHash).to.not.equal(before_.chain!.genesisHash);
    });

    it("refuses its old data directory with DataDirChainMismatchError, saying what to do", async function () {
      const error = await expect(startTower(restarted)).to.be.rejectedWith(DataDirChainMismatchError);
      expect(error.message).to.match(
        new RegExp(
          `^data dir ${dirs.watchtower()} belongs to chain 31337 genesis 0x[0-9a-f]{8}… \\(deployment at block ` +
            `${before_.chain!.block} 0x[0-9a-f]{8}…\\), but the node is chain 31337 genesis .*: the node was ` +
            "reset or is another chain; remove the directory or set STRATA_DATA_DIR to another one$",
        ),
      );
    });

    it("refuses an older store without a chain record by its cursor: CursorNotOnChainError", async function () {
      await rm(join(dirs.watchtower(), CHAIN_RECORD_FILE));
      const error = await expect(startTower(undefined)).to.be.rejectedWith(CursorNotOnChainError);
      expect(error.message).to.match(
        /^watchtower store .* has its cursor at block \d+, but the node's head is block \d+: the node was reset, or the store is of another chain; remove the directory or set STRATA_DATA_DIR to another one$/,
      );
    });

    it("on a fresh directory, refutes the stale registration made at a block below the old cursor", async function () {
      const tower = await startTower(restarted, join(dir, "watchtower-fresh"));
      try {
        await expectStaleRegistrationRefuted(tower, restarted, 2n);
      } finally {
        await tower.stop();
      }
    });
  });
});
