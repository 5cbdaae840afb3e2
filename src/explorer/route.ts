/**
 * What the explorer's server answers, one route at a time: each subsystem (src/explorer/<subsystem>.ts)
 * exports its routes, and the composition root (src/explorer/explorer.ts) serves them all. A route reads
 * Layer 1 at one block (`ctx.head`) and returns a JSON value (the view its page draws: amounts and other
 * big integers as decimal strings, hashes and addresses as 0x hex, times as Unix seconds).
 */
import type { Deployment } from "../common/deployments";
import { StrataError } from "../common/errors";
import type { RpcProvider } from "../common/layer1";

/** The block one answer is read at. */
export interface ExplorerHead {
  number: number;
  hash: string;
  /** The block's timestamp, Unix seconds: "now" for countdowns. */
  timestamp: number;
}

/** What a route reads with. */
export interface ExplorerContext {
  provider: RpcProvider;
  /** The deployment record the explorer follows (its contract addresses by name). */
  deployment: Deployment;
  /** Every read of one answer is of this block (`blockTag: head.number`), so an answer is consistent. */
  head: ExplorerHead;
}

/** What a route asked for does not exist (an unknown id, or a subsystem the deployment lacks): a 404. */
export class ExplorerNotFoundError extends StrataError {}

/** The request is malformed (a parameter that is not a number, an address or a hash): a 400. */
export class ExplorerBadRequestError extends StrataError {}

export interface ExplorerRoute {
  /** `/api/…`, with `:name` for a path parameter (`/api/optimistic/games/:id`). */
  path: string;
  read(ctx: ExplorerContext, params: Record<string, string>, query: URLSearchParams): Promise<unknown>;
}

/** `params[name]` as a non-negative integer, or an `ExplorerBadRequestError` that names it. */
export function indexParam(params: Record<string, string>, name: string): number {
  const text = params[name] ?? "";
  if (!/^\d{1,15}$/.test(text)) {
    throw new ExplorerBadRequestError(`${name} must be a non-negative integer, not "${text}"`);
  }
  return Number(text);
}

/** `params[name]` as 32 bytes of hex (a channel id, a transaction hash), or an `ExplorerBadRequestError`. */
export function bytes32Param(params: Record<string, string>, name: string): string {
  const text = params[name] ?? "";
  if (!/^0x[0-9a-fA-F]{64}$/.test(text)) {
    throw new ExplorerBadRequestError(`${name} must be 32 bytes of hex (0x and 64 digits), not "${text}"`);
  }
  return text.toLowerCase();
}

/** `params[name]` as an address (checksummed or not), or an `ExplorerBadRequestError`. */
export function addressParam(params: Record<string, string>, name: string): string {
  const text = params[name] ?? "";
  if (!/^0x[0-9a-fA-F]{40}$/.test(text)) {
    throw new ExplorerBadRequestError(`${name} must be an address (0x and 40 hex digits), not "${text}"`);
  }
  return text.toLowerCase();
}

/** The address of `name` in the deployment, or an `ExplorerNotFoundError` (the subsystem is not deployed). */
export function deployed(ctx: ExplorerContext, name: string): string {
  const address = ctx.deployment.contracts[name];
  if (!address) throw new ExplorerNotFoundError(`this deployment has no ${name}`);
  return address;
}
