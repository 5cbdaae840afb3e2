import type { ZkCrypto, ZkKeyPair } from "../../../src/zk/keys";
import { ZkCrypto as Crypto, zkPrivateKeyFromSeed } from "../../../src/zk/keys";
import { slotElement } from "../../../src/zk/pubdata";
import type { ZkSignature, ZkTransferBody } from "../../../src/zk/types";
import type { CircuitInput } from "./harness";
import { testMain, useTestCircuit } from "./harness";

const SOURCE = testMain(["lib/spend-authorization.circom"], "component main = SpendAuthorization();");

const ALICE_L1 = "0x1000000000000000000000000000000000000001";
const DOMAIN = (31337n << 160n) + 0xabcdefn;
/** The order of BabyJubJub's prime subgroup: S and S + order give the same point. */
const SUBGROUP_ORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041n;

describe("SpendAuthorization (circuit)", function () {
  const circuit = useTestCircuit("spend-authorization", SOURCE);
  let crypto: ZkCrypto;
  let alice: ZkKeyPair;
  let mallory: ZkKeyPair;
  const body: ZkTransferBody = { kind: "transfer", from: 0, to: 1, amount: 1000n };
  const nonce = 4;

  before(async function () {
    crypto = await Crypto.load();
    alice = crypto.keyPair(zkPrivateKeyFromSeed("alice"));
    mallory = crypto.keyPair(zkPrivateKeyFromSeed("mallory"));
  });

  /** Alice's valid authorization of `body` at `nonce`, with `override`s. */
  function authorized(override: Partial<CircuitInput> = {}, signature?: ZkSignature): CircuitInput {
    const sig = signature ?? crypto.signSpend(alice.privateKey, body, nonce, DOMAIN);
    return {
      enabled: 1,
      slot: slotElement(body),
      nonce,
      domain: DOMAIN,
      owner: crypto.ownerOf(alice.publicKey, ALICE_L1),
      Ax: alice.publicKey.Ax,
      Ay: alice.publicKey.Ay,
      l1Address: BigInt(ALICE_L1),
      R8x: sig.R8x,
      R8y: sig.R8y,
      S: sig.S,
      ...override,
    };
  }

  it("accepts the owner's signature of the slot at its nonce", async function () {
    await circuit().expectPass(authorized());
  });

  it("accepts anything when disabled (all zeros)", async function () {
    const zeros = Object.fromEntries(Object.keys(authorized()).map((k) => [k, 0]));
    await circuit().expectPass(zeros);
  });

  it("accepts a bad signature when disabled", async function () {
    await circuit().expectPass(authorized({ enabled: 0, S: 1n }));
  });

  it("fails with a bad signature (S + 1)", async function () {
    const sig = crypto.signSpend(alice.privateKey, body, nonce, DOMAIN);
    await circuit().expectFail(authorized({ S: sig.S + 1n }), /ForceEqualIfEnabled/);
  });

  it("fails with a signature by another key (mallory signs, alice's key given)", async function () {
    const sig = crypto.signSpend(mallory.privateKey, body, nonce, DOMAIN);
    await circuit().expectFail(authorized({}, sig), /ForceEqualIfEnabled/);
  });

  it("fails when mallory signs with her own key for alice's account (owner mismatch)", async function () {
    const sig = crypto.signSpend(mallory.privateKey, body, nonce, DOMAIN);
    const key = { Ax: mallory.publicKey.Ax, Ay: mallory.publicKey.Ay };
    await circuit().expectFail(authorized(key, sig), /SpendAuthorization/);
  });

  it("fails with a signature of another nonce (a replay)", async function () {
    const sig = crypto.signSpend(alice.privateKey, body, nonce - 1, DOMAIN);
    await circuit().expectFail(authorized({}, sig), /ForceEqualIfEnabled/);
  });

  it("fails with a signature of another slot (amount changed)", async function () {
    const sig = crypto.signSpend(alice.privateKey, { ...body, amount: 1n }, nonce, DOMAIN);
    await circuit().expectFail(authorized({}, sig), /ForceEqualIfEnabled/);
  });

  it("fails with a signature for another domain (another chain)", async function () {
    const sig = crypto.signSpend(alice.privateKey, body, nonce, DOMAIN + (1n << 160n));
    await circuit().expectFail(authorized({}, sig), /ForceEqualIfEnabled/);
  });

  it("fails with the right key but another Layer-1 address in the owner hash", async function () {
    await circuit().expectFail(authorized({ l1Address: BigInt(ALICE_L1) + 1n }), /SpendAuthorization/);
  });

  it("fails with a malleated S (S + subgroup order)", async function () {
    const sig = crypto.signSpend(alice.privateKey, body, nonce, DOMAIN);
    await circuit().expectFail(authorized({ S: sig.S + SUBGROUP_ORDER }), /EdDSAPoseidonVerifier/);
  });

  it("fails with the identity as the key (a small-order key that would verify anything)", async function () {
    await circuit().expectFail(authorized({ Ax: 0n, Ay: 1n }), /EdDSAPoseidonVerifier/);
  });
});
