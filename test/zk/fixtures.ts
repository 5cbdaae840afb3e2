import { expect } from "chai";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import { ZeroAddress, hexlify, toBeHex, zeroPadValue } from "ethers";
import type { Bridge, TestToken, ZkRollup, ZkVerifierStandIn } from "../../typechain-types";
import type { IZkRollup } from "../../typechain-types/contracts/zk/ZkRollup";
import { BridgeClient } from "../../src/bridge/client";
import { EMPTY_QUEUE_HEAD, depositsToCatchUp, depositsUpTo, foldDeposits } from "../../src/shared/deposit";
import { L2State } from "../../src/shared/state";
import type { DepositData } from "../../src/shared/types";
import type { PoseidonFn } from "../../src/zk/domain";
import { SNARK_SCALAR_FIELD, genesisRoot, loadPoseidon, rollupRoot, zkDomain } from "../../src/zk/domain";
import type { PoseidonContracts } from "../../src/zk/poseidon-contracts";
import { deployPoseidonContracts } from "../../src/zk/poseidon-contracts";
import { forgeProof } from "../../src/zk/adversaries";
import { encodePubdata, isCarriable, publicInputs } from "../../src/zk/pubdata";
import type { ZkPublishedTx } from "../../src/zk/types";
import type { Draw } from "../helpers/property";
import { seededDraw } from "../helpers/property";

// ---------------------------------------------------------------------------------------------------------
// Parameters (the `default` profile's shape; the stand-in verifier takes any batch size)
// ---------------------------------------------------------------------------------------------------------

export const BATCH_SIZE = 4;
export const DEPTH = 8;
export const EXODUS_DELAY = 3600n;
/** Wei a forced-withdrawal request pays. */
export const FORCED_REQUEST_FEE = 10n ** 15n;
export const ETH_ID = 0;
/** `token`'s id in the rollup (the first ERC-20 allowed). */
export const TOKEN_ID = 1;
const OWNER_MASK = (1n << 160n) - 1n;

export type Proof = IZkRollup.ProofStruct;
export type ExitProof = IZkRollup.ExitProofStruct;

/** A Layer-2 user: a Layer-1 signer and a BabyJubJub public key (random field elements in contract tests). */
export interface ZkUser {
  signer: HardhatEthersSigner;
  ax: bigint;
  ay: bigint;
  /** Poseidon(ax, ay, l1) mod 2^160. */
  owner: bigint;
  /** The owner as the bridge's bytes32 `to`. */
  to: string;
}

// ---------------------------------------------------------------------------------------------------------
// An off-chain model of the Layer-2 state (no signatures: the stand-in verifier proves nothing)
// ---------------------------------------------------------------------------------------------------------

/** The rollup's state as an honest operator would compute it: accounts tree, nextIndex, rollup root. */
export class ZkModel {
  constructor(
    readonly state: L2State<bigint>,
    readonly poseidon: PoseidonFn,
    readonly domain: bigint,
  ) {}

  get root(): bigint {
    return rollupRoot(this.poseidon, this.state.tree.root, this.state.nextIndex, this.domain);
  }

  /** A new model with `txs` applied (this one is left as it was). */
  apply(txs: readonly ZkPublishedTx[]): ZkModel {
    const next = new ZkModel(this.state.clone(), this.poseidon, this.domain);
    for (const tx of txs) next.applyOne(tx);
    return next;
  }

  private applyOne(tx: ZkPublishedTx): void {
    const { state } = this;
    switch (tx.kind) {
      case "deposit": {
        const { deposit } = tx;
        if (tx.account === state.nextIndex) {
          state.openAccount({
            owner: deposit.to,
            tokenId: deposit.tokenId,
            balance: deposit.amount,
            nonce: 0,
          });
        } else {
          const a = state.account(tx.account)!;
          state.setAccount(tx.account, { ...a, balance: a.balance + deposit.amount });
        }
        return;
      }
      case "refund":
        return; // the state is full: nothing changes, the contract pays the deposit back
      case "transfer": {
        const from = state.account(tx.from)!;
        const to = state.account(tx.to)!;
        state.setAccount(tx.from, { ...from, balance: from.balance - tx.amount, nonce: from.nonce + 1 });
        state.setAccount(tx.to, { ...to, balance: to.balance + tx.amount });
        return;
      }
      case "withdraw": {
        const from = state.account(tx.from)!;
        state.setAccount(tx.from, { ...from, balance: from.balance - tx.amount, nonce: from.nonce + 1 });
        return;
      }
      case "forced": {
        // Effective as published (the stand-in verifier proves nothing): debited, nonce unchanged.
        if (!tx.effective) return;
        const from = state.account(tx.request.account)!;
        state.setAccount(tx.request.account, { ...from, balance: from.balance - tx.request.amount });
        return;
      }
    }
  }

  /** The exit proof of account `index`, to be sent by its owner `user`. */
  exitProof(index: number, user: ZkUser): ExitProof {
    const account = this.state.account(index)!;
    return {
      accountIndex: index,
      tokenId: account.tokenId,
      balance: account.balance,
      nonce: account.nonce,
      ax: user.ax,
      ay: user.ay,
      nextIndex: this.state.nextIndex,
      siblings: this.state.accountProof(index).siblings.map((s) => BigInt(s)),
    };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Deployment
// ---------------------------------------------------------------------------------------------------------

export interface ZkConfigOverrides {
  batchSize?: number;
  depth?: number;
  forcedRequestFee?: bigint;
}

/**
 * Deploys a ZkRollup; its constructor computes the genesis root from its own domain. Checks that root
 * against `genesisRoot` of src/zk/domain.ts (the parity every zk test then rests on) and returns it.
 */
export async function deployZkRollup(
  deployer: HardhatEthersSigner,
  bridge: string,
  verifier: string,
  poseidon: PoseidonContracts,
  overrides: ZkConfigOverrides = {},
): Promise<{ rollup: ZkRollup; domain: bigint; genesis: bigint; config: IZkRollup.ConfigStruct }> {
  const depth = overrides.depth ?? DEPTH;
  const config: IZkRollup.ConfigStruct = {
    bridge,
    verifier,
    batchSize: overrides.batchSize ?? BATCH_SIZE,
    depth,
    exodusDelay: EXODUS_DELAY,
    ...poseidon,
    forcedRequestFee: overrides.forcedRequestFee ?? FORCED_REQUEST_FEE,
  };
  const rollup = (await ethers.deployContract("ZkRollup", [config], deployer)) as unknown as ZkRollup;
  const { chainId } = await ethers.provider.getNetwork();
  const domain = zkDomain(chainId, await rollup.getAddress());
  const genesis = await genesisRoot(depth, domain);
  expect(await rollup.root()).to.equal(genesis, "the on-chain genesis root differs from src/zk/domain.ts");
  return { rollup, domain, genesis, config };
}

/** A user with a random key, its owner hashed with its Layer-1 address. */
export function makeUser(signer: HardhatEthersSigner, poseidon: PoseidonFn, rng: Draw): ZkUser {
  const ax = rng.bigint(256) % SNARK_SCALAR_FIELD;
  const ay = rng.bigint(256) % SNARK_SCALAR_FIELD;
  const owner = poseidon([ax, ay, BigInt(signer.address)]) & OWNER_MASK;
  return { signer, ax, ay, owner, to: zeroPadValue(toBeHex(owner), 32) };
}

/**
 * A bridge owned by the deployer, the Poseidon contracts, the stand-in verifier and a ZkRollup at the
 * default shape, registered with ETH (id 0) and `token` (id 1) allowed. Alice, Bob and Carol hold
 * `token`, approved to the bridge; the model is the genesis state.
 */
export async function deployZkFixture() {
  const [deployer, operator, alice, bob, carol, stranger] = await ethers.getSigners();
  const bridge = (await ethers.deployContract("Bridge", [deployer.address])) as unknown as Bridge;
  const bridgeAddress = await bridge.getAddress();
  const poseidonContracts = await deployPoseidonContracts(deployer);
  const verifier = (await ethers.deployContract("ZkVerifierStandIn")) as unknown as ZkVerifierStandIn;
  const token = (await ethers.deployContract("TestToken", ["Test Token", "TT"])) as unknown as TestToken;
  const { rollup, domain, genesis, config } = await deployZkRollup(
    deployer,
    bridgeAddress,
    await verifier.getAddress(),
    poseidonContracts,
  );
  await bridge.registerRollup(rollup);
  await bridge.allowToken(rollup, token);

  const poseidon = await loadPoseidon();
  const rng = seededDraw(0x2c0ffee);
  const users = {
    alice: makeUser(alice, poseidon, rng),
    bob: makeUser(bob, poseidon, rng),
    carol: makeUser(carol, poseidon, rng),
  };
  for (const holder of [alice, bob, carol]) {
    await token.mint(holder.address, ethers.parseEther("1000"));
    await token.connect(holder).approve(bridgeAddress, ethers.MaxUint256);
  }
  const model = new ZkModel(await L2State.poseidon(DEPTH), poseidon, domain);
  expect(model.root).to.equal(genesis);

  return {
    bridge,
    bridgeClient: new BridgeClient(bridgeAddress, deployer),
    rollup,
    verifier,
    token,
    poseidonContracts,
    poseidon,
    domain,
    genesis,
    config,
    model,
    rng,
    users,
    deployer,
    operator,
    stranger,
  };
}

export type ZkFixture = Awaited<ReturnType<typeof deployZkFixture>>;

// ---------------------------------------------------------------------------------------------------------
// Deposits and the queue
// ---------------------------------------------------------------------------------------------------------

export interface DepositOptions {
  /** The bytes32 Layer-2 owner (default: the user's owner hash). */
  to?: string;
  /** Deposit `token` instead of ETH. */
  erc20?: boolean;
}

/** `user` deposits `amount` (ETH, or `token`) for its owner; returns the deposit as queued. */
export async function deposit(
  f: ZkFixture,
  user: ZkUser,
  amount: bigint,
  options: DepositOptions = {},
): Promise<DepositData> {
  const rollup = await f.rollup.getAddress();
  const to = options.to ?? user.to;
  const { deposit: queued } = options.erc20
    ? await f.bridgeClient.depositErc20(user.signer, {
        rollup,
        token: await f.token.getAddress(),
        to,
        amount,
      })
    : await f.bridgeClient.depositEth(user.signer, { rollup, to, amount });
  return plainDeposit(queued);
}

/** The five fields of `Deposit.Data`, nothing else (what the contract takes). */
export function plainDeposit(d: DepositData): DepositData {
  return { from: d.from, to: d.to, tokenId: d.tokenId, amount: d.amount, timestamp: d.timestamp };
}

/** Every deposit queued for the rollup and not yet consumed (or refunded), in queue order. */
export async function unconsumedDeposits(f: ZkFixture): Promise<DepositData[]> {
  const queue = await f.bridgeClient.verifiedQueue(await f.rollup.getAddress());
  const head = await f.rollup.depositHead();
  const consumed = head === EMPTY_QUEUE_HEAD ? 0 : depositsUpTo(queue, head);
  expect(foldDeposits(EMPTY_QUEUE_HEAD, queue.slice(0, consumed))).to.equal(head);
  return queue.slice(consumed).map(plainDeposit);
}

// ---------------------------------------------------------------------------------------------------------
// Batches
// ---------------------------------------------------------------------------------------------------------

/** A batch ready to submit, with the model after it. */
export interface PreparedBatch {
  newRoot: bigint;
  /** Who the batch credits its forced-request fees to (a public input). */
  feeRecipient: string;
  proof: Proof;
  pubdata: string;
  consumed: DepositData[];
  /** The deposits shown after the consumed ones (`depositsToCatchUp`: none unless the queue ran far ahead). */
  catchUp: DepositData[];
  /** The public inputs src/zk/pubdata.ts computes (and the stand-in verifier was told to accept). */
  inputs: bigint[];
  txs: ZkPublishedTx[];
  model: ZkModel;
}

export interface PrepareOptions {
  /** The deposits consumed (default: as many unconsumed ones, in order, as the txs' deposit slots need,
   * plus the uncarriable ones among or right after them). */
  consumed?: DepositData[];
  /** Register the batch with the stand-in verifier (default true): false makes a forged proof. */
  accept?: boolean;
  /** The root claimed (default: the model's). */
  newRoot?: bigint;
  /** Who the batch credits its forced-request fees to (default: the operator). */
  feeRecipient?: string;
}

/** A random Groth16-shaped proof (eight field elements), drawn from `rng`. */
export function randomProof(rng: Draw): Proof {
  return forgeProof(() => rng.bigint(256) % SNARK_SCALAR_FIELD);
}

/**
 * Prepares a batch of `txs` on top of `model` (the chain's current state): the new root from the model,
 * the public inputs from `publicInputs`, a random proof the stand-in verifier accepts for exactly those.
 */
export async function prepareBatch(
  f: ZkFixture,
  model: ZkModel,
  txs: ZkPublishedTx[],
  options: PrepareOptions = {},
): Promise<PreparedBatch> {
  const unconsumed = await unconsumedDeposits(f);
  const consumed = options.consumed ?? defaultConsumed(unconsumed, txs);
  const catchUp = depositsToCatchUp(unconsumed, consumed.length);
  const next = model.apply(txs);
  const newRoot = options.newRoot ?? next.root;
  const feeRecipient = options.feeRecipient ?? f.operator.address;
  const batchSize = Number(await f.rollup.BATCH_SIZE());
  const inputs = publicInputs(await f.rollup.root(), newRoot, feeRecipient, txs, batchSize);
  const proof = randomProof(f.rng);
  if (options.accept ?? true) await (await f.verifier.accept(proof, inputs)).wait();
  return {
    newRoot,
    feeRecipient,
    proof,
    pubdata: hexlify(encodePubdata(txs)),
    consumed,
    catchUp,
    inputs,
    txs,
    model: next,
  };
}

/** The queue prefix a batch consumes by default: its deposit and refund slots' worth of carriable deposits
 * and the uncarriable ones before each. */
function defaultConsumed(unconsumed: DepositData[], txs: ZkPublishedTx[]): DepositData[] {
  let needed = txs.filter((t) => t.kind === "deposit" || t.kind === "refund").length;
  let n = 0;
  while (needed > 0 && n < unconsumed.length) {
    if (isCarriable(unconsumed[n])) needed--;
    n++;
  }
  return unconsumed.slice(0, n);
}

/** Sends a prepared batch. */
export function submit(
  f: ZkFixture,
  b: PreparedBatch,
  sender: HardhatEthersSigner = f.operator,
): Promise<ContractTransactionResponse> {
  return f.rollup
    .connect(sender)
    .submitBatch(b.newRoot, b.feeRecipient, b.proof, b.pubdata, b.consumed, b.catchUp);
}

/** Prepares and submits `txs`; returns the model after them. */
export async function runBatch(
  f: ZkFixture,
  model: ZkModel,
  txs: ZkPublishedTx[],
  options: PrepareOptions = {},
): Promise<{ batch: PreparedBatch; tx: ContractTransactionResponse }> {
  const batch = await prepareBatch(f, model, txs, options);
  const tx = await submit(f, batch);
  await tx.wait();
  expect(await f.rollup.root()).to.equal(batch.newRoot);
  return { batch, tx };
}

// ---------------------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------------------

/** Everything the rollup stores and holds, as one string: equal before and after a reverted call. */
export async function zkLedger(f: ZkFixture): Promise<string> {
  const { rollup, bridge } = f;
  const addresses = [...Object.values(f.users).map((u) => u.signer.address), f.operator.address];
  const credits = [];
  for (const a of addresses) {
    for (const id of [ETH_ID, TOKEN_ID]) credits.push(await rollup.creditOf(a, id));
  }
  const exited = [];
  for (let i = 0; i < 8; i++) exited.push(await rollup.hasExited(i));
  const snapshot = {
    root: await rollup.root(),
    depositHead: await rollup.depositHead(),
    depositCount: await rollup.depositCount(),
    batchCount: await rollup.batchCount(),
    lastBatchAt: await rollup.lastBatchAt(),
    exodus: await rollup.isExodus(),
    forced: await rollup.forcedRequests(),
    credits,
    exited,
    feeCredits: await Promise.all([...addresses, f.stranger.address].map((a) => rollup.feeCreditOf(a))),
    feesHeld: await ethers.provider.getBalance(rollup),
    eth: await bridge.asset(rollup, ZeroAddress),
    token: await bridge.asset(rollup, f.token),
    queue: await bridge.depositQueue(rollup),
  };
  return JSON.stringify(snapshot, (_key, value) => (typeof value === "bigint" ? value.toString() : value));
}

/**
 * assertZkSolvent: for each token, the bridge's escrow for the rollup covers everything the rollup
 * still owes: Layer-2 balances of accounts not exited, unclaimed credits, and deposits not yet consumed.
 */
export async function assertZkSolvent(f: ZkFixture, model: ZkModel): Promise<void> {
  const { rollup, bridge } = f;
  const owed = new Map<number, bigint>([
    [ETH_ID, 0n],
    [TOKEN_ID, 0n],
  ]);
  const add = (id: number, amount: bigint) => owed.set(id, (owed.get(id) ?? 0n) + amount);
  for (const [index, account] of model.state.entries()) {
    if (!(await rollup.hasExited(index))) add(account.tokenId, account.balance);
  }
  for (const d of await unconsumedDeposits(f)) add(d.tokenId, d.amount);
  const creditors = [...Object.values(f.users).map((u) => u.signer.address), f.operator.address];
  for (const a of creditors) {
    for (const id of [ETH_ID, TOKEN_ID]) add(id, await rollup.creditOf(a, id));
  }
  const escrow = (await bridge.asset(rollup, ZeroAddress)).escrowed;
  const tokenEscrow = (await bridge.asset(rollup, f.token)).escrowed;
  expect(escrow).to.be.gte(owed.get(ETH_ID)!, "ETH escrow below what the rollup owes");
  expect(tokenEscrow).to.be.gte(owed.get(TOKEN_ID)!, "token escrow below what the rollup owes");
}

// ---------------------------------------------------------------------------------------------------------
// Scenario fixtures
// ---------------------------------------------------------------------------------------------------------

export const ALICE_DEPOSIT = ethers.parseEther("3");
export const BOB_DEPOSIT = ethers.parseEther("2");
export const CAROL_DEPOSIT = ethers.parseEther("50");

/** Alice and Bob deposited ETH and Carol `token`, still queued. */
export async function queuedFixture() {
  const f = await deployZkFixture();
  const { alice, bob, carol } = f.users;
  const deposits = [
    await deposit(f, alice, ALICE_DEPOSIT),
    await deposit(f, bob, BOB_DEPOSIT),
    await deposit(f, carol, CAROL_DEPOSIT, { erc20: true }),
  ];
  return { ...f, deposits };
}

/** queuedFixture plus batch 1 consuming the three deposits: accounts 0 (Alice, ETH), 1 (Bob, ETH),
 * 2 (Carol, token). */
export async function depositedFixture() {
  const f = await queuedFixture();
  const txs: ZkPublishedTx[] = f.deposits.map((d, account) => ({ kind: "deposit", account, deposit: d }));
  const { batch } = await runBatch(f, f.model, txs);
  return { ...f, model: batch.model, firstBatch: batch };
}
