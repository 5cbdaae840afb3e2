// The demo's flows, in the order `npm run demo` runs them, and its command line. zk is last: its exodus
// moves the chain's clock forward by the exodus delay and leaves the zk rollup in exodus.
import type { Signer } from "ethers";
import type { Deployment } from "../common/deployments";
import { StrataError } from "../common/errors";
import type { RpcProvider } from "../common/layer1";
import type { Placement } from "../common/processes";
import type { Narrator } from "./narrator";

export const DEMO_FLOWS = ["bridge", "optimistic", "channels", "zk"] as const;
export type DemoFlow = (typeof DEMO_FLOWS)[number];

/** The chains the demo runs on: it moves the clock (evm_increaseTime) and mints DemoTokens. */
export const DEMO_NETWORKS = ["hardhat", "localhost", "anvil"] as const;

export class DemoUsageError extends StrataError {}

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

export interface DemoArgs {
  flows: DemoFlow[];
  network: string;
  help: boolean;
}

/** `[<flow>|all]… [--network <name>] [--help]`: the flows come back in run order, each once. */
export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  const named: string[] = [];
  let network = "hardhat";
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    if (flag === "--help" || flag === "-h") help = true;
    else if (flag === "--network") {
      network = inline ?? argv[++i] ?? "";
      if (network === "") throw new DemoUsageError("--network needs a value");
    } else if (flag.startsWith("-")) throw new DemoUsageError(`unknown option ${flag}`);
    else named.push(flag);
  }
  if (!(DEMO_NETWORKS as readonly string[]).includes(network)) {
    throw new DemoUsageError(
      `the demo moves the chain's clock, so it runs on a local chain (${DEMO_NETWORKS.join(", ")}), not on ${network}`,
    );
  }
  return { flows: demoFlowsFrom(named.join(",")), network, help };
}

/** The flows named in a comma-separated list ("bridge,zk"; empty or "all" for every flow), in run order. */
export function demoFlowsFrom(list: string | undefined): DemoFlow[] {
  const wanted = (list ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  if (wanted.length === 0 || wanted.includes("all")) return [...DEMO_FLOWS];
  const unknown = wanted.filter((name) => !(DEMO_FLOWS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new DemoUsageError(
      `unknown flow ${unknown.map((name) => `"${name}"`).join(", ")}; flows: ${DEMO_FLOWS.join(", ")}`,
    );
  }
  return DEMO_FLOWS.filter((flow) => wanted.includes(flow));
}
