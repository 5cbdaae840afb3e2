// What the demo's optimistic flow must show wherever its operators run: in this process
// (test/e2e/demo-optimistic.test.ts) or as processes of their own (test/e2e/demo-services-optimistic.test.ts).
// Each function declares the shared tests of one part in the calling suite; each test file adds what only
// its variant shows.
import { expect } from "chai";
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
import type { RollupClient } from "../../../src/optimistic/rollup-client";
import { Eip712Authorizer } from "../../../src/shared/authorizer";
import { L2Domain } from "../../../src/shared/eip712";
import type { OptimisticFlowResult } from "../../../scripts/demo/optimistic-flow";

/** One run of the flow, as its tests read it: the result, the narration, and the chain it ran on. */
export interface OptimisticDemoRun {
  result: OptimisticFlowResult;
  lines: string[];
  provider: Provider;
  rollup: RollupClient;
  bridgeAddress: string;
}

/** The protocol verbs the narration names wherever the operators run. */
export const NARRATED_VERBS = [
  "deposit",
  "commitBatch",
  "finalize",
  "finalizeWithdrawal",
  "challenge",
  "move",
  "step",
];

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
}

/** The invariants at the end, read again from the chain. */
export function shouldEndWithTheInvariants(run: () => OptimisticDemoRun): void {
  it("ends with bonds conserved, every final batch valid and the bridge solvent", async function () {
    const { result, provider, rollup, bridgeAddress } = run();
    const { chainId } = await provider.getNetwork();
    const follower = await ChainFollower.create(
      rollup,
      provider,
      new Eip712Authorizer(new L2Domain(chainId, rollup.address)),
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
