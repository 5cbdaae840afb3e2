// How every Strata command becomes a Hardhat task: its parameters and `--help` come from the settings
// table (src/config/table.ts), each flag described with its STRATA_* mirror and its default; its action
// first reads and checks every setting (flag > environment > default) and only then runs. A user's
// mistake (a `StrataError`: a bad setting, a missing deployment record) is printed as one line, `Name:
// message`, with no stack trace, and the exit code is non-zero; anything else is a bug and Hardhat prints
// it whole. This file loads with every Hardhat command: it imports only the table; the action loads the
// rest.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { scope, task } from "hardhat/config";
import type { CLIArgumentType, HardhatRuntimeEnvironment } from "hardhat/types";
import type { Command, CommandName, Setting, SettingsOf } from "../src/config/table";
import { COMMANDS, LOG_LEVELS } from "../src/config/table";

/** The scopes of the verbs (`npx hardhat wallet deposit`, `npx hardhat channel pay`). */
const SCOPES: Record<NonNullable<Command["scope"]>, string> = {
  wallet:
    "A user's wallet on the rollups: deposit, transfer, withdraw, balance, receipt, withdrawals, exodus",
  channel:
    "A channel client's verbs over its JSON-RPC: open, pay, close, register, refute, conclude, unlock, …",
  "zk-setup":
    "A multi-party phase-2 ceremony for a zk profile: init, contribute (one per person), finalize (beacon + verify)",
};

/** What `--help` says of a setting: its description, its variable and its default. */
export function describeSetting(setting: Setting): string {
  const d = setting.default;
  const text = d === undefined ? undefined : typeof d === "string" ? d : d.text;
  const tail = setting.required ? ", required" : text === undefined ? "" : `, default ${text}`;
  return `${setting.description} [${setting.env}${tail}]`;
}

/** A parameter's type for Hardhat: its label in `--help` (`<PORT>`); the text is checked by the table. */
function argumentType(label: string): CLIArgumentType<string> {
  return { name: label, parse: (_argument, text) => text, validate: () => undefined };
}

export type StrataAction<C extends CommandName> = (
  settings: SettingsOf<C>,
  hre: HardhatRuntimeEnvironment,
) => Promise<void>;

/** Declares the task of `command` with its settings as parameters, running `action` once they check out. */
export function strataTask<C extends CommandName>(command: C, action: StrataAction<C>): void {
  const spec = COMMANDS[command] as unknown as Command;
  const definition = spec.scope
    ? scope(spec.scope, SCOPES[spec.scope]).task(spec.task, spec.description)
    : task(spec.task, spec.description);
  for (const [key, setting] of Object.entries(spec.settings)) {
    if (!setting.flag) continue;
    if (key === spec.positional) {
      definition.addOptionalVariadicPositionalParam(
        key,
        describeSetting(setting),
        undefined,
        argumentType(setting.kind.label),
      );
    } else if (setting.kind.label === "bool") {
      definition.addFlag(key, describeSetting(setting));
    } else {
      definition.addOptionalParam(key, describeSetting(setting), undefined, argumentType(setting.kind.label));
    }
  }
  definition.setAction(async (args: Record<string, unknown>, hre) => {
    const [{ StrataError }, { applyLogSettings, loadSettings, unknownVariables }, { createLogger }] =
      await Promise.all([
        import("../src/common/errors"),
        import("../src/config/load"),
        import("../src/common/logger"),
      ]);
    try {
      // A variable nothing reads is worth a warning also when a setting is wrong: it may be the typo.
      const unknown = unknownVariables();
      let settings: SettingsOf<C> | undefined;
      try {
        settings = loadSettings(command, { network: hre.network.name, flags: args });
        applyLogSettings(settings as { logLevel?: string; logFormat?: string });
      } finally {
        const level = (LOG_LEVELS as readonly string[]).includes(process.env.STRATA_LOG_LEVEL ?? "")
          ? undefined
          : "info";
        const logger = createLogger({ scope: "config", level });
        for (const { name, suggestion } of unknown) {
          logger.warn(
            `unknown environment variable ${name}: no setting reads it`,
            suggestion ? { didYouMean: suggestion } : {},
          );
        }
      }
      await action(settings, hre);
    } catch (error) {
      if (isNotCompiled(error)) {
        process.stderr.write(
          "NotCompiledError: the contracts are not compiled yet (no typechain-types/): run `npx hardhat compile` " +
            "once (it also builds the zk rollup's test circuit, about a minute on a fresh clone)\n",
        );
      } else if (error instanceof StrataError) {
        process.stderr.write(`${error.name}: ${error.message}\n`);
      } else throw error;
      process.exitCode = 1;
    }
  });
}

/** A module is missing and the compile's output is not there: a fresh clone not compiled yet. */
function isNotCompiled(error: unknown): boolean {
  const { code } = error as NodeJS.ErrnoException;
  return code === "MODULE_NOT_FOUND" && !existsSync(join(__dirname, "..", "typechain-types"));
}
