/**
 * The watchtower as a service: JSON-RPC 2.0 over HTTP (src/common/json-rpc.ts), and the client parties
 * hand their states to it with.
 *
 *   method            params                        result
 *   wt_submitStates   [[{ params, signed }, …]]     [{ channelId, stored, version }, …]   (-32000 when refused)
 *   wt_channel        [channelId]                   { channelId, version, participants } | null
 *   wt_channels       []                            [{ channelId, version }, …]
 *   strata_health     []                            { service: "watchtower", status, address, guarding, cursor, … }
 *   strata_events     [cursor, limit?]              its WatchtowerEvents (src/channels/events.ts)
 *
 * `params` and `signed` are the JSON forms of codec.ts (versions and amounts as decimal strings). A
 * submission is checked whole before any of it is kept: a refusal is -32000 with `data.reason` one of
 * `WatchtowerRefusal` (`Malformed`, `NotCosigned`, `WrongChannel`) and keeps nothing; wrong arity is
 * -32602. Versions travel as decimal strings.
 */
import type { RpcMethod, RpcMethods, RpcServer, RpcServerOptions } from "../common/json-rpc";
import {
  BYTES32,
  ServiceClient,
  TxRejectedError,
  decodeBigint,
  expectParams,
  hexParam,
  invalidParams,
  malformed,
  startJsonRpcServer,
} from "../common/json-rpc";
import type { Logger } from "../common/logger";
import type { ServiceLifecycle } from "../common/service-main";
import { servingMethods } from "../common/service-main";
import type { SignedState } from "./channel";
import { decodeParams, decodeSignedState, encodeParams, encodeSignedState } from "./codec";
import { WatchtowerError } from "./errors";
import type { WatchtowerEvent } from "./events";
import type { ChannelParams } from "./types";
import type { Watchtower } from "./watchtower";

export const WATCHTOWER_SERVICE = "watchtower";
/** The most states one `wt_submitStates` takes. */
export const MAX_SUBMITTED_STATES = 64;

/** What the watchtower answered about one state it was handed. */
export interface SubmittedState {
  channelId: string;
  /** Whether it was newer than the one held (and is kept now). */
  stored: boolean;
  /** The version it holds now for the channel. */
  version: bigint;
}

/** A channel it guards, as `wt_channel` answers. */
export interface GuardedView {
  channelId: string;
  version: bigint;
  participants: string[];
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

function refused(error: unknown): never {
  if (error instanceof WatchtowerError)
    throw new TxRejectedError(error.reason, error.message, { cause: error });
  throw error;
}

const METHODS: RpcMethods<Watchtower> = new Map<string, RpcMethod<Watchtower>>([
  [
    "wt_submitStates",
    async (tower, params) => {
      const [list] = expectParams(params, 1);
      if (!Array.isArray(list) || list.length === 0 || list.length > MAX_SUBMITTED_STATES) {
        throw invalidParams(`expected an array of 1 to ${MAX_SUBMITTED_STATES} { params, signed }`);
      }
      const states = list.map((entry: unknown, i) => {
        const e = entry as { params?: unknown; signed?: unknown } | null;
        try {
          return { params: decodeParams(e?.params), signed: decodeSignedState(e?.signed) };
        } catch (cause) {
          throw new TxRejectedError("Malformed", `state #${i}: ${(cause as Error).message}`, { cause });
        }
      });
      try {
        for (const { params: p, signed } of states) tower.check(p, signed);
        const results = [];
        for (const { params: p, signed } of states) {
          const { stored, version } = await tower.guard(p, signed);
          results.push({
            channelId: signed.state.channelId.toLowerCase(),
            stored,
            version: version.toString(),
          });
        }
        return results;
      } catch (error) {
        refused(error);
      }
    },
  ],
  [
    "wt_channel",
    (tower, params) => {
      const [id] = expectParams(params, 1);
      const held = tower.held(hexParam(id, BYTES32, "channelId"));
      if (!held) return null;
      return {
        channelId: held.latest.state.channelId.toLowerCase(),
        version: held.latest.state.version.toString(),
        participants: held.params.participants.map((p) => p.toLowerCase()),
      };
    },
  ],
  [
    "wt_channels",
    (tower, params) => {
      expectParams(params, 0);
      return tower.guarded().map((g) => ({
        channelId: g.latest.state.channelId.toLowerCase(),
        version: g.latest.state.version.toString(),
      }));
    },
  ],
]);

export interface WatchtowerServerOptions extends Omit<RpcServerOptions, "service"> {
  /** Its Layer-1 account (for `strata_health`). */
  address?: string;
  /**
   * Its service's phases: until it serves (and once it halted), every method and `strata_health` are
   * refused by name (`Starting`, `ChainChanged`, …). Default: it always serves.
   */
  lifecycle?: ServiceLifecycle;
}

/** Serves `tower` over JSON-RPC (and `strata_health`, `strata_events`); resolves once it listens. */
export function serveWatchtower(
  tower: Watchtower,
  options: WatchtowerServerOptions = {},
): Promise<RpcServer> {
  const { lifecycle, address, ...rpc } = options;
  const methods = lifecycle ? servingMethods(lifecycle, METHODS) : METHODS;
  const health = async () => ({
    status: "ok" as const,
    address: address?.toLowerCase() ?? null,
    guarding: tower.guarded().length,
    cursor: tower.cursor ?? null,
  });
  return startJsonRpcServer(tower, methods, {
    ...rpc,
    service: {
      name: WATCHTOWER_SERVICE,
      events: tower.events,
      health: lifecycle ? lifecycle.guard(health) : health,
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/**
 * A client of `serveWatchtower`: throws `WatchtowerError` (its `reason`) when the tower refuses a state,
 * else `RpcError` / `RpcTransportError`.
 */
export class WatchtowerClient extends ServiceClient<WatchtowerEvent> {
  async submitStates(states: { params: ChannelParams; signed: SignedState }[]): Promise<SubmittedState[]> {
    const method = "wt_submitStates";
    let result: unknown;
    try {
      result = await this.call(method, [
        states.map((s) => ({ params: encodeParams(s.params), signed: encodeSignedState(s.signed) })),
      ]);
    } catch (error) {
      if (error instanceof TxRejectedError) {
        throw new WatchtowerError(error.reason, `watchtower refused: ${error.reason}: ${error.message}`, {
          cause: error,
        });
      }
      throw error;
    }
    if (!Array.isArray(result) || result.length !== states.length)
      throw malformed(method, "not one answer per state");
    return result.map((r: { channelId?: unknown; stored?: unknown; version?: unknown }) => {
      if (typeof r?.channelId !== "string" || typeof r.stored !== "boolean")
        throw malformed(method, "not an answer");
      return { channelId: r.channelId, stored: r.stored, version: decodeBigint(r.version, method) };
    });
  }

  /** Hands one state to the tower; the version it holds now. */
  async submitState(params: ChannelParams, signed: SignedState): Promise<bigint> {
    const [answer] = await this.submitStates([{ params, signed }]);
    return answer.version;
  }

  /** What the tower holds for `channelId`, or undefined if it does not guard it. */
  async channel(channelId: string): Promise<GuardedView | undefined> {
    const method = "wt_channel";
    const r = (await this.call(method, [channelId])) as {
      channelId?: unknown;
      version?: unknown;
      participants?: unknown;
    } | null;
    if (r === null) return undefined;
    if (typeof r?.channelId !== "string" || !Array.isArray(r.participants))
      throw malformed(method, "not a channel");
    return {
      channelId: r.channelId,
      version: decodeBigint(r.version, method),
      participants: r.participants as string[],
    };
  }

  async channels(): Promise<{ channelId: string; version: bigint }[]> {
    const method = "wt_channels";
    const list = await this.call(method, []);
    if (!Array.isArray(list)) throw malformed(method, "not a list");
    return list.map((r: { channelId?: unknown; version?: unknown }) => {
      if (typeof r?.channelId !== "string") throw malformed(method, "not a channel");
      return { channelId: r.channelId, version: decodeBigint(r.version, method) };
    });
  }
}

/**
 * Hands a party's states to a watchtower, newest first: while one is on its way, later states of the
 * same channel replace each other, so a busy channel costs one request at a time.
 */
export class WatchtowerFeed {
  private readonly waiting = new Map<string, { params: ChannelParams; signed: SignedState }>();
  private readonly sending = new Set<string>();
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;
  readonly client: WatchtowerClient;

  constructor(
    tower: WatchtowerClient | string,
    private readonly logger?: Logger,
  ) {
    this.client = typeof tower === "string" ? new WatchtowerClient(tower) : tower;
  }

  get url(): string {
    return this.client.url;
  }

  push(params: ChannelParams, signed: SignedState): void {
    const id = signed.state.channelId.toLowerCase();
    this.waiting.set(id, { params, signed });
    if (this.sending.size === 0) this.idle = new Promise((resolve) => (this.markIdle = resolve));
    if (!this.sending.has(id)) void this.drain(id);
  }

  /** Resolves once every state pushed so far reached the watchtower (or failed, logged). */
  flushed(): Promise<void> {
    return this.sending.size === 0 ? Promise.resolve() : this.idle;
  }

  private async drain(id: string): Promise<void> {
    this.sending.add(id);
    for (let next = this.waiting.get(id); next; next = this.waiting.get(id)) {
      this.waiting.delete(id);
      try {
        await this.client.submitState(next.params, next.signed);
      } catch (error) {
        this.logger?.warn("cannot hand a state to the watchtower", {
          url: this.url,
          channelId: id,
          error: String(error),
        });
      }
    }
    this.sending.delete(id);
    if (this.sending.size === 0) this.markIdle();
  }
}
