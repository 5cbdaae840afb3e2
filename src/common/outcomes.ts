// How a call ended, as the demo narrates it and the tests assert it: the reason an operator refused
// a transaction, the custom error a contract call reverted with, the error a promise rejected with.
import { ContractRevertError } from "./errors";
import { TxRejectedError } from "./json-rpc";

/**
 * What `name` makes of the error `promise` rejected with (undefined if it resolved); an error `name`
 * does not know (it returns `false`) is thrown on.
 */
async function outcome(
  promise: Promise<unknown>,
  name: (error: unknown) => string | undefined | false,
): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    const named = name(error);
    if (named === false) throw error;
    return named;
  }
}

/** The reason an operator refused a transaction with (undefined if it accepted it). */
export function refusal(submit: Promise<unknown>): Promise<string | undefined> {
  return outcome(submit, (error) => error instanceof TxRejectedError && error.reason);
}

/** The custom error a contract call reverted with (undefined if it succeeded). */
export function revertName(call: Promise<unknown>): Promise<string | undefined> {
  return outcome(call, (error) => error instanceof ContractRevertError && error.errorName);
}

/** The name of the error a promise rejected with (undefined if it resolved). */
export function rejectionName(promise: Promise<unknown>): Promise<string | undefined> {
  return outcome(promise, (error) => (error instanceof Error ? error.name : String(error)));
}
