/**
 * The README's settings table, generated from the one table (./table.ts): the settings several commands
 * share first, then each command's own. `npm run settings:readme` writes it between the README's marker
 * comments; a test checks that the README holds exactly what this generates.
 */
import { StrataError } from "../common/errors";
import type { Command, Setting } from "./table";
import { COMMANDS } from "./table";
import { flagOf } from "./load";

export const SETTINGS_BEGIN =
  "<!-- settings:begin (generated from src/config/table.ts by `npm run settings:readme`; do not edit) -->";
export const SETTINGS_END = "<!-- settings:end -->";

/** The README has no place for the table. */
export class SettingsMarkersError extends StrataError {}

const all = Object.values(COMMANDS) as unknown as Command[];

/** The settings more than one command reads (the same object under the same name), with who reads them. */
function sharedSettings(): Map<Setting, { key: string; tasks: string[] }> {
  const uses = new Map<Setting, { key: string; tasks: string[] }>();
  for (const spec of all) {
    for (const [key, setting] of Object.entries(spec.settings)) {
      const use = uses.get(setting) ?? { key, tasks: [] };
      use.tasks.push(commandLine(spec));
      uses.set(setting, use);
    }
  }
  return new Map([...uses].filter(([, use]) => use.tasks.length > 1));
}

/** `sequencer`, `wallet deposit`. */
export function commandLine(spec: Command): string {
  return spec.scope ? `${spec.scope} ${spec.task}` : spec.task;
}

const cell = (text: string) => text.replace(/\|/g, "\\|");
const code = (text: string) => `\`${text}\``;

function defaultText(setting: Setting): string {
  const d = setting.default;
  if (setting.required) return "required";
  if (d === undefined) return "—";
  return code(typeof d === "string" ? d : d.text);
}

function row(key: string, setting: Setting, spec: Command | undefined, extra: string[] = []): string {
  const flag = !setting.flag
    ? "—"
    : spec?.positional === key
      ? `${code(`<${key}…>`)} (positional)`
      : code(flagOf(key));
  return `| ${[flag, code(setting.env), defaultText(setting), cell(setting.kind.label), cell(setting.description), ...extra].join(" | ")} |`;
}

/** The settings table as Markdown (before formatting). */
export function settingsMarkdown(): string {
  const shared = sharedSettings();
  const lines: string[] = [];
  lines.push("Shared by several commands:", "");
  lines.push(
    "| flag | environment | default | value | what | commands |",
    "| --- | --- | --- | --- | --- | --- |",
  );
  for (const [setting, use] of shared) lines.push(row(use.key, setting, undefined, [use.tasks.join(", ")]));
  for (const spec of all) {
    const own = Object.entries(spec.settings).filter(([, setting]) => !shared.has(setting));
    if (own.length === 0) continue;
    const npm = spec.npm ? ` (${code(`npm run ${spec.npm}`)})` : "";
    lines.push("", `${code(`npx hardhat ${commandLine(spec)}`)}${npm}: ${spec.description}.`, "");
    lines.push("| flag | environment | default | value | what |", "| --- | --- | --- | --- | --- |");
    for (const [key, setting] of own) lines.push(row(key, setting, spec));
  }
  return lines.join("\n") + "\n";
}

/** `readme` with the settings table between its markers replaced by the one generated now (unformatted). */
export function withSettingsTable(readme: string): string {
  const begin = readme.indexOf(SETTINGS_BEGIN);
  const end = readme.indexOf(SETTINGS_END);
  if (begin < 0 || end < begin) {
    throw new SettingsMarkersError(
      `the README has no settings markers (${SETTINGS_BEGIN} … ${SETTINGS_END})`,
    );
  }
  return `${readme.slice(0, begin)}${SETTINGS_BEGIN}\n\n${settingsMarkdown()}\n${readme.slice(end)}`;
}

/** The README with the settings table regenerated, formatted as `npm run format` formats it. */
export async function regenerateReadme(readme: string, readmePath: string): Promise<string> {
  const prettier = await import("prettier");
  const options = (await prettier.resolveConfig(readmePath)) ?? {};
  return prettier.format(withSettingsTable(readme), { ...options, filepath: readmePath });
}
