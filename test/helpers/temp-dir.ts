// A fresh temporary directory for each test of a suite, for the tests of what keeps its state in files (the
// journal, the channel store): whatever the test opened there is closed after it, then the directory removed.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Declares the calling suite's hooks that make a directory named `prefix…` before each test and, after it,
 * close everything in `opened` (emptying it) and remove the directory; returns the current test's directory.
 */
export function useTempDir(prefix: string, opened: Array<{ close(): Promise<void> }>): () => string {
  let dir: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((o) => o.close()));
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => {
    if (dir === undefined) throw new Error("no temporary directory outside a test");
    return dir;
  };
}
