/**
 * The explorer's composition root: the one place that builds it, for the task (`npm run explorer`), the
 * tests and the demo alike. It watches Layer 1, the deployment record and the services
 * (src/explorer/watch.ts), serves every subsystem's views (src/explorer/<subsystem>.ts) and the built web
 * application (web/explorer/, built by `buildExplorerWeb` in tasks/explorer.ts) (src/explorer/server.ts).
 */
import { join } from "node:path";
import { JsonRpcProvider, Network } from "ethers";
import { JsonRpcClient } from "../common/json-rpc";
import { StrataError } from "../common/errors";
import type { RpcProvider } from "../common/layer1";
import type { Logger } from "../common/logger";
import type { Deployment } from "../common/deployments";
import { accountRoutes } from "./accounts";
import { bridgeRoutes } from "./bridge";
import { channelsRoutes } from "./channels";
import { layer1Routes } from "./layer1";
import { optimisticRoutes } from "./optimistic";
import { layer3Routes, sidechainRoutes, withSidechainSources } from "./sidechain";
import { zkRoutes } from "./zk";
import type { ExplorerRoute } from "./route";
import { startExplorerServer } from "./server";
import type { DeploymentSource, ExplorerStatus, ServiceTarget } from "./watch";
import { ExplorerWatch } from "./watch";

/** `Explorer.until` waited in vain. */
export class ExplorerTimeoutError extends StrataError {}

/** Every subsystem's routes on Layer 1. */
export const EXPLORER_ROUTES: ExplorerRoute[] = [
  ...layer1Routes,
  ...bridgeRoutes,
  ...optimisticRoutes,
  ...zkRoutes,
  ...channelsRoutes,
  ...sidechainRoutes,
  ...accountRoutes,
];

/**
 * The routes that read the sidechain's own chain and its Layer 3 as well, when the explorer is given them
 * (the sidechain routes without them read Layer 1 alone; the Layer 3's answer 404).
 */
function sidechainAwareRoutes(o: ExplorerOptions, sidechain: RpcProvider | undefined): ExplorerRoute[] {
  const onLayer3 = [...layer3Routes(optimisticRoutes, "/api/optimistic")];
  if (!sidechain || !o.sidechain) return [...EXPLORER_ROUTES, ...onLayer3];
  const sources = {
    sidechain: { provider: sidechain, deployment: o.sidechain.deployment },
    layer3: o.sidechain.layer3 ? { provider: sidechain, deployment: o.sidechain.layer3 } : undefined,
  };
  const wrapped = withSidechainSources([...sidechainRoutes, ...onLayer3], sources);
  return [...EXPLORER_ROUTES.filter((r) => !sidechainRoutes.includes(r)), ...wrapped];
}

/** Where `vite build` puts the web application. */
export const EXPLORER_WEB_DIST = join(__dirname, "..", "..", "web", "explorer", "dist");

export interface ExplorerOptions {
  /** Layer 1's JSON-RPC URL. */
  rpcUrl: string;
  /** Or a provider already made for it (tests); `rpcUrl` still names it in the banner. */
  provider?: RpcProvider;
  deployment: DeploymentSource;
  services?: ServiceTarget[];
  /** services.json files of demo runs whose services it follows (src/common/processes.ts `ServiceSet`). */
  serviceFiles?: string[];
  /**
   * The sidechain's own node and its deployment record (deployments/sidechain.json), and the Layer 3's
   * record on it (deployments/layer3.json), when there are: the sidechain view then shows its chain too.
   */
  sidechain?: { rpcUrl: string; deployment: Deployment; layer3?: Deployment };
  /** The built web application (default web/explorer/dist). */
  staticDir?: string;
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** How often it asks the node for its head (default 250 ms). */
  pollMs?: number;
  /** How often it asks each service (default 1 s). */
  servicePollMs?: number;
  logger?: Logger;
}

export interface Explorer {
  url: string;
  port: number;
  status(): ExplorerStatus;
  /** Resolves with the status once `done` holds for it (tests wait for a head or a service this way). */
  until(done: (status: ExplorerStatus) => boolean, timeoutMs?: number): Promise<ExplorerStatus>;
  stop(): Promise<void>;
}

/**
 * Layer 1's provider, made once the node has told its chain id: with that as its static network, ethers
 * never asks again, and never retries (and prints) in the background while the node is down; the watch
 * reports the node down instead, and reads again until it answers.
 */
export async function connectNode(url: string): Promise<JsonRpcProvider> {
  const chainId = Number(await new JsonRpcClient(url, { timeoutMs: 5_000 }).call("eth_chainId", []));
  const network = Network.from(chainId);
  return new JsonRpcProvider(url, network, { staticNetwork: network, cacheTimeout: -1 });
}

export async function startExplorer(options: ExplorerOptions): Promise<Explorer> {
  let own: JsonRpcProvider | undefined;
  const provider =
    options.provider ??
    (async () => {
      own = await connectNode(options.rpcUrl);
      return own;
    });
  // The sidechain's chain id is its record's: a static network, so a sidechain node that is down is not
  // asked for it again and again in the background.
  const sidechainNetwork = options.sidechain && Network.from(options.sidechain.deployment.chainId);
  const sidechain = options.sidechain
    ? new JsonRpcProvider(options.sidechain.rpcUrl, sidechainNetwork, {
        staticNetwork: sidechainNetwork,
        cacheTimeout: -1,
      })
    : undefined;
  const watch = new ExplorerWatch({
    provider,
    nodeUrl: options.rpcUrl,
    deployment: options.deployment,
    services: options.services ?? [],
    serviceFiles: options.serviceFiles,
    sidechain,
    pollMs: options.pollMs,
    servicePollMs: options.servicePollMs,
  });
  await watch.start();
  const server = await startExplorerServer({
    watch,
    routes: sidechainAwareRoutes(options, sidechain),
    staticDir: options.staticDir ?? EXPLORER_WEB_DIST,
    host: options.host,
    port: options.port,
    logger: options.logger,
  });
  options.logger?.info("the explorer serves", { url: server.url, node: options.rpcUrl });
  return {
    url: server.url,
    port: server.port,
    status: () => watch.current,
    until(done, timeoutMs = 30_000) {
      if (done(watch.current)) return Promise.resolve(watch.current);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          stop();
          reject(
            new ExplorerTimeoutError(
              `the explorer's status did not reach what was awaited within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        const stop = watch.subscribe((status) => {
          if (!done(status)) return;
          clearTimeout(timer);
          stop();
          resolve(status);
        });
      });
    },
    async stop() {
      watch.stop();
      await server.close();
      own?.destroy();
      sidechain?.destroy();
    },
  };
}
