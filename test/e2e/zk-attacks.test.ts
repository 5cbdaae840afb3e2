// End to end, adversaries with real proofs: a forged proof (random, tampered), a real proof offered for
// other public inputs (another new root, tampered pubdata), a replayed batch, a batch that skips or
// reorders a deposit (with a valid proof of its own transition), a withdrawal claimed twice — each
// reverts with its named error and changes nothing. A lying operator cannot prove an invalid
// transition: the state transition refuses an overdraft, a hand-made witness fails witness generation,
// and a proof from a made-up pre-state does not verify against the stored root. The attackers are
// src/zk/adversaries.ts: a batch proven on one's own prover (`proveOwnBatch`), a forged proof (`forgeProof`).
import { expect } from "chai";
import { parseEther } from "ethers";
import { ContractRevertError } from "../../src/common/errors";
import { foldDeposits } from "../../src/shared/deposit";
import type { DepositData } from "../../src/shared/types";
import type { OwnBatch } from "../../src/zk/adversaries";
import { forgeProof, proveOwnBatch } from "../../src/zk/adversaries";
import type { ZkChainFollower } from "../../src/zk/chain-follower";
import { SNARK_SCALAR_FIELD } from "../../src/zk/domain";
import { unconsumedDeposits } from "../../src/zk/invariants";
import { ZkInputError } from "../../src/zk/prover";
import { encodePubdata, slotElement } from "../../src/zk/pubdata";
import type { ZkBatchCalldata, ZkProofArg } from "../../src/zk/rollup-client";
import { toProofArg } from "../../src/zk/rollup-client";
import { depositData } from "../../src/shared/deposit";
import type { ZkTxRequest } from "../../src/zk/stf";
import { ZkTxRefusedError, applyZkTx } from "../../src/zk/stf";
import { buildBatchWitness } from "../../src/zk/witness";
import type { ZkE2eWorld, ZkUser } from "./zk-world";
import { ETH_ID, closeTestProver, createAliceAndBobWorld } from "./zk-world";

describe("e2e: zk attacks", function () {
  this.timeout(600_000);
  let world: ZkE2eWorld;
  let alice: ZkUser;
  let bob: ZkUser;
  let node: ZkChainFollower;

  before(async function () {
    ({ world, alice, bob } = await createAliceAndBobWorld(parseEther("5"), parseEther("1")));
    node = await world.verifierNode();
  });

  after(async function () {
    await world.cleanup();
    await closeTestProver();
  });

  /** Everything the rollup stores, as one string: equal before and after a reverted call. */
  const ledger = () => world.ledger([alice.signer.address, bob.signer.address]);

  /** `send()` reverts with the rollup's error `name` and leaves its ledger as it was. */
  async function expectRevert(send: () => Promise<unknown>, name: string, args?: unknown[]): Promise<void> {
    const before = await ledger();
    const error = (await expect(send(), `expected ${name}`).to.be.rejectedWith(
      ContractRevertError,
    )) as ContractRevertError;
    expect(error.errorName).to.equal(name);
    if (args) expect(error.errorArgs).to.deep.equal(args);
    expect(await ledger()).to.equal(before, "a reverted call changed the rollup");
    await world.checkInvariants();
  }

  /** A batch of `requests` on the verified state, with a real proof; `consumed` are its deposits. */
  function proveBatch(requests: ZkTxRequest[], consumed: DepositData[] = []): Promise<OwnBatch> {
    const { prover, crypto, bridgeClient: bridge } = world;
    const feeRecipient = world.operatorSigner.address;
    return proveOwnBatch(node, requests, { prover, crypto, bridge, batchSize: 1, consumed, feeRecipient });
  }

  /** The operator's address: the fee recipient every batch here names. */
  function operator(): string {
    return world.operatorSigner.address;
  }

  function submit(calldata: ZkBatchCalldata) {
    return world.rollup.submitBatch(world.operatorSigner, calldata);
  }

  function aliceTransfer(amount: bigint): ZkTxRequest {
    const nonce = node.state.account(0)!.nonce;
    const { request } = alice.wallet.transfer({ from: 0, to: 1, amount, nonce });
    return { tx: request.tx, signer: request.signer };
  }

  describe("forged and misused proofs", function () {
    let honest: OwnBatch;

    before(async function () {
      honest = await proveBatch([aliceTransfer(parseEther("1"))]);
    });

    it("reverts with ZkRollupInvalidProof for a random proof", async function () {
      const proof = forgeProof();
      const root = await world.rollup.root();
      await expectRevert(() => submit({ ...honest.calldata, proof }), "ZkRollupInvalidProof", [
        root,
        honest.calldata.newRoot,
      ]);
    });

    it("reverts with ZkRollupInvalidProof for a tampered proof", async function () {
      const { a, b, c } = honest.calldata.proof;
      const swapped: ZkProofArg = { a: c, b, c: a };
      await expectRevert(() => submit({ ...honest.calldata, proof: swapped }), "ZkRollupInvalidProof");
      const negated: ZkProofArg = { a: [a[0], SNARK_SCALAR_FIELD - a[1]], b, c };
      await expectRevert(() => submit({ ...honest.calldata, proof: negated }), "ZkRollupInvalidProof");
    });

    it("reverts with ZkRollupInvalidProof when the real proof is offered for another new root", async function () {
      const newRoot = honest.calldata.newRoot ^ 1n;
      await expectRevert(() => submit({ ...honest.calldata, newRoot }), "ZkRollupInvalidProof", [
        await world.rollup.root(),
        newRoot,
      ]);
    });

    it("reverts with ZkRollupInvalidProof when the pubdata is tampered (a larger amount)", async function () {
      const [tx] = honest.witness.txs;
      const pubdata = encodePubdata([{ ...tx, amount: parseEther("4") } as typeof tx]);
      await expectRevert(() => submit({ ...honest.calldata, pubdata }), "ZkRollupInvalidProof");
    });

    it("accepts the honest batch once and reverts with ZkRollupInvalidProof when it is replayed", async function () {
      const oldRoot = await world.rollup.root();
      await submit(honest.calldata);
      await world.checkInvariants();
      expect(await world.rollup.root()).to.equal(honest.calldata.newRoot);
      await expectRevert(() => submit(honest.calldata), "ZkRollupInvalidProof", [
        honest.calldata.newRoot,
        honest.calldata.newRoot,
      ]);
      expect(oldRoot).to.not.equal(honest.calldata.newRoot);
    });
  });

  describe("deposits", function () {
    it("reverts with ZkRollupDepositQueueMismatch for a valid proof that skips or reorders a deposit", async function () {
      const [, , , , , , carolSigner, daveSigner] = world.signers;
      const rollup = world.rollup.address;
      const carol = world.user(carolSigner, "carol");
      const dave = world.user(daveSigner, "dave");
      const first = depositData(
        (await carol.wallet.depositEth(world.bridgeClient, carolSigner, rollup, 7n)).deposit,
      );
      const second = depositData(
        (await dave.wallet.depositEth(world.bridgeClient, daveSigner, rollup, 9n)).deposit,
      );
      await world.checkInvariants();
      // A real proof of the state transition that credits Dave's deposit first.
      const skipping = await proveBatch([{ tx: { kind: "deposit", account: 2, deposit: second } }], [second]);
      const count = await world.rollup.depositCount();
      const headAt = (n: number) => world.bridgeClient.contract.depositHeadAt(rollup, n);
      const head = await world.rollup.depositHead();
      // Skipped: Carol's deposit left out of the queue altogether (checked at the count the batch reaches).
      await expectRevert(
        () => submit({ ...skipping.calldata, catchUp: [] }),
        "ZkRollupDepositQueueMismatch",
        [count + 1, await headAt(count + 1), foldDeposits(head, [second])],
      );
      // Reordered: Dave's consumed before Carol's, Carol's shown after it.
      await expectRevert(
        () => submit({ ...skipping.calldata, catchUp: [first] }),
        "ZkRollupDepositQueueMismatch",
        [count + 2, await headAt(count + 2), foldDeposits(head, [second, first])],
      );
      // The honest operator consumes them in order.
      const operator = await world.startOperator();
      await operator.tick(true);
      await node.sync();
      expect(node.state.account(2)).to.include({ balance: 7n });
      expect(node.state.account(3)).to.include({ balance: 9n });
      await world.checkInvariants();
    });
  });

  describe("credits", function () {
    it("reverts with ZkRollupNothingToClaim when a withdrawal is claimed twice", async function () {
      const nonce = node.state.account(1)!.nonce;
      const { request } = bob.wallet.withdraw({ from: 1, tokenId: ETH_ID, amount: parseEther("0.5"), nonce });
      const batch = await proveBatch([{ tx: request.tx, signer: request.signer }]);
      await submit(batch.calldata);
      await world.checkInvariants();
      await world.rollup.claim(bob.signer, ETH_ID, bob.signer.address);
      await world.checkInvariants();
      await expectRevert(
        () => world.rollup.claim(bob.signer, ETH_ID, bob.signer.address),
        "ZkRollupNothingToClaim",
        [bob.signer.address, BigInt(ETH_ID)],
      );
    });
  });

  describe("a lying operator", function () {
    it("cannot build a witness for an overdraft: the state transition refuses it", async function () {
      await node.sync();
      expect(node.state.account(0)!.balance).to.be.lt(parseEther("1000"));
      expect(() =>
        buildBatchWitness(node.state, [aliceTransfer(parseEther("1000"))], 1, world.crypto, operator()),
      )
        .to.throw(ZkTxRefusedError)
        .with.property("reason", "InsufficientBalance");
    });

    it("cannot prove a hand-made witness: witness generation fails", async function () {
      await node.sync();
      const honest = buildBatchWitness(node.state, [aliceTransfer(1n)], 1, world.crypto, operator());
      const balance = node.state.account(0)!.balance;
      // Claim more than Alice holds in the slot the proof commits to (the signature and balance no longer fit).
      const [tx] = honest.txs;
      const overdraft = slotElement({ ...tx, amount: balance * 2n } as typeof tx);
      const tamperedSlot = { ...honest.input, slots: [overdraft.toString()] };
      await expect(world.prover.prove(tamperedSlot)).to.be.rejectedWith(ZkInputError);
      // Lie about Alice's balance in the leaf preimage (it no longer hashes to the root).
      const tamperedLeaf = { ...honest.input, aBalance: [(balance * 2n).toString()] };
      await expect(world.prover.prove(tamperedLeaf)).to.be.rejectedWith(ZkInputError);
    });

    it("cannot pass off a proof from a made-up pre-state: ZkRollupInvalidProof", async function () {
      await node.sync();
      const madeUp = node.state.clone();
      // Mint Alice 100 ETH out of thin air, then prove a transfer from that state.
      const fake = {
        from: alice.signer.address,
        to: alice.wallet.ownerHex,
        tokenId: 0,
        amount: parseEther("100"),
        timestamp: 0n,
      };
      applyZkTx(madeUp, { tx: { kind: "deposit", account: 0, deposit: fake } }, world.crypto);
      const nonce = madeUp.account(0)!.nonce;
      const { request } = alice.wallet.transfer({ from: 0, to: 1, amount: parseEther("50"), nonce });
      const witness = buildBatchWitness(
        madeUp,
        [{ tx: request.tx, signer: request.signer }],
        1,
        world.crypto,
        operator(),
      );
      const proof = await world.prover.prove(witness.input); // a valid proof — of the wrong old root
      const queue = await unconsumedDeposits(node, world.bridgeClient);
      await expectRevert(
        () =>
          submit({
            newRoot: witness.newState.root,
            feeRecipient: operator(),
            proof: toProofArg(proof.solidity),
            pubdata: encodePubdata(witness.txs),
            consumedDeposits: [],
            catchUp: queue.map(depositData),
          }),
        "ZkRollupInvalidProof",
        [node.state.root, witness.newState.root],
      );
    });
  });
});
