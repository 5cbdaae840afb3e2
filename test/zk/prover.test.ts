import { join } from "node:path";
import { expect } from "chai";
import { createLogger } from "../../src/common/logger";
import { buildZk } from "../../src/zk/build/pipeline";
import { snarkjs } from "../../src/zk/build/snarkjs";
import { SNARK_SCALAR_FIELD } from "../../src/zk/domain";
import {
  ZkArtifactsMissingError,
  ZkInputError,
  ZkProver,
  ZkProverClosedError,
  type CircuitInput,
  type ZkProof,
} from "../../src/zk/prover";
import { callArgs, deployVerifier } from "./fixtures/verifier";
import { createToyWorkspace, type ToyWorkspace } from "./fixtures/workspace";

const quiet = createLogger({ level: "silent" });

/** The fee recipient every toy batch names (a public input the toy circuit only squares). */
const FEE_RECIPIENT = 0xfeen;

/** What the toy RollupBatch(2, 2) computes: oldRoot folded through each slot twice (x → x² + slot). */
function toyBatch(oldRoot: bigint, slots: readonly bigint[]): CircuitInput {
  let root = oldRoot;
  for (const slot of slots) for (let d = 0; d < 2; d++) root = (root * root + slot) % SNARK_SCALAR_FIELD;
  return { oldRoot, newRoot: root, feeRecipient: FEE_RECIPIENT, slots };
}

describe("ZkProver (src/zk/prover.ts)", function () {
  this.timeout(300_000);
  let ws: ToyWorkspace;
  let prover: ZkProver;
  let proved: ZkProof;

  before(async function () {
    ws = await createToyWorkspace();
    await buildZk({ ...ws.layout, profiles: ["test"], logger: quiet });
    prover = await ZkProver.load({ ...ws.layout, profile: "test", logger: quiet });
    proved = await prover.prove(toyBatch(3n, [1n, 0n]));
  });
  after(async function () {
    await prover.close();
    await ws.remove();
  });

  describe("prove", function () {
    it("proves a batch whose proof verifies off-chain, with the public inputs in order", async function () {
      expect(proved.publicSignals).to.deep.equal([3n, 104060401n, FEE_RECIPIENT, 1n, 0n]);
      expect(await prover.verify(proved.proof, proved.publicSignals)).to.equal(true);
      expect(prover.nPublic).to.equal(5);
    });

    it("proves batch after batch without reloading", async function () {
      const batches = [
        toyBatch(5n, [0n, 7n]),
        toyBatch(11n, [2n, 3n]),
        toyBatch(SNARK_SCALAR_FIELD - 1n, [9n, 0n]),
      ];
      for (const batch of batches) {
        const { proof, publicSignals, provingMs } = await prover.prove(batch);
        expect(publicSignals[1]).to.equal(batch.newRoot);
        expect(await prover.verify(proof, publicSignals)).to.equal(true);
        expect(provingMs).to.be.below(30_000);
      }
    });

    it("runs concurrent calls one after the other, each with its own proof", async function () {
      const results = await Promise.all([
        prover.prove(toyBatch(21n, [1n, 1n])),
        prover.prove(toyBatch(22n, [0n, 1n])),
      ]);
      expect(results.map((r) => r.publicSignals[0])).to.deep.equal([21n, 22n]);
    });

    it("rejects a batch the circuit refuses (wrong new root) with ZkInputError", async function () {
      const batch = toyBatch(3n, [1n, 0n]);
      await expect(prover.prove({ ...batch, newRoot: (batch.newRoot as bigint) + 1n })).to.be.rejectedWith(
        ZkInputError,
      );
    });

    it("rejects an input the circuit cannot take (an all-noop batch, a missing signal, a non-integer) with ZkInputError", async function () {
      await expect(prover.prove(toyBatch(3n, [0n, 0n]))).to.be.rejectedWith(ZkInputError);
      await expect(prover.prove({ oldRoot: 3n, newRoot: 1n })).to.be.rejectedWith(ZkInputError);
      await expect(prover.prove({ ...toyBatch(3n, [1n, 0n]), oldRoot: "0x03" })).to.be.rejectedWith(
        ZkInputError,
      );
      await expect(prover.prove({ ...toyBatch(3n, [1n, 0n]), oldRoot: 1.5 })).to.be.rejectedWith(
        ZkInputError,
      );
    });
  });

  describe("verify", function () {
    it("fails for a tampered public input (old root, new root, fee recipient or a slot)", async function () {
      for (const index of [0, 1, 2, 3, 4]) {
        const tampered = proved.publicSignals.map((s, i) => (i === index ? s + 1n : s));
        expect(await prover.verify(proved.proof, tampered), `input ${index}`).to.equal(false);
      }
    });

    it("fails for out-of-field public inputs and a wrong count", async function () {
      const [oldRoot, ...rest] = proved.publicSignals;
      expect(await prover.verify(proved.proof, [oldRoot! + SNARK_SCALAR_FIELD, ...rest])).to.equal(false);
      expect(await prover.verify(proved.proof, proved.publicSignals.slice(1))).to.equal(false);
    });
  });

  describe("solidity format", function () {
    it("matches snarkjs's exportSolidityCallData (b's inner pairs swapped)", async function () {
      const groth16 = snarkjs.groth16 as unknown as {
        exportSolidityCallData(p: unknown, s: string[]): Promise<string>;
      };
      const calldata = await groth16.exportSolidityCallData(proved.proof, proved.publicSignals.map(String));
      const [a, b, c, input] = JSON.parse(`[${calldata}]`) as [string[], string[][], string[], string[]];
      const s = proved.solidity;
      expect(s.a).to.deep.equal(a.map(BigInt));
      expect(s.b).to.deep.equal(b.map((pair) => pair.map(BigInt)));
      expect(s.c).to.deep.equal(c.map(BigInt));
      expect(s.publicInputs).to.deep.equal(input.map(BigInt));
    });

    it("is accepted by the generated ZkVerifierTest, which rejects a tampered public input", async function () {
      const verifier = await deployVerifier(join(ws.verifierDir, "ZkVerifierTest.sol"), "ZkVerifierTest");
      expect(await verifier.verifyProof(...callArgs(proved.solidity))).to.equal(true);
      const tampered = {
        ...proved.solidity,
        publicInputs: proved.solidity.publicInputs.map((s, i) => (i === 1 ? s + 1n : s)),
      };
      expect(await verifier.verifyProof(...callArgs(tampered))).to.equal(false);
    });
  });

  describe("load and close", function () {
    it("throws ZkArtifactsMissingError, naming npm run zk:build, for a profile never built", async function () {
      const error: ZkArtifactsMissingError = await expect(
        ZkProver.load({ ...ws.layout, profile: "default", logger: quiet }),
      ).to.be.rejectedWith(ZkArtifactsMissingError);
      expect(error.message).to.contain("npm run zk:build");
      expect(error.profile).to.equal("default");
    });

    it("throws ZkProverClosedError after close", async function () {
      const other = await ZkProver.load({ ...ws.layout, profile: "test", logger: quiet });
      await other.close();
      await expect(other.prove(toyBatch(3n, [1n, 0n]))).to.be.rejectedWith(ZkProverClosedError);
    });
  });
});
