// A whole zk-rollup world on the in-process Hardhat chain: the suite deployed by deploySuite (the real
// generated verifier of the `test` profile, or of another one), the DemoToken allowed in the rollup, users with BabyJubJub
// wallets, the operator from the zk stack in this process (src/zk/stack.ts: one warm prover shared by
// every operator the test starts, one journal they restart on), and the solvency invariant every
// end-to-end step checks.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ethers } from "hardhat";
import { Bridge__factory, DemoToken__factory } from "../../typechain-types";
import { BridgeClient } from "../../src/bridge/client";
import { deploySuite } from "../../src/deploy/suite";
import type { Deployment } from "../../src/common/deployments";
import type { TxJournal } from "../../src/common/journal";
import { createLogger } from "../../src/common/logger";
import { ZkChainFollower } from "../../src/zk/chain-follower";
import { assertZkEscrowCovers, assertZkFeesCovered } from "../../src/zk/invariants";
import { ZkCrypto, zkPrivateKeyFromSeed } from "../../src/zk/keys";
import type { ZkOperator } from "../../src/zk/operator";
import { ZkProver } from "../../src/zk/prover";
import { ZkRollupClient } from "../../src/zk/rollup-client";
import type { InProcessZkStack } from "../../src/zk/stack";
import { startZkStack } from "../../src/zk/stack";
import { ZkWallet } from "../../src/zk/wallet";

export const ETH_ID = 0;
/** The DemoToken's id in the zk rollup (the first ERC-20 allowed). */
export const TOKEN_ID = 1;

export const quiet = createLogger({ level: process.env.STRATA_LOG_LEVEL === "debug" ? "debug" : "warn" });

/** One warm prover per profile and test process (loading a zkey takes a moment). */
const sharedProvers = new Map<string, Promise<ZkProver>>();
export function loadTestProver(profile = "test"): Promise<ZkProver> {
  if (!sharedProvers.has(profile)) sharedProvers.set(profile, ZkProver.load({ profile, logger: quiet }));
  return sharedProvers.get(profile)!;
}

export interface ZkUser {
  signer: HardhatEthersSigner;
  wallet: ZkWallet;
}

export interface ZkE2eWorld {
  deployment: Deployment;
  signers: HardhatEthersSigner[];
  deployer: HardhatEthersSigner;
  operatorSigner: HardhatEthersSigner;
  bridgeClient: BridgeClient;
  rollup: ZkRollupClient;
  crypto: ZkCrypto;
  domain: bigint;
  prover: ZkProver;
  token: string;
  /** Every journal opened by `startOperator`, the last one the running operator's. */
  journals: TxJournal[];
  /** The zk stack in this process, once `startOperator` has started it. */
  readonly stack: InProcessZkStack | undefined;
  /** A user with a deterministic key (from `seed`) and a Layer-1 signer. */
  user(signer: HardhatEthersSigner, seed: string): ZkUser;
  /** A fresh verifier node, synced: Layer 1 only. */
  verifierNode(): Promise<ZkChainFollower>;
  /**
   * Starts the stack's operator from Layer 1 and the journal; once started, kills it (as a crash would:
   * its journal closed, nothing compacted) and starts a new one on the same journal.
   */
  startOperator(): Promise<ZkOperator>;
  /**
   * Everything the rollup stores that a call could change, as one string (equal before and after a
   * reverted call): root, deposit head, batch count, exodus, the forced queue, the escrow, and the ETH
   * credit and fee credit of each of `accounts`.
   */
  ledger(accounts: readonly string[]): Promise<string>;
  /** assertZkEscrowCovers, from a fresh verifier node, and assertZkFeesCovered. */
  checkInvariants(): Promise<void>;
  /** Stops the stack (its operator, its journal, its data directory). */
  cleanup(): Promise<void>;
}

/**
 * A world on the circuit profile `profile` (default `test`; `tiny`, 4 accounts, for the tests that fill the
 * accounts tree).
 */
export async function createZkWorld({ profile = "test" }: { profile?: string } = {}): Promise<ZkE2eWorld> {
  const signers = await ethers.getSigners();
  const [deployer, , , operatorSigner] = signers;
  const deployment = await deploySuite(deployer, { network: "hardhat", local: true, zkProfile: profile });
  const bridgeClient = new BridgeClient(deployment.contracts.Bridge, deployer);
  const rollup = new ZkRollupClient(deployment.contracts.ZkRollup, deployer);
  const token = deployment.contracts.DemoToken;
  await (
    await Bridge__factory.connect(deployment.contracts.Bridge, deployer).allowToken(rollup.address, token)
  ).wait();
  const demo = DemoToken__factory.connect(token, deployer);
  for (const holder of signers.slice(4, 10))
    await (await demo.transfer(holder.address, ethers.parseEther("1000"))).wait();

  const crypto = await ZkCrypto.load();
  const { domain } = await rollup.config();
  const prover = await loadTestProver(profile);
  const journals: TxJournal[] = [];
  let stack: InProcessZkStack | undefined;
  const verifierNode = async () => {
    const node = await ZkChainFollower.create(rollup, ethers.provider, crypto);
    await node.sync();
    return node;
  };

  return {
    deployment,
    signers,
    deployer,
    operatorSigner,
    bridgeClient,
    rollup,
    crypto,
    domain,
    prover,
    token,
    journals,
    get stack() {
      return stack;
    },
    user: (signer, seed) => ({
      signer,
      wallet: new ZkWallet(crypto, zkPrivateKeyFromSeed(seed), signer.address, domain),
    }),
    verifierNode,
    async ledger(accounts) {
      const values: unknown[] = [
        await rollup.root(),
        await rollup.depositHead(),
        await rollup.batchCount(),
        await rollup.isExodus(),
        JSON.stringify(await rollup.forcedRequests()),
        (await bridgeClient.contract.asset(rollup.address, ethers.ZeroAddress)).escrowed,
      ];
      for (const a of accounts) values.push(await rollup.creditOf(a, ETH_ID), await rollup.feeCreditOf(a));
      return values.map(String).join("|");
    },
    async startOperator() {
      if (stack === undefined) {
        stack = await startZkStack({
          deployment,
          provider: ethers.provider,
          crypto,
          mode: { kind: "in-process", signer: operatorSigner, prover, logger: quiet },
        });
      } else {
        await stack.kill();
        await stack.restart();
      }
      journals.push(stack.journal);
      return stack.operator;
    },
    async checkInvariants() {
      await assertZkEscrowCovers(await verifierNode(), bridgeClient);
      await assertZkFeesCovered(rollup, ethers.provider);
    },
    async cleanup() {
      await stack?.stop();
      stack = undefined;
      journals.splice(0);
    },
  };
}

/** The users of the zk scenarios: Alice, Bob, Carol and Dave on accounts 4 to 7, their keys from their names. */
export interface ZkCast {
  alice: ZkUser;
  bob: ZkUser;
  carol: ZkUser;
  dave: ZkUser;
}

export function castOf(world: ZkE2eWorld): ZkCast {
  const [, , , , a, b, c, d] = world.signers;
  return {
    alice: world.user(a, "alice"),
    bob: world.user(b, "bob"),
    carol: world.user(c, "carol"),
    dave: world.user(d, "dave"),
  };
}

/** A deposit into the rollup from `user`'s Layer-1 account: `amount` of ETH, or of `token` when given. */
export interface ZkFunding {
  user: ZkUser;
  amount: bigint;
  token?: string;
}

/** Makes the `fundings`, in order. */
export async function fund(world: ZkE2eWorld, fundings: readonly ZkFunding[]): Promise<void> {
  const rollup = world.rollup.address;
  for (const { user, amount, token } of fundings) {
    if (token === undefined) await user.wallet.depositEth(world.bridgeClient, user.signer, rollup, amount);
    else await user.wallet.depositErc20(world.bridgeClient, user.signer, rollup, token, amount);
  }
}

/**
 * Makes the `fundings` in order, then starts the operator; with `prove` (the default) it batches and proves
 * them before this returns.
 */
export async function fundAndStart(
  world: ZkE2eWorld,
  fundings: readonly ZkFunding[],
  { prove = true }: { prove?: boolean } = {},
): Promise<ZkOperator> {
  await fund(world, fundings);
  const operator = await world.startOperator();
  if (prove) await operator.tick(true);
  return operator;
}

/** A new world in which Alice and Bob deposited `alice` and `bob` wei and the operator proved both deposits. */
export async function createAliceAndBobWorld(
  alice: bigint,
  bob: bigint,
): Promise<{ world: ZkE2eWorld; operator: ZkOperator } & Pick<ZkCast, "alice" | "bob">> {
  const world = await createZkWorld();
  const cast = castOf(world);
  const operator = await fundAndStart(world, [
    { user: cast.alice, amount: alice },
    { user: cast.bob, amount: bob },
  ]);
  return { world, operator, alice: cast.alice, bob: cast.bob };
}

/** Closes the shared provers' curve workers (call once, in the last `after` of a file). */
export async function closeTestProver(): Promise<void> {
  const provers = [...sharedProvers.values()];
  sharedProvers.clear();
  for (const prover of provers) await (await prover).close();
}
