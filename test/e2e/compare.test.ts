// The comparison (`npm run compare`) in short form on the in-process network: 4 users, 8 transfers and
// one withdrawal, run for real on Layer 1 (ETH, ERC-20), the optimistic rollup, payment channels and the
// zk rollup (real proofs), with its outcomes asserted, not just that it printed: every design delivered
// every transfer (final balances as the workload implies, recomputed here), the withdrawal paid exactly
// once to the right recipient (refused early and refused again), Layer-1 gas figures consistent with
// their parts, blocks counted, the optimistic withdrawal waiting exactly the rollup's challenge window,
// the zk withdrawal claimable in the very block of its proof, and channels touching Layer 1 only to
// open and to close. Then the load sweep's short form (10 and 100 transfers for real where a run fits,
// 10,000 modelled): every measured run did the work, blob runs paid blob gas and no other did, every model
// row is the arithmetic of parts measured in the same run (which give back the runs they came from), and
// every cost is gas × base fee + blob gas × blob base fee. Timings and gas amounts are measured, never
// asserted. Where Anvil is installed, the sidechain (four in-process validators, its own node) and the
// Layer 3 on it run the same short workload: balances on the sidechain's ledger, the exit refused before
// its checkpoint (and, for the Layer 3, inside its window) and paid once, Layer 1 billed only deposits,
// checkpoints and the exit.
import { expect } from "chai";
import { Wallet, id, parseEther, parseUnits } from "ethers";
import { ethers, network } from "hardhat";
import { renderChart } from "../../src/compare/chart";
import { renderSweepChart } from "../../src/compare/sweep-chart";
import { SEED_CLAIMS } from "../../src/compare/claims";
import type { CompareReport, DesignReport } from "../../src/compare/report";
import { reportJson } from "../../src/compare/report";
import { runComparison } from "../../src/compare/run";
import { LAYER3_TIMING } from "../../src/compare/layer3";
import { sidechainAvailable } from "../../src/compare/sidechain";
import { SWEEP_MEASURE_UP_TO, SWEEP_ZK_MAX_BATCHES } from "../../src/compare/sweep";
import type { CostParts, SweepReport, SweepRow } from "../../src/compare/sweep-model";
import { SWEEP_DESIGNS, transferBlobGas, transferGas } from "../../src/compare/sweep-model";
import { formatTables } from "../../src/compare/table";
import type { DesignId } from "../../src/compare/types";
import { chooseZkProfiles } from "../../src/compare/zk";
import { createLogger } from "../../src/common/logger";
import { GAS_PER_BLOB } from "../../src/da/codec";
import { LOCAL_TIMING } from "../../src/optimistic/config";

const USERS = 4;
const TRANSFERS = 8;
const WITHDRAWAL = parseEther("0.25");

/** The load sweep's short form: measured at 10 and 100 where a run fits, 10,000 modelled. */
const SWEEP_LOADS = [10, 100, 10_000];
const FEES = { baseFeeWei: parseUnits("1", "gwei"), blobBaseFeeWei: 1n };

/** The workload's balances after `transfers` transfers, recomputed here from its stated pattern. */
function expectedBalances(funding: bigint, transfers = TRANSFERS): bigint[] {
  const balances = Array.from({ length: USERS }, () => funding);
  for (let k = 0; k < transfers; k++) {
    const amount = parseEther("0.001") * BigInt(1 + (k % 5));
    balances[k % USERS] -= amount;
    balances[(k + 1) % USERS] += amount;
  }
  return balances;
}

/** The deterministic Layer-1 address of user `i` in `design`'s run. */
const addressOf = (design: string, i: number) => new Wallet(id(`strata compare ${design} user ${i}`)).address;

describe("e2e: compare (short form)", function () {
  this.timeout(1_800_000);
  /** The sidechain and the Layer 3 need the sidechain's node (Anvil, Linux x64 only); left out elsewhere. */
  const withSidechain = sidechainAvailable();
  let report: CompareReport;
  let afterTransfers: bigint[];
  const design = (d: DesignId): DesignReport => {
    const found = report.designs.find((x) => x.id === d);
    if (!found) throw new Error(`no ${d} in the report`);
    return found;
  };

  before(async function () {
    const chain = { provider: ethers.provider, signers: await ethers.getSigners(), network: network.name };
    report = await runComparison(chain, {
      users: USERS,
      transfers: TRANSFERS,
      sweep: { loads: SWEEP_LOADS, fees: FEES },
      logger: createLogger({ scope: "compare", level: "warn" }),
    });
    afterTransfers = expectedBalances(parseEther(report.workload.fundingEth));
  });

  it("runs every design on the same workload", function () {
    expect(report.designs.map((d) => d.id)).to.deep.equal([
      "l1-eth",
      "l1-erc20",
      "optimistic",
      "zk",
      "channels",
      ...(withSidechain ? ["sidechain", "layer3"] : []),
    ]);
    expect(report.workload).to.include({ users: USERS, transfers: TRANSFERS });
    expect(report.workload.withdrawal).to.deep.equal({ user: 0, amountEth: "0.25" });
  });

  describe("every design delivered every transfer", function () {
    it("Layer 1 (ERC-20): each account holds exactly the workload's balance", function () {
      expect(design("l1-erc20").outcomes.balances.actual).to.deep.equal(afterTransfers);
    });

    it("Layer 1 (ETH): each account holds the workload's balance less the fees its sender paid", function () {
      const { expected, actual } = design("l1-eth").outcomes.balances;
      expect(actual).to.deep.equal(expected);
      // The fees are what separates the two: positive, and no more than the gas at its price.
      const initial = parseEther(report.workload.fundingEth) + parseEther("1");
      expected.forEach((b, u) => {
        const fees = initial - parseEther(report.workload.fundingEth) + afterTransfers[u] - b;
        expect(fees > 0n).to.equal(true);
      });
    });

    for (const d of ["optimistic", "zk"] as const) {
      it(`${d}: the Layer-2 balances rebuilt from Layer 1 are the workload's, less the withdrawal`, function () {
        const wanted = afterTransfers.map((b, u) => (u === 0 ? b - WITHDRAWAL : b));
        expect(design(d).outcomes.balances.actual).to.deep.equal(wanted);
      });
    }

    it("channels: each user was paid its final balance by the cooperative closes", function () {
      expect(design("channels").outcomes.balances.actual).to.deep.equal(afterTransfers);
    });

    for (const d of ["sidechain", "layer3"] as const) {
      it(`${d}: the balances on the sidechain's ledger (its sETH; the Layer 3's rebuilt from the sidechain) are the workload's, less the withdrawal`, function () {
        if (!withSidechain) this.skip();
        const wanted = afterTransfers.map((b, u) => (u === 0 ? b - WITHDRAWAL : b));
        expect(design(d).outcomes.balances.actual).to.deep.equal(wanted);
      });
    }
  });

  describe("the withdrawal back to Layer 1", function () {
    it("optimistic: refused inside the window, then paid exactly once to the withdrawing user", function () {
      expect(design("optimistic").outcomes.withdrawal).to.deep.equal({
        recipient: addressOf("optimistic", 0),
        amount: WITHDRAWAL,
        paid: WITHDRAWAL,
        earlyAttempt: "BridgeBatchNotFinal",
        secondAttempt: "BridgeWithdrawalAlreadyFinalized",
      });
    });

    it("zk: nothing to claim before its batch, then claimed exactly once by the withdrawing user", function () {
      const profile = design("zk").measured.parameters.profile;
      expect(design("zk").outcomes.withdrawal).to.deep.equal({
        recipient: addressOf(`zk-${profile}`, 0),
        amount: WITHDRAWAL,
        paid: WITHDRAWAL,
        earlyAttempt: "ZkRollupNothingToClaim",
        secondAttempt: "ZkRollupNothingToClaim",
      });
    });

    it("channels: the close paid the withdrawing user its whole balance, and cannot run twice", function () {
      const w = design("channels").outcomes.withdrawal!;
      expect(w).to.include({
        recipient: addressOf("channels", 0),
        amount: afterTransfers[0],
        paid: afterTransfers[0],
      });
      expect(w.secondAttempt).to.equal("AdjudicatorChannelConcluded");
      expect(design("channels").measured.withdrawalWaitSeconds).to.equal(0); // paid in the close itself
    });

    it("optimistic: the withdrawal waited exactly the rollup's challenge window", function () {
      const m = design("optimistic").measured;
      expect(m.parameters.challengeWindowSeconds).to.equal(LOCAL_TIMING.challengeWindow);
      expect(m.withdrawalWaitSeconds).to.equal(LOCAL_TIMING.challengeWindow);
      expect(m.withdrawal!.skippedSeconds).to.be.greaterThan(0);
    });

    it("zk: the withdrawal was claimable in the very block that verified its batch", function () {
      expect(design("zk").measured.withdrawalWaitSeconds).to.equal(0);
      expect(design("zk").measured.withdrawal!.skippedSeconds).to.equal(0);
    });

    it("sidechain: refused before a checkpoint covered the burn, then paid exactly once on the checkpoint, with no window", function () {
      if (!withSidechain) this.skip();
      expect(design("sidechain").outcomes.withdrawal).to.deep.equal({
        recipient: addressOf("sidechain", 0),
        amount: WITHDRAWAL,
        paid: WITHDRAWAL,
        earlyAttempt: "BridgeBatchNotFinal",
        secondAttempt: "BridgeWithdrawalAlreadyFinalized",
      });
      expect(design("sidechain").measured.withdrawalWaitSeconds).to.equal(0);
    });

    it("layer3: refused inside the Layer-3 window, then paid on Layer 1 exactly once after both hops", function () {
      if (!withSidechain) this.skip();
      const m = design("layer3");
      expect(m.outcomes.withdrawal).to.deep.equal({
        recipient: addressOf("layer3", 0),
        amount: WITHDRAWAL,
        paid: WITHDRAWAL,
        earlyAttempt: "BridgeBatchNotFinal",
        secondAttempt: "BridgeWithdrawalAlreadyFinalized",
      });
      // The contracts' own wait: the Layer-3 window (the checkpoint adds none once accepted).
      expect(m.measured.parameters.layer3ChallengeWindowSeconds).to.equal(LAYER3_TIMING.challengeWindow);
      expect(m.measured.withdrawalWaitSeconds).to.equal(LAYER3_TIMING.challengeWindow);
      // Both hops took at least the Layer-3 window, in real time (nothing skipped on the sidechain).
      expect(m.measured.withdrawal!.skippedSeconds).to.equal(0);
      expect(m.measured.withdrawal!.ms).to.be.at.least(LAYER3_TIMING.challengeWindow * 1000);
    });

    it("Layer 1: there is nothing to withdraw", function () {
      for (const d of ["l1-eth", "l1-erc20"] as const) {
        expect(design(d).outcomes.withdrawal).to.equal(null);
        expect(design(d).measured.withdrawal).to.equal(null);
      }
    });
  });

  describe("Layer-1 gas and blocks", function () {
    it("adds up part by part, per transfer and all-in", function () {
      for (const d of report.designs) {
        const { gas, gasPerTransfer, allInGasPerTransfer } = d.measured;
        expect(gas.total, d.id).to.equal(gas.entry + gas.transfers + gas.exit);
        expect(gas.total, d.id).to.be.greaterThan(0);
        expect(gasPerTransfer, d.id).to.equal(Math.round(gas.transfers / TRANSFERS));
        expect(allInGasPerTransfer, d.id).to.equal(Math.round(gas.total / TRANSFERS));
      }
    });

    it("bills Layer 1 one transaction per transfer, nothing to enter or leave", function () {
      for (const d of ["l1-eth", "l1-erc20"] as const) {
        const m = design(d).measured;
        expect(m.transactions).to.deep.equal({ entry: 0, transfers: TRANSFERS, exit: 0 });
        expect(m.gas.entry + m.gas.exit).to.equal(0);
        expect(m.soft.blocks).to.equal(1);
        expect(m.final.blocks).to.equal(1);
        expect(design(d).outcomes.blocksDuringTransfers).to.equal(TRANSFERS);
      }
      expect(design("l1-eth").measured.gas.transfers).to.equal(21_000 * TRANSFERS);
    });

    it("bills the rollups a deposit per user to enter, and batches for the transfers", function () {
      for (const d of ["optimistic", "zk"] as const) {
        const m = design(d).measured;
        expect(m.transactions.entry, d).to.be.greaterThan(USERS); // the deposits and their batches
        expect(m.soft.blocks, d).to.equal(0);
        expect(design(d).outcomes.blocksDuringTransfers, d).to.equal(0);
      }
      // Optimistic: one batch of every transfer, and its finalize. zk: one proven batch per batch size.
      expect(design("optimistic").measured.transactions.transfers).to.equal(2);
      const batchSize = Number(design("zk").measured.parameters.batchSize);
      expect(design("zk").measured.transactions.transfers).to.equal(Math.ceil(TRANSFERS / batchSize));
      // Optimistic: the commit, the block that jumps the window, the finalize.
      expect(design("optimistic").measured.final.blocks).to.be.at.least(3);
      expect(design("optimistic").measured.final.skippedSeconds).to.be.greaterThan(0);
      expect(design("zk").measured.final.blocks).to.be.at.least(1);
      expect(design("zk").measured.final.skippedSeconds).to.equal(0);
    });

    it("channels: Layer 1 only to open and to close, and no block during the payments", function () {
      const m = design("channels").measured;
      expect(m.transactions).to.deep.equal({ entry: USERS, transfers: 0, exit: USERS });
      expect(m.gas.transfers).to.equal(0);
      expect(m.gasPerTransfer).to.equal(0);
      expect(design("channels").outcomes.blocksDuringTransfers).to.equal(0);
      expect(m.soft.blocks).to.equal(0);
      expect(m.final.blocks).to.equal(0);
    });
  });

  describe("the sidechain and the Layer 3 on Layer 1", function () {
    it("bill Layer 1 the deposits to enter, checkpoints for the transfers, a checkpoint and the exit to leave", function () {
      if (!withSidechain) this.skip();
      for (const d of ["sidechain", "layer3"] as const) {
        const m = design(d).measured;
        expect(m.transactions.entry, d).to.be.at.least(USERS); // a deposit per user, and any checkpoints
        // The transfers were final once a checkpoint covered them: at least one was mined meanwhile.
        expect(m.transactions.transfers, d).to.be.at.least(1);
        expect(m.final.blocks, d).to.be.at.least(1);
        expect(m.transactions.exit, d).to.be.at.least(2); // the checkpoint over the burn, exitBurn
        expect(m.withdrawal!.blocks, d).to.be.at.least(2);
      }
      const sc = design("sidechain").measured;
      // The transfers themselves are sidechain transactions, paid in sidechain gas, out of Layer 1's sight.
      expect(sc.pieces.sidechainGasPerTransfer).to.be.greaterThan(0);
      expect(sc.pieces.checkpointsDuringTransfers).to.be.at.least(1);
      // The Layer 3's soft confirmation is its sequencer's receipt: no block on Layer 1.
      expect(design("layer3").measured.soft.blocks).to.equal(0);
    });

    it("trust more than 2/3 of the validators' stake, and the Layer 3 one honest challenger besides", function () {
      if (!withSidechain) this.skip();
      expect(design("sidechain").trust.join(" ")).to.include(
        "more than 2/3 of the validators' stake is honest",
      );
      expect(design("layer3").trust.join(" ")).to.include(
        "the sidechain's stake (more than 2/3 honest) and one honest Layer-3 challenger",
      );
      const finding = report.findings.find((f) => f.claim === SEED_CLAIMS.sidechain)!;
      expect(finding.verdict).to.equal("holds");
      expect(finding.finding).to.include("checks nothing but signatures");
    });
  });

  describe("the report", function () {
    it("models the zk rollup at production batch sizes when both profiles are built", async function () {
      const { calibration } = await chooseZkProfiles();
      if (calibration === undefined) {
        expect(report.zkModel.status).to.equal("unavailable");
        return;
      }
      expect(report.zkModel.status).to.equal("modelled");
      if (report.zkModel.status !== "modelled") return;
      expect(report.zkModel.rows.map((r) => r.batchSize)).to.deep.equal([256, 2_048]);
      for (const r of report.zkModel.rows) expect(r.gasPerTransfer).to.be.greaterThan(0);
    });

    it("prints every design, charts every row, serializes, and answers each seed claim", function () {
      const text = formatTables(report);
      for (const row of report.rows) expect(text).to.include(row.label);
      const svg = renderChart(report);
      for (const row of report.rows) expect(svg).to.include(`data-row="${row.id}"`);
      const json = JSON.parse(reportJson(report)) as { designs: unknown[] };
      expect(json.designs).to.have.length(withSidechain ? 7 : 5);
      expect(report.findings.map((f) => f.claim)).to.deep.equal(Object.values(SEED_CLAIMS));
      for (const f of report.findings) expect(f.verdict).not.to.equal("not measured");
    });
  });

  describe("the load sweep (short form)", function () {
    const sweep = (): SweepReport => {
      if (!report.sweep) throw new Error("no sweep in the report");
      return report.sweep;
    };
    const measured = () => sweep().rows.filter((r) => !r.model);
    const partsOf = (r: SweepRow): CostParts => {
      const p = sweep().parts.find((x) => x.design === r.design);
      if (!p || "unavailable" in p) throw new Error(`no model parts for ${r.design}`);
      return p;
    };

    it("runs every design for real where a run fits, and models the other loads, labelled as models", function () {
      const zkBatch = Number(design("zk").measured.parameters.batchSize);
      const shape = sweep().rows.map((r) => `${r.design}@${r.transfers}:${r.model ? "model" : "measured"}`);
      const expected = SWEEP_DESIGNS.flatMap((d) =>
        SWEEP_LOADS.map((n) => {
          const fits = d === "zk" ? Math.ceil(n / zkBatch) <= SWEEP_ZK_MAX_BATCHES : n <= SWEEP_MEASURE_UP_TO;
          return `${d}@${n}:${fits ? "measured" : "model"}`;
        }),
      );
      expect(shape).to.deep.equal(expected);
      for (const r of sweep().rows) expect(r.label.endsWith("(model)"), r.label).to.equal(r.model);
    });

    it("each measured run did the work: every balance and the withdrawal as the workload says", function () {
      for (const r of measured()) {
        const at = `${r.design}@${r.transfers}`;
        const o = r.outcomes!;
        const after = expectedBalances(parseEther("1"), r.transfers);
        if (r.design === "l1-eth") {
          expect(o.balances.actual, at).to.deep.equal(o.balances.expected); // less the fees paid
          expect(o.withdrawal, at).to.equal(null);
        } else if (r.design === "channels") {
          expect(o.balances.actual, at).to.deep.equal(after);
          expect(o.withdrawal, at).to.include({ amount: after[0], paid: after[0] });
        } else {
          expect(o.balances.actual, at).to.deep.equal(after.map((b, u) => (u === 0 ? b - WITHDRAWAL : b)));
          expect(o.withdrawal, at).to.include({ amount: WITHDRAWAL, paid: WITHDRAWAL });
          expect(o.withdrawal!.secondAttempt, at).to.be.a("string");
        }
      }
    });

    it("the blob runs paid blob gas in every part, a blob per batch; no other run paid any", function () {
      for (const r of measured()) {
        const at = `${r.design}@${r.transfers}`;
        if (r.design === "optimistic-blobs") {
          expect(r.blobGas, at).to.deep.equal({
            entry: GAS_PER_BLOB,
            transfers: GAS_PER_BLOB,
            exit: GAS_PER_BLOB,
            total: 3 * GAS_PER_BLOB,
          });
          expect(r.batches, at).to.equal(1);
        } else {
          expect(r.blobGas.total, at).to.equal(0);
        }
      }
    });

    it("the model rows are the measured parts' arithmetic, and the parts give back the runs they came from", function () {
      for (const r of sweep().rows.filter((x) => x.model)) {
        const parts = partsOf(r);
        const at = `${r.design}@${r.transfers}`;
        expect(r.gas.transfers, at).to.equal(transferGas(parts, r.transfers));
        expect(r.blobGas.transfers, at).to.equal(transferBlobGas(parts, r.transfers));
        expect([r.gas.entry, r.gas.exit, r.blobGas.entry, r.blobGas.exit], at).to.deep.equal([
          parts.entry.gas,
          parts.exit.gas,
          parts.entry.blobGas,
          parts.exit.blobGas,
        ]);
      }
      for (const parts of sweep().parts) {
        if ("unavailable" in parts) expect.fail(`${parts.label}: ${parts.unavailable}`);
        const runAt = (n: number) =>
          measured().find((x) => x.design === parts.design && x.transfers === n) ??
          expect.fail(`${parts.design}: no measured run at ${n}`);
        for (const n of parts.from) {
          const at = `${parts.design}@${n}`;
          if (parts.design === "zk") {
            // The median full batch: the run's batches differ by a few bytes of calldata, not more.
            const gas = runAt(n).gas.transfers;
            expect(Math.abs(transferGas(parts, n) - gas), at).to.be.at.most(gas / 1_000);
          } else {
            expect(transferGas(parts, n), at).to.equal(runAt(n).gas.transfers);
          }
          expect(transferBlobGas(parts, n), at).to.equal(runAt(n).blobGas.transfers);
        }
        expect(parts.entry.gas).to.equal(runAt(parts.entryFrom).gas.entry);
        expect(parts.exit.gas).to.equal(runAt(parts.entryFrom).gas.exit);
      }
    });

    it("states every row's cost at the fees: gas × base fee + blob gas × blob base fee", function () {
      expect(sweep().fees).to.deep.equal(FEES);
      for (const r of sweep().rows) {
        const wei = BigInt(r.gas.total) * FEES.baseFeeWei + BigInt(r.blobGas.total) * FEES.blobBaseFeeWei;
        expect(r.perTransfer.allInCostWei, `${r.design}@${r.transfers}`).to.equal(wei / BigInt(r.transfers));
      }
    });

    it("charts every row, and prints and serializes the sweep", function () {
      const svg = renderSweepChart(report);
      for (const r of sweep().rows) {
        expect(svg).to.include(
          `data-line="${r.design}" data-transfers="${r.transfers}" data-model="${r.model}"`,
        );
      }
      expect(formatTables(report)).to.include("Cost per transfer as the load grows");
      const json = JSON.parse(reportJson(report)) as { sweep: { rows: unknown[] } };
      expect(json.sweep.rows).to.have.length(sweep().rows.length);
    });
  });
});
