// The README's "Walkthrough" section as steps a test runs (test/e2e/walkthrough.test.ts), and the rule its
// printed output is held to. The section is read as a reader reads it:
//
//   ```sh          lines a reader runs once (`npm ci`) or leaves running, each in its own terminal
//                  (`npx hardhat node`, `npx hardhat sequencer --network localhost`); `# …` comments
//   ```console     `$ command` lines, each followed by what it prints (stdout, then stderr)
//
// In printed output `…` stands for whatever varies between runs (Layer-1 hashes, block numbers, gas): on one
// line it matches any text, and a line that is `…` alone matches any number of lines.
import { COMMANDS } from "../../src/config/table";
import type { Command } from "../../src/config/table";

/** The marker of what varies between runs, in printed output. */
export const ELISION = "…";

/** Commands a reader runs once to set the clone up: the test runs in a set-up checkout, so it skips them. */
export const SETUP_COMMANDS: readonly string[] = ["npm ci", "npx hardhat compile"];

/** The command that starts the chain: the test starts its own node in its place (on a free port). */
export const NODE_COMMAND = "npx hardhat node";

/** One step of the walkthrough, in the order a reader meets it. */
export type WalkthroughStep =
  | { kind: "setup"; command: string }
  | { kind: "node"; command: string }
  /** A service left running in a terminal of its own: `task` serves JSON-RPC on its `portVariable`. */
  | { kind: "service"; command: string; task: string; portVariable: string }
  /** A command run to its end, and the lines it prints. */
  | { kind: "run"; command: string; output: string[] };

/** The section could not be read as a walkthrough. */
export class WalkthroughFormatError extends Error {
  override name = "WalkthroughFormatError";
}

/** The text of the README's section `heading` (`## <heading>`), up to the next `## ` heading. */
export function readmeSection(readme: string, heading: string): string {
  const lines = readme.split("\n");
  const start = lines.findIndex((line) => line.trim() === `## ${heading}`);
  if (start < 0) throw new WalkthroughFormatError(`the README has no section "## ${heading}"`);
  const end = lines.findIndex((line, i) => i > start && line.startsWith("## "));
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

/** The steps of a walkthrough section, in order. */
export function parseWalkthrough(section: string): WalkthroughStep[] {
  const steps: WalkthroughStep[] = [];
  const lines = section.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!fence) continue;
    const close = lines.findIndex((line, j) => j > i && line.trim() === "```");
    if (close < 0) throw new WalkthroughFormatError(`a code block opened at line ${i + 1} never closes`);
    const body = lines.slice(i + 1, close);
    if (fence[1] === "sh") steps.push(...terminalSteps(body));
    else if (fence[1] === "console") steps.push(...transcriptSteps(body, i + 1));
    else
      throw new WalkthroughFormatError(`a code block at line ${i + 1} is \`${fence[1]}\`: use sh or console`);
    i = close;
  }
  return steps;
}

/** A `sh` block: setup commands, the node, services left running. */
function terminalSteps(body: string[]): WalkthroughStep[] {
  return body
    .map((line) => line.replace(/(^|\s)#.*$/, "").trim())
    .filter((command) => command !== "")
    .map((command): WalkthroughStep => {
      if (SETUP_COMMANDS.includes(command)) return { kind: "setup", command };
      if (command === NODE_COMMAND) return { kind: "node", command };
      const task = /^npx hardhat ([a-z-]+)\b/.exec(command)?.[1];
      // A service: a command on a chain that serves JSON-RPC (a channel client's own is its rpc port).
      const service = (Object.values(COMMANDS) as unknown as Command[]).find(
        (c) => c.scope === undefined && c.chain && c.task === task && "port" in c.settings,
      );
      const port = service?.settings.rpcPort ?? service?.settings.port;
      if (task === undefined || port === undefined) {
        throw new WalkthroughFormatError(
          `\`${command}\` in a sh block is neither a setup step (${SETUP_COMMANDS.join(", ")}), ` +
            `\`${NODE_COMMAND}\` nor a service: a command to run to its end goes in a console block`,
        );
      }
      return { kind: "service", command, task, portVariable: port.env };
    });
}

/** A `console` block: `$ command` lines, each with the lines it prints. */
function transcriptSteps(body: string[], firstLine: number): WalkthroughStep[] {
  const steps: Extract<WalkthroughStep, { kind: "run" }>[] = [];
  body.forEach((line, j) => {
    if (line.startsWith("$ ")) steps.push({ kind: "run", command: line.slice(2).trim(), output: [] });
    else if (steps.length === 0) {
      throw new WalkthroughFormatError(`line ${firstLine + j + 1} prints before any \`$ command\``);
    } else steps[steps.length - 1]!.output.push(line);
  });
  for (const step of steps) step.output = trimLines(step.output);
  return steps;
}

/** Lines without trailing blanks, and without empty lines at the end. */
function trimLines(lines: string[]): string[] {
  const out = lines.map((line) => line.trimEnd());
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

/**
 * What a command printed, as lines to hold against the README's: stdout then stderr, colours removed, and
 * without npm's own warnings about the machine's npm configuration (`npm warn …`), which are not the
 * command's.
 */
export function printedLines(stdout: string, stderr: string): string[] {
  // eslint-disable-next-line no-control-regex
  const plain = (text: string) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
  const lines = [stdout, stderr].flatMap((text) =>
    text === "" ? [] : plain(text).replace(/\n$/, "").split("\n"),
  );
  return trimLines(lines.filter((line) => !/^npm warn /i.test(line)));
}

/** Whether `actual` is what `expected` shows, `…` standing for what varies (see the header). */
export function matchesPrinted(expected: readonly string[], actual: readonly string[]): boolean {
  const memo = new Map<string, boolean>();
  const match = (e: number, a: number): boolean => {
    const key = `${e}:${a}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (e === expected.length) result = a === actual.length;
    else if (expected[e]!.trim() === ELISION) {
      result = match(e + 1, a) || (a < actual.length && match(e, a + 1));
    } else {
      result = a < actual.length && lineMatches(expected[e]!, actual[a]!) && match(e + 1, a + 1);
    }
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

/** One line against one line, `…` matching any text within it. */
function lineMatches(expected: string, actual: string): boolean {
  const pattern = expected
    .split(ELISION)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*?");
  return new RegExp(`^${pattern}$`).test(actual);
}

/** `text` with the network name the README uses replaced by `network` (`--network anvil`, `anvil.json`). */
export function onNetwork(text: string, network: string): string {
  return text.replace(/\blocalhost\b/g, network);
}
