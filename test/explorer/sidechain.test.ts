import { ethers } from "hardhat";
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { JsonRpcProvider, Network, getAddress, keccak256, parseEther, toUtf8Bytes } from "ethers";
import type { Signer } from "ethers";
import { Sidechain__factory } from "../../typechain-types";
import { deployBridge } from "../../src/bridge/deploy";
import type { Deployment } from "../../src/common/deployments";
import type { Layer3View, SidechainView } from "../../src/explorer/sidechain";
import {
  coveringCheckpoint,
  layer3Routes,
  quorumStake,
  recoverSigners,
  shareBps,
  sidechainRoutes,
  sortValidators,
  validatorStatus,
  validatorView,
  withSidechainSources,
} from "../../src/explorer/sidechain";
import type { ExplorerContext } from "../../src/explorer/route";
import { ExplorerBadRequestError, ExplorerNotFoundError } from "../../src/explorer/route";
import { EMPTY_QUEUE_HEAD } from "../../src/shared/deposit";
import type { Checkpoint } from "../../src/sidechain/checkpoint";
import {
  checkpointDigest,
  checkpointDomain,
  checkpointWithdrawalRoot,
  signCheckpoint,
} from "../../src/sidechain/checkpoint";
import { LOCAL_SIDECHAIN_CONFIG, deploySidechain } from "../../src/sidechain/deploy";
import { deployLayer3 } from "../../src/sidechain/layer3";
import { LOCAL_TIMING } from "../../src/optimistic/config";
import { ownerOfAddress } from "../../src/shared/types";
import { packSignatures } from "../../src/sidechain/quorum";
import { LOCAL_CHECKPOINT_RULE } from "../../src/sidechain/stack";
import {
  JUST_ABOVE,
  childTokenOf,
  deployChildBridgeFixture,
  depositFor,
  signSync,
  syncAfter,
} from "../sidechain/child-fixtures";

const route = (path: string) => sidechainRoutes.find((r) => r.path === path)!;

async function contextOf(deployment: Deployment): Promise<ExplorerContext> {
  const block = (await ethers.provider.getBlock("latest"))!;
  return {
    provider: ethers.provider,
    deployment,
    head: { number: block.number, hash: block.hash!, timestamp: block.timestamp },
  };
}

async function expectRejected(promise: Promise<unknown>, type: new (...args: never[]) => Error) {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a ${type.name}`).to.be.instanceOf(type);
}

/** The hash of block `n` of the in-process chain, which plays the sidechain here too. */
async function hashOf(n: number): Promise<string> {
  return (await ethers.provider.getBlock(n))!.hash!;
}

describe("explorer: sidechain", function () {
  describe("pure parts", function () {
    it("quorumStake is the least stake more than two thirds", function () {
      expect(quorumStake(6n)).to.equal(5n); // 4 is exactly 2/3: refused
      expect(quorumStake(3n)).to.equal(3n);
      expect(quorumStake(300n)).to.equal(201n);
      expect(quorumStake(0n)).to.equal(1n);
      for (const total of [1n, 7n, 100n, parseEther("31")]) {
        const q = quorumStake(total);
        expect(q * 3n > total * 2n, `${q} of ${total}`).to.equal(true);
        expect((q - 1n) * 3n > total * 2n, `${q - 1n} of ${total}`).to.equal(false);
      }
    });

    it("shareBps rounds down and is 0 of nothing", function () {
      expect(shareBps(1n, 3n)).to.equal(3333);
      expect(shareBps(5n, 6n)).to.equal(8333);
      expect(shareBps(1n, 0n)).to.equal(0);
    });

    it("validatorStatus names every ISidechain.Status; None after staking is withdrawn", function () {
      expect([0n, 1n, 2n, 3n].map(validatorStatus)).to.deep.equal([
        "withdrawn",
        "active",
        "unbonding",
        "slashed",
      ]);
    });

    it("validatorView shows an unbond time and a withdrawn amount only while they say where the validator stands", function () {
      const x = "0x" + "ab".repeat(20);
      const last = { unbondedAt: 1_000, withdrawn: 7n };
      // Withdrew, then staked again: active, its old unbond and withdrawal no longer apply.
      expect(validatorView(x, { stake: 3n, withdrawableAt: 0n, status: 1n }, 12n, last)).to.deep.equal({
        address: x,
        status: "active",
        stake: "3",
        shareBps: 2500,
        unbondedAt: null,
        withdrawableAt: null,
        withdrawn: null,
      });
      expect(validatorView(x, { stake: 3n, withdrawableAt: 1_600n, status: 2n }, 12n, last)).to.include({
        status: "unbonding",
        shareBps: 0,
        unbondedAt: 1_000,
        withdrawableAt: 1_600,
        withdrawn: null,
      });
      expect(validatorView(x, { stake: 0n, withdrawableAt: 0n, status: 0n }, 12n, last)).to.include({
        status: "withdrawn",
        unbondedAt: 1_000,
        withdrawn: "7",
      });
      expect(validatorView(x, { stake: 0n, withdrawableAt: 0n, status: 3n }, 12n, last)).to.include({
        status: "slashed",
        unbondedAt: null,
        withdrawn: null,
      });
    });

    it("sortValidators puts the active first, largest stake first, then unbonding, withdrawn, slashed", function () {
      const v = (address: string, status: "active" | "unbonding" | "withdrawn" | "slashed", stake: string) =>
        validatorView(
          address,
          {
            stake: BigInt(stake),
            withdrawableAt: 0n,
            status: BigInt(["withdrawn", "active", "unbonding", "slashed"].indexOf(status)),
          },
          10n,
          { unbondedAt: null, withdrawn: null },
        );
      const views = [
        v("0x03", "slashed", "0"),
        v("0x02", "active", "1"),
        v("0x05", "unbonding", "9"),
        v("0x01", "active", "1"),
        v("0x04", "active", "5"),
        v("0x06", "withdrawn", "0"),
      ];
      expect(sortValidators(views).map((x) => x.address)).to.deep.equal([
        "0x04",
        "0x01",
        "0x02",
        "0x05",
        "0x06",
        "0x03",
      ]);
    });

    it("coveringCheckpoint finds the checkpoint whose range holds a block, ends included", function () {
      const cps = [
        { number: 1, startBlock: 11, endBlock: 20 },
        { number: 0, startBlock: 0, endBlock: 10 },
      ];
      expect(coveringCheckpoint(0, cps)).to.equal(0);
      expect(coveringCheckpoint(10, cps)).to.equal(0);
      expect(coveringCheckpoint(11, cps)).to.equal(1);
      expect(coveringCheckpoint(21, cps)).to.equal(null);
    });

    it("recoverSigners recovers each packed compact signature's signer, in order", async function () {
      const [x, y] = await ethers.getSigners();
      const domain = checkpointDomain(31337, getAddress("0x" + "12".repeat(20)));
      const checkpoint: Checkpoint = {
        number: 0n,
        startBlock: 0n,
        endBlock: 3n,
        endBlockHash: keccak256(toUtf8Bytes("end")),
        withdrawalRoot: keccak256(toUtf8Bytes("root")),
      };
      const signatures = await Promise.all([x, y].map((s) => signCheckpoint(s, domain, checkpoint)));
      const packed = packSignatures(signatures);
      const recovered = recoverSigners(packed, checkpointDigest(domain, checkpoint));
      const ascending = [x.address, y.address].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      expect(recovered.map((s) => s.address)).to.deep.equal(ascending);
      expect(recoverSigners("0x", checkpointDigest(domain, checkpoint))).to.deep.equal([]);
    });
  });

  describe("routes", function () {
    // One scenario, played once: the views are read at its end.
    let deployment: Deployment;
    let view: SidechainView;
    let ctx: ExplorerContext;
    const s: Record<string, Signer & { address: string }> = {};
    let cp0: Checkpoint;
    let cp1: Checkpoint;
    let forged1: Checkpoint;
    let burnBlocks: number[];
    let childBridge: string;

    before(async function () {
      const [owner, a, b, c, d, e, outsider] = await ethers.getSigners();
      Object.assign(s, { owner, a, b, c, d, e, outsider });
      const { Bridge } = await deployBridge(owner);
      const { Sidechain } = await deploySidechain(owner, { bridge: Bridge });
      const sidechain = Sidechain__factory.connect(Sidechain, owner);
      const { chainId } = await ethers.provider.getNetwork();
      deployment = {
        network: "hardhat",
        chainId: Number(chainId),
        deployedAt: new Date(0).toISOString(),
        deployer: owner.address,
        contracts: { Bridge, Sidechain },
      };
      // Stakes 2, 2, 1, 1 ETH: 6 in all, so A and B alone (exactly 2/3) are not a quorum.
      for (const [signer, stake] of [
        [a, "2"],
        [b, "2"],
        [c, "1"],
        [d, "1"],
      ] as const) {
        await sidechain.connect(signer).stake({ value: parseEther(stake) });
      }

      // The sidechain: its ChildBridge on the same in-process node, a state sync of two deposits, a burn.
      const child = await deployChildBridgeFixture();
      childBridge = await child.bridge.getAddress();
      const deposits = [
        depositFor(child.alice.address, 0, parseEther("3")),
        depositFor(child.bob.address, 0, parseEther("1")),
      ];
      const sync = syncAfter(0n, EMPTY_QUEUE_HEAD, deposits);
      await child.bridge.syncDeposits(sync, deposits, await signSync(child.domain, sync, JUST_ABOVE));
      const burn0 = await (
        await child.bridge.connect(child.alice).withdraw(0, parseEther("1"), child.alice.address)
      ).wait();
      burnBlocks = [burn0!.blockNumber];

      // Checkpoint 0 covers every block up to the burn; checkpoint 1 the next block alone.
      const domain = checkpointDomain(chainId, Sidechain);
      cp0 = {
        number: 0n,
        startBlock: 0n,
        endBlock: BigInt(burnBlocks[0]),
        endBlockHash: await hashOf(burnBlocks[0]),
        withdrawalRoot: await checkpointWithdrawalRoot([
          { recipient: child.alice.address, tokenId: 0, amount: parseEther("1") },
        ]),
      };
      const sign = async (signers: Signer[], cp: Checkpoint) =>
        packSignatures(await Promise.all(signers.map((x) => signCheckpoint(x, domain, cp))));
      await sidechain.connect(outsider).submitCheckpoint(cp0, await sign([a, b, c], cp0));
      const emptyRoot = await checkpointWithdrawalRoot([]);
      cp1 = {
        number: 1n,
        startBlock: cp0.endBlock + 1n,
        endBlock: cp0.endBlock + 1n,
        endBlockHash: await hashOf(Number(cp0.endBlock) + 1),
        withdrawalRoot: emptyRoot,
      };
      await sidechain.connect(a).submitCheckpoint(cp1, await sign([a, b, d], cp1));

      // D equivocates: it also signs another checkpoint 1, paying a forged withdrawal. The outsider slashes it.
      forged1 = {
        ...cp1,
        withdrawalRoot: await checkpointWithdrawalRoot([
          { recipient: d.address, tokenId: 0, amount: parseEther("5") },
        ]),
      };
      const honest = await signCheckpoint(d, domain, cp1);
      const forged = await signCheckpoint(d, domain, forged1);
      await sidechain.connect(outsider).slash(forged1, forged.signature, cp1, honest.signature);

      // E joins, unbonds and withdraws; B unbonds.
      await sidechain.connect(e).stake({ value: parseEther("1") });
      await sidechain.connect(e).unbond();
      await time.increase(LOCAL_SIDECHAIN_CONFIG.unbondingDelay);
      await sidechain.connect(e).withdrawStake();
      await sidechain.connect(b).unbond();

      // A second burn, after every checkpoint: not covered yet.
      const burn1 = await (
        await child.bridge.connect(child.bob).withdraw(0, parseEther("1"), child.bob.address)
      ).wait();
      burnBlocks.push(burn1!.blockNumber);

      ctx = await contextOf(deployment);
      view = (await route("/api/sidechain").read(ctx, {}, new URLSearchParams())) as SidechainView;
    });

    it("/api/sidechain lists every validator with its status, stake, share and unbond time", async function () {
      const { a, b, c, d, e } = s;
      const byAddress = new Map(view.validators.map((v) => [v.address, v]));
      expect(view.validators.map((v) => v.address)).to.deep.equal([a, c, b, e, d].map((x) => x.address));
      expect(byAddress.get(a.address)).to.include({
        status: "active",
        stake: parseEther("2").toString(),
        shareBps: 6666,
        withdrawableAt: null,
      });
      expect(byAddress.get(c.address)).to.include({ status: "active", shareBps: 3333 });
      const bView = byAddress.get(b.address)!;
      expect(bView).to.include({ status: "unbonding", stake: parseEther("2").toString(), shareBps: 0 });
      const bRecord = await Sidechain__factory.connect(
        deployment.contracts.Sidechain,
        ethers.provider,
      ).validator(b.address);
      expect(bView.withdrawableAt).to.equal(Number(bRecord.withdrawableAt));
      expect(bView.unbondedAt).to.equal(
        Number(bRecord.withdrawableAt) - LOCAL_SIDECHAIN_CONFIG.unbondingDelay,
      );
      expect(byAddress.get(e.address)).to.include({
        status: "withdrawn",
        stake: "0",
        withdrawn: parseEther("1").toString(),
      });
      expect(byAddress.get(d.address)).to.include({ status: "slashed", stake: "0", shareBps: 0 });
    });

    it("/api/sidechain states the active stake and the quorum: more than 2/3 of it", function () {
      expect(view.totalActiveStake).to.equal(parseEther("3").toString());
      expect(view.quorumStake).to.equal((parseEther("2") + 1n).toString());
      expect(view.checkpointCount).to.equal(2);
      expect(view.nextStartBlock).to.equal(Number(cp1.endBlock) + 1);
      expect(view.config).to.deep.equal({
        minStake: LOCAL_SIDECHAIN_CONFIG.minStake.toString(),
        unbondingDelay: LOCAL_SIDECHAIN_CONFIG.unbondingDelay,
        slashRewardBps: LOCAL_SIDECHAIN_CONFIG.slashRewardBps,
        maxValidators: 128,
      });
      // D's 1 ETH: half paid to the slasher, half burned.
      expect(view.burnedStake).to.equal(parseEther("0.5").toString());
    });

    it("/api/sidechain lists the accepted checkpoints, newest first, with their signers and transactions", async function () {
      const { a, b, c, d, outsider } = s;
      expect(view.checkpoints.map((c) => c.number)).to.deep.equal([1, 0]);
      const [one, zero] = view.checkpoints;
      expect(zero).to.include({
        startBlock: 0,
        endBlock: Number(cp0.endBlock),
        endBlockHash: cp0.endBlockHash,
        withdrawalRoot: cp0.withdrawalRoot,
        submitter: outsider.address,
        signedStake: parseEther("5").toString(),
        totalStake: parseEther("6").toString(),
        signedBps: 8333,
      });
      const ascending = (xs: string[]) => [...xs].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
      expect(zero.signers.map((x) => x.address)).to.deep.equal(ascending([a, b, c].map((x) => x.address)));
      expect(one.signers.map((x) => x.address)).to.deep.equal(ascending([a, b, d].map((x) => x.address)));
      expect(one.submitter).to.equal(a.address);
      const shareOf = new Map(zero.signers.map((x) => [x.address, x]));
      expect(shareOf.get(a.address)).to.include({ stake: parseEther("2").toString(), shareBps: 3333 });
      expect(shareOf.get(c.address)).to.include({ stake: parseEther("1").toString(), shareBps: 1666 });
      const receipt = (await ethers.provider.getTransactionReceipt(zero.tx))!;
      expect(zero.gasUsed).to.equal(receipt.gasUsed.toString());
      expect(zero.block).to.equal(receipt.blockNumber);
      expect(zero.time).to.equal((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
      const domain = checkpointDomain(deployment.chainId, deployment.contracts.Sidechain);
      expect(zero.digest).to.equal(checkpointDigest(domain, cp0));
    });

    it("/api/sidechain?before=n lists the checkpoints before n; a malformed n is a 400", async function () {
      const read = route("/api/sidechain").read;
      const older = (await read(ctx, {}, new URLSearchParams("before=1"))) as SidechainView;
      expect(older.checkpoints).to.deep.equal([view.checkpoints[1]]);
      expect(older.checkpointCount).to.equal(2);
      await expectRejected(read(ctx, {}, new URLSearchParams("before=one")), ExplorerBadRequestError);
    });

    it("/api/sidechain lists the slashing with its evidence: the two checkpoints, and which was accepted", function () {
      const { d, outsider } = s;
      expect(view.slashings).to.have.length(1);
      const [slashing] = view.slashings;
      expect(slashing).to.include({
        validator: d.address,
        slasher: outsider.address,
        number: 1,
        reward: parseEther("0.5").toString(),
        burned: parseEther("0.5").toString(),
      });
      expect(slashing.evidence!.a.withdrawalRoot).to.equal(forged1.withdrawalRoot);
      expect(slashing.evidence!.b.withdrawalRoot).to.equal(cp1.withdrawalRoot);
      expect(slashing.evidence!.accepted).to.equal("b");
      // Both signatures recover to D on their checkpoint's digest.
      for (const side of [slashing.evidence!.a, slashing.evidence!.b]) {
        expect(recoverSigners(side.signature, side.digest)[0].address).to.equal(d.address);
      }
    });

    it("/api/sidechain has no sidechain chain view unless given the sidechain's node", function () {
      expect(view.chain).to.equal(null);
      expect(view.chainProblem).to.equal(null);
    });

    it("/api/sidechain says why it could not read the sidechain's node, and still shows Layer 1's view", async function () {
      const wrongRecord: Deployment = {
        ...deployment,
        network: "sidechain",
        contracts: { ChildBridge: getAddress("0x" + "5c".repeat(20)) },
      };
      const dead = new JsonRpcProvider("http://127.0.0.1:1", undefined, {
        staticNetwork: Network.from(31338),
      });
      try {
        for (const [source, problem] of [
          [{ provider: ethers.provider, deployment: wrongRecord }, /no ChildBridge at 0x5c5C/i],
          [{ provider: dead, deployment: wrongRecord }, /./],
        ] as const) {
          const read = withSidechainSources(sidechainRoutes, { sidechain: source }).find(
            (r) => r.path === "/api/sidechain",
          )!.read;
          const answer = (await read(ctx, {}, new URLSearchParams())) as SidechainView;
          expect(answer.chain).to.equal(null);
          expect(answer.chainProblem).to.match(problem);
          expect(answer.checkpoints).to.deep.equal(view.checkpoints);
        }
      } finally {
        dead.destroy();
      }
    });

    it("/api/sidechain shows the sidechain's head, state syncs, burns and next checkpoint when given its node", async function () {
      const sidechainDeployment: Deployment = {
        ...deployment,
        network: "sidechain",
        contracts: { ChildBridge: childBridge },
      };
      const routes = withSidechainSources(sidechainRoutes, {
        sidechain: { provider: ethers.provider, deployment: sidechainDeployment },
      });
      const read = routes.find((r) => r.path === "/api/sidechain")!.read;
      const withChain = (await read(ctx, {}, new URLSearchParams())) as SidechainView;
      const chain = withChain.chain!;
      const head = (await ethers.provider.getBlock("latest"))!;
      expect(chain.head).to.deep.equal({ number: head.number, hash: head.hash, timestamp: head.timestamp });
      expect(chain).to.include({ chainId: 31337, childBridge, syncedCount: 2, mirrorNonce: 0, burnCount: 2 });
      expect(chain.stateSyncs).to.have.length(1);
      expect(chain.stateSyncs[0]).to.include({ fromCount: 0, count: 2 });
      expect(chain.burns.map((x) => [x.index, x.block, x.checkpoint])).to.deep.equal([
        [1, burnBlocks[1], null],
        [0, burnBlocks[0], 0],
      ]);
      const start = Number(cp1.endBlock) + 1;
      expect(chain.nextCheckpoint).to.deep.equal({
        number: 2,
        startBlock: start,
        span: LOCAL_CHECKPOINT_RULE.span,
        confirmations: LOCAL_CHECKPOINT_RULE.confirmations,
        dueEndBlock: start + LOCAL_CHECKPOINT_RULE.span - 1,
        dueAtBlock: start + LOCAL_CHECKPOINT_RULE.span - 1 + LOCAL_CHECKPOINT_RULE.confirmations,
        blocksSoFar: head.number - start + 1,
      });
    });

    it("/api/sidechain/checkpoints/:number shows one checkpoint as the list does", async function () {
      const one = await route("/api/sidechain/checkpoints/:number").read(
        ctx,
        { number: "1" },
        new URLSearchParams(),
      );
      expect(one).to.deep.equal(view.checkpoints[0]);
    });

    it("/api/sidechain/checkpoints/:number is a 404 for a checkpoint not accepted, a 400 for a malformed one", async function () {
      const read = route("/api/sidechain/checkpoints/:number").read;
      await expectRejected(read(ctx, { number: "2" }, new URLSearchParams()), ExplorerNotFoundError);
      await expectRejected(read(ctx, { number: "one" }, new URLSearchParams()), ExplorerBadRequestError);
      await expectRejected(read(ctx, { number: "-1" }, new URLSearchParams()), ExplorerBadRequestError);
    });

    it("a checkpoint accepted after the head is not shown", async function () {
      const before = { ...ctx, head: { ...ctx.head, number: view.checkpoints[0].block - 1 } };
      const read = route("/api/sidechain/checkpoints/:number").read;
      await expectRejected(read(before, { number: "1" }, new URLSearchParams()), ExplorerNotFoundError);
      const earlier = (await route("/api/sidechain").read(
        before,
        {},
        new URLSearchParams(),
      )) as SidechainView;
      expect(earlier.checkpointCount).to.equal(1);
      expect(earlier.checkpoints.map((c) => c.number)).to.deep.equal([0]);
    });

    it("every route is a 404 when the deployment has no Sidechain", async function () {
      const bare = await contextOf({ ...deployment, contracts: { Bridge: deployment.contracts.Bridge } });
      await expectRejected(
        route("/api/sidechain").read(bare, {}, new URLSearchParams()),
        ExplorerNotFoundError,
      );
      await expectRejected(
        route("/api/sidechain/checkpoints/:number").read(bare, { number: "0" }, new URLSearchParams()),
        ExplorerNotFoundError,
      );
    });
  });

  describe("Layer 3", function () {
    // The in-process node plays the sidechain: a ChildBridge minted sETH, the Layer 3 is deployed on it
    // with that sETH, and Alice deposits some.
    let ctx: ExplorerContext & { layer3: { provider: typeof ethers.provider; deployment: Deployment } };
    let token: string;
    let tokenId: number;

    before(async function () {
      const child = await deployChildBridgeFixture();
      const deposits = [depositFor(child.alice.address, 0, parseEther("3"))];
      const sync = syncAfter(0n, EMPTY_QUEUE_HEAD, deposits);
      await child.bridge.syncDeposits(sync, deposits, await signSync(child.domain, sync, JUST_ABOVE));
      const sEth = await childTokenOf(child.bridge, 0);
      token = await sEth.getAddress();
      const layer3 = await deployLayer3(child.relayer, { token, timing: LOCAL_TIMING });
      tokenId = layer3.tokenId;
      const { Bridge, OptimisticRollup } = layer3.deployment.contracts;
      await sEth.connect(child.alice).approve(Bridge, parseEther("2"));
      const bridge = await ethers.getContractAt("Bridge", Bridge);
      await bridge
        .connect(child.alice)
        .depositErc20(OptimisticRollup, token, ownerOfAddress(child.alice.address), parseEther("2"));
      const layer1: Deployment = {
        network: "hardhat",
        chainId: 31337,
        deployedAt: new Date(0).toISOString(),
        deployer: child.relayer.address,
        contracts: {},
      };
      ctx = {
        ...(await contextOf(layer1)),
        layer3: { provider: ethers.provider, deployment: layer3.deployment },
      };
    });

    it("/api/layer3 shows where the Layer 3 lives, the sETH its bridge escrows, its batches and window", async function () {
      const view = (await route("/api/layer3").read(ctx, {}, new URLSearchParams())) as Layer3View;
      const head = (await ethers.provider.getBlock("latest"))!;
      expect(view.chainId).to.equal(31337);
      expect(view.head).to.deep.equal({ number: head.number, hash: head.hash, timestamp: head.timestamp });
      expect(view.rollup).to.equal(ctx.layer3.deployment.contracts.OptimisticRollup);
      expect(view.token).to.deep.equal({
        address: token,
        tokenId,
        allowed: true,
        escrowed: parseEther("2").toString(),
      });
      expect(view).to.include({
        depositCount: 1,
        batchCount: 1,
        lastFinalizedIndex: 0,
        gameCount: 0,
        challengeWindow: LOCAL_TIMING.challengeWindow,
      });
    });

    it("/api/layer3 is a 404 when the explorer is not given a Layer 3", async function () {
      const { layer3: _, ...bare } = ctx;
      await expectRejected(route("/api/layer3").read(bare, {}, new URLSearchParams()), ExplorerNotFoundError);
    });

    it("layer3Routes mounts a Layer-1 route set under /api/layer3, read on the Layer 3's node and record", async function () {
      const seen: ExplorerContext[] = [];
      const optimistic = [
        { path: "/api/optimistic", read: async (c: ExplorerContext) => (seen.push(c), c.deployment.network) },
        {
          path: "/api/optimistic/batches/:index",
          read: async (_: ExplorerContext, p: Record<string, string>) => p.index,
        },
        { path: "/api/optimisticish", read: async () => "not under the prefix" },
      ];
      const mounted = layer3Routes(optimistic, "/api/optimistic");
      expect(mounted.map((r) => r.path)).to.deep.equal([
        "/api/layer3/optimistic",
        "/api/layer3/optimistic/batches/:index",
      ]);
      expect(await mounted[0].read(ctx, {}, new URLSearchParams())).to.equal("layer3");
      expect(seen[0].provider).to.equal(ctx.layer3.provider);
      expect(seen[0].head.number).to.equal(await ethers.provider.getBlockNumber());
      expect(await mounted[1].read(ctx, { index: "4" }, new URLSearchParams())).to.equal("4");
      const { layer3, ...bare } = ctx;
      await expectRejected(mounted[0].read(bare, {}, new URLSearchParams()), ExplorerNotFoundError);
      // As the composition root serves them: the Layer 3 given once, to the routes, not in every context.
      const served = withSidechainSources(mounted, { layer3 });
      expect(await served[0].read(bare, {}, new URLSearchParams())).to.equal("layer3");
    });
  });
});
