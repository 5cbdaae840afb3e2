// The blob archive as a user runs it: `npx hardhat blob-archive --network localhost` against a `hardhat
// node`, as its own process: it answers `strata_health`, stores a blob transaction's sidecars posted by its
// sender and serves them to a follower, refuses a squatter's post by name (its Layer-1 view is the node),
// holds its data dir against a second archive, and exits 0 on SIGTERM.
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, Wallet, hexlify, randomBytes } from "ethers";
import { DataDirLockedError, lockPath } from "../../src/common/datadir";
import { JsonRpcClient, serviceHealth } from "../../src/common/json-rpc";
import { createLogger } from "../../src/common/logger";
import {
  freePort,
  kill,
  localAccountKey,
  nodeReadiness,
  processEnded,
  serviceReadiness,
  startHardhat,
} from "../../src/common/processes";
import {
  BLOB_ARCHIVE_SERVICE,
  postBlobSidecars,
  publishTransactionBlobs,
  startBlobArchiveService,
} from "../../src/da/archive";
import { BeaconBlobSource } from "../../src/da/beacon-source";
import { decodeBlobs, encodeBlobs } from "../../src/da/codec";
import { BlobArchiveRejectedError } from "../../src/da/errors";
import { Kzg } from "../../src/da/kzg";
import { sidecarOf } from "../../src/da/sidecar";
import { sendBlobTransaction } from "./helpers";

describe("blob archive as its own process (npx hardhat blob-archive)", function () {
  this.timeout(600_000);
  const started: ChildProcess[] = [];
  let dir: string;
  let provider: JsonRpcProvider;
  let kzg: Kzg;
  let archiveUrl: string;
  let archive: ChildProcess;
  const dataDir = () => join(dir, "archive");

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), "strata-blob-archive-"));
    const nodePort = await freePort();
    const rpcUrl = `http://127.0.0.1:${nodePort}`;
    started.push(
      await startHardhat(["node", "--port", String(nodePort)], {}, nodeReadiness(nodePort), 120_000),
    );
    provider = new JsonRpcProvider(rpcUrl, undefined, { cacheTimeout: -1 });
    const port = await freePort();
    archiveUrl = `http://127.0.0.1:${port}`;
    archive = await startHardhat(
      ["blob-archive", "--network", "localhost"],
      {
        STRATA_RPC_URL: rpcUrl,
        STRATA_DATA_DIR: dataDir(),
        STRATA_BLOB_ARCHIVE_PORT: String(port),
        STRATA_LOG_LEVEL: "info",
      },
      serviceReadiness(archiveUrl),
      240_000,
    );
    started.push(archive);
    kzg = await Kzg.load();
  });

  after(async function () {
    for (const child of started) kill(child, "SIGKILL");
    provider?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("answers strata_health as the blob-archive, with the node's head", async function () {
    const health = await serviceHealth(new JsonRpcClient(archiveUrl));
    expect([health.service, health.status]).to.deep.equal([BLOB_ARCHIVE_SERVICE, "ok"]);
    expect(health.layer1Head).to.equal(await provider.getBlockNumber());
  });

  it("stores a mined blob transaction's sidecars and serves them to a follower; refuses a squatter's post first", async function () {
    const wallet = new Wallet(localAccountKey(8), provider);
    const payload = Uint8Array.from({ length: 150_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff); // two blobs
    const { blobs, txHash, receipt } = await sendBlobTransaction(wallet, kzg, payload);

    // a griefer first: block N under a made-up hash, and another blob at index 0 of the real block
    const [junk] = encodeBlobs(Uint8Array.from([1, 2, 3]));
    for (const [block, sidecar] of [
      [
        { blockNumber: receipt.blockNumber, blockHash: hexlify(randomBytes(32)) },
        sidecarOf(kzg, blobs[0], 0),
      ],
      [{ blockNumber: receipt.blockNumber, blockHash: receipt.blockHash }, sidecarOf(kzg, junk, 0)],
    ] as const) {
      const refused = await postBlobSidecars(archiveUrl, block, [sidecar]).then(
        () => expect.fail("the archive stored a squatter's post"),
        (e: unknown) => e,
      );
      expect(refused).to.be.instanceOf(BlobArchiveRejectedError);
      expect((refused as BlobArchiveRejectedError).reason).to.equal("not-on-chain");
    }

    expect(await publishTransactionBlobs(archiveUrl, provider, kzg, txHash, blobs)).to.deep.equal([0, 1]);
    const got = await new BeaconBlobSource({ url: archiveUrl, provider, kzg }).getTransactionBlobs(txHash);
    expect(Buffer.from(decodeBlobs(got.map((b) => b.blob))).equals(Buffer.from(payload))).to.equal(true);
  });

  it("holds its data dir against a second archive, and exits 0 on SIGTERM, releasing it", async function () {
    const second = await startBlobArchiveService({
      dataDir: dataDir(),
      kzg,
      provider,
      logger: createLogger({ level: "silent" }),
    }).then(
      (s) => s.stop().then(() => expect.fail("a second archive started on the same data dir")),
      (e: unknown) => e,
    );
    expect(second).to.be.instanceOf(DataDirLockedError);
    const ended = processEnded(archive);
    kill(archive, "SIGTERM");
    expect(await ended).to.deep.equal({ code: 0, signal: null });
    expect(existsSync(lockPath(dataDir(), BLOB_ARCHIVE_SERVICE))).to.equal(false);
  });
});
