import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ZkConfigError } from "./errors";
import type { ZkLayout } from "./layout";

/** A circuit profile: RollupBatch(batchSize, depth). */
export interface ZkProfile {
  name: string;
  batchSize: number;
  depth: number;
}

const PROFILE_NAME = /^[a-z][a-z0-9-]*$/;
/** Names the build directory uses for itself. */
const RESERVED = new Set(["ptau"]);

function parseProfile(name: string, value: unknown): ZkProfile {
  if (!PROFILE_NAME.test(name) || RESERVED.has(name)) {
    throw new ZkConfigError(`profile name "${name}" must match ${PROFILE_NAME} and not be reserved`);
  }
  const { batchSize, depth } = (value ?? {}) as { batchSize?: unknown; depth?: unknown };
  for (const [field, n] of [
    ["batchSize", batchSize],
    ["depth", depth],
  ] as const) {
    if (!Number.isSafeInteger(n) || (n as number) < 1) {
      throw new ZkConfigError(`profile "${name}": ${field} must be a positive integer, got ${String(n)}`);
    }
  }
  return { name, batchSize: batchSize as number, depth: depth as number };
}

/** Every profile in `<circuitsDir>/profiles.json`, in file order. */
export async function readProfiles(layout: ZkLayout): Promise<ZkProfile[]> {
  const file = join(layout.circuitsDir, "profiles.json");
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (cause) {
    throw new ZkConfigError(`cannot read ${file}`, { cause });
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ZkConfigError(`${file} must be an object of profiles`);
  }
  return Object.entries(raw as Record<string, unknown>).map(([name, value]) => parseProfile(name, value));
}

/**
 * The profiles to build: `selection` is a list of names or "all" (the default: every profile).
 * Accepts comma-separated names, as the command line and STRATA_ZK_PROFILES give them.
 */
export function selectProfiles(
  all: readonly ZkProfile[],
  selection: readonly string[] = ["all"],
): ZkProfile[] {
  const names = selection
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0 || names.includes("all")) return [...all];
  return [...new Set(names)].map((name) => {
    const profile = all.find((p) => p.name === name);
    if (!profile) {
      throw new ZkConfigError(`unknown profile "${name}" (known: ${all.map((p) => p.name).join(", ")})`);
    }
    return profile;
  });
}
