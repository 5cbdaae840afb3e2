/**
 * One structured logger for every service: a line per event, `level`, `scope`, a message and fields.
 * JSON when STRATA_LOG_FORMAT=json (for machines), readable text otherwise. STRATA_LOG_LEVEL picks the
 * threshold (debug | info | warn | error | silent; default info).
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
export type LogFields = Record<string, unknown>;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(scope: string): Logger;
}

export interface LoggerOptions {
  scope?: string;
  level?: LogLevel;
  format?: "text" | "json";
  write?: (line: string) => void;
}

function stringify(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return value;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? (process.env.STRATA_LOG_LEVEL as LogLevel | undefined) ?? "info";
  const format = options.format ?? (process.env.STRATA_LOG_FORMAT === "json" ? "json" : "text");
  const write = options.write ?? ((line: string) => process.stderr.write(line + "\n"));
  const scope = options.scope ?? "strata";

  const emit = (at: Exclude<LogLevel, "silent">, message: string, fields: LogFields = {}) => {
    if (RANK[at] < RANK[level]) return;
    if (format === "json") {
      write(stringify({ time: new Date().toISOString(), level: at, scope, message, ...fields }));
    } else {
      const extra = Object.entries(fields)
        .map(([k, v]) => `${k}=${stringify(v)}`)
        .join(" ");
      write(`${at.toUpperCase().padEnd(5)} [${scope}] ${message}${extra ? " " + extra : ""}`);
    }
  };

  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (child) => createLogger({ ...options, level, format, write, scope: `${scope}:${child}` }),
  };
}
