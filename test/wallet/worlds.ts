// The rollups the wallet tests drive, on the in-process Hardhat chain, each behind its operator's real
// JSON-RPC server (the wallet takes a URL): the optimistic stack in this process serving over HTTP with
// its loops running (fast batches, the challenger watching), and the zk world of the e2e tests
// (test/e2e/zk-world.ts: the real `test`-profile verifier, one warm prover) with its operator served by
// `serveZkOperator` and driven by hand (`tick(true)` proves what is pending), so each proof is paid for
// only where a test needs one. Both deploy the suite with the DemoToken allowed in the rollup.
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { Bridge__factory, DemoToken__factory } from "../../typechain-types";
import type { Deployment } from "../../src/common/deployments";
import { pollUntil } from "../../src/common/json-rpc";
import type { RpcServer } from "../../src/common/json-rpc";
import { deploySuite } from "../../src/deploy/suite";
import type { InProcessOptimisticStack } from "../../src/optimistic/stack";
import { startOptimisticStack } from "../../src/optimistic/stack";
import { serveZkOperator } from "../../src/zk/rpc-server";
import type { ZkOperator } from "../../src/zk/operator";
import type { RollupWallet } from "../../src/wallet";
import { OptimisticWallet, ZkRollupWallet } from "../../src/wallet";
import { zkPrivateKeyFromSeed } from "../../src/zk/keys";
import type { ZkE2eWorld } from "../e2e/zk-world";
import { createZkWorld, quiet } from "../e2e/zk-world";

/** The DemoToken handed to each user of a wallet world. */
export const DEMO_TOKENS = ethers.parseEther("1000");

/** An optimistic rollup deployed, its services running in this process and serving JSON-RPC. */
export interface OptimisticWalletWorld {
  deployment: Deployment;
  stack: InProcessOptimisticStack;
  sequencerUrl: string;
  challengerUrl: string;
  signers: HardhatEthersSigner[];
  open(signer: HardhatEthersSigner, url?: string): Promise<OptimisticWallet>;
  /** Moves the chain past the challenge window of every batch committed so far. */
  passChallengeWindow(): Promise<void>;
  stop(): Promise<void>;
}

/** Hands `DEMO_TOKENS` of the deployment's DemoToken to each of `holders`, and allows it in `rollup`. */
async function shareDemoToken(
  deployment: Deployment,
  deployer: HardhatEthersSigner,
  rollup: string,
  holders: readonly HardhatEthersSigner[],
): Promise<void> {
  const bridge = Bridge__factory.connect(deployment.contracts.Bridge, deployer);
  await (await bridge.allowToken(rollup, deployment.contracts.DemoToken)).wait();
  const token = DemoToken__factory.connect(deployment.contracts.DemoToken, deployer);
  for (const holder of holders) await (await token.transfer(holder.address, DEMO_TOKENS)).wait();
}

export async function createOptimisticWalletWorld(): Promise<OptimisticWalletWorld> {
  const signers = await ethers.getSigners();
  const [deployer, sequencer, challenger] = signers;
  const deployment = await deploySuite(deployer, { network: "hardhat", local: true });
  await shareDemoToken(deployment, deployer, deployment.contracts.OptimisticRollup, signers.slice(3, 8));
  const stack = await startOptimisticStack(deployment, ethers.provider, {
    kind: "in-process",
    sequencer,
    challenger,
    serve: true,
    maxBatchAgeMs: 100,
    sequencerPollMs: 100,
    challengerPollMs: 200,
  });
  const window = Number(await stack.context.rollup.contract.CHALLENGE_WINDOW());
  return {
    deployment,
    stack,
    sequencerUrl: stack.urls.sequencer!,
    challengerUrl: stack.urls.challenger!,
    signers,
    open: (signer, url = stack.urls.sequencer!) =>
      OptimisticWallet.open({ signer, deployment, operatorUrl: url }),
    async passChallengeWindow() {
      await time.increase(window + 1);
    },
    stop: () => stack.stop(),
  };
}

/** The zk e2e world with its operator started and served over JSON-RPC. */
export interface ZkWalletWorld {
  world: ZkE2eWorld;
  operator: ZkOperator;
  server: RpcServer;
  url: string;
  /** A wallet for `signer` with a key from `seed` (tests keep keys readable), or derived from the signer. */
  open(signer: HardhatEthersSigner, seed?: string): Promise<ZkRollupWallet>;
  /** Stops serving JSON-RPC (the operator is gone for its users). */
  closeServer(): Promise<void>;
  stop(): Promise<void>;
}

export async function createZkWalletWorld(): Promise<ZkWalletWorld> {
  const world = await createZkWorld();
  const operator = await world.startOperator();
  const server = await serveZkOperator(operator, { logger: quiet });
  let closed = false;
  const closeServer = async () => {
    if (!closed) await server.close();
    closed = true;
  };
  return {
    world,
    operator,
    server,
    url: server.url,
    open: (signer, seed) =>
      ZkRollupWallet.open({
        signer,
        deployment: world.deployment,
        operatorUrl: server.url,
        crypto: world.crypto,
        zkKey: seed === undefined ? undefined : zkPrivateKeyFromSeed(seed),
      }),
    closeServer,
    async stop() {
      await closeServer();
      await world.cleanup();
    },
  };
}

/** Polls until `wallet`'s Layer-2 balance of `token` is `amount` (the operator credits deposits in its rounds). */
export async function waitForBalance(
  wallet: Pick<RollupWallet<never, never>, "balance">,
  amount: bigint,
  token?: string,
): Promise<void> {
  const balance = await pollUntil(
    () => wallet.balance(token),
    (b) => b === amount,
    (b) => new Error(`balance stayed ${b}, not ${amount}`),
    { timeoutMs: 30_000, pollMs: 50 },
  );
  expect(balance).to.equal(amount);
}

/** The Layer-1 fee a mined transaction cost its sender. */
export async function feeOf(l1TxHash: string): Promise<bigint> {
  const receipt = (await ethers.provider.getTransactionReceipt(l1TxHash))!;
  return receipt.gasUsed * receipt.gasPrice;
}

/**
 * Runs `act`, expects it to reject with `error` (by class), and that `signer` sent nothing on Layer 1
 * meanwhile (its nonce unchanged). Returns the error.
 */
export async function expectRefusedBeforeLayer1<E extends Error>(
  signer: HardhatEthersSigner,
  act: () => Promise<unknown>,
  error: new (...args: never[]) => E,
): Promise<E> {
  const nonce = await ethers.provider.getTransactionCount(signer.address);
  let thrown: unknown;
  try {
    await act();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected ${error.name}`).to.be.instanceOf(error);
  expect(
    await ethers.provider.getTransactionCount(signer.address),
    "a Layer-1 transaction was sent",
  ).to.equal(nonce);
  return thrown as E;
}
