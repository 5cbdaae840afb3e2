/**
 * Deploys circomlibjs's Poseidon EVM contracts (`poseidonContract.createCode(n)`) for 2, 3 and 4
 * inputs: the hashes `ZkRollup` needs to check an exodus exit (node, root, leaf). Each exposes
 * `poseidon(uint256[n]) returns (uint256)`. Only the bytecode and ABI come from circomlibjs; the
 * deployment goes through our ethers v6 (circomlibjs carries its own ethers v5, kept out of our code).
 */
import type { InterfaceAbi, Signer } from "ethers";
import { ContractFactory } from "ethers";

interface PoseidonContractGenerator {
  createCode(nInputs: number): string;
  generateABI(nInputs: number): InterfaceAbi;
}

// circomlibjs ships no types for this part; its CommonJS build is loaded with require.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { poseidonContract } = require("circomlibjs") as { poseidonContract: PoseidonContractGenerator };

/** The input counts `ZkRollup` hashes with on chain. */
export const POSEIDON_ARITIES = [2, 3, 4] as const;
export type PoseidonArity = (typeof POSEIDON_ARITIES)[number];

/** The addresses of the deployed Poseidon contracts, by input count. */
export interface PoseidonContracts {
  poseidon2: string;
  poseidon3: string;
  poseidon4: string;
}

/** The ABI and creation bytecode of the Poseidon contract on `n` inputs. */
export function poseidonArtifact(n: PoseidonArity): { abi: InterfaceAbi; bytecode: string } {
  return { abi: poseidonContract.generateABI(n), bytecode: poseidonContract.createCode(n) };
}

/** Deploys the Poseidon contract on `n` inputs and returns its address. */
export async function deployPoseidon(deployer: Signer, n: PoseidonArity): Promise<string> {
  const { abi, bytecode } = poseidonArtifact(n);
  const factory = new ContractFactory(abi, bytecode, deployer);
  const contract = await factory.deploy();
  await contract.waitForDeployment();
  return contract.getAddress();
}

/** Deploys the Poseidon contracts on 2, 3 and 4 inputs, one after the other (so nonces stay in order). */
export async function deployPoseidonContracts(deployer: Signer): Promise<PoseidonContracts> {
  const poseidon2 = await deployPoseidon(deployer, 2);
  const poseidon3 = await deployPoseidon(deployer, 3);
  const poseidon4 = await deployPoseidon(deployer, 4);
  return { poseidon2, poseidon3, poseidon4 };
}
