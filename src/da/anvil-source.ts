/**
 * Blobs from Anvil, which keeps the blobs of the transactions it mined and serves them by versioned hash
 * (`anvil_getBlobByHash`, Anvil 1.7). Each blob is checked against the hash asked for (src/da/blob-source.ts).
 */
import type { RpcProvider } from "../common/layer1";
import type { BlobRequest, BlobSource, VerifiedBlob } from "./blob-source";
import { blobRequestOfTransaction, checkBlob, hexBytes } from "./blob-source";
import { BYTES_PER_BLOB } from "./domain";
import { BlobNotFoundError, BlobSourceResponseError } from "./errors";
import type { Kzg } from "./kzg";

export interface AnvilBlobSourceOptions {
  /** A provider connected to the Anvil node (its JSON-RPC `send`). */
  provider: RpcProvider;
  kzg: Kzg;
}

export class AnvilBlobSource implements BlobSource {
  private readonly where = "anvil_getBlobByHash";

  constructor(private readonly options: AnvilBlobSourceOptions) {}

  async getBlobs(request: BlobRequest): Promise<VerifiedBlob[]> {
    const out: VerifiedBlob[] = [];
    for (const hash of request.versionedHashes) {
      let answer: unknown;
      try {
        answer = await this.options.provider.send("anvil_getBlobByHash", [hash]);
      } catch (cause) {
        throw new BlobSourceResponseError(this.where, "the call failed", undefined, { cause });
      }
      if (answer === null) throw new BlobNotFoundError(hash, this.where);
      out.push(checkBlob(this.options.kzg, hash, hexBytes(answer, BYTES_PER_BLOB, this.where, "blob")));
    }
    return out;
  }

  async getTransactionBlobs(txHash: string): Promise<VerifiedBlob[]> {
    return this.getBlobs(await blobRequestOfTransaction(this.options.provider, txHash));
  }
}
