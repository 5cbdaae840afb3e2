// A whole zk-rollup world on the in-process Hardhat chain: the suite deployed by deploySuite (the real
// generated verifier of the `test` profile), the DemoToken allowed in the rollup, users with BabyJubJub
// wallets, one warm prover shared by every operator the test starts (each with its journal in a
// temporary directory), and the solvency invariant every end-to-end step checks.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ethers } from "hardhat";
import { Bridge__factory, DemoToken__factory } from "../../typechain-types";
import { BridgeClient } from "../../src/bridge/client";
import { deploySuite } from "../../src/common/deploy-suite";
import type { Deployment } from "../../src/common/deployments";
import { createLogger } from "../../src/common/logger";
import type { Logger } from "../../src/common/logger";
import { TxJournal } from "../../src/optimistic/journal";
import { ZkChainFollower } from "../../src/zk/chain-follower";
import { assertZkEscrowCovers } from "../../src/zk/invariants";
import { ZkCrypto, zkPrivateKeyFromSeed } from "../../src/zk/keys";
import { ZkOperator } from "../../src/zk/operator";
import { ZkProver } from "../../src/zk/prover";
import { ZkRollupClient } from "../../src/zk/rollup-client";
import { ZkWallet } from "../../src/zk/wallet";

export const ETH_ID = 0;
/** The DemoToken's id in the zk rollup (the first ERC-20 allowed). */
export const TOKEN_ID = 1;

export const quiet = createLogger({ level: process.env.STRATA_LOG_LEVEL === "debug" ? "debug" : "warn" });

/** One warm prover per test process (loading the test profile's zkey takes a moment). */
let sharedProver: Promise<ZkProver> | undefined;
export function loadTestProver(): Promise<ZkProver> {
  sharedProver ??= ZkProver.load({ profile: "test", logger: quiet });
  return sharedProver;
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
  journalPath: string;
  /** Every journal opened by `startOperator`, the last one the running operator's. */
  journals: TxJournal[];
  /** A user with a deterministic key (from `seed`) and a Layer-1 signer. */
  user(signer: HardhatEthersSigner, seed: string): ZkUser;
  /** A fresh verifier node, synced: Layer 1 only. */
  verifierNode(): Promise<ZkChainFollower>;
  /** Starts (or restarts) an operator from Layer 1 and the journal. */
  startOperator(options?: { maxBatchAgeMs?: number; logger?: Logger }): Promise<ZkOperator>;
  /** assertZkEscrowCovers, from a fresh verifier node. */
  checkInvariants(): Promise<void>;
  /** Closes every journal opened and removes the data directory. */
  cleanup(): Promise<void>;
}

export async function createZkWorld(): Promise<ZkE2eWorld> {
  const signers = await ethers.getSigners();
  const [deployer, , , operatorSigner] = signers;
  const deployment = await deploySuite(deployer, { network: "hardhat", local: true });
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
  const prover = await loadTestProver();
  const dir = mkdtempSync(join(tmpdir(), "strata-zk-operator-"));
  const journalPath = join(dir, "journal.jsonl");
  const journals: TxJournal[] = [];
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
    journalPath,
    journals,
    user: (signer, seed) => ({
      signer,
      wallet: new ZkWallet(crypto, zkPrivateKeyFromSeed(seed), signer.address, domain),
    }),
    verifierNode,
    async startOperator(options = {}) {
      const journal = await TxJournal.open(journalPath, { logger: quiet });
      journals.push(journal);
      return ZkOperator.start({
        rollup: new ZkRollupClient(rollup.address, operatorSigner),
        bridge: new BridgeClient(bridgeClient.address, operatorSigner),
        follower: await ZkChainFollower.create(rollup, ethers.provider, crypto, quiet),
        journal,
        prover,
        crypto,
        signer: operatorSigner,
        maxBatchAgeMs: options.maxBatchAgeMs ?? 60_000,
        logger: options.logger ?? quiet,
      });
    },
    async checkInvariants() {
      await assertZkEscrowCovers(await verifierNode(), bridgeClient);
    },
    async cleanup() {
      await Promise.all(journals.splice(0).map((j) => j.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Closes the shared prover's curve workers (call once, in the last `after` of a file). */
export async function closeTestProver(): Promise<void> {
  if (!sharedProver) return;
  const prover = await sharedProver;
  sharedProver = undefined;
  await prover.close();
}
