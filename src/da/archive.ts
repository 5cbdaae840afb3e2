/**
 * A small blob archive in the shape of the beacon API, for chains whose node keeps no blobs (Hardhat):
 *
 *   GET  /eth/v1/beacon/blob_sidecars/{block_id}[?indices=0,2]  → 200 { execution_optimistic, finalized, data: BlobSidecarJson[] }
 *   POST /strata/v1/blob_sidecars  { block_number, block_hash, sidecars: BlobSidecarJson[] }  → 200 { stored }
 *
 * `block_id` is the number (decimal) or hash (0x, 32 bytes) of the *execution* block that included the
 * blob transaction; a beacon node's is a slot or a beacon block root (or head/genesis/finalized), which
 * this archive, having no beacon chain, does not know. The POST is the stand-in for the p2p network
 * (whoever posts the blobs also posts them here). Before it stores anything the archive checks every
 * sidecar against Layer 1: block `block_number` must have hash `block_hash` there, and the block's
 * transactions must carry, at the sidecar's index (counting their `blobVersionedHashes` in order), the
 * versioned hash of the sidecar's commitment (422 `not-on-chain` otherwise); and the sidecar's KZG proof
 * must bind its blob to that commitment (422 `bad-proof`). So the only sidecar that can fill a slot is the
 * one Layer 1 names: anyone may post it, first or not, and a post of what is stored is answered as stored.
 * A block stored under a hash Layer 1 no longer shows (a reorg) is replaced by the posted one, which has
 * just been checked. A block's sidecars are one file written atomically (src/common/durable-file.ts), so a
 * crash leaves them all old or all new. Errors are `{ code, message, reason }` (the beacon API's
 * `{ code, message }` plus a name to branch on). `POST /` answers JSON-RPC `strata_health` alone, as every
 * Strata service does (its readiness, src/common/processes.ts).
 *
 * Trust: the archive trusts its Layer-1 node for which blobs exist; its clients trust it for nothing:
 * src/da/beacon-source.ts checks each blob against the versioned hash recorded on Layer 1.
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { closeHttpServer, listenHttp } from "../common/http-server";
import { mkdir, mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RpcProvider } from "../common/layer1";
import { replaceFile } from "../common/durable-file";
import { StrataError } from "../common/errors";
import { lockDataDir } from "../common/datadir";
import { SERVICE_METHODS } from "../common/json-rpc";
import { createLogger } from "../common/logger";
import { portError } from "../common/service-main";
import type { Logger } from "../common/logger";
import type { BlobSidecar, BlobSidecarJson } from "./sidecar";
import { parseSidecar, sidecarOf, sidecarToJson } from "./sidecar";
import { BlobArchiveRejectedError, BlobSourceResponseError, BlobTransactionError } from "./errors";
import type { RawBlobTransaction } from "./blob-source";
import { blobHashesOf, blobRequestOfTransaction } from "./blob-source";
import { toQuantity } from "ethers";
import { Kzg, versionedHash } from "./kzg";

/** The service's name: its task, its log scope and its data-dir lock. */
export const BLOB_ARCHIVE_SERVICE = "blob-archive";
export const BLOB_SIDECARS_PATH = "/eth/v1/beacon/blob_sidecars/";
export const POST_SIDECARS_PATH = "/strata/v1/blob_sidecars";
/** A POST's body limit: 6 blobs as hex are ~1.6 MB. */
export const MAX_POST_BYTES = 8 * 1024 * 1024;

/** What one block's file holds. */
interface StoredBlock {
  blockNumber: number;
  blockHash: string;
  sidecars: BlobSidecarJson[];
}

/** A refusal the archive answers with: HTTP status, a reason to branch on, a message. */
class ArchiveRefusal extends StrataError {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The archive's files: one JSON file per block under `<dataDir>/blob-sidecars/`, written atomically. */
class SidecarStore {
  private readonly byHash = new Map<string, number>();
  /** Writes one after another: a POST reads, merges and rewrites its block's file. */
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(private readonly dir: string) {}

  static async open(dataDir: string): Promise<SidecarStore> {
    const store = new SidecarStore(join(dataDir, "blob-sidecars"));
    await mkdir(store.dir, { recursive: true });
    for (const name of await readdir(store.dir)) {
      const match = /^(\d+)\.json$/.exec(name);
      if (!match) continue; // a leftover `.tmp` of an interrupted write: the old file (if any) is intact
      const block = await store.read(Number(match[1]));
      if (block) store.byHash.set(block.blockHash, block.blockNumber);
    }
    return store;
  }

  private path(blockNumber: number): string {
    return join(this.dir, `${blockNumber}.json`);
  }

  async read(blockNumber: number): Promise<StoredBlock | undefined> {
    try {
      return JSON.parse(await readFile(this.path(blockNumber), "utf8")) as StoredBlock;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  /** The stored block `blockId` names (a decimal number or a 0x hash), or undefined. */
  async find(blockId: string): Promise<StoredBlock | undefined> {
    if (/^(0|[1-9]\d{0,15})$/.test(blockId)) return this.read(Number(blockId));
    if (/^0x[0-9a-fA-F]{64}$/.test(blockId)) {
      const number = this.byHash.get(blockId.toLowerCase());
      return number === undefined ? undefined : this.read(number);
    }
    throw new ArchiveRefusal(
      400,
      "bad-block-id",
      `block_id must be an execution block number or hash, got ${JSON.stringify(blockId)}`,
    );
  }

  /** Adds `sidecars` to block `blockNumber`'s; returns the indices stored. */
  put(blockNumber: number, blockHash: string, sidecars: readonly BlobSidecar[]): Promise<number[]> {
    const run = this.writing.then(() => this.merge(blockNumber, blockHash, sidecars));
    this.writing = run.catch(() => undefined);
    return run;
  }

  /**
   * `sidecars` have just been checked against Layer 1 (block `blockNumber` has hash `blockHash`, and each
   * sidecar's commitment is the one named at its index), so a stored block under another hash was
   * reorged out: it is replaced.
   */
  private async merge(
    blockNumber: number,
    blockHash: string,
    sidecars: readonly BlobSidecar[],
  ): Promise<number[]> {
    let stored = (await this.read(blockNumber)) ?? { blockNumber, blockHash, sidecars: [] };
    if (stored.blockHash !== blockHash) {
      this.byHash.delete(stored.blockHash);
      stored = { blockNumber, blockHash, sidecars: [] };
    }
    const byIndex = new Map(stored.sidecars.map((s) => [Number(s.index), s]));
    for (const sidecar of sidecars) {
      const json = sidecarToJson(sidecar);
      // INVARIANT: a slot holds the blob whose commitment Layer 1 names there (checked before `put`), and a
      // KZG commitment binds one blob, so an equal commitment is the same blob: keep the stored one.
      const old = byIndex.get(sidecar.index);
      if (!old || old.kzg_commitment !== json.kzg_commitment) byIndex.set(sidecar.index, json);
    }
    stored.sidecars = [...byIndex.values()].sort((a, b) => Number(a.index) - Number(b.index));
    await replaceFile(this.path(blockNumber), Buffer.from(JSON.stringify(stored)));
    this.byHash.set(blockHash, blockNumber);
    return sidecars.map((s) => s.index);
  }
}

export interface BlobArchiveOptions {
  /** Where the sidecars are kept (created if missing). */
  dataDir: string;
  kzg: Kzg;
  /** Layer 1: every posted sidecar is checked against it before it is stored. */
  provider: RpcProvider;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  logger?: Logger;
}

export interface BlobArchive {
  url: string;
  port: number;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(text)),
    })
    .end(text);
}

/** The body, or undefined once it passes `MAX_POST_BYTES` (the rest is read and dropped). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    req.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received <= MAX_POST_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(received <= MAX_POST_BYTES ? Buffer.concat(chunks) : undefined));
    req.on("error", reject);
  });
}

/** A POST body as the block and its sidecars (proofs not yet verified). */
function parsePost(body: Buffer): { blockNumber: number; blockHash: string; sidecars: BlobSidecar[] } {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  } catch {
    throw new ArchiveRefusal(400, "bad-request", "body is not JSON");
  }
  const number = value?.block_number;
  const hash = value?.block_hash;
  if (typeof number !== "string" || !/^(0|[1-9]\d{0,15})$/.test(number)) {
    throw new ArchiveRefusal(400, "bad-request", "block_number must be a decimal string");
  }
  if (typeof hash !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(hash)) {
    throw new ArchiveRefusal(400, "bad-request", "block_hash must be 32 bytes of 0x hex");
  }
  if (!Array.isArray(value.sidecars) || value.sidecars.length === 0) {
    throw new ArchiveRefusal(400, "bad-request", "sidecars must be a non-empty array");
  }
  const sidecars = value.sidecars.map((s: unknown) => {
    try {
      return parseSidecar(s, "POST body");
    } catch (error) {
      if (error instanceof BlobSourceResponseError)
        throw new ArchiveRefusal(400, "bad-request", error.detail);
      throw error;
    }
  });
  const indices = new Set(sidecars.map((s) => s.index));
  if (indices.size !== sidecars.length) {
    throw new ArchiveRefusal(400, "bad-request", "two sidecars have the same index");
  }
  return { blockNumber: Number(number), blockHash: hash.toLowerCase(), sidecars };
}

/** Refuses (422 `bad-proof`) a sidecar whose KZG proof does not bind its blob to its commitment. */
function verifyProofs(kzg: Kzg, sidecars: readonly BlobSidecar[]): void {
  for (const s of sidecars) {
    if (!kzg.verifyBlob(s.blob, s.commitment, s.proof)) {
      throw new ArchiveRefusal(
        422,
        "bad-proof",
        `sidecar ${s.index} (${versionedHash(s.commitment)}): the KZG proof does not bind the blob to its commitment`,
      );
    }
  }
}

/**
 * Refuses (422 `not-on-chain`) unless Layer 1's block `blockNumber` has hash `blockHash` and its
 * transactions carry, at each sidecar's index, the versioned hash of that sidecar's commitment. A Layer 1
 * that cannot be read is a 503 `layer1-unavailable` (the poster may retry), never a stored sidecar.
 */
async function checkOnLayer1(
  provider: RpcProvider,
  post: { blockNumber: number; blockHash: string; sidecars: readonly BlobSidecar[] },
): Promise<void> {
  let block: { hash: string; transactions: RawBlobTransaction[] } | null;
  try {
    // Raw, with the transactions: ethers through Hardhat's provider drops `blobVersionedHashes`.
    block = (await provider.send("eth_getBlockByNumber", [
      toQuantity(post.blockNumber),
      true,
    ])) as typeof block;
  } catch (error) {
    throw new ArchiveRefusal(503, "layer1-unavailable", `cannot read Layer 1: ${String(error)}`);
  }
  if (!block) {
    throw new ArchiveRefusal(422, "not-on-chain", `block ${post.blockNumber} is not on Layer 1`);
  }
  if (block.hash.toLowerCase() !== post.blockHash) {
    throw new ArchiveRefusal(
      422,
      "not-on-chain",
      `block ${post.blockNumber} on Layer 1 has hash ${block.hash.toLowerCase()}, not ${post.blockHash}`,
    );
  }
  const named = block.transactions.flatMap(blobHashesOf);
  for (const s of post.sidecars) {
    const hash = versionedHash(s.commitment);
    if (named[s.index] !== hash) {
      throw new ArchiveRefusal(
        422,
        "not-on-chain",
        s.index < named.length
          ? `block ${post.blockNumber}'s blob ${s.index} is ${named[s.index]}, not ${hash}`
          : `block ${post.blockNumber} carries ${named.length} blob(s), no index ${s.index}`,
      );
    }
  }
}

/** `POST /`: JSON-RPC `strata_health` (the archive's Layer-1 head; `degraded` while it cannot read Layer 1). */
async function health(
  provider: RpcProvider,
  startedAt: number,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readBody(req);
  let call: { id?: unknown; method?: unknown };
  try {
    call = JSON.parse(body?.toString("utf8") ?? "") as typeof call;
  } catch {
    sendJson(res, 200, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } });
    return;
  }
  const id = call?.id ?? null;
  if (call?.method !== SERVICE_METHODS.health) {
    sendJson(res, 200, { jsonrpc: "2.0", id, error: { code: -32601, message: "method not found" } });
    return;
  }
  const head = await provider.send("eth_blockNumber", []).then(Number, () => undefined);
  const result = {
    service: BLOB_ARCHIVE_SERVICE,
    status: head === undefined ? "degraded" : "ok",
    startedAt,
    uptimeMs: Date.now() - startedAt,
    ...(head === undefined ? {} : { layer1Head: head }),
  };
  sendJson(res, 200, { jsonrpc: "2.0", id, result });
}

async function serve(
  store: SidecarStore,
  kzg: Kzg,
  provider: RpcProvider,
  startedAt: number,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://archive");
  if (url.pathname === "/" && req.method === "POST") return health(provider, startedAt, req, res);
  if (url.pathname.startsWith(BLOB_SIDECARS_PATH)) {
    if (req.method !== "GET")
      throw new ArchiveRefusal(405, "method", `only GET is served on ${url.pathname}`);
    req.resume();
    const block = await store.find(decodeURIComponent(url.pathname.slice(BLOB_SIDECARS_PATH.length)));
    if (!block) throw new ArchiveRefusal(404, "not-found", "block not found");
    const wanted = url.searchParams.get("indices");
    const indices =
      wanted === null || wanted === "" ? undefined : new Set(wanted.split(",").map((i) => i.trim()));
    const data = indices ? block.sidecars.filter((s) => indices.has(s.index)) : block.sidecars;
    sendJson(res, 200, { execution_optimistic: false, finalized: false, data });
    return;
  }
  if (url.pathname === POST_SIDECARS_PATH) {
    if (req.method !== "POST")
      throw new ArchiveRefusal(405, "method", `only POST is served on ${url.pathname}`);
    const body = await readBody(req);
    if (!body) throw new ArchiveRefusal(413, "too-large", `body exceeds ${MAX_POST_BYTES} bytes`);
    const post = parsePost(body);
    await checkOnLayer1(provider, post);
    verifyProofs(kzg, post.sidecars);
    const stored = await store.put(post.blockNumber, post.blockHash, post.sidecars);
    sendJson(res, 200, { stored: stored.map(String) });
    return;
  }
  throw new ArchiveRefusal(404, "not-found", `no route ${url.pathname}`);
}

/** Starts the archive; resolves once it listens. */
export async function startBlobArchive(options: BlobArchiveOptions): Promise<BlobArchive> {
  const log = (options.logger ?? createLogger()).child("blob-archive");
  const store = await SidecarStore.open(options.dataDir);
  const host = options.host ?? "127.0.0.1";
  const startedAt = Date.now();
  // Closing as src/common/json-rpc.ts does: answers from then on say `Connection: close`, idle keep-alive
  // connections are closed at once, and answers still being worked out get a grace period.
  let closing = false;
  const server = createServer((req, res) => {
    if (closing) res.setHeader("Connection", "close");
    serve(store, options.kzg, options.provider, startedAt, req, res).catch((error: unknown) => {
      req.resume();
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof ArchiveRefusal) {
        sendJson(res, error.status, { code: error.status, message: error.message, reason: error.reason });
        return;
      }
      log.error("cannot serve request", { url: req.url, error: String(error) });
      sendJson(res, 500, { code: 500, message: "internal error", reason: "internal" });
    });
  });
  const { url, port } = await listenHttp(server, host, options.port);
  log.info("blob archive listening", { url, dataDir: options.dataDir });
  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    // Once: a second call waits for the first.
    close: () => {
      closing = true;
      return (closed ??= closeHttpServer(server));
    },
  };
}

/** An archive in this process on a data directory of its own, which `stop` closes and removes. */
export interface ScratchBlobArchive {
  url: string;
  archive: BlobArchive;
  dataDir: string;
  /** Closes the archive and removes its data directory. */
  stop(): Promise<void>;
}

/**
 * A blob archive in this process for a chain whose node keeps no blobs (Hardhat), its data in a new
 * temporary directory: what the bench, the comparison, the demo and the tests run beside an in-process
 * stack posting blobs. Quiet unless given a logger.
 */
export async function startScratchBlobArchive(
  provider: RpcProvider,
  o: { port?: number; logger?: Logger; dataDir?: string } = {},
): Promise<ScratchBlobArchive> {
  const dataDir = o.dataDir ?? (await mkdtemp(join(tmpdir(), "strata-blobs-")));
  const remove = () => rm(dataDir, { recursive: true, force: true });
  const archive = await startBlobArchive({
    dataDir,
    port: o.port,
    kzg: await Kzg.load(),
    provider,
    logger: o.logger ?? createLogger({ level: "silent" }),
  }).catch(async (error: unknown) => {
    await remove();
    throw error;
  });
  return {
    url: archive.url,
    archive,
    dataDir,
    async stop() {
      await archive.close();
      await remove();
    },
  };
}

/** The archive as a service (`npx hardhat blob-archive`): it holds its data dir's lock while it runs. */
export interface BlobArchiveService extends BlobArchive {
  stop(): Promise<void>;
}

/**
 * Takes the data dir's `blob-archive` lock (refused at once, `DataDirLockedError`, while another archive
 * holds it: two would rewrite the same files) and starts the archive; a taken port is a `ServicePortError`.
 */
export async function startBlobArchiveService(options: BlobArchiveOptions): Promise<BlobArchiveService> {
  const lock = await lockDataDir(options.dataDir, BLOB_ARCHIVE_SERVICE, { logger: options.logger });
  let archive: BlobArchive;
  try {
    archive = await startBlobArchive(options);
  } catch (error) {
    await lock.release();
    throw portError(error, BLOB_ARCHIVE_SERVICE, options);
  }
  const stop = async () => {
    try {
      await archive.close();
    } finally {
      await lock.release();
    }
  };
  return { ...archive, close: stop, stop };
}

// ---------------------------------------------------------------------------------------------
// Posting
// ---------------------------------------------------------------------------------------------

/** Posts `sidecars` of block (`blockNumber`, `blockHash`) to the archive at `url`; returns the indices stored. */
export async function postBlobSidecars(
  url: string,
  block: { blockNumber: number; blockHash: string },
  sidecars: readonly BlobSidecar[],
  { timeoutMs = 30_000 }: { timeoutMs?: number } = {},
): Promise<number[]> {
  const response = await fetch(url + POST_SIDECARS_PATH, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      block_number: String(block.blockNumber),
      block_hash: block.blockHash,
      sidecars: sidecars.map(sidecarToJson),
    }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json().catch(() => undefined)) as
    { stored?: unknown; message?: unknown; reason?: unknown } | undefined;
  if (!response.ok) {
    const reason =
      body?.reason === "bad-proof" || body?.reason === "not-on-chain" || body?.reason === "layer1-unavailable"
        ? body.reason
        : "bad-request";
    throw new BlobArchiveRejectedError(
      reason,
      `archive refused the sidecars (HTTP ${response.status}): ${String(body?.message ?? "no message")}`,
      response.status,
    );
  }
  if (!Array.isArray(body?.stored)) {
    throw new BlobSourceResponseError(url + POST_SIDECARS_PATH, "no `stored` list", response.status);
  }
  return body.stored.map(Number);
}

/**
 * Publishes the blobs of a mined type-3 transaction to the archive at `url`, as its poster does: their
 * positions in the block (after the blobs of the block's earlier transactions), commitments and proofs.
 * `blobs` must be the transaction's own, in its order (checked against its versioned hashes).
 */
export async function publishTransactionBlobs(
  url: string,
  provider: RpcProvider,
  kzg: Kzg,
  txHash: string,
  blobs: readonly Uint8Array[],
): Promise<number[]> {
  const request = await blobRequestOfTransaction(provider, txHash);
  const block = (await provider.send("eth_getBlockByNumber", [toQuantity(request.blockNumber), true])) as {
    hash: string;
    transactions: RawBlobTransaction[];
  } | null;
  if (!block) throw new BlobTransactionError(txHash, `block ${request.blockNumber} not found`);
  const position = block.transactions.findIndex((tx) => tx.hash.toLowerCase() === txHash.toLowerCase());
  if (position === -1) throw new BlobTransactionError(txHash, `not in block ${request.blockNumber}`);
  const first = block.transactions.slice(0, position).reduce((n, tx) => n + blobHashesOf(tx).length, 0);
  const sidecars = blobs.map((blob, i) => sidecarOf(kzg, blob, first + i));
  if (sidecars.map((s) => versionedHash(s.commitment)).join() !== request.versionedHashes.join()) {
    throw new BlobTransactionError(
      txHash,
      "the blobs given are not the transaction's (versioned hashes differ)",
    );
  }
  return postBlobSidecars(
    url,
    { blockNumber: request.blockNumber, blockHash: block.hash.toLowerCase() },
    sidecars,
  );
}
