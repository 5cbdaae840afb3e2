import { expect } from "chai";
import type { ZkCrypto } from "../../../src/zk/keys";
import { ZkCrypto as Crypto, zkPrivateKeyFromSeed } from "../../../src/zk/keys";
import type { ZkPublicKey } from "../../../src/zk/types";
import type { CircuitInput } from "./harness";
import { testMain, useTestCircuit } from "./harness";

// OwnerHash with its output compared to a claimed owner.
const SOURCE = testMain(
  ["lib/owner.circom"],
  "component main = OwnerHashTest();",
  `template OwnerHashTest() {
    signal input Ax;         // public key, x
    signal input Ay;         // public key, y
    signal input l1Address;  // Layer-1 address
    signal input owner;      // the claimed owner
    component hash = OwnerHash();
    hash.Ax <== Ax;
    hash.Ay <== Ay;
    hash.l1Address <== l1Address;
    hash.owner === owner;
}`,
);

const ALICE_L1 = "0x1000000000000000000000000000000000000001";
const BOB_L1 = "0x2000000000000000000000000000000000000002";

describe("OwnerHash (circuit)", function () {
  const circuit = useTestCircuit("owner-hash", SOURCE);
  let crypto: ZkCrypto;
  let alice: ZkPublicKey;
  let bob: ZkPublicKey;

  before(async function () {
    crypto = await Crypto.load();
    alice = crypto.publicKey(zkPrivateKeyFromSeed("alice"));
    bob = crypto.publicKey(zkPrivateKeyFromSeed("bob"));
  });

  const input = (key: ZkPublicKey, l1: string, owner: bigint): CircuitInput => ({
    Ax: key.Ax,
    Ay: key.Ay,
    l1Address: BigInt(l1),
    owner,
  });

  it("matches ownerOf for alice", async function () {
    await circuit().expectPass(input(alice, ALICE_L1, crypto.ownerOf(alice, ALICE_L1)));
  });

  it("matches ownerOf for bob", async function () {
    await circuit().expectPass(input(bob, BOB_L1, crypto.ownerOf(bob, BOB_L1)));
  });

  it("matches ownerOf for the same key at another Layer-1 address", async function () {
    await circuit().expectPass(input(alice, BOB_L1, crypto.ownerOf(alice, BOB_L1)));
  });

  it("fails for another key's owner", async function () {
    await circuit().expectFail(input(bob, ALICE_L1, crypto.ownerOf(alice, ALICE_L1)), /OwnerHashTest/);
  });

  it("fails for another Layer-1 address's owner", async function () {
    await circuit().expectFail(input(alice, BOB_L1, crypto.ownerOf(alice, ALICE_L1)), /OwnerHashTest/);
  });

  it("fails for the full hash (not reduced mod 2^160)", async function () {
    const full = crypto.poseidon([alice.Ax, alice.Ay, BigInt(ALICE_L1)]);
    expect(full >> 160n).to.not.equal(0n);
    await circuit().expectFail(input(alice, ALICE_L1, full), /OwnerHashTest/);
  });

  it("fails for the owner plus 2^160", async function () {
    const owner = crypto.ownerOf(alice, ALICE_L1) + (1n << 160n);
    await circuit().expectFail(input(alice, ALICE_L1, owner), /OwnerHashTest/);
  });

  it("detects a tampered witness (the owner replaced by another's)", async function () {
    const witness = await circuit().expectPass(input(alice, ALICE_L1, crypto.ownerOf(alice, ALICE_L1)));
    const tampered = [...witness];
    tampered[circuit().wire("main.owner")] = crypto.ownerOf(bob, BOB_L1);
    expect(circuit().firstViolation(tampered)).to.be.greaterThanOrEqual(0);
  });
});
