import { mkdir, open, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { replaceFile, syncDir, writeAll } from "../common/durable-file";
import { StrataError } from "../common/errors";
import type { Logger } from "../common/logger";

/**
 * The sequencer's durable, append-only journal of accepted Layer-2 transactions: one JSON line
 * `{"tx":"0x.."}` per transaction, in acceptance order. `append` resolves only after the line is
 * fsynced, so a transaction the sequencer has called "accepted" survives a crash.
 *
 * Crash recovery on `open`: a torn last line (no trailing newline, or not valid JSON) is a write
 * the crash interrupted; it is dropped and the file truncated back to the last whole line. A bad
 * line anywhere else is corruption, not a crash, and `open` refuses it with a `JournalError`.
 */
export class JournalError extends StrataError {}

export interface TxJournalOptions {
  /** Told when `open` drops a torn last line. */
  logger?: Logger;
}

/** Non-empty, even-length 0x-prefixed hex. */
const HEX = /^0x(?:[0-9a-fA-F]{2})+$/;
const NEWLINE = 0x0a;

/** The transaction a journal line holds, or undefined when the line is not a well-formed entry. */
function parseLine(line: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const tx = (value as { tx?: unknown }).tx;
  return typeof tx === "string" && HEX.test(tx) ? tx : undefined;
}

function encodeLine(encodedTx: string): Buffer {
  return Buffer.from(JSON.stringify({ tx: encodedTx }) + "\n", "utf8");
}

export class TxJournal {
  /** Operations run one after another on this chain, so lines never interleave. */
  private tail: Promise<void> = Promise.resolve();
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Set when a failed write could not be rolled back: the file's tail is unknown, so stop writing. */
  private broken: unknown;

  private constructor(
    readonly path: string,
    private handle: FileHandle,
    private readonly txs: string[],
    /** Bytes of whole lines in the file. */
    private size: number,
  ) {}

  /** Opens (creating if missing) the journal at `path`, repairing a torn last line. */
  static async open(path: string, options: TxJournalOptions = {}): Promise<TxJournal> {
    await mkdir(dirname(path), { recursive: true });
    // A temporary file left by a crash during `retain` was never renamed into place: the journal
    // at `path` is still the whole old one.
    await rm(path + ".tmp", { force: true });
    const handle = await open(path, "a+");
    try {
      const bytes = await handle.readFile();
      const txs: string[] = [];
      let start = 0;
      let line = 0;
      while (start < bytes.length) {
        line++;
        const newline = bytes.indexOf(NEWLINE, start);
        const isLast = newline === -1 || newline === bytes.length - 1;
        const tx = newline === -1 ? undefined : parseLine(bytes.toString("utf8", start, newline));
        if (tx === undefined) {
          if (!isLast) throw new JournalError(`${path}: malformed entry on line ${line}`);
          options.logger?.warn("dropped a torn last journal entry", { path, line });
          break;
        }
        txs.push(tx);
        start = newline + 1;
      }
      if (start < bytes.length) {
        await handle.truncate(start);
        await handle.sync();
      }
      await syncDir(dirname(path));
      return new TxJournal(path, handle, txs, start);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** The journalled transactions, in acceptance order. */
  entries(): readonly string[] {
    return this.txs.slice();
  }

  /** Appends one transaction and resolves once it is on disk (fsynced). */
  append(encodedTx: string): Promise<void> {
    if (typeof encodedTx !== "string" || !HEX.test(encodedTx)) {
      return Promise.reject(new JournalError(`a journal entry must be non-empty 0x hex, got "${encodedTx}"`));
    }
    const line = encodeLine(encodedTx);
    return this.enqueue(async () => {
      try {
        await writeAll(this.handle, line);
        await this.handle.sync();
      } catch (cause) {
        await this.rollBack(cause);
        throw new JournalError(`${this.path}: append failed`, { cause });
      }
      this.size += line.length;
      this.txs.push(encodedTx);
    });
  }

  /**
   * Keeps only the entries `keep` accepts, in order. The new journal is written beside the old one,
   * fsynced and renamed over it, so a crash leaves either the whole old or the whole new journal.
   */
  retain(keep: (encodedTx: string) => boolean): Promise<void> {
    return this.enqueue(async () => {
      const kept = this.txs.filter((tx) => keep(tx));
      const data = Buffer.concat(kept.map(encodeLine));
      try {
        await replaceFile(this.path, data);
      } catch (cause) {
        throw new JournalError(`${this.path}: retain failed; the journal is unchanged`, { cause });
      }
      // The old handle still points at the replaced file; appends must go to the new one.
      const old = this.handle;
      try {
        this.handle = await open(this.path, "a");
      } catch (cause) {
        this.broken = cause;
        throw new JournalError(`${this.path}: cannot reopen the journal after retain`, { cause });
      } finally {
        await old.close();
      }
      this.txs.splice(0, this.txs.length, ...kept);
      this.size = data.length;
    });
  }

  /** Waits for pending operations, then closes the file. Later appends and retains reject with `JournalError`. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      this.closing = this.tail.then(() => this.handle.close());
    }
    return this.closing;
  }

  private enqueue(operation: () => Promise<void>): Promise<void> {
    if (this.closed) return Promise.reject(new JournalError(`${this.path}: journal is closed`));
    const run = this.tail.then(() => {
      if (this.broken !== undefined) {
        throw new JournalError(`${this.path}: journal is unusable after a failed write`, {
          cause: this.broken,
        });
      }
      return operation();
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Cuts a partly written line off the file; if that fails too, refuses all later writes. */
  private async rollBack(cause: unknown): Promise<void> {
    try {
      await this.handle.truncate(this.size);
    } catch {
      this.broken = cause;
    }
  }
}
