import { getBytes, keccak256 as ethersKeccak256 } from "ethers";
import { createKeccak } from "hash-wasm";
import type { IHasher } from "hash-wasm";

/**
 * keccak256 for hot paths (signature recovery, channel state hashing): WebAssembly (hash-wasm), about
 * ten times ethers' pure-JS keccak on short inputs, once `keccakReady` has resolved; ethers' keccak
 * until then, with the same results. Synchronous, so one shared instance serves every caller.
 */
let wasm: IHasher | undefined;

/** Resolves once the WebAssembly keccak256 is loaded (hashing works before, only slower). */
export const keccakReady: Promise<void> = createKeccak(256).then((hasher) => {
  wasm = hasher;
});

/** keccak256 of `data`, as 32 bytes. */
export function keccak256Bytes(data: Uint8Array): Buffer {
  if (wasm === undefined) return Buffer.from(getBytes(ethersKeccak256(data)));
  wasm.init();
  wasm.update(data);
  const digest = wasm.digest("binary");
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength);
}
