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

/** The revert of an ethers call, decoded once: the custom error's name and arguments, if any. */
export function decodeRevert(error: unknown): ContractRevertError | undefined {
  const revert = (error as { revert?: { name?: string; args?: readonly unknown[] } } | undefined)?.revert;
  if (!revert?.name) return undefined;
  return new ContractRevertError(revert.name, [...(revert.args ?? [])], { cause: error });
}

/** Runs a contract call and rethrows a decoded revert as a `ContractRevertError`. */
export async function withDecodedRevert<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw decodeRevert(error) ?? error;
  }
}
