/**
 * Every setting of every Strata command, once: its flag (`--port`, the key's kebab-case), its environment
 * mirror (`STRATA_SEQUENCER_PORT`), its default, its kind of value and a one-line description. The
 * Hardhat tasks (tasks/) build their parameters and `--help` from it, `loadSettings` (./load.ts) reads and
 * checks it (flag > environment > default), and the README's settings table is generated from it
 * (./markdown.ts; a test compares). No entry point holds a default of its own.
 *
 * Every service has its own default port and its own account of the local chain's default mnemonic
 * (`LOCAL_ACCOUNTS`, 0-9: Anvil unlocks ten), and none is one the demo plays a user with.
 */
import { join } from "node:path";
import { formatEther } from "ethers";
import profiles from "../../circuits/profiles.json";
import { DEMO_DATA_MODES, DEMO_FLOWS, DEMO_NETWORKS } from "../demo/flows";
import type { Kind } from "./kinds";
import {
  account,
  address,
  amount,
  block,
  boolean,
  bytes32,
  bytes32List,
  count,
  countList,
  ether,
  host,
  httpUrl,
  listOf,
  milliseconds,
  gwei,
  oneOf,
  path,
  peerList,
  serviceList,
  port,
  privateKey,
  seconds,
  text,
  wsUrl,
} from "./kinds";

/** The chains whose default accounts a command may sign with when it is given no key. */
export const LOCAL_NETWORKS = ["hardhat", "localhost", "anvil"] as const;

export function isLocalNetwork(network: string): boolean {
  return (LOCAL_NETWORKS as readonly string[]).includes(network);
}

/**
 * Who signs with which default account of a local chain (`hardhat node` and Anvil share the mnemonic;
 * Anvil unlocks accounts 0-9). The services' `--account` defaults are these; the demo plays its users
 * with the others (src/demo/*.ts), so a demo never signs with a running service's account.
 */
export const LOCAL_ACCOUNTS = {
  deployer: 0,
  sequencer: 1,
  challenger: 2,
  watchtower: 7,
  zkOperator: 8,
  channelClient: 9,
} as const;

/**
 * The local accounts the sidechain's validators sign with (`sidechain-deploy` stakes them; each `validator`
 * is given one): beyond Anvil's ten, so `sidechain-deploy` funds them on Layer 1 from the deployer, and the
 * sidechain's own node funds twenty (src/sidechain/node.ts).
 */
export const SIDECHAIN_VALIDATOR_ACCOUNTS = [10, 11, 12, 13] as const;

/** The demo's users (src/demo/*.ts: signersAt), next to the services' accounts; the deployer is #0. */
export const DEMO_USER_ACCOUNTS = { alice: 3, bob: 4, mallory: 5, carol: 6 } as const;

/** How many default accounts Anvil unlocks (hardhat node: 20): every default fits. */
export const LOCAL_ACCOUNT_COUNT = 10;

/** Where the repository is: the defaults that name a place in it resolve against it. */
export const REPOSITORY_ROOT = join(__dirname, "..", "..");

/** The circuit profiles of circuits/profiles.json. */
export const ZK_PROFILES = Object.keys(profiles) as [string, ...string[]];

/** The bench's suites (src/bench/run.ts BENCH_SUITES) and the comparison's designs (DESIGN_GROUPS). */
export const BENCH_SUITE_NAMES = [
  "shared",
  "bridge",
  "optimistic",
  "channels",
  "channels-offchain",
  "zk",
  "sidechain",
] as const;
export const COMPARE_DESIGN_NAMES = ["l1", "optimistic", "channels", "zk", "sidechain", "layer3"] as const;

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;

// -------------------------------------------------------------------------------------------------
// Settings
// -------------------------------------------------------------------------------------------------

/** What a computed default depends on. */
export interface DefaultContext {
  network: string;
  env: NodeJS.ProcessEnv;
}

/** A default that depends on the network or another variable: its text in the docs, and its value. */
export interface ComputedDefault {
  text: string;
  value(ctx: DefaultContext): string | undefined;
}

/** One setting. `T` includes `undefined` when it has no default. */
export interface Setting<T = unknown> {
  /** Its environment mirror. */
  readonly env: string;
  /** Whether it has a flag (false: the environment only, e.g. a node URL Hardhat's config reads). */
  readonly flag: boolean;
  readonly kind: Kind<NonNullable<T>>;
  /** As a user would type it (parsed by `kind` like any other value), or computed. */
  readonly default?: string | ComputedDefault;
  /** It has no default, and the command cannot run without it. */
  readonly required?: boolean;
  readonly description: string;
}

function setting<T>(
  kind: Kind<T>,
  env: string,
  description: string,
  defaultValue: string | ComputedDefault,
  options: { flag?: boolean } = {},
): Setting<T> {
  return {
    env,
    flag: options.flag ?? true,
    kind: kind as Kind<NonNullable<T>>,
    default: defaultValue,
    description,
  };
}

function optional<T>(
  kind: Kind<T>,
  env: string,
  description: string,
  options: { flag?: boolean; default?: ComputedDefault } = {},
): Setting<T | undefined> {
  return {
    env,
    flag: options.flag ?? true,
    kind: kind as Kind<NonNullable<T>>,
    default: options.default,
    description,
  };
}

/** A setting with no default that the command needs. */
function required<T>(kind: Kind<T>, env: string, description: string): Setting<T> {
  return { env, flag: true, kind: kind as Kind<NonNullable<T>>, required: true, description };
}

// Shared by several commands (one object each: the README lists it once).

const logLevel = setting(
  oneOf(LOG_LEVELS),
  "STRATA_LOG_LEVEL",
  "the lowest level of log line printed",
  "info",
);
const logFormat = setting(oneOf(["text", "json"]), "STRATA_LOG_FORMAT", "log lines as text or JSON", "text");
const deploymentsDir = setting(
  path,
  "STRATA_DEPLOYMENTS_DIR",
  "where deployments/<network>.json is read and written",
  { text: "deployments/", value: () => join(REPOSITORY_ROOT, "deployments") },
);
const dataDir = setting(path, "STRATA_DATA_DIR", "the service's journal, store and lock", {
  text: ".strata/<network>",
  value: ({ network }) => join(".strata", network),
});
const rpcUrl = setting(
  httpUrl,
  "STRATA_RPC_URL",
  "the node of `--network localhost`",
  "http://127.0.0.1:8545",
  {
    flag: false,
  },
);
const anvilUrl = setting(
  httpUrl,
  "STRATA_ANVIL_URL",
  "the node of `--network anvil`",
  {
    text: "http://127.0.0.1:<STRATA_ANVIL_PORT or 8546>",
    value: ({ env }) => anvilUrlFrom(env),
  },
  { flag: false },
);
const blobArchiveUrl = optional(
  httpUrl,
  "STRATA_BLOB_ARCHIVE_URL",
  "the blob archive blob batches are read from (and published to); default: the node's own API (Anvil)",
);
const sidechainUrl = setting(
  httpUrl,
  "STRATA_SIDECHAIN_URL",
  "the sidechain node's JSON-RPC (npx hardhat sidechain-node)",
  "http://127.0.0.1:8645",
);
const sidechainNetwork = setting(
  text,
  "STRATA_SIDECHAIN_NETWORK",
  "the name of the sidechain's deployment record (deployments/<name>.json)",
  "sidechain",
);
const adjudicator = optional(
  address,
  "STRATA_ADJUDICATOR",
  "the Adjudicator (default: the deployment record's)",
);
const ptau = optional(
  text,
  "STRATA_PTAU",
  "a prepared ptau: a pinned public file, or `ceremony` (default: the shipped dev ptau)",
);
const ptauTrust = optional(
  text,
  "STRATA_PTAU_TRUST",
  "the blake2b-512 of a non-public STRATA_PTAU file to trust (its makers can forge)",
);
const ceremonyDir = optional(
  path,
  "STRATA_ZK_CEREMONY_DIR",
  "the ceremony's directory (default: circuits/build/ceremony/<profile>)",
);
const zkProfile = () =>
  setting(
    oneOf(ZK_PROFILES),
    "STRATA_ZK_PROFILE",
    "the zk circuit profile (circuits/profiles.json) of the rollup's verifier",
    "test",
  );

/** Where `--network anvil` connects: STRATA_ANVIL_URL, else Anvil on STRATA_ANVIL_PORT (default 8546). */
export function anvilUrlFrom(env: NodeJS.ProcessEnv): string {
  if (env.STRATA_ANVIL_URL) return env.STRATA_ANVIL_URL;
  return `http://127.0.0.1:${env.STRATA_ANVIL_PORT || "8546"}`;
}

/** Where `--network localhost` connects. */
export function rpcUrlFrom(env: NodeJS.ProcessEnv): string {
  return env.STRATA_RPC_URL || "http://127.0.0.1:8545";
}

// What the channel-client's opener and `channel open` share.
const peerUrl = setting(wsUrl, "STRATA_CHANNEL_PEER_URL", "where the peer listens", "ws://127.0.0.1:8552");
const deposit = setting(ether, "STRATA_CHANNEL_DEPOSIT", "what the opener deposits (ether)", "1");
const peerDeposit = setting(
  ether,
  "STRATA_CHANNEL_PEER_DEPOSIT",
  "the peer's share of the channel (ether)",
  "0",
);
const challengeDuration = setting(
  seconds,
  "STRATA_CHANNEL_CHALLENGE_DURATION",
  "seconds a registered state can be refuted",
  "3600",
);

/**
 * The services the explorer looks for when it is given none: each at its own default port on this machine
 * (the ports of their commands below).
 */
export const EXPLORER_DEFAULT_SERVICES: readonly { name: string; url: string }[] = [
  { name: "sequencer", url: "http://127.0.0.1:8547" },
  { name: "challenger", url: "http://127.0.0.1:8551" },
  { name: "zk-operator", url: "http://127.0.0.1:8548" },
  { name: "watchtower", url: "http://127.0.0.1:8549" },
];

/** Every command on a node reads these. */
const node = { rpcUrl, anvilUrl };
const logs = { logLevel, logFormat };

/** A service's key, and the local account it signs with when it has none. */
function signer(service: string, envPrefix: string, localAccount: number) {
  return {
    key: optional(
      privateKey,
      `${envPrefix}_KEY`,
      `the ${service}'s private key (default: local account --account, on a local chain only)`,
    ),
    account: setting(
      account,
      `${envPrefix}_ACCOUNT`,
      `the local chain's default account the ${service} signs with when it has no key`,
      String(localAccount),
    ),
  };
}

function serve(envPrefix: string, defaultPort: number, what = "JSON-RPC (strata_health, strata_events, …)") {
  return {
    host: setting(host, `${envPrefix}_HOST`, `where it serves ${what}`, "127.0.0.1"),
    port: setting(port, `${envPrefix}_PORT`, `its port for ${what}`, String(defaultPort)),
  };
}

function pollMs(defaultMs: number) {
  return setting(
    milliseconds,
    "STRATA_POLL_MS",
    "milliseconds between its rounds over Layer 1",
    String(defaultMs),
  );
}

// -------------------------------------------------------------------------------------------------
// Commands
// -------------------------------------------------------------------------------------------------

/** The values of a command's settings, as `loadSettings` returns them. */
export type Values<S> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/** A problem a command's own check finds: the setting it is about, and the whole sentence. */
export interface Problem {
  setting: string;
  message: string;
}

export interface CheckContext {
  network: string;
  /** "--peer / STRATA_CHANNEL_PEER": how a message names a setting. */
  nameOf(setting: string): string;
}

export interface Command<S extends Record<string, Setting> = Record<string, Setting>> {
  /** The Hardhat scope it is a verb of (`npx hardhat wallet deposit`), if any. */
  readonly scope?: "wallet" | "channel" | "zk-setup";
  /** The Hardhat task (`npx hardhat <task>`, or `npx hardhat <scope> <task>`). */
  readonly task: string;
  /** Its npm alias (`npm run <npm>`). */
  readonly npm?: string;
  readonly description: string;
  /** Whether it talks to a node (Hardhat's --network picks which). */
  readonly chain: boolean;
  /** The setting the task's positional arguments fill (comma-joined), e.g. the demo's flows. */
  readonly positional?: keyof S & string;
  readonly settings: S;
  /** Checks across settings; each value is present only when it was read without a problem. */
  readonly check?: (values: Partial<Values<S>>, ctx: CheckContext) => Problem[];
}

function command<S extends Record<string, Setting>>(c: Command<S>): Command<S> {
  return c;
}

// The wallet's and the channel verbs' settings.

const rollup = setting(oneOf(["optimistic", "zk"]), "STRATA_WALLET_ROLLUP", "the rollup", "optimistic");
/** The verbs of one rollup take `--rollup` too, so that a user may give it to every verb. */
const optimisticRollup = setting(
  oneOf(["optimistic"]),
  "STRATA_WALLET_ROLLUP",
  "the optimistic rollup's verb",
  "optimistic",
);
const zkRollup = setting(oneOf(["zk"]), "STRATA_WALLET_ROLLUP", "the zk rollup's verb", "zk");
const walletToken = optional(
  text,
  "STRATA_WALLET_TOKEN",
  "ETH (default), an ERC-20's address, or a contract of the deployment (DemoToken)",
);
const walletBase = {
  key: optional(privateKey, "STRATA_WALLET_KEY", "the wallet's private key"),
  account: optional(
    account,
    "STRATA_WALLET_ACCOUNT",
    "or, on a local chain, the default account it signs with (no default: name one)",
  ),
  operatorUrl: optional(httpUrl, "STRATA_WALLET_OPERATOR_URL", "the operator's JSON-RPC", {
    default: { text: "http://127.0.0.1:8547 (optimistic), :8548 (zk)", value: () => undefined },
  }),
  zkKey: optional(
    bytes32,
    "STRATA_WALLET_ZK_KEY",
    "the zk rollup key (default: derived from a signature by the key)",
  ),
  deploymentsDir,
  ...node,
};

/** A wallet signs with `--key`, or names the local account it signs with. */
function walletCheck(v: { key?: string; account?: number }, ctx: CheckContext): Problem[] {
  return v.key === undefined && v.account === undefined && isLocalNetwork(ctx.network)
    ? [{ setting: "key", message: `${ctx.nameOf("key")} or ${ctx.nameOf("account")} is required` }]
    : [];
}

const channelClientUrl = setting(
  httpUrl,
  "STRATA_CHANNEL_CLIENT_URL",
  "the channel client's JSON-RPC (npx hardhat channel-client --role listen)",
  "http://127.0.0.1:8550",
);
const channelId = required(bytes32, "STRATA_CHANNEL_ID", "the channel");

/** The verbs that take a channel id alone. */
function channelVerbs<const V extends Record<string, string>>(verbs: V) {
  const out: Record<string, Command<{ channel: typeof channelId; client: typeof channelClientUrl }>> = {};
  for (const [verb, description] of Object.entries(verbs)) {
    out[`channel${verb[0]!.toUpperCase()}${verb.slice(1)}`] = command({
      scope: "channel",
      task: verb,
      description,
      chain: false,
      settings: { channel: channelId, client: channelClientUrl },
    });
  }
  return out as {
    [K in keyof V & string as `channel${Capitalize<K>}`]: Command<{
      channel: typeof channelId;
      client: typeof channelClientUrl;
    }>;
  };
}

/** The deployer's key: one setting, shared by `deploy` and `sidechain-deploy`. */
const deployerKey = signer("deployer", "STRATA_DEPLOYER", LOCAL_ACCOUNTS.deployer);

export const COMMANDS = {
  sequencer: command({
    task: "sequencer",
    npm: "sequencer",
    description:
      "The optimistic rollup's sequencer and proposer: serves JSON-RPC, commits batches, defends and finalizes them",
    chain: true,
    settings: {
      ...signer("sequencer", "STRATA_SEQUENCER", LOCAL_ACCOUNTS.sequencer),
      ...serve("STRATA_SEQUENCER", 8547, "JSON-RPC (strata_*)"),
      maxBatchSteps: setting(
        count("steps", 1),
        "STRATA_MAX_BATCH_STEPS",
        "commit a batch once this many steps are pending",
        "256",
      ),
      maxBatchAgeMs: setting(
        milliseconds,
        "STRATA_MAX_BATCH_AGE_MS",
        "…or once the oldest pending step is this many milliseconds old",
        "5000",
      ),
      dataMode: setting(
        oneOf(["calldata", "blobs"]),
        "STRATA_DATA_MODE",
        "post batches as calldata or in blobs (EIP-4844)",
        "calldata",
      ),
      blobArchiveUrl,
      pollMs: pollMs(500),
      dataDir,
      deploymentsDir,
      ...logs,
      ...node,
    },
  }),
  challenger: command({
    task: "challenger",
    npm: "challenger",
    description:
      "The optimistic rollup's challenger: rebuilds Layer 2 from Layer 1, challenges false batches, plays its games",
    chain: true,
    settings: {
      ...signer("challenger", "STRATA_CHALLENGER", LOCAL_ACCOUNTS.challenger),
      ...serve("STRATA_CHALLENGER", 8551, "strata_health and strata_events"),
      blobArchiveUrl,
      pollMs: pollMs(1000),
      deploymentsDir,
      ...logs,
      ...node,
    },
  }),
  zkOperator: command({
    task: "zk-operator",
    npm: "zk:operator",
    description: "The zk rollup's operator: serves JSON-RPC (zk_*), proves and submits batches",
    chain: true,
    settings: {
      ...signer("zk operator", "STRATA_ZK_OPERATOR", LOCAL_ACCOUNTS.zkOperator),
      ...serve("STRATA_ZK_OPERATOR", 8548, "JSON-RPC (zk_*)"),
      profile: zkProfile(),
      maxBatchAgeMs: setting(
        milliseconds,
        "STRATA_ZK_MAX_BATCH_AGE_MS",
        "prove a batch once its oldest transaction is this many milliseconds old",
        "5000",
      ),
      dataDir,
      deploymentsDir,
      ...logs,
      ...node,
    },
  }),
  watchtower: command({
    task: "watchtower",
    npm: "watchtower",
    description: "The payment channels' watchtower: takes parties' states, refutes stale registrations",
    chain: true,
    settings: {
      ...signer("watchtower", "STRATA_WATCHTOWER", LOCAL_ACCOUNTS.watchtower),
      ...serve("STRATA_WATCHTOWER", 8549, "JSON-RPC (wt_submitStates, …)"),
      pollMs: pollMs(1000),
      fromBlock: optional(
        block,
        "STRATA_FROM_BLOCK",
        "the first block it reads when its store has no cursor (default: the deployment's)",
      ),
      adjudicator,
      dataDir,
      deploymentsDir,
      ...logs,
      ...node,
    },
  }),
  sidechainNode: command({
    task: "sidechain-node",
    npm: "sidechain:node",
    description:
      "The sidechain's own node: Anvil on 127.0.0.1 with the sidechain's chain id, a block every second",
    chain: false,
    settings: {
      port: setting(port, "STRATA_SIDECHAIN_PORT", "its JSON-RPC port", "8645"),
    },
  }),
  sidechainDeploy: command({
    task: "sidechain-deploy",
    npm: "sidechain:deploy",
    description:
      "Deploys the sidechain: Sidechain on Layer 1 (registered with the deployment's bridge), the validators' stakes, the ChildBridge on the sidechain",
    chain: true,
    settings: {
      ...deployerKey,
      sidechainUrl,
      sidechainNetwork,
      validatorAccounts: setting(
        countList,
        "STRATA_VALIDATOR_ACCOUNTS",
        "the local accounts that stake as validators (funded from the deployer when short)",
        SIDECHAIN_VALIDATOR_ACCOUNTS.join(","),
      ),
      stake: setting(ether, "STRATA_VALIDATOR_STAKE", "each validator's stake (ether)", "10"),
      deploymentsDir,
      ...logs,
      ...node,
    },
  }),
  validator: command({
    task: "validator",
    npm: "validator",
    description:
      "A sidechain validator: follows Layer 1 and the sidechain, signs what it checks, proposes checkpoints and syncs on its turn",
    chain: true,
    settings: {
      key: optional(
        privateKey,
        "STRATA_VALIDATOR_KEY",
        "the validator's private key: its stake on Layer 1 and its signatures",
      ),
      account: optional(
        account,
        "STRATA_VALIDATOR_ACCOUNT",
        "or, on a local chain, the default account it signs with (no default: each validator its own)",
      ),
      ...serve("STRATA_VALIDATOR", 8560, "JSON-RPC (sc_sign*, strata_health, strata_events)"),
      sidechainUrl,
      sidechainNetwork,
      peers: optional(
        peerList,
        "STRATA_VALIDATOR_PEERS",
        "the other validators, address@url each (itself may be listed: it is left out)",
      ),
      span: setting(
        count("blocks", 1),
        "STRATA_CHECKPOINT_SPAN",
        "sidechain blocks per checkpoint (every validator must use the same)",
        "8",
      ),
      confirmations: setting(
        count("blocks", 0),
        "STRATA_CHECKPOINT_CONFIRMATIONS",
        "sidechain blocks past a checkpoint's end before it is signed",
        "2",
      ),
      proposerTimeoutMs: setting(
        milliseconds,
        "STRATA_PROPOSER_TIMEOUT_MS",
        "how long a turn waits for its proposer before the next validator proposes",
        "10000",
      ),
      pollMs: pollMs(1000),
      dataDir,
      deploymentsDir,
      ...logs,
      ...node,
    },
    check: walletCheck,
  }),
  explorer: command({
    task: "explorer",
    npm: "explorer",
    description:
      "The explorer: every layer, live, in a browser (builds the web application, then serves it and its views)",
    chain: true,
    settings: {
      ...serve("STRATA_EXPLORER", 8570, "the web application and its views (/api)"),
      services: optional(
        serviceList,
        "STRATA_EXPLORER_SERVICES",
        "the services it reads (their health and typed events), name=url each, beside those a demo run lists",
        {
          default: {
            text: EXPLORER_DEFAULT_SERVICES.map((t) => `${t.name}=${t.url}`).join(","),
            value: () => undefined,
          },
        },
      ),
      pollMs: setting(
        milliseconds,
        "STRATA_POLL_MS",
        "milliseconds between its reads of Layer 1's head",
        "250",
      ),
      sidechainUrl,
      sidechainNetwork,
      deploymentsDir,
      ...logs,
      ...node,
    },
  }),
  blobArchive: command({
    task: "blob-archive",
    description:
      "The blob archive: serves the beacon API's blob_sidecars for a node that keeps no blobs, stores posted ones Layer 1 shows",
    chain: true,
    settings: {
      ...serve("STRATA_BLOB_ARCHIVE", 8553, "blob sidecars (GET /eth/v1/beacon/blob_sidecars/…, POST)"),
      dataDir,
      ...logs,
      ...node,
    },
  }),
  channelClient: command({
    task: "channel-client",
    npm: "channel-client",
    description:
      "A payment-channel party: `listen` serves peers and its owner's JSON-RPC; `open` opens, pays, closes",
    chain: true,
    settings: {
      role: setting(
        oneOf(["open", "listen"]),
        "STRATA_CHANNEL_ROLE",
        "open a channel, pay and close (open), or serve (listen)",
        "open",
      ),
      ...signer("channel client", "STRATA_CHANNEL", LOCAL_ACCOUNTS.channelClient),
      ...serve("STRATA_CHANNEL", 8552, "its peers (WebSocket)"),
      rpcHost: optional(host, "STRATA_CHANNEL_RPC_HOST", "where a listener serves its owner's JSON-RPC", {
        default: { text: "--host", value: () => undefined },
      }),
      rpcPort: setting(
        port,
        "STRATA_CHANNEL_RPC_PORT",
        "a listener's port for its owner's JSON-RPC (channel_*)",
        "8550",
      ),
      peer: optional(address, "STRATA_CHANNEL_PEER", "the opener's peer (its address; required to open)"),
      peerUrl,
      deposit,
      peerDeposit,
      payments: setting(
        count("count", 1),
        "STRATA_CHANNEL_PAYMENTS",
        "how many payments the opener makes",
        "1000",
      ),
      amount: setting(ether, "STRATA_CHANNEL_AMOUNT", "each payment (ether)", "0.0001"),
      challengeDuration,
      watchtower: optional(
        httpUrl,
        "STRATA_WATCHTOWER_URL",
        "a watchtower's JSON-RPC that gets every co-signed state",
      ),
      pollMs: pollMs(1000),
      adjudicator,
      dataDir,
      deploymentsDir,
      ...logs,
      ...node,
    },
    check: (v, { nameOf }) => {
      const problems: Problem[] = [];
      if (v.role !== "open") return problems;
      if (v.peer === undefined && v.role === "open") {
        problems.push({
          setting: "peer",
          message: `${nameOf("peer")} is required when ${nameOf("role")} is open`,
        });
      }
      if (v.deposit === 0n) {
        problems.push({
          setting: "deposit",
          message: `${nameOf("deposit")} must be more than 0 to open a channel`,
        });
      }
      if (v.amount === 0n) {
        problems.push({ setting: "amount", message: `${nameOf("amount")} must be more than 0` });
      }
      if (v.deposit !== undefined && v.amount !== undefined && v.payments !== undefined) {
        const total = BigInt(v.payments) * v.amount;
        if (total > v.deposit) {
          problems.push({
            setting: "amount",
            message:
              `${v.payments} payments (${nameOf("payments")}) of ${formatEther(v.amount)} ETH ` +
              `(${nameOf("amount")}) are ${formatEther(total)} ETH, more than the deposit of ` +
              `${formatEther(v.deposit)} ETH (${nameOf("deposit")})`,
          });
        }
      }
      return problems;
    },
  }),
  deploy: command({
    task: "deploy",
    npm: "deploy",
    description: "Deploys the suite to --network and writes deployments/<network>.json",
    chain: true,
    settings: {
      ...deployerKey,
      zkProfile: zkProfile(),
      deploymentsDir,
      ...logs,
      ...node,
    },
  }),
  demo: command({
    task: "demo",
    npm: "demo",
    description: "The narrated demo of every design (on a node: the operators as processes)",
    chain: true,
    positional: "flows",
    settings: {
      flows: setting(
        listOf(DEMO_FLOWS),
        "STRATA_DEMO_FLOWS",
        "the flows to run (each once, in this order)",
        "all",
      ),
      data: setting(
        oneOf(DEMO_DATA_MODES),
        "STRATA_DEMO_DATA",
        "the optimistic story's batches: calldata, blobs (EIP-4844), or both (part 1 calldata, part 2 blobs)",
        "both",
      ),
      ptau,
      ...logs,
      ...node,
    },
    check: (_values, { network }) =>
      (DEMO_NETWORKS as readonly string[]).includes(network)
        ? []
        : [
            {
              setting: "network",
              message:
                `--network ${network}: the demo moves the chain's clock, so it runs on a local chain ` +
                `(${DEMO_NETWORKS.join(", ")})`,
            },
          ],
  }),
  compare: command({
    task: "compare",
    npm: "compare",
    description:
      "Layer 1 vs each Layer-2 design on one workload, measured, and its load sweep: tables, JSON and charts",
    chain: true,
    settings: {
      users: setting(count("count", 2), "STRATA_COMPARE_USERS", "users in the workload (2-100)", "10"),
      transfers: setting(count("count", 1), "STRATA_COMPARE_TRANSFERS", "transfers in the workload", "100"),
      zkProfile: optional(
        oneOf(ZK_PROFILES),
        "STRATA_COMPARE_ZK_PROFILE",
        "the zk profile to run the workload on (default: `default` if built, else `test`)",
      ),
      designs: setting(listOf(COMPARE_DESIGN_NAMES), "STRATA_COMPARE_DESIGNS", "the designs to run", "all"),
      sweep: setting(
        countList,
        "STRATA_COMPARE_SWEEP",
        "the load sweep's loads in transfers (none: no sweep; see docs/compare.md)",
        "10,100,1000,10000",
      ),
      baseFeeGwei: setting(
        gwei,
        "STRATA_COMPARE_BASE_FEE_GWEI",
        "the base fee the load sweep states costs in ETH at (an example, not a market claim)",
        "1",
      ),
      blobBaseFeeGwei: setting(
        gwei,
        "STRATA_COMPARE_BLOB_BASE_FEE_GWEI",
        "the blob base fee the load sweep states costs in ETH at (an example, not a market claim)",
        "1",
      ),
      snapshot: setting(
        boolean,
        "STRATA_COMPARE_SNAPSHOT",
        "also write the charts to docs/ (compare.svg, compare-sweep.svg)",
        "false",
      ),
      ptau,
      ...logs,
    },
    check: (v, { nameOf }) =>
      v.users !== undefined && v.users > 100
        ? [{ setting: "users", message: `${nameOf("users")} must be 2 to 100, got ${v.users}` }]
        : [],
  }),
  bench: command({
    task: "bench",
    npm: "bench",
    description: "Every subsystem's benchmarks on Hardhat's in-process network; writes reports/bench.json",
    chain: true,
    settings: {
      suites: setting(listOf(BENCH_SUITE_NAMES), "STRATA_BENCH", "the suites to run", "all"),
      ptau,
      ...logs,
    },
  }),
  zkBuild: command({
    task: "zk-build",
    npm: "zk:build",
    description: "Builds the zk circuits, their trusted setup and Solidity verifiers (cached by a hash)",
    chain: false,
    settings: {
      profile: setting(listOf(ZK_PROFILES), "STRATA_ZK_PROFILES", "the profiles to build", "all"),
      ptau,
      ptauTrust,
      ...logs,
    },
  }),
  zkSetupInit: command({
    scope: "zk-setup",
    task: "init",
    description: "Starts a multi-party phase-2 ceremony for a built profile: its initial zkey and transcript",
    chain: false,
    settings: { profile: zkProfile(), ptau, ptauTrust, ceremonyDir, ...logs },
  }),
  zkSetupContribute: command({
    scope: "zk-setup",
    task: "contribute",
    description: "Adds your contribution (fresh entropy, never kept) to the ceremony's latest zkey",
    chain: false,
    settings: {
      profile: zkProfile(),
      name: required(text, "STRATA_ZK_CONTRIBUTOR", "your name in the ceremony's transcript"),
      ceremonyDir,
      ...logs,
    },
  }),
  zkSetupFinalize: command({
    scope: "zk-setup",
    task: "finalize",
    description: "Applies the beacon, runs zkey verify, and installs the ceremony as the profile's build",
    chain: false,
    settings: {
      profile: zkProfile(),
      beacon: required(
        bytes32,
        "STRATA_ZK_BEACON",
        "fixed in advance, unknown until the last contribution (e.g. a future block hash)",
      ),
      iterations: setting(
        count("exp", 10),
        "STRATA_ZK_BEACON_ITERATIONS",
        "the beacon's hash iterations, as a power of two (10-63)",
        "10",
      ),
      ptau,
      ptauTrust,
      ceremonyDir,
      ...logs,
    },
  }),
  anvil: command({
    task: "anvil",
    npm: "anvil",
    description: "Anvil (a second local node) on 127.0.0.1, the chain of `--network anvil`",
    chain: false,
    settings: {
      port: setting(port, "STRATA_ANVIL_PORT", "its JSON-RPC port (`--network anvil` follows it)", "8546"),
    },
  }),

  // The wallet (src/wallet/): the rollups' verbs, `npx hardhat wallet <verb>`.
  walletDeposit: command({
    scope: "wallet",
    task: "deposit",
    description: "Deposits ETH or an ERC-20 through the bridge into a rollup",
    chain: true,
    settings: {
      rollup,
      amount: required(amount, "STRATA_WALLET_AMOUNT", "how much (ether, or the token's units)"),
      token: walletToken,
      to: optional(text, "STRATA_WALLET_TO", "the Layer-2 owner credited (default: this wallet's)"),
      ...walletBase,
    },
    check: walletCheck,
  }),
  walletTransfer: command({
    scope: "wallet",
    task: "transfer",
    description: "Signs a transfer on Layer 2 and hands it to the operator",
    chain: true,
    settings: {
      rollup,
      to: required(
        text,
        "STRATA_WALLET_TO",
        "the receiving account: its index, or its owner (an address, a zk owner)",
      ),
      amount: required(amount, "STRATA_WALLET_AMOUNT", "how much (ether, or the token's units)"),
      token: walletToken,
      ...walletBase,
    },
    check: walletCheck,
  }),
  walletWithdraw: command({
    scope: "wallet",
    task: "withdraw",
    description: "Signs a withdrawal to Layer 1 and hands it to the operator",
    chain: true,
    settings: {
      rollup,
      amount: required(amount, "STRATA_WALLET_AMOUNT", "how much (ether, or the token's units)"),
      token: walletToken,
      recipient: optional(
        address,
        "STRATA_WALLET_RECIPIENT",
        "the Layer-1 address paid (default: this wallet's)",
      ),
      ...walletBase,
    },
    check: walletCheck,
  }),
  walletBalance: command({
    scope: "wallet",
    task: "balance",
    description:
      "Shows this wallet's Layer-2 account, balance and nonce (on the zk rollup also its credit), and its Layer-1 balance",
    chain: true,
    settings: { rollup, token: walletToken, ...walletBase },
    check: walletCheck,
  }),
  walletReceipt: command({
    scope: "wallet",
    task: "receipt",
    description: "Shows a Layer-2 transaction's receipt, or waits until it reaches a status",
    chain: true,
    settings: {
      rollup,
      hash: required(bytes32, "STRATA_WALLET_HASH", "the Layer-2 transaction"),
      wait: optional(
        oneOf(["soft-confirmed", "committed", "final", "accepted", "proven", "verified"]),
        "STRATA_WALLET_WAIT",
        "wait until it reaches this status (optimistic: soft-confirmed, committed, final; zk: accepted, proven, verified)",
      ),
      timeout: setting(seconds, "STRATA_WALLET_TIMEOUT", "how long --wait waits (seconds)", "300"),
      ...walletBase,
    },
    check: (v, ctx) => {
      const problems = walletCheck(v, ctx);
      const zk = ["accepted", "proven", "verified"].includes(v.wait ?? "");
      if (v.wait !== undefined && v.rollup !== undefined && zk !== (v.rollup === "zk")) {
        problems.push({
          setting: "wait",
          message: `${ctx.nameOf("wait")} ${v.wait} is not a status of the ${v.rollup} rollup`,
        });
      }
      return problems;
    },
  }),
  walletProveWithdrawal: command({
    scope: "wallet",
    task: "prove-withdrawal",
    description: "The optimistic rollup: a final withdrawal's Merkle proof, checked against Layer 1",
    chain: true,
    settings: {
      rollup: optimisticRollup,
      hash: required(bytes32, "STRATA_WALLET_HASH", "the withdrawal's Layer-2 transaction"),
      save: optional(
        path,
        "STRATA_WALLET_SAVE_PROOF",
        "also write the proof to this file (for finalize-withdrawal)",
      ),
      ...walletBase,
    },
    check: walletCheck,
  }),
  walletFinalizeWithdrawal: command({
    scope: "wallet",
    task: "finalize-withdrawal",
    description:
      "The optimistic rollup: has the bridge pay a final withdrawal (by its hash, or a saved proof)",
    chain: true,
    settings: {
      rollup: optimisticRollup,
      hash: optional(
        bytes32,
        "STRATA_WALLET_HASH",
        "the withdrawal's Layer-2 transaction (its proof asked of the sequencer)",
      ),
      proof: optional(path, "STRATA_WALLET_PROOF", "a proof prove-withdrawal saved (no sequencer needed)"),
      ...walletBase,
    },
    check: (v, ctx) => {
      const problems = walletCheck(v, ctx);
      if ((v.hash === undefined) === (v.proof === undefined)) {
        problems.push({
          setting: "hash",
          message: `give one of ${ctx.nameOf("hash")} and ${ctx.nameOf("proof")}`,
        });
      }
      return problems;
    },
  }),
  walletClaim: command({
    scope: "wallet",
    task: "claim",
    description:
      "The zk rollup: claims this wallet's credit (verified withdrawals, refunded deposits) on Layer 1",
    chain: true,
    settings: {
      rollup: zkRollup,
      token: walletToken,
      to: optional(address, "STRATA_WALLET_RECIPIENT", "the Layer-1 address paid (default: this wallet's)"),
      ...walletBase,
    },
    check: walletCheck,
  }),
  walletForceWithdraw: command({
    scope: "wallet",
    task: "force-withdraw",
    description:
      "The zk rollup: asks Layer 1 for a withdrawal the operator must carry (or exodus becomes due), for a censored user",
    chain: true,
    settings: {
      rollup: zkRollup,
      amount: optional(
        amount,
        "STRATA_WALLET_AMOUNT",
        "how much (ether, or the token's units; default: the whole verified balance, rounded down to a float40)",
      ),
      token: walletToken,
      ...walletBase,
    },
    check: walletCheck,
  }),
  walletActivateExodus: command({
    scope: "wallet",
    task: "activate-exodus",
    description:
      "The zk rollup: switches exodus on once a deposit or a forced withdrawal has waited the exodus delay unconsumed",
    chain: true,
    settings: { rollup: zkRollup, ...walletBase },
    check: walletCheck,
  }),
  walletExit: command({
    scope: "wallet",
    task: "exit",
    description: "The zk rollup in exodus: exits this wallet's account with a proof built from Layer 1",
    chain: true,
    settings: { rollup: zkRollup, token: walletToken, ...walletBase },
    check: walletCheck,
  }),
  walletRefundDeposits: command({
    scope: "wallet",
    task: "refund-deposits",
    description: "The zk rollup in exodus: credits every unconsumed deposit back to its depositor",
    chain: true,
    settings: { rollup: zkRollup, ...walletBase },
    check: walletCheck,
  }),

  // A channel client's verbs over its JSON-RPC (src/channels/party-rpc.ts), `npx hardhat channel <verb>`.
  channelOpen: command({
    scope: "channel",
    task: "open",
    description: "Opens a channel with a peer and deposits this client's share",
    chain: false,
    settings: {
      peer: required(address, "STRATA_CHANNEL_PEER", "the peer's address"),
      peerUrl,
      deposit,
      peerDeposit,
      challengeDuration,
      client: channelClientUrl,
    },
  }),
  channelPay: command({
    scope: "channel",
    task: "pay",
    description: "Pays the peer off-chain: one co-signed state",
    chain: false,
    settings: {
      channel: channelId,
      amount: required(ether, "STRATA_CHANNEL_AMOUNT", "the payment (ether)"),
      client: channelClientUrl,
    },
  }),
  ...channelVerbs({
    close: "Closes the channel cooperatively on Layer 1 with the final state",
    register: "Registers the newest state on Layer 1 (the peer is silent): the challenge window opens",
    refute: "Refutes a stale registration with the newest state",
    conclude: "Concludes a registered channel once its window has passed, and pays it out",
    status: "Shows the channel's Layer-1 phase, registered version and holdings",
  }),
  channelUnlock: command({
    scope: "channel",
    task: "unlock",
    description: "Settles a concluded channel's hashlocked payments on Layer 1, revealing secrets",
    chain: false,
    settings: {
      channel: channelId,
      secrets: optional(bytes32List, "STRATA_CHANNEL_SECRETS", "secrets to reveal first (comma-separated)"),
      client: channelClientUrl,
    },
  }),
  channelWithdraw: command({
    scope: "channel",
    task: "withdraw",
    description: "Withdraws what a concluded channel credits this client",
    chain: false,
    settings: {
      channel: channelId,
      to: optional(address, "STRATA_CHANNEL_WITHDRAW_TO", "the Layer-1 address paid (default: the client's)"),
      client: channelClientUrl,
    },
  }),
  channelResume: command({
    scope: "channel",
    task: "resume",
    description: "Reconnects to the peer and exchanges newest states (after a crash)",
    chain: false,
    settings: {
      channel: channelId,
      url: optional(wsUrl, "STRATA_CHANNEL_RESUME_URL", "where the peer listens now (default: where it did)"),
      client: channelClientUrl,
    },
  }),
  channelList: command({
    scope: "channel",
    task: "list",
    description: "Lists the client's channels",
    chain: false,
    settings: { client: channelClientUrl },
  }),
} as const;

export type CommandName = keyof typeof COMMANDS;
export type SettingsOf<C extends CommandName> = Values<(typeof COMMANDS)[C]["settings"]>;

/** Environment variables that are not settings: the tests' and internal processes' own. */
export const OTHER_VARIABLES: Readonly<Record<string, string>> = {
  STRATA_FC_SEED: "the property tests' seed (test/helpers/property.ts)",
  STRATA_FC_RUNS: "the property tests' runs",
  STRATA_FC_PATH: "the property tests' replay path",
  STRATA_DEMO_TEST_NARRATE: "print the demo tests' narration",
  STRATA_CHANNEL_BENCH_ROLE: "the channel bench's child processes",
  STRATA_CHANNEL_BENCH_DIR: "the channel bench's child processes",
  STRATA_CHANNEL_BENCH_URL: "the channel bench's child processes",
  STRATA_CHANNEL_BENCH_PAYMENTS: "the channel bench's payments",
  STRATA_CHANNEL_BENCH_WINDOW: "the channel bench's window",
  STRATA_LAUNCHER_PID:
    "the process that started a service as a child (src/common/processes.ts): it stops with it",
  STRATA_CHROMIUM: "the Chromium the explorer's browser tests drive (default /usr/bin/chromium)",
  STRATA_REQUIRE_BROWSER: "1: the browser tests fail, not skip, without Chromium (CI sets it)",
  STRATA_EXPLORER_SCREENSHOTS: "docs: the browser test writes its screenshots to docs/explorer/",
};
