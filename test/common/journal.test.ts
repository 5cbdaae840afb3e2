import { existsSync } from "node:fs";
import { appendFile, readFile, stat, writeFile } from "node:fs/promises";
import { killAfterAcks } from "../helpers/kill-after-acks";
import { useTempDir } from "../helpers/temp-dir";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { JournalOptions } from "../../src/common/journal";
import { Journal, JournalCorruptError, JournalError, TxJournal } from "../../src/common/journal";

const line = (tx: string) => JSON.stringify({ tx }) + "\n";
const json = (record: unknown) => JSON.stringify(record) + "\n";

/** A distinct, variable-length transaction hex per i, so interleaved writes would show. */
const txOf = (i: number) => "0x02" + i.toString(16).padStart(8, "0") + "ab".repeat(1 + (i % 97));

/** The journal's open file: where a test injects a disk failure. */
const fileOf = (journal: Journal<unknown>): FileHandle => Reflect.get(journal, "handle") as FileHandle;

let dir: string;
let path: string;

/** A fresh directory per test (`dir`, the journal at `path` in it), removed after it once `opened` journals are closed. */
function useJournalDir(opened: Array<{ close(): Promise<void> }>): void {
  const tempDir = useTempDir("strata-journal-", opened);
  beforeEach(() => {
    dir = tempDir();
    path = join(dir, "service", "journal.jsonl");
  });
}

describe("Journal", () => {
  const opened: Array<Journal<unknown>> = [];
  const openJournal = async (options: JournalOptions<unknown> = {}) => {
    const { journal, records } = await Journal.open(path, options);
    opened.push(journal);
    return { journal, records };
  };
  useJournalDir(opened);

  describe("open", () => {
    it("creates the parent directory and an empty journal when none exists", async () => {
      const { records } = await openJournal();
      expect(records).to.deep.equal([]);
      expect(await readFile(path, "utf8")).to.equal("");
    });

    it("returns every record in order across a reopen", async () => {
      const { journal } = await openJournal();
      for (const n of [1, 2, 3]) await journal.append({ n });
      await journal.append([4]);
      await journal.close();
      expect((await openJournal()).records).to.deep.equal([{ n: 1 }, { n: 2 }, { n: 3 }, [4]]);
    });

    it("drops a torn last line, truncates the file and tells the logger", async () => {
      await (await openJournal()).journal.close();
      await writeFile(path, json({ n: 1 }) + '{"n":2');
      const warnings: unknown[] = [];
      const logger = {
        debug: () => undefined,
        info: () => undefined,
        warn: (message: string, fields?: unknown) => warnings.push({ message, fields }),
        error: () => undefined,
        child: () => logger,
      };
      const { records } = await openJournal({ logger });
      expect(records).to.deep.equal([{ n: 1 }]);
      expect(await readFile(path, "utf8")).to.equal(json({ n: 1 }));
      expect(warnings).to.deep.equal([
        { message: "dropped a torn last journal line", fields: { path, line: 2 } },
      ]);
    });

    it("drops a whole last line that is JSON but not a record (a torn number or string)", async () => {
      await (await openJournal()).journal.close();
      await writeFile(path, json({ n: 1 }) + "12\n");
      expect((await openJournal()).records).to.deep.equal([{ n: 1 }]);
      expect(await readFile(path, "utf8")).to.equal(json({ n: 1 }));
    });

    it("throws JournalCorruptError naming the path and line when a middle line is malformed", async () => {
      await (await openJournal()).journal.close();
      const text = json({ n: 1 }) + json({ n: 2 }) + "garbage\n" + json({ n: 4 });
      await writeFile(path, text);
      const error = (await expect(Journal.open(path)).to.be.rejectedWith(
        JournalCorruptError,
      )) as JournalCorruptError;
      expect(error).to.be.instanceOf(JournalError);
      expect(error.name).to.equal("JournalCorruptError");
      expect(error.line).to.equal(3);
      expect(error.path).to.equal(path);
      expect(error.message).to.contain("line 3");
      expect(await readFile(path, "utf8")).to.equal(text);
    });

    it("throws JournalCorruptError when decode refuses a middle line, and drops a refused last line", async () => {
      await (await openJournal()).journal.close();
      const decode = (value: unknown) => ((value as { n?: unknown }).n === 7 ? undefined : value);
      await writeFile(path, json({ n: 1 }) + json({ n: 7 }) + json({ n: 3 }));
      await expect(Journal.open(path, { decode })).to.be.rejectedWith(JournalCorruptError, "line 2");
      await writeFile(path, json({ n: 1 }) + json({ n: 7 }));
      expect((await openJournal({ decode })).records).to.deep.equal([{ n: 1 }]);
    });
  });

  describe("append", () => {
    it("group-commits: records appended while a write is on its way share one fsync", async () => {
      const { journal } = await openJournal();
      const records = Array.from({ length: 500 }, (_, n) => ({ n }));
      await Promise.all(records.map((r) => journal.append(r)));
      expect(journal.groupCount).to.be.lessThan(10);
      expect(journal.groupCount).to.be.greaterThan(0);
      expect(journal.lineCount).to.equal(500);
      await journal.close();
      expect((await openJournal()).records).to.deep.equal(records);
    });

    it("takes one fsync per append when appends wait for each other", async () => {
      const { journal } = await openJournal();
      for (let n = 0; n < 5; n++) await journal.append({ n });
      expect(journal.groupCount).to.equal(5);
    });

    it("coalesces records of the same key within a group to the last, resolving every caller", async () => {
      const { journal } = await openJournal();
      await journal.append({ warm: true });
      const first = journal.append({ n: 0 }); // written alone, while the others queue behind it
      const queued = [
        journal.append({ k: "a", v: 1 }, "a"),
        journal.append({ k: "b", v: 1 }, "b"),
        journal.append({ k: "a", v: 2 }, "a"),
        journal.append({ plain: 1 }),
        journal.append({ k: "a", v: 3 }, "a"),
      ];
      await Promise.all([first, ...queued]);
      await journal.close();
      expect((await openJournal()).records).to.deep.equal([
        { warm: true },
        { n: 0 },
        { k: "b", v: 1 },
        { plain: 1 },
        { k: "a", v: 3 },
      ]);
    });

    it("rejects with JournalError a record it could not read back, and writes nothing", async () => {
      const { journal } = await openJournal();
      for (const bad of [{ n: 1n }, 12, "text", null, undefined, new Date(0)]) {
        await expect(journal.append(bad)).to.be.rejectedWith(JournalError);
      }
      await journal.close();
      const decode = (value: unknown) => ((value as { ok?: unknown }).ok === true ? value : undefined);
      const strict = (await openJournal({ decode })).journal;
      for (const bad of [{ ok: false }, {}, null, 7]) {
        await expect(strict.append(bad)).to.be.rejectedWith(JournalError);
      }
      await strict.append({ ok: true });
      expect(await readFile(path, "utf8")).to.equal(json({ ok: true }));
    });

    it("rejects with JournalError after close, and lands every append made before it", async () => {
      const { journal } = await openJournal();
      const pending = [journal.append({ n: 1 }), journal.append({ n: 2 })];
      await journal.close();
      await Promise.all(pending);
      await expect(journal.append({ n: 3 })).to.be.rejectedWith(JournalError, "closed");
      await expect(journal.rewrite(() => [])).to.be.rejectedWith(JournalError, "closed");
      expect(await readFile(path, "utf8")).to.equal(json({ n: 1 }) + json({ n: 2 }));
    });

    it("rejects the group and cuts its bytes off the file when a write fails, then writes again", async () => {
      const { journal } = await openJournal();
      await journal.append({ n: 1 });
      const file = fileOf(journal);
      const datasync = file.datasync.bind(file);
      file.datasync = () => Promise.reject(new Error("EIO"));
      const error = (await expect(journal.append({ n: 2 })).to.be.rejectedWith(
        JournalError,
        "append failed",
      )) as JournalError;
      expect((error.cause as Error).message).to.equal("EIO");
      expect(await readFile(path, "utf8")).to.equal(json({ n: 1 }));
      file.datasync = datasync;
      await journal.append({ n: 3 });
      expect(await readFile(path, "utf8")).to.equal(json({ n: 1 }) + json({ n: 3 }));
    });

    it("refuses every later write when a failed write cannot be cut off (the tail is unknown)", async () => {
      const { journal } = await openJournal();
      await journal.append({ n: 1 });
      const file = fileOf(journal);
      file.datasync = () => Promise.reject(new Error("EIO"));
      file.truncate = () => Promise.reject(new Error("EROFS"));
      await expect(journal.append({ n: 2 })).to.be.rejectedWith(JournalError, "append failed");
      const later = (await expect(journal.append({ n: 3 })).to.be.rejectedWith(
        JournalError,
        "unusable",
      )) as JournalError;
      expect((later.cause as Error).message).to.equal("EIO");
      await expect(journal.rewrite(() => [])).to.be.rejectedWith(JournalError, "unusable");
    });
  });

  describe("rewrite", () => {
    it("replaces the file by rename, leaves no temporary file, and appends go to the new file", async () => {
      const { journal } = await openJournal();
      for (let n = 0; n < 10; n++) await journal.append({ n });
      const before = await stat(path);
      await journal.rewrite(() => [{ n: 9 }]);
      expect((await stat(path)).ino).to.not.equal(before.ino);
      expect(existsSync(path + ".tmp")).to.equal(false);
      expect(journal.lineCount).to.equal(1);
      await journal.append({ n: 10 });
      await journal.close();
      expect(await readFile(path, "utf8")).to.equal(json({ n: 9 }) + json({ n: 10 }));
    });

    it("takes its snapshot after every earlier append is durable and seen, before any later one", async () => {
      const { journal } = await openJournal();
      const seen: number[] = [];
      const appendSeen = async (n: number) => {
        await journal.append({ n });
        seen.push(n);
      };
      const early = [appendSeen(1), appendSeen(2)];
      let snapshotOf: number[] = [];
      const rewrite = journal.rewrite(() => {
        snapshotOf = seen.slice();
        return seen.map((n) => ({ n }));
      });
      const late = appendSeen(3);
      await Promise.all([...early, rewrite, late]);
      expect(snapshotOf).to.deep.equal([1, 2]);
      await journal.close();
      expect((await openJournal()).records).to.deep.equal([{ n: 1 }, { n: 2 }, { n: 3 }]);
    });

    it("throws what snapshot throws and leaves the journal unchanged", async () => {
      const { journal } = await openJournal();
      await journal.append({ n: 1 });
      await expect(
        journal.rewrite(() => {
          throw new Error("boom");
        }),
      ).to.be.rejectedWith(Error, "boom");
      await journal.append({ n: 2 });
      expect(await readFile(path, "utf8")).to.equal(json({ n: 1 }) + json({ n: 2 }));
    });

    it("keeps the old journal whole when a crash during compaction left a partial temporary file", async () => {
      const { journal } = await openJournal();
      await journal.append({ n: 1 });
      await journal.append({ n: 2 });
      await journal.close();
      await writeFile(path + ".tmp", json({ n: 2 }) + '{"n":'); // killed mid-rewrite, before the rename
      expect((await openJournal()).records).to.deep.equal([{ n: 1 }, { n: 2 }]);
      expect(existsSync(path + ".tmp")).to.equal(false);
    });

    it("keeps the new journal whole when a crash came after the rename", async () => {
      const { journal } = await openJournal();
      for (let n = 0; n < 5; n++) await journal.append({ n });
      await journal.rewrite(() => [{ n: 4 }]);
      // killed here: the rename is durable, the process never closed the file
      expect((await openJournal()).records).to.deep.equal([{ n: 4 }]);
    });
  });

  describe("crash", () => {
    it("keeps every acknowledged record, in order and whole, after a SIGKILL in the middle of appending", async function () {
      this.timeout(60_000);
      const acked = await appendUntilKilled(path, 300);
      const { records } = await openJournal();
      const ns = (records as Array<{ n: number }>).map((r) => r.n);
      expect(ns).to.deep.equal(Array.from({ length: ns.length }, (_, i) => i + 1));
      expect(ns.length).to.be.at.least(acked);
      const text = await readFile(path, "utf8");
      expect(text === "" || text.endsWith("\n")).to.equal(true);
    });
  });
});

describe("TxJournal", () => {
  const opened: TxJournal[] = [];
  const openJournal = async () => {
    const journal = await TxJournal.open(path);
    opened.push(journal);
    return journal;
  };
  useJournalDir(opened);

  describe("open", () => {
    it("creates the parent directory and an empty journal when none exists", async () => {
      const journal = await openJournal();
      expect(journal.entries()).to.deep.equal([]);
      expect(await readFile(path, "utf8")).to.equal("");
    });

    it("drops a torn last line and truncates the file when the last write has no newline", async () => {
      const first = await openJournal();
      await first.close();
      await writeFile(path, line("0x01") + line("0x02") + '{"tx":"0x0');
      const journal = await openJournal();
      expect(journal.entries()).to.deep.equal(["0x01", "0x02"]);
      expect(await readFile(path, "utf8")).to.equal(line("0x01") + line("0x02"));
    });

    it("drops a newline-terminated last line when it is not valid JSON", async () => {
      await openJournal().then((j) => j.close());
      await writeFile(path, line("0x01") + '{"tx":"0x02"\n');
      const journal = await openJournal();
      expect(journal.entries()).to.deep.equal(["0x01"]);
      expect(await readFile(path, "utf8")).to.equal(line("0x01"));
    });

    it("appends after the last whole line when a torn line was repaired", async () => {
      await openJournal().then((j) => j.close());
      await writeFile(path, line("0x01") + '{"tx":');
      const journal = await openJournal();
      await journal.append("0x03");
      await journal.close();
      expect((await openJournal()).entries()).to.deep.equal(["0x01", "0x03"]);
    });

    it("throws JournalCorruptError naming the line when a middle line is malformed", async () => {
      await openJournal().then((j) => j.close());
      await writeFile(path, line("0x01") + "garbage\n" + line("0x03"));
      const error = (await expect(TxJournal.open(path)).to.be.rejectedWith(
        JournalCorruptError,
      )) as JournalCorruptError;
      expect(error).to.be.instanceOf(JournalError);
      expect(error.name).to.equal("JournalCorruptError");
      expect(error.message).to.contain("line 2");
      expect(await readFile(path, "utf8")).to.equal(line("0x01") + "garbage\n" + line("0x03"));
    });

    it("throws JournalCorruptError when a middle entry's tx is not hex", async () => {
      await openJournal().then((j) => j.close());
      await writeFile(path, line("0x01") + line("hello") + line("0x03"));
      await expect(TxJournal.open(path)).to.be.rejectedWith(JournalCorruptError, "line 2");
    });
  });

  describe("append", () => {
    it("keeps every entry in order across a reopen", async () => {
      const journal = await openJournal();
      for (const tx of ["0x0201", "0x0202", "0x0203"]) await journal.append(tx);
      expect(journal.entries()).to.deep.equal(["0x0201", "0x0202", "0x0203"]);
      await journal.close();
      expect((await openJournal()).entries()).to.deep.equal(["0x0201", "0x0202", "0x0203"]);
    });

    it("writes whole lines in call order when appends run concurrently, group-committed", async () => {
      const journal = await openJournal();
      const txs = Array.from({ length: 300 }, (_, i) => txOf(i));
      await Promise.all(txs.map((tx) => journal.append(tx)));
      expect(journal.entries()).to.deep.equal(txs);
      expect(journal.groupCount).to.be.lessThan(10);
      await journal.close();
      expect(await readFile(path, "utf8")).to.equal(txs.map(line).join(""));
      expect((await openJournal()).entries()).to.deep.equal(txs);
    });

    it("rejects with JournalError when the entry is not hex", async () => {
      const journal = await openJournal();
      for (const bad of ["", "0x", "0x123", "02ab", "0xzz", '0x01"}\n{"tx":"0x02']) {
        await expect(journal.append(bad)).to.be.rejectedWith(JournalError);
      }
      expect(journal.entries()).to.deep.equal([]);
      expect(await readFile(path, "utf8")).to.equal("");
    });

    it("rejects with JournalError when the journal is closed", async () => {
      const journal = await openJournal();
      await journal.close();
      await expect(journal.append("0x01")).to.be.rejectedWith(JournalError);
      await expect(journal.retain(() => true)).to.be.rejectedWith(JournalError);
    });

    it("lands every pending append before close resolves", async () => {
      const journal = await openJournal();
      const pending = [journal.append("0x01"), journal.append("0x02")];
      await journal.close();
      await Promise.all(pending);
      expect(await readFile(path, "utf8")).to.equal(line("0x01") + line("0x02"));
    });
  });

  describe("retain", () => {
    it("keeps only the accepted entries, in order, across a reopen", async () => {
      const journal = await openJournal();
      const txs = Array.from({ length: 20 }, (_, i) => txOf(i));
      for (const tx of txs) await journal.append(tx);
      const odd = (tx: string) => txs.indexOf(tx) % 2 === 1;
      await journal.retain(odd);
      expect(journal.entries()).to.deep.equal(txs.filter(odd));
      await journal.close();
      expect((await openJournal()).entries()).to.deep.equal(txs.filter(odd));
    });

    it("replaces the file by rename and leaves no temporary file when it succeeds", async () => {
      const journal = await openJournal();
      await journal.append("0x01");
      await journal.append("0x02");
      const before = await stat(path);
      await journal.retain((tx) => tx === "0x02");
      expect((await stat(path)).ino).to.not.equal(before.ino);
      expect(existsSync(path + ".tmp")).to.equal(false);
      expect(await readFile(path, "utf8")).to.equal(line("0x02"));
    });

    it("appends to the new journal when entries are appended after a retain", async () => {
      const journal = await openJournal();
      await journal.append("0x01");
      await journal.append("0x02");
      await journal.retain((tx) => tx !== "0x01");
      await journal.append("0x03");
      await journal.close();
      expect(await readFile(path, "utf8")).to.equal(line("0x02") + line("0x03"));
    });

    it("sees appends queued before it when calls overlap, and not those queued after", async () => {
      const journal = await openJournal();
      const judged: string[] = [];
      const pending = [
        journal.append("0x01"),
        journal.append("0x02"),
        journal.retain((tx) => (judged.push(tx), tx !== "0x01")),
        journal.append("0x03"),
      ];
      await Promise.all(pending);
      expect(judged).to.deep.equal(["0x01", "0x02"]);
      expect(journal.entries()).to.deep.equal(["0x02", "0x03"]);
      await journal.close();
      expect((await openJournal()).entries()).to.deep.equal(["0x02", "0x03"]);
    });

    it("leaves the journal unchanged when keep throws", async () => {
      const journal = await openJournal();
      await journal.append("0x01");
      await expect(
        journal.retain(() => {
          throw new Error("boom");
        }),
      ).to.be.rejectedWith(Error, "boom");
      expect(journal.entries()).to.deep.equal(["0x01"]);
      await journal.append("0x02");
      expect(await readFile(path, "utf8")).to.equal(line("0x01") + line("0x02"));
    });

    it("keeps the old journal when a crash left a partial temporary file", async () => {
      const journal = await openJournal();
      await journal.append("0x01");
      await journal.append("0x02");
      await journal.close();
      await writeFile(path + ".tmp", line("0x02") + '{"tx":"0x0'); // crashed mid-retain
      expect((await openJournal()).entries()).to.deep.equal(["0x01", "0x02"]);
      expect(existsSync(path + ".tmp")).to.equal(false);
    });
  });

  describe("crash", () => {
    it("drops a torn line appended by a crash and keeps every whole entry", async () => {
      const journal = await openJournal();
      for (const tx of ["0x01", "0x02"]) await journal.append(tx);
      await journal.close();
      await appendFile(path, line("0x03").slice(0, 8));
      expect((await openJournal()).entries()).to.deep.equal(["0x01", "0x02"]);
    });
  });
});

/**
 * A child process appends records `{ n }` with n = 1, 2, … (pipelined: many in flight) and acknowledges
 * each on stdout once its append resolved; it is killed with SIGKILL after `after` acknowledgements.
 * Returns the highest n it acknowledged.
 */
async function appendUntilKilled(at: string, after: number): Promise<number> {
  const code = `
    const { Journal } = require(${JSON.stringify(join(__dirname, "..", "..", "src", "common", "journal"))});
    (async () => {
      const { journal } = await Journal.open(${JSON.stringify(at)});
      let n = 0;
      setInterval(() => {
        for (let i = 0; i < 20; i++) {
          const m = ++n;
          journal.append({ n: m, pad: "x".repeat(m % 300) }).then(() => process.send({ ack: String(m) }));
        }
      }, 1);
    })();
  `;
  return Number(await killAfterAcks(code, after));
}
