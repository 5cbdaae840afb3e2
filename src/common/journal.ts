/**
 * The one durable journal every service keeps its state in: append-only JSON lines, fsynced before an
 * append resolves, so whatever a service acknowledged survives a crash.
 *
 * - Group commit: every record appended while a write is on its way goes into the next write, and one
 *   fsync makes the whole group durable (`groupCount` counts them). Within a group, records appended
 *   with the same `key` are coalesced: only the last is written (a newer channel state makes the older
 *   one worthless); its callers all resolve once it is on disk.
 * - Crash recovery on `open`: a torn last line (no trailing newline, or not a record) is a write the
 *   crash cut short; it is dropped and the file truncated back to the last whole line. A bad line
 *   anywhere else is corruption, not a crash: `open` throws `JournalCorruptError` naming the line.
 * - Compaction (`rewrite`) writes the new journal beside the old one, fsyncs it, renames it over the
 *   old and fsyncs the directory, so a crash leaves one or the other, whole; a temporary file a crash
 *   left behind is removed by the next `open`.
 * - A write that failed is cut off the file; if even that fails the file's tail is unknown, and the
 *   journal refuses every later write (`JournalError`, the first failure as `cause`).
 *
 * Operations run in call order: a `rewrite` sees every append made before it (durable, and the
 * callers' reactions to it run), and appends made after it go into the new file.
 */
import { mkdir, open, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { replaceFile, syncDir, writeAll } from "./durable-file";
import { StrataError } from "./errors";
import type { Logger } from "./logger";

/** A journal cannot be opened, written or compacted; `cause` is the underlying failure. */
export class JournalError extends StrataError {}

/** A line that is not the last one is malformed: the file is corrupt, not merely cut short by a crash. */
export class JournalCorruptError extends JournalError {
  constructor(
    readonly path: string,
    /** 1-based. */
    readonly line: number,
    options?: { cause?: unknown },
  ) {
    super(`${path}: malformed entry on line ${line}`, options);
  }
}

export interface JournalOptions<R> {
  /** Told when `open` drops a torn last line. */
  logger?: Logger;
  /**
   * Reads one parsed line as a record, or returns undefined for a line that is not one (dropped as
   * torn when it is the last line, corruption elsewhere). Appends are checked with it too, so the
   * journal never holds a line it would refuse on `open`. Default: any JSON object or array.
   */
  decode?: (value: unknown) => R | undefined;
}

interface QueuedAppend {
  kind: "append";
  key: string | undefined;
  line: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface QueuedRewrite<R> {
  kind: "rewrite";
  snapshot: () => readonly R[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

const NEWLINE = 0x0a;

/** Only objects and arrays: a prefix of one never parses, so a torn line cannot pass for a record. */
function isStructured(value: unknown): boolean {
  return typeof value === "object" && value !== null;
}

export class Journal<R = unknown> {
  private readonly queue: Array<QueuedAppend | QueuedRewrite<R>> = [];
  private working: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** Set when a failed write could not be rolled back: the file's tail is unknown, so stop writing. */
  private broken: unknown;
  private groups = 0;

  private constructor(
    readonly path: string,
    private handle: FileHandle,
    /** Bytes of whole lines in the file. */
    private size: number,
    /** Whole lines in the file. */
    private lines: number,
    private readonly decode: ((value: unknown) => R | undefined) | undefined,
  ) {}

  /** Opens (creating it and its directory if missing) the journal at `path`, repairing a torn last line. */
  static async open<R = unknown>(
    path: string,
    options: JournalOptions<R> = {},
  ): Promise<{ journal: Journal<R>; records: R[] }> {
    await mkdir(dirname(path), { recursive: true });
    // A temporary file left by a crash during `rewrite` was never renamed into place: the journal at
    // `path` is still the whole old one.
    await rm(path + ".tmp", { force: true });
    const handle = await open(path, "a+");
    try {
      const bytes = await handle.readFile();
      const decode = options.decode ?? ((value: unknown) => (isStructured(value) ? (value as R) : undefined));
      const records: R[] = [];
      let start = 0;
      let line = 0;
      while (start < bytes.length) {
        line++;
        const newline = bytes.indexOf(NEWLINE, start);
        const isLast = newline === -1 || newline === bytes.length - 1;
        const record = newline === -1 ? undefined : parseLine(bytes.toString("utf8", start, newline), decode);
        if (record === undefined) {
          if (!isLast) throw new JournalCorruptError(path, line);
          options.logger?.warn("dropped a torn last journal line", { path, line });
          break;
        }
        records.push(record);
        start = newline + 1;
      }
      if (start < bytes.length) {
        await handle.truncate(start);
        await handle.sync();
      }
      await syncDir(dirname(path));
      return { journal: new Journal<R>(path, handle, start, records.length, options.decode), records };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Whole lines in the file: what compaction would shrink. */
  get lineCount(): number {
    return this.lines;
  }

  /** Group writes made since `open`, each one fsync covering every record appended meanwhile. */
  get groupCount(): number {
    return this.groups;
  }

  /**
   * Appends `record`; resolves once it (or, with a `key`, a newer record of the same key appended in
   * the same group) is fsynced. Rejects with `JournalError` when the record cannot be journalled (not
   * JSON, refused by `decode`), the journal is closed, or the write failed.
   */
  append(record: R, key?: string): Promise<void> {
    let line: string;
    try {
      line = this.encode(record);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.enqueue((resolve, reject) => ({ kind: "append", key, line, resolve, reject }));
  }

  /**
   * Replaces the whole journal with `snapshot()`'s records (compaction). `snapshot` is called once every
   * append made before this call is on disk and its callers have seen it resolve; appends made after
   * wait and go into the new file. If `snapshot` throws, that error is thrown and nothing changes.
   */
  rewrite(snapshot: () => readonly R[]): Promise<void> {
    return this.enqueue((resolve, reject) => ({ kind: "rewrite", snapshot, resolve, reject }));
  }

  /** Lands every pending operation, then closes the file; later appends and rewrites reject with `JournalError`. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.working) await this.working;
      await this.handle.close();
    })();
    return this.closing;
  }

  private enqueue(
    make: (resolve: () => void, reject: (error: unknown) => void) => QueuedAppend | QueuedRewrite<R>,
  ): Promise<void> {
    if (this.closing) return Promise.reject(new JournalError(`${this.path}: journal is closed`));
    return new Promise<void>((resolve, reject) => {
      this.queue.push(make(resolve, reject));
      this.kick();
    });
  }

  private kick(): void {
    if (this.working || this.queue.length === 0) return;
    this.working = this.work().finally(() => {
      this.working = undefined;
      this.kick();
    });
  }

  /** Runs the queue in order: each run of appends is one group (one write, one fsync), each rewrite on its own. */
  private async work(): Promise<void> {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (head.kind === "rewrite") {
        this.queue.shift();
        await this.runRewrite(head);
        continue;
      }
      const end = this.queue.findIndex((q) => q.kind === "rewrite");
      const group = this.queue.splice(0, end === -1 ? this.queue.length : end) as QueuedAppend[];
      try {
        await this.writeGroup(coalesce(group));
        this.groups++;
        for (const q of group) q.resolve();
      } catch (error) {
        for (const q of group) q.reject(error);
      }
    }
  }

  private async writeGroup(lines: string[]): Promise<void> {
    this.checkUsable();
    const data = Buffer.from(lines.join(""), "utf8");
    try {
      await writeAll(this.handle, data);
      await this.handle.datasync();
    } catch (cause) {
      // Cut a partly written group off the file; if that fails too, the tail is unknown.
      await this.handle.truncate(this.size).catch(() => (this.broken = cause));
      throw new JournalError(`${this.path}: append failed`, { cause });
    }
    this.size += data.length;
    this.lines += lines.length;
  }

  private async runRewrite(op: QueuedRewrite<R>): Promise<void> {
    try {
      this.checkUsable();
      // A fresh turn of the event loop: the reactions to the appends just resolved have all run.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const records = op.snapshot();
      const data = Buffer.from(records.map((r) => this.encode(r)).join(""), "utf8");
      try {
        await replaceFile(this.path, data);
      } catch (cause) {
        throw new JournalError(`${this.path}: compaction failed; the journal is unchanged`, { cause });
      }
      // The old handle still points at the replaced file; appends must go to the new one.
      const old = this.handle;
      try {
        this.handle = await open(this.path, "a");
      } catch (cause) {
        this.broken = cause;
        throw new JournalError(`${this.path}: cannot reopen the journal after compaction`, { cause });
      } finally {
        await old.close();
      }
      this.size = data.length;
      this.lines = records.length;
      op.resolve();
    } catch (error) {
      op.reject(error);
    }
  }

  private checkUsable(): void {
    if (this.broken !== undefined) {
      throw new JournalError(`${this.path}: journal is unusable after a failed write`, {
        cause: this.broken,
      });
    }
  }

  /** The record's line, newline included; throws `JournalError` for a record the journal could not read back. */
  private encode(record: R): string {
    let json: string | undefined;
    try {
      json = JSON.stringify(record);
    } catch (cause) {
      throw new JournalError(`${this.path}: a journal record must be JSON`, { cause });
    }
    const readable =
      json !== undefined &&
      (this.decode ? parseLine(json, this.decode) !== undefined : isStructured(record) && /^[[{]/.test(json));
    if (!readable) throw new JournalError(`${this.path}: not a record this journal can read back: ${json}`);
    return json + "\n";
  }
}

/** The group's lines, keeping only the last line of each key (in the position of that last one). */
function coalesce(group: QueuedAppend[]): string[] {
  const lastOf = new Map<string, number>();
  group.forEach((q, i) => q.key !== undefined && lastOf.set(q.key, i));
  return group.filter((q, i) => q.key === undefined || lastOf.get(q.key) === i).map((q) => q.line);
}

/** The record a line holds, or undefined when it is not JSON or `decode` refuses it (or throws). */
function parseLine<R>(text: string, decode: (value: unknown) => R | undefined): R | undefined {
  try {
    return decode(JSON.parse(text));
  } catch {
    return undefined;
  }
}

// -------------------------------------------------------------------------------------------------
// The operators' journal of accepted transactions
// -------------------------------------------------------------------------------------------------

export interface TxJournalOptions {
  /** Told when `open` drops a torn last line. */
  logger?: Logger;
}

/** Non-empty, even-length 0x-prefixed hex. */
const HEX = /^0x(?:[0-9a-fA-F]{2})+$/;

interface TxRecord {
  tx: string;
}

function decodeTxRecord(value: unknown): TxRecord | undefined {
  if (!isStructured(value) || Array.isArray(value)) return undefined;
  const tx = (value as { tx?: unknown }).tx;
  return typeof tx === "string" && HEX.test(tx) ? { tx } : undefined;
}

/**
 * The rollup operators' (the optimistic sequencer's, the zk operator's) journal of accepted Layer-2
 * transactions: a `Journal` of `{"tx":"0x.."}` lines in acceptance order, with the transactions held
 * in memory for recovery and compaction by predicate (`retain`). A line whose `tx` is not hex is not
 * an entry: dropped as torn when last, corruption elsewhere.
 */
export class TxJournal {
  private readonly txs: string[];

  private constructor(
    private readonly journal: Journal<TxRecord>,
    records: TxRecord[],
  ) {
    this.txs = records.map((r) => r.tx);
  }

  /** Opens (creating if missing) the journal at `path`, repairing a torn last line. */
  static async open(path: string, options: TxJournalOptions = {}): Promise<TxJournal> {
    const { journal, records } = await Journal.open<TxRecord>(path, { ...options, decode: decodeTxRecord });
    return new TxJournal(journal, records);
  }

  get path(): string {
    return this.journal.path;
  }

  /** Fsyncs of appends so far (each covering every transaction appended meanwhile). */
  get groupCount(): number {
    return this.journal.groupCount;
  }

  /** The journalled transactions, in acceptance order. */
  entries(): readonly string[] {
    return this.txs.slice();
  }

  /** Appends one transaction and resolves once it is on disk (fsynced). */
  async append(encodedTx: string): Promise<void> {
    if (typeof encodedTx !== "string" || !HEX.test(encodedTx)) {
      throw new JournalError(`a journal entry must be non-empty 0x hex, got "${encodedTx}"`);
    }
    await this.journal.append({ tx: encodedTx });
    this.txs.push(encodedTx);
  }

  /**
   * Keeps only the entries `keep` accepts, in order (compaction). A crash leaves either the whole old
   * or the whole new journal; if `keep` throws, that error is thrown and nothing changes.
   */
  async retain(keep: (encodedTx: string) => boolean): Promise<void> {
    let seen = 0;
    let kept: string[] = [];
    await this.journal.rewrite(() => {
      seen = this.txs.length;
      kept = this.txs.filter((tx) => keep(tx));
      return kept.map((tx) => ({ tx }));
    });
    this.txs.splice(0, seen, ...kept);
  }

  /** Lands every pending operation, then closes the file. Later appends and retains reject with `JournalError`. */
  close(): Promise<void> {
    return this.journal.close();
  }
}
