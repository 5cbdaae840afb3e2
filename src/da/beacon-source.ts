/**
 * Blobs from a beacon-API-shaped endpoint (`GET /eth/v1/beacon/blob_sidecars/{block_id}`): Strata's
 * archive (src/da/archive.ts), or anything that answers in the same shape. Each wanted blob is picked by
 * the versioned hash of its sidecar's commitment and checked (src/da/blob-source.ts): the commitment must
 * hash to the versioned hash recorded on Layer 1 and the sidecar's KZG proof must bind the blob to it.
 *
 * `block_id` is the execution block's number by default (what src/da/archive.ts serves). A real beacon node
 * names blocks by slot or beacon root: give `blockIdOf` to map a Layer-1 block to one (e.g. through the
 * block's `parentBeaconBlockRoot`, EIP-4788, or its timestamp's slot).
 */
import type { RpcProvider } from "../common/layer1";
import type { BlobRequest, BlobSource, VerifiedBlob } from "./blob-source";
import { blobRequestOfTransaction, checkBlob } from "./blob-source";
import { BlobNotFoundError, BlobSourceResponseError } from "./errors";
import type { Kzg } from "./kzg";
import { versionedHash } from "./kzg";
import { BLOB_SIDECARS_PATH } from "./archive";
import type { BlobSidecar } from "./sidecar";
import { parseSidecar } from "./sidecar";

export interface BeaconBlobSourceOptions {
  /** The endpoint's base URL (e.g. the archive's `url`). */
  url: string;
  /** Layer 1, for the versioned hashes of a transaction. */
  provider: RpcProvider;
  kzg: Kzg;
  /** The `block_id` of a request; default its execution block number. */
  blockIdOf?: (request: BlobRequest) => string | Promise<string>;
  /** Per request; default 30 s. */
  timeoutMs?: number;
}

export class BeaconBlobSource implements BlobSource {
  constructor(private readonly options: BeaconBlobSourceOptions) {}

  async getBlobs(request: BlobRequest): Promise<VerifiedBlob[]> {
    const blockId = this.options.blockIdOf
      ? await this.options.blockIdOf(request)
      : String(request.blockNumber);
    const where = `${this.options.url}${BLOB_SIDECARS_PATH}${blockId}`;
    const sidecars = await this.fetchSidecars(where, request);
    const byHash = new Map<string, BlobSidecar>();
    for (const sidecar of sidecars) byHash.set(versionedHash(sidecar.commitment), sidecar);
    return request.versionedHashes.map((wanted) => {
      const hash = wanted.toLowerCase();
      const sidecar = byHash.get(hash);
      if (!sidecar) throw new BlobNotFoundError(hash, where);
      return checkBlob(this.options.kzg, hash, sidecar.blob, sidecar);
    });
  }

  async getTransactionBlobs(txHash: string): Promise<VerifiedBlob[]> {
    return this.getBlobs(await blobRequestOfTransaction(this.options.provider, txHash));
  }

  private async fetchSidecars(where: string, request: BlobRequest): Promise<BlobSidecar[]> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(where, {
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      text = await response.text();
    } catch (cause) {
      throw new BlobSourceResponseError(where, "cannot reach the source", undefined, { cause });
    }
    if (response.status === 404) throw new BlobNotFoundError(request.versionedHashes[0] ?? "(none)", where);
    if (!response.ok) throw new BlobSourceResponseError(where, `HTTP ${response.status}`, response.status);
    let body: { data?: unknown };
    try {
      body = JSON.parse(text) as { data?: unknown };
    } catch (cause) {
      throw new BlobSourceResponseError(where, "body is not JSON", response.status, { cause });
    }
    if (!body || !Array.isArray(body.data)) {
      throw new BlobSourceResponseError(where, "no `data` array", response.status);
    }
    return body.data.map((s) => parseSidecar(s, where));
  }
}
