// Synthetic inputs for the comparison's pure parts (test/compare/*.test.ts): one measurement per design
// with the shape a real run produces, and two measured zk profiles. The numbers are plausible, not
// measured: these tests check the arithmetic and the rendering, never a figure.
import { expect } from "chai";
import { parseEther } from "ethers";
import type { CompareReport, MachineInfo } from "../../src/compare/report";
import { buildReport } from "../../src/compare/report";
import type { DesignId, DesignMeasurement, ZkProfileMeasurement } from "../../src/compare/types";
import type { Workload } from "../../src/compare/workload";
import { balancesAfterTransfers, balancesAfterWithdrawal, buildWorkload } from "../../src/compare/workload";

export const MACHINE: MachineInfo = {
  os: "Linux 6.1 x64",
  cpu: "Test CPU <fast> & co",
  cores: 2,
  memoryGb: 8,
  node: "v20.0.0",
  loadAverage: [0.5, 0.5, 0.5],
};

export const ZK_PROFILES: ZkProfileMeasurement[] = [
  { profile: "test", slots: 1, constraints: 15_267, batchGas: 246_631, provingMs: 1_800 },
  { profile: "default", slots: 4, constraints: 59_502, batchGas: 268_960, provingMs: 6_500 },
];

export function measurementOf(id: DesignId, w: Workload, gas: [number, number, number]): DesignMeasurement {
  const l1 = id.startsWith("l1-");
  const balances = l1 || id === "channels" ? balancesAfterTransfers(w) : balancesAfterWithdrawal(w);
  const withdrawn = id === "channels" ? balancesAfterTransfers(w)[0] : w.withdrawal.amount;
  return {
    id,
    label: {
      "l1-eth": "L1 ETH",
      "l1-erc20": "L1 ERC-20",
      optimistic: "Optimistic",
      zk: "zk (4)",
      channels: "Channels",
      sidechain: "Sidechain",
      layer3: "Layer 3",
    }[id],
    gas: { entry: gas[0], transfers: gas[1], exit: gas[2] },
    blobGas: { entry: 0, transfers: 0, exit: 0 },
    transactions: { entry: l1 ? 0 : w.users, transfers: l1 ? w.transfers.length : 1, exit: l1 ? 0 : 2 },
    soft: { ms: l1 ? 8 : 2, blocks: l1 ? 1 : 0, skippedSeconds: 0 },
    final: { ms: 300, blocks: 3, skippedSeconds: id === "optimistic" ? 120 : 0 },
    withdrawal: l1 ? null : { ms: 400, blocks: 4, skippedSeconds: 0 },
    withdrawalWaitSeconds: l1 ? null : id === "optimistic" ? 120 : 0,
    milestones: { soft: "s", final: "f", withdrawal: "w" },
    parameters: id === "zk" ? { batchSize: 4 } : id === "optimistic" ? { challengeWindowSeconds: 120 } : {},
    pieces:
      id === "zk"
        ? { provingMs: 6_500 }
        : id === "sidechain"
          ? { checkpointsDuringTransfers: 1, sidechainGasPerTransfer: 34_000 }
          : {},
    trust: [`trust ${id}`],
    outcomes: {
      balances: { held: `held by ${id}`, expected: balances, actual: [...balances] },
      withdrawal: l1
        ? null
        : {
            recipient: "0x0000000000000000000000000000000000000001",
            amount: withdrawn,
            paid: withdrawn,
            earlyAttempt: id === "optimistic" ? "BridgeBatchNotFinal" : undefined,
            secondAttempt: "AlreadyPaid",
          },
      blocksDuringTransfers: id.startsWith("l1-") ? w.transfers.length : 0,
    },
    notes: [],
  };
}

/** A report over 4 users and 8 transfers with every design and the zk model. */
export function syntheticReport(): CompareReport {
  const w = buildWorkload({ users: 4, transfers: 8 });
  return buildReport({
    workload: w,
    designs: [
      measurementOf("l1-eth", w, [0, 168_000, 0]),
      measurementOf("l1-erc20", w, [0, 275_000, 0]),
      measurementOf("optimistic", w, [300_000, 160_000, 260_000]),
      measurementOf("zk", w, [450_000, 540_000, 330_000]),
      measurementOf("channels", w, [180_000, 0, 230_000]),
      measurementOf("sidechain", w, [420_000, 82_000, 170_000]),
      measurementOf("layer3", w, [500_000, 164_000, 250_000]),
    ],
    zkProfiles: ZK_PROFILES,
    machine: MACHINE,
    generatedAt: new Date("2026-01-02T03:04:05Z"),
    durationSeconds: 42,
    chain: "a test chain",
  });
}

export const ETH = (x: string): bigint => parseEther(x);

/** Every tag closed in order (a small well-formedness check: no XML parser in the dependencies). */
export function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  for (const [, close, name, selfClosing] of xml.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (close) expect(stack.pop(), `</${name}>`).to.equal(name);
    else stack.push(name);
  }
  expect(stack).to.deep.equal([]);
  expect(xml.replace(/&(amp|lt|gt|quot);/g, "")).not.to.match(/&/);
}
