import { expect } from "chai";
import {
  ZK_REQUEST_BYTES,
  ZkCodecError,
  decodeZkRequest,
  encodeZkRequest,
  zkTxHash,
} from "../../src/zk/codec";
import { ZkCrypto, zkPrivateKeyFromSeed } from "../../src/zk/keys";
import { ZkWallet } from "../../src/zk/wallet";

const DOMAIN = (31337n << 160n) + 0x5eedn;
const ALICE_L1 = "0x00000000000000000000000000000000000A11cE";

describe("zk codec", function () {
  let wallet: ZkWallet;
  let crypto: ZkCrypto;

  before(async function () {
    crypto = await ZkCrypto.load();
    wallet = new ZkWallet(crypto, zkPrivateKeyFromSeed("alice"), ALICE_L1, DOMAIN);
  });

  describe("encodeZkRequest / decodeZkRequest", function () {
    it("round-trips a transfer", function () {
      const { request, encoded } = wallet.transfer({ from: 3, to: 9, amount: 10n ** 20n, nonce: 7 });
      expect((encoded.length - 2) / 2).to.equal(ZK_REQUEST_BYTES.transfer);
      expect(decodeZkRequest(encoded)).to.deep.equal(request);
      expect(encodeZkRequest(decodeZkRequest(encoded))).to.equal(encoded);
    });

    it("round-trips a withdrawal, its recipient checksummed", function () {
      const { request, encoded } = wallet.withdraw({ from: 3, tokenId: 2, amount: 5n, nonce: 0 });
      expect((encoded.length - 2) / 2).to.equal(ZK_REQUEST_BYTES.withdraw);
      expect(decodeZkRequest(encoded)).to.deep.equal(request);
      expect(request.tx).to.include({ recipient: ALICE_L1 });
    });

    it("throws ZkCodecError for bytes that are no signed spend", function () {
      const { encoded } = wallet.transfer({ from: 3, to: 9, amount: 1n, nonce: 0 });
      for (const bad of [
        "",
        "0x",
        "0x0",
        "zz",
        "0x01" + encoded.slice(4),
        encoded.slice(0, -2),
        encoded + "00",
      ]) {
        expect(() => decodeZkRequest(bad), bad.slice(0, 12)).to.throw(ZkCodecError);
      }
    });

    it("throws ZkCodecError for a field that does not fit or an amount that is no float40", function () {
      const { request } = wallet.transfer({ from: 3, to: 9, amount: 1n, nonce: 0 });
      expect(() => encodeZkRequest({ ...request, nonce: 2 ** 32 })).to.throw(ZkCodecError);
      expect(() => encodeZkRequest({ ...request, tx: { ...request.tx, amount: (1n << 35n) + 1n } })).to.throw(
        ZkCodecError,
      );
    });
  });

  describe("zkTxHash", function () {
    it("is the message the spend signs, bound to its nonce and domain", function () {
      const body = { kind: "transfer" as const, from: 1, to: 2, amount: 3n };
      const hash = zkTxHash(crypto, body, 0, DOMAIN);
      expect(hash).to.match(/^0x[0-9a-f]{64}$/);
      expect(zkTxHash(crypto, body, 1, DOMAIN)).to.not.equal(hash);
      expect(zkTxHash(crypto, body, 0, DOMAIN + 1n)).to.not.equal(hash);
      expect(wallet.transfer({ ...body, nonce: 0 }).hash).to.equal(hash);
    });
  });
});
