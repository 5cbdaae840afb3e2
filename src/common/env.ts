/** Settings from the environment, as the entry points and the test helpers read them. */
import { StrataError } from "./errors";

/** An environment variable holds something other than what its setting takes. */
export class EnvSettingError extends StrataError {}

/** An integer setting: undefined when unset or empty; throws `EnvSettingError` for anything else. */
export function envInteger(name: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env[name];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new EnvSettingError(`${name} must be an integer, got "${text}"`);
  return value;
}
