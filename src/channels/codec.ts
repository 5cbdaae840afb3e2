import type { OpenProposal, Proposal, SignedState } from "./channel";
import { MalformedMessageError } from "./errors";
import type { Allocation, ChannelParams, ChannelState, CompactSignature, Lock } from "./types";
import type { Update } from "./updates";

/**
 * The JSON forms of channel data, for the wire and the stores: bigints as decimal strings, hex
 * lower-cased. Every decoder checks the shape of what it reads and throws `MalformedMessageError`,
 * so nothing malformed from a peer or a file reaches the state machine.
 */

type Json = Record<string, unknown>;

const UINT = /^(0|[1-9][0-9]*)$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function fail(what: string): never {
  throw new MalformedMessageError(`malformed ${what}`);
}

function obj(value: unknown, what: string): Json {
  if (!value || typeof value !== "object" || Array.isArray(value)) fail(what);
  return value as Json;
}

function arr(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) fail(what);
  return value;
}

function uint(value: unknown, what: string): bigint {
  if (typeof value !== "string" || value.length > 78 || !UINT.test(value)) fail(what);
  return BigInt(value);
}

function small(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) fail(what);
  return value;
}

function hex(value: unknown, pattern: RegExp, what: string): string {
  if (typeof value !== "string" || !pattern.test(value)) fail(what);
  return value.toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Encoders
// ---------------------------------------------------------------------------------------------

export function encodeParams(p: ChannelParams): Json {
  return { participants: p.participants, nonce: p.nonce.toString(), challengeDuration: p.challengeDuration };
}

export function encodeAllocations(allocations: Allocation[]): Json[] {
  return allocations.map((a) => ({ asset: a.asset, balances: a.balances.map(String) }));
}

export function encodeLock(l: Lock): Json {
  return { ...l, deadline: l.deadline.toString(), amount: l.amount.toString() };
}

export function encodeState(s: ChannelState): Json {
  return {
    channelId: s.channelId,
    version: s.version.toString(),
    isFinal: s.isFinal,
    allocations: encodeAllocations(s.allocations),
    locks: s.locks.map(encodeLock),
    withdrawals: s.withdrawals.map((w) => ({ ...w, amount: w.amount.toString() })),
  };
}

export function encodeSignedState(s: SignedState): Json {
  return { state: encodeState(s.state), sigs: s.sigs };
}

export function encodeUpdate(u: Update): Json {
  switch (u.kind) {
    case "pay":
    case "withdraw":
    case "topUp":
      return { ...u, amount: u.amount.toString() };
    case "lock":
      return { kind: u.kind, lock: encodeLock(u.lock) };
    default:
      return { ...u };
  }
}

export function encodeProposal(p: Proposal): Json {
  return {
    channelId: p.channelId,
    from: p.from,
    update: encodeUpdate(p.update),
    state: encodeState(p.state),
    sig: p.sig,
  };
}

export function encodeOpenProposal(p: OpenProposal): Json {
  return { params: encodeParams(p.params), from: p.from, state: encodeState(p.state), sig: p.sig };
}

// ---------------------------------------------------------------------------------------------
// Decoders
// ---------------------------------------------------------------------------------------------

export function decodeParams(value: unknown): ChannelParams {
  const j = obj(value, "channel params");
  return {
    participants: arr(j.participants, "participants").map((p) => hex(p, ADDRESS, "participant")),
    nonce: uint(j.nonce, "nonce"),
    challengeDuration: small(j.challengeDuration, "challengeDuration"),
  };
}

export function decodeAllocations(value: unknown): Allocation[] {
  return arr(value, "allocations").map((a) => {
    const aj = obj(a, "allocation");
    return {
      asset: hex(aj.asset, ADDRESS, "asset"),
      balances: arr(aj.balances, "balances").map((b) => uint(b, "balance")),
    };
  });
}

export function decodeLock(value: unknown): Lock {
  const j = obj(value, "lock");
  return {
    hashlock: hex(j.hashlock, BYTES32, "hashlock"),
    deadline: uint(j.deadline, "deadline"),
    asset: small(j.asset, "lock asset"),
    sender: small(j.sender, "lock sender"),
    receiver: small(j.receiver, "lock receiver"),
    amount: uint(j.amount, "lock amount"),
  };
}

export function decodeState(value: unknown): ChannelState {
  const j = obj(value, "state");
  if (typeof j.isFinal !== "boolean") fail("isFinal");
  return {
    channelId: hex(j.channelId, BYTES32, "channelId"),
    version: uint(j.version, "version"),
    isFinal: j.isFinal,
    allocations: decodeAllocations(j.allocations),
    locks: arr(j.locks, "locks").map(decodeLock),
    withdrawals: arr(j.withdrawals, "withdrawals").map((w) => {
      const wj = obj(w, "withdrawal");
      return {
        asset: small(wj.asset, "withdrawal asset"),
        participant: small(wj.participant, "withdrawal participant"),
        amount: uint(wj.amount, "withdrawal amount"),
      };
    }),
  };
}

export function decodeSig(value: unknown): CompactSignature {
  const j = obj(value, "signature");
  return { r: hex(j.r, BYTES32, "signature r"), yParityAndS: hex(j.yParityAndS, BYTES32, "signature vs") };
}

export function decodeSignedState(value: unknown): SignedState {
  const j = obj(value, "signed state");
  return { state: decodeState(j.state), sigs: arr(j.sigs, "signatures").map(decodeSig) };
}

export function decodeUpdate(value: unknown): Update {
  const j = obj(value, "update");
  switch (j.kind) {
    case "pay":
      return {
        kind: "pay",
        asset: small(j.asset, "asset"),
        to: small(j.to, "to"),
        amount: uint(j.amount, "amount"),
      };
    case "withdraw":
    case "topUp":
      return { kind: j.kind, asset: small(j.asset, "asset"), amount: uint(j.amount, "amount") };
    case "lock":
      return { kind: "lock", lock: decodeLock(j.lock) };
    case "settle":
      return {
        kind: "settle",
        hashlock: hex(j.hashlock, BYTES32, "hashlock"),
        secret: hex(j.secret, BYTES32, "secret"),
      };
    case "cancel":
      return { kind: "cancel", hashlock: hex(j.hashlock, BYTES32, "hashlock") };
    case "clearWithdrawals":
    case "finalize":
      return { kind: j.kind };
    default:
      return fail(`update kind ${String(j.kind)}`);
  }
}

export function decodeProposal(value: unknown): Proposal {
  const j = obj(value, "proposal");
  return {
    channelId: hex(j.channelId, BYTES32, "channelId"),
    from: small(j.from, "from"),
    update: decodeUpdate(j.update),
    state: decodeState(j.state),
    sig: decodeSig(j.sig),
  };
}

export function decodeOpenProposal(value: unknown): OpenProposal {
  const j = obj(value, "open proposal");
  return {
    params: decodeParams(j.params),
    from: small(j.from, "from"),
    state: decodeState(j.state),
    sig: decodeSig(j.sig),
  };
}
