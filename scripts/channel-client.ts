// `npm run channel-client -- --network localhost`: a payment-channel party against any JSON-RPC node
// (src/channels/party.ts, started by src/channels/stack.ts's startChannelParty).
//
//   STRATA_CHANNEL_ROLE=listen   serves peers over a WebSocket on STRATA_CHANNEL_PORT (default 8548) and its
//                                owner over JSON-RPC on STRATA_CHANNEL_RPC_PORT (default 8550: strata_health,
//                                strata_events, channel_open / channel_pay / … of src/channels/party-rpc.ts);
//                                joins the channels peers open and deposits its share once the opener's is
//                                in, until SIGINT or SIGTERM.
//   STRATA_CHANNEL_ROLE=open     connects to STRATA_CHANNEL_PEER_URL, opens a channel with the peer
//                                STRATA_CHANNEL_PEER (address), deposits STRATA_CHANNEL_DEPOSIT ether
//                                (default 1; the peer's share STRATA_CHANNEL_PEER_DEPOSIT, default 0),
//                                makes STRATA_CHANNEL_PAYMENTS payments (default 1000) of
//                                STRATA_CHANNEL_AMOUNT ether (default 0.0001), then closes cooperatively
//                                on chain with the final state.
//
// Key: STRATA_CHANNEL_KEY, else Hardhat's account #4 (open) or #5 (listen) on a local chain. States live
// in STRATA_DATA_DIR (default .strata/<network>)/channels-<address>.jsonl; STRATA_WATCHTOWER_URL, when
// set, is the watchtower's JSON-RPC endpoint handed every co-signed state. Layer-1 time is read every
// STRATA_POLL_MS (default 1000). The adjudicator comes from deployments/<network>.json, or
// STRATA_ADJUDICATOR. Hosts: STRATA_CHANNEL_HOST, STRATA_CHANNEL_RPC_HOST (default the same).
import { join } from "node:path";
import { Wallet, formatEther, parseEther } from "ethers";
import { ethers, network } from "hardhat";
import type { RunningParty } from "../src/channels/stack";
import { startChannelParty } from "../src/channels/stack";
import { ETH } from "../src/channels/types";
import { contractAddress, readDeployment } from "../src/common/deployments";
import type { Logger } from "../src/common/logger";
import { runServiceMain } from "../src/common/service-main";

const env = process.env;
/** Hardhat's default accounts #4 and #5 (a well-known test mnemonic; local chains only). */
const LOCAL_KEYS = {
  open: "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  listen: "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
};
const LOCAL_NETWORKS = new Set(["hardhat", "localhost", "anvil"]);

const role = env.STRATA_CHANNEL_ROLE === "listen" ? "listen" : "open";
const adjudicator = env.STRATA_ADJUDICATOR ?? contractAddress(readDeployment(network.name), "Adjudicator");

void runServiceMain({
  scope: `channel-client:${role}`,
  start: async (logger) => {
    if (!env.STRATA_CHANNEL_KEY && !LOCAL_NETWORKS.has(network.name)) {
      throw new Error(`set STRATA_CHANNEL_KEY: there is no local account on ${network.name}`);
    }
    const wallet = new Wallet(env.STRATA_CHANNEL_KEY ?? LOCAL_KEYS[role], ethers.provider);
    const { chainId } = await ethers.provider.getNetwork();
    const host = env.STRATA_CHANNEL_HOST;
    return startChannelParty({
      wallet,
      adjudicator,
      chainId,
      dataDir: env.STRATA_DATA_DIR ?? join(".strata", network.name),
      logger,
      peer: role === "listen" ? { host, port: Number(env.STRATA_CHANNEL_PORT ?? 8548) } : { host },
      rpc:
        role === "listen"
          ? { host: env.STRATA_CHANNEL_RPC_HOST ?? host, port: Number(env.STRATA_CHANNEL_RPC_PORT ?? 8550) }
          : undefined,
      watchtower: env.STRATA_WATCHTOWER_URL || undefined,
      pollMs: Number(env.STRATA_POLL_MS ?? 1000),
    });
  },
  describe: (running) => ({
    network: network.name,
    address: running.party.address,
    adjudicator,
    peers: running.listener.url,
    rpc: running.rpc?.url ?? "none",
  }),
  work: role === "listen" ? undefined : openPayClose,
});

async function openPayClose({ party }: RunningParty, logger: Logger): Promise<void> {
  const peer = env.STRATA_CHANNEL_PEER;
  const url = env.STRATA_CHANNEL_PEER_URL ?? "ws://127.0.0.1:8548";
  if (!peer) throw new Error("set STRATA_CHANNEL_PEER to the peer's address");
  const deposit = parseEther(env.STRATA_CHANNEL_DEPOSIT ?? "1");
  const peerDeposit = parseEther(env.STRATA_CHANNEL_PEER_DEPOSIT ?? "0");
  const { channelId } = await party.open(
    { address: peer, url },
    [{ asset: ETH, balances: [deposit, peerDeposit] }],
    {
      nonce: BigInt(Date.now()),
      challengeDuration: Number(env.STRATA_CHANNEL_CHALLENGE_DURATION ?? 3600),
    },
  );
  while ((await party.adjudicator.holdings(channelId, ETH)) < deposit + peerDeposit) {
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  logger.info("channel funded", { channelId, held: formatEther(deposit + peerDeposit) });

  const payments = Number(env.STRATA_CHANNEL_PAYMENTS ?? 1000);
  const amount = parseEther(env.STRATA_CHANNEL_AMOUNT ?? "0.0001");
  const start = Date.now();
  for (let done = 0; done < payments;) {
    const batch = Math.min(256, payments - done);
    await Promise.all(Array.from({ length: batch }, () => party.pay(channelId, amount)));
    done += batch;
    logger.info("paid", { done, of: payments });
  }
  logger.info("payments done", { payments, perSec: Math.round((payments * 1000) / (Date.now() - start)) });

  const closed = await party.close(channelId);
  logger.info("closed on chain", {
    channelId,
    version: closed.final.state.version,
    balances: closed.final.state.allocations[0].balances.map(formatEther).join(" / "),
    tx: closed.l1TxHash,
  });
}
