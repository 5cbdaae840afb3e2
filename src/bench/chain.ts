// The local chain the bench and the comparison run on, and what they do to it: read a transaction's gas
// from its receipt, set a balance, move the clock. Any JSON-RPC node that answers these methods serves
// (Hardhat in-process, `hardhat node`, Anvil):
// - `evm_setNextBlockTimestamp` and `evm_mine`: `increaseTime` and `skipTo` (the bench's windows, the
//   comparison's challenge window);
// - `hardhat_setBalance` (Anvil answers it as an alias of `anvil_setBalance`): `setBalance`.
// `increaseTime` sets the next block's timestamp from the latest block's, as Hardhat's `time.increase`
// does, rather than `evm_increaseTime`: a chain that mines many blocks a second runs ahead of the wall
// clock, and an offset from the wall clock would then move it less than asked.
import type { Provider, Signer } from "ethers";
import { toQuantity } from "ethers";
import { StrataError } from "../common/errors";
export type { RpcProvider } from "../common/layer1";
import type { RpcProvider } from "../common/layer1";

/** The chains the bench and the comparison run on: they set balances and move the clock. */
export const LOCAL_NETWORKS = ["hardhat", "localhost", "anvil"] as const;

/** A local chain and its unlocked accounts, as an entry point hands them over. */
export interface LocalChain {
  provider: RpcProvider;
  /** Unlocked, funded accounts (Hardhat's 20 by default); each suite says which it uses for what. */
  signers: Signer[];
  /** The network's name, written into the deployment record (hardhat, localhost, anvil). */
  network: string;
}

/** A transaction the chain dropped, a receipt it does not have. */
export class LocalChainError extends StrataError {}

/** The gas a sent transaction used, from its receipt. */
export async function gasOf(tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<number> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new LocalChainError("a transaction was dropped");
  return Number(receipt.gasUsed);
}

/** The gas the mined transaction `hash` used, from its receipt. */
export async function gasUsedBy(provider: Provider, hash: string): Promise<number> {
  const receipt = await provider.getTransactionReceipt(hash);
  if (!receipt) throw new LocalChainError(`no receipt for ${hash}`);
  return Number(receipt.gasUsed);
}

/** Sets `address`'s balance to `wei` (`hardhat_setBalance`). */
export async function setBalance(provider: RpcProvider, address: string, wei: bigint): Promise<void> {
  await provider.send("hardhat_setBalance", [address, toQuantity(wei)]);
}

export async function latestTimestamp(provider: Provider): Promise<number> {
  return (await provider.getBlock("latest"))!.timestamp;
}

/**
 * Moves the clock to `until` (`evm_setNextBlockTimestamp`, then `evm_mine` one empty block); returns the
 * seconds skipped (0, and no block, if the chain is already there).
 */
export async function skipTo(provider: RpcProvider, until: number): Promise<number> {
  const latest = await latestTimestamp(provider);
  if (until <= latest) return 0;
  await provider.send("evm_setNextBlockTimestamp", [until]);
  await provider.send("evm_mine", []);
  return until - latest;
}

/** Mines one empty block `seconds` after the latest one (as Hardhat's `time.increase`). */
export async function increaseTime(provider: RpcProvider, seconds: number): Promise<void> {
  await skipTo(provider, (await latestTimestamp(provider)) + seconds);
}
