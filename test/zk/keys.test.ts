import { expect } from "chai";
import type { ZkCrypto } from "../../src/zk/keys";
import {
  generateZkPrivateKey,
  parseZkPrivateKey,
  ZkCrypto as Crypto,
  ZkKeyError,
  zkPrivateKeyFromSeed,
  zkPrivateKeyToHex,
} from "../../src/zk/keys";
import { slotElement } from "../../src/zk/pubdata";
import type { ZkTransferBody } from "../../src/zk/types";

const L1 = "0x1000000000000000000000000000000000000001";
const DOMAIN = (1n << 160n) + 0xabcn;

describe("zk keys", function () {
  let crypto: ZkCrypto;

  before(async function () {
    crypto = await Crypto.load();
  });

  describe("ZkCrypto.load", function () {
    it("builds one instance per process", async function () {
      expect(await Crypto.load()).to.equal(crypto);
    });
  });

  describe("private keys", function () {
    it("generates 32 random bytes, different each time", function () {
      const a = generateZkPrivateKey();
      expect(a.length).to.equal(32);
      expect(zkPrivateKeyToHex(a)).to.not.equal(zkPrivateKeyToHex(generateZkPrivateKey()));
    });

    it("derives the same key from the same seed", function () {
      expect(zkPrivateKeyFromSeed("alice")).to.deep.equal(zkPrivateKeyFromSeed("alice"));
      expect(zkPrivateKeyFromSeed("alice")).to.not.deep.equal(zkPrivateKeyFromSeed("bob"));
    });

    it("round-trips through hex", function () {
      const key = zkPrivateKeyFromSeed("alice");
      expect(parseZkPrivateKey(zkPrivateKeyToHex(key))).to.deep.equal(key);
    });

    it("throws ZkKeyError on a key that is not 32 bytes", function () {
      expect(() => parseZkPrivateKey(new Uint8Array(31))).to.throw(ZkKeyError);
      expect(() => parseZkPrivateKey("0x1234")).to.throw(ZkKeyError);
      expect(() => parseZkPrivateKey("not hex")).to.throw(ZkKeyError);
    });
  });

  describe("ownerOf", function () {
    it("is Poseidon(Ax, Ay, l1Address) mod 2^160", function () {
      const pub = crypto.publicKey(zkPrivateKeyFromSeed("alice"));
      const full = crypto.poseidon([pub.Ax, pub.Ay, BigInt(L1)]);
      expect(crypto.ownerOf(pub, L1)).to.equal(full % (1n << 160n));
      expect(crypto.ownerOf(pub, L1) < 1n << 160n).to.equal(true);
    });

    it("depends on the key and on the Layer-1 address", function () {
      const alice = crypto.publicKey(zkPrivateKeyFromSeed("alice"));
      const bob = crypto.publicKey(zkPrivateKeyFromSeed("bob"));
      const other = "0x2000000000000000000000000000000000000002";
      expect(crypto.ownerOf(alice, L1)).to.not.equal(crypto.ownerOf(bob, L1));
      expect(crypto.ownerOf(alice, L1)).to.not.equal(crypto.ownerOf(alice, other));
    });

    it("gives the bytes32 hex a deposit's `to` carries", function () {
      const pub = crypto.publicKey(zkPrivateKeyFromSeed("alice"));
      const hex = crypto.ownerHex(pub, L1);
      expect(hex).to.match(/^0x[0-9a-f]{64}$/);
      expect(BigInt(hex)).to.equal(crypto.ownerOf(pub, L1));
    });
  });

  describe("sign / verify", function () {
    const body: ZkTransferBody = { kind: "transfer", from: 0, to: 1, amount: 5n };

    it("signs M = Poseidon(slot, nonce, domain) so the key verifies it", function () {
      const key = crypto.keyPair(zkPrivateKeyFromSeed("alice"));
      const signature = crypto.signSpend(key.privateKey, body, 3, DOMAIN);
      const message = crypto.poseidon([slotElement(body), 3n, DOMAIN]);
      expect(crypto.message(slotElement(body), 3, DOMAIN)).to.equal(message);
      expect(crypto.verify(message, signature, key.publicKey)).to.equal(true);
    });

    it("rejects another key, another nonce, another domain and a changed S", function () {
      const alice = crypto.keyPair(zkPrivateKeyFromSeed("alice"));
      const bob = crypto.keyPair(zkPrivateKeyFromSeed("bob"));
      const signature = crypto.signSpend(alice.privateKey, body, 3, DOMAIN);
      const message = crypto.message(slotElement(body), 3, DOMAIN);
      expect(crypto.verify(message, signature, bob.publicKey)).to.equal(false);
      expect(
        crypto.verify(crypto.message(slotElement(body), 4, DOMAIN), signature, alice.publicKey),
      ).to.equal(false);
      expect(
        crypto.verify(crypto.message(slotElement(body), 3, DOMAIN + 1n), signature, alice.publicKey),
      ).to.equal(false);
      expect(crypto.verify(message, { ...signature, S: signature.S + 1n }, alice.publicKey)).to.equal(false);
    });

    it("rejects a signature whose R8 is off the curve without throwing", function () {
      const alice = crypto.keyPair(zkPrivateKeyFromSeed("alice"));
      const signature = crypto.signSpend(alice.privateKey, body, 0, DOMAIN);
      const message = crypto.message(slotElement(body), 0, DOMAIN);
      expect(crypto.verify(message, { ...signature, R8x: 1n }, alice.publicKey)).to.equal(false);
    });
  });
});
