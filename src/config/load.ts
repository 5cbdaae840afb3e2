/**
 * Reads a command's settings from its flags, the environment and the defaults table (./table.ts), in that
 * order of precedence, and checks every one of them before the command touches Layer 1. Every problem is
 * reported at once, in one `ConfigError`, naming the flag and the variable:
 *
 *   ConfigError: --port / STRATA_SEQUENCER_PORT must be a port (1-65535), got "abc"
 *
 * A `STRATA_*` variable that no setting reads is not an error (another command may read it, or it is a
 * typo): `unknownVariables` lists them, with the nearest known name, for the caller to warn about, as geth
 * and op-node warn about a flag they do not know in a config file.
 */
import { StrataError } from "../common/errors";
import type { Command, CommandName, Problem, Setting, SettingsOf } from "./table";
import { COMMANDS, LOCAL_NETWORKS, OTHER_VARIABLES, isLocalNetwork } from "./table";

/** One or more settings are wrong; `problems` has one sentence for each. */
export class ConfigError extends StrataError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      problems.length === 1
        ? problems[0]!
        : `${problems.length} settings are wrong:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.problems = problems;
  }
}

import { flagOf } from "./flags";
export { flagOf };

/**
 * How an error and `--help` name a setting: "--port / STRATA_SEQUENCER_PORT", "<flows> / STRATA_DEMO_FLOWS"
 * for the positional arguments, or the variable alone.
 */
export function nameOf(key: string, setting: Setting, positional?: string): string {
  if (!setting.flag) return setting.env;
  return `${key === positional ? `<${key}>` : flagOf(key)} / ${setting.env}`;
}

export interface LoadOptions {
  /** Hardhat's --network. */
  network: string;
  /** The task's arguments: a flag's text, `true` for a yes/no flag given, a list for the positionals. */
  flags?: Readonly<Record<string, unknown>>;
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

/** What the user typed for `key`, or the default's text; undefined when there is neither. */
function rawValue(key: string, setting: Setting, o: LoadOptions, env: NodeJS.ProcessEnv): string | undefined {
  const flag = setting.flag ? o.flags?.[key] : undefined;
  if (typeof flag === "string") return flag;
  if (flag === true) return "true";
  if (Array.isArray(flag) && flag.length > 0) return flag.join(",");
  const fromEnv = env[setting.env];
  if (fromEnv !== undefined && fromEnv.trim() !== "") return fromEnv;
  const fallback = setting.default;
  if (fallback === undefined || typeof fallback === "string") return fallback;
  return fallback.value({ network: o.network, env });
}

/**
 * The settings of `command`: each read from its flag, else its variable, else its default, then checked
 * one by one and across (a key where no default account exists, two equal ports, an opener's payments
 * larger than its deposit). Throws `ConfigError` listing every problem.
 */
export function loadSettings<C extends CommandName>(command: C, o: LoadOptions): SettingsOf<C> {
  const spec = COMMANDS[command] as unknown as Command;
  const env = o.env ?? process.env;
  const problems: Problem[] = [];
  const values: Record<string, unknown> = {};
  const named = (key: string) => nameOf(key, spec.settings[key]!, spec.positional);

  for (const [key, setting] of Object.entries(spec.settings)) {
    const raw = rawValue(key, setting, o, env);
    if (raw === undefined) {
      values[key] = undefined;
      if (setting.required) problems.push({ setting: key, message: `${named(key)} is required` });
      continue;
    }
    const parsed = setting.kind.schema.safeParse(raw);
    if (parsed.success) values[key] = parsed.data;
    else {
      const got = setting.kind.secret ? "" : `, got "${raw}"`;
      problems.push({ setting: key, message: `${named(key)} ${setting.kind.expected}${got}` });
    }
  }
  const failed = new Set(problems.map((p) => p.setting));

  // A key, or a local chain whose default accounts the command may sign with.
  if ("key" in spec.settings && spec.chain && values.key === undefined && !failed.has("key")) {
    if (!isLocalNetwork(o.network)) {
      problems.push({
        setting: "key",
        message:
          `${named("key")} is required on ${o.network}: without a key only a local chain ` +
          `(${LOCAL_NETWORKS.join(", ")}) has a default account to sign with`,
      });
    }
  }
  // No two of the command's own servers on one port.
  const ports = Object.entries(spec.settings).filter(
    ([key, s]) => s.kind.label === "port" && typeof values[key] === "number",
  );
  for (let i = 0; i < ports.length; i++) {
    for (let j = i + 1; j < ports.length; j++) {
      const [a, b] = [ports[i]![0], ports[j]![0]];
      if (values[a] === values[b]) {
        problems.push({
          setting: b,
          message: `${named(b)} and ${named(a)} are both ${String(values[a])}: each server needs its own port`,
        });
      }
    }
  }
  if (spec.check) {
    const present = Object.fromEntries(Object.entries(values).filter(([key]) => !failed.has(key)));
    // A setting already found wrong is reported once, as that.
    const found = spec.check(present, { network: o.network, nameOf: named });
    problems.push(...found.filter((p) => !failed.has(p.setting)));
  }
  if (problems.length > 0) throw new ConfigError(problems.map((p) => p.message));
  return values as SettingsOf<C>;
}

// -------------------------------------------------------------------------------------------------
// The environment as a whole
// -------------------------------------------------------------------------------------------------

/** Every variable a setting of any command reads, and the tests' own. */
export function knownVariables(): Set<string> {
  const known = new Set(Object.keys(OTHER_VARIABLES));
  for (const spec of Object.values(COMMANDS) as unknown as Command[]) {
    for (const setting of Object.values(spec.settings)) known.add(setting.env);
  }
  return known;
}

export interface UnknownVariable {
  name: string;
  /** The known variable nearest to it, when it looks like a typo of one. */
  suggestion?: string;
}

/** The `STRATA_*` variables of `env` that nothing reads. */
export function unknownVariables(env: NodeJS.ProcessEnv = process.env): UnknownVariable[] {
  const known = knownVariables();
  return Object.keys(env)
    .filter((name) => name.startsWith("STRATA_") && !known.has(name))
    .sort()
    .map((name) => {
      let best: { name: string; distance: number } | undefined;
      for (const candidate of known) {
        const distance = editDistance(name, candidate);
        if (distance <= 3 && (best === undefined || distance < best.distance))
          best = { name: candidate, distance };
      }
      return best ? { name, suggestion: best.name } : { name };
    });
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Hands the log settings to every logger this process (and the processes it starts) creates: the logger
 * reads STRATA_LOG_LEVEL and STRATA_LOG_FORMAT (src/common/logger.ts), so a flag is written there.
 */
export function applyLogSettings(settings: { logLevel?: string; logFormat?: string }): void {
  if (settings.logLevel !== undefined) process.env.STRATA_LOG_LEVEL = settings.logLevel;
  if (settings.logFormat !== undefined) process.env.STRATA_LOG_FORMAT = settings.logFormat;
}
