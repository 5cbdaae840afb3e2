// Costs of the zk rollup on Hardhat's in-process chain, with real Groth16 proofs and the generated
// verifiers: the circuits' size (from the build manifests), the whole-transaction gas (from receipts)
// of verifying a batch of transfers in each profile, the published bytes per transfer, the warm
// prover's time per batch, and the exodus exit and credit claim. Gas at larger batches is a MODEL built
// from the two measured batches (every slot is one public input of the verifier), never measured.
//
// Two worlds, one per profile, each the suite deployed by deploySuite with users that deposit ETH
// through the bridge (opening their accounts in the first batches) and the operator driven by hand
// (`tick(true)`), exactly as the end-to-end tests drive it:
// - `default` (batch 4): TRANSFER_BATCHES full batches of transfers; their gas and proving times.
// - `test` (batch 1): one transfer, one withdrawal then its claim, then exodus and one exit.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";
import { Interface, getBytes, parseEther } from "ethers";
import { BridgeClient } from "../../src/bridge/client";
import { deploySuite } from "../../src/common/deploy-suite";
import { createLogger } from "../../src/common/logger";
import type { Logger } from "../../src/common/logger";
import { TxJournal } from "../../src/optimistic/journal";
import { profileDir, profileFiles, resolveLayout, verifierContractName } from "../../src/zk/build/layout";
import { checkBuild } from "../../src/zk/build/manifest";
import { ZkChainFollower } from "../../src/zk/chain-follower";
import { buildExitProof } from "../../src/zk/exit";
import { ZkCrypto, zkPrivateKeyFromSeed } from "../../src/zk/keys";
import { ZkOperator } from "../../src/zk/operator";
import { ZkProver } from "../../src/zk/prover";
import { publicInputs } from "../../src/zk/pubdata";
import { ZkRollupClient } from "../../src/zk/rollup-client";
import { ZkWallet } from "../../src/zk/wallet";
import type { Figures } from "./figures";
import { median } from "./figures";
import { fitBatchGasModel, modelGasPerTransfer } from "./zk-model";

/** The ETH token id in the bridge (and so in the rollup). */
const ETH_ID = 0;
/** Users of the default world: two full batches of deposits open their accounts. */
const DEFAULT_USERS = 8;
/** Full transfer batches in the default world (≥ 3: the proving time is their median). */
const TRANSFER_BATCHES = 3;
const FUNDING = parseEther("10");
const AMOUNT = parseEther("0.001");
/** Batch sizes the gas model extrapolates to. */
const MODEL_SIZES = [64, 256, 2_048];

const log = createLogger({ scope: "bench:zk" });
const quiet = createLogger({ level: "warn" });

export async function benchZk(): Promise<Figures> {
  const crypto = await ZkCrypto.load();
  const constraints = {
    default: await manifestOf("default"),
    test: await manifestOf("test"),
  };
  const batchSize = constraints.default.batchSize;
  const defaultFigures = await withWorld("default", crypto, measureDefault);
  const testFigures = await withWorld("test", crypto, measureTest);

  const batchGas = defaultFigures["zk.verifyBatch.gas"];
  const testGas = testFigures["zk.verifyBatch.gasTestProfile"];
  // The model (zk-model.ts): base + n·perSlot through the two measured batches.
  const { base, perSlot } = fitBatchGasModel(
    { slots: constraints.test.batchSize, gas: testGas },
    { slots: batchSize, gas: batchGas },
  );
  const model: Figures = {};
  for (const n of MODEL_SIZES)
    model[`zk.model.gasPerTransfer.at${n}`] = modelGasPerTransfer({ base, perSlot }, n);
  log.info("gas per transfer at larger batches is a MODEL (base + n·perSlot), not a measurement", {
    base: Math.round(base),
    perSlot: Math.round(perSlot),
  });

  return {
    "zk.constraints.total.default": constraints.default.constraints,
    "zk.constraints.total.test": constraints.test.constraints,
    "zk.constraintsPerTx": Math.round(constraints.default.constraints / batchSize),
    ...defaultFigures,
    "zk.gasPerTransfer": Math.round(batchGas / batchSize),
    ...testFigures,
    "zk.model.base.gas": Math.round(base),
    "zk.model.perSlot.gas": Math.round(perSlot),
    ...model,
  };
}

// -------------------------------------------------------------------------------------------------
// Measurements
// -------------------------------------------------------------------------------------------------

/** Default profile: deposits open DEFAULT_USERS accounts, then TRANSFER_BATCHES full transfer batches. */
async function measureDefault(w: World): Promise<Figures> {
  const { batchSize } = await w.rollup.config();
  const users = await w.users(DEFAULT_USERS);
  const indices = await w.openAccounts(users);
  const nonces = users.map(() => 0);
  const gas: number[] = [];
  const proving: number[] = [];
  let pubdataBytes = 0;
  for (let b = 0; b < TRANSFER_BATCHES; b++) {
    for (let s = 0; s < batchSize; s++) {
      const from = (b * batchSize + s) % users.length;
      const to = (from + 1) % users.length;
      const spend = users[from].wallet.transfer({
        from: indices[from],
        to: indices[to],
        amount: AMOUNT,
        nonce: nonces[from]++,
      });
      await w.operator.submit(spend.encoded);
    }
    const batch = await w.tickOne(batchSize);
    gas.push(batch.gas);
    proving.push(batch.provingMs);
    pubdataBytes = batch.pubdataBytes;
  }
  log.info("default-profile transfer batches", { gas: gas.join(" "), provingMs: proving.join(" ") });
  const ms = median(proving);
  return {
    "zk.verifyBatch.gas": median(gas),
    ...(await breakdown(w)),
    "zk.pubdata.bytesPerTransfer": pubdataBytes / batchSize,
    "zk.prove.msPerBatch": ms,
    "zk.prove.secondsPerBatch": Math.round(ms / 10) / 100,
  };
}

/**
 * Where the last batch's gas went: the transaction's intrinsic cost (21,000 and its calldata), the
 * verifier's execution (the same proof and public inputs sent to the verifier directly, less that
 * transaction's own intrinsic cost), and the rollup's own work around it (the rest: decoding the pubdata
 * into public inputs, the call into the verifier, storage, the event).
 */
async function breakdown(w: World): Promise<Figures> {
  const node = await w.verifierNode();
  const [previous, last] = node.batches.slice(-2);
  const { batchSize } = await w.rollup.config();
  const submitted = (await ethers.provider.getTransaction(last.transactionHash))!;
  const total = Number((await ethers.provider.getTransactionReceipt(last.transactionHash))!.gasUsed);
  const { proof } = w.rollup.decodeSubmit(submitted.data);
  const inputs = publicInputs(previous.newRoot, last.newRoot, last.txs, batchSize);
  const verifier = new Interface([
    `function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${inputs.length}]) view returns (bool)`,
  ]);
  const data = verifier.encodeFunctionData("verifyProof", [proof.a, proof.b, proof.c, inputs]);
  const direct = await (await w.operatorSigner.sendTransaction({ to: w.verifier, data })).wait();
  const intrinsic = intrinsicGas(submitted.data);
  const verifierGas = Number(direct!.gasUsed) - intrinsicGas(data);
  return {
    "zk.verifyBatch.breakdown.intrinsicGas": intrinsic,
    "zk.verifyBatch.breakdown.verifierGas": verifierGas,
    "zk.verifyBatch.breakdown.rollupGas": total - intrinsic - verifierGas,
  };
}

/** 21,000 plus 16 gas per non-zero and 4 per zero calldata byte. */
function intrinsicGas(data: string): number {
  const bytes = getBytes(data);
  const zeros = bytes.filter((b) => b === 0).length;
  return 21_000 + 16 * (bytes.length - zeros) + 4 * zeros;
}

/** Test profile: a one-transfer batch, a withdrawal and its claim, then exodus and one exit. */
async function measureTest(w: World): Promise<Figures> {
  const users = await w.users(2);
  const [alice, bob] = users;
  const [aliceIndex, bobIndex] = await w.openAccounts(users);

  await w.operator.submit(
    alice.wallet.transfer({ from: aliceIndex, to: bobIndex, amount: AMOUNT, nonce: 0 }).encoded,
  );
  const transfer = await w.tickOne(1);

  const out = bob.wallet.withdraw({ from: bobIndex, tokenId: ETH_ID, amount: parseEther("1"), nonce: 0 });
  await w.operator.submit(out.encoded);
  await w.tickOne(1);
  const claim = await w.rollup.claim(bob.signer, ETH_ID, bob.signer.address);

  // The operator stops while a deposit waits; after the delay anyone starts exodus; Alice exits.
  const { deposit } = await alice.wallet.depositEth(w.bridge, alice.signer, w.rollup.address, AMOUNT);
  const waiting = {
    from: deposit.from,
    to: deposit.to,
    tokenId: deposit.tokenId,
    amount: deposit.amount,
    timestamp: deposit.timestamp,
  };
  await time.increase((await w.rollup.config()).exodusDelay);
  await w.rollup.activateExodus(w.operatorSigner, [waiting]);
  const node = await w.verifierNode();
  const proof = buildExitProof(node.state, aliceIndex, alice.wallet.signer, w.crypto);
  const exit = await w.rollup.exit(alice.signer, proof);
  return {
    "zk.verifyBatch.gasTestProfile": transfer.gas,
    "zk.claim.gas": Number(claim.gasUsed),
    "zk.exodus.gas": Number(exit.gasUsed),
  };
}

// -------------------------------------------------------------------------------------------------
// The world
// -------------------------------------------------------------------------------------------------

export interface BenchUser {
  signer: HardhatEthersSigner;
  wallet: ZkWallet;
}

interface SubmittedBatch {
  gas: number;
  provingMs: number;
  pubdataBytes: number;
}

/** What the operator logged about a batch (proved, then submitted), and when (`performance.now()`). */
export interface OperatorEvent {
  message: "proved batch" | "submitBatch";
  batchIndex: number;
  provingMs?: number;
  at: number;
}

export interface World {
  rollup: ZkRollupClient;
  bridge: BridgeClient;
  operator: ZkOperator;
  operatorSigner: HardhatEthersSigner;
  crypto: ZkCrypto;
  /** The profile's generated Groth16 verifier. */
  verifier: string;
  /** `count` users with their own Layer-1 signers and deterministic keys. */
  users(count: number): Promise<BenchUser[]>;
  /** Each user deposits FUNDING of ETH; the operator consumes the deposits. Their account indices. */
  openAccounts(users: BenchUser[]): Promise<number[]>;
  /** Forces one round that must make exactly one batch of `txs` transactions; its gas and proving time. */
  tickOne(txs: number): Promise<SubmittedBatch>;
  /** A fresh verifier node, synced from Layer 1 alone. */
  verifierNode(): Promise<ZkChainFollower>;
  /** Every batch the operator proved and submitted so far, in order. */
  readonly operatorEvents: readonly OperatorEvent[];
}

/** Deploys the suite with `profile`'s verifier, starts an operator driven by hand, runs `measure`. */
export async function withWorld<T>(
  profile: string,
  crypto: ZkCrypto,
  measure: (w: World) => Promise<T>,
): Promise<T> {
  const signers = await ethers.getSigners();
  const [deployer, , , operatorSigner] = signers;
  const deployment = await deploySuite(deployer, { network: "hardhat", local: true, zkProfile: profile });
  const rollup = new ZkRollupClient(deployment.contracts.ZkRollup, deployer);
  const bridge = new BridgeClient(deployment.contracts.Bridge, deployer);
  const { domain } = await rollup.config();
  const prover = await ZkProver.load({ profile, logger: quiet });
  const dir = mkdtempSync(join(tmpdir(), "strata-bench-zk-"));
  const journal = await TxJournal.open(join(dir, "journal.jsonl"), { logger: quiet });
  const operatorEvents: OperatorEvent[] = [];
  const logger: Logger = createLogger({
    level: "info",
    format: "json",
    write: (line) => {
      const entry = JSON.parse(line) as Omit<OperatorEvent, "at"> & { message: string };
      if (entry.message === "proved batch" || entry.message === "submitBatch") {
        const { message, batchIndex, provingMs } = entry;
        operatorEvents.push({ message, batchIndex, provingMs, at: performance.now() });
      }
    },
  });
  const verifierNode = async () => {
    const node = await ZkChainFollower.create(rollup, ethers.provider, crypto, quiet);
    await node.sync();
    return node;
  };
  try {
    const operator = await ZkOperator.start({
      rollup: new ZkRollupClient(rollup.address, operatorSigner),
      bridge: new BridgeClient(bridge.address, operatorSigner),
      follower: await ZkChainFollower.create(rollup, ethers.provider, crypto, quiet),
      journal,
      prover,
      crypto,
      signer: operatorSigner,
      maxBatchAgeMs: 3_600_000,
      logger,
    });
    const follower = () => verifierNode();
    const world: World = {
      rollup,
      bridge,
      operator,
      operatorSigner,
      crypto,
      verifier: deployment.contracts.ZkVerifier,
      async users(count) {
        // Signers 4 on: the deployer and the operator keep their own.
        return signers.slice(4, 4 + count).map((signer, i) => ({
          signer,
          wallet: new ZkWallet(crypto, zkPrivateKeyFromSeed(`bench-${profile}-${i}`), signer.address, domain),
        }));
      },
      async openAccounts(users) {
        for (const user of users) await user.wallet.depositEth(bridge, user.signer, rollup.address, FUNDING);
        await operator.tick(true);
        return users.map((user) => {
          const index = operator.findAccount(user.wallet.ownerHex, ETH_ID);
          if (index === undefined) throw new Error(`no account opened for ${user.signer.address}`);
          return index;
        });
      },
      async tickOne(txs) {
        const before = await rollup.batchCount();
        const seen = operatorEvents.length;
        await operator.tick(true);
        const proved = operatorEvents.slice(seen).filter((e) => e.message === "proved batch");
        if ((await rollup.batchCount()) !== before + 1 || proved.length !== 1) {
          throw new Error(
            `expected one batch from batch ${before}, got ${(await rollup.batchCount()) - before}`,
          );
        }
        const node = await follower();
        const batch = node.batches[node.batches.length - 1];
        if (batch.txs.length !== txs)
          throw new Error(`batch ${batch.batchIndex} has ${batch.txs.length} txs`);
        const receipt = (await ethers.provider.getTransactionReceipt(batch.transactionHash))!;
        const sent = (await ethers.provider.getTransaction(batch.transactionHash))!;
        return {
          gas: Number(receipt.gasUsed),
          provingMs: proved[0].provingMs!,
          pubdataBytes: rollup.decodeSubmit(sent.data).pubdata.length,
        };
      },
      verifierNode,
      operatorEvents,
    };
    return await measure(world);
  } finally {
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
    await prover.close();
  }
}

/** A profile's build manifest: its constraint count and batch size. */
export async function manifestOf(profile: string): Promise<{ constraints: number; batchSize: number }> {
  const files = profileFiles(profileDir(resolveLayout(), profile), verifierContractName(profile));
  const { manifest, problem } = await checkBuild(files);
  if (!manifest || problem) throw new Error(`profile ${profile}: ${problem ?? "no manifest"}`);
  return { constraints: manifest.constraints, batchSize: manifest.inputs.profile.batchSize };
}
