import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { ZeroAddress, ZeroHash, concat, dataSlice, hexlify, id, toBeHex, zeroPadValue } from "ethers";
import { depositsToCatchUp, foldDeposits } from "../../src/shared/deposit";
import { SNARK_SCALAR_FIELD, genesisRoot, zkDomain } from "../../src/zk/domain";
import { encodePubdata, publicInputs } from "../../src/zk/pubdata";
import type { ZkPublishedTx, ZkWithdrawBody } from "../../src/zk/types";
import { minedAt, revertCheckerOf } from "../shared/reverts";
import type { ZkFixture, ZkModel } from "./fixtures";
import {
  ALICE_DEPOSIT,
  BATCH_SIZE,
  BOB_DEPOSIT,
  DEPTH,
  ETH_ID,
  EXODUS_DELAY,
  FORCED_REQUEST_FEE,
  TOKEN_ID,
  assertZkSolvent,
  deployZkFixture,
  deployZkRollup,
  deposit,
  depositedFixture,
  prepareBatch,
  queuedFixture,
  randomProof,
  runBatch,
  submit,
  unconsumedDeposits,
  zkLedger,
} from "./fixtures";

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

/** `send()` reverts with `contract`'s custom error `name(...args)` and leaves the rollup's ledger as it was. */
const expectRevert = revertCheckerOf(zkLedger, (f: ZkFixture) => f.rollup, "the rollup");

async function gasOf(tx: ContractTransactionResponse): Promise<bigint> {
  return (await tx.wait())!.gasUsed;
}

/** The deepest accounts tree `ZkRollup` accepts (`MAX_DEPTH`). */
const MAX_DEPTH = 32;

/** The circuit profiles (circuits/profiles.json): the shapes the rollup is deployed with. */
function readZkProfiles(): Record<string, { batchSize: number; depth: number }> {
  const path = join(__dirname, "..", "..", "circuits", "profiles.json");
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, { batchSize: number; depth: number }>;
}

/** Gas figures measured along the way, printed at the end. */
const gasReport = new Map<string, bigint>();

function transfer(from: number, to: number, amount: bigint): ZkPublishedTx {
  return { kind: "transfer", from, to, amount };
}

function withdraw(from: number, recipient: string, tokenId: number, amount: bigint): ZkWithdrawBody {
  return { kind: "withdraw", from, recipient, tokenId, amount };
}

/** An amount that is no float40: 2^35 + 1 wei. */
const ODD_AMOUNT = (1n << 35n) + 1n;
/**
 * Another amount that is no float40, 2^35 + 3 wei: a deposit the circuit cannot carry. (An owner ≥ 2^160
 * no longer reaches the queue: the bridge refuses it with BridgeRecipientNotOwnable.)
 */
const UNCARRIABLE = (1n << 35n) + 3n;

/** Waits until exodus is due for the oldest unconsumed deposit, and starts it. */
async function startExodus(f: ZkFixture): Promise<ContractTransactionResponse> {
  const pending = await unconsumedDeposits(f);
  await time.increaseTo(pending[0].timestamp + EXODUS_DELAY);
  const tx = await f.rollup.connect(f.stranger).activateExodus(pending);
  await tx.wait();
  return tx;
}

/** depositedFixture, then Alice pays Bob, Bob withdraws to himself, and Alice deposits again (queued). */
async function stalledFixture() {
  const f = await depositedFixture();
  const { alice, bob } = f.users;
  const { batch } = await runBatch(f, f.model, [
    transfer(0, 1, ethers.parseEther("1")),
    withdraw(1, bob.signer.address, ETH_ID, ethers.parseEther("0.5")),
  ]);
  const late = await deposit(f, alice, ethers.parseEther("1"));
  return { ...f, model: batch.model, late };
}

/** stalledFixture with exodus on. */
async function exodusFixture() {
  const f = await stalledFixture();
  await startExodus(f);
  return f;
}

// ---------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------

describe("ZkRollup", function () {
  after(function () {
    if (gasReport.size === 0) return;
    console.log("      gas (ZkRollup, stand-in verifier):");
    for (const [what, gas] of gasReport) console.log(`        ${what}: ${gas}`);
  });

  describe("constructor", function () {
    it("succeeds with the configured parameters and the genesis root", async function () {
      const f = await loadFixture(deployZkFixture);
      const { rollup } = f;
      const { chainId } = await ethers.provider.getNetwork();
      expect(await rollup.BRIDGE()).to.equal(await f.bridge.getAddress());
      expect(await rollup.VERIFIER()).to.equal(await f.verifier.getAddress());
      expect(await rollup.BATCH_SIZE()).to.equal(BATCH_SIZE);
      expect(await rollup.DEPTH()).to.equal(DEPTH);
      expect(await rollup.EXODUS_DELAY()).to.equal(EXODUS_DELAY);
      expect(await rollup.FORCED_REQUEST_FEE()).to.equal(FORCED_REQUEST_FEE);
      expect(await rollup.DOMAIN()).to.equal(zkDomain(chainId, await rollup.getAddress()));
      expect(await rollup.VERIFY_SELECTOR()).to.equal(
        id(`verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${3 + BATCH_SIZE}])`).slice(0, 10),
      );
      expect(await rollup.POSEIDON2()).to.equal(f.poseidonContracts.poseidon2);
      expect(await rollup.POSEIDON3()).to.equal(f.poseidonContracts.poseidon3);
      expect(await rollup.POSEIDON4()).to.equal(f.poseidonContracts.poseidon4);
      expect(await rollup.SNARK_SCALAR_FIELD()).to.equal(SNARK_SCALAR_FIELD);
      expect(await rollup.root()).to.equal(f.genesis);
      expect(await rollup.depositHead()).to.equal(ZeroHash);
      expect(await rollup.batchCount()).to.equal(1n);
      expect(await rollup.isExodus()).to.equal(false);
      const deployed = await ethers.provider.getTransactionReceipt(rollup.deploymentTransaction()!.hash);
      expect(await rollup.lastBatchAt()).to.equal((await deployed!.getBlock()).timestamp);
    });

    const invalid: [string, Record<string, unknown>][] = [
      ["bridge", { bridge: ZeroAddress }],
      ["verifier", { verifier: ZeroAddress }],
      ["poseidon2", { poseidon2: ZeroAddress }],
      ["poseidon3", { poseidon3: ZeroAddress }],
      ["poseidon4", { poseidon4: ZeroAddress }],
      ["batchSize", { batchSize: 0 }],
      ["depth (zero)", { depth: 0 }],
      ["depth (above 32)", { depth: 33 }],
      ["exodusDelay", { exodusDelay: 0 }],
    ];
    for (const [field, override] of invalid) {
      it(`reverts with ZkRollupInvalidConfig when ${field} is invalid`, async function () {
        const f = await loadFixture(deployZkFixture);
        const factory = await ethers.getContractFactory("ZkRollup");
        await expect(factory.deploy({ ...f.config, ...override })).to.be.revertedWithCustomError(
          f.rollup,
          "ZkRollupInvalidConfig",
        );
      });
    }

    // The genesis root is the constructor's: no deployer chooses it, none predicts the rollup's address.
    const genesisDepths = new Map<number, string>([[1, "the shallowest tree"]]);
    for (const [name, { depth }] of Object.entries(readZkProfiles())) {
      genesisDepths.set(depth, [genesisDepths.get(depth), `profile ${name}`].filter(Boolean).join(", "));
    }
    genesisDepths.set(MAX_DEPTH, "MAX_DEPTH");
    for (const [depth, what] of genesisDepths) {
      it(`computes the genesis root as src/zk/domain.ts does at depth ${depth} (${what})`, async function () {
        const f = await loadFixture(deployZkFixture);
        const factory = await ethers.getContractFactory("ZkRollup");
        const rollup = await factory.deploy({ ...f.config, depth });
        const address = await rollup.getAddress();
        const { chainId } = await ethers.provider.getNetwork();
        const domain = zkDomain(chainId, address);
        expect(await rollup.DOMAIN()).to.equal(domain);
        expect(await rollup.root()).to.equal(await genesisRoot(depth, domain));
        const receipt = await rollup.deploymentTransaction()!.wait();
        gasReport.set(`deploy (depth ${depth}, genesis hashed on chain)`, receipt!.gasUsed);
      });
    }

    it("computes a different genesis root for each deployment: the domain binds it", async function () {
      const f = await loadFixture(deployZkFixture);
      const factory = await ethers.getContractFactory("ZkRollup");
      const other = await factory.deploy(f.config);
      const { chainId } = await ethers.provider.getNetwork();
      const otherRoot = await genesisRoot(DEPTH, zkDomain(chainId, await other.getAddress()));
      expect(await other.root()).to.equal(otherRoot);
      expect(otherRoot).not.to.equal(f.genesis);
      expect(await f.rollup.root()).to.equal(f.genesis);
    });

    it("reverts with ZkRollupInvalidConfig past MAX_DEPTH, the deepest tree its genesis loop hashes", async function () {
      const f = await loadFixture(deployZkFixture);
      expect(await f.rollup.MAX_DEPTH()).to.equal(32n);
      const factory = await ethers.getContractFactory("ZkRollup");
      for (const depth of [MAX_DEPTH + 1, 2 ** 32 - 1]) {
        await expect(factory.deploy({ ...f.config, depth })).to.be.revertedWithCustomError(
          f.rollup,
          "ZkRollupInvalidConfig",
        );
      }
      const deepest = await factory.deploy({ ...f.config, depth: MAX_DEPTH });
      expect(await deepest.DEPTH()).to.equal(BigInt(MAX_DEPTH));
    });

    it("reverts when the Poseidon contracts are swapped: the genesis loop calls Poseidon(2)", async function () {
      const f = await loadFixture(deployZkFixture);
      const factory = await ethers.getContractFactory("ZkRollup");
      const { poseidon2, poseidon3 } = f.poseidonContracts;
      await expect(factory.deploy({ ...f.config, poseidon2: poseidon3, poseidon3: poseidon2 })).to.be
        .reverted;
    });

    for (const batchSize of [1, 2]) {
      it(`succeeds with a batch size of ${batchSize}: the verifier call follows it`, async function () {
        const f = await loadFixture(deployZkFixture);
        const { rollup, genesis } = await deployZkRollup(
          f.deployer,
          await f.bridge.getAddress(),
          await f.verifier.getAddress(),
          f.poseidonContracts,
          { batchSize, depth: 4 },
        );
        expect(await rollup.VERIFY_SELECTOR()).to.equal(
          id(`verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${3 + batchSize}])`).slice(0, 10),
        );
        await f.bridge.registerRollup(rollup);
        const txs: ZkPublishedTx[] = [transfer(0, 1, 5n)];
        const proof = randomProof(f.rng);
        const recipient = f.operator.address;
        await f.verifier.accept(proof, publicInputs(genesis, 77n, recipient, txs, batchSize));
        await expect(rollup.submitBatch(77n, recipient, proof, encodePubdata(txs), [], []))
          .to.emit(rollup, "BatchVerified")
          .withArgs(1n, 77n);
        const two = encodePubdata([...txs, ...txs]);
        if (batchSize === 1) {
          await expect(rollup.submitBatch(78n, recipient, proof, two, [], []))
            .to.be.revertedWithCustomError(rollup, "ZkRollupTooManyTransactions")
            .withArgs(14n, 1n);
        }
      });
    }
  });

  describe("finalizedWithdrawalRoot", function () {
    it("succeeds with zero for every batch, even verified ones (withdrawals are credited)", async function () {
      const f = await loadFixture(depositedFixture);
      for (const i of [0n, 1n, 2n, 2n ** 255n]) {
        expect(await f.rollup.finalizedWithdrawalRoot(i)).to.equal(ZeroHash);
      }
    });
  });

  describe("submitBatch", function () {
    it("succeeds with deposits: opens accounts, consumes the queue, moves the root", async function () {
      const f = await loadFixture(queuedFixture);
      const txs: ZkPublishedTx[] = f.deposits.map((d, account) => ({ kind: "deposit", account, deposit: d }));
      const batch = await prepareBatch(f, f.model, txs);
      expect(batch.consumed).to.deep.equal(f.deposits);
      expect(batch.catchUp).to.deep.equal([]);
      const tx = await submit(f, batch);
      const head = foldDeposits(ZeroHash, f.deposits);
      await expect(tx).to.emit(f.rollup, "BatchVerified").withArgs(1n, batch.newRoot);
      expect(await f.rollup.root()).to.equal(batch.newRoot);
      expect(await f.rollup.depositHead()).to.equal(head);
      expect(await f.rollup.depositCount()).to.equal(3n);
      expect(await f.rollup.batchCount()).to.equal(2n);
      expect(await f.rollup.lastBatchAt()).to.equal(await minedAt(tx));
      expect(batch.model.state.nextIndex).to.equal(3);
      gasReport.set("submitBatch, 3 deposits opening accounts", await gasOf(tx));
      await assertZkSolvent(f, batch.model);
    });

    it("succeeds with some deposits consumed and later ones left pending", async function () {
      const f = await loadFixture(queuedFixture);
      const batch = await prepareBatch(f, f.model, [{ kind: "deposit", account: 0, deposit: f.deposits[0] }]);
      expect(batch.catchUp).to.deep.equal([]);
      await submit(f, batch);
      expect(await f.rollup.depositHead()).to.equal(foldDeposits(ZeroHash, f.deposits.slice(0, 1)));
      expect(await f.rollup.depositCount()).to.equal(1n);
      expect(await unconsumedDeposits(f)).to.deep.equal(f.deposits.slice(1));
    });

    it("succeeds with a deposit into an existing account", async function () {
      const f = await loadFixture(depositedFixture);
      const more = await deposit(f, f.users.alice, 7n);
      const { batch } = await runBatch(f, f.model, [{ kind: "deposit", account: 0, deposit: more }]);
      expect(batch.model.state.account(0)!.balance).to.equal(ALICE_DEPOSIT + 7n);
      await assertZkSolvent(f, batch.model);
    });

    it("succeeds with four transfers (a full batch)", async function () {
      const f = await loadFixture(depositedFixture);
      const txs = [transfer(0, 1, 10n), transfer(1, 0, 20n), transfer(0, 1, 30n), transfer(1, 0, 40n)];
      const batch = await prepareBatch(f, f.model, txs);
      const head = await f.rollup.depositHead();
      const tx = await submit(f, batch);
      await expect(tx).to.emit(f.rollup, "BatchVerified").withArgs(2n, batch.newRoot);
      expect(await f.rollup.depositHead()).to.equal(head); // no deposit consumed: the head stays
      gasReport.set("submitBatch, 4 transfers", await gasOf(tx));
      await assertZkSolvent(f, batch.model);
    });

    it("succeeds with an empty batch (all noops)", async function () {
      const f = await loadFixture(depositedFixture);
      const { tx } = await runBatch(f, f.model, [], { newRoot: f.model.root });
      await expect(tx).to.emit(f.rollup, "BatchVerified");
      expect(await f.rollup.batchCount()).to.equal(3n);
    });

    it("succeeds with withdrawals, crediting each recipient at once", async function () {
      const f = await loadFixture(depositedFixture);
      const { alice, bob, carol } = f.users;
      const txs = [
        withdraw(0, bob.signer.address, ETH_ID, ethers.parseEther("1")),
        withdraw(1, bob.signer.address, ETH_ID, ethers.parseEther("0.5")),
        withdraw(2, alice.signer.address, TOKEN_ID, ethers.parseEther("20")),
      ];
      const batch = await prepareBatch(f, f.model, txs);
      const tx = await submit(f, batch);
      await expect(tx)
        .to.emit(f.rollup, "WithdrawalCredited")
        .withArgs(2n, bob.signer.address, ETH_ID, ethers.parseEther("1"))
        .and.to.emit(f.rollup, "WithdrawalCredited")
        .withArgs(2n, bob.signer.address, ETH_ID, ethers.parseEther("0.5"))
        .and.to.emit(f.rollup, "WithdrawalCredited")
        .withArgs(2n, alice.signer.address, TOKEN_ID, ethers.parseEther("20"));
      expect(await f.rollup.creditOf(bob.signer.address, ETH_ID)).to.equal(ethers.parseEther("1.5"));
      expect(await f.rollup.creditOf(alice.signer.address, TOKEN_ID)).to.equal(ethers.parseEther("20"));
      expect(await f.rollup.creditOf(carol.signer.address, TOKEN_ID)).to.equal(0n);
      gasReport.set("submitBatch, 3 withdrawals", await gasOf(tx));
      await assertZkSolvent(f, batch.model);
    });

    it("succeeds refunding the consumed deposits no account can carry, which take no slot", async function () {
      const f = await loadFixture(depositedFixture);
      const { alice, bob, carol } = f.users;
      const wide = await deposit(f, alice, UNCARRIABLE);
      const good = await deposit(f, bob, 9n);
      const odd = await deposit(f, carol, ODD_AMOUNT);
      const tail = await deposit(f, carol, ODD_AMOUNT + 10n, { erc20: true });
      const batch = await prepareBatch(f, f.model, [{ kind: "deposit", account: 1, deposit: good }], {
        consumed: [wide, good, odd, tail],
      });
      expect(batch.inputs.slice(4)).to.deep.equal([0n, 0n, 0n]);
      const tx = await submit(f, batch);
      await expect(tx)
        .to.emit(f.rollup, "DepositRefunded")
        .withArgs(alice.signer.address, ETH_ID, UNCARRIABLE)
        .and.to.emit(f.rollup, "DepositRefunded")
        .withArgs(carol.signer.address, ETH_ID, ODD_AMOUNT)
        .and.to.emit(f.rollup, "DepositRefunded")
        .withArgs(carol.signer.address, TOKEN_ID, ODD_AMOUNT + 10n)
        .and.to.emit(f.rollup, "BatchVerified");
      expect(await f.rollup.creditOf(alice.signer.address, ETH_ID)).to.equal(UNCARRIABLE);
      expect(await f.rollup.creditOf(carol.signer.address, ETH_ID)).to.equal(ODD_AMOUNT);
      expect(await f.rollup.creditOf(carol.signer.address, TOKEN_ID)).to.equal(ODD_AMOUNT + 10n);
      expect(await f.rollup.creditOf(bob.signer.address, ETH_ID)).to.equal(0n);
      expect(await unconsumedDeposits(f)).to.deep.equal([]);
      await assertZkSolvent(f, batch.model);
    });

    it("succeeds refunding a deposit in a refund slot (the proven slot carries the refund bit), in queue order", async function () {
      const f = await loadFixture(depositedFixture);
      const { alice, bob, carol } = f.users;
      const wide = await deposit(f, alice, UNCARRIABLE);
      const full = await deposit(f, carol, 5n);
      const good = await deposit(f, bob, 9n);
      // The stand-in verifier accepts only the inputs given: the contract must build the refund slot
      // (account 0, bit 252) exactly as src/zk/pubdata.ts does.
      const batch = await prepareBatch(f, f.model, [
        { kind: "refund", deposit: full },
        { kind: "deposit", account: 1, deposit: good },
      ]);
      expect(batch.consumed).to.deep.equal([wide, full, good]);
      expect(batch.inputs[3] >> 252n).to.equal(1n);
      const tx = await submit(f, batch);
      await expect(tx)
        .to.emit(f.rollup, "DepositRefunded")
        .withArgs(alice.signer.address, ETH_ID, UNCARRIABLE)
        .and.to.emit(f.rollup, "DepositRefunded")
        .withArgs(carol.signer.address, ETH_ID, 5n);
      expect(await f.rollup.creditOf(carol.signer.address, ETH_ID)).to.equal(5n);
      expect(await f.rollup.creditOf(bob.signer.address, ETH_ID)).to.equal(0n);
      expect(await unconsumedDeposits(f)).to.deep.equal([]);
      await assertZkSolvent(f, batch.model);
    });

    it("reverts with ZkRollupInvalidProof when a deposit slot is published as a refund", async function () {
      const f = await loadFixture(depositedFixture);
      const good = await deposit(f, f.users.bob, 9n);
      const batch = await prepareBatch(f, f.model, [{ kind: "deposit", account: 1, deposit: good }]);
      const pubdata = hexlify(encodePubdata([{ kind: "refund", deposit: good }]));
      await expectRevert(f, () => submit(f, { ...batch, pubdata }), "ZkRollupInvalidProof", [
        await f.rollup.root(),
        batch.newRoot,
      ]);
    });

    it("succeeds consuming only refundable deposits in a batch of transfers", async function () {
      const f = await loadFixture(depositedFixture);
      const wide = await deposit(f, f.users.alice, UNCARRIABLE);
      const batch = await prepareBatch(f, f.model, [transfer(0, 1, 1n)], { consumed: [wide] });
      await expect(submit(f, batch))
        .to.emit(f.rollup, "DepositRefunded")
        .withArgs(f.users.alice.signer.address, ETH_ID, UNCARRIABLE);
    });

    it("reverts with ZkRollupInvalidProof when the proof is forged", async function () {
      const f = await loadFixture(depositedFixture);
      const batch = await prepareBatch(f, f.model, [transfer(0, 1, 1n)], { accept: false });
      await expectRevert(f, () => submit(f, batch), "ZkRollupInvalidProof", [
        f.firstBatch.newRoot,
        batch.newRoot,
      ]);
      // the same inputs with another (accepted) proof's words
      const other = randomProof(f.rng);
      await f.verifier.accept(
        other,
        batch.inputs.map((x, i) => (i === 1 ? x + 1n : x)),
      );
      await expectRevert(f, () => submit(f, { ...batch, proof: other }), "ZkRollupInvalidProof", [
        f.firstBatch.newRoot,
        batch.newRoot,
      ]);
    });

    it("reverts with ZkRollupInvalidProof when the published data is not what was proven", async function () {
      const f = await loadFixture(depositedFixture);
      const batch = await prepareBatch(f, f.model, [transfer(0, 1, 100n)]);
      const cases: [string, string][] = [
        ["another amount", hexlify(encodePubdata([transfer(0, 1, 101n)]))],
        ["another recipient", hexlify(encodePubdata([transfer(0, 2, 100n)]))],
        ["one more transaction", hexlify(encodePubdata([transfer(0, 1, 100n), transfer(1, 0, 1n)]))],
        ["no transaction", "0x"],
      ];
      for (const [, pubdata] of cases) {
        await expectRevert(f, () => submit(f, { ...batch, pubdata }), "ZkRollupInvalidProof", [
          f.firstBatch.newRoot,
          batch.newRoot,
        ]);
      }
      await expectRevert(
        f,
        () => submit(f, { ...batch, newRoot: batch.newRoot + 1n }),
        "ZkRollupInvalidProof",
        [f.firstBatch.newRoot, batch.newRoot + 1n],
      );
    });

    it("reverts with ZkRollupInvalidProof when an accepted batch is submitted again (stale old root)", async function () {
      const f = await loadFixture(depositedFixture);
      const batch = await prepareBatch(f, f.model, [transfer(0, 1, 1n)]);
      await submit(f, batch);
      await expectRevert(f, () => submit(f, batch), "ZkRollupInvalidProof", [batch.newRoot, batch.newRoot]);
    });

    it("reverts with ZkRollupInvalidProof when a deposit is published into another account", async function () {
      const f = await loadFixture(depositedFixture);
      const more = await deposit(f, f.users.alice, 10n);
      const batch = await prepareBatch(f, f.model, [{ kind: "deposit", account: 0, deposit: more }]);
      const pubdata = hexlify(encodePubdata([{ kind: "deposit", account: 1, deposit: more }]));
      await expectRevert(f, () => submit(f, { ...batch, pubdata }), "ZkRollupInvalidProof", [
        f.firstBatch.newRoot,
        batch.newRoot,
      ]);
    });

    it("reverts with ZkRollupDepositQueueMismatch when consumed deposits are out of queue order", async function () {
      const f = await loadFixture(depositedFixture);
      const one = await deposit(f, f.users.alice, 10n);
      const two = await deposit(f, f.users.alice, 20n);
      const batch = await prepareBatch(f, f.model, [
        { kind: "deposit", account: 0, deposit: one },
        { kind: "deposit", account: 0, deposit: two },
      ]);
      await expectRevert(
        f,
        () => submit(f, { ...batch, consumed: [two, one] }),
        "ZkRollupDepositQueueMismatch",
        [
          f.deposits.length + 2,
          foldDeposits(ZeroHash, [...f.deposits, one, two]),
          foldDeposits(ZeroHash, [...f.deposits, two, one]),
        ],
      );
    });

    it("reverts with ZkRollupRootOutOfField when the new root is not a field element", async function () {
      const f = await loadFixture(depositedFixture);
      const batch = await prepareBatch(f, f.model, [transfer(0, 1, 1n)], { newRoot: SNARK_SCALAR_FIELD });
      await expectRevert(f, () => submit(f, batch), "ZkRollupRootOutOfField", [SNARK_SCALAR_FIELD]);
    });

    it("reverts with ZkRollupTooManyTransactions when there are more transactions than slots", async function () {
      const f = await loadFixture(depositedFixture);
      const batch = await prepareBatch(f, f.model, [transfer(0, 1, 1n)]);
      const five = hexlify(encodePubdata(Array.from({ length: 5 }, () => transfer(0, 1, 1n))));
      await expectRevert(f, () => submit(f, { ...batch, pubdata: five }), "ZkRollupTooManyTransactions", [
        4n * 14n,
        BATCH_SIZE,
      ]);
    });

    it("reverts with ZkRollupUnknownTxKind when a kind byte is not 1 to 5", async function () {
      const f = await loadFixture(depositedFixture);
      const batch = await prepareBatch(f, f.model, [transfer(0, 1, 1n)]);
      for (const kind of [0, 6, 0xff]) {
        const pubdata = concat([batch.pubdata, toBeHex(kind, 1), "0x" + "00".repeat(31)]);
        await expectRevert(f, () => submit(f, { ...batch, pubdata }), "ZkRollupUnknownTxKind", [14n, kind]);
      }
    });

    it("reverts with ZkRollupPubdataTruncated when a transaction is cut short", async function () {
      const f = await loadFixture(depositedFixture);
      const batch = await prepareBatch(f, f.model, [transfer(0, 1, 1n)]);
      const cases: [string, number, number][] = [
        [dataSlice(batch.pubdata, 0, 13), 2, 13],
        [concat([batch.pubdata, "0x03" + "00".repeat(30)]), 3, 45],
        [concat([batch.pubdata, "0x010000"]), 1, 17],
      ];
      for (const [pubdata, kind, length] of cases) {
        const offset = kind === 2 ? 0 : 14;
        await expectRevert(f, () => submit(f, { ...batch, pubdata }), "ZkRollupPubdataTruncated", [
          offset,
          kind,
          length,
        ]);
      }
    });

    it("reverts with ZkRollupDepositQueueMismatch when the deposits are not a prefix of the queue", async function () {
      const f = await loadFixture(queuedFixture);
      const [a, b, c] = f.deposits;
      const batch = await prepareBatch(f, f.model, [{ kind: "deposit", account: 0, deposit: a }]);
      const cases: [(typeof a)[], (typeof a)[]][] = [
        [[b], []], // skips the first deposit
        [[b], [c]], // skips the first deposit, shows the rest
        [[a], [c, b]], // catch-up out of order
        [[a], [c]], // catch-up skips one
        [[{ ...a, amount: a.amount + 1n }], []], // consumed altered
        [[{ ...a, timestamp: a.timestamp - 1n }], [b, c]], // consumed backdated
      ];
      for (const [consumed, catchUp] of cases) {
        const count = consumed.length + catchUp.length;
        const reached = foldDeposits(foldDeposits(ZeroHash, consumed), catchUp);
        await expectRevert(
          f,
          () => submit(f, { ...batch, consumed, catchUp }),
          "ZkRollupDepositQueueMismatch",
          [count, foldDeposits(ZeroHash, f.deposits.slice(0, count)), reached],
        );
      }
    });

    it("reverts with BridgeDepositCountAhead when the batch consumes more deposits than were queued", async function () {
      const f = await loadFixture(queuedFixture);
      const [a, b, c] = f.deposits;
      const invented = { ...c, amount: 5n };
      const rollup = await f.rollup.getAddress();
      const batch = await prepareBatch(f, f.model, [{ kind: "deposit", account: 0, deposit: a }]);
      // consumed invents a fourth deposit; or the catch-up does
      const cases: [(typeof a)[], (typeof a)[]][] = [
        [[a, b, c, invented], []],
        [[a], [b, c, invented]],
      ];
      for (const [consumed, catchUp] of cases) {
        await expectRevert(
          f,
          () => submit(f, { ...batch, consumed, catchUp }),
          "BridgeDepositCountAhead",
          [rollup, 4, 3],
          f.bridge,
        );
      }
    });

    it("succeeds with a catch-up that reaches the bridge's live head (any remembered count will do)", async function () {
      const f = await loadFixture(queuedFixture);
      const [a, b, c] = f.deposits;
      const batch = await prepareBatch(f, f.model, [{ kind: "deposit", account: 0, deposit: a }]);
      await submit(f, { ...batch, catchUp: [b, c] });
      expect(await f.rollup.depositCount()).to.equal(1n);
      expect(await f.rollup.depositHead()).to.equal(foldDeposits(ZeroHash, [a]));
      expect(await unconsumedDeposits(f)).to.deep.equal([b, c]);
    });

    it("reverts with ZkRollupDepositMissing when a deposit slot has no consumed deposit", async function () {
      const f = await loadFixture(queuedFixture);
      const [a, b, c] = f.deposits;
      const batch = await prepareBatch(f, f.model, [
        { kind: "deposit", account: 0, deposit: a },
        { kind: "deposit", account: 1, deposit: b },
      ]);
      await expectRevert(
        f,
        () => submit(f, { ...batch, consumed: [a], catchUp: [b, c] }),
        "ZkRollupDepositMissing",
        [1n],
      );
    });

    it("reverts with ZkRollupDepositMissing when the only deposits left are refundable", async function () {
      const f = await loadFixture(depositedFixture);
      const wide = await deposit(f, f.users.alice, UNCARRIABLE);
      const batch = await prepareBatch(f, f.model, [transfer(0, 1, 1n)], { consumed: [wide] });
      const pubdata = concat([batch.pubdata, "0x0100000003"]);
      await expectRevert(f, () => submit(f, { ...batch, pubdata }), "ZkRollupDepositMissing", [1n]);
    });

    it("reverts with ZkRollupDepositNotCarried when a carriable consumed deposit fills no slot", async function () {
      const f = await loadFixture(queuedFixture);
      const [a, b, c] = f.deposits;
      const batch = await prepareBatch(f, f.model, [{ kind: "deposit", account: 0, deposit: a }]);
      await expectRevert(
        f,
        () => submit(f, { ...batch, consumed: [a, b], catchUp: [c] }),
        "ZkRollupDepositNotCarried",
        [1n],
      );
    });

    it("reverts with ZkRollupExodusActive once exodus is on", async function () {
      const f = await loadFixture(exodusFixture);
      const batch = await prepareBatch(f, f.model, [{ kind: "deposit", account: 0, deposit: f.late }]);
      await expectRevert(f, () => submit(f, batch), "ZkRollupExodusActive", []);
    });
  });

  describe("submitBatch against a griefer's deposits", function () {
    /** The griefer (the stranger) queues `n` deposits of 1 wei, mined in one block. */
    async function burst(f: ZkFixture, n: number): Promise<void> {
      await ethers.provider.send("evm_setAutomine", [false]);
      try {
        for (let i = 0; i < n; i++) {
          await f.bridge.connect(f.stranger).depositEth(f.rollup, zeroPadValue(f.stranger.address, 32), {
            value: 1n,
          });
        }
        await ethers.provider.send("evm_mine", []);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
    }

    /** The griefer's 1-wei deposit, landed on its own. */
    async function grieve(f: ZkFixture) {
      const { deposit: queued } = await f.bridgeClient.depositEth(f.stranger, {
        rollup: await f.rollup.getAddress(),
        to: zeroPadValue(f.stranger.address, 32),
        amount: 1n,
      });
      return {
        from: queued.from,
        to: queued.to,
        tokenId: queued.tokenId,
        amount: queued.amount,
        timestamp: queued.timestamp,
      };
    }

    it("succeeds when a 1-wei deposit lands between the batch's building and its submission; the next batch consumes it", async function () {
      const f = await loadFixture(depositedFixture);
      const { alice, bob } = f.users;
      const more = await deposit(f, alice, 7n);
      // the operator builds its batch against the queue as it is now (its catch-up is empty) ...
      const batch = await prepareBatch(f, f.model, [
        { kind: "deposit", account: 0, deposit: more },
        withdraw(1, bob.signer.address, ETH_ID, ethers.parseEther("0.5")),
      ]);
      expect(batch.consumed).to.deep.equal([more]);
      expect(batch.catchUp).to.deep.equal([]);
      // ... and the griefer's deposit lands first: the bridge's live head moves on
      const griefed = await grieve(f);
      expect((await f.bridge.depositQueue(f.rollup)).count).to.equal(5n);
      const tx = await submit(f, batch);
      await expect(tx)
        .to.emit(f.rollup, "BatchVerified")
        .withArgs(2n, batch.newRoot)
        .and.to.emit(f.rollup, "WithdrawalCredited")
        .withArgs(2n, bob.signer.address, ETH_ID, ethers.parseEther("0.5"));
      expect(await f.rollup.root()).to.equal(batch.model.root);
      expect(await f.rollup.depositCount()).to.equal(4n);
      expect(await f.rollup.depositHead()).to.equal(foldDeposits(ZeroHash, [...f.deposits, more]));
      expect(await f.rollup.creditOf(bob.signer.address, ETH_ID)).to.equal(ethers.parseEther("0.5"));
      expect(batch.model.state.account(0)!.balance).to.equal(ALICE_DEPOSIT + 7n);
      expect(await unconsumedDeposits(f)).to.deep.equal([griefed]);
      await assertZkSolvent(f, batch.model);
      // the next batch consumes the griefer's deposit: it opens account 3
      const { batch: next } = await runBatch(f, batch.model, [
        { kind: "deposit", account: 3, deposit: griefed },
      ]);
      expect(await f.rollup.depositCount()).to.equal(5n);
      expect(await f.rollup.root()).to.equal(next.model.root);
      expect(next.model.state.account(3)!.balance).to.equal(1n);
      expect(await unconsumedDeposits(f)).to.deep.equal([]);
      await assertZkSolvent(f, next.model);
    });

    it("succeeds when a burst of 100 deposits lands ahead of the batch", async function () {
      const f = await loadFixture(queuedFixture);
      const txs: ZkPublishedTx[] = f.deposits.map((d, account) => ({ kind: "deposit", account, deposit: d }));
      const batch = await prepareBatch(f, f.model, txs);
      await burst(f, 100);
      await expect(submit(f, batch)).to.emit(f.rollup, "BatchVerified").withArgs(1n, batch.newRoot);
      expect(await f.rollup.depositCount()).to.equal(3n);
    });

    it("reverts with BridgeDepositHeadForgotten when 256 deposits land after it, and succeeds with the catch-up it then shows", async function () {
      const f = await loadFixture(depositedFixture);
      const more = await deposit(f, f.users.alice, 7n);
      const batch = await prepareBatch(f, f.model, [{ kind: "deposit", account: 0, deposit: more }]);
      await burst(f, 256); // the bridge now remembers counts 5..260; the batch reaches count 4
      await expectRevert(f, () => submit(f, batch), "BridgeDepositHeadForgotten", [f.rollup, 4, 5], f.bridge);
      const unconsumed = await unconsumedDeposits(f);
      const catchUp = depositsToCatchUp(unconsumed, 1);
      expect(catchUp.length).to.equal(256 - 128); // deposits 4..131: count 132 is remembered
      // the attacker's catch-up: one deposit altered folds to another head
      const forged = catchUp.map((d, i) => (i === 5 ? { ...d, amount: d.amount + 1n } : d));
      const consumedHead = foldDeposits(ZeroHash, [...f.deposits, more]);
      await expectRevert(f, () => submit(f, { ...batch, catchUp: forged }), "ZkRollupDepositQueueMismatch", [
        132,
        foldDeposits(consumedHead, catchUp),
        foldDeposits(consumedHead, forged),
      ]);
      await expect(submit(f, { ...batch, catchUp })).to.emit(f.rollup, "BatchVerified");
      expect(await f.rollup.depositCount()).to.equal(4n);
      expect(await f.rollup.depositHead()).to.equal(consumedHead);
      await assertZkSolvent(f, batch.model);
    });
  });

  describe("claim", function () {
    it("succeeds paying a withdrawal credit once, through the bridge", async function () {
      const f = await loadFixture(stalledFixture);
      const bob = f.users.bob.signer;
      const amount = ethers.parseEther("0.5");
      expect(await f.rollup.creditOf(bob.address, ETH_ID)).to.equal(amount);
      const tx = await f.rollup.connect(bob).claim(ETH_ID, bob.address);
      await expect(tx)
        .to.emit(f.rollup, "CreditClaimed")
        .withArgs(bob.address, bob.address, ETH_ID, amount)
        .and.to.emit(f.bridge, "Released")
        .withArgs(await f.rollup.getAddress(), bob.address, ETH_ID, amount);
      await expect(tx).to.changeEtherBalance(bob, amount);
      gasReport.set("claim (ETH)", await gasOf(tx));
      expect(await f.rollup.creditOf(bob.address, ETH_ID)).to.equal(0n);
      await expectRevert(
        f,
        () => f.rollup.connect(bob).claim(ETH_ID, bob.address),
        "ZkRollupNothingToClaim",
        [bob.address, ETH_ID],
      );
      await assertZkSolvent(f, f.model);
    });

    it("succeeds paying a token credit to another address", async function () {
      const f = await loadFixture(depositedFixture);
      const { alice, carol } = f.users;
      await runBatch(f, f.model, [withdraw(2, carol.signer.address, TOKEN_ID, 5n)]);
      const tx = f.rollup.connect(carol.signer).claim(TOKEN_ID, alice.signer.address);
      await expect(tx).to.changeTokenBalances(f.token, [alice.signer, f.bridge], [5n, -5n]);
    });

    it("succeeds paying a refunded deposit to its depositor", async function () {
      const f = await loadFixture(depositedFixture);
      const alice = f.users.alice.signer;
      const wide = await deposit(f, f.users.alice, UNCARRIABLE);
      await runBatch(f, f.model, [], { consumed: [wide] });
      await expect(f.rollup.connect(alice).claim(ETH_ID, alice.address)).to.changeEtherBalance(
        alice,
        UNCARRIABLE,
      );
    });

    it("reverts with ZkRollupNothingToClaim when the caller has no credit", async function () {
      const f = await loadFixture(stalledFixture);
      const { alice } = f.users;
      await expectRevert(
        f,
        () => f.rollup.connect(alice.signer).claim(ETH_ID, alice.signer.address),
        "ZkRollupNothingToClaim",
        [alice.signer.address, ETH_ID],
      );
      // Bob's credit is his alone
      await expectRevert(
        f,
        () => f.rollup.connect(f.stranger).claim(ETH_ID, f.stranger.address),
        "ZkRollupNothingToClaim",
        [f.stranger.address, ETH_ID],
      );
    });

    it("reverts with BridgeZeroRecipient when paid to the zero address", async function () {
      const f = await loadFixture(stalledFixture);
      await expectRevert(
        f,
        () => f.rollup.connect(f.users.bob.signer).claim(ETH_ID, ZeroAddress),
        "BridgeZeroRecipient",
        [],
        f.bridge,
      );
    });
  });

  describe("activateExodus", function () {
    it("succeeds once the oldest waiting deposit has waited EXODUS_DELAY", async function () {
      const f = await loadFixture(stalledFixture);
      expect(await unconsumedDeposits(f)).to.deep.equal([f.late]);
      const dueAt = f.late.timestamp + EXODUS_DELAY;
      await time.setNextBlockTimestamp(dueAt);
      // no list: the bridge keeps the first waiting deposit's time
      const tx = await f.rollup.connect(f.stranger).activateExodus([]);
      await expect(tx).to.emit(f.rollup, "ExodusActivated").withArgs(f.model.root, f.stranger.address);
      expect(await f.rollup.isExodus()).to.equal(true);
      await assertZkSolvent(f, f.model);
    });

    it("reverts with ZkRollupExodusNotDue while the oldest deposit is younger than EXODUS_DELAY", async function () {
      const f = await loadFixture(stalledFixture);
      const pending = await unconsumedDeposits(f);
      const dueAt = f.late.timestamp + EXODUS_DELAY;
      await time.setNextBlockTimestamp(dueAt - 2n);
      await expectRevert(f, () => f.rollup.activateExodus(pending), "ZkRollupExodusNotDue", [dueAt]);
      await time.setNextBlockTimestamp(dueAt - 1n);
      await expectRevert(f, () => f.rollup.activateExodus([]), "ZkRollupExodusNotDue", [dueAt]);
    });

    it("succeeds against an operator that keeps proving batches but leaves the deposit waiting", async function () {
      const f = await loadFixture(stalledFixture);
      await time.increase(EXODUS_DELAY / 2n);
      // the censoring operator: a batch that leaves the late deposit waiting
      await runBatch(f, f.model, [transfer(0, 1, 1n)]);
      await time.setNextBlockTimestamp(f.late.timestamp + EXODUS_DELAY);
      const pending = await unconsumedDeposits(f);
      expect(pending).to.deep.equal([f.late]);
      await expect(f.rollup.connect(f.stranger).activateExodus(pending)).to.emit(f.rollup, "ExodusActivated");
      expect(await f.rollup.isExodus()).to.equal(true);
    });

    it("reverts with ZkRollupNothingWaiting when every deposit was consumed", async function () {
      const f = await loadFixture(depositedFixture);
      await time.increase(10n * EXODUS_DELAY);
      await expectRevert(f, () => f.rollup.activateExodus([]), "ZkRollupNothingWaiting", []);
    });

    it("reverts with ZkRollupDepositQueueMismatch when the waiting deposits shown are not the queue's", async function () {
      const f = await loadFixture(stalledFixture);
      await time.increase(10n * EXODUS_DELAY);
      const count = await f.rollup.depositCount();
      const queueHead = (await f.bridge.depositQueue(f.rollup)).head;
      const consumedHead = await f.rollup.depositHead();
      const forged = { ...f.late, timestamp: 1n };
      await expectRevert(f, () => f.rollup.activateExodus([forged]), "ZkRollupDepositQueueMismatch", [
        count + 1n,
        queueHead,
        foldDeposits(consumedHead, [forged]),
      ]);
    });

    it("reverts with BridgeDepositCountAhead when the waiting deposits shown invent one", async function () {
      const f = await loadFixture(stalledFixture);
      await time.increase(10n * EXODUS_DELAY);
      const count = await f.rollup.depositCount();
      await expectRevert(
        f,
        () => f.rollup.activateExodus([f.late, f.late]),
        "BridgeDepositCountAhead",
        [f.rollup, count + 2n, count + 1n],
        f.bridge,
      );
    });

    it("succeeds on the first waiting deposit's own time when 256 deposits were queued after it (flooding cannot postpone it)", async function () {
      const f = await loadFixture(stalledFixture);
      // the griefer floods the queue to push the late deposit out of the bridge's ring
      await ethers.provider.send("evm_setAutomine", [false]);
      try {
        for (let i = 0; i < 256; i++) {
          await f.bridge.connect(f.stranger).depositEth(f.rollup, zeroPadValue(f.stranger.address, 32), {
            value: 1n,
          });
        }
        await time.increase(EXODUS_DELAY / 2n); // mined later than the late deposit
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
      const count = await f.rollup.depositCount();
      const dueAt = f.late.timestamp + EXODUS_DELAY;
      await expectRevert(
        f,
        () => f.rollup.activateExodus([]),
        "BridgeDepositForgotten",
        [f.rollup, count, count + 1n],
        f.bridge,
      );
      const waiting = depositsToCatchUp(await unconsumedDeposits(f), 0);
      expect(waiting[0]).to.deep.equal(f.late);
      await time.setNextBlockTimestamp(dueAt - 1n);
      await expectRevert(f, () => f.rollup.activateExodus(waiting), "ZkRollupExodusNotDue", [dueAt]);
      await time.setNextBlockTimestamp(dueAt);
      await expect(f.rollup.connect(f.stranger).activateExodus(waiting)).to.emit(f.rollup, "ExodusActivated");
    });

    it("reverts with ZkRollupExodusActive when exodus is already on", async function () {
      const f = await loadFixture(exodusFixture);
      await expectRevert(
        f,
        async () => f.rollup.activateExodus(await unconsumedDeposits(f)),
        "ZkRollupExodusActive",
        [],
      );
    });
  });

  describe("exit", function () {
    it("succeeds paying each account's balance to its Layer-1 owner, once (end to end)", async function () {
      const f = await loadFixture(exodusFixture);
      const { alice, bob, carol } = f.users;
      const owners = [alice, bob, carol];
      await assertZkSolvent(f, f.model);
      for (const [index, user] of owners.entries()) {
        const account = f.model.state.account(index)!;
        const proof = f.model.exitProof(index, user);
        const tx = await f.rollup.connect(user.signer).exit(proof);
        await expect(tx)
          .to.emit(f.rollup, "AccountExited")
          .withArgs(index, user.signer.address, account.tokenId, account.balance)
          .and.to.emit(f.bridge, "Released")
          .withArgs(await f.rollup.getAddress(), user.signer.address, account.tokenId, account.balance);
        if (account.tokenId === ETH_ID) await expect(tx).to.changeEtherBalance(user.signer, account.balance);
        else await expect(tx).to.changeTokenBalance(f.token, user.signer, account.balance);
        if (index === 0) gasReport.set(`exit (depth ${DEPTH})`, await gasOf(tx));
        expect(await f.rollup.hasExited(index)).to.equal(true);
        await assertZkSolvent(f, f.model);
        await expectRevert(f, () => f.rollup.connect(user.signer).exit(proof), "ZkRollupAlreadyExited", [
          index,
        ]);
      }
      // the late deposit is refunded; then everything owed has been paid or credited
      await f.rollup.refundDeposits([f.late], 1);
      await f.rollup.connect(alice.signer).claim(ETH_ID, alice.signer.address);
      await f.rollup.connect(bob.signer).claim(ETH_ID, bob.signer.address);
      expect((await f.bridge.asset(f.rollup, ZeroAddress)).escrowed).to.equal(0n);
      expect((await f.bridge.asset(f.rollup, f.token)).escrowed).to.equal(0n);
      expect(await ethers.provider.getBalance(f.bridge)).to.equal(0n);
    });

    it("succeeds for an account with a zero balance, paying nothing", async function () {
      const f = await loadFixture(depositedFixture);
      const { bob } = f.users;
      const { batch } = await runBatch(f, f.model, [withdraw(1, bob.signer.address, ETH_ID, BOB_DEPOSIT)]);
      await deposit(f, bob, 1n);
      await startExodus(f);
      const tx = await f.rollup.connect(bob.signer).exit(batch.model.exitProof(1, bob));
      await expect(tx).to.emit(f.rollup, "AccountExited").withArgs(1n, bob.signer.address, ETH_ID, 0n);
      await expect(tx).not.to.emit(f.bridge, "Released");
    });

    it("reverts with ZkRollupExodusNotActive before exodus", async function () {
      const f = await loadFixture(stalledFixture);
      const { alice } = f.users;
      await expectRevert(
        f,
        () => f.rollup.connect(alice.signer).exit(f.model.exitProof(0, alice)),
        "ZkRollupExodusNotActive",
        [],
      );
    });

    it("reverts with ZkRollupInvalidExitProof when the caller is not the account's owner", async function () {
      const f = await loadFixture(exodusFixture);
      const { alice, bob } = f.users;
      const proof = f.model.exitProof(0, alice);
      for (const caller of [bob.signer, f.stranger]) {
        await expectRevert(f, () => f.rollup.connect(caller).exit(proof), "ZkRollupInvalidExitProof", [
          0n,
          caller.address,
        ]);
      }
      // Bob with his own key still does not own Alice's account
      await expectRevert(
        f,
        () => f.rollup.connect(bob.signer).exit({ ...proof, ax: bob.ax, ay: bob.ay }),
        "ZkRollupInvalidExitProof",
        [0n, bob.signer.address],
      );
    });

    it("reverts with ZkRollupInvalidExitProof when the leaf or the path is wrong", async function () {
      const f = await loadFixture(exodusFixture);
      const { alice } = f.users;
      const proof = f.model.exitProof(0, alice);
      const siblings = proof.siblings as bigint[];
      const cases = [
        { ...proof, balance: BigInt(proof.balance) + 1n },
        { ...proof, nonce: BigInt(proof.nonce) + 1n },
        { ...proof, tokenId: TOKEN_ID },
        { ...proof, nextIndex: BigInt(proof.nextIndex) + 1n },
        { ...proof, accountIndex: 1 },
        { ...proof, siblings: [siblings[0] + 1n, ...siblings.slice(1)] },
        { ...proof, ax: BigInt(proof.ax) + 1n },
      ];
      for (const bad of cases) {
        await expectRevert(f, () => f.rollup.connect(alice.signer).exit(bad), "ZkRollupInvalidExitProof", [
          bad.accountIndex,
          alice.signer.address,
        ]);
      }
    });

    it("reverts with ZkRollupAccountIndexOutOfRange when the index aliases a leaf", async function () {
      const f = await loadFixture(exodusFixture);
      const { alice } = f.users;
      const proof = { ...f.model.exitProof(0, alice), accountIndex: 1 << DEPTH };
      await expectRevert(
        f,
        () => f.rollup.connect(alice.signer).exit(proof),
        "ZkRollupAccountIndexOutOfRange",
        [1 << DEPTH, 1 << DEPTH],
      );
    });

    it("reverts with ZkRollupWrongSiblingCount when the path is not DEPTH long", async function () {
      const f = await loadFixture(exodusFixture);
      const { alice } = f.users;
      const proof = f.model.exitProof(0, alice);
      const siblings = proof.siblings as bigint[];
      for (const bad of [siblings.slice(1), [...siblings, 0n]]) {
        await expectRevert(
          f,
          () => f.rollup.connect(alice.signer).exit({ ...proof, siblings: bad }),
          "ZkRollupWrongSiblingCount",
          [bad.length, DEPTH],
        );
      }
    });
  });

  describe("refundDeposits", function () {
    it("succeeds refunding unconsumed deposits in order, each once, including those queued in exodus", async function () {
      const f = await loadFixture(exodusFixture);
      const { alice, carol } = f.users;
      const after = await deposit(f, carol, 4n, { erc20: true });
      const queued = [f.late, after];
      expect(await unconsumedDeposits(f)).to.deep.equal(queued);
      const first = await f.rollup.connect(f.stranger).refundDeposits(queued, 1);
      await expect(first)
        .to.emit(f.rollup, "DepositRefunded")
        .withArgs(alice.signer.address, ETH_ID, f.late.amount);
      expect(await f.rollup.creditOf(alice.signer.address, ETH_ID)).to.equal(f.late.amount);
      expect(await unconsumedDeposits(f)).to.deep.equal([after]);
      await assertZkSolvent(f, f.model);
      // refunding the first again: the head has moved past it
      const movedCount = await f.rollup.depositCount();
      await expectRevert(
        f,
        () => f.rollup.refundDeposits(queued, 1),
        "BridgeDepositCountAhead",
        [f.rollup, movedCount + 2n, movedCount + 1n],
        f.bridge,
      );
      await expectRevert(f, () => f.rollup.refundDeposits([f.late], 1), "ZkRollupDepositQueueMismatch", [
        movedCount + 1n,
        (await f.bridge.depositQueue(f.rollup)).head,
        foldDeposits(await f.rollup.depositHead(), [f.late]),
      ]);
      await expect(f.rollup.refundDeposits([after], 1))
        .to.emit(f.rollup, "DepositRefunded")
        .withArgs(carol.signer.address, TOKEN_ID, 4n);
      expect(await f.rollup.creditOf(carol.signer.address, TOKEN_ID)).to.equal(4n);
      expect(await unconsumedDeposits(f)).to.deep.equal([]);
      const allCount = await f.rollup.depositCount();
      expect(allCount).to.equal((await f.bridge.depositQueue(f.rollup)).count);
      await expectRevert(
        f,
        () => f.rollup.refundDeposits([after], 1),
        "BridgeDepositCountAhead",
        [f.rollup, allCount + 1n, allCount],
        f.bridge,
      );
      await assertZkSolvent(f, f.model);
      await expect(
        f.rollup.connect(carol.signer).claim(TOKEN_ID, carol.signer.address),
      ).to.changeTokenBalance(f.token, carol.signer, 4n);
    });

    it("reverts with ZkRollupExodusNotActive before exodus", async function () {
      const f = await loadFixture(stalledFixture);
      await expectRevert(f, () => f.rollup.refundDeposits([f.late], 1), "ZkRollupExodusNotActive", []);
    });

    it("reverts with ZkRollupInvalidRefundCount when the count is zero or beyond the list", async function () {
      const f = await loadFixture(exodusFixture);
      for (const count of [0, 2]) {
        await expectRevert(f, () => f.rollup.refundDeposits([f.late], count), "ZkRollupInvalidRefundCount", [
          count,
          1,
        ]);
      }
    });

    it("reverts with ZkRollupDepositQueueMismatch when the deposits are not the queue's tail", async function () {
      const f = await loadFixture(exodusFixture);
      const forged = { ...f.late, from: f.stranger.address };
      await expectRevert(f, () => f.rollup.refundDeposits([forged], 1), "ZkRollupDepositQueueMismatch", [
        (await f.rollup.depositCount()) + 1n,
        (await f.bridge.depositQueue(f.rollup)).head,
        foldDeposits(await f.rollup.depositHead(), [forged]),
      ]);
    });
  });

  describe("solvency", function () {
    it("holds after every step of a random run of batches", async function () {
      const f = await loadFixture(depositedFixture);
      let model: ZkModel = f.model;
      const users = Object.values(f.users);
      for (let round = 0; round < 6; round++) {
        const user = users[f.rng.int(users.length)];
        const fresh = await deposit(f, user, BigInt(1 + f.rng.int(1000)));
        // a deposit goes to the user's ETH account, or opens one
        const own = [...model.state.entries()].find(
          ([, a]) => BigInt(a.owner) === user.owner && a.tokenId === 0,
        );
        const txs: ZkPublishedTx[] = [
          { kind: "deposit", account: own ? own[0] : model.state.nextIndex, deposit: fresh },
        ];
        const amount = BigInt(1 + f.rng.int(100));
        txs.push(transfer(0, 1, amount), withdraw(1, user.signer.address, ETH_ID, amount));
        const { batch } = await runBatch(f, model, txs);
        model = batch.model;
        await assertZkSolvent(f, model);
      }
    });
  });

  describe("public inputs", function () {
    it("succeeds only with exactly the inputs src/zk/pubdata.ts computes", async function () {
      const f = await loadFixture(depositedFixture);
      const txs = [transfer(0, 1, 1n), withdraw(2, f.users.carol.signer.address, TOKEN_ID, 2n)];
      const batch = await prepareBatch(f, f.model, txs);
      expect(batch.inputs).to.deep.equal(
        publicInputs(f.firstBatch.newRoot, batch.newRoot, f.operator.address, txs, BATCH_SIZE),
      );
      await submit(f, batch);
    });

    it("puts the fee recipient in as public input 2: the proof for one recipient fails for any other, whoever sends it", async function () {
      const f = await loadFixture(depositedFixture);
      const cold = f.users.bob.signer.address;
      const batch = await prepareBatch(f, f.model, [transfer(0, 1, 1n)], { feeRecipient: cold });
      expect(batch.inputs[2]).to.equal(BigInt(cold));
      const root = await f.rollup.root();
      for (const other of [f.operator.address, f.stranger.address]) {
        await expectRevert(
          f,
          () => submit(f, { ...batch, feeRecipient: other }, f.stranger),
          "ZkRollupInvalidProof",
          [root, batch.newRoot],
        );
      }
      await expect(submit(f, batch, f.stranger))
        .to.emit(f.rollup, "BatchVerified")
        .withArgs(2n, batch.newRoot);
    });
  });
});
