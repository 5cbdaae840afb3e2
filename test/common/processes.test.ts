// startProcess reads a process's output until its pipes close, not only until it exits: what the processes
// it started print after it exited (`npm run x` is npm → sh → hardhat → node, and the service logs its
// last lines after npm is gone) reaches the error and the log file.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import type { RpcServer } from "../../src/common/json-rpc";
import { startJsonRpcServer } from "../../src/common/json-rpc";
import { createLogger } from "../../src/common/logger";
import {
  ProcessExitedError,
  ServiceStartError,
  freePort,
  nodeReadiness,
  processEnded,
  serviceReadiness,
  startProcess,
} from "../../src/common/processes";
import { useTempDir } from "../helpers/temp-dir";

/** A shell that prints a line, leaves a child that prints "the last line" after it, and exits `code`. */
const leavesALastLine = (code: number) => [
  "-c",
  `echo first; (sleep 0.3; echo the last line) & exit ${code}`,
];

describe("startProcess", function () {
  this.timeout(20_000);
  const dir = useTempDir("strata-processes-", []);

  it("rejects with ProcessExitedError, its exit code and all it printed, to what its children print after it exited", async function () {
    const log = join(dir(), "early.log");
    const started = startProcess("sh", leavesALastLine(3), {}, nodeReadiness(await freePort()), {
      logFile: log,
    });
    const error = (await started.then(
      () => expect.fail("a process that never serves was taken as ready"),
      (e: unknown) => e,
    )) as ProcessExitedError;
    expect(error).to.be.instanceOf(ProcessExitedError);
    expect(error.end).to.deep.equal({ code: 3, signal: null });
    expect(error.output).to.equal("first\nthe last line\n");
    expect(error.message).to.match(
      /^sh -c echo first;.* exited \(3\) before it was ready:\nfirst\nthe last line\n$/,
    );
    expect(readFileSync(log, "utf8")).to.equal("first\nthe last line\n");
  });

  it("keeps a ready process's log to its last line: processEnded resolves once the log holds it", async function () {
    const server: RpcServer = await startJsonRpcServer({}, new Map(), {
      logger: createLogger({ level: "silent" }),
    });
    try {
      const log = join(dir(), "ready.log");
      const child = await startProcess(
        "sh",
        ["-c", "echo serving; sleep 0.2; (sleep 0.3; echo the last line) & exit 0"],
        {},
        serviceReadiness(server.url),
        { logFile: log },
      );
      expect(await processEnded(child)).to.deep.equal({ code: 0, signal: null });
      expect(readFileSync(log, "utf8")).to.equal("serving\nthe last line\n");
    } finally {
      await server.close();
    }
  });

  it("rejects with ServiceStartError when the command cannot start", async function () {
    const missing = join(dir(), "no-such-command");
    await expect(startProcess(missing, [], {}, nodeReadiness(await freePort()))).to.be.rejectedWith(
      ServiceStartError,
      `no-such-command could not start: spawn ${missing} ENOENT`,
    );
  });
});
