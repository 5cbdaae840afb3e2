import { L2Domain } from "./eip712";
import type { TransferTx, WithdrawTx } from "./types";

/**
 * Who may spend an account. The state transition function asks; each rollup answers with its own
 * signature scheme (optimistic: EIP-712 ECDSA; zk: EdDSA-Poseidon).
 */
export interface Authorizer {
  /** Whether `tx.signature` is `owner`'s approval of this transfer at `nonce`. */
  authorizeTransfer(owner: string, tx: TransferTx, nonce: number): boolean;
  /** Whether `tx.signature` is `owner`'s approval of this withdrawal at `nonce`. */
  authorizeWithdraw(owner: string, tx: WithdrawTx, nonce: number): boolean;
}

/** Owners are Ethereum addresses (left-padded to bytes32); signatures are EIP-712 over `L2Domain`. */
export class Eip712Authorizer implements Authorizer {
  constructor(readonly domain: L2Domain) {}

  authorizeTransfer(owner: string, tx: TransferTx, nonce: number): boolean {
    const digest = this.domain.transferDigest({ from: tx.from, to: tx.to, amount: tx.amount, nonce });
    return matchesOwner(owner, L2Domain.recover(digest, tx.signature));
  }

  authorizeWithdraw(owner: string, tx: WithdrawTx, nonce: number): boolean {
    const digest = this.domain.withdrawDigest({
      from: tx.from,
      recipient: tx.recipient,
      amount: tx.amount,
      nonce,
    });
    return matchesOwner(owner, L2Domain.recover(digest, tx.signature));
  }
}

function matchesOwner(owner: string, signer: string | undefined): boolean {
  return signer !== undefined && BigInt(owner) === BigInt(signer);
}
