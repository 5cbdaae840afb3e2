import { encodeTx, encodeTxs } from "../../src/shared/codec";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Wallet, ZeroAddress, getAddress } from "ethers";
import { ethers } from "hardhat";
import {
  EMPTY_QUEUE_HEAD,
  Eip712Authorizer,
  L2Domain,
  SparseMerkleTree,
  chainDeposit,
  computeMerkleRoot,
  createKeccakHasher,
  foldDeposits,
  hashWithdrawal,
} from "../../src/shared";
import type { DepositTx, KeccakHasher, L2Tx } from "../../src/shared";
import {
  ACCOUNT_DEPTH,
  StepMachine,
  WITHDRAWAL_DEPTH,
  traceBatch,
  traceClaim,
} from "../../src/optimistic/trace";
import type { AccountProofArg, TraceState } from "../../src/optimistic/trace";
import type { StepsHarness } from "../../typechain-types";
import fc from "fast-check";
import { assertAsyncProperty, assertProperty, edgyUint, hexBytes } from "../helpers/property";
import { depositTxOf, signedTransfer, signedWithdraw } from "../shared/transactions";
import { toTraceState } from "../../src/optimistic/rollup-client";
import { CHAIN_ID, ETH, RECIPIENT, ROLLUP, TOKEN, alice, bob, carol } from "../shared/cast";

const domain = new L2Domain(CHAIN_ID, ROLLUP);
const authorizer = new Eip712Authorizer(domain);

const DEPOSITOR = getAddress("0x" + "e5".repeat(20));

let keccak: KeccakHasher;

const depositTx = (owner: Wallet, tokenId: number, amount: bigint, accountHint: number): DepositTx =>
  depositTxOf(DEPOSITOR, owner, tokenId, amount, accountHint);

/** The nonce account `from` signs its next transaction at, in `machine`. */
const nonceIn = (machine: StepMachine, from: number): number => machine.l2.account(from)!.nonce;

/** A transfer signed by `signer` at the sender's current nonce in `machine`. */
const transferTx = (machine: StepMachine, signer: Wallet, from: number, to: number, amount: bigint) =>
  signedTransfer(domain, signer, { from, to, amount, nonce: nonceIn(machine, from) });

/** A withdrawal to RECIPIENT signed by `signer` at the sender's current nonce in `machine`. */
const withdrawTx = (machine: StepMachine, signer: Wallet, from: number, amount: bigint) =>
  signedWithdraw(domain, signer, { from, recipient: RECIPIENT, amount, nonce: nonceIn(machine, from) });

/** Three accounts opened by deposits: 0 alice ETH 1000 · 1 bob ETH 500 · 2 carol TOKEN 300. */
const FUNDING: DepositTx[] = [
  depositTx(alice, ETH, 1000n, 0),
  depositTx(bob, ETH, 500n, 1),
  depositTx(carol, TOKEN, 300n, 2),
];

async function fundedMachine(): Promise<StepMachine> {
  const machine = await StepMachine.genesis(authorizer);
  for (const tx of FUNDING) machine.apply(tx);
  return machine;
}

/** Everything a machine holds: its trace state, its claim, its accounts and its withdrawals. */
function snapshot(machine: StepMachine) {
  return {
    state: machine.state,
    claim: machine.claim,
    accounts: [...machine.l2.entries()],
    withdrawals: [...machine.withdrawals],
  };
}

const anyTraceState: fc.Arbitrary<TraceState> = fc.record({
  accountsRoot: hexBytes(32),
  nextIndex: edgyUint(64),
  depositHead: hexBytes(32),
  withdrawalRoot: hexBytes(32),
  withdrawalCount: edgyUint(32),
  cursor: edgyUint(32),
});

/** Whether `proof` opens leaf `index` of a tree whose root is `root`. */
function opensTo(proof: AccountProofArg, index: number, root: string): boolean {
  const leaf = keccak.hashAccount(proof.leaf);
  const siblings = proof.siblings.map((s) => keccak.fromHex(s));
  return keccak.toHex(computeMerkleRoot(keccak, leaf, index, siblings)) === root;
}

async function deployHarnessFixture() {
  const harness: StepsHarness = await ethers.deployContract("StepsHarness");
  return { harness };
}

async function createHasher() {
  keccak = await createKeccakHasher();
}

describe("Trace (StepsHarness ↔ trace.ts)", function () {
  before(createHasher);

  describe("claim", function () {
    it("equals traceClaim for 100 random states, edges of nextIndex and withdrawalCount included", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      await assertAsyncProperty(
        fc.asyncProperty(anyTraceState, async (state) => {
          expect(await harness.claim(state)).to.equal(traceClaim(state));
        }),
        { runs: 100 },
      );
    });

    it("equals StepMachine.claim after every step of a batch", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      const machine = await fundedMachine();
      const steps = [
        depositTx(alice, ETH, 5n, 0),
        await transferTx(machine, alice, 0, 1, 100n),
        depositTx(bob, TOKEN, 7n, 3),
      ];
      for (const tx of steps) {
        machine.apply(tx);
        expect(await harness.claim(machine.state), tx.kind).to.equal(machine.claim);
      }
      machine.apply(await withdrawTx(machine, bob, 1, 50n));
      expect(await harness.claim(machine.state)).to.equal(machine.claim);
    });

    it("changes when any one field of the state changes", function () {
      assertProperty(
        fc.property(anyTraceState, hexBytes(32), (state, other) => {
          const claim = traceClaim(state);
          const changed: TraceState[] = [
            { ...state, nextIndex: state.nextIndex ^ 1n },
            { ...state, withdrawalCount: state.withdrawalCount ^ 1n },
            { ...state, cursor: state.cursor ^ 1n },
          ];
          if (other !== state.accountsRoot) changed.push({ ...state, accountsRoot: other });
          if (other !== state.depositHead) changed.push({ ...state, depositHead: other });
          if (other !== state.withdrawalRoot) changed.push({ ...state, withdrawalRoot: other });
          for (const next of changed) expect(traceClaim(next)).to.not.equal(claim);
        }),
        { runs: 50 },
      );
    });
  });

  describe("EMPTY_ACCOUNTS_ROOT / EMPTY_WITHDRAWAL_ROOT", function () {
    it("equal the roots of empty keccak SparseMerkleTrees of depth 32 and 10", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      expect(ACCOUNT_DEPTH).to.equal(32);
      expect(WITHDRAWAL_DEPTH).to.equal(11);
      expect(await harness.emptyAccountsRoot()).to.equal(new SparseMerkleTree(keccak, ACCOUNT_DEPTH).rootHex);
      expect(await harness.emptyWithdrawalRoot()).to.equal(
        new SparseMerkleTree(keccak, WITHDRAWAL_DEPTH).rootHex,
      );
    });
  });

  describe("genesis", function () {
    it("equals StepMachine.genesis's state and claim", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      const machine = await StepMachine.genesis(authorizer);
      const genesis = toTraceState(await harness.genesis());
      expect(genesis).to.deep.equal(machine.state);
      expect(genesis).to.deep.equal({
        accountsRoot: await harness.emptyAccountsRoot(),
        nextIndex: 0n,
        depositHead: EMPTY_QUEUE_HEAD,
        withdrawalRoot: await harness.emptyWithdrawalRoot(),
        withdrawalCount: 0n,
        cursor: 0n,
      });
      expect(await harness.claim(genesis)).to.equal(machine.claim);
    });
  });

  describe("start", function () {
    it("equals StepMachine.nextBatch's state: the parent's accounts and head, no withdrawals, nothing read", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      const parent = await fundedMachine();
      parent.apply(await withdrawTx(parent, alice, 0, 10n));
      expect(parent.state.withdrawalCount).to.equal(1n);
      expect(parent.state.cursor).to.be.greaterThan(0n);
      const started = toTraceState(await harness.start(parent.state));
      expect(started).to.deep.equal(parent.nextBatch().state);
      expect(await harness.claim(started)).to.equal(parent.nextBatch().claim);
    });
  });
});

describe("StepMachine", function () {
  before(createHasher);

  describe("apply", function () {
    it("folds every deposit into the head with chainDeposit, credited or opened", async function () {
      const machine = await fundedMachine();
      const credited = depositTx(alice, ETH, 5n, 0);
      const opened = depositTx(alice, TOKEN, 6n, 0); // hint names alice's ETH account: opens a new one
      const headBefore = machine.depositHead;

      expect(machine.apply(credited)).to.include({ status: "applied", opened: false });
      expect(machine.depositHead).to.equal(chainDeposit(headBefore, credited.deposit));
      expect(machine.apply(opened)).to.include({ status: "applied", opened: true, accountIndex: 3 });
      expect(machine.depositHead).to.equal(foldDeposits(headBefore, [credited.deposit, opened.deposit]));
    });

    it("starts the head at EMPTY_QUEUE_HEAD and folds the funding deposits in order", async function () {
      const machine = await fundedMachine();
      const deposits = FUNDING.map((tx) => tx.deposit);
      expect(machine.state.depositHead).to.equal(foldDeposits(EMPTY_QUEUE_HEAD, deposits));
    });

    it("appends each withdrawal to the withdrawal tree at withdrawalCount", async function () {
      const machine = await fundedMachine();
      const expected = new SparseMerkleTree(keccak, WITHDRAWAL_DEPTH);
      const requests: [Wallet, number, bigint][] = [
        [alice, 0, 10n],
        [bob, 1, 20n],
        [alice, 0, 30n],
      ];
      for (const [signer, from, amount] of requests) {
        const before = machine.state;
        machine.apply(await withdrawTx(machine, signer, from, amount));
        const withdrawal = { recipient: RECIPIENT, tokenId: ETH, amount };
        expected.update(Number(before.withdrawalCount), keccak.fromHex(hashWithdrawal(withdrawal)));
        expect(machine.state.withdrawalCount).to.equal(before.withdrawalCount + 1n);
        expect(machine.state.withdrawalRoot).to.not.equal(before.withdrawalRoot);
        expect(machine.state.withdrawalRoot).to.equal(expected.rootHex);
        expect(machine.state.depositHead).to.equal(before.depositHead);
        expect(machine.withdrawals.at(-1)).to.deep.equal(withdrawal);
      }
      expect(machine.withdrawals).to.have.length(3);
    });

    it("leaves withdrawals and the head alone when the step is a transfer", async function () {
      const machine = await fundedMachine();
      const before = machine.state;
      expect(machine.apply(await transferTx(machine, alice, 0, 1, 100n))).to.include({ status: "applied" });
      expect(machine.state).to.deep.equal({
        ...before,
        accountsRoot: machine.state.accountsRoot,
        cursor: before.cursor + 78n,
      });
      expect(machine.state.accountsRoot).to.not.equal(before.accountsRoot);
    });

    it("changes only the cursor when the transaction is rejected", async function () {
      const machine = await fundedMachine();
      const rejected: [string, L2Tx][] = [
        ["BadSignature", await transferTx(machine, bob, 0, 1, 1n)],
        ["UnknownAccount", await transferTx(machine, alice, 0, 9, 1n)],
        ["TokenMismatch", await transferTx(machine, alice, 0, 2, 1n)],
        ["InsufficientBalance", await withdrawTx(machine, bob, 1, 501n)],
        ["ZeroAmount", await withdrawTx(machine, bob, 1, 0n)],
        ["ZeroRecipient", { ...(await withdrawTx(machine, bob, 1, 1n)), recipient: ZeroAddress }],
      ];
      for (const [reason, tx] of rejected) {
        const before = snapshot(machine);
        expect(machine.apply(tx), reason).to.include({ status: "rejected", reason });
        const after = snapshot(machine);
        expect(after.state.cursor, reason).to.equal(before.state.cursor + BigInt(encodeTx(tx).length));
        expect({ ...after, claim: undefined, state: { ...after.state, cursor: 0n } }, reason).to.deep.equal({
          ...before,
          claim: undefined,
          state: { ...before.state, cursor: 0n },
        });
      }
    });
  });

  describe("witness", function () {
    it("opens the sender and the receiver of a transfer against the accounts root", async function () {
      const machine = await fundedMachine();
      const w = machine.witness(await transferTx(machine, alice, 0, 1, 1n));
      expect(w.first.leaf).to.deep.equal(machine.l2.account(0));
      expect(w.second.leaf).to.deep.equal(machine.l2.account(1));
      expect(w.first.siblings).to.have.length(ACCOUNT_DEPTH);
      expect(opensTo(w.first, 0, machine.state.accountsRoot)).to.equal(true);
      expect(opensTo(w.second, 1, machine.state.accountsRoot)).to.equal(true);
      expect(w.withdrawalSiblings).to.deep.equal([]);
    });

    it("opens the hinted account and the empty slot at nextIndex for a deposit", async function () {
      const machine = await fundedMachine();
      const w = machine.witness(depositTx(bob, ETH, 1n, 1));
      expect(opensTo(w.first, 1, machine.state.accountsRoot)).to.equal(true);
      const emptySlot = keccak.toHex(
        computeMerkleRoot(
          keccak,
          keccak.zero,
          3,
          w.second.siblings.map((s) => keccak.fromHex(s)),
        ),
      );
      expect(emptySlot).to.equal(machine.state.accountsRoot);
    });

    it("gives the empty withdrawal slot at withdrawalCount for a withdrawal", async function () {
      const machine = await fundedMachine();
      machine.apply(await withdrawTx(machine, alice, 0, 1n));
      const w = machine.witness(await withdrawTx(machine, alice, 0, 1n));
      expect(w.withdrawalSiblings).to.have.length(WITHDRAWAL_DEPTH);
      const slot = computeMerkleRoot(
        keccak,
        keccak.zero,
        1,
        w.withdrawalSiblings.map((s) => keccak.fromHex(s)),
      );
      expect(keccak.toHex(slot)).to.equal(machine.state.withdrawalRoot);
    });
  });

  describe("nextBatch", function () {
    it("starts with no withdrawals and the same accounts and deposit head", async function () {
      const parent = await fundedMachine();
      parent.apply(await withdrawTx(parent, alice, 0, 10n));
      const next = parent.nextBatch();
      const empty = new SparseMerkleTree(keccak, WITHDRAWAL_DEPTH).rootHex;
      expect(next.state).to.deep.equal({
        ...parent.state,
        withdrawalRoot: empty,
        withdrawalCount: 0n,
        cursor: 0n,
      });
      expect(next.withdrawals).to.deep.equal([]);
      expect([...next.l2.entries()]).to.deep.equal([...parent.l2.entries()]);
    });

    it("leaves the original untouched when the next batch's machine steps", async function () {
      const parent = await fundedMachine();
      const next = parent.nextBatch();
      const before = snapshot(parent);
      next.apply(depositTx(alice, ETH, 5n, 0));
      next.apply(depositTx(carol, ETH, 6n, 0));
      next.apply(await transferTx(next, bob, 1, 0, 50n));
      next.apply(await withdrawTx(next, carol, 2, 25n));
      expect(snapshot(next).state).to.not.deep.equal(before.state);
      expect(snapshot(parent)).to.deep.equal(before);
    });

    it("leaves the next batch's machine untouched when the original steps", async function () {
      const parent = await fundedMachine();
      const next = parent.nextBatch();
      const before = snapshot(next);
      parent.apply(depositTx(bob, ETH, 5n, 1));
      parent.apply(await transferTx(parent, alice, 0, 1, 10n));
      parent.apply(await withdrawTx(parent, bob, 1, 5n));
      expect(snapshot(next)).to.deep.equal(before);
    });
  });

  describe("traceBatch", function () {
    it("returns the start claim and the claim after every step, as Trace.claim computes them", async function () {
      const { harness } = await loadFixture(deployHarnessFixture);
      const parent = await fundedMachine();
      const txs: L2Tx[] = [
        depositTx(carol, TOKEN, 9n, 2),
        await transferTx(parent, alice, 0, 1, 100n),
        await transferTx(parent, alice, 0, 2, 1n), // rejected: token mismatch
        await withdrawTx(parent, bob, 1, 40n),
      ];
      const stepper = parent.nextBatch();
      const expected = [await harness.claim(stepper.state)];
      const states = [stepper.state];
      for (const tx of txs) {
        stepper.apply(tx);
        expected.push(await harness.claim(stepper.state));
        states.push(stepper.state);
      }
      const claims = traceBatch(parent.nextBatch(), txs);
      expect(claims).to.deep.equal(expected);
      // The rejected step changes nothing but the cursor, which moves past its 78 bytes.
      expect(states[3]).to.deep.equal({ ...states[2], cursor: states[2].cursor + 78n });
      expect(stepper.state.cursor).to.equal(BigInt(encodeTxs(txs).length));
    });
  });
});
