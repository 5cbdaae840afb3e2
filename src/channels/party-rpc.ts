/**
 * A channel party as a service (scripts/channel-client.ts): JSON-RPC 2.0 over HTTP (src/common/json-rpc.ts)
 * for its owner, next to the WebSocket its peers use (transport.ts). What a wallet asks its channel
 * daemon for, and what the demo and the tests ask a party running as a process:
 *
 *   method            params                                               result
 *   channel_open      [{ peer, url, allocations, nonce, challengeDuration }] OpenedChannel (as JSON)
 *   channel_pay       [channelId, amount]                                  SignedState
 *   channel_lock      [channelId, { hashlock, deadline, amount }]          SignedState
 *   channel_settle    [channelId, hashlock, secret]                        SignedState
 *   channel_finalize  [channelId]                                          SignedState
 *   channel_close     [channelId]                                          ClosedChannel (as JSON)
 *   channel_latest    [channelId]                                          SignedState | null
 *   channel_list      []                                                   [{ channelId, participants, me, version }]
 *   strata_health     []                                                   { service: "channel-client", address, peerUrl, channels, fsyncs, … }
 *   strata_events     [cursor, limit?]                                     its ChannelEvents (src/channels/events.ts)
 *
 * States, params and allocations are the JSON forms of codec.ts; amounts, versions, gas and fees are
 * decimal strings. A refusal is -32000 with `data.reason` the refusing error's name (the state machine's
 * rule, `TransportClosedError`, the peer's `reason`, the contract's custom error); malformed params are
 * -32602.
 */
import { ContractRevertError, StrataError } from "../common/errors";
import type { RpcMethod, RpcMethods, RpcServer, RpcServerOptions, ServiceHealth } from "../common/json-rpc";
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
import type { SignedState } from "./channel";
import {
  decodeAllocations,
  decodeParams,
  decodeSignedState,
  encodeAllocations,
  encodeParams,
  encodeSignedState,
} from "./codec";
import { MalformedMessageError, PeerRefusedError } from "./errors";
import type { ChannelEvent } from "./events";
import type {
  ChannelParty,
  ClosedChannel,
  DepositReceipt,
  Layer1Receipt,
  OpenOptions,
  OpenedChannel,
  PeerRef,
} from "./party";
import type { Allocation, Lock } from "./types";

export const CHANNEL_CLIENT_SERVICE = "channel-client";

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

/** A decimal string param. */
function amountParam(value: unknown, what: string): bigint {
  if (typeof value !== "string" || !/^\d{1,78}$/.test(value))
    throw invalidParams(`${what} must be a decimal string`);
  return BigInt(value);
}

function channelParam(value: unknown): string {
  return hexParam(value, BYTES32, "channelId");
}

/** Runs a party's step; what it refuses becomes -32000 with the refusal's name as `data.reason`. */
async function step<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof MalformedMessageError) throw invalidParams(error.message);
    if (error instanceof PeerRefusedError)
      throw new TxRejectedError(error.reason, error.message, { cause: error });
    if (error instanceof ContractRevertError) {
      throw new TxRejectedError(error.errorName ?? "Reverted", error.message, { cause: error });
    }
    if (error instanceof StrataError) throw new TxRejectedError(error.name, error.message, { cause: error });
    throw error;
  }
}

function receiptJson(r: Layer1Receipt) {
  return { l1TxHash: r.l1TxHash, gasUsed: r.gasUsed.toString(), fee: r.fee.toString(), block: r.block };
}

function depositJson(d: DepositReceipt) {
  return {
    channelId: d.channelId,
    asset: d.asset,
    amount: d.amount.toString(),
    expectedHeld: d.expectedHeld.toString(),
    ...receiptJson(d),
  };
}

const METHODS: RpcMethods<ChannelParty> = new Map<string, RpcMethod<ChannelParty>>([
  [
    "channel_open",
    (party, params) => {
      const [raw] = expectParams(params, 1);
      const o = raw as Record<string, unknown> | null;
      if (!o || typeof o !== "object")
        throw invalidParams("expected { peer, url, allocations, nonce, challengeDuration }");
      if (typeof o.url !== "string" || !/^wss?:\/\//.test(o.url))
        throw invalidParams("url must be a ws:// URL");
      return step(async () => {
        const shape = decodeParams({
          participants: [party.address, o.peer],
          nonce: o.nonce,
          challengeDuration: o.challengeDuration,
        });
        const opened = await party.open(
          { address: shape.participants[1], url: o.url as string },
          decodeAllocations(o.allocations),
          {
            nonce: shape.nonce,
            challengeDuration: shape.challengeDuration,
          },
        );
        return {
          params: encodeParams(opened.params),
          channelId: opened.channelId,
          opened: encodeSignedState(opened.opened),
          deposits: opened.deposits.map(depositJson),
        };
      });
    },
  ],
  [
    "channel_pay",
    (party, params) => {
      const [id, amount] = expectParams(params, 2);
      const channelId = channelParam(id);
      const wei = amountParam(amount, "amount");
      return step(async () => encodeSignedState(await party.pay(channelId, wei)));
    },
  ],
  [
    "channel_lock",
    (party, params) => {
      const [id, raw] = expectParams(params, 2);
      const channelId = channelParam(id);
      const l = raw as Record<string, unknown> | null;
      if (!l || typeof l !== "object") throw invalidParams("expected { hashlock, deadline, amount }");
      const lock = {
        hashlock: hexParam(l.hashlock, BYTES32, "hashlock"),
        deadline: amountParam(l.deadline, "deadline"),
        amount: amountParam(l.amount, "amount"),
      };
      return step(async () => encodeSignedState(await party.lock(channelId, lock)));
    },
  ],
  [
    "channel_settle",
    (party, params) => {
      const [id, hashlock, secret] = expectParams(params, 3);
      const channelId = channelParam(id);
      const h = hexParam(hashlock, BYTES32, "hashlock");
      const s = hexParam(secret, BYTES32, "secret");
      return step(async () => encodeSignedState(await party.settle(channelId, h, s)));
    },
  ],
  [
    "channel_finalize",
    (party, params) => {
      const channelId = channelParam(expectParams(params, 1)[0]);
      return step(async () => encodeSignedState(await party.finalize(channelId)));
    },
  ],
  [
    "channel_close",
    (party, params) => {
      const channelId = channelParam(expectParams(params, 1)[0]);
      return step(async () => {
        const closed = await party.close(channelId);
        return {
          channelId: closed.channelId,
          final: encodeSignedState(closed.final),
          ...receiptJson(closed),
        };
      });
    },
  ],
  [
    "channel_latest",
    (party, params) => {
      const latest = party.latest(channelParam(expectParams(params, 1)[0]));
      return latest ? encodeSignedState(latest) : null;
    },
  ],
  [
    "channel_list",
    (party, params) => {
      expectParams(params, 0);
      return party.client.channelIds().map((id) => {
        const channel = party.client.channel(id);
        return {
          channelId: id,
          participants: channel.params.participants.map((p) => p.toLowerCase()),
          me: channel.me,
          version: channel.latest?.state.version.toString() ?? null,
        };
      });
    },
  ],
]);

/** Serves `party` over JSON-RPC (and `strata_health`, `strata_events`); resolves once it listens. */
export function serveChannelParty(
  party: ChannelParty,
  options: Omit<RpcServerOptions, "service"> = {},
): Promise<RpcServer> {
  return startJsonRpcServer(party, METHODS, {
    ...options,
    service: {
      name: CHANNEL_CLIENT_SERVICE,
      events: party.events,
      health: () => ({
        address: party.address.toLowerCase(),
        peerUrl: party.peerUrl ?? null,
        watchtowerUrl: party.watchtowerUrl ?? null,
        channels: party.client.channelIds().length,
        fsyncs: party.store.fsyncs,
      }),
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/** What a channel-client service says of itself (`strata_health`). */
export interface ChannelPartyHealth extends ServiceHealth {
  address: string;
  peerUrl: string;
  watchtowerUrl: string | null;
  channels: number;
  fsyncs: number;
}

function decodeReceipt(value: Record<string, unknown>, method: string): Layer1Receipt {
  if (typeof value.l1TxHash !== "string" || typeof value.block !== "number")
    throw malformed(method, "not a receipt");
  return {
    l1TxHash: value.l1TxHash,
    gasUsed: decodeBigint(value.gasUsed, method),
    fee: decodeBigint(value.fee, method),
    block: value.block,
  };
}

function decoded<T>(method: string, decode: () => T): T {
  try {
    return decode();
  } catch (cause) {
    if (cause instanceof MalformedMessageError) throw malformed(method, cause.message);
    throw cause;
  }
}

/**
 * A client of `serveChannelParty`: the party's steps over JSON-RPC. Throws `TxRejectedError` (its
 * `reason`) for a step the party refused, else `RpcError` / `RpcTransportError`.
 */
export class ChannelPartyClient extends ServiceClient<ChannelEvent> {
  override async health(): Promise<ChannelPartyHealth> {
    const h = (await super.health()) as Partial<ChannelPartyHealth>;
    if (typeof h.address !== "string" || typeof h.peerUrl !== "string" || typeof h.fsyncs !== "number") {
      throw malformed("strata_health", "not a channel client's health");
    }
    return h as ChannelPartyHealth;
  }

  async open(peer: PeerRef, allocations: Allocation[], options: OpenOptions): Promise<OpenedChannel> {
    const method = "channel_open";
    const r = (await this.call(method, [
      {
        peer: peer.address,
        url: peer.url,
        allocations: encodeAllocations(allocations),
        nonce: options.nonce.toString(),
        challengeDuration: options.challengeDuration,
      },
    ])) as Record<string, unknown> | null;
    if (!r || !Array.isArray(r.deposits) || typeof r.channelId !== "string")
      throw malformed(method, "not an opened channel");
    return decoded(method, () => ({
      params: decodeParams(r.params),
      channelId: r.channelId as string,
      opened: decodeSignedState(r.opened),
      deposits: (r.deposits as Record<string, unknown>[]).map((d) => ({
        channelId: String(d.channelId),
        asset: String(d.asset),
        amount: decodeBigint(d.amount, method),
        expectedHeld: decodeBigint(d.expectedHeld, method),
        ...decodeReceipt(d, method),
      })),
    }));
  }

  async pay(channelId: string, amount: bigint): Promise<SignedState> {
    return this.signed("channel_pay", [channelId, amount.toString()]);
  }

  async lock(channelId: string, lock: Pick<Lock, "hashlock" | "deadline" | "amount">): Promise<SignedState> {
    return this.signed("channel_lock", [
      channelId,
      { hashlock: lock.hashlock, deadline: lock.deadline.toString(), amount: lock.amount.toString() },
    ]);
  }

  async settle(channelId: string, hashlock: string, secret: string): Promise<SignedState> {
    return this.signed("channel_settle", [channelId, hashlock, secret]);
  }

  async finalize(channelId: string): Promise<SignedState> {
    return this.signed("channel_finalize", [channelId]);
  }

  async close(channelId: string): Promise<ClosedChannel> {
    const method = "channel_close";
    const r = (await this.call(method, [channelId])) as Record<string, unknown> | null;
    if (!r || typeof r.channelId !== "string") throw malformed(method, "not a closed channel");
    return decoded(method, () => ({
      channelId: r.channelId as string,
      final: decodeSignedState(r.final),
      ...decodeReceipt(r, method),
    }));
  }

  async latest(channelId: string): Promise<SignedState | undefined> {
    const method = "channel_latest";
    const r = await this.call(method, [channelId]);
    return r === null ? undefined : decoded(method, () => decodeSignedState(r));
  }

  private async signed(method: string, params: unknown[]): Promise<SignedState> {
    const r = await this.call(method, params);
    return decoded(method, () => decodeSignedState(r));
  }
}
