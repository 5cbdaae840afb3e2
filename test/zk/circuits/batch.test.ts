import { expect } from "chai";
import { ZkState } from "../../../src/zk/state";
import type { ZkTxRequest } from "../../../src/zk/stf";
import type { ZkBatchWitness } from "../../../src/zk/witness";
import { buildBatchWitness } from "../../../src/zk/witness";
import type { CircuitInput, TestCircuit } from "./harness";
import { batchMain, compileTestCircuit, readProfiles } from "./harness";
import { ZkWorld } from "./zk-world";

const BATCH_SIZE = 4;
const DEPTH = 2;
/** Who the batches' fees go to: a public input the transition does not use. */
const FEE_RECIPIENT = "0x000000000000000000000000000000000000fee5";

describe("RollupBatch (circuit)", function () {
  let circuit: TestCircuit;
  let world: ZkWorld;
  /** 0: alice (token 0, 1000), 1: bob (token 0, 50); nextIndex 2. */
  let funded: ZkState;

  before(async function () {
    this.timeout(300_000);
    circuit = await compileTestCircuit(`rollup-batch-${BATCH_SIZE}x${DEPTH}`, batchMain(BATCH_SIZE, DEPTH));
    world = await ZkWorld.create();
    funded = await world.state(DEPTH, [world.deposit("alice", 1000n, 0), world.deposit("bob", 50n, 1)]);
  });

  const build = (state: ZkState, requests: ZkTxRequest[]): ZkBatchWitness =>
    buildBatchWitness(state, requests, BATCH_SIZE, world.crypto, FEE_RECIPIENT);

  /** A deposit, a transfer, a withdrawal and a noop. */
  const mixed = () =>
    build(funded, [
      world.deposit("carol", 7n, 2),
      world.transfer("alice", 0, 1, 300n, 0),
      world.withdraw("bob", 1, 20n, 0),
    ]);

  /** The input with public input `name` (or slot `index`) replaced. */
  const withPublic = (witness: ZkBatchWitness, changes: Partial<CircuitInput>): CircuitInput => ({
    ...witness.input,
    ...changes,
  });

  describe("must pass", function () {
    it("proves a batch mixing a deposit, a transfer, a withdrawal and a noop", async function () {
      await circuit.expectPass(mixed().input);
    });

    it("proves an empty batch (four noops) on the empty genesis state", async function () {
      const genesis = await ZkState.create(DEPTH, world.domain);
      await circuit.expectPass(build(genesis, []).input);
    });

    it("proves four deposits filling the tree from genesis", async function () {
      const genesis = await ZkState.create(DEPTH, world.domain);
      const witness = build(
        genesis,
        [0, 1, 2, 3].map((i) => world.deposit("alice", BigInt(i + 1), i, i)),
      );
      expect(witness.newState.isFull).to.equal(true);
      await circuit.expectPass(witness.input);
    });

    it("keeps the fee recipient as public signal 2, whatever it is, in a constraint the optimizer kept", async function () {
      const witness = mixed();
      expect(witness.input.feeRecipient).to.equal(BigInt(FEE_RECIPIENT).toString());
      // witness: [1, oldRoot, newRoot, feeRecipient, slots…]: the public signals come first, in order
      const wire = circuit.wire("main.feeRecipient");
      expect(wire).to.equal(3);
      expect((await circuit.expectPass(witness.input))[wire]).to.equal(BigInt(FEE_RECIPIENT));
      // the transition does not read it: any recipient gives the same roots and slots
      const other = 2n ** 160n - 1n;
      const calculated = await circuit.expectPass(withPublic(witness, { feeRecipient: other.toString() }));
      expect(calculated[wire]).to.equal(other);
      // its square is a constraint (a * b = c with a = b = feeRecipient), so Groth16's setup binds it
      const squares = circuit.constraints.filter(({ a, b }) => a.has(wire) && b.has(wire));
      expect(squares).to.have.length(1);
    });

    it("proves a deposit then a spend from the account it opened, in one batch", async function () {
      const witness = build(funded, [world.deposit("carol", 7n, 2), world.transfer("carol", 2, 1, 7n, 0)]);
      await circuit.expectPass(witness.input);
    });
  });

  describe("must fail", function () {
    it("fails from a wrong old root", async function () {
      const witness = mixed();
      await circuit.expectFail(
        withPublic(witness, { oldRoot: (witness.publicInputs[0] + 1n).toString() }),
        /RollupBatch/,
      );
    });

    it("fails claiming a wrong new root", async function () {
      const witness = mixed();
      await circuit.expectFail(
        withPublic(witness, { newRoot: (witness.publicInputs[1] + 1n).toString() }),
        /RollupBatch/,
      );
    });

    it("fails when two deposit slots are reordered against the deposits applied", async function () {
      const witness = build(funded, [world.deposit("carol", 7n, 2), world.deposit("bob", 9n, 3)]);
      const slots = witness.input.slots as string[];
      await circuit.expectFail(
        withPublic(witness, { slots: [slots[1], slots[0], slots[2], slots[3]] }),
        /RollupSlot/,
      );
    });

    it("fails when a deposit slot is skipped (replaced by a noop)", async function () {
      const witness = build(funded, [world.deposit("carol", 7n, 2), world.deposit("bob", 9n, 3)]);
      const slots = witness.input.slots as string[];
      await circuit.expectFail(
        withPublic(witness, { slots: [slots[0], "0", slots[2], slots[3]] }),
        /RollupSlot/,
      );
    });

    it("fails when a deposit's slot is dropped and the later ones move up", async function () {
      const full = build(funded, [world.deposit("carol", 7n, 2), world.deposit("bob", 9n, 3)]);
      const slots = full.input.slots as string[];
      await circuit.expectFail(withPublic(full, { slots: [slots[1], "0", "0", "0"] }), /RollupSlot/);
    });

    it("fails when a public slot is altered after signing (the transfer's amount)", async function () {
      const witness = mixed();
      const slots = [...(witness.input.slots as string[])];
      slots[1] = (BigInt(slots[1]) + (1n << 210n)).toString();
      await circuit.expectFail(withPublic(witness, { slots }), /ForceEqualIfEnabled|RollupSlot/);
    });

    it("fails on a padding slot with a non-zero element", async function () {
      const witness = mixed();
      const slots = [...(witness.input.slots as string[])];
      slots[3] = (1n << 40n).toString();
      await circuit.expectFail(withPublic(witness, { slots }), /SlotDecode/);
    });

    it("fails with a witness for another domain (another chain's roots)", async function () {
      const witness = mixed();
      await circuit.expectFail(
        { ...witness.input, domain: (world.domain + (1n << 160n)).toString() },
        /RollupBatch/,
      );
    });

    it("fails when the old next index is misstated", async function () {
      const witness = mixed();
      await circuit.expectFail({ ...witness.input, oldNextIndex: "3" }, /RollupBatch/);
    });
  });
});

describe("circuit profiles (circuits/profiles.json)", function () {
  const BUDGET: Record<string, number> = { test: 2 ** 14, default: 2 ** 16 };

  for (const [name, profile] of Object.entries(readProfiles())) {
    it(`profile ${name} (B=${profile.batchSize}, D=${profile.depth}) fits its Groth16 domain`, async function () {
      this.timeout(600_000);
      const circuit = await compileTestCircuit(
        `profile-${name}`,
        batchMain(profile.batchSize, profile.depth),
      );
      // Groth16 needs nConstraints + nPublic + 1 rows in its evaluation domain
      const rows = circuit.constraintCount + 3 + profile.batchSize + 1;
      expect(rows).to.be.at.most(BUDGET[name] ?? 2 ** 16);
    });
  }
});
