// The workload on plain Layer 1 (`npm run compare`): every transfer is a real transaction between the
// users' own accounts, once as ETH and once as the DemoToken (ERC-20) deployed with the suite. There is
// nothing to enter or leave. Each transfer's receipt is its soft confirmation and, on the local chain,
// its finality (Hardhat has no finality gadget; on Ethereum a block is final two epochs later). At the
// end every account's balance must equal the workload's: ETH less the fees each sender paid, tokens
// exactly.
import type { TransactionResponse, Wallet } from "ethers";
import { DemoToken__factory } from "../../typechain-types";
import type { CompareChain, Sample } from "./chain";
import { GAS_MONEY, PartLedger, balancesOf, feeOf, fundedWallets, medianLatency, timed } from "./chain";
import type { DesignId, DesignMeasurement } from "./types";
import type { Transfer, Workload } from "./workload";
import { balancesAfterTransfers } from "./workload";

const MILESTONES = {
  soft: "the transaction's receipt: included in a block",
  final: "the same block (Hardhat has no finality gadget; Ethereum finalizes it two epochs later)",
  withdrawal: "none: the funds never left Layer 1",
};

const TRUST = {
  eth: ["Ethereum's consensus only (here: one local Hardhat node)"],
  erc20: [
    "Ethereum's consensus only (here: one local Hardhat node)",
    "the token contract's code (DemoToken: OpenZeppelin ERC-20, fixed supply, no owner)",
  ],
};

export async function runLayer1(w: Workload, c: CompareChain): Promise<DesignMeasurement[]> {
  return [await runEth(w, c), await runErc20(w, c)];
}

export async function runEth(w: Workload, c: CompareChain): Promise<DesignMeasurement> {
  const wallets = await fundedWallets(c, "l1-eth", w.users, w.funding + GAS_MONEY);
  const addresses = wallets.map((x) => x.address);
  const initial = await balancesOf(c.provider, addresses);
  const run = await transfer(w, c, wallets, (from, t) =>
    from.sendTransaction({ to: addresses[t.to], value: t.amount }),
  );
  const expected = balancesAfterTransfers(w).map((b, u) => initial[u] - w.funding + b - run.fees[u]);
  return measurement("l1-eth", "Layer 1: ETH transfer", run, TRUST.eth, {
    held: "the accounts' ETH on Layer 1, less the fees each sender paid",
    expected,
    actual: await balancesOf(c.provider, addresses),
  });
}

async function runErc20(w: Workload, c: CompareChain): Promise<DesignMeasurement> {
  const [deployer] = c.signers;
  const token = DemoToken__factory.connect(c.deployment.contracts.DemoToken, deployer);
  const wallets = await fundedWallets(c, "l1-erc20", w.users, GAS_MONEY);
  // The users already hold the token: handing it out is setup, not part of the workload.
  for (const x of wallets) await (await token.transfer(x.address, w.funding)).wait();
  const run = await transfer(w, c, wallets, (from, t) =>
    token.connect(from).transfer(wallets[t.to].address, t.amount),
  );
  return measurement("l1-erc20", "Layer 1: ERC-20 transfer", run, TRUST.erc20, {
    held: "the accounts' DemoToken balances on Layer 1",
    expected: balancesAfterTransfers(w),
    actual: await Promise.all(wallets.map((x) => token.balanceOf(x.address))),
  });
}

interface Run {
  ledger: PartLedger;
  samples: Sample[];
  /** What each user paid in fees. */
  fees: bigint[];
}

/** Sends every transfer of the workload in order, each awaited to its receipt. */
async function transfer(
  w: Workload,
  c: CompareChain,
  wallets: Wallet[],
  send: (from: Wallet, t: Transfer) => Promise<TransactionResponse>,
): Promise<Run> {
  const ledger = new PartLedger(c.provider);
  const samples: Sample[] = [];
  const fees = wallets.map(() => 0n);
  await ledger.during("transfers", async () => {
    for (const t of w.transfers) {
      const { result: receipt, sample } = await timed(c.provider, async () =>
        (await send(wallets[t.from], t)).wait(),
      );
      samples.push(sample);
      fees[t.from] += feeOf(receipt!);
    }
  });
  return { ledger, samples, fees };
}

function measurement(
  id: DesignId,
  label: string,
  run: Run,
  trust: string[],
  balances: DesignMeasurement["outcomes"]["balances"],
): DesignMeasurement {
  const latency = medianLatency(run.samples);
  return {
    id,
    label,
    gas: run.ledger.gas,
    blobGas: run.ledger.blobGas,
    transactions: run.ledger.transactions,
    soft: latency,
    final: latency,
    withdrawal: null,
    withdrawalWaitSeconds: null,
    milestones: MILESTONES,
    parameters: {},
    pieces: {},
    trust,
    outcomes: { balances, withdrawal: null, blocksDuringTransfers: run.ledger.blocks.transfers },
    notes: [],
  };
}
