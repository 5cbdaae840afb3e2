// The shared state library's speed (no chain): Merkle-tree leaf updates per second with each hasher, and
// the calldata size of one signed transfer.
import { Wallet } from "ethers";
import { L2Domain } from "../shared/eip712";
import { encodeTx } from "../shared/codec";
import type { Hasher } from "../shared/hasher";
import { createKeccakHasher, createPoseidonHasher } from "../shared/hasher";
import { SparseMerkleTree } from "../shared/merkle-tree";
import type { Figures } from "./figures";
import { medianRate } from "./figures";

const DEPTH = 32;

/** Leaf updates per second on one core at depth 32, each at a fresh pseudo-random index. */
function treeUpdatesPerSec<N>(hasher: Hasher<N>, n: number): number {
  const tree = new SparseMerkleTree(hasher, DEPTH);
  const leaf = hasher.fromUint(42n);
  let seed = 1;
  return medianRate(n, 3, () => {
    for (let i = 0; i < n; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      tree.update(seed * 2, leaf);
    }
  });
}

export async function benchShared(): Promise<Figures> {
  const wallet = Wallet.createRandom();
  const domain = new L2Domain(31337n, wallet.address);
  const signature = await domain.signTransfer(wallet, { from: 1, to: 2, amount: 10n ** 15n, nonce: 0 });
  const transfer = encodeTx({ kind: "transfer", from: 1, to: 2, amount: 10n ** 15n, signature });
  return {
    "shared.keccakTree.updatesPerSec": treeUpdatesPerSec(await createKeccakHasher(), 30_000),
    "shared.poseidonTree.updatesPerSec": treeUpdatesPerSec(await createPoseidonHasher(), 300),
    "shared.transfer.calldataBytes": transfer.length,
  };
}
