/**
 * The zk rollup's domain and roots (`docs/zk.md`, "State"):
 * - domain = chainId · 2^160 + rollupAddress, binding roots and signatures to one deployment;
 * - rollup root = Poseidon(accountsRoot, nextIndex, domain), what the contract stores;
 * - genesis root = Poseidon(emptyRoot(depth), 0, domain).
 * Mirrored by `ZkRollup`'s constructor (DOMAIN) and `ExitTree.sol` (the root of an exit proof).
 */
import type { Poseidon } from "circomlibjs";
import { buildPoseidon } from "circomlibjs";
import { getAddress } from "ethers";
import { L2State } from "../shared/state";

/** Poseidon over the BN254 scalar field on any number of inputs (1 to 16), as field elements. */
export type PoseidonFn = (inputs: readonly bigint[]) => bigint;

/** The BN254 scalar field's modulus: every public input is below it. */
export const SNARK_SCALAR_FIELD =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;

let built: Promise<Poseidon> | undefined;

/** circomlibjs's Poseidon, built once per process (building it takes ~100 ms). */
export async function loadPoseidon(): Promise<PoseidonFn> {
  built ??= buildPoseidon();
  const poseidon = await built;
  return (inputs) => poseidon.F.toObject(poseidon([...inputs]));
}

/** The domain of the rollup at `rollup` on chain `chainId`: chainId · 2^160 + address. */
export function zkDomain(chainId: bigint, rollup: string): bigint {
  return (chainId << 160n) + BigInt(getAddress(rollup));
}

/** The rollup root: Poseidon(accountsRoot, nextIndex, domain). */
export function rollupRoot(
  poseidon: PoseidonFn,
  accountsRoot: bigint,
  nextIndex: number | bigint,
  domain: bigint,
): bigint {
  return poseidon([accountsRoot, BigInt(nextIndex), domain]);
}

/** The root of an empty state of `depth`: Poseidon(emptyRoot(depth), 0, domain). */
export async function genesisRoot(depth: number, domain: bigint): Promise<bigint> {
  const state = await L2State.poseidon(depth);
  return rollupRoot(await loadPoseidon(), state.tree.root, 0, domain);
}
