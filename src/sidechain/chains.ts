import type { Provider, Signer, TypedDataDomain } from "ethers";
import { Wallet, getAddress, getBytes, hexlify, recoverAddress } from "ethers";
import { BridgeClient, DepositQueueFollower } from "../bridge/client";
import type { Checkpoint } from "./checkpoint";
import { checkpointDigest, signCheckpoint } from "./checkpoint";
import { ChildBridgeClient } from "./child-bridge";
import type { ValidatorSignature } from "./quorum";
import { SidechainClient } from "./sidechain-client";
import { signStateSync, signValidatorSetSync, stateSyncDigest, validatorSetSyncDigest } from "./state-sync";
import type { ValidatorLayer1, ValidatorSidechain } from "./validator";

/**
 * One sidechain, as every party reads it: its Layer-1 side (the `Bridge` holding its escrow and deposit
 * queue, the `Sidechain` contract with the validator set and the checkpoints) and its own chain (the
 * `ChildBridge`), each through its own provider. Nothing here assumes which nodes those are.
 */
export interface SidechainContext {
  layer1: Provider;
  sidechain: Provider;
  bridge: BridgeClient;
  /** The `Sidechain` contract on Layer 1. */
  root: SidechainClient;
  child: ChildBridgeClient;
}

export interface SidechainAddresses {
  /** Layer 1's `Bridge`. */
  bridge: string;
  /** Layer 1's `Sidechain`. */
  sidechain: string;
  /** The sidechain's `ChildBridge`. */
  childBridge: string;
}

export function sidechainContext(
  layer1: Provider,
  sidechain: Provider,
  addresses: SidechainAddresses,
): SidechainContext {
  return {
    layer1,
    sidechain,
    bridge: new BridgeClient(addresses.bridge, layer1),
    root: new SidechainClient(addresses.sidechain, layer1),
    child: new ChildBridgeClient(addresses.childBridge, sidechain),
  };
}

/** A validator's key on both chains: its Layer-1 account (stake, checkpoints) and its sidechain account (syncs). */
export interface ValidatorKey {
  layer1: Signer;
  sidechain: Signer;
  address: string;
}

/** The validator whose private key is `privateKey`, on both chains of `ctx`. */
export function validatorKey(ctx: SidechainContext, privateKey: string): ValidatorKey {
  const layer1 = new Wallet(privateKey, ctx.layer1);
  return { layer1, sidechain: new Wallet(privateKey, ctx.sidechain), address: layer1.address };
}

/** Layer 1 as validator `key` reads and writes it (see `ValidatorLayer1`). */
export async function validatorLayer1(ctx: SidechainContext, key: ValidatorKey): Promise<ValidatorLayer1> {
  const domain: TypedDataDomain = await ctx.root.domain();
  const queue = new DepositQueueFollower(ctx.bridge, ctx.root.address);
  return {
    async checkpointHead() {
      const [count, nextStartBlock] = await Promise.all([
        ctx.root.checkpointCount(),
        ctx.root.nextStartBlock(),
      ]);
      return { count: Number(count), nextStartBlock: Number(nextStartBlock) };
    },
    acceptedCheckpoint: (number) => acceptedCheckpoint(ctx.root, number),
    async acceptedSignatures(number) {
      const accepted = await acceptedCheckpoint(ctx.root, number);
      if (!accepted) return [];
      return submittedSignatures(ctx.root, number, checkpointDigest(domain, accepted));
    },
    async slash(evidence) {
      const receipt = await ctx.root.slash(key.layer1, evidence);
      return { receipt, reward: ctx.root.eventIn(receipt, "ValidatorSlashed").args.reward as bigint };
    },
    async validators() {
      const list = await ctx.root.validators();
      return list
        .map((v) => ({ address: getAddress(v.address), stake: v.stake }))
        .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    },
    checkpointDigest: (checkpoint) => checkpointDigest(domain, checkpoint),
    signCheckpoint: (checkpoint) => signCheckpoint(key.layer1, domain, checkpoint),
    async submitCheckpoint(checkpoint, signatures) {
      return (await ctx.root.submitCheckpoint(key.layer1, checkpoint, signatures)).receipt;
    },
    deposits: () => queue.sync(),
  };
}

/** The sidechain as validator `key` reads and writes it (see `ValidatorSidechain`). */
export async function validatorSidechain(
  ctx: SidechainContext,
  key: ValidatorKey,
): Promise<ValidatorSidechain> {
  const domain = await ctx.child.domain();
  return {
    headBlock: () => ctx.sidechain.getBlockNumber(),
    async blockHash(number) {
      const block = await ctx.sidechain.getBlock(number);
      if (!block?.hash) throw new Error(`the sidechain has no block ${number}`);
      return block.hash;
    },
    async burns(from, to) {
      const burns = await ctx.child.readBurns(from, to);
      return burns.map(({ recipient, tokenId, amount }) => ({ recipient, tokenId, amount }));
    },
    syncedCount: async () => Number(await ctx.child.syncedCount()),
    async syncedAt(block) {
      const [count, head] = await Promise.all([
        ctx.child.contract.syncedCount({ blockTag: block }),
        ctx.child.contract.syncedHead({ blockTag: block }),
      ]);
      return { count: Number(count), head };
    },
    async mirror() {
      const [nonce, totalStake] = await Promise.all([ctx.child.validatorSetNonce(), ctx.child.totalStake()]);
      return { nonce, totalStake, stakeOf: (validator: string) => ctx.child.stakeOf(validator) };
    },
    validatorSetSyncDigest: (set) => validatorSetSyncDigest(domain, set),
    signValidatorSetSync: (set) => signValidatorSetSync(key.sidechain, domain, set),
    syncValidators: (set, signatures) => ctx.child.syncValidators(key.sidechain, set, signatures),
    stateSyncDigest: (sync) => stateSyncDigest(domain, sync),
    signStateSync: (sync) => signStateSync(key.sidechain, domain, sync),
    syncDeposits: (sync, deposits, signatures) =>
      ctx.child.syncDeposits(key.sidechain, sync, deposits, signatures),
  };
}

/**
 * The signatures checkpoint `number` was submitted with: its transaction's calldata, split into 64-byte
 * signatures and each recovered on `digest`. Empty when it was submitted through another contract.
 */
export async function submittedSignatures(
  root: SidechainClient,
  number: number,
  digest: string,
): Promise<ValidatorSignature[]> {
  const [log] = await root.contract.queryFilter(root.contract.filters.CheckpointSubmitted(number));
  if (!log) return [];
  const tx = await log.getTransaction();
  const call = root.contract.interface.parseTransaction({ data: tx.data });
  if (call?.name !== "submitCheckpoint") return [];
  const packed = getBytes(call.args[1] as string);
  const signatures: ValidatorSignature[] = [];
  for (let offset = 0; offset + 64 <= packed.length; offset += 64) {
    const signature = hexlify(packed.slice(offset, offset + 64));
    signatures.push({ signer: recoverAddress(digest, signature), signature });
  }
  return signatures;
}

/** The checkpoints Layer 1 accepted (those numbered `number` only, if given), from their events. */
export async function acceptedCheckpoints(root: SidechainClient, number?: number): Promise<Checkpoint[]> {
  const logs = await root.contract.queryFilter(root.contract.filters.CheckpointSubmitted(number));
  return logs.map(({ args }) => ({
    number: args.number,
    startBlock: args.startBlock,
    endBlock: args.endBlock,
    endBlockHash: args.endBlockHash,
    withdrawalRoot: args.withdrawalRoot,
  }));
}

/** The checkpoint Layer 1 accepted with number `number`, from its `CheckpointSubmitted` event. */
export async function acceptedCheckpoint(
  root: SidechainClient,
  number: number,
): Promise<Checkpoint | undefined> {
  return (await acceptedCheckpoints(root, number))[0];
}
