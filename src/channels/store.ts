import { Journal, JournalCorruptError } from "../common/journal";
import type { Logger } from "../common/logger";
import type { SignedState } from "./channel";
import { decodeParams, decodeSignedState, encodeParams, encodeSignedState } from "./codec";
import { ChannelExistsError, StoreCorruptError, UnknownChannelError } from "./errors";
import type { ChannelParams } from "./types";
import { channelIdOf } from "./types";

/**
 * A channel client's durable memory: for each channel its fixed part, this participant's index and
 * the latest state every participant signed (with the signatures). The client saves a state BEFORE
 * it answers or reports an update, so a crash never loses an update it confirmed.
 *
 * On disk: a `Journal` (src/common/journal.ts) of records `{ k: "channel", params, me, peerUrl? }`,
 * `{ k: "state", id, signed }` and `{ k: "peer", id, url }` (where the peer listens, once it is known, so
 * that a restarted party can reconnect to it). Saves group-commit (one fsync for every state that arrived meanwhile;
 * states of one channel in the same group are coalesced to the newest); once the journal has more than
 * `compactAfter` lines it is rewritten to one channel and one state record per channel. A corrupt file
 * (a malformed line that is not the last, a record of no known kind) is a `StoreCorruptError`.
 */
export interface StoredChannel {
  id: string;
  params: ChannelParams;
  me: number;
  latest: SignedState | undefined;
  /** Where the peer listens (ws://…), if known: the URL this party opened the channel on, or set since. */
  peerUrl?: string;
}

export interface ChannelStoreOptions {
  logger?: Logger;
  /** Compact once the journal has this many lines (default 20,000). */
  compactAfter?: number;
}

type Record =
  | { k: "channel"; params: ChannelParams; me: number; peerUrl?: string }
  | { k: "state"; id: string; signed: SignedState }
  | { k: "peer"; id: string; url: string };

export class ChannelStore {
  private readonly channels = new Map<string, StoredChannel>();
  private compacting: Promise<void> | undefined;

  private constructor(
    private readonly journal: Journal,
    private readonly compactAfter: number,
    private readonly logger: Logger | undefined,
  ) {}

  static async open(path: string, options: ChannelStoreOptions = {}): Promise<ChannelStore> {
    let opened: { journal: Journal; records: unknown[] };
    try {
      opened = await Journal.open(path, { logger: options.logger });
    } catch (error) {
      if (error instanceof JournalCorruptError) throw new StoreCorruptError(error.message, { cause: error });
      throw error;
    }
    const { journal, records } = opened;
    const store = new ChannelStore(journal, options.compactAfter ?? 20_000, options.logger);
    try {
      records.forEach((r, i) => store.replay(r, i + 1));
    } catch (error) {
      await journal.close();
      throw error;
    }
    return store;
  }

  get path(): string {
    return this.journal.path;
  }

  /** Fsyncs of saved states so far (each covering every state saved meanwhile). */
  get fsyncs(): number {
    return this.journal.groupCount;
  }

  all(): StoredChannel[] {
    return [...this.channels.values()];
  }

  get(id: string): StoredChannel | undefined {
    return this.channels.get(id.toLowerCase());
  }

  /** Records a new channel durably (and where its peer listens, if known). */
  async addChannel(
    params: ChannelParams,
    me: number,
    options: { peerUrl?: string } = {},
  ): Promise<StoredChannel> {
    const id = channelIdOf(params).toLowerCase();
    if (this.channels.has(id)) throw new ChannelExistsError(`channel ${id} is already stored`);
    const entry: StoredChannel = { id, params, me, latest: undefined, peerUrl: options.peerUrl };
    this.channels.set(id, entry);
    await this.journal.append(channelRecord(entry));
    return entry;
  }

  /** Records durably where the peer of channel `id` listens now. */
  async setPeerUrl(id: string, url: string): Promise<void> {
    const entry = this.channels.get(id.toLowerCase());
    if (!entry) throw new UnknownChannelError(`no channel ${id} in the store`);
    if (entry.peerUrl === url) return;
    entry.peerUrl = url;
    await this.journal.append({ k: "peer", id: entry.id, url });
  }

  /**
   * Saves `signed` as the channel's latest state; resolves once it (or a newer one) is on disk. A state
   * older than the one stored is ignored.
   */
  async save(signed: SignedState): Promise<void> {
    const id = signed.state.channelId.toLowerCase();
    const entry = this.channels.get(id);
    if (!entry) throw new UnknownChannelError(`no channel ${id} in the store`);
    if (entry.latest && entry.latest.state.version > signed.state.version) return;
    await this.journal.append({ k: "state", id, signed: encodeSignedState(signed) }, id);
    if (!entry.latest || entry.latest.state.version < signed.state.version) entry.latest = signed;
    if (this.journal.lineCount > this.compactAfter) void this.compact();
  }

  /** Rewrites the journal to the channels and their latest durable states. */
  compact(): Promise<void> {
    this.compacting ??= this.journal
      .rewrite(() => this.snapshot())
      .then(() => this.logger?.debug("compacted the channel store", { lines: this.journal.lineCount }))
      .catch((error: unknown) => this.logger?.error("compaction failed", { error: String(error) }))
      .finally(() => (this.compacting = undefined));
    return this.compacting;
  }

  close(): Promise<void> {
    return this.journal.close();
  }

  private snapshot(): unknown[] {
    const records: unknown[] = [];
    for (const c of this.channels.values()) {
      records.push(channelRecord(c));
      if (c.latest) records.push({ k: "state", id: c.id, signed: encodeSignedState(c.latest) });
    }
    return records;
  }

  private replay(raw: unknown, line: number): void {
    let record: Record;
    try {
      record = decodeRecord(raw);
    } catch (cause) {
      throw new StoreCorruptError(`${this.path}: bad record on line ${line}`, { cause });
    }
    if (record.k === "channel") {
      const id = channelIdOf(record.params).toLowerCase();
      this.channels.set(id, {
        id,
        params: record.params,
        me: record.me,
        latest: undefined,
        peerUrl: record.peerUrl,
      });
      return;
    }
    const entry = this.channels.get(record.id);
    if (!entry)
      throw new StoreCorruptError(`${this.path}: line ${line}: a record of unknown channel ${record.id}`);
    if (record.k === "peer") {
      entry.peerUrl = record.url;
      return;
    }
    if (!entry.latest || entry.latest.state.version < record.signed.state.version)
      entry.latest = record.signed;
  }
}

function channelRecord(c: StoredChannel): unknown {
  const record = { k: "channel", params: encodeParams(c.params), me: c.me };
  return c.peerUrl === undefined ? record : { ...record, peerUrl: c.peerUrl };
}

function decodeRecord(raw: unknown): Record {
  const r = raw as {
    k?: unknown;
    params?: unknown;
    me?: unknown;
    id?: unknown;
    signed?: unknown;
    peerUrl?: unknown;
    url?: unknown;
  };
  if (
    r.k === "channel" &&
    typeof r.me === "number" &&
    (r.peerUrl === undefined || typeof r.peerUrl === "string")
  )
    return { k: "channel", params: decodeParams(r.params), me: r.me, peerUrl: r.peerUrl };
  if (r.k === "state" && typeof r.id === "string")
    return { k: "state", id: r.id, signed: decodeSignedState(r.signed) };
  if (r.k === "peer" && typeof r.id === "string" && typeof r.url === "string")
    return { k: "peer", id: r.id, url: r.url };
  throw new StoreCorruptError(`unknown record kind ${String(r.k)}`);
}
