// The demo's flows, in the order `npx hardhat demo` runs them (its settings, the flows to run among them,
// are in src/config/table.ts). The sidechain starts its own node (Anvil) beside the demo's chain. zk is last: its exodus moves the chain's clock forward by the exodus delay
// and leaves the zk rollup in exodus.
import type { Signer } from "ethers";
import type { Deployment } from "../common/deployments";
import { StrataError } from "../common/errors";
import type { RpcProvider } from "../common/layer1";
import type { Placement } from "../common/processes";
import type { Narrator } from "./narrator";

export const DEMO_FLOWS = ["bridge", "optimistic", "channels", "sidechain", "zk"] as const;
export type DemoFlow = (typeof DEMO_FLOWS)[number];

/**
 * How the demo's optimistic story posts its batches (`--data`): all as calldata, all in blobs, or `both`
 * (the default): part 1 (the round trip) in calldata, part 2 (the fraud) with the sequencer restarted to
 * post in blobs and Mallory's lie in blobs, so one run shows both at the length of one story.
 */
export const DEMO_DATA_MODES = ["calldata", "blobs", "both"] as const;
export type DemoDataMode = (typeof DEMO_DATA_MODES)[number];

/** The chains the demo runs on: it moves the clock (evm_increaseTime) and mints DemoTokens. */
export const DEMO_NETWORKS = ["hardhat", "localhost", "anvil"] as const;

/** The demo cannot run where it was asked to (no node answers at the network's URL). */
export class DemoSetupError extends StrataError {}

/** The chain has fewer unlocked accounts than a flow plays with. */
export class DemoAccountsError extends StrataError {}

/**
 * One flow of the demo, start to end (its services started on `placement` and stopped again): every
 * `src/demo/<flow>.ts` exports one, `run<Flow>Demo`. `signers` are the chain's unlocked accounts in
 * order (account #i at index i); each flow plays its parts with the ones it names.
 */
export type DemoRunner = (
  deployment: Deployment,
  provider: RpcProvider,
  placement: Placement,
  signers: readonly Signer[],
  say: Narrator,
) => Promise<unknown>;

/** The accounts at `indices` of `signers`; throws `DemoAccountsError` if the chain has too few. */
export function signersAt(signers: readonly Signer[], ...indices: number[]): Signer[] {
  const needed = Math.max(...indices) + 1;
  if (signers.length < needed) {
    throw new DemoAccountsError(
      `the demo needs ${needed} unlocked accounts, the chain has ${signers.length}`,
    );
  }
  return indices.map((i) => signers[i]!);
}
