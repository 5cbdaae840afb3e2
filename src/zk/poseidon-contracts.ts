/**
 * Deploys the Poseidon hashers `ZkRollup` checks an exodus exit with (node: 2 inputs, root and owner:
 * 3, leaf: 4): poseidon-solidity's `PoseidonT3`, `PoseidonT4` and `PoseidonT5` libraries (the same hash
 * as circomlib's `Poseidon(n)` and circomlibjs's `poseidon`, about a third cheaper a hash than
 * circomlibjs's generated `poseidonContract.createCode(n)`; figures in docs/zk.md). Each is deployed on
 * its own from the creation bytecode the package ships (the code behind its deterministic addresses)
 * and called directly: a library's `pure` function answers a plain call, `hash(uint256[n])`.
 */
import type { Signer } from "ethers";
import { ContractFactory } from "ethers";

interface PoseidonLibraryDeploy {
  /** The library's creation bytecode, as the package compiled it. */
  bytecode: string;
}

// poseidon-solidity declares its module in a `declare module` block that TypeScript does not pick up
// from `types`; its CommonJS entry is loaded with require and typed here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const libraries = require("poseidon-solidity") as Record<
  "PoseidonT3" | "PoseidonT4" | "PoseidonT5",
  PoseidonLibraryDeploy
>;

/** The input counts `ZkRollup` hashes with on chain. */
export const POSEIDON_ARITIES = [2, 3, 4] as const;
export type PoseidonArity = (typeof POSEIDON_ARITIES)[number];

/** The addresses of the deployed Poseidon hashers, by input count. */
export interface PoseidonContracts {
  poseidon2: string;
  poseidon3: string;
  poseidon4: string;
}

/** The ABI and creation bytecode of the Poseidon hasher on `n` inputs (poseidon-solidity's `PoseidonT{n+1}`). */
export function poseidonArtifact(n: PoseidonArity): { abi: string[]; bytecode: string } {
  const library = { 2: libraries.PoseidonT3, 3: libraries.PoseidonT4, 4: libraries.PoseidonT5 }[n];
  return { abi: [`function hash(uint256[${n}] input) pure returns (uint256)`], bytecode: library.bytecode };
}

/** Deploys the Poseidon hasher on `n` inputs and returns its address. */
export async function deployPoseidon(deployer: Signer, n: PoseidonArity): Promise<string> {
  const { abi, bytecode } = poseidonArtifact(n);
  const factory = new ContractFactory(abi, bytecode, deployer);
  const contract = await factory.deploy();
  await contract.waitForDeployment();
  return contract.getAddress();
}

/** Deploys the Poseidon hashers on 2, 3 and 4 inputs, one after the other (so nonces stay in order). */
export async function deployPoseidonContracts(deployer: Signer): Promise<PoseidonContracts> {
  const poseidon2 = await deployPoseidon(deployer, 2);
  const poseidon3 = await deployPoseidon(deployer, 3);
  const poseidon4 = await deployPoseidon(deployer, 4);
  return { poseidon2, poseidon3, poseidon4 };
}
