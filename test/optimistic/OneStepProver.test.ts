import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Wallet, ZeroAddress, concat, getAddress, getBytes, toBeHex } from "ethers";
import { ethers } from "hardhat";
import secp256k1 from "secp256k1";
import {
  EMPTY_QUEUE_HEAD,
  Eip712Authorizer,
  L2Domain,
  L2State,
  MAX_U128,
  MAX_U32,
  SparseMerkleTree,
  createKeccakHasher,
  encodeTx,
  ownerOfAddress,
} from "../../src/shared";
import type { Account, DepositTx, KeccakHasher, L2Tx, RejectReason, TxOutcome } from "../../src/shared";
import { ACCOUNT_DEPTH, StepMachine } from "../../src/optimistic/trace";
import type { AccountProofArg, StepWitness, TraceState } from "../../src/optimistic/trace";
import type { OneStepProver } from "../../typechain-types";
import fc from "fast-check";
import type { Draw } from "../helpers/property";
import { assertAsyncProperty, drawFrom } from "../helpers/property";
import { depositTxOf, signedTransfer, signedWithdraw } from "../shared/transactions";
import { SECP256K1_HALF_N, SECP256K1_N } from "../../src/shared/ecdsa";
import {
  ETH,
  LARGEST_FLOAT40,
  RECIPIENT,
  ROLLUP,
  TOKEN,
  alice,
  bob,
  carol,
  malleableSignature,
} from "../shared/cast";

/** Owns the account whose every nonce is used. */
const dave = new Wallet("0x" + "d4".repeat(32));
/** Owns nothing at first: the forger. */
const mallory = new Wallet("0x" + "e5".repeat(32));
const WALLETS = [alice, bob, carol, dave, mallory];
/** The Layer-1 address that made the deposits (refunded when one can never be credited). */
const DEPOSITOR = getAddress("0x" + "0d".repeat(20));
/** Balances below this stay exact float40 amounts, so a test can spend "balance + 1". */
const ROOMY = 1n << 34n;

const NO_ACCOUNT: AccountProofArg = {
  leaf: { owner: ethers.ZeroHash, tokenId: 0, balance: 0n, nonce: 0 },
  siblings: [],
};
const EMPTY_WITNESS: StepWitness = { first: NO_ACCOUNT, second: NO_ACCOUNT, withdrawalSiblings: [] };

let keccak: KeccakHasher;

async function deployProverFixture() {
  const prover: OneStepProver = await ethers.deployContract("OneStepProver");
  const { chainId } = await ethers.provider.getNetwork();
  const domain = new L2Domain(chainId, ROLLUP);
  return { prover, domain, authorizer: new Eip712Authorizer(domain) };
}

type Env = Awaited<ReturnType<typeof deployProverFixture>>;

// ---------------------------------------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------------------------------------

const depositTx = (owner: Wallet, tokenId: number, amount: bigint, accountHint: number): DepositTx =>
  depositTxOf(DEPOSITOR, owner, tokenId, amount, accountHint);

const pick = <T>(rng: Draw, items: readonly T[]): T => {
  if (items.length === 0) throw new Error("nothing to pick from");
  return items[rng.int(items.length)];
};

const nonceOf = (machine: StepMachine, index: number): number => machine.l2.account(index)?.nonce ?? 0;

const walletOf = (account: Account): Wallet =>
  WALLETS.find((w) => BigInt(ownerOfAddress(w.address)) === BigInt(account.owner))!;

// ---------------------------------------------------------------------------------------------------------
// Machines
// ---------------------------------------------------------------------------------------------------------

/** Opened by deposits, after dave's account 0: 1 alice ETH · 2 bob ETH · 3 carol TOKEN · 4 alice TOKEN ·
 * 5 bob TOKEN holding 2^128 - 1 (no credit fits) · 6 carol ETH. */
const FUNDING: [Wallet, number, bigint][] = [
  [alice, ETH, 1_000_000n],
  [bob, ETH, 500_000n],
  [carol, TOKEN, 300_000n],
  [alice, TOKEN, 50_000n],
  [bob, TOKEN, MAX_U128],
  [carol, ETH, 25_000n],
];
const DAVE = 0;
const ALICE_ETH = 1;
const BOB_ETH = 2;
const CAROL_TOKEN = 3;

/** Alice's first transfer: 5 wei from her ETH account to Bob's. */
const aliceToBob = (env: Env) =>
  signedTransfer(env.domain, alice, { from: ALICE_ETH, to: BOB_ETH, amount: 5n, nonce: 0 });

/** Bob withdraws `amount` of his ETH to RECIPIENT at `nonce`. */
const bobWithdraws = (env: Env, amount: bigint, nonce: number) =>
  signedWithdraw(env.domain, bob, { from: BOB_ETH, recipient: RECIPIENT, amount, nonce });

/** `execute` of `tx` over `pre` with `witness` reverts with the prover's `error(index)`: the witness is refused. */
async function expectBadProof(
  error: "OneStepBadAccountProof" | "OneStepBadWithdrawalProof",
  env: Env,
  pre: TraceState,
  tx: L2Tx,
  witness: StepWitness,
  index: number,
): Promise<void> {
  await expect(env.prover.execute(env.domain.separator, pre, encodeTx(tx), witness))
    .to.be.revertedWithCustomError(env.prover, error)
    .withArgs(index);
}

/**
 * Dave's ETH account at index 0 has used every nonce; it is opened directly in the L2State, since no
 * sequence of steps gets there. The other accounts are opened by deposits, each one executed by both the
 * prover and the machine.
 */
async function fundedMachine(env: Env): Promise<StepMachine> {
  const l2 = await L2State.keccak(ACCOUNT_DEPTH);
  l2.openAccount({ owner: ownerOfAddress(dave.address), tokenId: ETH, balance: 100n, nonce: MAX_U32 });
  const machine = new StepMachine(l2, EMPTY_QUEUE_HEAD, env.authorizer);
  for (const [owner, tokenId, amount] of FUNDING) {
    await executeBoth(env, machine, depositTx(owner, tokenId, amount, l2.nextIndex));
  }
  return machine;
}

/**
 * A machine whose accounts sit at arbitrary indices below `nextIndex`, built through L2State's copy
 * constructor: the only way to reach indices near 2^32 (or a full tree) without opening 2^32 accounts. The
 * slots between them are empty, so only steps that read these accounts are meaningful here.
 */
function sparseMachine(env: Env, accounts: Map<number, Account>, nextIndex: number): StepMachine {
  const tree = new SparseMerkleTree(keccak, ACCOUNT_DEPTH);
  for (const [index, account] of accounts) tree.update(index, keccak.hashAccount(account));
  const l2 = new L2State(keccak, ACCOUNT_DEPTH, { tree, accounts, next: nextIndex });
  return new StepMachine(l2, EMPTY_QUEUE_HEAD, env.authorizer);
}

// ---------------------------------------------------------------------------------------------------------
// The parity check
// ---------------------------------------------------------------------------------------------------------

/** A Solidity `Trace.State` as the TypeScript `TraceState`, field by field. */
function traceStateOf(s: TraceState): TraceState {
  const { accountsRoot, nextIndex, depositHead, withdrawalRoot, withdrawalCount, cursor } = s;
  return { accountsRoot, nextIndex, depositHead, withdrawalRoot, withdrawalCount, cursor };
}

/**
 * Executes `tx` on the prover with the machine's witness, then applies it to the machine, and asserts
 * both end in the same state. A rejected transaction must leave the state as it was.
 */
async function executeBoth(env: Env, machine: StepMachine, tx: L2Tx, label: string = tx.kind) {
  const witness = machine.witness(tx);
  const pre = machine.state;
  const post = await env.prover.execute(env.domain.separator, pre, encodeTx(tx), witness);
  const outcome = machine.apply(tx);
  expect(traceStateOf(post), label).to.deep.equal(machine.state);
  // A rejected transaction changes nothing but the cursor, which moves past it.
  const read = BigInt(encodeTx(tx).length);
  if (outcome.status === "rejected")
    expect(machine.state, label).to.deep.equal({ ...pre, cursor: pre.cursor + read });
  return outcome;
}

/** What happened to a transaction, in one word. */
type Verdict = RejectReason | "credited" | "opened" | "refunded" | "transferred" | "withdrawn";

function verdictOf(outcome: TxOutcome): Verdict {
  if (outcome.status === "rejected") return outcome.reason;
  if (outcome.kind === "transfer") return "transferred";
  if (outcome.kind === "withdraw") return "withdrawn";
  if ("refund" in outcome) return "refunded";
  return outcome.opened ? "opened" : "credited";
}

// ---------------------------------------------------------------------------------------------------------
// Signatures that must not count
// ---------------------------------------------------------------------------------------------------------

const compact = (r: bigint, s: bigint, yParity: number): string =>
  concat([toBeHex(r, 32), toBeHex((BigInt(yParity) << 255n) | s, 32)]);

/**
 * A signature no owner made: pure noise, or r or s at the edges `ECDSA.tryRecover` rules out (r = 0, r = n,
 * s = 0, s = n/2 + 1), or a well-formed one that recovers to someone nobody knows.
 */
function noiseSignature(rng: Draw): string {
  const r = 1n + (rng.bigint(256) % (SECP256K1_N - 1n));
  const lowS = 1n + (rng.bigint(256) % SECP256K1_HALF_N);
  const yParity = rng.int(2);
  return pick(rng, [
    rng.hex(64),
    compact(0n, lowS, yParity),
    compact(SECP256K1_N, lowS, yParity),
    compact(r, 0n, yParity),
    compact(r, SECP256K1_HALF_N + 1n, yParity),
    compact(r, lowS, yParity),
  ]);
}

/** An owner and two signatures of `digest` by it: the canonical low-s one and its high-s twin. */
function malleableSigner(digest: string): { owner: Wallet; low: string; high: string } {
  const { owner, r, s, yParity } = malleableSignature(digest);
  return { owner, low: compact(r, SECP256K1_N - s, yParity ^ 1), high: compact(r, s, yParity) };
}

// ---------------------------------------------------------------------------------------------------------
// Random scenarios: each builds one transaction meant to end in its verdict
// ---------------------------------------------------------------------------------------------------------

interface ScenarioContext {
  rng: Draw;
  machine: StepMachine;
  domain: L2Domain;
}

interface Scenario {
  name: string;
  verdict: Verdict;
  build(ctx: ScenarioContext): Promise<L2Tx>;
}

type Entry = [index: number, account: Account];

/** A uniform-ish amount in [0, max]. */
const upTo = (rng: Draw, max: bigint): bigint => rng.bigint(64) % (max + 1n);

const entriesOf = (machine: StepMachine): Entry[] => [...machine.l2.entries()];
const isRoomy = ([, a]: Entry): boolean => a.balance < ROOMY;
/** Accounts that pass every sender check but the signature and the balance. */
const spenders = (machine: StepMachine): Entry[] =>
  entriesOf(machine).filter((e) => isRoomy(e) && e[1].nonce < MAX_U32);
/** Accounts no credit fits in. */
const fullAccounts = (machine: StepMachine): Entry[] =>
  entriesOf(machine).filter(([, a]) => a.balance === MAX_U128);

/** Another roomy account of `from`'s token, if there is one: a receiver every pre-signature check accepts. */
function receiverFor(ctx: ScenarioContext, [from, sender]: Entry): number | undefined {
  const candidates = entriesOf(ctx.machine).filter(
    (e) => isRoomy(e) && e[0] !== from && e[1].tokenId === sender.tokenId,
  );
  return candidates.length === 0 ? undefined : pick(ctx.rng, candidates)[0];
}

interface SpendOptions {
  amount: bigint;
  signer?: Wallet;
  nonce?: number;
  /** Sent instead of the owner's signature. */
  signature?: string;
}

/**
 * A transfer to a fitting receiver or a withdrawal to RECIPIENT, at random, signed by the owner at the
 * account's nonce unless told otherwise.
 */
async function spend(ctx: ScenarioContext, entry: Entry, options: SpendOptions): Promise<L2Tx> {
  const [from, account] = entry;
  const { amount, signer = walletOf(account), nonce = account.nonce } = options;
  const to = ctx.rng.int(2) === 0 ? receiverFor(ctx, entry) : undefined;
  const tx =
    to === undefined
      ? await signedWithdraw(ctx.domain, signer, { from, recipient: RECIPIENT, amount, nonce })
      : await signedTransfer(ctx.domain, signer, { from, to, amount, nonce });
  return options.signature === undefined ? tx : { ...tx, signature: options.signature };
}

/** A spender with something to spend. */
const funded = (ctx: ScenarioContext): Entry =>
  pick(
    ctx.rng,
    spenders(ctx.machine).filter(([, a]) => a.balance > 0n),
  );

const SCENARIOS: Scenario[] = [
  {
    name: "a transfer the sender can afford, zero included",
    verdict: "transferred",
    async build(ctx) {
      for (;;) {
        const entry = pick(ctx.rng, spenders(ctx.machine));
        const to = receiverFor(ctx, entry);
        if (to === undefined) continue;
        const amount = ctx.rng.int(5) === 0 ? 0n : upTo(ctx.rng, entry[1].balance);
        return signedTransfer(ctx.domain, walletOf(entry[1]), {
          from: entry[0],
          to,
          amount,
          nonce: entry[1].nonce,
        });
      }
    },
  },
  {
    name: "a withdrawal the sender can afford",
    verdict: "withdrawn",
    async build(ctx) {
      const [from, account] = funded(ctx);
      const amount = 1n + upTo(ctx.rng, account.balance - 1n);
      return signedWithdraw(ctx.domain, walletOf(account), {
        from,
        recipient: RECIPIENT,
        amount,
        nonce: account.nonce,
      });
    },
  },
  {
    name: "a deposit hinting at the owner's account",
    verdict: "credited",
    async build(ctx) {
      const [hint, account] = pick(ctx.rng, entriesOf(ctx.machine).filter(isRoomy));
      return depositTx(walletOf(account), account.tokenId, upTo(ctx.rng, 1_000_000n), hint);
    },
  },
  {
    name: "a deposit hinting at an account of another owner or token",
    verdict: "opened",
    async build(ctx) {
      const [hint, account] = pick(ctx.rng, entriesOf(ctx.machine));
      for (;;) {
        const owner = pick(ctx.rng, WALLETS);
        const tokenId = pick(ctx.rng, [ETH, TOKEN, 7]);
        if (owner !== walletOf(account) || tokenId !== account.tokenId) {
          return depositTx(owner, tokenId, upTo(ctx.rng, 1_000_000n), hint);
        }
      }
    },
  },
  {
    name: "a deposit hinting at nextIndex or beyond",
    verdict: "opened",
    async build(ctx) {
      const next = ctx.machine.l2.nextIndex;
      const hint = pick(ctx.rng, [next, next + 1 + ctx.rng.int(1000), MAX_U32]);
      return depositTx(pick(ctx.rng, WALLETS), pick(ctx.rng, [ETH, TOKEN]), upTo(ctx.rng, 1_000_000n), hint);
    },
  },
  {
    name: "a deposit whose credit would overflow the hinted account",
    verdict: "opened",
    async build(ctx) {
      const [hint, account] = pick(ctx.rng, fullAccounts(ctx.machine));
      return depositTx(walletOf(account), account.tokenId, 1n + upTo(ctx.rng, MAX_U128 - 1n), hint);
    },
  },
  {
    name: "a spend signed at the next nonce",
    verdict: "BadSignature",
    async build(ctx) {
      const entry = funded(ctx);
      return spend(ctx, entry, { amount: 1n, nonce: entry[1].nonce + 1 });
    },
  },
  {
    name: "a spend signed by someone other than the owner",
    verdict: "BadSignature",
    async build(ctx) {
      const entry = funded(ctx);
      const signer = pick(
        ctx.rng,
        WALLETS.filter((w) => w !== walletOf(entry[1])),
      );
      return spend(ctx, entry, { amount: 1n, signer });
    },
  },
  {
    name: "a spend whose signature is noise or out of range",
    verdict: "BadSignature",
    async build(ctx) {
      return spend(ctx, funded(ctx), { amount: 1n, signature: noiseSignature(ctx.rng) });
    },
  },
  {
    name: "a spend above the sender's balance",
    verdict: "InsufficientBalance",
    async build(ctx) {
      const entry = pick(ctx.rng, spenders(ctx.machine));
      return spend(ctx, entry, { amount: entry[1].balance + 1n + upTo(ctx.rng, 1000n) });
    },
  },
  {
    name: "a spend above 2^128 - 1 (a float40 can carry it)",
    verdict: "AmountTooLarge",
    async build(ctx) {
      const [from] = pick(ctx.rng, entriesOf(ctx.machine));
      const amount = pick(ctx.rng, [4n * 10n ** 38n, LARGEST_FLOAT40]);
      // No one can sign such an amount (the typed data says uint128), so the signature is noise.
      const signature = ctx.rng.hex(64);
      const to = pick(
        ctx.rng,
        entriesOf(ctx.machine).filter(([i]) => i !== from),
      )[0];
      return ctx.rng.int(2) === 0
        ? { kind: "transfer", from, to, amount, signature }
        : { kind: "withdraw", from, recipient: RECIPIENT, amount, signature };
    },
  },
  {
    name: "a spend from the account whose every nonce is used",
    verdict: "NonceExhausted",
    async build(ctx) {
      const account = ctx.machine.l2.account(DAVE)!;
      // A non-zero amount: a zero one is refused as ZeroAmount before the nonce is looked at.
      return spend(ctx, [DAVE, account], { amount: 1n + upTo(ctx.rng, account.balance - 1n) });
    },
  },
  {
    name: "a transfer from or to an account that is not open, or a withdrawal from one",
    verdict: "UnknownAccount",
    async build(ctx) {
      const next = ctx.machine.l2.nextIndex;
      const unknown = pick(ctx.rng, [next, next + 1 + ctx.rng.int(1000), MAX_U32]);
      const [known, account] = funded(ctx);
      const signer = walletOf(account);
      switch (ctx.rng.int(3)) {
        case 0:
          return signedTransfer(ctx.domain, signer, { from: unknown, to: known, amount: 1n, nonce: 0 });
        case 1:
          return signedTransfer(ctx.domain, signer, {
            from: known,
            to: unknown,
            amount: 1n,
            nonce: account.nonce,
          });
        default:
          return signedWithdraw(ctx.domain, signer, {
            from: unknown,
            recipient: RECIPIENT,
            amount: 1n,
            nonce: 0,
          });
      }
    },
  },
  {
    name: "a transfer to the sender's own account",
    verdict: "SelfTransfer",
    async build(ctx) {
      const [from, account] = funded(ctx);
      return signedTransfer(ctx.domain, walletOf(account), {
        from,
        to: from,
        amount: 1n,
        nonce: account.nonce,
      });
    },
  },
  {
    name: "a transfer to an account of another token",
    verdict: "TokenMismatch",
    async build(ctx) {
      const [from, account] = funded(ctx);
      const to = pick(
        ctx.rng,
        entriesOf(ctx.machine).filter(([, a]) => a.tokenId !== account.tokenId),
      )[0];
      return signedTransfer(ctx.domain, walletOf(account), { from, to, amount: 1n, nonce: account.nonce });
    },
  },
  {
    name: "a transfer that would overflow the receiver",
    verdict: "BalanceOverflow",
    async build(ctx) {
      const [to, receiver] = pick(ctx.rng, fullAccounts(ctx.machine));
      const senders = spenders(ctx.machine).filter(
        ([, a]) => a.tokenId === receiver.tokenId && a.balance > 0n,
      );
      const [from, account] = pick(ctx.rng, senders);
      const amount = 1n + upTo(ctx.rng, account.balance - 1n);
      return signedTransfer(ctx.domain, walletOf(account), { from, to, amount, nonce: account.nonce });
    },
  },
  {
    name: "a withdrawal to the zero address",
    verdict: "ZeroRecipient",
    async build(ctx) {
      const [from, account] = funded(ctx);
      const m = { from, recipient: ZeroAddress, amount: 1n, nonce: account.nonce };
      return signedWithdraw(ctx.domain, walletOf(account), m);
    },
  },
  {
    name: "a withdrawal of nothing",
    verdict: "ZeroAmount",
    async build(ctx) {
      const [from, account] = funded(ctx);
      const m = { from, recipient: RECIPIENT, amount: 0n, nonce: account.nonce };
      return signedWithdraw(ctx.domain, walletOf(account), m);
    },
  },
];

// ---------------------------------------------------------------------------------------------------------
// Forged witnesses
// ---------------------------------------------------------------------------------------------------------

function withLeaf(proof: AccountProofArg, leaf: Partial<Account>): AccountProofArg {
  return { leaf: { ...proof.leaf, ...leaf }, siblings: proof.siblings };
}

function withSibling(siblings: readonly string[], level: number, value: string): string[] {
  return siblings.map((s, l) => (l === level ? value : s));
}

const FORGED_NODE = "0x" + "66".repeat(32);

describe("OneStepProver", function () {
  before(async function () {
    keccak = await createKeccakHasher();
  });

  describe("execute", function () {
    it("agrees with StepMachine on 200 random steps of every kind, valid and invalid, field by field", async function () {
      const seen = new Set<string>();
      // Two runs of 100 steps, each from a freshly funded machine.
      await assertAsyncProperty(
        fc.asyncProperty(fc.gen(), async (g) => {
          const env = await loadFixture(deployProverFixture);
          const machine = await fundedMachine(env);
          const ctx: ScenarioContext = { rng: drawFrom(g), machine, domain: env.domain };
          for (let step = 0; step < 100; step++) {
            const scenario = pick(ctx.rng, SCENARIOS);
            const tx = await scenario.build(ctx);
            const label = `step ${step}: ${scenario.name}`;
            const outcome = await executeBoth(env, machine, tx, label);
            expect(verdictOf(outcome), label).to.equal(scenario.verdict);
            seen.add(scenario.name);
          }
        }),
        { runs: 2, shrink: false },
      );
      expect([...seen]).to.have.members(SCENARIOS.map((s) => s.name));
    });

    it("agrees with StepMachine on transfers between accounts whose paths meet at every level 0 to 31", async function () {
      const env = await loadFixture(deployProverFixture);
      // alice at 0, bob at 2^k for every k and at 2^31 + 1: path pairs meet at every level of the tree.
      const top = 2 ** 31;
      const bobIndices = [...Array.from({ length: 32 }, (_, k) => 2 ** k), top + 1];
      const accounts = new Map<number, Account>([
        [0, { owner: ownerOfAddress(alice.address), tokenId: ETH, balance: 1_000_000n, nonce: 0 }],
        ...bobIndices.map((i): [number, Account] => [
          i,
          { owner: ownerOfAddress(bob.address), tokenId: ETH, balance: 1_000n, nonce: 0 },
        ]),
      ]);
      const machine = sparseMachine(env, accounts, top + 2);
      const pairs: [Wallet, number, number][] = [
        ...bobIndices.map((i): [Wallet, number, number] => [alice, 0, i]),
        ...bobIndices.map((i): [Wallet, number, number] => [bob, i, 0]),
        [bob, top + 1, top], // meet at level 0, near the top of the index range
        [bob, top / 2, top + 1], // meet at level 31
      ];
      for (const [signer, from, to] of pairs) {
        const tx = await signedTransfer(env.domain, signer, {
          from,
          to,
          amount: 7n,
          nonce: nonceOf(machine, from),
        });
        const outcome = await executeBoth(env, machine, tx, `${from} → ${to}`);
        expect(verdictOf(outcome), `${from} → ${to}`).to.equal("transferred");
      }
      expect(machine.l2.account(0)!.balance).to.equal(1_000_000n);
    });

    it("refunds a deposit to its Layer-1 sender, as StepMachine does, when the account tree is full", async function () {
      const env = await loadFixture(deployProverFixture);
      // A full tree (nextIndex = 2^32) with two real accounts. Hints name real accounts only: an empty
      // slot below nextIndex cannot happen in a tree filled in order.
      const accounts = new Map<number, Account>([
        [0, { owner: ownerOfAddress(alice.address), tokenId: ETH, balance: 10n, nonce: 0 }],
        [MAX_U32, { owner: ownerOfAddress(bob.address), tokenId: TOKEN, balance: 20n, nonce: 0 }],
      ]);
      const machine = sparseMachine(env, accounts, 2 ** ACCOUNT_DEPTH);
      expect(machine.l2.isFull).to.equal(true);

      const credit = depositTx(bob, TOKEN, 5n, MAX_U32);
      expect(verdictOf(await executeBoth(env, machine, credit))).to.equal("credited");

      const refunds = [depositTx(alice, TOKEN, 6n, 0), depositTx(carol, ETH, 7n, MAX_U32)];
      for (const [k, tx] of refunds.entries()) {
        const outcome = await executeBoth(env, machine, tx, `refund ${k}`);
        expect(verdictOf(outcome)).to.equal("refunded");
        expect(machine.withdrawals[k]).to.deep.equal({
          recipient: DEPOSITOR,
          tokenId: tx.deposit.tokenId,
          amount: tx.deposit.amount,
        });
      }
      expect(machine.state.withdrawalCount).to.equal(2n);
      expect(machine.state.nextIndex).to.equal(2n ** 32n);
    });

    it("rejects a high-s signature, as StepMachine does, and accepts its low-s twin", async function () {
      const env = await loadFixture(deployProverFixture);
      const machine = await fundedMachine(env);
      const from = machine.l2.nextIndex;
      const m = { from, to: ALICE_ETH, amount: 40n, nonce: 0 };
      const { owner, low, high } = malleableSigner(env.domain.transferDigest(m));
      await executeBoth(env, machine, depositTx(owner, ETH, 100n, from));
      // Both signatures recover to the owner on the curve; only the low-s one is accepted.
      for (const signature of [low, high]) {
        const rs = getBytes(signature);
        const yParity = rs[32] >> 7;
        rs[32] &= 0x7f;
        const publicKey = secp256k1.ecdsaRecover(rs, yParity, getBytes(env.domain.transferDigest(m)), false);
        expect(owner.signingKey.publicKey).to.equal(ethers.hexlify(publicKey));
      }

      const forged = await executeBoth(env, machine, { kind: "transfer", ...m, signature: high }, "high s");
      expect(verdictOf(forged)).to.equal("BadSignature");
      const honest = await executeBoth(env, machine, { kind: "transfer", ...m, signature: low }, "low s");
      expect(verdictOf(honest)).to.equal("transferred");
    });

    it("ignores the parts of the witness a step does not read", async function () {
      const env = await loadFixture(deployProverFixture);
      const machine = await fundedMachine(env);
      const tx = await aliceToBob(env);
      const witness = { ...machine.witness(tx), withdrawalSiblings: [FORGED_NODE] };
      const post = await env.prover.execute(env.domain.separator, machine.state, encodeTx(tx), witness);
      machine.apply(tx);
      expect(traceStateOf(post)).to.deep.equal(machine.state);
    });

    it("reverts with OneStepUnknownKind(kind) when the kind byte is 0x09, 0x00, or the input is empty", async function () {
      const env = await loadFixture(deployProverFixture);
      const machine = await fundedMachine(env);
      const inputs: [string, number][] = [
        ["0x09" + "00".repeat(77), 9],
        ["0x09", 9],
        ["0x00" + "ab".repeat(84), 0],
        ["0x", 0],
      ];
      for (const [input, kind] of inputs) {
        await expect(env.prover.execute(env.domain.separator, machine.state, input, EMPTY_WITNESS))
          .to.be.revertedWithCustomError(env.prover, "OneStepUnknownKind")
          .withArgs(kind);
      }
    });

    it("reverts with L2TxMalformed(kind, length) when a known kind has the wrong length", async function () {
      const env = await loadFixture(deployProverFixture);
      const machine = await fundedMachine(env);
      const tx = await aliceToBob(env);
      const encoded = encodeTx(tx);
      for (const input of [encoded.subarray(0, 77), concat([encoded, "0x00"])]) {
        await expect(env.prover.execute(env.domain.separator, machine.state, input, machine.witness(tx)))
          .to.be.revertedWithCustomError(env.prover, "L2TxMalformed")
          .withArgs(2, getBytes(input).length);
      }
    });

    describe("with a forged account witness", function () {
      /** A funded machine and a valid transfer alice ETH → bob ETH, with its honest witness. */
      async function transferFixture() {
        const env = await deployProverFixture();
        const machine = await fundedMachine(env);
        const tx = await aliceToBob(env);
        return { env, machine, tx, witness: machine.witness(tx) };
      }

      const expectBadAccountProof = expectBadProof.bind(null, "OneStepBadAccountProof");

      it("reverts with OneStepBadAccountProof(from) when the sender's leaf shows a larger balance", async function () {
        const { env, machine, tx, witness } = await loadFixture(transferFixture);
        const forged = { ...witness, first: withLeaf(witness.first, { balance: 10n ** 30n }) };
        await expectBadAccountProof(env, machine.state, tx, forged, ALICE_ETH);
      });

      it("reverts with OneStepBadAccountProof(from) when the sender's leaf is another account's", async function () {
        const { env, machine, tx, witness } = await loadFixture(transferFixture);
        const forged = { ...witness, first: withLeaf(witness.first, machine.l2.account(CAROL_TOKEN)!) };
        await expectBadAccountProof(env, machine.state, tx, forged, ALICE_ETH);
      });

      it("reverts with OneStepBadAccountProof(to) when one sibling of the receiver's path is changed", async function () {
        const { env, machine, tx, witness } = await loadFixture(transferFixture);
        for (const level of [0, 2, ACCOUNT_DEPTH - 1]) {
          const second = {
            ...witness.second,
            siblings: withSibling(witness.second.siblings, level, FORGED_NODE),
          };
          await expectBadAccountProof(env, machine.state, tx, { ...witness, second }, BOB_ETH);
        }
      });

      it("reverts with OneStepBadAccountProof(from) when the sender's path has 31 or 33 siblings", async function () {
        const { env, machine, tx, witness } = await loadFixture(transferFixture);
        const { siblings } = witness.first;
        for (const wrong of [siblings.slice(0, -1), [...siblings, ethers.ZeroHash]]) {
          const first = { ...witness.first, siblings: wrong };
          await expectBadAccountProof(env, machine.state, tx, { ...witness, first }, ALICE_ETH);
        }
      });

      it("reverts with OneStepBadAccountProof(from) when a withdrawal's sender leaf is forged", async function () {
        const { env, machine } = await loadFixture(transferFixture);
        const tx = await bobWithdraws(env, 1n, 0);
        const witness = machine.witness(tx);
        const forged = { ...witness, first: withLeaf(witness.first, { nonce: 1 }) };
        await expectBadAccountProof(env, machine.state, tx, forged, BOB_ETH);
      });

      it("reverts with OneStepBadAccountProof(hint) when the hinted account is forged to match the deposit", async function () {
        const { env, machine } = await loadFixture(transferFixture);
        const tx = depositTx(mallory, ETH, 1_000n, ALICE_ETH); // would open a new account for mallory
        const witness = machine.witness(tx);
        const forged = {
          ...witness,
          first: withLeaf(witness.first, { owner: ownerOfAddress(mallory.address) }),
        };
        await expectBadAccountProof(env, machine.state, tx, forged, ALICE_ETH);
      });

      it("reverts with OneStepBadAccountProof(nextIndex) when the slot a deposit opens is not shown empty", async function () {
        const { env, machine } = await loadFixture(transferFixture);
        const tx = depositTx(mallory, ETH, 1_000n, MAX_U32);
        const witness = machine.witness(tx);
        const next = machine.l2.nextIndex;
        const second = { ...witness.second, siblings: withSibling(witness.second.siblings, 1, FORGED_NODE) };
        await expectBadAccountProof(env, machine.state, tx, { ...witness, second }, next);
      });

      it("reverts with OneStepBadAccountProof(nextIndex) when the pre-state would open over the last account", async function () {
        const { env, machine } = await loadFixture(transferFixture);
        const tx = depositTx(mallory, ETH, 1_000n, MAX_U32);
        const last = machine.l2.nextIndex - 1;
        const pre = { ...machine.state, nextIndex: BigInt(last) };
        const witness = {
          ...EMPTY_WITNESS,
          second: { ...NO_ACCOUNT, siblings: machine.l2.accountProof(last).siblings },
        };
        await expectBadAccountProof(env, pre, tx, witness, last);
      });
    });

    describe("with a forged withdrawal witness", function () {
      /** A funded machine after one withdrawal, and the witness of slot 0 taken before it. */
      async function oneWithdrawalFixture() {
        const env = await deployProverFixture();
        const machine = await fundedMachine(env);
        const first = await bobWithdraws(env, 1n, 0);
        const slotZero = machine.witness(first).withdrawalSiblings;
        await executeBoth(env, machine, first);
        const second = await bobWithdraws(env, 2n, 1);
        return { env, machine, slotZero, tx: second, witness: machine.witness(second) };
      }

      const expectBadWithdrawalProof = expectBadProof.bind(null, "OneStepBadWithdrawalProof");

      it("reverts with OneStepBadWithdrawalProof(1) when the witness still shows the tree before withdrawal 0", async function () {
        const { env, machine, slotZero, tx, witness } = await loadFixture(oneWithdrawalFixture);
        await expectBadWithdrawalProof(
          env,
          machine.state,
          tx,
          { ...witness, withdrawalSiblings: slotZero },
          1,
        );
      });

      it("reverts with OneStepBadWithdrawalProof(0) when the pre-state's count would overwrite withdrawal 0", async function () {
        const { env, machine, slotZero, tx, witness } = await loadFixture(oneWithdrawalFixture);
        const pre = { ...machine.state, withdrawalCount: 0n };
        await expectBadWithdrawalProof(env, pre, tx, { ...witness, withdrawalSiblings: slotZero }, 0);
      });

      it("reverts with OneStepBadWithdrawalProof(count) when one sibling is changed or the path has 9 or 11", async function () {
        const { env, machine, tx, witness } = await loadFixture(oneWithdrawalFixture);
        const honest = witness.withdrawalSiblings;
        const forgeries = [
          withSibling(honest, 0, FORGED_NODE),
          honest.slice(0, -1),
          [...honest, ethers.ZeroHash],
        ];
        for (const withdrawalSiblings of forgeries) {
          await expectBadWithdrawalProof(env, machine.state, tx, { ...witness, withdrawalSiblings }, 1);
        }
      });

      it("reverts with OneStepBadWithdrawalProof(count) when a refund's slot is not shown empty", async function () {
        const env = await loadFixture(deployProverFixture);
        const accounts = new Map<number, Account>([
          [0, { owner: ownerOfAddress(alice.address), tokenId: ETH, balance: 10n, nonce: 0 }],
        ]);
        const machine = sparseMachine(env, accounts, 2 ** ACCOUNT_DEPTH);
        const tx = depositTx(carol, ETH, 7n, 0);
        const witness = machine.witness(tx);
        const withdrawalSiblings = withSibling(witness.withdrawalSiblings, 9, FORGED_NODE);
        await expectBadWithdrawalProof(env, machine.state, tx, { ...witness, withdrawalSiblings }, 0);
      });
    });
  });
});
