// The demo's zk story (src/demo/zk.ts), run silently against the in-process zk stack (src/zk/stack.ts) with
// real proofs (the `test` profile: one transaction per batch), with its outcomes asserted (not just that it printed): every batch is proven
// and verified on chain, the operator refuses bad spends by name, Bob's withdrawal is credited by the
// batch that verifies it and claimed exactly, a verifier node rebuilt from Layer 1 agrees with the root;
// a censored Alice asks Layer 1 for a forced withdrawal that no batch carries; in exodus every owner exits with exactly their Layer-2 balance, Carol's deposit is refunded, a late
// batch is refused, and the escrow covers what the rollup owes throughout and ends at zero.
import { expect } from "chai";
import { startZkStack } from "../../src/zk/stack";
import { useInProcessStage } from "../helpers/demo-services";
import { expectGasNarrated } from "./demo-expectations/narration";
import * as zk from "./demo-expectations/zk";

describe("e2e: demo zk flow", function () {
  this.timeout(600_000);
  const demo = zk.useZkDemo(useInProcessStage(), async ({ deployment, provider, signers }) => {
    const [operator] = await signers(8);
    return startZkStack({ deployment, provider, mode: { kind: "in-process", signer: operator } });
  });

  describe("deposit, transfer, prove, withdraw, claim", function () {
    zk.shouldProveEveryBatchAndPayBob(demo);
  });

  describe("the operator stops: exodus", function () {
    zk.shouldExitEveryOwnerInExodus(demo);
  });

  zk.shouldEndOwingNothing(demo);

  zk.shouldPublishWhatTheOperatorDid(demo);

  it("reports nothing owed on Layer 2 after exodus", function () {
    expect(demo().result.exodus.solvency).to.deep.include({ balances: 0n, credits: 0n, queued: 0n });
  });

  zk.shouldNarrateEveryStep(demo);

  it("narrates the gas of the Layer-1 steps", function () {
    expectGasNarrated(demo().lines, [
      "deposit",
      "claim",
      "requestWithdrawal",
      "activateExodus",
      "exit",
      "refundDeposits",
    ]);
  });
});
