// The on-chain Poseidon hashers (poseidon-solidity's PoseidonT3..T5, deployed by src/zk/poseidon-contracts.ts)
// against circomlibjs's poseidon, the hash the circuit and the off-chain state use: the exodus exit and the
// genesis root rest on this parity.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Contract } from "ethers";
import { SNARK_SCALAR_FIELD, loadPoseidon } from "../../src/zk/domain";
import type { PoseidonArity } from "../../src/zk/poseidon-contracts";
import { POSEIDON_ARITIES, deployPoseidonContracts, poseidonArtifact } from "../../src/zk/poseidon-contracts";
import { forAllDrawsAsync } from "../helpers/property";

const MAX_UINT256 = (1n << 256n) - 1n;

async function deployHashers() {
  const [deployer] = await ethers.getSigners();
  const addresses = await deployPoseidonContracts(deployer);
  const at = (n: PoseidonArity, address: string) =>
    new Contract(address, poseidonArtifact(n).abi, ethers.provider);
  const hashers = {
    2: at(2, addresses.poseidon2),
    3: at(3, addresses.poseidon3),
    4: at(4, addresses.poseidon4),
  };
  return { hashers, poseidon: await loadPoseidon() };
}

describe("Poseidon hashers (poseidon-solidity)", function () {
  for (const n of POSEIDON_ARITIES) {
    describe(`hash on ${n} inputs`, function () {
      it("equals circomlibjs's poseidon on random inputs, field elements or not", async function () {
        const { hashers, poseidon } = await loadFixture(deployHashers);
        await forAllDrawsAsync({ runs: 25 }, async (rng) => {
          // Field elements mostly; whole words too: the hasher takes its inputs modulo the field, as
          // circomlibjs does, and an exit's siblings come from calldata unchecked.
          const inputs = Array.from({ length: n }, () =>
            rng.int(4) === 0 ? rng.edgy(256) : rng.bigint(256) % SNARK_SCALAR_FIELD,
          );
          expect(await hashers[n].hash(inputs)).to.equal(poseidon(inputs), `inputs ${inputs.join(", ")}`);
        });
      });

      it("equals circomlibjs's poseidon at the field's edges, reducing inputs modulo the field", async function () {
        const { hashers, poseidon } = await loadFixture(deployHashers);
        for (const edge of [
          0n,
          1n,
          SNARK_SCALAR_FIELD - 1n,
          SNARK_SCALAR_FIELD,
          SNARK_SCALAR_FIELD + 1n,
          MAX_UINT256,
        ]) {
          const inputs = Array.from({ length: n }, (_, i) => (i === 0 ? edge : BigInt(i)));
          const expected = poseidon(inputs.map((x) => x % SNARK_SCALAR_FIELD));
          expect(await hashers[n].hash(inputs)).to.equal(expected, `first input ${edge}`);
          expect(poseidon(inputs)).to.equal(expected);
        }
      });

      it("differs from the hasher on another input count (the rollup cannot mix them up silently)", async function () {
        const { hashers } = await loadFixture(deployHashers);
        const other = n === 2 ? 3 : 2;
        const wrong = new Contract(
          await hashers[other].getAddress(),
          poseidonArtifact(n).abi,
          ethers.provider,
        );
        await expect(wrong.hash(Array.from({ length: n }, (_, i) => BigInt(i + 1)))).to.be.reverted;
      });
    });
  }
});
