// A whole optimistic-rollup world on the in-process Hardhat chain: the suite deployed by deploySuite and
// the optimistic stack started in this process (src/optimistic/stack.ts: an honest sequencer with its
// journal in a temporary directory, an honest challenger, built as their services build them), with
// their loops off so that each test plays their rounds itself; users with Layer-2 accounts, and the
// invariants every end-to-end step checks.
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ethers } from "hardhat";
import { Wallet, ZeroAddress } from "ethers";
import { localAccountKey } from "../../src/common/processes";
import type { ScratchBlobArchive } from "../../src/da/archive";
import { startScratchBlobArchive } from "../../src/da/archive";
import type { DataMode } from "../../src/optimistic/stack";
import { Bridge__factory } from "../../typechain-types";
import type { Bridge } from "../../typechain-types";
import type { BridgeClient } from "../../src/bridge/client";
import { assertBridgeSolvent } from "../../src/bridge/invariants";
import { deploySuite } from "../../src/deploy/suite";
import type { Eip712Authorizer } from "../../src/shared/authorizer";
import { bytesToHex } from "../../src/shared/bytes";
import { encodeTx } from "../../src/shared/codec";
import type { L2Domain, TransferMessage, WithdrawMessage } from "../../src/shared/eip712";
import type { TransferTx, WithdrawTx } from "../../src/shared/types";
import { ownerOfAddress } from "../../src/shared/types";
import type { ChainFollower } from "../../src/optimistic/chain-follower";
import type { Challenger } from "../../src/optimistic/challenger";
import type { RollupTiming } from "../../src/optimistic/config";
import { assertBondsConserved, assertFinalBatchesValid, owedByRollup } from "../../src/optimistic/invariants";
import type { RollupClient } from "../../src/optimistic/rollup-client";
import type { Sequencer } from "../../src/optimistic/sequencer";
import type { InProcessOptimisticStack } from "../../src/optimistic/stack";
import { startOptimisticStack } from "../../src/optimistic/stack";
import { signedTransfer as signTransferTx, signedWithdraw as signWithdrawTx } from "../shared/transactions";

export const TIMING: RollupTiming = { challengeWindow: 1_000, inclusionWindow: 500, gameClock: 300 };

export interface World {
  stack: InProcessOptimisticStack;
  bridge: Bridge;
  bridgeClient: BridgeClient;
  rollup: RollupClient;
  domain: L2Domain;
  authorizer: Eip712Authorizer;
  signers: HardhatEthersSigner[];
  proposer: HardhatEthersSigner;
  challengerSigner: HardhatEthersSigner;
  /** The running sequencer (a new object after `startSequencer`). */
  readonly sequencer: Sequencer;
  readonly challenger: Challenger;
  journalPath: string;
  /** A fresh follower (Layer 1 only) for a new agent. */
  newFollower(): Promise<ChainFollower>;
  /** Restarts the sequencer as after a crash, from Layer 1 and its journal. */
  startSequencer(): Promise<Sequencer>;
  /** Bridge solvency, bond conservation, every final batch valid. */
  checkInvariants(): Promise<void>;
  /** The blob archive its nodes read blob batches from (worlds posting in blobs). */
  blobArchiveUrl?: string;
  archive?: WorldArchive;
  /** Stops the stack (and the archive) and removes their files. */
  cleanup(): Promise<void>;
}

export interface WorldOptions {
  /**
   * How the sequencer posts batches (default calldata). With blobs, a blob archive runs in this process
   * (Hardhat keeps no blobs): the sequencer publishes to it and every node of the world reads from it.
   */
  dataMode?: DataMode;
}

export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const signers = await ethers.getSigners();
  const [deployer, proposer, challengerSigner] = signers;
  const archive = options.dataMode === "blobs" ? await startWorldArchive() : undefined;
  const deployment = await deploySuite(deployer, {
    network: "hardhat",
    local: true,
    optimisticTiming: TIMING,
  });
  // Their loops off, and their credit left on the rollup, so that tests can read what each was paid.
  const stack = await startOptimisticStack(deployment, ethers.provider, {
    kind: "in-process",
    // A blob transaction is signed locally: the proposer's own key (Hardhat's account 1) as a wallet.
    sequencer: archive ? new Wallet(localAccountKey(1), ethers.provider) : proposer,
    challenger: challengerSigner,
    dataMode: options.dataMode,
    blobArchiveUrl: archive?.url,
    run: false,
    withdrawCredit: false,
    maxBatchSteps: 64,
  });
  const { rollup, bridge: bridgeClient, domain, authorizer } = stack.context;
  const bridge = Bridge__factory.connect(deployment.contracts.Bridge, deployer);
  const newFollower = () => stack.context.newFollower();

  return {
    stack,
    bridge,
    bridgeClient,
    rollup,
    domain,
    authorizer,
    signers,
    proposer,
    challengerSigner,
    journalPath: stack.parties.journalPath,
    get sequencer() {
      return stack.parties.sequencer;
    },
    challenger: stack.parties.challenger,
    newFollower,
    async startSequencer() {
      await stack.restartSequencer();
      return stack.parties.sequencer;
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
    blobArchiveUrl: archive?.url,
    archive,
    async cleanup() {
      await stack.stop();
      await archive?.stop();
    },
  };
}

/** A blob archive on the in-process chain, its data in a temporary directory that `stop` removes. */
async function startWorldArchive(): Promise<WorldArchive> {
  const first = await startScratchBlobArchive(ethers.provider);
  const { url, dataDir } = first;
  const port = Number(new URL(url).port);
  let archive: ScratchBlobArchive | undefined = first;
  return {
    url,
    async pause() {
      await archive?.archive.close();
      archive = undefined;
    },
    async resume() {
      archive ??= await startScratchBlobArchive(ethers.provider, { port, dataDir });
    },
    async stop() {
      await (archive ?? first).stop();
    },
  };
}

/** The world's blob archive: `pause` takes it off the network (its data kept), `resume` brings it back. */
export interface WorldArchive {
  url: string;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** Deposits `amount` wei for `user` and returns once the bridge queued it. */
export async function depositEth(world: World, user: HardhatEthersSigner, amount: bigint): Promise<void> {
  await world.bridgeClient.depositEth(user, {
    rollup: world.rollup.address,
    to: ownerOfAddress(user.address),
    amount,
  });
}

/** A transfer signed by `signer` at `m.nonce` over the world's rollup domain. */
export const signedTransfer = (
  world: World,
  signer: HardhatEthersSigner,
  m: TransferMessage,
): Promise<TransferTx> => signTransferTx(world.domain, signer, m);

/** A withdrawal signed by `signer` at `m.nonce` over the world's rollup domain. */
export const signedWithdraw = (
  world: World,
  signer: HardhatEthersSigner,
  m: WithdrawMessage,
): Promise<WithdrawTx> => signWithdrawTx(world.domain, signer, m);

export function hexOf(tx: TransferTx | WithdrawTx): string {
  return bytesToHex(encodeTx(tx));
}

/** Moves the chain past the challenge window. */
export async function passChallengeWindow(): Promise<void> {
  await time.increase(TIMING.challengeWindow + 1);
}
