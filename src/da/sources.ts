/**
 * Which blob source a node reads from: a beacon-API endpoint (Strata's blob archive, or a consensus client)
 * when it is given one, else the execution node itself (Anvil keeps its blobs; Hardhat keeps none, so a
 * Hardhat chain needs the archive). KZG loads on the first read, so a node that never meets a blob batch
 * never loads it.
 */
import type { RpcProvider } from "../common/layer1";
import { AnvilBlobSource } from "./anvil-source";
import { BeaconBlobSource } from "./beacon-source";
import type { BlobRequest, BlobSource, VerifiedBlob } from "./blob-source";
import { Kzg } from "./kzg";

/** The node's client name ("anvil", "HardhatNetwork", …), from `web3_clientVersion`. */
export async function nodeClient(provider: RpcProvider): Promise<string> {
  return String(await provider.send("web3_clientVersion", [])).split("/")[0];
}

/** Whether the node itself serves the blobs it mined: Anvil does; Hardhat and production execution nodes do not. */
export async function nodeServesBlobs(provider: RpcProvider): Promise<boolean> {
  return (await nodeClient(provider)).toLowerCase().startsWith("anvil");
}

export function blobSourceFor(provider: RpcProvider, archiveUrl?: string): BlobSource {
  let source: Promise<BlobSource> | undefined;
  const load = () =>
    (source ??= Kzg.load().then((kzg) =>
      archiveUrl
        ? new BeaconBlobSource({ url: archiveUrl, provider, kzg })
        : new AnvilBlobSource({ provider, kzg }),
    ));
  return {
    getBlobs: async (request: BlobRequest): Promise<VerifiedBlob[]> => (await load()).getBlobs(request),
    getTransactionBlobs: async (txHash: string): Promise<VerifiedBlob[]> =>
      (await load()).getTransactionBlobs(txHash),
  };
}
