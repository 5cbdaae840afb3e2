// The workload over payment channels (`npm run compare`): the real Adjudicator and one real
// ChannelClient per user (its own durable store, a WebSocket listener on localhost).
//
// Topology: the workload's payments form a ring (user i only ever pays user i+1), so each user opens ONE
// channel to the user it pays and funds it alone; N channels carry every payment directly. This is the
// honest, simple choice for this workload: no hub to trust or to fund, no hashlocks. It is also the
// best case for channels; a workload where anyone pays anyone needs a channel per pair or routed
// (hashlocked, multi-hop) payments through funded intermediaries.
// - entry: each payer opens its channel over the WebSocket (both sign version 0) and deposits its
//   funding on Layer 1;
// - transfers: each payment is a state signed by the payer, co-signed by the payee and stored by both
//   before it counts: that is both its soft confirmation and its finality between the two (the
//   adjudicator honours the newest co-signed state); no Layer-1 block may be mined meanwhile;
// - exit: every channel is finalized off-chain and closed cooperatively on Layer 1, which pays each
//   participant its final balance; each user's payouts must equal its balance in the workload.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdjudicatorClient } from "../channels/adjudicator-client";
import type { SignedState } from "../channels/channel";
import { keySigner } from "../channels/channel";
import { ChannelClient } from "../channels/client";
import { ChannelDomain, channelHashingReady } from "../channels/eip712";
import { ChannelStore } from "../channels/store";
import type { Listener } from "../channels/transport";
import type { ChannelParams } from "../channels/types";
import { ETH } from "../channels/types";
import { createLogger } from "../common/logger";
import { revertName } from "../common/outcomes";
import type { CompareChain, Sample } from "./chain";
import {
  GAS_MONEY,
  PartLedger,
  balancesOf,
  blockNumber,
  feeOf,
  firstBlockWhere,
  fundedWallets,
  medianLatency,
  secondsBetween,
  timed,
} from "./chain";
import { CompareOutcomeError } from "./errors";
import type { DesignMeasurement } from "./types";
import type { Workload } from "./workload";
import { balancesAfterTransfers, receivedBy, sentBy } from "./workload";

/** The channels' dispute window on the local chain (seconds); a cooperative close never waits for it. */
export const LOCAL_CHALLENGE_DURATION = 3_600;

const TRUST = [
  "safety: being online, or a watchtower holding your newest co-signed state, within the dispute window " +
    "of any registration (chosen per channel: 3,600 s here), to refute a stale state",
  "liveness: the counterparty, to co-sign every payment and the cooperative close; if it goes silent, a " +
    "unilateral close (register, wait out the dispute window, conclude)",
  "capital: each payer locks its funds in a channel up front, and can pay only along channels it has",
];

interface Peer {
  client: ChannelClient;
  store: ChannelStore;
  listener: Listener;
}

interface OpenChannel {
  params: ChannelParams;
  channelId: string;
}

export async function runChannels(w: Workload, c: CompareChain): Promise<DesignMeasurement> {
  await channelHashingReady;
  const address = c.deployment.contracts.Adjudicator;
  const adjudicator = new AdjudicatorClient(address, c.provider);
  const domain = new ChannelDomain(BigInt(c.deployment.chainId), address);
  const logger = createLogger({ scope: "compare:channels", level: "warn" });
  const wallets = await fundedWallets(c, "channels", w.users, w.funding + GAS_MONEY);
  const dir = await mkdtemp(join(tmpdir(), "strata-compare-channels-"));
  const peers: Peer[] = [];
  try {
    for (const [i, wallet] of wallets.entries()) {
      const store = await ChannelStore.open(join(dir, `user-${i}.jsonl`), { logger });
      const client = ChannelClient.create({ signer: keySigner(domain, wallet.privateKey), store, logger });
      peers.push({ client, store, listener: await client.listen() });
    }
    const ledger = new PartLedger(c.provider);
    const payee = (i: number) => (i + 1) % w.users;

    // Entry: user i opens a channel to user i+1 and funds its side.
    const channels = await ledger.during("entry", async () => {
      const opened: OpenChannel[] = [];
      for (const [i, wallet] of wallets.entries()) {
        const params: ChannelParams = {
          participants: [wallet.address, wallets[payee(i)].address],
          nonce: BigInt(i + 1),
          challengeDuration: LOCAL_CHALLENGE_DURATION,
        };
        const link = await peers[i].client.connect(peers[payee(i)].listener.url);
        const state = await peers[i].client.open(link, params, [{ asset: ETH, balances: [w.funding, 0n] }]);
        const channelId = state.state.channelId;
        await adjudicator.deposit(wallet, channelId, ETH, 0n, w.funding);
        opened.push({ params, channelId });
      }
      return opened;
    });

    // Transfers: off-chain payments, each co-signed and stored by both sides.
    const samples: Sample[] = [];
    const first = await blockNumber(c.provider);
    await ledger.during("transfers", async () => {
      for (const t of w.transfers) {
        if (t.to !== payee(t.from))
          throw new CompareOutcomeError(`no channel from user ${t.from} to ${t.to}`);
        const { sample } = await timed(c.provider, () =>
          peers[t.from].client.pay(channels[t.from].channelId, t.amount),
        );
        samples.push(sample);
      }
    });
    const blocksDuringTransfers = (await blockNumber(c.provider)) - first;

    // Exit: each channel finalized off-chain and closed on Layer 1 by its payer.
    const addresses = wallets.map((x) => x.address);
    const before = await balancesOf(c.provider, addresses);
    const fees = wallets.map(() => 0n);
    const closes: Sample[] = [];
    const finals: SignedState[] = [];
    const closedIn: number[] = [];
    await ledger.during("exit", async () => {
      for (const [i, wallet] of wallets.entries()) {
        const { result, sample } = await timed(c.provider, async () => {
          const final = await peers[i].client.finalize(channels[i].channelId);
          return { final, closed: await adjudicator.close(wallet, channels[i].params, final) };
        });
        closes.push(sample);
        fees[i] += feeOf(result.closed);
        finals.push(result.final);
        closedIn.push(result.closed.blockNumber);
      }
    });
    checkFinalStates(w, finals);
    const after = await balancesOf(c.provider, addresses);
    const payouts = after.map((b, u) => b - before[u] + fees[u]);
    const who = w.withdrawal.user;
    const expected = balancesAfterTransfers(w);
    // When the withdrawing user's own channel paid it: the first block its balance shows the payout.
    const own = finals[who].state.allocations[0].balances[0];
    const beforeClose = await c.provider.getBalance(addresses[who], closedIn[who] - 1);
    const paidIn = await firstBlockWhere(
      c.provider,
      closedIn[who] - 1,
      async (n) =>
        (await c.provider.getBalance(addresses[who], n)) + (n >= closedIn[who] ? fees[who] : 0n) >=
        beforeClose + own,
    );
    if (paidIn === undefined) throw new CompareOutcomeError(`user ${who}'s close never paid it`);
    const secondAttempt = await revertName(
      adjudicator.close(wallets[who], channels[who].params, finals[who]),
    );

    return {
      id: "channels",
      label: "Payment channels",
      gas: ledger.gas,
      blobGas: ledger.blobGas,
      transactions: ledger.transactions,
      soft: medianLatency(samples),
      final: medianLatency(samples),
      withdrawal: medianLatency(closes),
      withdrawalWaitSeconds: await secondsBetween(c.provider, closedIn[who], paidIn),
      milestones: {
        soft: "the payment's state co-signed by both clients and stored by both (no Layer-1 block)",
        final: "the same co-signed state: the adjudicator pays the newest one, so neither can take it back",
        withdrawal: "a cooperative close: the final state co-signed off-chain, then one close transaction",
      },
      parameters: { channels: channels.length, challengeDurationSeconds: LOCAL_CHALLENGE_DURATION },
      pieces: {},
      trust: TRUST,
      outcomes: {
        balances: {
          held: "what the adjudicator's cooperative closes paid each user on Layer 1",
          expected,
          actual: payouts,
        },
        withdrawal: {
          recipient: addresses[who],
          amount: expected[who],
          paid: payouts[who],
          secondAttempt,
        },
        blocksDuringTransfers,
      },
      notes: [
        `one channel per user, to the user it pays (${channels.length} channels); the exit closes them all, ` +
          `so every user's whole balance returns to Layer 1 (the rollups' exit moves one user's withdrawal)`,
      ],
    };
  } finally {
    for (const p of peers) {
      await p.client.close();
      await p.store.close();
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/** Each channel's final state gives its payer what it did not send and its payee what it received. */
function checkFinalStates(w: Workload, finals: SignedState[]): void {
  const sent = sentBy(w.users, w.transfers);
  const received = receivedBy(w.users, w.transfers);
  finals.forEach((final, i) => {
    const [payer, payee] = final.state.allocations[0].balances;
    const want = [w.funding - sent[i], received[(i + 1) % w.users]];
    if (payer !== want[0] || payee !== want[1] || !final.state.isFinal) {
      throw new CompareOutcomeError(
        `channel ${i} closed at (${payer}, ${payee}), the workload says (${want[0]}, ${want[1]})`,
      );
    }
  });
}
