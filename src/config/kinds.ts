/**
 * The kinds of value a setting takes: each a zod schema that reads the text a user typed (a flag's value
 * or an environment variable) into the value the code uses, its label in `--help` (`--port <PORT>`) and
 * the README, and what a valid value is, in the words the error uses ("must be a port (1-65535)").
 */
import { getAddress, isAddress } from "ethers";
import { z } from "zod";

export interface Kind<T> {
  /** The value's name in `--help` (`<PORT>`) and the README's type column. */
  readonly label: string;
  /** What a valid value is, completing "--port / STRATA_SEQUENCER_PORT …": "must be a port (1-65535)". */
  readonly expected: string;
  /** Reads the text into the value; fails for anything that is not a valid value. */
  readonly schema: z.ZodType<T, string>;
  /** Never echo the text in an error (a private key). */
  readonly secret?: boolean;
}

function kind<T>(label: string, expected: string, schema: z.ZodType<T, string>, secret = false): Kind<T> {
  return { label, expected, schema, secret };
}

const digits = z.string().trim().regex(/^\d+$/).transform(Number);

/** Text split at its commas into its items, trimmed, the empty ones left out. */
const commaSeparated = z.string().transform((text) =>
  text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== ""),
);

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** A TCP port a server listens on. */
export const port = kind(
  "port",
  "must be a port (1-65535)",
  digits.pipe(z.number().int().min(1).max(65_535)),
);

/** A whole number ≥ `min`, counted in `label` (items, ms, seconds, blocks). */
export function count(label: string, min = 0, unit = ""): Kind<number> {
  const what = unit ? `a whole number of ${unit}` : "a whole number";
  return kind(
    label,
    `must be ${what} (${min} or more)`,
    digits.pipe(z.number().int().min(min).max(Number.MAX_SAFE_INTEGER)),
  );
}

export const milliseconds = count("ms", 1, "milliseconds");
export const seconds = count("seconds", 1, "seconds");
export const block = count("block", 0);

/** The index of one of a local chain's default accounts (the mnemonic `hardhat node` and Anvil share). */
export const account = kind(
  "n",
  "must be an account number (0-999)",
  digits.pipe(z.number().int().min(0).max(999)),
);

/** The order of secp256k1's group: a private key is from 1 to this less one. */
const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** A secp256k1 private key: 32 bytes of hex, with or without 0x. */
export const privateKey = kind(
  "key",
  "is not a private key (32 bytes of hex)",
  z
    .string()
    .trim()
    .regex(/^(0x)?[0-9a-fA-F]{64}$/)
    .transform((text) => (text.startsWith("0x") ? text : `0x${text}`).toLowerCase())
    .refine((key) => BigInt(key) > 0n && BigInt(key) < SECP256K1_ORDER),
  true,
);

/** A Layer-1 address (a mixed-case one must carry a valid checksum). */
export const address = kind(
  "address",
  "must be an address (0x and 40 hex digits, checksum valid if mixed-case)",
  z
    .string()
    .trim()
    .refine((text) => /^0x[0-9a-fA-F]{40}$/.test(text) && isAddress(text))
    .transform((text) => getAddress(text)),
);

/** An amount of ether in decimal ("0.5"), read into wei. */
export const ether = kind(
  "ether",
  "must be an amount of ether (like 0.5; at most 18 decimals)",
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d{1,18})?$/)
    .transform((text) => {
      const [whole, fraction = ""] = text.split(".");
      return BigInt(whole!) * 10n ** 18n + BigInt(fraction.padEnd(18, "0"));
    }),
);

function urlOf(protocols: readonly string[], label: string, expected: string): Kind<string> {
  return kind(
    label,
    expected,
    z
      .string()
      .trim()
      .refine((text) => URL.canParse(text) && protocols.includes(new URL(text).protocol)),
  );
}

/** A JSON-RPC endpoint. */
export const httpUrl = urlOf(["http:", "https:"], "url", "must be an http(s) URL");
/** A WebSocket endpoint. */
export const wsUrl = urlOf(["ws:", "wss:"], "url", "must be a ws(s) URL");

/** A host name or IP address to listen on. */
export const host = kind(
  "host",
  "must be a host name or IP address",
  z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.:[\]-]+$/),
);

/** A file or directory. */
export const path = kind("path", "must be a path", z.string().trim().min(1));

/** One of `values`. */
export function oneOf<const V extends readonly [string, ...string[]]>(values: V): Kind<V[number]> {
  return kind(
    values.join("|"),
    `must be one of ${values.join(", ")}`,
    z.string().trim().pipe(z.enum(values)),
  );
}

/**
 * A comma-separated list of `values` (each once, in the order of `values`); empty or "all" is all of them.
 */
export function listOf<const V extends readonly [string, ...string[]]>(values: V): Kind<V[number][]> {
  return kind(
    values.join(","),
    `must be a comma-separated list of ${values.join(", ")} (or all)`,
    commaSeparated
      .pipe(z.array(z.enum([...values, "all"])))
      .transform((named) =>
        named.length === 0 || named.includes("all")
          ? [...values]
          : values.filter((v) => (named as string[]).includes(v)),
      ),
  );
}

/** Yes or no: 1/true/yes or 0/false/no (a flag on the command line is yes). */
export const boolean = kind(
  "bool",
  "must be true or false (1/0, yes/no)",
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(["1", "0", "true", "false", "yes", "no"]))
    .transform((text) => ["1", "true", "yes"].includes(text)),
);

/** Any text that is not empty. */
export const text = kind("text", "must not be empty", z.string().trim().min(1));

/** An amount in decimal as typed ("1.5"), converted by the caller with the token's decimals. */
export const amount = kind(
  "amount",
  "must be an amount (like 1.5; at most 18 decimals)",
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d{1,18})?$/),
);

/** 32 bytes of hex (a transaction hash, a channel id, a secret). */
export const bytes32 = kind(
  "hex32",
  "must be 32 bytes of hex (0x and 64 hex digits)",
  z
    .string()
    .trim()
    .regex(BYTES32)
    .transform((text) => text.toLowerCase()),
);

/** A comma-separated list of 32-byte hex values. */
export const bytes32List = kind(
  "hex32,…",
  "must be a comma-separated list of 32-byte hex values",
  commaSeparated
    .pipe(z.array(z.string().regex(BYTES32)))
    .transform((items) => items.map((item) => item.toLowerCase())),
);

/** A comma-separated list of whole numbers ≥ 1, each once, in increasing order; "none" is the empty list. */
export const countList = kind(
  "n,…",
  "must be a comma-separated list of whole numbers (1 or more), or none",
  z
    .string()
    .trim()
    .toLowerCase()
    .transform((text) => (text === "none" ? "" : text))
    .pipe(commaSeparated)
    .pipe(z.array(digits.pipe(z.number().int().min(1).max(Number.MAX_SAFE_INTEGER))))
    .transform((items) => [...new Set(items)].sort((a, b) => a - b)),
);

/** A price in gwei per unit of gas, in decimal ("1.5"; at most 9 decimals), read into wei. */
export const gwei = kind(
  "gwei",
  "must be an amount of gwei (like 1.5; at most 9 decimals)",
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d{1,9})?$/)
    .transform((text) => {
      const [whole, fraction = ""] = text.split(".");
      return BigInt(whole!) * 10n ** 9n + BigInt(fraction.padEnd(9, "0"));
    }),
);

/** A comma-separated list of services, each `name=url` (a service's name and its JSON-RPC). */
export const serviceList = kind(
  "name=url,…",
  "must be a comma-separated list of name=http(s)-url",
  commaSeparated.pipe(
    z.array(
      z
        .string()
        .regex(/^[a-z][a-z0-9-]*=https?:\/\/\S+$/)
        .transform((item) => {
          const at = item.indexOf("=");
          return { name: item.slice(0, at), url: item.slice(at + 1) };
        }),
    ),
  ),
);

/** A comma-separated list of peers, each `address@url` (a validator's address and its JSON-RPC). */
export const peerList = kind(
  "address@url,…",
  "must be a comma-separated list of address@http(s)-url",
  commaSeparated.pipe(
    z.array(
      z
        .string()
        .regex(/^0x[0-9a-fA-F]{40}@https?:\/\/\S+$/)
        .transform((item) => {
          const at = item.indexOf("@");
          return { address: getAddress(item.slice(0, at).toLowerCase()), url: item.slice(at + 1) };
        }),
    ),
  ),
);
