// The load sweep's pure parts (src/compare/sweep-model.ts, the sweep's table and chart, its settings):
// fee arithmetic, the batch line and the blob count the models use, model rows built from the measured
// parts and labelled as models, the runs they were fit from reproduced, and the renderings. The numbers
// are synthetic: these tests check the arithmetic, never a figure.
import { expect } from "chai";
import { parseUnits } from "ethers";
import { CompareConfigError } from "../../src/compare/errors";
import { renderSweepChart } from "../../src/compare/sweep-chart";
import type { CostParts, SweepDesign, SweepMeasurement, SweepReport } from "../../src/compare/sweep-model";
import {
  buildSweep,
  costWei,
  fitBatchLine,
  formatEthAmount,
  transferBlobGas,
  transferGas,
} from "../../src/compare/sweep-model";
import { formatSweepMarkdown } from "../../src/compare/table";
import { loadSettings } from "../../src/config/load";
import { GAS_PER_BLOB } from "../../src/da/codec";
import { assertWellFormed, syntheticReport } from "./fixtures";

const GWEI = 10n ** 9n;
const FEES = { baseFeeWei: parseUnits("1.5", "gwei"), blobBaseFeeWei: parseUnits("0.001", "gwei") };
const LOADS = [10, 100, 1_000, 10_000];
const BLOB = GAS_PER_BLOB;

/** A run of `design` at n transfers with these gas and blob gas parts (entry, transfers, exit). */
function run(
  design: SweepDesign,
  n: number,
  gas: [number, number, number],
  blobGas: [number, number, number] = [0, 0, 0],
  extra: Partial<SweepMeasurement> = {},
): SweepMeasurement {
  return {
    design,
    label: {
      "l1-eth": "L1",
      "optimistic-calldata": "OR calldata",
      "optimistic-blobs": "OR blobs",
      zk: "zk (2)",
      channels: "Channels",
    }[design],
    transfers: n,
    gas: { entry: gas[0], transfers: gas[1], exit: gas[2] },
    blobGas: { entry: blobGas[0], transfers: blobGas[1], exit: blobGas[2] },
    transferBatches: design.startsWith("optimistic") ? 1 : 0,
    outcomes: {
      balances: { held: "h", expected: [1n], actual: [1n] },
      withdrawal: null,
      blocksDuringTransfers: 0,
    },
    ...extra,
  };
}

/** Commit + finalize of one batch: 100,000, plus 3,000 a transfer (calldata); 200,000 + 1 (blobs). */
const calldata = (n: number) => 100_000 + 3_000 * n;
const blobs = (n: number) => 200_000 + n;

function measured(): SweepMeasurement[] {
  return [
    run("l1-eth", 10, [0, 210_000, 0]),
    run("l1-eth", 100, [0, 2_100_000, 0]),
    run("optimistic-calldata", 10, [500_000, calldata(10), 250_000]),
    run("optimistic-calldata", 100, [500_000, calldata(100), 250_000]),
    run("optimistic-calldata", 1_000, [500_000, calldata(1_000), 250_000]),
    run("optimistic-blobs", 10, [600_000, blobs(10), 300_000], [BLOB, BLOB, BLOB]),
    run("optimistic-blobs", 100, [600_000, blobs(100), 300_000], [BLOB, BLOB, BLOB]),
    run("zk", 10, [2_000_000, 5 * 260_000, 330_000], [0, 0, 0], {
      transferBatches: 5,
      batchSize: 2,
      fullBatchGas: 260_000,
    }),
    run("channels", 10, [460_000, 0, 760_000]),
  ];
}

function sweep(): SweepReport {
  return buildSweep(measured(), { loads: LOADS, fees: FEES, optimisticBatchSteps: 1_024, transferBytes: 78 });
}

function partsOf(s: SweepReport, design: SweepDesign): CostParts {
  const p = s.parts.find((x) => x.design === design);
  if (!p || "unavailable" in p) throw new Error(`no parts for ${design}`);
  return p;
}

const rowOf = (s: SweepReport, design: SweepDesign, n: number) =>
  s.rows.find((r) => r.design === design && r.transfers === n)!;

describe("compare: load sweep", function () {
  describe("costWei", function () {
    it("is gas × base fee + blob gas × blob base fee, exactly", function () {
      expect(costWei(21_000, 0, FEES)).to.equal(31_500n * GWEI);
      expect(costWei(0, BLOB, FEES)).to.equal(131_072_000_000n); // 131,072 × 0.001 gwei
      expect(costWei(21_000, BLOB, FEES)).to.equal(31_500n * GWEI + 131_072_000_000n);
      expect(costWei(21_000, BLOB, { baseFeeWei: 0n, blobBaseFeeWei: 0n })).to.equal(0n);
    });

    it("formats wei as ETH with three significant digits", function () {
      expect(formatEthAmount(21_000n * GWEI)).to.equal("0.000021 ETH");
      expect(formatEthAmount(31_500n * GWEI)).to.equal("0.0000315 ETH");
      expect(formatEthAmount(1234n * 10n ** 15n)).to.equal("1.23 ETH");
      expect(formatEthAmount(0n)).to.equal("0 ETH");
    });
  });

  describe("fitBatchLine", function () {
    it("puts the line through the two largest one-batch runs", function () {
      const line = fitBatchLine([
        { transfers: 10, gas: 999_999 }, // left out: not one of the two largest
        { transfers: 1_000, gas: calldata(1_000) },
        { transfers: 100, gas: calldata(100) },
      ]);
      expect(line).to.deep.equal({ perBatchGas: 100_000, perTransferGas: 3_000, from: [100, 1_000] });
    });

    it("reverts with CompareConfigError without two distinct loads", function () {
      expect(() => fitBatchLine([{ transfers: 10, gas: 1 }])).to.throw(
        CompareConfigError,
        "two measured loads",
      );
      expect(() =>
        fitBatchLine([
          { transfers: 10, gas: 1 },
          { transfers: 10, gas: 1 },
        ]),
      ).to.throw(CompareConfigError);
    });
  });

  describe("transferBlobGas", function () {
    const blobParts = (batchCapacity: number): CostParts => ({
      ...partsOf(sweep(), "optimistic-blobs"),
      batchCapacity,
    });

    it("puts each batch in as few blobs as hold its transfers", function () {
      // 1,024 × 78 = 79,872 bytes: one blob per batch of MAX_STEPS = 1,024; 10,000 = 9 full + 784.
      expect(transferBlobGas(blobParts(1_024), 1_024)).to.equal(BLOB);
      expect(transferBlobGas(blobParts(1_024), 10_000)).to.equal(10 * BLOB);
      // 1,627 transfers (126,906 bytes) fill one blob when a batch may hold them, two when it stops at 1,024.
      expect(transferBlobGas(blobParts(2_048), 1_627)).to.equal(BLOB);
      expect(transferBlobGas(blobParts(1_024), 1_627)).to.equal(2 * BLOB);
      // 2,048 × 78 = 159,744 bytes: two blobs for a full batch of 2,048.
      expect(transferBlobGas(blobParts(2_048), 2_048)).to.equal(2 * BLOB);
    });

    it("is zero for calldata", function () {
      expect(transferBlobGas(partsOf(sweep(), "optimistic-calldata"), 10_000)).to.equal(0);
    });
  });

  describe("buildSweep", function () {
    it("keeps the measured runs as measured rows, and models the other loads, labelled as models", function () {
      const s = sweep();
      const shape = s.rows.map((r) => `${r.design}@${r.transfers}:${r.model ? "model" : "measured"}`);
      expect(shape).to.deep.equal([
        "l1-eth@10:measured",
        "l1-eth@100:measured",
        "l1-eth@1000:model",
        "l1-eth@10000:model",
        "optimistic-calldata@10:measured",
        "optimistic-calldata@100:measured",
        "optimistic-calldata@1000:measured",
        "optimistic-calldata@10000:model",
        "optimistic-blobs@10:measured",
        "optimistic-blobs@100:measured",
        "optimistic-blobs@1000:model",
        "optimistic-blobs@10000:model",
        "zk@10:measured",
        "zk@100:model",
        "zk@1000:model",
        "zk@10000:model",
        "channels@10:measured",
        "channels@100:model",
        "channels@1000:model",
        "channels@10000:model",
      ]);
      for (const r of s.rows) {
        expect(r.label.endsWith("(model)"), r.label).to.equal(r.model);
        expect(r.outcomes === null, r.label).to.equal(r.model);
      }
    });

    it("models the optimistic rollup as batches × per-batch + n × per-transfer, over MAX_STEPS batches", function () {
      const s = sweep();
      const r = rowOf(s, "optimistic-calldata", 10_000);
      expect(r.batches).to.equal(10); // ⌈10,000 / 1,024⌉
      expect(r.gas).to.deep.equal({
        entry: 500_000,
        transfers: 10 * 100_000 + 10_000 * 3_000,
        exit: 250_000,
        total: 31_750_000,
      });
      expect(r.perTransfer).to.include({ gas: 3_100, allInGas: 3_175, blobGas: 0, allInBlobGas: 0 });
      expect(r.perTransfer.allInCostWei).to.equal((31_750_000n * FEES.baseFeeWei) / 10_000n);
    });

    it("reproduces the runs the model was fit from", function () {
      const s = sweep();
      for (const design of ["optimistic-calldata", "optimistic-blobs"] as const) {
        const parts = partsOf(s, design);
        for (const n of parts.from) {
          const m = rowOf(s, design, n);
          expect(m.model).to.equal(false);
          expect(transferGas(parts, n), `${design}@${n}`).to.equal(m.gas.transfers);
          expect(transferBlobGas(parts, n), `${design}@${n}`).to.equal(m.blobGas.transfers);
        }
      }
    });

    it("adds the blob design's blob gas apart from its gas, and prices each at its own fee", function () {
      const r = rowOf(sweep(), "optimistic-blobs", 1_000);
      expect(r.gas.transfers).to.equal(blobs(1_000));
      expect(r.blobGas).to.deep.equal({ entry: BLOB, transfers: BLOB, exit: BLOB, total: 3 * BLOB });
      expect(r.perTransfer.allInCostWei).to.equal(
        (BigInt(r.gas.total) * FEES.baseFeeWei + BigInt(3 * BLOB) * FEES.blobBaseFeeWei) / 1_000n,
      );
    });

    it("models the zk rollup as proven batches of its size at the measured full batch's gas", function () {
      const r = rowOf(sweep(), "zk", 1_000);
      expect(r.batches).to.equal(500);
      expect(r.gas.transfers).to.equal(500 * 260_000);
      expect(r.gas.entry + r.gas.exit).to.equal(2_330_000);
    });

    it("models Layer 1 at the measured gas per transfer, and channels at opening and closing shared out", function () {
      const s = sweep();
      expect(rowOf(s, "l1-eth", 10_000).gas.transfers).to.equal(210_000_000);
      const ch = rowOf(s, "channels", 10_000);
      expect(ch.gas.transfers).to.equal(0);
      expect(ch.perTransfer.allInGas).to.equal(122); // 1,220,000 / 10,000
    });

    it("gives no model, and says why, for a rollup with a single one-batch run", function () {
      const s = buildSweep([run("optimistic-calldata", 10, [1, calldata(10), 1])], {
        loads: LOADS,
        fees: FEES,
        optimisticBatchSteps: 1_024,
        transferBytes: 78,
      });
      expect(s.parts).to.have.length(1);
      expect(s.parts[0]).to.have.property("unavailable").that.includes("two measured loads");
      expect(s.rows.map((r) => r.transfers)).to.deep.equal([10]);
    });
  });

  describe("formatSweepMarkdown", function () {
    it("writes one line per row, says which are models, the fees, and how each model is derived", function () {
      const s = sweep();
      const text = formatSweepMarkdown(s);
      const rows = text
        .split("\n")
        .filter((l) => l.startsWith("| ") && !l.startsWith("| design") && !l.startsWith("| ---"));
      expect(rows).to.have.length(s.rows.length);
      rows.forEach((line, i) =>
        expect(line.split(" | ")[2]).to.equal(s.rows[i].model ? "model" : "measured"),
      );
      expect(text).to.include("base fee of 1.5 gwei");
      expect(text).to.include("blob base fee of 0.001 gwei");
      expect(text).to.include("⌈n / 1024⌉ batches × 100,000 gas (commit + finalize) + n × 3,000 gas");
    });
  });

  describe("renderSweepChart", function () {
    it("draws a point per row and line, hollow exactly for the model rows, and the blob gas apart", function () {
      const report = { ...syntheticReport(), sweep: sweep() };
      const svg = renderSweepChart(report);
      assertWellFormed(svg);
      const points = [
        ...svg.matchAll(
          /<circle class="point" data-line="([^"]+)" data-transfers="(\d+)" data-model="(true|false)"[^>]*fill="([^"]+)"/g,
        ),
      ];
      const costPanel = points.slice(0, report.sweep.rows.length);
      expect(costPanel.map((p) => `${p[1]}@${p[2]}`)).to.deep.equal(
        report.sweep.rows.map((r) => `${r.design}@${r.transfers}`),
      );
      for (const [, , , model, fill] of points) expect(fill === "#ffffff").to.equal(model === "true");
      // The blob gas line: one point per blob-design row.
      expect(points.filter((p) => p[1] === "optimistic-blobs-blob")).to.have.length(4);
      expect(svg).to.include("model (hollow, dashed)");
    });
  });

  describe("settings", function () {
    it("reads the loads and the fee levels, with their defaults", function () {
      const defaults = loadSettings("compare", { network: "hardhat", env: {} });
      expect(defaults.sweep).to.deep.equal([10, 100, 1_000, 10_000]);
      expect(defaults.baseFeeGwei).to.equal(GWEI);
      expect(defaults.blobBaseFeeGwei).to.equal(GWEI);
      const set = loadSettings("compare", {
        network: "hardhat",
        env: {
          STRATA_COMPARE_SWEEP: "100, 10,100",
          STRATA_COMPARE_BASE_FEE_GWEI: "2.5",
          STRATA_COMPARE_BLOB_BASE_FEE_GWEI: "0.000000001",
        },
      });
      expect(set.sweep).to.deep.equal([10, 100]);
      expect(set.baseFeeGwei).to.equal(2_500_000_000n);
      expect(set.blobBaseFeeGwei).to.equal(1n);
      expect(
        loadSettings("compare", { network: "hardhat", env: { STRATA_COMPARE_SWEEP: "none" } }).sweep,
      ).to.deep.equal([]);
    });

    it("refuses a load of 0 and a fee with more than 9 decimals, naming the variable", function () {
      expect(() =>
        loadSettings("compare", { network: "hardhat", env: { STRATA_COMPARE_SWEEP: "0,10" } }),
      ).to.throw("STRATA_COMPARE_SWEEP must be a comma-separated list of whole numbers");
      expect(() =>
        loadSettings("compare", {
          network: "hardhat",
          env: { STRATA_COMPARE_BASE_FEE_GWEI: "0.0000000001" },
        }),
      ).to.throw("STRATA_COMPARE_BASE_FEE_GWEI must be an amount of gwei");
    });
  });
});
