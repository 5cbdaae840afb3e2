import type { Signer } from "ethers";
import { ownerOfAddress } from "../../src/shared";
import type {
  DepositTx,
  L2Domain,
  TransferMessage,
  TransferTx,
  WithdrawMessage,
  WithdrawTx,
} from "../../src/shared";

// Layer-2 transactions as the tests build them: one place for the fields each kind carries.

/** When every test deposit was made (a fixed Layer-1 timestamp keeps the deposit hashes stable). */
const DEPOSITED_AT = 1_700_000_000n;

/** A deposit by `depositor` crediting `owner` (an address, or an owner word as 0x hex of 32 bytes). */
export function depositTxOf(
  depositor: string,
  owner: { address: string } | string,
  tokenId: number,
  amount: bigint,
  accountHint: number,
): DepositTx {
  const to = typeof owner === "string" ? owner : ownerOfAddress(owner.address);
  return {
    kind: "deposit",
    accountHint,
    deposit: { from: depositor, to, tokenId, amount, timestamp: DEPOSITED_AT },
  };
}

/** Signs `m` as `signer` (EIP-712 over `domain`) and returns the transaction carrying the message and signature. */
type SignedTx<M, T> = (domain: L2Domain, signer: Signer, m: M) => Promise<T>;

/** A transfer carrying `signer`'s signature of `m`. */
export const signedTransfer: SignedTx<TransferMessage, TransferTx> = async (domain, signer, m) => {
  const { nonce: _signed, ...fields } = m;
  return { kind: "transfer", ...fields, signature: await domain.signTransfer(signer, m) };
};

/** A withdrawal carrying `signer`'s signature of `m` (signed by anyone but the owner, a theft). */
export const signedWithdraw: SignedTx<WithdrawMessage, WithdrawTx> = async (domain, signer, m) => {
  const { nonce: _signed, ...fields } = m;
  return { kind: "withdraw", ...fields, signature: await domain.signWithdraw(signer, m) };
};
