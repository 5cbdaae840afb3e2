// The README's "Walkthrough", run as written: its node, its services left running in their own terminals
// (ready once `strata_health` answers), and every `$ command` of it, each run exactly as written (through a
// shell, `npx` and all) with what it prints held to what the README shows, `…` standing for what varies
// between runs. Only the node's URL, the services' ports and the directories differ from a reader's run,
// through their STRATA_* variables. Then the same on Anvil, with `--network anvil` for `--network localhost`.
// A README edit that breaks a command or its output fails here.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { REPOSITORY, freePort, serviceReadiness, startProcess, stopGroup } from "../../src/common/processes";
import { runShellLine } from "../helpers/commands";
import type { DemoNode } from "../helpers/demo-services";
import { ANVIL_NODE, HARDHAT_NODE } from "../helpers/demo-services";
import type { WalkthroughStep } from "../helpers/readme-walkthrough";
import {
  matchesPrinted,
  onNetwork,
  parseWalkthrough,
  printedLines,
  readmeSection,
} from "../helpers/readme-walkthrough";

/** The service that serves each rollup's wallet verbs (`--rollup`, default optimistic). */
const OPERATOR_OF_ROLLUP: Readonly<Record<string, string>> = { optimistic: "sequencer", zk: "zk-operator" };

/**
 * Runs `steps` on `node` in a directory of their own; resolves with what differed from the README (one
 * text per command whose output did not match), and fails at once on a command that does not succeed.
 */
async function walkThrough(steps: WalkthroughStep[], node: DemoNode): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), `strata-walkthrough-${node.network}-`));
  const env: Record<string, string> = {
    STRATA_DEPLOYMENTS_DIR: join(dir, "deployments"),
    STRATA_DATA_DIR: join(dir, "data"),
  };
  const running: ChildProcess[] = [];
  const services = new Map<string, string>();
  const differences: string[] = [];
  try {
    for (const step of steps) {
      const command = onNetwork(step.command, node.network);
      if (step.kind === "setup") continue;
      if (step.kind === "node") {
        const port = await freePort();
        running.push(await node.start(port));
        env[node.urlVariable] = `http://127.0.0.1:${port}`;
      } else if (step.kind === "service") {
        const port = await freePort();
        env[step.portVariable] = String(port);
        const url = `http://127.0.0.1:${port}`;
        running.push(
          await startProcess("sh", ["-c", command], env, serviceReadiness(url), {
            timeoutMs: 120_000,
            logFile: join(dir, `${step.task}.log`),
          }),
        );
        services.set(step.task, url);
      } else {
        // A wallet verb talks to the operator of its rollup, wherever the test started it.
        const rollup = /--rollup\s+(\S+)/.exec(command)?.[1] ?? "optimistic";
        const operator = / wallet /.test(command)
          ? services.get(OPERATOR_OF_ROLLUP[rollup] ?? "")
          : undefined;
        const run = await runShellLine(command, {
          env: { ...env, ...(operator === undefined ? {} : { STRATA_WALLET_OPERATOR_URL: operator }) },
          timeoutMs: 300_000,
        });
        const before =
          differences.length > 0 ? `after these differences:\n\n${differences.join("\n\n")}\n\n` : "";
        expect(run.code, `${before}$ ${command}\n${run.stdout}${run.stderr}`).to.equal(0);
        const expected = step.output.map((line) => onNetwork(line, node.network));
        const printed = printedLines(run.stdout, run.stderr);
        if (!matchesPrinted(expected, printed)) {
          differences.push(
            `$ ${command}\n-- the README shows:\n${expected.join("\n")}\n-- it printed:\n${printed.join("\n")}`,
          );
        }
      }
    }
  } finally {
    for (const child of running.reverse()) await stopGroup(child);
    rmSync(dir, { recursive: true, force: true });
  }
  return differences;
}

describe("the README's walkthrough, run as written", function () {
  // Read when a test or hook runs: a section that does not parse fails them by name, not the file's loading.
  let parsed: WalkthroughStep[] | undefined;
  const walkthrough = () =>
    (parsed ??= parseWalkthrough(
      readmeSection(readFileSync(join(REPOSITORY, "README.md"), "utf8"), "Walkthrough"),
    ));

  describe("reading it", function () {
    it("finds the node, the two rollups' operators left running, and commands with what they print", function () {
      const steps = walkthrough();
      expect(steps.filter((s) => s.kind === "node")).to.have.length(1);
      expect(steps.filter((s) => s.kind === "service").map((s) => s.command)).to.deep.equal([
        "npx hardhat sequencer --network localhost",
        "npx hardhat zk-operator --network localhost",
      ]);
      expect(steps.filter((s) => s.kind === "run").length).to.be.greaterThan(10);
    });

    it("holds output to the README line by line, `…` standing only for what varies", function () {
      const shown = ['  "hash": "0x…",', '  "amount": "500000000000000000",', "…", "}"];
      const printed = ['  "hash": "0x5bb8f243",', '  "amount": "500000000000000000",', '  "nonce": 1,', "}"];
      expect(matchesPrinted(shown, printed)).to.equal(true);
      // Anything the README shows unelided is held to: one digit off, a line more or less.
      const otherAmount = printed.map((line) => line.replace("500", "600"));
      expect(matchesPrinted(shown, otherAmount)).to.equal(false);
      expect(matchesPrinted(shown.slice(0, 2), printed.slice(0, 3))).to.equal(false);
      expect(matchesPrinted(shown, printed.slice(0, 2))).to.equal(false);
      // A line of `…` alone stands for any number of lines, none included.
      expect(matchesPrinted(shown, [...printed.slice(0, 2), "}"])).to.equal(true);
    });
  });

  // Both nodes side by side, each with its own node, services, ports and directories: a walkthrough is a
  // row of short single-threaded processes, so two share a 2-core machine well (both took about 1.5 min
  // here, on a machine busy with other tests).
  const NODES = [HARDHAT_NODE, ANVIL_NODE];
  const runs = new Map<string, Promise<string[]>>();
  before(function () {
    for (const node of NODES.filter((n) => n.available())) {
      const run = walkThrough(walkthrough(), node);
      // Awaited by the node's test; this keeps a failure before then from being an unhandled rejection.
      run.catch(() => undefined);
      runs.set(node.network, run);
    }
  });
  after(async function () {
    this.timeout(600_000);
    await Promise.allSettled(runs.values());
  });

  for (const node of NODES) {
    it(`runs as written on ${node.name} (--network ${node.network})`, async function () {
      const run = runs.get(node.network);
      if (run === undefined) this.skip();
      this.timeout(600_000);
      const differences = await run;
      expect(differences, differences.join("\n\n")).to.deep.equal([]);
    });
  }
});
