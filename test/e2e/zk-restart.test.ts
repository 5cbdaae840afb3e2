// End to end, crash and restart: the zk operator's only durable state is its journal of accepted spends;
// everything else is rebuilt from Layer 1. Stopped (a) after accepting spends, before proving them,
// (b) after a batch landed on Layer 1 but before the journal was compacted, (c) as a real process killed
// with SIGKILL (the zk stack's processes mode) — each time the restarted operator loses nothing and
// proves nothing twice.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, parseEther } from "ethers";
import { BridgeClient } from "../../src/bridge/client";
import { deploySuite } from "../../src/deploy/suite";
import { writeDeployment } from "../../src/common/deployments";
import { readAllEvents } from "../../src/common/events";
import { ZkChainFollower } from "../../src/zk/chain-follower";
import { ZkCrypto, zkPrivateKeyFromSeed } from "../../src/zk/keys";
import type { ZkOperator } from "../../src/zk/operator";
import { ZkRollupClient } from "../../src/zk/rollup-client";
import type { ProcessZkStack } from "../../src/zk/stack";
import { startZkStack } from "../../src/zk/stack";
import { ZkWallet } from "../../src/zk/wallet";
import type { ZkSignedSpend } from "../../src/zk/wallet";
import type { ZkE2eWorld, ZkUser } from "./zk-world";
import { ETH_ID, closeTestProver, createAliceAndBobWorld } from "./zk-world";
import { ServiceSet, kill, nodeReadiness, startHardhat } from "../../src/common/processes";

describe("e2e: zk restart", function () {
  this.timeout(600_000);
  let world: ZkE2eWorld;
  let alice: ZkUser;
  let nonce: number;

  beforeEach(async function () {
    ({ world, alice } = await createAliceAndBobWorld(parseEther("10"), parseEther("1")));
    nonce = 0;
    await world.checkInvariants();
  });

  afterEach(async function () {
    await world.cleanup();
  });

  after(async function () {
    await closeTestProver();
  });

  /** Signs `n` transfers from Alice (account 0) to Bob (account 1) and has `operator` accept them. */
  async function acceptTransfers(operator: ZkOperator, n: number): Promise<ZkSignedSpend[]> {
    const spends: ZkSignedSpend[] = [];
    for (let i = 0; i < n; i++) {
      const spend = alice.wallet.transfer({ from: 0, to: 1, amount: parseEther("0.5"), nonce: nonce++ });
      expect(await operator.submit(spend.encoded)).to.deep.equal({ hash: spend.hash, status: "accepted" });
      spends.push(spend);
    }
    return spends;
  }

  /** Each of `hashes` is in exactly one verified batch, per a verifier node rebuilt from Layer 1. */
  async function expectVerifiedOnce(hashes: readonly string[]): Promise<ZkChainFollower> {
    const node = await world.verifierNode();
    const all = node.batches.flatMap((b) => b.hashes);
    for (const hash of hashes)
      expect(
        all.filter((h) => h === hash),
        hash,
      ).to.have.length(1);
    expect(node.state.root).to.equal(await world.rollup.root());
    return node;
  }

  it("(a) re-accepts the journalled spends when stopped before proving them", async function () {
    const operator = await world.startOperator();
    const sent = await acceptTransfers(operator, 3);
    const [, , , , , , carolSigner] = world.signers;
    const carol = world.user(carolSigner, "carol");
    const { deposit } = await carol.wallet.depositEth(
      world.bridgeClient,
      carolSigner,
      world.rollup.address,
      5n,
    );
    const soft = operator.account(0);
    await operator.stop(); // stopped: nothing proven, Layer 1 never saw the spends

    const restarted = await world.startOperator();
    expect(restarted.pendingCount).to.equal(4);
    for (const spend of sent) expect(restarted.receipt(spend.hash)).to.include({ status: "accepted" });
    expect(restarted.receipt(deposit.head)).to.include({ status: "accepted" });
    expect(restarted.account(0)).to.deep.equal(soft);
    await restarted.tick(true);
    await world.checkInvariants();

    const node = await expectVerifiedOnce([deposit.head, ...sent.map((s) => s.hash)]);
    expect(node.batches.slice(2).map((b) => b.txs[0].kind)).to.deep.equal([
      "deposit",
      "transfer",
      "transfer",
      "transfer",
    ]);
    expect(node.state.account(0)).to.include({ balance: parseEther("8.5"), nonce: 3 });
    expect(node.state.account(1)).to.include({ balance: parseEther("2.5") });
    expect(node.state.account(2)).to.include({ balance: 5n });
    for (const spend of sent) expect(restarted.receipt(spend.hash)).to.include({ status: "verified" });
    expect(restarted.pendingCount).to.equal(0);
    expect(world.journals[world.journals.length - 1].entries()).to.deep.equal([]);
  });

  it("(b) drops what Layer 1 holds when stopped after a batch landed, before compacting the journal", async function () {
    const operator = await world.startOperator();
    const sent = await acceptTransfers(operator, 2);
    const journal = world.journals[world.journals.length - 1];
    journal.retain = () => Promise.reject(new Error("killed before compacting the journal"));
    await expect(operator.tick(true)).to.be.rejectedWith("killed before compacting the journal");
    expect(await world.rollup.batchCount()).to.equal(4); // the first spend landed
    expect(journal.entries()).to.deep.equal(sent.map((s) => s.encoded));

    const restarted = await world.startOperator();
    expect(restarted.receipt(sent[0].hash)).to.include({ status: "verified" });
    expect(restarted.receipt(sent[1].hash)).to.include({ status: "accepted" });
    expect(restarted.pendingCount).to.equal(1);
    // Compaction, not loss: the spend Layer 1 holds leaves the journal as on Layer 1, none as dropped.
    const compacted = (await readAllEvents(restarted.events)).events.filter(
      (e) => e.type === "journalCompacted",
    );
    expect(compacted.map(({ seq: _s, time: _t, ...e }) => e)).to.deep.equal([
      { type: "journalCompacted", onLayer1: 1, dropped: 0, kept: 1 },
    ]);
    await restarted.tick(true);
    await world.checkInvariants();
    const node = await expectVerifiedOnce(sent.map((s) => s.hash));
    expect(node.lastBatch).to.equal(4);
    expect(node.state.account(0)).to.include({ balance: parseEther("9"), nonce: 2 });

    const again = await world.startOperator();
    expect(again.pendingCount).to.equal(0);
    await again.tick(true);
    expect(await world.rollup.batchCount()).to.equal(5);
  });
});

// ---------------------------------------------------------------------------------------------------------
// A real process: the zk stack in its processes mode, on a hardhat node
// ---------------------------------------------------------------------------------------------------------

describe("e2e: the zk operator as a process, killed and restarted", function () {
  this.timeout(600_000);
  const port = 9200 + Math.floor(Math.random() * 300);
  const rpcPort = port + 400;
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), "strata-zk-process-"));
  const deploymentsDir = join(dir, "deployments");
  let node: ChildProcess | undefined;
  let stack: ProcessZkStack | undefined;

  after(async function () {
    await stack?.stop();
    if (node) kill(node, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("loses nothing and proves nothing twice", async function () {
    node = await startHardhat(["node", "--port", String(port)], {}, nodeReadiness(port), 120_000);
    const provider = new JsonRpcProvider(url);
    const [deployer, alice, bob] = await Promise.all([0, 5, 6].map((i) => provider.getSigner(i)));
    const deployment = await deploySuite(deployer, { network: "localhost", local: true });
    writeDeployment(deployment, deploymentsDir);
    const rollup = new ZkRollupClient(deployment.contracts.ZkRollup, provider);
    const bridge = new BridgeClient(deployment.contracts.Bridge, provider);
    const crypto = await ZkCrypto.load();
    const { domain } = await rollup.config();
    const aliceWallet = new ZkWallet(crypto, zkPrivateKeyFromSeed("alice"), alice.address, domain);
    const bobWallet = new ZkWallet(crypto, zkPrivateKeyFromSeed("bob"), bob.address, domain);
    await aliceWallet.depositEth(bridge, alice, rollup.address, parseEther("3"));
    await bobWallet.depositEth(bridge, bob, rollup.address, parseEther("1"));

    const services = new ServiceSet("localhost", join(dir, "data"), {
      STRATA_RPC_URL: url,
      STRATA_DEPLOYMENTS_DIR: deploymentsDir,
    });
    stack = await startZkStack({
      deployment,
      provider,
      crypto,
      mode: { kind: "processes", services, port: rpcPort, maxBatchAgeMs: 200 },
    });
    // Wait until Bob's account is on Layer 1, so the spends below are what is in flight at the kill.
    await stack.waitForStatus((await bridge.queuedDeposits(rollup.address))[1].head, "verified", {
      timeoutMs: 120_000,
    });
    const aliceIndex = (await stack.findAccount(aliceWallet.ownerHex, ETH_ID))!;
    const bobIndex = (await stack.findAccount(bobWallet.ownerHex, ETH_ID))!;

    const hashes: string[] = [];
    for (let nonce = 0; nonce < 3; nonce++) {
      const spend = aliceWallet.transfer({
        from: aliceIndex,
        to: bobIndex,
        amount: parseEther("0.25"),
        nonce,
      });
      hashes.push((await stack.send(spend.encoded)).hash);
    }
    await stack.kill();

    await stack.restart();
    expect(stack.starts).to.have.length(2);
    for (const hash of hashes) {
      expect(await stack.waitForStatus(hash, "verified")).to.include({ status: "verified" });
    }
    expect(await stack.account(bobIndex)).to.include({ balance: parseEther("1.75") });
    expect(await stack.account(aliceIndex)).to.include({ nonce: 3 });

    const verifier = await ZkChainFollower.create(rollup, provider, crypto);
    await verifier.sync();
    const all = verifier.batches.flatMap((b) => b.hashes);
    for (const hash of hashes) expect(all.filter((h) => h === hash)).to.have.length(1);
    expect(verifier.state.account(aliceIndex)).to.include({ balance: parseEther("2.25"), nonce: 3 });

    // The restarted process proved each spend it had not proved before, and each batch once.
    const { events } = await readAllEvents(stack.events);
    const proving = events.flatMap((e) => (e.type === "batchProving" ? e.hashes : []));
    for (const hash of hashes.filter((h) => proving.includes(h))) {
      expect(proving.filter((h) => h === hash)).to.have.length(1);
    }
    const submitted = events.flatMap((e) => (e.type === "batchSubmitted" ? [e.batchIndex] : []));
    expect(new Set(submitted).size).to.equal(submitted.length);
  });
});
