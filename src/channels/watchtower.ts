import type { Signer } from "ethers";
import type { ChainReader } from "../common/block-cursor";
import { blockToReadTo } from "../common/block-cursor";
import { CursorNotOnChainError, cursorOnChain } from "../common/chain-identity";
import { ContractRevertError } from "../common/errors";
import { EventLog } from "../common/events";
import type { Logger } from "../common/logger";
import { Journal } from "../common/journal";
import { Rounds } from "../common/rounds";
import type { AdjudicatorClient, ChallengeEvent, ConcludedEvent } from "./adjudicator-client";
import type { SignedState } from "./channel";
import { sameAddress } from "./channel";
import { decodeParams, decodeSignedState, encodeParams, encodeSignedState } from "./codec";
import type { ChannelDomain } from "./eip712";
import { MalformedMessageError, StoreCorruptError, WatchtowerError } from "./errors";
import type { WatchtowerEvent } from "./events";
import type { ChannelParams } from "./types";
import { channelIdOf } from "./types";

/**
 * The watchtower: parties hand it their latest co-signed states; it follows the adjudicator's
 * challenge events from a block cursor and refutes every registration (or refutation) of a version
 * older than the newest state it holds for that channel, while the window is open. Every decision is
 * logged with the channel id and both versions, and published on `events` (`challengeSeen`, then
 * `stateRefuted`, `challengeIgnored` or `refutationTooLate`; see src/channels/events.ts).
 *
 * `decide` is pure (unit-tested without a chain); `Watchtower.tick` reads the chain and sends. Its
 * JSON-RPC service (`wt_submitStates`, …) and the client parties use are watchtower-rpc.ts.
 */

// -------------------------------------------------------------------------------------------------
// Deciding
// -------------------------------------------------------------------------------------------------

export type Decision =
  | { kind: "refute"; channelId: string; registered: bigint; held: bigint }
  | { kind: "nothing-to-do"; channelId: string; registered: bigint; held: bigint | undefined; reason: string }
  | { kind: "too-late"; channelId: string; registered: bigint; held: bigint; finalizesAt: bigint };

/** What to do about `event`, holding `held` for its channel, at Layer-1 time `now`. */
export function decide(
  event: Pick<ChallengeEvent, "channelId" | "version" | "finalizesAt">,
  held: SignedState | undefined,
  now: bigint,
): Decision {
  const { channelId, version: registered } = event;
  if (!held)
    return {
      kind: "nothing-to-do",
      channelId,
      registered,
      held: undefined,
      reason: "not guarding this channel",
    };
  const heldVersion = held.state.version;
  if (heldVersion <= registered) {
    return {
      kind: "nothing-to-do",
      channelId,
      registered,
      held: heldVersion,
      reason: "the registered state is the newest",
    };
  }
  if (now >= event.finalizesAt) {
    return { kind: "too-late", channelId, registered, held: heldVersion, finalizesAt: event.finalizesAt };
  }
  return { kind: "refute", channelId, registered, held: heldVersion };
}

// -------------------------------------------------------------------------------------------------
// Its store
// -------------------------------------------------------------------------------------------------

export interface GuardedChannel {
  params: ChannelParams;
  latest: SignedState;
}

/** The last block a watchtower handled, and that block's hash (none in a store written before it was kept). */
export interface BlockCursor {
  block: number;
  hash?: string;
}

/**
 * The watchtower's durable memory: the newest state per channel and the block cursor (tied to its chain
 * by the block's hash), in a `Journal` of `{ k: "state", params, signed }` and `{ k: "cursor", block,
 * hash }` records.
 */
export class WatchtowerStore {
  private readonly channels = new Map<string, GuardedChannel>();
  private cursorBlock: number | undefined;
  private cursorHash: string | undefined;

  private constructor(
    private readonly journal: Journal,
    private readonly compactAfter: number,
  ) {}

  static async open(
    path: string,
    options: { logger?: Logger; compactAfter?: number } = {},
  ): Promise<WatchtowerStore> {
    const { journal, records } = await Journal.open(path, options);
    const store = new WatchtowerStore(journal, options.compactAfter ?? 10_000);
    records.forEach((r, i) => store.replay(r, i + 1));
    return store;
  }

  get(channelId: string): GuardedChannel | undefined {
    return this.channels.get(channelId.toLowerCase());
  }

  all(): GuardedChannel[] {
    return [...this.channels.values()];
  }

  /** The last block whose events were handled. */
  get cursor(): number | undefined {
    return this.cursorBlock;
  }

  /** The cursor with its block's hash (undefined before the first round). */
  get blockCursor(): BlockCursor | undefined {
    return this.cursorBlock === undefined ? undefined : { block: this.cursorBlock, hash: this.cursorHash };
  }

  /** Keeps `signed` if newer than the state held; resolves once it is on disk. */
  async put(params: ChannelParams, signed: SignedState): Promise<boolean> {
    const id = signed.state.channelId.toLowerCase();
    const held = this.channels.get(id);
    if (held && held.latest.state.version >= signed.state.version) return false;
    this.channels.set(id, { params, latest: signed });
    await this.journal.append(
      { k: "state", params: encodeParams(params), signed: encodeSignedState(signed) },
      id,
    );
    await this.compactIfLong();
    return true;
  }

  /** Moves the cursor to `block` (whose hash is `hash`: the chain it was read from). */
  async setCursor(block: number, hash?: string): Promise<void> {
    this.cursorBlock = block;
    this.cursorHash = hash;
    await this.journal.append(cursorRecord(block, hash), "cursor");
    await this.compactIfLong();
  }

  /** Forgets the cursor: the next round reads from its first block again. */
  async resetCursor(): Promise<void> {
    this.cursorBlock = undefined;
    this.cursorHash = undefined;
    await this.journal.append({ k: "cursor", block: null }, "cursor");
  }

  close(): Promise<void> {
    return this.journal.close();
  }

  private async compactIfLong(): Promise<void> {
    if (this.journal.lineCount <= this.compactAfter) return;
    await this.journal.rewrite(() => [
      ...this.all().map((c) => ({
        k: "state",
        params: encodeParams(c.params),
        signed: encodeSignedState(c.latest),
      })),
      ...(this.cursorBlock === undefined ? [] : [cursorRecord(this.cursorBlock, this.cursorHash)]),
    ]);
  }

  private replay(raw: unknown, line: number): void {
    const r = raw as { k?: unknown; params?: unknown; signed?: unknown; block?: unknown; hash?: unknown };
    try {
      if (r.k === "cursor" && (typeof r.block === "number" || r.block === null)) {
        this.cursorBlock = r.block ?? undefined;
        this.cursorHash = typeof r.hash === "string" ? r.hash : undefined;
      } else if (r.k === "state") {
        const signed = decodeSignedState(r.signed);
        const id = signed.state.channelId.toLowerCase();
        const held = this.channels.get(id);
        if (!held || held.latest.state.version < signed.state.version) {
          this.channels.set(id, { params: decodeParams(r.params), latest: signed });
        }
      } else {
        throw new MalformedMessageError(`unknown record kind ${String(r.k)}`);
      }
    } catch (cause) {
      throw new StoreCorruptError(`watchtower store: bad record on line ${line}`, { cause });
    }
  }
}

function cursorRecord(block: number, hash: string | undefined) {
  return hash === undefined ? { k: "cursor", block } : { k: "cursor", block, hash };
}

// -------------------------------------------------------------------------------------------------
// The service
// -------------------------------------------------------------------------------------------------

export interface WatchtowerOptions {
  adjudicator: AdjudicatorClient;
  /** Pays for refutations. */
  signer: Signer;
  store: WatchtowerStore;
  /** The adjudicator's signing domain: every state handed in must carry every participant's signature. */
  domain: ChannelDomain;
  logger?: Logger;
  /** Milliseconds between rounds when running as a service (default 1000). */
  pollMs?: number;
  /** The first block to scan when the store has no cursor (default 0). */
  fromBlock?: number;
  /** The most blocks one `getLogs` covers (default 5000). */
  maxBlockRange?: number;
  /** Where to publish its events (default: a log of its own). */
  events?: EventLog<WatchtowerEvent>;
  /**
   * Asked when its cursor's block is no longer on the chain with the hash it read (a reorganization, or
   * a node reset): resolves when rescanning from `fromBlock` is safe (the chain still holds the
   * deployment: a reorganization), throws when not. Default: nothing is safe, a round throws
   * `CursorNotOnChainError`.
   */
  cursorLost?: (message: string) => Promise<void>;
}

/** The watchtower in a `ChainChangedError`: a range's last block gone before its events were read. */
const TOWER_READER: ChainReader = {
  reader: "the watchtower",
  fix: "its next round checks its cursor against the chain",
};

export class Watchtower {
  private readonly rounds: Rounds;
  private readonly log: Logger | undefined;
  /** What it did, as typed events (see src/channels/events.ts). */
  readonly events: EventLog<WatchtowerEvent>;

  constructor(private readonly o: WatchtowerOptions) {
    this.log = o.logger;
    this.events = o.events ?? new EventLog<WatchtowerEvent>();
    this.rounds = new Rounds(async () => void (await this.tick()), {
      pollMs: o.pollMs ?? 1000,
      logger: o.logger,
    });
  }

  /** The last block whose events it handled (undefined before its first round). */
  get cursor(): number | undefined {
    return this.o.store.cursor;
  }

  /** The channels it guards: each one's newest co-signed state. */
  guarded(): GuardedChannel[] {
    return this.o.store.all();
  }

  /** The newest state it holds for `channelId`, if it guards it. */
  held(channelId: string): GuardedChannel | undefined {
    return this.o.store.get(channelId);
  }

  /**
   * Takes a party's co-signed state (the in-process API): checks the channel id and every signature,
   * keeps it durably if newer than the one held. Returns the version now held. Throws `WatchtowerError`
   * (`WrongChannel`, `NotCosigned`) for a state it cannot refute with.
   */
  async guard(params: ChannelParams, signed: SignedState): Promise<{ stored: boolean; version: bigint }> {
    this.checkCosigned(params, signed);
    const stored = await this.o.store.put(params, signed);
    const version = this.o.store.get(signed.state.channelId)!.latest.state.version;
    if (stored) this.log?.debug("guarding", { channelId: signed.state.channelId, version });
    this.events.publish({
      type: "statesReceived",
      channelId: signed.state.channelId.toLowerCase(),
      version: signed.state.version.toString(),
      stored,
      heldVersion: version.toString(),
    });
    return { stored, version };
  }

  /** Checks a state as `guard` does, without keeping it. */
  check(params: ChannelParams, signed: SignedState): void {
    this.checkCosigned(params, signed);
  }

  /**
   * One round: every challenge event since the cursor, decided and acted on; then the cursor moves, with
   * the hash of its block. The cursor's block is checked first: if the chain no longer has it with that
   * hash, the round rescans from `fromBlock` when `cursorLost` says that is safe, and throws otherwise.
   */
  async tick(): Promise<Decision[]> {
    const provider = this.o.signer.provider!;
    await this.checkCursor();
    // Each range's last block is taken (number and hash) before its events are read: the cursor is tied
    // to the chain the events came from, and a change in between is found by the next round's check.
    const head = await blockToReadTo(provider, "latest", TOWER_READER);
    const decisions: Decision[] = [];
    let from = (this.o.store.cursor ?? (this.o.fromBlock ?? 0) - 1) + 1;
    while (from <= head.number) {
      const last = Math.min(head.number, from + (this.o.maxBlockRange ?? 5000) - 1);
      const to = last === head.number ? head : await blockToReadTo(provider, last, TOWER_READER);
      const events = await this.o.adjudicator.challengeEvents(from, to.number);
      const now = BigInt((await provider.getBlock("latest"))!.timestamp);
      for (const event of events) decisions.push(await this.handle(event, now));
      const concluded = await this.o.adjudicator.concludedEvents(from, to.number);
      for (const event of concluded) this.concluded(event);
      await this.o.store.setCursor(to.number, to.hash);
      from = to.number + 1;
    }
    return decisions;
  }

  run(): Promise<void> {
    return this.rounds.run();
  }

  /** Whether the chain still has the cursor's block with the hash it was read with (see `tick`). */
  private async checkCursor(): Promise<void> {
    const cursor = this.o.store.blockCursor;
    if (cursor === undefined) return;
    const found = await cursorOnChain(this.o.signer.provider!, cursor);
    if (found.state === "same") return;
    const message =
      found.state === "beyond-head"
        ? `its cursor is block ${cursor.block}, but the chain's head is block ${found.head}`
        : `its cursor's block ${cursor.block} is ${found.hash!.slice(0, 10)}… on the chain, not ` +
          `${cursor.hash!.slice(0, 10)}…`;
    if (!this.o.cursorLost) {
      throw new CursorNotOnChainError(`watchtower: ${message}: the chain is not the one it read`);
    }
    await this.o.cursorLost(message);
    this.log?.warn("rescanning: its cursor's block is not on the chain any more", {
      why: message,
      from: this.o.fromBlock ?? 0,
    });
    await this.o.store.resetCursor();
  }

  stop(): void {
    this.rounds.stop();
  }

  private async handle(event: ChallengeEvent, now: bigint): Promise<Decision> {
    const guarded = this.o.store.get(event.channelId);
    this.events.publish({
      type: "challengeSeen",
      ...challengeOf(event),
      finalizesAt: event.finalizesAt.toString(),
      block: event.blockNumber,
      l1TxHash: event.txHash,
      heldVersion: guarded ? guarded.latest.state.version.toString() : null,
    });
    const decision = decide(event, guarded?.latest, now);
    if (decision.kind === "refute") return this.refute(guarded!, decision, event);
    this.logDecision(decision, event);
    this.publishDecision(decision, event);
    return decision;
  }

  /** Sends the refutation; a race lost to someone else's newer state is nothing to do. */
  private async refute(
    guarded: GuardedChannel,
    decision: Decision & { kind: "refute" },
    event: ChallengeEvent,
  ): Promise<Decision> {
    try {
      const receipt = await this.o.adjudicator.refute(this.o.signer, guarded.params, guarded.latest);
      this.log?.info("refuted", { ...fields(decision), tx: receipt.hash });
      this.events.publish({
        type: "stateRefuted",
        ...challengeOf(event),
        refutedWith: decision.held.toString(),
        finalizesAt: event.finalizesAt.toString(),
        l1TxHash: receipt.hash.toLowerCase(),
        gasUsed: receipt.gasUsed.toString(),
        block: receipt.blockNumber,
      });
      return decision;
    } catch (error) {
      const name = error instanceof ContractRevertError ? error.errorName : undefined;
      if (
        name === "AdjudicatorStaleVersion" ||
        name === "AdjudicatorChallengeExpired" ||
        name === "AdjudicatorNoChallenge"
      ) {
        const outcome: Decision =
          name === "AdjudicatorStaleVersion"
            ? { ...decision, kind: "nothing-to-do", reason: "a newer state was refuted meanwhile" }
            : { ...decision, kind: "too-late", finalizesAt: event.finalizesAt };
        this.log?.warn(outcome.kind === "too-late" ? "too late to refute" : "nothing to do", {
          ...fields(outcome),
          revert: name,
        });
        this.publishDecision(outcome, event);
        return outcome;
      }
      this.log?.error("refutation failed", { ...fields(decision), error: String(error) });
      throw error;
    }
  }

  private publishDecision(decision: Decision, event: ChallengeEvent): void {
    if (decision.kind === "nothing-to-do") {
      this.events.publish({
        type: "challengeIgnored",
        ...challengeOf(event),
        heldVersion: decision.held === undefined ? null : decision.held.toString(),
        reason: decision.reason,
      });
    } else if (decision.kind === "too-late") {
      this.events.publish({
        type: "refutationTooLate",
        ...challengeOf(event),
        heldVersion: decision.held.toString(),
        finalizesAt: decision.finalizesAt.toString(),
      });
    }
  }

  private concluded(event: ConcludedEvent): void {
    if (!this.o.store.get(event.channelId)) return;
    this.log?.info("channel concluded", { channelId: event.channelId, version: event.version });
    this.events.publish({
      type: "channelConcluded",
      channelId: event.channelId,
      version: event.version.toString(),
      l1TxHash: event.txHash,
      block: event.blockNumber,
    });
  }

  private logDecision(decision: Decision, event: ChallengeEvent): void {
    const f = { ...fields(decision), event: event.kind, block: event.blockNumber };
    if (decision.kind === "too-late")
      this.log?.error("too late to refute", { ...f, finalizesAt: decision.finalizesAt });
    else if (decision.held === undefined) this.log?.debug("nothing to do", f);
    else this.log?.info("nothing to do", f);
  }

  private checkCosigned(params: ChannelParams, signed: SignedState): void {
    const id = channelIdOf(params).toLowerCase();
    if (signed.state.channelId.toLowerCase() !== id)
      throw new WatchtowerError("WrongChannel", "the state is not of these params' channel");
    params.participants.forEach((participant, i) => {
      const sig = signed.sigs[i];
      const signer = sig ? this.o.domain.recover(signed.state, sig) : undefined;
      if (!signer || !sameAddress(signer, participant)) {
        throw new WatchtowerError(
          "NotCosigned",
          `signature #${i} is not participant #${i}'s: only co-signed states can be refuted with`,
        );
      }
    });
  }
}

function challengeOf(event: ChallengeEvent) {
  return { channelId: event.channelId, challenge: event.kind, registeredVersion: event.version.toString() };
}

function fields(d: Decision): Record<string, unknown> {
  return {
    decision: d.kind,
    channelId: d.channelId,
    registered: d.registered,
    held: d.held ?? "none",
    ...("reason" in d ? { reason: d.reason } : {}),
  };
}
