/**
 * One Layer-1 account as the explorer shows it: its ETH and DemoToken balances, its deposits and
 * withdrawals through the bridge across every rollup, what it is still owed, and its zk forced
 * withdrawals and exits. Read at `ctx.head` from the bridge's and the zk rollup's events and getters.
 */
import { ZeroAddress, getAddress, zeroPadValue } from "ethers";
import { IERC20Metadata__factory, ZkRollup__factory } from "../../typechain-types";
import { ZkRollupClient } from "../zk/rollup-client";
import type { BridgeDepositView, BridgePaidWithdrawalView } from "./bridge";
import { bridgeOf, depositsOf, nameOf, paidWithdrawals, tokensOf, zkCredits } from "./bridge";
import type { TokenInfo } from "./reads";
import { tokenInfosOf } from "./reads";
import type { ExplorerContext, ExplorerRoute } from "./route";
import { addressParam } from "./route";
import type { ZkExitView, ZkForcedView, ZkTokenView } from "./zk";
import { readExits, readForced, zkTokens } from "./zk";

/** What the account is owed and may pull: a zk credit (`claim`) or a bridge credit (`claimCredit`). */
export interface AccountCreditView {
  /** `zk`: the zk rollup owes it (a verified withdrawal, a refunded deposit); `bridge`: a payout it could not receive. */
  kind: "zk" | "bridge";
  rollup: string | null;
  token: string;
  tokenId: number | null;
  symbol: string | null;
  amount: string;
}

export interface AccountView {
  address: string;
  /** What the deployment calls this address, if it is one of its contracts. */
  name: string | null;
  layer1: {
    eth: string;
    /** The deployment's DemoToken balance (null when it has none). */
    demoToken: { token: string; symbol: string | null; balance: string } | null;
  };
  /** Deposits it made, or that name it (its address as the Layer-2 owner), oldest first. */
  deposits: (BridgeDepositView & { rollupName: string | null; direction: "sent" | "received" | "self" })[];
  /** Withdrawals paid (or credited) to it, newest first. */
  withdrawals: (BridgePaidWithdrawalView & { rollupName: string | null })[];
  credits: AccountCreditView[];
  /** Its forced withdrawals and exits in the zk rollup (null when the deployment has none). */
  zk: { forced: ZkForcedView[]; exits: ZkExitView[]; tokens: Record<number, ZkTokenView> } | null;
  /** Every token above, by address (0x0 is ETH): its symbol and decimals. */
  tokens: Record<string, TokenInfo>;
}

async function readAccount(ctx: ExplorerContext, address: string): Promise<AccountView> {
  const account = getAddress(address);
  const blockTag = ctx.head.number;
  const bridge = bridgeOf(ctx);
  const ownerWord = zeroPadValue(account, 32).toLowerCase();

  const [eth, all, paid] = await Promise.all([
    ctx.provider.getBalance(account, blockTag),
    depositsOf(ctx, bridge, null, null),
    paidWithdrawals(ctx, bridge, null, account),
  ]);
  const mine = all.filter((d) => d.depositor === account || d.recipient.toLowerCase() === ownerWord);

  // token ids are per rollup: resolve each rollup's listing once
  const rollups = [...new Set([...mine.map((d) => d.rollup), ...paid.map((p) => p.rollup)])];
  const listings = new Map(
    await Promise.all(rollups.map(async (r) => [r, await tokensOf(ctx, bridge, r)] as const)),
  );
  const tokenOf = (rollup: string, tokenId: number) => listings.get(rollup)?.get(tokenId) ?? ZeroAddress;

  const zkAddress = ctx.deployment.contracts.ZkRollup;
  const demo = ctx.deployment.contracts.DemoToken;
  let zk: AccountView["zk"] = null;
  const credits: AccountCreditView[] = [];
  if (zkAddress) {
    const rollup = ZkRollup__factory.connect(zkAddress, ctx.provider);
    const client = new ZkRollupClient(zkAddress, ctx.provider);
    const [consumedLogs, exodusDelay, exodus] = await Promise.all([
      rollup.queryFilter(rollup.filters.ForcedWithdrawalConsumed(), 0, blockTag),
      rollup.EXODUS_DELAY({ blockTag }),
      rollup.isExodus({ blockTag }),
    ]);
    const consumed = consumedLogs.map((log) => ({
      batchIndex: Number(log.args.batchIndex),
      index: Number(log.args.index),
      effective: log.args.effective,
    }));
    const [forced, exits, owed, listed, tokensById] = await Promise.all([
      readForced(ctx, rollup, client, consumed, Number(exodusDelay), exodus, account),
      readExits(ctx, rollup, account),
      zkCredits(ctx, zkAddress, account),
      tokensOf(ctx, bridge, zkAddress),
      zkTokens(ctx, zkAddress),
    ]);
    zk = { forced, exits, tokens: tokensById };
    for (const c of owed) {
      credits.push({
        kind: "zk",
        rollup: getAddress(zkAddress),
        token: listed.get(c.tokenId) ?? ZeroAddress,
        tokenId: c.tokenId,
        symbol: null,
        amount: c.amount.toString(),
      });
    }
  }

  // payouts it could not receive wait in the bridge, per token
  const tokens = new Set<string>([ZeroAddress, ...[...listings.values()].flatMap((m) => [...m.values()])]);
  if (demo) tokens.add(getAddress(demo));
  for (const token of tokens) {
    const amount = await bridge.credits(token, account, { blockTag });
    if (amount > 0n)
      credits.push({
        kind: "bridge",
        rollup: null,
        token,
        tokenId: null,
        symbol: null,
        amount: amount.toString(),
      });
  }

  const infos = await tokenInfosOf(ctx, [...tokens, ...credits.map((c) => c.token)]);
  const symbols = new Map(Object.entries(infos).map(([t, i]) => [t, i.symbol]));
  for (const c of credits) c.symbol = symbols.get(c.token) ?? null;

  let demoToken: AccountView["layer1"]["demoToken"] = null;
  if (demo) {
    const balance = await IERC20Metadata__factory.connect(demo, ctx.provider).balanceOf(account, {
      blockTag,
    });
    demoToken = {
      token: getAddress(demo),
      symbol: symbols.get(getAddress(demo)) ?? null,
      balance: balance.toString(),
    };
  }

  return {
    address: account,
    name: nameOf(ctx, account),
    layer1: { eth: eth.toString(), demoToken },
    deposits: mine.map((d) => {
      const token = tokenOf(d.rollup, d.tokenId);
      const sent = d.depositor === account;
      const received = d.recipient.toLowerCase() === ownerWord;
      return {
        ...d,
        token,
        symbol: symbols.get(token) ?? null,
        consumed: null,
        rollupName: nameOf(ctx, d.rollup),
        direction: sent && received ? "self" : sent ? "sent" : "received",
      };
    }),
    withdrawals: paid.map((p) => {
      const token = tokenOf(p.rollup, p.tokenId);
      return { ...p, token, symbol: symbols.get(token) ?? null, rollupName: nameOf(ctx, p.rollup) };
    }),
    credits,
    zk,
    tokens: infos,
  };
}

/** Async, so that a malformed address rejects (a 400) rather than throwing before the server awaits. */
export const accountRoutes: ExplorerRoute[] = [
  {
    path: "/api/accounts/:address",
    read: async (ctx, params) => readAccount(ctx, addressParam(params, "address")),
  },
];
