import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The sha256 of a file, streamed (ptau and zkey files run to tens of megabytes). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** The sha256 and the blake2b-512 of a file, in one streamed read (the ptau is pinned by both). */
export async function sha256AndBlake2bFile(path: string): Promise<{ sha256: string; blake2b512: string }> {
  const sha = createHash("sha256");
  const blake = createHash("blake2b512");
  for await (const chunk of createReadStream(path)) {
    sha.update(chunk as Buffer);
    blake.update(chunk as Buffer);
  }
  return { sha256: sha.digest("hex"), blake2b512: blake.digest("hex") };
}

/** Every file under `dir`, recursively, as absolute paths; none when `dir` does not exist. */
export async function listFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? listFiles(path) : Promise.resolve(entry.isFile() ? [path] : []);
    }),
  );
  return nested.flat();
}

/**
 * One sha256 over the files under `dirs`: their paths (relative to `base`) and contents, sorted,
 * so that renaming, adding, removing or editing any file changes it.
 */
export async function hashTree(base: string, dirs: readonly string[]): Promise<string> {
  const files = (await Promise.all(dirs.map(listFiles))).flat();
  const entries = await Promise.all(
    files.map(async (file) => `${relative(base, file).split("\\").join("/")}:${await sha256File(file)}`),
  );
  return sha256Hex(entries.sort().join("\n"));
}
