// What the demo's optimistic story (src/demo/optimistic.ts) must show wherever its operators run: in this
// process (test/e2e/demo-optimistic.test.ts) or as processes of their own
// (test/e2e/demo-services-optimistic.test.ts).
// Each function declares the shared tests of one part in the calling suite; each test file adds what only
// its variant shows.
import { expect } from "chai";
import type { DemoDataMode } from "../../../src/demo/flows";
import { GAS_PER_BLOB } from "../../../src/da/codec";
import { blobSourceFor } from "../../../src/da/sources";
import type { Provider } from "ethers";
import { ZeroAddress, parseEther } from "ethers";
import { Bridge__factory } from "../../../typechain-types";
import { assertBridgeSolvent } from "../../../src/bridge/invariants";
import { ChainFollower } from "../../../src/optimistic/chain-follower";
import {
  assertBondsConserved,
  assertFinalBatchesValid,
  owedByRollup,
} from "../../../src/optimistic/invariants";
import { RollupClient } from "../../../src/optimistic/rollup-client";
import { Eip712Authorizer } from "../../../src/shared/authorizer";
import { L2Domain } from "../../../src/shared/eip712";
import type { Placement } from "../../../src/common/processes";
import type { BatchData, OptimisticStoryResult } from "../../../src/demo/optimistic";
import { OPTIMISTIC_SERVICE_ACCOUNTS, runOptimisticDemo } from "../../../src/demo/optimistic";
import type { RpcProvider } from "../../../src/common/layer1";
import type { DemoStage } from "../../helpers/demo-services";
import { expectVerbsNarrated, narratedSteps, recordNarration } from "./narration";

/** One run of the story, as its tests read it: the result, the narration, and the chain it ran on. */
export interface OptimisticDemoRun {
  result: OptimisticStoryResult;
  lines: string[];
  provider: Provider;
  rollup: RollupClient;
  bridgeAddress: string;
  /** The challenger's Layer-1 address. */
  challenger: string;
  dataMode: DemoDataMode;
  /** Where its blob batches can still be read (a blob archive the test runs; none: the node's own API). */
  blobArchiveUrl?: string;
}

/** The protocol verbs the narration names wherever the operators run, with batches as calldata. */
export const NARRATED_VERBS = [
  "deposit",
  "commitBatch",
  "finalize",
  "finalizeWithdrawal",
  "challenge",
  "move",
  "step",
  "transfer",
  "withdraw",
  "sync",
];

/**
 * The verbs narrated in `mode`: a batch in blobs is committed with commitBatchBlobs and its step proven
 * with stepBlob (the rollup's functions), part 2's in `both`, everything in `blobs`.
 */
export function narratedVerbs(mode: DemoDataMode): string[] {
  if (mode === "calldata") return NARRATED_VERBS;
  const blobVerbs = [...NARRATED_VERBS.filter((v) => v !== "step"), "commitBatchBlobs", "stepBlob"];
  return mode === "both" ? blobVerbs : blobVerbs.filter((v) => v !== "commitBatch");
}

/** Part 1: the sequencer's named refusals, the challenger's agreement, Bob paid once. */
export function shouldCompleteTheRoundTrip(run: () => OptimisticDemoRun): void {
  it("refuses the replay and the overdraft by name", function () {
    const { roundTrip } = run().result;
    expect(roundTrip.replayRefused).to.equal("Duplicate");
    expect(roundTrip.overdraftRefused).to.equal("InsufficientBalance");
  });

  it("lets the challenger agree with every honest batch and finalizes them", function () {
    const { roundTrip } = run().result;
    expect(roundTrip.batches).to.deep.equal([1, 2]);
    expect(roundTrip.verdicts).to.deep.equal(["valid", "valid"]);
    expect(roundTrip.gamesOpened).to.equal(0);
    expect(roundTrip.lastFinalized).to.equal(2);
  });

  it("pays Bob exactly his withdrawal, once", function () {
    const { roundTrip } = run().result;
    expect(roundTrip.withdrawal.amount).to.equal(parseEther("1.5"));
    expect(roundTrip.paidToBob).to.equal(parseEther("1.5"));
    expect(roundTrip.secondPayoutRefused).to.equal("BridgeWithdrawalAlreadyFinalized");
  });

  it("leaves Layer 2 and the escrow in step", function () {
    const { roundTrip } = run().result;
    expect(roundTrip.layer2).to.deep.equal({ alice: parseEther("3"), bob: parseEther("1.5") });
    expect(roundTrip.escrow).to.equal(parseEther("4.5"));
  });
}

/** Part 2: Mallory's lying batch bisected, proven false, removed, and her bond split. */
export function shouldDefeatTheFraud(run: () => OptimisticDemoRun): void {
  it("bisects Mallory's batch down to the step she lied at, which the challenger proves", function () {
    const { fraud } = run().result;
    expect(fraud.challengerVerdict).to.equal("invalid");
    expect(fraud.moves.map((m) => [m.mover, m.agree, m.lo, m.hi])).to.deep.equal([
      ["proposer", false, 0, 4],
      ["challenger", true, 2, 4],
      ["proposer", true, 3, 4],
    ]);
    expect(fraud.steppedAt).to.equal(fraud.lieAt);
    expect(fraud.winner).to.equal("challenger");
  });

  it("removes the lying batch", async function () {
    const { result, rollup } = run();
    expect(result.fraud.batchCountAfter).to.equal(result.fraud.batchIndex);
    expect(await rollup.contract.batchCount()).to.equal(BigInt(result.fraud.batchIndex));
  });

  it("splits Mallory's bond: half to the challenger (with its own bond back), half burned", async function () {
    const { result, rollup } = run();
    const { fraud } = result;
    const bond = (await rollup.config()).proposerBond;
    expect(fraud.bond).to.equal(bond);
    expect(fraud.challengerCredit).to.equal(bond + bond / 2n);
    expect(fraud.burned).to.equal(bond / 2n);
    expect(fraud.malloryCredit).to.equal(0n);
  });

  it("has the challenger send the step that proves the lie", function () {
    const { result, challenger } = run();
    expect(result.fraud.stepSentBy?.toLowerCase()).to.equal(challenger.toLowerCase());
  });

  it("has the challenger withdraw its credit: its own bond and half of Mallory's", async function () {
    const { rollup, challenger } = run();
    const c = rollup.contract;
    const bond = (await rollup.config()).proposerBond;
    expect(await c.credit(challenger)).to.equal(0n);
    const withdrawn = await c.queryFilter(c.filters.CreditWithdrawn(challenger));
    expect(withdrawn.map((log) => log.args.amount)).to.deep.equal([bond + bond / 2n]);
  });
}

/** The invariants at the end, read again from the chain. */
export function shouldEndWithTheInvariants(run: () => OptimisticDemoRun): void {
  it("ends with bonds conserved, every final batch valid and the bridge solvent", async function () {
    const { result, provider, rollup, bridgeAddress } = run();
    // Blob batches are read again from the archive the test runs (on Anvil: from the node itself).
    const { chainId } = await provider.getNetwork();
    const follower = await ChainFollower.create(
      rollup,
      provider,
      new Eip712Authorizer(new L2Domain(chainId, rollup.address)),
      undefined,
      blobSourceFor(provider as unknown as RpcProvider, run().blobArchiveUrl),
    );
    await follower.sync();
    assertFinalBatchesValid(follower);
    const bonds = await assertBondsConserved(rollup, provider);
    expect(bonds).to.deep.equal(result.bonds);
    const bridge = Bridge__factory.connect(bridgeAddress, provider);
    const owed = (await owedByRollup(follower, bridge)).get(0) ?? 0n;
    await assertBridgeSolvent(bridge, provider, {
      rollups: [rollup.address],
      tokens: [ZeroAddress],
      owed: () => owed,
    });
    expect(owed).to.equal(parseEther("4.51"));
    expect((await bridge.asset(rollup.address, ZeroAddress)).escrowed).to.equal(owed);
  });
}

/** Everything both variants show. */
export function shouldTellTheOptimisticStory(run: () => OptimisticDemoRun): void {
  describe("the honest round trip", function () {
    shouldCompleteTheRoundTrip(run);
  });

  describe("the defeated fraud", function () {
    shouldDefeatTheFraud(run);
  });

  shouldEndWithTheInvariants(run);

  it("narrates every protocol verb", function () {
    expectVerbsNarrated(run().lines, narratedVerbs(run().dataMode));
  });

  describe("where the batches went", function () {
    shouldPostWhereTheModeSays(run);
  });
}

const CALLDATA: Partial<BatchData> = { inBlobs: false, blobs: 0, blobGasUsed: 0n };
const ONE_BLOB: Partial<BatchData> = { inBlobs: true, blobs: 1, blobGasUsed: BigInt(GAS_PER_BLOB) };

/**
 * The batches went where the data mode says (part 1's in calldata unless `blobs`, part 2's in blobs unless
 * `calldata`), as Layer 1's events record them, and a lie in blobs was removed by stepBlob opening the
 * disputed transaction from the blob.
 */
export function shouldPostWhereTheModeSays(run: () => OptimisticDemoRun): void {
  it("posts part 1's batches as the mode says, and says so with their blob gas", async function () {
    const { result, rollup, dataMode, lines } = run();
    const expected = dataMode === "blobs" ? ONE_BLOB : CALLDATA;
    for (const data of result.roundTrip.batchData) expect(data).to.include(expected);
    const c = rollup.contract;
    const inBlobs = (await c.queryFilter(c.filters.BatchBlobs())).map((log) => Number(log.args.batchIndex));
    const { batches } = result.roundTrip;
    expect(batches.filter((i) => inBlobs.includes(i))).to.deep.equal(dataMode === "blobs" ? batches : []);
    const commits = narratedSteps(lines).filter((line) => /^\s*\d+\. commitBatchBlobs /.test(line));
    for (const line of commits) {
      expect(line).to.match(/in 1 blob \([\d,]+ payload bytes\), not calldata/);
      expect(line).to.match(/\[gas [\d,]+; blob gas 131,072\]$/);
    }
    expect(commits.length > 0).to.equal(dataMode !== "calldata");
  });

  it("posts Mallory's lie as the mode says, and proves it false with step or stepBlob", async function () {
    const { result, rollup, dataMode, lines } = run();
    const { fraud } = result;
    const blobs = dataMode !== "calldata";
    expect(fraud.batchData).to.include(blobs ? ONE_BLOB : CALLDATA);
    expect(fraud.stepFunction).to.equal(blobs ? "stepBlob" : "step");
    // A transfer (78 bytes) spans 3 or 4 field elements of 31 bytes.
    if (blobs) expect(fraud.stepOpenings).to.be.within(3, 4);
    else expect(fraud.stepOpenings).to.equal(0);
    // Layer 1's record: the lie was committed with its blobs, and the game resolved by that step's call.
    const c = rollup.contract;
    const blobBatches = (await c.queryFilter(c.filters.BatchBlobs(fraud.batchIndex))).length;
    expect(blobBatches).to.equal(blobs ? 1 : 0);
    const [resolved] = await c.queryFilter(c.filters.GameResolved());
    expect(resolved.args.byStep).to.equal(true);
    const tx = await run().provider.getTransaction(resolved.transactionHash);
    expect(c.interface.parseTransaction({ data: tx!.data })!.name).to.equal(fraud.stepFunction);
    const step = narratedSteps(lines).find((line) => /^\s*\d+\. step(Blob)? /.test(line))!;
    if (blobs) expect(step).to.include("point-evaluation precompile (0x0A)");
    else expect(step).not.to.include("precompile");
  });
}

/**
 * Declares the calling suite's hook that runs the demo's optimistic flow on `stage`, its operators placed by
 * `operators` (by default where the stage places them), and returns the run once the hook has run.
 */
export function useOptimisticDemo<S extends DemoStage>(
  stage: () => S,
  operators: (stage: S) => Promise<Placement> = async ({ placement }) => placement,
  data: { dataMode?: DemoDataMode; blobArchive?: (stage: S) => Promise<string | undefined> } = {},
): () => OptimisticDemoRun {
  let demo: OptimisticDemoRun | undefined;
  before(async function () {
    const { provider, deployment, signers, allSigners } = stage();
    const { say, lines } = recordNarration();
    const placed = await operators(stage());
    const dataMode = data.dataMode ?? "both";
    const blobArchiveUrl = await data.blobArchive?.(stage());
    const result = await runOptimisticDemo(deployment, provider, placed, await allSigners(), say, {
      dataMode,
      blobArchiveUrl,
    });
    const [challenger] = await signers(OPTIMISTIC_SERVICE_ACCOUNTS.challenger);
    demo = {
      result,
      lines,
      provider,
      rollup: new RollupClient(deployment.contracts.OptimisticRollup, provider),
      bridgeAddress: deployment.contracts.Bridge,
      challenger: challenger.address,
      dataMode,
      blobArchiveUrl,
    };
  });
  return () => demo!;
}
