/**
 * Layer 3: Strata's optimistic rollup deployed on the sidechain instead of Layer 1. The same contracts
 * (`Bridge`, `OneStepProver`, `OptimisticRollup`) and the same operators (the sequencer and the challenger
 * of src/optimistic/stack.ts) run against the sidechain's node as they run against Layer 1's: they take a
 * provider, and the sidechain is a JSON-RPC node like any other. A user goes Layer 1 → sidechain (the
 * validators' state sync mints sETH, the ChildToken of token id 0) → Layer 3 (a deposit of sETH into the
 * Layer-3 bridge), and back by the same two hops. See docs/layer3.md.
 *
 * What the Layer 3 inherits is its host's security, not Layer 1's: its bridge's escrow is a balance on
 * the sidechain's ledger, and that ledger is whatever validators holding more than 2/3 of the stake
 * say it is. The Layer-3 fraud proof protects users against the Layer-3 sequencer only.
 */
import type { Signer } from "ethers";
import { ZeroAddress } from "ethers";
import { Bridge__factory } from "../../typechain-types";
import { deployBridge } from "../bridge/deploy";
import { recordDeploymentChain } from "../common/chain-identity";
import type { Deployment } from "../common/deployments";
import { StrataError } from "../common/errors";
import type { Logger } from "../common/logger";
import type { BondSizing, RollupTiming } from "../optimistic/config";
import { PRODUCTION_TIMING } from "../optimistic/config";
import { deployOptimisticRollup } from "../optimistic/deploy";

/** The network name of a Layer-3 deployment record (`deployments/layer3.json`). */
export const LAYER3_NETWORK = "layer3";

/**
 * The name under which the record lists the sidechain's ERC-20 that stands for ETH, so that a wallet
 * names it as it names any contract of its deployment (`wallet.deposit({ token: "sETH", … })`).
 */
export const LAYER3_TOKEN = "sETH";

/** `deployLayer3`'s token has no code on the sidechain (e.g. the Layer-1 address of a token was given). */
export class Layer3TokenMissingError extends StrataError {
  constructor(
    readonly token: string,
    readonly chainId: number,
  ) {
    super(
      `no contract at ${token} on chain ${chainId}: the Layer 3 takes the sidechain's ERC-20 that stands ` +
        "for ETH (the ChildBridge's ChildToken of token id 0), deployed on the sidechain",
    );
  }
}

export interface Layer3DeployOptions {
  /** The sidechain ERC-20 that stands for ETH (the ChildToken of token id 0, "sETH"). */
  token: string;
  logger?: Logger;
  /** The Layer-3 rollup's windows (default PRODUCTION_TIMING, as on Layer 1; LOCAL_TIMING suits a local node). */
  timing?: RollupTiming;
  /** How its bonds are sized, in the sidechain's own coin (see `sizeBond`). */
  bonds?: BondSizing;
  /** The record's network name (default "layer3"). */
  network?: string;
}

/** What `deployLayer3` deployed. */
export interface Layer3 {
  /**
   * The record the Layer-3 services and wallets read: the sidechain's chain id and genesis, the Layer-3
   * `Bridge`, `OneStepProver`, `OptimisticRollup`, and the token as `sETH`.
   */
  deployment: Deployment;
  /** The token's id in the Layer-3 bridge (its Layer-3 accounts are of this id). */
  tokenId: number;
}

/**
 * Deploys the Layer 3 with `deployer`, a signer on the sidechain (which owns its bridge): a Bridge and an
 * OptimisticRollup registered with it, by the same functions that deploy them on Layer 1, then allows
 * `token` for deposits. The host's own coin (token id 0 of every Strata bridge) is disallowed: the
 * sidechain's gas coin is not Layer-1 ETH, and a Layer 3 that took it would carry an asset no Layer-1
 * escrow backs beside the one that does. The rollup's bonds are still paid in that coin, as gas is.
 * @throws Layer3TokenMissingError before any transaction when `token` has no code on the sidechain.
 */
export async function deployLayer3(deployer: Signer, o: Layer3DeployOptions): Promise<Layer3> {
  const provider = deployer.provider;
  if (!provider) throw new StrataError("the deployer has no provider: connect it to the sidechain's node");
  const chainId = Number((await provider.getNetwork()).chainId);
  if ((await provider.getCode(o.token)) === "0x") throw new Layer3TokenMissingError(o.token, chainId);

  const owner = await deployer.getAddress();
  const { logger } = o;
  const bridge = await deployBridge(deployer, { owner, logger });
  const optimistic = await deployOptimisticRollup(deployer, {
    bridge: bridge.Bridge,
    timing: o.timing ?? PRODUCTION_TIMING,
    bonds: o.bonds,
    logger,
  });
  const rollup = optimistic.OptimisticRollup;
  const bridgeContract = Bridge__factory.connect(bridge.Bridge, deployer);
  await (await bridgeContract.allowToken(rollup, o.token)).wait();
  await (await bridgeContract.disallowToken(rollup, ZeroAddress)).wait();
  const tokenId = Number((await bridgeContract.asset(rollup, o.token)).tokenId);
  logger?.info("deployed Layer 3", { chainId, rollup, token: o.token, tokenId });

  return {
    deployment: {
      network: o.network ?? LAYER3_NETWORK,
      chainId,
      deployedAt: new Date().toISOString(),
      deployer: owner,
      contracts: { ...bridge, ...optimistic, [LAYER3_TOKEN]: o.token },
      // The sidechain's genesis and the block the deployment was complete at: the services check it on start.
      chain: await recordDeploymentChain(provider),
    },
    tokenId,
  };
}

/** The two waits of a withdrawal from Layer 3 to Layer 1, in seconds. */
export interface Layer3ExitTime {
  /** Layer 3 → sidechain: the Layer-3 rollup's challenge window. */
  layer3: number;
  /** Sidechain → Layer 1: until a checkpoint covering the burn is accepted (the checkpoint interval). */
  sidechain: number;
  /** Both, one after the other: the burn on the sidechain can only follow the Layer-3 payout. */
  total: number;
}

/**
 * How long a withdrawal from Layer 3 takes to reach Layer 1 at worst: the Layer-3 challenge window (the
 * Layer-3 bridge pays on the sidechain once the batch is final), then the sidechain's checkpoint interval
 * (the burn is paid on Layer 1 once a checkpoint that covers it is accepted). The hops add up; neither
 * shortens the other.
 */
export function layer3ExitTime(o: { challengeWindow: number; checkpointInterval: number }): Layer3ExitTime {
  return {
    layer3: o.challengeWindow,
    sidechain: o.checkpointInterval,
    total: o.challengeWindow + o.checkpointInterval,
  };
}
