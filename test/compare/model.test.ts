// The comparison's models (src/compare/model.ts, src/bench/zk-model.ts): times at production
// parameters as sums of stated terms, and the zk rollup at production batch sizes, linear in the
// measured pieces it is built from.
import { expect } from "chai";
import { BatchGasModelError, fitBatchGasModel, modelGasPerTransfer } from "../../src/bench/zk-model";
import { CompareConfigError } from "../../src/compare/errors";
import type { ProductionParameters } from "../../src/compare/model";
import { PRODUCTION, buildZkModel, productionTimes } from "../../src/compare/model";
import { ZK_PROFILES } from "./fixtures";

const DAY = 86_400;

describe("compare: model", function () {
  describe("PRODUCTION", function () {
    it("states 12 s blocks, finality after two epochs, a 7-day window, 256 and 2,048 per zk batch", function () {
      expect(PRODUCTION.blockSeconds).to.equal(12);
      expect(PRODUCTION.finalitySeconds).to.equal(768);
      expect(PRODUCTION.challengeWindowSeconds).to.equal(7 * DAY);
      expect(PRODUCTION.zkBatchSizes).to.deep.equal([256, 2_048]);
      expect(PRODUCTION.sidechainBlockSeconds).to.equal(2);
      expect(PRODUCTION.checkpointIntervalSeconds).to.equal(30 * 60);
    });
  });

  describe("productionTimes", function () {
    it("times a Layer-1 transfer as one block, final two epochs later", function () {
      const t = productionTimes({ id: "l1-eth", softMs: 5 });
      expect(t.soft).to.include({ seconds: 12, blocks: 1 });
      expect(t.final).to.include({ seconds: 780, blocks: 65 });
      expect(t.withdrawal).to.equal(null);
    });

    it("keeps a rollup's soft confirmation as measured, with no block", function () {
      const t = productionTimes({ id: "optimistic", softMs: 2.5 });
      expect(t.soft).to.include({ seconds: 0.0025, blocks: 0 });
    });

    it("puts the challenge window between the commit and the finalize of an optimistic batch", function () {
      const t = productionTimes({ id: "optimistic", softMs: 1 });
      expect(t.final.seconds).to.equal(5 + 12 + 7 * DAY + 12 + 768);
      expect(t.final.blocks).to.equal((12 + 7 * DAY + 12 + 768) / 12);
      expect(t.withdrawal!.seconds).to.equal(t.final.seconds + 12);
      expect(t.final.terms.map((x) => x.what)).to.include("challenge window");
    });

    it("puts the measured proving time before a zk batch's inclusion, and no window", function () {
      const t = productionTimes({ id: "zk", softMs: 1, provingMs: 6_500 });
      expect(t.final.seconds).to.equal(5 + 6.5 + 12 + 768);
      expect(t.final.blocks).to.equal(65);
      expect(t.withdrawal!.seconds).to.equal(t.final.seconds + 12);
    });

    it("reverts with CompareConfigError for a zk rollup without a proving time", function () {
      expect(() => productionTimes({ id: "zk", softMs: 1 })).to.throw(CompareConfigError);
    });

    it("settles a channel payment when it is co-signed, and closes unilaterally after the dispute window", function () {
      const t = productionTimes({ id: "channels", softMs: 3 });
      expect(t.final).to.include({ seconds: 0.003, blocks: 0 });
      expect(t.withdrawal!.seconds).to.equal(12 + 768);
      expect(t.unilateralWithdrawal!.seconds).to.equal(12 + DAY + 12 + 768);
    });

    it("confirms a sidechain transfer in a sidechain block, final once a checkpoint covers it on Layer 1", function () {
      const t = productionTimes({ id: "sidechain", softMs: 900 });
      expect(t.soft).to.include({ seconds: 2, blocks: 0 }); // the sidechain's block, not Layer 1's
      expect(t.final.seconds).to.equal(30 * 60 + 12 + 768);
      expect(t.final.blocks).to.equal(65); // the checkpoint's inclusion and Layer-1 finality
      // The exit: a burn (a sidechain block), the checkpoint, then the payout on Layer 1; no window.
      expect(t.withdrawal!.seconds).to.equal(2 + 30 * 60 + 12 + 12 + 768);
      expect(t.withdrawal!.terms.map((x) => x.what)).not.to.include("challenge window");
    });

    it("adds up both hops for the Layer 3: its challenge window on the sidechain, then a checkpoint", function () {
      const sidechain = productionTimes({ id: "sidechain", softMs: 900 });
      const t = productionTimes({ id: "layer3", softMs: 0.5 });
      expect(t.soft).to.include({ seconds: 0.0005, blocks: 0 });
      const settled = 5 + 2 + 7 * DAY + 2; // batch age, commit, window, finalize: all on the sidechain
      expect(t.final.seconds).to.equal(settled + 30 * 60 + 12 + 768);
      // The Layer-3 hop (settled, then the payout on the sidechain) before the whole sidechain exit.
      expect(t.withdrawal!.seconds).to.equal(settled + 2 + sidechain.withdrawal!.seconds);
      expect(t.withdrawal!.blocks).to.equal(sidechain.withdrawal!.blocks); // the window is not Layer 1's
    });

    it("follows the parameters it is given", function () {
      const p: ProductionParameters = {
        ...PRODUCTION,
        blockSeconds: 2,
        finalitySeconds: 0,
        challengeWindowSeconds: 60,
      };
      const t = productionTimes({ id: "optimistic", softMs: 1 }, p);
      expect(t.final.seconds).to.equal(5 + 2 + 60 + 2);
      expect(t.final.blocks).to.equal(32);
    });
  });

  describe("fitBatchGasModel", function () {
    it("goes through both measured batches", function () {
      const m = fitBatchGasModel({ slots: 1, gas: 246_631 }, { slots: 4, gas: 268_960 });
      expect(m.base + m.perSlot).to.be.closeTo(246_631, 1e-6);
      expect(m.base + 4 * m.perSlot).to.be.closeTo(268_960, 1e-6);
    });

    it("reverts with BatchGasModelError for two batches of one size", function () {
      expect(() => fitBatchGasModel({ slots: 4, gas: 1 }, { slots: 4, gas: 2 })).to.throw(BatchGasModelError);
    });

    it("shares a batch out per transfer, and refuses an empty batch", function () {
      expect(modelGasPerTransfer({ base: 1_000, perSlot: 10 }, 100)).to.equal(20);
      expect(() => modelGasPerTransfer({ base: 1_000, perSlot: 10 }, 0)).to.throw(BatchGasModelError);
    });
  });

  describe("buildZkModel", function () {
    it("models gas per transfer as base/n + perSlot at each production batch size", function () {
      const m = buildZkModel(ZK_PROFILES, 1);
      expect(m.rows.map((r) => r.batchSize)).to.deep.equal([256, 2_048]);
      for (const r of m.rows) {
        expect(r.gasPerTransfer).to.equal(Math.round(m.gas.base / r.batchSize + m.gas.perSlot));
      }
      expect(m.rows[0].gasPerTransfer).to.be.greaterThan(m.rows[1].gasPerTransfer);
    });

    it("is linear in the measured gas: doubling both batches doubles the model", function () {
      const doubled = ZK_PROFILES.map((p) => ({ ...p, batchGas: 2 * p.batchGas }));
      const [a, b] = [buildZkModel(ZK_PROFILES, 1), buildZkModel(doubled, 1)];
      a.rows.forEach((r, i) => expect(b.rows[i].gasPerTransfer).to.be.closeTo(2 * r.gasPerTransfer, 1));
    });

    it("is linear in the measured proving time, scaled by the circuit's constraints", function () {
      const slower = ZK_PROFILES.map((p) => ({ ...p, provingMs: 3 * p.provingMs }));
      const [a, b] = [buildZkModel(ZK_PROFILES, 1), buildZkModel(slower, 1)];
      a.rows.forEach((r, i) => expect(b.rows[i].provingSeconds).to.be.closeTo(3 * r.provingSeconds, 1e-6));
      // 59,502 constraints for 4 slots and 15,267 for 1: 14,745 per slot.
      expect(a.constraints.perSlot).to.equal(14_745);
      expect(a.rows[0].constraints).to.equal(15_267 - 14_745 + 256 * 14_745);
      expect(a.rows[0].provingSeconds).to.be.closeTo((a.rows[0].constraints * 6_500) / 59_502 / 1000, 1e-9);
    });

    it("times each row with its modelled proving time", function () {
      const m = buildZkModel(ZK_PROFILES, 1);
      for (const r of m.rows)
        expect(r.times.final.seconds).to.be.closeTo(5 + r.provingSeconds + 12 + 768, 1e-9);
    });

    it("takes the profiles in either order, and refuses one profile or two of a size", function () {
      expect(buildZkModel([...ZK_PROFILES].reverse(), 1)).to.deep.equal(buildZkModel(ZK_PROFILES, 1));
      expect(() => buildZkModel([ZK_PROFILES[0]], 1)).to.throw(CompareConfigError);
      expect(() => buildZkModel([ZK_PROFILES[1], ZK_PROFILES[1]], 1)).to.throw(CompareConfigError);
    });
  });
});
