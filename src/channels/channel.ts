import { computeAddress } from "ethers";
import {
  BadSignatureError,
  ChannelFinalError,
  NotAuthorizedError,
  OpenRefusedError,
  ShapeMismatchError,
  StateMismatchError,
  UnknownParticipantError,
  UpdateConflictError,
  VersionMismatchError,
  WrongChannelError,
} from "./errors";
import { ChannelDomain } from "./eip712";
import type { ChannelParams, ChannelState, CompactSignature } from "./types";
import { channelIdOf } from "./types";
import type { Update, UpdateContext } from "./updates";
import { applyUpdate, checkShape, checkTransition, sameState } from "./updates";

/**
 * The channel state machine of one participant: the latest state every participant signed, and the
 * updates this participant proposed that the peer has not answered yet (pipelined, each on the one
 * before). Pure: no I/O; signing and recovery are computations. Two-party channels: the peer is the
 * other participant.
 *
 * Life of an update: the proposer calls `propose` (signs the next state, keeps it pending) and sends
 * the `Proposal`; the peer calls `receive` (checks every rule, co-signs, the state becomes its latest)
 * and, once that is stored, answers with its signature; the proposer calls `confirm` with it (the
 * state becomes its latest) or `refused` when the peer said no. A refused update changes nothing.
 *
 * Concurrent proposals of the same version: the lower participant index wins. Receiving the winner's
 * proposal drops the loser's pending ones (returned, to be proposed again on the new state).
 *
 * NOTE: a proposal, once sent, is a commitment: the peer can complete it with its own signature at
 * any time, until a higher version supersedes it.
 */

/** A state with the signature of every participant, in participant order. */
export interface SignedState {
  state: ChannelState;
  sigs: CompactSignature[];
}

/** A state signed by its proposer only, awaiting the peer's signature. */
export interface Offer {
  /** The proposer's participant index. */
  from: number;
  state: ChannelState;
  sig: CompactSignature;
}

/** One participant's signed offer of the next state, made by `update`. */
export interface Proposal extends Offer {
  channelId: string;
  update: Update;
}

/** The offer of a new channel: its fixed part and version 0 (the funding state). */
export interface OpenProposal extends Offer {
  params: ChannelParams;
}

/** Signs states as one participant and recovers anyone's signature (a `ChannelDomain` and a key). */
export interface StateSigner {
  readonly address: string;
  sign(state: ChannelState): CompactSignature;
  recover(state: ChannelState, sig: CompactSignature): string | undefined;
}

/**
 * A `StateSigner` for a private key. Each state's digest is computed once: the same state object is
 * both signed and checked against the peer's signature, and hashing it is most of the work.
 */
export function keySigner(domain: ChannelDomain, privateKey: string): StateSigner {
  const digests = new WeakMap<ChannelState, string>();
  const digestOf = (state: ChannelState) => {
    let digest = digests.get(state);
    if (digest === undefined) {
      digest = domain.digest(state);
      digests.set(state, digest);
    }
    return digest;
  };
  return {
    address: computeAddress(privateKey),
    sign: (state) => ChannelDomain.signDigest(digestOf(state), privateKey),
    recover: (state, sig) => ChannelDomain.recoverDigest(digestOf(state), sig),
  };
}

/** Decides whether to join a channel a peer offers (its fixed part and funding state). */
export type OpenPolicy = (params: ChannelParams, state: ChannelState) => boolean;

export class Channel {
  readonly id: string;
  private signed: SignedState | undefined;
  private readonly pending: Offer[] = [];

  private constructor(
    readonly params: ChannelParams,
    /** This participant's index. */
    readonly me: number,
    private readonly signer: StateSigner,
    latest: SignedState | undefined,
  ) {
    if (params.participants.length !== 2)
      throw new ShapeMismatchError("a Channel has exactly two participants");
    if (!sameAddress(params.participants[me], signer.address)) {
      throw new UnknownParticipantError(`${signer.address} is not participant #${me}`);
    }
    this.id = channelIdOf(params).toLowerCase();
    this.signed = latest;
  }

  /** Offers a new channel: version 0 with `allocations`, signed by this participant, pending. */
  static initiate(
    params: ChannelParams,
    me: number,
    allocations: ChannelState["allocations"],
    signer: StateSigner,
  ): { channel: Channel; proposal: OpenProposal } {
    const channel = new Channel(params, me, signer, undefined);
    const state: ChannelState = {
      channelId: channel.id,
      version: 0n,
      isFinal: false,
      allocations: allocations.map((a) => ({ asset: a.asset, balances: [...a.balances] })),
      locks: [],
      withdrawals: [],
    };
    checkShape(
      state,
      state.allocations.map((a) => a.asset),
      params.participants.length,
    );
    const proposal: OpenProposal = { params, from: me, state, sig: signer.sign(state) };
    channel.pending.push(proposal);
    return { channel, proposal };
  }

  /** Joins the channel a peer offers: checks and co-signs its version 0. */
  static accept(
    open: OpenProposal,
    signer: StateSigner,
    policy: OpenPolicy = () => true,
  ): { channel: Channel; signed: SignedState } {
    const me = open.params.participants.findIndex((p) => sameAddress(p, signer.address));
    if (me === -1 || me === open.from) throw new NotAuthorizedError("the offer is not to this participant");
    if (!Number.isInteger(open.from) || open.params.participants[open.from] === undefined) {
      throw new NotAuthorizedError(`#${open.from} is not a participant`);
    }
    const channel = new Channel(open.params, me, signer, undefined);
    const s = open.state;
    if (s.channelId.toLowerCase() !== channel.id)
      throw new WrongChannelError("the funding state names another channel");
    if (s.version !== 0n || s.isFinal || s.locks.length > 0 || s.withdrawals.length > 0) {
      throw new StateMismatchError("a funding state is version 0, not final, without locks or withdrawals");
    }
    checkShape(
      s,
      s.allocations.map((a) => a.asset),
      open.params.participants.length,
    );
    channel.checkSignature(s, open.sig, open.from);
    if (!policy(open.params, s)) throw new OpenRefusedError(`declined to open ${channel.id}`);
    const signed = channel.cosign(s, open.sig, open.from);
    channel.signed = signed;
    return { channel, signed };
  }

  /** A channel as the store kept it. */
  static restore(
    params: ChannelParams,
    me: number,
    latest: SignedState | undefined,
    signer: StateSigner,
  ): Channel {
    return new Channel(params, me, signer, latest);
  }

  get peer(): number {
    return 1 - this.me;
  }

  /** The latest state every participant signed (undefined while the funding state is unsigned). */
  get latest(): SignedState | undefined {
    return this.signed;
  }

  /** The state the next proposal builds on: the last pending one, else the latest. */
  get head(): ChannelState {
    const head = this.pending.at(-1)?.state ?? this.signed?.state;
    if (!head) throw new StateMismatchError(`channel ${this.id} has no state yet`);
    return head;
  }

  /** How many of this participant's proposals await an answer. */
  get inFlight(): number {
    return this.pending.length;
  }

  /** Signs the state `update` makes from the head; it stays pending until `confirm` or `refused`. */
  propose(update: Update, ctx: UpdateContext): Proposal {
    const prev = this.head;
    const state = applyUpdate(prev, update, this.me, ctx);
    checkTransition(prev, state, update);
    const proposal: Proposal = {
      channelId: this.id,
      from: this.me,
      update,
      state,
      sig: this.signer.sign(state),
    };
    this.pending.push(proposal);
    return proposal;
  }

  /**
   * Checks the peer's proposal against the latest state, co-signs it and makes it the latest. Returns the
   * fully signed state (to store before answering) and any of this participant's proposals it displaced.
   */
  receive(proposal: Proposal, ctx: UpdateContext): { signed: SignedState; dropped: Offer[] } {
    const latest = this.requireLatest();
    this.checkProposal(proposal, latest.state, ctx);
    const dropped = this.pending.splice(0);
    const signed = this.cosign(proposal.state, proposal.sig, proposal.from);
    this.signed = signed;
    return { signed, dropped };
  }

  /** The peer's signature on this participant's oldest pending proposal: that state becomes the latest. */
  confirm(proposal: Offer, peerSig: CompactSignature): SignedState {
    if (this.pending[0] !== proposal) {
      throw new VersionMismatchError(`v${proposal.state.version} is not the oldest pending proposal`);
    }
    this.checkSignature(proposal.state, peerSig, this.peer);
    this.pending.shift();
    const sigs: CompactSignature[] = [];
    sigs[this.me] = proposal.sig;
    sigs[this.peer] = peerSig;
    this.signed = { state: proposal.state, sigs };
    return this.signed;
  }

  /** The peer refused `proposal`: drops it and every pending proposal built on it. */
  refused(proposal: Offer): Offer[] {
    const at = this.pending.indexOf(proposal);
    return at === -1 ? [] : this.pending.splice(at);
  }

  /** Drops every pending proposal (the connection went away before they were answered). */
  abandonPending(): Offer[] {
    return this.pending.splice(0);
  }

  /**
   * Takes a fully signed state newer than the latest (a peer's, after a crash or a lost answer): every
   * signature must check, since this participant's own is among them. Returns false for one not newer.
   */
  adopt(candidate: SignedState): boolean {
    const s = candidate.state;
    if (s.channelId.toLowerCase() !== this.id) throw new WrongChannelError(`a state of ${s.channelId}`);
    if (this.signed && s.version <= this.signed.state.version) return false;
    if (this.pending.length > 0)
      throw new UpdateConflictError("cannot adopt a state with proposals in flight");
    const assets = (this.signed?.state ?? s).allocations.map((a) => a.asset);
    checkShape(s, assets, this.params.participants.length);
    this.params.participants.forEach((_, i) => this.checkSignature(s, candidate.sigs[i], i));
    this.signed = { state: s, sigs: [...candidate.sigs] };
    return true;
  }

  private checkProposal(proposal: Proposal, prev: ChannelState, ctx: UpdateContext): void {
    if (proposal.channelId.toLowerCase() !== this.id)
      throw new WrongChannelError(`a proposal for ${proposal.channelId}`);
    if (proposal.from !== this.peer) throw new NotAuthorizedError(`#${proposal.from} is not the peer`);
    if (prev.isFinal) throw new ChannelFinalError(`channel ${this.id} is final at v${prev.version}`);
    if (proposal.state.version !== prev.version + 1n) {
      throw new VersionMismatchError(`v${proposal.state.version} does not follow v${prev.version}`);
    }
    // Pending proposals always build on the latest state, so this one is for the same version.
    if (this.pending.length > 0) this.resolveConflict(proposal);
    const expected = applyUpdate(prev, proposal.update, proposal.from, ctx);
    if (!sameState(expected, proposal.state)) {
      throw new StateMismatchError(`v${proposal.state.version} is not what ${proposal.update.kind} makes`);
    }
    checkTransition(prev, proposal.state, proposal.update);
    this.checkSignature(proposal.state, proposal.sig, proposal.from);
  }

  /** Both proposed the same version: the lower index wins; the loser's proposals are dropped in `receive`. */
  private resolveConflict(proposal: Proposal): void {
    if (proposal.from > this.me) {
      throw new UpdateConflictError(`v${proposal.state.version}: #${this.me}'s own proposal goes first`);
    }
  }

  private cosign(state: ChannelState, theirSig: CompactSignature, from: number): SignedState {
    const sigs: CompactSignature[] = [];
    sigs[from] = theirSig;
    sigs[this.me] = this.signer.sign(state);
    return { state, sigs };
  }

  private checkSignature(state: ChannelState, sig: CompactSignature | undefined, who: number): void {
    const signer = sig ? this.signer.recover(state, sig) : undefined;
    if (!signer || !sameAddress(signer, this.params.participants[who])) {
      throw new BadSignatureError(`v${state.version} is not signed by participant #${who}`);
    }
  }

  private requireLatest(): SignedState {
    if (!this.signed) throw new StateMismatchError(`channel ${this.id} is not open yet`);
    return this.signed;
  }
}

export function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
