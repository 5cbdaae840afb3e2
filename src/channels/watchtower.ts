import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Signer } from "ethers";
import { ContractRevertError } from "../common/errors";
import type { Logger } from "../common/logger";
import { Rounds } from "../optimistic/rounds";
import type { AdjudicatorClient, ChallengeEvent } from "./adjudicator-client";
import type { SignedState } from "./channel";
import { sameAddress } from "./channel";
import { decodeParams, decodeSignedState, encodeParams, encodeSignedState } from "./codec";
import type { ChannelDomain } from "./eip712";
import { MalformedMessageError, StoreCorruptError, WatchtowerError } from "./errors";
import { GroupJournal } from "./group-journal";
import type { ChannelParams } from "./types";
import { channelIdOf } from "./types";

/**
 * The watchtower: parties hand it their latest co-signed states; it follows the adjudicator's
 * challenge events from a block cursor and refutes every registration (or refutation) of a version
 * older than the newest state it holds for that channel, while the window is open. Every decision is
 * logged with the channel id and both versions.
 *
 * `decide` is pure (unit-tested without a chain); `Watchtower.tick` reads the chain and sends.
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

/**
 * The watchtower's durable memory: the newest state per channel and the block cursor, in a
 * `GroupJournal` of `{ k: "state", params, signed }` and `{ k: "cursor", block }` records.
 */
export class WatchtowerStore {
  private readonly channels = new Map<string, GuardedChannel>();
  private cursorBlock: number | undefined;

  private constructor(
    private readonly journal: GroupJournal,
    private readonly compactAfter: number,
  ) {}

  static async open(
    path: string,
    options: { logger?: Logger; compactAfter?: number } = {},
  ): Promise<WatchtowerStore> {
    const { journal, records } = await GroupJournal.open(path, options);
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

  async setCursor(block: number): Promise<void> {
    this.cursorBlock = block;
    await this.journal.append({ k: "cursor", block }, "cursor");
    await this.compactIfLong();
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
      ...(this.cursorBlock === undefined ? [] : [{ k: "cursor", block: this.cursorBlock }]),
    ]);
  }

  private replay(raw: unknown, line: number): void {
    const r = raw as { k?: unknown; params?: unknown; signed?: unknown; block?: unknown };
    try {
      if (r.k === "cursor" && typeof r.block === "number") {
        this.cursorBlock = r.block;
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
}

export class Watchtower {
  private readonly rounds: Rounds;
  private readonly log: Logger | undefined;

  constructor(private readonly o: WatchtowerOptions) {
    this.log = o.logger;
    this.rounds = new Rounds(async () => void (await this.tick()), o.pollMs ?? 1000, o.logger);
  }

  /**
   * Takes a party's co-signed state (the in-process API): checks the channel id and every signature,
   * keeps it durably if newer than the one held. Returns the version now held.
   */
  async guard(params: ChannelParams, signed: SignedState): Promise<{ stored: boolean; version: bigint }> {
    this.checkCosigned(params, signed);
    const stored = await this.o.store.put(params, signed);
    const version = this.o.store.get(signed.state.channelId)!.latest.state.version;
    if (stored) this.log?.debug("guarding", { channelId: signed.state.channelId, version });
    return { stored, version };
  }

  /** One round: every challenge event since the cursor, decided and acted on; then the cursor moves. */
  async tick(): Promise<Decision[]> {
    const provider = this.o.signer.provider!;
    const head = await provider.getBlockNumber();
    const decisions: Decision[] = [];
    let from = (this.o.store.cursor ?? (this.o.fromBlock ?? 0) - 1) + 1;
    while (from <= head) {
      const to = Math.min(head, from + (this.o.maxBlockRange ?? 5000) - 1);
      const events = await this.o.adjudicator.challengeEvents(from, to);
      const now = BigInt((await provider.getBlock("latest"))!.timestamp);
      for (const event of events) decisions.push(await this.handle(event, now));
      await this.o.store.setCursor(to);
      from = to + 1;
    }
    return decisions;
  }

  run(): Promise<void> {
    return this.rounds.run();
  }

  stop(): void {
    this.rounds.stop();
  }

  private async handle(event: ChallengeEvent, now: bigint): Promise<Decision> {
    const guarded = this.o.store.get(event.channelId);
    const decision = decide(event, guarded?.latest, now);
    if (decision.kind === "refute") return this.refute(guarded!, decision, event);
    this.logDecision(decision, event);
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
        return outcome;
      }
      this.log?.error("refutation failed", { ...fields(decision), error: String(error) });
      throw error;
    }
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
      throw new WatchtowerError("the state is not of these params' channel");
    params.participants.forEach((participant, i) => {
      const sig = signed.sigs[i];
      const signer = sig ? this.o.domain.recover(signed.state, sig) : undefined;
      if (!signer || !sameAddress(signer, participant)) {
        throw new WatchtowerError(
          `signature #${i} is not participant #${i}'s: only co-signed states can be refuted with`,
        );
      }
    });
  }
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

// -------------------------------------------------------------------------------------------------
// Its HTTP endpoint, and a client for it
// -------------------------------------------------------------------------------------------------

/**
 *   POST /states          { params, signed }  → 200 { stored, version } | 400 { error: { name, message } }
 *   GET  /channels/<id>                       → 200 { version } | 404
 */
export async function serveWatchtower(
  tower: Watchtower,
  store: WatchtowerStore,
  options: { host?: string; port?: number; logger?: Logger } = {},
): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    route(tower, store, req, res).catch((error: unknown) => {
      options.logger?.error("watchtower request failed", { error: String(error) });
      reply(res, 500, { error: { name: "InternalError", message: "internal error" } });
    });
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  options.logger?.info("watchtower endpoint listening", { url: `http://${host}:${port}` });
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function route(tower: Watchtower, store: WatchtowerStore, req: IncomingMessage, res: ServerResponse) {
  const channel = /^\/channels\/(0x[0-9a-fA-F]{64})$/.exec(req.url ?? "");
  if (req.method === "GET" && channel) {
    const held = store.get(channel[1]);
    return held ? reply(res, 200, { version: held.latest.state.version.toString() }) : reply(res, 404, {});
  }
  if (req.method !== "POST" || req.url !== "/states") return reply(res, 404, {});
  try {
    const body = JSON.parse(await readBody(req)) as { params?: unknown; signed?: unknown };
    const { stored, version } = await tower.guard(decodeParams(body.params), decodeSignedState(body.signed));
    reply(res, 200, { stored, version: version.toString() });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    reply(res, 400, { error: { name: e.name, message: e.message } });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
      if (body.length > 1 << 20) req.destroy(new MalformedMessageError("body too large"));
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
    .end(text);
}

/**
 * Hands a party's states to a watchtower's endpoint, newest first: while one is on its way, later
 * states of the same channel replace each other, so a busy channel costs one request at a time.
 */
export class WatchtowerFeed {
  private readonly waiting = new Map<string, { params: ChannelParams; signed: SignedState }>();
  private readonly sending = new Set<string>();
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;

  constructor(
    readonly url: string,
    private readonly logger?: Logger,
  ) {}

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
        await postState(this.url, next.params, next.signed);
      } catch (error) {
        this.logger?.warn("cannot reach the watchtower", {
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

/** POSTs one state to a watchtower; throws `WatchtowerError` with the tower's reason when refused. */
export async function postState(url: string, params: ChannelParams, signed: SignedState): Promise<bigint> {
  const response = await fetch(`${url}/states`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ params: encodeParams(params), signed: encodeSignedState(signed) }),
  });
  const body = (await response.json()) as { version?: string; error?: { name: string; message: string } };
  if (!response.ok)
    throw new WatchtowerError(`watchtower refused: ${body.error?.name}: ${body.error?.message}`);
  return BigInt(body.version!);
}
