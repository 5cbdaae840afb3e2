import { ethers } from "hardhat";
import { Wallet, id } from "ethers";
import type { TypedDataDomain } from "ethers";
import type { ChildBridge, ChildToken } from "../../typechain-types";
import { foldDeposits } from "../../src/shared/deposit";
import type { DepositData } from "../../src/shared/types";
import { ownerOfAddress } from "../../src/shared/types";
import { packSignatures } from "../../src/sidechain/quorum";
import type { StateSync, ValidatorSetSync } from "../../src/sidechain/state-sync";
import { childBridgeDomain, signStateSync, signValidatorSetSync } from "../../src/sidechain/state-sync";

/** A validator key that never needs ETH: the relayer sends its signatures. */
export function validatorWallet(label: string): Wallet {
  return new Wallet(id(`strata sidechain validator ${label}`));
}

/** A validator set as the ChildBridge takes it: ascending addresses, stakes beside them. */
export interface TestValidatorSet {
  wallets: Wallet[];
  validators: string[];
  stakes: bigint[];
}

/** The set of `members` (wallet and stake), sorted by address as the bridge requires. */
export function validatorSet(members: readonly { wallet: Wallet; stake: bigint }[]): TestValidatorSet {
  const sorted = [...members].sort((a, b) => (BigInt(a.wallet.address) < BigInt(b.wallet.address) ? -1 : 1));
  return {
    wallets: sorted.map((m) => m.wallet),
    validators: sorted.map((m) => m.wallet.address),
    stakes: sorted.map((m) => m.stake),
  };
}

/**
 * Four validators, 300 staked in all, so that the quorum's edge can be hit exactly: `big1` and `big2`
 * (100 each) make exactly 2/3 (refused); with `tiny` (1) they make 201/300, just above (accepted).
 * `mid` holds 99.
 */
export const big1 = validatorWallet("big1");
export const big2 = validatorWallet("big2");
export const mid = validatorWallet("mid");
export const tiny = validatorWallet("tiny");
export const FIRST_SET = validatorSet([
  { wallet: big1, stake: 100n },
  { wallet: big2, stake: 100n },
  { wallet: mid, stake: 99n },
  { wallet: tiny, stake: 1n },
]);
export const TOTAL_STAKE = 300n;
/** Signers with exactly 2/3 of the stake (200 of 300): not enough. */
export const EXACTLY_TWO_THIRDS = [big1, big2];
/** Signers with 201 of 300: just enough. */
export const JUST_ABOVE = [big1, big2, tiny];

/** The set of the next validator-set sync: two new validators and `big1`, with another stake. */
export const fresh1 = validatorWallet("fresh1");
export const fresh2 = validatorWallet("fresh2");
export const NEXT_SET = validatorSet([
  { wallet: fresh1, stake: 50n },
  { wallet: fresh2, stake: 40n },
  { wallet: big1, stake: 10n },
]);

/** The ChildBridge mirroring FIRST_SET; `relayer` sends syncs, Alice, Bob and Carol hold child tokens. */
export async function deployChildBridgeFixture() {
  const [relayer, alice, bob, carol] = await ethers.getSigners();
  const bridge: ChildBridge = await ethers.deployContract("ChildBridge", [
    FIRST_SET.validators,
    FIRST_SET.stakes,
  ]);
  const { chainId } = await ethers.provider.getNetwork();
  const domain = childBridgeDomain(chainId, await bridge.getAddress());
  return { bridge, domain, relayer, alice, bob, carol };
}

let nextTimestamp = 1_700_000_000n;

/** A Layer-1 deposit of `amount` of token `tokenId` for `to`, as the bridge's queue holds it. */
export function depositFor(to: string, tokenId: number, amount: bigint): DepositData {
  return {
    from: "0x" + "11".repeat(20),
    to: ownerOfAddress(to),
    tokenId,
    amount,
    timestamp: nextTimestamp++,
  };
}

/** The state sync that extends (`count`, `head`) by `deposits`. */
export function syncAfter(count: bigint, head: string, deposits: readonly DepositData[]): StateSync {
  return { count: count + BigInt(deposits.length), head: foldDeposits(head, deposits) };
}

/** The packed signatures of `wallets` on `sync`, as `syncDeposits` takes them. */
export async function signSync(
  domain: TypedDataDomain,
  sync: StateSync,
  wallets: readonly Wallet[],
): Promise<string> {
  return packSignatures(await Promise.all(wallets.map((w) => signStateSync(w, domain, sync))));
}

/** The packed signatures of `wallets` on `set`, as `syncValidators` takes them. */
export async function signSet(
  domain: TypedDataDomain,
  set: ValidatorSetSync,
  wallets: readonly Wallet[],
): Promise<string> {
  return packSignatures(await Promise.all(wallets.map((w) => signValidatorSetSync(w, domain, set))));
}

/** The child token of `tokenId` (it must exist). */
export async function childTokenOf(bridge: ChildBridge, tokenId: number): Promise<ChildToken> {
  return ethers.getContractAt("ChildToken", await bridge.childToken(tokenId));
}
