// EIP-7702 (Prague and later) in tests: real delegations, by type-4 transactions with an authorization list.
import { setBalance } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import type { TransactionReceipt } from "ethers";
import { Wallet, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

/** A fresh EOA whose key the test holds (an authorization is signed with it), funded with `balance` wei. */
export async function fundedWallet(balance: bigint): Promise<Wallet> {
  const wallet = Wallet.createRandom(ethers.provider);
  await setBalance(wallet.address, balance);
  return new Wallet(wallet.privateKey, ethers.provider);
}

/**
 * `eoa` delegates its code to `delegate`: a type-4 transaction it sends with its own authorization (nonce
 * one past the transaction's, as the sender's nonce is bumped first). With `selfCall` the transaction goes
 * to `eoa` itself and runs that call on the delegated code; without, it goes to the zero address and runs
 * nothing. Afterwards the account's code is the designator 0xef0100 ‖ delegate.
 */
export async function delegateCode(
  eoa: Wallet,
  delegate: string,
  selfCall?: string,
): Promise<TransactionReceipt> {
  const nonce = await eoa.getNonce();
  const authorization = await eoa.authorize({ address: delegate, nonce: nonce + 1 });
  const tx = await eoa.sendTransaction({
    type: 4,
    to: selfCall === undefined ? ZeroAddress : eoa.address,
    data: selfCall ?? "0x",
    nonce,
    authorizationList: [authorization],
  });
  const receipt = (await tx.wait())!;
  expect(await ethers.provider.getCode(eoa.address)).to.equal("0xef0100" + delegate.slice(2).toLowerCase());
  return receipt;
}
