/**
 * The explorer's composition root: the one place that builds it, for the task (`npm run explorer`), the
 * tests and the demo alike. It watches Layer 1, the deployment record and the services
 * (src/explorer/watch.ts), serves every subsystem's views (src/explorer/<subsystem>.ts) and the built web
 * application (web/explorer/, built by `buildExplorerWeb` in tasks/explorer.ts) (src/explorer/server.ts).
 */
import { join } from "node:path";
import { JsonRpcProvider } from "ethers";
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

export async function startExplorer(options: ExplorerOptions): Promise<Explorer> {
  const own = options.provider
    ? undefined
    : new JsonRpcProvider(options.rpcUrl, undefined, { cacheTimeout: -1, pollingInterval: 250 });
  const provider = options.provider ?? own!;
  // A static network: a sidechain node that is down must not make ethers retry its detection forever.
  const sidechain = options.sidechain
    ? new JsonRpcProvider(options.sidechain.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 })
    : undefined;
  const watch = new ExplorerWatch({
    provider,
    nodeUrl: options.rpcUrl,
    deployment: options.deployment,
    services: options.services ?? [],
    serviceFiles: options.serviceFiles,
    pollMs: options.pollMs,
    servicePollMs: options.servicePollMs,
  });
  await watch.start();
  const server = await startExplorerServer({
    provider,
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
