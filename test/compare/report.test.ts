// The comparison's report and its renderings (src/compare/{report,table,chart,claims,outcomes}.ts):
// per-transfer figures from the parts, measured and modelled kept apart, the tables, the SVG chart (one
// bar per design and series, well-formed, labelled), the findings, and the outcome checks.
import { expect } from "chai";
import { renderChart, wrap } from "../../src/compare/chart";
import { SEED_CLAIMS } from "../../src/compare/claims";
import { CompareOutcomeError } from "../../src/compare/errors";
import { assertOutcomes, outcomeProblems } from "../../src/compare/outcomes";
import { buildReport, reportJson } from "../../src/compare/report";
import { formatMarkdown, formatTables, renderTable } from "../../src/compare/table";
import { buildWorkload } from "../../src/compare/workload";
import { MACHINE, assertWellFormed, measurementOf, syntheticReport } from "./fixtures";

describe("compare: report", function () {
  describe("buildReport", function () {
    it("divides the transfers part by the transfers, and everything by them for all-in", function () {
      const r = syntheticReport();
      const opt = r.designs.find((d) => d.id === "optimistic")!;
      expect(opt.measured.gas.total).to.equal(300_000 + 160_000 + 260_000);
      expect(opt.measured.gasPerTransfer).to.equal(160_000 / 8);
      expect(opt.measured.allInGasPerTransfer).to.equal(720_000 / 8);
    });

    it("puts the zk model rows, marked as models, right after the measured zk rollup", function () {
      const r = syntheticReport();
      expect(r.rows.map((x) => x.id)).to.deep.equal([
        "l1-eth",
        "l1-erc20",
        "optimistic",
        "zk",
        "zk-model-256",
        "zk-model-2048",
        "channels",
        "sidechain",
        "layer3",
      ]);
      expect(r.rows.filter((x) => x.model).map((x) => x.id)).to.deep.equal(["zk-model-256", "zk-model-2048"]);
      expect(r.rows.every((x) => !x.model || x.allInGasPerTransfer === null)).to.equal(true);
    });

    it("says why there is no zk model when a profile is missing", function () {
      const w = buildWorkload({ users: 4, transfers: 8 });
      const r = buildReport({
        workload: w,
        designs: [measurementOf("zk", w, [1, 2, 3])],
        zkProfiles: { unavailable: "only one profile" },
        machine: MACHINE,
        generatedAt: new Date(0),
        durationSeconds: 1,
        chain: "c",
      });
      expect(r.zkModel).to.deep.equal({ status: "unavailable", reason: "only one profile" });
      expect(r.rows.map((x) => x.id)).to.deep.equal(["zk"]);
    });

    it("serializes amounts as decimal strings, keeping measured and model apart", function () {
      const json = JSON.parse(reportJson(syntheticReport())) as {
        designs: { measured: object; model: object; outcomes: { balances: { expected: unknown[] } } }[];
      };
      for (const d of json.designs) {
        expect(d).to.have.keys(["id", "label", "measured", "model", "trust", "outcomes", "notes"]);
        for (const b of d.outcomes.balances.expected) expect(b).to.be.a("string").and.match(/^\d+$/);
      }
    });

    it("writes a finding for each seed claim", function () {
      const r = syntheticReport();
      expect(r.findings.map((f) => f.claim)).to.deep.equal(Object.values(SEED_CLAIMS));
      for (const f of r.findings) expect(f.verdict).not.to.equal("not measured");
      expect(r.findings[1].finding).to.include("120 s");
    });

    it("says what the sidechain cost Layer 1 and why, and ranks it only where the figures rank it", function () {
      const r = syntheticReport();
      const f = r.findings.find((x) => x.claim === SEED_CLAIMS.sidechain)!;
      expect(f.verdict).to.equal("holds");
      // 82,000 gas over 8 transfers; all-in (420,000 + 82,000 + 170,000) / 8.
      expect(f.finding).to.include("10,250 gas per transfer (84,000 all-in)");
      expect(f.finding).to.include("checks nothing but signatures");
      expect(f.finding).to.include("more than 2/3 of the stake");
      // Channels pay 0 per transfer and less all-in here: the finding names them, and claims no first place.
      expect(f.finding).to.include("Channels cost less: 0");
      expect(f.finding).not.to.include("the least all-in");
      expect(f.finding).to.include("both hops"); // the Layer 3
      // The rollups' anchor claim does not count the sidechain as settled by Layer 1.
      expect(r.findings.find((x) => x.claim === SEED_CLAIMS.anchor)!.finding).to.include(
        "Not so beside them: Sidechain and Layer 3",
      );

      const w = buildWorkload({ users: 4, transfers: 8 });
      const alone = buildReport({
        workload: w,
        designs: [
          measurementOf("l1-eth", w, [0, 400_000, 0]),
          measurementOf("optimistic", w, [300_000, 160_000, 260_000]),
          measurementOf("sidechain", w, [100_000, 82_000, 100_000]),
        ],
        zkProfiles: { unavailable: "not here" },
        machine: MACHINE,
        generatedAt: new Date("2026-01-02T03:04:05Z"),
        durationSeconds: 1,
        chain: "a test chain",
      });
      const least = alone.findings.find((x) => x.claim === SEED_CLAIMS.sidechain)!.finding;
      expect(least).to.include(
        "the least all-in of the designs measured here and the least for the transfers alone",
      );
    });
  });

  describe("renderTable", function () {
    it("pads every column to its widest cell, right-aligned where asked", function () {
      const lines = renderTable(
        ["a", "bb"],
        [
          ["xxx", "1"],
          ["y", "22"],
        ],
        ["l", "r"],
      );
      expect(lines).to.deep.equal(["a    bb", "---  --", "xxx   1", "y    22"]);
    });
  });

  describe("formatTables / formatMarkdown", function () {
    it("lists every design and model row, says what is a model, and ends with the findings", function () {
      const r = syntheticReport();
      const text = formatTables(r);
      for (const row of r.rows) expect(text).to.include(row.label);
      expect(text).to.include("a MODEL");
      expect(text).to.include("What a user must trust");
      for (const claim of Object.values(SEED_CLAIMS)) expect(text).to.include(claim);
    });

    it("makes one Markdown row per comparison row", function () {
      const r = syntheticReport();
      const lines = formatMarkdown(r).trim().split("\n");
      expect(lines).to.have.length(r.rows.length + 2);
      for (const line of lines) expect(line.split("|")).to.have.length(8);
    });
  });

  describe("renderChart", function () {
    it("draws one bar per row and series, none for a missing value", function () {
      const r = syntheticReport();
      const svg = renderChart(r);
      const bars = [...svg.matchAll(/<rect class="bar" data-row="([^"]+)" data-series="(a|b)"/g)].map(
        ([, row, s]) => `${row}/${s}`,
      );
      // Both panels: gas (a: transfers only, b: all-in) and time (a: final, b: withdrawal).
      const expected = [
        ...r.rows.flatMap((x) => [
          x.gasPerTransfer > 0 ? `${x.id}/a` : [],
          x.allInGasPerTransfer ? `${x.id}/b` : [],
        ]),
        ...r.rows.flatMap((x) => [`${x.id}/a`, x.times.withdrawal ? `${x.id}/b` : []]),
      ].flat();
      expect(bars).to.deep.equal(expected);
      expect(bars.filter((b) => b === "channels/a")).to.have.length(1); // the time panel only
      expect(svg).to.include("0: payments off-chain");
      expect(svg).to.include("n/a: already on Layer 1");
    });

    it("is well-formed, escapes text, and carries the date and the machine", function () {
      const svg = renderChart(syntheticReport());
      assertWellFormed(svg);
      expect(svg.startsWith("<svg xmlns=")).to.equal(true);
      expect(svg).to.include("2026-01-02");
      expect(svg).to.include("Test CPU &lt;fast&gt; &amp; co");
      expect(svg).to.include("Layer-1 gas per transfer");
      expect(svg).to.include("Time to finality at production parameters (a MODEL");
    });

    it("wraps long caption lines at spaces", function () {
      expect(wrap("aa bb cc dd", 5)).to.deep.equal(["aa bb", "cc dd"]);
      expect(wrap("a-very-long-word x", 5)).to.deep.equal(["a-very-long-word", "x"]);
    });

    it("draws the model rows dashed", function () {
      const svg = renderChart(syntheticReport());
      const model = [...svg.matchAll(/<rect class="bar" data-row="zk-model-[^"]+"[^>]*>/g)].map((m) => m[0]);
      expect(model).to.have.length(6); // two rows × (gas: transfers only; time: final, withdrawal)
      for (const bar of model) expect(bar).to.include("stroke-dasharray");
    });
  });

  describe("outcomeProblems / assertOutcomes", function () {
    const w = buildWorkload({ users: 4, transfers: 8 });

    it("finds nothing wrong when every balance and the payout match", function () {
      expect(outcomeProblems(measurementOf("optimistic", w, [1, 1, 1]))).to.deep.equal([]);
    });

    it("reverts with CompareOutcomeError for a wrong balance, a short payout, an unrefused second payout", function () {
      const m = measurementOf("zk", w, [1, 1, 1]);
      m.outcomes.balances.actual[2] -= 1n;
      m.outcomes.withdrawal!.paid -= 1n;
      m.outcomes.withdrawal!.secondAttempt = undefined;
      expect(outcomeProblems(m)).to.have.length(3);
      expect(() => assertOutcomes(m)).to.throw(CompareOutcomeError, /user 2 holds/);
    });

    it("reverts with CompareOutcomeError when a block was mined during channel payments", function () {
      const m = measurementOf("channels", w, [1, 0, 1]);
      m.outcomes.blocksDuringTransfers = 1;
      expect(() => assertOutcomes(m)).to.throw(CompareOutcomeError, /during the channel payments/);
    });
  });
});
