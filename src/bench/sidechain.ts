// Whole-transaction gas of the sidechain's Layer-1 entry points, as a user or a proposer pays it on a local
// chain, against a bridge and `Sidechain` contracts deployed by `deployBridge` and `deploySidechain`
// (LOCAL_SIDECHAIN_CONFIG). A checkpoint is measured in steady state (number 1: the chain's slot already
// written by checkpoint 0) at 4, 16 and 64 validators of equal stake, each time with the fewest signatures
// that make more than two thirds (`selectQuorum`). The deposit is measured in steady state too (the
// sidechain's queue and escrow exist); the exit pays the first withdrawal of a checkpoint that lists 16
// (a depth-4 proof), then a second one of the same bitmap word.
//
// Then, where Anvil is installed, the sidechain at work (a real node: Anvil, chain 31338, a block a second;
// four validators in this process with LOCAL_CHECKPOINT_RULE, following both chains; src/compare/sidechain.ts):
// - throughput: THROUGHPUT_SENDERS accounts hold sETH (deposited on Layer 1, minted by the validators'
//   state sync); THROUGHPUT_TRANSFERS sETH transfers, signed in advance, are sent at once, and the clock runs
//   from the first send until every one is mined. What bounds it: the node's block time and its block gas
//   limit (at most gasLimit / gas per transfer transfers a block), reported beside it;
// - checkpoint latency: from a burn's receipt (its block mined) to the checkpoint covering that block
//   accepted on Layer 1: a burn in each block of one checkpoint's span, the median and the longest.
import { performance } from "node:perf_hooks";
import type { Signer } from "ethers";
import { Wallet, id, parseEther, parseUnits } from "ethers";
import { Bridge__factory } from "../../typechain-types";
import {
  depositIntoSidechain,
  sETHOf,
  sidechainAvailable,
  startSidechainWorld,
  waitFor,
} from "../compare/sidechain";
import type { SidechainWorld } from "../compare/sidechain";
import { createLogger } from "../common/logger";
import { deployBridge } from "../bridge/deploy";
import type { Checkpoint } from "../sidechain/checkpoint";
import { checkpointWithdrawalTree, signCheckpoint } from "../sidechain/checkpoint";
import { LOCAL_SIDECHAIN_CONFIG, deploySidechain } from "../sidechain/deploy";
import { SIDECHAIN_BLOCK_TIME_S } from "../sidechain/node";
import { LOCAL_CHECKPOINT_RULE } from "../sidechain/stack";
import { selectQuorum } from "../sidechain/quorum";
import { SidechainClient } from "../sidechain/sidechain-client";
import type { WithdrawalData } from "../shared/types";
import type { WithdrawalTree } from "../shared/withdrawal";
import { ownerOfAddress } from "../shared/types";
import type { LocalChain } from "./chain";
import { gasOf, setBalance } from "./chain";
import { BenchRunError } from "./errors";
import type { Figures } from "./figures";
import { median } from "./figures";

/** The validator-set sizes a checkpoint is measured at. */
const SET_SIZES = [4, 16, 64] as const;
/** The set the deposit and the exit are measured against. */
const EXIT_SET_SIZE = 16;
const EXIT_WITHDRAWALS = 16;
/** Accounts sending sETH transfers at once, and the transfers they send between them. */
const THROUGHPUT_SENDERS = 10;
const THROUGHPUT_TRANSFERS = 6_000;
const POLL_MS = 50;

/** Signers 0–2: the owner (deployer, proposer), the user, the withdrawals' recipient. */
export async function benchSidechain(chain: LocalChain): Promise<Figures> {
  const [owner, user, recipient] = chain.signers;
  const { Bridge: bridgeAddress } = await deployBridge(owner);
  const wallets = Array.from({ length: Math.max(...SET_SIZES) }, (_, i) => {
    return new Wallet(id(`strata bench validator ${i}`), chain.provider);
  });
  for (const w of wallets) await setBalance(chain.provider, w.address, parseEther("10"));

  const figures: Figures = {};
  let exitSet: SidechainWithCheckpoints | undefined;
  for (const size of SET_SIZES) {
    const sidechain = await sidechainWithValidators(owner, bridgeAddress, wallets.slice(0, size));
    await sidechain.submitNext([]); // checkpoint 0: the first write of the chain's slot
    const { gas, signatures } = await sidechain.submitNext([]);
    figures[`sidechain.checkpoint.gas.${size}`] = gas;
    figures[`sidechain.checkpoint.signatures.${size}`] = signatures;
    if (size === EXIT_SET_SIZE) exitSet = sidechain;
  }
  if (!exitSet) throw new BenchRunError(`no sidechain with ${EXIT_SET_SIZE} validators`);

  const bridge = Bridge__factory.connect(bridgeAddress, user);
  const to = ownerOfAddress(await user.getAddress());
  await gasOf(bridge.depositEth(exitSet.address, to, { value: parseEther("100") }));
  figures["sidechain.deposit.gas"] = await gasOf(
    bridge.depositEth(exitSet.address, to, { value: parseEther("1") }),
  );

  const recipientAddress = await recipient.getAddress();
  const withdrawals: WithdrawalData[] = Array.from({ length: EXIT_WITHDRAWALS }, (_, i) => ({
    recipient: recipientAddress,
    tokenId: 0,
    amount: parseEther("0.01") * BigInt(i + 1),
  }));
  const { number, tree } = await exitSet.submitNext(withdrawals);
  const exit = (leaf: number) =>
    gasOf(
      bridge.finalizeWithdrawal(exitSet.address, number, withdrawals[leaf], leaf, tree.proof(leaf).siblings),
    );
  figures["sidechain.exit.gas"] = await exit(0); // the first paid leaf of its bitmap word
  figures["sidechain.exit.gasSameWord"] = await exit(1);
  figures["sidechain.exit.proofDepth"] = tree.depth;
  if (sidechainAvailable()) Object.assign(figures, await benchSidechainAtWork(chain, owner, bridgeAddress));
  return figures;
}

/** Throughput and checkpoint latency on a real sidechain node with four in-process validators. */
async function benchSidechainAtWork(chain: LocalChain, owner: Signer, bridge: string): Promise<Figures> {
  const world = await startSidechainWorld({
    layer1: chain.provider,
    layer1Deployer: owner,
    bridge,
    logger: createLogger({ scope: "bench:sidechain", level: "warn" }),
  });
  try {
    const senders = Array.from(
      { length: THROUGHPUT_SENDERS },
      (_, i) => new Wallet(id(`strata bench sidechain sender ${i}`)),
    );
    for (const s of senders) {
      await setBalance(chain.provider, s.address, parseEther("2"));
      await setBalance(world.provider, s.address, parseEther("10"));
    }
    await depositIntoSidechain(
      world,
      senders.map((s) => s.connect(chain.provider)),
      parseEther("1"),
    );
    return {
      ...(await measureThroughput(world, senders)),
      ...(await measureCheckpointLatency(world, senders[0])),
    };
  } finally {
    await world.stop();
  }
}

/** THROUGHPUT_TRANSFERS sETH transfers, signed in advance, sent at once; per second until all are mined. */
async function measureThroughput(world: SidechainWorld, senders: readonly Wallet[]): Promise<Figures> {
  const provider = world.provider;
  const token = await sETHOf(world.ctx);
  const chainId = (await provider.getNetwork()).chainId;
  const nonces = await Promise.all(senders.map((s) => provider.getTransactionCount(s.address)));
  const last = [...nonces];
  const raw: string[] = [];
  for (let k = 0; k < THROUGHPUT_TRANSFERS; k++) {
    const i = k % senders.length;
    raw.push(
      await senders[i].signTransaction({
        type: 2,
        chainId,
        nonce: last[i]++,
        to: await token.getAddress(),
        data: token.interface.encodeFunctionData("transfer", [
          senders[(i + 1) % senders.length].address,
          parseEther("0.0001"),
        ]),
        gasLimit: 60_000,
        maxFeePerGas: parseUnits("50", "gwei"),
        maxPriorityFeePerGas: parseUnits("1", "gwei"),
      }),
    );
  }
  const firstBlock = await provider.getBlockNumber();
  const started = performance.now();
  const hashes: string[] = [];
  for (let k = 0; k < raw.length; k += 100) {
    const chunk = raw
      .slice(k, k + 100)
      .map((tx) => provider.send("eth_sendRawTransaction", [tx]) as Promise<string>);
    hashes.push(...(await Promise.all(chunk)));
  }
  await waitFor(async () => {
    const mined = await Promise.all(senders.map((s) => provider.getTransactionCount(s.address, "latest")));
    return mined.every((n, i) => n === last[i]) ? true : undefined;
  }, `${THROUGHPUT_TRANSFERS} sETH transfers mined`);
  const seconds = (performance.now() - started) / 1000;
  const [firstReceipt, lastReceipt] = await Promise.all(
    [hashes[0], hashes[hashes.length - 1]].map((h) => provider.getTransactionReceipt(h)),
  );
  if (!firstReceipt || !lastReceipt || firstReceipt.status !== 1 || lastReceipt.status !== 1) {
    throw new BenchRunError("an sETH transfer of the throughput run failed");
  }
  const gasLimit = Number((await provider.getBlock(lastReceipt.blockNumber))!.gasLimit);
  const gasPerTransfer = Number(lastReceipt.gasUsed);
  const perBlock = Math.floor(gasLimit / gasPerTransfer);
  return {
    "sidechain.throughput.transfersPerSecond": Math.round(THROUGHPUT_TRANSFERS / seconds),
    "sidechain.throughput.transfers": THROUGHPUT_TRANSFERS,
    "sidechain.throughput.blocks": lastReceipt.blockNumber - firstBlock,
    "sidechain.throughput.gasPerTransfer": gasPerTransfer,
    "sidechain.throughput.blockGasLimit": gasLimit,
    // The node's ceiling: full blocks of transfers, one every block time.
    "sidechain.throughput.boundPerSecond": Math.round(perBlock / SIDECHAIN_BLOCK_TIME_S),
  };
}

/**
 * From a burn's receipt to the checkpoint covering its block accepted on Layer 1: one burn in each of
 * LOCAL_CHECKPOINT_RULE.span consecutive sidechain blocks, so that every place in a checkpoint's range is
 * sampled once (the first block of a range waits the longest); the median and the longest wait.
 */
async function measureCheckpointLatency(world: SidechainWorld, sender: Wallet): Promise<Figures> {
  const signer = sender.connect(world.provider);
  const burns: { block: number; mined: number }[] = [];
  for (let i = 0; i < LOCAL_CHECKPOINT_RULE.span; i++) {
    const { burn } = await world.ctx.child.withdraw(signer, {
      tokenId: 0,
      amount: parseEther("0.001"),
      recipient: sender.address,
    });
    burns.push({ block: burn.blockNumber, mined: performance.now() });
  }
  const covered = new Map<number, number>();
  await waitFor(
    async () => {
      const next = Number(await world.ctx.root.nextStartBlock());
      for (const b of burns)
        if (b.block < next && !covered.has(b.block)) covered.set(b.block, performance.now());
      return covered.size === new Set(burns.map((b) => b.block)).size ? true : undefined;
    },
    "checkpoints covering every burn",
    POLL_MS,
  );
  const samples = burns.map((b) => covered.get(b.block)! - b.mined);
  return {
    "sidechain.checkpoint.latencyMs": median(samples),
    "sidechain.checkpoint.latencyMaxMs": Math.round(Math.max(...samples)),
    "sidechain.checkpoint.latencySamples": samples.length,
    "sidechain.checkpoint.spanBlocks": LOCAL_CHECKPOINT_RULE.span,
  };
}

interface SidechainWithCheckpoints {
  address: string;
  /** Signs and submits the next checkpoint, listing `withdrawals`, with the fewest signatures that count. */
  submitNext(withdrawals: WithdrawalData[]): Promise<{
    number: bigint;
    gas: number;
    signatures: number;
    tree: WithdrawalTree;
  }>;
}

/** A `Sidechain` registered with the bridge, `validators` staked MIN_STAKE each. */
async function sidechainWithValidators(
  owner: Signer,
  bridge: string,
  validators: readonly Wallet[],
): Promise<SidechainWithCheckpoints> {
  const { Sidechain: address } = await deploySidechain(owner, { bridge });
  const client = new SidechainClient(address, owner);
  for (const v of validators) await client.stake(v, LOCAL_SIDECHAIN_CONFIG.minStake);
  const domain = await client.domain();
  const stakes = new Map((await client.validators()).map((v) => [v.address, v.stake]));
  const totalStake = await client.totalStake();
  return {
    address,
    async submitNext(withdrawals) {
      const tree = await checkpointWithdrawalTree(withdrawals);
      const number = await client.checkpointCount();
      const startBlock = await client.nextStartBlock();
      const checkpoint: Checkpoint = {
        number,
        startBlock,
        endBlock: startBlock + 99n,
        endBlockHash: id(`sidechain block ${startBlock + 99n}`),
        withdrawalRoot: tree.root,
      };
      const signed = await Promise.all(validators.map((v) => signCheckpoint(v, domain, checkpoint)));
      const quorum = selectQuorum(signed, (s) => stakes.get(s) ?? 0n, totalStake);
      if (!quorum) throw new BenchRunError(`${validators.length} validators make no quorum`);
      const { receipt } = await client.submitCheckpoint(owner, checkpoint, quorum);
      return { number, gas: Number(receipt.gasUsed), signatures: quorum.length, tree };
    },
  };
}
