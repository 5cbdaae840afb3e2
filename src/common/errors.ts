/**
 * The base of every error Strata's TypeScript throws: a short message, a machine-readable `name`,
 * and the `cause` it wraps. Code branches on `name` (or `instanceof`), never on message text.
 */
export class StrataError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A contract call reverted; `errorName` is the decoded custom error, when the ABI knows it. */
export class ContractRevertError extends StrataError {
  constructor(
    readonly errorName: string | undefined,
    readonly errorArgs: readonly unknown[],
    options?: { cause?: unknown },
  ) {
    super(
      errorName ? `reverted with ${errorName}(${errorArgs.map(String).join(", ")})` : "reverted",
      options,
    );
  }
}

/** Something that can name a custom error from its revert data (an ethers `Interface`). */
export interface ErrorDecoder {
  parseError(data: string): { name: string; args: ArrayLike<unknown> } | null;
}

/** The revert data of a failed call, wherever the provider put it (ethers, Hardhat, JSON-RPC nodes). */
function findRevertData(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== "object" || depth > 4) return undefined;
  const e = error as Record<string, unknown>;
  if (typeof e.data === "string" && /^0x[0-9a-fA-F]{8}/.test(e.data)) return e.data;
  for (const key of ["error", "cause", "info", "data"]) {
    const found = findRevertData(e[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * The revert of a contract call, decoded once: the custom error's name and arguments. Uses ethers'
 * own decoding when present, else parses the revert data with `decoder`.
 */
export function decodeRevert(error: unknown, decoder?: ErrorDecoder): ContractRevertError | undefined {
  const revert = (error as { revert?: { name?: string; args?: readonly unknown[] } } | undefined)?.revert;
  if (revert?.name) return new ContractRevertError(revert.name, [...(revert.args ?? [])], { cause: error });
  const data = findRevertData(error);
  const parsed = data && decoder ? decoder.parseError(data) : null;
  if (!parsed) return undefined;
  return new ContractRevertError(parsed.name, Array.from(parsed.args), { cause: error });
}

/** Runs a contract call and rethrows a decodable revert as a `ContractRevertError`. */
export async function withDecodedRevert<T>(call: () => Promise<T>, decoder?: ErrorDecoder): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw decodeRevert(error, decoder) ?? error;
  }
}
