import { createServer, request } from "node:http";
import type { Server } from "node:http";
import { Agent } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { Wallet, hexlify, randomBytes } from "ethers";
import { ethers } from "hardhat";
import { createLogger } from "../../src/common/logger";
import { localAccountKey } from "../../src/common/processes";
import type { BlobArchive } from "../../src/da/archive";
import {
  BLOB_SIDECARS_PATH,
  postBlobSidecars,
  publishTransactionBlobs,
  startBlobArchive,
} from "../../src/da/archive";
import { BeaconBlobSource } from "../../src/da/beacon-source";
import { checkBlob } from "../../src/da/blob-source";
import { decodeBlobs, encodeBlobs } from "../../src/da/codec";
import {
  BlobArchiveRejectedError,
  BlobCommitmentMismatchError,
  BlobNotFoundError,
  BlobSourceResponseError,
  BlobTransactionError,
} from "../../src/da/errors";
import { Kzg, versionedHash } from "../../src/da/kzg";
import { sidecarOf, sidecarToJson } from "../../src/da/sidecar";
import type { BlobSidecarJson } from "../../src/da/sidecar";
import { useTempDir } from "../helpers/temp-dir";

const quiet = createLogger({ level: "silent" });

function payloadOf(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 13 + seed * 101 + (i >> 9)) & 0xff);
}

async function expectRejection<E extends Error>(
  promise: Promise<unknown>,
  type: new (...args: any[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(type);
    return error as E;
  }
  return expect.fail(`resolved, expected ${type.name}`);
}

/** A type-3 transaction carrying `payload`, mined on the in-process Hardhat network. */
async function postOnLayer1(kzg: Kzg, payload: Uint8Array): Promise<{ txHash: string; blobs: Uint8Array[] }> {
  const wallet = new Wallet(localAccountKey(8), ethers.provider);
  const blobs = encodeBlobs(payload);
  const tx = await wallet.sendTransaction({
    type: 3,
    to: wallet.address,
    blobs,
    kzg: kzg.ethersKzg(),
    maxFeePerBlobGas: 10n ** 10n,
  });
  await tx.wait();
  return { txHash: tx.hash, blobs };
}

/** GET `path` from `url` with node:http; the status and parsed JSON. */
async function getJson(url: string, path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url + path);
  return { status: response.status, body: await response.json() };
}

/** A test-only blob endpoint that lies: it answers every GET with `answer` (a JSON value or raw text). */
async function startLiar(answer: () => unknown): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    const value = answer();
    const text = typeof value === "string" ? value : JSON.stringify(value);
    res.writeHead(200, { "content-type": "application/json" }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("blob archive and BeaconBlobSource", function () {
  const opened: Array<{ close(): Promise<void> }> = [];
  const dataDir = useTempDir("strata-blobs-", opened);
  let kzg: Kzg;

  before(async function () {
    kzg = await Kzg.load();
  });

  async function archive(): Promise<BlobArchive> {
    const started = await startBlobArchive({ dataDir: dataDir(), kzg, logger: quiet });
    opened.push(started);
    return started;
  }

  function sourceFor(url: string): BeaconBlobSource {
    return new BeaconBlobSource({ url, provider: ethers.provider, kzg });
  }

  describe("serving what was posted", function () {
    it("serves a transaction's posted blobs, which a follower checks and decodes to the payload", async function () {
      const served = await archive();
      const payload = payloadOf(200_000, 1); // two blobs
      const { txHash, blobs } = await postOnLayer1(kzg, payload);
      expect(await publishTransactionBlobs(served.url, ethers.provider, kzg, txHash, blobs)).to.deep.equal([
        0, 1,
      ]);

      const got = await sourceFor(served.url).getTransactionBlobs(txHash);
      const onChain = (await ethers.provider.send("eth_getTransactionByHash", [txHash])) as {
        blobVersionedHashes: string[];
      };
      expect(got.map((b) => b.versionedHash)).to.deep.equal(
        onChain.blobVersionedHashes.map((h) => h.toLowerCase()),
      );
      expect(Buffer.from(decodeBlobs(got.map((b) => b.blob))).equals(Buffer.from(payload))).to.equal(true);
    });

    it("serves a block by number or execution block hash, in the beacon API's shape, filtered by indices", async function () {
      const served = await archive();
      const { txHash, blobs } = await postOnLayer1(kzg, payloadOf(130_000, 2));
      await publishTransactionBlobs(served.url, ethers.provider, kzg, txHash, blobs);
      const receipt = (await ethers.provider.getTransactionReceipt(txHash))!;
      const byNumber = await getJson(served.url, BLOB_SIDECARS_PATH + receipt.blockNumber);
      const byHash = await getJson(served.url, BLOB_SIDECARS_PATH + receipt.blockHash);
      expect(byNumber.status).to.equal(200);
      expect(byHash.body).to.deep.equal(byNumber.body);
      const data = byNumber.body.data as BlobSidecarJson[];
      expect(data.map((s) => s.index)).to.deep.equal(["0", "1"]);
      expect(Object.keys(data[0]).sort()).to.deep.equal(["blob", "index", "kzg_commitment", "kzg_proof"]);
      expect(data[1].blob).to.equal(hexlify(blobs[1]));
      expect(data[1].kzg_commitment).to.equal(kzg.commit(blobs[1]));
      const one = await getJson(served.url, `${BLOB_SIDECARS_PATH}${receipt.blockNumber}?indices=1`);
      expect(one.body.data).to.deep.equal([data[1]]);
    });

    it("keeps what it stored across a restart on the same data dir", async function () {
      const first = await archive();
      const { txHash, blobs } = await postOnLayer1(kzg, payloadOf(1_000, 3));
      await publishTransactionBlobs(first.url, ethers.provider, kzg, txHash, blobs);
      await first.close();
      const second = await archive();
      const receipt = (await ethers.provider.getTransactionReceipt(txHash))!;
      const [blob] = await sourceFor(second.url).getBlobs({
        blockNumber: receipt.blockNumber,
        versionedHashes: [versionedHash(kzg.commit(blobs[0]))],
        blockHash: receipt.blockHash,
      });
      expect(hexlify(blob.blob)).to.equal(hexlify(blobs[0]));
      expect((await getJson(second.url, BLOB_SIDECARS_PATH + receipt.blockHash)).status).to.equal(200);
    });

    it("closes at once with an idle keep-alive connection open", async function () {
      const served = await archive();
      const agent = new Agent({ keepAlive: true });
      const { socketClosed } = await new Promise<{ socketClosed: Promise<void> }>((resolve, reject) => {
        const req = request(served.url + BLOB_SIDECARS_PATH + "12345", { agent }, (res) => {
          const closed = new Promise<void>((done) => req.socket!.once("close", () => done()));
          res.resume();
          res.on("end", () => resolve({ socketClosed: closed }));
        });
        req.on("error", reject).end();
      });
      const outcome = await Promise.race([
        served.close().then(() => "closed"),
        new Promise((resolve) => setTimeout(() => resolve("still open"), 3_000)),
      ]);
      expect(outcome).to.equal("closed");
      await socketClosed;
      agent.destroy();
    });
  });

  describe("refusing bad posts", function () {
    const block = { blockNumber: 900_001, blockHash: hexlify(randomBytes(32)) };

    it("refuses a sidecar whose proof is wrong (bad-proof) and stores none of the post", async function () {
      const served = await archive();
      const [a, b] = encodeBlobs(payloadOf(200_000, 4));
      const good = sidecarOf(kzg, a, 0);
      const forged = { ...sidecarOf(kzg, b, 1), proof: good.proof };
      const error = await expectRejection(
        postBlobSidecars(served.url, block, [good, forged]),
        BlobArchiveRejectedError,
      );
      expect([error.reason, error.status]).to.deep.equal(["bad-proof", 422]);
      expect((await getJson(served.url, BLOB_SIDECARS_PATH + block.blockNumber)).status).to.equal(404);
      // the honest post beside it is stored
      expect(await postBlobSidecars(served.url, block, [good])).to.deep.equal([0]);
    });

    it("refuses another blob at a stored index, and the same block number under another hash (conflict)", async function () {
      const served = await archive();
      const [a] = encodeBlobs(payloadOf(10, 5));
      const [b] = encodeBlobs(payloadOf(10, 6));
      await postBlobSidecars(served.url, block, [sidecarOf(kzg, a, 0)]);
      expect(await postBlobSidecars(served.url, block, [sidecarOf(kzg, a, 0)])).to.deep.equal([0]); // idempotent
      const other = await expectRejection(
        postBlobSidecars(served.url, block, [sidecarOf(kzg, b, 0)]),
        BlobArchiveRejectedError,
      );
      expect([other.reason, other.status]).to.deep.equal(["conflict", 409]);
      const reorg = await expectRejection(
        postBlobSidecars(served.url, { ...block, blockHash: hexlify(randomBytes(32)) }, [
          sidecarOf(kzg, b, 1),
        ]),
        BlobArchiveRejectedError,
      );
      expect(reorg.reason).to.equal("conflict");
      const stored = await getJson(served.url, BLOB_SIDECARS_PATH + block.blockNumber);
      expect(stored.body.data).to.deep.equal([sidecarToJson(sidecarOf(kzg, a, 0))]);
    });

    it("refuses blobs that are not the transaction's, before posting them", async function () {
      const served = await archive();
      const { txHash } = await postOnLayer1(kzg, payloadOf(100, 7));
      const wrong = encodeBlobs(payloadOf(100, 8));
      await expectRejection(
        publishTransactionBlobs(served.url, ethers.provider, kzg, txHash, wrong),
        BlobTransactionError,
      );
    });
  });

  describe("BeaconBlobSource", function () {
    it("throws BlobNotFoundError for a block or blob the archive does not have, and 400s a bad block id", async function () {
      const served = await archive();
      const [a] = encodeBlobs(payloadOf(10, 9));
      const hash = versionedHash(kzg.commit(a));
      const source = sourceFor(served.url);
      const missing = await expectRejection(
        source.getBlobs({ blockNumber: 777_777, versionedHashes: [hash] }),
        BlobNotFoundError,
      );
      expect(missing.versionedHash).to.equal(hash);
      const block = { blockNumber: 777_778, blockHash: hexlify(randomBytes(32)) };
      await postBlobSidecars(served.url, block, [sidecarOf(kzg, a, 0)]);
      const [b] = encodeBlobs(payloadOf(10, 10));
      const absent = versionedHash(kzg.commit(b));
      const notThere = await expectRejection(
        source.getBlobs({ ...block, versionedHashes: [hash, absent] }),
        BlobNotFoundError,
      );
      expect(notThere.versionedHash).to.equal(absent);
      const bad = await getJson(served.url, BLOB_SIDECARS_PATH + "head");
      expect([bad.status, bad.body.reason]).to.deep.equal([400, "bad-block-id"]);
      await expectRejection(source.getTransactionBlobs(hexlify(randomBytes(32))), BlobTransactionError);
    });

    describe("against a source that lies", function () {
      const liars: Server[] = [];
      afterEach(async function () {
        await Promise.all(liars.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
      });

      async function liar(answer: () => unknown): Promise<BeaconBlobSource> {
        const started = await startLiar(answer);
        liars.push(started.server);
        return sourceFor(started.url);
      }

      const [blob] = encodeBlobs(payloadOf(50_000, 11));
      let honest: BlobSidecarJson;
      let hash: string;
      before(function () {
        honest = sidecarToJson(sidecarOf(kzg, blob, 0));
        hash = versionedHash(honest.kzg_commitment);
      });

      it("refuses a tampered blob served with the true commitment and proof (BlobCommitmentMismatchError)", async function () {
        const tampered = blob.slice();
        tampered[1 + 32 * 100] ^= 0xff; // one payload byte of field element 100
        const source = await liar(() => ({ data: [{ ...honest, blob: hexlify(tampered) }] }));
        const error = await expectRejection(
          source.getBlobs({ blockNumber: 1, versionedHashes: [hash] }),
          BlobCommitmentMismatchError,
        );
        expect(error.versionedHash).to.equal(hash);
        // the honest answer beside it is accepted
        const truthful = await liar(() => ({ data: [honest] }));
        const [got] = await truthful.getBlobs({ blockNumber: 1, versionedHashes: [hash] });
        expect(hexlify(got.blob)).to.equal(hexlify(blob));
      });

      it("refuses a tampered blob served with its own commitment and proof (not the one on Layer 1)", async function () {
        const other = encodeBlobs(payloadOf(50_000, 12))[0];
        const forged = sidecarToJson(sidecarOf(kzg, other, 0));
        const source = await liar(() => ({ data: [forged] }));
        await expectRejection(
          source.getBlobs({ blockNumber: 1, versionedHashes: [hash] }),
          BlobNotFoundError,
        );
        // checked directly, that blob's commitment is not the one the versioned hash names
        const error = (() => {
          try {
            checkBlob(kzg, hash, other);
          } catch (e) {
            return e;
          }
        })();
        expect(error).to.be.instanceOf(BlobCommitmentMismatchError);
      });

      it("throws BlobSourceResponseError for a body that is not the beacon API's shape", async function () {
        for (const answer of [
          "not json",
          { nodata: [] },
          { data: [{ ...honest, blob: "0x1234" }] },
          { data: [{ ...honest, index: 0 }] },
        ]) {
          const source = await liar(() => answer);
          await expectRejection(
            source.getBlobs({ blockNumber: 1, versionedHashes: [hash] }),
            BlobSourceResponseError,
          );
        }
      });
    });
  });
});
