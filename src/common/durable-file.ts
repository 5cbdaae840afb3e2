/**
 * The file operations a durable journal needs: a write that never stops short, an fsynced directory
 * entry, and a whole-file replacement that a crash leaves either all old or all new.
 */
import { open, readFile, rename, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

/** Writes all of `data` at the handle's position (a single `write` may write less). */
export async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

/** Makes a directory entry change (create, rename) durable; a no-op where directories cannot be synced. */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}

/**
 * Replaces the file at `path` with `data`: written beside it as `tmpPath` (default `<path>.tmp`, which a
 * single writer's recovery knows to remove; writers that may run at once give each their own), fsynced,
 * renamed over it, then the directory synced. On failure the temporary file is removed, the old file is
 * untouched, and the error is thrown as it came.
 */
export async function replaceFile(
  path: string,
  data: Buffer,
  { tmpPath = path + ".tmp" }: { tmpPath?: string } = {},
): Promise<void> {
  let tmp: FileHandle | undefined;
  try {
    tmp = await open(tmpPath, "w");
    await writeAll(tmp, data);
    await tmp.sync();
    await tmp.close();
    tmp = undefined;
    await rename(tmpPath, path);
  } catch (error) {
    await tmp?.close().catch(() => undefined);
    await rm(tmpPath, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDir(dirname(path));
}

/** The text of the file at `path`, or undefined when there is no such file (any other failure is thrown). */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
