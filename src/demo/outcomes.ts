// How a demo step ended, as the narration and the flows' results name it: the reason an operator refused
// a transaction, the custom error a contract call reverted with, the error a promise rejected with.
import { ContractRevertError } from "../common/errors";
import { TxRejectedError } from "../common/json-rpc";

/** The reason an operator refused a transaction with (undefined if it accepted it). */
export async function refusal(submit: Promise<unknown>): Promise<string | undefined> {
  try {
    await submit;
    return undefined;
  } catch (error) {
    if (error instanceof TxRejectedError) return error.reason;
    throw error;
  }
}

/** The custom error a contract call reverted with (undefined if it succeeded). */
export async function revertName(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    if (error instanceof ContractRevertError) return error.errorName;
    throw error;
  }
}

/** The name of the error a promise rejected with (undefined if it resolved). */
export async function rejectionName(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.name : String(error);
  }
}
