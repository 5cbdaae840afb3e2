// `npx hardhat anvil [--port 8600]` (npm run anvil -- --port 8600, or STRATA_ANVIL_PORT): Anvil, the second
// local node, on 127.0.0.1 (`--network anvil` follows STRATA_ANVIL_PORT). Anvil comes from the optional
// dependency @foundry-rs/anvil-linux-amd64 (Linux x64). It runs as this process's child: SIGINT and SIGTERM
// are passed on, and this process exits with it.
import { strataTask } from "./strata-task";

strataTask("anvil", async (s) => {
  const [{ spawn }, { existsSync }, { ANVIL, AnvilMissingError, anvilArgs }] = await Promise.all([
    import("node:child_process"),
    import("node:fs"),
    import("../src/common/processes"),
  ]);
  if (!existsSync(ANVIL)) {
    throw new AnvilMissingError(
      `no Anvil at ${ANVIL}: npm installs it on Linux x64 only (@foundry-rs/anvil-linux-amd64)`,
    );
  }
  const child = spawn(ANVIL, anvilArgs(s.port), { stdio: "inherit" });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward("SIGINT");
  const onTerm = forward("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    const code = await new Promise<number>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (exitCode, signal) => resolve(exitCode ?? (signal === null ? 1 : 0)));
    });
    process.exitCode = code;
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
});
