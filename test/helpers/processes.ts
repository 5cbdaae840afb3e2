// Hardhat CLI processes for the tests that kill and restart real services (`hardhat node`, an operator).
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { join } from "node:path";

export const HARDHAT = join(__dirname, "..", "..", "node_modules", ".bin", "hardhat");

/** Kills a process started by `startHardhat` and everything in its group. */
export function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** Spawns `hardhat <args>` and resolves once its output contains `ready` (rejects after `timeoutMs`). */
export function startHardhat(
  args: string[],
  env: Record<string, string>,
  ready: string,
  timeoutMs = 60_000,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // Its own process group, so that a kill reaches whatever the CLI starts under it.
    const child = spawn(HARDHAT, args, { env: { ...process.env, ...env }, stdio: "pipe", detached: true });
    let output = "";
    const timer = setTimeout(
      () => reject(new Error(`no "${ready}" within ${timeoutMs / 1000} s:\n${output}`)),
      timeoutMs,
    );
    const watch = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on("data", watch);
    child.stderr!.on("data", watch);
    child.once("exit", (code) => reject(new Error(`exited with ${code} before "${ready}":\n${output}`)));
  });
}
