// A user's side: the wallet library (src/wallet/) and a channel client's JSON-RPC verbs
// (src/channels/party-rpc.ts) as Hardhat tasks, each printing its result as JSON (amounts in base units):
//
//   npx hardhat wallet deposit --rollup optimistic --amount 1 --account 3 --network localhost
//   npx hardhat wallet transfer --to 0x… --amount 0.25 --account 3 --network localhost
//   npx hardhat wallet withdraw --amount 0.5 --account 3 --network localhost
//   npx hardhat wallet balance (Layer 2, and the address's Layer-1 balance) | receipt --hash 0x… [--wait final]
//   npx hardhat wallet prove-withdrawal | finalize-withdrawal --hash 0x…
//   npx hardhat wallet claim | force-withdraw [--amount 1] | activate-exodus | exit | refund-deposits --rollup zk …
//   npx hardhat channel open --peer 0x… | pay --channel 0x… --amount 0.01 | close | register | refute |
//                       conclude | unlock | withdraw | resume | status | list   [--client http://127.0.0.1:8550]
//
// Keys: --key / STRATA_WALLET_KEY, or on a local chain the default account --account / STRATA_WALLET_ACCOUNT
// (the wallet has no default account: name one). The channel verbs sign nothing here: the client does.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { OptimisticWallet, TokenRef, ZkRollupWallet } from "../src/wallet";
import { strataTask } from "./strata-task";

/** Prints `value` as JSON, bigints as decimal strings. */
function print(value: unknown): void {
  console.log(JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
}

/** What opening a wallet takes of a verb's settings. */
interface WalletSettings {
  key?: string;
  account?: number;
  operatorUrl?: string;
  zkKey?: string;
  deploymentsDir: string;
}

/** Opens the wallet of `rollup` with the user's key, on the deployment of Hardhat's --network. */
async function openRollupWallet(
  s: WalletSettings,
  hre: HardhatRuntimeEnvironment,
  rollup: "optimistic",
): Promise<OptimisticWallet>;
async function openRollupWallet(
  s: WalletSettings,
  hre: HardhatRuntimeEnvironment,
  rollup: "zk",
): Promise<ZkRollupWallet>;
async function openRollupWallet(
  s: WalletSettings,
  hre: HardhatRuntimeEnvironment,
  rollup: "optimistic" | "zk",
): Promise<OptimisticWallet | ZkRollupWallet>;
async function openRollupWallet(
  s: WalletSettings,
  hre: HardhatRuntimeEnvironment,
  rollup: "optimistic" | "zk",
): Promise<OptimisticWallet | ZkRollupWallet> {
  const [{ Wallet }, { signingKey }, { COMMANDS }, { readDeployment }, { OptimisticWallet, ZkRollupWallet }] =
    await Promise.all([
      import("ethers"),
      import("../src/config/keys"),
      import("../src/config/table"),
      import("../src/common/deployments"),
      import("../src/wallet"),
    ]);
  const network = hre.network.name;
  const deployment = readDeployment(network, s.deploymentsDir);
  const signer = new Wallet(signingKey(s, network, "--key / STRATA_WALLET_KEY"), hre.ethers.provider);
  const servicePort = rollup === "zk" ? COMMANDS.zkOperator.settings.port : COMMANDS.sequencer.settings.port;
  const operatorUrl = s.operatorUrl ?? `http://127.0.0.1:${String(servicePort.default)}`;
  return rollup === "zk"
    ? ZkRollupWallet.open({ signer, deployment, operatorUrl, zkKey: s.zkKey })
    : OptimisticWallet.open({ signer, deployment, operatorUrl });
}

/** `text` (a decimal amount) in the base units of `token` (ether: 18 decimals; an ERC-20: its own). */
async function baseUnits(
  hre: HardhatRuntimeEnvironment,
  wallet: OptimisticWallet | ZkRollupWallet,
  text: string,
  token: TokenRef,
): Promise<bigint> {
  const { Contract, parseUnits } = await import("ethers");
  const { address } = await wallet.token(token);
  const decimals =
    address === undefined
      ? 18
      : Number(
          await new Contract(
            address,
            ["function decimals() view returns (uint8)"],
            hre.ethers.provider,
          ).decimals(),
        );
  try {
    return parseUnits(text, decimals);
  } catch (cause) {
    const { WalletAmountError } = await import("../src/wallet");
    throw new WalletAmountError(`${text} has more decimals than the token's ${decimals}`, { cause });
  }
}

strataTask("walletDeposit", async (s, hre) => {
  const wallet = await openRollupWallet(s, hre, s.rollup);
  print(
    await wallet.deposit({
      amount: await baseUnits(hre, wallet, s.amount, s.token),
      token: s.token,
      to: s.to,
    }),
  );
});

strataTask("walletTransfer", async (s, hre) => {
  const wallet = await openRollupWallet(s, hre, s.rollup);
  const to = /^\d+$/.test(s.to) ? Number(s.to) : s.to;
  print(
    await wallet.transfer({ to, amount: await baseUnits(hre, wallet, s.amount, s.token), token: s.token }),
  );
});

strataTask("walletWithdraw", async (s, hre) => {
  const wallet = await openRollupWallet(s, hre, s.rollup);
  const amount = await baseUnits(hre, wallet, s.amount, s.token);
  print(await wallet.withdraw({ amount, token: s.token, recipient: s.recipient }));
});

strataTask("walletBalance", async (s, hre) => {
  const { Contract } = await import("ethers");
  const wallet = await openRollupWallet(s, hre, s.rollup);
  const [{ tokenId, address: token }, account] = await Promise.all([
    wallet.token(s.token),
    wallet.account(s.token),
  ]);
  // What the address holds on Layer 1 too, so that a user sees a withdrawal arrive.
  const l1Balance: bigint =
    token === undefined
      ? await hre.ethers.provider.getBalance(wallet.address)
      : await new Contract(
          token,
          ["function balanceOf(address) view returns (uint256)"],
          hre.ethers.provider,
        ).balanceOf(wallet.address);
  print({
    rollup: s.rollup,
    address: wallet.address,
    owner: wallet.owner,
    tokenId,
    account: account?.index ?? null,
    balance: account?.balance ?? 0n,
    nonce: account?.nonce ?? 0,
    ...(wallet.kind === "zk" ? { credit: await wallet.credit(s.token) } : {}),
    l1Balance,
  });
});

strataTask("walletReceipt", async (s, hre) => {
  const { WalletUnknownTransactionError } = await import("../src/wallet");
  const wallet = await openRollupWallet(s, hre, s.rollup);
  const receipt =
    s.wait === undefined
      ? await wallet.receipt(s.hash)
      : await (wallet as RollupWaiter).waitForReceipt(s.hash, s.wait, { timeoutMs: s.timeout * 1000 });
  if (receipt === undefined)
    throw new WalletUnknownTransactionError(`the operator knows no transaction ${s.hash}`);
  print(receipt);
});

/** Either wallet, waiting for a status the settings checked fits its rollup. */
type RollupWaiter = {
  waitForReceipt(hash: string, status: string, o: { timeoutMs: number }): Promise<unknown>;
};

strataTask("walletProveWithdrawal", async (s, hre) => {
  const wallet = await openRollupWallet(s, hre, "optimistic");
  const proof = await wallet.proveWithdrawal(s.hash);
  if (s.save !== undefined) {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      s.save,
      JSON.stringify(proof, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2),
    );
  }
  print(proof);
});

strataTask("walletFinalizeWithdrawal", async (s, hre) => {
  const wallet = await openRollupWallet(s, hre, "optimistic");
  print(await wallet.finalizeWithdrawal(s.hash ?? (await readSavedProof(s.proof!))));
});

/** A proof `wallet prove-withdrawal --save` wrote; a `ConfigError` naming the file when it is not one. */
async function readSavedProof(path: string) {
  const [{ readFileSync }, { ConfigError }] = await Promise.all([
    import("node:fs"),
    import("../src/config/load"),
  ]);
  try {
    const proof = JSON.parse(readFileSync(path, "utf8")) as import("../src/wallet").OptimisticWithdrawalProof;
    return { ...proof, withdrawal: { ...proof.withdrawal, amount: BigInt(proof.withdrawal.amount) } };
  } catch (cause) {
    throw new ConfigError([
      `--proof / STRATA_WALLET_PROOF: ${path} is not a proof \`wallet prove-withdrawal --save\` wrote ` +
        `(${(cause as Error).message})`,
    ]);
  }
}

strataTask("walletClaim", async (s, hre) => {
  const wallet = await openRollupWallet(s, hre, "zk");
  print(await wallet.claim({ token: s.token, to: s.to }));
});

strataTask("walletForceWithdraw", async (s, hre) => {
  const wallet = await openRollupWallet(s, hre, "zk");
  const amount = s.amount === undefined ? undefined : await baseUnits(hre, wallet, s.amount, s.token);
  print(await wallet.forceWithdraw({ amount, token: s.token }));
});

strataTask("walletActivateExodus", async (s, hre) => {
  print(await (await openRollupWallet(s, hre, "zk")).activateExodus());
});

strataTask("walletExit", async (s, hre) => {
  print(await (await openRollupWallet(s, hre, "zk")).exit({ token: s.token }));
});

strataTask("walletRefundDeposits", async (s, hre) => {
  print(await (await openRollupWallet(s, hre, "zk")).refundDeposits());
});

// -------------------------------------------------------------------------------------------------
// Channels: a running client's JSON-RPC
// -------------------------------------------------------------------------------------------------

async function channelClient(url: string) {
  const { ChannelPartyClient } = await import("../src/channels/party-rpc");
  return new ChannelPartyClient(url);
}

strataTask("channelOpen", async (s) => {
  const [client, { ETH }] = await Promise.all([channelClient(s.client), import("../src/channels/types")]);
  print(
    await client.open(
      { address: s.peer, url: s.peerUrl },
      [{ asset: ETH, balances: [s.deposit, s.peerDeposit] }],
      {
        nonce: BigInt(Date.now()),
        challengeDuration: s.challengeDuration,
      },
    ),
  );
});

strataTask("channelPay", async (s) => print(await (await channelClient(s.client)).pay(s.channel, s.amount)));
strataTask("channelClose", async (s) => print(await (await channelClient(s.client)).close(s.channel)));
strataTask("channelRegister", async (s) => print(await (await channelClient(s.client)).register(s.channel)));
strataTask("channelRefute", async (s) => print(await (await channelClient(s.client)).refute(s.channel)));
strataTask("channelConclude", async (s) => print(await (await channelClient(s.client)).conclude(s.channel)));
strataTask("channelStatus", async (s) => print(await (await channelClient(s.client)).status(s.channel)));
strataTask("channelUnlock", async (s) =>
  print(await (await channelClient(s.client)).unlock(s.channel, s.secrets ?? [])),
);
strataTask("channelWithdraw", async (s) =>
  print(await (await channelClient(s.client)).withdraw(s.channel, { to: s.to })),
);
strataTask("channelResume", async (s) =>
  print((await (await channelClient(s.client)).resume(s.channel, s.url)) ?? null),
);
strataTask("channelList", async (s) => print(await (await channelClient(s.client)).call("channel_list", [])));
