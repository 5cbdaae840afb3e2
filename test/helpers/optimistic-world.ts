// The funded world the optimistic tests play their users in (test/optimistic/world.ts on the in-process chain):
// Alice (account 3) has deposited 10 ETH and Bob (account 4) 1 ETH, Mallory (account 5) is the liar. Alice's
// transfers to Bob are signed at her consecutive nonces, and Mallory's lying batches are committed in one call.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Wallet, parseEther } from "ethers";
import { ethers } from "hardhat";
import { localAccountKey } from "../../src/common/processes";
import { Kzg } from "../../src/da/kzg";
import type { DataMode } from "../../src/optimistic/stack";
import type { ChainFollower } from "../../src/optimistic/chain-follower";
import type { LieOptions, LyingBatch } from "../../src/optimistic/adversaries";
import { commitLyingBatch, lyingPlayer } from "../../src/optimistic/adversaries";
import type { GamePlayer } from "../../src/optimistic/player";
import type { Strategy } from "../../src/optimistic/solver";
import type { TransferTx } from "../../src/shared/types";
import { ownerOfAddress } from "../../src/shared/types";
import type { World } from "../optimistic/world";
import { createWorld, depositEth, signedTransfer } from "../optimistic/world";

/** A lying batch of Mallory's, with the node she built it on (the one her player must defend it with). */
export type MalloryLie = LyingBatch & { follower: ChainFollower };

export class FundedWorld {
  /** Alice's and Bob's Layer-2 accounts, once the deposits are sequenced. */
  aliceIndex = -1;
  bobIndex = -1;
  /** Alice's next nonce. */
  nonce = 0;

  private constructor(
    readonly world: World,
    readonly alice: HardhatEthersSigner,
    readonly bob: HardhatEthersSigner,
    readonly mallory: HardhatEthersSigner,
  ) {}

  /**
   * A new world with Alice's and Bob's deposits queued; with `sequenced`, batched by the sequencer too. With
   * `dataMode: "blobs"` every batch, Mallory's lies included, is posted in blobs.
   */
  static async create({
    sequenced,
    dataMode,
  }: {
    sequenced: boolean;
    dataMode?: DataMode;
  }): Promise<FundedWorld> {
    const world = await createWorld({ dataMode });
    const [, , , alice, bob, mallory] = world.signers;
    await depositEth(world, alice, parseEther("10"));
    await depositEth(world, bob, parseEther("1"));
    const funded = new FundedWorld(world, alice, bob, mallory);
    if (sequenced) await funded.sequenceDeposits();
    return funded;
  }

  /** Has the sequencer batch the queued deposits, and reads Alice's and Bob's Layer-2 accounts. */
  async sequenceDeposits(): Promise<void> {
    const { sequencer } = this.world;
    await sequencer.tick(true);
    this.aliceIndex = sequencer.findAccount(ownerOfAddress(this.alice.address), 0)!;
    this.bobIndex = sequencer.findAccount(ownerOfAddress(this.bob.address), 0)!;
  }

  /** Alice's transfer of `amount` to Bob, signed at her next nonce. */
  transfer(amount: bigint): Promise<TransferTx> {
    return signedTransfer(this.world, this.alice, {
      from: this.aliceIndex,
      to: this.bobIndex,
      amount,
      nonce: this.nonce++,
    });
  }

  /** `n` of Alice's transfers to Bob at her next nonces, each of `amount` (default: the i-th of 1000 + i wei). */
  async transfers(n: number, amount?: bigint): Promise<TransferTx[]> {
    const txs: TransferTx[] = [];
    for (let i = 0; i < n; i++) txs.push(await this.transfer(amount ?? 1000n + BigInt(i)));
    return txs;
  }

  /** Mallory commits a batch of `txs` that lies at `lieAt`, built on `follower` (a new node by default). */
  async lie(
    o: Pick<LieOptions, "txs" | "lieAt" | "on" | "calldata"> & { follower?: ChainFollower },
  ): Promise<MalloryLie> {
    const { rollup, bridgeClient } = this.world;
    const follower = o.follower ?? (await this.world.newFollower());
    const archiveUrl = this.world.blobArchiveUrl;
    const lie = await commitLyingBatch({
      rollup,
      bridge: bridgeClient,
      follower,
      // A blob transaction is signed locally: Mallory's own key (Hardhat's account 5) as a wallet.
      signer: archiveUrl ? new Wallet(localAccountKey(5), ethers.provider) : this.mallory,
      txs: o.txs,
      lieAt: o.lieAt,
      on: o.on,
      calldata: o.calldata,
      blobs: archiveUrl ? { kzg: await Kzg.load(), archiveUrl } : undefined,
    });
    return { ...lie, follower };
  }

  /** Mallory's player, defending `lies` (all built on the first one's node) by `strategy`. */
  liar(lies: readonly MalloryLie[], strategy?: Strategy): GamePlayer {
    return lyingPlayer(
      { rollup: this.world.rollup, follower: lies[0].follower, signer: this.mallory, strategy },
      new Map(lies.map((l) => [l.batchIndex, l.trace])),
    );
  }
}
