/**
 * What every contract client (bridge, both rollups, adjudicator) does the same way: hold a typechain
 * contract on any ethers runner (no Hardhat), send a transaction and resolve once it is mined (a revert
 * throws `ContractRevertError` with the custom error's name), find the events it emitted, and read its
 * immutable parameters once.
 */
import type {
  BaseContract,
  ContractTransactionReceipt,
  ContractTransactionResponse,
  LogDescription,
} from "ethers";
import type { ErrorDecoder } from "./errors";
import { StrataError, withDecodedRevert } from "./errors";

/** A transaction did not emit the event its caller relies on. */
export class MissingEventError extends StrataError {}

export abstract class ContractClient<C extends BaseContract, EventName extends string = string> {
  private immutablesRead?: Promise<unknown>;

  constructor(readonly contract: C) {}

  get address(): string {
    return this.contract.target as string;
  }

  /** The first `name` event the contract emitted in `receipt`; throws `MissingEventError` if there is none. */
  eventIn(receipt: ContractTransactionReceipt, name: EventName): LogDescription {
    const event = this.findEvent(receipt, name);
    if (!event) throw new MissingEventError(`no ${name} event in transaction ${receipt.hash}`);
    return event;
  }

  /** The first `name` event the contract emitted in `receipt`, if any. */
  protected findEvent(receipt: ContractTransactionReceipt, name: EventName): LogDescription | undefined {
    for (const log of receipt.logs) {
      const parsed = this.contract.interface.parseLog(log);
      if (parsed?.name === name) return parsed;
    }
    return undefined;
  }

  /** Sends the transaction `call` makes; resolves with its receipt once mined. */
  protected send(call: () => Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
    return withDecodedRevert(async () => (await (await call()).wait())!, this.errorDecoder());
  }

  /**
   * What names the custom errors this contract's transactions revert with: its own ABI. A client whose
   * contract lets another contract's errors through (the zk rollup, the bridge's) widens it.
   */
  protected errorDecoder(): ErrorDecoder {
    return this.contract.interface;
  }

  /** The contract's immutable parameters as `read` gets them: read at the first call only, then kept. */
  protected immutables<T>(read: (contract: C) => Promise<T>): Promise<T> {
    this.immutablesRead ??= read(this.contract);
    return this.immutablesRead as Promise<T>;
  }
}
