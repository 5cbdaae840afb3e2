// What the measurement says about the five seed claims of the Layer-2 story, one sentence each, written
// from the report's own figures (so a new run rewrites them): Layer 2 is cheaper and faster; optimistic
// rollups wait about seven days to withdraw; zk-rollups withdraw at once; state channels pay on-chain
// only to open and to close; Layer 1 stays the security anchor; and the line between a sidechain and a
// Layer 2 (sidechains run their own consensus, Layer 2s are checked by Layer 1). Pure.
import { formatDuration, formatGas, ratio } from "./format";
import type { CompareReport, DesignReport } from "./report";
import type { DesignId } from "./types";

export type Verdict = "holds" | "holds, with a caveat" | "partly" | "not measured";

export interface Finding {
  claim: string;
  verdict: Verdict;
  finding: string;
}

export const SEED_CLAIMS = {
  cheaperFaster: "Layer 2 is cheaper and faster",
  optimisticWait: "Optimistic rollups wait about seven days to withdraw",
  zkAtOnce: "zk-rollups withdraw at once",
  channelsOpenClose: "State channels pay on-chain only to open and to close",
  anchor: "Layer 1 stays the security anchor",
  sidechain: "Sidechains rely on their own consensus; Layer 2s on proofs that Layer 1 checks",
} as const;

/** The designs that are not Layer 2: the sidechain runs its own consensus, and the Layer 3 sits on it. */
const ON_SIDECHAIN: readonly DesignId[] = ["sidechain", "layer3"];

export function findingsFor(r: CompareReport): Finding[] {
  const d = (id: DesignId) => r.designs.find((x) => x.id === id);
  return [
    cheaperFaster(r, d("l1-eth"), d("optimistic"), d("zk"), d("channels")),
    optimisticWait(d("optimistic")),
    zkAtOnce(d("zk")),
    channelsOpenClose(r, d("channels")),
    anchor(r),
    sidechainLine(r, d("sidechain"), d("layer3")),
  ];
}

const notMeasured = (claim: string): Finding => ({
  claim,
  verdict: "not measured",
  finding: "Not measured in this run (a design it needs was left out).",
});

function cheaperFaster(
  r: CompareReport,
  l1?: DesignReport,
  opt?: DesignReport,
  zk?: DesignReport,
  ch?: DesignReport,
): Finding {
  const claim = SEED_CLAIMS.cheaperFaster;
  if (!l1 || !opt || !zk || !ch) return notMeasured(claim);
  const eth = l1.measured.gasPerTransfer;
  const zkGas = zk.measured.gasPerTransfer;
  const batch = zk.measured.parameters.batchSize;
  const zkModel =
    r.zkModel.status === "modelled"
      ? `; the model at ${r.zkModel.rows.map((x) => x.batchSize.toLocaleString("en-US")).join(" / ")} per ` +
        `batch gives ${r.zkModel.rows.map((x) => formatGas(x.gasPerTransfer)).join(" / ")}`
      : "";
  const zkPart =
    zkGas > eth
      ? `but not for this repository's zk rollup at ${batch} per batch (${formatGas(zkGas)}, more than a ` +
        `plain ETH transfer${zkModel})`
      : `and for this repository's zk rollup at ${batch} per batch (${formatGas(zkGas)}${zkModel})`;
  const cheaper =
    `Cheaper per transfer for the optimistic rollup (${formatGas(opt.measured.gasPerTransfer)} gas, ` +
    `${ratio(eth, opt.measured.gasPerTransfer)}× cheaper than an ETH transfer's ${formatGas(eth)}) and for ` +
    `channels (no Layer-1 gas per payment; ${formatGas(ch.measured.allInGasPerTransfer)} per payment with ` +
    `opening and closing), ${zkPart}.`;
  const l1Final = l1.model.final.seconds;
  const faster =
    ` Faster to a soft confirmation than a ${formatDuration(l1.model.soft.seconds)} Layer-1 block ` +
    `(${softOf(opt)}, ${softOf(zk)}, ${softOf(ch)}, measured in-process), but at production parameters (a ` +
    `model) not to finality on Layer 1: ${formatDuration(opt.model.final.seconds)} for the optimistic rollup ` +
    `and ${formatDuration(zk.model.final.seconds)} for the zk rollup against ${formatDuration(l1Final)} for ` +
    `Layer 1; only a channel payment is settled between its two parties at once.`;
  return { claim, verdict: "partly", finding: cheaper + faster };
}

function softOf(d: DesignReport): string {
  const who = {
    optimistic: "from the sequencer",
    zk: "from the zk operator",
    channels: "for a co-signed payment",
  };
  return `${formatDuration(d.measured.soft.ms / 1000)} ${who[d.id as keyof typeof who] ?? ""}`.trim();
}

function optimisticWait(opt?: DesignReport): Finding {
  const claim = SEED_CLAIMS.optimisticWait;
  if (!opt?.outcomes.withdrawal) return notMeasured(claim);
  const local = Number(opt.measured.parameters.challengeWindowSeconds);
  const waited = opt.measured.withdrawalWaitSeconds;
  const holds = waited === local && opt.outcomes.withdrawal.paid === opt.outcomes.withdrawal.amount;
  return {
    claim,
    verdict: holds ? "holds" : "partly",
    finding:
      `The bridge refused the payout while the challenge window was open ` +
      `(${opt.outcomes.withdrawal.earlyAttempt ?? "no refusal seen"}; the rollup reported the window closing ` +
      `${waited} s after the batch, exactly the local window of ${local} s), then paid it once. With the ` +
      `production window of 7 days the withdrawal takes ${formatDuration(opt.model.withdrawal!.seconds)} ` +
      `(a model). The wait is a parameter, not physics: the time an honest challenger gets to show that a ` +
      `batch is false.`,
  };
}

function zkAtOnce(zk?: DesignReport): Finding {
  const claim = SEED_CLAIMS.zkAtOnce;
  if (!zk?.outcomes.withdrawal) return notMeasured(claim);
  const proving = zk.measured.pieces.provingMs;
  const waited = zk.measured.withdrawalWaitSeconds;
  return {
    claim,
    verdict: waited === 0 ? "holds, with a caveat" : "partly",
    finding:
      `Once the proof is on Layer 1: the batch that verified the withdrawal credited it in its own block ` +
      `(${waited} s of contract wait) and the claim paid it in the next; but the proof comes first ` +
      `(${formatDuration(proving / 1000)} per batch of ${zk.measured.parameters.batchSize} on this machine), ` +
      `so the withdrawal took ${formatDuration(zk.measured.withdrawal!.ms / 1000)} here and ` +
      `${formatDuration(zk.model.withdrawal!.seconds)} at production parameters (a model, with Layer-1 finality).`,
  };
}

function channelsOpenClose(r: CompareReport, ch?: DesignReport): Finding {
  const claim = SEED_CLAIMS.channelsOpenClose;
  if (!ch) return notMeasured(claim);
  const m = ch.measured;
  const holds = ch.outcomes.blocksDuringTransfers === 0 && m.gas.transfers === 0;
  return {
    claim,
    verdict: holds ? "holds, with a caveat" : "partly",
    finding:
      `${r.workload.transfers} payments mined ${ch.outcomes.blocksDuringTransfers} Layer-1 blocks; Layer 1 ` +
      `saw only ${m.transactions.entry} funding deposits (${formatGas(m.gas.entry)} gas) and ` +
      `${m.transactions.exit} cooperative closes (${formatGas(m.gas.exit)} gas), ` +
      `${formatGas(m.allInGasPerTransfer)} per payment all-in, falling as more payments share a channel. ` +
      `The caveat: one funded channel per payee (this ring needs ${r.workload.users}), the funds locked ` +
      `up front, and someone online to answer a stale close.`,
  };
}

function anchor(r: CompareReport): Finding {
  const claim = SEED_CLAIMS.anchor;
  const l2 = r.designs.filter((x) => !x.id.startsWith("l1-") && !ON_SIDECHAIN.includes(x.id));
  if (l2.length === 0) return notMeasured(claim);
  const beside = r.designs.filter((x) => ON_SIDECHAIN.includes(x.id));
  return {
    claim,
    verdict: "holds",
    finding:
      `Every Layer-2 outcome here was settled by a Layer-1 contract: ` +
      l2.map((x) => `${x.label}: ${x.outcomes.balances.held}`).join("; ") +
      `. What each design trusts beyond Layer 1 (a challenger, the trusted setup, being online) is listed ` +
      `with it.` +
      (beside.length > 0
        ? ` Not so beside them: ${beside.map((x) => x.label).join(" and ")} reached Layer 1 only through ` +
          `checkpoints that Layer 1 took on the validators' signatures.`
        : ""),
  };
}

function sidechainLine(r: CompareReport, sc?: DesignReport, l3?: DesignReport): Finding {
  const claim = SEED_CLAIMS.sidechain;
  if (!sc) return notMeasured(claim);
  const m = sc.measured;
  const others = r.designs.filter((x) => x.id !== "sidechain" && x.id !== "layer3");
  const cheaperAlone = others.filter((x) => x.measured.gasPerTransfer < m.gasPerTransfer);
  const leastAllIn = others.every((x) => x.measured.allInGasPerTransfer > m.allInGasPerTransfer);
  const rank =
    others.length === 0
      ? ""
      : (leastAllIn ? ", the least all-in of the designs measured here" : "") +
        (cheaperAlone.length === 0
          ? `${leastAllIn ? " and" : ","} the least for the transfers alone`
          : ` (for the transfers alone, ${cheaperAlone
              .map((x) => `${x.label} cost less: ${formatGas(x.measured.gasPerTransfer)}`)
              .join("; ")})`);
  const checkpoints = m.pieces.checkpointsDuringTransfers;
  const layer3 = l3
    ? ` The Layer 3 on it paid Layer 1 nothing for its own batches (they are sidechain transactions): ` +
      `${formatGas(l3.measured.gasPerTransfer)} gas per transfer, its share of the sidechain's checkpoints; ` +
      `its withdrawal took both hops, the Layer-3 window and then a checkpoint ` +
      `(${formatDuration(l3.measured.withdrawal!.ms / 1000)} here, ` +
      `${formatDuration(l3.model.withdrawal!.seconds)} at production parameters, a model), and its safety ` +
      `is the sidechain's: a Layer-3 fraud proof cannot reach Layer 1.`
    : "";
  return {
    claim,
    verdict: "holds",
    finding:
      `The sidechain cost Layer 1 ${formatGas(m.gasPerTransfer)} gas per transfer ` +
      `(${formatGas(m.allInGasPerTransfer)} all-in)${rank}, because Layer 1 checks nothing but signatures: ` +
      `${checkpoints} checkpoint${checkpoints === 1 ? "" : "s"} signed by more than 2/3 of the stake ` +
      `while the ${r.workload.transfers} transfers ran, a cost per checkpoint interval that does not grow with ` +
      `the transfers, which cost ${formatGas(m.pieces.sidechainGasPerTransfer)} gas each on the sidechain, ` +
      `out of Layer 1's sight. Its withdrawal waited for a checkpoint, not a window ` +
      `(${formatDuration(m.withdrawal!.ms / 1000)} here, ${formatDuration(sc.model.withdrawal!.seconds)} at ` +
      `production parameters, a model). The price is the trust: Layer 1 paid the exit on the validators' ` +
      `word, and validators holding more than 2/3 of the stake can sign a withdrawal that never happened ` +
      `and take the escrow (test/e2e/sidechain.test.ts), where a rollup's false batch is refuted on ` +
      `Layer 1.` +
      layer3,
  };
}
