// The stage the demo tests run a flow on. In this process (test/e2e/demo-*): the in-process Hardhat network
// with the suite deployed on it. With the operators as processes (test/e2e/demo-services-*): a node of their
// own (`hardhat node`, or Anvil), the suite deployed on it, the deployment record where the services read it,
// and the ServiceSet the flow starts them in, all taken down after the suite.
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Signer } from "ethers";
import { JsonRpcProvider } from "ethers";
import { ethers } from "hardhat";
import { deploySuite } from "../../src/deploy/suite";
import type { Deployment } from "../../src/common/deployments";
import { writeDeployment } from "../../src/common/deployments";
import type { RpcProvider } from "../../src/common/layer1";
import type { Placement } from "../../src/common/processes";
import { ANVIL, ServiceSet, kill, nodeReadiness, startAnvil, startHardhat } from "../../src/common/processes";

/** A kind of local node the demo runs on as `--network <network>`, its URL in `urlVariable`. */
export interface DemoNode {
  name: string;
  network: string;
  urlVariable: string;
  /** Whether it can run on this machine. */
  available(): boolean;
  start(port: number): Promise<ChildProcess>;
}

export const HARDHAT_NODE: DemoNode = {
  name: "a hardhat node",
  network: "localhost",
  urlVariable: "STRATA_RPC_URL",
  available: () => true,
  start: (port) => startHardhat(["node", "--port", String(port)], {}, nodeReadiness(port), 120_000),
};

export const ANVIL_NODE: DemoNode = {
  name: "Anvil",
  network: "anvil",
  urlVariable: "STRATA_ANVIL_URL",
  // Anvil comes from an optional dependency that npm installs on Linux x64 only.
  available: () => existsSync(ANVIL),
  start: (port) => startAnvil(port),
};

/** A signer of one of the node's default accounts. */
export type StageSigner = Signer & { address: string };

/** The chain a demo flow runs on, and where its operators run. */
export interface DemoStage {
  provider: RpcProvider;
  /** The suite, deployed by the node's account 0. */
  deployment: Deployment;
  placement: Placement;
  /** The node's default accounts at `indices`. */
  signers(...indices: number[]): Promise<StageSigner[]>;
  /** Every default account of the node, in order (what a demo flow is given). */
  allSigners(): Promise<StageSigner[]>;
}

export interface ServicesStage extends DemoStage {
  provider: JsonRpcProvider;
  /** The node's JSON-RPC URL. */
  url: string;
  services: ServiceSet;
}

/**
 * Declares the calling suite's hook that deploys the suite on the in-process Hardhat network before its
 * tests; the stage is readable once the hook has run.
 */
export function useInProcessStage(): () => DemoStage {
  let stage: DemoStage | undefined;
  before(async function () {
    const all = await ethers.getSigners();
    const deployment = await deploySuite(all[0], { network: "hardhat", local: true });
    stage = {
      provider: ethers.provider,
      deployment,
      placement: { kind: "in-process" },
      signers: async (...indices) => indices.map((i) => all[i]),
      allSigners: async () => all,
    };
  });
  return () => {
    if (!stage) throw new Error("the in-process stage is not set up: its before hook has not run");
    return stage;
  };
}

/** Where the services tests' nodes listen, and their services: below the ephemeral ports. */
const NODE_PORTS: [number, number] = [9100, 9400];
const SERVICE_PORTS: [number, number] = [9400, 9700];

/**
 * Declares the calling suite's hooks that set the stage up on `node` before its tests (skipping them where
 * `node` cannot run) and take it down after them; the stage is readable once the first hook has run.
 */
export function useServicesStage(node: DemoNode): () => ServicesStage {
  let stage: ServicesStage | undefined;
  // What the before hook set up, undone in reverse order (so also after a failure half-way).
  const undo: (() => unknown)[] = [];

  before(async function () {
    if (!node.available()) this.skip();
    const dir = mkdtempSync(join(tmpdir(), `strata-demo-services-${node.network}-`));
    undo.push(() => rmSync(dir, { recursive: true, force: true }));
    const [port] = await freePorts(1, NODE_PORTS);
    const url = `http://127.0.0.1:${port}`;
    const child = await node.start(port);
    undo.push(() => kill(child, "SIGKILL"));
    // No response cache: the flows read balances, nonces and what the services did right after it changed.
    const provider = new JsonRpcProvider(url, undefined, { cacheTimeout: -1, pollingInterval: 100 });
    undo.push(() => provider.destroy());
    const deployment = await deploySuite(await provider.getSigner(0), { network: node.network, local: true });
    const deploymentsDir = join(dir, "deployments");
    writeDeployment(deployment, deploymentsDir);
    const dataDir = join(dir, "data");
    mkdirSync(dataDir, { recursive: true });
    const services = new ServiceSet(node.network, dataDir, {
      [node.urlVariable]: url,
      STRATA_DEPLOYMENTS_DIR: deploymentsDir,
    });
    undo.push(() => services.stopAll());
    stage = {
      provider,
      url,
      deployment,
      services,
      placement: { kind: "processes", services },
      signers: (...indices) => Promise.all(indices.map((i) => provider.getSigner(i))),
      allSigners: () => provider.listAccounts(),
    };
  });

  after(async function () {
    for (const step of undo.splice(0).reverse()) await step();
  });

  return () => {
    if (!stage) throw new Error("the services stage is not set up: its before hook has not run");
    return stage;
  };
}

/** `count` distinct ports for the services' servers that nothing listens on now. */
export function servicePorts(count: number): Promise<number[]> {
  return freePorts(count, SERVICE_PORTS);
}

/** `count` distinct ports in [from, to) that nothing listens on now. */
async function freePorts(count: number, [from, to]: [number, number]): Promise<number[]> {
  const ports: number[] = [];
  for (let tries = 0; ports.length < count && tries < 20 * count; tries++) {
    const port = from + Math.floor(Math.random() * (to - from));
    if (!ports.includes(port) && (await isFree(port))) ports.push(port);
  }
  if (ports.length < count) throw new Error(`no ${count} free ports in ${from}-${to}`);
  return ports;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
