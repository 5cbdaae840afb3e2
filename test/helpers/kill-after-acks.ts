// Crash tests of what keeps its state in files (the journal, the channel store): a child process writes
// pipelined and acknowledges each write to its parent over the IPC channel (`process.send({ ack: n })`)
// once it resolved; it is killed with SIGKILL in the middle of writing more.
import { spawn } from "node:child_process";

/**
 * Runs `code` (JavaScript, with ts-node so it may require `src/` files) in a child process and kills it
 * with SIGKILL after `after` acknowledgements. Returns the highest `n` it acknowledged.
 */
export function killAfterAcks(code: string, after: number): Promise<bigint> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", code], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let acked = 0n;
    let count = 0;
    child.on("message", (message: { ack?: string }) => {
      if (message.ack === undefined) return;
      const n = BigInt(message.ack);
      if (n > acked) acked = n;
      if (++count === after) child.kill("SIGKILL");
    });
    child.once("exit", (_code, signal) =>
      signal === "SIGKILL" ? resolve(acked) : reject(new Error(`child exited: ${signal}`)),
    );
  });
}
