import { expect } from "chai";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JournalError, TxJournal } from "../../src/optimistic/journal";

const line = (tx: string) => JSON.stringify({ tx }) + "\n";

/** A distinct, variable-length transaction hex per i, so interleaved writes would show. */
const txOf = (i: number) => "0x02" + i.toString(16).padStart(8, "0") + "ab".repeat(1 + (i % 97));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("TxJournal", () => {
  let dir: string;
  let path: string;
  const opened: TxJournal[] = [];

  const openJournal = async (at = path) => {
    const journal = await TxJournal.open(at);
    opened.push(journal);
    return journal;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "strata-journal-"));
    path = join(dir, "sequencer", "journal.jsonl");
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((journal) => journal.close()));
    await rm(dir, { recursive: true, force: true });
  });

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

    it("throws JournalError naming the line when a middle line is malformed", async () => {
      await openJournal().then((j) => j.close());
      await writeFile(path, line("0x01") + "garbage\n" + line("0x03"));
      const error = await rejection(TxJournal.open(path));
      expect(error).to.be.instanceOf(JournalError);
      expect((error as JournalError).name).to.equal("JournalError");
      expect((error as JournalError).message).to.contain("line 2");
      expect(await readFile(path, "utf8")).to.equal(line("0x01") + "garbage\n" + line("0x03"));
    });

    it("throws JournalError when a middle entry's tx is not hex", async () => {
      await openJournal().then((j) => j.close());
      await writeFile(path, line("0x01") + line("hello") + line("0x03"));
      const error = await rejection(TxJournal.open(path));
      expect(error).to.be.instanceOf(JournalError);
      expect((error as JournalError).message).to.contain("line 2");
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

    it("writes whole lines in call order when appends run concurrently", async () => {
      const journal = await openJournal();
      const txs = Array.from({ length: 300 }, (_, i) => txOf(i));
      await Promise.all(txs.map((tx) => journal.append(tx)));
      expect(journal.entries()).to.deep.equal(txs);
      await journal.close();
      expect(await readFile(path, "utf8")).to.equal(txs.map(line).join(""));
      expect((await openJournal()).entries()).to.deep.equal(txs);
    });

    it("rejects with JournalError when the entry is not hex", async () => {
      const journal = await openJournal();
      for (const bad of ["", "0x", "0x123", "02ab", "0xzz", '0x01"}\n{"tx":"0x02']) {
        expect(await rejection(journal.append(bad))).to.be.instanceOf(JournalError);
      }
      expect(journal.entries()).to.deep.equal([]);
      expect(await readFile(path, "utf8")).to.equal("");
    });

    it("rejects with JournalError when the journal is closed", async () => {
      const journal = await openJournal();
      await journal.close();
      expect(await rejection(journal.append("0x01"))).to.be.instanceOf(JournalError);
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

    it("sees appends queued before it when calls overlap", async () => {
      const journal = await openJournal();
      const pending = [journal.append("0x01"), journal.append("0x02"), journal.retain((tx) => tx !== "0x01")];
      await Promise.all(pending);
      expect(journal.entries()).to.deep.equal(["0x02"]);
    });

    it("leaves the journal unchanged when keep throws", async () => {
      const journal = await openJournal();
      await journal.append("0x01");
      const error = await rejection(
        journal.retain(() => {
          throw new Error("boom");
        }),
      );
      expect((error as Error).message).to.equal("boom");
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
});
