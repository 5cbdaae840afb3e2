// The commands as Hardhat tasks, run as a user runs them (`npx hardhat <task> …`, a process of its own):
// `--help` lists every flag with its STRATA_* variable and its default, from the settings table; a bad
// setting or a broken deployment record fails at once, before anything is sent to Layer 1 (here there is
// no node at all at the network's URL), as one line naming it, with no stack trace and a non-zero exit;
// against a node, `deploy` and a service run as a user runs them, and one SIGTERM stops the service;
// `npx hardhat anvil` takes its port and runs Strata's hardfork.
import type { ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Deployment } from "../../src/common/deployments";
import { JsonRpcClient } from "../../src/common/json-rpc";
import { HARDFORK } from "../../src/config/hardfork";
import { flagOf } from "../../src/config/load";
import { commandLine } from "../../src/config/markdown";
import type { Command, Setting } from "../../src/config/table";
import { COMMANDS, LOCAL_ACCOUNTS } from "../../src/config/table";
import {
  ANVIL,
  REPOSITORY,
  answers,
  freePort,
  kill,
  localAccountKey,
  nodeReadiness,
  serviceReadiness,
  startHardhat,
} from "../../src/common/processes";
import type { CommandRun } from "../helpers/commands";
import { runCommand, runHardhat } from "../helpers/commands";

/** `hardhat <args>` run to its end (its output read to its last line), with `env` and no other STRATA_*. */
function hardhat(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CommandRun> {
  return runHardhat(args, { env, timeoutMs });
}

/** What `--help` shows as a setting's default. */
function defaultText(setting: Setting): string | undefined {
  const d = setting.default;
  return d === undefined || typeof d === "string" ? d : d.text;
}

/** A URL where nothing listens: a command that tried Layer 1 there would fail with a connection error. */
async function deadNode(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

describe("tasks: the commands as Hardhat tasks", function () {
  this.timeout(180_000);

  describe("--help", function () {
    // Every service and command; of the wallet's and the channel's verbs (built the same way), two.
    const shown = (Object.values(COMMANDS) as unknown as Command[]).filter(
      (spec) => spec.scope === undefined || ["deposit", "receipt", "open", "pay"].includes(spec.task),
    );
    for (const spec of shown) {
      const command = commandLine(spec);
      it(`${command}: lists every flag with its variable and its default`, async function () {
        const { code, stdout } = await hardhat([...command.split(" "), "--help"]);
        expect(code).to.equal(0);
        for (const [key, setting] of Object.entries(spec.settings)) {
          if (!setting.flag) continue; // a node's URL, read by hardhat.config.ts: in the README's table
          const line = stdout
            .split("\n")
            .find((l) => l.trimStart().startsWith(key === spec.positional ? key : flagOf(key)));
          expect(line, `a line for ${flagOf(key)}`).to.not.equal(undefined);
          expect(line).to.include(setting.env);
          const fallback = defaultText(setting);
          if (fallback !== undefined) expect(line).to.include(`default ${fallback}`);
          if (setting.required) expect(line).to.include("required");
        }
      });
    }
  });

  describe("a bad setting", function () {
    it("fails at once, naming the flag and the variable, before anything reaches Layer 1", async function () {
      const run = await hardhat(["sequencer", "--network", "localhost"], {
        STRATA_RPC_URL: await deadNode(),
        STRATA_SEQUENCER_PORT: "abc",
      });
      expect(run.code).to.equal(1);
      expect(run.stderr.trim()).to.equal(
        'ConfigError: --port / STRATA_SEQUENCER_PORT must be a port (1-65535), got "abc"',
      );
      expect(run.stderr + run.stdout).to.not.match(/\n\s+at /, "no stack trace");
    });

    it("reports every bad setting of a service together, a flag over its variable", async function () {
      const run = await hardhat(
        ["channel-client", "--role", "listne", "--payments", "-5", "--network", "localhost"],
        {
          STRATA_RPC_URL: await deadNode(),
          STRATA_CHANNEL_ROLE: "listen",
          STRATA_LOG_LEVEL: "verbose",
          STRATA_CHANNEL_KEY: "0x1234",
        },
      );
      expect(run.code).to.equal(1);
      expect(run.stderr).to.include("ConfigError: 4 settings are wrong:");
      expect(run.stderr).to.include('--role / STRATA_CHANNEL_ROLE must be one of open, listen, got "listne"');
      expect(run.stderr).to.include("--key / STRATA_CHANNEL_KEY is not a private key (32 bytes of hex)");
      expect(run.stderr).to.include(
        '--payments / STRATA_CHANNEL_PAYMENTS must be a whole number (1 or more), got "-5"',
      );
      expect(run.stderr).to.include(
        '--log-level / STRATA_LOG_LEVEL must be one of debug, info, warn, error, silent, got "verbose"',
      );
      expect(run.stderr).to.not.include("BytesLike");
      expect(run.stderr + run.stdout).to.not.match(/\n\s+at /);
    });

    it("refuses an opener whose payments do not fit in its deposit before it opens anything", async function () {
      const run = await hardhat(
        ["channel-client", "--peer", "0x90F79bf6EB2c4f870365E785982E1f101E93b906", "--amount", "0.5"],
        { STRATA_CHANNEL_PAYMENTS: "3", STRATA_RPC_URL: await deadNode() },
      );
      expect(run.code).to.equal(1);
      expect(run.stderr.trim()).to.equal(
        "ConfigError: 3 payments (--payments / STRATA_CHANNEL_PAYMENTS) of 0.5 ETH (--amount / " +
          "STRATA_CHANNEL_AMOUNT) are 1.5 ETH, more than the deposit of 1.0 ETH (--deposit / STRATA_CHANNEL_DEPOSIT)",
      );
    });

    it("names a corrupt deployment record and its path, with no stack trace", async function () {
      const dir = mkdtempSync(join(tmpdir(), "strata-tasks-"));
      try {
        const path = join(dir, "localhost.json");
        writeFileSync(path, '{"network": "localhost", "contr');
        const run = await hardhat(["watchtower", "--network", "localhost", "--deployments-dir", dir], {
          STRATA_RPC_URL: await deadNode(),
        });
        expect(run.code).to.equal(1);
        expect(run.stderr).to.match(/^DeploymentCorruptError: the deployment record .* is not valid JSON/m);
        expect(run.stderr).to.include(path);
        expect(run.stderr + run.stdout).to.not.match(/\n\s+at /);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("tells a fresh clone to compile first, with no stack trace", async function () {
      // A fresh clone: the sources and the installed packages, nothing the compile generates.
      const clone = mkdtempSync(join(tmpdir(), "strata-fresh-"));
      try {
        for (const entry of [
          "hardhat.config.ts",
          "tsconfig.json",
          "package.json",
          "tasks",
          "src",
          "circuits",
        ]) {
          cpSync(join(REPOSITORY, entry), join(clone, entry), {
            recursive: true,
            filter: (source) => !source.startsWith(join(REPOSITORY, "circuits", "build")),
          });
        }
        symlinkSync(join(REPOSITORY, "node_modules"), join(clone, "node_modules"));
        const run = await runCommand(
          join(clone, "node_modules", ".bin", "hardhat"),
          ["deploy", "--network", "localhost"],
          {
            cwd: clone,
            env: { STRATA_RPC_URL: await deadNode() },
          },
        );
        expect(run.code).to.equal(1);
        expect(run.stderr).to.match(/^NotCompiledError: .*run `npx hardhat compile`/m);
        expect(run.stderr + run.stdout).to.not.match(/\n\s+at /);
      } finally {
        rmSync(clone, { recursive: true, force: true });
      }
    });

    it("warns about a STRATA_ variable no setting reads, naming the nearest one", async function () {
      const run = await hardhat(["sequencer", "--network", "localhost"], {
        STRATA_RPC_URL: await deadNode(),
        STRATA_SEQUENCR_PORT: "9000",
        STRATA_SEQUENCER_PORT: "abc",
      });
      expect(run.stderr).to.match(
        /WARN .*unknown environment variable STRATA_SEQUENCR_PORT.*didYouMean=STRATA_SEQUENCER_PORT/,
      );
      expect(run.code).to.equal(1);
    });
  });

  describe("against a hardhat node", function () {
    let dir: string;
    let node: ChildProcess | undefined;
    let url: string;

    before(async function () {
      dir = mkdtempSync(join(tmpdir(), "strata-tasks-node-"));
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      node = await startHardhat(["node", "--port", String(port)], {}, nodeReadiness(port), 120_000);
    });

    after(function () {
      if (node) kill(node, "SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    });

    it("deploys with the deployer's account, then serves the sequencer until a SIGTERM to its one process", async function () {
      const deployments = join(dir, "deployments");
      const deployed = await hardhat(["deploy", "--network", "localhost", "--deployments-dir", deployments], {
        STRATA_RPC_URL: url,
      });
      expect(deployed.code, deployed.stderr).to.equal(0);
      const record = JSON.parse(readFileSync(join(deployments, "localhost.json"), "utf8")) as Deployment;
      expect(record.deployer).to.equal(new Wallet(localAccountKey(LOCAL_ACCOUNTS.deployer)).address);
      expect(record.contracts).to.have.property("OptimisticRollup");

      const port = await freePort();
      const sequencer = await startHardhat(
        ["sequencer", "--network", "localhost", "--port", String(port), "--deployments-dir", deployments],
        { STRATA_RPC_URL: url, STRATA_DATA_DIR: join(dir, "data") },
        serviceReadiness(`http://127.0.0.1:${port}`),
        120_000,
      );
      const health = (await new JsonRpcClient(`http://127.0.0.1:${port}`).call("strata_health", [])) as {
        service: string;
      };
      expect(health.service).to.equal("sequencer");
      const exited = new Promise<number | null>((resolve) => sequencer.once("exit", (code) => resolve(code)));
      process.kill(sequencer.pid!, "SIGTERM"); // the process itself, not its group: no child holds the port
      expect(await exited).to.equal(0);
      expect(await answers(serviceReadiness(`http://127.0.0.1:${port}`))).to.equal(false);
    });
  });

  describe("anvil", function () {
    it("starts Anvil on the port it is given, by flag or by STRATA_ANVIL_PORT, on Strata's hardfork", async function () {
      if (!existsSync(ANVIL)) this.skip();
      for (const [args, env] of [
        [["--port", "PORT"], {}],
        [[], { STRATA_ANVIL_PORT: "PORT" }],
      ] as [string[], Record<string, string>][]) {
        const port = await freePort();
        const fill = (text: string) => text.replace("PORT", String(port));
        const child = await startHardhat(
          ["anvil", ...args.map(fill)],
          Object.fromEntries(Object.entries(env).map(([k, v]) => [k, fill(v)])),
          nodeReadiness(port),
          60_000,
        );
        try {
          const info = (await new JsonRpcClient(`http://127.0.0.1:${port}`).call("anvil_nodeInfo", [])) as {
            hardFork: string;
          };
          expect(info.hardFork.toLowerCase()).to.equal(HARDFORK);
        } finally {
          kill(child, "SIGTERM");
        }
      }
      const bad = await hardhat(["anvil"], { STRATA_ANVIL_PORT: "abc" });
      expect(bad.code).to.equal(1);
      expect(bad.stderr.trim()).to.equal(
        'ConfigError: --port / STRATA_ANVIL_PORT must be a port (1-65535), got "abc"',
      );
    });
  });
});
