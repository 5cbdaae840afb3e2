import { mkdir, open, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { replaceFile, syncDir, writeAll } from "../common/durable-file";
import type { Logger } from "../common/logger";
import { StoreCorruptError, StoreError } from "./errors";

/**
 * An append-only journal of JSON records, one per line, with group commit: every record appended
 * while a write is on its way goes into the next write, and one fsync makes the whole group durable.
 * `append` resolves only once its record is on disk. Within a group, records with the same `key` are
 * coalesced: only the last is written (a newer channel state makes the older one worthless).
 *
 * Crash recovery on `open`: a torn last line (no newline, or not JSON) is a write the crash cut short;
 * it is dropped and the file truncated to the last whole line. A bad line elsewhere is corruption:
 * `open` throws `StoreCorruptError`. `rewrite` (compaction) writes a new file beside the old one,
 * fsyncs it and renames it over the old, so a crash leaves one or the other, whole.
 */
export interface GroupJournalOptions {
  logger?: Logger;
}

interface Queued {
  key: string | undefined;
  line: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const NEWLINE = 0x0a;

export class GroupJournal {
  private queue: Queued[] = [];
  private flushing: Promise<void> | undefined;
  private rewriting: Promise<void> | undefined;
  private closed = false;
  private broken: unknown;
  /** Whole lines in the file. */
  private lines: number;
  /** Groups written, i.e. fsyncs of appends. */
  private groups = 0;

  private constructor(
    readonly path: string,
    private handle: FileHandle,
    private size: number,
    lines: number,
  ) {
    this.lines = lines;
  }

  /** Opens (creating) the journal at `path`, repairing a torn last line; returns it and its records. */
  static async open(
    path: string,
    options: GroupJournalOptions = {},
  ): Promise<{ journal: GroupJournal; records: unknown[] }> {
    await mkdir(dirname(path), { recursive: true });
    await rm(path + ".tmp", { force: true });
    const handle = await open(path, "a+");
    try {
      const bytes = await handle.readFile();
      const { records, end } = parseLines(bytes, path, options.logger);
      if (end < bytes.length) {
        await handle.truncate(end);
        await handle.sync();
      }
      await syncDir(dirname(path));
      return { journal: new GroupJournal(path, handle, end, records.length), records };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Lines in the file: what compaction would shrink. */
  get lineCount(): number {
    return this.lines;
  }

  /** How many group writes (each one fsync) have been made since `open`. */
  get groupCount(): number {
    return this.groups;
  }

  /** Appends `record`; resolves once it (or a newer record with the same `key`) is fsynced. */
  append(record: unknown, key?: string): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError(`${this.path}: journal is closed`));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ key, line: JSON.stringify(record) + "\n", resolve, reject });
      this.kick();
    });
  }

  /**
   * Replaces the whole journal with `snapshot()`'s records, taken once every append made so far is on
   * disk. Appends made meanwhile wait and go into the new file.
   */
  async rewrite(snapshot: () => unknown[]): Promise<void> {
    while (this.rewriting) await this.rewriting;
    const run = (async () => {
      await this.flushing;
      await this.replaceWith(snapshot());
    })();
    this.rewriting = run
      .catch(() => undefined)
      .finally(() => {
        this.rewriting = undefined;
        this.kick();
      });
    return run;
  }

  /** Waits for pending writes, then closes the file; later appends reject with `StoreError`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing || this.rewriting) await (this.flushing ?? this.rewriting);
    await this.handle.close();
  }

  private kick(): void {
    if (this.flushing || this.rewriting || this.queue.length === 0) return;
    this.flushing = this.flushAll().finally(() => {
      this.flushing = undefined;
      this.kick();
    });
  }

  /** Writes groups until the queue is empty: each group one write and one fsync. */
  private async flushAll(): Promise<void> {
    while (this.queue.length > 0 && !this.rewriting) {
      const group = this.queue.splice(0);
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
    if (this.broken !== undefined) {
      throw new StoreError(`${this.path}: journal unusable after a failed write`, { cause: this.broken });
    }
    const data = Buffer.from(lines.join(""), "utf8");
    try {
      await writeAll(this.handle, data);
      await this.handle.datasync();
    } catch (cause) {
      await this.handle.truncate(this.size).catch(() => (this.broken = cause));
      throw new StoreError(`${this.path}: append failed`, { cause });
    }
    this.size += data.length;
    this.lines += lines.length;
  }

  private async replaceWith(records: unknown[]): Promise<void> {
    const data = Buffer.from(records.map((r) => JSON.stringify(r) + "\n").join(""), "utf8");
    try {
      await replaceFile(this.path, data);
    } catch (cause) {
      throw new StoreError(`${this.path}: compaction failed; the journal is unchanged`, { cause });
    }
    const old = this.handle;
    try {
      this.handle = await open(this.path, "a");
    } catch (cause) {
      this.broken = cause;
      throw new StoreError(`${this.path}: cannot reopen the journal after compaction`, { cause });
    } finally {
      await old.close();
    }
    this.size = data.length;
    this.lines = records.length;
  }
}

/** The group's lines, keeping only the last line of each key (in the position of that last one). */
function coalesce(group: Queued[]): string[] {
  const lastOf = new Map<string, number>();
  group.forEach((q, i) => q.key !== undefined && lastOf.set(q.key, i));
  return group.filter((q, i) => q.key === undefined || lastOf.get(q.key) === i).map((q) => q.line);
}

/** The records of the whole lines, and where they end; a torn last line is left out. */
function parseLines(bytes: Buffer, path: string, logger?: Logger): { records: unknown[]; end: number } {
  const records: unknown[] = [];
  let start = 0;
  let line = 0;
  while (start < bytes.length) {
    line++;
    const newline = bytes.indexOf(NEWLINE, start);
    const isLast = newline === -1 || newline === bytes.length - 1;
    const record = newline === -1 ? undefined : parseJson(bytes.toString("utf8", start, newline));
    if (record === undefined) {
      if (!isLast) throw new StoreCorruptError(`${path}: malformed entry on line ${line}`);
      logger?.warn("dropped a torn last journal line", { path, line });
      break;
    }
    records.push(record);
    start = newline + 1;
  }
  return { records, end: start };
}

function parseJson(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" ? value : undefined;
  } catch {
    return undefined;
  }
}
