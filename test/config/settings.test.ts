// The one settings table (src/config/table.ts) and how a command reads it (src/config/load.ts): flag >
// environment > default; every bad value a named ConfigError that names the flag and the variable, all of
// them at once; the defaults give every service its own port and account, none the demo's users'.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { Wallet } from "ethers";
import { BENCH_SUITES } from "../../src/bench/run";
import { localAccountKey } from "../../src/common/processes";
import { DESIGN_GROUPS } from "../../src/compare/run";
import { signingKey } from "../../src/config/keys";
import { ConfigError, knownVariables, loadSettings, unknownVariables } from "../../src/config/load";
import { regenerateReadme } from "../../src/config/markdown";
import type { Command, CommandName, Setting } from "../../src/config/table";
import {
  BENCH_SUITE_NAMES,
  COMMANDS,
  COMPARE_DESIGN_NAMES,
  DEMO_USER_ACCOUNTS,
  LOCAL_ACCOUNTS,
  LOCAL_ACCOUNT_COUNT,
  REPOSITORY_ROOT,
} from "../../src/config/table";
import { CHANNELS_SERVICE_ACCOUNTS } from "../../src/demo/channels";
import { OPTIMISTIC_SERVICE_ACCOUNTS } from "../../src/demo/optimistic";
import { ZK_OPERATOR_ACCOUNT } from "../../src/zk/stack";

const commands = Object.values(COMMANDS) as unknown as Command[];

/** The ConfigError `load` throws (failing the test when it throws none). */
function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  expect.fail("no ConfigError");
}

/** Every setting once, with the commands and names it goes by. */
function everySetting(): Map<Setting, { command: string; key: string }[]> {
  const all = new Map<Setting, { command: string; key: string }[]>();
  for (const spec of commands) {
    for (const [key, setting] of Object.entries(spec.settings)) {
      all.set(setting, [...(all.get(setting) ?? []), { command: spec.task, key }]);
    }
  }
  return all;
}

/** The default's value, as a command on a local chain reads it. */
function defaultOf(setting: Setting): string | undefined {
  const d = setting.default;
  return d === undefined || typeof d === "string" ? d : d.value({ network: "localhost", env: {} });
}

describe("config: the settings table", function () {
  describe("loadSettings", function () {
    it("reads a flag before its variable, and the variable before the default", function () {
      const env = { STRATA_SEQUENCER_PORT: "9100" };
      expect(loadSettings("sequencer", { network: "localhost", flags: { port: "9000" }, env }).port).to.equal(
        9000,
      );
      expect(loadSettings("sequencer", { network: "localhost", env }).port).to.equal(9100);
      expect(loadSettings("sequencer", { network: "localhost", env: {} }).port).to.equal(8547);
      expect(
        loadSettings("sequencer", { network: "localhost", env: { STRATA_SEQUENCER_PORT: "" } }).port,
      ).to.equal(8547, "an empty variable is unset");
      const settings = loadSettings("sequencer", { network: "anvil", env: {} });
      expect(settings).to.include({ maxBatchSteps: 256, maxBatchAgeMs: 5000, pollMs: 500, account: 1 });
      expect(settings.dataDir).to.equal(join(".strata", "anvil"));
    });

    it("names the flag and the variable of a port that is not one, and what it got", function () {
      const error = configError(() =>
        loadSettings("sequencer", { network: "localhost", env: { STRATA_SEQUENCER_PORT: "abc" } }),
      );
      expect(error.name).to.equal("ConfigError");
      expect(error.message).to.equal('--port / STRATA_SEQUENCER_PORT must be a port (1-65535), got "abc"');
      for (const bad of ["0", "65536", "-1", "80.5"]) {
        expect(() =>
          loadSettings("sequencer", { network: "localhost", flags: { port: bad }, env: {} }),
        ).to.throw(ConfigError, `--port / STRATA_SEQUENCER_PORT must be a port (1-65535), got "${bad}"`);
      }
    });

    it("lists the allowed values of a log level or a channel role it does not know", function () {
      expect(
        configError(() =>
          loadSettings("watchtower", { network: "localhost", env: { STRATA_LOG_LEVEL: "verbose" } }),
        ).message,
      ).to.equal(
        '--log-level / STRATA_LOG_LEVEL must be one of debug, info, warn, error, silent, got "verbose"',
      );
      expect(
        configError(() =>
          loadSettings("channelClient", { network: "localhost", env: { STRATA_CHANNEL_ROLE: "listne" } }),
        ).message,
      ).to.equal('--role / STRATA_CHANNEL_ROLE must be one of open, listen, got "listne"');
    });

    it("says a bad key is not a private key, never ethers' invalid BytesLike, and does not echo it", function () {
      for (const bad of ["0x1234", "not a key", `0x${"00".repeat(32)}`, `0x${"zz".repeat(32)}`]) {
        const error = configError(() =>
          loadSettings("sequencer", { network: "localhost", env: { STRATA_SEQUENCER_KEY: bad } }),
        );
        expect(error.message).to.equal("--key / STRATA_SEQUENCER_KEY is not a private key (32 bytes of hex)");
        expect(error.message).to.not.include("BytesLike");
      }
      const key = localAccountKey(5);
      expect(
        loadSettings("sequencer", { network: "localhost", env: { STRATA_SEQUENCER_KEY: key.slice(2) } }).key,
      ).to.equal(key, "a key without 0x is read with it");
    });

    it("reports every problem at once, one line each", function () {
      const error = configError(() =>
        loadSettings("channelClient", {
          network: "localhost",
          flags: { port: "99999" },
          env: { STRATA_CHANNEL_ROLE: "listne", STRATA_CHANNEL_PAYMENTS: "-5", STRATA_CHANNEL_KEY: "0xbad" },
        }),
      );
      expect(error.problems).to.deep.equal([
        '--role / STRATA_CHANNEL_ROLE must be one of open, listen, got "listne"',
        "--key / STRATA_CHANNEL_KEY is not a private key (32 bytes of hex)",
        '--port / STRATA_CHANNEL_PORT must be a port (1-65535), got "99999"',
        '--payments / STRATA_CHANNEL_PAYMENTS must be a whole number (1 or more), got "-5"',
      ]);
      expect(error.message.split("\n")[0]).to.equal("4 settings are wrong:");
    });

    it("refuses a command without a key on a chain that has no default accounts", function () {
      expect(configError(() => loadSettings("zkOperator", { network: "sepolia", env: {} })).message).to.equal(
        "--key / STRATA_ZK_OPERATOR_KEY is required on sepolia: without a key only a local chain " +
          "(hardhat, localhost, anvil) has a default account to sign with",
      );
      const key = localAccountKey(7);
      const settings = loadSettings("zkOperator", {
        network: "sepolia",
        env: { STRATA_ZK_OPERATOR_KEY: key },
      });
      expect(signingKey(settings, "sepolia")).to.equal(key);
    });

    it("signs with the service's own default account on a local chain, or the one --account names", function () {
      const sequencer = loadSettings("sequencer", { network: "localhost", env: {} });
      expect(new Wallet(signingKey(sequencer, "localhost")).address).to.equal(
        new Wallet(localAccountKey(LOCAL_ACCOUNTS.sequencer)).address,
      );
      const other = loadSettings("sequencer", { network: "anvil", flags: { account: "6" }, env: {} });
      expect(signingKey(other, "anvil")).to.equal(localAccountKey(6));
      expect(() => signingKey(other, "mainnet")).to.throw(ConfigError, "required on mainnet");
    });

    it("checks an opener's plan before it spends: a peer, payments that fit in the deposit", function () {
      const open = (env: NodeJS.ProcessEnv) => () =>
        loadSettings("channelClient", { network: "localhost", env });
      expect(configError(open({})).message).to.equal(
        "--peer / STRATA_CHANNEL_PEER is required when --role / STRATA_CHANNEL_ROLE is open",
      );
      const peer = new Wallet(localAccountKey(4)).address;
      expect(
        configError(
          open({ STRATA_CHANNEL_PEER: peer, STRATA_CHANNEL_AMOUNT: "2", STRATA_CHANNEL_PAYMENTS: "1" }),
        ).message,
      ).to.equal(
        "1 payments (--payments / STRATA_CHANNEL_PAYMENTS) of 2.0 ETH (--amount / STRATA_CHANNEL_AMOUNT) are " +
          "2.0 ETH, more than the deposit of 1.0 ETH (--deposit / STRATA_CHANNEL_DEPOSIT)",
      );
      expect(
        configError(open({ STRATA_CHANNEL_PEER: peer, STRATA_CHANNEL_AMOUNT: "0.01" })).message,
      ).to.include("1000 payments");
      expect(configError(open({ STRATA_CHANNEL_PEER: "0x1234" })).message).to.equal(
        '--peer / STRATA_CHANNEL_PEER must be an address (0x and 40 hex digits, checksum valid if mixed-case), got "0x1234"',
      );
      const ok = loadSettings("channelClient", {
        network: "localhost",
        env: {
          STRATA_CHANNEL_PEER: peer.toLowerCase(),
          STRATA_CHANNEL_PAYMENTS: "10",
          STRATA_CHANNEL_AMOUNT: "0.1",
        },
      });
      expect(ok).to.include({ peer, payments: 10, amount: 10n ** 17n, deposit: 10n ** 18n });
      expect(() =>
        loadSettings("channelClient", { network: "localhost", env: { STRATA_CHANNEL_ROLE: "listen" } }),
      ).to.not.throw();
    });

    it("asks a wallet verb for what it needs: a key or an account, its object, a status of its rollup", function () {
      expect(
        configError(() => loadSettings("walletDeposit", { network: "localhost", env: {} })).problems,
      ).to.deep.equal([
        "--amount / STRATA_WALLET_AMOUNT is required",
        "--key / STRATA_WALLET_KEY or --account / STRATA_WALLET_ACCOUNT is required",
      ]);
      const deposit = loadSettings("walletDeposit", {
        network: "localhost",
        flags: { amount: "1.5", account: "3", rollup: "zk" },
        env: {},
      });
      expect(deposit).to.include({ amount: "1.5", account: 3, rollup: "zk" });
      expect(
        configError(() =>
          loadSettings("walletReceipt", {
            network: "localhost",
            flags: { hash: `0x${"ab".repeat(32)}`, wait: "verified", account: "3" },
            env: {},
          }),
        ).message,
      ).to.equal("--wait / STRATA_WALLET_WAIT verified is not a status of the optimistic rollup");
      expect(
        configError(() =>
          loadSettings("walletFinalizeWithdrawal", {
            network: "localhost",
            flags: { account: "3" },
            env: {},
          }),
        ).message,
      ).to.equal("give one of --hash / STRATA_WALLET_HASH and --proof / STRATA_WALLET_PROOF");
      expect(
        configError(() =>
          loadSettings("channelPay", { network: "localhost", env: { STRATA_CHANNEL_ID: "0x12" } }),
        ).problems,
      ).to.deep.equal([
        '--channel / STRATA_CHANNEL_ID must be 32 bytes of hex (0x and 64 hex digits), got "0x12"',
        "--amount / STRATA_CHANNEL_AMOUNT is required",
      ]);
    });

    it("refuses two of a command's servers on one port", function () {
      expect(
        configError(() =>
          loadSettings("channelClient", {
            network: "localhost",
            flags: { role: "listen", port: "9000", rpcPort: "9000" },
            env: {},
          }),
        ).message,
      ).to.equal(
        "--rpc-port / STRATA_CHANNEL_RPC_PORT and --port / STRATA_CHANNEL_PORT are both 9000: each server needs its own port",
      );
    });

    it("reads a yes/no flag, a list and an amount of ether", function () {
      const compare = loadSettings("compare", {
        network: "hardhat",
        flags: { snapshot: true, designs: "zk, l1" },
        env: {},
      });
      expect(compare).to.include({ snapshot: true, users: 10, transfers: 100 });
      expect(compare.designs).to.deep.equal(["l1", "zk"]);
      expect(
        loadSettings("compare", { network: "hardhat", env: { STRATA_COMPARE_SNAPSHOT: "1" } }).snapshot,
      ).to.equal(true);
      expect(
        configError(() =>
          loadSettings("compare", { network: "hardhat", env: { STRATA_COMPARE_USERS: "101" } }),
        ).message,
      ).to.equal("--users / STRATA_COMPARE_USERS must be 2 to 100, got 101");
      expect(
        configError(() => loadSettings("bench", { network: "hardhat", env: { STRATA_BENCH: "zk,plasma" } }))
          .message,
      ).to.include("--suites / STRATA_BENCH must be a comma-separated list of shared, bridge");
    });
  });

  describe("unknownVariables", function () {
    it("lists the STRATA_ variables no setting reads, with the known name a typo is nearest to", function () {
      expect(
        unknownVariables({
          STRATA_SEQUENCR_PORT: "8547",
          STRATA_SEQUENCER_PORT: "8547",
          STRATA_FC_SEED: "1",
          STRATA_FLUX_CAPACITOR: "1",
          PATH: "/bin",
        }),
      ).to.deep.equal([
        { name: "STRATA_FLUX_CAPACITOR" },
        { name: "STRATA_SEQUENCR_PORT", suggestion: "STRATA_SEQUENCER_PORT" },
      ]);
    });

    it("knows every variable the project's own commands and CI set", function () {
      const used = new Set<string>();
      for (const file of [".ci/run", "README.md"]) {
        for (const match of readFileSync(join(REPOSITORY_ROOT, file), "utf8").matchAll(
          /STRATA_[A-Z0-9_]+/g,
        )) {
          used.add(match[0]);
        }
      }
      const known = knownVariables();
      expect([...used].filter((name) => !known.has(name) && !name.endsWith("_"))).to.deep.equal([]);
    });
  });

  describe("the defaults", function () {
    it("reads every default through its own kind, as a value typed by a user would be", function () {
      for (const [setting, uses] of everySetting()) {
        const text = defaultOf(setting);
        if (text === undefined) continue;
        expect(setting.kind.schema.safeParse(text).success, `${uses[0]!.command} ${uses[0]!.key}`).to.equal(
          true,
        );
      }
      // Every command that can run on its defaults alone (not a verb, which takes its object), and a
      // validator told which account it is (validators have no default: each signs with its own).
      for (const name of Object.keys(COMMANDS) as CommandName[]) {
        if ((COMMANDS[name] as unknown as Command).scope !== undefined) continue;
        const flags =
          name === "channelClient" ? { role: "listen" } : name === "validator" ? { account: "10" } : {};
        expect(() => loadSettings(name, { network: "localhost", flags, env: {} }), name).to.not.throw();
      }
    });

    it("mirrors every flag by a STRATA_ variable, and names a setting the same way wherever it is shared", function () {
      for (const [setting, uses] of everySetting()) {
        expect(setting.env).to.match(/^STRATA_[A-Z0-9_]+$/);
        expect(new Set(uses.map((u) => u.key)).size, setting.env).to.equal(1);
      }
    });

    it("gives every service and node its own default port", function () {
      const ports = new Map<number, string>([[8545, "hardhat node"]]);
      for (const [setting, uses] of everySetting()) {
        if (setting.kind.label !== "port") continue;
        const port = Number(defaultOf(setting));
        const who = `${uses[0]!.command} ${uses[0]!.key}`;
        expect(ports.get(port), `${who} and ${ports.get(port)} both default to ${port}`).to.equal(undefined);
        ports.set(port, who);
      }
      expect(ports.size).to.equal(12);
      expect(defaultOf(COMMANDS.channelClient.settings.peerUrl)).to.equal(
        `ws://127.0.0.1:${defaultOf(COMMANDS.channelClient.settings.port)}`,
        "an opener's default peer is a listener's default port",
      );
    });

    it("gives every service its own default account, within Anvil's ten, none the demo plays a user with", function () {
      const accounts = new Map<number, string>();
      for (const [setting, uses] of everySetting()) {
        if (setting.kind.label !== "n" || setting.default === undefined) continue;
        const account = Number(defaultOf(setting));
        const who = uses[0]!.command;
        expect(
          accounts.get(account),
          `${who} and ${accounts.get(account)} both default to #${account}`,
        ).to.equal(undefined);
        expect(account).to.be.lessThan(LOCAL_ACCOUNT_COUNT);
        accounts.set(account, who);
      }
      expect([...accounts.keys()].sort()).to.deep.equal(Object.values(LOCAL_ACCOUNTS).sort());
      for (const [user, account] of Object.entries(DEMO_USER_ACCOUNTS)) {
        expect(accounts.get(account), `the demo's ${user} is #${account}`).to.equal(undefined);
        expect(account).to.be.lessThan(LOCAL_ACCOUNT_COUNT);
      }
    });

    it("runs the demo's services with the services' own default accounts", function () {
      const accountOf = (command: keyof typeof COMMANDS) =>
        Number(defaultOf((COMMANDS[command].settings as unknown as Record<string, Setting>).account!));
      expect(OPTIMISTIC_SERVICE_ACCOUNTS).to.deep.equal({
        sequencer: accountOf("sequencer"),
        challenger: accountOf("challenger"),
      });
      expect(ZK_OPERATOR_ACCOUNT).to.equal(accountOf("zkOperator"));
      expect(CHANNELS_SERVICE_ACCOUNTS).to.deep.equal({
        bob: accountOf("channelClient"),
        watchtower: accountOf("watchtower"),
      });
    });

    it("lists the bench's suites and the comparison's designs as they do", function () {
      expect([...BENCH_SUITE_NAMES]).to.deep.equal([...BENCH_SUITES]);
      expect([...COMPARE_DESIGN_NAMES]).to.deep.equal([...DESIGN_GROUPS]);
    });
  });

  describe("the README", function () {
    it("holds the settings table generated from this one (npm run settings:readme)", async function () {
      const path = join(REPOSITORY_ROOT, "README.md");
      const readme = readFileSync(path, "utf8");
      expect(await regenerateReadme(readme, path)).to.equal(readme);
    });
  });
});
