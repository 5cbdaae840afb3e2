// The context an explorer route reads with, at the in-process chain's newest block.
import { ethers } from "hardhat";
import type { Deployment } from "../../src/common/deployments";
import type { RpcProvider } from "../../src/common/layer1";
import type { ExplorerContext, ExplorerRoute } from "../../src/explorer/route";

/** A context at the chain's newest block. */
export async function contextAt(deployment: Deployment): Promise<ExplorerContext> {
  const block = (await ethers.provider.getBlock("latest"))!;
  return {
    provider: ethers.provider as unknown as RpcProvider,
    deployment,
    head: { number: block.number, hash: block.hash!, timestamp: block.timestamp },
  };
}

/** The route at `path` of `routes` (throws if there is none: a test of a route that does not exist fails). */
export function routeAt(routes: readonly ExplorerRoute[], path: string): ExplorerRoute {
  const route = routes.find((r) => r.path === path);
  if (!route) throw new Error(`no route ${path}`);
  return route;
}

/** `route` read at the newest block with `params`, as `T`. */
export async function readAt<T>(
  route: ExplorerRoute,
  deployment: Deployment,
  params: Record<string, string> = {},
): Promise<T> {
  return (await route.read(await contextAt(deployment), params, new URLSearchParams())) as T;
}
