// What the blob tests share: a deterministic payload, a typed rejection, and a type-3 transaction carrying
// a payload in blobs (ethers signs it locally, so it reaches any node through eth_sendRawTransaction).
import { expect } from "chai";
import type { Signer, TransactionReceipt } from "ethers";
import { encodeBlobs } from "../../src/da/codec";
import type { Kzg } from "../../src/da/kzg";

/** `length` bytes that differ with `seed` and along the payload (no run of one value). */
export function payloadOf(length: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 13 + seed * 101 + (i >> 9)) & 0xff);
}

/** Awaits `promise`, which must reject with a `type`; returns the error. */
export async function expectRejection<E extends Error>(
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

/** Sends `payload` in blobs in a type-3 transaction from `wallet` to itself, and waits for it to be mined. */
export async function sendBlobTransaction(
  wallet: Signer,
  kzg: Kzg,
  payload: Uint8Array,
): Promise<{ txHash: string; blobs: Uint8Array[]; receipt: TransactionReceipt }> {
  const blobs = encodeBlobs(payload);
  const tx = await wallet.sendTransaction({
    type: 3,
    to: await wallet.getAddress(),
    blobs,
    kzg: kzg.ethersKzg(),
    maxFeePerBlobGas: 10n ** 10n,
  });
  return { txHash: tx.hash, blobs, receipt: (await tx.wait())! };
}
