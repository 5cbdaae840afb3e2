// Costs of the zk rollup on a local chain, with real Groth16 proofs and the generated
// verifiers: the circuits' size (from the build manifests), the whole-transaction gas (from receipts)
// of verifying a batch of transfers in each profile, the published bytes per transfer, the warm
// prover's time per batch, and the exodus exit and credit claim. Gas at larger batches is a MODEL built
// from the two measured batches (every slot is one public input of the verifier), never measured.
//
// Two worlds (zk-world.ts), one per profile, each the suite deployed by deploySuite with users that
// deposit ETH through the bridge (opening their accounts in the first batches) and the operator of the
// zk stack driven by hand (`tick(true)`), exactly as the end-to-end tests drive it; the batches' gas and
// proving times come from the operator's events. The exodus moves the clock (evm_setNextBlockTimestamp,
// evm_mine):
// - `default` (batch 2, depth 20): TRANSFER_BATCHES full batches of transfers; their gas and proving times.
// - `test` (batch 1): one transfer, one withdrawal then its claim, then exodus and one exit.
// The exit's Poseidon hashers are measured on their own too, beside circomlibjs's generated contracts
// that they replaced (one hash each, sent directly).
import type { InterfaceAbi, Signer } from "ethers";
import { ContractFactory, Interface, getBytes, parseEther } from "ethers";
import { createLogger } from "../common/logger";
import { buildExitProof } from "../zk/exit";
import { ZkCrypto } from "../zk/keys";
import { POSEIDON_ARITIES, deployPoseidon, poseidonArtifact } from "../zk/poseidon-contracts";
import { publicInputs } from "../zk/pubdata";
import type { LocalChain } from "./chain";
import { gasUsedBy, increaseTime } from "./chain";
import type { Figures } from "./figures";
import { median } from "./figures";
import type { ZkWorld } from "./zk-world";
import { ETH_ID, manifestOf, withZkWorld } from "./zk-world";
import { fitBatchGasModel, modelGasPerTransfer } from "./zk-model";

/** Users of the default world: their deposits open their accounts, a batch at a time. */
const DEFAULT_USERS = 8;
/** Full transfer batches in the default world (≥ 3: the proving time is their median). */
const TRANSFER_BATCHES = 3;
const AMOUNT = parseEther("0.001");
/** Batch sizes the gas model extrapolates to. */
const MODEL_SIZES = [64, 256, 2_048];

const log = createLogger({ scope: "bench:zk" });

/** Needs both profiles built (`npm run zk:build -- --profile all`). Signers: see `withZkWorld`. */
export async function benchZk(chain: LocalChain): Promise<Figures> {
  const crypto = await ZkCrypto.load();
  const constraints = {
    default: await manifestOf("default"),
    test: await manifestOf("test"),
  };
  const batchSize = constraints.default.batchSize;
  const defaultFigures = await withZkWorld(chain, "default", crypto, measureDefault);
  const testFigures = await withZkWorld(chain, "test", crypto, measureTest);
  const poseidonFigures = await measurePoseidon(chain.signers[0]);

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
    ...poseidonFigures,
    "zk.model.base.gas": Math.round(base),
    "zk.model.perSlot.gas": Math.round(perSlot),
    ...model,
  };
}

// -------------------------------------------------------------------------------------------------
// Measurements
// -------------------------------------------------------------------------------------------------

/** Default profile: deposits open DEFAULT_USERS accounts, then TRANSFER_BATCHES full transfer batches. */
async function measureDefault(w: ZkWorld): Promise<Figures> {
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
async function breakdown(w: ZkWorld): Promise<Figures> {
  const node = await w.verifierNode();
  const [previous, last] = node.batches.slice(-2);
  const { batchSize } = await w.rollup.config();
  const submitted = (await w.provider.getTransaction(last.transactionHash))!;
  const total = await gasUsedBy(w.provider, last.transactionHash);
  const { proof, feeRecipient } = w.rollup.decodeSubmit(submitted.data);
  const inputs = publicInputs(previous.newRoot, last.newRoot, feeRecipient, last.txs, batchSize);
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
async function measureTest(w: ZkWorld): Promise<Figures> {
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
  const claim = await w.rollup.claim(bob.signer, ETH_ID, bob.address);

  // The operator stops while a deposit waits; after the delay anyone starts exodus; Alice exits.
  const { deposit } = await alice.wallet.depositEth(w.bridge, alice.signer, w.rollup.address, AMOUNT);
  const waiting = {
    from: deposit.from,
    to: deposit.to,
    tokenId: deposit.tokenId,
    amount: deposit.amount,
    timestamp: deposit.timestamp,
  };
  await increaseTime(w.provider, (await w.rollup.config()).exodusDelay);
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

// circomlibjs ships no types for its contract generator; its CommonJS build is loaded with require.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { poseidonContract } = require("circomlibjs") as {
  poseidonContract: { createCode(n: number): string; generateABI(n: number): InterfaceAbi };
};

/**
 * The execution gas of one Poseidon hash on 2, 3 and 4 inputs (T3, T4, T5): by the hashers the rollup's
 * exit uses (`zk.poseidon.hashGas.t*`) and by circomlibjs's `poseidonContract.createCode(n)`, which they
 * replaced (`zk.poseidon.circomlibjsGas.t*`). Each is one transaction straight to the hasher, less its
 * intrinsic cost: the hash itself, without the rollup's call into it (warm: ~100 gas more, cold: 2,600).
 */
async function measurePoseidon(signer: Signer): Promise<Figures> {
  const figures: Figures = {};
  for (const n of POSEIDON_ARITIES) {
    const inputs = Array.from({ length: n }, (_, i) => BigInt(i + 1) * 0x1234567890abcdefn);
    const hasher = poseidonArtifact(n);
    const data = new Interface(hasher.abi).encodeFunctionData("hash", [inputs]);
    figures[`zk.poseidon.hashGas.t${n + 1}`] = await hashGas(signer, await deployPoseidon(signer, n), data);
    const abi = poseidonContract.generateABI(n);
    const old = await new ContractFactory(abi, poseidonContract.createCode(n), signer).deploy();
    await old.waitForDeployment();
    const oldData = new Interface(abi).encodeFunctionData(`poseidon(uint256[${n}])`, [inputs]);
    figures[`zk.poseidon.circomlibjsGas.t${n + 1}`] = await hashGas(signer, await old.getAddress(), oldData);
  }
  return figures;
}

/** The gas of the transaction sending `data` to `to`, less its intrinsic cost. */
async function hashGas(signer: Signer, to: string, data: string): Promise<number> {
  const receipt = await (await signer.sendTransaction({ to, data })).wait();
  return Number(receipt!.gasUsed) - intrinsicGas(data);
}
