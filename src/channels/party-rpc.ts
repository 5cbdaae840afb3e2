/**
 * A channel party as a service (`npx hardhat channel-client`): JSON-RPC 2.0 over HTTP (src/common/json-rpc.ts)
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
 *   channel_status    [channelId]                                          { channelId, phase, version, finalizesAt, holdings: [{ asset, held }] }
 *
 * Getting the money out without the peer (each checked before any Layer-1 transaction; see party.ts):
 *   channel_register  [channelId]                                          { channelId, version, finalizesAt, …receipt }
 *   channel_refute    [channelId]                                          { channelId, registered, version, finalizesAt, …receipt }
 *   channel_conclude  [channelId]                                          { channelId, version, state, pendingLocks, …receipt }
 *   channel_unlock    [channelId, secrets?]                                { channelId, revealed: [{ hashlock, …receipt }], settled: [{ hashlock, paidTo, asset, amount }], pending, …receipt }
 *   channel_withdraw  [channelId, to?]                                     [{ asset, amount, to, …receipt }]
 *   channel_resume    [channelId, url?]                                    SignedState | null (the latest after exchanging states with the peer)
 *
 * A receipt is { l1TxHash, gasUsed, fee, block }; `phase` is open | challenged | concluded-with-locks | concluded.
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
import type { ServiceLifecycle } from "../common/service-main";
import { servingMethods } from "../common/service-main";
import { isAddress } from "ethers";
import type { SignedState } from "./channel";
import {
  decodeAllocations,
  decodeParams,
  decodeSignedState,
  decodeState,
  encodeAllocations,
  encodeParams,
  encodeSignedState,
  encodeState,
} from "./codec";
import { MalformedMessageError, PeerRefusedError } from "./errors";
import type { ChannelEvent } from "./events";
import type {
  ChainStatus,
  ChannelParty,
  ClosedChannel,
  ConcludedChannel,
  DepositReceipt,
  Layer1Receipt,
  OpenOptions,
  OpenedChannel,
  PeerRef,
  RefutedChallenge,
  RegisteredChallenge,
  SettledLockPayout,
  UnlockedLocks,
  WithdrawnCredit,
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

/** The positional params: at least `min`, at most `max` of them (the rest optional, null for absent). */
function paramsBetween(params: unknown, min: number, max: number): readonly unknown[] {
  if (params === undefined) params = [];
  if (!Array.isArray(params)) throw invalidParams("params must be an array");
  if (params.length < min || params.length > max)
    throw invalidParams(`expected ${min} to ${max} params, got ${params.length}`);
  return params;
}

/** A lower-cased address param, or undefined for an absent one. */
function optionalAddressParam(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !isAddress(value) || !/^0x[0-9a-fA-F]{40}$/.test(value))
    throw invalidParams(`${what} must be a 0x address`);
  return value.toLowerCase();
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

function statusJson(s: ChainStatus) {
  return {
    channelId: s.channelId,
    phase: s.phase,
    version: s.version.toString(),
    finalizesAt: s.finalizesAt.toString(),
    holdings: s.holdings.map((h) => ({ asset: h.asset, held: h.held.toString() })),
  };
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
    "channel_status",
    (party, params) => {
      const channelId = channelParam(expectParams(params, 1)[0]);
      return step(async () => statusJson(await party.chainStatus(channelId)));
    },
  ],
  [
    "channel_register",
    (party, params) => {
      const channelId = channelParam(expectParams(params, 1)[0]);
      return step(async () => {
        const r = await party.register(channelId);
        return {
          channelId: r.channelId,
          version: r.version.toString(),
          finalizesAt: r.finalizesAt.toString(),
          ...receiptJson(r),
        };
      });
    },
  ],
  [
    "channel_refute",
    (party, params) => {
      const channelId = channelParam(expectParams(params, 1)[0]);
      return step(async () => {
        const r = await party.refute(channelId);
        return {
          channelId: r.channelId,
          registered: r.registered.toString(),
          version: r.version.toString(),
          finalizesAt: r.finalizesAt.toString(),
          ...receiptJson(r),
        };
      });
    },
  ],
  [
    "channel_conclude",
    (party, params) => {
      const channelId = channelParam(expectParams(params, 1)[0]);
      return step(async () => {
        const r = await party.conclude(channelId);
        return {
          channelId: r.channelId,
          version: r.version.toString(),
          state: encodeState(r.state),
          pendingLocks: r.pendingLocks,
          ...receiptJson(r),
        };
      });
    },
  ],
  [
    "channel_unlock",
    (party, params) => {
      const [id, raw] = paramsBetween(params, 1, 2);
      const channelId = channelParam(id);
      if (raw !== undefined && raw !== null && !Array.isArray(raw))
        throw invalidParams("secrets must be an array of 32-byte hex secrets");
      const secrets = ((raw ?? []) as unknown[]).map((s) => hexParam(s, BYTES32, "secret"));
      return step(async () => {
        const r = await party.unlock(channelId, secrets);
        return {
          channelId: r.channelId,
          revealed: r.revealed.map((x) => ({ hashlock: x.hashlock, ...receiptJson(x) })),
          settled: r.settled.map((l) => ({ ...l, amount: l.amount.toString() })),
          pending: r.pending,
          ...receiptJson(r),
        };
      });
    },
  ],
  [
    "channel_withdraw",
    (party, params) => {
      const [id, to] = paramsBetween(params, 1, 2);
      const channelId = channelParam(id);
      const recipient = optionalAddressParam(to, "to");
      return step(async () =>
        (await party.withdraw(channelId, { to: recipient })).map((w) => ({
          asset: w.asset,
          amount: w.amount.toString(),
          to: w.to,
          ...receiptJson(w),
        })),
      );
    },
  ],
  [
    "channel_resume",
    (party, params) => {
      const [id, url] = paramsBetween(params, 1, 2);
      const channelId = channelParam(id);
      if (url !== undefined && url !== null && (typeof url !== "string" || !/^wss?:\/\/./.test(url)))
        throw invalidParams("url must be a ws:// URL");
      return step(async () => {
        const latest = await party.resume(channelId, (url ?? undefined) as string | undefined);
        return latest ? encodeSignedState(latest) : null;
      });
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

export interface ChannelPartyServerOptions extends Omit<RpcServerOptions, "service"> {
  /**
   * Its service's phases: until it serves, and once it halted (its chain changed) or stopped, every method
   * and `strata_health` are refused by name (`Starting`, `ChainChanged`, `Stopped`). Default: it always
   * serves.
   */
  lifecycle?: ServiceLifecycle;
}

/** Serves `party` over JSON-RPC (and `strata_health`, `strata_events`); resolves once it listens. */
export function serveChannelParty(
  party: ChannelParty,
  options: ChannelPartyServerOptions = {},
): Promise<RpcServer> {
  const { lifecycle, ...rpc } = options;
  const health = () => ({
    status: "ok" as const,
    address: party.address.toLowerCase(),
    peerUrl: party.peerUrl ?? null,
    watchtowerUrl: party.watchtowerUrl ?? null,
    channels: party.client.channelIds().length,
    fsyncs: party.store.fsyncs,
  });
  return startJsonRpcServer(party, lifecycle ? servingMethods(lifecycle, METHODS) : METHODS, {
    ...rpc,
    service: {
      name: CHANNEL_CLIENT_SERVICE,
      events: party.events,
      health: lifecycle ? lifecycle.guard(health) : health,
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

  /** The channel as Layer 1 sees it: its phase, version, window end and holdings. */
  async status(channelId: string): Promise<ChainStatus> {
    const method = "channel_status";
    const r = (await this.call(method, [channelId])) as Record<string, unknown> | null;
    if (!r || typeof r.phase !== "string" || !Array.isArray(r.holdings))
      throw malformed(method, "not a status");
    return {
      channelId: String(r.channelId),
      phase: r.phase as ChainStatus["phase"],
      version: decodeBigint(r.version, method),
      finalizesAt: decodeBigint(r.finalizesAt, method),
      holdings: (r.holdings as Record<string, unknown>[]).map((h) => ({
        asset: String(h.asset),
        held: decodeBigint(h.held, method),
      })),
    };
  }

  /** Registers the party's latest state on Layer 1 (a challenge window opens). */
  async register(channelId: string): Promise<RegisteredChallenge> {
    const method = "channel_register";
    const r = await this.record(method, [channelId]);
    return {
      channelId: String(r.channelId),
      version: decodeBigint(r.version, method),
      finalizesAt: decodeBigint(r.finalizesAt, method),
      ...decodeReceipt(r, method),
    };
  }

  /** Replaces an older registered state with the party's latest. */
  async refute(channelId: string): Promise<RefutedChallenge> {
    const method = "channel_refute";
    const r = await this.record(method, [channelId]);
    return {
      channelId: String(r.channelId),
      registered: decodeBigint(r.registered, method),
      version: decodeBigint(r.version, method),
      finalizesAt: decodeBigint(r.finalizesAt, method),
      ...decodeReceipt(r, method),
    };
  }

  /** Pays out the registered state after its window. */
  async conclude(channelId: string): Promise<ConcludedChannel> {
    const method = "channel_conclude";
    const r = await this.record(method, [channelId]);
    if (typeof r.pendingLocks !== "number") throw malformed(method, "not a conclusion");
    return decoded(method, () => ({
      channelId: String(r.channelId),
      version: decodeBigint(r.version, method),
      state: decodeState(r.state),
      pendingLocks: r.pendingLocks as number,
      ...decodeReceipt(r, method),
    }));
  }

  /** Reveals `secrets` not yet revealed, then settles the concluded channel's locks that can be. */
  async unlock(channelId: string, secrets: string[] = []): Promise<UnlockedLocks> {
    const method = "channel_unlock";
    const r = await this.record(method, [channelId, secrets]);
    if (!Array.isArray(r.revealed) || !Array.isArray(r.settled) || typeof r.pending !== "number")
      throw malformed(method, "not an unlock");
    return {
      channelId: String(r.channelId),
      revealed: (r.revealed as Record<string, unknown>[]).map((x) => ({
        hashlock: String(x.hashlock),
        ...decodeReceipt(x, method),
      })),
      settled: (r.settled as Record<string, unknown>[]).map((l): SettledLockPayout => ({
        hashlock: String(l.hashlock),
        paidTo: String(l.paidTo),
        asset: String(l.asset),
        amount: decodeBigint(l.amount, method),
      })),
      pending: r.pending as number,
      ...decodeReceipt(r, method),
    };
  }

  /** Pulls the party's credits in the channel's assets to `to` (default: the party). */
  async withdraw(channelId: string, options: { to?: string } = {}): Promise<WithdrawnCredit[]> {
    const method = "channel_withdraw";
    const r = await this.call(method, options.to ? [channelId, options.to] : [channelId]);
    if (!Array.isArray(r)) throw malformed(method, "not a list of withdrawals");
    return (r as Record<string, unknown>[]).map((w) => ({
      asset: String(w.asset),
      amount: decodeBigint(w.amount, method),
      to: String(w.to),
      ...decodeReceipt(w, method),
    }));
  }

  /** Reconnects to the channel's peer (at `url`, default the stored one) and exchanges latest states. */
  async resume(channelId: string, url?: string): Promise<SignedState | undefined> {
    const method = "channel_resume";
    const r = await this.call(method, url ? [channelId, url] : [channelId]);
    return r === null ? undefined : decoded(method, () => decodeSignedState(r));
  }

  private async record(method: string, params: unknown[]): Promise<Record<string, unknown>> {
    const r = (await this.call(method, params)) as Record<string, unknown> | null;
    if (!r || typeof r !== "object" || typeof r.channelId !== "string")
      throw malformed(method, "not a channel's record");
    return r;
  }

  private async signed(method: string, params: unknown[]): Promise<SignedState> {
    const r = await this.call(method, params);
    return decoded(method, () => decodeSignedState(r));
  }
}
