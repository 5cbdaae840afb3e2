// `npm run channel-client -- --network localhost`: a payment-channel client against any JSON-RPC node.
//
//   STRATA_CHANNEL_ROLE=listen   serves peers on STRATA_CHANNEL_PORT (default 8548), joins the channels
//                                they open, deposits its share once the opener's is in, until SIGINT.
//   STRATA_CHANNEL_ROLE=open     connects to STRATA_CHANNEL_PEER_URL, opens a channel with the peer
//                                STRATA_CHANNEL_PEER (address), deposits STRATA_CHANNEL_DEPOSIT ether
//                                (default 1; the peer's share STRATA_CHANNEL_PEER_DEPOSIT, default 0),
//                                makes STRATA_CHANNEL_PAYMENTS payments (default 1000) of
//                                STRATA_CHANNEL_AMOUNT ether (default 0.0001), then closes cooperatively
//                                on chain with the final state.
//
// Key: STRATA_CHANNEL_KEY, else Hardhat's account #4 (open) or #5 (listen) on a local chain. States live
// in STRATA_DATA_DIR (default .strata/<network>)/channels-<address>.jsonl; STRATA_WATCHTOWER_URL, when
// set, is handed every co-signed state. The adjudicator comes from deployments/<network>.json, or
// STRATA_ADJUDICATOR.
import { join } from "node:path";
import { Wallet, formatEther, parseEther } from "ethers";
import type { Signer } from "ethers";
import { ethers, network } from "hardhat";
import { AdjudicatorClient } from "../src/channels/adjudicator-client";
import type { StateSigner } from "../src/channels/channel";
import { keySigner } from "../src/channels/channel";
import { ChannelClient } from "../src/channels/client";
import { ChannelDomain } from "../src/channels/eip712";
import { ChannelStore } from "../src/channels/store";
import type { ChannelParams } from "../src/channels/types";
import { ETH } from "../src/channels/types";
import { WatchtowerFeed } from "../src/channels/watchtower";
import { contractAddress, readDeployment } from "../src/common/deployments";
import type { Logger } from "../src/common/logger";
import { createLogger } from "../src/common/logger";
import { untilSignal } from "./optimistic-agent";

const env = process.env;
/** Hardhat's default accounts #4 and #5 (a well-known test mnemonic; local chains only). */
const LOCAL_KEYS = {
  open: "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  listen: "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
};

const LOCAL_NETWORKS = new Set(["hardhat", "localhost", "anvil"]);

interface Context {
  wallet: Wallet;
  adjudicator: AdjudicatorClient;
  client: ChannelClient;
  store: ChannelStore;
  logger: Logger;
}

async function main(): Promise<void> {
  const role = env.STRATA_CHANNEL_ROLE === "listen" ? "listen" : "open";
  const logger = createLogger({ scope: `channel-client:${role}` });
  const ctx = await context(role, logger);
  try {
    await (role === "listen" ? listen(ctx) : openPayClose(ctx));
  } finally {
    await ctx.client.close();
    await ctx.store.close();
  }
}

async function context(role: "open" | "listen", logger: Logger): Promise<Context> {
  if (!env.STRATA_CHANNEL_KEY && !LOCAL_NETWORKS.has(network.name)) {
    throw new Error(`set STRATA_CHANNEL_KEY: there is no local account on ${network.name}`);
  }
  const wallet = new Wallet(env.STRATA_CHANNEL_KEY ?? LOCAL_KEYS[role], ethers.provider);
  const address = env.STRATA_ADJUDICATOR ?? contractAddress(readDeployment(network.name), "Adjudicator");
  const adjudicator = new AdjudicatorClient(address, wallet);
  const { chainId } = await ethers.provider.getNetwork();
  const signer: StateSigner = keySigner(new ChannelDomain(chainId, address), wallet.privateKey);
  const dataDir = env.STRATA_DATA_DIR ?? join(".strata", network.name);
  const store = await ChannelStore.open(join(dataDir, `channels-${wallet.address.toLowerCase()}.jsonl`), {
    logger,
  });
  const client = ChannelClient.create({
    signer,
    store,
    logger,
    withdrawnVersion: (id) => adjudicator.withdrawnVersion(id),
  });
  if (env.STRATA_WATCHTOWER_URL) {
    const feed = new WatchtowerFeed(env.STRATA_WATCHTOWER_URL, logger);
    client.onUpdate((e) => feed.push(client.channel(e.channelId).params, e.signed));
  }
  logger.info("channel client ready", {
    network: network.name,
    address: wallet.address,
    adjudicator: address,
  });
  return { wallet, adjudicator, client, store, logger };
}

/** Serves peers; deposits this participant's share of each channel it joins, after the opener's. */
async function listen({ wallet, adjudicator, client, logger }: Context): Promise<void> {
  const listener = await client.listen({
    port: Number(env.STRATA_CHANNEL_PORT ?? 8548),
    host: env.STRATA_CHANNEL_HOST,
  });
  client.onUpdate((e) => {
    if (e.signed.state.isFinal) logger.info("final state co-signed", { channelId: e.channelId });
    if (e.by !== "peer" || e.update !== undefined) return;
    const channel = client.channel(e.channelId);
    fundShare(
      adjudicator,
      wallet,
      e.channelId,
      channel.me,
      e.signed.state.allocations[0].balances,
      logger,
    ).catch((error: unknown) =>
      logger.error("deposit failed", { channelId: e.channelId, error: String(error) }),
    );
  });
  logger.info("serving", { url: listener.url });
  await untilSignal();
  await listener.close();
}

/** Deposits `balances[me]` once the participants before `me` have deposited theirs (the race guard). */
async function fundShare(
  adjudicator: AdjudicatorClient,
  wallet: Signer,
  channelId: string,
  me: number,
  balances: bigint[],
  logger: Logger,
): Promise<void> {
  if (balances[me] === 0n) return;
  const expectedHeld = balances.slice(0, me).reduce((sum, b) => sum + b, 0n);
  while ((await adjudicator.holdings(channelId, ETH)) < expectedHeld) await sleep(500);
  await adjudicator.deposit(wallet, channelId, ETH, expectedHeld, balances[me]);
  logger.info("deposited", { channelId, amount: formatEther(balances[me]) });
}

async function openPayClose({ wallet, adjudicator, client, logger }: Context): Promise<void> {
  const peer = env.STRATA_CHANNEL_PEER;
  const url = env.STRATA_CHANNEL_PEER_URL ?? "ws://127.0.0.1:8548";
  if (!peer) throw new Error("set STRATA_CHANNEL_PEER to the peer's address");
  const deposit = parseEther(env.STRATA_CHANNEL_DEPOSIT ?? "1");
  const peerDeposit = parseEther(env.STRATA_CHANNEL_PEER_DEPOSIT ?? "0");
  const params: ChannelParams = {
    participants: [client.address, peer],
    nonce: BigInt(Date.now()),
    challengeDuration: Number(env.STRATA_CHANNEL_CHALLENGE_DURATION ?? 3600),
  };
  const link = await client.connect(url);
  const opened = await client.open(link, params, [{ asset: ETH, balances: [deposit, peerDeposit] }]);
  const channelId = opened.state.channelId;
  await adjudicator.deposit(wallet, channelId, ETH, 0n, deposit);
  while ((await adjudicator.holdings(channelId, ETH)) < deposit + peerDeposit) await sleep(500);
  logger.info("channel funded", { channelId, held: formatEther(deposit + peerDeposit) });

  const payments = Number(env.STRATA_CHANNEL_PAYMENTS ?? 1000);
  const amount = parseEther(env.STRATA_CHANNEL_AMOUNT ?? "0.0001");
  const start = Date.now();
  for (let done = 0; done < payments;) {
    const batch = Math.min(256, payments - done);
    await Promise.all(Array.from({ length: batch }, () => client.pay(channelId, amount)));
    done += batch;
    logger.info("paid", { done, of: payments });
  }
  logger.info("payments done", { payments, perSec: Math.round((payments * 1000) / (Date.now() - start)) });

  const final = await client.finalize(channelId);
  const receipt = await adjudicator.close(wallet, params, final);
  logger.info("closed on chain", {
    channelId,
    version: final.state.version,
    balances: final.state.allocations[0].balances.map(formatEther).join(" / "),
    tx: receipt.hash,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
