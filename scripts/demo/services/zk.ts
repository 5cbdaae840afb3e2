// The zk flow on a node, with the operator as a separate process: the same two parts as
// scripts/demo/zk-flow.ts (the same story, `runZkStory`, the same verbs and refusals), but the operator is
// the `zk:operator` service, started exactly as `npm run zk:operator` starts it, and this process plays the
// users (Alice, Bob, Carol) and the verifier nodes.
//
// Part 1, deposit → transfer → submitBatch (proof verified) → withdraw → claim: Alice and Bob deposit
// through the bridge; the operator process pulls the deposits from Layer 1 on its own, proves each batch
// and submits it; the users send their signed transfers and Bob's withdrawal over JSON-RPC
// (ZkOperatorClient), and the operator refuses a replay, a replayed nonce and an overdraft by name. The
// demo waits (a progress line naming the batch being proven) until each transaction is "verified", reads
// the proving times from the operator's JSON log, and reads everything else back from Layer 1: Bob's
// withdrawal is credited by the batch that verified it and he claims it; a verifier node rebuilt from
// Layer 1 agrees with the root and with the operator's balances.
//
// Part 2, the operator stops → exodus: the operator accepts a transfer from Alice and the demo kills its
// process with SIGKILL before it batches it; Carol deposits and no operator consumes her deposit. After
// the exodus delay (evm_increaseTime) Carol activates exodus; every owner exits with a Merkle proof built
// from the state rebuilt from Layer 1 and gets exactly their Layer-2 balance; Carol's deposit is credited
// back and claimed. Anyone may submit a batch, so Alice proves her own transfer on a prover of her own
// and offers it: refused. The operator process starts again on its journal, reads ExodusActivated from
// Layer 1 and refuses Bob's next transfer by name.
//
// Accounts: the users are the demo's parties; the operator service signs with the local account
// ZK_OPERATOR_ACCOUNT (8), which the demo never uses itself. Its JSON-RPC port is a free one unless given.
import type { ChildProcess } from "node:child_process";
import type { Readable } from "node:stream";
import { Wallet } from "ethers";
import type { Deployment } from "../../../src/common/deployments";
import { pollUntil } from "../../../src/common/json-rpc";
import type { LogFields } from "../../../src/common/logger";
import { withProgress } from "../../../src/common/progress";
import { ZkProver } from "../../../src/zk/prover";
import { ZkOperatorClient } from "../../../src/zk/rpc-server";
import type { Narrator } from "../../../src/demo/narrator";
import { short } from "../../../src/demo/narrator";
import type { ServiceSet, ServiceSpec } from "../../../src/common/processes";
import { freePort, localAccountKey } from "../../../src/common/processes";
import type { ZkOperatorSide, ZkStage, ZkStoryResult, ZkUsers } from "../zk-flow";
import { ZkFlowError, ZkProvingWatch, createZkStage, demoLogger, runZkStory } from "../zk-flow";

/** The local account (hardhat node, Anvil) whose key the operator service signs `submitBatch` with. */
export const ZK_OPERATOR_ACCOUNT = 8;

/** The name of the operator service in the ServiceSet (its log: `<dataDir>/zk-operator.log`). */
export const ZK_OPERATOR_SERVICE = "zk-operator";

/** The users: the operator is a service with its own account. */
export type ZkServicesParties = ZkUsers;

/** The in-process flow's result, less the prover's load time (the operator's process loads its prover). */
export type ZkServicesResult = ZkStoryResult;

export interface ZkServicesOptions {
  /** The operator's JSON-RPC port (default: a free one). */
  operatorPort?: number;
  /** The local account whose key the operator gets (default ZK_OPERATOR_ACCOUNT). */
  operatorAccount?: number;
  /** How long one transaction may take to be proven and verified (default 180 s). */
  verifyTimeoutMs?: number;
}

export async function runZkServices(
  deployment: Deployment,
  parties: ZkServicesParties,
  say: Narrator,
  services: ServiceSet,
  options: ZkServicesOptions = {},
): Promise<ZkServicesResult> {
  const stage = await createZkStage(deployment, parties, say);
  // The profile the operator process proves with: its own default unless the user chose one.
  const watch = new ZkProvingWatch(process.env.STRATA_ZK_PROFILE ?? "test");
  const operator = await startOperatorService(stage, services, watch, options, say);
  try {
    return await runZkStory(stage, operator, watch, say);
  } finally {
    await operator.close();
  }
}

// -------------------------------------------------------------------------------------------------
// The operator as a service
// -------------------------------------------------------------------------------------------------

async function startOperatorService(
  stage: ZkStage,
  services: ServiceSet,
  watch: ZkProvingWatch,
  options: ZkServicesOptions,
  say: Narrator,
): Promise<ZkOperatorSide> {
  const port = options.operatorPort ?? (await freePort());
  const account = options.operatorAccount ?? ZK_OPERATOR_ACCOUNT;
  const key = localAccountKey(account);
  const spec: ServiceSpec = {
    script: "zk-operator.ts",
    env: {
      STRATA_ZK_OPERATOR_KEY: key,
      STRATA_ZK_OPERATOR_HOST: "127.0.0.1",
      STRATA_ZK_OPERATOR_PORT: String(port),
      STRATA_ZK_PROFILE: watch.profile,
      STRATA_ZK_MAX_BATCH_AGE_MS: "1000",
      // Its "proving batch" / "proved batch" events, as JSON lines, feed the watch.
      STRATA_LOG_LEVEL: "info",
      STRATA_LOG_FORMAT: "json",
    },
    url: `http://127.0.0.1:${port}`,
  };
  const command = `hardhat run scripts/zk-operator.ts --network ${services.network}`;
  const start = async (why: string): Promise<ChildProcess> => {
    const child = await withProgress(`${why} (${command})`, () => services.start(ZK_OPERATOR_SERVICE, spec), {
      hint: "it loads its prover and rebuilds from Layer 1",
    });
    feedWatch(child, watch);
    return child;
  };

  const child = await start("starting the zk operator");
  const url = `http://127.0.0.1:${port}`;
  const client = new ZkOperatorClient(url);
  const log = services.logFile(ZK_OPERATOR_SERVICE);
  say.note(
    `the operator runs as its own process (${command}, pid ${child.pid}): account #${account} ` +
      `${short(new Wallet(key).address)} sends submitBatch, users reach it over JSON-RPC at ${url}`,
  );
  say.note(
    `it proves with a warm "${watch.profile}" prover, journals accepted spends in ${services.dataDir} and ` +
      `rebuilds everything else from Layer 1; its log: ${log}`,
  );

  const timeoutMs = options.verifyTimeoutMs ?? 180_000;
  let stopped = false;
  return {
    submit: (encodedTx) => client.sendTransaction(encodedTx),
    account: (index) => client.getAccount(index),
    findAccount: (owner, tokenId) => client.findAccount(owner, tokenId),
    receipt: (hash) => client.getReceipt(hash),

    async settle(hashes) {
      const batches = new Set<number>();
      for (const hash of hashes) {
        try {
          const receipt = await client.waitForStatus(hash, "verified", { timeoutMs, pollMs: 200 });
          batches.add(receipt.batchIndex!);
        } catch (error) {
          throw new ZkFlowError(`the operator did not get ${hash} verified; its log: ${log}`, {
            cause: error,
          });
        }
      }
      // Its log reaches this process through a pipe: the proving times follow shortly if not yet here.
      await pollUntil(
        async () => [...batches].every((b) => watch.provingMs(b) !== undefined),
        (known) => known,
        () => new ZkFlowError(`the operator's log reported no proving time for batches ${[...batches]}`),
        { timeoutMs: 10_000, pollMs: 50 },
      );
    },

    async stop() {
      stopped = true;
      await services.stop(ZK_OPERATOR_SERVICE, "SIGKILL");
    },

    async resume() {
      await start("starting the zk operator again on its journal");
      stopped = false;
    },

    // The operator's prover died with its process: a user proves with a prover of her own.
    async prove(input) {
      const prover = await ZkProver.load({ profile: watch.profile, logger: demoLogger("demo:zk") });
      try {
        return await prover.prove(input);
      } finally {
        await prover.close();
      }
    },
    lateSubmitter: stage.users.alice,

    words: {
      stopped: "the demo kills the operator's process (SIGKILL)",
      lateBatch: "anyone may submit a batch, and Alice tries it on a prover of her own",
      resumed: "the operator's process starts again on its journal and reads ExodusActivated from Layer 1",
    },

    async close() {
      if (!stopped) await services.stop(ZK_OPERATOR_SERVICE);
      stopped = true;
    },
  };
}

/** Feeds the operator's JSON log lines (stdout and stderr) to `watch`. */
function feedWatch(child: ChildProcess, watch: ZkProvingWatch): void {
  for (const stream of [child.stdout, child.stderr]) if (stream) readLogLines(stream, watch);
}

function readLogLines(stream: Readable, watch: ZkProvingWatch): void {
  let rest = "";
  stream.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      const event = parseLogLine(line);
      if (event) watch.observe(event.message, event);
    }
  });
}

/** A line of the JSON logger (`STRATA_LOG_FORMAT=json`), or undefined for anything else it printed. */
function parseLogLine(line: string): (LogFields & { message: string }) | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    if (value && typeof value === "object" && typeof (value as LogFields).message === "string") {
      return value as LogFields & { message: string };
    }
  } catch {
    // not a log line
  }
  return undefined;
}
