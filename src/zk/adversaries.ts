/**
 * The zk rollup's adversaries, as code: whoever is not the operator and still tries to move the root.
 * Anyone may call `submitBatch`: the proof is what counts, so these strategies only build batches and
 * proofs, and the contract is what must refuse them.
 *
 * - `proveOwnBatch`: a user (Alice after exodus, an attacker skipping a deposit) proves a batch of her
 *   own choosing from the last verified state on a prover of her own, with real Groth16 proofs.
 * - `forgeProof`: a random Groth16-shaped proof, as a forger without the proving key would offer.
 */
import { getAddress, hexlify, randomBytes } from "ethers";
import type { BridgeClient } from "../bridge/client";
import type { DepositData } from "../shared/types";
import type { ZkChainFollower } from "./chain-follower";
import { SNARK_SCALAR_FIELD } from "./domain";
import { unconsumedDeposits } from "./invariants";
import type { ZkCrypto } from "./keys";
import type { ZkProver } from "./prover";
import { encodePubdata } from "./pubdata";
import type { ZkBatchCalldata, ZkProofArg } from "./rollup-client";
import { toProofArg } from "./rollup-client";
import { depositData, depositsToCatchUp } from "../shared/deposit";
import type { ZkTxRequest } from "./stf";
import type { ZkBatchWitness } from "./witness";
import { buildBatchWitness } from "./witness";

/** A batch someone proved for themselves: what they would send, and how they got there. */
export interface OwnBatch {
  witness: ZkBatchWitness;
  calldata: ZkBatchCalldata;
  provingMs: number;
}

export interface ProveOwnBatchOptions {
  /** Their own prover, loaded for the rollup's profile. */
  prover: ZkProver;
  crypto: ZkCrypto;
  bridge: BridgeClient;
  /** The rollup's batch size. */
  batchSize: number;
  /** The deposits the batch claims to consume, in the order claimed (default none). */
  consumed?: DepositData[];
  /** Who the batch credits its forced-request fees to: bound into the proof (their own address, say). */
  feeRecipient: string;
}

/**
 * Proves a batch of `requests` on the verified state `node` holds (synced first), with a real proof,
 * and builds the calldata: the catch-up after `consumed` (none unless the queue ran far ahead).
 */
export async function proveOwnBatch(
  node: ZkChainFollower,
  requests: ZkTxRequest[],
  options: ProveOwnBatchOptions,
): Promise<OwnBatch> {
  await node.sync();
  const { prover, crypto, bridge, batchSize, feeRecipient } = options;
  const consumed = (options.consumed ?? []).map(depositData);
  const witness = buildBatchWitness(node.state, requests, batchSize, crypto, feeRecipient);
  const proof = await prover.prove(witness.input);
  const queue = await unconsumedDeposits(node, bridge);
  return {
    witness,
    calldata: {
      newRoot: witness.newState.root,
      feeRecipient: getAddress(feeRecipient),
      proof: toProofArg(proof.solidity),
      pubdata: encodePubdata(witness.txs),
      consumedDeposits: consumed,
      catchUp: depositsToCatchUp(queue, consumed.length),
    },
    provingMs: proof.provingMs,
  };
}

/**
 * A random Groth16-shaped proof: eight field elements, no proving key behind them. `word` draws each
 * element (default: from `randomBytes`; a test passes its seeded generator).
 */
export function forgeProof(
  word: () => bigint = () => BigInt(hexlify(randomBytes(32))) % SNARK_SCALAR_FIELD,
): ZkProofArg {
  return {
    a: [word(), word()],
    b: [
      [word(), word()],
      [word(), word()],
    ],
    c: [word(), word()],
  };
}
