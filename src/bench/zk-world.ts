// The zk rollup as the bench and the comparison drive it: the suite deployed with a profile's generated
// verifier, and the zk stack in this process (src/zk/stack.ts: the real ZkOperator, one warm prover, its
// journal in a temporary directory) driven by hand, round by round (`tick(true)`), exactly as the
// end-to-end tests drive it. What the operator did in a round (the batches it proved, in how long, and
// submitted, for how much gas) is read from its typed events (src/zk/events.ts), never from its log.
// Needs no special RPC method.
import type { Signer } from "ethers";
import { parseEther } from "ethers";
import type { BridgeClient } from "../bridge/client";
import type { Published } from "../common/events";
import { ofType, readAllEvents } from "../common/events";
import { createLogger } from "../common/logger";
import { deploySuite } from "../deploy/suite";
import { profileDir, profileFiles, resolveLayout, verifierContractName } from "../zk/build/layout";
import { checkBuild } from "../zk/build/manifest";
import { ZkChainFollower } from "../zk/chain-follower";
import type { BatchProvedEvent, BatchSubmittedEvent } from "../zk/events";
import type { ZkCrypto } from "../zk/keys";
import { zkPrivateKeyFromSeed } from "../zk/keys";
import type { ZkOperator } from "../zk/operator";
import type { ZkRollupClient } from "../zk/rollup-client";
import type { InProcessZkStack } from "../zk/stack";
import { startZkStack } from "../zk/stack";
import { ZkWallet } from "../zk/wallet";
import type { LocalChain, RpcProvider } from "./chain";
import { BenchConfigError, BenchRunError } from "./errors";

/** The ETH token id in the bridge (and so in the rollup). */
export const ETH_ID = 0;
/** What `openAccounts` deposits for each user. */
const FUNDING = parseEther("10");

const quiet = createLogger({ level: "warn" });

export interface BenchUser {
  signer: Signer;
  /** The signer's Layer-1 address. */
  address: string;
  wallet: ZkWallet;
}

/** One batch the operator proved and submitted. */
export interface SubmittedBatch {
  batchIndex: number;
  gas: number;
  provingMs: number;
  pubdataBytes: number;
}

/** What the operator did in one forced round, from its events (each stamped with its `time`). */
export interface ZkRound {
  proved: Published<BatchProvedEvent>[];
  submitted: Published<BatchSubmittedEvent>[];
}

export interface ZkWorld {
  provider: RpcProvider;
  /** The stack in this process: the operator and its events. */
  stack: InProcessZkStack;
  /** The rollup and the bridge, read through the provider (senders pass their own signer). */
  rollup: ZkRollupClient;
  bridge: BridgeClient;
  /** The running operator, driven by hand (`tick(true)`). */
  readonly operator: ZkOperator;
  operatorSigner: Signer;
  crypto: ZkCrypto;
  /** The profile's generated Groth16 verifier. */
  verifier: string;
  /** `count` users with their own Layer-1 signers and deterministic keys. */
  users(count: number): Promise<BenchUser[]>;
  /** Each user deposits FUNDING of ETH; the operator consumes the deposits. Their account indices. */
  openAccounts(users: BenchUser[]): Promise<number[]>;
  /** One forced round of the operator: the batches it proved and submitted in it. */
  round(): Promise<ZkRound>;
  /** A forced round that must make exactly one batch of `txs` transactions; its gas and proving time. */
  tickOne(txs: number): Promise<SubmittedBatch>;
  /** A fresh verifier node, synced from Layer 1 alone. */
  verifierNode(): Promise<ZkChainFollower>;
}

/**
 * Deploys the suite with `profile`'s verifier, starts the zk stack in this process with an operator driven
 * by hand, runs `measure`, stops the stack. Signers: 0 deploys, 3 operates, 4 on are the users.
 */
export async function withZkWorld<T>(
  chain: LocalChain,
  profile: string,
  crypto: ZkCrypto,
  measure: (w: ZkWorld) => Promise<T>,
): Promise<T> {
  const { provider, signers } = chain;
  const [deployer, , , operatorSigner] = signers;
  const deployment = await deploySuite(deployer, { network: chain.network, local: true, zkProfile: profile });
  const stack = await startZkStack({
    deployment,
    provider,
    crypto,
    profile,
    // Rounds run only when forced: no batch closes behind the bench's back.
    mode: { kind: "in-process", signer: operatorSigner, maxBatchAgeMs: 3_600_000, logger: quiet },
  });
  const { rollup, bridge } = stack;
  const { domain } = stack.config;
  const verifierNode = async () => {
    const node = await ZkChainFollower.create(rollup, provider, crypto, quiet);
    await node.sync();
    return node;
  };
  const round = async (): Promise<ZkRound> => {
    const { operator } = stack;
    const from = operator.events.head;
    await operator.tick(true);
    const { events } = await readAllEvents(operator.events, from);
    const proved = events.filter(ofType("batchProved"));
    const submitted = events.filter(ofType("batchSubmitted"));
    return { proved, submitted };
  };
  try {
    const world: ZkWorld = {
      provider,
      stack,
      rollup,
      bridge,
      get operator() {
        return stack.operator;
      },
      operatorSigner,
      crypto,
      verifier: deployment.contracts.ZkVerifier,
      async users(count) {
        // Signers 4 on: the deployer and the operator keep their own.
        return Promise.all(
          signers.slice(4, 4 + count).map(async (signer, i) => {
            const address = await signer.getAddress();
            const key = zkPrivateKeyFromSeed(`bench-${profile}-${i}`);
            return { signer, address, wallet: new ZkWallet(crypto, key, address, domain) };
          }),
        );
      },
      async openAccounts(users) {
        for (const user of users) await user.wallet.depositEth(bridge, user.signer, rollup.address, FUNDING);
        await stack.operator.tick(true);
        return users.map((user) => {
          const index = stack.operator.findAccount(user.wallet.ownerHex, ETH_ID);
          if (index === undefined) throw new BenchRunError(`no account opened for ${user.address}`);
          return index;
        });
      },
      round,
      async tickOne(txs) {
        const before = await rollup.batchCount();
        const { proved, submitted } = await round();
        const after = await rollup.batchCount();
        if (after !== before + 1 || proved.length !== 1 || submitted.length !== 1) {
          throw new BenchRunError(`expected one batch from batch ${before}, got ${after - before}`);
        }
        const batch = submitted[0];
        if (batch.txs !== txs) throw new BenchRunError(`batch ${batch.batchIndex} has ${batch.txs} txs`);
        const sent = await provider.getTransaction(batch.l1TxHash);
        if (!sent) throw new BenchRunError(`no transaction ${batch.l1TxHash}`);
        return {
          batchIndex: batch.batchIndex,
          gas: Number(batch.gasUsed),
          provingMs: proved[0].provingMs,
          pubdataBytes: rollup.decodeSubmit(sent.data).pubdata.length,
        };
      },
      verifierNode,
    };
    return await measure(world);
  } finally {
    await stack.stop();
  }
}

/** A profile's build manifest: its constraint count and batch size. */
export async function manifestOf(
  profile: string,
): Promise<{ constraints: number; batchSize: number; depth: number }> {
  const files = profileFiles(profileDir(resolveLayout(), profile), verifierContractName(profile));
  const { manifest, problem } = await checkBuild(files);
  if (!manifest || problem) throw new BenchConfigError(`profile ${profile}: ${problem ?? "no manifest"}`);
  const { batchSize, depth } = manifest.inputs.profile;
  return { constraints: manifest.constraints, batchSize, depth };
}
