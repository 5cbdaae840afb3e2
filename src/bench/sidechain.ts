// Whole-transaction gas of the sidechain's Layer-1 entry points, as a user or a proposer pays it on a local
// chain, against a bridge and `Sidechain` contracts deployed by `deployBridge` and `deploySidechain`
// (LOCAL_SIDECHAIN_CONFIG). A checkpoint is measured in steady state (number 1: the chain's slot already
// written by checkpoint 0) at 4, 16 and 64 validators of equal stake, each time with the fewest signatures
// that make more than two thirds (`selectQuorum`). The deposit is measured in steady state too (the
// sidechain's queue and escrow exist); the exit pays the first withdrawal of a checkpoint that lists 16
// (a depth-4 proof), then a second one of the same bitmap word.
import type { Signer } from "ethers";
import { Wallet, id, parseEther } from "ethers";
import { Bridge__factory } from "../../typechain-types";
import { deployBridge } from "../bridge/deploy";
import type { Checkpoint } from "../sidechain/checkpoint";
import { checkpointWithdrawalTree, signCheckpoint } from "../sidechain/checkpoint";
import { LOCAL_SIDECHAIN_CONFIG, deploySidechain } from "../sidechain/deploy";
import { selectQuorum } from "../sidechain/quorum";
import { SidechainClient } from "../sidechain/sidechain-client";
import type { WithdrawalData } from "../shared/types";
import type { WithdrawalTree } from "../shared/withdrawal";
import { ownerOfAddress } from "../shared/types";
import type { LocalChain } from "./chain";
import { gasOf, setBalance } from "./chain";
import { BenchRunError } from "./errors";
import type { Figures } from "./figures";

/** The validator-set sizes a checkpoint is measured at. */
const SET_SIZES = [4, 16, 64] as const;
/** The set the deposit and the exit are measured against. */
const EXIT_SET_SIZE = 16;
const EXIT_WITHDRAWALS = 16;

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
  return figures;
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
