// The wallet's and the channel's verbs as a user runs them (`npx hardhat wallet …`, `npx hardhat channel …`,
// each a process of its own printing JSON) against a `hardhat node` (the channel's also against Anvil) with
// the services as processes: on the optimistic rollup a deposit, a transfer, a withdrawal waited to final
// and paid by the bridge; on the zk rollup the same, claimed; a channel opened, paid and closed between two
// channel clients; and the refusals, by name, before any Layer-1 transaction.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, Wallet, parseEther } from "ethers";
import { writeDeployment } from "../../src/common/deployments";
import { freePort, kill, localAccountKey, serviceReadiness, startHardhat } from "../../src/common/processes";
import { deploySuite } from "../../src/deploy/suite";
import type { CommandRun } from "../helpers/commands";
import { runHardhat } from "../helpers/commands";
import { ANVIL_NODE, HARDHAT_NODE } from "../helpers/demo-services";

for (const node of [HARDHAT_NODE, ANVIL_NODE]) {
  // The rollups' verbs run on Anvil in the README's walkthrough (test/e2e/walkthrough.test.ts): here on a
  // hardhat node only; the channel's on both.
  const onHardhatNode = node === HARDHAT_NODE;
  (node.available() ? describe : describe.skip)(
    `tasks: the wallet and the channel verbs against ${node.name}`,
    function () {
      this.timeout(300_000);
      const dir = mkdtempSync(join(tmpdir(), "strata-wallet-tasks-"));
      const deployments = join(dir, "deployments");
      const running: ChildProcess[] = [];
      let url: string;
      let provider: JsonRpcProvider;
      let sequencerUrl: string;

      /** `hardhat <args> --network <the node's>` to its end, against this suite's node and deployment. */
      function hardhat(args: string[]): Promise<CommandRun> {
        return runHardhat([...args, "--network", node.network], {
          env: { [node.urlVariable]: url, STRATA_DEPLOYMENTS_DIR: deployments },
          timeoutMs: 300_000,
        });
      }

      /** Runs a verb that must succeed; its JSON. */
      async function verb<T = Record<string, unknown>>(...args: string[]): Promise<T> {
        const run = await hardhat(args);
        expect(run.code, `${args.join(" ")}:\n${run.stderr}`).to.equal(0);
        return JSON.parse(run.stdout) as T;
      }

      /** Starts `hardhat <task> <args>` on this suite's node; resolves with its URL once it answers there. */
      async function service(task: string, args: string[], port: number, dataDir: string): Promise<string> {
        const serviceUrl = `http://127.0.0.1:${port}`;
        const child = await startHardhat(
          [task, ...args, "--network", node.network],
          {
            [node.urlVariable]: url,
            STRATA_DEPLOYMENTS_DIR: deployments,
            STRATA_DATA_DIR: join(dir, dataDir),
          },
          serviceReadiness(serviceUrl),
          { timeoutMs: 120_000, logFile: join(dir, `${dataDir}.log`) },
        );
        running.push(child);
        return serviceUrl;
      }

      const alice = new Wallet(localAccountKey(3)).address;
      const bob = new Wallet(localAccountKey(4)).address;

      before(async function () {
        const port = await freePort();
        url = `http://127.0.0.1:${port}`;
        running.push(await node.start(port));
        provider = new JsonRpcProvider(url, undefined, { cacheTimeout: -1 });
        const deployment = await deploySuite(await provider.getSigner(0), {
          network: node.network,
          local: true,
        });
        writeDeployment(deployment, deployments);
        if (!onHardhatNode) return;
        const sequencerPort = await freePort();
        sequencerUrl = await service(
          "sequencer",
          ["--port", String(sequencerPort), "--max-batch-age-ms", "300", "--poll-ms", "200"],
          sequencerPort,
          "sequencer",
        );
      });

      after(function () {
        for (const child of running.reverse()) kill(child, "SIGKILL");
        provider?.destroy();
        rmSync(dir, { recursive: true, force: true });
      });

      if (onHardhatNode)
        describe("wallet, on the optimistic rollup", function () {
          const as = (account: number) => ["--account", String(account), "--operator-url", sequencerUrl];

          it("deposits, transfers and withdraws, and the bridge pays the withdrawal once it is final", async function () {
            const deposit = await verb("wallet", "deposit", "--amount", "2", ...as(3));
            expect(deposit).to.include({ amount: parseEther("2").toString(), tokenId: 0 });
            await verb("wallet", "deposit", "--amount", "0.1", ...as(4));
            const balanceOf = async (account: number) =>
              verb<{ balance: string; nonce: number; account: number | null }>(
                "wallet",
                "balance",
                ...as(account),
              );
            // The sequencer pulls both deposits in its next rounds.
            for (let tries = 0; (await balanceOf(4)).account === null; tries++) {
              expect(tries).to.be.lessThan(20);
              await new Promise((resolve) => setTimeout(resolve, 500));
            }
            expect((await balanceOf(3)).balance).to.equal(parseEther("2").toString());

            const transfer = await verb<{ hash: string; amount: string }>(
              "wallet",
              "transfer",
              "--to",
              bob,
              "--amount",
              "0.5",
              ...as(3),
            );
            expect(transfer.amount).to.equal(parseEther("0.5").toString());
            const withdrawal = await verb<{ hash: string; recipient: string }>(
              "wallet",
              "withdraw",
              "--amount",
              "1",
              ...as(3),
            );
            expect(withdrawal.recipient).to.equal(alice);
            const committed = await verb<{ status: string }>(
              "wallet",
              "receipt",
              "--hash",
              withdrawal.hash,
              "--wait",
              "committed",
              ...as(3),
            );
            expect(["committed", "final"]).to.include(committed.status);

            // Not final yet: the bridge would refuse, so the wallet refuses first, by name.
            const early = await hardhat([
              "wallet",
              "finalize-withdrawal",
              "--hash",
              withdrawal.hash,
              ...as(3),
            ]);
            expect(early.code).to.equal(1);
            expect(early.stderr).to.match(/^WalletWithdrawalNotFinalError: /m);

            await provider.send("evm_increaseTime", [121]);
            await provider.send("evm_mine", []);
            await verb(
              "wallet",
              "receipt",
              "--hash",
              withdrawal.hash,
              "--wait",
              "final",
              "--timeout",
              "60",
              ...as(3),
            );
            const before = await provider.getBalance(alice);
            const paid = await verb<{ amount: string; recipient: string; gasUsed: string; l1TxHash: string }>(
              "wallet",
              "finalize-withdrawal",
              "--hash",
              withdrawal.hash,
              ...as(3),
            );
            expect(paid).to.include({ amount: parseEther("1").toString(), recipient: alice });
            const receipt = (await provider.getTransactionReceipt(paid.l1TxHash))!;
            expect(await provider.getBalance(alice)).to.equal(before + parseEther("1") - receipt.fee);
            // `balance` shows both layers: what the address holds on Layer 1 too.
            const both = await verb<{ balance: string; l1Balance: string }>("wallet", "balance", ...as(3));
            expect(both).to.include({
              balance: parseEther("0.5").toString(),
              l1Balance: (await provider.getBalance(alice)).toString(),
            });
            expect((await balanceOf(4)).balance).to.equal(parseEther("0.6").toString());

            const again = await hardhat([
              "wallet",
              "finalize-withdrawal",
              "--hash",
              withdrawal.hash,
              ...as(3),
            ]);
            expect(again.code).to.equal(1);
            expect(again.stderr).to.match(/^WalletWithdrawalAlreadyPaidError: /m);
          });

          it("refuses an overdraft by name before it signs anything, and a verb without a key or account", async function () {
            const overdraft = await hardhat(["wallet", "withdraw", "--amount", "1000", ...as(3)]);
            expect(overdraft.code).to.equal(1);
            expect(overdraft.stderr).to.match(/^WalletInsufficientFundsError: /m);
            const keyless = await hardhat(["wallet", "balance"]);
            expect(keyless.code).to.equal(1);
            expect(keyless.stderr.trim()).to.equal(
              "ConfigError: --key / STRATA_WALLET_KEY or --account / STRATA_WALLET_ACCOUNT is required",
            );
          });
        });

      if (onHardhatNode)
        describe("wallet, on the zk rollup", function () {
          it("deposits, transfers and withdraws with a key derived the same in every process, and claims", async function () {
            const port = await freePort();
            const operatorUrl = await service(
              "zk-operator",
              ["--port", String(port), "--max-batch-age-ms", "300"],
              port,
              "zk-operator",
            );
            const as = (account: number) => [
              "--rollup",
              "zk",
              "--account",
              String(account),
              "--operator-url",
              operatorUrl,
            ];
            const bobOwner = (await verb<{ owner: string }>("wallet", "balance", ...as(4))).owner;
            const deposit = await verb<{ owner: string }>("wallet", "deposit", "--amount", "1", ...as(3));
            expect(deposit.owner).to.equal(
              (await verb<{ owner: string }>("wallet", "balance", ...as(3))).owner,
            );
            await verb("wallet", "deposit", "--amount", "0.1", ...as(4));
            const balanceOf = (account: number) =>
              verb<{ balance: string; account: number | null; credit: string }>(
                "wallet",
                "balance",
                ...as(account),
              );
            for (let tries = 0; (await balanceOf(4)).account === null; tries++) {
              expect(tries).to.be.lessThan(60);
              await new Promise((resolve) => setTimeout(resolve, 1000));
            }
            await verb("wallet", "transfer", "--to", bobOwner, "--amount", "0.25", ...as(3));
            const withdrawal = await verb<{ hash: string }>(
              "wallet",
              "withdraw",
              "--amount",
              "0.5",
              ...as(3),
            );
            await verb("wallet", "receipt", "--hash", withdrawal.hash, "--wait", "verified", ...as(3));
            expect((await balanceOf(3)).credit).to.equal(parseEther("0.5").toString());
            const claimed = await verb<{ amount: string; to: string }>("wallet", "claim", ...as(3));
            expect(claimed).to.include({ amount: parseEther("0.5").toString(), to: alice });
            expect(await balanceOf(3)).to.include({ balance: parseEther("0.25").toString(), credit: "0" });
            expect((await balanceOf(4)).balance).to.equal(parseEther("0.35").toString());
            // Bob asks Layer 1 for his whole balance (the default amount); the operator carries it.
            const forced = await verb<{ request: { amount: string; account: number } }>(
              "wallet",
              "force-withdraw",
              ...as(4),
            );
            expect(forced.request).to.include({ amount: parseEther("0.35").toString(), account: 1 });
            for (let tries = 0; (await balanceOf(4)).credit === "0"; tries++) {
              expect(tries).to.be.lessThan(60);
              await new Promise((resolve) => setTimeout(resolve, 1000));
            }
            expect(await balanceOf(4)).to.include({ balance: "0", credit: parseEther("0.35").toString() });
          });
        });

      describe("channel, between two channel clients", function () {
        it("opens a channel, pays over it off-chain and closes it on Layer 1", async function () {
          const [aliceRpc, alicePeers, bobRpc, bobPeers] = await Promise.all([
            freePort(),
            freePort(),
            freePort(),
            freePort(),
          ]);
          const listen = (account: number, rpc: number, peers: number, name: string) =>
            service(
              "channel-client",
              [
                "--role",
                "listen",
                "--account",
                String(account),
                "--rpc-port",
                String(rpc),
                "--port",
                String(peers),
                "--poll-ms",
                "200",
              ],
              rpc,
              name,
            );
          const [aliceClient] = await Promise.all([
            listen(3, aliceRpc, alicePeers, "alice"),
            listen(4, bobRpc, bobPeers, "bob"),
          ]);
          const client = ["--client", aliceClient];
          const opened = await verb<{ channelId: string }>(
            "channel",
            "open",
            "--peer",
            bob,
            "--peer-url",
            `ws://127.0.0.1:${bobPeers}`,
            "--deposit",
            "1",
            ...client,
          );
          expect(opened.channelId).to.match(/^0x[0-9a-f]{64}$/);
          for (let i = 0; i < 3; i++)
            await verb("channel", "pay", "--channel", opened.channelId, "--amount", "0.1", ...client);
          const list = await verb<{ channelId: string; version: string | number }[]>(
            "channel",
            "list",
            ...client,
          );
          expect(list.map((c) => c.channelId)).to.include(opened.channelId);

          const before = await provider.getBalance(bob);
          const closed = await verb<{ channelId: string; l1TxHash: string }>(
            "channel",
            "close",
            "--channel",
            opened.channelId,
            ...client,
          );
          expect(closed.channelId).to.equal(opened.channelId);
          expect(await provider.getBalance(bob)).to.equal(before + parseEther("0.3"));
          const status = await verb<{ phase: string }>(
            "channel",
            "status",
            "--channel",
            opened.channelId,
            ...client,
          );
          expect(status.phase).to.not.equal("open");
        });

        it("names a client that does not answer, with no stack trace", async function () {
          const run = await hardhat(["channel", "list", "--client", `http://127.0.0.1:${await freePort()}`]);
          expect(run.code).to.equal(1);
          expect(run.stderr).to.match(/^RpcTransportError: channel_list: cannot reach /m);
          expect(run.stderr).to.not.match(/\n\s+at /);
        });
      });
    },
  );
}
