// Payments per second over a payment channel: two client PROCESSES on this machine, a payer and a payee,
// talking over a loopback WebSocket. Every payment is a state co-signed by both (EIP-712, libsecp256k1)
// and stored durably by both (fsynced group commit) before it counts. The payer keeps WINDOW payments
// in flight. No chain: the channel's domain names a chain id and an adjudicator address, nothing more.
//
// This file is also the child processes' entry point (STRATA_CHANNEL_BENCH_ROLE = payee | payer). A
// child tells the parent what it has to say as typed messages over Node's IPC channel (`ChildMessage`:
// the payee's URL, the payer's report), never through its output.
import type { ChildProcess } from "node:child_process";
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { id } from "ethers";
import { keySigner } from "../channels/channel";
import { ChannelClient } from "../channels/client";
import { ChannelDomain } from "../channels/eip712";
import { ChannelStore } from "../channels/store";
import { ETH } from "../channels/types";
import type { ChannelParams } from "../channels/types";
import { createLogger } from "../common/logger";
import { BenchRunError } from "./errors";
import type { Figures } from "./figures";
import { median } from "./figures";

/** Payments per timed round, timed rounds (after one warm-up round), payments in flight. */
const PAYMENTS = Number(process.env.STRATA_CHANNEL_BENCH_PAYMENTS ?? 5_000);
const ROUNDS = 3;
const WINDOW = Number(process.env.STRATA_CHANNEL_BENCH_WINDOW ?? 256);
const ROLE_VARIABLE = "STRATA_CHANNEL_BENCH_ROLE";

const PAYER_KEY = id("strata channel bench payer");
const PAYEE_KEY = id("strata channel bench payee");
const DOMAIN = new ChannelDomain(31337n, "0x00000000000000000000000000000000000c4a11");

const log = createLogger({ scope: "bench:channels" });

interface PayerReport {
  rates: number[];
  payments: number;
  fsyncs: number;
}

/** What a child sends its parent. */
type ChildMessage = { type: "listening"; url: string } | { type: "report"; report: PayerReport };

export async function benchChannelThroughput(): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), "strata-channel-bench-"));
  const payee = startChild("payee", { STRATA_CHANNEL_BENCH_DIR: join(dir, "payee") });
  try {
    const { url } = await payee.message("listening");
    const payer = startChild("payer", {
      STRATA_CHANNEL_BENCH_DIR: join(dir, "payer"),
      STRATA_CHANNEL_BENCH_URL: url,
    });
    const { report } = await payer.message("report");
    await payer.exited;
    log.info("payments", {
      rates: report.rates.map(Math.round).join(" "),
      fsyncs: report.fsyncs,
      window: WINDOW,
    });
    return {
      "channels.paymentsPerSec": median(report.rates),
      "channels.paymentsPerFsync": Math.round(report.payments / Math.max(report.fsyncs, 1)),
    };
  } finally {
    payee.child.kill("SIGTERM");
    await payee.exited.catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

// -------------------------------------------------------------------------------------------------
// The parent's side
// -------------------------------------------------------------------------------------------------

interface Child {
  child: ChildProcess;
  /** Resolves with the first message of `type` the child sends. */
  message<T extends ChildMessage["type"]>(type: T): Promise<Extract<ChildMessage, { type: T }>>;
  exited: Promise<void>;
}

/** This file as a child process in `role`, compiled on the fly by ts-node (transpile only), with IPC. */
function startChild(role: "payer" | "payee", env: Record<string, string>): Child {
  const child = fork(__filename, [], {
    execArgv: ["-r", "ts-node/register/transpile-only"],
    env: { ...process.env, ...env, [ROLE_VARIABLE]: role },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const received: ChildMessage[] = [];
  const waiting = new Set<() => void>();
  child.on("message", (message: ChildMessage) => {
    received.push(message);
    for (const wake of waiting) wake();
  });
  const exited = new Promise<void>((resolve, reject) =>
    child.once("exit", (code, signal) =>
      code === 0 || signal === "SIGTERM"
        ? resolve()
        : reject(new BenchRunError(`${role} exited with ${code ?? signal}`)),
    ),
  );
  return {
    child,
    exited,
    message: <T extends ChildMessage["type"]>(type: T) =>
      new Promise<Extract<ChildMessage, { type: T }>>((resolve, reject) => {
        const find = () => received.find((m): m is Extract<ChildMessage, { type: T }> => m.type === type);
        const wake = () => {
          const found = find();
          if (found) {
            waiting.delete(wake);
            resolve(found);
          }
        };
        waiting.add(wake);
        wake();
        exited.then(() => reject(new BenchRunError(`${role} exited before its "${type}" message`)), reject);
      }),
  };
}

/** Sends the parent `message` (a child has an IPC channel: it was forked); resolves once it is sent. */
function tellParent(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) =>
    process.send!(message, undefined, {}, (error) => (error ? reject(error) : resolve())),
  );
}

// -------------------------------------------------------------------------------------------------
// The children's side
// -------------------------------------------------------------------------------------------------

async function openClient(key: string): Promise<{ client: ChannelClient; store: ChannelStore }> {
  const store = await ChannelStore.open(join(process.env.STRATA_CHANNEL_BENCH_DIR!, "channels.jsonl"));
  const client = ChannelClient.create({
    signer: keySigner(DOMAIN, key),
    store,
    logger: log.child(process.pid.toString()),
  });
  return { client, store };
}

/** Serves payments until SIGTERM. */
async function runPayee(): Promise<void> {
  const { client, store } = await openClient(PAYEE_KEY);
  const listener = await client.listen();
  await tellParent({ type: "listening", url: listener.url });
  await new Promise((resolve) => process.once("SIGTERM", resolve));
  await client.close();
  await store.close();
  process.disconnect();
}

/** Opens a channel to the payee, pays in rounds, closes it cooperatively (off-chain), reports. */
async function runPayer(): Promise<void> {
  const { client, store } = await openClient(PAYER_KEY);
  const link = await client.connect(process.env.STRATA_CHANNEL_BENCH_URL!);
  const payee = keySigner(DOMAIN, PAYEE_KEY).address;
  const params: ChannelParams = {
    participants: [client.address, payee],
    nonce: BigInt(Date.now()),
    challengeDuration: 3600,
  };
  const funding = BigInt(PAYMENTS) * BigInt(ROUNDS + 1);
  const opened = await client.open(link, params, [{ asset: ETH, balances: [funding, 0n] }]);
  const channelId = opened.state.channelId;
  const fsyncsBefore = store.fsyncs;
  const rates: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const start = process.hrtime.bigint();
    await payMany(client, channelId, PAYMENTS, WINDOW);
    const rate = PAYMENTS / (Number(process.hrtime.bigint() - start) / 1e9);
    if (round > 0) rates.push(rate);
  }
  const report: PayerReport = {
    rates,
    payments: PAYMENTS * (ROUNDS + 1),
    fsyncs: store.fsyncs - fsyncsBefore,
  };
  await client.finalize(channelId);
  await tellParent({ type: "report", report });
  await client.close();
  await store.close();
  process.disconnect();
}

/** `n` payments of 1 wei, `window` in flight at a time. */
function payMany(client: ChannelClient, channelId: string, n: number, window: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const pump = () => {
      while (sent < n && sent - done < window) {
        sent++;
        client.pay(channelId, 1n).then(() => (++done === n ? resolve() : pump()), reject);
      }
    };
    pump();
  });
}

if (require.main === module && process.env[ROLE_VARIABLE]) {
  const role = process.env[ROLE_VARIABLE];
  (role === "payee" ? runPayee() : runPayer()).catch((error: unknown) => {
    log.error("bench child failed", { role, error: String(error), stack: (error as Error).stack });
    process.exit(1);
  });
}
