// The workload on the zk rollup (`npm run compare`), with real Groth16 proofs: the suite deployed with
// the profile's generated verifier and the zk stack's ZkOperator with a warm prover, driven by hand
// exactly as the bench drives it (src/bench/zk-world.ts `withZkWorld`, shared); what it proved and
// submitted, and when, read from its events:
// - entry: each user deposits through the bridge; the operator proves and submits the deposit batches;
// - transfers: each user signs (EdDSA-Poseidon) and hands its transfers to the operator, whose receipt is
//   the soft confirmation; the operator proves every batch and the contract verifies it: each transfer
//   is final in the block of the batch that carries it;
// - exit: the withdrawing user's withdrawal is credited by the very batch that verifies it (no window),
//   then claimed through the bridge, once.
// The final balances are read from a verifier node that rebuilt the state from Layer-1 data alone.
//
// The profile: STRATA_COMPARE_ZK_PROFILE, else `default` (4 per batch) if it is built, else `test` (1).
// Because such batches are tiny, the other built profile is measured too (one full batch of transfers,
// the bench's method) so that model.ts can extrapolate to production batch sizes.
import type { Wallet } from "ethers";
import type { ZkCrypto } from "../zk/keys";
import { zkPrivateKeyFromSeed } from "../zk/keys";
import { ZkWallet } from "../zk/wallet";
import { median } from "../bench/figures";
import type { ZkRound, ZkWorld } from "../bench/zk-world";
import { ETH_ID, manifestOf, withZkWorld } from "../bench/zk-world";
import { resolveLayout } from "../zk/build/layout";
import type { ZkProfile } from "../zk/build/profiles";
import { readProfiles } from "../zk/build/profiles";
import { revertName } from "../common/outcomes";
import type { CompareChain, Sample } from "./chain";
import {
  GAS_MONEY,
  PartLedger,
  blockNumber,
  firstBlockWhere,
  fundedWallets,
  medianLatency,
  now,
  paidTo,
  secondsBetween,
  timed,
} from "./chain";
import { CompareConfigError, CompareOutcomeError } from "./errors";
import type { DesignMeasurement, ZkProfileMeasurement } from "./types";
import type { Workload } from "./workload";
import { balancesAfterWithdrawal } from "./workload";

/** What a user trusts, with the local deployment's exodus delay. */
function trust(localExodusDelaySeconds: number): string[] {
  return [
    "safety: the circuit's rules, the Groth16 verifier, and the trusted setup: here a development phase 2 " +
      "(one contribution and a beacon by this machine's build, checked with zkey verify) on a powers of tau, " +
      "so whoever ran it could forge proofs; production runs a multi-party ceremony (npx hardhat zk-setup) " +
      "on a public powers of tau, pinned by its hash",
    "liveness: an operator to prove and submit batches (submitBatch takes a valid proof from anyone); a " +
      "user it censors asks on Layer 1 (requestWithdrawal, with a fee), which batches must carry in order; " +
      "if a deposit or a request waits past the exodus delay (3 days in production, " +
      `${localExodusDelaySeconds} s locally), anyone switches on exodus and every account exits with a ` +
      "Merkle proof against the last verified root",
  ];
}

export interface ZkProfiles {
  main: string;
  /** The other built profile, measured for the production-size model (undefined: not built). */
  calibration?: string;
}

export interface ZkRun {
  measurement: DesignMeasurement;
  /** The main profile's full transfer batches (undefined: none was full). */
  profile?: ZkProfileMeasurement;
}

/**
 * Whether a profile's circuit, keys and verifier are built for its shape in circuits/profiles.json (its
 * manifest vouches for them; a build left from another batch size or depth does not count).
 */
async function isBuilt(profile: ZkProfile): Promise<boolean> {
  try {
    const built = await manifestOf(profile.name);
    return built.batchSize === profile.batchSize && built.depth === profile.depth;
  } catch {
    return false;
  }
}

export async function chooseZkProfiles(requested?: string): Promise<ZkProfiles> {
  // The profiles circuits/profiles.json defines, largest batch first.
  const profiles = (await readProfiles(resolveLayout())).sort((a, b) => b.batchSize - a.batchSize);
  const names = profiles.map((p) => p.name);
  const built: ZkProfile[] = [];
  for (const p of profiles) if (await isBuilt(p)) built.push(p);
  if (requested !== undefined && !names.includes(requested)) {
    throw new CompareConfigError(`no zk profile "${requested}" (profiles: ${names.join(", ")})`);
  }
  const main = built.find((p) => p.name === (requested ?? built[0]?.name));
  if (main === undefined) {
    const name = requested ?? "test";
    throw new CompareConfigError(
      `the zk profile "${name}" is not built: run \`npm run zk:build -- --profile ${name}\``,
    );
  }
  // The model needs batches of two sizes: the calibration is a built profile of another batch size.
  return { main: main.name, calibration: built.find((p) => p.batchSize !== main.batchSize)?.name };
}

/** Signer 0 deploys the profile's suite, signer 3 operates (see `withZkWorld`); the users are fresh keys. */
export async function runZk(w: Workload, c: CompareChain, profile: string, crypto: ZkCrypto): Promise<ZkRun> {
  return withZkWorld(c, profile, crypto, async (world) => {
    const { domain, batchSize, exodusDelay } = await world.rollup.config();
    const l1 = await fundedWallets(c, `zk-${profile}`, w.users, w.funding + GAS_MONEY);
    const users = l1.map(
      (x, i) => new ZkWallet(crypto, zkPrivateKeyFromSeed(`strata compare zk user ${i}`), x.address, domain),
    );
    const ledger = new PartLedger(c.provider);

    await ledger.during("entry", async () => {
      for (const [i, user] of users.entries()) {
        await user.depositEth(world.bridge, l1[i], world.rollup.address, w.funding);
      }
      await world.operator.tick(true);
    });
    const index = users.map((user) => {
      const found = world.operator.findAccount(user.ownerHex, ETH_ID);
      if (found === undefined) throw new CompareOutcomeError(`no Layer-2 account for ${user.l1Address}`);
      return found;
    });
    const nonces = users.map(() => 0);

    const soft: Sample[] = [];
    let blocksWhileSending = 0;
    const transfers = await ledger.during("transfers", async () => {
      const sent: Sent[] = [];
      const first = await blockNumber(c.provider);
      for (const t of w.transfers) {
        const spend = users[t.from].transfer({
          from: index[t.from],
          to: index[t.to],
          amount: t.amount,
          nonce: nonces[t.from]++,
        });
        const sentAt = Date.now(); // the clock of the operator's events
        const { result, block, sample } = await timed(c.provider, () => world.operator.submit(spend.encoded));
        if (result.status !== "accepted")
          throw new CompareOutcomeError(`the operator answered ${result.status}`);
        soft.push(sample);
        sent.push({ hash: spend.hash, sentAt, block });
      }
      blocksWhileSending = (await blockNumber(c.provider)) - first;
      return { sent, ...(await landed(world, await world.round(), sent)) };
    });

    const out = await ledger.during("exit", () => withdraw(w, c, world, { l1, users, index, nonces }));
    const node = await world.verifierNode();
    const provingMs = median(transfers.provingMs);
    const fullBatchGas = transfers.batchGas.filter((b) => b.txs === batchSize).map((b) => b.gas);
    const measurement: DesignMeasurement = {
      id: "zk",
      label: `zk rollup (${batchSize} per batch)`,
      gas: ledger.gas,
      blobGas: ledger.blobGas,
      transactions: ledger.transactions,
      soft: medianLatency(soft),
      final: medianLatency(transfers.final),
      withdrawal: out.latency,
      withdrawalWaitSeconds: out.waitSeconds,
      milestones: {
        soft: "the operator's receipt (accepted: a promise, no Layer-1 block yet)",
        final: "the batch that carries it proven and verified on Layer 1 (submitBatch)",
        withdrawal: "credited by the verifying batch, claimed through the bridge (claim)",
      },
      parameters: { profile, batchSize, exodusDelaySeconds: exodusDelay },
      pieces: { provingMs, transferBatches: transfers.batchGas.length },
      trust: trust(exodusDelay),
      outcomes: {
        balances: {
          held: "Layer-2 balances a verifier node rebuilt from Layer-1 data alone; the withdrawal claimed",
          expected: balancesAfterWithdrawal(w),
          actual: index.map((i) => node.state.account(i)!.balance),
        },
        withdrawal: out.withdrawal,
        blocksDuringTransfers: blocksWhileSending,
      },
      notes: [
        `the ${w.transfers.length} transfers went into ${transfers.batchGas.length} proven batches; ` +
          `transfers wait for the batches proved before theirs (one prover), so finality here includes queueing`,
      ],
    };
    const manifest = await manifestOf(profile);
    return {
      measurement,
      profile:
        fullBatchGas.length === 0
          ? undefined
          : {
              profile,
              slots: batchSize,
              constraints: manifest.constraints,
              batchGas: median(fullBatchGas),
              provingMs,
            },
    };
  });
}

/** A transfer handed to the operator: its hash, when (epoch ms, as events are stamped), the block then. */
interface Sent {
  hash: string;
  sentAt: number;
  block: number;
}

/**
 * Where each sent transfer landed (its batch's block, and when the operator's `batchSubmitted` event for
 * that batch was published), and the batches proved and submitted in `round`.
 */
async function landed(
  world: ZkWorld,
  { proved, submitted }: ZkRound,
  sent: Sent[],
): Promise<{ final: Sample[]; provingMs: number[]; batchGas: { txs: number; gas: number }[] }> {
  const node = await world.verifierNode();
  const final = sent.map((s) => {
    const at = node.locate(s.hash);
    if (!at) throw new CompareOutcomeError(`transfer ${s.hash} was not verified on Layer 1`);
    const batch = node.batches.find((b) => b.batchIndex === at.batchIndex)!;
    const event = submitted.find((e) => e.batchIndex === at.batchIndex);
    if (!event) throw new CompareOutcomeError(`the operator did not submit batch ${at.batchIndex}`);
    return { ms: event.time - s.sentAt, blocks: batch.blockNumber - s.block };
  });
  const batchGas = submitted.map((e) => ({ txs: e.txs, gas: Number(e.gasUsed) }));
  const provingMs = proved.map((e) => e.provingMs);
  return { final, provingMs, batchGas };
}

interface Users {
  l1: Wallet[];
  users: ZkWallet[];
  index: number[];
  nonces: number[];
}

/** The withdrawal: a claim refused before its batch, credited by the verifying batch, claimed once. */
async function withdraw(w: Workload, c: CompareChain, world: ZkWorld, u: Users) {
  const who = w.withdrawal.user;
  const payer = u.l1[who];
  const recipient = payer.address;
  const first = await blockNumber(c.provider);
  const started = now();
  const spend = u.users[who].withdraw({
    from: u.index[who],
    recipient,
    tokenId: ETH_ID,
    amount: w.withdrawal.amount,
    nonce: u.nonces[who]++,
  });
  const accepted = await world.operator.submit(spend.encoded);
  if (accepted.status !== "accepted")
    throw new CompareOutcomeError(`the operator answered ${accepted.status}`);
  const claim = () => world.rollup.claim(payer, ETH_ID, recipient);
  const earlyAttempt = await revertName(claim());
  await world.operator.tick(true);

  const node = await world.verifierNode();
  const at = node.locate(spend.hash);
  if (!at) throw new CompareOutcomeError(`the withdrawal ${spend.hash} was not verified on Layer 1`);
  const batch = node.batches.find((b) => b.batchIndex === at.batchIndex)!;
  // From the block before the verifying batch on: the first in which the recipient can claim.
  const creditedIn = await firstBlockWhere(
    c.provider,
    batch.blockNumber - 1,
    async (n) =>
      (await world.rollup.contract.creditOf(recipient, ETH_ID, { blockTag: n })) >= w.withdrawal.amount,
  );
  if (creditedIn === undefined) throw new CompareOutcomeError(`${recipient} was never credited`);
  const { receipt: claimed, paid } = await paidTo(c.provider, recipient, claim);
  return {
    latency: { ms: now() - started, blocks: claimed.blockNumber - first, skippedSeconds: 0 },
    waitSeconds: await secondsBetween(c.provider, batch.blockNumber, creditedIn),
    withdrawal: {
      recipient,
      amount: w.withdrawal.amount,
      paid,
      earlyAttempt,
      secondAttempt: await revertName(claim()),
    },
  };
}

/**
 * The bench's measurement of one full batch of transfers in `profile` (two users, accounts opened by a
 * deposit batch first): its gas and proving time, for the production-size model.
 */
export async function measureZkProfile(
  c: CompareChain,
  profile: string,
  crypto: ZkCrypto,
): Promise<ZkProfileMeasurement> {
  return withZkWorld(c, profile, crypto, async (world) => {
    const { batchSize } = await world.rollup.config();
    const users = await world.users(2);
    const index = await world.openAccounts(users);
    const nonces = [0, 0];
    for (let s = 0; s < batchSize; s++) {
      const from = s % 2;
      const spend = users[from].wallet.transfer({
        from: index[from],
        to: index[1 - from],
        amount: 10n ** 15n,
        nonce: nonces[from]++,
      });
      await world.operator.submit(spend.encoded);
    }
    const batch = await world.tickOne(batchSize);
    const { constraints } = await manifestOf(profile);
    return { profile, slots: batchSize, constraints, batchGas: batch.gas, provingMs: batch.provingMs };
  });
}
