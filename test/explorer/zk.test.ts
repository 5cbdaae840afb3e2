// The explorer's zk views on a real flow with real proofs (the `test` profile, one slot per batch): Alice
// deposits and the operator proves batch 1; she asks Layer 1 for a forced withdrawal, which batch 2
// carries; she claims it through the bridge. A second request is left waiting until it is overdue, a
// stranger starts exodus, and Alice exits. At each stage `/api/zk`, `/api/zk/batches/:index` (and the
// bridge's and Alice's account views) must say what the contract says.
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, keccak256, parseEther } from "ethers";
import type { AccountView } from "../../src/explorer/accounts";
import { accountRoutes } from "../../src/explorer/accounts";
import type { BridgeView } from "../../src/explorer/bridge";
import { bridgeRoutes } from "../../src/explorer/bridge";
import { ExplorerBadRequestError, ExplorerNotFoundError } from "../../src/explorer/route";
import type { ZkBatchView, ZkView } from "../../src/explorer/zk";
import { exodusDueAt, forcedStatus, zkRoutes, zkTxView } from "../../src/explorer/zk";
import { buildExitProof } from "../../src/zk/exit";
import { contextAt, readAt, routeAt } from "./context";
import type { ZkE2eWorld, ZkUser } from "../e2e/zk-world";
import { ETH_ID, castOf, closeTestProver, createZkWorld, fund } from "../e2e/zk-world";

describe("explorer: zk", function () {
  describe("pure derivations", function () {
    it("forcedStatus: served and refunded win; else stranded in exodus, overdue at the deadline, waiting before", function () {
      const base = { deadline: 100, served: false, refunded: false, exodus: false };
      expect(forcedStatus({ ...base, now: 99 })).to.equal("waiting");
      expect(forcedStatus({ ...base, now: 100 })).to.equal("overdue");
      expect(forcedStatus({ ...base, now: 100, exodus: true })).to.equal("stranded");
      expect(forcedStatus({ ...base, now: 100, exodus: true, served: true })).to.equal("served");
      expect(forcedStatus({ ...base, now: 5, refunded: true, exodus: true })).to.equal("refunded");
    });

    it("exodusDueAt: the earlier of the oldest deposit's and the oldest request's deadline, or null", function () {
      expect(exodusDueAt({ oldestDepositAt: null, oldestForcedAt: null, exodusDelay: 10 })).to.equal(null);
      expect(exodusDueAt({ oldestDepositAt: 5, oldestForcedAt: null, exodusDelay: 10 })).to.deep.equal({
        dueAt: 15,
        because: "deposit",
      });
      expect(exodusDueAt({ oldestDepositAt: 5, oldestForcedAt: 3, exodusDelay: 10 })).to.deep.equal({
        dueAt: 13,
        because: "forced",
      });
      // a tie goes to the deposit, as the contract's `forcedDueAt < dueAt`
      expect(exodusDueAt({ oldestDepositAt: 3, oldestForcedAt: 3, exodusDelay: 10 })).to.deep.equal({
        dueAt: 13,
        because: "deposit",
      });
    });

    it("zkTxView: big integers as decimal strings, a forced slot by its request number", function () {
      const deposit = {
        from: ZeroAddress,
        to: "0x" + "11".repeat(32),
        tokenId: 0,
        amount: 7n,
        timestamp: 9n,
      };
      expect(zkTxView({ kind: "deposit", account: 3, deposit })).to.deep.equal({
        kind: "deposit",
        account: 3,
        deposit: { from: ZeroAddress, to: deposit.to, tokenId: 0, amount: "7", timestamp: 9 },
      });
      const request = {
        index: 4,
        requester: ZeroAddress,
        account: 1,
        owner: 5n,
        tokenId: 0,
        amount: 8n,
        requestedAt: 1n,
      };
      expect(zkTxView({ kind: "forced", request, effective: false })).to.deep.equal({
        kind: "forced",
        request: 4,
        account: 1,
        tokenId: 0,
        amount: "8",
        effective: false,
      });
    });
  });

  describe("on a rollup with real proofs", function () {
    this.timeout(600_000);
    let world: ZkE2eWorld;
    let alice: ZkUser;

    const summary = () => readAt<ZkView>(routeAt(zkRoutes, "/api/zk"), world.deployment);
    const batch = (index: string) =>
      readAt<ZkBatchView>(routeAt(zkRoutes, "/api/zk/batches/:index"), world.deployment, { index });
    const zkBridge = async () =>
      (await readAt<BridgeView>(routeAt(bridgeRoutes, "/api/bridge"), world.deployment)).rollups.find(
        (r) => r.name === "ZkRollup",
      )!;

    before(async function () {
      world = await createZkWorld();
      ({ alice } = castOf(world));
    });

    after(async function () {
      await world.cleanup();
      await closeTestProver();
    });

    it("shows the verifier with its pinned build, and genesis alone before any batch", async function () {
      const view = await summary();
      const pin = world.deployment.zkVerifier!;
      expect(view.rollup).to.equal(world.deployment.contracts.ZkRollup);
      expect(view.verifier.address).to.equal(world.deployment.contracts.ZkVerifier);
      expect(view.verifier.pin).to.deep.equal(pin);
      expect(view.verifier.runtimeCodeHash).to.equal(
        keccak256(await ethers.provider.getCode(world.deployment.contracts.ZkVerifier)),
      );
      expect(view.verifier.matchesPin).to.equal(true);
      // the world allowed the DemoToken as token 1
      expect(view.tokens).to.deep.equal({
        0: { token: ZeroAddress, symbol: "ETH", decimals: 18 },
        1: { token: world.token, symbol: "SDT", decimals: 18 },
      });
      expect(view.batches).to.have.length(1);
      expect(view.batches[0]).to.include({ index: 0, txCount: 0, tx: null });
      expect(view.batches[0].proof).to.deep.equal({ status: "genesis" });
      expect(view.batches[0].root).to.equal((await world.rollup.root()).toString());
      expect(view.exodus).to.deep.equal({
        active: false,
        activated: null,
        dueAt: null,
        dueBecause: null,
        mayStartNow: false,
      });
    });

    it("says when exodus may start while a deposit waits, and lists the batch that consumes it as verified", async function () {
      await fund(world, [{ user: alice, amount: parseEther("5") }]);
      const { exodusDelay } = await world.rollup.config();
      const [queued] = await world.bridgeClient.queuedDeposits(world.rollup.address);
      let view = await summary();
      expect(view.exodus).to.include({
        active: false,
        dueAt: Number(queued.timestamp) + exodusDelay,
        dueBecause: "deposit",
        mayStartNow: false,
      });

      const operator = await world.startOperator();
      await operator.tick(true);
      view = await summary();
      expect(view.batchCount).to.equal(2);
      expect(view.depositsConsumed).to.equal(1);
      expect(view.exodus.dueAt).to.equal(null);
      const [genesis, first] = view.batches;
      expect(first).to.include({ index: 1, txCount: 1, depositsConsumed: 1 });
      expect(first.proof).to.deep.equal({ status: "verified", verifiedInSubmission: true });
      expect(first.root).to.equal((await world.rollup.root()).toString());
      const receipt = (await ethers.provider.getTransactionReceipt(first.tx!))!;
      expect(first.gasUsed).to.equal(receipt.gasUsed.toString());
      expect(first.block).to.equal(receipt.blockNumber);

      const full = await batch("1");
      expect(full.oldRoot).to.equal(genesis.root);
      expect(full.submitter).to.equal(world.operatorSigner.address);
      expect(full.txs).to.have.length(1);
      expect(full.txs[0]).to.deep.include({ kind: "deposit", account: 0 });
      expect(full.deposits.map((d) => [d.from, d.amount])).to.deep.equal([
        [alice.signer.address, parseEther("5").toString()],
      ]);
      expect(full.publicInputs.slice(0, 2)).to.deep.equal([genesis.root, first.root]);
      // the verifier, asked again on its own, accepts the proof; verification is part of the batch's gas
      expect(full.verification!.accepted).to.equal(true);
      expect(full.tokens[0]).to.deep.equal({ token: ZeroAddress, symbol: "ETH", decimals: 18 });
      const callGas = BigInt(full.verification!.callGas!);
      expect(callGas > 100_000n && callGas < receipt.gasUsed).to.equal(true);
    });

    it("follows a forced withdrawal from waiting to served, and its credit from claimable to paid by the bridge", async function () {
      const { Ax: ax, Ay: ay } = alice.wallet.key.publicKey;
      const { request, receipt } = await world.rollup.requestWithdrawal(alice.signer, {
        account: 0,
        tokenId: ETH_ID,
        amount: parseEther("2"),
        ax,
        ay,
      });
      const { exodusDelay } = await world.rollup.config();
      const deadline = Number(request.requestedAt) + exodusDelay;
      let view = await summary();
      expect(view.forced).to.have.length(1);
      expect(view.forced[0]).to.include({
        index: 0,
        requester: alice.signer.address,
        account: 0,
        amount: parseEther("2").toString(),
        deadline,
        status: "waiting",
        batchIndex: null,
        effective: null,
        tx: receipt.hash,
      });
      expect(view.exodus).to.include({ dueAt: deadline, dueBecause: "forced", mayStartNow: false });

      await (await world.startOperator()).tick(true);
      view = await summary();
      expect(view.forced[0]).to.include({ status: "served", batchIndex: 2, effective: true });
      expect(view.batches.map((b) => b.index)).to.deep.equal([0, 1, 2]);
      const full = await batch("2");
      expect(full.forced).to.deep.equal([{ index: 0, effective: true }]);
      expect(full.txs).to.deep.equal([
        {
          kind: "forced",
          request: 0,
          account: 0,
          tokenId: ETH_ID,
          amount: parseEther("2").toString(),
          effective: true,
        },
      ]);
      expect(full.withdrawalsCredited).to.deep.equal([
        { recipient: alice.signer.address, tokenId: ETH_ID, amount: parseEther("2").toString() },
      ]);
      expect(full.verification!.accepted).to.equal(true);

      // the bridge view: Alice's credit is owed (claimable), then paid by a release out of the zk escrow
      let rollup = await zkBridge();
      expect(rollup.withdrawals.pending).to.deep.equal([
        {
          kind: "credit",
          status: "claimable",
          recipient: alice.signer.address,
          token: ZeroAddress,
          tokenId: ETH_ID,
          symbol: "ETH",
          amount: parseEther("2").toString(),
        },
      ]);
      const claim = await world.rollup.claim(alice.signer, ETH_ID, alice.signer.address);
      rollup = await zkBridge();
      expect(rollup.withdrawals.pending).to.deep.equal([]);
      expect(rollup.withdrawals.paid).to.have.length(1);
      expect(rollup.withdrawals.paid[0]).to.include({
        kind: "release",
        recipient: alice.signer.address,
        amount: parseEther("2").toString(),
        tx: claim.hash,
      });
      expect(rollup.escrow[0].escrowed).to.equal(parseEther("3").toString());
    });

    it("marks a request left waiting overdue, shows exodus once started, and lists the exit", async function () {
      const { Ax: ax, Ay: ay } = alice.wallet.key.publicKey;
      const { request } = await world.rollup.requestWithdrawal(alice.signer, {
        account: 0,
        tokenId: ETH_ID,
        amount: parseEther("1"),
        ax,
        ay,
      });
      const { exodusDelay } = await world.rollup.config();
      await time.increaseTo(request.requestedAt + BigInt(exodusDelay));
      await ethers.provider.send("evm_mine", []);
      let view = await summary();
      expect(view.forced[1]).to.include({ index: 1, status: "overdue" });
      expect(view.exodus).to.include({ active: false, dueBecause: "forced", mayStartNow: true });

      const stranger = world.signers[9];
      const activation = await world.rollup.activateExodus(stranger, []);
      view = await summary();
      expect(view.exodus.active).to.equal(true);
      expect(view.exodus.activated).to.include({ by: stranger.address, tx: activation.hash });
      expect(view.exodus.activated!.root).to.equal((await world.rollup.root()).toString());
      expect(view.exodus).to.include({ dueAt: null, mayStartNow: false });
      expect(view.forced[1].status).to.equal("stranded");

      const node = await world.verifierNode();
      const proof = buildExitProof(node.state, 0, alice.wallet.signer, world.crypto);
      const exit = await world.rollup.exit(alice.signer, proof);
      view = await summary();
      expect(view.exits).to.have.length(1);
      expect(view.exits[0]).to.include({
        accountIndex: 0,
        owner: alice.signer.address,
        tokenId: ETH_ID,
        balance: parseEther("3").toString(),
        tx: exit.hash,
      });

      // Alice's account page gathers her deposit, her requests, her claim and her exit
      const account = await readAt<AccountView>(
        routeAt(accountRoutes, "/api/accounts/:address"),
        world.deployment,
        {
          address: alice.signer.address.toLowerCase(),
        },
      );
      expect(account.deposits.map((d) => [d.rollupName, d.amount])).to.deep.equal([
        ["ZkRollup", parseEther("5").toString()],
      ]);
      expect(account.zk!.forced.map((f) => [f.index, f.status])).to.deep.equal([
        [0, "served"],
        [1, "stranded"],
      ]);
      expect(account.zk!.exits.map((e) => e.balance)).to.deep.equal([parseEther("3").toString()]);
      expect(account.withdrawals.map((w) => [w.kind, w.amount])).to.deep.equal([
        ["release", parseEther("3").toString()],
        ["release", parseEther("2").toString()],
      ]);
    });

    it("answers 404 for a batch beyond the last and 400 for a malformed index", async function () {
      const count = (await summary()).batchCount;
      await expect(batch(String(count))).to.be.rejectedWith(ExplorerNotFoundError);
      await expect(batch("0")).to.eventually.deep.include({ index: 0, txs: [], verification: null });
      for (const bad of ["abc", "-1", "1.5", ""]) {
        await expect(batch(bad)).to.be.rejectedWith(ExplorerBadRequestError);
      }
      // rejected, not thrown: the server awaits the answer to map it to a 400
      const ctx = await contextAt(world.deployment);
      const answer = routeAt(zkRoutes, "/api/zk/batches/:index").read(
        ctx,
        { index: "x" },
        new URLSearchParams(),
      );
      await expect(answer).to.be.rejectedWith(ExplorerBadRequestError);
    });
  });
});
