import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { expect } from "chai";
import { JsonRpcProvider, Wallet, hexlify, randomBytes } from "ethers";
import { ANVIL, freePort, localAccountKey, startAnvil, stopGroup } from "../../src/common/processes";
import { AnvilBlobSource } from "../../src/da/anvil-source";
import { decodeBlobs, encodeBlobs } from "../../src/da/codec";
import { BlobCommitmentMismatchError, BlobNotFoundError, BlobSourceResponseError } from "../../src/da/errors";
import { Kzg, versionedHash } from "../../src/da/kzg";
import { expectRejection, payloadOf, sendBlobTransaction } from "./helpers";

/** An Anvil that lies about blobs: `anvil_getBlobByHash` answers with `lie(trueAnswer)`. */
class LyingAnvil extends JsonRpcProvider {
  constructor(
    url: string,
    private readonly lie: (answer: unknown) => unknown,
  ) {
    super(url, undefined, { staticNetwork: true });
  }

  override async send(method: string, params: unknown[]): Promise<any> {
    const answer = await super.send(method, params);
    return method === "anvil_getBlobByHash" ? this.lie(answer) : answer;
  }
}

describe("AnvilBlobSource (against a real Anvil)", function () {
  let anvil: ChildProcess | undefined;
  let url: string;
  let provider: JsonRpcProvider;
  let kzg: Kzg;
  let txHash: string;
  const payload = payloadOf(140_000, 1); // two blobs
  let blobs: Uint8Array[];

  before(async function () {
    // Anvil comes from an optional dependency that npm installs on Linux x64 only (as test/helpers/demo-services.ts).
    if (!existsSync(ANVIL)) this.skip();
    kzg = await Kzg.load();
    const port = await freePort();
    anvil = await startAnvil(port); // the launcher's defaults (`npm run anvil`): blob transactions work there
    url = `http://127.0.0.1:${port}`;
    provider = new JsonRpcProvider(url, undefined, { staticNetwork: true });
    const wallet = new Wallet(localAccountKey(9), provider);
    ({ blobs, txHash } = await sendBlobTransaction(wallet, kzg, payload));
  });

  after(async function () {
    provider?.destroy();
    if (anvil) await stopGroup(anvil);
  });

  describe("getTransactionBlobs", function () {
    it("returns the transaction's blobs, checked against its versioned hashes, which decode to the payload", async function () {
      const got = await new AnvilBlobSource({ provider, kzg }).getTransactionBlobs(txHash);
      expect(got.map((b) => b.versionedHash)).to.deep.equal(blobs.map((b) => versionedHash(kzg.commit(b))));
      expect(Buffer.from(decodeBlobs(got.map((b) => b.blob))).equals(Buffer.from(payload))).to.equal(true);
    });
  });

  describe("getBlobs", function () {
    it("throws BlobNotFoundError for a versioned hash Anvil never saw", async function () {
      const unknown = "0x01" + hexlify(randomBytes(31)).slice(2);
      const error = await expectRejection(
        new AnvilBlobSource({ provider, kzg }).getBlobs({ blockNumber: 0, versionedHashes: [unknown] }),
        BlobNotFoundError,
      );
      expect(error.versionedHash).to.equal(unknown);
    });

    it("refuses a blob that a lying node changed (BlobCommitmentMismatchError)", async function () {
      const liar = new LyingAnvil(url, (answer) => {
        const blob = Buffer.from((answer as string).slice(2), "hex");
        blob[1 + 32 * 7] ^= 0x01; // one payload byte
        return "0x" + blob.toString("hex");
      });
      try {
        const error = await expectRejection(
          new AnvilBlobSource({ provider: liar, kzg }).getTransactionBlobs(txHash),
          BlobCommitmentMismatchError,
        );
        expect(error.versionedHash).to.equal(versionedHash(kzg.commit(blobs[0])));
      } finally {
        liar.destroy();
      }
    });

    it("refuses another blob served for the hash, and an answer that is not a blob", async function () {
      const other = hexlify(encodeBlobs(payloadOf(10, 2))[0]);
      for (const [lie, type] of [
        [other, BlobCommitmentMismatchError],
        ["0x1234", BlobSourceResponseError],
      ] as const) {
        const liar = new LyingAnvil(url, () => lie);
        try {
          await expectRejection<Error>(
            new AnvilBlobSource({ provider: liar, kzg }).getTransactionBlobs(txHash),
            type,
          );
        } finally {
          liar.destroy();
        }
      }
    });
  });
});
