import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import type { StartOptions } from "../common/processes";
import { ANVIL, AnvilMissingError, anvilArgs, nodeReadiness, startProcess } from "../common/processes";

/**
 * The sidechain's own node: Anvil on its own port and chain id, mining a block every `blockTimeS`
 * seconds whether or not there are transactions, as a chain with its own block producer does (a
 * checkpoint covers a fixed number of blocks, so the chain must move on its own). Strata never plays the
 * chain itself: the validators follow this node over JSON-RPC as they follow Layer 1.
 *
 * Anvil comes from an optional dependency installed on Linux x64 only; elsewhere this throws
 * `AnvilMissingError` (point `--sidechain-url` at any EVM node that mines on an interval instead).
 */

/** The sidechain's chain id on a local node (Layer 1's local chains are 31337). */
export const SIDECHAIN_CHAIN_ID = 31_338;
/** Seconds between the sidechain's blocks on a local node. */
export const SIDECHAIN_BLOCK_TIME_S = 1;

export interface SidechainNodeOptions extends StartOptions {
  chainId?: number;
  blockTimeS?: number;
}

/** Anvil's flags for the sidechain's node on 127.0.0.1:`port`. */
export function sidechainNodeArgs(port: number, o: SidechainNodeOptions = {}): string[] {
  return [
    ...anvilArgs(port),
    "--chain-id",
    String(o.chainId ?? SIDECHAIN_CHAIN_ID),
    "--block-time",
    String(o.blockTimeS ?? SIDECHAIN_BLOCK_TIME_S),
    // The default accounts 0-19, as `hardhat node` funds them: the validators sign with 10-13.
    "--accounts",
    "20",
  ];
}

/** Starts the sidechain's node on 127.0.0.1:`port`; resolves once it answers. */
export function startSidechainNode(port: number, o: SidechainNodeOptions = {}): Promise<ChildProcess> {
  if (!existsSync(ANVIL)) {
    throw new AnvilMissingError(
      `no Anvil at ${ANVIL}: the sidechain's node is Anvil, which npm installs on Linux x64 only ` +
        "(@foundry-rs/anvil-linux-amd64)",
    );
  }
  return startProcess(ANVIL, sidechainNodeArgs(port, o), {}, nodeReadiness(port), o);
}
