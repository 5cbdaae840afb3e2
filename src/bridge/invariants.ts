import type { Provider } from "ethers";
import { Contract } from "ethers";
import type { Bridge } from "../../typechain-types";
import { StrataError } from "../common/errors";

export class InvariantViolationError extends StrataError {}

/** One credit or debit event of a pull-payment ledger: whose, and how much. */
export interface LedgerEvent {
  args: { account: string; amount: bigint };
}

/**
 * Checks a pull-payment ledger against its events: each account's stored credit (`read`) must be what
 * its `credited` events add up to less its `withdrawn` ones. Returns the sum of the credits.
 * @throws InvariantViolationError naming the account whose credit differs (`what`: e.g. "fee credit").
 */
export async function creditsMatchEvents(
  credited: readonly LedgerEvent[],
  withdrawn: readonly LedgerEvent[],
  read: (account: string) => Promise<bigint>,
  what: string,
): Promise<bigint> {
  const perAccount = new Map<string, bigint>();
  for (const { args } of credited)
    perAccount.set(args.account, (perAccount.get(args.account) ?? 0n) + args.amount);
  for (const { args } of withdrawn)
    perAccount.set(args.account, (perAccount.get(args.account) ?? 0n) - args.amount);
  let total = 0n;
  for (const [account, expected] of perAccount) {
    const actual = await read(account);
    if (actual !== expected) {
      throw new InvariantViolationError(`${what} of ${account} is ${actual}, its events say ${expected}`);
    }
    total += actual;
  }
  return total;
}

export interface SolvencyOptions {
  /** Every rollup registered with the bridge that may hold `tokens`. */
  rollups: readonly string[];
  /** Token addresses to check; address(0) is ETH. */
  tokens: readonly string[];
  /**
   * What each rollup still owes in `token` (its Layer-2 balances plus withdrawals not yet paid), when
   * the caller knows it; checked against that rollup's escrow.
   */
  owed?: (rollup: string, token: string) => bigint;
}

export interface SolvencyReport {
  token: string;
  held: bigint;
  escrowed: bigint;
  /** Payouts credited to recipients that could not take them, not yet claimed. */
  credited: bigint;
}

/**
 * Bridge solvency: per token, what the bridge holds ≥ the sum of every rollup's escrow plus the credits
 * not yet claimed (payouts their recipients could not take), and each rollup's escrow ≥ what that
 * rollup still owes. Throws `InvariantViolationError` naming the gap.
 */
export async function assertBridgeSolvent(
  bridge: Bridge,
  provider: Provider,
  options: SolvencyOptions,
): Promise<SolvencyReport[]> {
  const address = await bridge.getAddress();
  const reports: SolvencyReport[] = [];
  for (const token of options.tokens) {
    let escrowed = 0n;
    for (const rollup of options.rollups) {
      const asset = await bridge.asset(rollup, token);
      escrowed += asset.escrowed;
      const owed = options.owed?.(rollup, token);
      if (owed !== undefined && asset.escrowed < owed) {
        throw new InvariantViolationError(
          `rollup ${rollup} escrows ${asset.escrowed} of token ${token} but owes ${owed}`,
        );
      }
    }
    const held =
      BigInt(token) === 0n
        ? await provider.getBalance(address)
        : await erc20Balance(token, address, provider);
    const credited = await bridge.totalCredits(token);
    if (held < escrowed + credited) {
      throw new InvariantViolationError(
        `bridge holds ${held} of token ${token} but escrows ${escrowed} and owes ${credited} in credits`,
      );
    }
    reports.push({ token, held, escrowed, credited });
  }
  return reports;
}

async function erc20Balance(token: string, holder: string, provider: Provider): Promise<bigint> {
  const erc20 = new Contract(token, ["function balanceOf(address) view returns (uint256)"], provider);
  return (await erc20.balanceOf(holder)) as bigint;
}
