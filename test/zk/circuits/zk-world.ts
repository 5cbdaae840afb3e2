/**
 * A small zk world for tests: named users (a BabyJubJub key and a Layer-1 address each), their owners,
 * and builders for signed transactions at a fixed domain.
 */
import type { ZkCrypto, ZkKeyPair } from "../../../src/zk/keys";
import { ZkCrypto as Crypto, zkPrivateKeyFromSeed } from "../../../src/zk/keys";
import { ZkState, ownerToHex } from "../../../src/zk/state";
import type { ZkSigner, ZkTxRequest } from "../../../src/zk/stf";
import { applyZkTx } from "../../../src/zk/stf";
import type { ZkDepositTx, ZkTransferBody, ZkWithdrawBody } from "../../../src/zk/types";

export const DOMAIN = (31337n << 160n) + 0x5eedn;
export const DEPOSITOR = "0x9000000000000000000000000000000000000009";
export const USERS = ["alice", "bob", "carol", "mallory"] as const;
export type UserName = (typeof USERS)[number];

export interface ZkUser {
  key: ZkKeyPair;
  signer: ZkSigner;
  owner: bigint;
}

export class ZkWorld {
  private constructor(
    readonly crypto: ZkCrypto,
    readonly users: Record<UserName, ZkUser>,
    readonly domain: bigint,
  ) {}

  static async create(domain = DOMAIN): Promise<ZkWorld> {
    const crypto = await Crypto.load();
    const user = (name: UserName, i: number): ZkUser => {
      const key = crypto.keyPair(zkPrivateKeyFromSeed(name));
      const l1Address = "0x" + (i + 1).toString(16).padStart(40, "0");
      return {
        key,
        signer: { publicKey: key.publicKey, l1Address },
        owner: crypto.ownerOf(key.publicKey, l1Address),
      };
    };
    const users = Object.fromEntries(USERS.map((name, i) => [name, user(name, i)])) as Record<
      UserName,
      ZkUser
    >;
    return new ZkWorld(crypto, users, domain);
  }

  /** A state of `depth` at this world's domain with `requests` applied in order (e.g. the funding deposits). */
  async state(depth: number, requests: readonly ZkTxRequest[] = []): Promise<ZkState> {
    const state = await ZkState.create(depth, this.domain);
    for (const request of requests) applyZkTx(state, request, this.crypto);
    return state;
  }

  /** A deposit of `amount` of `tokenId` to `to`'s owner, naming account `account`. */
  deposit(to: UserName, amount: bigint, account: number, tokenId = 0): ZkTxRequest {
    const tx: ZkDepositTx = {
      kind: "deposit",
      account,
      deposit: { from: DEPOSITOR, to: ownerToHex(this.users[to].owner), tokenId, amount, timestamp: 0n },
    };
    return { tx };
  }

  /** A transfer signed by `signedBy` (default: the sender `by`) at `nonce`. */
  transfer(
    by: UserName,
    from: number,
    to: number,
    amount: bigint,
    nonce: number,
    signedBy: UserName = by,
  ): ZkTxRequest {
    const body: ZkTransferBody = { kind: "transfer", from, to, amount };
    const signature = this.crypto.signSpend(this.users[signedBy].key.privateKey, body, nonce, this.domain);
    return { tx: { ...body, signature }, signer: this.users[by].signer };
  }

  /** A withdrawal to `recipient`, signed by `signedBy` (default: `by`) at `nonce`. */
  withdraw(
    by: UserName,
    from: number,
    amount: bigint,
    nonce: number,
    {
      recipient = DEPOSITOR,
      tokenId = 0,
      signedBy = by,
    }: { recipient?: string; tokenId?: number; signedBy?: UserName } = {},
  ): ZkTxRequest {
    const body: ZkWithdrawBody = { kind: "withdraw", from, recipient, tokenId, amount };
    const signature = this.crypto.signSpend(this.users[signedBy].key.privateKey, body, nonce, this.domain);
    return { tx: { ...body, signature }, signer: this.users[by].signer };
  }
}
