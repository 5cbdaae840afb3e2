import { createServer, request } from "node:http";
import type { Server } from "node:http";
import { Agent } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { Wallet, hexlify, randomBytes } from "ethers";
import { ethers } from "hardhat";
import { createLogger } from "../../src/common/logger";
import type { RpcProvider } from "../../src/common/layer1";
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
import { expectRejection, payloadOf, sendBlobTransaction } from "./helpers";

const quiet = createLogger({ level: "silent" });

/** A type-3 transaction carrying `payload`, mined on the in-process Hardhat network. */
async function postOnLayer1(
  kzg: Kzg,
  payload: Uint8Array,
): Promise<{ txHash: string; blobs: Uint8Array[]; block: { blockNumber: number; blockHash: string } }> {
  const wallet = new Wallet(localAccountKey(8), ethers.provider);
  const { txHash, blobs, receipt } = await sendBlobTransaction(wallet, kzg, payload);
  return {
    txHash,
    blobs,
    block: { blockNumber: receipt.blockNumber, blockHash: receipt.blockHash.toLowerCase() },
  };
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

  async function archive(provider: RpcProvider = ethers.provider): Promise<BlobArchive> {
    const started = await startBlobArchive({ dataDir: dataDir(), kzg, provider, logger: quiet });
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
    it("refuses a sidecar whose proof is wrong (bad-proof) and stores none of the post", async function () {
      const served = await archive();
      const { txHash, blobs, block } = await postOnLayer1(kzg, payloadOf(200_000, 4)); // two blobs
      const good = sidecarOf(kzg, blobs[0], 0);
      const forged = { ...sidecarOf(kzg, blobs[1], 1), proof: good.proof }; // on Layer 1, proof wrong
      const error = await expectRejection(
        postBlobSidecars(served.url, block, [good, forged]),
        BlobArchiveRejectedError,
      );
      expect([error.reason, error.status]).to.deep.equal(["bad-proof", 422]);
      expect((await getJson(served.url, BLOB_SIDECARS_PATH + block.blockNumber)).status).to.equal(404);
      // the honest post beside it is stored
      expect(await publishTransactionBlobs(served.url, ethers.provider, kzg, txHash, blobs)).to.deep.equal([
        0, 1,
      ]);
    });

    it("refuses two sidecars at one index in a post (bad-request)", async function () {
      const served = await archive();
      const { blobs, block } = await postOnLayer1(kzg, payloadOf(10, 13));
      const twice = sidecarOf(kzg, blobs[0], 0);
      const error = await expectRejection(
        postBlobSidecars(served.url, block, [twice, twice]),
        BlobArchiveRejectedError,
      );
      expect([error.reason, error.status]).to.deep.equal(["bad-request", 400]);
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

  describe("squatting: nothing Layer 1 does not show takes a slot", function () {
    async function expectNotOnChain(promise: Promise<unknown>): Promise<void> {
      const error = await expectRejection(promise, BlobArchiveRejectedError);
      expect([error.reason, error.status]).to.deep.equal(["not-on-chain", 422]);
    }

    it("refuses block N under a made-up hash (even with the true blobs); the real post is then stored and served", async function () {
      const served = await archive();
      const { txHash, blobs, block } = await postOnLayer1(kzg, payloadOf(5_000, 14));
      const made = { blockNumber: block.blockNumber, blockHash: hexlify(randomBytes(32)) };
      await expectNotOnChain(postBlobSidecars(served.url, made, [sidecarOf(kzg, blobs[0], 0)]));
      const [junk] = encodeBlobs(payloadOf(5_000, 15));
      await expectNotOnChain(postBlobSidecars(served.url, made, [sidecarOf(kzg, junk, 0)]));
      expect((await getJson(served.url, BLOB_SIDECARS_PATH + made.blockHash)).status).to.equal(404);
      expect((await getJson(served.url, BLOB_SIDECARS_PATH + block.blockNumber)).status).to.equal(404);

      expect(await publishTransactionBlobs(served.url, ethers.provider, kzg, txHash, blobs)).to.deep.equal([
        0,
      ]);
      const [got] = await sourceFor(served.url).getTransactionBlobs(txHash);
      expect(hexlify(got.blob)).to.equal(hexlify(blobs[0]));
    });

    it("refuses a proof-valid blob that is not the one at its index, past the block's blobs, or in a block not mined", async function () {
      const served = await archive();
      const { txHash, blobs, block } = await postOnLayer1(kzg, payloadOf(200_000, 16)); // two blobs
      const [other] = encodeBlobs(payloadOf(10, 17));
      await expectNotOnChain(postBlobSidecars(served.url, block, [sidecarOf(kzg, other, 0)]));
      // the true blob 1 claimed at index 0, and a blob at an index the block does not have
      await expectNotOnChain(postBlobSidecars(served.url, block, [sidecarOf(kzg, blobs[1], 0)]));
      await expectNotOnChain(postBlobSidecars(served.url, block, [sidecarOf(kzg, other, 2)]));
      // one true sidecar does not carry a false one in with it
      await expectNotOnChain(
        postBlobSidecars(served.url, block, [sidecarOf(kzg, blobs[0], 0), sidecarOf(kzg, other, 1)]),
      );
      const future = { blockNumber: block.blockNumber + 1_000, blockHash: hexlify(randomBytes(32)) };
      await expectNotOnChain(postBlobSidecars(served.url, future, [sidecarOf(kzg, other, 0)]));
      expect((await getJson(served.url, BLOB_SIDECARS_PATH + block.blockNumber)).status).to.equal(404);

      expect(await publishTransactionBlobs(served.url, ethers.provider, kzg, txHash, blobs)).to.deep.equal([
        0, 1,
      ]);
      const got = await sourceFor(served.url).getTransactionBlobs(txHash);
      expect(got.map((b) => hexlify(b.blob))).to.deep.equal(blobs.map((b) => hexlify(b)));
    });

    it("takes the true blobs from anyone, first or not: the real poster's post after a front-runner's is stored", async function () {
      const served = await archive();
      const { txHash, blobs, block } = await postOnLayer1(kzg, payloadOf(1_000, 18));
      expect(await postBlobSidecars(served.url, block, [sidecarOf(kzg, blobs[0], 0)])).to.deep.equal([0]);
      expect(await publishTransactionBlobs(served.url, ethers.provider, kzg, txHash, blobs)).to.deep.equal([
        0,
      ]);
      const stored = await getJson(served.url, BLOB_SIDECARS_PATH + block.blockNumber);
      expect(stored.body.data).to.deep.equal([sidecarToJson(sidecarOf(kzg, blobs[0], 0))]);
    });

    it("replaces a block that a reorg took off Layer 1 with the block now at its number", async function () {
      const served = await archive();
      const snapshot = await ethers.provider.send("evm_snapshot", []);
      const first = await postOnLayer1(kzg, payloadOf(1_000, 19));
      await publishTransactionBlobs(served.url, ethers.provider, kzg, first.txHash, first.blobs);
      await ethers.provider.send("evm_revert", [snapshot]);
      const second = await postOnLayer1(kzg, payloadOf(1_000, 20));
      expect(second.block.blockNumber).to.equal(first.block.blockNumber);
      expect(second.block.blockHash).to.not.equal(first.block.blockHash);
      // the old block is no longer on Layer 1, so it cannot be posted again
      await expectNotOnChain(postBlobSidecars(served.url, first.block, [sidecarOf(kzg, first.blobs[0], 0)]));
      await publishTransactionBlobs(served.url, ethers.provider, kzg, second.txHash, second.blobs);
      const [got] = await sourceFor(served.url).getTransactionBlobs(second.txHash);
      expect(hexlify(got.blob)).to.equal(hexlify(second.blobs[0]));
      expect((await getJson(served.url, BLOB_SIDECARS_PATH + first.block.blockHash)).status).to.equal(404);
      expect((await getJson(served.url, BLOB_SIDECARS_PATH + second.block.blockHash)).status).to.equal(200);
    });

    it("stores nothing while it cannot read Layer 1 (layer1-unavailable, 503)", async function () {
      const down = {
        send: () => Promise.reject(new Error("connection refused")),
      } as unknown as RpcProvider;
      const served = await archive(down);
      const [a] = encodeBlobs(payloadOf(10, 21));
      const block = { blockNumber: 1, blockHash: hexlify(randomBytes(32)) };
      const error = await expectRejection(
        postBlobSidecars(served.url, block, [sidecarOf(kzg, a, 0)]),
        BlobArchiveRejectedError,
      );
      expect([error.reason, error.status]).to.deep.equal(["layer1-unavailable", 503]);
      expect((await getJson(served.url, BLOB_SIDECARS_PATH + "1")).status).to.equal(404);
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
      const { txHash, blobs, block } = await postOnLayer1(kzg, payloadOf(10, 9));
      await publishTransactionBlobs(served.url, ethers.provider, kzg, txHash, blobs);
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
