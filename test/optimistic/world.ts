// A whole optimistic-rollup world on the in-process Hardhat chain: the suite deployed by deploySuite,
// an honest sequencer (with its journal in a temporary directory), an honest challenger, users with
// Layer-2 accounts, and the invariants every end-to-end step checks.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ethers } from "hardhat";
import { ZeroAddress } from "ethers";
import { Bridge__factory } from "../../typechain-types";
import type { Bridge } from "../../typechain-types";
import { BridgeClient } from "../../src/bridge/client";
import { assertBridgeSolvent } from "../../src/bridge/invariants";
import { deploySuite } from "../../src/common/deploy-suite";
import { Eip712Authorizer } from "../../src/shared/authorizer";
import { bytesToHex } from "../../src/shared/bytes";
import { encodeTx } from "../../src/shared/codec";
import { L2Domain } from "../../src/shared/eip712";
import type { TransferTx, WithdrawTx } from "../../src/shared/types";
import { ownerOfAddress } from "../../src/shared/types";
import { ChainFollower } from "../../src/optimistic/chain-follower";
import { Challenger } from "../../src/optimistic/challenger";
import type { RollupTiming } from "../../src/optimistic/config";
import { assertBondsConserved, assertFinalBatchesValid, owedByRollup } from "../../src/optimistic/invariants";
import { TxJournal } from "../../src/optimistic/journal";
import { RollupClient } from "../../src/optimistic/rollup-client";
import { Sequencer } from "../../src/optimistic/sequencer";

export const TIMING: RollupTiming = { challengeWindow: 1_000, inclusionWindow: 500, gameClock: 300 };

export interface World {
  bridge: Bridge;
  bridgeClient: BridgeClient;
  rollup: RollupClient;
  domain: L2Domain;
  authorizer: Eip712Authorizer;
  signers: HardhatEthersSigner[];
  proposer: HardhatEthersSigner;
  challengerSigner: HardhatEthersSigner;
  sequencer: Sequencer;
  challenger: Challenger;
  journalPath: string;
  /** A fresh follower (Layer 1 only) for a new agent. */
  newFollower(): Promise<ChainFollower>;
  /** Starts (or restarts) the sequencer from Layer 1 and its journal. */
  startSequencer(): Promise<Sequencer>;
  /** Bridge solvency, bond conservation, every final batch valid. */
  checkInvariants(): Promise<void>;
  cleanup(): void;
}

export async function createWorld(): Promise<World> {
  const signers = await ethers.getSigners();
  const [deployer, proposer, challengerSigner] = signers;
  const deployment = await deploySuite(deployer, {
    network: "hardhat",
    local: true,
    optimisticTiming: TIMING,
  });
  const bridge = Bridge__factory.connect(deployment.contracts.Bridge, deployer);
  const bridgeClient = new BridgeClient(deployment.contracts.Bridge, deployer);
  const rollup = new RollupClient(deployment.contracts.OptimisticRollup, deployer);
  const { chainId } = await ethers.provider.getNetwork();
  const domain = new L2Domain(chainId, rollup.address);
  const authorizer = new Eip712Authorizer(domain);
  const dir = mkdtempSync(join(tmpdir(), "strata-sequencer-"));
  const journalPath = join(dir, "journal.jsonl");
  const newFollower = () => ChainFollower.create(rollup, ethers.provider, authorizer);

  const world: World = {
    bridge,
    bridgeClient,
    rollup,
    domain,
    authorizer,
    signers,
    proposer,
    challengerSigner,
    journalPath,
    sequencer: undefined as unknown as Sequencer,
    challenger: new Challenger({ rollup, follower: await newFollower(), signer: challengerSigner }),
    newFollower,
    async startSequencer() {
      const journal = await TxJournal.open(journalPath);
      world.sequencer = await Sequencer.start({
        rollup,
        bridge: bridgeClient,
        follower: await newFollower(),
        journal,
        signer: proposer,
        maxBatchSteps: 64,
      });
      return world.sequencer;
    },
    async checkInvariants() {
      const follower = await newFollower();
      await follower.sync();
      assertFinalBatchesValid(follower);
      await assertBondsConserved(rollup, ethers.provider);
      const owed = await owedByRollup(follower, bridge);
      await assertBridgeSolvent(bridge, ethers.provider, {
        rollups: [rollup.address],
        tokens: [ZeroAddress],
        owed: () => owed.get(0) ?? 0n,
      });
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await world.startSequencer();
  return world;
}

/** Deposits `amount` wei for `user` and returns once the bridge queued it. */
export async function depositEth(world: World, user: HardhatEthersSigner, amount: bigint): Promise<void> {
  await world.bridgeClient.depositEth(user, {
    rollup: world.rollup.address,
    to: ownerOfAddress(user.address),
    amount,
  });
}

/** A transfer signed by `signer` at `nonce`. */
export async function signedTransfer(
  world: World,
  signer: HardhatEthersSigner,
  m: { from: number; to: number; amount: bigint; nonce: number },
): Promise<TransferTx> {
  const signature = await world.domain.signTransfer(signer, m);
  return { kind: "transfer", from: m.from, to: m.to, amount: m.amount, signature };
}

export async function signedWithdraw(
  world: World,
  signer: HardhatEthersSigner,
  m: { from: number; recipient: string; amount: bigint; nonce: number },
): Promise<WithdrawTx> {
  const signature = await world.domain.signWithdraw(signer, m);
  return { kind: "withdraw", from: m.from, recipient: m.recipient, amount: m.amount, signature };
}

export function hexOf(tx: TransferTx | WithdrawTx): string {
  return bytesToHex(encodeTx(tx));
}

/** Moves the chain past the challenge window. */
export async function passChallengeWindow(): Promise<void> {
  await time.increase(TIMING.challengeWindow + 1);
}
