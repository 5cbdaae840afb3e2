// Commands run as a user runs them, each a process of its own run to its end: a Hardhat task
// (`hardhat wallet balance …`), or a line of a shell (`npx hardhat … | …`, as the README's walkthrough has
// them). Each starts from this process's environment without its STRATA_* variables, so that only what a
// test gives it configures it, and runs in its own process group, killed whole when it overruns.
import { spawn } from "node:child_process";
import { HARDHAT, REPOSITORY, kill } from "../../src/common/processes";

/** What a command printed, and how it ended. */
export interface CommandRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunCommandOptions {
  /** STRATA_* settings (and anything else) on top of the cleaned environment. */
  env?: Record<string, string>;
  /** Kills the command's process group and rejects after this long (default 120 s). */
  timeoutMs?: number;
  /** Where it runs (default: the repository). */
  cwd?: string;
}

/** This process's environment without its STRATA_* variables, with `extra` on top. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("STRATA_")),
  );
  return { ...clean, ...extra };
}

/** Runs `file <args>` in the repository to its end. */
export function runCommand(
  file: string,
  args: string[],
  options: RunCommandOptions = {},
): Promise<CommandRun> {
  const { env = {}, timeoutMs = 120_000, cwd = REPOSITORY } = options;
  const what = [file, ...args].join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env: cleanEnv(env), stdio: "pipe", detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      kill(child, "SIGKILL");
      reject(new Error(`${what} did not end within ${timeoutMs / 1000} s:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // `close`, not `exit`: the streams are read to their end.
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `hardhat <args>` (the project's own Hardhat) to its end. */
export function runHardhat(args: string[], options: RunCommandOptions = {}): Promise<CommandRun> {
  return runCommand(HARDHAT, args, options);
}

/** Runs one line of a shell (`sh -c <line>`), exactly as written, to its end. */
export function runShellLine(line: string, options: RunCommandOptions = {}): Promise<CommandRun> {
  return runCommand("sh", ["-c", line], options);
}
