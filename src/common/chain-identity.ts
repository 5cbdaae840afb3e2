/**
 * Which chain a deployment, a data directory and a block cursor belong to, and the checks a service runs
 * before it trusts any of them.
 *
 * A chain is named by its chain id and its genesis block's hash; a deployment also by the block it was
 * complete at (its number and hash, the deployment's anchor). `hardhat node` and Anvil both call every
 * chain 31337 and a restarted node deploys the suite at the same addresses again, so neither the chain
 * id nor the addresses tell one run of a node from the next: the genesis hash (it carries the node's
 * start time) and the anchor's hash do.
 *
 * - `deploySuite` records the identity in `deployments/<net>.json` (`Deployment.chain`).
 * - A service checks the deployment on start (`checkDeploymentOnChain`): the node's chain id, its
 *   genesis, the anchor block's hash, and code at every address of the record. An older record without
 *   an identity is checked by chain id and code only (and the service says so).
 * - Every data directory records the chain it belongs to in `chain.json`, written atomically on a
 *   service's first start there (`checkDataDirChain`); a later start on another chain or deployment is
 *   refused.
 * - While it runs, a service watches the anchor (`ChainWatch`: one block read per check, and the whole
 *   check again once Layer 1 answers after a failure); a change halts it.
 *
 * Every refusal is a `ChainIdentityError` whose message says what is wrong and how to fix it.
 */
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Provider } from "ethers";
import type { Deployment } from "./deployments";
import { readTextIfExists, replaceFile } from "./durable-file";
import { StrataError } from "./errors";
import type { Logger } from "./logger";

// -------------------------------------------------------------------------------------------------
// What is recorded
// -------------------------------------------------------------------------------------------------

/** A block, by number and hash. */
export interface BlockRef {
  number: number;
  hash: string;
}

/** A chain: its id and its genesis block's hash. */
export interface ChainIdentity {
  chainId: number;
  genesisHash: string;
}

/**
 * The chain a deployment record belongs to, beside its `chainId`: the genesis hash, and the block the
 * deployment was complete at (its anchor).
 */
export interface DeploymentChain {
  genesisHash: string;
  /** The anchor's number and hash. */
  block: number;
  blockHash: string;
}

/** What `<dataDir>/chain.json` holds: the chain and the deployment whose state the directory keeps. */
export interface DataDirChainRecord extends ChainIdentity {
  network: string;
  /** The deployment's anchor (null: its record had none). */
  deployment: { block: number; blockHash: string } | null;
  /** ISO time of the first start. */
  createdAt: string;
}

/** The file a data directory's chain is recorded in. */
export const CHAIN_RECORD_FILE = "chain.json";

// -------------------------------------------------------------------------------------------------
// Errors
// -------------------------------------------------------------------------------------------------

/** A chain is not the one a record names. */
export class ChainIdentityError extends StrataError {}

/** The node's chain id is not the deployment's. */
export class WrongChainError extends ChainIdentityError {}

/** The deployment a record names is not on the node: no code at its addresses, or another chain's anchor. */
export class DeploymentNotOnChainError extends ChainIdentityError {
  constructor(
    message: string,
    /** The contracts without code, as `Name 0x…`. */
    readonly missing: readonly string[],
  ) {
    super(message);
  }
}

/** A data directory belongs to another chain or another deployment than the one a service was given. */
export class DataDirChainMismatchError extends ChainIdentityError {}

/** A saved block cursor names a block the chain does not have (or has with another hash). */
export class CursorNotOnChainError extends ChainIdentityError {}

/** Layer 1 changed under a running service: its deployment's anchor (or a block it read) is gone. */
export class ChainChangedError extends ChainIdentityError {}

/** The node does not answer (a service's check cannot tell which chain it is). */
export class Layer1UnreachableError extends StrataError {}

// -------------------------------------------------------------------------------------------------
// Reading the chain
// -------------------------------------------------------------------------------------------------

const short = (hash: string): string => `${hash.slice(0, 10)}…`;

/** The hash of block `number`, or undefined when the chain has no such block. */
export async function blockHashAt(provider: Provider, number: number): Promise<string | undefined> {
  const block = await provider.getBlock(number);
  return block?.hash ?? undefined;
}

/**
 * Checks that `last`, the last block a follower of Layer 1 read (with the hash it had then), is still on
 * the chain: everything the follower built from the blocks up to it is of another chain once it is not.
 * Then it tells `onChanged` and throws the `ChainChangedError` that says so (`reader` read up to it;
 * `fix`, what to do).
 */
export async function checkLastBlockRead(
  provider: Provider,
  last: BlockRef,
  o: { reader: string; fix: string; onChanged?: (error: ChainChangedError) => void },
): Promise<void> {
  const hash = await blockHashAt(provider, last.number);
  if (hash === last.hash) return;
  const error = new ChainChangedError(
    `${o.reader} read Layer 1 up to block ${last.number} (${short(last.hash)}), which is now ` +
      `${hash ? short(hash) : "gone"}: Layer 1 was reset or reorganized under it; ${o.fix}`,
  );
  o.onChanged?.(error);
  throw error;
}

/** The latest block, by number and hash. */
export async function latestBlock(provider: Provider): Promise<BlockRef> {
  const block = await provider.getBlock("latest");
  if (!block?.hash) throw new ChainIdentityError("the node has no latest block");
  return { number: block.number, hash: block.hash };
}

/** The node's chain id, asked of the node itself (a provider may cache the one it saw first). */
async function nodeChainId(provider: Provider): Promise<number> {
  const raw = provider as Provider & { send?: (method: string, params: unknown[]) => Promise<unknown> };
  if (typeof raw.send === "function") return Number(await raw.send("eth_chainId", []));
  return Number((await provider.getNetwork()).chainId);
}

/** The node's chain id; `Layer1UnreachableError` (a user's matter: the node is down or its URL wrong) when it does not answer. */
export async function reachableChainId(provider: Provider, network: string): Promise<bigint> {
  try {
    return BigInt(await nodeChainId(provider));
  } catch (cause) {
    throw unreachable(network, cause);
  }
}

function unreachable(network: string, cause: unknown): Layer1UnreachableError {
  return new Layer1UnreachableError(
    `cannot read the chain of ${network} from its node (${(cause as Error).message}): is the node running ` +
      `and is its URL right?`,
    { cause },
  );
}

/** The node's chain: its id and its genesis hash. */
export async function readChainIdentity(provider: Provider): Promise<ChainIdentity> {
  const [chainId, genesisHash] = await Promise.all([nodeChainId(provider), blockHashAt(provider, 0)]);
  if (genesisHash === undefined) throw new ChainIdentityError("the node has no genesis block");
  return { chainId, genesisHash };
}

/** The identity `deploySuite` records: the genesis hash and the latest block (the deployment is complete). */
export async function recordDeploymentChain(provider: Provider): Promise<DeploymentChain> {
  const [{ genesisHash }, anchor] = await Promise.all([readChainIdentity(provider), latestBlock(provider)]);
  return { genesisHash, block: anchor.number, blockHash: anchor.hash };
}

// -------------------------------------------------------------------------------------------------
// The deployment, checked against the node
// -------------------------------------------------------------------------------------------------

/** A deployment found on the node: the node's chain, and the anchor the record names (if any). */
export interface VerifiedChain {
  network: string;
  identity: ChainIdentity;
  /** The deployment's anchor (undefined: an older record without one). */
  anchor?: BlockRef;
  /** The addresses checked for code. */
  contracts: Readonly<Record<string, string>>;
}

export interface CheckDeploymentOptions {
  /** Told when the record has no chain identity (checked by chain id and code only). */
  logger?: Logger;
  /** Only these of the record's contracts (default: every one). */
  contracts?: readonly string[];
}

/**
 * A record of contracts known only by address (a service given an address rather than a deployment
 * record): checked by chain id and code, with no anchor.
 */
export function addressesOnly(
  network: string,
  chainId: number | bigint,
  contracts: Record<string, string>,
): Deployment {
  return { network, chainId: Number(chainId), deployedAt: "", deployer: "", contracts };
}

/** The command that deploys to `network`, for the messages that say how to fix a missing deployment. */
export function deployCommand(network: string): string {
  return `npm run deploy -- --network ${network}`;
}

/**
 * Checks that the node holds `deployment`: the same chain id, the recorded genesis and anchor (when the
 * record has them), and code at every address. Throws `WrongChainError` or `DeploymentNotOnChainError`
 * saying what differs and how to fix it.
 */
export async function checkDeploymentOnChain(
  deployment: Deployment,
  provider: Provider,
  options: CheckDeploymentOptions = {},
): Promise<VerifiedChain> {
  const { network } = deployment;
  let identity: ChainIdentity;
  try {
    identity = await readChainIdentity(provider);
  } catch (cause) {
    if (cause instanceof StrataError) throw cause;
    throw unreachable(network, cause);
  }
  if (identity.chainId !== deployment.chainId) {
    throw new WrongChainError(
      `the node is chain ${identity.chainId}, but the deployment record of ${network} is for chain ` +
        `${deployment.chainId}: point the service at that chain's node, or run \`${deployCommand(network)}\``,
    );
  }
  const names = options.contracts ?? Object.keys(deployment.contracts);
  const contracts = Object.fromEntries(names.map((name) => [name, deployment.contracts[name]]));
  const codes = await Promise.all(
    Object.values(contracts).map((address) => (address ? provider.getCode(address) : "0x")),
  );
  const missing = Object.entries(contracts)
    .filter((_, i) => codes[i] === "0x")
    .map(([name, address]) => `${name} ${address ?? "(no address)"}`);

  const recorded = deployment.chain;
  let anchorProblem: string | undefined;
  if (recorded) {
    const hash = await blockHashAt(provider, recorded.block);
    if (recorded.genesisHash !== identity.genesisHash || hash !== recorded.blockHash) {
      anchorProblem =
        `it was deployed on genesis ${short(recorded.genesisHash)} at block ${recorded.block} ` +
        `(${short(recorded.blockHash)}), but the node is genesis ${short(identity.genesisHash)} and its ` +
        `block ${recorded.block} is ${hash ? short(hash) : "not there"}`;
    }
  } else {
    options.logger?.warn("the deployment record has no chain identity: checked its chain id and code only", {
      network,
      fix: `run \`${deployCommand(network)}\` to record one`,
    });
  }
  if (anchorProblem || missing.length > 0) {
    const listed = missing.length > 4 ? [...missing.slice(0, 3), `${missing.length - 3} more`] : missing;
    const codeless = listed.length > 1 ? `${listed.slice(0, -1).join(", ")} and ${listed.at(-1)}` : listed[0];
    const what = [
      ...(missing.length > 0 ? [`no code at ${codeless} on ${network}`] : []),
      ...(anchorProblem ? [anchorProblem] : []),
    ].join("; ");
    throw new DeploymentNotOnChainError(
      `${what}: the node has no such deployment (was it restarted?); run \`${deployCommand(network)}\``,
      missing,
    );
  }
  const anchor = recorded ? { number: recorded.block, hash: recorded.blockHash } : undefined;
  return { network, identity, anchor, contracts };
}

// -------------------------------------------------------------------------------------------------
// The data directory's chain
// -------------------------------------------------------------------------------------------------

export interface CheckDataDirOptions {
  /** The environment variable that moves the directory, for the message (default STRATA_DATA_DIR). */
  variable?: string;
  logger?: Logger;
}

function describeRecord(r: Pick<DataDirChainRecord, "chainId" | "genesisHash" | "deployment">): string {
  const deployment = r.deployment
    ? ` (deployment at block ${r.deployment.block} ${short(r.deployment.blockHash)})`
    : "";
  return `chain ${r.chainId} genesis ${short(r.genesisHash)}${deployment}`;
}

/**
 * Checks that `dataDir` belongs to the chain and deployment `verified` names, or records them in
 * `<dataDir>/chain.json` (atomically) when the directory has no record yet. Resolves "created" or
 * "matched"; throws `DataDirChainMismatchError` (what differs, and: remove the directory or set
 * STRATA_DATA_DIR) on a mismatch.
 */
export async function checkDataDirChain(
  dataDir: string,
  verified: VerifiedChain,
  provider: Provider,
  options: CheckDataDirOptions = {},
): Promise<"created" | "matched"> {
  const path = join(dataDir, CHAIN_RECORD_FILE);
  const fix = `remove the directory or set ${options.variable ?? "STRATA_DATA_DIR"} to another one`;
  const current: DataDirChainRecord = {
    network: verified.network,
    ...verified.identity,
    deployment: verified.anchor ? { block: verified.anchor.number, blockHash: verified.anchor.hash } : null,
    createdAt: new Date().toISOString(),
  };
  const recorded = await readChainRecord(path, fix);
  if (recorded === undefined) {
    await mkdir(dataDir, { recursive: true });
    await writeAtomically(path, JSON.stringify(current, null, 2) + "\n");
    options.logger?.info("recorded the data directory's chain", { path, chain: describeRecord(current) });
    return "created";
  }
  let why: string | undefined;
  if (recorded.chainId !== current.chainId || recorded.genesisHash !== current.genesisHash) {
    why = "the node was reset or is another chain";
  } else if (recorded.deployment && current.deployment) {
    if (recorded.deployment.blockHash !== current.deployment.blockHash) why = "the suite was deployed again";
  } else if (recorded.deployment) {
    // An older deployment record without an anchor: the directory's anchor must still be on the chain.
    const hash = await blockHashAt(provider, recorded.deployment.block);
    if (hash !== recorded.deployment.blockHash) why = "the node was reset";
  }
  if (why) {
    throw new DataDirChainMismatchError(
      `data dir ${dataDir} belongs to ${describeRecord(recorded)}, but the node is ` +
        `${describeRecord(current)}: ${why}; ${fix}`,
    );
  }
  return "matched";
}

async function readChainRecord(path: string, fix: string): Promise<DataDirChainRecord | undefined> {
  const text = await readTextIfExists(path);
  if (text === undefined) return undefined;
  let record: DataDirChainRecord;
  try {
    record = JSON.parse(text) as DataDirChainRecord;
  } catch (cause) {
    throw new DataDirChainMismatchError(
      `${path} is not a chain record (${(cause as Error).message}): ${fix}`,
    );
  }
  if (typeof record?.chainId !== "number" || typeof record.genesisHash !== "string") {
    throw new DataDirChainMismatchError(`${path} is not a chain record: ${fix}`);
  }
  return record;
}

/**
 * Writes `text` to `path` through a temporary file of its own (several services sharing a directory may
 * start at once) and a rename: a reader sees all or nothing.
 */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const tmpPath = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await replaceFile(path, Buffer.from(text), { tmpPath });
}

export interface ServiceChainOptions {
  /** The service's data directory: checked against its `chain.json`, or recorded there on a first start. */
  dataDir?: string;
  /** Only these of the deployment's contracts are checked for code (default: every one). */
  contracts?: readonly string[];
  logger?: Logger;
}

/**
 * What a service checks before it reads its state from Layer 1: the deployment on the node
 * (`checkDeploymentOnChain`), then the chain its data directory belongs to (`checkDataDirChain`).
 */
export async function checkServiceChain(
  deployment: Deployment,
  provider: Provider,
  options: ServiceChainOptions = {},
): Promise<VerifiedChain & { dataDirRecord?: "created" | "matched" }> {
  const verified = await checkDeploymentOnChain(deployment, provider, options);
  if (options.dataDir === undefined) return verified;
  const dataDirRecord = await checkDataDirChain(options.dataDir, verified, provider, options);
  return { ...verified, dataDirRecord };
}

// -------------------------------------------------------------------------------------------------
// Block cursors
// -------------------------------------------------------------------------------------------------

/**
 * What the chain says of a saved cursor: "same" (the block is there with the saved hash, or no hash was
 * saved and the block exists), "beyond-head" (the chain is shorter) or "other-hash".
 */
export async function cursorOnChain(
  provider: Provider,
  cursor: { block: number; hash?: string },
): Promise<{ state: "same" | "beyond-head" | "other-hash"; head: number; hash?: string }> {
  const [head, hash] = await Promise.all([provider.getBlockNumber(), blockHashAt(provider, cursor.block)]);
  if (hash === undefined || cursor.block > head) return { state: "beyond-head", head };
  if (cursor.hash !== undefined && cursor.hash !== hash) return { state: "other-hash", head, hash };
  return { state: "same", head, hash };
}

// -------------------------------------------------------------------------------------------------
// Watching a running service's chain
// -------------------------------------------------------------------------------------------------

export interface ChainWatchOptions {
  /** Between two checks (default 1,000 ms). */
  intervalMs?: number;
  logger?: Logger;
  /** Told once, when the chain is no longer the deployment's. */
  onChange(error: ChainIdentityError): void;
}

/**
 * Starts a `ChainWatch` (every `intervalMs`, default 1,000 ms) whose first change halts `service` (its
 * `ServiceLifecycle`: from then on it refuses every call by the change's name): what a service runs while
 * it serves.
 */
export function haltOnChainChange(
  service: { halt(error: Error): void },
  deployment: Deployment,
  provider: Provider,
  verified: VerifiedChain,
  options: { intervalMs?: number; logger?: Logger } = {},
): ChainWatch {
  return new ChainWatch(deployment, provider, verified, {
    ...options,
    onChange: (error) => service.halt(error),
  }).start();
}

/**
 * Watches that the node still holds a verified deployment: every `intervalMs` one read of the anchor
 * block (the genesis block for a record without an anchor); when a check could not reach Layer 1, the
 * next one that can runs the whole `checkDeploymentOnChain` again (the node may have been replaced
 * meanwhile). The first difference is reported to `onChange` once, as a `ChainChangedError` (or the
 * check's own error), and the watch stops.
 */
export class ChainWatch {
  private timer: NodeJS.Timeout | undefined;
  private unreachable = false;
  private checking: Promise<void> | undefined;
  private changed: ChainIdentityError | undefined;

  constructor(
    private readonly deployment: Deployment,
    private readonly provider: Provider,
    private readonly verified: VerifiedChain,
    private readonly options: ChainWatchOptions,
  ) {}

  /** The change it saw, if any. */
  get change(): ChainIdentityError | undefined {
    return this.changed;
  }

  start(): this {
    if (this.timer || this.changed) return this;
    this.timer = setInterval(() => void this.check(), this.options.intervalMs ?? 1_000);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One check now (what the timer runs); resolves once it is done, whatever it found. */
  check(): Promise<void> {
    this.checking ??= this.checkOnce().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    if (this.changed) return;
    let problem: ChainIdentityError | undefined;
    try {
      problem = this.unreachable ? await this.checkFully() : await this.checkAnchor();
      if (this.unreachable) this.options.logger?.info("Layer 1 answers again; the deployment is still there");
      this.unreachable = false;
    } catch (error) {
      if (!this.unreachable) {
        this.options.logger?.warn("Layer 1 does not answer; the deployment is checked again once it does", {
          error: error instanceof Error ? error.message : String(error),
        });
      }
      this.unreachable = true;
      return;
    }
    if (problem && !this.changed) {
      this.changed = problem;
      this.stop();
      this.options.onChange(problem);
    }
  }

  private async checkAnchor(): Promise<ChainIdentityError | undefined> {
    const { anchor, identity, network } = this.verified;
    const at = anchor ?? { number: 0, hash: identity.genesisHash };
    const hash = await blockHashAt(this.provider, at.number);
    if (hash === at.hash) return undefined;
    return new ChainChangedError(
      `Layer 1 changed under the service: block ${at.number} of ${network} is ` +
        `${hash ? short(hash) : "gone"}, not ${short(at.hash)} (the node was reset or replaced); it stops. ` +
        `Deploy again (\`${deployCommand(network)}\`) and start it with a fresh data directory`,
    );
  }

  private async checkFully(): Promise<ChainIdentityError | undefined> {
    const problem = await this.checkAnchor();
    if (problem) return problem;
    try {
      await checkDeploymentOnChain(this.deployment, this.provider, {
        contracts: Object.keys(this.verified.contracts),
      });
      return undefined;
    } catch (error) {
      if (error instanceof ChainIdentityError) return error;
      throw error;
    }
  }
}
