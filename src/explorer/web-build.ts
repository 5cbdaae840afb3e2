/**
 * Builds the explorer's web application (web/explorer/, Preact) with Vite into web/explorer/dist, unless
 * the build there is newer than every source file. The task builds before it serves; the browser tests
 * build before they open a page.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { EXPLORER_WEB_DIST } from "./explorer";

export const EXPLORER_WEB_ROOT = join(EXPLORER_WEB_DIST, "..");

/** The newest modification time under `dir` (skipping `skip`), 0 when there is nothing. */
function newest(dir: string, skip: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (path === skip) continue;
    latest = Math.max(latest, entry.isDirectory() ? newest(path, skip) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Whether web/explorer/dist is older than its sources (the explorer's view types in src/explorer too). */
export function explorerWebStale(): boolean {
  let built: number;
  try {
    built = statSync(join(EXPLORER_WEB_DIST, "index.html")).mtimeMs;
  } catch {
    return true;
  }
  const sources = Math.max(
    newest(EXPLORER_WEB_ROOT, EXPLORER_WEB_DIST),
    newest(join(EXPLORER_WEB_ROOT, "..", "..", "src", "explorer"), ""),
  );
  return sources > built;
}

/** Builds web/explorer/dist when it is stale (or always, with `force`); returns whether it built. */
export async function buildExplorerWeb(options: { force?: boolean } = {}): Promise<boolean> {
  if (!options.force && !explorerWebStale()) return false;
  // Vite is an ES module: loaded with a real dynamic import, which CommonJS would turn into require().
  const vite = (await new Function("specifier", "return import(specifier)")("vite")) as {
    build(config: Record<string, unknown>): Promise<unknown>;
  };
  await vite.build({
    root: EXPLORER_WEB_ROOT,
    configFile: join(EXPLORER_WEB_ROOT, "vite.config.mts"),
    logLevel: "warn",
  });
  return true;
}
