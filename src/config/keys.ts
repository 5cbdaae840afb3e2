/**
 * The key a command signs with: `--key` / `STRATA_<SERVICE>_KEY` when given, else, on a local chain, the
 * default account `--account` of the mnemonic `hardhat node` and Anvil share (each service its own, see
 * LOCAL_ACCOUNTS), else a `ConfigError` (`loadSettings` reports that one before anything else runs).
 */
import { localAccountKey } from "../common/processes";
import { ConfigError } from "./load";
import { LOCAL_NETWORKS, isLocalNetwork } from "./table";

export interface KeySettings {
  key?: string;
  /** A service's has a default; the wallet's is named by its user. */
  account?: number;
}

/** The private key `settings` name on `network`. */
export function signingKey(settings: KeySettings, network: string, names = "--key"): string {
  if (settings.key !== undefined) return settings.key;
  if (!isLocalNetwork(network)) {
    throw new ConfigError([
      `${names} is required on ${network}: without a key only a local chain (${LOCAL_NETWORKS.join(", ")}) ` +
        `has a default account to sign with`,
    ]);
  }
  if (settings.account === undefined) throw new ConfigError([`${names} or --account is required`]);
  return localAccountKey(settings.account);
}
