/**
 * Build in a temporary directory, then move it into place: a killed run leaves only a temporary
 * directory (removed by the next run) or the previous build, never a half-written one in place.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

const TEMP_NAME = /^\.(tmp|old)-.+-(\d+)-[0-9a-f]{8}$/;

/** `<dir>/.<kind>-<label>-<pid>-<random>`: the pid lets a later run tell a dead run's leftovers. */
export function tempPath(dir: string, kind: "tmp" | "old", label: string): string {
  return join(dir, `.${kind}-${label}-${process.pid}-${randomBytes(4).toString("hex")}`);
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes the temporary entries in `dir` left by runs that are no longer alive; returns their names. */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const stale = names.filter((name) => {
    const match = TEMP_NAME.exec(name);
    return match !== null && !isAlive(Number(match[2]));
  });
  await Promise.all(stale.map((name) => rm(join(dir, name), { recursive: true, force: true })));
  return stale;
}

/** Replaces directory `target` with `source` (two renames; between them `target` is absent, never partial). */
export async function replaceDir(source: string, target: string): Promise<void> {
  const old = tempPath(dirname(target), "old", basename(target));
  const hadTarget = await rename(target, old).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return false;
      throw error;
    },
  );
  await rename(source, target);
  if (hadTarget) await rm(old, { recursive: true, force: true });
}

/** Writes a file through a temporary sibling and a rename. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPath(dirname(path), "tmp", basename(path));
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
