/**
 * A zk rollup user's side: a BabyJubJub key and the Layer-1 address it exits to, bound to one
 * deployment's domain. Deposits go through the bridge to the owner `ownerOf(publicKey, l1Address)`;
 * transfers and withdrawals are signed at the sender's current nonce and encoded for
 * `zk_sendTransaction` (`src/zk/codec.ts`).
 */
import type { Signer } from "ethers";
import { getAddress } from "ethers";
import type { BridgeClient, DepositResult } from "../bridge/client";
import type { ZkSignedRequest } from "./codec";
import { encodeZkRequest, zkTxHash } from "./codec";
import type { ZkCrypto, ZkKeyPair, ZkPrivateKey } from "./keys";
import type { ZkSigner } from "./stf";
import type { ZkTransferBody, ZkWithdrawBody } from "./types";

/** A signed spend ready to send: its wire form and its hash (the message it signs). */
export interface ZkSignedSpend {
  request: ZkSignedRequest;
  encoded: string;
  hash: string;
}

export interface ZkTransferOrder {
  from: number;
  to: number;
  amount: bigint;
  /** The sender's current nonce. */
  nonce: number;
}

export interface ZkWithdrawOrder {
  from: number;
  /** Default: the wallet's Layer-1 address. */
  recipient?: string;
  tokenId: number;
  amount: bigint;
  nonce: number;
}

export class ZkWallet {
  readonly key: ZkKeyPair;
  readonly l1Address: string;

  constructor(
    private readonly crypto: ZkCrypto,
    privateKey: ZkPrivateKey,
    l1Address: string,
    readonly domain: bigint,
  ) {
    this.key = crypto.keyPair(privateKey);
    this.l1Address = getAddress(l1Address);
  }

  /** Who signs: what the operator checks against the account's owner. */
  get signer(): ZkSigner {
    return { publicKey: this.key.publicKey, l1Address: this.l1Address };
  }

  /** The Layer-2 owner, Poseidon(Ax, Ay, l1Address) mod 2^160. */
  get owner(): bigint {
    return this.crypto.ownerOf(this.key.publicKey, this.l1Address);
  }

  /** The owner as the bridge deposit's bytes32 `to` (and `zk_findAccount`'s owner). */
  get ownerHex(): string {
    return this.crypto.ownerHex(this.key.publicKey, this.l1Address);
  }

  transfer(order: ZkTransferOrder): ZkSignedSpend {
    const body: ZkTransferBody = { kind: "transfer", from: order.from, to: order.to, amount: order.amount };
    return this.sign(body, order.nonce);
  }

  withdraw(order: ZkWithdrawOrder): ZkSignedSpend {
    const body: ZkWithdrawBody = {
      kind: "withdraw",
      from: order.from,
      recipient: getAddress(order.recipient ?? this.l1Address),
      tokenId: order.tokenId,
      amount: order.amount,
    };
    return this.sign(body, order.nonce);
  }

  /** Deposits ETH through the bridge to this wallet's owner; `payer` sends it. */
  depositEth(bridge: BridgeClient, payer: Signer, rollup: string, amount: bigint): Promise<DepositResult> {
    return bridge.depositEth(payer, { rollup, to: this.ownerHex, amount });
  }

  /** Deposits an ERC-20 through the bridge to this wallet's owner (approving the bridge if needed). */
  depositErc20(
    bridge: BridgeClient,
    payer: Signer,
    rollup: string,
    token: string,
    amount: bigint,
  ): Promise<DepositResult> {
    return bridge.depositErc20(payer, { rollup, token, to: this.ownerHex, amount });
  }

  private sign(body: ZkTransferBody | ZkWithdrawBody, nonce: number): ZkSignedSpend {
    const signature = this.crypto.signSpend(this.key.privateKey, body, nonce, this.domain);
    const request: ZkSignedRequest = { tx: { ...body, signature }, nonce, signer: this.signer };
    return {
      request,
      encoded: encodeZkRequest(request),
      hash: zkTxHash(this.crypto, body, nonce, this.domain),
    };
  }
}
